//! The office's load review: figures over visits, requests and capacity, each one or a
//! few GROUP BY queries built with sea-query, so that they read the same on SQLite and
//! PostgreSQL and stay fast on a province-sized database. The API and the dashboard
//! both take their figures from here.

use crate::entities::{
    Stored, agency, enterprise, hazard, inspection_request, inspector, joint_visit,
    visit_inspector, visit_team,
};
use crate::planning::HOLDING;
use crate::views::{self, RequestView, VisitView};
use crate::{Caller, Role, ServiceError};
use chrono::NaiveDate;
use onevisit_domain::{DateRange, HazardStatus, Quarter, RequestStatus, WorkCalendar};
use sea_orm::sea_query::{
    Alias, CommonTableExpression, Expr, ExprTrait, Func, JoinType, Order, Query, SelectStatement,
    SimpleExpr, WindowStatement, WithClause,
};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DbBackend, DbErr, EntityTrait, QueryFilter, QueryOrder,
    QueryResult, QuerySelect,
};
use serde::Serialize;
use std::collections::BTreeMap;
use utoipa::ToSchema;
use uuid::Uuid;

/// Which visits a figure counts: live visits (not cancelled) in a period, optionally only
/// of enterprises in one district or sector, or only those one agency takes part in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Scope {
    pub range: DateRange,
    pub district: Option<String>,
    pub sector: Option<String>,
    pub agency: Option<Uuid>,
}

impl Scope {
    /// The same filters over a shorter period.
    fn within(&self, range: DateRange) -> Self {
        Self {
            range,
            ..self.clone()
        }
    }

    /// The quarters the period touches, each cut to the period.
    fn quarters(&self) -> Vec<(Quarter, Scope)> {
        let mut out = Vec::new();
        let mut quarter = Quarter::containing(self.range.start());
        while let Some(part) = quarter.range().intersection(&self.range) {
            out.push((quarter, self.within(part)));
            quarter = quarter.next();
        }
        out
    }
}

fn col<C: ColumnTrait>(entity: impl EntityTrait, column: C) -> Expr {
    Expr::col((entity, column))
}

/// `FROM joint_visits WHERE <scope>`: the visits a figure counts. Their enterprises are
/// joined only when a filter or the figure needs them (`enterprises`): on a
/// province-sized database that join is a good part of a figure's time.
fn visits_in(scope: &Scope, enterprises: bool) -> SelectStatement {
    let mut select = Query::select();
    select
        .from(joint_visit::Entity)
        .and_where(joint_visit::Column::Status.is_in(HOLDING.map(Stored)))
        .and_where(joint_visit::Column::VisitDate.between(scope.range.start(), scope.range.end()));
    if enterprises || scope.district.is_some() || scope.sector.is_some() {
        select.join(
            JoinType::InnerJoin,
            enterprise::Entity,
            col(enterprise::Entity, enterprise::Column::Id)
                .equals((joint_visit::Entity, joint_visit::Column::EnterpriseId)),
        );
    }
    if let Some(district) = &scope.district {
        select.and_where(enterprise::Column::District.eq(district.as_str()));
    }
    if let Some(sector) = &scope.sector {
        select.and_where(enterprise::Column::Sector.eq(sector.as_str()));
    }
    if let Some(agency) = scope.agency {
        select.and_where(
            joint_visit::Column::Id.in_subquery(
                Query::select()
                    .column(visit_team::Column::VisitId)
                    .from(visit_team::Entity)
                    .and_where(visit_team::Column::AgencyId.eq(agency))
                    .to_owned(),
            ),
        );
    }
    select
}

/// Adds the agency teams of the scoped visits (one row per agency on a visit).
fn join_teams(select: &mut SelectStatement, scope: &Scope) {
    select.join(
        JoinType::InnerJoin,
        visit_team::Entity,
        col(visit_team::Entity, visit_team::Column::VisitId)
            .equals((joint_visit::Entity, joint_visit::Column::Id)),
    );
    if let Some(agency) = scope.agency {
        select.and_where(visit_team::Column::AgencyId.eq(agency));
    }
}

fn count_all() -> SimpleExpr {
    Func::count(Expr::col((joint_visit::Entity, joint_visit::Column::Id))).into()
}

/// The position (0, 1, …) among `quarters` of the quarter that holds a visit's day: one
/// query groups a period of several quarters. Grouped by its output name, as PostgreSQL
/// takes the same expression with other parameters for another one.
fn quarter_of(quarters: &[(Quarter, Scope)]) -> Expr {
    let day = || col(joint_visit::Entity, joint_visit::Column::VisitDate);
    let last = quarters.len().saturating_sub(1);
    let mut case = Expr::case(
        day().lte(quarters.first().map_or(NaiveDate::MAX, |q| q.1.range.end())),
        Expr::cust("0"),
    );
    for (i, (_, part)) in quarters.iter().enumerate().take(last).skip(1) {
        case = case.case(day().lte(part.range.end()), Expr::cust(i.to_string()));
    }
    case.finally(Expr::cust(last.to_string())).into()
}

/// The quarter at the position `quarter_of` gave a row.
fn quarter_at(quarters: &[(Quarter, Scope)], row: &QueryResult) -> Result<Quarter, DbErr> {
    let at: i32 = get(row, "quarter")?;
    usize::try_from(at)
        .ok()
        .and_then(|at| quarters.get(at))
        .map(|q| q.0)
        .ok_or_else(|| DbErr::Custom(format!("no quarter at {at}")))
}

fn get<T: sea_orm::TryGetable>(row: &QueryResult, name: &str) -> Result<T, DbErr> {
    row.try_get::<T>("", name)
}

/// Joint visits and agency team visits on one day, against the agencies' capacity.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct DayLoad {
    pub date: NaiveDate,
    /// Whether the day is a working day.
    pub working_day: bool,
    /// Joint visits on the day.
    pub visits: i64,
    /// Agency teams on those visits (a joint visit of three agencies counts three).
    pub teams: i64,
    /// The agencies' summed daily capacity on a working day, 0 on a day off.
    pub capacity: i64,
}

/// Live visits in scope per day. A live visit has at least one team (cancelling its last
/// request cancels it), so these are also the visits the teams below are on.
async fn visits_per_day<C: ConnectionTrait>(
    db: &C,
    scope: &Scope,
) -> Result<BTreeMap<NaiveDate, i64>, DbErr> {
    let mut select = visits_in(scope, false);
    select
        .expr_as(
            col(joint_visit::Entity, joint_visit::Column::VisitDate),
            Alias::new("day"),
        )
        .expr_as(count_all(), Alias::new("visits"))
        .group_by_col((joint_visit::Entity, joint_visit::Column::VisitDate));
    db.query_all(&select)
        .await?
        .iter()
        .map(|row| Ok((get(row, "day")?, get(row, "visits")?)))
        .collect()
}

/// Agency teams on the scope's visits per agency and day: the visits each agency takes
/// part in (of the scope's agency only, when it names one).
async fn teams_per_agency_day<C: ConnectionTrait>(
    db: &C,
    scope: &Scope,
) -> Result<BTreeMap<(Uuid, NaiveDate), i64>, DbErr> {
    let mut select = visits_in(scope, false);
    join_teams(&mut select, scope);
    select
        .expr_as(
            col(visit_team::Entity, visit_team::Column::AgencyId),
            Alias::new("agency_id"),
        )
        .expr_as(
            col(joint_visit::Entity, joint_visit::Column::VisitDate),
            Alias::new("day"),
        )
        .expr_as(count_all(), Alias::new("teams"))
        .group_by_col((visit_team::Entity, visit_team::Column::AgencyId))
        .group_by_col((joint_visit::Entity, joint_visit::Column::VisitDate));
    db.query_all(&select)
        .await?
        .iter()
        .map(|row| {
            Ok((
                (get(row, "agency_id")?, get(row, "day")?),
                get(row, "teams")?,
            ))
        })
        .collect()
}

/// Every day of the period, with its visits and teams against the total capacity.
pub async fn days<C: ConnectionTrait>(
    db: &C,
    calendar: &WorkCalendar,
    scope: &Scope,
) -> Result<Vec<DayLoad>, DbErr> {
    let (visits, teams, agencies) = tokio::try_join!(
        visits_per_day(db, scope),
        teams_per_agency_day(db, scope),
        agencies_in(db, scope),
    )?;
    Ok(day_loads(calendar, scope, &visits, &teams, &agencies))
}

fn day_loads(
    calendar: &WorkCalendar,
    scope: &Scope,
    visits: &BTreeMap<NaiveDate, i64>,
    teams: &BTreeMap<(Uuid, NaiveDate), i64>,
    agencies: &[agency::Model],
) -> Vec<DayLoad> {
    let capacity: i64 = agencies.iter().map(|a| i64::from(a.daily_capacity)).sum();
    let mut teams_on: BTreeMap<NaiveDate, i64> = BTreeMap::new();
    for ((_, day), n) in teams {
        *teams_on.entry(*day).or_default() += n;
    }
    scope
        .range
        .days()
        .map(|date| {
            let working_day = calendar.is_working_day(date);
            DayLoad {
                date,
                working_day,
                visits: visits.get(&date).copied().unwrap_or_default(),
                teams: teams_on.get(&date).copied().unwrap_or_default(),
                capacity: if working_day { capacity } else { 0 },
            }
        })
        .collect()
}

/// Every agency, or the scope's one.
async fn agencies_in<C: ConnectionTrait>(
    db: &C,
    scope: &Scope,
) -> Result<Vec<agency::Model>, DbErr> {
    let mut query = agency::Entity::find();
    if let Some(agency) = scope.agency {
        query = query.filter(agency::Column::Id.eq(agency));
    }
    query.all(db).await
}

/// One agency's visits in the period against its daily capacity.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct AgencyLoad {
    /// The agency's code.
    pub agency: String,
    pub name: String,
    /// Visits a working day the agency can take part in.
    pub daily_capacity: i64,
    /// Working days in the period.
    pub working_days: i64,
    /// Visits the agency takes part in.
    pub visits: i64,
    /// Visits per working day, on average.
    pub visits_per_working_day: f64,
    /// The most visits on one day.
    pub peak_day_visits: i64,
    /// Days with more visits than the daily capacity.
    pub days_over_capacity: i64,
}

/// Every agency (or the one of the scope), busiest first.
pub async fn agencies<C: ConnectionTrait>(
    db: &C,
    calendar: &WorkCalendar,
    scope: &Scope,
) -> Result<Vec<AgencyLoad>, DbErr> {
    let (teams, agencies) =
        tokio::try_join!(teams_per_agency_day(db, scope), agencies_in(db, scope))?;
    Ok(agency_loads(calendar, scope, &teams, agencies))
}

fn agency_loads(
    calendar: &WorkCalendar,
    scope: &Scope,
    teams: &BTreeMap<(Uuid, NaiveDate), i64>,
    agencies: Vec<agency::Model>,
) -> Vec<AgencyLoad> {
    let mut per_agency: BTreeMap<Uuid, Vec<i64>> = BTreeMap::new();
    for ((agency, _), n) in teams {
        per_agency.entry(*agency).or_default().push(*n);
    }
    let working_days = i64::try_from(calendar.working_days(scope.range).count()).unwrap_or(0);
    let mut out: Vec<AgencyLoad> = agencies
        .into_iter()
        .map(|a| {
            let days = per_agency.remove(&a.id).unwrap_or_default();
            let capacity = i64::from(a.daily_capacity);
            let visits: i64 = days.iter().sum();
            AgencyLoad {
                agency: a.code,
                name: a.name,
                daily_capacity: capacity,
                working_days,
                visits,
                visits_per_working_day: ratio(visits, working_days),
                peak_day_visits: days.iter().copied().max().unwrap_or(0),
                days_over_capacity: i64::try_from(days.iter().filter(|&&n| n > capacity).count())
                    .unwrap_or(0),
            }
        })
        .collect();
    out.sort_by(|a, b| b.visits.cmp(&a.visits).then(a.agency.cmp(&b.agency)));
    out
}

/// `part / whole` rounded to two places, 0 when there is no whole.
fn ratio(part: i64, whole: i64) -> f64 {
    if whole == 0 {
        return 0.0;
    }
    #[allow(clippy::cast_precision_loss)] // counts far below 2^52
    let r = part as f64 / whole as f64;
    (r * 100.0).round() / 100.0
}

/// One district's visits in the period.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct DistrictLoad {
    pub district: String,
    pub visits: i64,
    /// Agency teams on those visits.
    pub teams: i64,
    /// Enterprises visited at least once.
    pub enterprises: i64,
}

/// Every district with visits, busiest first.
pub async fn districts<C: ConnectionTrait>(
    db: &C,
    scope: &Scope,
) -> Result<Vec<DistrictLoad>, DbErr> {
    let figures = district_sectors(db, scope, &scope.quarters(), Parts::Teams).await?;
    Ok(district_loads(&figures))
}

fn district_loads(figures: &BTreeMap<(String, String), DistrictSector>) -> Vec<DistrictLoad> {
    let mut per_district: BTreeMap<&str, DistrictLoad> = BTreeMap::new();
    for ((district, _), f) in figures {
        let load = per_district
            .entry(district.as_str())
            .or_insert_with(|| DistrictLoad {
                district: district.clone(),
                visits: 0,
                teams: 0,
                enterprises: 0,
            });
        load.visits += f.visits.iter().sum::<i64>();
        load.teams += f.teams;
        load.enterprises += f.enterprises;
    }
    let mut out: Vec<DistrictLoad> = per_district.into_values().collect();
    out.sort_by(|a, b| b.visits.cmp(&a.visits).then(a.district.cmp(&b.district)));
    out
}

/// The scope's figures of one district and sector, the visits and requests per quarter
/// of the period (`Scope::quarters`).
#[derive(Debug, Default)]
struct DistrictSector {
    /// Enterprises visited at least once.
    enterprises: i64,
    visits: Vec<i64>,
    /// Agency teams on the visits (when asked for).
    teams: i64,
    /// Live requests merged into the visits (when asked for).
    requests: Vec<i64>,
}

/// What `district_sectors` counts besides the visits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Parts {
    Teams,
    Requests,
    Both,
}

/// The scope's figures per district and sector with visits. Visits, teams and requests
/// are counted apart (one count over visits joined to their teams or requests would have
/// to count the visits distinct), each per enterprise first, so that the enterprises are
/// joined to a row per enterprise rather than to one per visit, team or request.
async fn district_sectors<C: ConnectionTrait>(
    db: &C,
    scope: &Scope,
    quarters: &[(Quarter, Scope)],
    parts: Parts,
) -> Result<BTreeMap<(String, String), DistrictSector>, DbErr> {
    let per_enterprise = |select: &mut SelectStatement| {
        select
            .expr_as(
                col(joint_visit::Entity, joint_visit::Column::EnterpriseId),
                Alias::new("enterprise_id"),
            )
            .group_by_col((joint_visit::Entity, joint_visit::Column::EnterpriseId));
    };
    let mut visits = visits_in(scope, false);
    per_enterprise(&mut visits);
    visits.expr_as(Expr::cust("1"), Alias::new("enterprises"));
    let mut sums = vec!["enterprises".to_owned()];
    sums.extend(count_per_quarter(&mut visits, quarters));
    let teams = async {
        if parts == Parts::Requests {
            return Ok(BTreeMap::new());
        }
        let mut teams = visits_in(scope, false);
        join_teams(&mut teams, scope);
        per_enterprise(&mut teams);
        teams.expr_as(count_all(), Alias::new("teams"));
        per_district_sector(db, teams, &["teams".to_owned()]).await
    };
    let requests = async {
        if parts == Parts::Teams {
            return Ok(BTreeMap::new());
        }
        let mut requests = visits_in(scope, false);
        join_live_requests(&mut requests);
        per_enterprise(&mut requests);
        let sums = count_per_quarter(&mut requests, quarters);
        per_district_sector(db, requests, &sums).await
    };
    let (visits, teams, requests) =
        tokio::try_join!(per_district_sector(db, visits, &sums), teams, requests)?;
    Ok(visits
        .into_iter()
        .map(|(key, sums)| {
            let figures = DistrictSector {
                enterprises: sums.first().copied().unwrap_or_default(),
                visits: sums.iter().skip(1).copied().collect(),
                teams: teams
                    .get(&key)
                    .and_then(|t| t.first())
                    .copied()
                    .unwrap_or_default(),
                requests: requests.get(&key).cloned().unwrap_or_default(),
            };
            (key, figures)
        })
        .collect())
}

/// Adds a count of the rows in each quarter of `quarters` (by their visit's day), named
/// `q0`, `q1`, …; answers the names.
fn count_per_quarter(select: &mut SelectStatement, quarters: &[(Quarter, Scope)]) -> Vec<String> {
    quarters
        .iter()
        .enumerate()
        .map(|(i, (_, part))| {
            let name = format!("q{i}");
            let in_quarter = col(joint_visit::Entity, joint_visit::Column::VisitDate)
                .between(part.range.start(), part.range.end());
            select.expr_as(
                Func::count(Expr::case(in_quarter, Expr::cust("1"))),
                Alias::new(name.clone()),
            );
            name
        })
        .collect()
}

/// A select from `per_enterprise` (rows with an `enterprise_id`), named `alias`, joined
/// to their enterprises: figures are counted per enterprise first, so that only those
/// rows meet the enterprises table.
fn with_enterprise(per_enterprise: SelectStatement, alias: &Alias) -> SelectStatement {
    Query::select()
        .from_subquery(per_enterprise, alias.clone())
        .join(
            JoinType::InnerJoin,
            enterprise::Entity,
            col(enterprise::Entity, enterprise::Column::Id)
                .equals((alias.clone(), Alias::new("enterprise_id"))),
        )
        .to_owned()
}

/// Sums the columns `sums` of `per_enterprise` (a row per enterprise, with its
/// `enterprise_id`) per district and sector.
async fn per_district_sector<C: ConnectionTrait>(
    db: &C,
    per_enterprise: SelectStatement,
    sums: &[String],
) -> Result<BTreeMap<(String, String), Vec<i64>>, DbErr> {
    let e = Alias::new("e");
    let district = (enterprise::Entity, enterprise::Column::District);
    let sector = (enterprise::Entity, enterprise::Column::Sector);
    let mut select = with_enterprise(per_enterprise, &e);
    select
        .column(district)
        .column(sector)
        .group_by_col(district)
        .group_by_col(sector);
    for name in sums {
        // PostgreSQL sums integers as numeric.
        select.expr_as(
            Func::cast_as(
                Func::sum(Expr::col((e.clone(), Alias::new(name.as_str())))),
                Alias::new("BIGINT"),
            ),
            Alias::new(name.as_str()),
        );
    }
    db.query_all(&select)
        .await?
        .iter()
        .map(|row| {
            let values = sums
                .iter()
                .map(|name| get(row, name))
                .collect::<Result<Vec<i64>, DbErr>>()?;
            Ok(((get(row, "district")?, get(row, "sector")?), values))
        })
        .collect()
}

/// One inspector's visits in the period: an unfair rotation shows as a spread.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct InspectorLoad {
    pub inspector: String,
    pub name: String,
    /// The inspector's agency (code).
    pub agency: String,
    pub visits: i64,
}

/// Every active inspector (of the scope's agency), with their visits, busiest first.
pub async fn inspectors<C: ConnectionTrait>(
    db: &C,
    scope: &Scope,
) -> Result<Vec<InspectorLoad>, DbErr> {
    let mut select = visits_in(scope, false);
    select
        .join(
            JoinType::InnerJoin,
            visit_inspector::Entity,
            col(visit_inspector::Entity, visit_inspector::Column::VisitId)
                .equals((joint_visit::Entity, joint_visit::Column::Id)),
        )
        .expr_as(
            col(
                visit_inspector::Entity,
                visit_inspector::Column::InspectorId,
            ),
            Alias::new("inspector_id"),
        )
        .expr_as(count_all(), Alias::new("visits"))
        .group_by_col((
            visit_inspector::Entity,
            visit_inspector::Column::InspectorId,
        ));
    let mut per_inspector: BTreeMap<Uuid, i64> = BTreeMap::new();
    for row in db.query_all(&select).await? {
        per_inspector.insert(get(&row, "inspector_id")?, get(&row, "visits")?);
    }
    let codes: BTreeMap<Uuid, String> = agency::Entity::find()
        .all(db)
        .await?
        .into_iter()
        .map(|a| (a.id, a.code))
        .collect();
    let mut query = inspector::Entity::find();
    if let Some(agency) = scope.agency {
        query = query.filter(inspector::Column::AgencyId.eq(agency));
    }
    let mut out: Vec<InspectorLoad> = query
        .all(db)
        .await?
        .into_iter()
        .filter_map(|i| {
            let visits = per_inspector.get(&i.id).copied().unwrap_or(0);
            // An inactive inspector only shows for the visits they did make.
            (i.active || visits > 0).then(|| InspectorLoad {
                agency: codes.get(&i.agency_id).cloned().unwrap_or_default(),
                inspector: i.code,
                name: i.name,
                visits,
            })
        })
        .collect();
    out.sort_by(|a, b| b.visits.cmp(&a.visits).then(a.inspector.cmp(&b.inspector)));
    Ok(out)
}

/// Requests booked against visits made, in one quarter, district and sector: every
/// request merged into a visit another agency makes anyway is a visit the enterprise
/// did not receive.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct DuplicatesAvoided {
    /// The quarter (`2026Q4`).
    pub period: String,
    pub district: String,
    pub sector: String,
    /// Live requests placed on the visits.
    pub requests: i64,
    pub visits: i64,
    /// Requests less visits: the separate visits joint visiting saved.
    pub avoided: i64,
}

/// Per quarter of the period, district and sector with visits.
pub async fn duplicates<C: ConnectionTrait>(
    db: &C,
    scope: &Scope,
) -> Result<Vec<DuplicatesAvoided>, DbErr> {
    let quarters = scope.quarters();
    let figures = district_sectors(db, scope, &quarters, Parts::Requests).await?;
    Ok(duplicates_avoided(&quarters, &figures))
}

/// In the order of the quarters, districts and sectors.
fn duplicates_avoided(
    quarters: &[(Quarter, Scope)],
    figures: &BTreeMap<(String, String), DistrictSector>,
) -> Vec<DuplicatesAvoided> {
    let mut out = Vec::new();
    for (i, (quarter, _)) in quarters.iter().enumerate() {
        for ((district, sector), f) in figures {
            let visits = f.visits.get(i).copied().unwrap_or_default();
            if visits == 0 {
                continue;
            }
            let requests = f.requests.get(i).copied().unwrap_or_default();
            out.push(DuplicatesAvoided {
                period: quarter.to_string(),
                district: district.clone(),
                sector: sector.clone(),
                requests,
                visits,
                avoided: std::cmp::max(requests - visits, 0),
            });
        }
    }
    out
}

/// Adds the live (not cancelled) requests merged into the scoped visits.
fn join_live_requests(select: &mut SelectStatement) {
    select.join(
        JoinType::InnerJoin,
        inspection_request::Entity,
        col(
            inspection_request::Entity,
            inspection_request::Column::VisitId,
        )
        .equals((joint_visit::Entity, joint_visit::Column::Id))
        .and(inspection_request::Column::Status.ne(Stored(RequestStatus::Cancelled))),
    );
}

/// One enterprise's visits in one quarter against its burden cap.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct EnterpriseBurden {
    pub enterprise_id: Uuid,
    pub credit_code: String,
    pub name: String,
    pub district: String,
    pub sector: String,
    /// The quarter (`2026Q4`); the burden cap counts visits per quarter.
    pub period: String,
    /// The most counted visits a quarter; none when the enterprise has no cap.
    pub burden_cap: Option<i64>,
    /// Live visits in the quarter, urgent ones included.
    pub visits: i64,
    /// Visits that count towards the cap (urgent visits never do).
    pub counted: i64,
    /// Counted visits still ahead (after today).
    pub planned: i64,
    /// Requests merged into the quarter's visits.
    pub requests: i64,
    /// Counted visits the cap still allows.
    pub left: Option<i64>,
    /// Early warning: with the planned visits the cap is reached.
    pub warning: bool,
}

/// Whether an enterprise quarter's counted visits (`b.counted`) reach its cap.
fn cap_reached() -> Expr {
    Expr::col((Alias::new("b"), Alias::new("counted")))
        .gte(col(enterprise::Entity, enterprise::Column::BurdenCap))
}

/// One row an enterprise and quarter of the scope with live visits: the visits, the
/// counted ones, those still ahead, and what the cap leaves (`left`, none without a cap).
/// The cap spares a visit that holds an urgent request, cancelled or not, as the planner
/// counts (`planning::counted_in_quarter`); the few urgent requests are found apart
/// rather than by joining every request.
fn enterprise_quarters(
    scope: &Scope,
    quarters: &[(Quarter, Scope)],
    today: NaiveDate,
) -> SelectStatement {
    let u = Alias::new("u");
    let b = Alias::new("b");
    let urgent = Query::select()
        .distinct()
        .column(inspection_request::Column::VisitId)
        .from(inspection_request::Entity)
        // A literal, so that PostgreSQL matches the partial index on urgent requests
        // also in a prepared statement's generic plan.
        .and_where(
            col(inspection_request::Entity, inspection_request::Column::Kind)
                .eq(Expr::cust("'urgent'")),
        )
        .to_owned();
    let not_urgent = Expr::col((u.clone(), inspection_request::Column::VisitId)).is_null();
    let mut per = visits_in(scope, false);
    per.join_subquery(
        JoinType::LeftJoin,
        urgent,
        u.clone(),
        Expr::col((u, inspection_request::Column::VisitId))
            .equals((joint_visit::Entity, joint_visit::Column::Id)),
    )
    .expr_as(
        col(joint_visit::Entity, joint_visit::Column::EnterpriseId),
        Alias::new("enterprise_id"),
    )
    .expr_as(quarter_of(quarters), Alias::new("quarter"))
    .expr_as(count_all(), Alias::new("visits"))
    .expr_as(
        Func::count(Expr::case(not_urgent.clone(), Expr::cust("1"))),
        Alias::new("counted"),
    )
    .expr_as(
        Func::count(Expr::case(
            not_urgent.and(joint_visit::Column::VisitDate.gt(today)),
            Expr::cust("1"),
        )),
        Alias::new("planned"),
    )
    .group_by_col((joint_visit::Entity, joint_visit::Column::EnterpriseId))
    .add_group_by([Expr::col(Alias::new("quarter"))]);
    let cap = col(enterprise::Entity, enterprise::Column::BurdenCap);
    let mut select = with_enterprise(per, &b);
    select
        .columns(
            [
                enterprise::Column::Id,
                enterprise::Column::CreditCode,
                enterprise::Column::Name,
                enterprise::Column::District,
                enterprise::Column::Sector,
                enterprise::Column::BurdenCap,
            ]
            .map(|c| (enterprise::Entity, c)),
        )
        .columns(["quarter", "visits", "counted", "planned"].map(|c| (b.clone(), Alias::new(c))))
        // No cap: NULL, as NULL reaches nothing.
        .expr_as(
            Expr::case(cap_reached(), Expr::cust("0"))
                .finally(cap.sub(Expr::col((b, Alias::new("counted"))))),
            Alias::new("left"),
        );
    select
}

/// Live requests merged into the scope's visits per enterprise and quarter, of
/// `enterprises` only when given.
async fn requests_per_enterprise_quarter<C: ConnectionTrait>(
    db: &C,
    scope: &Scope,
    quarters: &[(Quarter, Scope)],
    enterprises: Option<Vec<Uuid>>,
) -> Result<BTreeMap<(Uuid, Quarter), i64>, DbErr> {
    let mut select = visits_in(scope, false);
    join_live_requests(&mut select);
    select
        .expr_as(
            col(joint_visit::Entity, joint_visit::Column::EnterpriseId),
            Alias::new("enterprise_id"),
        )
        .expr_as(quarter_of(quarters), Alias::new("quarter"))
        .expr_as(
            Func::count(col(
                inspection_request::Entity,
                inspection_request::Column::Id,
            )),
            Alias::new("requests"),
        )
        .group_by_col((joint_visit::Entity, joint_visit::Column::EnterpriseId))
        .add_group_by([Expr::col(Alias::new("quarter"))]);
    if let Some(ids) = enterprises {
        select.and_where(joint_visit::Column::EnterpriseId.is_in(ids));
    }
    db.query_all(&select)
        .await?
        .iter()
        .map(|row| {
            Ok((
                (get(row, "enterprise_id")?, quarter_at(quarters, row)?),
                get(row, "requests")?,
            ))
        })
        .collect()
}

/// An enterprise quarter as `enterprise_quarters` answers it, with its requests.
fn burden_row(
    row: &QueryResult,
    quarters: &[(Quarter, Scope)],
    requests: &BTreeMap<(Uuid, Quarter), i64>,
) -> Result<EnterpriseBurden, DbErr> {
    let id: Uuid = get(row, "id")?;
    let quarter = quarter_at(quarters, row)?;
    let cap: Option<i32> = get(row, "burden_cap")?;
    let left: Option<i64> = get(row, "left")?;
    Ok(EnterpriseBurden {
        enterprise_id: id,
        credit_code: get(row, "credit_code")?,
        name: get(row, "name")?,
        district: get(row, "district")?,
        sector: get(row, "sector")?,
        period: quarter.to_string(),
        burden_cap: cap.map(i64::from),
        visits: get(row, "visits")?,
        counted: get(row, "counted")?,
        planned: get(row, "planned")?,
        requests: requests.get(&(id, quarter)).copied().unwrap_or_default(),
        left,
        warning: left == Some(0),
    })
}

/// The order of the burden list: warnings first, then the least left of a cap (no cap
/// last), the most counted, the earlier quarter, the credit code.
fn nearest_first(a: &EnterpriseBurden, b: &EnterpriseBurden) -> std::cmp::Ordering {
    b.warning
        .cmp(&a.warning)
        .then(a.left.unwrap_or(i64::MAX).cmp(&b.left.unwrap_or(i64::MAX)))
        .then(b.counted.cmp(&a.counted))
        .then(a.period.cmp(&b.period))
        .then(a.credit_code.cmp(&b.credit_code))
}

/// Every enterprise with visits in the period, per quarter, the nearest to its cap first.
pub async fn burden<C: ConnectionTrait>(
    db: &C,
    scope: &Scope,
    today: NaiveDate,
) -> Result<Vec<EnterpriseBurden>, DbErr> {
    let quarters = scope.quarters();
    let rows = enterprise_quarters(scope, &quarters, today);
    let (rows, requests) = tokio::try_join!(
        db.query_all(&rows),
        requests_per_enterprise_quarter(db, scope, &quarters, None),
    )?;
    let mut out = rows
        .iter()
        .map(|row| burden_row(row, &quarters, &requests))
        .collect::<Result<Vec<_>, DbErr>>()?;
    out.sort_by(nearest_first);
    Ok(out)
}

/// The capped enterprise quarters nearest their cap (at most `NEAREST_CAP`, in the order
/// of `burden`) and how many reach it, without building the whole list: the database
/// sorts, cuts and counts; the requests are looked up for the few rows kept.
async fn nearest_cap<C: ConnectionTrait>(
    db: &C,
    scope: &Scope,
    today: NaiveDate,
) -> Result<(Vec<EnterpriseBurden>, i64), DbErr> {
    let quarters = scope.quarters();
    let mut top = enterprise_quarters(scope, &quarters, today);
    // With a cap, `burden`'s warnings first is the least left first.
    top.and_where(enterprise::Column::BurdenCap.is_not_null())
        .expr_window_as(
            Func::count(Expr::case(cap_reached(), Expr::cust("1"))),
            WindowStatement::new(),
            Alias::new("warnings"),
        )
        .order_by(Alias::new("left"), Order::Asc)
        .order_by((Alias::new("b"), Alias::new("counted")), Order::Desc)
        .order_by((Alias::new("b"), Alias::new("quarter")), Order::Asc)
        .order_by(
            (enterprise::Entity, enterprise::Column::CreditCode),
            Order::Asc,
        )
        .limit(u64::try_from(NEAREST_CAP).unwrap_or(u64::MAX));
    let rows = db.query_all(&top).await?;
    let Some(first) = rows.first() else {
        return Ok((Vec::new(), 0));
    };
    let warnings: i64 = get(first, "warnings")?;
    let ids = rows
        .iter()
        .map(|row| get(row, "id"))
        .collect::<Result<Vec<Uuid>, DbErr>>()?;
    let requests = requests_per_enterprise_quarter(db, scope, &quarters, Some(ids)).await?;
    let nearest = rows
        .iter()
        .map(|row| burden_row(row, &quarters, &requests))
        .collect::<Result<Vec<_>, DbErr>>()?;
    Ok((nearest, warnings))
}

/// The headline figures of the period.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct Totals {
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub working_days: i64,
    /// Live joint visits.
    pub visits: i64,
    /// Agency teams on them.
    pub teams: i64,
    /// The agencies' capacity over the working days of the period.
    pub capacity: i64,
    /// Teams over capacity, in percent.
    pub load_percent: f64,
    /// Live requests merged into the visits.
    pub requests: i64,
    /// Requests less visits: separate visits the enterprises were spared.
    pub duplicates_avoided: i64,
    /// Enterprises visited at least once.
    pub enterprises_visited: i64,
    /// Enterprise quarters whose planned visits reach the burden cap.
    pub cap_warnings: i64,
}

/// What the office dashboard shows first.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct Overview {
    pub totals: Totals,
    /// Every day of the period (the calendar heat map).
    pub days: Vec<DayLoad>,
    pub agencies: Vec<AgencyLoad>,
    pub districts: Vec<DistrictLoad>,
    /// The enterprises nearest their cap (at most [`NEAREST_CAP`]).
    pub nearest_cap: Vec<EnterpriseBurden>,
    /// Hazards found on the period's visits, as they stand today.
    pub hazards: HazardReview,
}

/// How many enterprises the overview lists as nearest their cap.
pub const NEAREST_CAP: usize = 10;

/// The overview of the period.
pub async fn overview<C: ConnectionTrait>(
    db: &C,
    calendar: &WorkCalendar,
    scope: &Scope,
    today: NaiveDate,
) -> Result<Overview, DbErr> {
    // The parts are independent: on a pool they run side by side.
    let quarters = scope.quarters();
    let (visits, teams, agencies, figures, (nearest_cap, cap_warnings), hazards) = tokio::try_join!(
        visits_per_day(db, scope),
        teams_per_agency_day(db, scope),
        agencies_in(db, scope),
        district_sectors(db, scope, &quarters, Parts::Both),
        nearest_cap(db, scope, today),
        hazards(db, scope, today),
    )?;
    let districts = district_loads(&figures);
    let duplicates = duplicates_avoided(&quarters, &figures);
    let days = day_loads(calendar, scope, &visits, &teams, &agencies);
    let agencies = agency_loads(calendar, scope, &teams, agencies);
    let visits: i64 = days.iter().map(|d| d.visits).sum();
    let teams: i64 = days.iter().map(|d| d.teams).sum();
    let capacity: i64 = days.iter().map(|d| d.capacity).sum();
    let requests: i64 = duplicates.iter().map(|d| d.requests).sum();
    let totals = Totals {
        from: scope.range.start(),
        to: scope.range.end(),
        working_days: i64::try_from(days.iter().filter(|d| d.working_day).count()).unwrap_or(0),
        visits,
        teams,
        capacity,
        load_percent: ratio(teams * 100, capacity),
        requests,
        duplicates_avoided: duplicates.iter().map(|d| d.avoided).sum(),
        enterprises_visited: districts.iter().map(|d| d.enterprises).sum(),
        cap_warnings,
    };
    Ok(Overview {
        totals,
        days,
        agencies,
        districts,
        nearest_cap,
        hazards,
    })
}

/// Hazards found in a group (a district, an agency, or all) and where they stand today.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct HazardFigures {
    /// The district's name or the responsible agency's code; empty for the totals.
    pub key: String,
    /// The district's or the agency's name; empty for the totals.
    pub name: String,
    pub found: i64,
    /// Not closed yet (rectification submitted included).
    pub open: i64,
    /// Rectification submitted, awaiting verification.
    pub submitted: i64,
    /// Past the deadline and not closed.
    pub overdue: i64,
    pub closed: i64,
    /// Closed of found, in percent.
    pub closure_rate: f64,
    /// Days from the visit that found a hazard to its close, the median of the closed ones.
    pub median_days_to_close: Option<f64>,
}

/// The hazards of the visits in the scope, per district and per responsible agency.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct HazardReview {
    pub totals: HazardFigures,
    pub districts: Vec<HazardFigures>,
    pub agencies: Vec<HazardFigures>,
}

/// `FROM hazards JOIN joint_visits JOIN enterprises WHERE <scope>`: hazards found on the
/// scope's visits; the agency filter is the hazard's responsible agency.
fn hazards_in(scope: &Scope) -> SelectStatement {
    let mut select = Query::select();
    select
        .from(hazard::Entity)
        .join(
            JoinType::InnerJoin,
            joint_visit::Entity,
            col(joint_visit::Entity, joint_visit::Column::Id)
                .equals((hazard::Entity, hazard::Column::VisitId)),
        )
        .join(
            JoinType::InnerJoin,
            enterprise::Entity,
            col(enterprise::Entity, enterprise::Column::Id)
                .equals((hazard::Entity, hazard::Column::EnterpriseId)),
        )
        .and_where(joint_visit::Column::VisitDate.between(scope.range.start(), scope.range.end()));
    if let Some(district) = &scope.district {
        select.and_where(enterprise::Column::District.eq(district.as_str()));
    }
    if let Some(sector) = &scope.sector {
        select.and_where(enterprise::Column::Sector.eq(sector.as_str()));
    }
    if let Some(agency) = scope.agency {
        select.and_where(hazard::Column::ResponsibleAgencyId.eq(agency));
    }
    select
}

/// Days from the visit to the close, in the database's own date arithmetic.
fn days_to_close(backend: DbBackend) -> Expr {
    match backend {
        DbBackend::Sqlite => Expr::cust(
            "CAST(julianday(hazards.closed_on) - julianday(joint_visits.visit_date) AS INTEGER)",
        ),
        _ => Expr::cust("CAST(hazards.closed_on - joint_visits.visit_date AS BIGINT)"),
    }
}

/// Counts and days-to-close histograms of one group.
#[derive(Debug, Default)]
struct Tally {
    found: i64,
    submitted: i64,
    overdue: i64,
    closed: i64,
    days: BTreeMap<i64, i64>,
}

impl Tally {
    fn add(&mut self, other: &Tally) {
        self.found += other.found;
        self.submitted += other.submitted;
        self.overdue += other.overdue;
        self.closed += other.closed;
        for (days, n) in &other.days {
            *self.days.entry(*days).or_default() += n;
        }
    }

    fn figures(&self, key: String, name: String) -> HazardFigures {
        HazardFigures {
            key,
            name,
            found: self.found,
            open: self.found - self.closed,
            submitted: self.submitted,
            overdue: self.overdue,
            closed: self.closed,
            closure_rate: ratio(self.closed * 100, self.found),
            median_days_to_close: median(&self.days),
        }
    }
}

/// The median of a histogram (value → how many), the mean of the two middle values when even.
fn median(histogram: &BTreeMap<i64, i64>) -> Option<f64> {
    let n: i64 = histogram.values().sum();
    if n == 0 {
        return None;
    }
    let nth = |k: i64| {
        let mut seen = 0;
        histogram.iter().find_map(|(value, count)| {
            seen += count;
            (seen > k).then_some(*value)
        })
    };
    let (low, high) = (nth((n - 1) / 2)?, nth(n / 2)?);
    #[allow(clippy::cast_precision_loss)] // days, far below 2^52
    Some((low + high) as f64 / 2.0)
}

/// Hazard figures per district and responsible agency, as they stand on `today`.
pub async fn hazards<C: ConnectionTrait>(
    db: &C,
    scope: &Scope,
    today: NaiveDate,
) -> Result<HazardReview, DbErr> {
    let overdue_flag: Expr = Expr::case(crate::hazards::ledger::overdue(today), Expr::cust("1"))
        .finally(Expr::cust("0"))
        .into();
    let closed_days: Expr = Expr::case(
        col(hazard::Entity, hazard::Column::Status).eq(HazardStatus::Closed.as_str()),
        days_to_close(db.get_database_backend()),
    )
    .into();
    let mut found = hazards_in(scope);
    found
        .column((enterprise::Entity, enterprise::Column::District))
        .expr_as(
            col(hazard::Entity, hazard::Column::ResponsibleAgencyId),
            Alias::new("agency_id"),
        )
        .column((hazard::Entity, hazard::Column::Status))
        .expr_as(overdue_flag, Alias::new("overdue"))
        .expr_as(closed_days, Alias::new("days"));
    // One pass over the hazards joined to their visits and enterprises, grouped from a
    // materialized table: grouped in the same query, PostgreSQL expects about a group
    // per hazard, and sorts every hazard instead of hashing the few thousand groups.
    let found_table = Alias::new("found");
    let keys = ["district", "agency_id", "status", "overdue", "days"];
    let mut counts = Query::select();
    counts
        .from(found_table.clone())
        .columns(keys.map(Alias::new))
        .expr_as(Func::count(Expr::cust("*")), Alias::new("n"));
    for key in keys {
        counts.group_by_col(Alias::new(key));
    }
    let counts = counts.with(
        WithClause::new()
            .cte(
                CommonTableExpression::new()
                    .query(found)
                    .table_name(found_table)
                    .materialized(true)
                    .to_owned(),
            )
            .to_owned(),
    );
    let (counts, agencies) =
        tokio::try_join!(db.query_all(&counts), agency::Entity::find().all(db))?;
    let mut tallies: BTreeMap<(String, Uuid), Tally> = BTreeMap::new();
    for row in &counts {
        let n: i64 = get(row, "n")?;
        let status: String = get(row, "status")?;
        let overdue: i32 = get(row, "overdue")?;
        let days: Option<i64> = get(row, "days")?;
        let tally = tallies
            .entry((get(row, "district")?, get(row, "agency_id")?))
            .or_default();
        tally.found += n;
        match status.as_str() {
            "closed" => tally.closed += n,
            "rectification_submitted" => tally.submitted += n,
            _ => {}
        }
        if overdue == 1 {
            tally.overdue += n;
        }
        if let Some(days) = days {
            *tally.days.entry(days).or_default() += n;
        }
    }
    let agencies: BTreeMap<Uuid, agency::Model> = agencies.into_iter().map(|a| (a.id, a)).collect();
    let mut total = Tally::default();
    let mut per_district: BTreeMap<String, Tally> = BTreeMap::new();
    let mut per_agency: BTreeMap<Uuid, Tally> = BTreeMap::new();
    for ((district, agency), tally) in &tallies {
        total.add(tally);
        per_district.entry(district.clone()).or_default().add(tally);
        per_agency.entry(*agency).or_default().add(tally);
    }
    let mut districts: Vec<HazardFigures> = per_district
        .iter()
        .map(|(d, t)| t.figures(d.clone(), d.clone()))
        .collect();
    districts.sort_by(|a, b| b.overdue.cmp(&a.overdue).then(a.key.cmp(&b.key)));
    let mut agency_rows: Vec<HazardFigures> = per_agency
        .iter()
        .map(|(id, t)| {
            let a = agencies.get(id);
            t.figures(
                a.map(|a| a.code.clone()).unwrap_or_default(),
                a.map(|a| a.name.clone()).unwrap_or_default(),
            )
        })
        .collect();
    agency_rows.sort_by(|a, b| b.overdue.cmp(&a.overdue).then(a.key.cmp(&b.key)));
    Ok(HazardReview {
        totals: total.figures(String::new(), String::new()),
        districts,
        agencies: agency_rows,
    })
}

/// One overdue hazard on a district's list (一县区一清单).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct OverdueHazard {
    pub district: String,
    pub hazard_id: Uuid,
    pub enterprise_id: Uuid,
    pub enterprise: String,
    pub title: String,
    /// general or major.
    pub severity: String,
    /// The responsible agency's code.
    pub agency: String,
    pub deadline: NaiveDate,
    pub days_overdue: i64,
}

/// Every overdue hazard of the scope, district by district, the longest overdue first.
pub async fn overdue_hazards<C: ConnectionTrait>(
    db: &C,
    scope: &Scope,
    today: NaiveDate,
) -> Result<Vec<OverdueHazard>, DbErr> {
    let mut select = hazards_in(scope);
    select
        .cond_where(crate::hazards::ledger::overdue(today))
        .column((enterprise::Entity, enterprise::Column::District))
        .expr_as(
            col(hazard::Entity, hazard::Column::Id),
            Alias::new("hazard_id"),
        )
        .expr_as(
            col(enterprise::Entity, enterprise::Column::Id),
            Alias::new("enterprise_id"),
        )
        .expr_as(
            col(enterprise::Entity, enterprise::Column::Name),
            Alias::new("enterprise"),
        )
        .columns([
            (hazard::Entity, hazard::Column::Title),
            (hazard::Entity, hazard::Column::Severity),
            (hazard::Entity, hazard::Column::ResponsibleAgencyId),
            (hazard::Entity, hazard::Column::Deadline),
        ])
        .order_by(
            (enterprise::Entity, enterprise::Column::District),
            Order::Asc,
        )
        .order_by((hazard::Entity, hazard::Column::Deadline), Order::Asc)
        .order_by((hazard::Entity, hazard::Column::Id), Order::Asc);
    let codes: BTreeMap<Uuid, String> = agency::Entity::find()
        .all(db)
        .await?
        .into_iter()
        .map(|a| (a.id, a.code))
        .collect();
    db.query_all(&select)
        .await?
        .iter()
        .map(|row| {
            let deadline: NaiveDate = get(row, "deadline")?;
            let agency: Uuid = get(row, "responsible_agency_id")?;
            Ok(OverdueHazard {
                district: get(row, "district")?,
                hazard_id: get(row, "hazard_id")?,
                enterprise_id: get(row, "enterprise_id")?,
                enterprise: get(row, "enterprise")?,
                title: get(row, "title")?,
                severity: get(row, "severity")?,
                agency: codes.get(&agency).cloned().unwrap_or_default(),
                deadline,
                days_overdue: (today - deadline).num_days(),
            })
        })
        .collect()
}

/// One enterprise, as its timeline shows it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct TimelineEnterprise {
    pub id: Uuid,
    pub credit_code: String,
    pub name: String,
    pub district: String,
    pub sector: String,
    pub burden_cap: Option<i32>,
}

/// Everything that happened to one enterprise: the requests booked for it and the
/// visits they were merged into (each request names its visit), in time order.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Timeline {
    pub enterprise: TimelineEnterprise,
    /// Requests by booking time.
    pub requests: Vec<RequestView>,
    /// Visits by date, cancelled ones included.
    pub visits: Vec<VisitView>,
    /// Hazards found, by the time they were recorded.
    pub hazards: Vec<TimelineHazard>,
}

/// A hazard on an enterprise's timeline.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct TimelineHazard {
    pub id: Uuid,
    pub visit_id: Uuid,
    pub title: String,
    /// general or major.
    pub severity: String,
    /// open, rectification_submitted or closed.
    pub status: String,
    pub found_on: NaiveDate,
    pub deadline: NaiveDate,
    pub closed_on: Option<NaiveDate>,
}

/// One enterprise's timeline (the office's).
pub async fn timeline<C: ConnectionTrait>(
    db: &C,
    caller: &Caller,
    id: Uuid,
) -> Result<Timeline, ServiceError> {
    caller.require(&[Role::Coordinator, Role::Admin])?;
    let e = enterprise::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or(ServiceError::NotFound)?;
    let requests = inspection_request::Entity::find()
        .filter(inspection_request::Column::EnterpriseId.eq(id))
        .order_by_asc(inspection_request::Column::CreatedAt)
        .order_by_asc(inspection_request::Column::Id)
        .all(db)
        .await?;
    let visits = joint_visit::Entity::find()
        .filter(joint_visit::Column::EnterpriseId.eq(id))
        .order_by_asc(joint_visit::Column::VisitDate)
        .order_by_asc(joint_visit::Column::Id)
        .all(db)
        .await?;
    let hazards = hazard::Entity::find()
        .filter(hazard::Column::EnterpriseId.eq(id))
        .order_by_asc(hazard::Column::RecordedAt)
        .order_by_asc(hazard::Column::Id)
        .all(db)
        .await?
        .into_iter()
        .map(|h| TimelineHazard {
            id: h.id,
            visit_id: h.visit_id,
            title: h.title,
            severity: h.severity.to_string(),
            status: h.status.to_string(),
            found_on: (h.recorded_at + chrono::Duration::hours(8)).date_naive(),
            deadline: h.deadline,
            closed_on: h.closed_on,
        })
        .collect();
    Ok(Timeline {
        hazards,
        enterprise: TimelineEnterprise {
            id: e.id,
            credit_code: e.credit_code,
            name: e.name,
            district: e.district,
            sector: e.sector,
            burden_cap: e.burden_cap,
        },
        requests: views::requests(db, requests).await?,
        visits: views::visits(db, visits).await?,
    })
}

/// The values the review's filters can take: every district and sector with an
/// enterprise, in order.
#[derive(Debug, Clone)]
pub struct FilterValues {
    pub districts: Vec<String>,
    pub sectors: Vec<String>,
}

/// The districts and sectors to filter the review by.
pub async fn filter_values<C: ConnectionTrait>(db: &C) -> Result<FilterValues, ServiceError> {
    let distinct = |column: enterprise::Column| {
        enterprise::Entity::find()
            .select_only()
            .column(column)
            .distinct()
            .order_by_asc(column)
            .into_tuple::<String>()
            .all(db)
    };
    Ok(FilterValues {
        districts: distinct(enterprise::Column::District).await?,
        sectors: distinct(enterprise::Column::Sector).await?,
    })
}
