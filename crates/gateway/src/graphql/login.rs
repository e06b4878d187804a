//! The `login` mutation: a local user's username and password for a JWT.

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
    /// give the same UNAUTHENTICATED error, after the same amount of work.
    async fn login(
        &self,
        ctx: &Context<'_>,
        username: String,
        password: String,
    ) -> Result<LoginPayload, GatewayError> {
        let app = ctx.app()?;
        let site = ctx.site()?;
        let user = app
            .store
            .users()
            .find_by_username(site.id, &username)
            .await?;
        let stored_hash = user.as_ref().and_then(|user| user.password_hash.clone());
        let password_matches = tokio::task::spawn_blocking(move || match stored_hash {
            Some(hash) => auth::verify_password(&password, &hash),
            None => {
                auth::verify_against_nothing(&password);
                false
            }
        })
        .await
        .map_err(GatewayError::internal)?;
        let user = user
            .filter(|_| password_matches)
            .ok_or_else(|| GatewayError::unauthenticated("wrong username or password"))?;
        let issued = app.tokens.issue(user.id, user.site_id)?;
        tracing::info!(user_id = user.id, "user logged in");
        Ok(LoginPayload {
            token: issued.token,
            expires_at: issued.expires_at,
            user: UserNode(user),
        })
    }
}
