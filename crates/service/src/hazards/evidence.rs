//! Evidence files: photos and documents of a finding or a rectification. The type is
//! told by the bytes, not the name; the file goes to a temporary name under the
//! evidence directory while it streams in (counted against the size limit and hashed
//! with SHA-256), and is renamed and recorded only when all of it is good. A failed
//! upload leaves no file behind.

use super::{Context, find_visible};
use crate::Caller;
use crate::ServiceError;
use crate::audit::{self, Change, Subject};
use crate::entities::evidence_file;
use crate::idempotency::{self, Operation};
use onevisit_domain::HazardStatus;
use sea_orm::{ActiveModelTrait, ActiveValue::Set, EntityTrait, TransactionTrait};
use serde_json::json;
use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};
use tokio::io::AsyncWriteExt;
use uuid::Uuid;

/// A type of file accepted as evidence, known by its first bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Kind {
    pub content_type: &'static str,
    pub extension: &'static str,
    magic: &'static [u8],
}

/// JPEG and PNG photos, PDF documents.
pub const ALLOWED: [Kind; 3] = [
    Kind {
        content_type: "image/jpeg",
        extension: "jpg",
        magic: &[0xFF, 0xD8, 0xFF],
    },
    Kind {
        content_type: "image/png",
        extension: "png",
        magic: b"\x89PNG\r\n\x1a\n",
    },
    Kind {
        content_type: "application/pdf",
        extension: "pdf",
        magic: b"%PDF-",
    },
];

/// The longest magic number: enough of the head of a file to tell its type.
const HEAD: usize = 8;

/// The type of a file from its first bytes, if it is one of [`ALLOWED`].
pub fn sniff(head: &[u8]) -> Option<Kind> {
    ALLOWED.into_iter().find(|k| head.starts_with(k.magic))
}

/// A chunk source: the multipart field, or anything else that yields bytes.
pub trait Chunks {
    fn next_chunk(
        &mut self,
    ) -> impl std::future::Future<Output = Result<Option<bytes::Bytes>, ServiceError>> + Send;
}

/// Removes the temporary file unless it was kept.
struct Temporary(Option<PathBuf>);

impl Temporary {
    /// The file stays.
    fn keep(mut self) {
        self.0 = None;
    }
}

impl Drop for Temporary {
    fn drop(&mut self) {
        if let Some(path) = self.0.take() {
            std::fs::remove_file(path).ok();
        }
    }
}

/// A file that streamed in whole and fits.
struct Received {
    temporary: Temporary,
    kind: Kind,
    size: u64,
    sha256: String,
}

async fn receive(
    dir: &Path,
    max_bytes: u64,
    chunks: &mut impl Chunks,
) -> Result<Received, ServiceError> {
    tokio::fs::create_dir_all(dir).await.map_err(|e| {
        ServiceError::Internal(format!("evidence directory {}: {e}", dir.display()))
    })?;
    let path = dir.join(format!(".upload-{}.part", Uuid::new_v4().simple()));
    let temporary = Temporary(Some(path.clone()));
    let mut file = tokio::fs::File::create(&path)
        .await
        .map_err(|e| ServiceError::Internal(format!("{}: {e}", path.display())))?;
    let mut hasher = Sha256::new();
    let mut head = Vec::with_capacity(HEAD);
    let mut size: u64 = 0;
    while let Some(chunk) = chunks.next_chunk().await? {
        size += chunk.len() as u64;
        if size > max_bytes {
            return Err(ServiceError::field(
                "file",
                format!("is larger than the limit of {max_bytes} bytes"),
            ));
        }
        if head.len() < HEAD {
            let take = (HEAD - head.len()).min(chunk.len());
            head.extend_from_slice(&chunk[..take]);
        }
        hasher.update(&chunk);
        file.write_all(&chunk)
            .await
            .map_err(|e| ServiceError::Internal(format!("{}: {e}", path.display())))?;
    }
    if size == 0 {
        return Err(ServiceError::field("file", "is empty"));
    }
    let kind = sniff(&head).ok_or_else(|| {
        ServiceError::field(
            "file",
            format!(
                "is not an accepted type; accepted: {} (told by the content, not the name)",
                ALLOWED.map(|k| k.content_type).join(", ")
            ),
        )
    })?;
    file.sync_all()
        .await
        .map_err(|e| ServiceError::Internal(format!("{}: {e}", path.display())))?;
    Ok(Received {
        temporary,
        kind,
        size,
        sha256: format!("{:x}", hasher.finalize()),
    })
}

/// Stores one evidence file of a hazard the caller may see.
pub async fn upload(
    cx: Context<'_>,
    caller: &Caller,
    hazard_id: Uuid,
    original_name: &str,
    chunks: &mut impl Chunks,
) -> Result<evidence_file::Model, ServiceError> {
    upload_once(cx, caller, hazard_id, original_name, None, chunks).await
}

/// The evidence file the caller's earlier upload with `key` stored.
async fn stored_with(
    cx: Context<'_>,
    caller: &Caller,
    key: &str,
    body_hash: &str,
) -> Result<Option<evidence_file::Model>, ServiceError> {
    let Some(id) =
        idempotency::replay(cx.db, caller, key, Operation::UploadEvidence, body_hash).await?
    else {
        return Ok(None);
    };
    let file = evidence_file::Entity::find_by_id(id)
        .one(cx.db)
        .await?
        .ok_or_else(|| {
            ServiceError::Internal(format!("idempotency key of a vanished file {id}"))
        })?;
    Ok(Some(file))
}

/// [`upload`] with an idempotency key (the `Idempotency-Key` header's bytes): a retry
/// with the same key, hazard and content returns the file the first one stored and
/// keeps nothing new; the same key with another hazard or content is invalid.
pub async fn upload_once(
    cx: Context<'_>,
    caller: &Caller,
    hazard_id: Uuid,
    original_name: &str,
    key: Option<&[u8]>,
    chunks: &mut impl Chunks,
) -> Result<evidence_file::Model, ServiceError> {
    let key = crate::requests::idempotency_key(key)?;
    // Whoever sees the hazard may add to it: the enterprise its rectification's
    // evidence, the agencies and the office the finding's; the role is recorded.
    let row = find_visible(cx.db, caller, hazard_id).await?;
    let dir = &cx.config.evidence_dir;
    let mut received = receive(dir, cx.config.max_evidence_bytes, chunks).await?;
    // The content is known only once it is in: a retry's copy goes with its guard.
    let body_hash = idempotency::hash(format!("{hazard_id} {}", received.sha256).as_bytes());
    if let Some(key) = &key
        && let Some(first) = stored_with(cx, caller, key, &body_hash).await?
    {
        return Ok(first);
    }
    if row.status == HazardStatus::Closed {
        return Err(ServiceError::Conflict(
            "the hazard is closed: its evidence is final".to_owned(),
        ));
    }
    let name: String = original_name
        .chars()
        .filter(|c| !c.is_control())
        .take(255)
        .collect();
    let id = Uuid::now_v7();
    let file_name = format!("{}.{}", id.simple(), received.kind.extension);
    let final_path = dir.join(&file_name);
    let now = cx.clock.now();
    let txn = cx.db.begin().await?;
    if let Some(key) = &key
        && !idempotency::claim(&txn, caller, key, Operation::UploadEvidence, &body_hash, id).await?
    {
        // A concurrent retry with the same key committed first: answer as it did.
        drop(txn);
        return stored_with(cx, caller, key, &body_hash)
            .await?
            .ok_or_else(|| {
                ServiceError::Unavailable("the same file is being stored; try again".to_owned())
            });
    }
    let stored = evidence_file::ActiveModel {
        id: Set(id),
        hazard_id: Set(hazard_id),
        file_name: Set(file_name),
        original_name: Set(name),
        content_type: Set(received.kind.content_type.to_owned()),
        size_bytes: Set(i64::try_from(received.size).unwrap_or(i64::MAX)),
        sha256: Set(received.sha256.clone()),
        uploaded_by: Set(caller.user_id),
        uploader_role: Set(caller.role.as_str().to_owned()),
        uploaded_at: Set(now),
    }
    .insert(&txn)
    .await?;
    let change = Change::new(Subject::Hazard(hazard_id), "add_evidence").from_to(
        None,
        Some(json!({
            "evidence_id": id,
            "sha256": received.sha256,
            "content_type": received.kind.content_type,
            "size_bytes": received.size,
        })),
    );
    audit::record(&txn, caller, now, change).await?;
    // Renamed before the commit: if the commit fails, the file goes with the guard.
    let temporary = received
        .temporary
        .0
        .take()
        .ok_or_else(|| ServiceError::Internal("the upload lost its file".to_owned()))?;
    tokio::fs::rename(&temporary, &final_path)
        .await
        .map_err(|e| ServiceError::Internal(format!("{}: {e}", final_path.display())))?;
    let kept = Temporary(Some(final_path));
    txn.commit().await?;
    kept.keep();
    Ok(stored)
}

/// An evidence file of a hazard the caller may see, and its path.
pub async fn find(
    cx: Context<'_>,
    caller: &Caller,
    id: Uuid,
) -> Result<(evidence_file::Model, PathBuf), ServiceError> {
    let file = evidence_file::Entity::find_by_id(id)
        .one(cx.db)
        .await?
        .ok_or(ServiceError::NotFound)?;
    find_visible(cx.db, caller, file.hazard_id).await?;
    let path = cx.config.evidence_dir.join(&file.file_name);
    Ok((file, path))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn types_are_told_by_their_first_bytes() {
        assert_eq!(
            sniff(&[0xFF, 0xD8, 0xFF, 0xE0, 0, 0x10]).map(|k| k.content_type),
            Some("image/jpeg")
        );
        assert_eq!(
            sniff(b"\x89PNG\r\n\x1a\n\0\0").map(|k| k.extension),
            Some("png")
        );
        assert_eq!(sniff(b"%PDF-1.7\n").map(|k| k.extension), Some("pdf"));
        assert_eq!(sniff(b"GIF89a"), None);
        assert_eq!(sniff(b"MZ\x90\0"), None, "an executable named photo.jpg");
        assert_eq!(sniff(b"<svg"), None);
        assert_eq!(sniff(b""), None);
    }
}
