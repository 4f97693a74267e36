//! Access tokens: HS256 JWTs with issuer, audience, expiry, the user, role and tenant,
//! and the session they belong to (checked against the database on every request).

use super::Role;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation, decode, encode};
use serde::{Deserialize, Serialize};
use std::fmt;
use uuid::Uuid;

pub const ISSUER: &str = "onevisit";
pub const AUDIENCE: &str = "onevisit-api";

/// The claims of an access token.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Claims {
    pub sub: Uuid,
    pub iss: String,
    pub aud: String,
    pub iat: i64,
    /// Not valid before (refused while in the future).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nbf: Option<i64>,
    pub exp: i64,
    /// The sign-in this token belongs to: signing out or deactivating the account ends it.
    pub sid: Uuid,
    pub role: Role,
    pub username: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub agency: Option<Uuid>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub enterprise: Option<Uuid>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub inspector: Option<Uuid>,
}

/// Why a token was refused. The caller only learns that it was.
#[derive(Debug, thiserror::Error)]
pub enum TokenError {
    #[error("the token is not valid: {0}")]
    Invalid(#[from] jsonwebtoken::errors::Error),
}

/// The signing key and the tokens' lifetime. The key comes from configuration.
#[derive(Clone)]
pub struct AuthConfig {
    encoding: EncodingKey,
    decoding: DecodingKey,
    validation: Validation,
    /// HMAC-SHA256(secret, "visit-verification"): the key of visit verification codes.
    verification_key: [u8; 32],
    /// Seconds a token lives.
    pub ttl_seconds: i64,
    /// Whether the web pages' session cookies are marked Secure (served over TLS).
    pub secure_cookies: bool,
}

impl fmt::Debug for AuthConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AuthConfig")
            .field("key", &"***")
            .field("ttl_seconds", &self.ttl_seconds)
            .field("secure_cookies", &self.secure_cookies)
            .finish()
    }
}

/// What the verification-code subkey is derived for.
const VERIFICATION_PURPOSE: &[u8] = b"visit-verification";

/// HMAC-SHA256(secret, purpose): a key for one purpose that reveals nothing of the secret.
fn derive_subkey(secret: &[u8], purpose: &[u8]) -> [u8; 32] {
    use hmac::{Hmac, Mac};
    let mut mac = <Hmac<sha2::Sha256> as Mac>::new_from_slice(secret)
        .expect("HMAC takes a key of any length");
    mac.update(purpose);
    mac.finalize().into_bytes().into()
}

/// The shortest signing secret accepted (HS256 wants at least 256 bits).
pub const MIN_SECRET_BYTES: usize = 32;

impl AuthConfig {
    /// From a secret of at least [`MIN_SECRET_BYTES`] bytes.
    pub fn new(secret: &[u8], ttl_seconds: i64) -> Result<Self, String> {
        if secret.len() < MIN_SECRET_BYTES {
            return Err(format!(
                "ONEVISIT_JWT_SECRET: must be at least {MIN_SECRET_BYTES} bytes, got {}",
                secret.len()
            ));
        }
        if !(60..=86_400).contains(&ttl_seconds) {
            return Err(format!(
                "token TTL: must be 60 to 86400 seconds, got {ttl_seconds}"
            ));
        }
        let mut validation = Validation::new(Algorithm::HS256);
        validation.set_issuer(&[ISSUER]);
        validation.set_audience(&[AUDIENCE]);
        validation.set_required_spec_claims(&["exp", "iat", "iss", "aud", "sub"]);
        validation.validate_nbf = true;
        validation.leeway = 5;
        let key_error = |e: jsonwebtoken::errors::Error| format!("ONEVISIT_JWT_SECRET: {e}");
        Ok(Self {
            encoding: EncodingKey::from_secret(secret).map_err(key_error)?,
            decoding: DecodingKey::from_secret(secret).map_err(key_error)?,
            validation,
            verification_key: derive_subkey(secret, VERIFICATION_PURPOSE),
            ttl_seconds,
            secure_cookies: false,
        })
    }

    /// The same, with the web pages' session cookies marked Secure or not.
    pub fn with_secure_cookies(self, secure_cookies: bool) -> Self {
        Self {
            secure_cookies,
            ..self
        }
    }

    /// A key made up at start: tokens die with the process and are not shared between replicas.
    pub fn ephemeral(ttl_seconds: i64) -> Self {
        let secret: [u8; MIN_SECRET_BYTES] = rand::random();
        Self::new(&secret, ttl_seconds.clamp(60, 86_400))
            .expect("a secret of the minimum length and a clamped TTL are accepted")
    }

    /// The key that signs visit verification codes, derived from the token signing secret
    /// (which stays private) so that no further configuration is needed. Rotating the
    /// secret changes this key: every printed verification code stops verifying.
    pub fn verification_key(&self) -> &[u8; 32] {
        &self.verification_key
    }

    pub fn issue(&self, claims: &Claims) -> Result<String, TokenError> {
        Ok(encode(
            &Header::new(Algorithm::HS256),
            claims,
            &self.encoding,
        )?)
    }

    pub fn verify(&self, token: &str) -> Result<Claims, TokenError> {
        Ok(decode::<Claims>(token, &self.decoding, &self.validation)?.claims)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn claims(now: i64) -> Claims {
        Claims {
            sub: Uuid::nil(),
            iss: ISSUER.to_owned(),
            aud: AUDIENCE.to_owned(),
            iat: now,
            nbf: Some(now),
            exp: now + 900,
            sid: Uuid::nil(),
            role: Role::Agency,
            username: "fire".to_owned(),
            agency: Some(Uuid::nil()),
            enterprise: None,
            inspector: None,
        }
    }

    #[test]
    fn round_trip_and_refusals() {
        let config = AuthConfig::new(&[7; 32], 900).expect("config");
        let now = chrono::Utc::now().timestamp();
        let token = config.issue(&claims(now)).expect("issue");
        assert_eq!(config.verify(&token).expect("valid"), claims(now));

        let other = AuthConfig::new(&[8; 32], 900).expect("config");
        assert!(other.verify(&token).is_err(), "wrong key");

        let mut expired = claims(now - 3600);
        expired.exp = now - 1800;
        assert!(
            config
                .verify(&config.issue(&expired).expect("issue"))
                .is_err(),
            "expired"
        );

        let mut early = claims(now);
        early.nbf = Some(now + 600);
        assert!(
            config
                .verify(&config.issue(&early).expect("issue"))
                .is_err(),
            "not valid yet"
        );

        let mut audience = claims(now);
        audience.aud = "someone-else".to_owned();
        assert!(
            config
                .verify(&config.issue(&audience).expect("issue"))
                .is_err(),
            "audience"
        );
    }

    #[test]
    fn the_verification_key_is_derived_and_is_not_the_secret() {
        let a = AuthConfig::new(&[7; 32], 900).expect("config");
        let b = AuthConfig::new(&[7; 32], 900).expect("config");
        let c = AuthConfig::new(&[8; 32], 900).expect("config");
        assert_eq!(a.verification_key(), b.verification_key());
        assert_ne!(a.verification_key(), c.verification_key());
        assert_ne!(a.verification_key(), &[7; 32]);
        assert!(!format!("{a:?}").contains("verification_key"));
    }

    #[test]
    fn short_secrets_are_refused() {
        assert!(AuthConfig::new(b"too short", 900).is_err());
    }
}
