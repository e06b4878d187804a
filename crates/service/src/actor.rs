//! Who is calling: the site a request was resolved to, the signed-in user if any, and the
//! credential the call came with.

use store::{ApiToken, Site, User};

/// The caller of a service function. Every front door builds one before calling a service:
/// GraphQL from the JWT ([`Actor::user`], [`Actor::anonymous`]), the BBB endpoint from an API
/// token ([`Actor::api_token`]), the CLI as the operator ([`Actor::operator`]).
#[derive(Debug, Clone)]
pub struct Actor {
    pub site: Site,
    /// `None` for anonymous callers (guests joining through a meeting URL) and the operator;
    /// for an API token, the token's owner if it has one.
    pub user: Option<User>,
    /// What the caller proved to be acting.
    pub credential: Credential,
}

/// How an [`Actor`] authenticated.
#[derive(Debug, Clone)]
pub enum Credential {
    /// A signed-in user's session (or none, for an anonymous caller).
    Session,
    /// A BBB API call signed with this token's secret.
    ApiToken(Box<ApiToken>),
    /// Whoever runs the admin CLI on the server: holds the database and the secret key, so
    /// every rule that guards data from other users yields to it.
    Operator,
}

impl Actor {
    pub fn anonymous(site: Site) -> Self {
        Actor {
            site,
            user: None,
            credential: Credential::Session,
        }
    }

    pub fn user(site: Site, user: User) -> Self {
        Actor {
            site,
            user: Some(user),
            credential: Credential::Session,
        }
    }

    /// A BBB API call authenticated with `token` (of `site`), owned by `owner`.
    pub fn api_token(site: Site, token: ApiToken, owner: Option<User>) -> Self {
        Actor {
            site,
            user: owner,
            credential: Credential::ApiToken(Box::new(token)),
        }
    }

    /// The operator at the admin CLI, acting in `site`.
    pub fn operator(site: Site) -> Self {
        Actor {
            site,
            user: None,
            credential: Credential::Operator,
        }
    }

    /// The signed-in user ([`session_user`](Self::session_user)), or
    /// [`ServiceError::Unauthenticated`](crate::ServiceError). An API token's owner is not
    /// one: services that act as the signed-in user (own a new token, list "my" tokens, join
    /// under their name) refuse a token, whose rules are its scope's.
    pub fn require_user(&self) -> Result<&User, crate::ServiceError> {
        self.session_user()
            .ok_or(crate::ServiceError::Unauthenticated)
    }

    /// [`ServiceError::Unauthenticated`](crate::ServiceError) for a caller who is neither
    /// signed in nor the operator: services that refuse anonymous callers but do not act as a
    /// user check this, so the operator (who has no user) passes where a signed-in user would.
    /// An API token does not pass: these services' rules are about users (grants, staff), and
    /// a token reaches the domain only through the functions made for it (`*::for_api_token`).
    pub fn require_authenticated(&self) -> Result<(), crate::ServiceError> {
        if self.is_operator() {
            return Ok(());
        }
        self.require_user().map(|_| ())
    }

    /// The API token the call was signed with, if it came through the BBB endpoint.
    pub fn api_token_used(&self) -> Option<&ApiToken> {
        match &self.credential {
            Credential::ApiToken(token) => Some(token),
            _ => None,
        }
    }

    pub fn is_operator(&self) -> bool {
        matches!(self.credential, Credential::Operator)
    }

    /// The signed-in user of a session. An API token's owner is not: the token acts within
    /// its scope (`permissions::api_token_scope`), never with its owner's flags or grants.
    pub fn session_user(&self) -> Option<&User> {
        match self.credential {
            Credential::Session => self.user.as_ref(),
            Credential::ApiToken(_) | Credential::Operator => None,
        }
    }

    pub fn is_superuser(&self) -> bool {
        self.is_operator() || self.session_user().is_some_and(|u| u.is_superuser)
    }

    pub fn is_staff(&self) -> bool {
        self.is_operator()
            || self
                .session_user()
                .is_some_and(|u| u.is_staff || u.is_superuser)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ServiceError;

    fn unauthenticated<T>(result: Result<T, ServiceError>) -> bool {
        matches!(result, Err(ServiceError::Unauthenticated))
    }

    fn site() -> Site {
        Site {
            id: 1,
            domain: "lms.example".to_owned(),
            name: "lms".to_owned(),
            is_default: true,
        }
    }

    /// An API token's owner is never the signed-in user: that is tested with the other
    /// token rules (`permissions::tests::a_superuser_owner_never_widens_a_token`).
    #[test]
    fn the_operator_is_authenticated_without_being_a_user_anonymous_callers_are_neither() {
        let operator = Actor::operator(site());
        assert!(unauthenticated(operator.require_user()));
        operator.require_authenticated().unwrap();
        let anonymous = Actor::anonymous(site());
        assert!(unauthenticated(anonymous.require_user()));
        assert!(unauthenticated(anonymous.require_authenticated()));
    }
}
