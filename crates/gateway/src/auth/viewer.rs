//! The viewer: who the request speaks for, resolved once per request from its bearer token
//! and the site its Host header picked.

use store::{ExternalProfile, Site, Store, User};

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
            let user = match store.users().get(user_id).await {
                Err(store::StoreError::NotFound { .. }) => {
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
    if let Some(user) = store
        .users()
        .find_by_external(&issuer.issuer, subject)
        .await?
    {
        return Ok(user);
    }
    if !issuer.create_users {
        return Err(GatewayError::unauthenticated("unknown user"));
    }
    let site_id = match &issuer.site {
        None => request_site.id,
        Some(domain) => {
            store
                .sites()
                .find_by_domain(domain)
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
    let preferred = profile
        .preferred_username
        .filter(|name| !name.trim().is_empty());
    let new_profile = |username: String| ExternalProfile {
        username,
        display_name: profile.name.clone().unwrap_or_default(),
        email: profile.email.clone().unwrap_or_default(),
    };
    // A local user may already hold the preferred name; the issuer-qualified subject is unique.
    let qualified = format!("{}:{subject}", issuer.name);
    let users = store.users();
    let created = match preferred {
        Some(username) => {
            match users
                .find_or_create_external(site_id, &issuer.issuer, subject, new_profile(username))
                .await
            {
                Err(error) if is_duplicate_username(&error) => None,
                other => Some(other?),
            }
        }
        None => None,
    };
    let (user, _) = match created {
        Some(created) => created,
        None => {
            users
                .find_or_create_external(site_id, &issuer.issuer, subject, new_profile(qualified))
                .await?
        }
    };
    tracing::debug!(user_id = user.id, issuer = %issuer.name, "external user resolved");
    Ok(user)
}

fn is_duplicate_username(error: &store::StoreError) -> bool {
    matches!(
        error,
        store::StoreError::Duplicate {
            field: "username",
            ..
        }
    )
}
