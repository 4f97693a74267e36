//! Who is calling: the role and tenant every operation is done for.

use crate::error::ServiceError;
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;
use utoipa::ToSchema;
use uuid::Uuid;

/// Who is calling, and which tenant they belong to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Caller {
    pub user_id: Uuid,
    /// The sign-in session the token belongs to.
    pub session_id: Uuid,
    pub username: String,
    pub role: Role,
    pub agency_id: Option<Uuid>,
    pub enterprise_id: Option<Uuid>,
    pub inspector_id: Option<Uuid>,
}

impl Caller {
    /// Refuses (403) a caller whose role is not among `roles`.
    pub fn require(&self, roles: &[Role]) -> Result<(), ServiceError> {
        if roles.contains(&self.role) {
            Ok(())
        } else {
            Err(ServiceError::Forbidden)
        }
    }

    /// Whether the caller sees every tenant's data.
    pub fn is_office(&self) -> bool {
        matches!(self.role, Role::Admin | Role::Coordinator)
    }
}

/// What a user may do; an agency, inspector or enterprise user is also scoped to one tenant.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Manages agencies and user accounts.
    Admin,
    /// The coordinating office: enterprises, plans, confirmations, every tenant's data.
    Coordinator,
    /// Staff of one agency: books requests, manages its inspectors.
    Agency,
    /// An inspector of one agency: sees the visits of the agency.
    Inspector,
    /// Staff of one enterprise: sees its own schedule.
    Enterprise,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Admin => "admin",
            Self::Coordinator => "coordinator",
            Self::Agency => "agency",
            Self::Inspector => "inspector",
            Self::Enterprise => "enterprise",
        }
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Role {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "admin" => Ok(Self::Admin),
            "coordinator" => Ok(Self::Coordinator),
            "agency" => Ok(Self::Agency),
            "inspector" => Ok(Self::Inspector),
            "enterprise" => Ok(Self::Enterprise),
            other => Err(format!(
                "unknown role {other:?}; expected one of admin, coordinator, agency, inspector, enterprise"
            )),
        }
    }
}
