//! Measures the ledger of one district with 100,000 hazards on PostgreSQL, through
//! the code path the API uses (`hazards::ledger`): the first page with its total, the
//! district totals, and the whole district's ledger with its CSV export.
//!
//! ```sh
//! psql -h 127.0.0.1 -U postgres -c 'CREATE DATABASE onevisit_ledger_bench'
//! cargo run --release -p onevisit-service --example hazard_ledger -- \
//!     postgres://postgres@127.0.0.1:5432/onevisit_ledger_bench [HAZARDS]
//! ```
//!
//! The database must be a scratch one: it gets the demo data set and the hazards.

// A measurement prints its figures.
#![allow(clippy::print_stdout)]

use chrono::Utc;
use onevisit_service::db::{DatabaseConfig, DatabaseUrl};
use onevisit_service::hazards::ledger::{self, LedgerFilter};
use onevisit_service::seed::Quarter;
use onevisit_service::{Caller, Role};
use sea_orm::{ConnectionTrait, Statement};
use std::time::{Duration, Instant};
use uuid::Uuid;

fn timed<T>(what: &str, start: Instant, value: T) -> T {
    let took = start.elapsed();
    eprintln!("{what:<48} {:>9.1} ms", took.as_secs_f64() * 1000.0);
    value
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let url = args
        .next()
        .ok_or("usage: hazard_ledger POSTGRES_URL [HAZARDS]")?;
    let count: i64 = args.next().map_or(Ok(100_000), |n| n.parse())?;
    let config = DatabaseConfig::new(DatabaseUrl::parse(&url)?);
    let db = onevisit_service::db::open(&config).await?;
    let today = onevisit_service::clock::today();
    let has_data = db
        .query_one_raw(Statement::from_string(
            db.get_database_backend(),
            "SELECT COUNT(*) AS n FROM enterprises",
        ))
        .await?
        .map(|r| r.try_get::<i64>("", "n"))
        .transpose()?
        .unwrap_or(0)
        > 0;
    if !has_data {
        let start = Instant::now();
        onevisit_service::seed::seed_demo(&db, &[Quarter::containing(today)], today).await?;
        timed("seed the demo data set", start, ());
    }
    // The district with the most visits takes the hazards.
    let district: String = db
        .query_one_raw(Statement::from_string(
            db.get_database_backend(),
            "SELECT e.district FROM joint_visits v JOIN enterprises e ON e.id = v.enterprise_id \
             JOIN visit_teams t ON t.visit_id = v.id \
             GROUP BY e.district ORDER BY COUNT(DISTINCT v.id) DESC, e.district LIMIT 1",
        ))
        .await?
        .ok_or("no visits in the demo")?
        .try_get("", "district")?;
    let start = Instant::now();
    // Bulk insert: every visit of the district in turn, a third closed, a third
    // submitted, a third open with deadlines around today (some overdue).
    db.execute_raw(Statement::from_sql_and_values(
        db.get_database_backend(),
        r#"
WITH visits AS (
    SELECT v.id, v.enterprise_id, v.visit_date,
           (SELECT t.agency_id FROM visit_teams t WHERE t.visit_id = v.id ORDER BY t.agency_id LIMIT 1) AS agency_id,
           row_number() OVER (ORDER BY v.id) - 1 AS n,
           COUNT(*) OVER () AS total
    FROM joint_visits v JOIN enterprises e ON e.id = v.enterprise_id
    WHERE e.district = $1 AND EXISTS (SELECT 1 FROM visit_teams t WHERE t.visit_id = v.id)
)
INSERT INTO hazards (id, visit_id, enterprise_id, title, description, category, severity,
    legal_basis, regulation, responsible_agency_id, original_deadline, deadline, status,
    notice_id, follow_up_request_id, reinspection_visit_id, closed_on, event_count,
    recorded_by, recorded_at, updated_at)
SELECT gen_random_uuid(), v.id, v.enterprise_id, '隐患 ' || g, '基准测试数据', 'fire',
    CASE WHEN g % 10 = 0 THEN 'major' ELSE 'general' END,
    '消防通道应保持畅通', NULL, v.agency_id,
    $2::date + (g % 90 - 45)::int, $2::date + (g % 90 - 45)::int,
    CASE g % 3 WHEN 0 THEN 'closed' WHEN 1 THEN 'rectification_submitted' ELSE 'open' END,
    NULL, NULL, NULL, CASE WHEN g % 3 = 0 THEN $2::date ELSE NULL END, 1,
    $3, now(), now()
FROM generate_series(1, $4::bigint) AS g
JOIN visits v ON v.n = g % v.total
"#,
        [
            district.clone().into(),
            today.into(),
            Uuid::nil().into(),
            count.into(),
        ],
    ))
    .await?;
    db.execute_unprepared("ANALYZE hazards").await?;
    timed(&format!("insert {count} hazards in {district}"), start, ());

    let office = Caller {
        user_id: Uuid::nil(),
        session_id: Uuid::nil(),
        username: "office".to_owned(),
        role: Role::Coordinator,
        agency_id: None,
        enterprise_id: None,
        inspector_id: None,
    };
    let filter = LedgerFilter {
        district: Some(district.clone()),
        ..LedgerFilter::default()
    };
    let mut best = [Duration::MAX; 4];
    for _ in 0..5 {
        let start = Instant::now();
        let (rows, total) = ledger::page(&db, &office, &filter, today, 50, 0).await?;
        best[0] = best[0].min(start.elapsed());
        assert_eq!(rows.len(), 50);
        assert!(total >= u64::try_from(count)?);

        let start = Instant::now();
        let totals = ledger::totals(&db, &office, &filter, today).await?;
        best[1] = best[1].min(start.elapsed());
        assert_eq!(totals.len(), 1);

        let start = Instant::now();
        let all = ledger::totals(&db, &office, &LedgerFilter::default(), today).await?;
        best[2] = best[2].min(start.elapsed());
        assert!(!all.is_empty());

        let start = Instant::now();
        let rows = ledger::all(&db, &office, &filter, today).await?;
        let csv = ledger::csv(&rows)?;
        best[3] = best[3].min(start.elapsed());
        assert!(csv.len() > rows.len());
    }
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    println!(
        "district {district}, {count} hazards, best of 5 ({}):",
        Utc::now()
    );
    println!(
        "  ledger page (50 rows + total)        {:>9.1} ms",
        ms(best[0])
    );
    println!(
        "  district totals (filtered)           {:>9.1} ms",
        ms(best[1])
    );
    println!(
        "  totals of every district             {:>9.1} ms",
        ms(best[2])
    );
    println!(
        "  whole district ledger + CSV export   {:>9.1} ms",
        ms(best[3])
    );
    Ok(())
}
