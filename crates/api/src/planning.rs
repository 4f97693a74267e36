//! From the database to the planner and back: the planning problem of a slice of
//! the data, in the format of `shared/spec/plan-format.md`, with database ids (UUIDs)
//! as the problem's ids.

use crate::entities::{
    agency, enterprise, inspection_request, inspector, inspector_conflict,
    inspector_unavailable_day, joint_visit, quiet_period, visit_inspector, visit_team,
};
use chrono::NaiveDate;
use onevisit_domain::{DateRange, Quarter, VisitStatus, WorkCalendar};
use onevisit_scheduler::{
    AgencySpec, AgencyTeam, CalendarLists, EnterpriseSpec, Horizon, InspectorSpec, Plan, Problem,
    Request, Stats, Visit,
};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QuerySelect,
};
use std::collections::{BTreeMap, BTreeSet};
use uuid::Uuid;

/// Statuses of visits that hold their day (everything but cancelled).
pub const HOLDING: [&str; 4] = ["proposed", "confirmed", "in_progress", "completed"];

/// Which part of the data a problem covers.
#[derive(Debug, Clone, Copy)]
pub struct Focus {
    pub horizon: DateRange,
    /// The enterprise whose visits are all taken (for a booking, the booked one).
    pub enterprise: Uuid,
    /// The agency whose visits are all taken (for capacity and its inspectors).
    pub agency: Uuid,
}

/// The problem of a slice, and the visits it already has, as a plan.
#[derive(Debug, Clone)]
pub struct Snapshot {
    pub problem: Problem,
    pub plan: Plan,
}

fn id(uuid: Uuid) -> String {
    uuid.to_string()
}

/// The planner's calendar lists for a horizon.
pub fn calendar_lists(calendar: &WorkCalendar, horizon: DateRange) -> CalendarLists {
    CalendarLists {
        holidays: calendar
            .holidays()
            .filter(|d| horizon.contains(*d))
            .collect(),
        workdays: calendar
            .workdays()
            .filter(|d| horizon.contains(*d))
            .collect(),
    }
}

/// Every agency, and every active inspector with their leave in the horizon and their
/// conflicts with `enterprises`.
pub async fn resources<C: ConnectionTrait>(
    db: &C,
    horizon: DateRange,
    enterprises: &BTreeSet<Uuid>,
) -> Result<(Vec<AgencySpec>, Vec<InspectorSpec>), DbErr> {
    let agencies = agency::Entity::find().all(db).await?;
    let inspectors = inspector::Entity::find()
        .filter(inspector::Column::Active.eq(true))
        .all(db)
        .await?;
    let leave = inspector_unavailable_day::Entity::find()
        .filter(inspector_unavailable_day::Column::Day.between(horizon.start(), horizon.end()))
        .all(db)
        .await?;
    let conflicts = inspector_conflict::Entity::find()
        .filter(inspector_conflict::Column::EnterpriseId.is_in(enterprises.iter().copied()))
        .all(db)
        .await?;
    let mut leave_of: BTreeMap<Uuid, Vec<NaiveDate>> = BTreeMap::new();
    for l in leave {
        leave_of.entry(l.inspector_id).or_default().push(l.day);
    }
    let mut conflicts_of: BTreeMap<Uuid, Vec<String>> = BTreeMap::new();
    for c in conflicts {
        conflicts_of
            .entry(c.inspector_id)
            .or_default()
            .push(id(c.enterprise_id));
    }
    let agencies = agencies
        .iter()
        .map(|a| AgencySpec {
            id: id(a.id),
            daily_capacity: u32::try_from(a.daily_capacity).unwrap_or(0),
        })
        .collect();
    let inspectors = inspectors
        .iter()
        .map(|i| InspectorSpec {
            id: id(i.id),
            agency: id(i.agency_id),
            unavailable: leave_of.remove(&i.id).unwrap_or_default(),
            conflicts: conflicts_of.remove(&i.id).unwrap_or_default(),
        })
        .collect();
    Ok((agencies, inspectors))
}

/// The quiet periods of `enterprises` that touch the horizon, by enterprise.
pub async fn quiet_periods<C: ConnectionTrait>(
    db: &C,
    horizon: DateRange,
    enterprises: &BTreeSet<Uuid>,
) -> Result<BTreeMap<Uuid, Vec<DateRange>>, DbErr> {
    let rows = quiet_period::Entity::find()
        .filter(quiet_period::Column::EnterpriseId.is_in(enterprises.iter().copied()))
        .filter(quiet_period::Column::EndDate.gte(horizon.start()))
        .filter(quiet_period::Column::StartDate.lte(horizon.end()))
        .all(db)
        .await?;
    let mut of: BTreeMap<Uuid, Vec<DateRange>> = BTreeMap::new();
    for q in rows {
        if let Ok(range) = DateRange::new(q.start_date, q.end_date) {
            of.entry(q.enterprise_id).or_default().push(range);
        }
    }
    Ok(of)
}

/// A stored request as the planner reads it.
pub fn request_spec(r: &inspection_request::Model) -> Request {
    Request {
        id: id(r.id),
        agency: id(r.agency_id),
        enterprise: id(r.enterprise_id),
        earliest: r.earliest,
        latest: r.latest,
        inspectors: u32::try_from(r.team_size).unwrap_or(1),
        urgent: r.kind == "urgent",
    }
}

/// Stored visits as the planner reads them: each with its requests (visits without
/// any are left out) and each agency's team.
pub async fn visit_specs<C: ConnectionTrait>(
    db: &C,
    visits: &[joint_visit::Model],
    requests: &[inspection_request::Model],
) -> Result<Vec<Visit>, DbErr> {
    let assignments = visit_inspector::Entity::find()
        .filter(visit_inspector::Column::VisitId.is_in(visits.iter().map(|v| v.id)))
        .all(db)
        .await?;
    let mut requests_of: BTreeMap<Uuid, Vec<String>> = BTreeMap::new();
    for r in requests {
        if let Some(v) = r.visit_id {
            requests_of.entry(v).or_default().push(id(r.id));
        }
    }
    let mut teams_of: BTreeMap<Uuid, BTreeMap<Uuid, Vec<String>>> = BTreeMap::new();
    for a in assignments {
        teams_of
            .entry(a.visit_id)
            .or_default()
            .entry(a.agency_id)
            .or_default()
            .push(id(a.inspector_id));
    }
    Ok(visits
        .iter()
        .map(|v| Visit {
            id: id(v.id),
            enterprise: id(v.enterprise_id),
            date: v.visit_date,
            requests: requests_of.remove(&v.id).unwrap_or_default(),
            inspectors: teams_of
                .remove(&v.id)
                .unwrap_or_default()
                .into_iter()
                .map(|(agency, inspectors)| AgencyTeam {
                    agency: id(agency),
                    inspectors,
                })
                .collect(),
        })
        .filter(|v| !v.requests.is_empty())
        .collect())
}

/// The problem around one enterprise and one agency in `focus.horizon`: the enterprise,
/// every visit of it or of the agency in the horizon (with their requests), every agency,
/// and every active inspector with their leave and conflicts. The enterprise's burden cap
/// is what is left of it after its counted visits outside the horizon in the quarters the
/// horizon touches (the smallest, when it touches two).
pub async fn snapshot<C: ConnectionTrait>(
    db: &C,
    calendar: &WorkCalendar,
    focus: Focus,
) -> Result<Snapshot, DbErr> {
    let (start, end) = (focus.horizon.start(), focus.horizon.end());
    let of_agency: Vec<Uuid> = visit_team::Entity::find()
        .select_only()
        .column(visit_team::Column::VisitId)
        .filter(visit_team::Column::AgencyId.eq(focus.agency))
        .filter(visit_team::Column::VisitDate.between(start, end))
        .into_tuple()
        .all(db)
        .await?;
    let visits = joint_visit::Entity::find()
        .filter(joint_visit::Column::Status.is_in(HOLDING))
        .filter(joint_visit::Column::VisitDate.between(start, end))
        .filter(
            Condition::any()
                .add(joint_visit::Column::EnterpriseId.eq(focus.enterprise))
                .add(joint_visit::Column::Id.is_in(of_agency)),
        )
        .all(db)
        .await?;
    let requests = inspection_request::Entity::find()
        .filter(inspection_request::Column::VisitId.is_in(visits.iter().map(|v| v.id)))
        .all(db)
        .await?;
    let mut enterprise_ids: BTreeSet<Uuid> = visits.iter().map(|v| v.enterprise_id).collect();
    enterprise_ids.insert(focus.enterprise);
    let (agencies, inspectors) = resources(db, focus.horizon, &enterprise_ids).await?;
    let mut quiet = quiet_periods(db, focus.horizon, &enterprise_ids).await?;
    let cap_left = cap_left(db, focus).await?;
    let plan_visits = visit_specs(db, &visits, &requests).await?;
    let problem = Problem {
        horizon: Horizon { start, end },
        calendar: calendar_lists(calendar, focus.horizon),
        agencies,
        inspectors,
        enterprises: enterprise_ids
            .iter()
            .map(|&e| EnterpriseSpec {
                id: id(e),
                max_visits: if e == focus.enterprise {
                    cap_left
                } else {
                    None
                },
                quiet: quiet.remove(&e).unwrap_or_default(),
            })
            .collect(),
        requests: requests.iter().map(request_spec).collect(),
        locked: Vec::new(),
    };
    Ok(Snapshot {
        problem,
        plan: Plan {
            visits: plan_visits,
            unscheduled: Vec::new(),
            stats: Stats {
                requests: 0,
                scheduled: 0,
                visits: 0,
                lower_bound: 0,
            },
        },
    })
}

/// Whether a visit counts towards the burden cap: it holds no urgent request.
async fn counted_visits<C: ConnectionTrait>(
    db: &C,
    enterprise: Uuid,
    range: DateRange,
) -> Result<Vec<(Uuid, NaiveDate)>, DbErr> {
    let visits: Vec<(Uuid, NaiveDate)> = joint_visit::Entity::find()
        .select_only()
        .column(joint_visit::Column::Id)
        .column(joint_visit::Column::VisitDate)
        .filter(joint_visit::Column::EnterpriseId.eq(enterprise))
        .filter(joint_visit::Column::Status.is_in(HOLDING))
        .filter(joint_visit::Column::VisitDate.between(range.start(), range.end()))
        .into_tuple()
        .all(db)
        .await?;
    let urgent: BTreeSet<Uuid> = inspection_request::Entity::find()
        .select_only()
        .column(inspection_request::Column::VisitId)
        .filter(inspection_request::Column::VisitId.is_in(visits.iter().map(|v| v.0)))
        .filter(inspection_request::Column::Kind.eq("urgent"))
        .into_tuple::<Option<Uuid>>()
        .all(db)
        .await?
        .into_iter()
        .flatten()
        .collect();
    Ok(visits
        .into_iter()
        .filter(|(v, _)| !urgent.contains(v))
        .collect())
}

/// The number of counted visits of `enterprise` in the quarter containing `date`.
pub async fn counted_in_quarter<C: ConnectionTrait>(
    db: &C,
    enterprise: Uuid,
    date: NaiveDate,
) -> Result<u32, DbErr> {
    let visits = counted_visits(db, enterprise, Quarter::containing(date).range()).await?;
    Ok(u32::try_from(visits.len()).unwrap_or(u32::MAX))
}

async fn cap_left<C: ConnectionTrait>(db: &C, focus: Focus) -> Result<Option<u32>, DbErr> {
    let Some(row) = enterprise::Entity::find_by_id(focus.enterprise)
        .one(db)
        .await?
    else {
        return Ok(None);
    };
    cap_left_of(db, &row, focus.horizon).await
}

/// What is left of an enterprise's burden cap for a horizon: the cap less its counted
/// visits outside the horizon in each quarter the horizon touches (the smallest).
pub async fn cap_left_of<C: ConnectionTrait>(
    db: &C,
    row: &enterprise::Model,
    horizon: DateRange,
) -> Result<Option<u32>, DbErr> {
    let focus = Focus {
        horizon,
        enterprise: row.id,
        agency: Uuid::nil(),
    };
    let Some(cap) = row.burden_cap.and_then(|c| u32::try_from(c).ok()) else {
        return Ok(None);
    };
    let mut left = cap;
    let mut quarter = Quarter::containing(focus.horizon.start());
    loop {
        let range = quarter.range();
        let outside = counted_visits(db, focus.enterprise, range)
            .await?
            .into_iter()
            .filter(|(_, d)| !focus.horizon.contains(*d))
            .count();
        left = left.min(cap.saturating_sub(u32::try_from(outside).unwrap_or(u32::MAX)));
        if range.end() >= focus.horizon.end() {
            break;
        }
        quarter = Quarter::containing(range.end().succ_opt().unwrap_or(range.end()));
    }
    Ok(Some(left))
}

/// Whether a visit status may still take new requests.
pub fn joinable(status: &str) -> bool {
    status
        .parse::<VisitStatus>()
        .is_ok_and(|s| matches!(s, VisitStatus::Proposed | VisitStatus::Confirmed))
}
