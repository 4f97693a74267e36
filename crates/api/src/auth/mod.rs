//! Who is calling: accounts, passwords (argon2id), short-lived JWTs, and the caller's
//! role and tenant, which every handler receives as a [`Caller`].

mod caller;
mod password;
pub mod sessions;
mod throttle;
mod token;

pub use caller::{Caller, authenticate};
pub use password::{PasswordError, hash_password, verify_password};
pub use throttle::{LoginThrottle, ThrottlePolicy};
pub use token::{AUDIENCE, AuthConfig, Claims, ISSUER, TokenError};

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;
use utoipa::ToSchema;

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
