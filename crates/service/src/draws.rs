//! The public side of double-random inspections (双随机、一公开): every draw record
//! (plan, pool of credit codes, seed, size, result) with its digest and its team draws,
//! a check anyone can run on a record, and the completed random inspections without
//! private details. No login. Records cannot be changed: the database refuses UPDATE
//! and DELETE on them. An unannounced plan's record is sealed until its visits are
//! past: its digest is public from the draw on, the record itself from `sealed_until`.

use crate::ServiceError;
use crate::entities::{
    Stored, agency, draw_record, enterprise, inspection_plan, inspection_request, inspector_draw,
    joint_visit, plan_request,
};
use crate::periodic::stored_draw;
use chrono::{DateTime, NaiveDate, Utc};
use onevisit_domain::VisitStatus;
use onevisit_scheduler::periodic::{InspectorDraw, verify, verify_inspectors};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DbErr, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder,
    QuerySelect,
};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

/// A published draw.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct DrawView {
    pub id: Uuid,
    pub plan_id: Uuid,
    /// The tick the plan fired for.
    pub tick: DateTime<Utc>,
    pub drawn_at: DateTime<Utc>,
    /// `{"plan", "pool", "seed", "size", "result"}`: recompute `result` from the rest
    /// as the README's "Double-random draws" section says. Absent while sealed.
    #[schema(value_type = Option<Object>)]
    pub record: Option<serde_json::Value>,
    /// The team draws, one per drawn enterprise and agency that needed inspectors:
    /// `{"enterprise", "agency", "date", "eligible", "team_size", "drawn"}`, drawn with
    /// the record's seed. Empty while sealed.
    #[schema(value_type = Vec<Object>)]
    pub teams: Vec<serde_json::Value>,
    /// SHA-256 of the record's canonical text, published when drawn.
    pub digest: String,
    /// The record and its teams are published from this day on (an unannounced plan).
    pub sealed_until: Option<NaiveDate>,
    /// Whether the stored record recomputes to its result and digest, and each team
    /// draw to its inspectors, right now.
    pub verified: bool,
}

fn view(row: draw_record::Model, teams: Vec<inspector_draw::Model>, today: NaiveDate) -> DrawView {
    let record = stored_draw(&row).ok();
    let teams_true = teams.iter().all(|t| {
        serde_json::from_value::<InspectorDraw>(t.record.clone()).is_ok_and(|team| {
            record.as_ref().is_some_and(|r| {
                r.result.contains(&team.enterprise) && verify_inspectors(&r.seed, &team)
            })
        })
    });
    let verified = teams_true
        && record
            .as_ref()
            .is_some_and(|r| verify(r) && r.digest() == row.digest);
    let sealed = row.sealed_until.is_some_and(|day| today < day);
    DrawView {
        id: row.id,
        plan_id: row.plan_id,
        tick: row.tick,
        drawn_at: row.drawn_at,
        record: (!sealed).then_some(row.record),
        teams: if sealed {
            Vec::new()
        } else {
            teams.into_iter().map(|t| t.record).collect()
        },
        digest: row.digest,
        sealed_until: row.sealed_until,
        verified,
    }
}

/// The team draws of `draws`, by draw.
async fn teams_of<C: ConnectionTrait>(
    db: &C,
    draws: impl IntoIterator<Item = Uuid>,
) -> Result<BTreeMap<Uuid, Vec<inspector_draw::Model>>, DbErr> {
    let mut out: BTreeMap<Uuid, Vec<inspector_draw::Model>> = BTreeMap::new();
    for t in inspector_draw::Entity::find()
        .filter(inspector_draw::Column::DrawId.is_in(draws))
        .order_by_asc(inspector_draw::Column::Id)
        .all(db)
        .await?
    {
        out.entry(t.draw_id).or_default().push(t);
    }
    Ok(out)
}

/// Filters of the draw list.
#[derive(Debug, Clone, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct DrawFilter {
    pub plan_id: Option<Uuid>,
    /// How many items, 1 to 500 (default 50).
    #[param(minimum = 1, maximum = 500)]
    pub limit: Option<u64>,
    pub offset: Option<u64>,
}

/// One page of the draw records as published on `today`, newest first, and how many
/// match in all.
pub async fn list_draws<C: ConnectionTrait>(
    db: &C,
    today: NaiveDate,
    filter: &DrawFilter,
    (limit, offset): (u64, u64),
) -> Result<(Vec<DrawView>, u64), ServiceError> {
    let mut query = draw_record::Entity::find();
    if let Some(plan) = filter.plan_id {
        query = query.filter(draw_record::Column::PlanId.eq(plan));
    }
    let total = query.clone().count(db).await?;
    let rows = query
        .order_by_desc(draw_record::Column::DrawnAt)
        .order_by_desc(draw_record::Column::Id)
        .limit(limit)
        .offset(offset)
        .all(db)
        .await?;
    let mut teams = teams_of(db, rows.iter().map(|r| r.id)).await?;
    let items = rows
        .into_iter()
        .map(|row| {
            let own = teams.remove(&row.id).unwrap_or_default();
            view(row, own, today)
        })
        .collect();
    Ok((items, total))
}

/// One draw record as published on `today`.
pub async fn get_draw<C: ConnectionTrait>(
    db: &C,
    today: NaiveDate,
    id: Uuid,
) -> Result<DrawView, ServiceError> {
    let row = draw_record::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or(ServiceError::NotFound)?;
    let teams = teams_of(db, [id]).await?.remove(&id).unwrap_or_default();
    Ok(view(row, teams, today))
}

/// A completed random inspection, as published: no inspectors, no findings.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct RandomInspectionView {
    pub draw_id: Uuid,
    pub plan: String,
    pub credit_code: String,
    pub enterprise_name: String,
    pub date: NaiveDate,
    /// The agencies' codes.
    pub agencies: Vec<String>,
}

/// Completed random inspections, newest first (at most 500).
pub async fn random_inspections<C: ConnectionTrait>(
    db: &C,
) -> Result<Vec<RandomInspectionView>, ServiceError> {
    let links = plan_request::Entity::find()
        .filter(plan_request::Column::DrawId.is_not_null())
        .all(db)
        .await?;
    let by_request: BTreeMap<Uuid, (Uuid, Uuid)> = links
        .iter()
        .filter_map(|l| l.draw_id.map(|d| (l.request_id, (d, l.plan_id))))
        .collect();
    let requests = inspection_request::Entity::find()
        .filter(inspection_request::Column::Id.is_in(by_request.keys().copied()))
        .filter(inspection_request::Column::VisitId.is_not_null())
        .all(db)
        .await?;
    let visits: BTreeMap<Uuid, joint_visit::Model> = joint_visit::Entity::find()
        .filter(joint_visit::Column::Id.is_in(requests.iter().filter_map(|r| r.visit_id)))
        .filter(joint_visit::Column::Status.eq(Stored(VisitStatus::Completed)))
        .all(db)
        .await?
        .into_iter()
        .map(|v| (v.id, v))
        .collect();
    let names = |rows: Vec<(Uuid, String)>| rows.into_iter().collect::<BTreeMap<_, _>>();
    let plans = names(
        inspection_plan::Entity::find()
            .select_only()
            .columns([inspection_plan::Column::Id, inspection_plan::Column::Name])
            .into_tuple()
            .all(db)
            .await?,
    );
    let agencies = names(
        agency::Entity::find()
            .select_only()
            .columns([agency::Column::Id, agency::Column::Code])
            .into_tuple()
            .all(db)
            .await?,
    );
    // One entry per draw and visit, with every agency of the draw on it.
    let mut grouped: BTreeMap<(Uuid, Uuid), (Uuid, BTreeSet<String>)> = BTreeMap::new();
    for request in &requests {
        let (Some(visit_id), Some((draw_id, plan_id))) =
            (request.visit_id, by_request.get(&request.id))
        else {
            continue;
        };
        if visits.contains_key(&visit_id) {
            grouped
                .entry((*draw_id, visit_id))
                .or_insert_with(|| (*plan_id, BTreeSet::new()))
                .1
                .insert(
                    agencies
                        .get(&request.agency_id)
                        .cloned()
                        .unwrap_or_default(),
                );
        }
    }
    let mut out = Vec::with_capacity(grouped.len());
    for ((draw_id, visit_id), (plan_id, codes)) in grouped {
        let Some(visit) = visits.get(&visit_id) else {
            continue;
        };
        let Some(company) = enterprise::Entity::find_by_id(visit.enterprise_id)
            .one(db)
            .await?
        else {
            continue;
        };
        out.push(RandomInspectionView {
            draw_id,
            plan: plans.get(&plan_id).cloned().unwrap_or_default(),
            credit_code: company.credit_code,
            enterprise_name: company.name,
            date: visit.visit_date,
            agencies: codes.into_iter().collect(),
        });
    }
    out.sort_by(|a, b| b.date.cmp(&a.date).then(a.credit_code.cmp(&b.credit_code)));
    out.truncate(500);
    Ok(out)
}
