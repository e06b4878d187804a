//! Server groups and the permissions users hold on them.

use std::collections::BTreeMap;

use store::{GroupGrant, GroupPermission, ServerGroup, Store, User};

use crate::permissions::{
    GroupAccess, can_create_server_group, can_list_all_server_groups, load_group_access, require,
};
use crate::users::{UserRef, find_in_site};
use crate::{Actor, ServiceError};

/// A server group with what the actor may do in it.
#[derive(Debug, Clone)]
pub struct VisibleGroup {
    pub group: ServerGroup,
    pub access: GroupAccess,
}

/// What a group grant or revoke did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GroupGrantChange {
    pub group_id: i64,
    /// Who the permission was granted to or revoked from.
    pub user: User,
    pub permission: GroupPermission,
    /// `false` when nothing had to change.
    pub changed: bool,
}

/// Creates a server group in the actor's site. Staff.
pub async fn create(
    store: &Store,
    actor: &Actor,
    name: &str,
) -> Result<VisibleGroup, ServiceError> {
    actor.require_authenticated()?;
    require(
        can_create_server_group(actor),
        "only staff may create server groups",
    )?;
    let group = store.groups().create(actor.site.id, name).await?;
    let access = load_group_access(store, actor, &group).await?;
    Ok(VisibleGroup { group, access })
}

/// The group with the actor's access to it, whether or not they may see it.
pub(crate) async fn load(
    store: &Store,
    actor: &Actor,
    id: i64,
) -> Result<VisibleGroup, ServiceError> {
    actor.require_authenticated()?;
    let group = store.groups().get(id).await?;
    let access = load_group_access(store, actor, &group).await?;
    Ok(VisibleGroup { group, access })
}

/// A group the actor may see: staff see all, others those they hold a permission on.
pub async fn get(store: &Store, actor: &Actor, id: i64) -> Result<VisibleGroup, ServiceError> {
    let visible = load(store, actor, id).await?;
    require(
        visible.access.can_view(),
        "you hold no permission on this server group",
    )?;
    Ok(visible)
}

/// The group of the actor's site named `name`, if the actor may see it; NOT_FOUND for a
/// group they may not see, as for one that does not exist (names are easy to guess).
pub async fn find_by_name(
    store: &Store,
    actor: &Actor,
    name: &str,
) -> Result<VisibleGroup, ServiceError> {
    actor.require_authenticated()?;
    let group = store
        .groups()
        .find_by_name(actor.site.id, name)
        .await?
        .ok_or(ServiceError::NotFound("server group"))?;
    let access = load_group_access(store, actor, &group).await?;
    if !access.can_view() {
        return Err(ServiceError::NotFound("server group"));
    }
    Ok(VisibleGroup { group, access })
}

/// A group in which the actor may manage servers (`add_servers`, or staff).
pub(crate) async fn load_for_servers(
    store: &Store,
    actor: &Actor,
    id: i64,
) -> Result<VisibleGroup, ServiceError> {
    let visible = load(store, actor, id).await?;
    require(
        visible.access.can_manage_servers(),
        "managing the servers of this group needs `add_servers` on it",
    )?;
    Ok(visible)
}

/// The groups the actor may see, in id order.
pub async fn list(store: &Store, actor: &Actor) -> Result<Vec<VisibleGroup>, ServiceError> {
    actor.require_authenticated()?;
    if can_list_all_server_groups(actor) {
        // Staff hold every group permission; their own grants change nothing.
        let groups = store.groups().list(actor.site.id).await?;
        return groups
            .into_iter()
            .map(|group| {
                let access = GroupAccess::evaluate(actor, group.site_id, &[])?;
                Ok(VisibleGroup { group, access })
            })
            .collect();
    }
    let user = actor.require_user()?;
    let mut granted: BTreeMap<i64, Vec<GroupPermission>> = BTreeMap::new();
    for grant in store.groups().grants_of_user(user.id).await? {
        granted
            .entry(grant.group_id)
            .or_default()
            .push(grant.permission);
    }
    let group_ids: Vec<i64> = granted.keys().copied().collect();
    let groups = store.groups().get_many(&group_ids).await?;
    Ok(groups
        .into_iter()
        .filter(|group| group.site_id == actor.site.id)
        .filter_map(|group| {
            let permissions = granted
                .get(&group.id)
                .map(Vec::as_slice)
                .unwrap_or_default();
            let access = GroupAccess::evaluate(actor, group.site_id, permissions).ok()?;
            Some(VisibleGroup { group, access })
        })
        .collect())
}

async fn load_for_grants(store: &Store, actor: &Actor, id: i64) -> Result<(), ServiceError> {
    let visible = load(store, actor, id).await?;
    require(
        visible.access.can_grant(),
        "only superusers manage server group permissions",
    )
}

/// Grants a group permission. Superusers.
pub async fn grant(
    store: &Store,
    actor: &Actor,
    group_id: i64,
    user: &UserRef,
    permission: GroupPermission,
) -> Result<GroupGrantChange, ServiceError> {
    load_for_grants(store, actor, group_id).await?;
    let user = find_in_site(store, actor, user).await?;
    let changed = store.groups().grant(group_id, user.id, permission).await?;
    Ok(GroupGrantChange {
        group_id,
        user,
        permission,
        changed,
    })
}

/// Revokes a group permission. Superusers.
pub async fn revoke(
    store: &Store,
    actor: &Actor,
    group_id: i64,
    user: &UserRef,
    permission: GroupPermission,
) -> Result<GroupGrantChange, ServiceError> {
    load_for_grants(store, actor, group_id).await?;
    let user = find_in_site(store, actor, user).await?;
    let changed = store.groups().revoke(group_id, user.id, permission).await?;
    Ok(GroupGrantChange {
        group_id,
        user,
        permission,
        changed,
    })
}

/// Every permission held on a group. Superusers (who hand them out).
pub async fn grants(
    store: &Store,
    actor: &Actor,
    group_id: i64,
) -> Result<Vec<GroupGrant>, ServiceError> {
    load_for_grants(store, actor, group_id).await?;
    Ok(store.groups().grants(group_id).await?)
}
