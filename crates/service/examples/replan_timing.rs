//! Times the office's full re-plan at scale: loads a generated quarter of 10,000
//! inspection requests (the planner's realistic generator: six agencies, 2,000
//! enterprises with caps and shutdowns, inspectors with leave and conflicts) into an
//! EMPTY database, then re-plans the quarter twice with `apply`: first from open
//! requests, then again over the 10,000 proposed ones it wrote.
//!
//! ```sh
//! cargo run --release -p onevisit-service --example replan_timing -- postgres://postgres@127.0.0.1:5432/DB
//! ```

use chrono::Utc;
use onevisit_domain::{DateRange, EnterpriseStatus, RequestKind, RequestStatus};
use onevisit_scheduler::generate::{GenParams, generate};
use onevisit_service::db::{DatabaseConfig, DatabaseUrl};
use onevisit_service::entities::{
    agency, enterprise, inspection_request, inspector, inspector_conflict,
    inspector_unavailable_day, quiet_period,
};
use onevisit_service::store::{self, insert_chunked};
use sea_orm::{ActiveValue::Set, EntityTrait, PaginatorTrait};
use std::collections::{BTreeMap, BTreeSet};
use std::time::Instant;
use uuid::Uuid;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let raw = std::env::args()
        .nth(1)
        .or_else(|| std::env::var("DATABASE_URL").ok())
        .ok_or_else(|| anyhow::anyhow!("usage: replan_timing DATABASE_URL (an empty database)"))?;
    let requests: usize = std::env::var("REQUESTS")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(10_000);
    let config = DatabaseConfig::new(DatabaseUrl::parse(&raw)?);
    let db = onevisit_service::db::open(&config).await?;
    if enterprise::Entity::find().count(&db).await? > 0 {
        anyhow::bail!("{} holds data already: give an empty database", config.url);
    }
    let problem = generate(&GenParams::new(7, requests / 5, requests, false));
    let now = Utc::now();
    let uuid_of = |ids: &mut BTreeMap<String, Uuid>, id: &str| {
        *ids.entry(id.to_owned()).or_insert_with(Uuid::now_v7)
    };
    let (mut agencies, mut enterprises, mut inspectors) =
        (BTreeMap::new(), BTreeMap::new(), BTreeMap::new());

    let started = Instant::now();
    let rows = problem
        .agencies
        .iter()
        .map(|a| {
            Ok(agency::ActiveModel {
                id: Set(uuid_of(&mut agencies, &a.id)),
                code: Set(a.id.clone()),
                name: Set(a.id.clone()),
                name_en: Set(None),
                daily_capacity: Set(i32::try_from(a.daily_capacity)?),
                created_at: Set(now),
            })
        })
        .collect::<Result<Vec<_>, std::num::TryFromIntError>>()?;
    insert_chunked(&db, rows).await?;
    let mut rows = Vec::new();
    let mut quiet = Vec::new();
    for (n, e) in problem.enterprises.iter().enumerate() {
        let id = uuid_of(&mut enterprises, &e.id);
        rows.push(enterprise::ActiveModel {
            id: Set(id),
            // Unique, of the column's length; nothing here checks the check character.
            credit_code: Set(format!("91320800MA{n:08}")),
            name: Set(format!("Enterprise {}", e.id)),
            sector: Set("chemical".to_owned()),
            district: Set("清江浦区".to_owned()),
            in_chemical_park: Set(false),
            key_process: Set(false),
            key_chemical: Set(false),
            major_hazard_source: Set(false),
            status: Set(EnterpriseStatus::Operating.into()),
            burden_cap: Set(e.max_visits.map(i32::try_from).transpose()?),
            created_at: Set(now),
            updated_at: Set(now),
        });
        quiet.extend(e.quiet.iter().map(|q| quiet_period::ActiveModel {
            id: Set(Uuid::now_v7()),
            enterprise_id: Set(id),
            start_date: Set(q.start()),
            end_date: Set(q.end()),
            reason: Set(None),
        }));
    }
    insert_chunked(&db, rows).await?;
    insert_chunked(&db, quiet).await?;
    let (mut rows, mut leave, mut conflicts) = (Vec::new(), Vec::new(), BTreeSet::new());
    for i in &problem.inspectors {
        let id = uuid_of(&mut inspectors, &i.id);
        rows.push(inspector::ActiveModel {
            id: Set(id),
            code: Set(i.id.clone()),
            agency_id: Set(uuid_of(&mut agencies, &i.agency)),
            name: Set(i.id.clone()),
            qualifications: Set(serde_json::json!([])),
            active: Set(true),
            created_at: Set(now),
        });
        let days: BTreeSet<_> = i.unavailable.iter().copied().collect();
        leave.extend(
            days.into_iter()
                .map(|day| inspector_unavailable_day::ActiveModel {
                    inspector_id: Set(id),
                    day: Set(day),
                }),
        );
        conflicts.extend(
            i.conflicts
                .iter()
                .filter_map(|e| enterprises.get(e).map(|&e| (id, e))),
        );
    }
    insert_chunked(&db, rows).await?;
    insert_chunked(&db, leave).await?;
    let conflicts = conflicts
        .into_iter()
        .map(
            |(inspector_id, enterprise_id)| inspector_conflict::ActiveModel {
                inspector_id: Set(inspector_id),
                enterprise_id: Set(enterprise_id),
                reason: Set(None),
            },
        )
        .collect();
    insert_chunked(&db, conflicts).await?;
    // The generator names a few unknown agencies or enterprises on purpose: the database
    // cannot hold those.
    let rows: Vec<_> = problem
        .requests
        .iter()
        .filter_map(|r| {
            Some(inspection_request::ActiveModel {
                id: Set(Uuid::now_v7()),
                agency_id: Set(*agencies.get(&r.agency)?),
                enterprise_id: Set(*enterprises.get(&r.enterprise)?),
                earliest: Set(r.earliest),
                latest: Set(r.latest.max(r.earliest)),
                team_size: Set(i32::try_from(r.inspectors.max(1)).ok()?),
                kind: Set(if r.urgent {
                    RequestKind::Urgent
                } else {
                    RequestKind::Routine
                }
                .into()),
                topics: Set(serde_json::json!([])),
                status: Set(RequestStatus::Open.into()),
                unscheduled_reason: Set(None),
                visit_id: Set(None),
                idempotency_key: Set(None),
                body_hash: Set(None),
                announced: Set(true),
                created_at: Set(now),
                updated_at: Set(now),
            })
        })
        .collect();
    let stored = rows.len();
    insert_chunked(&db, rows).await?;
    eprintln!(
        "loaded {stored} requests, {} enterprises, {} inspectors in {:.2} s",
        problem.enterprises.len(),
        problem.inspectors.len(),
        started.elapsed().as_secs_f64()
    );

    let calendar = store::load_calendar(&db).await?;
    let horizon = DateRange::new(problem.horizon.start, problem.horizon.end)?;
    for run in ["from open requests", "again, over the proposed plan"] {
        let started = Instant::now();
        let summary = onevisit_service::replan::replan(
            &db,
            &calendar,
            horizon,
            true,
            onevisit_service::audit::Author::Job("replan timing"),
            &Default::default(),
        )
        .await?;
        eprintln!(
            "re-plan {run}: {:.2} s ({} requests, {} scheduled, {} visits; {} moved, {} newly scheduled)",
            started.elapsed().as_secs_f64(),
            summary.requests,
            summary.scheduled,
            summary.visits_after,
            summary.moved,
            summary.newly_scheduled,
        );
    }
    Ok(())
}
