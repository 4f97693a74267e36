//! What the API shows of requests, visits and enterprises, loaded in batches.

use crate::entities::{
    agency, enterprise, inspection_request, inspector, joint_visit, visit_inspector, visit_team,
};
use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::sea_query::{Alias, Expr, ExprTrait, JoinType, Order, Query, SelectStatement};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, DbErr, EntityTrait, PaginatorTrait, QueryFilter,
    QueryResult, QuerySelect, RelationTrait,
};
use serde::Serialize;
use std::collections::BTreeMap;
use utoipa::ToSchema;
use uuid::Uuid;

/// An inspection request.
#[derive(Debug, Clone, Serialize, serde::Deserialize, ToSchema)]
pub struct RequestView {
    pub id: Uuid,
    /// The agency's code (`fire`).
    pub agency: String,
    pub enterprise_id: Uuid,
    pub earliest: NaiveDate,
    pub latest: NaiveDate,
    pub team_size: i32,
    /// routine, follow_up or urgent.
    pub kind: String,
    /// Whether the enterprise is told of the visit beforehand (tip-offs and unannounced
    /// plans' requests are not); it shares a visit only with requests alike.
    pub announced: bool,
    pub topics: Vec<String>,
    /// open (not planned yet), scheduled, unscheduled or cancelled.
    pub status: String,
    /// Why it could not be placed (plan-format reason codes).
    pub unscheduled_reason: Option<String>,
    pub visit_id: Option<Uuid>,
    pub created_at: DateTime<Utc>,
}

/// An inspector on a visit.
#[derive(Debug, Clone, Serialize, serde::Deserialize, ToSchema)]
pub struct TeamMember {
    pub id: Uuid,
    pub code: String,
    pub name: String,
}

/// One agency's team on a visit.
#[derive(Debug, Clone, Serialize, serde::Deserialize, ToSchema)]
pub struct TeamView {
    /// The agency's code.
    pub agency: String,
    pub agency_name: String,
    pub team_size: i32,
    pub inspectors: Vec<TeamMember>,
}

/// A joint visit.
#[derive(Debug, Clone, Serialize, serde::Deserialize, ToSchema)]
pub struct VisitView {
    pub id: Uuid,
    pub enterprise_id: Uuid,
    pub enterprise_name: String,
    pub date: NaiveDate,
    /// proposed, confirmed, in_progress, completed or cancelled.
    pub status: String,
    /// Whether the enterprise is told in advance (double-random checks are not).
    pub announced: bool,
    pub teams: Vec<TeamView>,
}

/// Requests as the API shows them.
pub async fn requests<C: ConnectionTrait>(
    db: &C,
    rows: Vec<inspection_request::Model>,
) -> Result<Vec<RequestView>, DbErr> {
    let agencies: BTreeMap<Uuid, String> = agency::Entity::find()
        .all(db)
        .await?
        .into_iter()
        .map(|a| (a.id, a.code))
        .collect();
    Ok(rows
        .into_iter()
        .map(|r| {
            let agency = agencies.get(&r.agency_id).cloned().unwrap_or_default();
            RequestView::of(r, agency)
        })
        .collect())
}

impl RequestView {
    /// Request `r`, of the agency whose code is `agency`.
    pub fn of(r: inspection_request::Model, agency: String) -> Self {
        Self {
            id: r.id,
            agency,
            enterprise_id: r.enterprise_id,
            earliest: r.earliest,
            latest: r.latest,
            team_size: r.team_size,
            kind: r.kind.to_string(),
            announced: r.announced,
            topics: serde_json::from_value(r.topics).unwrap_or_default(),
            status: r.status.to_string(),
            unscheduled_reason: r.unscheduled_reason,
            visit_id: r.visit_id,
            created_at: r.created_at,
        }
    }
}

impl VisitView {
    /// Adds to `select`, which reads `joint_visits` and `enterprises`, the columns
    /// [`VisitView::read`] reads.
    fn columns(select: &mut SelectStatement) {
        let (v, e) = (joint_visit::Entity, enterprise::Entity);
        select
            .expr_as(Expr::col((v, joint_visit::Column::Id)), "id")
            .expr_as(
                Expr::col((v, joint_visit::Column::EnterpriseId)),
                "enterprise_id",
            )
            .expr_as(Expr::col((e, enterprise::Column::Name)), "enterprise_name")
            .expr_as(Expr::col((v, joint_visit::Column::VisitDate)), "visit_date")
            .expr_as(Expr::col((v, joint_visit::Column::Status)), "status")
            .expr_as(Expr::col((v, joint_visit::Column::Announced)), "announced");
    }

    /// Visit `id` from a row of [`VisitView::columns`]; its teams are added after.
    fn read(id: Uuid, row: &QueryResult) -> Result<Self, DbErr> {
        Ok(Self {
            id,
            enterprise_id: row.try_get("", "enterprise_id")?,
            enterprise_name: row.try_get("", "enterprise_name")?,
            date: row.try_get("", "visit_date")?,
            status: row.try_get("", "status")?,
            announced: row.try_get("", "announced")?,
            teams: Vec::new(),
        })
    }
}

/// What a booking answers, in one query: the code of the booking agency `agency` and,
/// when the request landed in one, visit `visit` with its teams.
pub async fn booked<C: ConnectionTrait>(
    db: &C,
    agency: Uuid,
    visit: Option<Uuid>,
) -> Result<(String, Option<VisitView>), DbErr> {
    let booking_agency = Alias::new("booking_agency");
    let (v, e) = (joint_visit::Entity, enterprise::Entity);
    let mut query = Query::select();
    query.expr_as(
        Expr::col((booking_agency.clone(), agency::Column::Code)),
        "booking_agency_code",
    );
    VisitView::columns(&mut query);
    query
        .from_as(agency::Entity, booking_agency.clone())
        .left_join(
            v,
            match visit {
                Some(visit) => Expr::col((v, joint_visit::Column::Id)).eq(visit),
                None => Expr::cust("1 = 0"),
            },
        )
        .left_join(
            e,
            Expr::col((e, enterprise::Column::Id)).equals((v, joint_visit::Column::EnterpriseId)),
        )
        .and_where(Expr::col((booking_agency, agency::Column::Id)).eq(agency));
    query.left_join(
        visit_team::Entity,
        Expr::col((visit_team::Entity, visit_team::Column::VisitId))
            .equals((v, joint_visit::Column::Id)),
    );
    with_teams(&mut query, JoinType::LeftJoin);
    let rows = db.query_all(&query).await?;
    let Some(first) = rows.first() else {
        return Err(DbErr::RecordNotFound(format!("agency {agency}")));
    };
    let code: String = first.try_get("", "booking_agency_code")?;
    let Some(id) = first.try_get::<Option<Uuid>>("", "id")? else {
        return Ok((code, None));
    };
    let mut view = VisitView::read(id, first)?;
    for row in &rows {
        add_team_row(&mut view.teams, row)?;
    }
    Ok((code, Some(view)))
}

/// Visits as the API shows them, with each agency's team, in the order of `rows`.
pub async fn visits<C: ConnectionTrait>(
    db: &C,
    rows: Vec<joint_visit::Model>,
) -> Result<Vec<VisitView>, DbErr> {
    let enterprises: BTreeMap<Uuid, String> = enterprise::Entity::find()
        .select_only()
        .column(enterprise::Column::Id)
        .column(enterprise::Column::Name)
        .filter(enterprise::Column::Id.is_in(rows.iter().map(|v| v.enterprise_id)))
        .into_tuple()
        .all(db)
        .await?
        .into_iter()
        .collect();
    let mut teams = teams_of(db, rows.iter().map(|v| v.id)).await?;
    Ok(rows
        .into_iter()
        .map(|v| VisitView {
            id: v.id,
            enterprise_name: enterprises
                .get(&v.enterprise_id)
                .cloned()
                .unwrap_or_default(),
            enterprise_id: v.enterprise_id,
            date: v.visit_date,
            status: v.status.to_string(),
            announced: v.announced,
            teams: teams.remove(&v.id).unwrap_or_default(),
        })
        .collect())
}

/// One page of the visits that match `filter`, by date, and how many match in all: the
/// page with its enterprises' names and its count in one query, the teams in a second.
pub async fn visit_page<C: ConnectionTrait>(
    db: &C,
    filter: Condition,
    limit: u64,
    offset: u64,
) -> Result<(Vec<VisitView>, u64), DbErr> {
    let mut page = Query::select();
    VisitView::columns(&mut page);
    // Counted before the limit applies: the page and the total in one round trip.
    page.expr_as(Expr::cust("COUNT(*) OVER ()"), "total")
        .from(joint_visit::Entity)
        .inner_join(enterprise::Entity, joint_visit::Relation::Enterprise.def())
        .cond_where(filter.clone())
        .order_by(
            (joint_visit::Entity, joint_visit::Column::VisitDate),
            Order::Asc,
        )
        .order_by((joint_visit::Entity, joint_visit::Column::Id), Order::Asc)
        .limit(limit)
        .offset(offset);
    let rows = db.query_all(&page).await?;
    let total = match rows.first() {
        Some(row) => u64::try_from(row.try_get::<i64>("", "total")?).unwrap_or(0),
        // Past the last page the rows cannot tell the total.
        None if offset > 0 => joint_visit::Entity::find().filter(filter).count(db).await?,
        None => 0,
    };
    let mut views = Vec::with_capacity(rows.len());
    for row in &rows {
        views.push(VisitView::read(row.try_get("", "id")?, row)?);
    }
    let mut teams = teams_of(db, views.iter().map(|v| v.id)).await?;
    for view in &mut views {
        view.teams = teams.remove(&view.id).unwrap_or_default();
    }
    Ok((views, total))
}

/// Each visit's teams (by agency code) with their inspectors (by code), in one query.
async fn teams_of<C: ConnectionTrait>(
    db: &C,
    visits: impl IntoIterator<Item = Uuid>,
) -> Result<BTreeMap<Uuid, Vec<TeamView>>, DbErr> {
    let ids: Vec<Uuid> = visits.into_iter().collect();
    let mut teams_of: BTreeMap<Uuid, Vec<TeamView>> = BTreeMap::new();
    if ids.is_empty() {
        return Ok(teams_of);
    }
    let mut query = Query::select();
    query
        .column((visit_team::Entity, visit_team::Column::VisitId))
        .from(visit_team::Entity)
        .and_where(Expr::col((visit_team::Entity, visit_team::Column::VisitId)).is_in(ids))
        .order_by(
            (visit_team::Entity, visit_team::Column::VisitId),
            Order::Asc,
        );
    with_teams(&mut query, JoinType::InnerJoin);
    for row in db.query_all(&query).await? {
        let visit: Uuid = row.try_get("", "visit_id")?;
        add_team_row(teams_of.entry(visit).or_default(), &row)?;
    }
    Ok(teams_of)
}

/// Adds to `select`, which reads `visit_teams`, the teams' agencies (joined with `join`:
/// inner, or left when a row may have no team) and their inspectors, by agency and
/// inspector code; rows read by [`add_team_row`].
fn with_teams(select: &mut SelectStatement, join: JoinType) {
    select
        .expr_as(
            Expr::col((visit_team::Entity, visit_team::Column::TeamSize)),
            "team_size",
        )
        .expr_as(
            Expr::col((agency::Entity, agency::Column::Code)),
            "agency_code",
        )
        .expr_as(
            Expr::col((agency::Entity, agency::Column::Name)),
            "agency_name",
        )
        .expr_as(
            Expr::col((inspector::Entity, inspector::Column::Id)),
            "inspector_id",
        )
        .expr_as(
            Expr::col((inspector::Entity, inspector::Column::Code)),
            "inspector_code",
        )
        .expr_as(
            Expr::col((inspector::Entity, inspector::Column::Name)),
            "inspector_name",
        )
        .join(join, agency::Entity, visit_team::Relation::Agency.def())
        .left_join(
            visit_inspector::Entity,
            Expr::col((visit_inspector::Entity, visit_inspector::Column::VisitId))
                .equals((visit_team::Entity, visit_team::Column::VisitId))
                .and(
                    Expr::col((visit_inspector::Entity, visit_inspector::Column::AgencyId))
                        .equals((visit_team::Entity, visit_team::Column::AgencyId)),
                ),
        )
        .left_join(
            inspector::Entity,
            visit_inspector::Relation::Inspector.def(),
        )
        .order_by((agency::Entity, agency::Column::Code), Order::Asc)
        .order_by((inspector::Entity, inspector::Column::Code), Order::Asc);
}

/// Adds a row of [`with_teams`] to a visit's `teams` (rows come by agency): a new team,
/// or an inspector of the last one. A row without a team adds nothing.
fn add_team_row(teams: &mut Vec<TeamView>, row: &QueryResult) -> Result<(), DbErr> {
    let Some(agency) = row.try_get::<Option<String>>("", "agency_code")? else {
        return Ok(());
    };
    if teams.last().is_none_or(|t| t.agency != agency) {
        teams.push(TeamView {
            agency,
            agency_name: row.try_get("", "agency_name")?,
            team_size: row.try_get("", "team_size")?,
            inspectors: Vec::new(),
        });
    }
    let member: Option<Uuid> = row.try_get("", "inspector_id")?;
    if let (Some(id), Some(team)) = (member, teams.last_mut()) {
        team.inspectors.push(TeamMember {
            id,
            code: row.try_get("", "inspector_code")?,
            name: row.try_get("", "inspector_name")?,
        });
    }
    Ok(())
}
