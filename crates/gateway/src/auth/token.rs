//! JSON Web Tokens: issuing HS256 tokens to local users, and verifying bearer tokens — the
//! gateway's own (HS256) and those of configured external issuers (RSA, EC or EdDSA keys
//! from PEM text or a JWKS file).
//!
//! The `iss` claim picks the issuer before anything is trusted; the signature is then checked
//! only with that issuer's keys and algorithms, so a token cannot choose how it is verified
//! (no `alg: none`, no HS256 token signed with an RSA issuer's public key).

use std::{collections::HashMap, sync::Arc, time::Duration};

use chrono::{DateTime, Utc};
use jsonwebtoken::{
    Algorithm, AlgorithmFamily, DecodingKey, EncodingKey, Header, Validation,
    errors::{Error as JwtError, ErrorKind},
    jwk::JwkSet,
};
use serde::{Deserialize, Serialize};

use crate::{
    config::{Config, IssuerConfig},
    error::GatewayError,
};

/// Clock skew tolerated on `exp` and `nbf`.
const LEEWAY_SECONDS: u64 = 30;

/// The claims of a token the gateway issues.
#[derive(Debug, Serialize)]
struct LocalClaims<'a> {
    sub: String,
    iss: &'a str,
    aud: &'a str,
    exp: i64,
    iat: i64,
    nbf: i64,
    /// The site the user belongs to: the token is refused on other sites' domains.
    site: i64,
}

/// What the gateway reads from a token after its signature and standard claims are verified.
#[derive(Debug, Deserialize)]
struct VerifiedClaims {
    sub: String,
    /// Required by every validation, which refuses a token without it (with its own message)
    /// before these claims are used; the default only lets that refusal come first.
    #[serde(default)]
    exp: i64,
    #[serde(default)]
    site: Option<i64>,
    #[serde(flatten)]
    profile: ProfileClaims,
}

/// Profile claims (OpenID Connect names) of an external token, used when its subject becomes
/// a user.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct ProfileClaims {
    pub preferred_username: Option<String>,
    pub name: Option<String>,
    pub email: Option<String>,
}

/// The only claim looked at before verification, to pick the issuer.
#[derive(Debug, Deserialize)]
struct UnverifiedIssuer {
    iss: Option<String>,
}

/// A token freshly issued to a local user.
#[derive(Debug, Clone)]
pub struct IssuedToken {
    pub token: String,
    pub expires_at: DateTime<Utc>,
}

/// Issues HS256 tokens to local users.
pub struct TokenIssuer {
    key: EncodingKey,
    issuer: String,
    audience: String,
    ttl: Duration,
}

impl TokenIssuer {
    pub fn from_config(config: &Config) -> Result<Self, GatewayError> {
        Ok(TokenIssuer {
            key: EncodingKey::from_secret(config.jwt_secret()?.as_bytes()),
            issuer: config.jwt.issuer.clone(),
            audience: config.jwt.audience.clone(),
            ttl: config.jwt.ttl,
        })
    }

    pub fn issue(&self, user_id: i64, site_id: i64) -> Result<IssuedToken, GatewayError> {
        let now = Utc::now();
        let expires_at = now
            + chrono::Duration::from_std(self.ttl).map_err(|_| {
                GatewayError::config("jwt.ttl", "a duration shorter than a few centuries")
            })?;
        let claims = LocalClaims {
            sub: user_id.to_string(),
            iss: &self.issuer,
            aud: &self.audience,
            exp: expires_at.timestamp(),
            iat: now.timestamp(),
            nbf: now.timestamp(),
            site: site_id,
        };
        let token = jsonwebtoken::encode(&Header::new(Algorithm::HS256), &claims, &self.key)
            .map_err(GatewayError::failed("signing a token"))?;
        Ok(IssuedToken { token, expires_at })
    }
}

/// Whom a verified token speaks for.
#[derive(Debug, Clone)]
pub enum TokenSubject {
    /// A local user, from a token the gateway issued.
    Local { user_id: i64, site_id: Option<i64> },
    /// A subject of an external issuer; mapping it to a user is the caller's job.
    External {
        issuer: Arc<IssuerConfig>,
        subject: String,
        profile: ProfileClaims,
    },
}

/// Verifies bearer tokens of every accepted issuer.
pub struct TokenVerifier {
    local_issuer: String,
    local_key: DecodingKey,
    local_validation: Validation,
    external: Vec<ExternalIssuer>,
    /// Tokens that passed verification, with what it gave. A client sends the same token on
    /// every request; the keys and rules it was checked against are fixed for the life of the
    /// process, and time only moves on, so the one check that can turn a verified token into a
    /// refused one is its expiry, done again on every use. Refused tokens are never kept.
    verified: moka::sync::Cache<String, (TokenSubject, i64)>,
}

/// What the verified tokens may hold in all, in bytes of token text.
const VERIFIED_TOKENS_BYTES: u64 = 2 * 1024 * 1024;

struct ExternalIssuer {
    config: Arc<IssuerConfig>,
    keys: IssuerKeys,
    validation: Validation,
}

enum IssuerKeys {
    /// One PEM key for every token of the issuer.
    Single(DecodingKey),
    /// JWKS keys by `kid`, with the algorithm a key is restricted to, if any.
    ByKeyId(HashMap<String, (DecodingKey, Option<Algorithm>)>),
}

impl TokenVerifier {
    /// Builds the verifier, reading every issuer's keys; errors name the offending key.
    pub fn from_config(config: &Config) -> Result<Self, GatewayError> {
        let external = config
            .issuers
            .iter()
            .enumerate()
            .map(|(index, issuer)| {
                ExternalIssuer::from_config(issuer, &format!("issuers[{index}]"))
            })
            .collect::<Result<_, _>>()?;
        Ok(TokenVerifier {
            local_issuer: config.jwt.issuer.clone(),
            local_key: DecodingKey::from_secret(config.jwt_secret()?.as_bytes()),
            local_validation: validation(
                &[Algorithm::HS256],
                &config.jwt.issuer,
                &config.jwt.audience,
            ),
            external,
            verified: moka::sync::Cache::builder()
                .max_capacity(VERIFIED_TOKENS_BYTES)
                .weigher(|token: &String, _| u32::try_from(token.len()).unwrap_or(u32::MAX))
                .time_to_idle(Duration::from_secs(15 * 60))
                .build(),
        })
    }

    /// Checks the token's signature, algorithm, issuer, audience and validity period.
    pub fn verify(&self, token: &str) -> Result<TokenSubject, GatewayError> {
        self.verify_until(token).map(|(subject, _)| subject)
    }

    /// [`Self::verify`], with the token's expiry (`exp`, seconds since the epoch): a
    /// long-lived connection ends with its credentials.
    pub fn verify_until(&self, token: &str) -> Result<(TokenSubject, i64), GatewayError> {
        if let Some((subject, expires_at)) = self.verified.get(token) {
            // jsonwebtoken's rule: expired once `exp` is more than the leeway in the past.
            let leeway = i64::try_from(LEEWAY_SECONDS).unwrap_or(i64::MAX);
            if expires_at.saturating_add(leeway) >= Utc::now().timestamp() {
                return Ok((subject, expires_at));
            }
            self.verified.invalidate(token);
        }
        let verified = self.verify_signed(token)?;
        self.verified.insert(token.to_owned(), verified.clone());
        Ok(verified)
    }

    /// The checks of [`Self::verify_until`], on the token's text.
    fn verify_signed(&self, token: &str) -> Result<(TokenSubject, i64), GatewayError> {
        // An unknown `alg` (including "none") already fails here.
        let header = jsonwebtoken::decode_header(token).map_err(refusal)?;
        let claimed_issuer =
            jsonwebtoken::dangerous::insecure_decode_claims::<UnverifiedIssuer>(token)
                .map_err(refusal)?
                .iss
                .ok_or_else(|| GatewayError::unauthenticated("token has no issuer (iss)"))?;

        if claimed_issuer == self.local_issuer {
            let claims = decode(token, &self.local_key, &self.local_validation)?;
            let user_id = claims
                .sub
                .parse()
                .map_err(|_| GatewayError::unauthenticated("token subject is not a user id"))?;
            return Ok((
                TokenSubject::Local {
                    user_id,
                    site_id: claims.site,
                },
                claims.exp,
            ));
        }

        let issuer = self
            .external
            .iter()
            .find(|issuer| issuer.config.issuer == claimed_issuer)
            .ok_or_else(|| GatewayError::unauthenticated("token issuer not accepted"))?;
        let key = issuer.key_for(&header)?;
        let claims = decode(token, key, &issuer.validation)?;
        Ok((
            TokenSubject::External {
                issuer: issuer.config.clone(),
                subject: claims.sub,
                profile: claims.profile,
            },
            claims.exp,
        ))
    }
}

impl ExternalIssuer {
    fn from_config(config: &IssuerConfig, key_name: &str) -> Result<Self, GatewayError> {
        let family = config.algorithm_family().ok_or_else(|| {
            GatewayError::config(
                format!("{key_name}.algorithms"),
                "a non-empty list of algorithms of one family",
            )
        })?;
        let keys = match (&config.public_key_pem, &config.jwks_file) {
            (Some(pem), None) => {
                IssuerKeys::Single(pem_key(family, pem.as_bytes()).ok_or_else(|| {
                    GatewayError::config(
                        format!("{key_name}.public_key_pem"),
                        format!("a PEM public key of the {family:?} family"),
                    )
                })?)
            }
            (None, Some(path)) => {
                IssuerKeys::ByKeyId(jwks_keys(family, path, &format!("{key_name}.jwks_file"))?)
            }
            _ => {
                return Err(GatewayError::config(
                    format!("{key_name}.public_key_pem"),
                    "exactly one of `public_key_pem` and `jwks_file`",
                ));
            }
        };
        Ok(ExternalIssuer {
            validation: validation(&config.algorithms, &config.issuer, &config.audience),
            config: Arc::new(config.clone()),
            keys,
        })
    }

    fn key_for(&self, header: &Header) -> Result<&DecodingKey, GatewayError> {
        match &self.keys {
            IssuerKeys::Single(key) => Ok(key),
            IssuerKeys::ByKeyId(keys) => {
                let kid = header
                    .kid
                    .as_deref()
                    .ok_or_else(|| GatewayError::unauthenticated("token has no key id (kid)"))?;
                match keys.get(kid) {
                    Some((_, Some(restricted_to))) if *restricted_to != header.alg => Err(
                        GatewayError::unauthenticated("token algorithm not accepted"),
                    ),
                    Some((key, _)) => Ok(key),
                    None => Err(GatewayError::unauthenticated("token key id (kid) unknown")),
                }
            }
        }
    }
}

fn validation(algorithms: &[Algorithm], issuer: &str, audience: &str) -> Validation {
    let mut validation = Validation::new(algorithms[0]);
    validation.algorithms = algorithms.to_vec();
    validation.set_issuer(&[issuer]);
    validation.set_audience(&[audience]);
    validation.set_required_spec_claims(&["exp", "iss", "aud", "sub"]);
    validation.validate_nbf = true;
    validation.leeway = LEEWAY_SECONDS;
    validation
}

fn decode(
    token: &str,
    key: &DecodingKey,
    validation: &Validation,
) -> Result<VerifiedClaims, GatewayError> {
    jsonwebtoken::decode::<VerifiedClaims>(token, key, validation)
        .map(|data| data.claims)
        .map_err(refusal)
}

fn pem_key(family: AlgorithmFamily, pem: &[u8]) -> Option<DecodingKey> {
    match family {
        AlgorithmFamily::Rsa => DecodingKey::from_rsa_pem(pem).ok(),
        AlgorithmFamily::Ec => DecodingKey::from_ec_pem(pem).ok(),
        AlgorithmFamily::Ed => DecodingKey::from_ed_pem(pem).ok(),
        AlgorithmFamily::Hmac => None,
    }
}

/// The keys of a JWKS file usable for `family`, by `kid`. Keys of other families (a provider's
/// JWKS often mixes them) are skipped; a file without any usable key is an error.
fn jwks_keys(
    family: AlgorithmFamily,
    path: &std::path::Path,
    key_name: &str,
) -> Result<HashMap<String, (DecodingKey, Option<Algorithm>)>, GatewayError> {
    let text = std::fs::read_to_string(path).map_err(|error| {
        GatewayError::config(
            key_name,
            format!("a readable JWKS file ({}: {error})", path.display()),
        )
    })?;
    let set: JwkSet = serde_json::from_str(&text).map_err(|error| {
        GatewayError::config(
            key_name,
            format!("a JWKS document ({}: {error})", path.display()),
        )
    })?;
    let keys: HashMap<_, _> = set
        .keys
        .iter()
        .filter_map(|jwk| {
            let kid = jwk.common.key_id.clone()?;
            let key = DecodingKey::from_jwk(jwk).ok()?;
            let restricted_to = jwk
                .common
                .key_algorithm
                .and_then(|algorithm| algorithm.to_string().parse().ok());
            (key.family() == family).then_some((kid, (key, restricted_to)))
        })
        .collect();
    if keys.is_empty() {
        return Err(GatewayError::config(
            key_name,
            format!("a JWKS file with at least one {family:?} key that has a `kid`"),
        ));
    }
    Ok(keys)
}

/// Every refusal is UNAUTHENTICATED; the message says which check failed, never anything about
/// the keys.
fn refusal(error: JwtError) -> GatewayError {
    GatewayError::unauthenticated(match error.kind() {
        ErrorKind::ExpiredSignature => "token expired".to_owned(),
        ErrorKind::ImmatureSignature => "token not yet valid".to_owned(),
        ErrorKind::InvalidIssuer => "token issuer not accepted".to_owned(),
        ErrorKind::InvalidAudience => "token audience not accepted".to_owned(),
        ErrorKind::InvalidSignature => "token signature invalid".to_owned(),
        ErrorKind::InvalidAlgorithm | ErrorKind::InvalidAlgorithmName => {
            "token algorithm not accepted".to_owned()
        }
        ErrorKind::MissingRequiredClaim(claim) => format!("token has no `{claim}` claim"),
        _ => "malformed token".to_owned(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::{Value, json};

    const RSA_PRIVATE: &str = include_str!("../../tests/keys/rsa-private.TEST-ONLY.pem");
    const RSA_PUBLIC: &str = include_str!("../../tests/keys/rsa-public.pem");
    const RSA_OTHER_PRIVATE: &str =
        include_str!("../../tests/keys/rsa-other-private.TEST-ONLY.pem");
    const EC_PRIVATE: &str = include_str!("../../tests/keys/ec-private.TEST-ONLY.pem");
    const EC_PUBLIC: &str = include_str!("../../tests/keys/ec-public.pem");
    const ED_PRIVATE: &str = include_str!("../../tests/keys/ed25519-private.TEST-ONLY.pem");
    const ED_PUBLIC: &str = include_str!("../../tests/keys/ed25519-public.pem");
    const JWKS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/keys/jwks.json");

    const LOCAL_SECRET: &str = "test-only-jwt-secret-0123456789abcdef";

    fn issuer(name: &str, algorithm: Algorithm, pem: Option<&str>) -> IssuerConfig {
        IssuerConfig {
            name: name.to_owned(),
            issuer: format!("https://{name}.example"),
            audience: "bbb-gateway-tests".to_owned(),
            algorithms: vec![algorithm],
            public_key_pem: pem.map(str::to_owned),
            jwks_file: pem.is_none().then(|| JWKS.into()),
            create_users: true,
            site: None,
        }
    }

    fn config() -> Config {
        let mut config = Config::default();
        config.jwt.secret = Some(crate::config::Secret::new(LOCAL_SECRET.to_owned()));
        config.issuers = vec![
            issuer("rsa", Algorithm::RS256, Some(RSA_PUBLIC)),
            issuer("ec", Algorithm::ES256, Some(EC_PUBLIC)),
            issuer("ed", Algorithm::EdDSA, Some(ED_PUBLIC)),
            issuer("jwks", Algorithm::RS256, None),
        ];
        config
    }

    fn verifier() -> TokenVerifier {
        TokenVerifier::from_config(&config()).unwrap()
    }

    fn now() -> i64 {
        Utc::now().timestamp()
    }

    fn claims(iss: &str, aud: &str) -> Value {
        json!({ "sub": "alice", "iss": iss, "aud": aud, "iat": now(), "nbf": now(), "exp": now() + 600 })
    }

    fn sign(header: Header, claims: &Value, key: &EncodingKey) -> String {
        jsonwebtoken::encode(&header, claims, key).unwrap()
    }

    fn rsa_token(claims: &Value) -> String {
        let key = EncodingKey::from_rsa_pem(RSA_PRIVATE.as_bytes()).unwrap();
        sign(Header::new(Algorithm::RS256), claims, &key)
    }

    fn refusal_message(token: &str) -> String {
        match verifier().verify(token) {
            Err(GatewayError::Unauthenticated(message)) => message,
            other => panic!("expected UNAUTHENTICATED, got {other:?}"),
        }
    }

    fn b64(value: &Value) -> String {
        use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
        URL_SAFE_NO_PAD.encode(value.to_string())
    }

    #[test]
    fn issued_tokens_verify_as_the_local_user() {
        let issued = TokenIssuer::from_config(&config())
            .unwrap()
            .issue(42, 7)
            .unwrap();
        assert!(issued.expires_at > Utc::now() + chrono::Duration::hours(11));
        match verifier().verify(&issued.token).unwrap() {
            TokenSubject::Local { user_id, site_id } => {
                assert_eq!((user_id, site_id), (42, Some(7)));
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn each_external_key_type_verifies() {
        let cases = [
            (
                "rsa",
                Algorithm::RS256,
                EncodingKey::from_rsa_pem(RSA_PRIVATE.as_bytes()).unwrap(),
                None,
            ),
            (
                "ec",
                Algorithm::ES256,
                EncodingKey::from_ec_pem(EC_PRIVATE.as_bytes()).unwrap(),
                None,
            ),
            (
                "ed",
                Algorithm::EdDSA,
                EncodingKey::from_ed_pem(ED_PRIVATE.as_bytes()).unwrap(),
                None,
            ),
            (
                "jwks",
                Algorithm::RS256,
                EncodingKey::from_rsa_pem(RSA_PRIVATE.as_bytes()).unwrap(),
                Some("test-rsa"),
            ),
        ];
        for (name, algorithm, key, kid) in cases {
            let mut header = Header::new(algorithm);
            header.kid = kid.map(str::to_owned);
            let token = sign(
                header,
                &claims(&format!("https://{name}.example"), "bbb-gateway-tests"),
                &key,
            );
            match verifier().verify(&token) {
                Ok(TokenSubject::External {
                    issuer, subject, ..
                }) => {
                    assert_eq!((issuer.name.as_str(), subject.as_str()), (name, "alice"));
                }
                other => panic!("{name}: {other:?}"),
            }
        }
    }

    #[test]
    fn refuses_alg_none() {
        let header = json!({ "alg": "none", "typ": "JWT" });
        let token = format!(
            "{}.{}.",
            b64(&header),
            b64(&claims("bbb-gateway", "bbb-gateway"))
        );
        assert_eq!(refusal_message(&token), "malformed token");
        let unsigned_rsa = format!(
            "{}.{}.",
            b64(&json!({"alg": "none"})),
            b64(&claims("https://rsa.example", "bbb-gateway-tests"))
        );
        assert_eq!(refusal_message(&unsigned_rsa), "malformed token");
    }

    #[test]
    fn refuses_hs256_signed_with_the_rsa_public_key() {
        let key = EncodingKey::from_secret(RSA_PUBLIC.as_bytes());
        let token = sign(
            Header::new(Algorithm::HS256),
            &claims("https://rsa.example", "bbb-gateway-tests"),
            &key,
        );
        assert_eq!(refusal_message(&token), "token algorithm not accepted");
    }

    #[test]
    fn refuses_asymmetric_tokens_claiming_the_local_issuer() {
        let token = rsa_token(&claims("bbb-gateway", "bbb-gateway"));
        assert_eq!(refusal_message(&token), "token algorithm not accepted");
    }

    #[test]
    fn refuses_another_algorithm_of_the_issuer_family_when_not_configured() {
        let key = EncodingKey::from_rsa_pem(RSA_PRIVATE.as_bytes()).unwrap();
        let token = sign(
            Header::new(Algorithm::RS512),
            &claims("https://rsa.example", "bbb-gateway-tests"),
            &key,
        );
        assert_eq!(refusal_message(&token), "token algorithm not accepted");
    }

    #[test]
    fn refuses_a_wrong_key() {
        let other = EncodingKey::from_rsa_pem(RSA_OTHER_PRIVATE.as_bytes()).unwrap();
        let token = sign(
            Header::new(Algorithm::RS256),
            &claims("https://rsa.example", "bbb-gateway-tests"),
            &other,
        );
        assert_eq!(refusal_message(&token), "token signature invalid");

        let wrong_secret = EncodingKey::from_secret(b"another-secret-of-enough-length-0123456789");
        let token = sign(
            Header::new(Algorithm::HS256),
            &json!({ "sub": "1", "iss": "bbb-gateway", "aud": "bbb-gateway", "exp": now() + 60 }),
            &wrong_secret,
        );
        assert_eq!(refusal_message(&token), "token signature invalid");
    }

    #[test]
    fn refuses_a_wrong_issuer() {
        let token = rsa_token(&claims("https://evil.example", "bbb-gateway-tests"));
        assert_eq!(refusal_message(&token), "token issuer not accepted");
        let mut without_iss = claims("x", "bbb-gateway-tests");
        without_iss.as_object_mut().unwrap().remove("iss");
        assert_eq!(
            refusal_message(&rsa_token(&without_iss)),
            "token has no issuer (iss)"
        );
    }

    #[test]
    fn refuses_a_wrong_or_missing_audience() {
        let token = rsa_token(&claims("https://rsa.example", "someone-else"));
        assert_eq!(refusal_message(&token), "token audience not accepted");
        let mut without_aud = claims("https://rsa.example", "x");
        without_aud.as_object_mut().unwrap().remove("aud");
        assert_eq!(
            refusal_message(&rsa_token(&without_aud)),
            "token has no `aud` claim"
        );
    }

    #[test]
    fn refuses_expired_tokens() {
        let mut expired = claims("https://rsa.example", "bbb-gateway-tests");
        expired["exp"] = json!(now() - 120);
        assert_eq!(refusal_message(&rsa_token(&expired)), "token expired");
        let mut eternal = claims("https://rsa.example", "bbb-gateway-tests");
        eternal.as_object_mut().unwrap().remove("exp");
        assert_eq!(
            refusal_message(&rsa_token(&eternal)),
            "token has no `exp` claim"
        );
    }

    #[test]
    fn a_token_verified_before_is_refused_once_it_expires() {
        let verifier = verifier();
        let leeway = i64::try_from(LEEWAY_SECONDS).unwrap();
        let mut short_lived = claims("https://rsa.example", "bbb-gateway-tests");
        // Valid for one more second, counting the leeway.
        short_lived["exp"] = json!(now() - leeway + 1);
        let token = rsa_token(&short_lived);
        assert!(verifier.verify(&token).is_ok());
        assert!(
            verifier.verify(&token).is_ok(),
            "again, from the verified tokens"
        );
        std::thread::sleep(Duration::from_millis(2100));
        match verifier.verify(&token) {
            Err(GatewayError::Unauthenticated(message)) => assert_eq!(message, "token expired"),
            other => panic!("expected UNAUTHENTICATED, got {other:?}"),
        }
    }

    #[test]
    fn a_refused_token_is_refused_every_time() {
        let verifier = verifier();
        let mut forged = rsa_token(&claims("https://rsa.example", "bbb-gateway-tests"));
        forged.push('x');
        for _ in 0..2 {
            assert!(matches!(
                verifier.verify(&forged),
                Err(GatewayError::Unauthenticated(_))
            ));
        }
    }

    #[test]
    fn refuses_not_yet_valid_tokens() {
        let mut early = claims("https://rsa.example", "bbb-gateway-tests");
        early["nbf"] = json!(now() + 300);
        assert_eq!(refusal_message(&rsa_token(&early)), "token not yet valid");
    }

    #[test]
    fn refuses_jwks_tokens_without_a_known_kid() {
        let key = EncodingKey::from_rsa_pem(RSA_PRIVATE.as_bytes()).unwrap();
        let jwks_claims = claims("https://jwks.example", "bbb-gateway-tests");
        let token = sign(Header::new(Algorithm::RS256), &jwks_claims, &key);
        assert_eq!(refusal_message(&token), "token has no key id (kid)");
        let mut header = Header::new(Algorithm::RS256);
        header.kid = Some("nobody".to_owned());
        assert_eq!(
            refusal_message(&sign(header, &jwks_claims, &key)),
            "token key id (kid) unknown"
        );
    }

    #[test]
    fn refuses_local_tokens_whose_subject_is_no_user_id() {
        let key = EncodingKey::from_secret(LOCAL_SECRET.as_bytes());
        let token = sign(
            Header::new(Algorithm::HS256),
            &claims("bbb-gateway", "bbb-gateway"),
            &key,
        );
        assert_eq!(refusal_message(&token), "token subject is not a user id");
    }

    #[test]
    fn refuses_garbage() {
        for garbage in ["", "abc", "a.b.c", "..."] {
            assert_eq!(refusal_message(garbage), "malformed token", "{garbage:?}");
        }
    }

    #[test]
    fn keys_of_the_wrong_family_are_a_config_error() {
        let mut config = config();
        config.issuers = vec![issuer("rsa", Algorithm::RS256, Some(EC_PUBLIC))];
        match TokenVerifier::from_config(&config) {
            Err(GatewayError::Config { key, .. }) => assert_eq!(key, "issuers[0].public_key_pem"),
            Err(other) => panic!("{other:?}"),
            Ok(_) => panic!("an EC key was accepted for RS256"),
        }
        config.issuers = vec![issuer("jwks", Algorithm::PS384, None)];
        assert!(
            TokenVerifier::from_config(&config).is_ok(),
            "the JWKS has an RSA key"
        );
        config.issuers = vec![issuer("jwks", Algorithm::ES384, None)];
        assert!(
            TokenVerifier::from_config(&config).is_ok(),
            "the JWKS has an EC key"
        );
    }
}
