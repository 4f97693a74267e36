//! Wiring the service together: state, startup and the server loop.

use crate::auth::{AuthConfig, LoginThrottle};
use crate::http::{self, metrics::Metrics};
use chrono::{Datelike, NaiveDate};
use onevisit_domain::WorkCalendar;
use onevisit_service::clock::Clock;
use onevisit_service::db::{self, DatabaseConfig, DatabaseError};
use onevisit_service::hazards;
use onevisit_service::hazards::HazardConfig;
use onevisit_service::jobs::{JobContext, JobsConfig};
use onevisit_service::seed;
use onevisit_service::store::{self, StoreError};
use sea_orm::DatabaseConnection;
use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use tokio::net::TcpListener;

/// What every handler can reach. Cheap to clone.
#[derive(Debug, Clone)]
pub struct AppState {
    pub db: DatabaseConnection,
    pub auth: Arc<AuthConfig>,
    pub throttle: LoginThrottle,
    pub metrics: Arc<Metrics>,
    pub calendar: Arc<WorkCalendar>,
    /// The periodic jobs' settings (notice days, webhook secret, delivery schedule).
    pub jobs: Arc<JobsConfig>,
    /// Tip-offs accepted per address and window.
    pub tipoff_limit: onevisit_service::tipoffs::TipoffLimit,
    pub clock: Clock,
    pub hazards: Arc<HazardConfig>,
    /// Enterprises' schedule pages, under their schedule versions.
    pub schedules: Arc<crate::schedule_pages::SchedulePages<crate::http::visits::VisitFilter>>,
}

impl AppState {
    /// What the periodic jobs reach of the state.
    pub fn jobs_context(&self) -> JobContext {
        JobContext {
            db: self.db.clone(),
            calendar: self.calendar.clone(),
            clock: self.clock.clone(),
            jobs: self.jobs.clone(),
        }
    }
}

impl<'a> From<&'a AppState> for hazards::Context<'a> {
    fn from(state: &'a AppState) -> Self {
        Self {
            db: &state.db,
            clock: &state.clock,
            calendar: &state.calendar,
            config: &state.hazards,
        }
    }
}

/// How to run the server.
#[derive(Debug, Clone)]
pub struct ServeConfig {
    pub listen: SocketAddr,
    pub database: DatabaseConfig,
    /// Seed the demo data set into an empty database first.
    pub demo: bool,
    /// The day the demo's quarter is taken from (today unless a test says otherwise).
    pub today: NaiveDate,
    /// The token signing key and lifetime.
    pub auth: AuthConfig,
    /// Where "now" comes from (a fixed moment in some tests).
    pub clock: Clock,
    /// Whether and how the periodic jobs run.
    pub jobs: JobsConfig,
    /// Where evidence files go, their size limit, the default deadlines.
    pub hazards: HazardConfig,
}

/// Why the service could not start.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error(transparent)]
    Database(#[from] DatabaseError),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("the demo's hazards: {0}")]
    DemoHazards(#[from] onevisit_service::ServiceError),
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        addr: SocketAddr,
        source: std::io::Error,
    },
}

/// A bound, ready-to-run server.
#[derive(Debug)]
pub struct Application {
    listener: TcpListener,
    state: AppState,
}

impl Application {
    /// Connects, migrates, seeds the demo if asked, and binds the listener.
    pub async fn build(config: &ServeConfig) -> Result<Self, StartError> {
        let db = db::open(&config.database).await?;
        let seeding = config.demo && seed::holds_nothing(&db).await?;
        if config.demo {
            if seeding {
                seed::seed_demo(&db, &seed::demo_quarters(config.today), config.today).await?;
            } else {
                tracing::info!(
                    "the database holds data already; the demo data set was not seeded again"
                );
            }
            tracing::warn!(
                "running with DEMO data and DEMO accounts (password {:?}): do not use this database for real work",
                seed::DEMO_PASSWORD
            );
        }
        let calendar = store::load_calendar(&db).await?;
        for year in [config.today.year(), config.today.year() + 1] {
            if !calendar.knows_year(year) {
                tracing::warn!(
                    year,
                    "no statutory holiday calendar for {year}: only weekends count as days off; \
                     add it with `onevisit calendar import FILE`"
                );
            }
        }
        if seeding {
            let cx = hazards::Context {
                db: &db,
                clock: &config.clock,
                calendar: &calendar,
                config: &config.hazards,
            };
            let recorded = seed::seed_demo_hazards(cx, config.today).await?;
            tracing::info!(?recorded, "recorded the demo's hazards");
        }
        let listener =
            TcpListener::bind(config.listen)
                .await
                .map_err(|source| StartError::Bind {
                    addr: config.listen,
                    source,
                })?;
        Ok(Self {
            listener,
            state: AppState {
                db,
                auth: Arc::new(config.auth.clone()),
                throttle: LoginThrottle::default(),
                metrics: Arc::new(Metrics::default()),
                calendar: Arc::new(calendar),
                jobs: Arc::new(config.jobs.clone()),
                tipoff_limit: onevisit_service::tipoffs::TipoffLimit::default(),
                clock: config.clock.clone(),
                hazards: Arc::new(config.hazards.clone()),
                schedules: Arc::default(),
            },
        })
    }

    /// The address actually bound (port 0 picks a free port).
    pub fn local_addr(&self) -> std::io::Result<SocketAddr> {
        self.listener.local_addr()
    }

    pub fn state(&self) -> &AppState {
        &self.state
    }

    /// Serves until `shutdown` completes, then finishes the requests in flight.
    pub async fn run_until(
        self,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> std::io::Result<()> {
        let runner = onevisit_service::jobs::start(&self.state.jobs_context())
            .await
            .map_err(std::io::Error::other)?;
        let router = http::router(self.state.clone());
        axum::serve(
            self.listener,
            router.into_make_service_with_connect_info::<SocketAddr>(),
        )
        .with_graceful_shutdown(shutdown)
        .await?;
        if let Some(runner) = runner {
            runner.shutdown().await.map_err(std::io::Error::other)?;
        }
        self.state.db.close_by_ref().await.ok();
        Ok(())
    }
}
