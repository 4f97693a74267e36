//! Planner benchmarks: `plan` on generated quarters of 1k, 8k, 10k, 100k and 160k
//! requests (capacity not binding, and binding at 8k and 160k, where the
//! re-optimisation and ejection passes do the most), and `place` on the 160k plan.
//! The quality of the same instances is `scripts/planner-quality.sh`.
//!
//! `cargo bench -p onevisit-scheduler --bench planner`

use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};
use onevisit_scheduler::generate::{GenParams, generate};
use onevisit_scheduler::{PlanIndex, Request, place, plan, plan_json_output};
use std::hint::black_box;
use std::time::Duration;

fn bench_plan(c: &mut Criterion) {
    let mut group = c.benchmark_group("plan");
    group.sample_size(10);
    group.warm_up_time(Duration::from_secs(1));
    group.measurement_time(Duration::from_secs(5));
    for (requests, enterprises, binds) in [
        (1_000, 400, false),
        (8_000, 3_000, true),
        (10_000, 4_000, false),
        (100_000, 40_000, false),
        (160_000, 60_000, false),
        (160_000, 60_000, true),
    ] {
        let problem = generate(&GenParams::new(1, enterprises, requests, binds));
        let label = if binds {
            format!("{requests}-binding")
        } else {
            requests.to_string()
        };
        group.bench_with_input(BenchmarkId::from_parameter(label), &problem, |b, p| {
            b.iter(|| plan(black_box(p)).expect("generated problems are well-formed"));
        });
    }
    group.finish();
}

/// The whole of `onevisit plan` but the files: JSON bytes in, JSON text out.
fn bench_end_to_end(c: &mut Criterion) {
    let mut group = c.benchmark_group("json_to_json");
    group.sample_size(10);
    group.warm_up_time(Duration::from_secs(1));
    group.measurement_time(Duration::from_secs(5));
    let bytes = generate(&GenParams::new(1, 60_000, 160_000, false)).to_json(false);
    group.bench_function("160000", |b| {
        b.iter(|| plan_json_output(black_box(bytes.as_bytes()), false).expect("well-formed"));
    });
    group.finish();
}

fn bench_place(c: &mut Criterion) {
    let problem = generate(&GenParams::new(1, 60_000, 160_000, false));
    let out = plan(&problem).expect("well-formed");
    let index = PlanIndex::new(&problem, &out).expect("indexes");
    let asks: Vec<Request> = generate(&GenParams::new(2, 60_000, 1_000, false))
        .requests
        .into_iter()
        .enumerate()
        .map(|(k, r)| Request {
            id: format!("NEW{k:05}"),
            ..r
        })
        .collect();
    let mut k = 0;
    c.bench_function("place/160000", |b| {
        b.iter(|| {
            k = (k + 1) % asks.len();
            place(black_box(&index), black_box(&asks[k]))
        });
    });
}

criterion_group!(benches, bench_plan, bench_end_to_end, bench_place);
criterion_main!(benches);
