//! The viewer: who the request speaks for, resolved once per request from its bearer token
//! and the site its Host header picked.

use service::model::{Site, User};
use service::users::NewExternalUser;
use service::{ServiceError, Store};

use super::token::{ProfileClaims, TokenSubject, TokenVerifier};
use crate::{config::IssuerConfig, error::GatewayError};

/// Who is calling: nobody, or a user of the request's site.
#[derive(Debug, Clone)]
pub enum Viewer {
    Anonymous,
    User(User),
}

impl Viewer {
    pub fn user(&self) -> Option<&User> {
        match self {
            Viewer::Anonymous => None,
            Viewer::User(user) => Some(user),
        }
    }

    /// The user, or UNAUTHENTICATED for anonymous callers.
    pub fn require_user(&self) -> Result<&User, GatewayError> {
        self.user()
            .ok_or_else(|| GatewayError::unauthenticated("log in to do this"))
    }
}

/// Resolves the `Authorization` header of a request on `site`. No header is an anonymous
/// viewer; a header that is not a valid bearer token for a user of `site` is UNAUTHENTICATED.
pub async fn authenticate(
    store: &Store,
    verifier: &TokenVerifier,
    site: &Site,
    authorization: Option<&str>,
) -> Result<Viewer, GatewayError> {
    authenticate_until(store, verifier, site, authorization)
        .await
        .map(|(viewer, _)| viewer)
}

/// [`authenticate`], with the expiry of the credentials (`exp`, seconds since the epoch; `None`
/// for an anonymous viewer), for connections that outlive a request.
pub async fn authenticate_until(
    store: &Store,
    verifier: &TokenVerifier,
    site: &Site,
    authorization: Option<&str>,
) -> Result<(Viewer, Option<i64>), GatewayError> {
    let Some(authorization) = authorization else {
        return Ok((Viewer::Anonymous, None));
    };
    let token = bearer_token(authorization)?;
    let (subject, expires_at) = verifier.verify_until(token)?;
    let user = match subject {
        TokenSubject::Local { user_id, site_id } => {
            let user = match service::users::session_user(store, user_id).await {
                Err(ServiceError::NotFound(_)) => {
                    return Err(GatewayError::unauthenticated("token user no longer exists"));
                }
                found => found?,
            };
            if site_id.is_some_and(|site_id| site_id != user.site_id) {
                return Err(GatewayError::unauthenticated("token is for another site"));
            }
            user
        }
        TokenSubject::External {
            issuer,
            subject,
            profile,
        } => external_user(store, &issuer, site, &subject, profile).await?,
    };
    if user.site_id != site.id {
        return Err(GatewayError::unauthenticated("token is for another site"));
    }
    Ok((Viewer::User(user), Some(expires_at)))
}

fn bearer_token(authorization: &str) -> Result<&str, GatewayError> {
    let (scheme, token) = authorization
        .trim()
        .split_once(' ')
        .ok_or_else(|| GatewayError::unauthenticated("expected `Authorization: Bearer <token>`"))?;
    if !scheme.eq_ignore_ascii_case("bearer") || token.trim().is_empty() {
        return Err(GatewayError::unauthenticated(
            "expected `Authorization: Bearer <token>`",
        ));
    }
    Ok(token.trim())
}

/// The user behind an external identity; created on first sight when the issuer allows it, in
/// the issuer's configured site or else the request's.
async fn external_user(
    store: &Store,
    issuer: &IssuerConfig,
    request_site: &Site,
    subject: &str,
    profile: ProfileClaims,
) -> Result<User, GatewayError> {
    if let Some(user) = service::users::find_external(store, &issuer.issuer, subject).await? {
        return Ok(user);
    }
    if !issuer.create_users {
        return Err(GatewayError::unauthenticated("unknown user"));
    }
    let site_id = match &issuer.site {
        None => request_site.id,
        Some(domain) => {
            service::sites::find_by_domain(store, domain)
                .await?
                .ok_or_else(|| {
                    GatewayError::config(
                        format!("issuers.{}.site", issuer.name),
                        format!("the domain of an existing site, but there is no site {domain}"),
                    )
                })?
                .id
        }
    };
    let new_user = NewExternalUser {
        issuer: &issuer.issuer,
        subject,
        preferred_username: profile
            .preferred_username
            .filter(|name| !name.trim().is_empty()),
        // A local user may already hold the preferred name; the issuer-qualified subject is
        // unique.
        fallback_username: format!("{}:{subject}", issuer.name),
        display_name: profile.name.unwrap_or_default(),
        email: profile.email.unwrap_or_default(),
    };
    let user = service::users::create_external(store, site_id, new_user).await?;
    tracing::debug!(user_id = user.id, issuer = %issuer.name, "external user resolved");
    Ok(user)
}
