//! Writes a generated problem as JSON to stdout.
//!
//! `cargo run --release -p onevisit-scheduler --example generate -- SEED ENTERPRISES REQUESTS [binds]`
#![allow(clippy::print_stdout)]

use onevisit_scheduler::generate::{GenParams, generate};
use std::io::Write;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let num = |i: usize, default: u64| -> u64 {
        args.get(i).and_then(|s| s.parse().ok()).unwrap_or(default)
    };
    let params = GenParams::new(
        num(0, 1),
        num(1, 60_000) as usize,
        num(2, 160_000) as usize,
        args.get(3).is_some_and(|s| s == "binds"),
    );
    let problem = generate(&params);
    let mut out = std::io::stdout().lock();
    if let Err(e) = out.write_all(problem.to_json(false).as_bytes()) {
        eprintln!("cannot write: {e}");
        std::process::exit(1);
    }
}
