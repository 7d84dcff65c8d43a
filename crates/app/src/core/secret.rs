//! Passwords (Argon2id) and bearer tokens (random, stored as SHA-256).

use crate::core::error::StoreError;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;
use base64::Engine;
use sha2::{Digest, Sha256};

fn random_bytes<const N: usize>() -> Result<[u8; N], StoreError> {
    let mut buf = [0u8; N];
    getrandom::fill(&mut buf).map_err(|e| StoreError::Internal(format!("random: {e}")))?;
    Ok(buf)
}

/// Hashes a password with Argon2id (default parameters: 19 MiB, 2 passes). Slow on
/// purpose: call from a blocking thread.
pub fn hash_password(password: &str) -> Result<String, StoreError> {
    let salt = SaltString::encode_b64(&random_bytes::<16>()?).map_err(|e| StoreError::Internal(e.to_string()))?;
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| StoreError::Internal(e.to_string()))
}

/// Checks a password against a stored hash; a malformed hash never matches.
pub fn verify_password(password: &str, hash: &str) -> bool {
    match PasswordHash::new(hash) {
        Ok(parsed) => Argon2::default().verify_password(password.as_bytes(), &parsed).is_ok(),
        Err(_) => false,
    }
}

/// At most this many Argon2 computations run at once (each takes ~19 MiB), so a flood of
/// logins waits in line instead of exhausting memory.
pub const MAX_CONCURRENT_HASHES: usize = 4;
static HASHING: tokio::sync::Semaphore = tokio::sync::Semaphore::const_new(MAX_CONCURRENT_HASHES);

/// Runs [`hash_password`] off the async runtime.
pub async fn hash_password_blocking(password: String) -> Result<String, StoreError> {
    let _permit = HASHING
        .acquire()
        .await
        .map_err(|e| StoreError::Internal(e.to_string()))?;
    tokio::task::spawn_blocking(move || hash_password(&password))
        .await
        .map_err(|e| StoreError::Internal(e.to_string()))?
}

/// Runs [`verify_password`] off the async runtime.
pub async fn verify_password_blocking(password: String, hash: String) -> bool {
    let Ok(_permit) = HASHING.acquire().await else {
        return false;
    };
    tokio::task::spawn_blocking(move || verify_password(&password, &hash))
        .await
        .unwrap_or(false)
}

/// A new random token (`dcrc_` + 43 base64url characters, 256 bits).
pub fn new_token() -> Result<String, StoreError> {
    let bytes = random_bytes::<32>()?;
    Ok(format!(
        "dcrc_{}",
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
    ))
}

/// A random password for `dcrc init` when none is given: 20 URL-safe characters.
pub fn new_password() -> Result<String, StoreError> {
    let bytes = random_bytes::<15>()?;
    Ok(base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes))
}

/// What is stored for a token: its SHA-256 in hex. Tokens have 256 bits of entropy, so a
/// fast hash is enough and lookups stay cheap.
pub fn token_hash(token: &str) -> String {
    let digest = Sha256::digest(token.as_bytes());
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn password_round_trip() {
        let h = hash_password("correct horse").unwrap();
        assert!(h.starts_with("$argon2id$"));
        assert!(verify_password("correct horse", &h));
        assert!(!verify_password("wrong horse", &h));
        assert!(!verify_password("x", "not a hash"));
    }

    #[test]
    fn tokens_are_random_and_hashed() {
        let a = new_token().unwrap();
        let b = new_token().unwrap();
        assert_ne!(a, b);
        assert_eq!(a.len(), 5 + 43);
        assert_eq!(token_hash(&a).len(), 64);
        assert_ne!(token_hash(&a), token_hash(&b));
    }
}
