//! Small hand-made cases: each hard rule, each reason code, the tricky calendar days,
//! merging, repair by moving a visit, and the checker catching broken plans.

mod common;

use common::*;
use onevisit_scheduler::{Problem, Reason, Request};

/// One agency with plenty of room, one enterprise, in February 2026 (Spring Festival
/// 02-15..23 off, make-up Saturdays 02-14 and 02-28).
fn base() -> Problem {
    let mut p = problem("2026-02-02", "2026-03-06");
    agency(&mut p, "fire", 10, 6);
    agency(&mut p, "ecology", 10, 6);
    enterprise(&mut p, "E1", None);
    p
}

#[test]
fn make_up_saturday_is_a_working_day() {
    let mut p = base();
    request(&mut p, "R1 fire E1 2026-02-14..2026-02-14");
    let plan = plan_checked(&p);
    assert_eq!(visit_of(&plan, "R1").map(|v| v.date), Some(d("2026-02-14")));
}

#[test]
fn holiday_monday_is_not_a_working_day() {
    let mut p = base();
    // 2026-02-16 is the Monday of the Spring Festival.
    request(&mut p, "R1 fire E1 2026-02-16..2026-02-16");
    // A window from that Monday to the ordinary Saturday after the festival holds no
    // open day (02-16..02-21 off: holidays, then Saturday 02-21 is a holiday too).
    request(&mut p, "R2 fire E1 2026-02-15..2026-02-22");
    let plan = plan_checked(&p);
    assert_eq!(reason_of(&plan, "R1"), Some(Reason::NoOpenDay));
    assert_eq!(reason_of(&plan, "R2"), Some(Reason::NoOpenDay));
}

#[test]
fn a_holiday_that_is_also_a_workday_is_worked_and_custom_holidays_count() {
    let mut p = problem("2027-02-01", "2027-02-28");
    p.calendar.holidays = vec![d("2027-02-08"), d("2027-02-20")];
    p.calendar.workdays = vec![d("2027-02-20")];
    agency(&mut p, "fire", 5, 3);
    enterprise(&mut p, "E1", None);
    // 2027-02-08 is a Monday holiday.
    request(&mut p, "R1 fire E1 2027-02-08..2027-02-08");
    // 2027-02-20 is a Saturday in both lists: a working day.
    request(&mut p, "R2 fire E1 2027-02-20..2027-02-20");
    // An ordinary Sunday.
    request(&mut p, "R3 fire E1 2027-02-21..2027-02-21");
    let plan = plan_checked(&p);
    assert_eq!(reason_of(&plan, "R1"), Some(Reason::NoOpenDay));
    assert_eq!(visit_of(&plan, "R2").map(|v| v.date), Some(d("2027-02-20")));
    assert_eq!(reason_of(&plan, "R3"), Some(Reason::NoOpenDay));
}

#[test]
fn rule1_quiet_days_and_windows_outside_the_horizon() {
    let mut p = base();
    p.enterprises[0].quiet =
        vec![onevisit_domain::DateRange::new(d("2026-03-02"), d("2026-03-04")).expect("range")];
    request(&mut p, "R1 fire E1 2026-03-02..2026-03-04");
    request(&mut p, "R2 fire E1 2026-03-02..2026-03-05 urgent");
    request(&mut p, "R3 fire E1 2026-04-01..2026-04-30");
    let plan = plan_checked(&p);
    assert_eq!(reason_of(&plan, "R1"), Some(Reason::NoOpenDay));
    // Quiet periods bind urgent requests too.
    assert_eq!(visit_of(&plan, "R2").map(|v| v.date), Some(d("2026-03-05")));
    assert_eq!(reason_of(&plan, "R3"), Some(Reason::NoOpenDay));
}

#[test]
fn merging_overlapping_windows_into_one_visit() {
    let mut p = base();
    request(&mut p, "R1 fire E1 2026-02-02..2026-02-13 team=2");
    request(&mut p, "R2 ecology E1 2026-02-09..2026-02-27");
    request(&mut p, "R3 fire E1 2026-02-10..2026-02-11 team=3");
    let plan = plan_checked(&p);
    assert_eq!(plan.stats.visits, 1);
    assert_eq!(plan.stats.lower_bound, 1);
    let v = &plan.visits[0];
    assert_eq!(v.date, d("2026-02-11"));
    // Rule 2: the fire team is max(2, 3) = 3, ecology sends 1.
    let fire = v
        .inspectors
        .iter()
        .find(|t| t.agency == "fire")
        .expect("fire team");
    assert_eq!(fire.inspectors.len(), 3);
    let eco = v
        .inspectors
        .iter()
        .find(|t| t.agency == "ecology")
        .expect("ecology team");
    assert_eq!(eco.inspectors.len(), 1);
}

#[test]
fn rule2_conflicts_and_unavailability() {
    let mut p = problem("2026-03-02", "2026-03-06");
    agency(&mut p, "fire", 5, 2);
    enterprise(&mut p, "E1", None);
    enterprise(&mut p, "E2", None);
    p.inspectors[0].conflicts = vec!["E1".into()];
    p.inspectors[1].unavailable = vec![d("2026-03-03")];
    // Only fire-02 may inspect E1, and not on 03-03.
    request(&mut p, "R1 fire E1 2026-03-03..2026-03-03");
    request(&mut p, "R2 fire E1 2026-03-04..2026-03-04");
    request(&mut p, "R3 fire E2 2026-03-05..2026-03-05 team=2");
    let plan = plan_checked(&p);
    assert_eq!(reason_of(&plan, "R1"), Some(Reason::NoInspector));
    let v2 = visit_of(&plan, "R2").expect("R2 placed");
    assert_eq!(v2.inspectors[0].inspectors, vec!["fire-02".to_string()]);
    assert!(visit_of(&plan, "R3").is_some());
}

#[test]
fn rule3_an_inspector_is_in_one_visit_a_day() {
    let mut p = problem("2026-03-02", "2026-03-06");
    agency(&mut p, "fire", 5, 1);
    enterprise(&mut p, "E1", None);
    enterprise(&mut p, "E2", None);
    request(&mut p, "R1 fire E1 2026-03-03..2026-03-03");
    request(&mut p, "R2 fire E2 2026-03-03..2026-03-03");
    let plan = plan_checked(&p);
    assert_eq!(plan.stats.scheduled, 1);
    assert_eq!(reason_of(&plan, "R2"), Some(Reason::NoInspector));
}

#[test]
fn rule4_agency_capacity() {
    let mut p = problem("2026-03-02", "2026-03-06");
    agency(&mut p, "fire", 1, 5);
    agency(&mut p, "ecology", 0, 5);
    enterprise(&mut p, "E1", None);
    enterprise(&mut p, "E2", None);
    request(&mut p, "R1 fire E1 2026-03-03..2026-03-03");
    request(&mut p, "R2 fire E2 2026-03-03..2026-03-03");
    request(&mut p, "R3 ecology E1 2026-03-02..2026-03-06");
    let plan = plan_checked(&p);
    assert_eq!(reason_of(&plan, "R2"), Some(Reason::AgencyCapacity));
    assert_eq!(reason_of(&plan, "R3"), Some(Reason::AgencyCapacity));
}

#[test]
fn rule5_burden_cap_spares_urgent_requests() {
    let mut p = base();
    p.enterprises[0].max_visits = Some(1);
    request(&mut p, "R1 fire E1 2026-02-02..2026-02-03");
    request(&mut p, "R2 fire E1 2026-03-02..2026-03-03");
    request(&mut p, "R3 ecology E1 2026-02-25..2026-02-26 urgent");
    request(&mut p, "R4 fire E1 2026-02-26..2026-02-27");
    let plan = plan_checked(&p);
    // The urgent visit (with R4 joining it) is not counted; one counted visit remains.
    assert_eq!(visit_of(&plan, "R3").map(|v| v.requests.len()), Some(2));
    assert_eq!(plan.stats.scheduled, 3);
    assert_eq!(reason_of(&plan, "R2"), Some(Reason::EnterpriseCap));

    // A cap of 0 refuses every routine visit, never an urgent one.
    let mut q = base();
    q.enterprises[0].max_visits = Some(0);
    request(&mut q, "R1 fire E1 2026-02-02..2026-02-03");
    request(&mut q, "R2 fire E1 2026-03-02..2026-03-03 urgent");
    let plan = plan_checked(&q);
    assert_eq!(reason_of(&plan, "R1"), Some(Reason::EnterpriseCap));
    assert!(visit_of(&plan, "R2").is_some());
}

#[test]
fn a_cap_of_one_takes_the_day_that_serves_most() {
    // The stabbing greedy's first day (02-04, for R1 and R2) would use the only visit;
    // 02-11 serves R2, R3 and R4.
    let mut p = base();
    p.enterprises[0].max_visits = Some(1);
    request(&mut p, "R1 fire E1 2026-02-02..2026-02-04");
    request(&mut p, "R2 fire E1 2026-02-04..2026-02-11");
    request(&mut p, "R3 fire E1 2026-02-09..2026-02-13");
    request(&mut p, "R4 ecology E1 2026-02-11..2026-02-13 team=2");
    let plan = plan_checked(&p);
    assert_eq!((plan.stats.scheduled, plan.stats.visits), (3, 1));
    assert_eq!(reason_of(&plan, "R1"), Some(Reason::EnterpriseCap));
}

#[test]
fn a_visit_moves_off_a_full_day_to_make_room_for_another_enterprise() {
    // Capacity one a day: E1 takes 02-03, the last day of its window and the only day
    // of E2's; moving E1's visit to 02-02 lets both in.
    let mut p = problem("2026-02-02", "2026-03-06");
    agency(&mut p, "fire", 1, 2);
    enterprise(&mut p, "E1", None);
    enterprise(&mut p, "E2", None);
    request(&mut p, "R1 fire E1 2026-02-02..2026-02-03");
    request(&mut p, "R2 fire E2 2026-02-03..2026-02-03");
    let plan = plan_checked(&p);
    assert_eq!(plan.stats.scheduled, 2);
    assert_eq!(visit_of(&plan, "R1").map(|v| v.date), Some(d("2026-02-02")));
}

#[test]
fn rule6_one_visit_per_enterprise_per_day() {
    let mut p = base();
    request(&mut p, "R1 fire E1 2026-03-03..2026-03-03");
    request(&mut p, "R2 ecology E1 2026-03-03..2026-03-03");
    request(&mut p, "R3 fire E1 2026-03-03..2026-03-03 team=2");
    let plan = plan_checked(&p);
    assert_eq!(plan.stats.visits, 1);
    assert_eq!(plan.visits[0].requests, vec!["R1", "R2", "R3"]);
}

#[test]
fn unknown_references_are_not_malformed() {
    let mut p = base();
    request(&mut p, "R1 transport E1 2026-03-03..2026-03-03");
    request(&mut p, "R2 fire E404 2026-03-03..2026-03-03");
    let plan = plan_checked(&p);
    assert_eq!(reason_of(&plan, "R1"), Some(Reason::UnknownReference));
    assert_eq!(reason_of(&plan, "R2"), Some(Reason::UnknownReference));
}

#[test]
fn urgent_requests_go_first() {
    // One fire inspector, one day: the urgent request gets it, whatever the ids.
    let mut p = problem("2026-03-02", "2026-03-06");
    agency(&mut p, "fire", 5, 1);
    enterprise(&mut p, "E1", None);
    enterprise(&mut p, "E2", None);
    request(&mut p, "R1 fire E1 2026-03-03..2026-03-03");
    request(&mut p, "R2 fire E2 2026-03-03..2026-03-03 urgent");
    let plan = plan_checked(&p);
    assert!(visit_of(&plan, "R2").is_some());
    assert_eq!(reason_of(&plan, "R1"), Some(Reason::NoInspector));
}

#[test]
fn a_full_day_moves_the_visit_rather_than_splitting_it() {
    let mut p = problem("2026-03-02", "2026-03-06");
    agency(&mut p, "fire", 1, 5);
    agency(&mut p, "ecology", 5, 5);
    enterprise(&mut p, "E1", None);
    enterprise(&mut p, "E2", None);
    // E1 takes fire's only slot on 03-04.
    request(&mut p, "R1 fire E1 2026-03-04..2026-03-04");
    // E2's two requests would both go on 03-04; fire cannot, so the visit moves.
    request(&mut p, "R2 ecology E2 2026-03-02..2026-03-04");
    request(&mut p, "R3 fire E2 2026-03-02..2026-03-04");
    let plan = plan_checked(&p);
    assert_eq!(plan.stats.scheduled, 3);
    assert_eq!(plan.stats.visits, 2);
    let v = visit_of(&plan, "R2").expect("placed");
    assert!(v.requests.contains(&"R3".to_string()));
    assert_ne!(v.date, d("2026-03-04"));
}

#[test]
fn new_visit_ids_do_not_collide_with_locked_ones() {
    let mut p = base();
    request(&mut p, "R1 fire E1 2026-02-02..2026-02-03");
    request(&mut p, "R2 fire E1 2026-03-02..2026-03-03");
    p.locked = vec![onevisit_scheduler::Visit {
        id: "P000001".into(),
        enterprise: "E1".into(),
        date: d("2026-02-03"),
        requests: vec!["R1".into()],
        inspectors: vec![onevisit_scheduler::AgencyTeam {
            agency: "fire".into(),
            inspectors: vec!["fire-01".into()],
        }],
    }];
    let plan = plan_checked(&p);
    let ids: Vec<&str> = plan.visits.iter().map(|v| v.id.as_str()).collect();
    assert_eq!(ids, vec!["P000001", "P000002"]);
}

#[test]
fn locked_visit_breaking_rules_is_kept_and_counted() {
    let mut p = base();
    agency(&mut p, "housing", 1, 1);
    p.enterprises[0].max_visits = Some(1);
    enterprise(&mut p, "E2", None);
    // A locked visit on a Sunday with an inspector now away: kept as given.
    request(&mut p, "R1 housing E1 2026-03-01..2026-03-01");
    p.inspectors
        .iter_mut()
        .filter(|i| i.id == "housing-01")
        .for_each(|i| i.unavailable = vec![d("2026-03-01")]);
    p.locked = vec![onevisit_scheduler::Visit {
        id: "L1".into(),
        enterprise: "E1".into(),
        date: d("2026-03-01"),
        requests: vec!["R1".into()],
        inspectors: vec![onevisit_scheduler::AgencyTeam {
            agency: "housing".into(),
            inspectors: vec!["housing-01".into()],
        }],
    }];
    // E1's cap is used up by the locked visit.
    request(&mut p, "R2 fire E1 2026-03-02..2026-03-03");
    // Housing's only inspector is free on 03-02 for E2.
    request(&mut p, "R3 housing E2 2026-03-02..2026-03-02");
    let plan = plan_checked(&p);
    let l = plan.visits.iter().find(|v| v.id == "L1").expect("kept");
    assert_eq!(l.date, d("2026-03-01"));
    assert_eq!(reason_of(&plan, "R2"), Some(Reason::EnterpriseCap));
    assert!(visit_of(&plan, "R3").is_some());
}

#[test]
fn new_requests_join_locked_visits() {
    let mut p = base();
    request(&mut p, "R1 fire E1 2026-03-03..2026-03-03");
    request(&mut p, "R2 ecology E1 2026-03-02..2026-03-06 team=2");
    request(&mut p, "R3 fire E1 2026-03-02..2026-03-06 team=2");
    p.locked = vec![onevisit_scheduler::Visit {
        id: "L1".into(),
        enterprise: "E1".into(),
        date: d("2026-03-03"),
        requests: vec!["R1".into()],
        inspectors: vec![onevisit_scheduler::AgencyTeam {
            agency: "fire".into(),
            inspectors: vec!["fire-04".into()],
        }],
    }];
    let plan = plan_checked(&p);
    assert_eq!(plan.stats.visits, 1);
    let v = &plan.visits[0];
    assert_eq!(v.id, "L1");
    assert_eq!(v.requests, vec!["R1", "R2", "R3"]);
    let fire = v
        .inspectors
        .iter()
        .find(|t| t.agency == "fire")
        .expect("fire");
    assert_eq!(fire.inspectors.len(), 2);
    assert!(fire.inspectors.contains(&"fire-04".to_string()));
}

#[test]
fn inspectors_are_spread_over_the_roster() {
    let mut p = problem("2026-03-02", "2026-03-13");
    agency(&mut p, "fire", 10, 5);
    for e in 0..10 {
        enterprise(&mut p, &format!("E{e}"), None);
        let day = format!("2026-03-{:02}", 2 + (e % 5));
        request(&mut p, &format!("R{e} fire E{e} {day}..{day}"));
    }
    let plan = plan_checked(&p);
    let mut load = std::collections::BTreeMap::<String, usize>::new();
    for v in &plan.visits {
        for t in &v.inspectors {
            for i in &t.inspectors {
                *load.entry(i.clone()).or_default() += 1;
            }
        }
    }
    // Ten one-person visits over five inspectors: two each.
    assert_eq!(load.len(), 5, "{load:?}");
    assert!(load.values().all(|&n| n == 2), "{load:?}");
}

#[test]
fn the_checker_catches_broken_plans() {
    let mut p = base();
    enterprise(&mut p, "E2", Some(1));
    request(&mut p, "R1 fire E1 2026-03-02..2026-03-06 team=2");
    request(&mut p, "R2 ecology E2 2026-03-02..2026-03-03");
    request(&mut p, "R3 ecology E2 2026-03-05..2026-03-06");
    let good = plan_checked(&p);
    // A visit on a Saturday.
    let mut bad = good.clone();
    bad.visits[0].date = d("2026-03-07");
    assert!(!check(&p, &bad).is_empty());
    // A team one short.
    let mut bad = good.clone();
    for v in &mut bad.visits {
        for t in &mut v.inspectors {
            if t.agency == "fire" {
                t.inspectors.pop();
            }
        }
    }
    assert!(!check(&p, &bad).is_empty());
    // A request dropped.
    let mut bad = good.clone();
    bad.visits
        .retain(|v| !v.requests.contains(&"R1".to_string()));
    assert!(!check(&p, &bad).is_empty());
    // A wrong reason.
    let mut bad = good.clone();
    if let Some(u) = bad.unscheduled.first_mut() {
        u.reason = Reason::NoInspector;
        assert!(!check(&p, &bad).is_empty());
    }
    // The same inspector in two visits on one day.
    let mut q = base();
    enterprise(&mut q, "E2", None);
    request(&mut q, "R1 fire E1 2026-03-03..2026-03-03");
    request(&mut q, "R2 fire E2 2026-03-03..2026-03-03");
    let good = plan_checked(&q);
    let mut bad = good.clone();
    let first = bad.visits[0].inspectors[0].inspectors[0].clone();
    bad.visits[1].inspectors[0].inspectors[0] = first;
    assert!(!check(&q, &bad).is_empty());
}

#[test]
fn direct_json_matches_serde_json_for_odd_ids() {
    let mut p = problem("2026-03-02", "2026-03-06");
    agency(&mut p, "fire \"brigade\"", 5, 2);
    agency(&mut p, "生态环境", 5, 2);
    enterprise(&mut p, "E\\1\n", Some(0));
    enterprise(&mut p, "企业\u{1}\u{1f}/\t", None);
    // Ids with spaces and control characters: built field by field, not from a spec.
    for (id, agency, ent, b, team, urgent) in [
        ("R\"1", "fire \"brigade\"", "E\\1\n", "2026-03-06", 1, true),
        (
            "R\u{8}2\u{c}",
            "生态环境",
            "企业\u{1}\u{1f}/\t",
            "2026-03-06",
            2,
            false,
        ),
        ("R\r3", "生态环境", "E\\1\n", "2026-03-06", 1, false),
    ] {
        p.requests.push(Request {
            id: id.into(),
            agency: agency.into(),
            enterprise: ent.into(),
            earliest: d("2026-03-02"),
            latest: d(b),
            inspectors: team,
            urgent,
        });
    }
    request(&mut p, "R4 生态环境 E\\1\n 2026-03-07..2026-03-08");
    let plan = plan_checked(&p);
    for pretty in [false, true] {
        let direct = onevisit_scheduler::plan_to_json(&p, pretty).expect("well-formed");
        assert_eq!(direct.json, plan.to_json(pretty));
        assert_eq!(direct.stats, plan.stats);
    }
    let back =
        onevisit_scheduler::Problem::from_json(p.to_json(true).as_bytes()).expect("reads back");
    assert_eq!(back, p);
}

#[test]
fn one_request_with_a_big_team_gives_way_to_two_that_share_its_people() {
    // E1's team of two, placed first, takes both inspectors on the only day all three
    // can have; two requests of one inspector each are worth more.
    let mut p = problem("2026-03-02", "2026-03-06");
    agency(&mut p, "fire", 5, 2);
    enterprise(&mut p, "E1", None);
    enterprise(&mut p, "E2", None);
    enterprise(&mut p, "E3", None);
    request(&mut p, "R1 fire E1 2026-03-03..2026-03-03 team=2");
    request(&mut p, "R2 fire E2 2026-03-03..2026-03-03");
    request(&mut p, "R3 fire E3 2026-03-03..2026-03-03");
    let plan = plan_checked(&p);
    assert_eq!(plan.stats.scheduled, 2);
    assert_eq!(reason_of(&plan, "R1"), Some(Reason::NoInspector));
}

#[test]
fn two_visits_merge_on_a_full_day_when_another_enterprise_s_visit_moves_off_it() {
    // One fire visit a day. E0 is placed first and takes Tuesday, the only day E1's two
    // requests share, so E1 gets Monday and Wednesday; moving E0's visit to Monday (freed
    // by E1's) lets E1's two share Tuesday.
    let mut p = problem("2026-03-02", "2026-03-06");
    agency(&mut p, "fire", 1, 5);
    enterprise(&mut p, "E0", None);
    enterprise(&mut p, "E1", None);
    request(&mut p, "R0 fire E0 2026-03-02..2026-03-03");
    request(&mut p, "R1 fire E1 2026-03-02..2026-03-03");
    request(&mut p, "R2 fire E1 2026-03-03..2026-03-04");
    let plan = plan_checked(&p);
    assert_eq!((plan.stats.scheduled, plan.stats.visits), (3, 2));
    assert_eq!(plan.stats.lower_bound, 2);
}
