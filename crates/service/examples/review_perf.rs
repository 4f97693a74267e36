//! Measures the load review's overview on a province-sized database: 20,000
//! enterprises, a year of joint visits (about 60,000, with their teams, inspectors and
//! requests) and 100,000 hazards. Fills an EMPTY scratch database first (it refuses a
//! database that holds enterprises), then times `review::overview` for the year and for
//! a quarter.
//!
//! ```sh
//! psql -h 127.0.0.1 -U postgres -c 'CREATE DATABASE onevisit_review_perf'
//! cargo run --release -p onevisit-service --example review_perf -- postgres://postgres@127.0.0.1:5432/onevisit_review_perf
//! cargo run --release -p onevisit-service --example review_perf -- sqlite:///tmp/onevisit_review_perf.db
//! ```

use chrono::NaiveDate;
use onevisit_domain::{DateRange, WorkCalendar};
use onevisit_service::db::{DatabaseConfig, DatabaseUrl};
use onevisit_service::review::{self, Scope};
use sea_orm::{ConnectionTrait, DatabaseConnection, EntityTrait, PaginatorTrait};
use std::time::{Duration, Instant};
use uuid::Uuid;

const ENTERPRISES: usize = 20_000;
const VISITS_PER_DAY: usize = 240;
const HAZARDS: usize = 100_000;
const AGENCIES: [&str; 6] = [
    "housing",
    "natural_resources",
    "ecology",
    "emergency",
    "fire",
    "industry",
];
const INSPECTORS_PER_AGENCY: usize = 150;
const DISTRICTS: usize = 13;
const SECTORS: [&str; 4] = ["chemical", "civil_explosives", "ship_repair", "other"];
const BATCH: usize = 2_000;

/// A new id as an SQL literal, stored as sea-orm stores a uuid: PostgreSQL reads its
/// text, SQLite keeps its 16 bytes.
#[derive(Clone, Copy)]
struct Id {
    id: Uuid,
    blob: bool,
}

impl Id {
    fn new(db: &DatabaseConnection) -> Self {
        Self::of(Uuid::now_v7(), db)
    }

    fn of(id: Uuid, db: &DatabaseConnection) -> Self {
        let blob = db.get_database_backend() == sea_orm::DbBackend::Sqlite;
        Self { id, blob }
    }
}

impl std::fmt::Display for Id {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.blob {
            write!(f, "X'{}'", self.id.simple())
        } else {
            write!(f, "'{}'", self.id)
        }
    }
}

/// A small deterministic generator: the same database every run.
struct Lcg(u64);

impl Lcg {
    fn below(&mut self, n: usize) -> usize {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        usize::try_from((self.0 >> 33) % u64::try_from(n).unwrap_or(1)).unwrap_or(0)
    }
}

/// Inserts rows of SQL values in batches.
async fn insert(
    db: &DatabaseConnection,
    head: &str,
    rows: &[String],
) -> Result<(), sea_orm::DbErr> {
    for chunk in rows.chunks(BATCH) {
        db.execute_unprepared(&format!("{head} VALUES {}", chunk.join(",")))
            .await?;
    }
    Ok(())
}

async fn fill(db: &DatabaseConnection, calendar: &WorkCalendar) -> Result<(), sea_orm::DbErr> {
    let mut rng = Lcg(7);
    let now = "2026-01-01T00:00:00Z";
    let agencies: Vec<Id> = AGENCIES.iter().map(|_| Id::new(db)).collect();
    let rows: Vec<String> = AGENCIES
        .iter()
        .zip(&agencies)
        .map(|(code, id)| format!("({id},'{code}','{code}',80,'{now}')"))
        .collect();
    insert(
        db,
        "INSERT INTO agencies (id, code, name, daily_capacity, created_at)",
        &rows,
    )
    .await?;
    let inspectors: Vec<Vec<Id>> = agencies
        .iter()
        .map(|_| (0..INSPECTORS_PER_AGENCY).map(|_| Id::new(db)).collect())
        .collect();
    let mut rows = Vec::new();
    for (a, ids) in inspectors.iter().enumerate() {
        for (i, id) in ids.iter().enumerate() {
            rows.push(format!(
                "({id},'{}-{i:03}',{},'Inspector {i}','[]',true,'{now}')",
                AGENCIES[a], agencies[a]
            ));
        }
    }
    insert(
        db,
        "INSERT INTO inspectors (id, code, agency_id, name, qualifications, active, created_at)",
        &rows,
    )
    .await?;
    let enterprises: Vec<Id> = (0..ENTERPRISES).map(|_| Id::new(db)).collect();
    let rows: Vec<String> = enterprises
        .iter()
        .enumerate()
        .map(|(i, id)| {
            format!(
                "({id},'91320000{i:09}X','Enterprise {i}','{}','District {:02}',false,false,false,false,'operating',{},'{now}','{now}')",
                SECTORS[i % SECTORS.len()],
                i % DISTRICTS,
                2 + i % 3
            )
        })
        .collect();
    insert(db, "INSERT INTO enterprises (id, credit_code, name, sector, district, in_chemical_park, key_process, key_chemical, major_hazard_source, status, burden_cap, created_at, updated_at)", &rows).await?;

    let year = DateRange::new(day("2026-01-01"), day("2026-12-31"))
        .map_err(|e| sea_orm::DbErr::Custom(e.to_string()))?;
    let (mut visits, mut teams, mut members, mut requests) =
        (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    let mut visit_days: Vec<(Id, usize, NaiveDate, Vec<usize>)> = Vec::new();
    for (d, date) in calendar.working_days(year).enumerate() {
        let mut used = vec![0usize; AGENCIES.len()];
        for k in 0..VISITS_PER_DAY {
            let e = (d * VISITS_PER_DAY + k * 83) % ENTERPRISES;
            let id = Id::new(db);
            let status = if date < day("2026-11-28") {
                "completed"
            } else {
                "proposed"
            };
            visits.push(format!(
                "({id},{},'{date}','{status}',true,'{now}','{now}')",
                enterprises[e]
            ));
            let n = 1 + rng.below(3);
            let first = rng.below(AGENCIES.len());
            let mut on_visit = Vec::new();
            for j in 0..n {
                let a = (first + j) % AGENCIES.len();
                let inspector = inspectors[a][used[a] % INSPECTORS_PER_AGENCY];
                used[a] += 1;
                on_visit.push(a);
                teams.push(format!("({id},{},'{date}',1)", agencies[a]));
                members.push(format!("({id},{inspector},{},'{date}')", agencies[a]));
                let kind = if rng.below(20) == 0 {
                    "urgent"
                } else {
                    "routine"
                };
                requests.push(format!(
                    "({},{},{},'{date}','{date}',1,'{kind}','[]','scheduled',{id},'{now}','{now}')",
                    Id::new(db),
                    agencies[a],
                    enterprises[e]
                ));
            }
            visit_days.push((id, e, date, on_visit));
        }
    }
    insert(db, "INSERT INTO joint_visits (id, enterprise_id, visit_date, status, announced, created_at, updated_at)", &visits).await?;
    insert(
        db,
        "INSERT INTO visit_teams (visit_id, agency_id, visit_date, team_size)",
        &teams,
    )
    .await?;
    insert(
        db,
        "INSERT INTO visit_inspectors (visit_id, inspector_id, agency_id, visit_date)",
        &members,
    )
    .await?;
    insert(db, "INSERT INTO inspection_requests (id, agency_id, enterprise_id, earliest, latest, team_size, kind, topics, status, visit_id, created_at, updated_at)", &requests).await?;

    let mut hazards = Vec::new();
    for h in 0..HAZARDS {
        let (visit, e, date, on_visit) = &visit_days[rng.below(visit_days.len())];
        let agency = agencies[on_visit[rng.below(on_visit.len())]];
        let deadline = *date + chrono::Days::new(30);
        let (status, closed) = match rng.below(10) {
            0..6 => (
                "closed",
                format!("'{}'", *date + chrono::Days::new(1 + rng.below(60) as u64)),
            ),
            6 => ("rectification_submitted", "NULL".to_owned()),
            _ => ("open", "NULL".to_owned()),
        };
        hazards.push(format!(
            "({},{visit},{},'Hazard {h}','found','other','general','a rule',{agency},'{deadline}','{deadline}','{status}',{closed},1,{},'{now}','{now}')",
            Id::new(db), enterprises[*e], Id::of(Uuid::nil(), db)
        ));
    }
    insert(db, "INSERT INTO hazards (id, visit_id, enterprise_id, title, description, category, severity, legal_basis, responsible_agency_id, original_deadline, deadline, status, closed_on, event_count, recorded_by, recorded_at, updated_at)", &hazards).await?;
    db.execute_unprepared("ANALYZE").await?;
    Ok(())
}

fn day(text: &str) -> NaiveDate {
    text.parse().unwrap_or_default()
}

/// The fastest, the median and the slowest of `runs` overviews of `range`.
async fn time(
    db: &DatabaseConnection,
    calendar: &WorkCalendar,
    range: DateRange,
    runs: usize,
) -> Result<[Duration; 3], sea_orm::DbErr> {
    let scope = Scope {
        range,
        district: None,
        sector: None,
        agency: None,
    };
    let mut times = Vec::new();
    for _ in 0..runs {
        let started = Instant::now();
        review::overview(db, calendar, &scope, day("2026-11-28")).await?;
        times.push(started.elapsed());
    }
    times.sort();
    Ok([times[0], times[times.len() / 2], times[times.len() - 1]])
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let url = std::env::args()
        .nth(1)
        .ok_or("usage: review_perf DATABASE_URL (an empty scratch database)")?;
    let config = DatabaseConfig::new(DatabaseUrl::parse(&url)?);
    let db = onevisit_service::db::open(&config).await?;
    let calendar = WorkCalendar::shipped();
    if onevisit_service::entities::enterprise::Entity::find()
        .count(&db)
        .await?
        == 0
    {
        let started = Instant::now();
        fill(&db, &calendar).await?;
        eprintln!("filled in {:.1} s", started.elapsed().as_secs_f64());
    }
    let counts = [
        (
            "enterprises",
            onevisit_service::entities::enterprise::Entity::find()
                .count(&db)
                .await?,
        ),
        (
            "visits",
            onevisit_service::entities::joint_visit::Entity::find()
                .count(&db)
                .await?,
        ),
        (
            "requests",
            onevisit_service::entities::inspection_request::Entity::find()
                .count(&db)
                .await?,
        ),
        (
            "hazards",
            onevisit_service::entities::hazard::Entity::find()
                .count(&db)
                .await?,
        ),
    ];
    eprintln!("{counts:?}");
    let year = DateRange::new(day("2026-01-01"), day("2026-12-31"))?;
    let quarter = DateRange::new(day("2026-10-01"), day("2026-12-31"))?;
    for (name, range) in [("year 2026", year), ("quarter 2026Q4", quarter)] {
        let [fastest, median, slowest] = time(&db, &calendar, range, 7).await?;
        let ms = |d: Duration| d.as_secs_f64() * 1000.0;
        eprintln!(
            "overview of the {name}: fastest {:.0} ms, median {:.0} ms, slowest {:.0} ms (7 runs)",
            ms(fastest),
            ms(median),
            ms(slowest)
        );
    }
    Ok(())
}
