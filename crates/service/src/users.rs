//! Users: the signed-in user behind a session, the users of external identity providers, and
//! the users that services act on (grantees) — always within the actor's site.

use store::{ExternalProfile, NewUser, Store, StoreError, User};

use crate::permissions::{
    can_create_users, can_list_users, can_see_user, require, require_same_site,
};
use crate::{Actor, ServiceError};

/// How a caller names another user.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UserRef {
    Id(i64),
    Username(String),
}

/// The user `reference` names in the actor's site; NOT_FOUND for unknown users and users of
/// other sites alike.
pub async fn find_in_site(
    store: &Store,
    actor: &Actor,
    reference: &UserRef,
) -> Result<User, ServiceError> {
    let user = match reference {
        UserRef::Id(id) => store.users().get(*id).await?,
        UserRef::Username(username) => store
            .users()
            .find_by_username(actor.site.id, username)
            .await?
            .ok_or(ServiceError::NotFound("user"))?,
    };
    require_same_site(actor, user.site_id, "user")?;
    Ok(user)
}

/// The user `id` as the actor may see them: themselves (no query), or for staff anyone of
/// their site. NOT_FOUND for unknown users and users of other sites, FORBIDDEN for other
/// users of the site when the actor is not staff, UNAUTHENTICATED for anonymous callers.
pub async fn get(store: &Store, actor: &Actor, id: i64) -> Result<User, ServiceError> {
    let viewer = actor.require_user()?;
    if viewer.id == id {
        return Ok(viewer.clone());
    }
    require(
        can_see_user(actor, id),
        "only staff see the other users of the site",
    )?;
    let user = store.users().get(id).await?;
    require_same_site(actor, user.site_id, "user")?;
    Ok(user)
}

/// The user a session token (a JWT this gateway issued) names: NOT_FOUND once the user is
/// deleted. Every authenticated GraphQL request loads its viewer here, so it comes from the
/// store's lookup cache: a change made through this instance counts at once, one made by
/// another instance or the CLI within the configured `lookup_cache_ttl`.
pub async fn session_user(store: &Store, user_id: i64) -> Result<User, ServiceError> {
    Ok(store.users().get_recent(user_id).await?)
}

/// The actor with their user as stored now, for connections that outlive a request and
/// re-check what they may do: a changed role counts, a deleted user is NOT_FOUND. Anonymous
/// actors (and the operator) come back unchanged.
pub async fn refreshed(store: &Store, actor: &Actor) -> Result<Actor, ServiceError> {
    let Some(user) = &actor.user else {
        return Ok(actor.clone());
    };
    let mut refreshed = actor.clone();
    refreshed.user = Some(store.users().get(user.id).await?);
    Ok(refreshed)
}

/// The user `username` of `site_id`, for the login door (which checks the password); `None`
/// for an unknown username.
pub async fn find_for_login(
    store: &Store,
    site_id: i64,
    username: &str,
) -> Result<Option<User>, ServiceError> {
    Ok(store.users().find_by_username(site_id, username).await?)
}

/// The user behind the identity `subject` of the identity provider `issuer`, if seen before.
pub async fn find_external(
    store: &Store,
    issuer: &str,
    subject: &str,
) -> Result<Option<User>, ServiceError> {
    Ok(store.users().find_by_external(issuer, subject).await?)
}

/// Someone an identity provider vouches for, seen for the first time.
#[derive(Debug, Clone)]
pub struct NewExternalUser<'a> {
    /// The provider's issuer URL, as its tokens carry it.
    pub issuer: &'a str,
    pub subject: &'a str,
    /// The username the provider suggests, taken if no user of the site has it yet.
    pub preferred_username: Option<String>,
    /// The username otherwise: one that cannot be taken (the provider-qualified subject).
    pub fallback_username: String,
    pub display_name: String,
    pub email: String,
}

/// The user behind an external identity, created in `site_id` on first sight (two concurrent
/// first logins give one user). A local user may already hold the preferred username: then
/// the user gets the fallback one.
pub async fn create_external(
    store: &Store,
    site_id: i64,
    new: NewExternalUser<'_>,
) -> Result<User, ServiceError> {
    let users = store.users();
    let profile = |username: String| ExternalProfile {
        username,
        display_name: new.display_name.clone(),
        email: new.email.clone(),
    };
    if let Some(preferred) = new.preferred_username.clone() {
        match users
            .find_or_create_external(site_id, new.issuer, new.subject, profile(preferred))
            .await
        {
            Err(StoreError::Duplicate {
                field: "username", ..
            }) => {}
            created => return Ok(created?.0),
        }
    }
    let (user, _) = users
        .find_or_create_external(
            site_id,
            new.issuer,
            new.subject,
            profile(new.fallback_username),
        )
        .await?;
    Ok(user)
}

/// A local user: one who logs in with a password.
#[derive(Debug, Clone)]
pub struct NewLocalUser {
    pub username: String,
    pub display_name: String,
    pub email: String,
    /// The password's argon2 hash (the gateway hashes; the password never comes here).
    pub password_hash: String,
    pub is_staff: bool,
    pub is_superuser: bool,
}

/// Creates a local user in the actor's site. The operator only ([`can_create_users`]).
pub async fn create_local(
    store: &Store,
    actor: &Actor,
    new: NewLocalUser,
) -> Result<User, ServiceError> {
    require(
        can_create_users(actor),
        "users are created by the operator (`bbb-gateway user create`)",
    )?;
    Ok(store
        .users()
        .create(NewUser {
            display_name: new.display_name,
            email: new.email,
            password_hash: Some(new.password_hash),
            is_staff: new.is_staff,
            is_superuser: new.is_superuser,
            ..NewUser::new(actor.site.id, new.username)
        })
        .await?)
}

/// Every user of the actor's site, in id order. Staff ([`can_list_users`]).
pub async fn list(store: &Store, actor: &Actor) -> Result<Vec<User>, ServiceError> {
    actor.require_authenticated()?;
    require(
        can_list_users(actor),
        "only staff see every user of the site",
    )?;
    Ok(store.users().list(actor.site.id).await?)
}
