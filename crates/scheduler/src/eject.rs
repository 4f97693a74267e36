//! Ejection across enterprises: a request left out because its agency is at capacity
//! (or short of people) on a day may get in when a visit of another enterprise that
//! holds that agency's capacity moves to another day of its window.

use crate::model::NONE;
use crate::planner::{Agenda, Effort};
use crate::state::State;

/// The failed re-optimisations an enterprise may spend per pass, in (its requests)²:
/// about ten tries for twenty requests, one for sixty-four or more.
const REOPT_SPEND: u64 = 4096;

/// For each request left out (in `order`), on each open day of its window (latest
/// first), moves blocking visits (other enterprises' new visits with a team of the
/// request's agency that day), one at a time, to other days where every rule holds,
/// until the request joins or opens its visit on the freed day; when the burden cap is
/// what keeps it from opening one, its enterprise's days are re-chosen instead (a bounded
/// number of times per pass if that fails). A move that frees too little changes nothing in the
/// objective and keeps the plan valid. By default ([`Effort::BOUNDED`]) the day checks
/// are capped in proportion to the number of requests and 64 blockers are tried per
/// day, so the pass stays linear where capacity binds everywhere.
/// Returns whether any visit moved.
pub(crate) fn make_room(st: &mut State, agenda: &Agenda, order: &[u32], effort: &Effort) -> bool {
    let m = std::sync::Arc::clone(&st.m);
    let m = &*m;
    let days = m.days as usize;
    let mut blockers = Blockers::new(st);
    let mut stuck = vec![false; m.agency_orig.len() * days];
    // What failed re-optimisations cost each enterprise in this pass, in (its
    // requests)²: a big enterprise's costs far more than a move and another move
    // rarely changes its answer, while a small one's is cheap to try again.
    let mut reopt_spent = vec![0u64; m.ent_orig.len()];
    let mut budget = effort
        .days_per_request
        .map_or(u64::MAX, |k| m.req.len() as u64 * k);
    let mut moved = false;
    for &r in order {
        if st.assigned[r as usize] != NONE {
            continue;
        }
        if effort.out_of_time() {
            return moved;
        }
        let q = &m.req[r as usize];
        let (e, a) = (q.ent, q.agency);
        let capped = m.ent_cap[e as usize].is_some_and(|cap| st.cap_used[e as usize] >= cap);
        'days: for day in (q.first..=q.last).rev() {
            if budget == 0 {
                return moved;
            }
            budget -= 1;
            if !m.is_open(e, day) {
                continue;
            }
            let own = st.visit_on(e, day);
            // What the request lacks on this day: a place in the agency's capacity,
            // and people.
            let (needs_place, people) = match own {
                Some(v) => match st.visits[v as usize].teams.iter().find(|t| t.agency == a) {
                    Some(t) => (false, q.team.saturating_sub(t.members.len() as u32)),
                    None => (true, q.team),
                },
                // With the cap used up only one of its own visits may move here.
                None if capped
                    && !q.urgent
                    && st.ent_visits[e as usize]
                        .iter()
                        .all(|&v| st.visits[v as usize].locked.is_some()) =>
                {
                    continue;
                }
                None => (true, q.team),
            };
            let short = people.saturating_sub(st.eligible_free(a, day, e));
            if (!needs_place || !st.agency_full(a, day)) && short == 0 {
                continue; // not blocked here by capacity or people
            }
            let slot = a as usize * days + day as usize;
            if stuck[slot] {
                continue;
            }
            let candidates = blockers.on(st, a, day, e, effort.blockers);
            let (mut tried, mut freed) = (false, false);
            for b in candidates {
                let frees = st.visits[b as usize]
                    .teams
                    .iter()
                    .find(|t| t.agency == a)
                    .map_or(0, |t| {
                        t.members
                            .iter()
                            .filter(|i| !m.ent_conflicts[e as usize].contains(i))
                            .count() as u32
                    });
                if frees < short {
                    continue;
                }
                budget = budget.saturating_sub(u64::from(m.days));
                // A move scans a window: the clock is cheap beside it.
                if effort.out_of_time() {
                    return moved;
                }
                tried = true;
                if !st.relocate_with(b, &[]) {
                    continue;
                }
                freed = true;
                moved = true;
                blockers.add(st, b);
                match own {
                    Some(v) if st.join_cost(v, r).is_some() => {
                        st.join(v, r);
                    }
                    None if st.can_open(r, day) => {
                        let v = st.open(r, day);
                        blockers.add(st, v);
                    }
                    // Short of people still: the next blocker may free more.
                    Some(_) => continue,
                    None if q.urgent || !capped || reopt_spent[e as usize] >= REOPT_SPEND => {
                        continue;
                    }
                    // The cap is what keeps it out: re-choosing its days may fit it in.
                    None => {
                        if !crate::reopt::reoptimise_enterprise(st, agenda, e as usize) {
                            let k = agenda.of(e as usize).len() as u64;
                            reopt_spent[e as usize] += k * k;
                            continue;
                        }
                        let own_visits: Vec<u32> = st.ent_visits[e as usize].to_vec();
                        for v in own_visits {
                            blockers.add(st, v);
                        }
                    }
                }
                break 'days;
            }
            // No visit here could move: do not try this agency-day again in this pass
            // (where capacity binds everywhere, that is most of them).
            if tried && !freed {
                stuck[slot] = true;
            }
        }
    }
    moved
}

/// The new visits with a team of each agency on each day, to find the ones holding an
/// agency-day. Entries are checked when used (a visit may have moved since); a visit
/// that moves is added again under its new day.
pub(crate) struct Blockers {
    days: usize,
    by_slot: Vec<Vec<u32>>,
}

impl Blockers {
    pub fn new(st: &State) -> Blockers {
        let days = st.m.days as usize;
        let mut b = Blockers {
            days,
            by_slot: vec![Vec::new(); st.m.agency_orig.len() * days],
        };
        for v in 0..st.visits.len() as u32 {
            let vs = &st.visits[v as usize];
            if vs.alive && vs.locked.is_none() && vs.day != NONE {
                b.add(st, v);
            }
        }
        b
    }

    pub fn add(&mut self, st: &State, v: u32) {
        let vs = &st.visits[v as usize];
        for t in &vs.teams {
            self.by_slot[t.agency as usize * self.days + vs.day as usize].push(v);
        }
    }

    /// Up to `limit` new visits of enterprises other than `ent` with a team of
    /// `agency` on `day` as the plan stands.
    pub fn on(&self, st: &State, agency: u32, day: u32, ent: u32, limit: usize) -> Vec<u32> {
        let mut out = Vec::new();
        for &b in &self.by_slot[agency as usize * self.days + day as usize] {
            if out.len() == limit {
                break;
            }
            let vs = &st.visits[b as usize];
            if vs.alive
                && vs.day == day
                && vs.ent != ent
                && vs.locked.is_none()
                && vs.teams.iter().any(|t| t.agency == agency)
                && !out.contains(&b)
            {
                out.push(b);
            }
        }
        out
    }
}
