//! Prints the README's planner quality table: generated S, M and L quarters, with
//! capacity ample and binding, planned by default and with a time limit.
//!
//! `scripts/planner-quality.sh` (or `cargo run --release -p onevisit-scheduler
//! --example quality -- [SECONDS]`; the time-limited rows use SECONDS, default 5).
#![allow(clippy::print_stdout)]

use onevisit_scheduler::generate::{GenParams, generate};
use onevisit_scheduler::{PlanOptions, plan_with};
use std::time::{Duration, Instant};

fn main() {
    let limit = std::env::args()
        .nth(1)
        .and_then(|s| s.parse::<f64>().ok())
        .filter(|s| *s > 0.0)
        .unwrap_or(5.0);
    println!(
        "| instance | requests | options | scheduled | visits | lower bound | visits / LB | time |"
    );
    println!("|---|---:|---|---:|---:|---:|---:|---:|");
    for (name, enterprises, requests) in
        [("S", 150, 400), ("M", 3_000, 8_000), ("L", 60_000, 160_000)]
    {
        for binds in [false, true] {
            let problem = generate(&GenParams::new(1, enterprises, requests, binds));
            let capacity = if binds { "binding" } else { "ample" };
            for time_limit in [None, Some(Duration::from_secs_f64(limit))] {
                let t0 = Instant::now();
                let Ok(plan) = plan_with(&problem, &PlanOptions { time_limit }) else {
                    eprintln!("generated problems are well-formed");
                    std::process::exit(1);
                };
                let elapsed = t0.elapsed().as_secs_f64();
                let s = plan.stats;
                let options = match time_limit {
                    None => "default".to_string(),
                    Some(t) => format!("--time-limit {}", t.as_secs_f64()),
                };
                println!(
                    "| {name} ({capacity}) | {} | {options} | {} | {} | {} | {:.4} | {elapsed:.3} s |",
                    s.requests,
                    s.scheduled,
                    s.visits,
                    s.lower_bound,
                    s.visits as f64 / s.lower_bound.max(1) as f64,
                );
            }
        }
    }
}
