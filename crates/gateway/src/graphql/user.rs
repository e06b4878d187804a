//! The `User` type and the `viewer` query.

use async_graphql::{Context, ID, Object};

use service::model::User;
use service::permissions::can_see_user;

use super::{
    GatewayContext,
    relay::NodeType,
    types::{actor, visible_or_none},
};
use crate::error::GatewayError;

/// A person who can log in.
pub struct UserNode(pub User);

impl NodeType for UserNode {
    const TYPE_NAME: &'static str = "User";

    fn database_id(&self) -> i64 {
        self.0.id
    }
}

impl UserNode {
    /// The user `id` as seen by the viewer: themselves, or anyone of their site for staff and
    /// superusers; nobody for anonymous callers.
    pub async fn load(ctx: &Context<'_>, id: i64) -> Result<Option<UserNode>, GatewayError> {
        let found = service::users::get(ctx.store()?, actor(ctx)?, id).await;
        Ok(visible_or_none(found)?.map(UserNode))
    }
}

#[Object(name = "User")]
impl UserNode {
    pub async fn id(&self) -> ID {
        self.global_id()
    }

    /// Unique within the site.
    async fn username(&self) -> &str {
        &self.0.username
    }

    async fn display_name(&self) -> &str {
        &self.0.display_name
    }

    /// Only visible to the user themselves and to staff.
    async fn email(&self, ctx: &Context<'_>) -> Result<Option<&str>, GatewayError> {
        let visible = can_see_user(actor(ctx)?, self.0.id);
        Ok(visible.then_some(self.0.email.as_str()))
    }

    /// Staff may manage servers, groups and all API tokens of the site.
    async fn is_staff(&self) -> bool {
        self.0.is_staff
    }

    /// Superusers may do everything in their site.
    async fn is_superuser(&self) -> bool {
        self.0.is_superuser
    }
}

#[derive(Default)]
pub struct ViewerQueries;

#[Object]
impl ViewerQueries {
    /// The user the request is authenticated as; null for anonymous requests.
    async fn viewer(&self, ctx: &Context<'_>) -> Result<Option<UserNode>, GatewayError> {
        Ok(actor(ctx)?.user.clone().map(UserNode))
    }
}
