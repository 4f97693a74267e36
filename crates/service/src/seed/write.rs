//! Writing a checked data set in one transaction.

use super::{SeedError, SeedProblem, ValidSeed};
use crate::db::Connection;
use crate::entities::{
    agency, district, enterprise, inspection_request, inspector, inspector_conflict,
    inspector_unavailable_day,
};
use crate::store::StoreError;
use chrono::Utc;
use onevisit_domain::RequestStatus;
use sea_orm::{
    ActiveValue::Set, ColumnTrait, DatabaseTransaction, EntityTrait, QueryFilter, QuerySelect,
};
use std::collections::{BTreeMap, BTreeSet};
use uuid::Uuid;

/// What a seed added; rows that existed already are counted as skipped.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct SeedReport {
    pub agencies_added: usize,
    pub enterprises_added: usize,
    pub inspectors_added: usize,
    pub requests_added: usize,
    pub users_added: usize,
    pub skipped: usize,
}

impl std::ops::AddAssign for SeedReport {
    fn add_assign(&mut self, other: Self) {
        self.agencies_added += other.agencies_added;
        self.enterprises_added += other.enterprises_added;
        self.inspectors_added += other.inspectors_added;
        self.requests_added += other.requests_added;
        self.users_added += other.users_added;
        self.skipped += other.skipped;
    }
}

/// Rows are written in chunks so that no statement exceeds a backend's parameter limit.
const CHUNK: usize = 200;

pub(super) async fn insert_chunked<A>(
    txn: &DatabaseTransaction,
    rows: Vec<A>,
) -> Result<(), StoreError>
where
    A: sea_orm::ActiveModelTrait + Send,
{
    let mut rows = rows.into_iter().peekable();
    while rows.peek().is_some() {
        let chunk: Vec<A> = rows.by_ref().take(CHUNK).collect();
        <A::Entity as EntityTrait>::insert_many(chunk)
            .exec_without_returning(txn)
            .await?;
    }
    Ok(())
}

/// Ids of existing rows by natural key.
async fn codes<E, C>(
    txn: &DatabaseTransaction,
    id: C,
    code: C,
) -> Result<BTreeMap<String, Uuid>, StoreError>
where
    E: EntityTrait,
    C: ColumnTrait,
{
    Ok(E::find()
        .select_only()
        .column(code)
        .column(id)
        .into_tuple::<(String, Uuid)>()
        .all(txn)
        .await?
        .into_iter()
        .collect())
}

/// Writes `seed` in one transaction; on any problem nothing is written.
pub async fn apply<C: Connection>(db: &C, seed: &ValidSeed) -> Result<SeedReport, StoreError> {
    let txn = db.begin().await?;
    let now = Utc::now();
    let mut report = SeedReport::default();
    let mut problems = Vec::new();

    let mut agencies =
        codes::<agency::Entity, _>(&txn, agency::Column::Id, agency::Column::Code).await?;
    let mut new_agencies = Vec::new();
    for a in &seed.agencies {
        if agencies.contains_key(a.code.as_str()) {
            report.skipped += 1;
            continue;
        }
        let id = Uuid::now_v7();
        agencies.insert(a.code.to_string(), id);
        new_agencies.push(agency::ActiveModel {
            id: Set(id),
            code: Set(a.code.to_string()),
            name: Set(a.name.to_string()),
            name_en: Set(a.name_en.as_ref().map(ToString::to_string)),
            daily_capacity: Set(i32::try_from(a.daily_capacity.get()).unwrap_or(i32::MAX)),
            created_at: Set(now),
        });
    }
    report.agencies_added = new_agencies.len();
    insert_chunked(&txn, new_agencies).await?;

    let known: BTreeSet<String> = district::Entity::find()
        .select_only()
        .column(district::Column::Name)
        .into_tuple()
        .all(&txn)
        .await?
        .into_iter()
        .collect();
    let new_districts: Vec<district::ActiveModel> = seed
        .districts
        .iter()
        .filter(|(name, _)| !known.contains(name.as_str()))
        .map(|(name, name_en)| district::ActiveModel {
            name: Set(name.to_string()),
            name_en: Set(name_en.to_string()),
        })
        .collect();
    insert_chunked(&txn, new_districts).await?;

    let mut enterprises = codes::<enterprise::Entity, _>(
        &txn,
        enterprise::Column::Id,
        enterprise::Column::CreditCode,
    )
    .await?;
    let mut new_enterprises = Vec::new();
    let mut new_quiet = Vec::new();
    for e in &seed.enterprises {
        if enterprises.contains_key(e.credit_code.as_str()) {
            report.skipped += 1;
            continue;
        }
        let id = Uuid::now_v7();
        enterprises.insert(e.credit_code.to_string(), id);
        new_enterprises.push(crate::store::enterprise_row(e, id, now));
        new_quiet.extend(crate::store::quiet_rows(e, id));
    }
    report.enterprises_added = new_enterprises.len();
    insert_chunked(&txn, new_enterprises).await?;
    insert_chunked(&txn, new_quiet).await?;

    let existing_inspectors: BTreeSet<String> =
        codes::<inspector::Entity, _>(&txn, inspector::Column::Id, inspector::Column::Code)
            .await?
            .into_keys()
            .collect();
    let mut new_inspectors = Vec::new();
    let mut new_days = Vec::new();
    let mut new_conflicts = Vec::new();
    for (i, ins) in seed.inspectors.iter().enumerate() {
        if existing_inspectors.contains(ins.code.as_str()) {
            report.skipped += 1;
            continue;
        }
        let at = format!("inspectors[{i}] ({})", ins.code);
        let Some(&agency_id) = agencies.get(ins.agency.as_str()) else {
            problems.push(SeedProblem {
                at,
                message: format!("agency: unknown agency {:?}", ins.agency.as_str()),
            });
            continue;
        };
        let id = Uuid::now_v7();
        new_inspectors.push(inspector::ActiveModel {
            id: Set(id),
            code: Set(ins.code.to_string()),
            agency_id: Set(agency_id),
            name: Set(ins.name.to_string()),
            qualifications: Set(serde_json::json!(ins.qualifications)),
            active: Set(true),
            created_at: Set(now),
        });
        new_days.extend(ins.unavailable.iter().map(|&day| {
            inspector_unavailable_day::ActiveModel {
                inspector_id: Set(id),
                day: Set(day),
            }
        }));
        for code in &ins.conflicts {
            match enterprises.get(code.as_str()) {
                Some(&enterprise_id) => new_conflicts.push(inspector_conflict::ActiveModel {
                    inspector_id: Set(id),
                    enterprise_id: Set(enterprise_id),
                    reason: Set(None),
                }),
                None => problems.push(SeedProblem {
                    at: at.clone(),
                    message: format!("conflicts: unknown enterprise {code}"),
                }),
            }
        }
    }
    report.inspectors_added = new_inspectors.len();

    let existing_requests: BTreeSet<(Uuid, String)> = inspection_request::Entity::find()
        .select_only()
        .column(inspection_request::Column::AgencyId)
        .column(inspection_request::Column::IdempotencyKey)
        .filter(inspection_request::Column::IdempotencyKey.is_not_null())
        .into_tuple::<(Uuid, String)>()
        .all(&txn)
        .await?
        .into_iter()
        .collect();
    let mut new_requests = Vec::new();
    for (i, (key, r)) in seed.requests.iter().enumerate() {
        let at = format!("requests[{i}] ({key})");
        let agency_id = agencies.get(r.agency.as_str()).copied();
        let enterprise_id = enterprises.get(r.enterprise.as_str()).copied();
        let (Some(agency_id), Some(enterprise_id)) = (agency_id, enterprise_id) else {
            let message = if agency_id.is_none() {
                format!("agency: unknown agency {:?}", r.agency.as_str())
            } else {
                format!("enterprise: unknown enterprise {}", r.enterprise)
            };
            problems.push(SeedProblem { at, message });
            continue;
        };
        if existing_requests.contains(&(agency_id, key.clone())) {
            report.skipped += 1;
            continue;
        }
        new_requests.push(inspection_request::ActiveModel {
            id: Set(Uuid::now_v7()),
            agency_id: Set(agency_id),
            enterprise_id: Set(enterprise_id),
            earliest: Set(r.window.start()),
            latest: Set(r.window.end()),
            team_size: Set(i32::try_from(r.team_size.get()).unwrap_or(i32::MAX)),
            kind: Set(r.kind.into()),
            topics: Set(serde_json::json!(r.topics)),
            status: Set(RequestStatus::Open.into()),
            unscheduled_reason: Set(None),
            visit_id: Set(None),
            idempotency_key: Set(Some(key.clone())),
            body_hash: Set(None),
            announced: Set(true),
            created_at: Set(now),
            updated_at: Set(now),
        });
    }
    report.requests_added = new_requests.len();

    if !problems.is_empty() {
        txn.rollback().await?;
        return Err(StoreError::Seed(SeedError(problems)));
    }
    insert_chunked(&txn, new_inspectors).await?;
    insert_chunked(&txn, new_days).await?;
    insert_chunked(&txn, new_conflicts).await?;
    insert_chunked(&txn, new_requests).await?;
    txn.commit().await?;
    Ok(report)
}
