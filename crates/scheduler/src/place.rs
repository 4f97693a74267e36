//! The fast path for booking: where would one new request go in an existing plan?

use crate::model::{Model, NONE, Req};
use crate::plan::{Plan, Reason};
use crate::planner::reason_req;
use crate::problem::{Problem, ProblemError, Request};
use crate::state::{State, UNAVAILABLE};
use chrono::NaiveDate;
use serde::Serialize;
use std::collections::HashMap;
use std::sync::Arc;

/// A plan ready to answer [`place`] queries: the problem interned once, the plan's
/// visits loaded as fixed visits with their resource tables.
#[derive(Debug)]
pub struct PlanIndex {
    st: State,
    enterprises: HashMap<String, u32>,
    agencies: HashMap<String, u32>,
    visit_ids: Vec<String>,
    inspector_ids: Vec<String>,
    /// Each agency's roster, least loaded first (ties by id): `place` proposes the
    /// first free, eligible ones.
    by_load: Vec<Vec<u32>>,
}

/// The answer of [`place`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Placement {
    /// The request joins this visit of the plan; `inspectors` are the ones its agency's
    /// team needs in addition (the least loaded free, eligible ones).
    Join {
        visit: String,
        date: NaiveDate,
        inspectors: Vec<String>,
    },
    /// The request needs a new visit on this day (the latest open day of its window
    /// where every hard rule allows one), with this team.
    NewVisit {
        date: NaiveDate,
        inspectors: Vec<String>,
    },
    /// The request cannot be placed without re-planning, for this reason.
    Unplaceable { reason: Reason },
    /// The request itself is malformed (`earliest` after `latest`, `inspectors` of 0).
    Invalid { error: ProblemError },
}

impl PlanIndex {
    /// Indexes `plan`, a plan of `problem` (its visits are taken as they are, like
    /// locked visits). Refused when the plan names an enterprise or request the problem
    /// does not have.
    pub fn new(problem: &Problem, plan: &Plan) -> Result<PlanIndex, ProblemError> {
        let model = Model::build(problem, Some(&plan.visits))?;
        let enterprises = model
            .ent_orig
            .iter()
            .enumerate()
            .map(|(e, &o)| (problem.enterprises[o as usize].id.clone(), e as u32))
            .collect();
        let agencies = model
            .agency_orig
            .iter()
            .enumerate()
            .map(|(a, &o)| (problem.agencies[o as usize].id.clone(), a as u32))
            .collect();
        let visit_ids = model
            .locked
            .iter()
            .map(|lv| plan.visits[lv.orig as usize].id.clone())
            .collect();
        let inspector_ids: Vec<String> = model
            .insp_orig
            .iter()
            .map(|&o| problem.inspectors[o as usize].id.clone())
            .collect();
        let st = State::new(Arc::new(model));
        let n = st.n;
        let mut load = vec![0u32; n];
        for day_row in st.busy.chunks(n.max(1)) {
            for (i, &b) in day_row.iter().enumerate() {
                if b != 0 && b != UNAVAILABLE {
                    load[i] += 1;
                }
            }
        }
        let by_load =
            st.m.roster
                .iter()
                .map(|roster| {
                    let mut r = roster.clone();
                    r.sort_by_key(|&i| (load[i as usize], i));
                    r
                })
                .collect();
        Ok(PlanIndex {
            st,
            enterprises,
            agencies,
            visit_ids,
            inspector_ids,
            by_load,
        })
    }

    /// Every inspector of the request's agency who may go to its enterprise on `date`
    /// (active, not on leave, no conflict of interest), busy or not, least loaded first:
    /// where a booking looks again when the ones [`place`] proposed were taken meanwhile.
    pub fn eligible(&self, request: &Request, date: NaiveDate) -> Vec<String> {
        let m = &*self.st.m;
        let (Some(&agency), Some(&ent), Some(day)) = (
            self.agencies.get(&request.agency),
            self.enterprises.get(&request.enterprise),
            m.day_of(date),
        ) else {
            return Vec::new();
        };
        let conflicts = &m.ent_conflicts[ent as usize];
        self.by_load[agency as usize]
            .iter()
            .copied()
            .filter(|&i| {
                self.st.busy[day as usize * self.st.n + i as usize] != UNAVAILABLE
                    && !conflicts.contains(&i)
            })
            .map(|i| self.inspector_ids[i as usize].clone())
            .collect()
    }

    /// The `n` least loaded free inspectors of `agency` on `day` eligible for `ent`.
    fn pick(&self, agency: u32, day: u32, ent: u32, n: u32) -> Vec<String> {
        let m = &*self.st.m;
        let conflicts = &m.ent_conflicts[ent as usize];
        let mut chosen: Vec<u32> = self.by_load[agency as usize]
            .iter()
            .copied()
            .filter(|&i| {
                self.st.busy[day as usize * self.st.n + i as usize] == 0 && !conflicts.contains(&i)
            })
            .take(n as usize)
            .collect();
        chosen.sort_unstable();
        chosen
            .into_iter()
            .map(|i| self.inspector_ids[i as usize].clone())
            .collect()
    }
}

/// Where a new request would go in the indexed plan, by the planner's own hard rules,
/// without re-planning: join the visit of its enterprise inside its window that needs
/// the fewest extra inspectors (latest first), else a new visit on the latest open day
/// that allows one, else the reason it cannot be placed.
pub fn place(index: &PlanIndex, request: &Request) -> Placement {
    if request.earliest > request.latest {
        return Placement::Invalid {
            error: ProblemError::new(
                format!("requests[{}].earliest", request.id),
                format!("{} is after latest {}", request.earliest, request.latest),
            ),
        };
    }
    if request.inspectors == 0 {
        return Placement::Invalid {
            error: ProblemError::new(
                format!("requests[{}].inspectors", request.id),
                "must be at least 1",
            ),
        };
    }
    let st = &index.st;
    let m = &*st.m;
    let ent = index
        .enterprises
        .get(&request.enterprise)
        .copied()
        .unwrap_or(NONE);
    let agency = index.agencies.get(&request.agency).copied().unwrap_or(NONE);
    let (first, last) = if ent == NONE {
        (1, 0)
    } else {
        m.open_window(ent, request.earliest, request.latest)
    };
    let q = Req {
        ent,
        agency,
        first,
        last,
        team: request.inspectors,
        urgent: request.urgent,
    };
    if ent == NONE || agency == NONE || !q.has_open_day() {
        return Placement::Unplaceable {
            reason: reason_req(st, &q),
        };
    }
    let mut best: Option<(u32, u32, u32)> = None;
    for &v in &st.ent_visits[ent as usize] {
        if let Some(extra) = st.join_cost_req(v, &q) {
            let day = st.visits[v as usize].day;
            if best.is_none_or(|(bx, bd, _)| extra < bx || (extra == bx && day > bd)) {
                best = Some((extra, day, v));
            }
        }
    }
    if let Some((extra, day, v)) = best {
        let li = st.visits[v as usize].locked.unwrap_or(v);
        return Placement::Join {
            visit: index.visit_ids[li as usize].clone(),
            date: m.date_of(day),
            inspectors: index.pick(agency, day, ent, extra),
        };
    }
    let mut day = last + 1;
    while day > first {
        day -= 1;
        if st.can_open_req(&q, day) {
            return Placement::NewVisit {
                date: m.date_of(day),
                inspectors: index.pick(agency, day, ent, q.team),
            };
        }
    }
    Placement::Unplaceable {
        reason: reason_req(st, &q),
    }
}
