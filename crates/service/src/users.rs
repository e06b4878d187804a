//! Finding the users that services act on (grantees), always within the actor's site.

use store::{Store, User};

use crate::permissions::require_same_site;
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
