//! The demo data set: a quarter of joint-inspection work in Huai'an (淮安), the city
//! whose report (`shared/seed/`) this project grew from. Six agencies, about forty
//! inspectors, two hundred enterprises across seven districts, and the requests the
//! agencies would book for the quarter. Deterministic: the same quarter gives the same data.

use super::{AgencyRow, DistrictRow, EnterpriseRow, InspectorRow, QuietRow, RequestRow, SeedData};
use chrono::{Days, NaiveDate};
pub use onevisit_domain::Quarter;
use onevisit_domain::{Agency, CreditCode, RiskMarkers, WorkCalendar};
use rand::rngs::StdRng;
use rand::seq::IndexedRandom;
use rand::{Rng, SeedableRng};
use std::collections::BTreeSet;

/// Districts with their administrative division codes (the digits 3 to 8 of a credit code).
const DISTRICTS: &[(&str, &str, &str)] = &[
    ("清江浦区", "320812", "Qingjiangpu District"),
    ("淮安区", "320803", "Huai'an District"),
    ("淮阴区", "320804", "Huaiyin District"),
    ("洪泽区", "320813", "Hongze District"),
    ("涟水县", "320826", "Lianshui County"),
    ("盱眙县", "320830", "Xuyi County"),
    ("金湖县", "320831", "Jinhu County"),
];

const BRANDS: &[&str] = &[
    "恒信", "华宇", "金石", "瑞丰", "东方", "淮江", "富强", "晨化", "永盛", "宏达", "新源", "天润",
    "盛华", "嘉禾", "中泰", "润泽", "鼎盛", "海顺", "万通", "德邦", "安和", "明辉", "长青", "博远",
    "汇丰", "宝利", "兴业", "泰和", "联创", "清源", "双赢", "远航", "正大", "国信", "运河", "洪湖",
    "白马", "楚州", "漕运", "盐都",
];

/// Inspector counts and qualifications per agency; about forty in all.
const ROSTERS: &[(&str, usize, &str)] = &[
    ("housing", 5, "注册建造师"),
    ("natural_resources", 5, "注册城乡规划师"),
    ("ecology", 7, "环境影响评价工程师"),
    ("emergency", 8, "注册安全工程师"),
    ("fire", 8, "注册消防工程师"),
    ("industry", 7, "化工安全专家"),
];

const SURNAMES: &[&str] = &[
    "王", "李", "张", "刘", "陈", "杨", "黄", "赵", "吴", "周", "徐", "孙", "马", "朱", "胡", "郭",
    "何", "林", "高", "罗",
];
const GIVEN: &[&str] = &[
    "伟", "芳", "娜", "敏", "静", "强", "磊", "军", "洋", "勇", "艳", "杰", "涛", "明", "超", "霞",
    "平", "刚", "建华", "志强", "海燕", "晓东", "文博", "思远",
];

const TOPICS: &[(&str, &[&str])] = &[
    ("housing", &["建筑结构安全", "违法建设"]),
    ("natural_resources", &["用地合规", "规划许可"]),
    ("ecology", &["危险废物贮存", "废气排放", "环评落实"]),
    (
        "emergency",
        &["重大危险源管控", "特殊作业管理", "自动化控制系统"],
    ),
    ("fire", &["消防设施", "疏散通道", "动火作业"]),
    ("industry", &["危险化学品使用", "安全生产标准化"]),
];

/// The seed of the city's enterprises, whatever the quarter.
const CITY_SEED: u64 = 0x0001_0151_7000;

/// The demo data for `quarter`. Requests fall inside the quarter on its working days.
pub fn demo(quarter: Quarter, calendar: &WorkCalendar) -> SeedData {
    let mut rng = StdRng::seed_from_u64(
        0x0001_0151_7000
            + u64::from(quarter.number())
            + 4 * u64::try_from(quarter.year()).unwrap_or(0),
    );
    let agencies: Vec<AgencyRow> = Agency::standard()
        .into_iter()
        .map(|a| AgencyRow {
            daily_capacity: match a.code.as_str() {
                "fire" | "emergency" => 6,
                "ecology" | "industry" => 5,
                _ => 3,
            },
            name_en: a.name_en.map(Into::into),
            code: a.code.into(),
            name: a.name.into(),
        })
        .collect();
    let districts = DISTRICTS
        .iter()
        .map(|&(name, _, name_en)| DistrictRow {
            name: name.to_owned(),
            name_en: name_en.to_owned(),
        })
        .collect();

    // The city's enterprises are the same every quarter (a demo of two quarters has 200,
    // not 400); what happens in the quarter is the quarter's own.
    let enterprises = enterprises(&mut StdRng::seed_from_u64(CITY_SEED), quarter);
    let inspectors = inspectors(&mut rng, quarter, &enterprises);
    let requests = requests(&mut rng, quarter, calendar, &enterprises);
    SeedData {
        agencies,
        enterprises,
        inspectors,
        requests,
        districts,
    }
}

fn enterprises(rng: &mut StdRng, quarter: Quarter) -> Vec<EnterpriseRow> {
    let mut names = BTreeSet::new();
    let mut codes = BTreeSet::new();
    let mut out = Vec::with_capacity(200);
    while out.len() < 200 {
        let i = out.len();
        let (sector, suffixes): (&str, &[&str]) = match i % 10 {
            0..=5 => (
                "chemical",
                &["化工", "新材料", "精细化学", "化学品", "石化", "盐化"],
            ),
            6 => ("civil_explosives", &["民爆器材", "爆破器材"]),
            7 => ("ship_repair", &["船舶修造", "船舶工程"]),
            _ => ("other", &["物流", "仓储", "燃气", "涂料", "医药"]),
        };
        let brand = BRANDS.choose(rng).copied().unwrap_or("淮安");
        let suffix = suffixes.choose(rng).copied().unwrap_or("化工");
        let name = format!("淮安{brand}{suffix}有限公司");
        if !names.insert(name.clone()) {
            continue;
        }
        let (district, division, _) = DISTRICTS[rng.random_range(0..DISTRICTS.len())];
        let code = loop {
            let org: String = (0..7)
                .map(|_| char::from(b"0123456789ABCDEFGHJKLMNPQRTUWXY"[rng.random_range(0..31)]))
                .collect();
            let body = format!("91{division}MA{org}");
            if let Some(check) = CreditCode::check_character(&body) {
                let code = format!("{body}{check}");
                if codes.insert(code.clone()) {
                    break code;
                }
            }
        };
        let chemical = sector == "chemical";
        let risk = RiskMarkers {
            key_process: chemical && rng.random_bool(0.4),
            key_chemical: chemical && rng.random_bool(0.5),
            major_hazard_source: (chemical || sector == "civil_explosives")
                && rng.random_bool(0.25),
        };
        let status = match rng.random_range(0..100) {
            0..=89 => "operating",
            90..=94 => "suspended",
            95..=97 => "closed",
            _ => "relocated",
        };
        let burden_cap = match rng.random_range(0..10) {
            0 => None,
            _ if risk.major_hazard_source => Some(4),
            1..=6 => Some(2),
            _ => Some(3),
        };
        let quiet_periods = if rng.random_bool(0.12) {
            let range = quarter.range();
            let start = range.start() + Days::new(rng.random_range(5..70));
            let end = start + Days::new(rng.random_range(3..12));
            vec![QuietRow {
                start,
                end: end.min(range.end()),
                reason: Some(
                    if chemical {
                        "装置停车检修"
                    } else {
                        "设备年度检修"
                    }
                    .to_owned(),
                ),
            }]
        } else {
            Vec::new()
        };
        out.push(EnterpriseRow {
            credit_code: code,
            name,
            sector: sector.to_owned(),
            district: district.to_owned(),
            in_chemical_park: chemical
                && (district == "淮阴区" || district == "洪泽区" || rng.random_bool(0.2)),
            risk,
            status: status.to_owned(),
            burden_cap,
            quiet_periods,
        });
    }
    out
}

fn inspectors(
    rng: &mut StdRng,
    quarter: Quarter,
    enterprises: &[EnterpriseRow],
) -> Vec<InspectorRow> {
    let mut out = Vec::new();
    let mut names = BTreeSet::new();
    let range = quarter.range();
    for &(agency, count, qualification) in ROSTERS {
        for n in 1..=count {
            let name = loop {
                let name = format!(
                    "{}{}",
                    SURNAMES.choose(rng).copied().unwrap_or("王"),
                    GIVEN.choose(rng).copied().unwrap_or("伟")
                );
                if names.insert(name.clone()) {
                    break name;
                }
            };
            // A few days of leave or training in the quarter.
            let unavailable: BTreeSet<NaiveDate> = (0..rng.random_range(0..4))
                .map(|_| {
                    range.start() + Days::new(rng.random_range(0..u64::from(range.len_days())))
                })
                .collect();
            // Now and then a declared conflict of interest (a relative works there).
            let conflicts = if rng.random_bool(0.15) {
                enterprises
                    .choose(rng)
                    .map(|e| vec![e.credit_code.clone()])
                    .unwrap_or_default()
            } else {
                Vec::new()
            };
            out.push(InspectorRow {
                code: format!("{agency}-{n:02}"),
                agency: agency.to_owned(),
                name,
                qualifications: if n % 3 == 0 {
                    Vec::new()
                } else {
                    vec![qualification.to_owned()]
                },
                unavailable: unavailable.into_iter().collect(),
                conflicts,
            });
        }
    }
    out
}

fn requests(
    rng: &mut StdRng,
    quarter: Quarter,
    calendar: &WorkCalendar,
    enterprises: &[EnterpriseRow],
) -> Vec<RequestRow> {
    let range = quarter.range();
    let working: Vec<NaiveDate> = calendar.working_days(range).collect();
    let mut out = Vec::new();
    for e in enterprises
        .iter()
        .filter(|e| e.status == "operating" || e.status == "suspended")
    {
        for &(agency, _, _) in ROSTERS {
            let wants = match (agency, e.sector.as_str()) {
                ("emergency" | "fire", "chemical" | "civil_explosives") => 0.85,
                ("emergency" | "fire", _) => 0.45,
                ("industry", "chemical" | "civil_explosives" | "ship_repair") => 0.5,
                ("ecology", "chemical") => 0.6,
                ("ecology", _) => 0.25,
                _ => 0.15,
            };
            if !rng.random_bool(wants) || working.is_empty() {
                continue;
            }
            let first = rng.random_range(0..working.len());
            let span = rng.random_range(5..30usize);
            let earliest = working[first];
            let latest = working[(first + span).min(working.len() - 1)];
            let kind = match rng.random_range(0..100) {
                0..=2 => "urgent",
                3..=10 => "follow_up",
                _ => "routine",
            };
            let topics = TOPICS
                .iter()
                .find(|(a, _)| *a == agency)
                .and_then(|(_, t)| t.choose(rng))
                .map(|t| vec![(*t).to_owned()])
                .unwrap_or_default();
            out.push(RequestRow {
                key: format!("demo-{quarter}-{}-{agency}", e.credit_code),
                agency: agency.to_owned(),
                enterprise: e.credit_code.clone(),
                earliest,
                latest: if kind == "urgent" {
                    calendar
                        .add_working_days(earliest, 5)
                        .min(range.end())
                        .max(earliest)
                } else {
                    latest
                },
                team_size: if rng.random_bool(0.3) { 2 } else { 1 },
                kind: kind.to_owned(),
                topics,
            });
        }
    }
    out
}
