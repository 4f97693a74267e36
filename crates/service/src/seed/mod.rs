//! Loading a whole data set (agencies, inspectors, enterprises, requests) in one
//! transaction: the demo data of `onevisit seed --demo` and files of `seed --file`.
//!
//! Seeding is idempotent: rows are matched by their natural keys (agency code,
//! inspector code, credit code, request key) and a row that exists is left alone,
//! so seeding twice adds nothing the second time.

mod demo;
mod hazards;
mod users;
mod write;

pub use demo::{Quarter, demo};
pub use hazards::{DemoHazards, seed_demo_hazards};
pub use users::{DEMO_PASSWORD, demo_users};
pub use write::{SeedReport, apply};

use chrono::NaiveDate;
use onevisit_domain::enterprise::EnterpriseInput;
use onevisit_domain::request::RequestInput;
use onevisit_domain::{
    Agency, CreditCode, DateRange, Enterprise, InspectionRequest, Inspector, Name, QuietPeriod,
    RiskMarkers, WorkCalendar,
};
use sea_orm::{DatabaseConnection, TransactionTrait};
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;
use std::fmt;

/// A data set as a file gives it, before any check.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SeedData {
    #[serde(default)]
    pub agencies: Vec<AgencyRow>,
    #[serde(default)]
    pub enterprises: Vec<EnterpriseRow>,
    #[serde(default)]
    pub inspectors: Vec<InspectorRow>,
    #[serde(default)]
    pub requests: Vec<RequestRow>,
    /// The English names of districts.
    #[serde(default)]
    pub districts: Vec<DistrictRow>,
}

/// A district (县区) and its English name.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DistrictRow {
    pub name: String,
    pub name_en: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AgencyRow {
    pub code: String,
    pub name: String,
    /// The name the English pages show.
    #[serde(default)]
    pub name_en: Option<String>,
    pub daily_capacity: i64,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EnterpriseRow {
    pub credit_code: String,
    pub name: String,
    pub sector: String,
    pub district: String,
    #[serde(default)]
    pub in_chemical_park: bool,
    #[serde(default)]
    pub risk: RiskMarkers,
    pub status: String,
    #[serde(default)]
    pub burden_cap: Option<i64>,
    #[serde(default)]
    pub quiet_periods: Vec<QuietRow>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct QuietRow {
    pub start: NaiveDate,
    pub end: NaiveDate,
    #[serde(default)]
    pub reason: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct InspectorRow {
    pub code: String,
    pub agency: String,
    pub name: String,
    #[serde(default)]
    pub qualifications: Vec<String>,
    #[serde(default)]
    pub unavailable: Vec<NaiveDate>,
    /// Credit codes of enterprises the inspector declared a conflict of interest with.
    #[serde(default)]
    pub conflicts: Vec<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RequestRow {
    /// The request's idempotency key: seeding the same key again adds nothing.
    pub key: String,
    pub agency: String,
    pub enterprise: String,
    pub earliest: NaiveDate,
    pub latest: NaiveDate,
    pub team_size: i64,
    #[serde(default = "routine")]
    pub kind: String,
    #[serde(default)]
    pub topics: Vec<String>,
}

fn routine() -> String {
    "routine".to_owned()
}

/// One thing wrong with a data set, with where it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SeedProblem {
    /// Where: `enterprises[3] (91320812MA...)`.
    pub at: String,
    pub message: String,
}

impl fmt::Display for SeedProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.at, self.message)
    }
}

/// Everything wrong with a data set; nothing of it was written.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct SeedError(pub Vec<SeedProblem>);

impl fmt::Display for SeedError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "the data set has {} problem(s); nothing was written",
            self.0.len()
        )?;
        for p in &self.0 {
            write!(f, "\n  {p}")?;
        }
        Ok(())
    }
}

/// A data set whose every row passed the domain's checks.
#[derive(Debug, Clone, Default)]
pub struct ValidSeed {
    pub agencies: Vec<Agency>,
    pub enterprises: Vec<Enterprise>,
    pub inspectors: Vec<Inspector>,
    /// With their keys.
    pub requests: Vec<(String, InspectionRequest)>,
    /// Districts and their English names.
    pub districts: Vec<(Name, Name)>,
}

impl SeedData {
    /// Checks every row with the domain's constructors, collecting every problem.
    /// References to agencies and enterprises are checked against the database when written.
    pub fn validate(&self) -> Result<ValidSeed, SeedError> {
        let mut problems = Vec::new();
        let mut valid = ValidSeed::default();
        let mut note = |at: String, message: String| problems.push(SeedProblem { at, message });

        let mut seen = BTreeSet::new();
        for (i, row) in self.agencies.iter().enumerate() {
            let at = format!("agencies[{i}] ({})", row.code);
            let agency = Agency::new(&row.code, &row.name, row.daily_capacity)
                .and_then(|a| a.with_english_name(row.name_en.as_deref()));
            match agency {
                Ok(a) if !seen.insert(a.code.clone()) => note(at, "code: listed twice".to_owned()),
                Ok(a) => valid.agencies.push(a),
                Err(e) => note(at, e.to_string()),
            }
        }

        let mut seen = BTreeSet::new();
        for (i, row) in self.enterprises.iter().enumerate() {
            let at = format!("enterprises[{i}] ({})", row.credit_code);
            let quiet: Result<Vec<QuietPeriod>, String> = row
                .quiet_periods
                .iter()
                .enumerate()
                .map(|(j, q)| {
                    DateRange::new(q.start, q.end)
                        .map(|range| QuietPeriod {
                            range,
                            reason: q.reason.clone(),
                        })
                        .map_err(|e| format!("quiet_periods[{j}]: {e}"))
                })
                .collect();
            let parsed = quiet.and_then(|quiet_periods| {
                Enterprise::parse(EnterpriseInput {
                    credit_code: &row.credit_code,
                    name: &row.name,
                    sector: &row.sector,
                    district: &row.district,
                    in_chemical_park: row.in_chemical_park,
                    risk: row.risk,
                    status: &row.status,
                    burden_cap: row.burden_cap,
                    quiet_periods,
                })
                .map_err(|e| e.to_string())
            });
            match parsed {
                Ok(e) if !seen.insert(e.credit_code.clone()) => {
                    note(at, "credit_code: listed twice".to_owned());
                }
                Ok(e) => valid.enterprises.push(e),
                Err(message) => note(at, message),
            }
        }

        let mut seen = BTreeSet::new();
        for (i, row) in self.inspectors.iter().enumerate() {
            let at = format!("inspectors[{i}] ({})", row.code);
            let parsed = onevisit_domain::AgencyCode::parse(&row.agency)
                .map_err(|e| format!("agency: {e}"))
                .and_then(|agency| {
                    Inspector::new(&row.code, agency, &row.name, &row.qualifications)
                        .map_err(|e| e.to_string())
                })
                .and_then(|mut inspector| {
                    inspector.unavailable = row.unavailable.iter().copied().collect();
                    inspector.conflicts = row
                        .conflicts
                        .iter()
                        .enumerate()
                        .map(|(j, c)| {
                            CreditCode::parse(c).map_err(|e| format!("conflicts[{j}]: {e}"))
                        })
                        .collect::<Result<_, _>>()?;
                    Ok(inspector)
                });
            match parsed {
                Ok(ins) if !seen.insert(ins.code.clone()) => {
                    note(at, "code: listed twice".to_owned());
                }
                Ok(ins) => valid.inspectors.push(ins),
                Err(message) => note(at, message),
            }
        }

        let mut seen = BTreeSet::new();
        for (i, row) in self.requests.iter().enumerate() {
            let at = format!("requests[{i}] ({})", row.key);
            if row.key.trim().is_empty() || row.key.len() > 200 {
                note(at, "key: must be 1 to 200 characters".to_owned());
                continue;
            }
            let parsed = InspectionRequest::parse(RequestInput {
                agency: &row.agency,
                enterprise: &row.enterprise,
                earliest: row.earliest,
                latest: row.latest,
                team_size: row.team_size,
                kind: &row.kind,
                topics: &row.topics,
            });
            match parsed {
                Ok(_) if !seen.insert((row.agency.clone(), row.key.clone())) => {
                    note(at, "key: listed twice for this agency".to_owned());
                }
                Ok(r) => valid.requests.push((row.key.clone(), r)),
                Err(e) => note(at, e.to_string()),
            }
        }

        let mut seen = BTreeSet::new();
        for (i, row) in self.districts.iter().enumerate() {
            let at = format!("districts[{i}] ({})", row.name);
            let parsed = Name::parse(&row.name)
                .map_err(|e| format!("name: {e}"))
                .and_then(|name| {
                    Name::parse(&row.name_en)
                        .map(|en| (name, en))
                        .map_err(|e| format!("name_en: {e}"))
                });
            match parsed {
                Ok((name, _)) if !seen.insert(name.clone()) => {
                    note(at, "name: listed twice".to_owned());
                }
                Ok(pair) => valid.districts.push(pair),
                Err(message) => note(at, message),
            }
        }

        if problems.is_empty() {
            Ok(valid)
        } else {
            Err(SeedError(problems))
        }
    }
}

/// Whether the database holds no enterprise yet: the demo is seeded only into such a one.
pub async fn holds_nothing(db: &DatabaseConnection) -> Result<bool, crate::store::StoreError> {
    use sea_orm::{EntityTrait, PaginatorTrait};
    Ok(crate::entities::enterprise::Entity::find()
        .count(db)
        .await?
        == 0)
}

/// Seeds the demo data set for each of `quarters` and the demo accounts, all or nothing:
/// one transaction. The first time, it also plans each quarter, marks the visits before
/// `today` completed and confirms those of the next five working days, so that the demo
/// looks like a quarter under way.
pub async fn seed_demo(
    db: &DatabaseConnection,
    quarters: &[Quarter],
    today: NaiveDate,
) -> Result<SeedReport, crate::store::StoreError> {
    let txn = db.begin().await?;
    let calendar = crate::store::load_calendar(&txn).await?;
    let mut total = SeedReport::default();
    for &quarter in quarters {
        let report = seed_demo_quarter(&txn, &calendar, quarter, today).await?;
        tracing::info!(%quarter, ?report, "seeded the demo data set");
        total += report;
    }
    txn.commit().await?;
    Ok(total)
}

/// The quarters the demo holds on `today`: its quarter and, late in it, the next one too,
/// so that it always has weeks ahead.
pub fn demo_quarters(today: NaiveDate) -> Vec<Quarter> {
    let quarter = Quarter::containing(today);
    if today + chrono::Days::new(30) > quarter.range().end() {
        vec![quarter, quarter.next()]
    } else {
        vec![quarter]
    }
}

async fn seed_demo_quarter<C: crate::db::Connection>(
    db: &C,
    calendar: &WorkCalendar,
    quarter: Quarter,
    today: NaiveDate,
) -> Result<SeedReport, crate::store::StoreError> {
    let data = demo(quarter, calendar);
    let valid = data.validate()?;
    let mut report = apply(db, &valid).await?;
    report.users_added = demo_users(db).await?;
    if report.requests_added > 0 {
        crate::replan::replan(
            db,
            calendar,
            quarter.range(),
            true,
            crate::audit::Author::Job("demo seed"),
            &onevisit_scheduler::PlanOptions::default(),
        )
        .await
        .map_err(|e| crate::store::StoreError::Invalid(e.to_string()))?;
        crate::store::advance_demo(db, today, calendar.add_working_days(today, 5)).await?;
    }
    Ok(report)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn data(json: serde_json::Value) -> SeedData {
        serde_json::from_value(json).expect("seed json")
    }

    #[test]
    fn names_every_bad_row() {
        let err = data(serde_json::json!({
            "agencies": [{"code": "fire", "name": "消防", "daily_capacity": 3},
                         {"code": "fire", "name": "消防", "daily_capacity": 3}],
            "enterprises": [{"credit_code": "91110000802100433C", "name": "甲化工", "sector": "chemical",
                             "district": "清江浦区", "status": "operating"}],
            "requests": [{"key": "r1", "agency": "fire", "enterprise": "91110000802100433B",
                          "earliest": "2026-03-10", "latest": "2026-03-01", "team_size": 1}]
        }))
        .validate()
        .expect_err("three problems");
        let lines: Vec<String> = err.0.iter().map(ToString::to_string).collect();
        assert_eq!(
            lines,
            [
                "agencies[1] (fire): code: listed twice",
                "enterprises[0] (91110000802100433C): credit_code: check character is 'C', expected 'B'",
                "requests[0] (r1): window: ends (2026-03-01) before it starts (2026-03-10)",
            ]
        );
    }

    #[test]
    fn the_demo_is_valid() {
        let quarter = Quarter::containing("2026-11-28".parse().expect("date"));
        let seed = demo(quarter, &onevisit_domain::WorkCalendar::shipped());
        let valid = seed.validate().expect("demo data must be valid");
        assert_eq!(valid.agencies.len(), 6);
        assert!(
            (35..=45).contains(&valid.inspectors.len()),
            "{}",
            valid.inspectors.len()
        );
        assert_eq!(valid.enterprises.len(), 200);
        assert!(valid.requests.len() >= 400, "{}", valid.requests.len());
        for (_, r) in &valid.requests {
            assert!(
                quarter.range().contains(r.window.start())
                    && quarter.range().contains(r.window.end())
            );
        }
    }

    #[test]
    fn the_demo_is_deterministic() {
        let quarter = Quarter::containing("2026-11-28".parse().expect("date"));
        let cal = onevisit_domain::WorkCalendar::shipped();
        let a = serde_json::to_string(&demo(quarter, &cal)).expect("json");
        let b = serde_json::to_string(&demo(quarter, &cal)).expect("json");
        assert_eq!(a, b);
    }
}
