//! Enterprises under supervision: the office registers them; agencies look them up.

use crate::app::AppState;
use crate::auth::{Caller, Role};
use crate::entities::{enterprise, quiet_period};
use crate::http::access;
use crate::http::error::{ApiError, Problem};
use crate::http::json::{ValidJson, ValidQuery};
use crate::http::pagination::{Page, PageQuery};
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use chrono::{DateTime, NaiveDate, Utc};
use onevisit_domain::enterprise::EnterpriseInput;
use onevisit_domain::{DateRange, Enterprise, QuietPeriod, RiskMarkers};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter,
    QueryOrder, QuerySelect, SqlErr, TransactionTrait,
};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

/// A quiet period: days the enterprise must not be visited.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct QuietView {
    pub start: NaiveDate,
    pub end: NaiveDate,
    #[serde(default)]
    pub reason: Option<String>,
}

/// The "two key, one major" markers.
#[derive(Debug, Clone, Copy, Default, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RiskView {
    #[serde(default)]
    pub key_process: bool,
    #[serde(default)]
    pub key_chemical: bool,
    #[serde(default)]
    pub major_hazard_source: bool,
}

/// An enterprise.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct EnterpriseView {
    pub id: Uuid,
    /// The 18-character unified social credit code.
    pub credit_code: String,
    pub name: String,
    /// chemical, civil_explosives, ship_repair or other.
    pub sector: String,
    pub district: String,
    pub in_chemical_park: bool,
    pub risk: RiskView,
    /// operating, suspended, closed or relocated.
    pub status: String,
    /// The most visits a quarter (urgent ones not counted); none: no cap.
    pub burden_cap: Option<i32>,
    pub quiet_periods: Vec<QuietView>,
    pub created_at: DateTime<Utc>,
}

/// A new enterprise.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewEnterprise {
    pub credit_code: String,
    pub name: String,
    pub sector: String,
    pub district: String,
    #[serde(default)]
    pub in_chemical_park: bool,
    #[serde(default)]
    pub risk: RiskView,
    #[serde(default = "operating")]
    pub status: String,
    #[serde(default)]
    pub burden_cap: Option<i64>,
    #[serde(default)]
    pub quiet_periods: Vec<QuietView>,
}

fn operating() -> String {
    "operating".to_owned()
}

fn field_of(message: &str) -> String {
    message.split(':').next().unwrap_or_default().to_owned()
}

/// Checks a new enterprise with the domain's rules, naming the field that is wrong.
pub fn parse(body: &NewEnterprise) -> Result<Enterprise, ApiError> {
    let mut quiet = Vec::with_capacity(body.quiet_periods.len());
    for (i, q) in body.quiet_periods.iter().enumerate() {
        let range = DateRange::new(q.start, q.end)
            .map_err(|e| ApiError::field(format!("quiet_periods[{i}].end"), e.to_string()))?;
        quiet.push(QuietPeriod {
            range,
            reason: q.reason.clone(),
        });
    }
    Enterprise::parse(EnterpriseInput {
        credit_code: &body.credit_code,
        name: &body.name,
        sector: &body.sector,
        district: &body.district,
        in_chemical_park: body.in_chemical_park,
        risk: RiskMarkers {
            key_process: body.risk.key_process,
            key_chemical: body.risk.key_chemical,
            major_hazard_source: body.risk.major_hazard_source,
        },
        status: &body.status,
        burden_cap: body.burden_cap,
        quiet_periods: quiet,
    })
    .map_err(|e| {
        let message = e.to_string();
        let field = field_of(&message);
        let detail = message
            .split_once(": ")
            .map_or(message.clone(), |(_, m)| m.to_owned());
        ApiError::field(field, detail)
    })
}

async fn views(
    state: &AppState,
    rows: Vec<enterprise::Model>,
) -> Result<Vec<EnterpriseView>, ApiError> {
    let quiet = quiet_period::Entity::find()
        .filter(quiet_period::Column::EnterpriseId.is_in(rows.iter().map(|e| e.id)))
        .order_by_asc(quiet_period::Column::StartDate)
        .all(&state.db)
        .await?;
    Ok(rows
        .into_iter()
        .map(|e| EnterpriseView {
            quiet_periods: quiet
                .iter()
                .filter(|q| q.enterprise_id == e.id)
                .map(|q| QuietView {
                    start: q.start_date,
                    end: q.end_date,
                    reason: q.reason.clone(),
                })
                .collect(),
            id: e.id,
            credit_code: e.credit_code,
            name: e.name,
            sector: e.sector,
            district: e.district,
            in_chemical_park: e.in_chemical_park,
            risk: RiskView {
                key_process: e.key_process,
                key_chemical: e.key_chemical,
                major_hazard_source: e.major_hazard_source,
            },
            status: e.status,
            burden_cap: e.burden_cap,
            created_at: e.created_at,
        })
        .collect())
}

/// Registers an enterprise (the coordinating office).
#[utoipa::path(post, path = "/enterprises", tag = "enterprises", security(("bearer" = [])),
    request_body = NewEnterprise,
    responses(
        (status = 201, description = "Registered", body = EnterpriseView),
        (status = 403, description = "Only the office registers enterprises", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The credit code is registered already", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A field is not valid", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn create(
    State(state): State<AppState>,
    caller: Caller,
    ValidJson(body): ValidJson<NewEnterprise>,
) -> Result<(StatusCode, Json<EnterpriseView>), ApiError> {
    caller.require(&[Role::Coordinator, Role::Admin])?;
    let e = parse(&body)?;
    let now = Utc::now();
    let id = Uuid::now_v7();
    let txn = state.db.begin().await?;
    let inserted = enterprise::ActiveModel {
        id: Set(id),
        credit_code: Set(e.credit_code.to_string()),
        name: Set(e.name.to_string()),
        sector: Set(e.sector.as_str().to_owned()),
        district: Set(e.district.to_string()),
        in_chemical_park: Set(e.in_chemical_park),
        key_process: Set(e.risk.key_process),
        key_chemical: Set(e.risk.key_chemical),
        major_hazard_source: Set(e.risk.major_hazard_source),
        status: Set(e.status.as_str().to_owned()),
        burden_cap: Set(e
            .burden_cap
            .map(|c| i32::try_from(c.get()).unwrap_or(i32::MAX))),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(&txn)
    .await;
    let row = match inserted {
        Ok(row) => row,
        Err(err) if matches!(err.sql_err(), Some(SqlErr::UniqueConstraintViolation(_))) => {
            return Err(ApiError::Conflict(format!(
                "credit_code: {} is registered already",
                e.credit_code
            )));
        }
        Err(err) => return Err(err.into()),
    };
    for q in e.quiet_periods() {
        quiet_period::ActiveModel {
            id: Set(Uuid::now_v7()),
            enterprise_id: Set(id),
            start_date: Set(q.range.start()),
            end_date: Set(q.range.end()),
            reason: Set(q.reason.clone()),
        }
        .insert(&txn)
        .await?;
    }
    txn.commit().await?;
    let view = views(&state, vec![row])
        .await?
        .pop()
        .ok_or(ApiError::NotFound)?;
    Ok((StatusCode::CREATED, Json(view)))
}

/// Filters of the enterprise list.
#[derive(Debug, Clone, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct EnterpriseFilter {
    pub district: Option<String>,
    pub sector: Option<String>,
    pub status: Option<String>,
    /// The exact credit code.
    pub credit_code: Option<String>,
    pub limit: Option<u64>,
    pub offset: Option<u64>,
}

/// The enterprises the caller may see (an enterprise user: itself).
#[utoipa::path(get, path = "/enterprises", tag = "enterprises", security(("bearer" = [])),
    params(EnterpriseFilter),
    responses((status = 200, description = "One page of enterprises", body = Page<EnterpriseView>)))]
pub async fn list(
    State(state): State<AppState>,
    caller: Caller,
    ValidQuery(filter): ValidQuery<EnterpriseFilter>,
) -> Result<Json<Page<EnterpriseView>>, ApiError> {
    let (limit, offset) = PageQuery {
        limit: filter.limit,
        offset: filter.offset,
    }
    .resolve()?;
    let mut query = enterprise::Entity::find().filter(access::enterprises(&caller));
    for (value, column) in [
        (&filter.district, enterprise::Column::District),
        (&filter.sector, enterprise::Column::Sector),
        (&filter.status, enterprise::Column::Status),
        (&filter.credit_code, enterprise::Column::CreditCode),
    ] {
        if let Some(value) = value {
            query = query.filter(column.eq(value.as_str()));
        }
    }
    let total = query.clone().count(&state.db).await?;
    let rows = query
        .order_by_asc(enterprise::Column::CreditCode)
        .limit(limit)
        .offset(offset)
        .all(&state.db)
        .await?;
    Ok(Json(Page {
        items: views(&state, rows).await?,
        total,
        limit,
        offset,
    }))
}

/// One enterprise.
#[utoipa::path(get, path = "/enterprises/{id}", tag = "enterprises", security(("bearer" = [])),
    params(("id" = Uuid, Path)),
    responses(
        (status = 200, description = "The enterprise", body = EnterpriseView),
        (status = 404, description = "No such enterprise for the caller", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn get(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<Uuid>,
) -> Result<Json<EnterpriseView>, ApiError> {
    let row = enterprise::Entity::find_by_id(id)
        .filter(access::enterprises(&caller))
        .one(&state.db)
        .await?
        .ok_or(ApiError::NotFound)?;
    Ok(Json(
        views(&state, vec![row])
            .await?
            .pop()
            .ok_or(ApiError::NotFound)?,
    ))
}
