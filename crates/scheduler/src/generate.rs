//! Realistic planning problems for tests and benchmarks, deterministic given a seed.
//!
//! One quarter, 2026-01-05 to 2026-03-31, under the shipped 2026 State Council
//! calendar (New Year 01-01..03 with make-up Sunday 01-04; Spring Festival 02-15..23
//! with make-up Saturdays 02-14 and 02-28), so the horizon holds about 57 working days.
//!
//! - Six agencies (housing, natural_resources, ecology, emergency, fire, industry) with
//!   different shares of the requests; daily capacities and rosters sized from the
//!   expected daily load: about three times it when capacity should not bind, about
//!   0.6 times it when it should.
//! - Inspectors: each is away on a few random days; one in fifty has a conflict of
//!   interest with one or two enterprises.
//! - Enterprises: request counts skewed (a few big plants get many requests); 40% have
//!   a burden cap of 1 to 3 visits; one in ten has a shutdown (quiet period) of 5 to 15
//!   days.
//! - Requests: routine windows of 10 to 60 days, follow-ups of 5 to 15 days, 3% urgent
//!   with windows of 1 to 5 days, 1% impossible (a window inside the Spring Festival or
//!   a weekend), 0.2% naming an agency or enterprise the problem does not have; team
//!   sizes 1 (50%), 2 (35%) or 3 (15%).

use crate::problem::{
    AgencySpec, CalendarLists, EnterpriseSpec, Horizon, InspectorSpec, Problem, Request,
};
use chrono::{Datelike, Days, NaiveDate, Weekday};
use onevisit_domain::{DateRange, WorkCalendar};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

/// What to generate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GenParams {
    pub seed: u64,
    pub enterprises: usize,
    pub requests: usize,
    /// Whether agency capacity and rosters should be the binding limit.
    pub capacity_binds: bool,
}

impl GenParams {
    pub fn new(seed: u64, enterprises: usize, requests: usize, capacity_binds: bool) -> Self {
        Self {
            seed,
            enterprises,
            requests,
            capacity_binds,
        }
    }
}

/// The six agencies and their share of the requests (per mille).
pub const AGENCIES: [(&str, u32); 6] = [
    ("housing", 150),
    ("natural_resources", 100),
    ("ecology", 200),
    ("emergency", 250),
    ("fire", 200),
    ("industry", 100),
];

fn day(s: &str) -> NaiveDate {
    // The generator's own constant dates are valid.
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap_or(NaiveDate::MIN)
}

/// Generates a problem. Same parameters, same problem.
pub fn generate(params: &GenParams) -> Problem {
    let mut rng = StdRng::seed_from_u64(params.seed);
    let start = day("2026-01-05");
    let end = day("2026-03-31");
    let horizon_days = (end - start).num_days() as u64 + 1;
    let shipped = WorkCalendar::shipped();
    let year = |d: &NaiveDate| d.year() == 2026;
    let calendar = CalendarLists {
        holidays: shipped.holidays().filter(year).collect(),
        workdays: shipped.workdays().filter(year).collect(),
    };
    let working_days = (0..horizon_days)
        .filter(|&d| shipped.is_working_day(start + Days::new(d)))
        .count()
        .max(1) as f64;
    let n_ent = params.enterprises.max(1);
    let n_req = params.requests;

    // Agencies, capacities and rosters.
    let mut agencies = Vec::new();
    let mut inspectors = Vec::new();
    for (id, share) in AGENCIES {
        let per_day = n_req as f64 * f64::from(share) / 1000.0 / working_days;
        let (cap, roster) = if params.capacity_binds {
            let cap = (per_day * 0.6).ceil().max(1.0);
            (cap, (cap * 1.5).ceil())
        } else {
            let cap = (per_day * 3.0).ceil() + 4.0;
            (cap, (cap * 2.0).ceil() + 3.0)
        };
        agencies.push(AgencySpec {
            id: id.to_string(),
            daily_capacity: cap as u32,
        });
        for k in 0..roster as u32 {
            let away = rng.random_range(0..4u64);
            let mut unavailable: Vec<NaiveDate> = (0..away)
                .map(|_| start + Days::new(rng.random_range(0..horizon_days)))
                .collect();
            unavailable.sort();
            unavailable.dedup();
            let conflicts = if rng.random_ratio(1, 50) {
                (0..rng.random_range(1..=2u32))
                    .map(|_| ent_id(rng.random_range(0..n_ent)))
                    .collect()
            } else {
                Vec::new()
            };
            inspectors.push(InspectorSpec {
                id: format!("{id}-{:05}", k + 1),
                agency: id.to_string(),
                unavailable,
                conflicts,
            });
        }
    }

    // Enterprises.
    let mut enterprises = Vec::with_capacity(n_ent);
    for e in 0..n_ent {
        let max_visits = rng.random_ratio(2, 5).then(|| rng.random_range(1..=3u32));
        let quiet = if rng.random_ratio(1, 10) {
            let len = rng.random_range(5..=15u64);
            let a = start + Days::new(rng.random_range(0..horizon_days));
            let b = a + Days::new(len - 1);
            DateRange::new(a, b).map(|r| vec![r]).unwrap_or_default()
        } else {
            Vec::new()
        };
        enterprises.push(EnterpriseSpec {
            id: ent_id(e),
            max_visits,
            quiet,
        });
    }

    // Requests.
    let spring = (day("2026-02-15"), day("2026-02-22"));
    let mut requests = Vec::with_capacity(n_req);
    for k in 0..n_req {
        let x: f64 = rng.random();
        let e = ((x * x) * n_ent as f64) as usize % n_ent;
        let mut pick = rng.random_range(0..1000u32);
        let mut agency = AGENCIES[0].0.to_string();
        for (id, share) in AGENCIES {
            if pick < share {
                agency = id.to_string();
                break;
            }
            pick -= share;
        }
        let team = match rng.random_range(0..100u32) {
            0..50 => 1,
            50..85 => 2,
            _ => 3,
        };
        let kind = rng.random_range(0..1000u32);
        let urgent = kind < 30;
        let (earliest, latest) = if (30..40).contains(&kind) {
            // Impossible: inside the Spring Festival, or a weekend that is not a
            // make-up day.
            if rng.random_bool(0.5) {
                spring
            } else {
                let mut d = start + Days::new(rng.random_range(0..horizon_days - 7));
                while d.weekday() != Weekday::Sat || shipped.is_working_day(d) {
                    d = d + Days::new(1);
                }
                (d, d + Days::new(1))
            }
        } else {
            let len = if urgent {
                rng.random_range(1..=5u64)
            } else if kind < 300 {
                rng.random_range(5..=15u64)
            } else {
                rng.random_range(10..=60u64)
            };
            let a = start + Days::new(rng.random_range(0..horizon_days));
            let b = (a + Days::new(len - 1)).min(end);
            (a, b)
        };
        let mut enterprise = ent_id(e);
        if (40..42).contains(&kind) {
            if rng.random_bool(0.5) {
                agency = "transport".to_string();
            } else {
                enterprise = format!("X{:07}", e + 1);
            }
        }
        requests.push(Request {
            id: format!("R{:07}", k + 1),
            agency,
            enterprise,
            earliest,
            latest,
            inspectors: team,
            urgent,
        });
    }

    Problem {
        horizon: Horizon { start, end },
        calendar,
        agencies,
        inspectors,
        enterprises,
        requests,
        locked: Vec::new(),
    }
}

fn ent_id(e: usize) -> String {
    format!("E{:07}", e + 1)
}
