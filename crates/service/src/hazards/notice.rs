//! Hazard lists (整改通知) as JSON and as a printable HTML page: UTF-8, Chinese text,
//! inline CSS, nothing loaded from elsewhere.

use crate::Caller;
use crate::ServiceError;
use crate::access;
use crate::entities::{agency, enterprise, hazard, hazard_notice, joint_visit};
use chrono::NaiveDate;
use onevisit_domain::{NoticeNumber, Severity};
use sea_orm::sea_query::Query;
use sea_orm::{ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use utoipa::ToSchema;
use uuid::Uuid;

/// One hazard as the list states it.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct NoticeItem {
    pub hazard_id: Uuid,
    pub title: String,
    pub description: String,
    pub category: String,
    pub severity: String,
    pub legal_basis: String,
    pub regulation: Option<String>,
    /// The responsible agency's code and name.
    pub responsible_agency: String,
    pub responsible_agency_name: String,
    /// The deadline the list set (extensions show in the ledger).
    pub deadline: NaiveDate,
}

/// A hazard list issued to an enterprise.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct NoticeView {
    pub id: Uuid,
    /// `2026-0003`: unique per enterprise and year.
    pub number: String,
    /// `整改〔2026〕第0003号`, as printed.
    pub number_zh: String,
    pub enterprise_id: Uuid,
    pub enterprise: String,
    pub credit_code: String,
    pub district: String,
    pub visit_id: Uuid,
    pub visit_date: NaiveDate,
    pub issued_at: chrono::DateTime<chrono::Utc>,
    pub hazards: Vec<NoticeItem>,
}

/// The lists the caller may see: those of the visits the caller may see.
pub fn visible(caller: &Caller, today: NaiveDate) -> Condition {
    Condition::all().add(
        hazard_notice::Column::VisitId.in_subquery(
            Query::select()
                .column(joint_visit::Column::Id)
                .from(joint_visit::Entity)
                .cond_where(access::visits(caller, today))
                .to_owned(),
        ),
    )
}

fn internal(what: impl std::fmt::Display) -> ServiceError {
    ServiceError::Internal(what.to_string())
}

/// The lists the caller may see, newest first, optionally of one enterprise.
pub async fn list<C: ConnectionTrait>(
    db: &C,
    caller: &Caller,
    today: NaiveDate,
    enterprise_id: Option<Uuid>,
) -> Result<Vec<hazard_notice::Model>, ServiceError> {
    let mut query = hazard_notice::Entity::find().filter(visible(caller, today));
    if let Some(id) = enterprise_id {
        query = query.filter(hazard_notice::Column::EnterpriseId.eq(id));
    }
    Ok(query
        .order_by_desc(hazard_notice::Column::IssuedAt)
        .order_by_desc(hazard_notice::Column::Id)
        .all(db)
        .await?)
}

/// A list the caller may see, with its hazards.
pub async fn view<C: ConnectionTrait>(
    db: &C,
    caller: &Caller,
    today: NaiveDate,
    id: Uuid,
) -> Result<NoticeView, ServiceError> {
    let notice = hazard_notice::Entity::find_by_id(id)
        .filter(visible(caller, today))
        .one(db)
        .await?
        .ok_or(ServiceError::NotFound)?;
    let number = NoticeNumber::new(notice.year, u32::try_from(notice.sequence).unwrap_or(0))
        .map_err(internal)?;
    let enterprise = enterprise::Entity::find_by_id(notice.enterprise_id)
        .one(db)
        .await?
        .ok_or_else(|| internal("a notice without its enterprise"))?;
    let visit = joint_visit::Entity::find_by_id(notice.visit_id)
        .one(db)
        .await?
        .ok_or_else(|| internal("a notice without its visit"))?;
    let agencies: BTreeMap<Uuid, agency::Model> = agency::Entity::find()
        .all(db)
        .await?
        .into_iter()
        .map(|a| (a.id, a))
        .collect();
    let hazards = hazard::Entity::find()
        .filter(hazard::Column::NoticeId.eq(notice.id))
        .order_by_asc(hazard::Column::RecordedAt)
        .order_by_asc(hazard::Column::Id)
        .all(db)
        .await?
        .into_iter()
        .map(|h| {
            let agency = agencies.get(&h.responsible_agency_id);
            NoticeItem {
                hazard_id: h.id,
                title: h.title,
                description: h.description,
                category: h.category,
                severity: h.severity.to_string(),
                legal_basis: h.legal_basis,
                regulation: h.regulation,
                responsible_agency: agency.map(|a| a.code.clone()).unwrap_or_default(),
                responsible_agency_name: agency.map(|a| a.name.clone()).unwrap_or_default(),
                deadline: h.original_deadline,
            }
        })
        .collect();
    Ok(NoticeView {
        id: notice.id,
        number: number.to_string(),
        number_zh: number.to_chinese(),
        enterprise_id: enterprise.id,
        enterprise: enterprise.name,
        credit_code: enterprise.credit_code,
        district: enterprise.district,
        visit_id: visit.id,
        visit_date: visit.visit_date,
        issued_at: notice.issued_at,
        hazards,
    })
}

/// Escapes text for HTML.
fn esc(raw: &str) -> String {
    let mut out = String::with_capacity(raw.len());
    for c in raw.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

fn category_zh(category: &str) -> &str {
    match category {
        "fire" => "消防",
        "structure" => "建筑结构",
        "process_safety" => "工艺安全",
        "environment" => "生态环境",
        "storage" => "储存",
        "other" => "其他",
        other => other,
    }
}

fn day_zh(day: NaiveDate) -> String {
    day.format("%Y年%m月%d日").to_string()
}

/// The printable page of a list: self-contained HTML in UTF-8.
pub fn html(notice: &NoticeView) -> String {
    let issued = notice
        .issued_at
        .with_timezone(&crate::clock::china())
        .date_naive();
    let mut rows = String::new();
    for (i, h) in notice.hazards.iter().enumerate() {
        let severity = match h.severity.parse::<Severity>() {
            Ok(s) => s.label_zh(),
            Err(_) => h.severity.as_str(),
        };
        let basis = match &h.regulation {
            Some(r) => format!("{}（{}）", esc(&h.legal_basis), esc(r)),
            None => esc(&h.legal_basis),
        };
        rows.push_str(&format!(
            "<tr><td>{n}</td><td><strong>{title}</strong><br>{desc}</td><td>{cat}</td>\
             <td class=\"sev-{sevclass}\">{severity}</td><td>{basis}</td><td>{agency}</td><td>{deadline}</td></tr>\n",
            n = i + 1,
            title = esc(&h.title),
            desc = esc(&h.description).replace('\n', "<br>"),
            cat = esc(category_zh(&h.category)),
            sevclass = esc(&h.severity),
            agency = esc(&h.responsible_agency_name),
            deadline = day_zh(h.deadline),
        ));
    }
    format!(
        r#"<!DOCTYPE html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>隐患整改通知书 {number_zh}</title>
<style>
body {{ font-family: "SimSun", "Songti SC", "Noto Serif CJK SC", "Source Han Serif SC", serif; margin: 2.5em auto; max-width: 60em; color: #000; line-height: 1.6; }}
h1 {{ text-align: center; font-size: 1.8em; letter-spacing: 0.2em; margin-bottom: 0.2em; }}
.number {{ text-align: center; margin-top: 0; }}
table {{ border-collapse: collapse; width: 100%; margin: 1em 0; }}
th, td {{ border: 1px solid #000; padding: 0.4em 0.5em; vertical-align: top; text-align: left; }}
th {{ background: #eee; white-space: nowrap; }}
.sev-major {{ font-weight: bold; color: #b00; }}
.sign {{ margin-top: 3em; text-align: right; }}
@media print {{ body {{ margin: 0; }} th {{ background: none; }} }}
</style>
</head>
<body>
<h1>隐患整改通知书</h1>
<p class="number">{number_zh}</p>
<p><strong>{enterprise}</strong>（统一社会信用代码：{credit_code}，{district}）：</p>
<p>经{visit_day}联合检查，发现你单位存在下列安全隐患。请按下表所列期限完成整改，并将整改情况及佐证材料通过OneVisit提交；重大隐患整改后由牵头部门复查销号。</p>
<table>
<thead><tr><th>序号</th><th>隐患内容</th><th>类别</th><th>等级</th><th>依据</th><th>牵头部门</th><th>整改期限</th></tr></thead>
<tbody>
{rows}</tbody>
</table>
<p>共{count}项隐患。</p>
<p class="sign">签发日期：{issued}</p>
</body>
</html>
"#,
        number_zh = esc(&notice.number_zh),
        enterprise = esc(&notice.enterprise),
        credit_code = esc(&notice.credit_code),
        district = esc(&notice.district),
        visit_day = day_zh(notice.visit_date),
        count = notice.hazards.len(),
        issued = day_zh(issued),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_page_escapes_what_it_prints_and_needs_nothing_else() {
        let notice = NoticeView {
            id: Uuid::nil(),
            number: "2026-0001".to_owned(),
            number_zh: "整改〔2026〕第0001号".to_owned(),
            enterprise_id: Uuid::nil(),
            enterprise: "淮安<化工>有限公司".to_owned(),
            credit_code: "91320800MA1XXXXX0X".to_owned(),
            district: "清江浦区".to_owned(),
            visit_id: Uuid::nil(),
            visit_date: NaiveDate::from_ymd_opt(2026, 11, 30).unwrap_or_default(),
            issued_at: chrono::DateTime::UNIX_EPOCH,
            hazards: vec![NoticeItem {
                hazard_id: Uuid::nil(),
                title: "消防通道堵塞".to_owned(),
                description: "二号仓库\n北侧".to_owned(),
                category: "fire".to_owned(),
                severity: "major".to_owned(),
                legal_basis: "消防通道应保持畅通".to_owned(),
                regulation: Some("《消防法》第二十八条".to_owned()),
                responsible_agency: "fire".to_owned(),
                responsible_agency_name: "消防救援支队".to_owned(),
                deadline: NaiveDate::from_ymd_opt(2027, 2, 28).unwrap_or_default(),
            }],
        };
        let page = html(&notice);
        assert!(page.contains("淮安&lt;化工&gt;有限公司"));
        assert!(page.contains("二号仓库<br>北侧"));
        assert!(page.contains("重大"));
        assert!(page.contains("2027年02月28日"));
        assert!(page.contains("<meta charset=\"utf-8\">"));
        for external in ["http://", "https://", "<script", "<link", "src="] {
            assert!(!page.contains(external), "{external}");
        }
    }
}
