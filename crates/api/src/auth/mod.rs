//! Who is calling: accounts, passwords (argon2id), short-lived JWTs, and the caller's
//! role and tenant, which every handler receives as a [`Caller`].

mod caller;
pub mod sessions;
mod token;

pub use caller::authenticate;
pub use onevisit_service::password::{PasswordError, hash_password, verify_password};
pub use onevisit_service::throttle::{LoginThrottle, ThrottlePolicy};
pub use onevisit_service::{Caller, Role};
pub use token::{AUDIENCE, AuthConfig, Claims, ISSUER, TokenError};
