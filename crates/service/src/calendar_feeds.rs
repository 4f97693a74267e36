//! The enterprise's schedule for calendar apps, behind a per-enterprise secret URL
//! (calendar apps cannot send a bearer token).
//!
//! The token is 32 random bytes in base64url, shown once when it is created or rotated;
//! only its SHA-256 is stored (`calendar_feeds`). Rotating it stops the old URL.

use crate::entities::{calendar_feed, enterprise, joint_visit};
use crate::views::{self, VisitView};
use crate::{Caller, Role, ServiceError, access};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::sea_query::OnConflict;
use sea_orm::{ActiveValue::Set, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder};
use sha2::{Digest, Sha256};
use std::fmt::Write as _;
use subtle::ConstantTimeEq;
use uuid::Uuid;

fn token_hash(token: &str) -> String {
    Sha256::digest(token.as_bytes())
        .iter()
        .fold(String::with_capacity(64), |mut hex, b| {
            let _ = write!(hex, "{b:02x}");
            hex
        })
}

/// Creates or rotates the feed token of an enterprise the caller may see (its own
/// users and the office; agencies have no feeds to manage) and answers the feed's path
/// with it. The previous URL stops working at once.
pub async fn rotate_feed<C: ConnectionTrait>(
    db: &C,
    caller: &Caller,
    id: Uuid,
) -> Result<String, ServiceError> {
    caller.require(&[Role::Admin, Role::Coordinator, Role::Enterprise])?;
    enterprise::Entity::find_by_id(id)
        .filter(access::enterprises(caller))
        .one(db)
        .await?
        .ok_or(ServiceError::NotFound)?;
    new_feed(db, id).await
}

/// Makes a new feed token for the enterprise (the previous URL stops working) and
/// answers the feed's path with it.
pub async fn new_feed<C: ConnectionTrait>(db: &C, id: Uuid) -> Result<String, ServiceError> {
    let secret: [u8; 32] = rand::random();
    let token = URL_SAFE_NO_PAD.encode(secret);
    calendar_feed::Entity::insert(calendar_feed::ActiveModel {
        enterprise_id: Set(id),
        token_hash: Set(token_hash(&token)),
        created_at: Set(Utc::now()),
    })
    .on_conflict(
        OnConflict::column(calendar_feed::Column::EnterpriseId)
            .update_columns([
                calendar_feed::Column::TokenHash,
                calendar_feed::Column::CreatedAt,
            ])
            .to_owned(),
    )
    .exec(db)
    .await?;
    Ok(format!("/enterprises/{id}/calendar.ics?token={token}"))
}

/// What a feed shows: the enterprise's name and its visits, each with when it last
/// changed.
#[derive(Debug, Clone)]
pub struct Feed {
    pub enterprise: String,
    pub visits: Vec<(VisitView, DateTime<Utc>)>,
}

/// The feed of enterprise `id` for the holder of `token`: exactly what the enterprise's
/// own users see on `today` (cancelled visits left out, unannounced ones until their
/// day). A wrong or missing token, and an enterprise without a feed, are not found.
pub async fn feed<C: ConnectionTrait>(
    db: &C,
    today: NaiveDate,
    id: Uuid,
    token: Option<&str>,
) -> Result<Feed, ServiceError> {
    let token = token.ok_or(ServiceError::NotFound)?;
    let row = calendar_feed::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or(ServiceError::NotFound)?;
    if !bool::from(
        row.token_hash
            .as_bytes()
            .ct_eq(token_hash(token).as_bytes()),
    ) {
        return Err(ServiceError::NotFound);
    }
    let as_enterprise = Caller {
        user_id: Uuid::nil(),
        session_id: Uuid::nil(),
        username: String::new(),
        role: Role::Enterprise,
        agency_id: None,
        enterprise_id: Some(id),
        inspector_id: None,
    };
    let rows = joint_visit::Entity::find()
        .filter(access::visits(&as_enterprise, today))
        .order_by_asc(joint_visit::Column::VisitDate)
        .order_by_asc(joint_visit::Column::Id)
        .all(db)
        .await?;
    let stamps: Vec<DateTime<Utc>> = rows.iter().map(|v| v.updated_at).collect();
    let visits = views::visits(db, rows).await?;
    let enterprise = enterprise::Entity::find_by_id(id)
        .one(db)
        .await?
        .map(|e| e.name)
        .unwrap_or_default();
    Ok(Feed {
        enterprise,
        visits: visits.into_iter().zip(stamps).collect(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn token_hashes_are_sha256_hex() {
        assert_eq!(
            token_hash("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }
}
