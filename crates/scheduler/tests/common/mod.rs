//! Shared test support: an independent checker of the plan format's hard rules, and
//! small problem builders. The checker reuses none of the planner's code: it works on
//! the JSON-level types with its own working-day logic and its own feasibility tests.
#![allow(dead_code)]

use chrono::{Datelike, NaiveDate, Weekday};
use onevisit_scheduler::{
    AgencySpec, CalendarLists, EnterpriseSpec, Horizon, InspectorSpec, Plan, Problem, Reason,
    Request, Visit,
};
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

pub fn d(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").expect("test date")
}

/// The checker's own idea of a working day.
pub fn working(p: &Problem, date: NaiveDate) -> bool {
    if p.calendar.workdays.contains(&date) {
        return true;
    }
    let weekend = matches!(date.weekday(), Weekday::Sat | Weekday::Sun);
    !weekend && !p.calendar.holidays.contains(&date)
}

pub fn open(p: &Problem, ent: &EnterpriseSpec, date: NaiveDate) -> bool {
    date >= p.horizon.start
        && date <= p.horizon.end
        && working(p, date)
        && !ent
            .quiet
            .iter()
            .any(|q| q.start() <= date && date <= q.end())
}

/// Every date from `a` to `b`.
pub fn dates(a: NaiveDate, b: NaiveDate) -> Vec<NaiveDate> {
    let mut out = Vec::new();
    let mut x = a;
    while x <= b {
        out.push(x);
        x = x.succ_opt().expect("date");
    }
    out
}

/// A plan seen through the checker's eyes.
pub struct View<'a> {
    pub p: &'a Problem,
    pub plan: &'a Plan,
    pub req: HashMap<&'a str, &'a Request>,
    pub ent: HashMap<&'a str, &'a EnterpriseSpec>,
    pub agency: HashMap<&'a str, &'a AgencySpec>,
    pub insp: HashMap<&'a str, &'a InspectorSpec>,
    pub locked: HashMap<&'a str, &'a Visit>,
}

impl<'a> View<'a> {
    pub fn new(p: &'a Problem, plan: &'a Plan) -> Self {
        View {
            p,
            plan,
            req: p.requests.iter().map(|r| (r.id.as_str(), r)).collect(),
            ent: p.enterprises.iter().map(|e| (e.id.as_str(), e)).collect(),
            agency: p.agencies.iter().map(|a| (a.id.as_str(), a)).collect(),
            insp: p.inspectors.iter().map(|i| (i.id.as_str(), i)).collect(),
            locked: p.locked.iter().map(|v| (v.id.as_str(), v)).collect(),
        }
    }

    /// Agencies taking part in a visit: named in its teams or with a request in it.
    pub fn agencies_of(&self, v: &Visit) -> BTreeSet<String> {
        let mut out: BTreeSet<String> = v.inspectors.iter().map(|t| t.agency.clone()).collect();
        for r in &v.requests {
            if let Some(q) = self.req.get(r.as_str()) {
                out.insert(q.agency.clone());
            }
        }
        out
    }

    fn team<'v>(&self, v: &'v Visit, agency: &str) -> Option<&'v Vec<String>> {
        v.inspectors
            .iter()
            .find(|t| t.agency == agency)
            .map(|t| &t.inspectors)
    }

    fn counted(&self, v: &Visit) -> bool {
        !v.requests
            .iter()
            .any(|r| self.req.get(r.as_str()).is_some_and(|q| q.urgent))
    }

    fn busy_on(&self, date: NaiveDate) -> HashSet<&str> {
        self.plan
            .visits
            .iter()
            .filter(|v| v.date == date)
            .flat_map(|v| {
                v.inspectors
                    .iter()
                    .flat_map(|t| t.inspectors.iter().map(String::as_str))
            })
            .collect()
    }

    /// Free, eligible inspectors of `agency` for `ent` on `date`.
    fn free_eligible(&self, agency: &str, ent: &str, date: NaiveDate) -> usize {
        let busy = self.busy_on(date);
        self.p
            .inspectors
            .iter()
            .filter(|i| {
                i.agency == agency
                    && !busy.contains(i.id.as_str())
                    && !i.unavailable.contains(&date)
                    && !i.conflicts.iter().any(|c| c == ent)
            })
            .count()
    }

    fn agency_load(&self, agency: &str, date: NaiveDate) -> usize {
        self.plan
            .visits
            .iter()
            .filter(|v| v.date == date && self.agencies_of(v).contains(agency))
            .count()
    }

    fn counted_visits(&self, ent: &str) -> usize {
        self.plan
            .visits
            .iter()
            .filter(|v| v.enterprise == ent && self.counted(v))
            .count()
    }

    /// Whether visit `v` could take request `q` as the plan stands.
    pub fn can_join(&self, v: &Visit, q: &Request) -> bool {
        let Some(ent) = self.ent.get(q.enterprise.as_str()) else {
            return false;
        };
        let Some(agency) = self.agency.get(q.agency.as_str()) else {
            return false;
        };
        if v.enterprise != q.enterprise
            || v.date < q.earliest
            || v.date > q.latest
            || !open(self.p, ent, v.date)
        {
            return false;
        }
        let extra = match self.team(v, &q.agency) {
            Some(team) => (q.inspectors as usize).saturating_sub(team.len()),
            None => {
                if self.agencies_of(v).contains(&q.agency) {
                    q.inspectors as usize
                } else {
                    if self.agency_load(&q.agency, v.date) >= agency.daily_capacity as usize {
                        return false;
                    }
                    q.inspectors as usize
                }
            }
        };
        extra == 0 || self.free_eligible(&q.agency, &q.enterprise, v.date) >= extra
    }

    /// Whether `q` could open a new visit on `date` as the plan stands.
    pub fn can_open(&self, q: &Request, date: NaiveDate) -> bool {
        let Some(ent) = self.ent.get(q.enterprise.as_str()) else {
            return false;
        };
        let Some(agency) = self.agency.get(q.agency.as_str()) else {
            return false;
        };
        if date < q.earliest || date > q.latest || !open(self.p, ent, date) {
            return false;
        }
        if self
            .plan
            .visits
            .iter()
            .any(|v| v.enterprise == q.enterprise && v.date == date)
        {
            return false;
        }
        if !q.urgent
            && let Some(cap) = ent.max_visits
            && self.counted_visits(&q.enterprise) >= cap as usize
        {
            return false;
        }
        self.agency_load(&q.agency, date) < agency.daily_capacity as usize
            && self.free_eligible(&q.agency, &q.enterprise, date) >= q.inspectors as usize
    }

    pub fn placeable(&self, q: &Request) -> bool {
        self.plan.visits.iter().any(|v| self.can_join(v, q))
            || dates(
                q.earliest.max(self.p.horizon.start),
                q.latest.min(self.p.horizon.end),
            )
            .into_iter()
            .any(|day| self.can_open(q, day))
    }

    /// The first reason of the spec's list that holds, by the checker's own logic.
    pub fn expected_reason(&self, q: &Request) -> Reason {
        let (Some(ent), Some(agency)) = (
            self.ent.get(q.enterprise.as_str()),
            self.agency.get(q.agency.as_str()),
        ) else {
            return Reason::UnknownReference;
        };
        let window: Vec<NaiveDate> = dates(q.earliest, q.latest)
            .into_iter()
            .filter(|&x| open(self.p, ent, x))
            .collect();
        if window.is_empty() {
            return Reason::NoOpenDay;
        }
        if !q.urgent
            && let Some(cap) = ent.max_visits
            && self.counted_visits(&q.enterprise) >= cap as usize
            && !self.plan.visits.iter().any(|v| self.can_join(v, q))
        {
            return Reason::EnterpriseCap;
        }
        if window
            .iter()
            .any(|&x| self.agency_load(&q.agency, x) >= agency.daily_capacity as usize)
        {
            return Reason::AgencyCapacity;
        }
        Reason::NoInspector
    }
}

/// Checks every hard rule, "every request exactly once", the locked visits, the output
/// order, the stats and the reasons. Returns the list of violations.
pub fn check(p: &Problem, plan: &Plan) -> Vec<String> {
    check_opts(p, plan, true)
}

/// [`check`], without the reasons and local optimality when `full` is false (for plans
/// changed by hand, whose reasons were computed for the plan before the change).
pub fn check_opts(p: &Problem, plan: &Plan, full: bool) -> Vec<String> {
    let view = View::new(p, plan);
    let mut errs = Vec::new();

    // Every request exactly once.
    let mut seen: HashMap<&str, usize> = HashMap::new();
    for v in &plan.visits {
        for r in &v.requests {
            *seen.entry(r.as_str()).or_default() += 1;
        }
    }
    for u in &plan.unscheduled {
        *seen.entry(u.request.as_str()).or_default() += 1;
    }
    for r in &p.requests {
        match seen.get(r.id.as_str()) {
            Some(1) => {}
            n => errs.push(format!("request {} appears {:?} times", r.id, n)),
        }
    }
    for k in seen.keys() {
        if !view.req.contains_key(k) {
            errs.push(format!("plan names unknown request {k}"));
        }
    }

    // Visit ids unique; locked visits kept.
    let mut ids = HashSet::new();
    for v in &plan.visits {
        if !ids.insert(v.id.as_str()) {
            errs.push(format!("duplicate visit id {}", v.id));
        }
    }
    for l in &p.locked {
        match plan.visits.iter().find(|v| v.id == l.id) {
            None => errs.push(format!("locked visit {} missing", l.id)),
            Some(v) => {
                if v.enterprise != l.enterprise || v.date != l.date {
                    errs.push(format!("locked visit {} moved", l.id));
                }
                for r in &l.requests {
                    if !v.requests.contains(r) {
                        errs.push(format!("locked visit {} lost request {r}", l.id));
                    }
                }
                for t in &l.inspectors {
                    for i in &t.inspectors {
                        if !view.team(v, &t.agency).is_some_and(|x| x.contains(i)) {
                            errs.push(format!("locked visit {} lost inspector {i}", l.id));
                        }
                    }
                }
            }
        }
    }

    for v in &plan.visits {
        let orig = view.locked.get(v.id.as_str()).copied();
        let added: Vec<&Request> = v
            .requests
            .iter()
            .filter(|r| orig.is_none_or(|l| !l.requests.contains(r)))
            .filter_map(|r| view.req.get(r.as_str()).copied())
            .collect();
        if orig.is_none() && v.requests.is_empty() {
            errs.push(format!("visit {} is empty", v.id));
        }
        // Rule 1.
        if !added.is_empty() {
            match view.ent.get(v.enterprise.as_str()) {
                None => errs.push(format!("visit {} of unknown enterprise", v.id)),
                Some(ent) => {
                    if !open(p, ent, v.date) {
                        errs.push(format!("visit {} on {} which is not open", v.id, v.date));
                    }
                }
            }
        }
        for q in &added {
            if q.enterprise != v.enterprise {
                errs.push(format!(
                    "visit {} holds {} of another enterprise",
                    v.id, q.id
                ));
            }
            if v.date < q.earliest || v.date > q.latest {
                errs.push(format!(
                    "visit {} on {} is outside {}'s window",
                    v.id, v.date, q.id
                ));
            }
            if !view.agency.contains_key(q.agency.as_str()) {
                errs.push(format!(
                    "visit {} holds {} of an unknown agency",
                    v.id, q.id
                ));
            }
        }
        // Rule 2.
        let mut need: BTreeMap<&str, u32> = BTreeMap::new();
        for r in &v.requests {
            if let Some(q) = view.req.get(r.as_str()) {
                let e = need.entry(q.agency.as_str()).or_default();
                *e = (*e).max(q.inspectors);
            }
        }
        if orig.is_none() {
            let named: BTreeSet<&str> = v.inspectors.iter().map(|t| t.agency.as_str()).collect();
            let wanted: BTreeSet<&str> = need.keys().copied().collect();
            if named != wanted {
                errs.push(format!(
                    "visit {} names agencies {named:?}, requests need {wanted:?}",
                    v.id
                ));
            }
        }
        for t in &v.inspectors {
            let before: Vec<&String> = orig
                .and_then(|l| l.inspectors.iter().find(|x| x.agency == t.agency))
                .map(|x| x.inspectors.iter().collect())
                .unwrap_or_default();
            let distinct: BTreeSet<&String> = t.inspectors.iter().collect();
            if distinct.len() != t.inspectors.len() && orig.is_none() {
                errs.push(format!("visit {} repeats an inspector", v.id));
            }
            let wanted = need.get(t.agency.as_str()).copied().unwrap_or(0) as usize;
            let added_need = added
                .iter()
                .filter(|q| q.agency == t.agency)
                .map(|q| q.inspectors as usize)
                .max()
                .unwrap_or(0);
            if orig.is_none() && t.inspectors.len() != wanted {
                errs.push(format!(
                    "visit {} team {} has {} not {wanted}",
                    v.id,
                    t.agency,
                    t.inspectors.len()
                ));
            }
            if orig.is_some() && t.inspectors.len() < added_need {
                errs.push(format!(
                    "locked visit {} team {} too small for added requests",
                    v.id, t.agency
                ));
            }
            for i in &t.inspectors {
                if before.contains(&i) {
                    continue;
                }
                match view.insp.get(i.as_str()) {
                    None => errs.push(format!("visit {} names unknown inspector {i}", v.id)),
                    Some(spec) => {
                        if spec.agency != t.agency {
                            errs.push(format!("visit {}: {i} is not of {}", v.id, t.agency));
                        }
                        if spec.unavailable.contains(&v.date) {
                            errs.push(format!("visit {}: {i} is unavailable on {}", v.id, v.date));
                        }
                        if spec.conflicts.contains(&v.enterprise) {
                            errs.push(format!(
                                "visit {}: {i} has a conflict with {}",
                                v.id, v.enterprise
                            ));
                        }
                    }
                }
            }
        }
    }

    // Rules 3, 4, 6: per day. A breach made of locked visits alone is not the
    // planner's fault.
    let is_orig_locked = |v: &Visit| view.locked.contains_key(v.id.as_str());
    let mut by_day: BTreeMap<NaiveDate, Vec<&Visit>> = BTreeMap::new();
    for v in &plan.visits {
        by_day.entry(v.date).or_default().push(v);
    }
    for (date, vs) in &by_day {
        let mut insp: HashMap<&str, Vec<&Visit>> = HashMap::new();
        for v in vs {
            for t in &v.inspectors {
                for i in &t.inspectors {
                    insp.entry(i.as_str()).or_default().push(v);
                }
            }
        }
        for (i, list) in insp {
            if list.len() > 1 {
                let planner_made = list.iter().any(|v| {
                    view.locked.get(v.id.as_str()).is_none_or(|l| {
                        !l.inspectors
                            .iter()
                            .any(|t| t.inspectors.iter().any(|x| x == i))
                    })
                });
                if planner_made {
                    errs.push(format!("inspector {i} in {} visits on {date}", list.len()));
                }
            }
        }
        for a in &p.agencies {
            let taking: Vec<&&Visit> = vs
                .iter()
                .filter(|v| view.agencies_of(v).contains(&a.id))
                .collect();
            if taking.len() > a.daily_capacity as usize {
                let planner_made = taking.iter().any(|v| {
                    view.locked.get(v.id.as_str()).is_none_or(|l| {
                        !l.inspectors.iter().any(|t| t.agency == a.id)
                            && !l
                                .requests
                                .iter()
                                .any(|r| view.req.get(r.as_str()).is_some_and(|q| q.agency == a.id))
                    })
                });
                if planner_made {
                    errs.push(format!(
                        "agency {} in {} visits on {date}, capacity {}",
                        a.id,
                        taking.len(),
                        a.daily_capacity
                    ));
                }
            }
        }
        let mut per_ent: HashMap<&str, Vec<&Visit>> = HashMap::new();
        for v in vs {
            per_ent.entry(v.enterprise.as_str()).or_default().push(v);
        }
        for (e, list) in per_ent {
            if list.len() > 1 && list.iter().any(|v| !is_orig_locked(v)) {
                errs.push(format!(
                    "enterprise {e} has {} visits on {date}",
                    list.len()
                ));
            }
        }
    }
    // Rule 5.
    for ent in &p.enterprises {
        if let Some(cap) = ent.max_visits {
            let counted: Vec<&Visit> = plan
                .visits
                .iter()
                .filter(|v| v.enterprise == ent.id && view.counted(v))
                .collect();
            if counted.len() > cap as usize && counted.iter().any(|v| !is_orig_locked(v)) {
                errs.push(format!(
                    "enterprise {} has {} counted visits, cap {cap}",
                    ent.id,
                    counted.len()
                ));
            }
        }
    }

    // Order.
    for w in plan.visits.windows(2) {
        if (w[0].date, &w[0].enterprise, &w[0].id) >= (w[1].date, &w[1].enterprise, &w[1].id) {
            errs.push(format!(
                "visits out of order: {} before {}",
                w[0].id, w[1].id
            ));
        }
    }
    for w in plan.unscheduled.windows(2) {
        if w[0].request >= w[1].request {
            errs.push(format!(
                "unscheduled out of order: {} before {}",
                w[0].request, w[1].request
            ));
        }
    }

    // Stats.
    let scheduled: usize = plan.visits.iter().map(|v| v.requests.len()).sum();
    if plan.stats.requests != p.requests.len() as u64
        || plan.stats.scheduled != scheduled as u64
        || plan.stats.visits != plan.visits.len() as u64
    {
        errs.push(format!("stats wrong: {:?}", plan.stats));
    }
    if plan.stats.lower_bound > plan.stats.visits {
        errs.push(format!(
            "lower bound {} above visits",
            plan.stats.lower_bound
        ));
    }
    if p.locked.is_empty() {
        let bound = stabbing_bound(p, plan);
        if plan.stats.lower_bound < bound {
            errs.push(format!(
                "lower bound {} below the stabbing bound {bound}",
                plan.stats.lower_bound
            ));
        }
    }

    // Reasons, and local optimality.
    if !full {
        return errs;
    }
    for u in &plan.unscheduled {
        let Some(q) = view.req.get(u.request.as_str()) else {
            continue;
        };
        let want = view.expected_reason(q);
        if u.reason != want {
            errs.push(format!(
                "{}: reason {} but the first that holds is {}",
                q.id, u.reason, want
            ));
        }
        if q.urgent && u.reason == Reason::EnterpriseCap {
            errs.push(format!("urgent {} refused by the burden cap", q.id));
        }
        if want != Reason::UnknownReference && want != Reason::NoOpenDay && view.placeable(q) {
            errs.push(format!("{} left out although it could be placed", q.id));
        }
    }
    errs
}

/// The checker's own stabbing bound: per enterprise, the least number of open days
/// meeting every scheduled request's window.
pub fn stabbing_bound(p: &Problem, plan: &Plan) -> u64 {
    let view = View::new(p, plan);
    let mut per_ent: HashMap<&str, Vec<(NaiveDate, NaiveDate)>> = HashMap::new();
    for v in &plan.visits {
        for r in &v.requests {
            let q = view.req[r.as_str()];
            let Some(ent) = view.ent.get(q.enterprise.as_str()) else {
                continue;
            };
            let open_days: Vec<NaiveDate> = dates(q.earliest, q.latest)
                .into_iter()
                .filter(|&x| open(p, ent, x))
                .collect();
            if let (Some(&a), Some(&b)) = (open_days.first(), open_days.last()) {
                per_ent
                    .entry(q.enterprise.as_str())
                    .or_default()
                    .push((a, b));
            }
        }
    }
    let mut total = 0;
    for (_, mut list) in per_ent {
        list.sort_by_key(|&(a, b)| (b, a));
        let mut last: Option<NaiveDate> = None;
        for (a, b) in list {
            if last.is_none_or(|x| x < a) {
                total += 1;
                last = Some(b);
            }
        }
    }
    total
}

pub fn assert_valid(p: &Problem, plan: &Plan) {
    let errs = check(p, plan);
    assert!(
        errs.is_empty(),
        "plan breaks rules:\n{}\nplan: {}",
        errs.join("\n"),
        plan.to_json(true)
    );
}

// ----------------------------------------------------------------------------------
// Builders.

pub fn calendar_2026() -> CalendarLists {
    CalendarLists {
        holidays: dates(d("2026-01-01"), d("2026-01-03"))
            .into_iter()
            .chain(dates(d("2026-02-15"), d("2026-02-23")))
            .collect(),
        workdays: vec![d("2026-01-04"), d("2026-02-14"), d("2026-02-28")],
    }
}

pub fn problem(start: &str, end: &str) -> Problem {
    Problem {
        horizon: Horizon {
            start: d(start),
            end: d(end),
        },
        calendar: calendar_2026(),
        agencies: Vec::new(),
        inspectors: Vec::new(),
        enterprises: Vec::new(),
        requests: Vec::new(),
        locked: Vec::new(),
    }
}

pub fn agency(p: &mut Problem, id: &str, cap: u32, roster: usize) {
    p.agencies.push(AgencySpec {
        id: id.into(),
        daily_capacity: cap,
    });
    for k in 0..roster {
        p.inspectors.push(InspectorSpec {
            id: format!("{id}-{:02}", k + 1),
            agency: id.into(),
            unavailable: Vec::new(),
            conflicts: Vec::new(),
        });
    }
}

pub fn enterprise(p: &mut Problem, id: &str, cap: Option<u32>) {
    p.enterprises.push(EnterpriseSpec {
        id: id.into(),
        max_visits: cap,
        quiet: Vec::new(),
    });
}

/// Adds a request written as `"ID AGENCY ENTERPRISE FROM..TO [team=N] [urgent]"`, for
/// example `"R1 fire E1 2026-02-02..2026-02-06 team=2"` (team 1 and routine by default).
pub fn request(p: &mut Problem, spec: &str) {
    let words: Vec<&str> = spec.split(' ').collect();
    let [id, agency, ent, window, options @ ..] = words.as_slice() else {
        panic!("request spec {spec:?}: ID AGENCY ENTERPRISE FROM..TO [team=N] [urgent]");
    };
    let (a, b) = window.split_once("..").expect("request window FROM..TO");
    let mut request = Request {
        id: (*id).into(),
        agency: (*agency).into(),
        enterprise: (*ent).into(),
        earliest: d(a),
        latest: d(b),
        inspectors: 1,
        urgent: false,
    };
    for option in options {
        match option.split_once('=') {
            Some(("team", n)) => request.inspectors = n.parse().expect("team=N"),
            None if *option == "urgent" => request.urgent = true,
            _ => panic!("request spec {spec:?}: unknown option {option:?}"),
        }
    }
    p.requests.push(request);
}

pub fn reason_of(plan: &Plan, id: &str) -> Option<Reason> {
    plan.unscheduled
        .iter()
        .find(|u| u.request == id)
        .map(|u| u.reason)
}

pub fn visit_of<'a>(plan: &'a Plan, id: &str) -> Option<&'a Visit> {
    plan.visits
        .iter()
        .find(|v| v.requests.iter().any(|r| r == id))
}

/// Plans, checks with the independent checker, and checks that the JSON written
/// directly equals the plan's own JSON.
pub fn plan_checked(p: &Problem) -> Plan {
    let plan = onevisit_scheduler::plan(p).expect("problem is well-formed");
    assert_valid(p, &plan);
    plan
}

// ----------------------------------------------------------------------------------
// Random small problems (from a seed, so proptest only has to draw numbers).

pub fn random_problem(seed: u64) -> Problem {
    use rand::rngs::StdRng;
    use rand::{Rng, SeedableRng};
    let mut rng = StdRng::seed_from_u64(seed);
    let start = d("2026-02-09");
    let end = d("2026-03-06");
    let days = (end - start).num_days() as u64 + 1;
    let mut p = problem("2026-02-09", "2026-03-06");
    let n_agencies = rng.random_range(1..=3);
    for a in 0..n_agencies {
        let id = ["fire", "ecology", "housing"][a];
        p.agencies.push(AgencySpec {
            id: id.into(),
            daily_capacity: rng.random_range(0..=3),
        });
    }
    let n_ent = rng.random_range(1..=5usize);
    for e in 0..n_ent {
        let quiet = if rng.random_ratio(1, 4) {
            let a = start + chrono::Days::new(rng.random_range(0..days));
            let b = a + chrono::Days::new(rng.random_range(0..8));
            vec![onevisit_domain::DateRange::new(a, b).expect("range")]
        } else {
            Vec::new()
        };
        p.enterprises.push(EnterpriseSpec {
            id: format!("E{e}"),
            max_visits: rng.random_ratio(1, 3).then(|| rng.random_range(0..=2)),
            quiet,
        });
    }
    for a in 0..n_agencies {
        let id = ["fire", "ecology", "housing"][a];
        for k in 0..rng.random_range(0..=4) {
            let unavailable = (0..rng.random_range(0..3))
                .map(|_| start + chrono::Days::new(rng.random_range(0..days)))
                .collect();
            let conflicts = if rng.random_ratio(1, 4) {
                vec![format!("E{}", rng.random_range(0..n_ent))]
            } else {
                Vec::new()
            };
            p.inspectors.push(InspectorSpec {
                id: format!("{id}-{k}"),
                agency: id.into(),
                unavailable,
                conflicts,
            });
        }
    }
    for r in 0..rng.random_range(0..=25) {
        let agency = if rng.random_ratio(1, 30) {
            "transport".to_string()
        } else {
            ["fire", "ecology", "housing"][rng.random_range(0..n_agencies)].to_string()
        };
        let enterprise = if rng.random_ratio(1, 30) {
            "E99".to_string()
        } else {
            format!("E{}", rng.random_range(0..n_ent))
        };
        let a = start + chrono::Days::new(rng.random_range(0..days + 4)) - chrono::Days::new(2);
        let b = a + chrono::Days::new(rng.random_range(0..12));
        p.requests.push(Request {
            id: format!("R{r:03}"),
            agency,
            enterprise,
            earliest: a,
            latest: b,
            inspectors: rng.random_range(1..=3),
            urgent: rng.random_ratio(1, 5),
        });
    }
    p
}

/// The same problem with every list shuffled.
pub fn shuffled(p: &Problem, seed: u64) -> Problem {
    use rand::SeedableRng;
    use rand::rngs::StdRng;
    use rand::seq::SliceRandom;
    let mut rng = StdRng::seed_from_u64(seed);
    let mut q = p.clone();
    q.agencies.shuffle(&mut rng);
    q.inspectors.shuffle(&mut rng);
    q.enterprises.shuffle(&mut rng);
    q.requests.shuffle(&mut rng);
    q.locked.shuffle(&mut rng);
    q
}
