//! Wiring the service together: state, startup and the server loop.

use crate::auth::{AuthConfig, LoginThrottle};
use crate::clock::Clock;
use crate::db::{self, DatabaseConfig, DatabaseError};
use crate::hazards::HazardConfig;
use crate::http::{self, metrics::Metrics};
use crate::jobs::JobsConfig;
use crate::seed::{self, Quarter, SeedReport};
use crate::store::{self, StoreError};
use chrono::{Datelike, NaiveDate};
use onevisit_domain::WorkCalendar;
use sea_orm::{DatabaseConnection, EntityTrait, PaginatorTrait, TransactionTrait};
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
    pub tipoff_limit: crate::http::tipoffs::TipoffLimit,
    pub clock: Clock,
    pub hazards: Arc<HazardConfig>,
    /// Enterprises' schedule pages, under their schedule versions.
    pub schedules: Arc<crate::schedule_pages::SchedulePages<crate::http::visits::VisitFilter>>,
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
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        addr: SocketAddr,
        source: std::io::Error,
    },
}

/// Today in China (UTC+8, no daylight saving), whatever the server's time zone.
pub fn today() -> NaiveDate {
    (chrono::Utc::now() + chrono::Duration::hours(8)).date_naive()
}

/// Connects and brings the schema up to date.
pub async fn open_database(config: &DatabaseConfig) -> Result<DatabaseConnection, DatabaseError> {
    let db = db::connect(config).await?;
    db::migrate(config, &db).await?;
    Ok(db)
}

/// Seeds the demo data set for each of `quarters` and the demo accounts, all or nothing:
/// one transaction. The first time, it also plans each quarter, marks the visits before
/// `today` completed and confirms those of the next five working days, so that the demo
/// looks like a quarter under way.
pub async fn seed_demo(
    db: &DatabaseConnection,
    quarters: &[Quarter],
    today: NaiveDate,
) -> Result<SeedReport, StoreError> {
    let txn = db.begin().await?;
    let calendar = store::load_calendar(&txn).await?;
    let mut total = SeedReport::default();
    for &quarter in quarters {
        let report = seed_demo_quarter(&txn, &calendar, quarter, today).await?;
        tracing::info!(%quarter, ?report, "seeded the demo data set");
        total += report;
    }
    txn.commit().await?;
    Ok(total)
}

/// The quarters the demo holds on `today`: its quarter and, late in it, the next one too,
/// so that it always has weeks ahead.
pub fn demo_quarters(today: NaiveDate) -> Vec<Quarter> {
    let quarter = Quarter::containing(today);
    if today + chrono::Days::new(30) > quarter.range().end() {
        vec![quarter, quarter.next()]
    } else {
        vec![quarter]
    }
}

async fn seed_demo_quarter<C: db::Connection>(
    db: &C,
    calendar: &WorkCalendar,
    quarter: Quarter,
    today: NaiveDate,
) -> Result<SeedReport, StoreError> {
    let data = seed::demo(quarter, calendar);
    let valid = data.validate()?;
    let mut report = seed::apply(db, &valid).await?;
    report.users_added = seed::demo_users(db).await?;
    if report.requests_added > 0 {
        crate::replan::replan(
            db,
            calendar,
            quarter.range(),
            true,
            crate::audit::Author::Job("demo seed"),
        )
        .await
        .map_err(|e| StoreError::Invalid(e.to_string()))?;
        store::advance_demo(db, today, calendar.add_working_days(today, 5)).await?;
    }
    Ok(report)
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
        let db = open_database(&config.database).await?;
        if config.demo {
            let empty = crate::entities::enterprise::Entity::find()
                .count(&db)
                .await
                .map_err(StoreError::from)?
                == 0;
            if empty {
                seed_demo(&db, &demo_quarters(config.today), config.today).await?;
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
                tipoff_limit: crate::http::tipoffs::TipoffLimit::default(),
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
        let runner = crate::jobs::start(&self.state)
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
