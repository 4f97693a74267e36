//! Malformed problems are refused as a whole, with the field and the id named; no
//! input makes the parser or the planner panic.

mod common;

use onevisit_scheduler::{Problem, plan_json};
use proptest::prelude::*;

const VALID: &str = r#"{
  "horizon": {"start": "2027-01-04", "end": "2027-03-31"},
  "calendar": {"holidays": ["2027-02-08"], "workdays": ["2027-02-20"]},
  "agencies": [{"id": "fire", "daily_capacity": 4}, {"id": "ecology", "daily_capacity": 2}],
  "inspectors": [{"id": "fire-01", "agency": "fire", "unavailable": ["2027-01-05"], "conflicts": ["E0012"]},
                 {"id": "fire-02", "agency": "fire"},
                 {"id": "eco-01", "agency": "ecology"}],
  "enterprises": [{"id": "E0001", "max_visits": 2, "quiet": [{"start": "2027-01-20", "end": "2027-01-31"}]},
                  {"id": "E0002"}],
  "requests": [{"id": "R000001", "agency": "fire", "enterprise": "E0001",
                "earliest": "2027-01-04", "latest": "2027-02-26", "inspectors": 2, "urgent": false},
               {"id": "R000002", "agency": "ecology", "enterprise": "E0002",
                "earliest": "2027-01-04", "latest": "2027-01-29", "inspectors": 1},
               {"id": "R000003", "agency": "fire", "enterprise": "E0001",
                "earliest": "2027-01-11", "latest": "2027-01-15", "inspectors": 1, "urgent": true},
               {"id": "R000004", "agency": "ecology", "enterprise": "E0001",
                "earliest": "2027-02-01", "latest": "2027-02-10", "inspectors": 1}],
  "locked": [{"id": "V0001", "enterprise": "E0001", "date": "2027-01-12",
              "requests": ["R000003"], "inspectors": {"fire": ["fire-01"]}}]
}"#;

fn edit(from: &str, to: &str) -> String {
    assert!(VALID.contains(from), "fixture lacks {from}");
    VALID.replacen(from, to, 1)
}

fn refused(json: &str) -> String {
    match Problem::from_json(json.as_bytes()) {
        Ok(_) => panic!("accepted a malformed problem"),
        Err(e) => {
            // The one-step path refuses it the same way.
            let again = plan_json(json.as_bytes()).expect_err("plan_json refuses it too");
            assert_eq!(again, e);
            e.to_string()
        }
    }
}

#[test]
fn the_valid_fixture_plans() {
    let p = Problem::from_json(VALID.as_bytes()).expect("valid");
    let plan = common::plan_checked(&p);
    assert_eq!(plan.stats.requests, 4);
    let direct = plan_json(VALID.as_bytes()).expect("valid");
    assert_eq!(direct.to_json(false), plan.to_json(false));
}

#[test]
fn earliest_after_latest_names_the_request() {
    let msg = refused(&edit(
        r#""earliest": "2027-02-01", "latest": "2027-02-10""#,
        r#""earliest": "2027-02-10", "latest": "2027-02-01""#,
    ));
    assert_eq!(
        msg,
        "requests[R000004].earliest: 2027-02-10 is after latest 2027-02-01"
    );
}

#[test]
fn each_error_names_the_field_and_the_id() {
    let cases: Vec<(String, &str)> = vec![
        ("{".into(), "(json)"),
        ("[]".into(), "horizon: missing"),
        ("\"text\"".into(), "(json)"),
        (
            edit(
                r#""horizon": {"start": "2027-01-04", "end": "2027-03-31"},"#,
                "",
            ),
            "horizon: missing",
        ),
        (
            edit(r#""end": "2027-03-31""#, r#""end": "2026-12-31""#),
            "horizon.end: 2026-12-31 is before start 2027-01-04",
        ),
        (
            edit(r#""start": "2027-01-04""#, r#""start": "2027-13-04""#),
            "horizon.start: \"2027-13-04\" is not a date",
        ),
        (
            edit(
                r#""holidays": ["2027-02-08"]"#,
                r#""holidays": ["2027-02-30"]"#,
            ),
            "calendar.holidays[0]: \"2027-02-30\" is not a date",
        ),
        (
            edit(
                r#"{"id": "ecology", "daily_capacity": 2}"#,
                r#"{"id": "fire", "daily_capacity": 2}"#,
            ),
            "agencies[fire].id: duplicate id",
        ),
        (
            edit(r#""daily_capacity": 2"#, r#""daily_capacity": -1"#),
            "agencies[ecology].daily_capacity: -1 is negative",
        ),
        (
            edit(
                r#"{"id": "ecology", "daily_capacity": 2}"#,
                r#"{"id": "ecology"}"#,
            ),
            "agencies[ecology].daily_capacity: missing",
        ),
        (
            edit(r#""max_visits": 2"#, r#""max_visits": -2"#),
            "enterprises[E0001].max_visits: -2 is negative",
        ),
        (
            edit(r#""max_visits": 2"#, r#""max_visits": "two""#),
            "enterprises[E0001].max_visits: expected a whole number, found \"two\"",
        ),
        (
            edit(
                r#"{"start": "2027-01-20", "end": "2027-01-31"}"#,
                r#"{"start": "2027-01-31", "end": "2027-01-20"}"#,
            ),
            "enterprises[E0001].quiet[0].end: 2027-01-20 is before start 2027-01-31",
        ),
        (
            edit(r#"{"id": "E0002"}"#, r#"{"id": "E0001"}"#),
            "enterprises[E0001].id: duplicate id",
        ),
        (
            edit(
                r#"{"id": "fire-02", "agency": "fire"}"#,
                r#"{"id": "fire-02", "agency": "police"}"#,
            ),
            "inspectors[fire-02].agency: unknown agency \"police\"",
        ),
        (
            edit(
                r#"{"id": "fire-02", "agency": "fire"}"#,
                r#"{"id": "fire-01", "agency": "fire"}"#,
            ),
            "inspectors[fire-01].id: duplicate id",
        ),
        (
            edit(
                r#""unavailable": ["2027-01-05"]"#,
                r#""unavailable": ["5 Jan"]"#,
            ),
            "inspectors[fire-01].unavailable[0]: \"5 Jan\" is not a date",
        ),
        (
            edit(
                r#""inspectors": 2, "urgent": false"#,
                r#""inspectors": 0, "urgent": false"#,
            ),
            "requests[R000001].inspectors: must be at least 1",
        ),
        (
            edit(r#""inspectors": 2, "urgent": false"#, r#""urgent": false"#),
            "requests[R000001].inspectors: missing",
        ),
        (
            edit(
                r#""inspectors": 2, "urgent": false"#,
                r#""inspectors": 2, "urgent": "yes""#,
            ),
            "requests[R000001].urgent: expected true or false",
        ),
        (
            edit(
                r#""earliest": "2027-01-04", "latest": "2027-01-29""#,
                r#""earliest": "2027-01-04""#,
            ),
            "requests[R000002].latest: missing",
        ),
        (
            edit(
                r#""earliest": "2027-01-04", "latest": "2027-01-29""#,
                r#""earliest": "2027/01/04", "latest": "2027-01-29""#,
            ),
            "requests[R000002].earliest: \"2027/01/04\" is not a date",
        ),
        (
            edit(r#""id": "R000002""#, r#""id": "R000001""#),
            "requests[R000001].id: duplicate id",
        ),
        (
            edit(
                r#""inspectors": 2, "urgent": false"#,
                r#""inspectors": 2.5, "urgent": false"#,
            ),
            "requests[R000001].inspectors: expected a whole number, found 2.5",
        ),
        (
            edit(
                r#""inspectors": 2, "urgent": false"#,
                r#""inspectors": -3, "urgent": false"#,
            ),
            "requests[R000001].inspectors: -3 is negative",
        ),
        (
            edit(r#""id": "R000002""#, r#""id": """#),
            "requests[#1].id: must not be empty",
        ),
        (edit(r#""id": "R000002", "#, ""), "requests[#1].id: missing"),
        (
            edit(
                r#""enterprise": "E0001", "date""#,
                r#""enterprise": "E9999", "date""#,
            ),
            "locked[V0001].enterprise: unknown enterprise \"E9999\"",
        ),
        (
            edit(r#""requests": ["R000003"]"#, r#""requests": ["R999999"]"#),
            "locked[V0001].requests: unknown request \"R999999\"",
        ),
        (
            edit(r#""requests": ["R000003"]"#, r#""requests": ["R000002"]"#),
            "locked[V0001].requests: request \"R000002\" belongs to enterprise \"E0002\", not \"E0001\"",
        ),
        (
            edit(r#""date": "2027-01-12""#, r#""date": "2027-01-32""#),
            "locked[V0001].date: \"2027-01-32\" is not a date",
        ),
        (
            edit(
                r#""inspectors": {"fire": ["fire-01"]}}]"#,
                r#""inspectors": {"fire": ["fire-01"]}}, {"id": "V0002", "enterprise": "E0001", "date": "2027-01-13", "requests": ["R000003"]}]"#,
            ),
            "locked[V0002].requests: request \"R000003\" is already locked in visit \"V0001\"",
        ),
        (
            edit(
                r#""inspectors": {"fire": ["fire-01"]}}]"#,
                r#""inspectors": {"fire": ["fire-01"]}}, {"id": "V0001", "enterprise": "E0001", "date": "2027-01-13", "requests": []}]"#,
            ),
            "locked[V0001].id: duplicate id",
        ),
        (
            edit(
                r#""inspectors": {"fire": ["fire-01"]}"#,
                r#""inspectors": {"fire": "fire-01"}"#,
            ),
            "locked[V0001].inspectors: fire: expected a list of inspector ids",
        ),
        (
            edit(r#""requests": [{"id""#, r#""requests": [3, {"id""#),
            "requests[#0]: expected an object, found 3",
        ),
    ];
    for (json, want) in cases {
        let msg = refused(&json);
        assert!(msg.starts_with(want), "got {msg:?}, wanted {want:?}");
    }
}

#[test]
fn a_whole_number_written_as_a_float_is_accepted() {
    let json = edit(
        r#""inspectors": 2, "urgent": false"#,
        r#""inspectors": 2.0, "urgent": false"#,
    );
    let p = Problem::from_json(json.as_bytes()).expect("2.0 is a whole number");
    assert_eq!(p.requests[0].inspectors, 2);
}

#[test]
fn a_problem_built_in_code_is_checked_too() {
    let mut p = Problem::from_json(VALID.as_bytes()).expect("valid");
    p.requests[1].inspectors = 0;
    let e = onevisit_scheduler::plan(&p).expect_err("refused");
    assert_eq!(
        e.to_string(),
        "requests[R000002].inspectors: must be at least 1"
    );
    let mut p = Problem::from_json(VALID.as_bytes()).expect("valid");
    p.requests[1].latest = p.requests[1].earliest.pred_opt().expect("date");
    assert!(
        onevisit_scheduler::plan(&p)
            .expect_err("refused")
            .to_string()
            .starts_with("requests[R000002].earliest")
    );
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 400, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..400)) {
        let _ = Problem::from_json(&bytes);
        let _ = plan_json(&bytes);
    }

    /// Mutations of a valid problem (bytes replaced, deleted, duplicated): parsing and
    /// planning either refuse it or give a valid plan, never panic.
    #[test]
    fn mutated_json_never_panics(edits in proptest::collection::vec((any::<usize>(), any::<u8>(), 0..3u8), 1..6)) {
        let mut bytes = VALID.as_bytes().to_vec();
        for (at, b, kind) in edits {
            let i = at % bytes.len().max(1);
            match kind {
                0 => { if i < bytes.len() { bytes[i] = b; } }
                1 => { if i < bytes.len() { bytes.remove(i); } }
                _ => { let x = bytes.get(i).copied().unwrap_or(b' '); bytes.insert(i, x); }
            }
        }
        if let Ok(p) = Problem::from_json(&bytes) {
            let out = onevisit_scheduler::plan(&p).expect("a problem from_json accepts plans");
            common::assert_valid(&p, &out);
        }
    }

    /// Mutations that keep the JSON well-formed: swap values between tokens.
    #[test]
    fn mutated_values_never_panic(pos in any::<usize>(), repl in prop::sample::select(vec![
        "\"\"", "0", "-1", "1e99", "null", "true", "[]", "{}", "\"2027-02-30\"", "\"x\"", "18446744073709551616", "2.5",
    ])) {
        // Replace the n-th string or number value in the fixture.
        let spans: Vec<(usize, usize)> = value_spans(VALID);
        let (a, b) = spans[pos % spans.len()];
        let json = format!("{}{}{}", &VALID[..a], repl, &VALID[b..]);
        if let Ok(p) = Problem::from_json(json.as_bytes()) {
            let out = onevisit_scheduler::plan(&p).expect("accepted problems plan");
            common::assert_valid(&p, &out);
        }
    }
}

/// Byte spans of the scalar values (after a `:` or in an array) of a JSON text.
fn value_spans(json: &str) -> Vec<(usize, usize)> {
    let b = json.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'"' {
            let start = i;
            i += 1;
            while i < b.len() && b[i] != b'"' {
                i += 1;
            }
            let end = i + 1;
            // A value, not a key: the next non-space byte is not ':'.
            let mut k = end;
            while k < b.len() && b[k] == b' ' {
                k += 1;
            }
            if k < b.len() && b[k] != b':' {
                out.push((start, end));
            }
            i = end;
        } else if b[i].is_ascii_digit() || b[i] == b'-' {
            let start = i;
            while i < b.len() && (b[i].is_ascii_digit() || b[i] == b'-' || b[i] == b'.') {
                i += 1;
            }
            out.push((start, i));
        } else {
            i += 1;
        }
    }
    out
}
