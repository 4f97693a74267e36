//! The demo's hazards: findings on visits already done, taken through the steps a user
//! takes (the agency records, the enterprise rectifies with a photo or asks for more
//! time, the agency verifies or rejects), each at the moment it would have happened, so
//! that on first start the office's hazard figures and the enterprises' hazard lists
//! show every state: open, overdue, rectified and awaiting checking, closed, rejected
//! and open again, a later deadline asked or granted, and major hazards whose
//! re-inspection is folded into a later joint visit.

use crate::caller::{Caller, Role};
use crate::entities::{Stored, hazard, joint_visit, user};
use crate::error::ServiceError;
use crate::hazards::evidence::{self, Chunks};
use crate::hazards::{Context, NewFinding, Step, record, take_step, visit_facts};
use chrono::{DateTime, Days, NaiveDate, NaiveTime, Utc};
use onevisit_domain::VisitStatus;
use onevisit_scheduler::jobs::FixedClock;
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder};
use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;
use uuid::Uuid;

/// What happens to a demo finding after it is recorded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Story {
    /// Left open; overdue once its deadline has passed.
    Open,
    /// Rectified with a photo; the agency has not checked yet.
    Rectified,
    /// Rectified, verified and struck off.
    Closed,
    /// Rectified, rejected by the agency as not done: open again.
    Rejected,
    /// The enterprise asked for a later deadline; not decided yet.
    ExtensionAsked,
    /// A later deadline asked and granted.
    ExtensionGranted,
    /// A major hazard, rectified: its re-inspection request joins a later visit.
    MajorReinspection,
}

/// The stories of visits whose deadline has passed, and of recent ones, in turn: most
/// findings get closed, as in a city that follows up.
const PAST_DEADLINE: [Story; 7] = [
    Story::Closed,
    Story::Open,
    Story::Closed,
    Story::Rejected,
    Story::Closed,
    Story::ExtensionGranted,
    Story::Rectified,
];
const RECENT: [Story; 6] = [
    Story::Open,
    Story::Rectified,
    Story::Closed,
    Story::ExtensionAsked,
    Story::Closed,
    Story::Open,
];

/// How many recent findings are major ones, at enterprises with a visit in the weeks
/// ahead that their re-inspection can join.
const MAJORS: usize = 4;

/// How many past visits get findings: every `SPREAD`-th, at most `MAX_VISITS`.
const SPREAD: usize = 4;
const MAX_VISITS: usize = 40;

/// What the demo's findings are about, by the responsible agency's code.
fn finding(agency: &str, major: bool, n: usize) -> NewFinding {
    let (category, title, basis) = match agency {
        "fire" => (
            "fire",
            ["疏散通道堆放杂物", "消防栓被遮挡", "动火作业未办理审批"][n % 3],
            "《中华人民共和国消防法》第二十八条",
        ),
        "ecology" => (
            "environment",
            ["危险废物贮存场所标识缺失", "废气收集设施未正常运行"][n % 2],
            "《中华人民共和国固体废物污染环境防治法》第七十七条",
        ),
        "emergency" => (
            "process_safety",
            ["重点监管工艺未设置紧急切断", "安全风险辨识清单未更新"][n % 2],
            "《危险化学品安全管理条例》第二十条",
        ),
        "industry" => (
            "storage",
            ["危险化学品出入库台账不全", "储罐区液位报警失效"][n % 2],
            "《危险化学品安全管理条例》第二十四条",
        ),
        "housing" => (
            "structure",
            ["厂房屋面彩钢板锈蚀渗漏", "擅自改变建筑使用功能"][n % 2],
            "《建设工程质量管理条例》第六十九条",
        ),
        _ => (
            "other",
            ["安全警示标志缺失", "应急预案未按期演练"][n % 2],
            "《中华人民共和国安全生产法》第三十五条",
        ),
    };
    NewFinding {
        title: title.to_owned(),
        description: format!("现场检查发现：{title}，需按期整改。"),
        category: category.to_owned(),
        severity: if major { "major" } else { "general" }.to_owned(),
        legal_basis: basis.to_owned(),
        regulation: None,
        responsible_agency: agency.to_owned(),
        deadline: None,
    }
}

/// A 1×1 PNG: the photo the demo's rectifications carry.
const PHOTO: &[u8] = &[
    0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00, 0x00, 0x0d, 0x49, 0x48, 0x44, 0x52,
    0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01, 0x08, 0x06, 0x00, 0x00, 0x00, 0x1f, 0x15, 0xc4,
    0x89, 0x00, 0x00, 0x00, 0x0d, 0x49, 0x44, 0x41, 0x54, 0x78, 0x9c, 0x63, 0xf8, 0xcf, 0xc0, 0xf0,
    0x1f, 0x00, 0x05, 0x00, 0x01, 0xff, 0x89, 0x99, 0x3d, 0x1d, 0x00, 0x00, 0x00, 0x00, 0x49, 0x45,
    0x4e, 0x44, 0xae, 0x42, 0x60, 0x82,
];

/// The photo as the upload reads it: one chunk.
struct Photo(Option<bytes::Bytes>);

impl Photo {
    fn new() -> Self {
        Self(Some(bytes::Bytes::from_static(PHOTO)))
    }
}

impl Chunks for Photo {
    async fn next_chunk(&mut self) -> Result<Option<bytes::Bytes>, ServiceError> {
        Ok(self.0.take())
    }
}

/// How many findings the demo recorded, by story.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct DemoHazards {
    pub recorded: usize,
    pub closed: usize,
    pub rectified: usize,
    pub open: usize,
}

/// A demo account as a caller.
fn caller_of(account: &user::Model) -> Result<Caller, ServiceError> {
    Ok(Caller {
        user_id: account.id,
        session_id: Uuid::nil(),
        username: account.username.clone(),
        role: account.role.parse().map_err(ServiceError::Internal)?,
        agency_id: account.agency_id,
        enterprise_id: account.enterprise_id,
        inspector_id: account.inspector_id,
    })
}

/// The context at a moment of the demo's past: its steps are dated then.
fn at<'a>(cx: Context<'a>, clock: &'a crate::clock::Clock) -> Context<'a> {
    Context { clock, ..cx }
}

fn moment(day: NaiveDate, hour: u32) -> DateTime<Utc> {
    // Hours in China (UTC+8) as UTC.
    let time = NaiveTime::from_hms_opt(hour.saturating_sub(8), 0, 0).unwrap_or_default();
    day.and_time(time).and_utc()
}

fn clock_at(day: NaiveDate, hour: u32) -> crate::clock::Clock {
    crate::clock::Clock::from_source(Arc::new(FixedClock(moment(day, hour))))
}

/// Records the demo's findings on completed visits before `today`, once: a database that
/// holds a hazard already is left alone. `cx.clock` is the real time: a step that books a
/// re-inspection is taken now, so that it lands in a visit still to come.
pub async fn seed_demo_hazards(
    cx: Context<'_>,
    today: NaiveDate,
) -> Result<DemoHazards, ServiceError> {
    let mut done = DemoHazards::default();
    if hazard::Entity::find().count(cx.db).await? > 0 {
        return Ok(done);
    }
    let accounts = user::Entity::find()
        .filter(user::Column::Role.is_in([
            Role::Agency.as_str(),
            Role::Enterprise.as_str(),
            Role::Coordinator.as_str(),
        ]))
        .order_by_asc(user::Column::Username)
        .all(cx.db)
        .await?;
    let mut agencies = BTreeMap::new();
    let mut enterprises = BTreeMap::new();
    let mut office = None;
    for account in &accounts {
        let caller = caller_of(account)?;
        match (caller.role, account.agency_id, account.enterprise_id) {
            (Role::Agency, Some(id), _) => {
                agencies.insert(id, caller);
            }
            (Role::Enterprise, _, Some(id)) => {
                enterprises.insert(id, caller);
            }
            (Role::Coordinator, ..) if office.is_none() => office = Some(caller),
            _ => {}
        }
    }
    let Some(office) = office else {
        return Err(ServiceError::Internal(
            "the demo has no office account".to_owned(),
        ));
    };
    let visits = joint_visit::Entity::find()
        .filter(joint_visit::Column::Status.eq(Stored(VisitStatus::Completed)))
        .filter(joint_visit::Column::VisitDate.lt(today))
        .order_by_asc(joint_visit::Column::VisitDate)
        .order_by_asc(joint_visit::Column::Id)
        .all(cx.db)
        .await?;
    let window_end = cx
        .calendar
        .add_working_days(today, cx.config.policy.follow_up_working_days());
    let visited_soon: BTreeSet<Uuid> = joint_visit::Entity::find()
        .filter(joint_visit::Column::Status.is_in(crate::planning::JOINABLE.map(Stored)))
        .filter(joint_visit::Column::VisitDate.gt(today))
        .filter(joint_visit::Column::VisitDate.lte(window_end))
        .all(cx.db)
        .await?
        .into_iter()
        .map(|v| v.enterprise_id)
        .collect();
    let (mut past, mut recent, mut majors) = (0, 0, 0);
    let general_days = cx.config.policy.general_days();
    for (n, visit) in visits
        .into_iter()
        .step_by(SPREAD)
        .take(MAX_VISITS)
        .enumerate()
    {
        let day = visit.visit_date;
        let Some(enterprise) = enterprises.get(&visit.enterprise_id) else {
            continue;
        };
        let facts = visit_facts(cx.db, visit).await?;
        // The visit's agencies in turn take the lead.
        let Some((code, agency_id)) = facts.agency_ids.iter().nth(n % facts.agency_ids.len())
        else {
            continue;
        };
        let Some(agency) = agencies.get(agency_id) else {
            continue;
        };
        let deadline_passed = day + Days::new(u64::from(general_days)) < today;
        let story = if deadline_passed {
            past += 1;
            PAST_DEADLINE[(past - 1) % PAST_DEADLINE.len()]
        } else if majors < MAJORS && visited_soon.contains(&facts.visit.enterprise_id) {
            majors += 1;
            Story::MajorReinspection
        } else {
            recent += 1;
            RECENT[(recent - 1) % RECENT.len()]
        };
        let major = story == Story::MajorReinspection;
        let found = clock_at(day, 15);
        let row = record(
            at(cx, &found),
            agency,
            facts.visit.id,
            &finding(code.as_str(), major, n),
        )
        .await?;
        done.recorded += 1;
        // The enterprise answers within the deadline, a week or so after the visit, but
        // never after today.
        let answer_day = (day + Days::new(7)).min(today);
        let answered = clock_at(answer_day, 10);
        let checked = clock_at((day + Days::new(12)).min(today), 16);
        match story {
            Story::Open => done.open += 1,
            Story::Rectified | Story::Closed | Story::Rejected => {
                rectify(at(cx, &answered), enterprise, row.id).await?;
                match story {
                    Story::Closed => {
                        let note = Some("现场复核，整改到位。".to_owned());
                        take_step(at(cx, &checked), agency, row.id, Step::Close { note }).await?;
                        done.closed += 1;
                    }
                    Story::Rejected => {
                        let reason = "照片未反映整改后现场，请补充并重新整改。".to_owned();
                        take_step(at(cx, &checked), agency, row.id, Step::Reject { reason })
                            .await?;
                        done.open += 1;
                    }
                    _ => done.rectified += 1,
                }
            }
            Story::ExtensionAsked | Story::ExtensionGranted => {
                let ask = Step::RequestExtension {
                    new_deadline: row.deadline + Days::new(30),
                    reason: "所需备件需从厂家订购，到货周期约四周。".to_owned(),
                };
                take_step(at(cx, &answered), enterprise, row.id, ask).await?;
                if story == Story::ExtensionGranted {
                    let note = Some("同意延期一次。".to_owned());
                    let grant = Step::ApproveExtension { note };
                    take_step(at(cx, &checked), &office, row.id, grant).await?;
                }
                done.open += 1;
            }
            Story::MajorReinspection => {
                // Now, so that the re-inspection is booked into the weeks ahead.
                rectify(cx, enterprise, row.id).await?;
                done.rectified += 1;
            }
        }
    }
    Ok(done)
}

/// The enterprise's rectification with one photo.
async fn rectify(cx: Context<'_>, enterprise: &Caller, id: Uuid) -> Result<(), ServiceError> {
    let photo = evidence::upload(cx, enterprise, id, "整改后现场.png", &mut Photo::new()).await?;
    let step = Step::SubmitRectification {
        text: "已按要求完成整改，附整改后现场照片。".to_owned(),
        evidence: vec![photo.id],
    };
    take_step(cx, enterprise, id, step).await?;
    Ok(())
}
