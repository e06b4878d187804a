//! Secrets at rest. BBB checksums need server secrets and API-token secrets in plain form, so
//! they cannot be hashed away; instead they are encrypted (XChaCha20-Poly1305, random nonce)
//! under a key from configuration, and token-secret uniqueness is enforced on a keyed hash
//! (HMAC-SHA256). A database dump alone reveals neither.

use std::fmt;
use std::str::FromStr;

use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, STANDARD_NO_PAD, URL_SAFE, URL_SAFE_NO_PAD};
use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use hmac::{Hmac, KeyInit as _, Mac};
use rand::Rng as _;
use rand::distr::Alphanumeric;
use sha2::Sha256;

use crate::{CryptoError, StoreError};

/// The format marker of ciphertexts, so that a later change of algorithm can tell old from new.
const CIPHERTEXT_PREFIX: &str = "v1:";
const NONCE_LEN: usize = 24;
/// Long enough that guessing is hopeless, short enough for BBB integrations' config fields.
const GENERATED_SECRET_LEN: usize = 48;

/// The 32-byte master key from configuration. Two independent subkeys are derived from it, so
/// that the encryption key and the hashing key are never the same bytes.
#[derive(Clone)]
pub struct SecretKey([u8; 32]);

impl SecretKey {
    pub fn from_bytes(bytes: [u8; 32]) -> Self {
        SecretKey(bytes)
    }

    /// A fresh random key, e.g. for `bbb-gateway` to print when none is configured.
    pub fn generate() -> Self {
        SecretKey(rand::rng().random())
    }

    /// Parses 64 hex digits or base64 (standard or URL-safe, padded or not) of 32 bytes.
    pub fn parse(text: &str) -> Result<Self, StoreError> {
        let text = text.trim();
        let bytes = if text.len() == 64 && text.bytes().all(|b| b.is_ascii_hexdigit()) {
            hex::decode(text).ok()
        } else {
            [STANDARD, STANDARD_NO_PAD, URL_SAFE, URL_SAFE_NO_PAD]
                .iter()
                .find_map(|engine| engine.decode(text).ok())
        };
        bytes
            .and_then(|bytes| <[u8; 32]>::try_from(bytes).ok())
            .map(SecretKey)
            .ok_or_else(|| {
                StoreError::Crypto(
                    "the secret key must be 32 bytes, given as 64 hex digits or base64".into(),
                )
            })
    }

    /// The key as standard base64, the form `parse` reads back.
    pub fn to_base64(&self) -> String {
        STANDARD.encode(self.0)
    }

    /// A key for another of the gateway's own uses (e.g. authenticating the callback URLs it
    /// hands to BBB), derived under `label` as the store derives its own subkeys: independent
    /// of them (labels are prefixed, so none can name one of the store's subkeys) and of every
    /// other label, and the same on every instance with this key.
    pub fn subkey(&self, label: &str) -> [u8; 32] {
        let mut purpose = b"bbb-gateway/use/".to_vec();
        purpose.extend_from_slice(label.as_bytes());
        self.derive(&purpose)
    }

    fn derive(&self, purpose: &[u8]) -> [u8; 32] {
        let mut mac =
            Hmac::<Sha256>::new_from_slice(&self.0).expect("HMAC accepts keys of any length");
        mac.update(purpose);
        mac.finalize().into_bytes().into()
    }
}

impl fmt::Debug for SecretKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SecretKey(***)")
    }
}

impl FromStr for SecretKey {
    type Err = StoreError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        SecretKey::parse(text)
    }
}

/// A secret in plain form. It never shows itself in logs or error messages; `expose` is the one
/// way to read it, so every use is visible in the code.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Self {
        Secret(value.into())
    }

    pub fn expose(&self) -> &str {
        &self.0
    }

    /// A random secret of URL-safe alphanumeric characters.
    pub(crate) fn generate() -> Self {
        Secret(
            rand::rng()
                .sample_iter(Alphanumeric)
                .take(GENERATED_SECRET_LEN)
                .map(char::from)
                .collect(),
        )
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(***)")
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("***")
    }
}

impl From<String> for Secret {
    fn from(value: String) -> Self {
        Secret(value)
    }
}

impl From<&str> for Secret {
    fn from(value: &str) -> Self {
        Secret(value.to_owned())
    }
}

/// What a ciphertext is for. Bound into the AEAD as associated data, so a server secret copied
/// into a token row (or the other way round) does not decrypt.
#[derive(Clone, Copy)]
pub(crate) enum Purpose {
    ServerSecret,
    TokenSecret,
}

impl Purpose {
    fn associated_data(self) -> &'static [u8] {
        match self {
            Purpose::ServerSecret => b"bbb-gateway server secret",
            Purpose::TokenSecret => b"bbb-gateway api token secret",
        }
    }
}

/// Encrypts, decrypts and hashes secrets with the subkeys of one `SecretKey`.
pub(crate) struct Cipher {
    aead: XChaCha20Poly1305,
    hash_key: [u8; 32],
}

impl Cipher {
    pub(crate) fn new(key: &SecretKey) -> Self {
        Cipher {
            aead: XChaCha20Poly1305::new(&key.derive(b"bbb-gateway/aead/v1").into()),
            hash_key: key.derive(b"bbb-gateway/token-hash/v1"),
        }
    }

    /// `v1:` followed by base64 of nonce and ciphertext.
    pub(crate) fn encrypt(&self, purpose: Purpose, secret: &Secret) -> Result<String, StoreError> {
        let nonce_bytes: [u8; NONCE_LEN] = rand::rng().random();
        let nonce = XNonce::from(nonce_bytes);
        let payload = Payload {
            msg: secret.expose().as_bytes(),
            aad: purpose.associated_data(),
        };
        let ciphertext = self
            .aead
            .encrypt(&nonce, payload)
            .map_err(|_| StoreError::Crypto("encryption failed".into()))?;
        let mut sealed = Vec::with_capacity(NONCE_LEN + ciphertext.len());
        sealed.extend_from_slice(&nonce_bytes);
        sealed.extend_from_slice(&ciphertext);
        Ok(format!("{CIPHERTEXT_PREFIX}{}", STANDARD.encode(sealed)))
    }

    pub(crate) fn decrypt(&self, purpose: Purpose, stored: &str) -> Result<Secret, StoreError> {
        let sealed = stored
            .strip_prefix(CIPHERTEXT_PREFIX)
            .and_then(|encoded| STANDARD.decode(encoded).ok())
            .filter(|sealed| sealed.len() > NONCE_LEN)
            .ok_or_else(|| StoreError::Crypto("stored secret is not in a known format".into()))?;
        let (nonce, ciphertext) = sealed.split_at(NONCE_LEN);
        let nonce = XNonce::from(<[u8; NONCE_LEN]>::try_from(nonce).expect("split at NONCE_LEN"));
        let plaintext = self
            .aead
            .decrypt(
                &nonce,
                Payload {
                    msg: ciphertext,
                    aad: purpose.associated_data(),
                },
            )
            .map_err(|_| {
                StoreError::Crypto(
                    "stored secret does not decrypt: wrong secret key or corrupted data".into(),
                )
            })?;
        String::from_utf8(plaintext).map(Secret).map_err(|error| {
            StoreError::Crypto(CryptoError::caused_by(
                "decrypted secret is not UTF-8",
                error,
            ))
        })
    }

    /// Hex HMAC-SHA256 of a token secret: equal secrets give equal hashes (so a unique index
    /// catches duplicates), but without the key the hash cannot be brute-forced offline.
    pub(crate) fn token_hash(&self, secret: &Secret) -> String {
        let mut mac = Hmac::<Sha256>::new_from_slice(&self.hash_key)
            .expect("HMAC accepts keys of any length");
        mac.update(secret.expose().as_bytes());
        hex::encode(mac.finalize().into_bytes())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(byte: u8) -> SecretKey {
        SecretKey::from_bytes([byte; 32])
    }

    #[test]
    fn subkeys_are_stable_and_independent() {
        assert_eq!(key(1).subkey("relay"), key(1).subkey("relay"));
        assert_ne!(key(1).subkey("relay"), key(2).subkey("relay"));
        assert_ne!(key(1).subkey("relay"), key(1).subkey("other"));
        assert_ne!(
            key(1).subkey("aead/v1"),
            key(1).derive(b"bbb-gateway/aead/v1")
        );
        assert_ne!(key(1).subkey("relay"), [1; 32]);
    }

    #[test]
    fn encryption_round_trips_and_hides_the_plaintext() {
        let cipher = Cipher::new(&key(1));
        let secret = Secret::new("a server secret 1234567890");
        let stored = cipher.encrypt(Purpose::ServerSecret, &secret).unwrap();
        assert!(stored.starts_with("v1:"));
        assert!(!stored.contains("server secret"));
        assert_eq!(
            cipher.decrypt(Purpose::ServerSecret, &stored).unwrap(),
            secret
        );
        // A random nonce per encryption: the same secret never gives the same ciphertext.
        assert_ne!(
            cipher.encrypt(Purpose::ServerSecret, &secret).unwrap(),
            stored
        );
    }

    #[test]
    fn wrong_key_wrong_purpose_and_tampering_are_errors_not_panics() {
        let stored = Cipher::new(&key(1))
            .encrypt(Purpose::TokenSecret, &Secret::new("s3cret"))
            .unwrap();
        let other = Cipher::new(&key(2));
        assert!(matches!(
            other.decrypt(Purpose::TokenSecret, &stored),
            Err(StoreError::Crypto(_))
        ));
        let right = Cipher::new(&key(1));
        assert!(matches!(
            right.decrypt(Purpose::ServerSecret, &stored),
            Err(StoreError::Crypto(_))
        ));
        let mut tampered = stored.clone().into_bytes();
        let last = tampered.len() - 3;
        tampered[last] = if tampered[last] == b'A' { b'B' } else { b'A' };
        let tampered = String::from_utf8(tampered).unwrap();
        assert!(right.decrypt(Purpose::TokenSecret, &tampered).is_err());
        assert!(right.decrypt(Purpose::TokenSecret, "plaintext").is_err());
    }

    #[test]
    fn token_hash_is_keyed_and_deterministic() {
        let secret = Secret::new("same secret");
        let one = Cipher::new(&key(1));
        assert_eq!(one.token_hash(&secret), one.token_hash(&secret));
        assert_eq!(one.token_hash(&secret).len(), 64);
        assert_ne!(
            one.token_hash(&secret),
            Cipher::new(&key(2)).token_hash(&secret)
        );
        assert_ne!(
            one.token_hash(&secret),
            one.token_hash(&Secret::new("other"))
        );
    }

    #[test]
    fn secret_key_parses_hex_and_base64_and_rejects_the_rest() {
        let generated = SecretKey::generate();
        let bytes = generated.0;
        assert_eq!(SecretKey::parse(&hex::encode(bytes)).unwrap().0, bytes);
        assert_eq!(SecretKey::parse(&generated.to_base64()).unwrap().0, bytes);
        assert_eq!(
            SecretKey::parse(&URL_SAFE_NO_PAD.encode(bytes)).unwrap().0,
            bytes
        );
        assert!(SecretKey::parse("too short").is_err());
        assert!(SecretKey::parse(&STANDARD.encode([0u8; 16])).is_err());
    }

    #[test]
    fn secrets_never_print_themselves() {
        let secret = Secret::new("hunter2");
        assert_eq!(format!("{secret:?}"), "Secret(***)");
        assert_eq!(format!("{secret}"), "***");
        assert_eq!(format!("{:?}", key(7)), "SecretKey(***)");
        assert_eq!(secret.expose(), "hunter2");
    }

    #[test]
    fn generated_secrets_are_long_random_and_url_safe() {
        let one = Secret::generate();
        assert!(one.expose().len() >= 40);
        assert!(one.expose().bytes().all(|b| b.is_ascii_alphanumeric()));
        assert_ne!(one, Secret::generate());
    }
}
