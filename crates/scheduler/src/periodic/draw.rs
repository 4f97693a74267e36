//! The verifiable double-random draw (双随机): targets from a pool and inspectors from
//! a roster, both derived from a seed that is published with the draw record.
//!
//! The algorithm is described step by step in the [module documentation](super).

use super::plan::{DrawSize, InspectionPlan};
use super::select::{InspectionHistory, candidate_pool};
use chrono::NaiveDate;
use onevisit_domain::{AgencyCode, CreditCode, Enterprise, Inspector, InspectorCode, TeamSize};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

/// Why a seed was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("seed: must be 64 hexadecimal digits (32 bytes), got {0:?}")]
pub struct SeedError(String);

/// The 32 random bytes a draw is made from, written as 64 lowercase hexadecimal digits.
///
/// Generating it (from the operating system's random source, before the pool is
/// known to anyone who could choose it) is the caller's business: this module is pure.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct DrawSeed([u8; 32]);

impl DrawSeed {
    pub fn from_bytes(bytes: [u8; 32]) -> Self {
        Self(bytes)
    }

    /// Parses 64 hexadecimal digits, upper or lower case.
    pub fn from_hex(raw: &str) -> Result<Self, SeedError> {
        let bad = || SeedError(raw.to_owned());
        let digits = raw.as_bytes();
        if digits.len() != 64 || !digits.iter().all(u8::is_ascii_hexdigit) {
            return Err(bad());
        }
        let mut bytes = [0u8; 32];
        for (byte, pair) in bytes.iter_mut().zip(digits.chunks_exact(2)) {
            let hex = std::str::from_utf8(pair).map_err(|_| bad())?;
            *byte = u8::from_str_radix(hex, 16).map_err(|_| bad())?;
        }
        Ok(Self(bytes))
    }

    /// The 64 lowercase hexadecimal digits: the text that is hashed.
    pub fn to_hex(&self) -> String {
        hex(&self.0)
    }

    pub fn as_bytes(&self) -> &[u8; 32] {
        &self.0
    }
}

impl fmt::Debug for DrawSeed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "DrawSeed({})", self.to_hex())
    }
}

impl fmt::Display for DrawSeed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_hex())
    }
}

impl TryFrom<String> for DrawSeed {
    type Error = SeedError;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::from_hex(&value)
    }
}

impl From<DrawSeed> for String {
    fn from(value: DrawSeed) -> Self {
        value.to_hex()
    }
}

fn hex(bytes: &[u8]) -> String {
    use fmt::Write;
    bytes.iter().fold(String::new(), |mut s, b| {
        let _ = write!(s, "{b:02x}");
        s
    })
}

/// Step `i`'s random number: the first 8 bytes, big-endian, of
/// SHA-256(`seed-hex` ":" [`label` ":"] `i`), all ASCII, `i` in decimal.
fn random_u64(seed: &DrawSeed, label: Option<&str>, i: usize) -> u64 {
    let message = match label {
        Some(label) => format!("{}:{label}:{i}", seed.to_hex()),
        None => format!("{}:{i}", seed.to_hex()),
    };
    let digest = Sha256::digest(message.as_bytes());
    let mut first = [0u8; 8];
    first.copy_from_slice(&digest[..8]);
    u64::from_be_bytes(first)
}

/// The first `n` items of a Fisher–Yates shuffle of `items` driven by the seed:
/// for `i` in `0..min(n, len)`, `j = i + random_u64(i) mod (len - i)`, swap `i` and `j`.
fn shuffled_prefix<T: Clone>(
    items: &[T],
    seed: &DrawSeed,
    label: Option<&str>,
    n: usize,
) -> Vec<T> {
    let mut a = items.to_vec();
    let len = a.len();
    let k = n.min(len);
    for i in 0..k {
        let remaining = u64::try_from(len - i).unwrap_or(u64::MAX);
        let offset = usize::try_from(random_u64(seed, label, i) % remaining).unwrap_or(0);
        a.swap(i, i + offset);
    }
    a.truncate(k);
    a
}

/// Sorted ascending by the text of the code, each once.
fn sorted_unique<T: Ord>(items: impl IntoIterator<Item = T>) -> Vec<T> {
    let mut v: Vec<T> = items.into_iter().collect();
    v.sort();
    v.dedup();
    v
}

fn strictly_sorted<T: Ord>(items: &[T]) -> bool {
    items.windows(2).all(|w| w[0] < w[1])
}

/// A published target draw: enough to recompute its result.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DrawRecord {
    /// The plan it was drawn for (its name or id, as the caller records it).
    pub plan: String,
    /// The pool drawn from: credit codes sorted ascending, each once.
    pub pool: Vec<CreditCode>,
    pub seed: DrawSeed,
    /// How many were to be drawn: [`DrawSize::resolve`] of the pool's length.
    pub size: DrawSize,
    /// The drawn credit codes, in draw order.
    pub result: Vec<CreditCode>,
}

impl DrawRecord {
    /// Draws from `pool` (sorted and deduplicated first) with `seed`.
    pub fn draw(
        plan: impl Into<String>,
        pool: impl IntoIterator<Item = CreditCode>,
        size: DrawSize,
        seed: DrawSeed,
    ) -> Self {
        let pool = sorted_unique(pool);
        let result = shuffled_prefix(&pool, &seed, None, size.resolve(pool.len()));
        Self {
            plan: plan.into(),
            pool,
            seed,
            size,
            result,
        }
    }

    /// A fingerprint of the whole record, to be stored or published beside it so a
    /// later change of any field (plan included) shows: the lowercase hex SHA-256 of
    /// the lines `onevisit-draw-v1`, `plan:<plan>`, `seed:<hex>`, `size:<size>`,
    /// `pool:<codes joined by ','>`, `result:<codes joined by ','>`, each ended by
    /// `\n`, where `<size>` is `all`, `count:<n>` or `share:<percent>`.
    pub fn digest(&self) -> String {
        let join = |codes: &[CreditCode]| {
            codes
                .iter()
                .map(CreditCode::as_str)
                .collect::<Vec<_>>()
                .join(",")
        };
        let size = match self.size {
            DrawSize::All => "all".to_owned(),
            DrawSize::Count(n) => format!("count:{n}"),
            DrawSize::Share(p) => format!("share:{p}"),
        };
        let text = format!(
            "onevisit-draw-v1\nplan:{}\nseed:{}\nsize:{size}\npool:{}\nresult:{}\n",
            self.plan,
            self.seed,
            join(&self.pool),
            join(&self.result)
        );
        hex(&Sha256::digest(text.as_bytes()))
    }
}

/// Whether `record` is a true draw: its pool is sorted with each code once, and
/// drawing from it again with its seed and size gives exactly its result.
pub fn verify(record: &DrawRecord) -> bool {
    strictly_sorted(&record.pool)
        && shuffled_prefix(
            &record.pool,
            &record.seed,
            None,
            record.size.resolve(record.pool.len()),
        ) == record.result
}

/// A random plan's target draw on `date`: the pool is [`candidate_pool`] of the
/// enterprises, the size the plan's, the record named after the plan.
pub fn draw_targets(
    plan: &InspectionPlan,
    pool: &[Enterprise],
    history: &InspectionHistory,
    date: NaiveDate,
    seed: DrawSeed,
) -> DrawRecord {
    DrawRecord::draw(
        plan.name().as_str(),
        candidate_pool(plan, pool, history, date),
        plan.draw(),
        seed,
    )
}

/// Who made the last visit to each enterprise for each agency.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LastVisits(BTreeMap<(CreditCode, AgencyCode), BTreeSet<InspectorCode>>);

impl LastVisits {
    pub fn new() -> Self {
        Self::default()
    }

    /// Records the team of the last visit to `enterprise` for `agency`, replacing any
    /// earlier one.
    pub fn record(
        &mut self,
        enterprise: CreditCode,
        agency: AgencyCode,
        inspectors: impl IntoIterator<Item = InspectorCode>,
    ) {
        self.0
            .insert((enterprise, agency), inspectors.into_iter().collect());
    }

    /// Whether `inspector` was on the last visit to `enterprise` for `agency`.
    pub fn visited_last(
        &self,
        enterprise: &CreditCode,
        agency: &AgencyCode,
        inspector: &InspectorCode,
    ) -> bool {
        self.0
            .get(&(enterprise.clone(), agency.clone()))
            .is_some_and(|team| team.contains(inspector))
    }
}

/// A published inspector draw for one enterprise and one agency.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InspectorDraw {
    pub enterprise: CreditCode,
    pub agency: AgencyCode,
    pub date: NaiveDate,
    /// The eligible roster drawn from: inspector codes sorted ascending, each once.
    pub eligible: Vec<InspectorCode>,
    pub team_size: TeamSize,
    /// The drawn inspectors, in draw order.
    pub drawn: Vec<InspectorCode>,
}

/// The eligible roster is smaller than the team: nobody was drawn.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "roster: {agency} has {} eligible inspectors for {enterprise} on {date}, {needed} needed",
    eligible.len()
)]
pub struct RosterTooSmall {
    pub enterprise: CreditCode,
    pub agency: AgencyCode,
    pub date: NaiveDate,
    pub needed: u32,
    pub eligible: Vec<InspectorCode>,
}

fn inspector_label(enterprise: &CreditCode, agency: &AgencyCode) -> String {
    format!("{enterprise}:{agency}")
}

/// Draws `team_size` inspectors of `agency` for `enterprise` on `date`.
///
/// The eligible roster is every inspector of `roster` that belongs to `agency`, is
/// available on `date` and has no declared conflict with `enterprise`
/// ([`Inspector::is_eligible`]), and was not on the last visit to `enterprise` for
/// `agency`; sorted by inspector code. The draw is the first `team_size` of the
/// seeded shuffle with the label `<credit code>:<agency code>`.
pub fn draw_inspectors(
    seed: &DrawSeed,
    enterprise: &CreditCode,
    agency: &AgencyCode,
    team_size: TeamSize,
    date: NaiveDate,
    roster: &[Inspector],
    last: &LastVisits,
) -> Result<InspectorDraw, RosterTooSmall> {
    draw_from_eligible(
        seed,
        enterprise,
        agency,
        team_size,
        date,
        roster
            .iter()
            .filter(|i| &i.agency == agency)
            .filter(|i| i.is_eligible(enterprise, date))
            .filter(|i| !last.visited_last(enterprise, agency, &i.code))
            .map(|i| i.code.clone()),
    )
}

/// Draws `team_size` of `eligible` (sorted and deduplicated first) for `enterprise` and
/// `agency` on `date`, as [`draw_inspectors`] does once it has the eligible roster: for
/// a caller that knows who is eligible better than a roster does (a service that also
/// knows who is already busy that day).
pub fn draw_from_eligible(
    seed: &DrawSeed,
    enterprise: &CreditCode,
    agency: &AgencyCode,
    team_size: TeamSize,
    date: NaiveDate,
    eligible: impl IntoIterator<Item = InspectorCode>,
) -> Result<InspectorDraw, RosterTooSmall> {
    let eligible = sorted_unique(eligible);
    let needed = usize::try_from(team_size.get()).unwrap_or(usize::MAX);
    if eligible.len() < needed {
        return Err(RosterTooSmall {
            enterprise: enterprise.clone(),
            agency: agency.clone(),
            date,
            needed: team_size.get(),
            eligible,
        });
    }
    let drawn = shuffled_prefix(
        &eligible,
        seed,
        Some(&inspector_label(enterprise, agency)),
        needed,
    );
    Ok(InspectorDraw {
        enterprise: enterprise.clone(),
        agency: agency.clone(),
        date,
        eligible,
        team_size,
        drawn,
    })
}

/// Whether `draw` is a true inspector draw from `seed`: its eligible roster is sorted
/// with each code once, and drawing again gives exactly its inspectors.
pub fn verify_inspectors(seed: &DrawSeed, draw: &InspectorDraw) -> bool {
    let needed = usize::try_from(draw.team_size.get()).unwrap_or(usize::MAX);
    strictly_sorted(&draw.eligible)
        && draw.eligible.len() >= needed
        && shuffled_prefix(
            &draw.eligible,
            seed,
            Some(&inspector_label(&draw.enterprise, &draw.agency)),
            needed,
        ) == draw.drawn
}

/// The inspector draws for every drawn target of `record` and every agency of `plan`,
/// target by target in draw order, agencies in the plan's order.
pub fn draw_teams(
    record: &DrawRecord,
    plan: &InspectionPlan,
    date: NaiveDate,
    roster: &[Inspector],
    last: &LastVisits,
) -> Vec<Result<InspectorDraw, RosterTooSmall>> {
    record
        .result
        .iter()
        .flat_map(|enterprise| {
            plan.agencies().iter().map(move |p| {
                draw_inspectors(
                    &record.seed,
                    enterprise,
                    &p.agency,
                    p.team_size,
                    date,
                    roster,
                    last,
                )
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::periodic::plan::{PlanKind, PoolFilter};
    use crate::periodic::select::tests::{code, enterprise, plan};
    use onevisit_domain::RiskMarkers;
    use proptest::prelude::*;

    const SEED: &str = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08";

    fn seed() -> DrawSeed {
        DrawSeed::from_hex(SEED).expect("valid seed")
    }

    fn pool(n: u32) -> Vec<CreditCode> {
        (1..=n).map(code).collect()
    }

    fn d(s: &str) -> NaiveDate {
        s.parse().expect("test date")
    }

    fn sha256_hex(text: &str) -> String {
        hex(&Sha256::digest(text.as_bytes()))
    }

    #[test]
    fn sha256_is_the_standard_one() {
        // FIPS 180-2 appendix B.1 test vector.
        assert_eq!(
            sha256_hex("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }

    #[test]
    fn random_numbers_follow_the_documented_message() {
        let expected = sha256_hex(&format!("{SEED}:0"));
        let first = u64::from_str_radix(&expected[..16], 16).expect("hex");
        assert_eq!(random_u64(&seed(), None, 0), first);
        let expected = sha256_hex(&format!("{SEED}:913208000000000017:fire:3"));
        let value = u64::from_str_radix(&expected[..16], 16).expect("hex");
        assert_eq!(
            random_u64(&seed(), Some("913208000000000017:fire"), 3),
            value
        );
    }

    #[test]
    fn the_shuffle_is_the_documented_fisher_yates() {
        // Recompute a draw of 3 from 5 by hand from the documented steps.
        let items: Vec<u32> = vec![10, 20, 30, 40, 50];
        let mut a = items.clone();
        for i in 0..3 {
            let r = random_u64(&seed(), None, i);
            let j = i + usize::try_from(r % u64::try_from(5 - i).expect("small")).expect("small");
            a.swap(i, j);
        }
        assert_eq!(shuffled_prefix(&items, &seed(), None, 3), a[..3].to_vec());
        // Taking fewer is a prefix of taking more.
        let all = shuffled_prefix(&items, &seed(), None, 5);
        assert_eq!(all[..3].to_vec(), a[..3].to_vec());
    }

    /// The worked example of the module documentation. The expected values were
    /// computed by a separate Python reimplementation of the documented steps
    /// (hashlib.sha256), not by this code.
    #[test]
    fn an_independent_reimplementation_agrees() {
        let record = DrawRecord::draw("example", pool(10), DrawSize::Count(3), seed());
        let result: Vec<&str> = record.result.iter().map(CreditCode::as_str).collect();
        assert_eq!(
            result,
            [
                "91320800000000006U",
                "91320800000000002F",
                "91320800000000001C"
            ]
        );
        let fire = AgencyCode::parse("fire").expect("agency");
        let roster: Vec<Inspector> = (1..=5).map(|n| inspector(n, "fire")).collect();
        let draw = draw_inspectors(
            &seed(),
            &code(1),
            &fire,
            TeamSize::new(2).expect("size"),
            d("2026-03-04"),
            &roster,
            &LastVisits::new(),
        )
        .expect("enough");
        let drawn: Vec<&str> = draw.drawn.iter().map(InspectorCode::as_str).collect();
        assert_eq!(drawn, ["fire-03", "fire-05"]);
    }

    #[test]
    fn seed_hex_round_trips_and_bad_seeds_are_refused() {
        assert_eq!(seed().to_hex(), SEED);
        assert_eq!(
            DrawSeed::from_hex(&SEED.to_uppercase()).expect("upper case"),
            seed()
        );
        for bad in [
            "",
            "00",
            &SEED[1..],
            &format!("{}g", &SEED[1..]),
            &format!("{}+f", &SEED[2..]),
        ] {
            let err = DrawSeed::from_hex(bad).expect_err(bad);
            assert!(err.to_string().starts_with("seed:"));
        }
        let json = serde_json::to_string(&seed()).expect("json");
        assert_eq!(json, format!("\"{SEED}\""));
    }

    #[test]
    fn the_draw_is_deterministic_and_verifiable() {
        let a = DrawRecord::draw("plan", pool(40), DrawSize::Count(7), seed());
        let b = DrawRecord::draw(
            "plan",
            pool(40).into_iter().rev(),
            DrawSize::Count(7),
            seed(),
        );
        assert_eq!(a, b, "the input order of the pool does not matter");
        assert_eq!(a.result.len(), 7);
        assert!(verify(&a));
        let json = serde_json::to_string(&a).expect("json");
        let back: DrawRecord = serde_json::from_str(&json).expect("json");
        assert!(verify(&back));
        assert_eq!(back.digest(), a.digest());
    }

    #[test]
    fn the_draw_changes_with_the_seed() {
        let a = DrawRecord::draw("plan", pool(40), DrawSize::Count(7), seed());
        let other = DrawSeed::from_bytes([7; 32]);
        let b = DrawRecord::draw("plan", pool(40), DrawSize::Count(7), other);
        assert_ne!(a.result, b.result);
        assert!(verify(&b));
    }

    #[test]
    fn verify_refuses_a_tampered_record() {
        let true_record = DrawRecord::draw("plan", pool(30), DrawSize::Share(20), seed());
        assert_eq!(true_record.result.len(), 6);
        assert!(verify(&true_record));

        let mut swapped = true_record.clone();
        let outsider = true_record
            .pool
            .iter()
            .find(|c| !true_record.result.contains(c))
            .expect("someone not drawn")
            .clone();
        swapped.result[0] = outsider;
        assert!(!verify(&swapped), "a changed result");

        let mut reordered = true_record.clone();
        reordered.result.swap(0, 1);
        assert!(!verify(&reordered), "a reordered result");

        let mut shorter = true_record.clone();
        shorter.result.pop();
        assert!(!verify(&shorter), "a truncated result");

        let mut removed = true_record.clone();
        let drawn = removed.result[0].clone();
        removed.pool.retain(|c| *c != drawn);
        assert!(!verify(&removed), "a pool missing a member");

        let mut unsorted = true_record.clone();
        unsorted.pool.swap(0, 1);
        assert!(!verify(&unsorted), "an unsorted pool");

        let mut grown = true_record.clone();
        grown.pool.push(code(999));
        assert!(!verify(&grown), "a pool with a member added");

        let mut reseeded = true_record.clone();
        reseeded.seed = DrawSeed::from_bytes([1; 32]);
        assert!(!verify(&reseeded), "another seed");

        let mut renamed = true_record.clone();
        renamed.plan = "another plan".to_owned();
        assert!(verify(&renamed), "the plan name does not drive the draw");
        assert_ne!(
            renamed.digest(),
            true_record.digest(),
            "but the digest shows it"
        );
    }

    #[test]
    fn draw_targets_draws_from_the_candidate_pool() {
        let enterprises: Vec<_> = (1..=20)
            .map(|n| {
                let status = if n % 4 == 0 { "closed" } else { "operating" };
                enterprise(
                    n,
                    "chemical",
                    "淮安区",
                    true,
                    RiskMarkers::default(),
                    status,
                )
            })
            .collect();
        let p = plan(PlanKind::Random, PoolFilter::default(), DrawSize::Count(5));
        let record = draw_targets(
            &p,
            &enterprises,
            &InspectionHistory::new(),
            d("2026-03-02"),
            seed(),
        );
        assert_eq!(record.plan, "test plan");
        let operating: Vec<CreditCode> = (1..=20).filter(|n| n % 4 != 0).map(code).collect();
        assert_eq!(record.pool, operating);
        assert_eq!(record.result.len(), 5);
        assert!(record.result.iter().all(|c| operating.contains(c)));
        assert!(verify(&record));
    }

    fn inspector(n: u32, agency: &str) -> Inspector {
        Inspector::new(
            &format!("{agency}-{n:02}"),
            AgencyCode::parse(agency).expect("agency"),
            "检查员",
            &[],
        )
        .expect("valid inspector")
    }

    #[test]
    fn inspector_draw_respects_availability_conflicts_and_the_last_visitor() {
        let plant = code(1);
        let fire = AgencyCode::parse("fire").expect("agency");
        let day = d("2026-03-04");
        let mut roster: Vec<Inspector> = (1..=6).map(|n| inspector(n, "fire")).collect();
        roster.extend((1..=3).map(|n| inspector(n, "ecology")));
        roster[0].unavailable.insert(day);
        roster[1].conflicts.insert(plant.clone());
        let mut last = LastVisits::new();
        last.record(plant.clone(), fire.clone(), [roster[2].code.clone()]);
        // The same inspector's last visit elsewhere or for another agency does not count.
        last.record(code(2), fire.clone(), [roster[3].code.clone()]);

        let two = TeamSize::new(2).expect("size");
        let draw = draw_inspectors(&seed(), &plant, &fire, two, day, &roster, &last)
            .expect("enough inspectors");
        let expected: Vec<InspectorCode> = roster[3..6].iter().map(|i| i.code.clone()).collect();
        assert_eq!(draw.eligible, expected);
        assert_eq!(draw.drawn.len(), 2);
        assert!(draw.drawn.iter().all(|c| expected.contains(c)));
        assert_ne!(draw.drawn[0], draw.drawn[1]);
        assert!(verify_inspectors(&seed(), &draw));

        // Deterministic, and refused when changed.
        let again = draw_inspectors(&seed(), &plant, &fire, two, day, &roster, &last)
            .expect("enough inspectors");
        assert_eq!(again, draw);
        let mut tampered = draw.clone();
        tampered.drawn[0] = roster[0].code.clone();
        assert!(!verify_inspectors(&seed(), &tampered));
        let mut padded = draw.clone();
        padded.eligible.push(roster[0].code.clone());
        assert!(!verify_inspectors(&seed(), &padded), "a changed roster");

        // On another day the first inspector is available again.
        let next = draw_inspectors(
            &seed(),
            &plant,
            &fire,
            TeamSize::new(4).expect("size"),
            d("2026-03-05"),
            &roster,
            &last,
        )
        .expect("enough");
        assert_eq!(next.eligible.len(), 4);
        assert!(next.eligible.contains(&roster[0].code));
    }

    #[test]
    fn a_too_small_roster_is_a_typed_outcome() {
        let plant = code(1);
        let fire = AgencyCode::parse("fire").expect("agency");
        let day = d("2026-03-04");
        let mut roster: Vec<Inspector> = (1..=3).map(|n| inspector(n, "fire")).collect();
        roster[0].conflicts.insert(plant.clone());
        let err = draw_inspectors(
            &seed(),
            &plant,
            &fire,
            TeamSize::new(3).expect("size"),
            day,
            &roster,
            &LastVisits::new(),
        )
        .expect_err("too few");
        assert_eq!(err.needed, 3);
        assert_eq!(err.eligible.len(), 2);
        assert_eq!(
            err.to_string(),
            format!("roster: fire has 2 eligible inspectors for {plant} on 2026-03-04, 3 needed")
        );
    }

    #[test]
    fn draw_teams_draws_every_agency_for_every_target() {
        let p = plan(PlanKind::Random, PoolFilter::default(), DrawSize::Count(3));
        let record = DrawRecord::draw("test plan", pool(10), p.draw(), seed());
        let mut roster: Vec<Inspector> = (1..=5).map(|n| inspector(n, "fire")).collect();
        roster.push(inspector(1, "ecology"));
        let mut last = LastVisits::new();
        last.record(
            record.result[1].clone(),
            AgencyCode::parse("ecology").expect("code"),
            [roster[5].code.clone()],
        );
        let teams = draw_teams(&record, &p, d("2026-03-04"), &roster, &last);
        assert_eq!(teams.len(), 6);
        assert!(teams[0].is_ok() && teams[1].is_ok());
        assert!(
            teams[3].is_err(),
            "the only ecology inspector visited the second target last"
        );
        for team in teams.iter().flatten() {
            assert!(verify_inspectors(&record.seed, team));
        }
    }

    proptest! {
        #[test]
        fn draws_never_panic_and_return_distinct_members(
            size in 0u32..80,
            n in 0u32..100,
            seed_bytes in any::<[u8; 32]>(),
        ) {
            let pool = pool(size);
            let seed = DrawSeed::from_bytes(seed_bytes);
            let record = DrawRecord::draw("p", pool.clone(), DrawSize::Count(n), seed);
            let expected = usize::try_from(n.min(size)).expect("small");
            prop_assert_eq!(record.result.len(), expected);
            let distinct: BTreeSet<_> = record.result.iter().collect();
            prop_assert_eq!(distinct.len(), expected);
            prop_assert!(record.result.iter().all(|c| pool.contains(c)));
            prop_assert!(verify(&record));
            // Drawing all is a permutation of the pool, and a smaller draw its prefix.
            let all = DrawRecord::draw("p", pool.clone(), DrawSize::All, seed);
            prop_assert_eq!(&all.result[..expected], &record.result[..]);
            let mut sorted = all.result.clone();
            sorted.sort();
            prop_assert_eq!(sorted, pool);
        }

        #[test]
        fn share_draws_take_the_rounded_up_share(size in 0u32..60, percent in 1u32..=100) {
            let seed = DrawSeed::from_bytes([3; 32]);
            let record = DrawRecord::draw("p", pool(size), DrawSize::Share(percent), seed);
            let expected = DrawSize::Share(percent).resolve(pool(size).len());
            prop_assert_eq!(record.result.len(), expected);
            prop_assert!(verify(&record));
        }

        #[test]
        fn inspector_draws_keep_the_rules_or_say_the_roster_is_short(
            roster_size in 0u32..12,
            team in 1i64..6,
            away in proptest::collection::btree_set(1u32..12, 0..6),
            conflicted in proptest::collection::btree_set(1u32..12, 0..6),
            last_team in proptest::collection::btree_set(1u32..12, 0..4),
            seed_bytes in any::<[u8; 32]>(),
        ) {
            let plant = code(1);
            let fire = AgencyCode::parse("fire").expect("agency");
            let day = d("2026-03-04");
            let mut roster: Vec<Inspector> = (1..=roster_size).map(|n| inspector(n, "fire")).collect();
            roster.push(inspector(1, "ecology"));
            for i in roster.iter_mut().filter(|i| i.agency == fire) {
                let n: u32 = i.code.as_str()[5..].parse().expect("number");
                if away.contains(&n) {
                    i.unavailable.insert(day);
                }
                if conflicted.contains(&n) {
                    i.conflicts.insert(plant.clone());
                }
            }
            let mut last = LastVisits::new();
            last.record(
                plant.clone(),
                fire.clone(),
                last_team.iter().map(|n| inspector(*n, "fire").code),
            );
            let allowed: BTreeSet<InspectorCode> = (1..=roster_size)
                .filter(|n| !away.contains(n) && !conflicted.contains(n) && !last_team.contains(n))
                .map(|n| inspector(n, "fire").code)
                .collect();
            let seed = DrawSeed::from_bytes(seed_bytes);
            let team_size = TeamSize::new(team).expect("size");
            match draw_inspectors(&seed, &plant, &fire, team_size, day, &roster, &last) {
                Ok(draw) => {
                    prop_assert!(allowed.len() >= usize::try_from(team).expect("small"));
                    prop_assert_eq!(draw.eligible.iter().cloned().collect::<BTreeSet<_>>(), allowed.clone());
                    prop_assert_eq!(draw.drawn.len(), usize::try_from(team).expect("small"));
                    let distinct: BTreeSet<_> = draw.drawn.iter().cloned().collect();
                    prop_assert_eq!(distinct.len(), draw.drawn.len());
                    prop_assert!(distinct.is_subset(&allowed));
                    prop_assert!(verify_inspectors(&seed, &draw));
                }
                Err(short) => {
                    prop_assert!(allowed.len() < usize::try_from(team).expect("small"));
                    prop_assert_eq!(short.eligible.into_iter().collect::<BTreeSet<_>>(), allowed);
                }
            }
        }
    }
}
