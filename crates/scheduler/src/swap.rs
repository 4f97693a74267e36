//! Swapping one request out for several: where people bind, a visit holding a single
//! request with a team of two or three uses as many inspector-days as two or three
//! requests of one inspector each. Taking it out to let two or more requests left out
//! in on its day schedules more (the objective's second rank before its third).

use crate::model::NONE;
use crate::planner::Effort;
use crate::state::{JoinUndo, State};
use std::sync::Arc;

/// Requests left out tried per visit taken out.
const TRIES: usize = 16;

/// A change to undo, in reverse order.
enum Op {
    Opened(u32),
    Joined(JoinUndo),
}

/// For every new visit that holds one routine request with a team of two or more, tries
/// taking it out and placing at least two requests left out of the same agency on its
/// day (urgent ones first, then the smallest teams), each joining its enterprise's
/// visit there or opening one; otherwise everything is undone exactly. The request
/// taken out stays out (the last chance may place it again). Returns whether anything
/// changed.
pub(crate) fn swap_in(st: &mut State, order: &[u32], effort: &Effort) -> bool {
    let m = Arc::clone(&st.m);
    let m = &*m;
    let days = m.days as usize;
    // The requests left out by agency and open day of their window.
    let mut start = vec![0u32; m.agency_orig.len() * days + 1];
    // A request whose enterprise's cap is used up can only join, so only its
    // enterprise's days count.
    let st_ref: &State = st;
    let slots = |r: u32| {
        let q = &m.req[r as usize];
        let capped = !q.urgent
            && m.ent_cap[q.ent as usize].is_some_and(|cap| st_ref.cap_used[q.ent as usize] >= cap);
        (q.first..=q.last)
            .filter(move |&d| {
                m.is_open(q.ent, d) && (!capped || st_ref.visit_on(q.ent, d).is_some())
            })
            .map(move |d| q.agency as usize * days + d as usize)
    };
    let mut out: Vec<u32> = order
        .iter()
        .copied()
        .filter(|&r| st.assigned[r as usize] == NONE)
        .collect();
    // Urgent first, then the smallest teams (they fit most often): each agency-day's
    // list is filled in this order.
    out.sort_by_key(|&r| {
        let q = &m.req[r as usize];
        (!q.urgent, q.team)
    });
    for &r in &out {
        for s in slots(r) {
            start[s + 1] += 1;
        }
    }
    for s in 0..start.len() - 1 {
        start[s + 1] += start[s];
    }
    let mut fill = start.clone();
    let mut by_slot = vec![0u32; start[start.len() - 1] as usize];
    for &r in &out {
        for s in slots(r) {
            by_slot[fill[s] as usize] = r;
            fill[s] += 1;
        }
    }
    let mut changed = false;
    let mut ops = Vec::new();
    for v in 0..st.visits.len() as u32 {
        if v % 256 == 0 && effort.out_of_time() {
            break;
        }
        let vs = &st.visits[v as usize];
        if !vs.alive || vs.locked.is_some() || vs.urgent > 0 || vs.requests.len() != 1 {
            continue;
        }
        let r0 = vs.requests[0];
        let q0 = &m.req[r0 as usize];
        if q0.team < 2 {
            continue;
        }
        let (a, day) = (q0.agency, vs.day);
        let s = a as usize * days + day as usize;
        let waiting = &by_slot[start[s] as usize..start[s + 1] as usize];
        // Two of them must fit in what the visit frees plus what is free already.
        let free = st.eligible_free(a, day, vs.ent) + q0.team;
        let mut fitting = waiting
            .iter()
            .filter(|&&r| st.assigned[r as usize] == NONE && m.req[r as usize].team <= free);
        if fitting.nth(1).is_none() {
            continue;
        }
        let saved = st.remove(v);
        let mut placed = 0;
        for &r in waiting.iter().take(TRIES) {
            if st.assigned[r as usize] != NONE || r == r0 {
                continue;
            }
            let e = m.req[r as usize].ent;
            match st.visit_on(e, day) {
                Some(w) if st.join_cost(w, r).is_some() => ops.push(Op::Joined(st.join(w, r))),
                None if st.can_open(r, day) => ops.push(Op::Opened(st.open(r, day))),
                _ => continue,
            }
            placed += 1;
        }
        if placed >= 2 {
            ops.clear();
            changed = true;
            continue;
        }
        while let Some(op) = ops.pop() {
            match op {
                Op::Joined(u) => st.undo_join(u),
                Op::Opened(w) => st.unopen(w),
            }
        }
        st.restore(v, saved);
    }
    changed
}
