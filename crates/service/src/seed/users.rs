//! The demo's accounts: `admin`, `office`, one agency user per agency (named by its
//! code), one inspector user per agency (`fire-inspector`, the agency's first inspector)
//! and one enterprise user per enterprise (named by its credit code), all with the
//! password [`DEMO_PASSWORD`].

use crate::Role;
use crate::db::Connection;
use crate::entities::{agency, enterprise, inspector, user};
use crate::password::hash_password;
use crate::store::StoreError;
use chrono::Utc;
use sea_orm::{ActiveValue::Set, EntityTrait, QueryOrder, QuerySelect};
use std::collections::BTreeSet;
use uuid::Uuid;

pub const DEMO_PASSWORD: &str = "onevisit-demo";

/// Adds the demo accounts that do not exist yet; returns how many were added.
pub async fn demo_users<C: Connection>(db: &C) -> Result<usize, StoreError> {
    // One hash for all: hashing hundreds of demo accounts one by one would take seconds.
    let hash = hash_password(DEMO_PASSWORD.to_owned())
        .await
        .map_err(|e| StoreError::Invalid(e.to_string()))?;
    let txn = db.begin().await?;
    let existing: BTreeSet<String> = user::Entity::find()
        .select_only()
        .column(user::Column::Username)
        .into_tuple::<String>()
        .all(&txn)
        .await?
        .into_iter()
        .collect();
    let now = Utc::now();
    let account = |username: String, role: Role| user::ActiveModel {
        id: Set(Uuid::now_v7()),
        username: Set(username),
        password_hash: Set(hash.clone()),
        role: Set(role.as_str().to_owned()),
        agency_id: Set(None),
        enterprise_id: Set(None),
        inspector_id: Set(None),
        active: Set(true),
        created_at: Set(now),
    };
    let mut accounts = vec![
        account("admin".to_owned(), Role::Admin),
        account("office".to_owned(), Role::Coordinator),
    ];
    let inspectors = inspector::Entity::find()
        .order_by_asc(inspector::Column::Code)
        .all(&txn)
        .await?;
    for a in agency::Entity::find()
        .order_by_asc(agency::Column::Code)
        .all(&txn)
        .await?
    {
        let mut staff = account(a.code.clone(), Role::Agency);
        staff.agency_id = Set(Some(a.id));
        accounts.push(staff);
        if let Some(first) = inspectors.iter().find(|i| i.agency_id == a.id) {
            let mut inspector = account(format!("{}-inspector", a.code), Role::Inspector);
            inspector.agency_id = Set(Some(a.id));
            inspector.inspector_id = Set(Some(first.id));
            accounts.push(inspector);
        }
    }
    for e in enterprise::Entity::find()
        .order_by_asc(enterprise::Column::CreditCode)
        .all(&txn)
        .await?
    {
        let mut staff = account(e.credit_code.clone(), Role::Enterprise);
        staff.enterprise_id = Set(Some(e.id));
        accounts.push(staff);
    }
    accounts.retain(|a| match &a.username {
        Set(name) => !existing.contains(name),
        _ => false,
    });
    let added = accounts.len();
    super::write::insert_chunked(&txn, accounts).await?;
    txn.commit().await?;
    Ok(added)
}
