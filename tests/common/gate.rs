//! An inspector with a visit today, for the inspector's tests: the demo planned on a
//! fixed Monday, and `fire-inspector` put on the fire team of one of that day's
//! confirmed, announced visits (if the planner did not put them on one already).
//! Included by path (`#[path]`) from the tests that need it.

#![allow(dead_code)] // Each test file uses its own part of this module.

use crate::common::{TestApp, spawn_app_at};
use onevisit_domain::VisitStatus;
use onevisit_scheduler::jobs::FixedClock;
use onevisit_service::clock::Clock;
use onevisit_service::entities::{Stored, agency, joint_visit, user, visit_inspector, visit_team};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, EntityTrait, QueryFilter, QueryOrder,
};
use std::sync::Arc;
use uuid::Uuid;

/// The demo's inspector account.
pub const INSPECTOR: &str = "fire-inspector";

/// Monday 2026-11-09, 10:00 in China: a working day with confirmed visits.
fn gate_day() -> Clock {
    Clock::from_source(Arc::new(FixedClock(
        "2026-11-09T02:00:00Z".parse().expect("a fixed time"),
    )))
}

/// The inspector's visit today.
pub struct Gate {
    pub app: TestApp,
    pub visit: Uuid,
    pub enterprise: Uuid,
    /// The inspector's own id.
    pub inspector: Uuid,
}

/// The demo on the gate day, with [`INSPECTOR`] on a team of a visit that day.
pub async fn inspector_at_the_gate() -> Gate {
    let app = spawn_app_at(true, gate_day(), false).await;
    let db = app.db().await;
    let today = app.clock.today();
    let account = user::Entity::find()
        .filter(user::Column::Username.eq(INSPECTOR))
        .one(&db)
        .await
        .expect("users")
        .expect("the demo's inspector account");
    let me = account
        .inspector_id
        .expect("an inspector account names its inspector");
    let fire = agency::Entity::find()
        .filter(agency::Column::Code.eq("fire"))
        .one(&db)
        .await
        .expect("agencies")
        .expect("the fire agency");
    let mine = visit_inspector::Entity::find()
        .filter(visit_inspector::Column::InspectorId.eq(me))
        .filter(visit_inspector::Column::VisitDate.eq(today))
        .one(&db)
        .await
        .expect("visit inspectors");
    let visit_id = match mine {
        Some(row) => row.visit_id,
        None => {
            let teams = visit_team::Entity::find()
                .filter(visit_team::Column::AgencyId.eq(fire.id))
                .filter(visit_team::Column::VisitDate.eq(today))
                .order_by_asc(visit_team::Column::VisitId)
                .all(&db)
                .await
                .expect("teams");
            let mut chosen = None;
            for team in teams {
                let visit = joint_visit::Entity::find_by_id(team.visit_id)
                    .one(&db)
                    .await
                    .expect("visits")
                    .expect("the team's visit");
                if visit.status == Stored(VisitStatus::Confirmed) && visit.announced {
                    chosen = Some(visit.id);
                    break;
                }
            }
            let visit_id = chosen.expect("the demo confirms visits with a fire team on a Monday");
            // One of the fire team's inspectors makes way for ours.
            let member = visit_inspector::Entity::find()
                .filter(visit_inspector::Column::VisitId.eq(visit_id))
                .filter(visit_inspector::Column::AgencyId.eq(fire.id))
                .one(&db)
                .await
                .expect("visit inspectors")
                .expect("the fire team has an inspector");
            visit_inspector::Entity::delete_by_id((member.visit_id, member.inspector_id))
                .exec(&db)
                .await
                .expect("make way");
            visit_inspector::ActiveModel {
                visit_id: Set(visit_id),
                inspector_id: Set(me),
                agency_id: Set(fire.id),
                visit_date: Set(today),
            }
            .insert(&db)
            .await
            .expect("the inspector joins the team");
            visit_id
        }
    };
    let visit = joint_visit::Entity::find_by_id(visit_id)
        .one(&db)
        .await
        .expect("visits")
        .expect("the visit");
    Gate {
        app,
        visit: visit_id,
        enterprise: visit.enterprise_id,
        inspector: me,
    }
}
