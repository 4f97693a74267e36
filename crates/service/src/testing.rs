//! Fresh databases for tests: a SQLite file in a temporary folder by default, or a
//! new PostgreSQL database when `ONEVISIT_TEST_POSTGRES` names a server
//! (`postgres://postgres@127.0.0.1:5432/postgres`). Each test gets its own and it
//! is dropped when the test ends.

use crate::db::{Backend, DatabaseConfig, DatabaseUrl};
use sea_orm::{ConnectionTrait, Database};
use std::path::PathBuf;

/// The environment variable that switches tests to PostgreSQL.
pub const POSTGRES_ENV: &str = "ONEVISIT_TEST_POSTGRES";

/// A database that exists for one test.
#[derive(Debug)]
pub struct TestDatabase {
    pub config: DatabaseConfig,
    /// PostgreSQL: the server URL and the database to drop at the end.
    postgres: Option<(String, String)>,
    /// SQLite: the folder holding the file, removed at the end.
    folder: Option<PathBuf>,
}

impl TestDatabase {
    pub async fn new() -> Self {
        match std::env::var(POSTGRES_ENV) {
            Ok(server) if !server.trim().is_empty() => Self::postgres(server.trim()).await,
            _ => Self::sqlite(),
        }
    }

    fn sqlite() -> Self {
        let folder =
            std::env::temp_dir().join(format!("onevisit-test-{}", uuid::Uuid::new_v4().simple()));
        std::fs::create_dir_all(&folder).expect("create a temporary folder for the test database");
        let url = DatabaseUrl::parse(&format!(
            "sqlite://{}",
            folder.join("onevisit.db").display()
        ))
        .expect("a valid sqlite URL");
        Self {
            config: DatabaseConfig::new(url),
            postgres: None,
            folder: Some(folder),
        }
    }

    async fn postgres(server: &str) -> Self {
        // The database of the server URL is the run's; test databases are named after it
        // so that a CI run can drop whatever a crashed test left behind.
        let (base, run) = server
            .rsplit_once('/')
            .expect("ONEVISIT_TEST_POSTGRES must name a database");
        let run = run.split('?').next().unwrap_or(run);
        let name = format!(
            "{run}_t_{}",
            &uuid::Uuid::new_v4().simple().to_string()[..12]
        );
        let admin = Database::connect(server)
            .await
            .expect("connect to the test PostgreSQL server");
        admin
            .execute_unprepared(&format!("CREATE DATABASE \"{name}\""))
            .await
            .expect("create a test database");
        admin.close().await.ok();
        let url = DatabaseUrl::parse(&format!("{base}/{name}")).expect("a valid postgres URL");
        Self {
            config: DatabaseConfig::new(url),
            postgres: Some((server.to_owned(), name)),
            folder: None,
        }
    }

    pub fn backend(&self) -> Backend {
        self.config.url.backend()
    }

    /// The URL, for handing to the `onevisit` binary.
    pub fn url(&self) -> &str {
        self.config.url.expose()
    }
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        if let Some(folder) = &self.folder {
            std::fs::remove_dir_all(folder).ok();
        }
        if let Some((server, name)) = self.postgres.take() {
            // Drop may run inside a runtime: do the async work on a thread of its own.
            std::thread::spawn(move || {
                let runtime = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build();
                if let Ok(runtime) = runtime {
                    runtime.block_on(async {
                        if let Ok(admin) = Database::connect(server.as_str()).await {
                            admin
                                .execute_unprepared(&format!(
                                    "DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"
                                ))
                                .await
                                .ok();
                            admin.close().await.ok();
                        }
                    });
                }
            })
            .join()
            .ok();
        }
    }
}
