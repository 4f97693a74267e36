//! Property tests on random small problems.

mod common;

use common::{View, assert_valid, random_problem, shuffled};
use onevisit_scheduler::{Problem, Reason, Request, plan};
use proptest::prelude::*;

proptest! {
    #![proptest_config(ProptestConfig { cases: 300, ..ProptestConfig::default() })]

    /// The checker passes (hard rules, every request once, order, stats, reasons,
    /// local optimality, urgent never refused by the cap).
    #[test]
    fn plans_pass_the_checker(seed in any::<u64>()) {
        let p = random_problem(seed);
        let out = plan(&p).expect("well-formed");
        assert_valid(&p, &out);
        for u in &out.unscheduled {
            let q = p.requests.iter().find(|r| r.id == u.request).expect("known");
            prop_assert!(!(q.urgent && u.reason == Reason::EnterpriseCap));
        }
    }

    /// Same input, byte-identical output; and the order of the input lists does not
    /// matter either.
    #[test]
    fn deterministic_and_order_independent(seed in any::<u64>(), shuffle in any::<u64>()) {
        let p = random_problem(seed);
        let a = plan(&p).expect("well-formed").to_json(false);
        let b = plan(&p).expect("well-formed").to_json(false);
        prop_assert_eq!(&a, &b);
        let c = plan(&shuffled(&p, shuffle)).expect("well-formed").to_json(false);
        prop_assert_eq!(&a, &c);
        // The JSON written straight from the planner is the same, compact or pretty.
        let direct = onevisit_scheduler::plan_to_json(&p, false).expect("well-formed");
        prop_assert_eq!(&a, &direct.json);
        let pretty = onevisit_scheduler::plan_to_json(&p, true).expect("well-formed");
        prop_assert_eq!(plan(&p).expect("well-formed").to_json(true), pretty.json);
    }

    /// The JSON round trip: a problem written and read back plans the same.
    #[test]
    fn json_round_trip(seed in any::<u64>()) {
        let p = random_problem(seed);
        let back = Problem::from_json(p.to_json(false).as_bytes()).expect("reads back");
        prop_assert_eq!(&back, &p);
        let out = plan(&p).expect("well-formed");
        let again = onevisit_scheduler::Plan::from_json(out.to_json(true).as_bytes()).expect("plan reads back");
        prop_assert_eq!(again, out);
    }

    /// Re-planning with the plan's visits locked plus one new (non-urgent) request
    /// changes nothing else: every old visit is kept as it was, except the one the
    /// new request may join; at most one visit is added; the same requests stay out.
    #[test]
    fn replan_with_locked_changes_nothing_else(seed in any::<u64>(), pick in any::<u64>()) {
        let p = random_problem(seed);
        let first = plan(&p).expect("well-formed");
        let mut p2 = p.clone();
        p2.locked = first.visits.clone();
        let template = random_problem(pick);
        let Some(t) = template.requests.first() else { return Ok(()) };
        let new = Request { id: "R999".into(), urgent: false, ..t.clone() };
        p2.requests.push(new.clone());
        let second = plan(&p2).expect("well-formed");
        assert_valid(&p2, &second);
        let mut changed = 0;
        for v in &first.visits {
            let w = second.visits.iter().find(|w| w.id == v.id).expect("locked visit kept");
            if w != v {
                changed += 1;
                prop_assert!(w.requests.contains(&new.id), "visit {} changed without the new request", v.id);
            }
        }
        prop_assert!(changed <= 1);
        prop_assert!(second.visits.len() <= first.visits.len() + 1);
        let out1: Vec<&str> = first.unscheduled.iter().map(|u| u.request.as_str()).collect();
        let out2: Vec<&str> = second.unscheduled.iter().map(|u| u.request.as_str()).filter(|r| *r != "R999").collect();
        prop_assert_eq!(out1, out2);
    }

    /// Locked visits built from a plan (with a few requests dropped from them) are kept
    /// exactly, and the result still passes the checker.
    #[test]
    fn locked_subsets_are_kept(seed in any::<u64>()) {
        let p = random_problem(seed);
        let first = plan(&p).expect("well-formed");
        let mut p2 = p.clone();
        p2.locked = first.visits.iter().step_by(2).cloned().collect();
        let second = plan(&p2).expect("well-formed");
        assert_valid(&p2, &second);
        let direct = onevisit_scheduler::plan_to_json(&p2, true).expect("well-formed");
        prop_assert_eq!(second.to_json(true), direct.json);
        for l in &p2.locked {
            let v = second.visits.iter().find(|v| v.id == l.id).expect("kept");
            prop_assert_eq!(&v.enterprise, &l.enterprise);
            prop_assert_eq!(v.date, l.date);
        }
    }

    /// `place` agrees with the checker: a placement it proposes is valid when applied,
    /// and a refusal means no placement exists without moving anything, for the
    /// reason the checker computes.
    #[test]
    fn place_agrees_with_the_checker(seed in any::<u64>(), pick in any::<u64>(), urgent in any::<bool>()) {
        let p = random_problem(seed);
        let out = plan(&p).expect("well-formed");
        let index = onevisit_scheduler::PlanIndex::new(&p, &out).expect("plan indexes");
        let template = random_problem(pick);
        for (k, t) in template.requests.iter().take(5).enumerate() {
            let q = Request { id: format!("N{k}"), urgent: urgent && k % 2 == 0, ..t.clone() };
            let placement = onevisit_scheduler::place(&index, &q);
            let mut p2 = p.clone();
            p2.requests.push(q.clone());
            let mut plan2 = out.clone();
            match placement {
                onevisit_scheduler::Placement::Join { visit, date, inspectors } => {
                    let v = plan2.visits.iter_mut().find(|v| v.id == visit).expect("visit exists");
                    prop_assert_eq!(v.date, date);
                    v.requests.push(q.id.clone());
                    v.requests.sort();
                    match v.inspectors.iter_mut().find(|t| t.agency == q.agency) {
                        Some(team) => { team.inspectors.extend(inspectors); team.inspectors.sort(); }
                        None => {
                            v.inspectors.push(onevisit_scheduler::AgencyTeam { agency: q.agency.clone(), inspectors });
                            v.inspectors.sort_by(|a, b| a.agency.cmp(&b.agency));
                        }
                    }
                    plan2.stats.scheduled += 1;
                    plan2.stats.requests += 1;
                    plan2.stats.lower_bound = common::stabbing_bound(&p2, &plan2);
                    let errs = common::check_opts(&p2, &plan2, false);
                    prop_assert!(errs.is_empty(), "{:?}", errs);
                }
                onevisit_scheduler::Placement::NewVisit { date, inspectors } => {
                    plan2.visits.push(onevisit_scheduler::Visit {
                        id: "ZNEW".into(),
                        enterprise: q.enterprise.clone(),
                        date,
                        requests: vec![q.id.clone()],
                        inspectors: vec![onevisit_scheduler::AgencyTeam { agency: q.agency.clone(), inspectors }],
                    });
                    plan2.visits.sort_by(|a, b| (a.date, &a.enterprise, &a.id).cmp(&(b.date, &b.enterprise, &b.id)));
                    plan2.stats.scheduled += 1;
                    plan2.stats.requests += 1;
                    plan2.stats.visits += 1;
                    plan2.stats.lower_bound = common::stabbing_bound(&p2, &plan2);
                    let errs = common::check_opts(&p2, &plan2, false);
                    prop_assert!(errs.is_empty(), "{:?}", errs);
                }
                onevisit_scheduler::Placement::Unplaceable { reason } => {
                    let view = View::new(&p2, &out);
                    prop_assert!(!view.placeable(&q) || reason == Reason::UnknownReference);
                    prop_assert_eq!(reason, view.expected_reason(&q));
                }
                onevisit_scheduler::Placement::Invalid { error } => {
                    prop_assert!(false, "valid request refused: {}", error);
                }
            }
        }
    }
}
