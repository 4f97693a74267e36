//! The plan under construction and the moves on it, each checking every hard rule.
//!
//! Resources are kept in flat per-day tables so each check is O(1) plus the handful of
//! inspectors in conflict with the enterprise:
//! - `agency_load[a·D + d]`: visits agency `a` takes part in on day `d` (rule 4);
//! - `busy[d·I + i]`: the visit inspector `i` is in on day `d`, or unavailable (rule 3;
//!   day-major, so one day's roster is contiguous);
//! - `free_count[a·D + d]`: inspectors of `a` neither busy nor unavailable on `d`;
//! - `free[a·D + d]`: those inspectors, as a stack (built when first needed);
//! - `cap_used[e]`: visits of `e` that hold no urgent request (rule 5);
//! - `ent_visits[e]`: the visits of `e` (rule 6: at most one a day).

use crate::model::{Model, NONE, Req};
use crate::small::SmallVec;
use std::sync::Arc;

pub(crate) const UNAVAILABLE: u32 = u32::MAX;

#[derive(Debug, Clone, Default)]
pub(crate) struct Team {
    pub agency: u32,
    pub members: SmallVec<u32, 3>,
}

#[derive(Debug, Clone)]
pub(crate) struct VisitState {
    pub ent: u32,
    pub day: u32,
    /// Index into `Model::locked` for a locked visit.
    pub locked: Option<u32>,
    pub alive: bool,
    pub requests: SmallVec<u32, 3>,
    /// Sorted by agency.
    pub teams: SmallVec<Team, 2>,
    pub urgent: u32,
}

impl VisitState {
    fn team(&self, agency: u32) -> Option<&Team> {
        self.teams
            .binary_search_by_key(&agency, |t| t.agency)
            .ok()
            .map(|i| &self.teams[i])
    }

    pub fn counted(&self) -> bool {
        self.urgent == 0
    }
}

/// What a join changed, to undo it.
#[derive(Debug)]
pub(crate) struct JoinUndo {
    visit: u32,
    request: u32,
    new_team: bool,
    added: u32,
}

#[derive(Debug)]
pub(crate) struct State {
    pub m: Arc<Model>,
    d: usize,
    /// Number of inspectors (the row length of `busy`).
    pub n: usize,
    pub visits: Vec<VisitState>,
    pub ent_visits: Vec<SmallVec<u32, 2>>,
    pub cap_used: Vec<u32>,
    pub agency_load: Vec<u32>,
    pub busy: Vec<u32>,
    free_count: Vec<u32>,
    free: Vec<Option<Vec<u32>>>,
    /// Request → visit, or [`NONE`].
    pub assigned: Vec<u32>,
}

impl State {
    /// The empty plan holding the model's locked visits.
    pub fn new(model: Arc<Model>) -> Self {
        let m = &*model;
        let d = m.days as usize;
        let mut st = State {
            m: Arc::clone(&model),
            d,
            n: m.insp_orig.len(),
            // At most one visit per locked visit and per request: reserving it all
            // costs address space only, and saves copying the table as it grows.
            visits: Vec::with_capacity(m.locked.len() + m.req.len()),
            ent_visits: vec![SmallVec::default(); m.ent_orig.len()],
            cap_used: vec![0; m.ent_orig.len()],
            agency_load: vec![0; m.agency_orig.len() * d],
            busy: Vec::new(),
            free_count: Vec::new(),
            free: Vec::new(),
            assigned: vec![NONE; m.req.len()],
        };
        for (li, lv) in m.locked.iter().enumerate() {
            let v = st.visits.len() as u32;
            let urgent = lv
                .requests
                .iter()
                .filter(|&&r| m.req[r as usize].urgent)
                .count() as u32;
            for &r in &lv.requests {
                st.assigned[r as usize] = v;
            }
            // A locked agency takes part if it has a team or a request in the visit.
            let mut teams: Vec<Team> = lv
                .teams
                .iter()
                .map(|(a, members)| Team {
                    agency: *a,
                    members: members.clone().into(),
                })
                .collect();
            for &r in &lv.requests {
                let a = m.req[r as usize].agency;
                if a != NONE && teams.binary_search_by_key(&a, |t| t.agency).is_err() {
                    let pos = teams.partition_point(|t| t.agency < a);
                    teams.insert(
                        pos,
                        Team {
                            agency: a,
                            members: SmallVec::default(),
                        },
                    );
                }
            }
            teams.dedup_by_key(|t| t.agency);
            st.visits.push(VisitState {
                ent: lv.ent,
                day: lv.day.unwrap_or(NONE),
                locked: Some(li as u32),
                alive: true,
                requests: lv.requests.clone().into(),
                teams: teams.into(),
                urgent,
            });
            st.ent_visits[lv.ent as usize].push(v);
            if urgent == 0 {
                st.cap_used[lv.ent as usize] += 1;
            }
        }
        st.rebuild_resources();
        st
    }

    /// Recomputes the per-day tables from the visits (after inspectors were reassigned).
    pub fn rebuild_resources(&mut self) {
        let m = Arc::clone(&self.m);
        let m = &*m;
        let d = self.d;
        let n = self.n;
        // Reuse the tables: a fresh allocation would be paged in again.
        self.busy.clear();
        self.busy.resize(m.insp_orig.len() * d, 0);
        for (i, days) in m.insp_unavailable.iter().enumerate() {
            for &day in days {
                self.busy[day as usize * n + i] = UNAVAILABLE;
            }
        }
        self.agency_load.iter_mut().for_each(|x| *x = 0);
        for (vi, v) in self.visits.iter().enumerate() {
            if !v.alive || v.day == NONE {
                continue;
            }
            for t in &v.teams {
                self.agency_load[t.agency as usize * d + v.day as usize] += 1;
                for &i in &t.members {
                    self.busy[v.day as usize * n + i as usize] = vi as u32 + 1;
                }
            }
            if let Some(li) = v.locked {
                for &i in &m.locked[li as usize].busy {
                    let slot = &mut self.busy[v.day as usize * n + i as usize];
                    if *slot == 0 {
                        *slot = vi as u32 + 1;
                    }
                }
            }
        }
        self.free_count.clear();
        self.free_count.resize(m.agency_orig.len() * d, 0);
        for day in 0..d {
            for (i, &a) in m.insp_agency.iter().enumerate() {
                if self.busy[day * n + i] == 0 {
                    self.free_count[a as usize * d + day] += 1;
                }
            }
        }
        self.free = vec![None; m.agency_orig.len() * d];
    }

    fn slot(&self, agency: u32, day: u32) -> usize {
        agency as usize * self.d + day as usize
    }

    pub fn visit_on(&self, ent: u32, day: u32) -> Option<u32> {
        self.ent_visits[ent as usize]
            .iter()
            .copied()
            .find(|&v| self.visits[v as usize].day == day)
    }

    /// Free inspectors of `agency` on `day` that may inspect `ent`.
    pub fn eligible_free(&self, agency: u32, day: u32, ent: u32) -> u32 {
        let total = self.free_count[self.slot(agency, day)];
        let conflicted = self.m.ent_conflicts[ent as usize]
            .iter()
            .filter(|&&i| {
                self.m.insp_agency[i as usize] == agency
                    && self.busy[day as usize * self.n + i as usize] == 0
            })
            .count() as u32;
        total - conflicted
    }

    pub fn agency_full(&self, agency: u32, day: u32) -> bool {
        self.agency_load[self.slot(agency, day)] >= self.m.agency_cap[agency as usize]
    }

    /// How many inspectors a join of request `r` to visit `v` adds, if it can join.
    pub fn join_cost(&self, v: u32, r: u32) -> Option<u32> {
        self.join_cost_req(v, &self.m.req[r as usize])
    }

    /// [`State::join_cost`] for a request that need not be in the model.
    pub fn join_cost_req(&self, v: u32, rq: &Req) -> Option<u32> {
        let m = &*self.m;
        let vs = &self.visits[v as usize];
        if !vs.alive
            || rq.ent != vs.ent
            || rq.agency == NONE
            || vs.day == NONE
            || vs.day < rq.first
            || vs.day > rq.last
        {
            return None;
        }
        if vs.locked.is_some() && !m.is_open(vs.ent, vs.day) {
            return None;
        }
        let extra = match vs.team(rq.agency) {
            Some(t) => rq.team.saturating_sub(t.members.len() as u32),
            None => {
                if self.agency_full(rq.agency, vs.day) {
                    return None;
                }
                rq.team
            }
        };
        if extra > 0 && self.eligible_free(rq.agency, vs.day, vs.ent) < extra {
            return None;
        }
        Some(extra)
    }

    /// Whether request `r` may open a new visit on `day` alone.
    pub fn can_open(&self, r: u32, day: u32) -> bool {
        self.can_open_req(&self.m.req[r as usize], day)
    }

    /// [`State::can_open`] for a request that need not be in the model.
    pub fn can_open_req(&self, rq: &Req, day: u32) -> bool {
        let m = &*self.m;
        if rq.agency == NONE || day < rq.first || day > rq.last || !m.is_open(rq.ent, day) {
            return false;
        }
        if self.visit_on(rq.ent, day).is_some() {
            return false;
        }
        if !rq.urgent
            && let Some(cap) = m.ent_cap[rq.ent as usize]
            && self.cap_used[rq.ent as usize] >= cap
        {
            return false;
        }
        !self.agency_full(rq.agency, day) && self.eligible_free(rq.agency, day, rq.ent) >= rq.team
    }

    /// Takes `n` free inspectors of `agency` on `day` eligible for `ent` (checked before).
    fn take(&mut self, agency: u32, day: u32, ent: u32, count: u32, visit: u32) -> Vec<u32> {
        let slot = self.slot(agency, day);
        let n = self.n;
        if self.free[slot].is_none() {
            let m = Arc::clone(&self.m);
            let m = &*m;
            let roster = &m.roster[agency as usize];
            let len = roster.len();
            // Stack order: rotated by day so that light days do not all use the same
            // people; the fairness pass evens the load out afterwards anyway.
            let offset = if len == 0 {
                0
            } else {
                (day as usize * 7) % len
            };
            let mut stack = Vec::with_capacity(self.free_count[slot] as usize);
            for k in (0..len).rev() {
                let i = roster[(k + offset) % len];
                if self.busy[day as usize * n + i as usize] == 0 {
                    stack.push(i);
                }
            }
            self.free[slot] = Some(stack);
        }
        let conflicts = &self.m.ent_conflicts[ent as usize];
        let mut out = Vec::with_capacity(count as usize);
        let mut skipped = Vec::new();
        if let Some(stack) = self.free[slot].as_mut() {
            while (out.len() as u32) < count {
                let Some(i) = stack.pop() else { break };
                if self.busy[day as usize * n + i as usize] != 0 {
                    continue;
                }
                if conflicts.contains(&i) {
                    skipped.push(i);
                } else {
                    // Marked at once: the stack may hold an inspector twice (a visit
                    // restored and removed again gives its people back twice).
                    self.busy[day as usize * n + i as usize] = visit + 1;
                    out.push(i);
                }
            }
            while let Some(i) = skipped.pop() {
                stack.push(i);
            }
        }
        self.free_count[slot] -= out.len() as u32;
        out
    }

    fn give_back(&mut self, agency: u32, day: u32, members: &[u32]) {
        let slot = self.slot(agency, day);
        for &i in members {
            self.busy[day as usize * self.n + i as usize] = 0;
            if let Some(stack) = self.free[slot].as_mut() {
                stack.push(i);
            }
        }
        self.free_count[slot] += members.len() as u32;
    }

    /// Adds request `r` to visit `v` (check with [`State::join_cost`] first).
    pub fn join(&mut self, v: u32, r: u32) -> JoinUndo {
        let rq = &self.m.req[r as usize];
        let (agency, team, urgent) = (rq.agency, rq.team, rq.urgent);
        let (ent, day) = (self.visits[v as usize].ent, self.visits[v as usize].day);
        let vs = &self.visits[v as usize];
        let pos = vs.teams.binary_search_by_key(&agency, |t| t.agency);
        let (new_team, have) = match pos {
            Ok(i) => (false, vs.teams[i].members.len() as u32),
            Err(_) => (true, 0),
        };
        let need = team.saturating_sub(have);
        let added = if need > 0 {
            self.take(agency, day, ent, need, v)
        } else {
            Vec::new()
        };
        let n_added = added.len() as u32;
        if new_team {
            let slot = self.slot(agency, day);
            self.agency_load[slot] += 1;
        }
        let vs = &mut self.visits[v as usize];
        match pos {
            Ok(i) => vs.teams[i].members.extend(added),
            Err(i) => vs.teams.insert(
                i,
                Team {
                    agency,
                    members: added.into(),
                },
            ),
        }
        vs.requests.push(r);
        if urgent {
            if vs.urgent == 0 {
                self.cap_used[ent as usize] -= 1;
            }
            self.visits[v as usize].urgent += 1;
        }
        self.assigned[r as usize] = v;
        JoinUndo {
            visit: v,
            request: r,
            new_team,
            added: n_added,
        }
    }

    /// Undoes a join (undo joins in the reverse order they were made).
    pub fn undo_join(&mut self, u: JoinUndo) {
        let rq = &self.m.req[u.request as usize];
        let (agency, urgent) = (rq.agency, rq.urgent);
        let v = u.visit as usize;
        let (ent, day) = (self.visits[v].ent, self.visits[v].day);
        let vs = &mut self.visits[v];
        if let Some(p) = vs.requests.iter().rposition(|&x| x == u.request) {
            vs.requests.remove(p);
        }
        let mut freed = Vec::new();
        if let Ok(i) = vs.teams.binary_search_by_key(&agency, |t| t.agency) {
            let members = &mut vs.teams[i].members;
            let keep = members.len() - u.added as usize;
            freed = members.split_off(keep);
            if u.new_team {
                vs.teams.remove(i);
            }
        }
        if urgent {
            vs.urgent -= 1;
            if vs.urgent == 0 {
                self.cap_used[ent as usize] += 1;
            }
        }
        self.give_back(agency, day, &freed);
        if u.new_team {
            let slot = self.slot(agency, day);
            self.agency_load[slot] -= 1;
        }
        self.assigned[u.request as usize] = NONE;
    }

    /// Opens a new visit for request `r` on `day` (check with [`State::can_open`] first).
    pub fn open(&mut self, r: u32, day: u32) -> u32 {
        let ent = self.m.req[r as usize].ent;
        let v = self.visits.len() as u32;
        self.visits.push(VisitState {
            ent,
            day,
            locked: None,
            alive: true,
            requests: SmallVec::default(),
            teams: SmallVec::default(),
            urgent: 0,
        });
        self.ent_visits[ent as usize].push(v);
        self.cap_used[ent as usize] += 1;
        self.join(v, r);
        v
    }

    /// Takes a (non-locked) visit out of the plan, freeing everything it held; its
    /// requests become unassigned. Returns what to give to [`State::restore`].
    pub fn remove(&mut self, v: u32) -> VisitState {
        let vs = self.visits[v as usize].clone();
        let (ent, day) = (vs.ent, vs.day);
        for t in &vs.teams {
            self.give_back(t.agency, day, &t.members);
            let slot = self.slot(t.agency, day);
            self.agency_load[slot] -= 1;
        }
        if vs.counted() {
            self.cap_used[ent as usize] -= 1;
        }
        for &r in &vs.requests {
            self.assigned[r as usize] = NONE;
        }
        let list = &mut self.ent_visits[ent as usize];
        if let Some(pos) = list.iter().position(|&x| x == v) {
            list.remove(pos);
        }
        let slot = &mut self.visits[v as usize];
        slot.alive = false;
        slot.requests.clear();
        slot.teams.clear();
        slot.urgent = 0;
        vs
    }

    /// Undoes [`State::open`] once every later join into `v` is undone: the slot of
    /// the newest visit is given back too, so tried-and-undone visits cost no memory.
    pub fn unopen(&mut self, v: u32) {
        self.remove(v);
        if v as usize + 1 == self.visits.len() {
            self.visits.pop();
        }
    }

    /// Puts back a visit removed by [`State::remove`], with the same inspectors (the
    /// caller guarantees they are still free).
    pub fn restore(&mut self, v: u32, vs: VisitState) {
        let (ent, day) = (vs.ent, vs.day);
        for t in &vs.teams {
            let slot = self.slot(t.agency, day);
            self.agency_load[slot] += 1;
            for &i in &t.members {
                self.busy[day as usize * self.n + i as usize] = v + 1;
            }
            self.free_count[slot] -= t.members.len() as u32;
            // Stale stack entries are skipped by `take`.
        }
        if vs.counted() {
            self.cap_used[ent as usize] += 1;
        }
        for &r in &vs.requests {
            self.assigned[r as usize] = v;
        }
        self.ent_visits[ent as usize].push(v);
        self.visits[v as usize] = vs;
    }

    /// Tries to move non-locked visit `v` to another day where it can also take the
    /// (unassigned) requests `extra` of its enterprise; on success they are in the moved
    /// visit. The latest such day wins.
    pub fn relocate_with(&mut self, v: u32, extra: &[u32]) -> bool {
        let m = Arc::clone(&self.m);
        let m = &*m;
        let vs = &self.visits[v as usize];
        if vs.locked.is_some() || !vs.alive {
            return false;
        }
        if extra.iter().any(|&r| {
            let rq = &m.req[r as usize];
            rq.ent != vs.ent || rq.agency == NONE
        }) {
            return false;
        }
        let (mut lo, mut hi) = (0, u32::MAX);
        for &x in vs.requests.iter().chain(extra) {
            lo = lo.max(m.req[x as usize].first);
            hi = hi.min(m.req[x as usize].last);
        }
        if lo > hi {
            return false;
        }
        // Team sizes the moved visit needs.
        let mut needs: Vec<(u32, u32)> = vs
            .teams
            .iter()
            .map(|t| (t.agency, t.members.len() as u32))
            .collect();
        for &x in extra {
            let rq = &m.req[x as usize];
            match needs.binary_search_by_key(&rq.agency, |n| n.0) {
                Ok(i) => needs[i].1 = needs[i].1.max(rq.team),
                Err(i) => needs.insert(i, (rq.agency, rq.team)),
            }
        }
        let (ent, old_day) = (vs.ent, vs.day);
        let mut day = hi + 1;
        while day > lo {
            day -= 1;
            if day == old_day || !m.is_open(ent, day) || self.visit_on(ent, day).is_some() {
                continue;
            }
            let fits = needs
                .iter()
                .all(|&(a, n)| !self.agency_full(a, day) && self.eligible_free(a, day, ent) >= n);
            if !fits {
                continue;
            }
            let old = self.remove(v);
            let requests = old.requests;
            let urgent = old.urgent;
            let vs = &mut self.visits[v as usize];
            vs.alive = true;
            vs.day = day;
            vs.urgent = 0;
            self.ent_visits[ent as usize].push(v);
            self.cap_used[ent as usize] += 1;
            for &x in requests.iter().chain(extra) {
                self.join(v, x);
            }
            debug_assert!(self.visits[v as usize].urgent >= urgent);
            return true;
        }
        false
    }
}
