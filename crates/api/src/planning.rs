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
use sea_orm::sea_query::{Expr, ExprTrait, IntoIden, Query, SelectStatement};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryResult,
    QuerySelect,
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
    /// The agency whose visits are taken (for capacity and its inspectors).
    pub agency: Uuid,
    /// The first day the agency's visits are taken from; before it, only those on the
    /// enterprise's visit days.
    pub agency_from: NaiveDate,
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
    Ok(specs(
        agencies.iter().map(|a| (a.id, a.daily_capacity)),
        inspectors.iter().map(|i| (i.id, i.agency_id)),
        leave.into_iter().map(|l| (l.inspector_id, l.day)),
        conflicts
            .into_iter()
            .map(|c| (c.inspector_id, c.enterprise_id)),
    ))
}

/// The planner's agencies (id, daily capacity) and inspectors (id, agency), with the
/// inspectors' days of leave and conflicts (inspector, enterprise).
fn specs(
    agencies: impl IntoIterator<Item = (Uuid, i32)>,
    inspectors: impl IntoIterator<Item = (Uuid, Uuid)>,
    leave: impl IntoIterator<Item = (Uuid, NaiveDate)>,
    conflicts: impl IntoIterator<Item = (Uuid, Uuid)>,
) -> (Vec<AgencySpec>, Vec<InspectorSpec>) {
    let mut leave_of: BTreeMap<Uuid, Vec<NaiveDate>> = BTreeMap::new();
    for (inspector, day) in leave {
        leave_of.entry(inspector).or_default().push(day);
    }
    let mut conflicts_of: BTreeMap<Uuid, Vec<String>> = BTreeMap::new();
    for (inspector, enterprise) in conflicts {
        conflicts_of
            .entry(inspector)
            .or_default()
            .push(id(enterprise));
    }
    let agencies = agencies
        .into_iter()
        .map(|(agency, capacity)| AgencySpec {
            id: id(agency),
            daily_capacity: u32::try_from(capacity).unwrap_or(0),
        })
        .collect();
    let inspectors = inspectors
        .into_iter()
        .map(|(inspector, agency)| InspectorSpec {
            id: id(inspector),
            agency: id(agency),
            unavailable: leave_of.remove(&inspector).unwrap_or_default(),
            conflicts: conflicts_of.remove(&inspector).unwrap_or_default(),
        })
        .collect();
    (agencies, inspectors)
}

/// Rows whose inspector (`column`) belongs to `agency`.
fn of_agency(agency: Uuid, column: impl ColumnTrait) -> Condition {
    Condition::all().add(
        column.in_subquery(
            Query::select()
                .column(inspector::Column::Id)
                .from(inspector::Entity)
                .and_where(inspector::Column::AgencyId.eq(agency))
                .to_owned(),
        ),
    )
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

/// What planning reads of a stored visit.
#[derive(Debug, Clone)]
pub struct HeldVisit {
    pub id: Uuid,
    pub enterprise_id: Uuid,
    pub date: NaiveDate,
    pub status: String,
    pub announced: bool,
}

impl From<&joint_visit::Model> for HeldVisit {
    fn from(v: &joint_visit::Model) -> Self {
        Self {
            id: v.id,
            enterprise_id: v.enterprise_id,
            date: v.visit_date,
            status: v.status.clone(),
            announced: v.announced,
        }
    }
}

/// What planning reads of a stored request.
#[derive(Debug, Clone)]
pub struct HeldRequest {
    pub id: Uuid,
    pub agency_id: Uuid,
    pub enterprise_id: Uuid,
    pub visit_id: Option<Uuid>,
    pub earliest: NaiveDate,
    pub latest: NaiveDate,
    pub team_size: i32,
    pub urgent: bool,
}

impl From<&inspection_request::Model> for HeldRequest {
    fn from(r: &inspection_request::Model) -> Self {
        Self {
            id: r.id,
            agency_id: r.agency_id,
            enterprise_id: r.enterprise_id,
            visit_id: r.visit_id,
            earliest: r.earliest,
            latest: r.latest,
            team_size: r.team_size,
            urgent: r.kind == "urgent",
        }
    }
}

/// A stored request as the planner reads it.
pub fn request_spec(r: &HeldRequest) -> Request {
    Request {
        id: id(r.id),
        agency: id(r.agency_id),
        enterprise: id(r.enterprise_id),
        earliest: r.earliest,
        latest: r.latest,
        inspectors: u32::try_from(r.team_size).unwrap_or(1),
        urgent: r.urgent,
    }
}

/// Stored visits as the planner reads them: each with its requests (those among
/// `requests`) and each agency's team.
pub async fn visit_specs<C: ConnectionTrait>(
    db: &C,
    visits: &[HeldVisit],
    requests: &[HeldRequest],
) -> Result<Vec<Visit>, DbErr> {
    let assignments = visit_inspector::Entity::find()
        .filter(visit_inspector::Column::VisitId.is_in(visits.iter().map(|v| v.id)))
        .all(db)
        .await?;
    Ok(assemble(visits, requests, assignments))
}

fn assemble(
    visits: &[HeldVisit],
    requests: &[HeldRequest],
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
            date: v.date,
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

/// One part of the booking snapshot's single query: its kind, then its values in the
/// columns every part shares (see [`SnapshotRow`]); the ones it leaves out are NULL.
#[derive(Default)]
struct Part {
    id: Option<Expr>,
    other: Option<Expr>,
    third: Option<Expr>,
    day: Option<Expr>,
    until: Option<Expr>,
    number: Option<Expr>,
    text: Option<Expr>,
    flag: Option<Expr>,
}

impl Part {
    fn select(self, kind: &'static str) -> SelectStatement {
        let mut select = Query::select();
        select.expr_as(Expr::val(kind), "kind");
        // PostgreSQL types a union's columns part by part: a NULL is given its type.
        for (value, name, null) in [
            (self.id, "id", "CAST(NULL AS uuid)"),
            (self.other, "other", "CAST(NULL AS uuid)"),
            (self.third, "third", "CAST(NULL AS uuid)"),
            (self.day, "day", "CAST(NULL AS date)"),
            (self.until, "until", "CAST(NULL AS date)"),
            (self.number, "number", "CAST(NULL AS integer)"),
            (self.text, "text", "CAST(NULL AS text)"),
            (self.flag, "flag", "CAST(NULL AS boolean)"),
        ] {
            select.expr_as(value.unwrap_or_else(|| Expr::cust(null)), name);
        }
        select
    }
}

/// A row of the booking snapshot's query, read by position in the order of [`Part`].
struct SnapshotRow {
    kind: String,
    id: Option<Uuid>,
    other: Option<Uuid>,
    third: Option<Uuid>,
    day: Option<NaiveDate>,
    until: Option<NaiveDate>,
    number: Option<i32>,
    text: Option<String>,
    flag: Option<bool>,
}

impl SnapshotRow {
    fn read(row: &QueryResult) -> Result<Self, DbErr> {
        Ok(Self {
            kind: row.try_get_by_index(0)?,
            id: row.try_get_by_index(1)?,
            other: row.try_get_by_index(2)?,
            third: row.try_get_by_index(3)?,
            day: row.try_get_by_index(4)?,
            until: row.try_get_by_index(5)?,
            number: row.try_get_by_index(6)?,
            text: row.try_get_by_index(7)?,
            flag: row.try_get_by_index(8)?,
        })
    }
}

/// A value a part of the snapshot always fills in.
fn given<T>(value: Option<T>, kind: &str) -> Result<T, DbErr> {
    value.ok_or_else(|| DbErr::Custom(format!("the snapshot's {kind} row lacks a value")))
}

fn col(table: impl IntoIden, column: impl IntoIden) -> Option<Expr> {
    Some(Expr::col((table, column)))
}

/// The snapshot's query: every part of [`snapshot`] in one statement, as one round trip
/// is most of a part's cost.
fn snapshot_query(focus: Focus, span: DateRange) -> SelectStatement {
    use sea_orm::sea_query::UnionType::All;
    let (start, end) = (focus.horizon.start(), focus.horizon.end());
    let own_ids = Query::select()
        .column(joint_visit::Column::Id)
        .from(joint_visit::Entity)
        .and_where(joint_visit::Column::EnterpriseId.eq(focus.enterprise))
        .and_where(joint_visit::Column::Status.is_in(HOLDING))
        .and_where(joint_visit::Column::VisitDate.between(start, end))
        .to_owned();
    let mut query = Part {
        id: col(agency::Entity, agency::Column::Id),
        number: col(agency::Entity, agency::Column::DailyCapacity),
        ..Part::default()
    }
    .select("agency")
    .from(agency::Entity)
    .to_owned();
    let e = enterprise::Entity;
    let enterprise = Part {
        id: col(e, enterprise::Column::Id),
        number: col(e, enterprise::Column::BurdenCap),
        ..Part::default()
    }
    .select("enterprise")
    .from(e)
    .and_where(enterprise::Column::Id.eq(focus.enterprise))
    .to_owned();
    let i = inspector::Entity;
    let inspectors = Part {
        id: col(i, inspector::Column::Id),
        other: col(i, inspector::Column::AgencyId),
        ..Part::default()
    }
    .select("inspector")
    .from(i)
    .and_where(inspector::Column::Active.eq(true))
    .and_where(inspector::Column::AgencyId.eq(focus.agency))
    .to_owned();
    let u = inspector_unavailable_day::Entity;
    let leave = Part {
        id: col(u, inspector_unavailable_day::Column::InspectorId),
        day: col(u, inspector_unavailable_day::Column::Day),
        ..Part::default()
    }
    .select("leave")
    .from(u)
    .and_where(inspector_unavailable_day::Column::Day.between(start, end))
    .cond_where(of_agency(
        focus.agency,
        inspector_unavailable_day::Column::InspectorId,
    ))
    .to_owned();
    let c = inspector_conflict::Entity;
    let conflicts = Part {
        id: col(c, inspector_conflict::Column::InspectorId),
        other: col(c, inspector_conflict::Column::EnterpriseId),
        ..Part::default()
    }
    .select("conflict")
    .from(c)
    .and_where(inspector_conflict::Column::EnterpriseId.eq(focus.enterprise))
    .cond_where(of_agency(
        focus.agency,
        inspector_conflict::Column::InspectorId,
    ))
    .to_owned();
    let q = quiet_period::Entity;
    let quiet = Part {
        day: col(q, quiet_period::Column::StartDate),
        until: col(q, quiet_period::Column::EndDate),
        ..Part::default()
    }
    .select("quiet")
    .from(q)
    .and_where(quiet_period::Column::EnterpriseId.eq(focus.enterprise))
    .and_where(quiet_period::Column::EndDate.gte(start))
    .and_where(quiet_period::Column::StartDate.lte(end))
    .to_owned();
    // The enterprise's visits and the agency's elsewhere are two parts, each of which
    // an index finds (one part with an OR would scan the day's visits or every team).
    let v = joint_visit::Entity;
    let visit = || {
        Part {
            id: col(v, joint_visit::Column::Id),
            other: col(v, joint_visit::Column::EnterpriseId),
            day: col(v, joint_visit::Column::VisitDate),
            text: col(v, joint_visit::Column::Status),
            flag: col(v, joint_visit::Column::Announced),
            ..Part::default()
        }
        .select("visit")
        .from(v)
        .and_where(Expr::col((v, joint_visit::Column::Status)).is_in(HOLDING))
        .to_owned()
    };
    let own_visits = visit()
        .and_where(joint_visit::Column::EnterpriseId.eq(focus.enterprise))
        .and_where(joint_visit::Column::VisitDate.between(start, end))
        .to_owned();
    // The days before `agency_from` on which the enterprise has a visit: a request may
    // join it, which the agency's visits that day decide.
    let own_days_before = Query::select()
        .column(joint_visit::Column::VisitDate)
        .from(v)
        .and_where(joint_visit::Column::EnterpriseId.eq(focus.enterprise))
        .and_where(joint_visit::Column::Status.is_in(HOLDING))
        .and_where(joint_visit::Column::VisitDate.gte(start))
        .and_where(joint_visit::Column::VisitDate.lt(focus.agency_from))
        .to_owned();
    // From the agency's teams on those days (by their index) to their visits (by key):
    // the days are the teams', so that the plan a prepared statement keeps does not
    // start from the visits. One part for the days from `agency_from`, one for the
    // enterprise's days before (an OR would read every team of the agency).
    let t = visit_team::Entity;
    let agency_visits = |days: Expr| {
        visit()
            .inner_join(
                t,
                Expr::col((t, visit_team::Column::VisitId)).equals((v, joint_visit::Column::Id)),
            )
            .and_where(Expr::col((t, visit_team::Column::AgencyId)).eq(focus.agency))
            .and_where(days)
            .and_where(Expr::col((v, joint_visit::Column::EnterpriseId)).ne(focus.enterprise))
            .to_owned()
    };
    let team_day = || Expr::col((t, visit_team::Column::VisitDate));
    let agency_visits_near = agency_visits(team_day().between(focus.agency_from, end));
    let agency_visits_before = agency_visits(team_day().in_subquery(own_days_before.clone()));
    let m = visit_inspector::Entity;
    let member = || {
        Part {
            id: col(m, visit_inspector::Column::VisitId),
            other: col(m, visit_inspector::Column::InspectorId),
            third: col(m, visit_inspector::Column::AgencyId),
            day: col(m, visit_inspector::Column::VisitDate),
            ..Part::default()
        }
        .select("member")
        .from(m)
        .to_owned()
    };
    let own_members = member()
        .and_where(visit_inspector::Column::VisitId.in_subquery(own_ids.clone()))
        .to_owned();
    let agency_members = |days: Expr| {
        member()
            .and_where(visit_inspector::Column::AgencyId.eq(focus.agency))
            .and_where(days)
            .and_where(visit_inspector::Column::VisitId.not_in_subquery(own_ids.clone()))
            .to_owned()
    };
    let member_day = || Expr::col((m, visit_inspector::Column::VisitDate));
    let agency_members_near = agency_members(member_day().between(focus.agency_from, end));
    let agency_members_before = agency_members(member_day().in_subquery(own_days_before));
    let r = inspection_request::Entity;
    let requests = Part {
        id: col(r, inspection_request::Column::Id),
        other: col(r, inspection_request::Column::AgencyId),
        third: col(r, inspection_request::Column::VisitId),
        day: col(r, inspection_request::Column::Earliest),
        until: col(r, inspection_request::Column::Latest),
        number: col(r, inspection_request::Column::TeamSize),
        text: col(r, inspection_request::Column::Kind),
        ..Part::default()
    }
    .select("request")
    .from(r)
    .and_where(inspection_request::Column::VisitId.in_subquery(own_ids))
    .to_owned();
    let counted = Part {
        day: col(v, joint_visit::Column::VisitDate),
        ..Part::default()
    }
    .select("counted")
    .from(v)
    .cond_where(counted(&[focus.enterprise], span))
    .to_owned();
    for part in [
        enterprise,
        inspectors,
        leave,
        conflicts,
        quiet,
        own_visits,
        agency_visits_near,
        agency_visits_before,
        own_members,
        agency_members_near,
        agency_members_before,
        requests,
        counted,
    ] {
        query.union(All, part);
    }
    query
}

/// The problem around one enterprise and one agency in `focus.horizon`, as small as a
/// booking needs it: the enterprise with its quiet periods, what is left of its burden
/// cap (its counted visits outside the horizon in the quarters the horizon touches, the
/// smallest) and its visits in the horizon with their requests and teams; the agency's
/// other visits from `focus.agency_from` and on the enterprise's visit days, with its own
/// team only (they hold its capacity and its inspectors' days); every agency; the agency's active inspectors with their leave and
/// their conflicts with the enterprise. What the booking cannot touch stays out, so the
/// snapshot stays bounded by the agency's capacity however many requests are booked.
/// All of it is read in one statement. `None` when the enterprise does not exist.
pub async fn snapshot<C: ConnectionTrait>(
    db: &C,
    calendar: &WorkCalendar,
    focus: Focus,
) -> Result<Option<Snapshot>, DbErr> {
    let (start, end) = (focus.horizon.start(), focus.horizon.end());
    let span = quarters_around(focus.horizon)?;
    let mut cap = None;
    let mut found = false;
    let mut agencies = Vec::new();
    let mut inspectors = Vec::new();
    let mut leave = Vec::new();
    let mut conflicts = Vec::new();
    let mut quiet = Vec::new();
    let mut visits = Vec::new();
    let mut assignments = Vec::new();
    let mut requests = Vec::new();
    let mut counted_days = Vec::new();
    for row in db.query_all(&snapshot_query(focus, span)).await? {
        let row = SnapshotRow::read(&row)?;
        let kind = row.kind.as_str();
        match kind {
            "agency" => agencies.push((given(row.id, kind)?, given(row.number, kind)?)),
            "enterprise" => {
                found = true;
                cap = row.number;
            }
            "inspector" => inspectors.push((given(row.id, kind)?, given(row.other, kind)?)),
            "leave" => leave.push((given(row.id, kind)?, given(row.day, kind)?)),
            "conflict" => conflicts.push((given(row.id, kind)?, given(row.other, kind)?)),
            "quiet" => {
                if let Ok(range) = DateRange::new(given(row.day, kind)?, given(row.until, kind)?) {
                    quiet.push(range);
                }
            }
            "visit" => visits.push(HeldVisit {
                id: given(row.id, kind)?,
                enterprise_id: given(row.other, kind)?,
                date: given(row.day, kind)?,
                status: given(row.text, kind)?,
                announced: given(row.flag, kind)?,
            }),
            "member" => {
                assignments.push(visit_inspector::Model {
                    visit_id: given(row.id, kind)?,
                    inspector_id: given(row.other, kind)?,
                    agency_id: given(row.third, kind)?,
                    visit_date: given(row.day, kind)?,
                });
            }
            "request" => requests.push(HeldRequest {
                id: given(row.id, kind)?,
                agency_id: given(row.other, kind)?,
                enterprise_id: focus.enterprise,
                visit_id: row.third,
                earliest: given(row.day, kind)?,
                latest: given(row.until, kind)?,
                team_size: given(row.number, kind)?,
                urgent: given(row.text, kind)? == "urgent",
            }),
            "counted" => counted_days.push((focus.enterprise, given(row.day, kind)?)),
            other => return Err(DbErr::Custom(format!("unknown snapshot row {other}"))),
        }
    }
    if !found {
        return Ok(None);
    }
    let enterprise_ids: BTreeSet<Uuid> = visits.iter().map(|v| v.enterprise_id).collect();
    let (agencies, inspectors) = specs(agencies, inspectors, leave, conflicts);
    // The enterprise's visits this request may not join: under way or done, or a
    // surprise for an announced request (or the other way round).
    let apart: Vec<&HeldVisit> = visits
        .iter()
        .filter(|v| {
            v.enterprise_id == focus.enterprise
                && (!joinable(&v.status) || v.announced != focus.announced)
        })
        .collect();
    let caps = cap
        .and_then(|c| u32::try_from(c).ok())
        .map(|c| BTreeMap::from([(focus.enterprise, c)]))
        .unwrap_or_default();
    let cap_left = caps_left_of(
        caps,
        counted_days,
        focus.horizon,
        &self::counted_days(apart.iter().copied(), &requests),
    )
    .remove(&focus.enterprise);
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
        quiet.push(DateRange::day(v.date));
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
    Ok(Some(Snapshot {
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
    }))
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
/// `counted` reads from the database).
pub fn counted_days<'a>(
    visits: impl IntoIterator<Item = &'a HeldVisit>,
    requests: &[HeldRequest],
) -> BTreeMap<Uuid, Vec<NaiveDate>> {
    let urgent: BTreeSet<Uuid> = requests
        .iter()
        .filter(|r| r.urgent)
        .filter_map(|r| r.visit_id)
        .collect();
    let mut days: BTreeMap<Uuid, Vec<NaiveDate>> = BTreeMap::new();
    for v in visits.into_iter().filter(|v| !urgent.contains(&v.id)) {
        days.entry(v.enterprise_id).or_default().push(v.date);
    }
    days
}

/// The visits of `enterprises` in `range` that count towards their burden caps: those
/// that hold their day and no urgent request.
fn counted(enterprises: &[Uuid], range: DateRange) -> Condition {
    Condition::all()
        .add(joint_visit::Column::EnterpriseId.is_in(enterprises.iter().copied()))
        .add(joint_visit::Column::Status.is_in(HOLDING))
        .add(joint_visit::Column::VisitDate.between(range.start(), range.end()))
        .add(
            Expr::exists(
                Query::select()
                    .expr(Expr::val(1))
                    .from(inspection_request::Entity)
                    .and_where(
                        Expr::col((
                            inspection_request::Entity,
                            inspection_request::Column::VisitId,
                        ))
                        .equals((joint_visit::Entity, joint_visit::Column::Id)),
                    )
                    .and_where(inspection_request::Column::Kind.eq("urgent"))
                    .to_owned(),
            )
            .not(),
        )
}

/// The counted visits (enterprise and day) of `enterprises` in `range` ([`counted`]).
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
        .filter(counted(enterprises, range))
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

/// The quarters `horizon` touches, from the first's first day to the last's last.
fn quarters_around(horizon: DateRange) -> Result<DateRange, DbErr> {
    DateRange::new(
        Quarter::containing(horizon.start()).range().start(),
        Quarter::containing(horizon.end()).range().end(),
    )
    .map_err(|e| DbErr::Custom(e.to_string()))
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
    let capped: Vec<Uuid> = caps.keys().copied().collect();
    let counted = counted_visits(db, &capped, quarters_around(horizon)?).await?;
    Ok(caps_left_of(caps, counted, horizon, apart))
}

/// [`caps_left`] from the caps and the counted visits (enterprise and day) in the
/// quarters the horizon touches.
fn caps_left_of(
    caps: BTreeMap<Uuid, u32>,
    counted: Vec<(Uuid, NaiveDate)>,
    horizon: DateRange,
    apart: &BTreeMap<Uuid, Vec<NaiveDate>>,
) -> BTreeMap<Uuid, u32> {
    let mut outside: BTreeMap<Uuid, Vec<NaiveDate>> = BTreeMap::new();
    for (enterprise, day) in counted {
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
    let first = Quarter::containing(horizon.start());
    caps.into_iter()
        .map(|(enterprise, cap)| {
            let days = outside.remove(&enterprise).unwrap_or_default();
            let mut left = cap;
            let mut quarter = first;
            loop {
                let range = quarter.range();
                let counted = days.iter().filter(|d| range.contains(**d)).count();
                left = std::cmp::min(
                    left,
                    cap.saturating_sub(u32::try_from(counted).unwrap_or(u32::MAX)),
                );
                if range.end() >= horizon.end() {
                    break;
                }
                quarter = quarter.next();
            }
            (enterprise, left)
        })
        .collect()
}

/// Whether a visit status may still take new requests.
pub fn joinable(status: &str) -> bool {
    status
        .parse::<VisitStatus>()
        .is_ok_and(|s| matches!(s, VisitStatus::Proposed | VisitStatus::Confirmed))
}
