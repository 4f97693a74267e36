//! Booking one inspection request: where it lands (joins a visit, a new visit, or
//! why not), decided by the planner's fast path and written under the hard rules.
//!
//! The placement is computed on a snapshot without locks (one statement; first of the
//! window's last two weeks, or only the enterprise's days when the agency has a team
//! there to join, see `Found::settled`), then written in one transaction that first
//! takes the locks of the enterprise and, when the booking takes some of it, of the
//! agency's day, re-checks the rules that a concurrent booking could have broken (the
//! agency's daily capacity, the enterprise's burden cap, one visit a day), and writes.
//! Its round trips are most of a booking's cost, so each step is one. Unique indexes
//! hold the rest (one live visit per enterprise and day, one visit per inspector and
//! day). A request that joins its agency's team as it is leaves the visit's row alone
//! (nothing the enterprise sees changes). Whatever a concurrent booking took first, the
//! booking starts over from a fresh snapshot, a bounded number of times. On PostgreSQL
//! the locks are transaction-scoped advisory locks, so several server processes agree;
//! SQLite has one writer at a time, taken at the start of the transaction.

use crate::db::Connection;
use crate::entities::{
    Stored, agency, inspection_request, inspector_draw, joint_visit, visit_inspector, visit_team,
};
use crate::planning::{self, Focus, HOLDING};
use chrono::{NaiveDate, Utc};
use onevisit_domain::{
    AgencyCode, CreditCode, DateRange, InspectorCode, RequestKind, RequestStatus, TeamSize,
    VisitStatus, WorkCalendar,
};
use onevisit_scheduler::periodic::{DrawSeed, InspectorDraw, draw_from_eligible};
use onevisit_scheduler::{Placement, PlanIndex, Reason, place};
use sea_orm::sea_query::{Expr, Query, QueryStatementBuilder};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseTransaction,
    DbBackend, DbErr, EntityTrait, QueryFilter, QuerySelect, Statement,
};
use std::collections::{BTreeMap, BTreeSet};
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use uuid::Uuid;

/// How many times a booking starts over after losing a race.
const ATTEMPTS: usize = 12;

/// A request to book, already checked by the domain.
#[derive(Debug, Clone)]
pub struct NewBooking {
    pub agency_id: Uuid,
    pub enterprise_id: Uuid,
    pub window: DateRange,
    pub team_size: u32,
    pub kind: RequestKind,
    pub topics: Vec<String>,
    pub idempotency_key: Option<String>,
    pub body_hash: Option<String>,
    /// Whether the enterprise is told of the visit beforehand.
    pub announced: bool,
    pub crew: Crew,
}

/// How the agency's inspectors are chosen for a booking.
#[derive(Debug, Clone)]
pub enum Crew {
    /// The planner's choice: the least loaded inspectors free that day.
    Planned,
    /// A published random draw (双随机), as a random plan makes it.
    Drawn(DrawnCrew),
}

/// A random plan's team draw: from the agency's inspectors free on the visit's day, with
/// no conflict with the enterprise and not on the agency's last visit to it, with the
/// seed of the plan's draw record; the draw is stored beside the record.
#[derive(Debug, Clone)]
pub struct DrawnCrew {
    pub draw_id: Uuid,
    pub seed: DrawSeed,
    pub enterprise: CreditCode,
    pub agency: AgencyCode,
    /// The agency's team on its last visit to the enterprise: they sit this one out.
    pub last_team: BTreeSet<Uuid>,
    /// Inspectors' codes, which the draw sorts and publishes (shared by a firing's
    /// bookings).
    pub codes: Arc<BTreeMap<Uuid, InspectorCode>>,
}

/// Where a booked request landed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Landing {
    Joined { visit_id: Uuid, date: NaiveDate },
    NewVisit { visit_id: Uuid, date: NaiveDate },
    Unscheduled { reason: Reason },
}

/// Why a booking failed.
#[derive(Debug, thiserror::Error)]
pub enum BookingError {
    #[error("database: {0}")]
    Database(#[from] DbErr),
    #[error("the planner refused the snapshot: {0}")]
    Planner(String),
    #[error("too many concurrent bookings for the same agency day; try again")]
    Contended,
    #[error("no such enterprise")]
    UnknownEnterprise,
}

/// A placement that a concurrent booking made impossible: start over.
struct Lost;

/// A finished attempt: the stored request and where it landed, or `None` to start over.
type Attempt = Option<(inspection_request::Model, Landing)>;

/// What else a booking writes in its transaction, once the request is stored: the
/// audit trail, the hazard step that asked for it. It may run again if the booking
/// starts over.
pub trait AlsoWrite: Sync {
    fn write<'a>(
        &'a self,
        txn: &'a DatabaseTransaction,
        request: &'a inspection_request::Model,
        landing: &'a Landing,
    ) -> Pin<Box<dyn Future<Output = Result<(), DbErr>> + Send + 'a>>;
}

/// Books `booking`: stores the request and, when it can be placed, the visit it joins
/// or opens, and whatever `also` writes with them, all in one transaction. `db` may be a
/// transaction of the caller's (a plan's firing), in which the booking is a savepoint.
pub async fn book<C>(
    db: &C,
    calendar: &WorkCalendar,
    today: NaiveDate,
    booking: &NewBooking,
    also: &dyn AlsoWrite,
) -> Result<(inspection_request::Model, Landing), BookingError>
where
    C: Connection,
{
    let request_id = Uuid::now_v7();
    for round in 0..ATTEMPTS {
        match attempt(db, calendar, today, booking, request_id, also).await {
            Ok(Some(done)) => return Ok(done),
            Ok(None) => {}
            // A unique index or SQLite's writer lock caught a concurrent booking.
            Err(BookingError::Database(err)) if is_race(&err) => {}
            Err(err) => return Err(err),
        }
        backoff(round).await;
    }
    Err(BookingError::Contended)
}

/// Waits a random while, longer after each lost race, so that the bookings that lost
/// one do not all come back together and collide again.
async fn backoff(round: usize) {
    use rand::Rng;
    let ceiling = 1u64 << round.min(6);
    let millis = rand::rng().random_range(0..=ceiling);
    tokio::time::sleep(std::time::Duration::from_millis(millis)).await;
}

fn is_race(err: &DbErr) -> bool {
    // A unique index (enterprise-day, inspector-day) caught a concurrent booking, or a
    // re-plan removed the joined visit meanwhile (it holds the tables until it commits:
    // the next attempt sees what it left); any other constraint is a real error.
    if matches!(
        err.sql_err(),
        Some(
            sea_orm::SqlErr::UniqueConstraintViolation(_)
                | sea_orm::SqlErr::ForeignKeyConstraintViolation(_)
        )
    ) {
        return true;
    }
    let text = err.to_string();
    text.contains("database is locked")
        || text.contains("could not serialize")
        || text.contains("deadlock")
}

async fn attempt<C>(
    db: &C,
    calendar: &WorkCalendar,
    today: NaiveDate,
    booking: &NewBooking,
    request_id: Uuid,
    also: &dyn AlsoWrite,
) -> Result<Attempt, BookingError>
where
    C: Connection,
{
    let request = onevisit_scheduler::Request {
        id: request_id.to_string(),
        agency: booking.agency_id.to_string(),
        enterprise: booking.enterprise_id.to_string(),
        earliest: booking.window.start(),
        latest: booking.window.end(),
        inspectors: booking.team_size,
        urgent: booking.kind.is_urgent(),
    };
    // Days already gone are not offered.
    let (placement, eligible) =
        match DateRange::new(booking.window.start().max(today), booking.window.end()) {
            Err(_) => (
                Placement::Unplaceable {
                    reason: Reason::NoOpenDay,
                },
                Vec::new(),
            ),
            Ok(horizon) => {
                // The agency's visits of the window's last two weeks first, and only its
                // visits on the enterprise's days when it has a team there to join: a
                // new visit goes on the latest day with room, and most find one there.
                let near = (horizon.end() - chrono::Days::new(NEAR_DAYS - 1)).max(horizon.start());
                let mut read = Focus {
                    horizon,
                    enterprise: booking.enterprise_id,
                    agency: booking.agency_id,
                    agency_from: near,
                    announced: booking.announced,
                    team_size: booking.team_size,
                    skip_if_joined: true,
                };
                loop {
                    let found = placed(db, calendar, booking, &request, read).await?;
                    if found.settled(read.agency_from) {
                        break (found.placement, found.eligible);
                    }
                    if found.skipped {
                        read.skip_if_joined = false;
                    } else if read.agency_from > horizon.start() {
                        read.agency_from = horizon.start();
                    } else {
                        break (found.placement, found.eligible);
                    }
                }
            }
        };

    let (txn, landing, visit_id) = match placement {
        Placement::Join {
            visit,
            date,
            inspectors,
        } => {
            let visit_id = parse_id(&visit)?;
            let txn = db.begin().await?;
            // A request that joins its agency's team as it is takes nothing of the day.
            lock(&txn, booking, date, !inspectors.is_empty()).await?;
            let team = Team {
                proposed: &inspectors,
                eligible: &eligible,
                crew: &booking.crew,
            };
            match join(&txn, booking, visit_id, date, &team).await {
                Ok(drawn) => (
                    Some((txn, drawn)),
                    Landing::Joined { visit_id, date },
                    Some(visit_id),
                ),
                Err(lost) => return settle(txn, lost).await,
            }
        }
        Placement::NewVisit { date, inspectors } => {
            let txn = db.begin().await?;
            lock(&txn, booking, date, true).await?;
            let team = Team {
                proposed: &inspectors,
                eligible: &eligible,
                crew: &booking.crew,
            };
            match open_visit(&txn, booking, date, &team).await {
                Ok((visit_id, drawn)) => (
                    Some((txn, drawn)),
                    Landing::NewVisit { visit_id, date },
                    Some(visit_id),
                ),
                Err(lost) => return settle(txn, lost).await,
            }
        }
        Placement::Unplaceable { reason } => (None, Landing::Unscheduled { reason }, None),
        Placement::Invalid { error } => {
            return Err(BookingError::Planner(error.to_string()));
        }
    };
    let (status, reason) = match &landing {
        Landing::Unscheduled { reason } => {
            (RequestStatus::Unscheduled, Some(reason.as_str().to_owned()))
        }
        Landing::Joined { .. } | Landing::NewVisit { .. } => (RequestStatus::Scheduled, None),
    };
    let now = Utc::now();
    let row = inspection_request::ActiveModel {
        id: Set(request_id),
        agency_id: Set(booking.agency_id),
        enterprise_id: Set(booking.enterprise_id),
        earliest: Set(booking.window.start()),
        latest: Set(booking.window.end()),
        team_size: Set(i32::try_from(booking.team_size).unwrap_or(i32::MAX)),
        kind: Set(booking.kind.into()),
        topics: Set(serde_json::json!(booking.topics)),
        status: Set(status.into()),
        unscheduled_reason: Set(reason),
        visit_id: Set(visit_id),
        idempotency_key: Set(booking.idempotency_key.clone()),
        body_hash: Set(booking.body_hash.clone()),
        announced: Set(booking.announced),
        created_at: Set(now),
        updated_at: Set(now),
    };
    // An unplaceable request takes no lock, but what `also` writes goes with it.
    let (txn, drawn) = match txn {
        Some(placed) => placed,
        None => (db.begin().await?, None),
    };
    let stored = row.insert(&txn).await?;
    if let (Some(draw), Crew::Drawn(crew)) = (drawn, &booking.crew) {
        inspector_draw::ActiveModel {
            id: Set(Uuid::now_v7()),
            draw_id: Set(crew.draw_id),
            request_id: Set(request_id),
            agency_id: Set(booking.agency_id),
            record: Set(serde_json::to_value(&draw).map_err(|e| DbErr::Custom(e.to_string()))?),
        }
        .insert(&txn)
        .await?;
    }
    also.write(&txn, &stored, &landing).await?;
    txn.commit().await?;
    Ok(Some((stored, landing)))
}

/// How many days at the end of a window a booking first reads the agency's visits of.
const NEAR_DAYS: u64 = 14;

/// Where the planner places a request, from a snapshot read as `focus` says: the
/// placement and, with a day chosen, every inspector who could go that day (in case the
/// proposed ones are taken by the time the day is locked).
struct Found {
    placement: Placement,
    eligible: Vec<String>,
    /// Whether the agency's days were left out ([`Focus::skip_if_joined`]).
    skipped: bool,
}

impl Found {
    /// Whether the placement is the one a snapshot of the whole window gives.
    ///
    /// With the agency's days left out, only a join of its team as it is: the
    /// enterprise's visits and the agency's visits on their days decide it (nothing can
    /// need fewer extra inspectors), where any other answer could have taken a day or
    /// an inspector that the snapshot did not see.
    ///
    /// Seeing the agency's visits from `agency_from` on (and on the enterprise's visit
    /// days), a join is, as are a new visit from `agency_from` on, as the planner takes
    /// the latest day with room and every later day was seen. Before it, a day could
    /// look free that is not. Nothing placeable is placeable in the whole window either,
    /// as the unseen days failed on what is seen; but only the enterprise's reasons tell
    /// the same story.
    fn settled(&self, agency_from: NaiveDate) -> bool {
        match &self.placement {
            Placement::Join { inspectors, .. } => !self.skipped || inspectors.is_empty(),
            _ if self.skipped => false,
            Placement::Invalid { .. } => true,
            Placement::NewVisit { date, .. } => *date >= agency_from,
            Placement::Unplaceable { reason } => matches!(
                reason,
                Reason::UnknownReference | Reason::NoOpenDay | Reason::EnterpriseCap
            ),
        }
    }
}

async fn placed<C: ConnectionTrait>(
    db: &C,
    calendar: &WorkCalendar,
    booking: &NewBooking,
    request: &onevisit_scheduler::Request,
    focus: Focus,
) -> Result<Found, BookingError> {
    let mut snapshot = planning::snapshot(db, calendar, focus)
        .await?
        .ok_or(BookingError::UnknownEnterprise)?;
    if let Crew::Drawn(crew) = &booking.crew {
        // To the planner, the last team has a conflict with the enterprise: it finds a
        // day with enough other inspectors free.
        let enterprise = booking.enterprise_id.to_string();
        for inspector in &mut snapshot.problem.inspectors {
            if inspector
                .id
                .parse()
                .is_ok_and(|i: Uuid| crew.last_team.contains(&i))
            {
                inspector.conflicts.push(enterprise.clone());
            }
        }
    }
    let index = PlanIndex::new(&snapshot.problem, &snapshot.plan)
        .map_err(|e| BookingError::Planner(e.to_string()))?;
    let placement = place(&index, request);
    let eligible = match &placement {
        Placement::Join { date, .. } | Placement::NewVisit { date, .. } => {
            index.eligible(request, *date)
        }
        Placement::Unplaceable { .. } | Placement::Invalid { .. } => Vec::new(),
    };
    Ok(Found {
        placement,
        eligible,
        skipped: snapshot.skipped,
    })
}

/// Ends an attempt whose write failed: a lost race starts over, anything else is an error.
async fn settle(
    txn: DatabaseTransaction,
    lost: Result<Lost, DbErr>,
) -> Result<Attempt, BookingError> {
    txn.rollback().await?;
    match lost {
        Ok(Lost) => Ok(None),
        Err(err) => Err(err.into()),
    }
}

fn parse_id(raw: &str) -> Result<Uuid, BookingError> {
    raw.parse()
        .map_err(|_| BookingError::Planner(format!("the planner named an unknown id {raw}")))
}

/// Serialises bookings of one enterprise and, when `agency_day` (the booking takes some
/// of the agency's capacity or inspectors that day), of one agency day.
async fn lock(
    txn: &DatabaseTransaction,
    booking: &NewBooking,
    date: NaiveDate,
    agency_day: bool,
) -> Result<(), DbErr> {
    match txn.get_database_backend() {
        DbBackend::Postgres => {
            // Always the agency day first, then the enterprise: no two bookings wait on
            // each other in a circle.
            let enterprise = enterprise_key(booking.enterprise_id);
            if agency_day {
                advisory_locks(txn, &[agency_day_key(booking.agency_id, date), enterprise]).await?;
            } else {
                advisory_locks(txn, &[enterprise]).await?;
            }
        }
        _ => {
            // A write takes SQLite's one writer lock now, before the checks read anything.
            agency::Entity::update_many()
                .col_expr(
                    agency::Column::DailyCapacity,
                    sea_orm::sea_query::Expr::col(agency::Column::DailyCapacity),
                )
                .filter(agency::Column::Id.eq(booking.agency_id))
                .exec(txn)
                .await?;
        }
    }
    Ok(())
}

/// Serialises a change to an enterprise's visits or their requests (a status change, a
/// cancelled request) with the bookings of that enterprise, which join visits only under
/// this lock ([`lock`] takes it last, after the agency day, so no two transactions wait
/// on each other in a circle): a booking cannot join a visit, or a team, that is being
/// taken away. On SQLite the change's own first write takes the one writer lock.
pub async fn lock_enterprise(txn: &DatabaseTransaction, enterprise_id: Uuid) -> Result<(), DbErr> {
    if txn.get_database_backend() == DbBackend::Postgres {
        advisory_locks(txn, &[enterprise_key(enterprise_id)]).await?;
    }
    Ok(())
}

/// Takes PostgreSQL's transaction-scoped advisory locks of `keys`, in their order (a
/// select list is evaluated in order), in one round trip.
pub async fn advisory_locks(txn: &DatabaseTransaction, keys: &[String]) -> Result<(), DbErr> {
    let locks: Vec<String> = (1..=keys.len())
        .map(|i| format!("pg_advisory_xact_lock(hashtext(${i}))"))
        .collect();
    txn.execute_raw(Statement::from_sql_and_values(
        DbBackend::Postgres,
        format!("SELECT {}", locks.join(", ")),
        keys.iter().map(|k| sea_orm::Value::from(k.as_str())),
    ))
    .await?;
    Ok(())
}

/// The advisory lock key of an enterprise.
pub fn enterprise_key(enterprise_id: Uuid) -> String {
    format!("enterprise:{enterprise_id}")
}

/// The advisory lock key of an agency's day.
pub fn agency_day_key(agency_id: Uuid, date: NaiveDate) -> String {
    format!("agency-day:{agency_id}:{date}")
}

/// Whether the agency can take one more visit on `date`.
async fn agency_has_room(
    txn: &DatabaseTransaction,
    agency_id: Uuid,
    date: NaiveDate,
) -> Result<bool, DbErr> {
    // The capacity and the visits that hold it, in one round trip under the lock.
    let taken = Query::select()
        .expr(Expr::cust("COUNT(*)"))
        .from(joint_visit::Entity)
        .and_where(joint_visit::Column::VisitDate.eq(date))
        .and_where(joint_visit::Column::Status.is_in(HOLDING.map(Stored)))
        .and_where(
            joint_visit::Column::Id.in_subquery(
                Query::select()
                    .column(visit_team::Column::VisitId)
                    .from(visit_team::Entity)
                    .and_where(visit_team::Column::AgencyId.eq(agency_id))
                    .and_where(visit_team::Column::VisitDate.eq(date))
                    .to_owned(),
            ),
        )
        .to_owned();
    let query = Query::select()
        .column(agency::Column::DailyCapacity)
        .expr_as(
            Expr::SubQuery(None, Box::new(taken.into_sub_query_statement())),
            "taken",
        )
        .from(agency::Entity)
        .and_where(agency::Column::Id.eq(agency_id))
        .to_owned();
    let Some(row) = txn.query_one(&query).await? else {
        return Ok(false);
    };
    let capacity: i32 = row.try_get("", "daily_capacity")?;
    let taken: i64 = row.try_get("", "taken")?;
    Ok(taken < i64::from(capacity))
}

/// The inspectors a placement asks for, whom else the agency could send that day, and
/// how the team is chosen.
struct Team<'a> {
    proposed: &'a [String],
    eligible: &'a [String],
    crew: &'a Crew,
}

/// What a placement wrote of the team: the draw, when it was drawn.
type Assigned = Option<InspectorDraw>;

/// Assigns the team to the visit. Under the agency day's lock, a proposed inspector that
/// a concurrent booking took meanwhile is replaced by the next eligible free one, so that
/// bookings of one day do not all fail on the same least-loaded inspectors. A drawn crew
/// is drawn here, from the eligible inspectors still free.
async fn assign(
    txn: &DatabaseTransaction,
    visit_id: Uuid,
    agency_id: Uuid,
    date: NaiveDate,
    team: &Team<'_>,
) -> Result<Assigned, Result<Lost, DbErr>> {
    if team.proposed.is_empty() {
        return Ok(None);
    }
    let busy: BTreeSet<String> = visit_inspector::Entity::find()
        .select_only()
        .column(visit_inspector::Column::InspectorId)
        .filter(visit_inspector::Column::AgencyId.eq(agency_id))
        .filter(visit_inspector::Column::VisitDate.eq(date))
        .into_tuple::<Uuid>()
        .all(txn)
        .await
        .map_err(Err)?
        .into_iter()
        .map(|i| i.to_string())
        .collect();
    let (chosen, drawn) = match team.crew {
        Crew::Planned => (planned(team, &busy)?, None),
        Crew::Drawn(crew) => {
            let (chosen, draw) = drawn(crew, team, &busy, date)?;
            (chosen, Some(draw))
        }
    };
    let mut rows = Vec::with_capacity(chosen.len());
    for inspector_id in chosen {
        rows.push(visit_inspector::ActiveModel {
            visit_id: Set(visit_id),
            inspector_id: Set(inspector_id),
            agency_id: Set(agency_id),
            visit_date: Set(date),
        });
    }
    visit_inspector::Entity::insert_many(rows)
        .exec_without_returning(txn)
        .await
        .map_err(Err)?;
    Ok(drawn)
}

/// The proposed inspectors still free, the next eligible free ones for those taken.
fn planned(team: &Team<'_>, busy: &BTreeSet<String>) -> Result<Vec<Uuid>, Result<Lost, DbErr>> {
    let mut chosen: Vec<&String> = team
        .proposed
        .iter()
        .filter(|i| !busy.contains(*i))
        .collect();
    for candidate in team.eligible {
        if chosen.len() >= team.proposed.len() {
            break;
        }
        if !busy.contains(candidate) && !chosen.contains(&candidate) {
            chosen.push(candidate);
        }
    }
    if chosen.len() < team.proposed.len() {
        return Err(Ok(Lost));
    }
    chosen
        .into_iter()
        .map(|i| i.parse().map_err(|_| Ok(Lost)))
        .collect()
}

/// As many inspectors as the placement asks for, drawn from the eligible ones still free
/// (the planner already left out the last team, as conflicted). Too few left: a
/// concurrent booking took them, start over.
fn drawn(
    crew: &DrawnCrew,
    team: &Team<'_>,
    busy: &BTreeSet<String>,
    date: NaiveDate,
) -> Result<(Vec<Uuid>, InspectorDraw), Result<Lost, DbErr>> {
    let size = TeamSize::new(i64::try_from(team.proposed.len()).unwrap_or(i64::MAX))
        .map_err(|_| Ok(Lost))?;
    let free: BTreeMap<&InspectorCode, Uuid> = team
        .eligible
        .iter()
        .filter(|i| !busy.contains(*i))
        .filter_map(|i| i.parse::<Uuid>().ok())
        .filter(|i| !crew.last_team.contains(i))
        .filter_map(|i| Some((crew.codes.get(&i)?, i)))
        .collect();
    let draw = draw_from_eligible(
        &crew.seed,
        &crew.enterprise,
        &crew.agency,
        size,
        date,
        free.keys().map(|&c| c.clone()),
    )
    .map_err(|_| Ok(Lost))?;
    let chosen = draw
        .drawn
        .iter()
        .filter_map(|c| free.get(c).copied())
        .collect();
    Ok((chosen, draw))
}

async fn join(
    txn: &DatabaseTransaction,
    booking: &NewBooking,
    visit_id: Uuid,
    date: NaiveDate,
    wanted: &Team<'_>,
) -> Result<Assigned, Result<Lost, DbErr>> {
    let inspectors = wanted.proposed;
    let Some(visit) = joined_visit(txn, visit_id, booking.agency_id)
        .await
        .map_err(Err)?
    else {
        return Err(Ok(Lost));
    };
    if !(planning::joinable(visit.status.0)
        && visit.date == date
        && visit.announced == booking.announced)
    {
        return Err(Ok(Lost));
    }
    let size = i32::try_from(booking.team_size).unwrap_or(i32::MAX);
    // Whether the visit changes for the enterprise: a team joins, grows or gains members.
    let changed = !inspectors.is_empty() || visit.team_size.is_none_or(|t| size > t);
    match visit.team_size {
        Some(team_size) => {
            let wanted = usize::try_from(size.max(team_size)).unwrap_or(0);
            if usize::try_from(visit.members).unwrap_or(0) + inspectors.len() != wanted {
                return Err(Ok(Lost));
            }
            if size > team_size {
                visit_team::Entity::update_many()
                    .col_expr(visit_team::Column::TeamSize, Expr::value(size))
                    .filter(visit_team::Column::VisitId.eq(visit_id))
                    .filter(visit_team::Column::AgencyId.eq(booking.agency_id))
                    .exec(txn)
                    .await
                    .map_err(Err)?;
            }
        }
        None => {
            if !agency_has_room(txn, booking.agency_id, date)
                .await
                .map_err(Err)?
                || inspectors.len() != usize::try_from(size).unwrap_or(0)
            {
                return Err(Ok(Lost));
            }
            visit_team::ActiveModel {
                visit_id: Set(visit_id),
                agency_id: Set(booking.agency_id),
                visit_date: Set(date),
                team_size: Set(size),
            }
            .insert(txn)
            .await
            .map_err(Err)?;
        }
    }
    let drawn = assign(txn, visit_id, booking.agency_id, date, wanted).await?;
    if changed {
        touch(txn, visit_id).await.map_err(Err)?;
    }
    Ok(drawn)
}

/// A visit as a request joining it finds it: its status, day and kind, and the joining
/// agency's team in it (its size and how many inspectors it has).
struct JoinedVisit {
    status: Stored<VisitStatus>,
    date: NaiveDate,
    announced: bool,
    team_size: Option<i32>,
    members: i64,
}

/// Reads [`JoinedVisit`] in one round trip.
async fn joined_visit(
    txn: &DatabaseTransaction,
    visit_id: Uuid,
    agency_id: Uuid,
) -> Result<Option<JoinedVisit>, DbErr> {
    use sea_orm::sea_query::ExprTrait;
    let (v, t, m) = (
        joint_visit::Entity,
        visit_team::Entity,
        visit_inspector::Entity,
    );
    let members = Query::select()
        .expr(Expr::cust("COUNT(*)"))
        .from(m)
        .and_where(visit_inspector::Column::VisitId.eq(visit_id))
        .and_where(visit_inspector::Column::AgencyId.eq(agency_id))
        .to_owned();
    let query = Query::select()
        .column((v, joint_visit::Column::Status))
        .column((v, joint_visit::Column::VisitDate))
        .column((v, joint_visit::Column::Announced))
        .column((t, visit_team::Column::TeamSize))
        .expr_as(
            Expr::SubQuery(None, Box::new(members.into_sub_query_statement())),
            "members",
        )
        .from(v)
        .left_join(
            t,
            Expr::col((t, visit_team::Column::VisitId))
                .equals((v, joint_visit::Column::Id))
                .and(Expr::col((t, visit_team::Column::AgencyId)).eq(agency_id)),
        )
        .and_where(joint_visit::Column::Id.eq(visit_id))
        .to_owned();
    let Some(row) = txn.query_one(&query).await? else {
        return Ok(None);
    };
    Ok(Some(JoinedVisit {
        status: row.try_get("", "status")?,
        date: row.try_get("", "visit_date")?,
        announced: row.try_get("", "announced")?,
        team_size: row.try_get("", "team_size")?,
        members: row.try_get("", "members")?,
    }))
}

async fn touch(txn: &DatabaseTransaction, visit_id: Uuid) -> Result<(), DbErr> {
    joint_visit::Entity::update_many()
        .col_expr(
            joint_visit::Column::UpdatedAt,
            sea_orm::sea_query::Expr::value(Utc::now()),
        )
        .filter(joint_visit::Column::Id.eq(visit_id))
        .exec(txn)
        .await?;
    Ok(())
}

async fn open_visit(
    txn: &DatabaseTransaction,
    booking: &NewBooking,
    date: NaiveDate,
    team: &Team<'_>,
) -> Result<(Uuid, Assigned), Result<Lost, DbErr>> {
    if !agency_has_room(txn, booking.agency_id, date)
        .await
        .map_err(Err)?
    {
        return Err(Ok(Lost));
    }
    if !booking.kind.is_urgent() {
        let cap = crate::entities::enterprise::Entity::find_by_id(booking.enterprise_id)
            .one(txn)
            .await
            .map_err(Err)?
            .and_then(|e| e.burden_cap);
        if let Some(cap) = cap {
            let counted = planning::counted_in_quarter(txn, booking.enterprise_id, date)
                .await
                .map_err(Err)?;
            if i64::from(counted) >= i64::from(cap) {
                return Err(Ok(Lost));
            }
        }
    }
    let now = Utc::now();
    let visit_id = Uuid::now_v7();
    joint_visit::ActiveModel {
        id: Set(visit_id),
        enterprise_id: Set(booking.enterprise_id),
        visit_date: Set(date),
        status: Set(VisitStatus::Proposed.into()),
        announced: Set(booking.announced),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(txn)
    .await
    .map_err(Err)?;
    visit_team::ActiveModel {
        visit_id: Set(visit_id),
        agency_id: Set(booking.agency_id),
        visit_date: Set(date),
        team_size: Set(i32::try_from(booking.team_size).unwrap_or(i32::MAX)),
    }
    .insert(txn)
    .await
    .map_err(Err)?;
    let drawn = assign(txn, visit_id, booking.agency_id, date, team).await?;
    Ok((visit_id, drawn))
}
