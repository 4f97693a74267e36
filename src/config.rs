//! Configuration: flags, then environment variables, then an optional TOML file,
//! then defaults. Secrets (the database password) are never logged.

use onevisit_api::auth::AuthConfig;
use onevisit_scheduler::periodic::CronSchedule;
use onevisit_service::db::{DatabaseConfig, DatabaseUrl};
use onevisit_service::hazards::HazardConfig;
use onevisit_service::jobs::JobsConfig;
use serde::Deserialize;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// What a configuration file may set. Unknown keys are refused.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileConfig {
    pub listen: Option<String>,
    pub database_url: Option<String>,
    /// Connections each server process keeps to the database.
    pub database_pool_size: Option<u32>,
    pub log_format: Option<LogFormat>,
    /// The token signing secret (at least 32 bytes). Prefer the environment variable.
    pub jwt_secret: Option<String>,
    pub token_ttl_seconds: Option<i64>,
    /// Whether this process runs the periodic jobs (default true).
    pub jobs: Option<bool>,
    /// Working days of notice before an announced visit.
    pub notice_working_days: Option<u32>,
    /// When the outbox is delivered (cron, seconds first).
    pub delivery_schedule: Option<String>,
    /// How many seconds the nightly re-plan may spend improving the plan (0: none).
    pub replan_time_limit_seconds: Option<u64>,
    /// The webhooks' signing secret. Prefer the environment variable.
    pub webhook_secret: Option<String>,
    /// Mark the web pages' session cookies Secure (when served over TLS).
    pub secure_cookies: Option<bool>,
    /// Where evidence files of hazards are stored.
    pub evidence_dir: Option<PathBuf>,
    /// The largest evidence file accepted, in bytes.
    pub evidence_max_bytes: Option<u64>,
    /// Default rectification deadlines: `general_days`, `major_days`, `follow_up_working_days`.
    pub hazard_deadlines: Option<onevisit_domain::DeadlinePolicy>,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    /// Human-readable lines.
    #[default]
    Human,
    /// One JSON object a line, for log collectors.
    Json,
}

/// Why the configuration cannot be used. Each names the setting.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("--config {path}: {reason}")]
    File { path: String, reason: String },
    #[error("--listen / ONEVISIT_LISTEN: {value:?} is not an address like 127.0.0.1:8080")]
    Listen { value: String },
    #[error(transparent)]
    Database(#[from] onevisit_service::db::DatabaseError),
    #[error("{0}")]
    Auth(String),
    #[error("--delivery-schedule / ONEVISIT_DELIVERY_SCHEDULE: {0}")]
    Schedule(String),
    #[error("ONEVISIT_WEBHOOK_SECRET: must be at least 16 bytes")]
    WebhookSecret,
    #[error("{0}")]
    Evidence(String),
    #[error("--database-pool-size / ONEVISIT_DATABASE_POOL_SIZE: must be 1 to {MAX_POOL_SIZE}")]
    PoolSize,
}

/// The most connections a process may keep (PostgreSQL's default limit is 100 in all).
pub const MAX_POOL_SIZE: u32 = 1000;

/// What the command line and the environment say about the periodic jobs.
#[derive(Debug, Default)]
pub struct JobFlags<'a> {
    pub no_jobs: bool,
    pub notice_working_days: Option<u32>,
    pub delivery_schedule: Option<&'a str>,
    pub replan_time_limit_seconds: Option<u64>,
    pub webhook_secret: Option<&'a str>,
}

/// Tokens live 15 minutes unless configured otherwise.
pub const DEFAULT_TOKEN_TTL_SECONDS: i64 = 900;

pub const DEFAULT_LISTEN: &str = "127.0.0.1:8080";

impl FileConfig {
    pub fn load(path: Option<&Path>) -> Result<Self, ConfigError> {
        let Some(path) = path else {
            return Ok(Self::default());
        };
        let text = std::fs::read_to_string(path).map_err(|e| ConfigError::File {
            path: path.display().to_string(),
            reason: e.to_string(),
        })?;
        toml::from_str(&text).map_err(|e| ConfigError::File {
            path: path.display().to_string(),
            reason: e.to_string(),
        })
    }

    /// The database: the flag or `DATABASE_URL`, else the file, else `onevisit.db` here;
    /// its pool size: the flag or `ONEVISIT_DATABASE_POOL_SIZE`, else the file, else
    /// [`onevisit_service::db::default_pool_size`].
    pub fn database(
        &self,
        given: Option<&str>,
        pool_size: Option<u32>,
    ) -> Result<DatabaseConfig, ConfigError> {
        let url = match given.or(self.database_url.as_deref()) {
            Some(raw) => DatabaseUrl::parse(raw)?,
            None => DatabaseUrl::default_sqlite(),
        };
        let mut config = DatabaseConfig::new(url);
        if let Some(size) = pool_size.or(self.database_pool_size) {
            if !(1..=MAX_POOL_SIZE).contains(&size) {
                return Err(ConfigError::PoolSize);
            }
            config.max_connections = size;
        }
        Ok(config)
    }

    /// The token signing key: the environment's `ONEVISIT_JWT_SECRET`, else the file's.
    /// With neither, a key made up at start (tokens then die with the process) and a warning.
    pub fn auth(&self, env_secret: Option<&str>) -> Result<AuthConfig, ConfigError> {
        let ttl = self.token_ttl_seconds.unwrap_or(DEFAULT_TOKEN_TTL_SECONDS);
        match env_secret.or(self.jwt_secret.as_deref()) {
            Some(secret) => AuthConfig::new(secret.as_bytes(), ttl).map_err(ConfigError::Auth),
            None => {
                tracing::warn!(
                    "ONEVISIT_JWT_SECRET is not set: signing tokens with a key made up at start; \
                     tokens will not survive a restart nor work across replicas"
                );
                Ok(AuthConfig::ephemeral(ttl))
            }
        }
    }

    /// The periodic jobs: flags and environment, else the file, else the defaults. With
    /// no webhook secret, one made up at start (signatures then change with the process).
    pub fn jobs(&self, flags: &JobFlags<'_>) -> Result<JobsConfig, ConfigError> {
        let secret = match flags.webhook_secret.or(self.webhook_secret.as_deref()) {
            Some(secret) if secret.len() >= 16 => secret.as_bytes().to_vec(),
            Some(_) => return Err(ConfigError::WebhookSecret),
            None => {
                tracing::warn!(
                    "ONEVISIT_WEBHOOK_SECRET is not set: signing webhooks with a key made up at start"
                );
                let mut key = [0_u8; 32];
                rand::RngCore::fill_bytes(&mut rand::rng(), &mut key);
                key.to_vec()
            }
        };
        let mut config = JobsConfig::new(&secret);
        config.enabled = !flags.no_jobs && self.jobs.unwrap_or(true);
        if let Some(days) = flags.notice_working_days.or(self.notice_working_days) {
            config.notice_working_days = days;
        }
        if let Some(raw) = flags
            .delivery_schedule
            .or(self.delivery_schedule.as_deref())
        {
            config.delivery_schedule =
                CronSchedule::parse(raw).map_err(|e| ConfigError::Schedule(e.to_string()))?;
        }
        if let Some(seconds) = flags
            .replan_time_limit_seconds
            .or(self.replan_time_limit_seconds)
        {
            config.replan_time_limit = (seconds > 0).then(|| Duration::from_secs(seconds));
        }
        Ok(config)
    }

    /// Hazards: the evidence directory from the flag or `ONEVISIT_EVIDENCE_DIR`, else the
    /// file's, else `./evidence`; the size limit and deadlines from the file.
    pub fn hazards(&self, given: Option<&Path>) -> Result<HazardConfig, ConfigError> {
        let mut config = match given.or(self.evidence_dir.as_deref()) {
            Some(dir) => HazardConfig::new(dir),
            None => HazardConfig::default(),
        };
        if let Some(max) = self.evidence_max_bytes {
            if max == 0 {
                return Err(ConfigError::Evidence(
                    "evidence_max_bytes: must be at least 1".to_owned(),
                ));
            }
            config.max_evidence_bytes = max;
        }
        if let Some(policy) = self.hazard_deadlines {
            config.policy = policy;
        }
        Ok(config)
    }

    pub fn listen(&self, given: Option<&str>) -> Result<SocketAddr, ConfigError> {
        let value = given.or(self.listen.as_deref()).unwrap_or(DEFAULT_LISTEN);
        value.parse().map_err(|_| ConfigError::Listen {
            value: value.to_owned(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flags_win_over_the_file_and_defaults_fill_in() {
        let file: FileConfig =
            toml::from_str("listen = \"0.0.0.0:9000\"\nlog_format = \"json\"").expect("toml");
        assert_eq!(file.listen(None).expect("addr").port(), 9000);
        assert_eq!(file.listen(Some("127.0.0.1:1")).expect("addr").port(), 1);
        assert_eq!(
            FileConfig::default()
                .listen(None)
                .expect("addr")
                .to_string(),
            DEFAULT_LISTEN
        );
        assert_eq!(file.log_format, Some(LogFormat::Json));
        assert!(file.database(None, None).is_ok());
        let sized: FileConfig = toml::from_str("database_pool_size = 6").expect("toml");
        assert_eq!(sized.database(None, None).expect("db").max_connections, 6);
        assert_eq!(
            sized.database(None, Some(3)).expect("db").max_connections,
            3
        );
        let default = FileConfig::default().database(None, None).expect("db");
        assert!((4..=32).contains(&default.max_connections));
    }

    #[test]
    fn bad_values_name_the_setting() {
        let err = FileConfig::default()
            .listen(Some("localhost"))
            .expect_err("bad");
        assert!(err.to_string().starts_with("--listen / ONEVISIT_LISTEN"));
        let err = FileConfig::default()
            .database(Some("mysql://x"), None)
            .expect_err("bad");
        assert!(err.to_string().starts_with("DATABASE_URL"));
        let err = FileConfig::default()
            .database(None, Some(0))
            .expect_err("no connections");
        assert!(err.to_string().starts_with("--database-pool-size"));
        assert!(toml::from_str::<FileConfig>("colour = 1").is_err());
        let err = FileConfig::default()
            .auth(Some("short"))
            .expect_err("short secret");
        assert!(err.to_string().starts_with("ONEVISIT_JWT_SECRET"));
        assert!(FileConfig::default().auth(Some(&"k".repeat(32))).is_ok());
        let bad_schedule = JobFlags {
            delivery_schedule: Some("*/5 * * * *"),
            ..JobFlags::default()
        };
        let err = FileConfig::default()
            .jobs(&bad_schedule)
            .expect_err("five fields");
        assert!(err.to_string().starts_with("--delivery-schedule"));
    }

    #[test]
    fn job_settings_come_from_flags_then_the_file() {
        let file: FileConfig = toml::from_str(
            "jobs = false\nnotice_working_days = 5\nwebhook_secret = \"0123456789abcdef\"",
        )
        .expect("toml");
        let from_file = file.jobs(&JobFlags::default()).expect("jobs");
        assert!(!from_file.enabled);
        assert_eq!(from_file.notice_working_days, 5);
        assert_eq!(&*from_file.webhook_secret, b"0123456789abcdef");
        let flags = JobFlags {
            notice_working_days: Some(2),
            ..JobFlags::default()
        };
        assert_eq!(file.jobs(&flags).expect("jobs").notice_working_days, 2);
        assert_eq!(
            from_file.replan_time_limit,
            Some(onevisit_service::jobs::DEFAULT_REPLAN_TIME_LIMIT)
        );
        let budget: FileConfig = toml::from_str("replan_time_limit_seconds = 0").expect("toml");
        assert_eq!(
            budget
                .jobs(&JobFlags::default())
                .expect("jobs")
                .replan_time_limit,
            None
        );
        let flags = JobFlags {
            replan_time_limit_seconds: Some(120),
            ..JobFlags::default()
        };
        assert_eq!(
            budget.jobs(&flags).expect("jobs").replan_time_limit,
            Some(Duration::from_secs(120))
        );
        let short = JobFlags {
            webhook_secret: Some("short"),
            ..JobFlags::default()
        };
        assert!(FileConfig::default().jobs(&short).is_err());
    }

    #[test]
    fn hazards_take_the_flag_then_the_file_and_refuse_a_zero_limit() {
        let file: FileConfig = toml::from_str(
            "evidence_dir = \"/srv/evidence\"\nevidence_max_bytes = 2048\n\
             [hazard_deadlines]\nmajor_days = 60",
        )
        .expect("toml");
        let config = file.hazards(None).expect("hazards");
        assert_eq!(config.evidence_dir, Path::new("/srv/evidence"));
        assert_eq!(config.max_evidence_bytes, 2048);
        assert_eq!(config.policy.major_days(), 60);
        assert_eq!(config.policy.general_days(), 30);
        let flagged = file.hazards(Some(Path::new("/tmp/e"))).expect("hazards");
        assert_eq!(flagged.evidence_dir, Path::new("/tmp/e"));
        let defaults = FileConfig::default().hazards(None).expect("hazards");
        assert_eq!(defaults.evidence_dir, Path::new("evidence"));
        let zero: FileConfig = toml::from_str("evidence_max_bytes = 0").expect("toml");
        let err = zero.hazards(None).expect_err("a zero limit");
        assert!(err.to_string().starts_with("evidence_max_bytes"));
        assert!(toml::from_str::<FileConfig>("[hazard_deadlines]\nmajor_days = 0").is_err());
    }
}
