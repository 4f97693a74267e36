//! Generated quarter-sized instances: valid plans, quality against the lower bound,
//! determinism of the generator, and the place fast path on a real plan.

mod common;

use onevisit_scheduler::generate::{GenParams, generate};
use onevisit_scheduler::{Placement, PlanIndex, Reason, place, plan};

#[test]
fn generated_plans_pass_the_checker() {
    for (seed, binds) in [(1, false), (2, true), (3, false), (4, true)] {
        let p = generate(&GenParams::new(seed, 150, 400, binds));
        let out = plan(&p).expect("generated problems are well-formed");
        common::assert_valid(&p, &out);
        let direct = onevisit_scheduler::plan_json_output(p.to_json(false).as_bytes(), false)
            .expect("well-formed");
        assert_eq!(direct.json, out.to_json(false));
        assert_eq!(direct.stats, out.stats);
        // The generator makes every kind of refusal possible; with caps and holidays
        // some requests always stay out.
        assert!(
            out.unscheduled
                .iter()
                .any(|u| u.reason == Reason::NoOpenDay)
        );
    }
}

#[test]
fn generator_is_deterministic_and_realistic() {
    let a = generate(&GenParams::new(7, 300, 1000, false));
    let b = generate(&GenParams::new(7, 300, 1000, false));
    assert_eq!(a, b);
    let c = generate(&GenParams::new(8, 300, 1000, false));
    assert_ne!(a, c);
    assert_eq!(a.agencies.len(), 6);
    assert_eq!(a.requests.len(), 1000);
    assert!(a.requests.iter().any(|r| r.urgent));
    assert!(a.enterprises.iter().any(|e| e.max_visits.is_some()));
    assert!(a.enterprises.iter().any(|e| !e.quiet.is_empty()));
    assert!(a.calendar.workdays.contains(&common::d("2026-02-14")));
    // It reads back through the parser unchanged.
    let back =
        onevisit_scheduler::Problem::from_json(a.to_json(false).as_bytes()).expect("valid JSON");
    assert_eq!(back, a);
}

#[test]
fn quality_when_capacity_does_not_bind() {
    for seed in [11, 12] {
        let p = generate(&GenParams::new(seed, 4000, 10_000, false));
        let out = plan(&p).expect("well-formed");
        let s = out.stats;
        assert!(s.lower_bound <= s.visits);
        assert!(
            s.visits as f64 <= 1.02 * s.lower_bound as f64,
            "visits {} vs lower bound {}",
            s.visits,
            s.lower_bound
        );
    }
}

#[test]
fn place_on_a_generated_plan() {
    let p = generate(&GenParams::new(21, 300, 800, false));
    let out = plan(&p).expect("well-formed");
    let index = PlanIndex::new(&p, &out).expect("indexes");
    let view = common::View::new(&p, &out);
    let others = generate(&GenParams::new(22, 300, 60, false));
    let mut joined = 0;
    for (k, r) in others.requests.iter().enumerate() {
        let q = onevisit_scheduler::Request {
            id: format!("NEW{k}"),
            ..r.clone()
        };
        match place(&index, &q) {
            Placement::Join { visit, date, .. } => {
                let v = out.visits.iter().find(|v| v.id == visit).expect("visit");
                assert_eq!(v.date, date);
                assert!(view.can_join(v, &q));
                joined += 1;
            }
            Placement::NewVisit { date, inspectors } => {
                assert!(!out.visits.iter().any(|v| view.can_join(v, &q)));
                assert!(view.can_open(&q, date));
                assert_eq!(inspectors.len(), q.inspectors as usize);
            }
            Placement::Unplaceable { reason } => {
                assert!(!view.placeable(&q));
                assert_eq!(reason, view.expected_reason(&q));
            }
            Placement::Invalid { error } => panic!("refused a valid request: {error}"),
        }
    }
    assert!(joined > 0);
}

#[test]
fn a_time_limit_improves_within_it_and_stays_valid() {
    use onevisit_scheduler::{PlanOptions, plan_with};
    use std::time::{Duration, Instant};
    for seed in [31, 32] {
        let p = generate(&GenParams::new(seed, 150, 400, true));
        let quick = plan(&p).expect("well-formed");
        let t0 = Instant::now();
        let options = PlanOptions {
            time_limit: Some(Duration::from_secs(2)),
        };
        let long = plan_with(&p, &options).expect("well-formed");
        assert!(t0.elapsed() < Duration::from_secs(4));
        common::assert_valid(&p, &long);
        let key = |s: &onevisit_scheduler::Stats| (s.scheduled, std::cmp::Reverse(s.visits));
        assert!(key(&long.stats) >= key(&quick.stats));
    }
}

#[test]
fn quality_when_capacity_binds() {
    // Where capacity binds, a request's best day is often full when it is placed;
    // merging across full days brings the visits back near the lower bound.
    for seed in [2, 3] {
        let p = generate(&GenParams::new(seed, 3_000, 8_000, true));
        // Validity is checked at county scale below (the checker is quadratic).
        let s = plan(&p).expect("well-formed").stats;
        assert!(
            s.visits as f64 <= 1.015 * s.lower_bound as f64,
            "visits {} vs lower bound {}",
            s.visits,
            s.lower_bound
        );
    }
}

#[test]
fn a_binding_county_passes_the_checker() {
    // 3,000 requests with capacity binding: where re-optimisation and ejection move
    // the most visits.
    let p = generate(&GenParams::new(5, 1_100, 3_000, true));
    let out = plan(&p).expect("well-formed");
    common::assert_valid(&p, &out);
    assert!(out.stats.lower_bound <= out.stats.visits);
}
