//! The verification codes of confirmed visits, which anyone at the gate can check.
//!
//! A verification code is a signature, not a guessable id: the visit's id followed by
//! the first 10 bytes of HMAC-SHA256(key, visit id ‖ date ‖ enterprise id), in base64url
//! without padding (35 characters). The API derives the key from its token signing
//! secret: rotating that secret invalidates every printed code. Rescheduling a visit
//! changes its date and so its code.

use crate::entities::{agency, enterprise, joint_visit, visit_team};
use crate::{Caller, ServiceError, access};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::NaiveDate;
use hmac::{Hmac, Mac};
use sea_orm::{ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

/// Statuses whose visits carry a verification code that verifies.
const VERIFIABLE: [&str; 3] = ["confirmed", "in_progress", "completed"];

/// Bytes of the HMAC kept in a code.
const TAG_BYTES: usize = 10;

type HmacSha256 = Hmac<sha2::Sha256>;

fn signer(key: &[u8; 32], visit_id: Uuid, date: NaiveDate, enterprise_id: Uuid) -> HmacSha256 {
    let mut mac = <HmacSha256 as Mac>::new_from_slice(key).expect("HMAC takes a key of any length");
    mac.update(visit_id.as_bytes());
    mac.update(date.format("%Y-%m-%d").to_string().as_bytes());
    mac.update(enterprise_id.as_bytes());
    mac
}

/// Whether a visit in `status` carries a code (confirmed, in progress, completed).
pub fn is_verifiable(status: &str) -> bool {
    VERIFIABLE.contains(&status)
}

/// The verification code of a visit on `date` at `enterprise_id`.
pub fn verification_code(
    key: &[u8; 32],
    visit_id: Uuid,
    date: NaiveDate,
    enterprise_id: Uuid,
) -> String {
    let tag = signer(key, visit_id, date, enterprise_id)
        .finalize()
        .into_bytes();
    let mut bytes = Vec::with_capacity(16 + TAG_BYTES);
    bytes.extend_from_slice(visit_id.as_bytes());
    bytes.extend_from_slice(&tag[..TAG_BYTES]);
    URL_SAFE_NO_PAD.encode(bytes)
}

/// The code of a visit whose status carries one (confirmed, in progress, completed).
pub fn code_of(key: &[u8; 32], visit: &joint_visit::Model) -> Option<String> {
    is_verifiable(visit.status.as_str())
        .then(|| verification_code(key, visit.id, visit.visit_date, visit.enterprise_id))
}

/// The visit id a code names, if the code is well formed (the signature is not checked yet).
fn code_visit(code: &str) -> Option<(Uuid, Vec<u8>)> {
    let bytes = URL_SAFE_NO_PAD.decode(code.trim()).ok()?;
    if bytes.len() != 16 + TAG_BYTES {
        return None;
    }
    let id = Uuid::from_slice(&bytes[..16]).ok()?;
    Some((id, bytes[16..].to_vec()))
}

/// Whether `tag` signs the visit as it is now (`hmac` compares in constant time).
fn signature_holds(key: &[u8; 32], visit: &joint_visit::Model, tag: &[u8]) -> bool {
    signer(key, visit.id, visit.visit_date, visit.enterprise_id)
        .verify_truncated_left(tag)
        .is_ok()
}

/// What the gate learns from a valid code.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Verification {
    /// Always true: an invalid code answers 404.
    pub valid: bool,
    /// The enterprise's name.
    pub enterprise: String,
    pub credit_code: String,
    pub date: NaiveDate,
    /// The names of the agencies taking part.
    pub agencies: Vec<String>,
    /// confirmed, in_progress or completed.
    pub status: String,
}

/// What a code at the gate shows, or `None` for every kind of invalid code: bad,
/// tampered or outdated, or the code of a visit that is not confirmed, in progress or
/// completed (no caller: the gate has no account).
pub async fn verify<C: ConnectionTrait>(
    db: &C,
    key: &[u8; 32],
    code: &str,
) -> Result<Option<Verification>, ServiceError> {
    let Some((id, tag)) = code_visit(code) else {
        return Ok(None);
    };
    let Some(visit) = joint_visit::Entity::find_by_id(id).one(db).await? else {
        return Ok(None);
    };
    if !signature_holds(key, &visit, &tag) || !is_verifiable(visit.status.as_str()) {
        return Ok(None);
    }
    let Some(enterprise) = enterprise::Entity::find_by_id(visit.enterprise_id)
        .one(db)
        .await?
    else {
        return Ok(None);
    };
    let agencies = agency_names(db, visit.id).await?;
    Ok(Some(Verification {
        valid: true,
        enterprise: enterprise.name,
        credit_code: enterprise.credit_code,
        date: visit.visit_date,
        agencies,
        status: visit.status.to_string(),
    }))
}

/// The names of the agencies with a team on a visit, by agency code.
async fn agency_names<C: ConnectionTrait>(db: &C, visit_id: Uuid) -> Result<Vec<String>, DbErr> {
    let ids: Vec<Uuid> = visit_team::Entity::find()
        .filter(visit_team::Column::VisitId.eq(visit_id))
        .all(db)
        .await?
        .into_iter()
        .map(|t| t.agency_id)
        .collect();
    Ok(agency::Entity::find()
        .filter(agency::Column::Id.is_in(ids))
        .order_by_asc(agency::Column::Code)
        .all(db)
        .await?
        .into_iter()
        .map(|a| a.name)
        .collect())
}

/// A visit's verification code, when it has one.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct VisitVerification {
    pub visit_id: Uuid,
    pub status: String,
    /// The code for `GET /verify/{code}` (printed as a QR code); only for a confirmed,
    /// in-progress or completed visit. It changes when the visit is rescheduled.
    pub verification_code: Option<String>,
}

/// The verification code of a visit the caller may see (the office, the visit's
/// agencies and its enterprise); not found for any other.
pub async fn visit_verification<C: ConnectionTrait>(
    db: &C,
    caller: &Caller,
    today: NaiveDate,
    key: &[u8; 32],
    id: Uuid,
) -> Result<VisitVerification, ServiceError> {
    let visit = joint_visit::Entity::find_by_id(id)
        .filter(access::visits(caller, today))
        .one(db)
        .await?
        .ok_or(ServiceError::NotFound)?;
    let code = code_of(key, &visit);
    Ok(VisitVerification {
        visit_id: visit.id,
        status: visit.status.to_string(),
        verification_code: code,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Utc;
    use onevisit_domain::VisitStatus;

    fn visit(date: &str) -> joint_visit::Model {
        joint_visit::Model {
            id: Uuid::from_u128(0x0123_4567_89ab_cdef_0123_4567_89ab_cdef),
            enterprise_id: Uuid::from_u128(42),
            visit_date: date.parse().expect("date"),
            status: VisitStatus::Confirmed.into(),
            announced: true,
            created_at: Utc::now(),
            updated_at: Utc::now(),
        }
    }

    #[test]
    fn codes_verify_only_what_they_sign() {
        let key = [3u8; 32];
        let v = visit("2026-12-01");
        let code = verification_code(&key, v.id, v.visit_date, v.enterprise_id);
        assert_eq!(code.len(), 35, "26 bytes in base64url without padding");
        let (id, tag) = code_visit(&code).expect("well formed");
        assert_eq!(id, v.id);
        assert!(signature_holds(&key, &v, &tag));
        assert!(!signature_holds(&[4u8; 32], &v, &tag), "another key");
        assert!(
            !signature_holds(&key, &visit("2026-12-02"), &tag),
            "another day"
        );
        let mut flipped = tag.clone();
        flipped[0] ^= 1;
        assert!(!signature_holds(&key, &v, &flipped), "a tampered tag");
        assert!(code_visit("short").is_none());
        assert!(code_visit(&format!("{code}A")).is_none());
        assert!(code_visit("!!!!").is_none());
    }
}
