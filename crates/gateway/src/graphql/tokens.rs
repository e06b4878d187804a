//! API tokens over GraphQL. The secret appears in `CreateApiTokenPayload` and
//! `RotateApiTokenPayload` only: once, when it is made.

use async_graphql::{Context, ID, InputObject, Object, SimpleObject};
use chrono::{DateTime, Duration, Utc};
use service::model::{ApiToken, CreatedToken, Page};
use service::tokens::{self as token_service, ApiTokenInput};
use uuid::Uuid;

use super::{
    GatewayContext, UserNode,
    loaders::loaders,
    relay::{NodeConnection, NodeType, decode_id_of, forward_connection},
    servers::ServerGroupNode,
    types::{TokenScope, actor, visible_or_none},
};
use crate::error::GatewayError;

/// A credential for the BBB-compatible endpoint. The secret is never shown here.
pub struct ApiTokenNode(pub ApiToken);

impl NodeType for ApiTokenNode {
    const TYPE_NAME: &'static str = "ApiToken";

    fn database_id(&self) -> i64 {
        self.0.id
    }
}

impl ApiTokenNode {
    /// For `node(id:)`: the token if it is the viewer's own, or the viewer is staff.
    pub async fn load(ctx: &Context<'_>, id: i64) -> Result<Option<Self>, GatewayError> {
        let found = token_service::get(ctx.store()?, actor(ctx)?, id).await;
        Ok(visible_or_none(found)?.map(ApiTokenNode))
    }
}

#[Object(name = "ApiToken")]
impl ApiTokenNode {
    pub async fn id(&self) -> ID {
        self.global_id()
    }

    /// Unique.
    async fn name(&self) -> &str {
        &self.0.name
    }

    async fn scope(&self) -> TokenScope {
        self.0.scope.into()
    }

    /// Tags the meetings created with this token.
    async fn guid(&self) -> Uuid {
        self.0.guid
    }

    async fn group(&self, ctx: &Context<'_>) -> Result<Option<ServerGroupNode>, GatewayError> {
        let group = loaders(ctx)?.groups.load_one(self.0.group_id).await?;
        Ok(group.map(ServerGroupNode::without_access))
    }

    /// The owning user; the token's scope `USER` means their meetings.
    async fn user(&self, ctx: &Context<'_>) -> Result<Option<UserNode>, GatewayError> {
        let Some(user_id) = self.0.user_id else {
            return Ok(None);
        };
        Ok(loaders(ctx)?.users.load_one(user_id).await?.map(UserNode))
    }

    /// Most meetings running at once; null means no limit.
    async fn max_meetings(&self) -> Option<i32> {
        self.0.max_meetings
    }

    /// Most attendees across its meetings; null means no limit.
    async fn max_attendees(&self) -> Option<i32> {
        self.0.max_attendees
    }

    /// Whether the secret from before the last rotation is still accepted.
    async fn rotation_in_progress(&self) -> bool {
        self.0.previous_secret_hash.is_some()
    }

    /// When the previous secret stops being accepted, if the rotation has a deadline.
    async fn previous_secret_expires_at(&self) -> Option<DateTime<Utc>> {
        self.0.previous_secret_expires_at
    }

    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }

    async fn last_used_at(&self) -> Option<DateTime<Utc>> {
        self.0.last_used_at
    }
}

#[derive(InputObject)]
pub struct CreateApiTokenInput {
    /// Unique.
    name: String,
    group_id: ID,
    #[graphql(default_with = "TokenScope::Token")]
    scope: TokenScope,
    max_meetings: Option<i32>,
    max_attendees: Option<i32>,
}

/// A new token and its secret. Store the secret now: it is not shown again.
#[derive(SimpleObject)]
pub struct CreateApiTokenPayload {
    api_token: ApiTokenNode,
    secret: String,
}

/// The token with its new secret. Store the secret now: it is not shown again.
#[derive(SimpleObject)]
pub struct RotateApiTokenPayload {
    api_token: ApiTokenNode,
    secret: String,
}

#[derive(Default)]
pub struct TokenQueries;

#[Object]
impl TokenQueries {
    /// The viewer's API tokens, or every token of the site for staff.
    async fn api_tokens(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
    ) -> Result<NodeConnection<ApiTokenNode>, GatewayError> {
        let (store, actor) = (ctx.store()?, actor(ctx)?);
        forward_connection(first, after, |page| async move {
            let page = token_service::list(store, actor, page).await?;
            Ok(Page {
                items: page.items.into_iter().map(ApiTokenNode).collect(),
                has_next_page: page.has_next_page,
            })
        })
        .await
    }
}

#[derive(Default)]
pub struct TokenMutations;

#[Object]
impl TokenMutations {
    /// Creates a token owned by the viewer. Needs `ADD_API_TOKENS` on the group (staff hold
    /// it); scope `GLOBAL`, which joins and ends every meeting of the group, needs a
    /// superuser.
    async fn create_api_token(
        &self,
        ctx: &Context<'_>,
        input: CreateApiTokenInput,
    ) -> Result<CreateApiTokenPayload, GatewayError> {
        let input = ApiTokenInput {
            name: input.name,
            group_id: decode_id_of::<ServerGroupNode>(&input.group_id, "groupId")?,
            scope: input.scope.into(),
            max_meetings: input.max_meetings,
            max_attendees: input.max_attendees,
        };
        let CreatedToken { token, secret } =
            token_service::create(ctx.store()?, actor(ctx)?, input).await?;
        Ok(CreateApiTokenPayload {
            api_token: ApiTokenNode(token),
            secret: secret.expose().to_owned(),
        })
    }

    /// Gives the token a new secret. The previous one stays accepted until
    /// `finishApiTokenRotation`, or for `previousSecretValidForMinutes` when given, so that
    /// integrations can switch without downtime. The secret acts as the token, so rotating
    /// needs what creating it needs: its owner (with `ADD_API_TOKENS` on the group; `GLOBAL`:
    /// a superuser) or a superuser — not staff.
    async fn rotate_api_token(
        &self,
        ctx: &Context<'_>,
        id: ID,
        previous_secret_valid_for_minutes: Option<i32>,
    ) -> Result<RotateApiTokenPayload, GatewayError> {
        let id = decode_id_of::<ApiTokenNode>(&id, "id")?;
        let grace =
            previous_secret_valid_for_minutes.map(|minutes| Duration::minutes(minutes.into()));
        let CreatedToken { token, secret } =
            token_service::rotate(ctx.store()?, actor(ctx)?, id, grace).await?;
        Ok(RotateApiTokenPayload {
            api_token: ApiTokenNode(token),
            secret: secret.expose().to_owned(),
        })
    }

    /// Stops accepting the secret from before the last rotation. Its owner, or staff.
    async fn finish_api_token_rotation(
        &self,
        ctx: &Context<'_>,
        id: ID,
    ) -> Result<ApiTokenNode, GatewayError> {
        let id = decode_id_of::<ApiTokenNode>(&id, "id")?;
        Ok(ApiTokenNode(
            token_service::finish_rotation(ctx.store()?, actor(ctx)?, id).await?,
        ))
    }

    /// Revokes a token for good; returns its ID. Its owner, or staff.
    async fn delete_api_token(&self, ctx: &Context<'_>, id: ID) -> Result<ID, GatewayError> {
        let database_id = decode_id_of::<ApiTokenNode>(&id, "id")?;
        token_service::delete(ctx.store()?, actor(ctx)?, database_id).await?;
        Ok(id)
    }
}
