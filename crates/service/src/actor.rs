//! Who is calling: the site a request was resolved to, and the signed-in user, if any.

use store::{Site, User};

/// The caller of a service function. Every front door builds one (GraphQL from the JWT, the
/// CLI as an operator, the BBB endpoint from an API token's owner) before calling a service.
#[derive(Debug, Clone)]
pub struct Actor {
    pub site: Site,
    /// `None` for anonymous callers (guests joining through a meeting URL).
    pub user: Option<User>,
}

impl Actor {
    pub fn anonymous(site: Site) -> Self {
        Actor { site, user: None }
    }

    pub fn user(site: Site, user: User) -> Self {
        Actor {
            site,
            user: Some(user),
        }
    }

    /// The signed-in user, or [`ServiceError::Unauthenticated`](crate::ServiceError).
    pub fn require_user(&self) -> Result<&User, crate::ServiceError> {
        self.user
            .as_ref()
            .ok_or(crate::ServiceError::Unauthenticated)
    }

    pub fn is_superuser(&self) -> bool {
        self.user.as_ref().is_some_and(|u| u.is_superuser)
    }

    pub fn is_staff(&self) -> bool {
        self.user
            .as_ref()
            .is_some_and(|u| u.is_staff || u.is_superuser)
    }
}
