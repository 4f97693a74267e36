//! The planning algorithm (see the crate documentation for the walk-through).

use crate::model::{Model, NONE, Req};
use crate::plan::{Plan, Reason, Stats};
use crate::problem::{Problem, ProblemError};
use crate::state::State;
use std::collections::VecDeque;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// How hard to plan.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PlanOptions {
    /// `None` (the default): the bounded passes only, deterministic, well under a
    /// second at 160,000 requests. `Some(limit)`: then keep improving (re-optimising
    /// enterprises and moving blocking visits, without the default's bounds) in rounds
    /// until a round gains nothing or `limit` has passed since planning started; every
    /// move keeps the plan valid and none makes it worse, so the plan returned is the
    /// best found. The result can then depend on the machine's speed.
    pub time_limit: Option<Duration>,
}

/// Plans a problem. Pure and deterministic: the same problem (in any order of its
/// lists) gives the same plan.
pub fn plan(problem: &Problem) -> Result<Plan, ProblemError> {
    plan_with(problem, &PlanOptions::default())
}

/// [`plan`] with options (a time limit for more improvement).
pub fn plan_with(problem: &Problem, options: &PlanOptions) -> Result<Plan, ProblemError> {
    let started = Instant::now();
    let model = Arc::new(Model::build(problem, None)?);
    Ok(plan_model(problem, model, options, started))
}

/// Reads, checks and plans a problem given as JSON, interning it only once (what the
/// command line should call).
pub fn plan_json(bytes: &[u8]) -> Result<Plan, ProblemError> {
    let problem = Problem::parse_json(bytes)?;
    plan(&problem)
}

/// The pending requests of each enterprise (known references, an open day, not
/// locked), sorted by (last open day, first open day, id): the order of the
/// interval-stabbing greedy.
pub(crate) struct Agenda {
    pub start: Vec<u32>,
    pub list: Vec<u32>,
}

impl Agenda {
    pub fn new(m: &Model) -> Agenda {
        let n_ent = m.ent_orig.len();
        let mut count = vec![0u32; n_ent + 1];
        let pending = |r: usize| {
            let q = &m.req[r];
            q.ent != NONE && q.agency != NONE && q.has_open_day() && m.req_locked[r] == NONE
        };
        for r in 0..m.req.len() {
            if pending(r) {
                count[m.req[r].ent as usize + 1] += 1;
            }
        }
        for e in 0..n_ent {
            count[e + 1] += count[e];
        }
        let start = count.clone();
        let mut fill = count;
        let mut list = vec![0u32; start[n_ent] as usize];
        for r in 0..m.req.len() {
            if pending(r) {
                let e = m.req[r].ent as usize;
                list[fill[e] as usize] = r as u32;
                fill[e] += 1;
            }
        }
        for e in 0..n_ent {
            let slice = &mut list[start[e] as usize..start[e + 1] as usize];
            slice.sort_unstable_by_key(|&r| {
                let q = &m.req[r as usize];
                (q.last, q.first, r)
            });
        }
        Agenda { start, list }
    }

    pub fn of(&self, e: usize) -> &[u32] {
        &self.list[self.start[e] as usize..self.start[e + 1] as usize]
    }
}

/// Open days of an enterprise's locked visits, sorted: points that cost nothing.
fn locked_days(st: &State, e: usize) -> Vec<u32> {
    let mut days: Vec<u32> = st.ent_visits[e]
        .iter()
        .map(|&v| &st.visits[v as usize])
        .filter(|v| v.locked.is_some() && v.day != NONE && st.m.is_open(v.ent, v.day))
        .map(|v| v.day)
        .collect();
    days.sort_unstable();
    days
}

/// The interval-stabbing greedy over `reqs` (sorted by last open day): requests met by
/// a free point (a locked visit's day) are set aside, the others get the last open day
/// of the first request not yet met. Returns the number of new points; writes each
/// request's point into `targets` when given.
fn stab(
    m: &Model,
    free: &[u32],
    reqs: impl Iterator<Item = u32>,
    mut targets: Option<&mut [u32]>,
) -> u64 {
    let mut points = 0;
    let mut last_point: Option<u32> = None;
    for r in reqs {
        let q = &m.req[r as usize];
        let hit_free = {
            let idx = free.partition_point(|&d| d <= q.last);
            (idx > 0 && free[idx - 1] >= q.first).then(|| free[idx - 1])
        };
        let t = if let Some(d) = hit_free {
            d
        } else if let Some(p) = last_point.filter(|&p| p >= q.first) {
            p
        } else {
            points += 1;
            last_point = Some(q.last);
            q.last
        };
        if let Some(ts) = targets.as_deref_mut() {
            ts[r as usize] = t;
        }
    }
    points
}

/// Places request `r`: on its ideal day, else joining a visit of its enterprise, else
/// moving a visit to a common day (when `relocate`), else on a new day.
fn place_request(st: &mut State, r: u32, target: u32, relocate: bool) -> bool {
    let m = Arc::clone(&st.m);
    let m = &*m;
    let q = &m.req[r as usize];
    let e = q.ent;
    if target != NONE {
        match st.visit_on(e, target) {
            Some(v) => {
                if st.join_cost(v, r).is_some() {
                    st.join(v, r);
                    return true;
                }
            }
            None => {
                if st.can_open(r, target) {
                    st.open(r, target);
                    return true;
                }
            }
        }
    }
    // Join the visit that needs the fewest extra inspectors, latest day first.
    let mut best: Option<(u32, u32, u32)> = None;
    for &v in &st.ent_visits[e as usize] {
        if let Some(extra) = st.join_cost(v, r) {
            let day = st.visits[v as usize].day;
            let better = match best {
                None => true,
                Some((bx, bd, _)) => extra < bx || (extra == bx && day > bd),
            };
            if better {
                best = Some((extra, day, v));
            }
        }
    }
    if let Some((_, _, v)) = best {
        st.join(v, r);
        return true;
    }
    if relocate {
        let mut candidates: Vec<(u32, u32)> = st.ent_visits[e as usize]
            .iter()
            .map(|&v| (st.visits[v as usize].day, v))
            .collect();
        candidates.sort_unstable_by(|a, b| b.cmp(a));
        for (_, v) in candidates {
            if st.relocate_with(v, &[r]) {
                return true;
            }
        }
    }
    let mut day = q.last + 1;
    while day > q.first {
        day -= 1;
        if st.can_open(r, day) {
            st.open(r, day);
            return true;
        }
    }
    false
}

/// Local search: try to empty each non-locked visit (smallest first) by moving all its
/// requests into the other visits of its enterprise, or else by moving one other visit
/// to a day that takes them all; keep the move only if it empties the visit.
fn empty_visits(st: &mut State) {
    for e in 0..st.ent_visits.len() {
        if st.ent_visits[e].len() < 2 {
            continue;
        }
        let mut cands: Vec<(usize, u32, u32)> = st.ent_visits[e]
            .iter()
            .filter(|&&v| st.visits[v as usize].locked.is_none())
            .map(|&v| {
                (
                    st.visits[v as usize].requests.len(),
                    st.visits[v as usize].day,
                    v,
                )
            })
            .collect();
        cands.sort_unstable();
        for (_, _, v) in cands {
            if st.ent_visits[e].len() < 2 || !st.visits[v as usize].alive {
                continue;
            }
            let saved = st.remove(v);
            let mut undo = Vec::new();
            let mut ok = true;
            for &r in &saved.requests {
                let mut best: Option<(u32, u32, u32)> = None;
                for &w in &st.ent_visits[e] {
                    if let Some(extra) = st.join_cost(w, r) {
                        let day = st.visits[w as usize].day;
                        if best.is_none_or(|(bx, bd, _)| extra < bx || (extra == bx && day > bd)) {
                            best = Some((extra, day, w));
                        }
                    }
                }
                match best {
                    Some((_, _, w)) => undo.push(st.join(w, r)),
                    None => {
                        ok = false;
                        break;
                    }
                }
            }
            if ok {
                continue;
            }
            while let Some(u) = undo.pop() {
                st.undo_join(u);
            }
            // Else move another visit, with all of them, to a day common to both.
            let others: Vec<u32> = st.ent_visits[e].iter().copied().collect();
            if !others.iter().any(|&w| st.relocate_with(w, &saved.requests)) {
                st.restore(v, saved);
            }
        }
    }
}

/// Reassigns inspectors per agency and day, least-loaded first, so the work spreads
/// over each roster. Ties go to whoever reached that load first (at the start: by id),
/// which rotates the work among equals. Locked visits keep their teams. A group whose
/// greedy assignment fails (conflicts of interest) keeps the assignment it had.
fn spread_inspectors(st: &mut State) {
    let m = Arc::clone(&st.m);
    let m = &*m;
    let n_insp = m.insp_orig.len();
    let mut load = vec![0u32; n_insp];
    let mut groups: Vec<(u32, u32, u32, u32)> = Vec::new(); // (day, agency, visit, team idx)
    for (vi, v) in st.visits.iter().enumerate() {
        if !v.alive || v.day == NONE {
            continue;
        }
        if v.locked.is_some() {
            for t in &v.teams {
                for &i in &t.members {
                    load[i as usize] += 1;
                }
            }
            continue;
        }
        for (ti, t) in v.teams.iter().enumerate() {
            groups.push((v.day, t.agency, vi as u32, ti as u32));
        }
    }
    groups.sort_unstable();
    // Each agency's inspectors in queues by load. An entry is current while the
    // inspector's load equals the queue's level; stale entries are skipped.
    let mut queues: Vec<Vec<VecDeque<u32>>> = vec![Vec::new(); m.agency_orig.len()];
    for (i, &a) in m.insp_agency.iter().enumerate() {
        let l = load[i] as usize;
        let q = &mut queues[a as usize];
        while q.len() <= l {
            q.push(VecDeque::new());
        }
        q[l].push_back(i as u32);
    }
    let mut used = vec![false; n_insp];
    let mut pool: Vec<u32> = Vec::new();
    let mut order: Vec<(bool, u32, u32)> = Vec::new();
    let mut fresh: Vec<(u32, u32, usize, usize)> = Vec::new(); // (visit, team, from, to)
    let mut members: Vec<u32> = Vec::new();
    let mut g = 0;
    while g < groups.len() {
        let (day, agency) = (groups[g].0, groups[g].1);
        let mut h = g;
        while h < groups.len() && groups[h].0 == day && groups[h].1 == agency {
            h += 1;
        }
        let group = &groups[g..h];
        // Only the least loaded `k` can be needed (the teams, plus the people some
        // visit must skip for a conflict of interest).
        let need_total: usize = group
            .iter()
            .map(|&(_, _, v, ti)| st.visits[v as usize].teams[ti as usize].members.len())
            .sum();
        let slack: usize = group
            .iter()
            .map(|&(_, _, v, _)| m.ent_conflicts[st.visits[v as usize].ent as usize].len())
            .sum();
        let k = need_total + slack;
        pool.clear();
        'fill: for (level, queue) in queues[agency as usize].iter_mut().enumerate() {
            while queue
                .front()
                .is_some_and(|&i| load[i as usize] as usize != level)
            {
                queue.pop_front();
            }
            for &i in queue.iter() {
                if pool.len() == k {
                    break 'fill;
                }
                if load[i as usize] as usize != level {
                    continue;
                }
                let b = st.busy[day as usize * st.n + i as usize];
                if b == 0
                    || (b != crate::state::UNAVAILABLE
                        && st.visits[(b - 1) as usize].locked.is_none())
                {
                    pool.push(i);
                }
            }
        }
        // Visits with a conflict in this agency first: they are the constrained ones.
        order.clear();
        order.extend(group.iter().map(|&(_, a, v, ti)| {
            let e = st.visits[v as usize].ent;
            let constrained = m.ent_conflicts[e as usize]
                .iter()
                .any(|&i| m.insp_agency[i as usize] == a);
            (!constrained, v, ti)
        }));
        order.sort_unstable();
        fresh.clear();
        members.clear();
        let mut ok = true;
        // Everything before `cursor` in the pool is used.
        let mut cursor = 0;
        for &(_, v, ti) in &order {
            let vs = &st.visits[v as usize];
            let need = vs.teams[ti as usize].members.len();
            let conflicts = &m.ent_conflicts[vs.ent as usize];
            let from = members.len();
            while cursor < pool.len() && used[pool[cursor] as usize] {
                cursor += 1;
            }
            for &i in &pool[cursor..] {
                if members.len() - from == need {
                    break;
                }
                if !used[i as usize] && !conflicts.contains(&i) {
                    used[i as usize] = true;
                    members.push(i);
                }
            }
            if members.len() - from < need {
                ok = false;
            }
            fresh.push((v, ti, from, members.len()));
        }
        for &i in &members {
            used[i as usize] = false;
        }
        if ok {
            for &(v, ti, from, to) in &fresh {
                let team = &mut members[from..to];
                team.sort_unstable();
                let slot = &mut st.visits[v as usize].teams[ti as usize].members;
                slot.clear();
                slot.extend(team.iter().copied());
            }
        }
        for &(_, _, v, ti) in group {
            for &i in &st.visits[v as usize].teams[ti as usize].members {
                load[i as usize] += 1;
                let l = load[i as usize] as usize;
                let q = &mut queues[m.insp_agency[i as usize] as usize];
                while q.len() <= l {
                    q.push(VecDeque::new());
                }
                q[l].push_back(i);
            }
        }
        g = h;
    }
    st.rebuild_resources();
}

/// The reason an unscheduled request stays out, evaluated on the final plan.
pub(crate) fn reason(st: &State, r: u32) -> Reason {
    reason_req(st, &st.m.req[r as usize])
}

/// The first reason of the spec's list that holds for a request left out of the plan.
pub(crate) fn reason_req(st: &State, q: &Req) -> Reason {
    let m = &*st.m;
    if q.ent == NONE || q.agency == NONE {
        return Reason::UnknownReference;
    }
    if !q.has_open_day() {
        return Reason::NoOpenDay;
    }
    if !q.urgent
        && let Some(cap) = m.ent_cap[q.ent as usize]
        && st.cap_used[q.ent as usize] >= cap
        && !st.ent_visits[q.ent as usize]
            .iter()
            .any(|&v| st.join_cost_req(v, q).is_some())
    {
        return Reason::EnterpriseCap;
    }
    if (q.first..=q.last).any(|d| m.is_open(q.ent, d) && st.agency_full(q.agency, d)) {
        return Reason::AgencyCapacity;
    }
    Reason::NoInspector
}

/// The honest lower bound: per enterprise, its locked visits plus the least number of
/// open days meeting every other scheduled request not already met by a locked visit's
/// day (exact, by the interval-stabbing greedy).
fn lower_bound(st: &State, agenda: &Agenda) -> u64 {
    let m = Arc::clone(&st.m);
    let m = &*m;
    let mut total = 0;
    for e in 0..m.ent_orig.len() {
        let locked = st.ent_visits[e]
            .iter()
            .filter(|&&v| st.visits[v as usize].locked.is_some())
            .count() as u64;
        let free = locked_days(st, e);
        let scheduled = agenda
            .of(e)
            .iter()
            .copied()
            .filter(|&r| st.assigned[r as usize] != NONE);
        total += locked + stab(m, &free, scheduled, None);
    }
    total
}

pub(crate) fn run(st: &mut State, options: &PlanOptions, started: Instant) -> Agenda {
    let m = Arc::clone(&st.m);
    let m = &*m;
    let agenda = Agenda::new(m);
    // 1. The ideal plan: the stabbing greedy per enterprise, ignoring capacities.
    let mut targets = vec![NONE; m.req.len()];
    for e in 0..m.ent_orig.len() {
        let free = locked_days(st, e);
        stab(m, &free, agenda.of(e).iter().copied(), Some(&mut targets));
    }
    // 2. Urgent requests first, then the others, each on its ideal day if the hard
    //    rules allow, else repaired.
    // The agenda split by urgency, each in enterprise then greedy order.
    let (urgent_list, routine_list): (Vec<u32>, Vec<u32>) =
        agenda.list.iter().partition(|&&r| m.req[r as usize].urgent);
    for list in [&urgent_list, &routine_list] {
        for &r in list {
            place_request(st, r, targets[r as usize], true);
        }
    }
    // 3. Local search: empty visits into the others.
    empty_visits(st);
    // 3b. Re-choose the days of each enterprise that may improve, against the rest.
    crate::reopt::reoptimise(st, &agenda, None);
    // 3c. Merge an enterprise's visits onto a full day, moving others off it.
    crate::merge::merge_visits(st, &Effort::BOUNDED);
    // 4. Inspectors: spread the work over each roster.
    spread_inspectors(st);
    // 5. Last chance for the requests still out, against the final plan (this makes
    //    the plan locally optimal: no request left out could join or open a visit).
    let last_chance = |st: &mut State| {
        for list in [&urgent_list, &routine_list] {
            for &r in list {
                if st.assigned[r as usize] == NONE {
                    place_request(st, r, NONE, true);
                }
            }
        }
    };
    last_chance(st);
    // 6. Ejection: move another enterprise's visit off a full day to make room; what
    //    a move frees may take others too.
    let order: Vec<u32> = urgent_list.iter().chain(&routine_list).copied().collect();
    let ejected = crate::eject::make_room(st, &agenda, &order, &Effort::BOUNDED);
    // 6b. Where people bind, one request with a big team out for two or more in;
    //     twice, as the last chance between places again what the first round took
    //     out, and what that moves lets the second round swap more.
    let mut swapped = false;
    for _ in 0..2 {
        swapped |= crate::swap::swap_in(st, &order, &Effort::BOUNDED);
        last_chance(st);
    }
    if ejected || swapped {
        // The requests let in may open visits a merge can save.
        crate::merge::merge_visits(st, &Effort::BOUNDED);
        last_chance(st);
    }
    // 7. With a time limit: unbounded rounds of both until one gains nothing.
    if let Some(limit) = options.time_limit {
        let effort = Effort {
            deadline: Some(started + limit),
            ..Effort::UNBOUNDED
        };
        loop {
            let before = objective(st, &order);
            crate::reopt::reoptimise(st, &agenda, effort.deadline);
            crate::eject::make_room(st, &agenda, &order, &effort);
            crate::swap::swap_in(st, &order, &effort);
            crate::merge::merge_visits(st, &effort);
            last_chance(st);
            if objective(st, &order) <= before || effort.out_of_time() {
                break;
            }
        }
    }
    agenda
}

/// The plan's (urgent scheduled, scheduled, −visits) over the pending requests.
fn objective(st: &State, order: &[u32]) -> (u32, u32, i64) {
    let (mut urgent, mut scheduled) = (0, 0);
    for &r in order {
        if st.assigned[r as usize] != NONE {
            scheduled += 1;
            urgent += u32::from(st.m.req[r as usize].urgent);
        }
    }
    let visits = st.visits.iter().filter(|v| v.alive).count() as i64;
    (urgent, scheduled, -visits)
}

/// How much an improvement pass may do.
pub(crate) struct Effort {
    /// Day checks allowed per request of the problem (`None`: no bound).
    pub days_per_request: Option<u64>,
    /// Blocking visits tried per agency and day (by the ejection and merge passes).
    pub blockers: usize,
    pub deadline: Option<Instant>,
}

impl Effort {
    /// The default run: linear in the problem.
    pub const BOUNDED: Effort = Effort {
        days_per_request: Some(64),
        blockers: 64,
        deadline: None,
    };
    const UNBOUNDED: Effort = Effort {
        days_per_request: None,
        blockers: usize::MAX,
        deadline: None,
    };

    pub fn out_of_time(&self) -> bool {
        self.deadline.is_some_and(|d| Instant::now() >= d)
    }
}

fn plan_model(p: &Problem, m: Arc<Model>, options: &PlanOptions, started: Instant) -> Plan {
    let mut st = State::new(m);
    let agenda = run(&mut st, options, started);
    let lower = lower_bound(&st, &agenda);
    let layout = crate::render::Layout::new(p, &mut st, lower);
    layout.to_plan(p, &st)
}

/// Plans a problem and writes the plan as JSON directly, without building a [`Plan`]
/// (what the command line should call on large problems: the same bytes as
/// `plan(problem)?.to_json(pretty)`, with far fewer allocations).
pub fn plan_to_json(problem: &Problem, pretty: bool) -> Result<PlanOutput, ProblemError> {
    plan_to_json_with(problem, pretty, &PlanOptions::default())
}

/// [`plan_to_json`] with options.
pub fn plan_to_json_with(
    problem: &Problem,
    pretty: bool,
    options: &PlanOptions,
) -> Result<PlanOutput, ProblemError> {
    plan_to_json_since(problem, pretty, options, Instant::now())
}

fn plan_to_json_since(
    problem: &Problem,
    pretty: bool,
    options: &PlanOptions,
    started: Instant,
) -> Result<PlanOutput, ProblemError> {
    let model = Arc::new(Model::build(problem, None)?);
    let mut st = State::new(model);
    let agenda = run(&mut st, options, started);
    let lower = lower_bound(&st, &agenda);
    let layout = crate::render::Layout::new(problem, &mut st, lower);
    Ok(PlanOutput {
        json: layout.to_json(problem, &st, pretty),
        stats: layout.stats,
    })
}

/// Reads, checks and plans a problem given as JSON and writes the plan as JSON: the
/// whole of `onevisit plan` but the files (`--pretty` is `pretty`).
pub fn plan_json_output(bytes: &[u8], pretty: bool) -> Result<PlanOutput, ProblemError> {
    plan_json_output_with(bytes, pretty, &PlanOptions::default())
}

/// [`plan_json_output`] with options; a time limit counts from the call, parsing
/// included (`onevisit plan --time-limit`).
pub fn plan_json_output_with(
    bytes: &[u8],
    pretty: bool,
    options: &PlanOptions,
) -> Result<PlanOutput, ProblemError> {
    let started = Instant::now();
    let problem = Problem::parse_json(bytes)?;
    plan_to_json_since(&problem, pretty, options, started)
}

/// A plan written as JSON, with its stats for the summary line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlanOutput {
    pub json: String,
    pub stats: Stats,
}
