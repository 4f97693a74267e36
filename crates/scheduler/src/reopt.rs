//! Per-enterprise re-optimisation: enterprises interact only through agency capacity
//! and inspectors, so one enterprise's visits can be re-chosen against everything else
//! held fixed, and the change kept only when it improves the objective.

use crate::model::NONE;
use crate::planner::Agenda;
use crate::state::{JoinUndo, State};
use std::time::Instant;

/// A change to undo, in reverse order.
enum Op {
    Opened(u32),
    Joined(JoinUndo),
}

/// The objective restricted to one enterprise: (urgent scheduled, scheduled, -visits).
fn score(st: &State, agenda: &Agenda, e: usize) -> (u32, u32, i64) {
    let (mut urgent, mut scheduled) = (0, 0);
    for &r in agenda.of(e) {
        if st.assigned[r as usize] != NONE {
            scheduled += 1;
            urgent += u32::from(st.m.req[r as usize].urgent);
        }
    }
    (urgent, scheduled, -(st.ent_visits[e].len() as i64))
}

/// Whether the enterprise's plan may be improved: a request of it is left out while
/// some day of its window has room for its team, or it has more visits than the
/// interval-stabbing count of its scheduled requests. (Where capacity binds, most
/// requests left out have no room anywhere: this keeps the pass cheap there.)
fn may_improve(st: &State, agenda: &Agenda, e: usize) -> bool {
    let m = &*st.m;
    let mut points = 0;
    let mut last_point: Option<u32> = None;
    for &r in agenda.of(e) {
        let q = &m.req[r as usize];
        if st.assigned[r as usize] == NONE {
            if (q.first..=q.last).any(|d| {
                !st.agency_full(q.agency, d) && st.eligible_free(q.agency, d, q.ent) >= q.team
            }) {
                return true;
            }
            continue;
        }
        if last_point.is_none_or(|p| p < q.first) {
            points += 1;
            last_point = Some(q.last);
        }
    }
    st.ent_visits[e].len() > points
}

/// Re-chooses the visit days of every enterprise that may improve, greedily by
/// coverage: the day that takes the most urgent requests, then the most requests
/// (latest first), again and again. It keeps the new visits of an enterprise only if
/// they beat its current ones in the objective order, else undoes them exactly.
/// Unlike the stabbing greedy, this sees the capacity and the inspectors left by the
/// other enterprises and the burden cap: with a cap of one, the best-covered day wins.
pub(crate) fn reoptimise(st: &mut State, agenda: &Agenda, deadline: Option<Instant>) {
    for e in 0..st.ent_visits.len() {
        if e % 256 == 0 && deadline.is_some_and(|d| Instant::now() >= d) {
            return;
        }
        if !agenda.of(e).is_empty() && may_improve(st, agenda, e) {
            reoptimise_enterprise(st, agenda, e);
        }
    }
}

/// Re-chooses the days of enterprise `e` (see [`reoptimise`]); returns whether its
/// plan improved (else nothing changed).
pub(crate) fn reoptimise_enterprise(st: &mut State, agenda: &Agenda, e: usize) -> bool {
    let mut unassigned = Vec::new();
    let mut covered = Vec::new();
    let before = score(st, agenda, e);
    let movable: Vec<u32> = st.ent_visits[e]
        .iter()
        .copied()
        .filter(|&v| st.visits[v as usize].locked.is_none())
        .collect();
    let saved: Vec<_> = movable.iter().map(|&v| (v, st.remove(v))).collect();
    let mut ops = Vec::new();
    unassigned.clear();
    unassigned.extend(
        agenda
            .of(e)
            .iter()
            .copied()
            .filter(|&r| st.assigned[r as usize] == NONE),
    );
    // Locked visits cost nothing: fill them first.
    for &v in &st.ent_visits[e].clone() {
        unassigned.retain(|&r| match st.join_cost(v, r) {
            Some(_) => {
                ops.push(Op::Joined(st.join(v, r)));
                false
            }
            None => true,
        });
    }
    while !unassigned.is_empty() {
        let Some(day) = best_day(st, e, &unassigned) else {
            break;
        };
        covered.clear();
        covered.extend(unassigned.iter().copied().filter(|&r| {
            let q = &st.m.req[r as usize];
            q.first <= day && day <= q.last
        }));
        // Urgent first (an urgent visit is not counted), then the largest teams.
        covered.sort_unstable_by_key(|&r| {
            let q = &st.m.req[r as usize];
            (!q.urgent, std::cmp::Reverse(q.team), r)
        });
        let mut visit = None;
        for &r in &covered {
            match visit {
                None if st.can_open(r, day) => {
                    let v = st.open(r, day);
                    ops.push(Op::Opened(v));
                    visit = Some(v);
                }
                Some(v) if st.join_cost(v, r).is_some() => ops.push(Op::Joined(st.join(v, r))),
                _ => {}
            }
        }
        if visit.is_none() {
            break;
        }
        unassigned.retain(|&r| st.assigned[r as usize] == NONE);
    }
    if score(st, agenda, e) > before {
        return true;
    }
    while let Some(op) = ops.pop() {
        match op {
            Op::Joined(u) => st.undo_join(u),
            Op::Opened(v) => st.unopen(v),
        }
    }
    for (v, vs) in saved {
        st.restore(v, vs);
    }
    false
}

/// The day without a visit of `e` on which a new visit could take the most of
/// `reqs` (urgent ones first), the latest on a tie; `None` when no day takes any.
fn best_day(st: &State, e: usize, reqs: &[u32]) -> Option<u32> {
    let m = &*st.m;
    let lo = reqs.iter().map(|&r| m.req[r as usize].first).min()?;
    let hi = reqs.iter().map(|&r| m.req[r as usize].last).max()?;
    let capped = m.ent_cap[e].is_some_and(|cap| st.cap_used[e] >= cap);
    let mut best: Option<((u32, u32), u32)> = None;
    for day in lo..=hi {
        if !m.is_open(e as u32, day) || st.visit_on(e as u32, day).is_some() {
            continue;
        }
        let (mut urgent, mut count) = (0, 0);
        for &r in reqs {
            let q = &m.req[r as usize];
            if q.first <= day
                && day <= q.last
                && !st.agency_full(q.agency, day)
                && st.eligible_free(q.agency, day, q.ent) >= q.team
            {
                count += 1;
                urgent += u32::from(q.urgent);
            }
        }
        // With the cap used up, only an urgent request can open a visit.
        if count == 0 || (capped && urgent == 0) {
            continue;
        }
        if best.is_none_or(|(b, _)| (urgent, count) >= b) {
            best = Some(((urgent, count), day));
        }
    }
    best.map(|(_, day)| day)
}
