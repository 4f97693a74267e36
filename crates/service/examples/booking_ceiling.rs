//! Books as `POST /requests` does (the same `booking::book`, with its audit entries) for
//! one agency, straight against the database from concurrent tasks, with no HTTP, JSON
//! or token in front and no answer read back: the most bookings a second that the
//! booking's own work and the database allow on this machine. The load script's
//! figures (`scripts/load/run.sh`) can only be lower.
//!
//! Fills an EMPTY database with the demo data set first, as `serve --demo` does.
//!
//! ```sh
//! psql -h 127.0.0.1 -U postgres -c 'CREATE DATABASE onevisit_ceiling'
//! cargo run --release -p onevisit-service --example booking_ceiling -- \
//!     'postgres://postgres@127.0.0.1:5432/onevisit_ceiling?sslmode=disable' [seconds] [tasks]
//! ```

use onevisit_domain::{DateRange, EnterpriseStatus, RequestKind};
use onevisit_service::audit::{Author, Booked};
use onevisit_service::booking::{self, BookingError, Crew, NewBooking};
use onevisit_service::db::{DatabaseConfig, DatabaseUrl};
use onevisit_service::entities::{Stored, agency, enterprise};
use rand::Rng;
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
use std::sync::Arc;
use std::time::{Duration, Instant};

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let mut args = std::env::args().skip(1);
    let url = args
        .next()
        .ok_or_else(|| anyhow::anyhow!("usage: booking_ceiling DATABASE_URL [seconds] [tasks]"))?;
    let seconds: u64 = args.next().map(|s| s.parse()).transpose()?.unwrap_or(20);
    let tasks: usize = args.next().map(|s| s.parse()).transpose()?.unwrap_or(32);
    let config = DatabaseConfig::new(DatabaseUrl::parse(&url)?);
    let db = onevisit_service::db::open(&config).await?;
    let today = onevisit_service::clock::today();
    if enterprise::Entity::find().count(&db).await? > 0 {
        anyhow::bail!("{} holds data already: give an empty database", config.url);
    }
    let quarters = onevisit_service::seed::demo_quarters(today);
    onevisit_service::seed::seed_demo(&db, &quarters, today).await?;
    let calendar = Arc::new(onevisit_service::store::load_calendar(&db).await?);
    let fire = agency::Entity::find()
        .filter(agency::Column::Code.eq("fire"))
        .one(&db)
        .await?
        .ok_or_else(|| anyhow::anyhow!("the demo has no fire agency"))?
        .id;
    let enterprises: Arc<Vec<_>> = Arc::new(
        enterprise::Entity::find()
            .filter(enterprise::Column::Status.eq(Stored(EnterpriseStatus::Operating)))
            .all(&db)
            .await?
            .into_iter()
            .map(|e| e.id)
            .collect(),
    );
    // The load script's windows: from a week to two months ahead.
    let window = DateRange::new(today + chrono::Days::new(7), today + chrono::Days::new(60))?;

    let cpu_before = process_cpu_seconds();
    let started = Instant::now();
    let deadline = started + Duration::from_secs(seconds);
    let mut workers = Vec::new();
    for _ in 0..tasks {
        let (db, calendar, enterprises) = (db.clone(), calendar.clone(), enterprises.clone());
        workers.push(tokio::spawn(async move {
            let mut latencies = Vec::new();
            let mut refused = 0_usize;
            while Instant::now() < deadline {
                let (enterprise_id, team_size) = {
                    let mut rng = rand::rng();
                    (
                        enterprises[rng.random_range(0..enterprises.len())],
                        rng.random_range(1..=2),
                    )
                };
                let booking = NewBooking {
                    agency_id: fire,
                    enterprise_id,
                    window,
                    team_size,
                    kind: RequestKind::Routine,
                    topics: Vec::new(),
                    idempotency_key: None,
                    body_hash: None,
                    announced: true,
                    crew: Crew::Planned,
                };
                let audit = Booked {
                    by: Author::Job("booking ceiling"),
                    at: chrono::Utc::now(),
                    action: "book",
                };
                let one = Instant::now();
                match booking::book(&db, &calendar, today, &booking, &audit).await {
                    Ok(_) => latencies.push(one.elapsed()),
                    Err(BookingError::Contended) => refused += 1,
                    Err(err) => return Err(anyhow::anyhow!(err)),
                }
            }
            Ok((latencies, refused))
        }));
    }
    let mut latencies = Vec::new();
    let mut refused = 0;
    for worker in workers {
        let (mine, lost) = worker.await??;
        latencies.extend(mine);
        refused += lost;
    }
    let elapsed = started.elapsed().as_secs_f64();
    let cpu = process_cpu_seconds().zip(cpu_before).map(|(a, b)| a - b);
    latencies.sort();
    let at = |q: f64| {
        latencies
            .get(((latencies.len() as f64 * q) as usize).min(latencies.len().saturating_sub(1)))
            .map_or(0.0, |d| d.as_secs_f64() * 1000.0)
    };
    eprintln!(
        "{} bookings in {elapsed:.1} s from {tasks} tasks: {:.0}/s; p50 {:.1} ms, p99 {:.1} ms; {refused} contended",
        latencies.len(),
        latencies.len() as f64 / elapsed,
        at(0.5),
        at(0.99),
    );
    if let Some(cpu) = cpu {
        eprintln!(
            "this process: {:.2} cores, {:.0} µs of CPU a booking",
            cpu / elapsed,
            cpu * 1e6 / latencies.len().max(1) as f64
        );
    }
    Ok(())
}

/// User and system CPU time of this process so far, where `/proc` tells it (Linux).
fn process_cpu_seconds() -> Option<f64> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    // The fields after the command name, which is in parentheses and may hold spaces.
    let fields: Vec<&str> = stat.rsplit_once(')')?.1.split_whitespace().collect();
    let ticks: f64 = fields.get(11)?.parse::<f64>().ok()? + fields.get(12)?.parse::<f64>().ok()?;
    // In clock ticks (USER_HZ), 100 a second on Linux.
    Some(ticks / 100.0)
}
