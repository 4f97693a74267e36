//! From the database to the planner and back: the planning problem of a slice of
//! the data, in the format of `shared/spec/plan-format.md`, with database ids (UUIDs)
//! as the problem's ids.

use crate::entities::{
    agency, enterprise, inspection_request, inspector, inspector_conflict,
    inspector_unavailable_day, joint_visit, quiet_period, visit_inspector,
};
use chrono::NaiveDate;
use onevisit_domain::{DateRange, Quarter, RequestKind, VisitStatus, WorkCalendar};
use onevisit_scheduler::{
    AgencySpec, AgencyTeam, CalendarLists, EnterpriseSpec, Horizon, InspectorSpec, Plan, Problem,
    Request, Stats, Visit,
};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryResult,
    QuerySelect, Statement,
};
use std::collections::{BTreeMap, BTreeSet};
use std::sync::LazyLock;
use uuid::Uuid;

/// Statuses of visits that hold their day (everything but cancelled).
pub const HOLDING: [VisitStatus; 4] = [
    VisitStatus::Proposed,
    VisitStatus::Confirmed,
    VisitStatus::InProgress,
    VisitStatus::Completed,
];

/// Statuses of visits that may still take new requests.
pub const JOINABLE: [VisitStatus; 2] = [VisitStatus::Proposed, VisitStatus::Confirmed];

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
    /// How many inspectors the booked request asks for.
    pub team_size: u32,
    /// Whether the agency's days from `agency_from` are left out when it has a team of
    /// `team_size` or more in a visit of the enterprise that the request may join: the
    /// request most likely joins that team as it is, which the enterprise's visit days
    /// decide alone ([`Snapshot::skipped`] tells).
    pub skip_if_joined: bool,
}

/// The problem of a slice, and the visits it already has, as a plan.
#[derive(Debug, Clone)]
pub struct Snapshot {
    pub problem: Problem,
    pub plan: Plan,
    /// Whether the agency's days from `agency_from` were left out
    /// ([`Focus::skip_if_joined`]).
    pub skipped: bool,
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
    pub status: VisitStatus,
    pub announced: bool,
}

impl From<&joint_visit::Model> for HeldVisit {
    fn from(v: &joint_visit::Model) -> Self {
        Self {
            id: v.id,
            enterprise_id: v.enterprise_id,
            date: v.visit_date,
            status: v.status.0,
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
            urgent: r.kind == RequestKind::Urgent,
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

/// The columns every part of the booking snapshot's single query shares, after its
/// kind (see [`SnapshotRow`]): what a part puts in each, empty for NULL.
#[derive(Clone, Copy)]
struct Columns {
    id: &'static str,
    other: &'static str,
    third: &'static str,
    day: &'static str,
    until: &'static str,
    number: &'static str,
    text: &'static str,
    flag: &'static str,
}

const NULLS: Columns = Columns {
    id: "",
    other: "",
    third: "",
    day: "",
    until: "",
    number: "",
    text: "",
    flag: "",
};

impl Columns {
    /// The part `kind`: these columns, then `rest` (its FROM and WHERE).
    fn part(self, kind: &str, rest: &str) -> String {
        // PostgreSQL types a union's columns part by part: a NULL is given its type.
        let typed = |value: &str, null: &str| {
            if value.is_empty() {
                format!("CAST(NULL AS {null})")
            } else {
                value.to_owned()
            }
        };
        format!(
            "SELECT '{kind}' AS kind, {} AS id, {} AS other, {} AS third, {} AS day, \
             {} AS until, {} AS number, {} AS text, {} AS flag {rest}",
            typed(self.id, "uuid"),
            typed(self.other, "uuid"),
            typed(self.third, "uuid"),
            typed(self.day, "date"),
            typed(self.until, "date"),
            typed(self.number, "integer"),
            typed(self.text, "text"),
            typed(self.flag, "boolean"),
        )
    }
}

/// A row of the booking snapshot's query, read by position in the order of [`Columns`].
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

/// The snapshot's query: every part of [`snapshot`] in one statement, as one round trip
/// is most of a part's cost. Its text is the same for every booking and both databases
/// (SQLite reads `$n` as PostgreSQL does), so it is written once and each server
/// prepares it once per connection. Each part is written so that an index finds it, in
/// the generic plan PostgreSQL keeps for a prepared statement too: the agency's visits
/// are read from its teams by day, then the visits by key; the days from `agency_from`
/// and the enterprise's visit days before it are two parts (an OR would read every
/// team of the agency). Its parameters are [`snapshot_values`].
static SNAPSHOT_SQL: LazyLock<String> = LazyLock::new(|| {
    let (holding, joinable) = (sql_list(&HOLDING), sql_list(&JOINABLE));
    // The enterprise's visits in the horizon; whether the agency has a team in one the
    // request may join as it is (then only the enterprise's days of the agency are
    // read, see `Focus::skip_if_joined`); and those days.
    let with = format!(
        "WITH own AS (SELECT id, enterprise_id, visit_date, status, announced \
           FROM joint_visits WHERE enterprise_id = $1 AND status IN ({holding}) \
           AND visit_date BETWEEN $3 AND $4), \
         skip AS (SELECT 1 AS yes FROM own JOIN visit_teams t ON t.visit_id = own.id \
           WHERE $10 AND t.agency_id = $2 AND own.status IN ({joinable}) \
           AND own.announced = $8 AND t.team_size >= $9 LIMIT 1), \
         days AS (SELECT visit_date FROM own \
           WHERE visit_date < $5 OR EXISTS (SELECT 1 FROM skip)) "
    );
    let of_agency = "IN (SELECT id FROM inspectors WHERE agency_id = $2)";
    let visit = Columns {
        id: "v.id",
        other: "v.enterprise_id",
        day: "v.visit_date",
        text: "v.status",
        flag: "v.announced",
        ..NULLS
    };
    let agency_visits = |days: &str| {
        visit.part(
            "visit",
            &format!(
                "FROM visit_teams t JOIN joint_visits v ON v.id = t.visit_id \
                 WHERE t.agency_id = $2 AND {days} AND v.status IN ({holding}) \
                 AND v.enterprise_id <> $1"
            ),
        )
    };
    let member = Columns {
        id: "visit_id",
        other: "inspector_id",
        third: "agency_id",
        day: "visit_date",
        ..NULLS
    };
    let agency_members = |days: &str| {
        member.part(
            "member",
            &format!(
                "FROM visit_inspectors WHERE agency_id = $2 AND {days} \
                 AND visit_id NOT IN (SELECT id FROM own)"
            ),
        )
    };
    let near = "BETWEEN $5 AND $4 AND NOT EXISTS (SELECT 1 FROM skip)";
    let on_own_days = "IN (SELECT visit_date FROM days)";
    let parts = [
        Columns {
            id: "id",
            number: "daily_capacity",
            ..NULLS
        }
        .part("agency", "FROM agencies"),
        Columns {
            id: "id",
            number: "burden_cap",
            ..NULLS
        }
        .part("enterprise", "FROM enterprises WHERE id = $1"),
        Columns {
            id: "id",
            other: "agency_id",
            ..NULLS
        }
        .part(
            "inspector",
            "FROM inspectors WHERE active AND agency_id = $2",
        ),
        Columns {
            id: "inspector_id",
            day: "day",
            ..NULLS
        }
        .part(
            "leave",
            &format!(
                "FROM inspector_unavailable_days WHERE day BETWEEN $3 AND $4 \
                 AND inspector_id {of_agency}"
            ),
        ),
        Columns {
            id: "inspector_id",
            other: "enterprise_id",
            ..NULLS
        }
        .part(
            "conflict",
            &format!(
                "FROM inspector_conflicts WHERE enterprise_id = $1 AND inspector_id {of_agency}"
            ),
        ),
        Columns {
            day: "start_date",
            until: "end_date",
            ..NULLS
        }
        .part(
            "quiet",
            "FROM enterprise_quiet_periods WHERE enterprise_id = $1 \
             AND end_date >= $3 AND start_date <= $4",
        ),
        visit.part("visit", "FROM own v"),
        agency_visits(&format!("t.visit_date {near}")),
        agency_visits(&format!("t.visit_date {on_own_days}")),
        member.part(
            "member",
            "FROM visit_inspectors WHERE visit_id IN (SELECT id FROM own)",
        ),
        agency_members(&format!("visit_date {near}")),
        agency_members(&format!("visit_date {on_own_days}")),
        // A visit's requests, one per agency (and urgent or not): all a placement needs
        // of them, however many have been booked into the visit.
        Columns {
            other: "agency_id",
            third: "visit_id",
            day: "MAX(earliest)",
            until: "MIN(latest)",
            number: "MAX(team_size)",
            text: "MIN(kind)",
            ..NULLS
        }
        .part(
            "request",
            "FROM inspection_requests WHERE visit_id IN (SELECT id FROM own) \
             GROUP BY visit_id, agency_id, kind = 'urgent'",
        ),
        Columns {
            day: "visit_date",
            ..NULLS
        }
        .part(
            "counted",
            &format!(
                "FROM joint_visits WHERE enterprise_id = $1 AND visit_date BETWEEN $6 AND $7 \
                 AND {}",
                *COUNTED_RULE
            ),
        ),
        NULLS.part("skipped", "FROM skip"),
    ];
    with + &parts.join(" UNION ALL ")
});

/// The parameters of [`SNAPSHOT_SQL`], `$1` to `$10`.
fn snapshot_values(focus: Focus, span: DateRange) -> Vec<sea_orm::Value> {
    vec![
        focus.enterprise.into(),
        focus.agency.into(),
        focus.horizon.start().into(),
        focus.horizon.end().into(),
        focus.agency_from.into(),
        span.start().into(),
        span.end().into(),
        focus.announced.into(),
        i32::try_from(focus.team_size).unwrap_or(i32::MAX).into(),
        focus.skip_if_joined.into(),
    ]
}

/// The problem around one enterprise and one agency in `focus.horizon`, as small as a
/// booking needs it: the enterprise with its quiet periods, what is left of its burden
/// cap (its counted visits outside the horizon in the quarters the horizon touches, the
/// smallest) and its visits in the horizon with their teams and their requests (one per
/// agency, see [`SNAPSHOT_SQL`]); the agency's other visits from `focus.agency_from`
/// (unless skipped, [`Focus::skip_if_joined`]) and on the enterprise's visit days, with
/// its own team only (they hold its capacity and its inspectors' days); every agency;
/// the agency's active inspectors with their leave and their conflicts with the
/// enterprise. What the booking cannot touch stays out, so the snapshot stays bounded
/// by the agency's capacity however many requests are booked. All of it is read in one
/// statement. `None` when the enterprise does not exist.
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
    let mut skipped = false;
    let statement = Statement::from_sql_and_values(
        db.get_database_backend(),
        SNAPSHOT_SQL.as_str(),
        snapshot_values(focus, span),
    );
    for row in db.query_all_raw(statement).await? {
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
                status: given(row.text, kind)?
                    .parse()
                    .map_err(|e: onevisit_domain::UnknownWord| DbErr::Custom(e.to_string()))?,
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
                // A stand-in, unique in the snapshot (no stored id is this small).
                id: Uuid::from_u128(requests.len() as u128 + 1),
                agency_id: given(row.other, kind)?,
                enterprise_id: focus.enterprise,
                visit_id: row.third,
                earliest: given(row.day, kind)?,
                latest: given(row.until, kind)?,
                team_size: given(row.number, kind)?,
                urgent: given(row.text, kind)? == "urgent",
            }),
            "counted" => counted_days.push((focus.enterprise, given(row.day, kind)?)),
            "skipped" => skipped = true,
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
                && (!joinable(v.status) || v.announced != focus.announced)
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
        skipped,
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

/// `values` as an SQL list of string literals (they are the code's own constants).
fn sql_list(values: &[VisitStatus]) -> String {
    values
        .iter()
        .map(|v| format!("'{}'", v.as_str()))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Which visits count towards their enterprise's burden cap, as a condition on
/// `joint_visits`: those that hold their day and no urgent request. The booking snapshot
/// ([`SNAPSHOT_SQL`]) and [`counted`] both read it.
static COUNTED_RULE: LazyLock<String> = LazyLock::new(|| {
    format!(
        "joint_visits.status IN ({}) AND NOT EXISTS (SELECT 1 FROM inspection_requests r \
         WHERE r.visit_id = joint_visits.id AND r.kind = 'urgent')",
        sql_list(&HOLDING)
    )
});

/// The visits of `enterprises` in `range` that count towards their burden caps
/// ([`COUNTED_RULE`]).
fn counted(enterprises: &[Uuid], range: DateRange) -> Condition {
    Condition::all()
        .add(joint_visit::Column::EnterpriseId.is_in(enterprises.iter().copied()))
        .add(joint_visit::Column::VisitDate.between(range.start(), range.end()))
        .add(Expr::cust(COUNTED_RULE.as_str()))
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
pub fn joinable(status: VisitStatus) -> bool {
    JOINABLE.contains(&status)
}
