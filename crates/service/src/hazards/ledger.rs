//! The ledger (台账): hazards per enterprise, agency and district, each with its lead
//! and cooperating agencies, deadline, status, days overdue and close date; totals per
//! district (一县区一清单); and the CSV export of the same rows.

use super::visible;
use crate::Caller;
use crate::ServiceError;
use crate::entities::{Stored, agency, enterprise, hazard, hazard_notice, joint_visit, visit_team};
use chrono::NaiveDate;
use onevisit_domain::{HazardStatus, Severity};
use sea_orm::sea_query::{Alias, Expr, Func, Query};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder,
    QuerySelect, RelationTrait,
};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};
use utoipa::ToSchema;
use uuid::Uuid;

/// Which hazards a ledger holds; every filter given must hold.
#[derive(Debug, Clone, Default)]
pub struct LedgerFilter {
    pub enterprise_id: Option<Uuid>,
    /// The responsible (lead) agency.
    pub agency_id: Option<Uuid>,
    pub district: Option<String>,
    pub status: Option<HazardStatus>,
    pub severity: Option<onevisit_domain::Severity>,
    /// Only overdue hazards (true) or only those not overdue (false).
    pub overdue: Option<bool>,
    /// Hazards found in this visit.
    pub visit_id: Option<Uuid>,
}

/// One line of the ledger.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct LedgerRow {
    pub id: Uuid,
    pub title: String,
    pub category: String,
    /// general (一般) or major (重大).
    pub severity: String,
    /// open, rectification_submitted or closed.
    pub status: String,
    pub enterprise_id: Uuid,
    pub enterprise: String,
    pub credit_code: String,
    pub district: String,
    /// The visit that found it.
    pub visit_id: Uuid,
    pub visit_date: NaiveDate,
    /// The hazard list it was issued on (`2026-0003`), once issued.
    pub notice: Option<String>,
    /// The responsible agency's code.
    pub lead_agency: String,
    /// The other agencies of the visit that found it, by code.
    pub cooperating_agencies: Vec<String>,
    /// The current deadline (after any approved extension).
    pub deadline: NaiveDate,
    /// Days past the deadline, 0 unless overdue (past the deadline and not closed).
    pub days_overdue: u32,
    pub closed_on: Option<NaiveDate>,
    /// The visit a major hazard's close was recorded on.
    pub reinspection_visit_id: Option<Uuid>,
}

/// The figures of one district.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct DistrictTotals {
    pub district: String,
    pub total: u64,
    pub open: u64,
    pub rectification_submitted: u64,
    pub closed: u64,
    /// Past the deadline and not closed.
    pub overdue: u64,
    pub major: u64,
    pub major_open: u64,
}

/// Overdue on `today`: past the deadline and not closed.
pub fn overdue(today: NaiveDate) -> Condition {
    Condition::all()
        .add(hazard::Column::Status.ne(HazardStatus::Closed.as_str()))
        .add(hazard::Column::Deadline.lt(today))
}

fn in_district(district: &str) -> Condition {
    Condition::all().add(
        hazard::Column::EnterpriseId.in_subquery(
            Query::select()
                .column(enterprise::Column::Id)
                .from(enterprise::Entity)
                .and_where(enterprise::Column::District.eq(district))
                .to_owned(),
        ),
    )
}

fn condition(caller: &Caller, filter: &LedgerFilter, today: NaiveDate) -> Condition {
    let mut cond = Condition::all().add(visible(caller));
    if let Some(id) = filter.enterprise_id {
        cond = cond.add(hazard::Column::EnterpriseId.eq(id));
    }
    if let Some(id) = filter.agency_id {
        cond = cond.add(hazard::Column::ResponsibleAgencyId.eq(id));
    }
    if let Some(district) = &filter.district {
        cond = cond.add(in_district(district));
    }
    if let Some(status) = filter.status {
        cond = cond.add(hazard::Column::Status.eq(status.as_str()));
    }
    if let Some(severity) = filter.severity {
        cond = cond.add(hazard::Column::Severity.eq(severity.as_str()));
    }
    match filter.overdue {
        Some(true) => cond = cond.add(overdue(today)),
        Some(false) => cond = cond.add(overdue(today).not()),
        None => {}
    }
    if let Some(id) = filter.visit_id {
        cond = cond.add(hazard::Column::VisitId.eq(id));
    }
    cond
}

/// One page of the ledger, by deadline, and how many rows the whole ledger has.
pub async fn page<C: ConnectionTrait>(
    db: &C,
    caller: &Caller,
    filter: &LedgerFilter,
    today: NaiveDate,
    limit: u64,
    offset: u64,
) -> Result<(Vec<LedgerRow>, u64), ServiceError> {
    let query = hazard::Entity::find().filter(condition(caller, filter, today));
    let total = query.clone().count(db).await?;
    let rows = query
        .order_by_asc(hazard::Column::Deadline)
        .order_by_asc(hazard::Column::Id)
        .limit(limit)
        .offset(offset)
        .all(db)
        .await?;
    Ok((rows_of(db, rows, today).await?, total))
}

/// The whole ledger, by deadline (for the export).
pub async fn all<C: ConnectionTrait>(
    db: &C,
    caller: &Caller,
    filter: &LedgerFilter,
    today: NaiveDate,
) -> Result<Vec<LedgerRow>, ServiceError> {
    let rows = hazard::Entity::find()
        .filter(condition(caller, filter, today))
        .order_by_asc(hazard::Column::Deadline)
        .order_by_asc(hazard::Column::Id)
        .all(db)
        .await?;
    rows_of(db, rows, today).await
}

/// Ids in slices small enough for an `IN (...)` list on every backend.
const CHUNK: usize = 10_000;

/// The ledger lines of `rows`, with what they name looked up once per kind.
pub async fn rows_of<C: ConnectionTrait>(
    db: &C,
    rows: Vec<hazard::Model>,
    today: NaiveDate,
) -> Result<Vec<LedgerRow>, ServiceError> {
    let ids = |f: fn(&hazard::Model) -> Option<Uuid>| -> Vec<Uuid> {
        rows.iter()
            .filter_map(f)
            .collect::<BTreeSet<_>>()
            .into_iter()
            .collect()
    };
    let enterprise_ids = ids(|h| Some(h.enterprise_id));
    let visit_ids = ids(|h| Some(h.visit_id));
    let notice_ids = ids(|h| h.notice_id);
    let mut enterprises = BTreeMap::new();
    let mut visits = BTreeMap::new();
    let mut notices = BTreeMap::new();
    let mut teams: BTreeMap<Uuid, Vec<Uuid>> = BTreeMap::new();
    for chunk in enterprise_ids.chunks(CHUNK) {
        for e in enterprise::Entity::find()
            .filter(enterprise::Column::Id.is_in(chunk.to_vec()))
            .all(db)
            .await?
        {
            enterprises.insert(e.id, e);
        }
    }
    for chunk in visit_ids.chunks(CHUNK) {
        for v in joint_visit::Entity::find()
            .filter(joint_visit::Column::Id.is_in(chunk.to_vec()))
            .all(db)
            .await?
        {
            visits.insert(v.id, v.visit_date);
        }
        for t in visit_team::Entity::find()
            .filter(visit_team::Column::VisitId.is_in(chunk.to_vec()))
            .all(db)
            .await?
        {
            teams.entry(t.visit_id).or_default().push(t.agency_id);
        }
    }
    for chunk in notice_ids.chunks(CHUNK) {
        for n in hazard_notice::Entity::find()
            .filter(hazard_notice::Column::Id.is_in(chunk.to_vec()))
            .all(db)
            .await?
        {
            notices.insert(n.id, format!("{}-{:04}", n.year, n.sequence));
        }
    }
    let agencies: BTreeMap<Uuid, String> = agency::Entity::find()
        .all(db)
        .await?
        .into_iter()
        .map(|a| (a.id, a.code))
        .collect();
    let code = |id: &Uuid| agencies.get(id).cloned().unwrap_or_default();
    rows.into_iter()
        .map(|h| {
            let e = enterprises.get(&h.enterprise_id).ok_or_else(|| {
                ServiceError::Internal(format!("hazard {} without enterprise", h.id))
            })?;
            let mut cooperating: Vec<String> = teams
                .get(&h.visit_id)
                .into_iter()
                .flatten()
                .filter(|a| **a != h.responsible_agency_id)
                .map(code)
                .collect();
            cooperating.sort();
            let days_overdue = if h.status != HazardStatus::Closed && today > h.deadline {
                u32::try_from((today - h.deadline).num_days()).unwrap_or(u32::MAX)
            } else {
                0
            };
            Ok(LedgerRow {
                id: h.id,
                title: h.title,
                category: h.category,
                severity: h.severity.to_string(),
                status: h.status.to_string(),
                enterprise_id: h.enterprise_id,
                enterprise: e.name.clone(),
                credit_code: e.credit_code.clone(),
                district: e.district.clone(),
                visit_id: h.visit_id,
                visit_date: visits.get(&h.visit_id).copied().ok_or_else(|| {
                    ServiceError::Internal(format!("hazard {} without visit", h.id))
                })?,
                notice: h.notice_id.and_then(|n| notices.get(&n).cloned()),
                lead_agency: code(&h.responsible_agency_id),
                cooperating_agencies: cooperating,
                deadline: h.deadline,
                days_overdue,
                closed_on: h.closed_on,
                reinspection_visit_id: h.reinspection_visit_id,
            })
        })
        .collect()
}

/// The figures per district of the hazards the filter and the caller's view hold.
pub async fn totals<C: ConnectionTrait>(
    db: &C,
    caller: &Caller,
    filter: &LedgerFilter,
    today: NaiveDate,
) -> Result<Vec<DistrictTotals>, ServiceError> {
    // SUM of integers is numeric on PostgreSQL: cast back to an integer.
    let count_if = |cond: Condition| {
        Func::cast_as(
            Func::sum(Expr::case(cond, Expr::val(1i64)).finally(Expr::val(0i64))),
            Alias::new("BIGINT"),
        )
    };
    let status = |s: HazardStatus| Condition::all().add(hazard::Column::Status.eq(s.as_str()));
    let major = || Condition::all().add(hazard::Column::Severity.eq(Stored(Severity::Major)));
    let district = (enterprise::Entity, enterprise::Column::District);
    let select = Query::select()
        .column(district)
        .expr_as(
            Func::count(Expr::col((hazard::Entity, hazard::Column::Id))),
            Alias::new("total"),
        )
        .expr_as(count_if(status(HazardStatus::Open)), Alias::new("open"))
        .expr_as(
            count_if(status(HazardStatus::RectificationSubmitted)),
            Alias::new("submitted"),
        )
        .expr_as(count_if(status(HazardStatus::Closed)), Alias::new("closed"))
        .expr_as(count_if(overdue(today)), Alias::new("overdue"))
        .expr_as(count_if(major()), Alias::new("major"))
        .expr_as(
            count_if(major().add(hazard::Column::Status.ne(HazardStatus::Closed.as_str()))),
            Alias::new("major_open"),
        )
        .from(hazard::Entity)
        .inner_join(enterprise::Entity, hazard::Relation::Enterprise.def())
        .cond_where(condition(caller, filter, today))
        .group_by_col(district)
        .order_by(district, sea_orm::sea_query::Order::Asc)
        .to_owned();
    let number = |r: &sea_orm::QueryResult, col: &str| -> Result<u64, ServiceError> {
        let value: Option<i64> = r.try_get("", col)?;
        Ok(u64::try_from(value.unwrap_or(0)).unwrap_or(0))
    };
    db.query_all(&select)
        .await?
        .iter()
        .map(|r| {
            Ok(DistrictTotals {
                district: r.try_get("", "district")?,
                total: number(r, "total")?,
                open: number(r, "open")?,
                rectification_submitted: number(r, "submitted")?,
                closed: number(r, "closed")?,
                overdue: number(r, "overdue")?,
                major: number(r, "major")?,
                major_open: number(r, "major_open")?,
            })
        })
        .collect()
}

/// The CSV header, in Chinese for the spreadsheet's reader, with the English field names.
const HEADER: [&str; 18] = [
    "编号 id",
    "隐患 title",
    "类别 category",
    "等级 severity",
    "状态 status",
    "企业 enterprise",
    "统一社会信用代码 credit_code",
    "县区 district",
    "检查日期 visit_date",
    "整改通知 notice",
    "牵头部门 lead_agency",
    "配合部门 cooperating_agencies",
    "整改期限 deadline",
    "逾期天数 days_overdue",
    "销号日期 closed_on",
    "复查检查 reinspection_visit_id",
    "检查 visit_id",
    "企业编号 enterprise_id",
];

/// The ledger as CSV ([`crate::export::csv`]): a header row, one row a hazard.
pub fn csv(rows: &[LedgerRow]) -> Result<Vec<u8>, ServiceError> {
    let opt = |d: Option<String>| d.unwrap_or_default();
    crate::export::csv(
        &HEADER,
        rows.iter().map(|r| {
            [
                r.id.to_string(),
                r.title.clone(),
                r.category.clone(),
                r.severity.clone(),
                r.status.clone(),
                r.enterprise.clone(),
                r.credit_code.clone(),
                r.district.clone(),
                r.visit_date.to_string(),
                opt(r.notice.clone()),
                r.lead_agency.clone(),
                r.cooperating_agencies.join(" "),
                r.deadline.to_string(),
                r.days_overdue.to_string(),
                opt(r.closed_on.map(|d| d.to_string())),
                opt(r.reinspection_visit_id.map(|v| v.to_string())),
                r.visit_id.to_string(),
                r.enterprise_id.to_string(),
            ]
        }),
    )
    .map_err(|e| ServiceError::Internal(e.to_string()))
}
