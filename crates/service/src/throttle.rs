//! Failed logins, counted per account and per address in the database so that every
//! replica sees the same counts: too many in a window locks the key for a while.

use crate::entities::login_throttle;
use chrono::{DateTime, Duration, Utc};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, DatabaseConnection, DbErr, EntityTrait, IntoActiveModel,
};

/// How many failures a key may have in a window before it is locked, and for how long.
#[derive(Debug, Clone, Copy)]
pub struct ThrottlePolicy {
    pub account_failures: i32,
    pub address_failures: i32,
    pub window: Duration,
    pub lockout: Duration,
}

impl Default for ThrottlePolicy {
    fn default() -> Self {
        Self {
            account_failures: 5,
            address_failures: 20,
            window: Duration::minutes(15),
            lockout: Duration::minutes(15),
        }
    }
}

/// The throttle over the `login_throttle` table.
#[derive(Debug, Clone, Copy, Default)]
pub struct LoginThrottle {
    pub policy: ThrottlePolicy,
}

fn account_key(username: &str) -> String {
    format!("account:{}", username.to_lowercase())
}

fn address_key(address: &str) -> String {
    format!("address:{address}")
}

impl LoginThrottle {
    /// When the account or the address is locked, the time the lock ends.
    pub async fn locked_until(
        &self,
        db: &DatabaseConnection,
        username: &str,
        address: &str,
        now: DateTime<Utc>,
    ) -> Result<Option<DateTime<Utc>>, DbErr> {
        let mut until = None;
        for key in [account_key(username), address_key(address)] {
            if let Some(row) = login_throttle::Entity::find_by_id(key).one(db).await?
                && let Some(locked) = row.locked_until
                && locked > now
            {
                until = until.max(Some(locked));
            }
        }
        Ok(until)
    }

    /// Counts a failure against the account and the address.
    pub async fn record_failure(
        &self,
        db: &DatabaseConnection,
        username: &str,
        address: &str,
        now: DateTime<Utc>,
    ) -> Result<(), DbErr> {
        let keys = [
            (account_key(username), self.policy.account_failures),
            (address_key(address), self.policy.address_failures),
        ];
        for (key, limit) in keys {
            let row = login_throttle::Entity::find_by_id(key.clone())
                .one(db)
                .await?;
            match row {
                Some(row) => {
                    let fresh = now - row.window_started_at > self.policy.window;
                    let failures = if fresh { 1 } else { row.failures + 1 };
                    let mut active = row.into_active_model();
                    active.failures = Set(failures);
                    if fresh {
                        active.window_started_at = Set(now);
                    }
                    if failures >= limit {
                        active.locked_until = Set(Some(now + self.policy.lockout));
                    }
                    active.update(db).await?;
                }
                None => {
                    let model = login_throttle::ActiveModel {
                        key: Set(key),
                        failures: Set(1),
                        window_started_at: Set(now),
                        locked_until: Set((limit <= 1).then(|| now + self.policy.lockout)),
                    };
                    // Two replicas may count the first failure at once; one count is enough.
                    if let Err(err) = model.insert(db).await
                        && err.sql_err().is_none()
                    {
                        return Err(err);
                    }
                }
            }
        }
        Ok(())
    }

    /// A successful login clears the account's count (not the address's).
    pub async fn record_success(
        &self,
        db: &DatabaseConnection,
        username: &str,
    ) -> Result<(), DbErr> {
        login_throttle::Entity::delete_by_id(account_key(username))
            .exec(db)
            .await?;
        Ok(())
    }
}
