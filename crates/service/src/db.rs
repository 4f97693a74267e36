//! Where the data lives: SQLite (the default, one file) or PostgreSQL.

use onevisit_migration::{Migrator, MigratorTrait};
use sea_orm::{
    ConnectOptions, ConnectionTrait, Database, DatabaseConnection, DatabaseTransaction, DbErr,
    TransactionTrait,
};
use std::fmt;
use std::time::Duration;

/// The database or a transaction on it: a write that opens its own transaction runs
/// alone on the first and as a savepoint of the second, so a caller can make several
/// such writes one change.
pub trait Connection:
    ConnectionTrait + TransactionTrait<Transaction = DatabaseTransaction>
{
}

impl<C: ConnectionTrait + TransactionTrait<Transaction = DatabaseTransaction>> Connection for C {}

/// Why a database URL was refused or the database could not be used.
#[derive(Debug, thiserror::Error)]
pub enum DatabaseError {
    #[error("DATABASE_URL: {reason} (expected sqlite://FILE or postgres://USER@HOST:PORT/DB)")]
    Url { reason: String },
    #[error("cannot reach the database at {url}: {source}")]
    Unreachable { url: String, source: DbErr },
    #[error("cannot bring the schema of {url} up to date: {source}")]
    Migration { url: String, source: DbErr },
}

/// Which database a URL names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// A checked database URL. Its `Display` hides the password so it can be logged.
#[derive(Clone, PartialEq, Eq)]
pub struct DatabaseUrl {
    url: String,
    backend: Backend,
}

impl DatabaseUrl {
    /// The SQLite file `onevisit.db` in the working directory, created on first start.
    pub fn default_sqlite() -> Self {
        Self {
            url: "sqlite://onevisit.db?mode=rwc".to_owned(),
            backend: Backend::Sqlite,
        }
    }

    pub fn parse(raw: &str) -> Result<Self, DatabaseError> {
        let raw = raw.trim();
        let bad = |reason: &str| DatabaseError::Url {
            reason: reason.to_owned(),
        };
        let (scheme, rest) = raw
            .split_once(':')
            .ok_or_else(|| bad("no scheme: the URL must start with sqlite: or postgres:"))?;
        match scheme {
            "sqlite" => {
                let path = rest.trim_start_matches("//");
                if path.is_empty() || path.starts_with('?') {
                    return Err(bad("sqlite URL names no file"));
                }
                // Create the file on first start unless the URL says otherwise.
                let url = if path == ":memory:" || raw.contains("mode=") {
                    raw.to_owned()
                } else if raw.contains('?') {
                    format!("{raw}&mode=rwc")
                } else {
                    format!("{raw}?mode=rwc")
                };
                Ok(Self {
                    url,
                    backend: Backend::Sqlite,
                })
            }
            "postgres" | "postgresql" => {
                let authority = rest
                    .strip_prefix("//")
                    .ok_or_else(|| bad("postgres URL must start with postgres://"))?;
                let host_part = authority.split(['/', '?']).next().unwrap_or_default();
                let host = host_part.rsplit('@').next().unwrap_or_default();
                if host.is_empty() {
                    return Err(bad("postgres URL names no host"));
                }
                if let Some((_, port)) = host.rsplit_once(':')
                    && !port.starts_with(']')
                    && port.parse::<u16>().is_err()
                {
                    return Err(bad(&format!(
                        "port {port:?} is not a number from 0 to 65535"
                    )));
                }
                Ok(Self {
                    url: raw.to_owned(),
                    backend: Backend::Postgres,
                })
            }
            other => Err(bad(&format!(
                "unsupported scheme {other:?}: use sqlite or postgres"
            ))),
        }
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// The URL itself, password included: for connecting, never for logs.
    pub fn expose(&self) -> &str {
        &self.url
    }
}

impl fmt::Display for DatabaseUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // postgres://user:secret@host/db → postgres://user:***@host/db
        match self.url.split_once("://") {
            Some((scheme, rest)) if self.backend == Backend::Postgres => {
                let (authority, tail) = rest.split_at(rest.find(['/', '?']).unwrap_or(rest.len()));
                match authority.rsplit_once('@') {
                    Some((userinfo, host)) => {
                        let user = userinfo.split(':').next().unwrap_or_default();
                        let hidden = if userinfo.contains(':') { ":***" } else { "" };
                        write!(f, "{scheme}://{user}{hidden}@{host}{tail}")
                    }
                    None => f.write_str(&self.url),
                }
            }
            _ => f.write_str(&self.url),
        }
    }
}

impl fmt::Debug for DatabaseUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "DatabaseUrl({self})")
    }
}

/// How to reach the database.
#[derive(Debug, Clone)]
pub struct DatabaseConfig {
    pub url: DatabaseUrl,
    /// PostgreSQL schema to work in (tests give each its own); `None`: the server's default.
    pub schema: Option<String>,
    pub max_connections: u32,
    pub connect_timeout: Duration,
}

impl DatabaseConfig {
    pub fn new(url: DatabaseUrl) -> Self {
        Self {
            url,
            schema: None,
            max_connections: default_pool_size(),
            connect_timeout: Duration::from_secs(5),
        }
    }
}

/// How many connections a server process keeps by default: four per CPU core, 4 to 32.
/// A booking spends most of its time waiting on the database, so a few connections per
/// core keep it busy; more only queue up inside PostgreSQL and cost it switching (on 2
/// cores, 8 connections served 1,170 bookings/s where 16 served 970).
pub fn default_pool_size() -> u32 {
    let cores = std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get);
    u32::try_from(cores.saturating_mul(4))
        .unwrap_or(u32::MAX)
        .clamp(4, 32)
}

/// Connects, failing fast with a message that names the database.
pub async fn connect(config: &DatabaseConfig) -> Result<DatabaseConnection, DatabaseError> {
    connect_with(config, config.max_connections).await
}

/// How long a pooled connection may sit idle before it is pinged on checkout.
const IDLE_BEFORE_PING: Duration = Duration::from_secs(30);

async fn connect_with(
    config: &DatabaseConfig,
    max_connections: u32,
) -> Result<DatabaseConnection, DatabaseError> {
    let unreachable = |source| DatabaseError::Unreachable {
        url: config.url.to_string(),
        source,
    };
    let mut options = ConnectOptions::new(config.url.expose().to_owned());
    options
        .max_connections(max_connections)
        .connect_timeout(config.connect_timeout)
        .acquire_timeout(config.connect_timeout)
        // A connection in use a moment ago is alive: pinging it on every checkout would
        // add a round trip to each statement outside a transaction (three per booking).
        // One idle long enough for the server or a firewall to have dropped it is pinged.
        .test_before_acquire_if_idle_for(IDLE_BEFORE_PING)
        .sqlx_logging(false);
    if config.url.backend() == Backend::Sqlite {
        // One writer at a time is SQLite's rule; a small pool avoids lock storms.
        options.max_connections(max_connections.min(4));
    }
    if let Some(schema) = &config.schema {
        options.set_schema_search_path(schema.clone());
    }
    let db = Database::connect(options).await.map_err(unreachable)?;
    if config.url.backend() == Backend::Sqlite {
        // Readers do not block the writer, and a busy writer is waited for, not failed.
        for pragma in ["PRAGMA journal_mode = WAL", "PRAGMA busy_timeout = 5000"] {
            db.execute_unprepared(pragma).await.map_err(unreachable)?;
        }
    }
    Ok(db)
}

/// Any fixed number: the PostgreSQL advisory lock that lets one replica migrate at a time.
const MIGRATION_LOCK: i64 = 0x6f6e_6576_6973_6974;

/// Connects and brings the schema up to date.
pub async fn open(config: &DatabaseConfig) -> Result<DatabaseConnection, DatabaseError> {
    let db = connect(config).await?;
    migrate(config, &db).await?;
    Ok(db)
}

/// Brings the schema up to date. On PostgreSQL, replicas starting together take turns:
/// the first migrates under an advisory lock, the others then find nothing to do.
pub async fn migrate(
    config: &DatabaseConfig,
    db: &DatabaseConnection,
) -> Result<(), DatabaseError> {
    let failed = |source| DatabaseError::Migration {
        url: config.url.to_string(),
        source,
    };
    if config.url.backend() != Backend::Postgres {
        return Migrator::up(db, None).await.map_err(failed);
    }
    // A session lock belongs to one connection: migrate on a pool of exactly one.
    let single = connect_with(config, 1).await?;
    single
        .execute_unprepared(&format!("SELECT pg_advisory_lock({MIGRATION_LOCK})"))
        .await
        .map_err(failed)?;
    let outcome = Migrator::up(&single, None).await.map_err(failed);
    single
        .execute_unprepared(&format!("SELECT pg_advisory_unlock({MIGRATION_LOCK})"))
        .await
        .ok();
    single.close().await.ok();
    outcome
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_sqlite_and_postgres() {
        let url = DatabaseUrl::parse("sqlite://data/onevisit.db").expect("sqlite");
        assert_eq!(url.backend(), Backend::Sqlite);
        assert_eq!(url.expose(), "sqlite://data/onevisit.db?mode=rwc");
        let url = DatabaseUrl::parse("postgres://postgres@127.0.0.1:5432/onevisit").expect("pg");
        assert_eq!(url.backend(), Backend::Postgres);
        assert!(DatabaseUrl::parse("postgresql://u:p@db/onevisit?sslmode=disable").is_ok());
    }

    #[test]
    fn refuses_malformed_urls_naming_the_variable() {
        for bad in [
            "",
            "onevisit.db",
            "mysql://root@localhost/x",
            "postgres://",
            "postgres://u@host:99999/db",
            "sqlite://",
            "postgres:/host/db",
        ] {
            let err = DatabaseUrl::parse(bad).expect_err(bad);
            assert!(
                err.to_string().starts_with("DATABASE_URL: "),
                "{bad}: {err}"
            );
        }
    }

    #[test]
    fn display_hides_the_password() {
        let url = DatabaseUrl::parse("postgres://onevisit:s3cret@db:5432/onevisit").expect("pg");
        assert_eq!(url.to_string(), "postgres://onevisit:***@db:5432/onevisit");
        assert!(!format!("{url:?}").contains("s3cret"));
        assert_eq!(
            DatabaseUrl::parse("postgres://postgres@127.0.0.1/x")
                .expect("pg")
                .to_string(),
            "postgres://postgres@127.0.0.1/x"
        );
    }
}
