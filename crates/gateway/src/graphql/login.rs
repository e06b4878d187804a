//! The `login` mutation: a local user's username and password for a JWT.
//!
//! Password guessing is bounded three ways: one `login` per request, a batch
//! as a whole (`super::prepare_operations`, on every transport), failed logins
//! throttled per username and per client, and argon2 verifications run at most
//! `login.concurrency` at a time (both in [`crate::auth::LoginThrottle`]).

use async_graphql::{Context, Object, SimpleObject};
use chrono::{DateTime, Utc};

use super::{GatewayContext, user::UserNode};
use crate::{auth, error::GatewayError};

/// A token for `Authorization: Bearer …` and whom it authenticates.
#[derive(SimpleObject)]
pub struct LoginPayload {
    pub token: String,
    pub expires_at: DateTime<Utc>,
    pub user: UserNode,
}

#[derive(Default)]
pub struct LoginMutations;

#[Object]
impl LoginMutations {
    /// Logs a local user of the request's site in. A wrong password and an unknown username
    /// give the same UNAUTHENTICATED error, after the same amount of work. One `login` per
    /// request (BAD_USER_INPUT otherwise, before any password is checked). After
    /// `login.max_failures_per_user` failures of a username, or `login.max_failures_per_client`
    /// from one client, within `login.window`: RATE_LIMITED with `extensions.retryAfter`
    /// (seconds), even for the right password.
    async fn login(
        &self,
        ctx: &Context<'_>,
        username: String,
        password: String,
    ) -> Result<LoginPayload, GatewayError> {
        let app = ctx.app()?;
        let request = ctx.request()?;
        let site = &request.actor.site;
        // Charged before any work: concurrent guesses cannot pass the limit together. A
        // failure below leaves the charge in place.
        let attempt = app
            .login_throttle
            .admit(site.id, username.trim(), request.client_address)?;
        let user = service::users::find_for_login(&app.store, site.id, &username).await?;
        let stored_hash = user.as_ref().and_then(|user| user.password_hash.clone());
        let permit = app.login_throttle.verification_permit().await?;
        let password_matches = tokio::task::spawn_blocking(move || match stored_hash {
            Some(hash) => auth::verify_password(&password, &hash),
            None => {
                auth::verify_against_nothing(&password);
                false
            }
        })
        .await
        .map_err(GatewayError::failed("the password verification task"))?;
        drop(permit);
        let user = user
            .filter(|_| password_matches)
            .ok_or_else(|| GatewayError::unauthenticated("wrong username or password"))?;
        attempt.succeeded();
        let issued = app.tokens.issue(user.id, user.site_id)?;
        tracing::info!(user_id = user.id, "user logged in");
        Ok(LoginPayload {
            token: issued.token,
            expires_at: issued.expires_at,
            user: UserNode(user),
        })
    }
}

#[cfg(test)]
mod tests {
    use async_graphql::Request;

    fn login_fields(request: &mut Request) -> usize {
        crate::graphql::limits::mutation_fields(request, Some("login"))
    }

    fn logins(query: &str) -> usize {
        login_fields(&mut Request::new(query))
    }

    #[test]
    fn every_executed_login_is_counted() {
        assert_eq!(
            logins("mutation { login(username: \"a\", password: \"b\") { token } }"),
            1
        );
        assert_eq!(
            logins(
                "mutation { a: login(username: \"a\", password: \"b\") { token } b: login(username: \"a\", password: \"c\") { token } }"
            ),
            2
        );
        // Fragments, spread twice, nested, inline.
        let fragments = "mutation { ...F ...F } fragment F on Mutation { ... on Mutation { ...G } } fragment G on Mutation { login(username: \"a\", password: \"b\") { token } }";
        assert_eq!(logins(fragments), 2);
        // Queries select no login; a named operation counts alone.
        assert_eq!(logins("{ login }"), 0);
        let mut named = Request::new(
            "mutation One { login(username: \"a\", password: \"b\") { token } } mutation Two { a: login(username: \"a\", password: \"b\") { token } b: login(username: \"a\", password: \"b\") { token } }",
        )
        .operation_name("One");
        assert_eq!(login_fields(&mut named), 1);
        assert_eq!(
            logins("mutation { login( "),
            0,
            "unparsable: execution reports it"
        );
    }
}
