//! What the API shows of requests, visits and enterprises, loaded in batches.

use crate::entities::{
    agency, enterprise, inspection_request, inspector, joint_visit, visit_inspector, visit_team,
};
use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::{ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter};
use serde::Serialize;
use std::collections::BTreeMap;
use utoipa::ToSchema;
use uuid::Uuid;

/// An inspection request.
#[derive(Debug, Clone, Serialize, serde::Deserialize, ToSchema)]
pub struct RequestView {
    pub id: Uuid,
    /// The agency's code (`fire`).
    pub agency: String,
    pub enterprise_id: Uuid,
    pub earliest: NaiveDate,
    pub latest: NaiveDate,
    pub team_size: i32,
    /// routine, follow_up or urgent.
    pub kind: String,
    pub topics: Vec<String>,
    /// open (not planned yet), scheduled, unscheduled or cancelled.
    pub status: String,
    /// Why it could not be placed (plan-format reason codes).
    pub unscheduled_reason: Option<String>,
    pub visit_id: Option<Uuid>,
    pub created_at: DateTime<Utc>,
}

/// An inspector on a visit.
#[derive(Debug, Clone, Serialize, serde::Deserialize, ToSchema)]
pub struct TeamMember {
    pub id: Uuid,
    pub code: String,
    pub name: String,
}

/// One agency's team on a visit.
#[derive(Debug, Clone, Serialize, serde::Deserialize, ToSchema)]
pub struct TeamView {
    /// The agency's code.
    pub agency: String,
    pub agency_name: String,
    pub team_size: i32,
    pub inspectors: Vec<TeamMember>,
}

/// A joint visit.
#[derive(Debug, Clone, Serialize, serde::Deserialize, ToSchema)]
pub struct VisitView {
    pub id: Uuid,
    pub enterprise_id: Uuid,
    pub enterprise_name: String,
    pub date: NaiveDate,
    /// proposed, confirmed, in_progress, completed or cancelled.
    pub status: String,
    /// Whether the enterprise is told in advance (double-random checks are not).
    pub announced: bool,
    pub teams: Vec<TeamView>,
}

/// Requests as the API shows them.
pub async fn requests<C: ConnectionTrait>(
    db: &C,
    rows: Vec<inspection_request::Model>,
) -> Result<Vec<RequestView>, DbErr> {
    let agencies: BTreeMap<Uuid, String> = agency::Entity::find()
        .all(db)
        .await?
        .into_iter()
        .map(|a| (a.id, a.code))
        .collect();
    Ok(rows
        .into_iter()
        .map(|r| RequestView {
            id: r.id,
            agency: agencies.get(&r.agency_id).cloned().unwrap_or_default(),
            enterprise_id: r.enterprise_id,
            earliest: r.earliest,
            latest: r.latest,
            team_size: r.team_size,
            kind: r.kind,
            topics: serde_json::from_value(r.topics).unwrap_or_default(),
            status: r.status,
            unscheduled_reason: r.unscheduled_reason,
            visit_id: r.visit_id,
            created_at: r.created_at,
        })
        .collect())
}

/// Visits as the API shows them, with each agency's team.
pub async fn visits<C: ConnectionTrait>(
    db: &C,
    rows: Vec<joint_visit::Model>,
) -> Result<Vec<VisitView>, DbErr> {
    let ids: Vec<Uuid> = rows.iter().map(|v| v.id).collect();
    let teams = visit_team::Entity::find()
        .filter(visit_team::Column::VisitId.is_in(ids.clone()))
        .all(db)
        .await?;
    let members = visit_inspector::Entity::find()
        .filter(visit_inspector::Column::VisitId.is_in(ids))
        .all(db)
        .await?;
    let inspectors: BTreeMap<Uuid, inspector::Model> = inspector::Entity::find()
        .filter(inspector::Column::Id.is_in(members.iter().map(|m| m.inspector_id)))
        .all(db)
        .await?
        .into_iter()
        .map(|i| (i.id, i))
        .collect();
    let agencies: BTreeMap<Uuid, agency::Model> = agency::Entity::find()
        .all(db)
        .await?
        .into_iter()
        .map(|a| (a.id, a))
        .collect();
    let enterprises: BTreeMap<Uuid, String> = enterprise::Entity::find()
        .filter(enterprise::Column::Id.is_in(rows.iter().map(|v| v.enterprise_id)))
        .all(db)
        .await?
        .into_iter()
        .map(|e| (e.id, e.name))
        .collect();
    let mut members_of: BTreeMap<(Uuid, Uuid), Vec<TeamMember>> = BTreeMap::new();
    for m in members {
        if let Some(i) = inspectors.get(&m.inspector_id) {
            members_of
                .entry((m.visit_id, m.agency_id))
                .or_default()
                .push(TeamMember {
                    id: i.id,
                    code: i.code.clone(),
                    name: i.name.clone(),
                });
        }
    }
    let mut teams_of: BTreeMap<Uuid, Vec<TeamView>> = BTreeMap::new();
    for t in teams {
        let agency = agencies.get(&t.agency_id);
        let mut inspectors = members_of
            .remove(&(t.visit_id, t.agency_id))
            .unwrap_or_default();
        inspectors.sort_by(|a, b| a.code.cmp(&b.code));
        teams_of.entry(t.visit_id).or_default().push(TeamView {
            agency: agency.map(|a| a.code.clone()).unwrap_or_default(),
            agency_name: agency.map(|a| a.name.clone()).unwrap_or_default(),
            team_size: t.team_size,
            inspectors,
        });
    }
    Ok(rows
        .into_iter()
        .map(|v| {
            let mut teams = teams_of.remove(&v.id).unwrap_or_default();
            teams.sort_by(|a, b| a.agency.cmp(&b.agency));
            VisitView {
                id: v.id,
                enterprise_name: enterprises
                    .get(&v.enterprise_id)
                    .cloned()
                    .unwrap_or_default(),
                enterprise_id: v.enterprise_id,
                date: v.visit_date,
                status: v.status,
                announced: v.announced,
                teams,
            }
        })
        .collect())
}
