//! Server groups and their BBB servers over GraphQL. A server's secret goes in with `addServer`
//! and never comes out.

use async_graphql::{Context, ID, InputObject, Object, SimpleObject};
use chrono::{DateTime, Utc};
use service::groups::{self as group_service, VisibleGroup};
use service::model::{Secret, Server, ServerGroup};
use service::permissions::{GroupAccess, load_group_access};
use service::servers::{self as server_service, ServerInput, ServerUpdate};

use super::{
    GatewayContext, UserNode,
    relay::{NodeType, decode_id_of},
    types::{GroupPermission, ServerHealth, ServerState, UserRefInput, actor, visible_or_none},
};
use crate::error::GatewayError;

/// A set of BBB servers that share load; meetings and API tokens belong to one.
pub struct ServerGroupNode {
    pub group: ServerGroup,
    /// The viewer's permissions on the group, when already known.
    access: Option<GroupAccess>,
}

impl ServerGroupNode {
    /// A group reached through a relation (a meeting's, a token's): the viewer's access is
    /// looked up only if asked for.
    pub fn without_access(group: ServerGroup) -> Self {
        ServerGroupNode {
            group,
            access: None,
        }
    }

    /// For `node(id:)`: the group if the viewer may see it.
    pub async fn load(ctx: &Context<'_>, id: i64) -> Result<Option<Self>, GatewayError> {
        let found = group_service::get(ctx.store()?, actor(ctx)?, id).await;
        Ok(visible_or_none(found)?.map(ServerGroupNode::from))
    }
}

impl From<VisibleGroup> for ServerGroupNode {
    fn from(visible: VisibleGroup) -> Self {
        ServerGroupNode {
            group: visible.group,
            access: Some(visible.access),
        }
    }
}

impl NodeType for ServerGroupNode {
    const TYPE_NAME: &'static str = "ServerGroup";

    fn database_id(&self) -> i64 {
        self.group.id
    }
}

#[Object(name = "ServerGroup")]
impl ServerGroupNode {
    pub async fn id(&self) -> ID {
        self.global_id()
    }

    /// Unique within the site.
    async fn name(&self) -> &str {
        &self.group.name
    }

    async fn created_at(&self) -> DateTime<Utc> {
        self.group.created_at
    }

    /// The group permissions the viewer holds (all of them for staff).
    async fn viewer_permissions(
        &self,
        ctx: &Context<'_>,
    ) -> Result<Vec<GroupPermission>, GatewayError> {
        let access = match self.access {
            Some(access) => access,
            None => load_group_access(ctx.store()?, actor(ctx)?, &self.group).await?,
        };
        Ok(access.held().into_iter().map(Into::into).collect())
    }
}

/// A BBB server. Its shared secret is never shown.
pub struct ServerNode(pub Server);

impl NodeType for ServerNode {
    const TYPE_NAME: &'static str = "Server";

    fn database_id(&self) -> i64 {
        self.0.id
    }
}

impl ServerNode {
    /// For `node(id:)`: the server if the viewer may manage its group's servers.
    pub async fn load(ctx: &Context<'_>, id: i64) -> Result<Option<Self>, GatewayError> {
        let found = server_service::get(ctx.store()?, actor(ctx)?, id).await;
        Ok(visible_or_none(found)?.map(ServerNode))
    }
}

#[Object(name = "Server")]
impl ServerNode {
    pub async fn id(&self) -> ID {
        self.global_id()
    }

    /// Unique within the group.
    async fn name(&self) -> &str {
        &self.0.name
    }

    /// The BBB API base URL.
    async fn api_url(&self) -> &str {
        &self.0.api_url
    }

    /// Relative capacity: load is divided by it.
    async fn weight(&self) -> i32 {
        self.0.weight
    }

    async fn state(&self) -> ServerState {
        self.0.state.into()
    }

    async fn health(&self) -> ServerHealth {
        self.0.health.into()
    }

    /// Meetings running at the last successful poll.
    async fn meeting_count(&self) -> i32 {
        self.0.meeting_count
    }

    /// Attendees at the last successful poll.
    async fn attendee_count(&self) -> i32 {
        self.0.attendee_count
    }

    async fn last_polled_at(&self) -> Option<DateTime<Utc>> {
        self.0.last_polled_at
    }

    /// Why the last poll failed, if it did.
    async fn last_poll_error(&self) -> Option<&str> {
        self.0.last_poll_error.as_deref()
    }

    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }

    async fn updated_at(&self) -> DateTime<Utc> {
        self.0.updated_at
    }
}

#[derive(InputObject)]
pub struct AddServerInput {
    group_id: ID,
    name: String,
    /// The BBB API base URL, http or https, e.g. `https://bbb1.example.org/bigbluebutton/api/`.
    api_url: String,
    /// The BBB shared secret; stored encrypted, never shown again.
    secret: String,
    #[graphql(default = 1)]
    weight: i32,
    #[graphql(default_with = "ServerState::Enabled")]
    state: ServerState,
}

#[derive(InputObject)]
pub struct UpdateServerInput {
    weight: Option<i32>,
    state: Option<ServerState>,
}

/// The outcome of granting or revoking a group permission.
#[derive(SimpleObject)]
pub struct GroupPermissionChange {
    /// False when nothing had to change.
    changed: bool,
    permission: GroupPermission,
    user: UserNode,
    group: ServerGroupNode,
}

#[derive(Default)]
pub struct ServerQueries;

#[Object]
impl ServerQueries {
    /// The server groups the viewer may see: all of the site for staff, otherwise those the
    /// viewer holds a group permission on.
    async fn server_groups(&self, ctx: &Context<'_>) -> Result<Vec<ServerGroupNode>, GatewayError> {
        let groups = group_service::list(ctx.store()?, actor(ctx)?).await?;
        Ok(groups.into_iter().map(ServerGroupNode::from).collect())
    }

    async fn server_group(
        &self,
        ctx: &Context<'_>,
        id: ID,
    ) -> Result<ServerGroupNode, GatewayError> {
        let id = decode_id_of::<ServerGroupNode>(&id, "id")?;
        Ok(group_service::get(ctx.store()?, actor(ctx)?, id)
            .await?
            .into())
    }

    /// The servers of a group. Staff, or `ADD_SERVERS` on the group.
    async fn servers(
        &self,
        ctx: &Context<'_>,
        group_id: ID,
    ) -> Result<Vec<ServerNode>, GatewayError> {
        let group_id = decode_id_of::<ServerGroupNode>(&group_id, "groupId")?;
        let servers = server_service::list(ctx.store()?, actor(ctx)?, group_id).await?;
        Ok(servers.into_iter().map(ServerNode).collect())
    }
}

#[derive(Default)]
pub struct ServerMutations;

#[Object]
impl ServerMutations {
    /// Creates a server group in the viewer's site. Staff.
    async fn create_server_group(
        &self,
        ctx: &Context<'_>,
        name: String,
    ) -> Result<ServerGroupNode, GatewayError> {
        Ok(group_service::create(ctx.store()?, actor(ctx)?, &name)
            .await?
            .into())
    }

    /// Superusers.
    async fn grant_group_permission(
        &self,
        ctx: &Context<'_>,
        group_id: ID,
        user: UserRefInput,
        permission: GroupPermission,
    ) -> Result<GroupPermissionChange, GatewayError> {
        change_group_grant(ctx, group_id, user, permission, true).await
    }

    /// Superusers.
    async fn revoke_group_permission(
        &self,
        ctx: &Context<'_>,
        group_id: ID,
        user: UserRefInput,
        permission: GroupPermission,
    ) -> Result<GroupPermissionChange, GatewayError> {
        change_group_grant(ctx, group_id, user, permission, false).await
    }

    /// Adds a BBB server. Staff, or `ADD_SERVERS` on the group. The URL must be a usable BBB
    /// API URL (http or https; no credentials, query or fragment) that the operator's outbound
    /// rule admits: loopback and private addresses only when `outbound.allow` lists them.
    async fn add_server(
        &self,
        ctx: &Context<'_>,
        input: AddServerInput,
    ) -> Result<ServerNode, GatewayError> {
        let input = ServerInput {
            group_id: decode_id_of::<ServerGroupNode>(&input.group_id, "groupId")?,
            name: input.name,
            api_url: input.api_url,
            secret: Secret::new(input.secret),
            weight: input.weight,
            state: input.state.into(),
        };
        let outbound = ctx.bbb()?.outbound_policy();
        Ok(ServerNode(
            server_service::add(ctx.store()?, actor(ctx)?, input, outbound).await?,
        ))
    }

    /// Changes weight and state (enabled, cordoned, disabled).
    async fn update_server(
        &self,
        ctx: &Context<'_>,
        id: ID,
        input: UpdateServerInput,
    ) -> Result<ServerNode, GatewayError> {
        let id = decode_id_of::<ServerNode>(&id, "id")?;
        let update = ServerUpdate {
            weight: input.weight,
            state: input.state.map(Into::into),
        };
        Ok(ServerNode(
            server_service::update(ctx.store()?, actor(ctx)?, id, update).await?,
        ))
    }

    /// Removes a server; returns its ID.
    async fn remove_server(&self, ctx: &Context<'_>, id: ID) -> Result<ID, GatewayError> {
        let database_id = decode_id_of::<ServerNode>(&id, "id")?;
        server_service::remove(ctx.store()?, actor(ctx)?, database_id).await?;
        Ok(id)
    }
}

async fn change_group_grant(
    ctx: &Context<'_>,
    group_id: ID,
    user: UserRefInput,
    permission: GroupPermission,
    grant: bool,
) -> Result<GroupPermissionChange, GatewayError> {
    let (store, actor) = (ctx.store()?, actor(ctx)?);
    let group_id = decode_id_of::<ServerGroupNode>(&group_id, "groupId")?;
    let user = user.to_service("user")?;
    let change = if grant {
        group_service::grant(store, actor, group_id, &user, permission.into()).await?
    } else {
        group_service::revoke(store, actor, group_id, &user, permission.into()).await?
    };
    let group = group_service::get(store, actor, group_id).await?;
    Ok(GroupPermissionChange {
        changed: change.changed,
        permission,
        user: UserNode(change.user),
        group: group.into(),
    })
}
