//! Password hashing for local users: argon2id with a random salt, stored as a PHC string.

use std::sync::LazyLock;

use argon2::{Argon2, PasswordHash, PasswordHasher, PasswordVerifier, password_hash::SaltString};
use rand::RngCore;

use crate::error::GatewayError;

/// Hashes a password for storage. CPU-heavy (tens of milliseconds): call it off the async
/// executor, e.g. through `tokio::task::spawn_blocking`.
pub fn hash_password(password: &str) -> Result<String, GatewayError> {
    let mut salt = [0u8; 16];
    rand::rng().fill_bytes(&mut salt);
    let salt = SaltString::encode_b64(&salt).map_err(GatewayError::failed("encoding a salt"))?;
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|hash| hash.to_string())
        .map_err(GatewayError::failed("hashing a password"))
}

/// Whether `password` matches the stored PHC string. An unreadable hash matches nothing.
pub fn verify_password(password: &str, stored_hash: &str) -> bool {
    PasswordHash::new(stored_hash).is_ok_and(|hash| {
        Argon2::default()
            .verify_password(password.as_bytes(), &hash)
            .is_ok()
    })
}

/// Spends the time of one verification without a real hash to compare with, so that a login
/// with an unknown username takes as long as one with a wrong password.
pub fn verify_against_nothing(password: &str) {
    static DUMMY_HASH: LazyLock<String> = LazyLock::new(|| {
        hash_password("no user has this password").expect("argon2 hashes a constant")
    });
    let _ = verify_password(password, &DUMMY_HASH);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_hash_verifies_its_password_only() {
        let hash = hash_password("correct horse").unwrap();
        assert!(hash.starts_with("$argon2id$"), "{hash}");
        assert!(verify_password("correct horse", &hash));
        assert!(!verify_password("correct horse ", &hash));
        assert!(!verify_password("", &hash));
    }

    #[test]
    fn hashes_are_salted() {
        assert_ne!(
            hash_password("same").unwrap(),
            hash_password("same").unwrap()
        );
    }

    #[test]
    fn unknown_users_cost_as_much_as_wrong_passwords() {
        use std::time::{Duration, Instant};
        let hash = hash_password("secret").unwrap();
        verify_against_nothing("warm up the dummy hash");
        let median = |run: &dyn Fn()| -> Duration {
            let mut times: Vec<Duration> = (0..5)
                .map(|_| {
                    let start = Instant::now();
                    run();
                    start.elapsed()
                })
                .collect();
            times.sort();
            times[2]
        };
        let wrong_password = median(&|| assert!(!verify_password("guess", &hash)));
        let unknown_user = median(&|| verify_against_nothing("guess"));
        let ratio = unknown_user.as_secs_f64() / wrong_password.as_secs_f64();
        assert!(
            (0.5..2.0).contains(&ratio),
            "{unknown_user:?} vs {wrong_password:?}"
        );
    }

    #[test]
    fn an_unreadable_hash_matches_nothing() {
        assert!(!verify_password("anything", "not a phc string"));
        assert!(!verify_password("", ""));
    }
}
