//! The interned problem: every id becomes an integer (its rank in the sorted list of
//! its kind, so the order of the input does not matter), every date a day index in
//! the horizon. Building the model checks the rules that need the whole problem.

use crate::problem::{Problem, ProblemError, Visit};
use chrono::NaiveDate;
use onevisit_domain::WorkCalendar;
use std::collections::{HashMap, HashSet};
use std::hash::{BuildHasherDefault, Hasher};

/// FNV-1a: ids are short strings and the maps are built once, so a cheap hash wins
/// over SipHash (nothing here is exposed to adversarial keys beyond one problem).
#[derive(Debug, Default, Clone, Copy)]
pub(crate) struct Fnv(u64);

impl Hasher for Fnv {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        let mut h = if self.0 == 0 {
            0xcbf2_9ce4_8422_2325
        } else {
            self.0
        };
        for &b in bytes {
            h ^= u64::from(b);
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
        self.0 = h;
    }
}

pub(crate) type FastMap<K, V> = HashMap<K, V, BuildHasherDefault<Fnv>>;
pub(crate) type FastSet<K> = HashSet<K, BuildHasherDefault<Fnv>>;

/// Marks an unknown reference.
pub(crate) const NONE: u32 = u32::MAX;

/// The longest horizon accepted (ten years): the planner keeps per-day tables.
pub const MAX_HORIZON_DAYS: i64 = 3660;

#[derive(Debug, Clone)]
pub(crate) struct Req {
    /// Enterprise index, or [`NONE`].
    pub ent: u32,
    /// Agency index, or [`NONE`].
    pub agency: u32,
    /// First and last open day of the window (day indices); `first > last` when the
    /// window holds no open day.
    pub first: u32,
    pub last: u32,
    pub team: u32,
    pub urgent: bool,
}

impl Req {
    pub fn has_open_day(&self) -> bool {
        self.first <= self.last
    }
}

#[derive(Debug, Clone)]
pub(crate) struct LockedVisit {
    /// Index in the problem's (or plan's) list of locked visits.
    pub orig: u32,
    pub ent: u32,
    /// Day index, or `None` when the date is outside the horizon.
    pub day: Option<u32>,
    pub requests: Vec<u32>,
    /// Known agencies' teams: the known inspectors of that agency named in the team.
    pub teams: Vec<(u32, Vec<u32>)>,
    /// Every known inspector named anywhere in the visit (they are busy that day).
    pub busy: Vec<u32>,
}

#[derive(Debug)]
pub(crate) struct Model {
    pub start: NaiveDate,
    pub days: u32,
    pub working: Vec<bool>,
    /// The first working day on or after each day (`days` if none).
    pub next_working: Vec<u32>,
    /// The last working day on or before each day ([`NONE`] if none).
    pub prev_working: Vec<u32>,
    // Agencies, sorted by id.
    pub agency_orig: Vec<u32>,
    pub agency_cap: Vec<u32>,
    pub roster: Vec<Vec<u32>>,
    // Inspectors, sorted by id.
    pub insp_orig: Vec<u32>,
    pub insp_agency: Vec<u32>,
    pub insp_unavailable: Vec<Vec<u32>>,
    // Enterprises, sorted by id.
    pub ent_orig: Vec<u32>,
    pub ent_cap: Vec<Option<u32>>,
    pub ent_quiet: Vec<Vec<(u32, u32)>>,
    /// Inspectors with a conflict of interest, per enterprise.
    pub ent_conflicts: Vec<Vec<u32>>,
    // Requests, sorted by id.
    pub req_orig: Vec<u32>,
    pub req: Vec<Req>,
    pub locked: Vec<LockedVisit>,
    /// Request index → locked visit index (position in `locked`), or [`NONE`].
    pub req_locked: Vec<u32>,
}

fn sorted_ranks<'a>(ids: impl Iterator<Item = &'a str>) -> (Vec<u32>, Vec<&'a str>) {
    let ids: Vec<&str> = ids.collect();
    let mut order: Vec<u32> = (0..ids.len() as u32).collect();
    order.sort_unstable_by(|&a, &b| ids[a as usize].cmp(ids[b as usize]));
    (order, ids)
}

/// Finds the first duplicate in a sorted order.
fn check_unique(list: &str, order: &[u32], ids: &[&str]) -> Result<(), ProblemError> {
    for w in order.windows(2) {
        if ids[w[0] as usize] == ids[w[1] as usize] {
            return Err(ProblemError::new(
                format!("{list}[{}].id", ids[w[0] as usize]),
                "duplicate id",
            ));
        }
    }
    Ok(())
}

fn index_map<'a>(order: &[u32], ids: &[&'a str]) -> FastMap<&'a str, u32> {
    let mut map = FastMap::with_capacity_and_hasher(order.len(), Default::default());
    for (rank, &orig) in order.iter().enumerate() {
        map.insert(ids[orig as usize], rank as u32);
    }
    map
}

impl Model {
    /// Day index of a date inside the horizon.
    pub fn day_of(&self, date: NaiveDate) -> Option<u32> {
        let d = (date - self.start).num_days();
        (0..i64::from(self.days)).contains(&d).then_some(d as u32)
    }

    pub fn date_of(&self, day: u32) -> NaiveDate {
        self.start + chrono::Days::new(u64::from(day))
    }

    pub fn is_open(&self, ent: u32, day: u32) -> bool {
        self.working[day as usize]
            && !self.ent_quiet[ent as usize]
                .iter()
                .any(|&(a, b)| a <= day && day <= b)
    }

    /// Clips a window to the horizon and narrows it to its first and last open days.
    pub fn open_window(&self, ent: u32, earliest: NaiveDate, latest: NaiveDate) -> (u32, u32) {
        use chrono::Datelike;
        let start = i64::from(self.start.num_days_from_ce());
        let lo = (i64::from(earliest.num_days_from_ce()) - start).max(0);
        let hi = (i64::from(latest.num_days_from_ce()) - start).min(i64::from(self.days) - 1);
        if lo > hi {
            return (1, 0);
        }
        let (mut lo, mut hi) = (lo as u32, hi as u32);
        if self.ent_quiet[ent as usize].is_empty() {
            // Working days only: the precomputed neighbours answer at once.
            lo = self.next_working[lo as usize];
            hi = self.prev_working[hi as usize];
            return if lo <= hi && hi != NONE {
                (lo, hi)
            } else {
                (1, 0)
            };
        }
        while lo <= hi && !self.is_open(ent, lo) {
            lo += 1;
        }
        while hi > lo && !self.is_open(ent, hi) {
            hi -= 1;
        }
        if lo > hi || !self.is_open(ent, lo) {
            return (1, 0);
        }
        (lo, hi)
    }

    /// Interns and checks a problem. `locked` replaces the problem's locked visits (the
    /// fast path uses the visits of a plan).
    pub fn build(p: &Problem, locked: Option<&[Visit]>) -> Result<Model, ProblemError> {
        let start = p.horizon.start;
        let span = (p.horizon.end - start).num_days() + 1;
        if span < 1 {
            return Err(ProblemError::new(
                "horizon.end",
                format!("{} is before start {start}", p.horizon.end),
            ));
        }
        if span > MAX_HORIZON_DAYS {
            return Err(ProblemError::new(
                "horizon",
                format!(
                    "{span} days is longer than the {MAX_HORIZON_DAYS} days the planner accepts"
                ),
            ));
        }
        let days = span as u32;
        let calendar = WorkCalendar::from_lists(
            p.calendar.holidays.iter().copied(),
            p.calendar.workdays.iter().copied(),
        );
        let working: Vec<bool> = (0..days)
            .map(|d| calendar.is_working_day(start + chrono::Days::new(u64::from(d))))
            .collect();
        let mut next_working = vec![days; days as usize];
        let mut next = days;
        for d in (0..days as usize).rev() {
            if working[d] {
                next = d as u32;
            }
            next_working[d] = next;
        }
        let mut prev_working = vec![NONE; days as usize];
        let mut prev = NONE;
        for d in 0..days as usize {
            if working[d] {
                prev = d as u32;
            }
            prev_working[d] = prev;
        }

        // Agencies.
        let (agency_order, agency_ids) = sorted_ranks(p.agencies.iter().map(|a| a.id.as_str()));
        for (i, id) in agency_ids.iter().enumerate() {
            if id.is_empty() {
                return Err(ProblemError::new(
                    format!("agencies[#{i}].id"),
                    "must not be empty",
                ));
            }
        }
        check_unique("agencies", &agency_order, &agency_ids)?;
        let agency_map = index_map(&agency_order, &agency_ids);
        let agency_cap = agency_order
            .iter()
            .map(|&o| p.agencies[o as usize].daily_capacity)
            .collect();

        // Enterprises.
        let (ent_order, ent_ids) = sorted_ranks(p.enterprises.iter().map(|e| e.id.as_str()));
        for (i, id) in ent_ids.iter().enumerate() {
            if id.is_empty() {
                return Err(ProblemError::new(
                    format!("enterprises[#{i}].id"),
                    "must not be empty",
                ));
            }
        }
        check_unique("enterprises", &ent_order, &ent_ids)?;
        // The map's keys point into one compact copy of the ids (in rank order), so
        // the million lookups of the requests stay in cache.
        let mut ent_arena = String::with_capacity(ent_ids.iter().map(|s| s.len()).sum());
        for &o in &ent_order {
            ent_arena.push_str(ent_ids[o as usize]);
        }
        let mut ent_map: FastMap<&str, u32> =
            FastMap::with_capacity_and_hasher(ent_order.len(), Default::default());
        let mut at = 0;
        for (rank, &o) in ent_order.iter().enumerate() {
            let len = ent_ids[o as usize].len();
            ent_map.insert(&ent_arena[at..at + len], rank as u32);
            at += len;
        }
        let mut ent_cap = Vec::with_capacity(ent_order.len());
        let mut ent_quiet = Vec::with_capacity(ent_order.len());
        for &o in &ent_order {
            let e = &p.enterprises[o as usize];
            ent_cap.push(e.max_visits);
            let mut quiet = Vec::new();
            for q in &e.quiet {
                if q.end() < q.start() {
                    return Err(ProblemError::new(
                        format!("enterprises[{}].quiet", e.id),
                        format!("{} is before start {}", q.end(), q.start()),
                    ));
                }
                let a = (q.start() - start).num_days().max(0);
                let b = (q.end() - start).num_days().min(i64::from(days) - 1);
                if a <= b {
                    quiet.push((a as u32, b as u32));
                }
            }
            ent_quiet.push(quiet);
        }

        // Inspectors.
        let (insp_order, insp_ids) = sorted_ranks(p.inspectors.iter().map(|i| i.id.as_str()));
        for (i, id) in insp_ids.iter().enumerate() {
            if id.is_empty() {
                return Err(ProblemError::new(
                    format!("inspectors[#{i}].id"),
                    "must not be empty",
                ));
            }
        }
        check_unique("inspectors", &insp_order, &insp_ids)?;
        let insp_map = index_map(&insp_order, &insp_ids);
        let mut insp_agency = Vec::with_capacity(insp_order.len());
        let mut insp_unavailable = Vec::with_capacity(insp_order.len());
        let mut roster = vec![Vec::new(); agency_order.len()];
        let mut ent_conflicts: Vec<Vec<u32>> = vec![Vec::new(); ent_order.len()];
        for (rank, &o) in insp_order.iter().enumerate() {
            let spec = &p.inspectors[o as usize];
            let Some(&a) = agency_map.get(spec.agency.as_str()) else {
                return Err(ProblemError::new(
                    format!("inspectors[{}].agency", spec.id),
                    format!("unknown agency {:?}", spec.agency),
                ));
            };
            insp_agency.push(a);
            roster[a as usize].push(rank as u32);
            let mut un: Vec<u32> = Vec::new();
            for d in &spec.unavailable {
                let x = (*d - start).num_days();
                if (0..i64::from(days)).contains(&x) {
                    un.push(x as u32);
                }
            }
            un.sort_unstable();
            un.dedup();
            insp_unavailable.push(un);
            let mut seen = FastSet::default();
            for c in &spec.conflicts {
                // A conflict with an enterprise not in the problem binds nothing.
                if let Some(&e) = ent_map.get(c.as_str())
                    && seen.insert(e)
                {
                    ent_conflicts[e as usize].push(rank as u32);
                }
            }
        }

        // Requests.
        let (req_order, req_ids) = sorted_ranks(p.requests.iter().map(|r| r.id.as_str()));
        for (i, id) in req_ids.iter().enumerate() {
            if id.is_empty() {
                return Err(ProblemError::new(
                    format!("requests[#{i}].id"),
                    "must not be empty",
                ));
            }
        }
        check_unique("requests", &req_order, &req_ids)?;
        let mut req = Vec::with_capacity(req_order.len());
        let mut model = Model {
            start,
            days,
            working,
            next_working,
            prev_working,
            agency_orig: agency_order,
            agency_cap,
            roster,
            insp_orig: insp_order,
            insp_agency,
            insp_unavailable,
            ent_orig: ent_order,
            ent_cap,
            ent_quiet,
            ent_conflicts,
            req_orig: Vec::new(),
            req: Vec::new(),
            locked: Vec::new(),
            req_locked: Vec::new(),
        };
        for &o in &req_order {
            let r = &p.requests[o as usize];
            if r.earliest > r.latest {
                return Err(ProblemError::new(
                    format!("requests[{}].earliest", r.id),
                    format!("{} is after latest {}", r.earliest, r.latest),
                ));
            }
            if r.inspectors == 0 {
                return Err(ProblemError::new(
                    format!("requests[{}].inspectors", r.id),
                    "must be at least 1",
                ));
            }
            let ent = ent_map.get(r.enterprise.as_str()).copied().unwrap_or(NONE);
            let agency = agency_map.get(r.agency.as_str()).copied().unwrap_or(NONE);
            let (first, last) = if ent == NONE {
                (1, 0)
            } else {
                model.open_window(ent, r.earliest, r.latest)
            };
            req.push(Req {
                ent,
                agency,
                first,
                last,
                team: r.inspectors,
                urgent: r.urgent,
            });
        }
        model.req = req;

        // Locked visits.
        let locked_list: &[Visit] = locked.unwrap_or(&p.locked);
        let list_name = if locked.is_some() { "visits" } else { "locked" };
        let mut req_map: Option<FastMap<&str, u32>> = None;
        if !locked_list.is_empty() {
            req_map = Some(index_map(&req_order, &req_ids));
        }
        let mut req_locked = vec![NONE; req_order.len()];
        let mut seen_ids: FastSet<&str> =
            FastSet::with_capacity_and_hasher(locked_list.len(), Default::default());
        for (li, v) in locked_list.iter().enumerate() {
            if v.id.is_empty() {
                return Err(ProblemError::new(
                    format!("{list_name}[#{li}].id"),
                    "must not be empty",
                ));
            }
            if !seen_ids.insert(v.id.as_str()) {
                return Err(ProblemError::new(
                    format!("{list_name}[{}].id", v.id),
                    "duplicate id",
                ));
            }
            let Some(&ent) = ent_map.get(v.enterprise.as_str()) else {
                return Err(ProblemError::new(
                    format!("{list_name}[{}].enterprise", v.id),
                    format!("unknown enterprise {:?}", v.enterprise),
                ));
            };
            let mut requests = Vec::with_capacity(v.requests.len());
            for rid in &v.requests {
                let Some(&r) = req_map.as_ref().and_then(|m| m.get(rid.as_str())) else {
                    return Err(ProblemError::new(
                        format!("{list_name}[{}].requests", v.id),
                        format!("unknown request {rid:?}"),
                    ));
                };
                let spec = &p.requests[req_order[r as usize] as usize];
                if spec.enterprise != v.enterprise {
                    return Err(ProblemError::new(
                        format!("{list_name}[{}].requests", v.id),
                        format!(
                            "request {rid:?} belongs to enterprise {:?}, not {:?}",
                            spec.enterprise, v.enterprise
                        ),
                    ));
                }
                if req_locked[r as usize] != NONE {
                    let other =
                        &locked_list[model.locked[req_locked[r as usize] as usize].orig as usize];
                    let which = if other.id == v.id {
                        "is named twice in this visit".to_string()
                    } else {
                        format!("is already locked in visit {:?}", other.id)
                    };
                    return Err(ProblemError::new(
                        format!("{list_name}[{}].requests", v.id),
                        format!("request {rid:?} {which}"),
                    ));
                }
                req_locked[r as usize] = model.locked.len() as u32;
                requests.push(r);
            }
            let mut teams = Vec::new();
            let mut busy = Vec::new();
            for team in &v.inspectors {
                let agency = agency_map.get(team.agency.as_str()).copied();
                let mut members = Vec::new();
                for iid in &team.inspectors {
                    if let Some(&i) = insp_map.get(iid.as_str()) {
                        busy.push(i);
                        if Some(model.insp_agency[i as usize]) == agency {
                            members.push(i);
                        }
                    }
                }
                if let Some(a) = agency {
                    members.sort_unstable();
                    members.dedup();
                    teams.push((a, members));
                }
            }
            teams.sort_by_key(|t| t.0);
            busy.sort_unstable();
            busy.dedup();
            model.locked.push(LockedVisit {
                orig: li as u32,
                ent,
                day: model.day_of(v.date),
                requests,
                teams,
                busy,
            });
        }
        model.req_locked = req_locked;
        model.req_orig = req_order;
        Ok(model)
    }
}
