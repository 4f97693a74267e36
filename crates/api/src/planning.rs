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
use sea_orm::sea_query::Query;
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
    /// Whether the booked request is announced: it shares a visit only with requests
    /// that are too.
    pub announced: bool,
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

/// Every agency, and every active inspector (of `only`, when given) with their leave in
/// the horizon and their conflicts with `enterprises`.
pub async fn resources<C: ConnectionTrait>(
    db: &C,
    horizon: DateRange,
    enterprises: &BTreeSet<Uuid>,
    only: Option<Uuid>,
) -> Result<(Vec<AgencySpec>, Vec<InspectorSpec>), DbErr> {
    let agencies = agency::Entity::find().all(db).await?;
    let inspectors = inspector::Entity::find()
        .filter(inspector::Column::Active.eq(true))
        .filter(of_agency(only, inspector::Column::Id))
        .all(db)
        .await?;
    let leave = inspector_unavailable_day::Entity::find()
        .filter(inspector_unavailable_day::Column::Day.between(horizon.start(), horizon.end()))
        .filter(of_agency(
            only,
            inspector_unavailable_day::Column::InspectorId,
        ))
        .all(db)
        .await?;
    let conflicts = inspector_conflict::Entity::find()
        .filter(inspector_conflict::Column::EnterpriseId.is_in(enterprises.iter().copied()))
        .filter(of_agency(only, inspector_conflict::Column::InspectorId))
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

/// Rows whose inspector (`column`) belongs to `only`, when given.
fn of_agency(only: Option<Uuid>, column: impl ColumnTrait) -> Condition {
    match only {
        Some(agency) => Condition::all().add(
            column.in_subquery(
                Query::select()
                    .column(inspector::Column::Id)
                    .from(inspector::Entity)
                    .and_where(inspector::Column::AgencyId.eq(agency))
                    .to_owned(),
            ),
        ),
        None => Condition::all(),
    }
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

/// Stored visits as the planner reads them: each with its requests (those among
/// `requests`) and each agency's team.
pub async fn visit_specs<C: ConnectionTrait>(
    db: &C,
    visits: &[joint_visit::Model],
    requests: &[inspection_request::Model],
) -> Result<Vec<Visit>, DbErr> {
    let assignments = visit_inspector::Entity::find()
        .filter(visit_inspector::Column::VisitId.is_in(visits.iter().map(|v| v.id)))
        .all(db)
        .await?;
    Ok(assemble(visits, requests, assignments))
}

fn assemble(
    visits: &[joint_visit::Model],
    requests: &[inspection_request::Model],
    assignments: Vec<visit_inspector::Model>,
) -> Vec<Visit> {
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
    visits
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
        .collect()
}

/// The problem around one enterprise and one agency in `focus.horizon`, as small as a
/// booking needs it: the enterprise with its quiet periods, what is left of its burden
/// cap (its counted visits outside the horizon in the quarters the horizon touches, the
/// smallest) and its visits in the horizon with their requests and teams; the agency's
/// other visits in the horizon with its own team only (they hold its capacity and its
/// inspectors' days); every agency; the agency's active inspectors with their leave and
/// their conflicts with the enterprise. What the booking cannot touch stays out, so the
/// snapshot stays bounded by the agency's capacity however many requests are booked.
pub async fn snapshot<C: ConnectionTrait>(
    db: &C,
    calendar: &WorkCalendar,
    focus: Focus,
) -> Result<Snapshot, DbErr> {
    let (start, end) = (focus.horizon.start(), focus.horizon.end());
    let visits = joint_visit::Entity::find()
        .filter(joint_visit::Column::Status.is_in(HOLDING))
        .filter(joint_visit::Column::VisitDate.between(start, end))
        .filter(
            Condition::any()
                .add(joint_visit::Column::EnterpriseId.eq(focus.enterprise))
                .add(
                    joint_visit::Column::Id.in_subquery(
                        Query::select()
                            .column(visit_team::Column::VisitId)
                            .from(visit_team::Entity)
                            .and_where(visit_team::Column::AgencyId.eq(focus.agency))
                            .and_where(visit_team::Column::VisitDate.between(start, end))
                            .to_owned(),
                    ),
                ),
        )
        .all(db)
        .await?;
    let own: Vec<Uuid> = visits
        .iter()
        .filter(|v| v.enterprise_id == focus.enterprise)
        .map(|v| v.id)
        .collect();
    // Most bookings find the enterprise without a visit in their window.
    let requests = if own.is_empty() {
        Vec::new()
    } else {
        inspection_request::Entity::find()
            .filter(inspection_request::Column::VisitId.is_in(own.iter().copied()))
            .all(db)
            .await?
    };
    let assignments = visit_inspector::Entity::find()
        .filter(
            Condition::any()
                .add(visit_inspector::Column::VisitId.is_in(own.iter().copied()))
                .add(
                    Condition::all()
                        .add(visit_inspector::Column::AgencyId.eq(focus.agency))
                        .add(visit_inspector::Column::VisitDate.between(start, end)),
                ),
        )
        .all(db)
        .await?;
    let enterprise_ids: BTreeSet<Uuid> = visits.iter().map(|v| v.enterprise_id).collect();
    let focused = BTreeSet::from([focus.enterprise]);
    let (agencies, inspectors) = resources(db, focus.horizon, &focused, Some(focus.agency)).await?;
    let mut quiet = quiet_periods(db, focus.horizon, &focused)
        .await?
        .remove(&focus.enterprise)
        .unwrap_or_default();
    // The enterprise's visits this request may not join: under way or done, or a
    // surprise for an announced request (or the other way round).
    let apart: Vec<&joint_visit::Model> = visits
        .iter()
        .filter(|v| {
            v.enterprise_id == focus.enterprise
                && (!joinable(&v.status) || v.announced != focus.announced)
        })
        .collect();
    let cap_left = cap_left(db, focus, &counted_days(apart.iter().copied(), &requests)).await?;
    let mut plan_visits = assemble(&visits, &requests, assignments);
    let mut enterprises: Vec<EnterpriseSpec> = enterprise_ids
        .iter()
        .filter(|&&e| e != focus.enterprise)
        .map(|&e| EnterpriseSpec {
            id: id(e),
            max_visits: None,
            quiet: Vec::new(),
        })
        .collect();
    let mut request_specs: Vec<Request> = requests.iter().map(request_spec).collect();
    for v in apart {
        quiet.push(DateRange::day(v.visit_date));
        enterprises.push(set_apart(&mut plan_visits, &mut request_specs, v.id));
    }
    // Another enterprise's visit counts here only for the agency's team in it.
    let agency = id(focus.agency);
    for v in &mut plan_visits {
        if v.enterprise != id(focus.enterprise) {
            v.inspectors.retain(|t| t.agency == agency);
        }
    }
    enterprises.push(EnterpriseSpec {
        id: id(focus.enterprise),
        max_visits: cap_left,
        quiet,
    });
    let problem = Problem {
        horizon: Horizon { start, end },
        calendar: calendar_lists(calendar, focus.horizon),
        agencies,
        inspectors,
        enterprises,
        requests: request_specs,
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

/// Keeps visit `visit` as it is but out of other requests' reach: it still holds its
/// agencies' capacity and its inspectors' day, but no request may join it. To the
/// planner it and its requests (among `requests`) belong to an enterprise of their own;
/// the caller closes its day to the real enterprise (a quiet day) and counts it towards
/// the real enterprise's cap. Answers that enterprise's spec.
pub fn set_apart(visits: &mut [Visit], requests: &mut [Request], visit: Uuid) -> EnterpriseSpec {
    let apart = format!("apart:{visit}");
    if let Some(v) = visits.iter_mut().find(|v| v.id == id(visit)) {
        v.enterprise.clone_from(&apart);
        for r in requests.iter_mut().filter(|r| v.requests.contains(&r.id)) {
            r.enterprise.clone_from(&apart);
        }
    }
    EnterpriseSpec {
        id: apart,
        max_visits: None,
        quiet: Vec::new(),
    }
}

/// The days of those of `visits` that count towards their enterprise's burden cap, by
/// enterprise: the ones holding no urgent request among `requests` (the rule
/// [`counted_visits`] reads from the database).
pub fn counted_days<'a>(
    visits: impl IntoIterator<Item = &'a joint_visit::Model>,
    requests: &[inspection_request::Model],
) -> BTreeMap<Uuid, Vec<NaiveDate>> {
    let urgent: BTreeSet<Uuid> = requests
        .iter()
        .filter(|r| r.kind == "urgent")
        .filter_map(|r| r.visit_id)
        .collect();
    let mut days: BTreeMap<Uuid, Vec<NaiveDate>> = BTreeMap::new();
    for v in visits.into_iter().filter(|v| !urgent.contains(&v.id)) {
        days.entry(v.enterprise_id).or_default().push(v.visit_date);
    }
    days
}

/// The visits (enterprise and day) of `enterprises` in `range` that count towards their
/// burden caps: those that hold their day and no urgent request.
async fn counted_visits<C: ConnectionTrait>(
    db: &C,
    enterprises: &[Uuid],
    range: DateRange,
) -> Result<Vec<(Uuid, NaiveDate)>, DbErr> {
    if enterprises.is_empty() {
        return Ok(Vec::new());
    }
    joint_visit::Entity::find()
        .select_only()
        .column(joint_visit::Column::EnterpriseId)
        .column(joint_visit::Column::VisitDate)
        .filter(joint_visit::Column::EnterpriseId.is_in(enterprises.iter().copied()))
        .filter(joint_visit::Column::Status.is_in(HOLDING))
        .filter(joint_visit::Column::VisitDate.between(range.start(), range.end()))
        .filter(
            joint_visit::Column::Id.not_in_subquery(
                Query::select()
                    .column(inspection_request::Column::VisitId)
                    .from(inspection_request::Entity)
                    .and_where(
                        inspection_request::Column::EnterpriseId.is_in(enterprises.iter().copied()),
                    )
                    .and_where(inspection_request::Column::Kind.eq("urgent"))
                    .and_where(inspection_request::Column::VisitId.is_not_null())
                    .to_owned(),
            ),
        )
        .into_tuple()
        .all(db)
        .await
}

/// The number of counted visits of `enterprise` in the quarter containing `date`.
pub async fn counted_in_quarter<C: ConnectionTrait>(
    db: &C,
    enterprise: Uuid,
    date: NaiveDate,
) -> Result<u32, DbErr> {
    let visits = counted_visits(db, &[enterprise], Quarter::containing(date).range()).await?;
    Ok(u32::try_from(visits.len()).unwrap_or(u32::MAX))
}

async fn cap_left<C: ConnectionTrait>(
    db: &C,
    focus: Focus,
    apart: &BTreeMap<Uuid, Vec<NaiveDate>>,
) -> Result<Option<u32>, DbErr> {
    let Some(row) = enterprise::Entity::find_by_id(focus.enterprise)
        .one(db)
        .await?
    else {
        return Ok(None);
    };
    Ok(caps_left(db, &[row], focus.horizon, apart)
        .await?
        .remove(&focus.enterprise))
}

/// What is left of each capped enterprise's burden cap for a horizon: the cap less its
/// counted visits outside the horizon, and those in it that are `apart` (kept from the
/// planner's view of the enterprise, [`set_apart`]), in each quarter the horizon touches
/// (the smallest). Enterprises without a cap are not in the answer. One query for them
/// all.
pub async fn caps_left<C: ConnectionTrait>(
    db: &C,
    rows: &[enterprise::Model],
    horizon: DateRange,
    apart: &BTreeMap<Uuid, Vec<NaiveDate>>,
) -> Result<BTreeMap<Uuid, u32>, DbErr> {
    let caps: BTreeMap<Uuid, u32> = rows
        .iter()
        .filter_map(|r| Some((r.id, u32::try_from(r.burden_cap?).ok()?)))
        .collect();
    let first = Quarter::containing(horizon.start());
    let last = Quarter::containing(horizon.end());
    let span = DateRange::new(first.range().start(), last.range().end())
        .map_err(|e| DbErr::Custom(e.to_string()))?;
    let capped: Vec<Uuid> = caps.keys().copied().collect();
    let mut outside: BTreeMap<Uuid, Vec<NaiveDate>> = BTreeMap::new();
    for (enterprise, day) in counted_visits(db, &capped, span).await? {
        if !horizon.contains(day) {
            outside.entry(enterprise).or_default().push(day);
        }
    }
    for (enterprise, days) in apart {
        outside
            .entry(*enterprise)
            .or_default()
            .extend(days.iter().copied());
    }
    Ok(caps
        .into_iter()
        .map(|(enterprise, cap)| {
            let days = outside.remove(&enterprise).unwrap_or_default();
            let mut left = cap;
            let mut quarter = first;
            loop {
                let range = quarter.range();
                let counted = days.iter().filter(|d| range.contains(**d)).count();
                left = left.min(cap.saturating_sub(u32::try_from(counted).unwrap_or(u32::MAX)));
                if range.end() >= horizon.end() {
                    break;
                }
                quarter = quarter.next();
            }
            (enterprise, left)
        })
        .collect())
}

/// Whether a visit status may still take new requests.
pub fn joinable(status: &str) -> bool {
    status
        .parse::<VisitStatus>()
        .is_ok_and(|s| matches!(s, VisitStatus::Proposed | VisitStatus::Confirmed))
}
