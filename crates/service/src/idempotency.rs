//! Idempotency keys of findings and evidence uploads (`Idempotency-Key`): the first
//! request with a key writes its row and the key in one transaction; a retry with the
//! same key and the same content gets that row back and writes nothing; the same key
//! with other content is refused, naming the header. Keys are the caller's own: two
//! users' phones may make the same one without meeting.

use crate::entities::idempotency_key;
use crate::{Caller, ServiceError};
use sea_orm::{ActiveModelTrait, ActiveValue::Set, ConnectionTrait, EntityTrait};
use sha2::{Digest, Sha256};
use uuid::Uuid;

/// What a key was sent with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Operation {
    RecordHazard,
    UploadEvidence,
}

impl Operation {
    fn as_str(self) -> &'static str {
        match self {
            Self::RecordHazard => "record_hazard",
            Self::UploadEvidence => "upload_evidence",
        }
    }
}

/// The SHA-256 (hex) of what a request sent.
pub fn hash(content: &[u8]) -> String {
    format!("{:x}", Sha256::digest(content))
}

/// The row the caller's earlier request with `key` wrote, if there was one; the key
/// used with another operation or other content is invalid.
pub async fn replay<C: ConnectionTrait>(
    db: &C,
    caller: &Caller,
    key: &str,
    operation: Operation,
    body_hash: &str,
) -> Result<Option<Uuid>, ServiceError> {
    let Some(first) = idempotency_key::Entity::find_by_id((caller.user_id, key.to_owned()))
        .one(db)
        .await?
    else {
        return Ok(None);
    };
    if first.operation != operation.as_str() || first.body_hash != body_hash {
        return Err(ServiceError::field(
            "Idempotency-Key",
            "was used before with another body",
        ));
    }
    Ok(Some(first.resource_id))
}

/// Keeps `key` with the row it wrote, in the writing transaction. `false` when a
/// concurrent request with the same key committed first: the caller drops its
/// transaction and replays that one.
pub async fn claim<C: ConnectionTrait>(
    txn: &C,
    caller: &Caller,
    key: &str,
    operation: Operation,
    body_hash: &str,
    resource_id: Uuid,
) -> Result<bool, ServiceError> {
    let row = idempotency_key::ActiveModel {
        user_id: Set(caller.user_id),
        key: Set(key.to_owned()),
        operation: Set(operation.as_str().to_owned()),
        body_hash: Set(body_hash.to_owned()),
        resource_id: Set(resource_id),
        created_at: Set(chrono::Utc::now()),
    };
    match row.insert(txn).await {
        Ok(_) => Ok(true),
        Err(err) => match err.sql_err() {
            Some(sea_orm::SqlErr::UniqueConstraintViolation(_)) => Ok(false),
            _ => Err(err.into()),
        },
    }
}
