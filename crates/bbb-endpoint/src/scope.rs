//! What a token may see, decided from the placement table alone (never from metadata a client
//! can set): `token` the meetings it created, `user` those created by any token of its user and
//! those its user owns through GraphQL, `global` everything in its group.
//!
//! A scope never gives more than its owner holds: `global` reaches every meeting of the group
//! as moderator, which through GraphQL only a superuser may, so a `global` token whose owning
//! user is not (or no longer) a superuser of the site sees what a `token` token sees. Only
//! superusers may issue one (`service::permissions::require_may_issue_api_token`); this keeps
//! tokens issued before that rule, and those of a superuser since demoted, from outliving it.
//! A `global` token without an owner was made by the operator (the admin CLI) and stays global.

use std::collections::HashSet;

use store::{ApiToken, Placement, Store, StoreError, TokenScope};

use crate::error::EndpointError;

/// A token's view, with the user's tokens loaded only when a `user` scope needs them.
pub struct Access<'a> {
    pub token: &'a ApiToken,
    store: &'a Store,
    user_tokens: Option<HashSet<i64>>,
    /// The scope the token acts with, once worked out.
    effective_scope: Option<TokenScope>,
}

impl<'a> Access<'a> {
    pub fn new(store: &'a Store, token: &'a ApiToken) -> Self {
        Access {
            token,
            store,
            user_tokens: None,
            effective_scope: None,
        }
    }

    /// The token's scope, `global` held to its owner's rights (see the module's comment).
    async fn effective_scope(&mut self) -> Result<TokenScope, EndpointError> {
        if let Some(scope) = self.effective_scope {
            return Ok(scope);
        }
        let scope = match (self.token.scope, self.token.user_id) {
            // Owners are users of the group's site: GraphQL issues tokens to the caller in
            // their own site's groups, the CLI to users of the group's site.
            // An owner deleted a moment ago (the token goes with them) holds nothing.
            (TokenScope::Global, Some(owner_id)) => match self.store.users().get(owner_id).await {
                Ok(owner) if owner.is_superuser => TokenScope::Global,
                Ok(_) | Err(StoreError::NotFound { .. }) => TokenScope::Token,
                Err(error) => return Err(error.into()),
            },
            (scope, _) => scope,
        };
        self.effective_scope = Some(scope);
        Ok(scope)
    }

    /// The placements of `candidates` inside the token's scope, in their order.
    pub async fn visible(
        &mut self,
        candidates: Vec<Placement>,
    ) -> Result<Vec<Placement>, EndpointError> {
        let group_id = self.token.group_id;
        let scope = self.effective_scope().await?;
        let in_group = candidates.into_iter().filter(|p| p.group_id == group_id);
        match (scope, self.token.user_id) {
            (TokenScope::Global, _) => Ok(in_group.collect()),
            (TokenScope::User, Some(user_id)) => {
                let in_group: Vec<Placement> = in_group.collect();
                let user_tokens = self.user_tokens(user_id).await?.clone();
                let meeting_ids: Vec<i64> = in_group.iter().filter_map(|p| p.meeting_id).collect();
                let owned: HashSet<i64> = if meeting_ids.is_empty() {
                    HashSet::new()
                } else {
                    self.store
                        .meetings()
                        .get_many(&meeting_ids)
                        .await?
                        .into_iter()
                        .filter(|meeting| meeting.owner_id == Some(user_id))
                        .map(|meeting| meeting.id)
                        .collect()
                };
                Ok(in_group
                    .into_iter()
                    .filter(|p| {
                        p.token_id.is_some_and(|id| user_tokens.contains(&id))
                            || p.meeting_id.is_some_and(|id| owned.contains(&id))
                    })
                    .collect())
            }
            // A `user` token without a user cannot exist (CHECK constraint); treat it as `token`.
            (TokenScope::Token | TokenScope::User, _) => {
                let token_id = self.token.id;
                Ok(in_group.filter(|p| p.token_id == Some(token_id)).collect())
            }
        }
    }

    async fn user_tokens(&mut self, user_id: i64) -> Result<&HashSet<i64>, EndpointError> {
        if self.user_tokens.is_none() {
            let ids = self
                .store
                .tokens()
                .list_for_user(user_id)
                .await?
                .into_iter()
                .map(|token| token.id)
                .collect();
            self.user_tokens = Some(ids);
        }
        Ok(self.user_tokens.get_or_insert_default())
    }
}
