//! Password hashes: argon2id in the PHC string format, computed off the async threads.

use argon2::Argon2;
use argon2::password_hash::phc::PasswordHash;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};

/// Why a password could not be hashed.
#[derive(Debug, thiserror::Error)]
pub enum PasswordError {
    #[error("password: must be 8 to 128 characters")]
    Length,
    #[error("hashing failed: {0}")]
    Hash(String),
}

/// Hashes `password` with argon2id and a random salt.
pub async fn hash_password(password: String) -> Result<String, PasswordError> {
    if !(8..=128).contains(&password.chars().count()) {
        return Err(PasswordError::Length);
    }
    tokio::task::spawn_blocking(move || {
        Argon2::default()
            .hash_password(password.as_bytes())
            .map(|hash| hash.to_string())
            .map_err(|e| PasswordError::Hash(e.to_string()))
    })
    .await
    .map_err(|e| PasswordError::Hash(e.to_string()))?
}

/// A valid hash of a password nobody knows, so that an unknown user costs as much as a known one.
const DECOY: &str = "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$zvJ1uPzCGiDktmM7R+xrwQeHgI3FbQt/Qu0+NC5mJzc";

/// Whether `password` matches `hash` (or, with no hash, spends the same time and says no).
pub async fn verify_password(password: String, hash: Option<String>) -> bool {
    tokio::task::spawn_blocking(move || {
        let known = hash.is_some();
        let hash = hash.unwrap_or_else(|| DECOY.to_owned());
        let Ok(parsed) = PasswordHash::new(&hash) else {
            return false;
        };
        let matches = Argon2::default()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok();
        known && matches
    })
    .await
    .unwrap_or(false)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn hashes_verify_and_differ() {
        let a = hash_password("correct horse".to_owned())
            .await
            .expect("hash");
        let b = hash_password("correct horse".to_owned())
            .await
            .expect("hash");
        assert!(a.starts_with("$argon2id$"));
        assert_ne!(a, b, "salted");
        assert!(verify_password("correct horse".to_owned(), Some(a.clone())).await);
        assert!(!verify_password("wrong horse".to_owned(), Some(a)).await);
        assert!(!verify_password("correct horse".to_owned(), None).await);
        assert!(matches!(
            hash_password("short".to_owned()).await,
            Err(PasswordError::Length)
        ));
    }
}
