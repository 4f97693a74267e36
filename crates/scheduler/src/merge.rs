//! Merging across full days: two visits of one enterprise whose requests share a day
//! of their windows become one visit on that day, when the agencies or people that
//! day lacks can be freed by moving visits of other enterprises (whole) to other days
//! of their windows. Where capacity binds this is most of the gap to the lower bound:
//! the common day was full when the requests were placed.

use crate::eject::Blockers;
use crate::model::NONE;
use crate::planner::Effort;
use crate::small::SmallVec;
use crate::state::{State, VisitState};
use std::sync::Arc;

/// Tries to merge pairs of visits of every enterprise that has more visits than the
/// interval-stabbing count of its requests (others cannot gain). Every merge removes
/// one visit and keeps every request; a failed attempt leaves at most some blockers
/// moved (which changes nothing in the objective). Day checks are bounded like the
/// ejection pass's. Returns whether anything merged.
pub(crate) fn merge_visits(st: &mut State, effort: &Effort) -> bool {
    let m = Arc::clone(&st.m);
    let m = &*m;
    let mut blockers = Blockers::new(st);
    let mut budget = effort
        .days_per_request
        .map_or(u64::MAX, |k| m.req.len() as u64 * k);
    let mut merged = false;
    for e in 0..st.ent_visits.len() {
        if st.ent_visits[e].len() < 2 || !has_excess(st, e) {
            continue;
        }
        // Smallest visits first: the likeliest to fit into another's day.
        let mut again = true;
        while again {
            again = false;
            let mut visits: Vec<(usize, u32)> = st.ent_visits[e]
                .iter()
                .map(|&v| (st.visits[v as usize].requests.len(), v))
                .collect();
            visits.sort_unstable();
            'pairs: for (i, &(_, v)) in visits.iter().enumerate() {
                for &(_, w) in &visits[i + 1..] {
                    if budget == 0 || effort.out_of_time() {
                        return merged;
                    }
                    if try_merge(st, &mut blockers, v, w, effort, &mut budget) {
                        merged = true;
                        again = st.ent_visits[e].len() >= 2;
                        break 'pairs;
                    }
                }
            }
        }
    }
    merged
}

/// Whether enterprise `e` has more visits than the least number of days meeting its
/// scheduled requests (counting a locked visit as its own point, conservatively).
fn has_excess(st: &State, e: usize) -> bool {
    let m = &*st.m;
    let mut reqs: Vec<(u32, u32)> = Vec::new();
    let mut locked = 0;
    for &v in &st.ent_visits[e] {
        let vs = &st.visits[v as usize];
        if vs.locked.is_some() {
            locked += 1;
            continue;
        }
        reqs.extend(vs.requests.iter().map(|&r| {
            let q = &m.req[r as usize];
            (q.last, q.first)
        }));
    }
    reqs.sort_unstable();
    let mut points = locked;
    let mut last: Option<u32> = None;
    for (hi, lo) in reqs {
        if last.is_none_or(|p| p < lo) {
            points += 1;
            last = Some(hi);
        }
    }
    st.ent_visits[e].len() > points
}

/// Merges visit `v` into visit `w` of the same enterprise (onto `w`'s day when `w` is
/// locked, else onto any common open day, latest first, the two visits' own days
/// first), moving blockers off that day as needed. Returns whether they merged.
fn try_merge(
    st: &mut State,
    blockers: &mut Blockers,
    v: u32,
    w: u32,
    effort: &Effort,
    budget: &mut u64,
) -> bool {
    let m = Arc::clone(&st.m);
    let m = &*m;
    let (v, w) = if st.visits[v as usize].locked.is_some() {
        (w, v)
    } else {
        (v, w)
    };
    let (vs, ws) = (&st.visits[v as usize], &st.visits[w as usize]);
    if vs.locked.is_some() || !vs.alive || !ws.alive || ws.day == NONE {
        return false;
    }
    let e = vs.ent;
    let host_locked = ws.locked.is_some();
    // The requests that need a place on the merged day, and their common window.
    let mut moving: Vec<u32> = vs.requests.to_vec();
    if !host_locked {
        moving.extend(ws.requests.iter().copied());
    }
    // An urgent request opens the merged visit: it may open one past the burden cap.
    moving.sort_unstable_by_key(|&r| (!m.req[r as usize].urgent, r));
    let (mut lo, mut hi) = (0, u32::MAX);
    for &r in &moving {
        lo = lo.max(m.req[r as usize].first);
        hi = hi.min(m.req[r as usize].last);
    }
    if host_locked {
        if !(lo..=hi).contains(&ws.day) || !m.is_open(e, ws.day) {
            return false;
        }
        (lo, hi) = (ws.day, ws.day);
    }
    if lo > hi {
        return false;
    }
    // Per agency, the team the merged visit needs.
    let mut needs: SmallVec<(u32, u32), 4> = SmallVec::default();
    for &r in &moving {
        let q = &m.req[r as usize];
        match needs.iter_mut().find(|n| n.0 == q.agency) {
            Some(n) => n.1 = n.1.max(q.team),
            None => needs.push((q.agency, q.team)),
        }
    }
    let (vday, wday) = (vs.day, ws.day);
    let mut days: Vec<u32> = (lo..=hi)
        .rev()
        .filter(|&d| d != vday && d != wday)
        .collect();
    for d in [vday, wday] {
        if (lo..=hi).contains(&d) && !days.contains(&d) {
            days.insert(0, d);
        }
    }
    // Out of the plan while the day is sought, so blockers may take what they free.
    let saved_v = st.remove(v);
    let saved_w = (!host_locked).then(|| st.remove(w));
    for day in days {
        if *budget == 0 {
            break;
        }
        *budget -= 1;
        if !m.is_open(e, day) || st.visit_on(e, day).is_some_and(|x| x != w) {
            continue;
        }
        let mut moves = Vec::new();
        if make_room(st, blockers, &needs, e, w, day, effort, budget, &mut moves)
            && place(st, blockers, w, day, &moving)
        {
            return true;
        }
        // Exactly undone, latest move first.
        while let Some((b, before)) = moves.pop() {
            st.remove(b);
            st.restore(b, before);
        }
    }
    if let Some(sw) = saved_w {
        st.restore(w, sw);
    }
    st.restore(v, saved_v);
    false
}

/// What agency `a` lacks on `day` for a team of `need` (in `host`, a locked visit, when
/// given): (a place, people).
fn lack(st: &State, a: u32, need: u32, e: u32, host: Option<u32>, day: u32) -> (bool, u32) {
    let have = host.and_then(|h| {
        st.visits[h as usize]
            .teams
            .iter()
            .find(|t| t.agency == a)
            .map(|t| t.members.len() as u32)
    });
    let place = have.is_none() && st.agency_full(a, day);
    let people = need.saturating_sub(have.unwrap_or(0));
    (place, people.saturating_sub(st.eligible_free(a, day, e)))
}

/// Moves blockers off `day` until every agency of `needs` has a place and the people,
/// recording each move (the visit as it was) in `moves`.
#[allow(clippy::too_many_arguments)]
fn make_room(
    st: &mut State,
    blockers: &mut Blockers,
    needs: &[(u32, u32)],
    e: u32,
    w: u32,
    day: u32,
    effort: &Effort,
    budget: &mut u64,
    moves: &mut Vec<(u32, VisitState)>,
) -> bool {
    let m = Arc::clone(&st.m);
    let host = st.visits[w as usize].locked.map(|_| w);
    for &(a, need) in needs {
        loop {
            let (place, short) = lack(st, a, need, e, host, day);
            if !place && short == 0 {
                break;
            }
            let mut moved = false;
            for b in blockers.on(st, a, day, e, effort.blockers) {
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
                if frees == 0 && !place {
                    continue;
                }
                *budget = budget.saturating_sub(u64::from(m.days));
                let before = st.visits[b as usize].clone();
                if st.relocate_with(b, &[]) {
                    blockers.add(st, b);
                    moves.push((b, before));
                    moved = true;
                    break;
                }
            }
            if !moved {
                return false;
            }
        }
    }
    // Moving a blocker for one agency never takes room from another on this day.
    true
}

/// Puts `moving` on `day`: into `w` when it is locked, else into a new visit; undone
/// exactly when a join fails.
fn place(st: &mut State, blockers: &mut Blockers, w: u32, day: u32, moving: &[u32]) -> bool {
    let host = st.visits[w as usize].locked.map(|_| w);
    let mut undo = Vec::new();
    let mut opened = None;
    for &r in moving {
        let ok = match host.or(opened) {
            Some(x) => match st.join_cost(x, r) {
                Some(_) => {
                    undo.push(st.join(x, r));
                    true
                }
                None => false,
            },
            None if st.can_open(r, day) => {
                opened = Some(st.open(r, day));
                true
            }
            None => false,
        };
        if !ok {
            while let Some(u) = undo.pop() {
                st.undo_join(u);
            }
            if let Some(x) = opened {
                st.unopen(x);
            }
            return false;
        }
    }
    if let Some(x) = opened {
        blockers.add(st, x);
    }
    true
}
