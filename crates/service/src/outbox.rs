//! Notifications through an outbox: [`enqueue`] writes one row per receiving URL in the
//! caller's transaction, so a notification exists exactly when the change that causes
//! it was committed; [`deliver_due`] posts the due rows later, signed with
//! HMAC-SHA256, retrying with exponential backoff until a row is delivered or dead.
//!
//! Delivery is claimed per row with a lease: on PostgreSQL the due rows are picked
//! with `FOR UPDATE SKIP LOCKED` and leased in the same statement, so two replicas
//! never post the same row at once; SQLite has one writer and OneVisit one process on
//! it. Each row's lease is renewed just before its post (a post can take up to
//! [`POST_TIMEOUT_SECONDS`], far less than a lease), and only while the lease is still
//! this process's: a batch behind a slow receiver never outlasts the lease of the row
//! being posted, so no other replica posts it meanwhile. A process that dies after
//! posting but before marking the row delivered posts it again when the lease ends: receivers deduplicate by the `X-OneVisit-Delivery`
//! header (the row's id).

use crate::entities::{outbox, webhook};
use chrono::{DateTime, Duration, Utc};
use hmac::{Hmac, Mac};
use sea_orm::sea_query::{Expr, LockBehavior, LockType};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseConnection,
    DbBackend, DbErr, EntityTrait, QueryFilter, QueryOrder, QuerySelect, TransactionTrait,
};
use sha2::Sha256;
use uuid::Uuid;

/// The header carrying `sha256=<hex HMAC-SHA256 of the body with the webhook secret>`.
pub const SIGNATURE_HEADER: &str = "x-onevisit-signature";
/// The header carrying the outbox row's id, the same on every attempt.
pub const DELIVERY_HEADER: &str = "x-onevisit-delivery";
/// The header naming the event (`tipoff.received`, `plan.fired`, ...).
pub const EVENT_HEADER: &str = "x-onevisit-event";

/// Attempts before a row is dead.
pub const MAX_ATTEMPTS: i32 = 8;
/// The wait after the first failed attempt; each further failure doubles it.
const FIRST_BACKOFF_SECONDS: i64 = 2;
/// The longest wait between two attempts.
const MAX_BACKOFF_SECONDS: i64 = 3600;
/// How long a claimed row belongs to the process that claimed it.
const LEASE_SECONDS: i64 = 60;
/// How long one post may take.
const POST_TIMEOUT_SECONDS: u64 = 10;

/// The signature of `body` under `secret`, as the signature header carries it.
pub fn signature(secret: &[u8], body: &[u8]) -> String {
    let mut mac =
        <Hmac<Sha256> as Mac>::new_from_slice(secret).expect("HMAC takes a key of any length");
    mac.update(body);
    let digest = mac.finalize().into_bytes();
    let hex: String = digest.iter().map(|b| format!("{b:02x}")).collect();
    format!("sha256={hex}")
}

/// The wait before attempt `attempts + 1` after `attempts` failures.
pub fn backoff(attempts: i32) -> Duration {
    let doublings = u32::try_from(attempts.saturating_sub(1).clamp(0, 30)).unwrap_or(0);
    let seconds = FIRST_BACKOFF_SECONDS.saturating_mul(1_i64 << doublings);
    Duration::seconds(seconds.min(MAX_BACKOFF_SECONDS))
}

/// A notification to write.
#[derive(Debug, Clone)]
pub struct Notification<'a> {
    pub event: &'a str,
    pub payload: serde_json::Value,
    /// A URL of the cause's own (a plan's webhook), besides the office's webhooks.
    pub also_to: Option<&'a str>,
    /// Set for a notification that must be written once only; a second write is ignored.
    pub dedupe_key: Option<String>,
}

/// Writes `notification` in `txn`: one row for each active webhook and one for
/// `also_to`. Returns how many rows were written.
pub async fn enqueue<C: ConnectionTrait>(
    txn: &C,
    notification: Notification<'_>,
    now: DateTime<Utc>,
) -> Result<usize, DbErr> {
    let mut urls: Vec<String> = webhook::Entity::find()
        .filter(webhook::Column::Active.eq(true))
        .order_by_asc(webhook::Column::CreatedAt)
        .all(txn)
        .await?
        .into_iter()
        .map(|w| w.url)
        .collect();
    if let Some(url) = notification.also_to {
        urls.push(url.to_owned());
    }
    urls.dedup();
    let mut written = 0;
    for url in urls {
        let dedupe_key = notification
            .dedupe_key
            .as_ref()
            .map(|key| format!("{key}@{url}"));
        if let Some(key) = &dedupe_key
            && outbox::Entity::find()
                .filter(outbox::Column::DedupeKey.eq(key.as_str()))
                .one(txn)
                .await?
                .is_some()
        {
            continue;
        }
        outbox::ActiveModel {
            id: Set(Uuid::now_v7()),
            event: Set(notification.event.to_owned()),
            payload: Set(notification.payload.clone()),
            url: Set(url),
            dedupe_key: Set(dedupe_key),
            status: Set("pending".to_owned()),
            attempts: Set(0),
            next_attempt_at: Set(now),
            lease_until: Set(None),
            last_error: Set(None),
            created_at: Set(now),
            delivered_at: Set(None),
        }
        .insert(txn)
        .await?;
        written += 1;
    }
    Ok(written)
}

/// What a delivery round did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct DeliveryCounts {
    pub delivered: u64,
    pub retried: u64,
    pub dead: u64,
}

/// Claims up to `limit` due rows for this process: leases them until `now + lease`,
/// which it returns with them.
async fn claim(
    db: &DatabaseConnection,
    now: DateTime<Utc>,
    limit: u64,
) -> Result<(Vec<outbox::Model>, DateTime<Utc>), DbErr> {
    let lease = now + Duration::seconds(LEASE_SECONDS);
    let txn = db.begin().await?;
    let due = outbox::Entity::find()
        .filter(outbox::Column::Status.eq("pending"))
        .filter(outbox::Column::NextAttemptAt.lte(now))
        .filter(
            sea_orm::Condition::any()
                .add(outbox::Column::LeaseUntil.is_null())
                .add(outbox::Column::LeaseUntil.lt(now)),
        )
        .order_by_asc(outbox::Column::NextAttemptAt)
        .order_by_asc(outbox::Column::Id)
        .limit(limit);
    let rows = match txn.get_database_backend() {
        DbBackend::Postgres => {
            // Rows another replica is claiming right now are skipped, not waited for.
            due.lock_with_behavior(LockType::Update, LockBehavior::SkipLocked)
                .all(&txn)
                .await?
        }
        _ => due.all(&txn).await?,
    };
    let ids: Vec<Uuid> = rows.iter().map(|r| r.id).collect();
    if !ids.is_empty() {
        outbox::Entity::update_many()
            .col_expr(outbox::Column::LeaseUntil, Expr::value(lease))
            .filter(outbox::Column::Id.is_in(ids))
            .exec(&txn)
            .await?;
    }
    txn.commit().await?;
    Ok((rows, lease))
}

/// Extends the lease of a row claimed until `claimed` to `at + lease` while it is still
/// this process's: unexpired at `at`, and not claimed since (another claim would have
/// leased it past `claimed`, since it could only claim after `claimed`); false when not.
async fn renew_lease(
    db: &DatabaseConnection,
    id: Uuid,
    claimed: DateTime<Utc>,
    at: DateTime<Utc>,
) -> Result<bool, DbErr> {
    let renewed = outbox::Entity::update_many()
        .col_expr(
            outbox::Column::LeaseUntil,
            Expr::value(at + Duration::seconds(LEASE_SECONDS)),
        )
        .filter(outbox::Column::Id.eq(id))
        .filter(outbox::Column::Status.eq("pending"))
        .filter(outbox::Column::LeaseUntil.gt(at))
        .filter(outbox::Column::LeaseUntil.lte(claimed))
        .exec(db)
        .await?;
    Ok(renewed.rows_affected == 1)
}

async fn post(client: &reqwest::Client, secret: &[u8], row: &outbox::Model) -> Result<(), String> {
    let body = serde_json::to_vec(&serde_json::json!({
        "id": row.id,
        "event": row.event,
        "created_at": row.created_at,
        "data": row.payload,
    }))
    .map_err(|e| e.to_string())?;
    let response = client
        .post(&row.url)
        .timeout(std::time::Duration::from_secs(POST_TIMEOUT_SECONDS))
        .header(reqwest::header::CONTENT_TYPE, "application/json")
        .header(SIGNATURE_HEADER, signature(secret, &body))
        .header(DELIVERY_HEADER, row.id.to_string())
        .header(EVENT_HEADER, row.event.as_str())
        .body(body)
        .send()
        .await
        .map_err(|e| e.to_string())?;
    if response.status().is_success() {
        Ok(())
    } else {
        Err(format!("the receiver answered {}", response.status()))
    }
}

/// Posts the rows due at `now` (at most `limit`) and records each result; a failed
/// row is due again [`backoff`] after `now`.
pub async fn deliver_due(
    db: &DatabaseConnection,
    client: &reqwest::Client,
    secret: &[u8],
    now: DateTime<Utc>,
    limit: u64,
) -> Result<DeliveryCounts, DbErr> {
    let mut counts = DeliveryCounts::default();
    let started = std::time::Instant::now();
    let (rows, lease) = claim(db, now, limit).await?;
    for row in rows {
        // The batch's clock moves on with the posts before this one.
        let at = now + Duration::from_std(started.elapsed()).unwrap_or_default();
        if !renew_lease(db, row.id, lease, at).await? {
            continue;
        }
        let attempts = row.attempts.saturating_add(1);
        let result = post(client, secret, &row).await;
        let mut active: outbox::ActiveModel = row.into();
        active.attempts = Set(attempts);
        active.lease_until = Set(None);
        match result {
            Ok(()) => {
                active.status = Set("delivered".to_owned());
                active.delivered_at = Set(Some(now));
                active.last_error = Set(None);
                counts.delivered += 1;
            }
            Err(error) if attempts >= MAX_ATTEMPTS => {
                active.status = Set("dead".to_owned());
                active.last_error = Set(Some(error));
                counts.dead += 1;
            }
            Err(error) => {
                active.next_attempt_at = Set(now + backoff(attempts));
                active.last_error = Set(Some(error));
                counts.retried += 1;
            }
        }
        active.update(db).await?;
    }
    Ok(counts)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_notification_nobody_takes_is_retried_with_backoff_then_dead() {
        let database = crate::testing::TestDatabase::new().await;
        let db = crate::db::open(&database.config).await.expect("database");
        // Nothing listens on port 1 of this machine.
        let start: DateTime<Utc> = "2026-11-09T00:00:00Z".parse().expect("time");
        let written = enqueue(
            &db,
            Notification {
                event: "test.event",
                payload: serde_json::json!({"n": 1}),
                also_to: Some("http://127.0.0.1:1/hook"),
                dedupe_key: Some("once".to_owned()),
            },
            start,
        )
        .await
        .expect("enqueue");
        assert_eq!(written, 1);
        let again = Notification {
            event: "test.event",
            payload: serde_json::json!({"n": 1}),
            also_to: Some("http://127.0.0.1:1/hook"),
            dedupe_key: Some("once".to_owned()),
        };
        assert_eq!(enqueue(&db, again, start).await.expect("enqueue"), 0);
        let client = reqwest::Client::new();
        let mut now = start;
        for attempt in 1..=MAX_ATTEMPTS {
            // Not due before its backoff has passed.
            let early = deliver_due(&db, &client, b"k", now - Duration::seconds(1), 10)
                .await
                .expect("deliver");
            assert_eq!(early, DeliveryCounts::default());
            let counts = deliver_due(&db, &client, b"k", now, 10)
                .await
                .expect("deliver");
            let row = outbox::Entity::find()
                .one(&db)
                .await
                .expect("row")
                .expect("one row");
            assert_eq!(row.attempts, attempt);
            assert!(row.last_error.is_some());
            if attempt < MAX_ATTEMPTS {
                assert_eq!(counts.retried, 1);
                assert_eq!(row.next_attempt_at, now + backoff(attempt));
                now = row.next_attempt_at;
            } else {
                assert_eq!(counts.dead, 1);
                assert_eq!(row.status, "dead");
            }
        }
        let after = deliver_due(&db, &client, b"k", now + Duration::days(1), 10)
            .await
            .expect("deliver");
        assert_eq!(
            after,
            DeliveryCounts::default(),
            "a dead letter is not retried"
        );
    }

    #[test]
    fn the_wait_doubles_from_two_seconds_up_to_an_hour() {
        let waits: Vec<i64> = (1..=4).map(|a| backoff(a).num_seconds()).collect();
        assert_eq!(waits, vec![2, 4, 8, 16]);
        assert_eq!(backoff(40).num_seconds(), 3600);
    }

    #[test]
    fn the_signature_is_the_hex_hmac_of_the_body() {
        // RFC 4231, test case 2.
        assert_eq!(
            signature(b"Jefe", b"what do ya want for nothing?"),
            "sha256=5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
    }

    #[tokio::test]
    async fn a_lease_is_renewed_only_while_it_is_still_this_process_s() {
        let database = crate::testing::TestDatabase::new().await;
        let db = crate::db::open(&database.config).await.expect("database");
        let start: DateTime<Utc> = "2026-11-09T00:00:00Z".parse().expect("time");
        let notification = Notification {
            event: "test.event",
            payload: serde_json::json!({}),
            also_to: Some("http://127.0.0.1:1/hook"),
            dedupe_key: None,
        };
        enqueue(&db, notification.clone(), start)
            .await
            .expect("enqueue");
        let (rows, lease) = claim(&db, start, 10).await.expect("claim");
        let id = rows[0].id;
        assert!(
            renew_lease(&db, id, lease, start + Duration::seconds(30))
                .await
                .expect("renew"),
            "half-way through its lease, the row is still ours"
        );

        // A batch slow enough that the lease ran out, and another replica claimed the row.
        enqueue(&db, notification, start).await.expect("enqueue");
        let (rows, lease) = claim(&db, start, 10).await.expect("claim");
        let slow = rows[0].id;
        let later = start + Duration::seconds(LEASE_SECONDS + 5);
        let (taken, _) = claim(&db, later, 10)
            .await
            .expect("the other replica's claim");
        assert!(taken.iter().any(|r| r.id == slow));
        assert!(
            !renew_lease(&db, slow, lease, later + Duration::seconds(1))
                .await
                .expect("renew"),
            "the row is the other replica's now: not posted again"
        );
    }
}
