//! Who sees what, in one place per resource. Each function gives the condition that
//! limits a query to the caller's tenant, so that a foreign id is simply not found (404).

use crate::entities::{Stored, enterprise, inspection_request, inspector, joint_visit, visit_team};
use crate::{Caller, Role};
use chrono::NaiveDate;
use onevisit_domain::VisitStatus;
use sea_orm::sea_query::{Expr, Query};
use sea_orm::{ColumnTrait, Condition};
use uuid::Uuid;

/// A condition that holds for no row.
fn nothing() -> Condition {
    Condition::all().add(Expr::cust("1 = 0"))
}

fn tenant(id: Option<Uuid>, column: impl ColumnTrait) -> Condition {
    match id {
        Some(id) => Condition::all().add(column.eq(id)),
        None => nothing(),
    }
}

/// Enterprises: the office and the agencies see all; an enterprise sees itself.
pub fn enterprises(caller: &Caller) -> Condition {
    match caller.role {
        Role::Admin | Role::Coordinator | Role::Agency | Role::Inspector => Condition::all(),
        Role::Enterprise => tenant(caller.enterprise_id, enterprise::Column::Id),
    }
}

/// Inspectors: the office sees all; an agency (and its inspectors) its own; an enterprise none.
pub fn inspectors(caller: &Caller) -> Condition {
    match caller.role {
        Role::Admin | Role::Coordinator => Condition::all(),
        Role::Agency | Role::Inspector => tenant(caller.agency_id, inspector::Column::AgencyId),
        Role::Enterprise => nothing(),
    }
}

/// Requests: the office sees all; an agency (and its inspectors) its own; an enterprise none.
pub fn requests(caller: &Caller) -> Condition {
    match caller.role {
        Role::Admin | Role::Coordinator => Condition::all(),
        Role::Agency | Role::Inspector => {
            tenant(caller.agency_id, inspection_request::Column::AgencyId)
        }
        Role::Enterprise => nothing(),
    }
}

/// Visits: the office sees all; an agency (and its inspectors) the visits it takes part
/// in; an enterprise its own, except unannounced ones before their day and cancelled ones.
pub fn visits(caller: &Caller, today: NaiveDate) -> Condition {
    match caller.role {
        Role::Admin | Role::Coordinator => Condition::all(),
        Role::Agency | Role::Inspector => match caller.agency_id {
            Some(agency) => Condition::all().add(
                joint_visit::Column::Id.in_subquery(
                    Query::select()
                        .column(visit_team::Column::VisitId)
                        .from(visit_team::Entity)
                        .and_where(visit_team::Column::AgencyId.eq(agency))
                        .to_owned(),
                ),
            ),
            None => nothing(),
        },
        Role::Enterprise => tenant(caller.enterprise_id, joint_visit::Column::EnterpriseId)
            .add(joint_visit::Column::Status.ne(Stored(VisitStatus::Cancelled)))
            .add(
                Condition::any()
                    .add(joint_visit::Column::Announced.eq(true))
                    .add(joint_visit::Column::VisitDate.lte(today)),
            ),
    }
}
