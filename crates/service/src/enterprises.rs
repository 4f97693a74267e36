//! Enterprises under supervision: the office registers them (one by one or from a CSV
//! file); agencies look them up.

use crate::entities::{enterprise, quiet_period};
use crate::{Caller, Role, ServiceError, access, store};
use chrono::{DateTime, NaiveDate, Utc};
use onevisit_domain::enterprise::EnterpriseInput;
use onevisit_domain::{DateRange, Enterprise, QuietPeriod, RiskMarkers};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait,
    PaginatorTrait, QueryFilter, QueryOrder, QuerySelect, TransactionTrait,
};
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

/// Who registers enterprises.
const OFFICE: [Role; 2] = [Role::Coordinator, Role::Admin];

/// A quiet period: days the enterprise must not be visited.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct QuietView {
    pub start: NaiveDate,
    pub end: NaiveDate,
    #[serde(default)]
    pub reason: Option<String>,
}

/// The "two key, one major" markers.
#[derive(Debug, Clone, Copy, Default, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RiskView {
    #[serde(default)]
    pub key_process: bool,
    #[serde(default)]
    pub key_chemical: bool,
    #[serde(default)]
    pub major_hazard_source: bool,
}

/// An enterprise.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct EnterpriseView {
    pub id: Uuid,
    /// The 18-character unified social credit code.
    pub credit_code: String,
    pub name: String,
    /// chemical, civil_explosives, ship_repair or other.
    pub sector: String,
    pub district: String,
    pub in_chemical_park: bool,
    pub risk: RiskView,
    /// operating, suspended, closed or relocated.
    pub status: String,
    /// The most visits a quarter (urgent ones not counted); none: no cap.
    pub burden_cap: Option<i32>,
    pub quiet_periods: Vec<QuietView>,
    pub created_at: DateTime<Utc>,
}

/// A new enterprise.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewEnterprise {
    pub credit_code: String,
    pub name: String,
    pub sector: String,
    pub district: String,
    #[serde(default)]
    pub in_chemical_park: bool,
    #[serde(default)]
    pub risk: RiskView,
    #[serde(default = "operating")]
    pub status: String,
    #[serde(default)]
    pub burden_cap: Option<i64>,
    #[serde(default)]
    pub quiet_periods: Vec<QuietView>,
}

fn operating() -> String {
    "operating".to_owned()
}

fn field_of(message: &str) -> String {
    message.split(':').next().unwrap_or_default().to_owned()
}

/// Checks a new enterprise with the domain's rules, naming the field that is wrong.
fn parse(body: &NewEnterprise) -> Result<Enterprise, ServiceError> {
    let mut quiet = Vec::with_capacity(body.quiet_periods.len());
    for (i, q) in body.quiet_periods.iter().enumerate() {
        let range = DateRange::new(q.start, q.end)
            .map_err(|e| ServiceError::field(format!("quiet_periods[{i}].end"), e.to_string()))?;
        quiet.push(QuietPeriod {
            range,
            reason: q.reason.clone(),
        });
    }
    Enterprise::parse(EnterpriseInput {
        credit_code: &body.credit_code,
        name: &body.name,
        sector: &body.sector,
        district: &body.district,
        in_chemical_park: body.in_chemical_park,
        risk: RiskMarkers {
            key_process: body.risk.key_process,
            key_chemical: body.risk.key_chemical,
            major_hazard_source: body.risk.major_hazard_source,
        },
        status: &body.status,
        burden_cap: body.burden_cap,
        quiet_periods: quiet,
    })
    .map_err(|e| {
        let message = e.to_string();
        let field = field_of(&message);
        let detail = message
            .split_once(": ")
            .map_or(message.clone(), |(_, m)| m.to_owned());
        ServiceError::field(field, detail)
    })
}

async fn views<C: ConnectionTrait>(
    db: &C,
    rows: Vec<enterprise::Model>,
) -> Result<Vec<EnterpriseView>, ServiceError> {
    let quiet = quiet_period::Entity::find()
        .filter(quiet_period::Column::EnterpriseId.is_in(rows.iter().map(|e| e.id)))
        .order_by_asc(quiet_period::Column::StartDate)
        .all(db)
        .await?;
    Ok(rows
        .into_iter()
        .map(|e| EnterpriseView {
            quiet_periods: quiet
                .iter()
                .filter(|q| q.enterprise_id == e.id)
                .map(|q| QuietView {
                    start: q.start_date,
                    end: q.end_date,
                    reason: q.reason.clone(),
                })
                .collect(),
            id: e.id,
            credit_code: e.credit_code,
            name: e.name,
            sector: e.sector,
            district: e.district,
            in_chemical_park: e.in_chemical_park,
            risk: RiskView {
                key_process: e.key_process,
                key_chemical: e.key_chemical,
                major_hazard_source: e.major_hazard_source,
            },
            status: e.status.to_string(),
            burden_cap: e.burden_cap,
            created_at: e.created_at,
        })
        .collect())
}

async fn view<C: ConnectionTrait>(
    db: &C,
    row: enterprise::Model,
) -> Result<EnterpriseView, ServiceError> {
    views(db, vec![row])
        .await?
        .pop()
        .ok_or(ServiceError::NotFound)
}

/// Registers an enterprise (the office); a credit code registered already is a conflict.
pub async fn create_enterprise(
    db: &DatabaseConnection,
    caller: &Caller,
    body: &NewEnterprise,
) -> Result<EnterpriseView, ServiceError> {
    caller.require(&OFFICE)?;
    let e = parse(body)?;
    let now = Utc::now();
    let id = Uuid::now_v7();
    let txn = db.begin().await?;
    let row = store::enterprise_row(&e, id, now)
        .insert(&txn)
        .await
        .map_err(|err| {
            ServiceError::taken(err, || {
                format!("credit_code: {} is registered already", e.credit_code)
            })
        })?;
    for q in store::quiet_rows(&e, id) {
        q.insert(&txn).await?;
    }
    txn.commit().await?;
    view(db, row).await
}

/// Filters of the enterprise list.
#[derive(Debug, Clone, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct EnterpriseFilter {
    pub district: Option<String>,
    pub sector: Option<String>,
    pub status: Option<String>,
    /// The exact credit code.
    pub credit_code: Option<String>,
    /// Enterprises whose name holds this text or whose credit code starts with it.
    pub q: Option<String>,
    /// How many items, 1 to 500 (default 50).
    #[param(minimum = 1, maximum = 500)]
    pub limit: Option<u64>,
    pub offset: Option<u64>,
}

/// One page of the enterprises the caller may see (an enterprise user: itself), by
/// credit code, and how many match in all.
pub async fn list_enterprises<C: ConnectionTrait>(
    db: &C,
    caller: &Caller,
    filter: &EnterpriseFilter,
    (limit, offset): (u64, u64),
) -> Result<(Vec<EnterpriseView>, u64), ServiceError> {
    let mut query = enterprise::Entity::find().filter(access::enterprises(caller));
    for (value, column) in [
        (&filter.district, enterprise::Column::District),
        (&filter.sector, enterprise::Column::Sector),
        (&filter.status, enterprise::Column::Status),
        (&filter.credit_code, enterprise::Column::CreditCode),
    ] {
        if let Some(value) = value {
            query = query.filter(column.eq(value.as_str()));
        }
    }
    if let Some(text) = filter.q.as_deref().map(str::trim).filter(|t| !t.is_empty()) {
        query = query.filter(named_or_coded(text));
    }
    let total = query.clone().count(db).await?;
    let rows = query
        .order_by_asc(enterprise::Column::CreditCode)
        .limit(limit)
        .offset(offset)
        .all(db)
        .await?;
    Ok((views(db, rows).await?, total))
}

/// Enterprises whose name holds `text` or whose credit code starts with it (credit
/// codes are upper case; `%` and `_` in the text are matched as themselves).
fn named_or_coded(text: &str) -> sea_orm::Condition {
    use sea_orm::sea_query::LikeExpr;
    let escaped = text
        .replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_");
    sea_orm::Condition::any()
        .add(enterprise::Column::Name.like(LikeExpr::new(format!("%{escaped}%")).escape('\\')))
        .add(
            enterprise::Column::CreditCode
                .like(LikeExpr::new(format!("{}%", escaped.to_uppercase())).escape('\\')),
        )
}

/// One enterprise the caller may see.
pub async fn get_enterprise<C: ConnectionTrait>(
    db: &C,
    caller: &Caller,
    id: Uuid,
) -> Result<EnterpriseView, ServiceError> {
    let row = enterprise::Entity::find_by_id(id)
        .filter(access::enterprises(caller))
        .one(db)
        .await?
        .ok_or(ServiceError::NotFound)?;
    view(db, row).await
}

/// The columns of an enterprise CSV file, in this order, with a header row.
pub const CSV_COLUMNS: [&str; 10] = [
    "credit_code",
    "name",
    "sector",
    "district",
    "in_chemical_park",
    "key_process",
    "key_chemical",
    "major_hazard_source",
    "status",
    "burden_cap",
];

/// The most rows one import takes.
pub const MAX_CSV_ROWS: usize = 20_000;

/// One thing wrong with one row of an import.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct RowError {
    /// The line of the file (the header is line 1).
    pub line: u64,
    pub field: String,
    pub message: String,
}

/// What an import did, or why it did nothing.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ImportReport {
    /// Rows written.
    pub imported: u64,
    /// Rows whose credit code was registered already (left as they are).
    pub already_registered: u64,
    /// Every row that is wrong; when there is one, nothing was written.
    pub errors: Vec<RowError>,
}

fn flag(raw: &str) -> Result<bool, String> {
    match raw.trim().to_lowercase().as_str() {
        "" | "0" | "false" | "no" | "n" | "否" => Ok(false),
        "1" | "true" | "yes" | "y" | "是" => Ok(true),
        other => Err(format!("{other:?} is not yes or no")),
    }
}

fn csv_row(record: &csv::StringRecord) -> Result<NewEnterprise, (String, String)> {
    let get = |i: usize| record.get(i).unwrap_or_default().trim().to_owned();
    let bool_at = |i: usize| flag(&get(i)).map_err(|m| (CSV_COLUMNS[i].to_owned(), m));
    let cap = get(9);
    Ok(NewEnterprise {
        credit_code: get(0),
        name: get(1),
        sector: get(2),
        district: get(3),
        in_chemical_park: bool_at(4)?,
        risk: RiskView {
            key_process: bool_at(5)?,
            key_chemical: bool_at(6)?,
            major_hazard_source: bool_at(7)?,
        },
        status: if get(8).is_empty() {
            operating()
        } else {
            get(8)
        },
        burden_cap: if cap.is_empty() {
            None
        } else {
            Some(
                cap.parse()
                    .map_err(|_| ("burden_cap".to_owned(), format!("{cap:?} is not a number")))?,
            )
        },
        quiet_periods: Vec::new(),
    })
}

/// Registers enterprises from a CSV file (the office; UTF-8, a header row with
/// [`CSV_COLUMNS`]). All or nothing: when any row is wrong, nothing is written and the
/// report lists every wrong row with its line and field. Rows whose credit code is
/// registered already are skipped.
pub async fn import_enterprises(
    db: &DatabaseConnection,
    caller: &Caller,
    file: &[u8],
) -> Result<ImportReport, ServiceError> {
    caller.require(&OFFICE)?;
    let text = std::str::from_utf8(file)
        .map_err(|_| ServiceError::Unreadable("the file is not UTF-8".to_owned()))?;
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut reader = csv::ReaderBuilder::new()
        .flexible(false)
        .from_reader(text.as_bytes());
    let header = reader
        .headers()
        .map_err(|e| ServiceError::Unreadable(format!("the header row cannot be read: {e}")))?
        .iter()
        .map(str::trim)
        .collect::<Vec<_>>();
    if header != CSV_COLUMNS {
        return Err(ServiceError::field(
            "header",
            format!("the columns must be {}", CSV_COLUMNS.join(",")),
        ));
    }
    let mut errors = Vec::new();
    let mut valid = Vec::new();
    let mut seen = BTreeSet::new();
    for (index, record) in reader.records().enumerate() {
        let line = u64::try_from(index).unwrap_or(u64::MAX) + 2;
        if index >= MAX_CSV_ROWS {
            return Err(ServiceError::field(
                "rows",
                format!("at most {MAX_CSV_ROWS} rows an import"),
            ));
        }
        let record = match record {
            Ok(r) => r,
            Err(e) => {
                errors.push(RowError {
                    line,
                    field: "row".to_owned(),
                    message: e.to_string(),
                });
                continue;
            }
        };
        let parsed = csv_row(&record).and_then(|row| {
            parse(&row).map_err(|e| match e {
                ServiceError::Invalid(mut fields) if !fields.is_empty() => {
                    let f = fields.remove(0);
                    (f.field, f.message)
                }
                other => ("row".to_owned(), other.to_string()),
            })
        });
        match parsed {
            Ok(e) if !seen.insert(e.credit_code.clone()) => errors.push(RowError {
                line,
                field: "credit_code".to_owned(),
                message: format!("{} is listed twice", e.credit_code),
            }),
            Ok(e) => valid.push(e),
            Err((field, message)) => errors.push(RowError {
                line,
                field,
                message,
            }),
        }
    }
    if !errors.is_empty() {
        return Ok(ImportReport {
            imported: 0,
            already_registered: 0,
            errors,
        });
    }
    let txn = db.begin().await?;
    let existing: BTreeSet<String> = enterprise::Entity::find()
        .select_only()
        .column(enterprise::Column::CreditCode)
        .filter(
            enterprise::Column::CreditCode.is_in(valid.iter().map(|e| e.credit_code.to_string())),
        )
        .into_tuple::<String>()
        .all(&txn)
        .await?
        .into_iter()
        .collect();
    let now = Utc::now();
    let mut imported = 0;
    let mut already = 0;
    for e in valid {
        if existing.contains(e.credit_code.as_str()) {
            already += 1;
            continue;
        }
        store::enterprise_row(&e, Uuid::now_v7(), now)
            .insert(&txn)
            .await?;
        imported += 1;
    }
    txn.commit().await?;
    Ok(ImportReport {
        imported,
        already_registered: already,
        errors: Vec::new(),
    })
}
