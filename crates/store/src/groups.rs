//! Server groups and the permissions users hold on them.

use std::collections::HashMap;

use entity::{group_grant, server_group};
use sea_orm::sea_query::Query;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder,
    QuerySelect, Set,
};

use crate::error::inserted_unless_duplicate;
use crate::{GroupGrant, GroupPermission, ServerGroup, Store, StoreError, now, validate};

pub struct Groups<'s> {
    store: &'s Store,
}

impl<'s> Groups<'s> {
    pub(crate) fn new(store: &'s Store) -> Self {
        Groups { store }
    }

    pub async fn create(&self, site_id: i64, name: &str) -> Result<ServerGroup, StoreError> {
        Ok(server_group::ActiveModel {
            site_id: Set(site_id),
            name: Set(validate::name("name", name, 60)?),
            created_at: Set(now()),
            ..Default::default()
        }
        .insert(self.store.connection())
        .await?)
    }

    pub async fn get(&self, id: i64) -> Result<ServerGroup, StoreError> {
        server_group::Entity::find_by_id(id)
            .one(self.store.connection())
            .await?
            .ok_or(StoreError::not_found("server group"))
    }

    /// Groups by id in one query (for DataLoaders), in id order; missing ids are skipped.
    pub async fn get_many(&self, ids: &[i64]) -> Result<Vec<ServerGroup>, StoreError> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        Ok(server_group::Entity::find()
            .filter(server_group::Column::Id.is_in(ids.iter().copied()))
            .order_by_asc(server_group::Column::Id)
            .all(self.store.connection())
            .await?)
    }

    /// The site of each group in `ids` (missing ids are skipped), for permission checks on
    /// lists. A group never moves to another site, so the answers are kept in memory.
    pub async fn sites_of(&self, ids: &[i64]) -> Result<HashMap<i64, i64>, StoreError> {
        let cache = &self.store.lookups.group_sites;
        let (mut sites, missing) = cache.get_many(ids);
        if missing.is_empty() {
            return Ok(sites);
        }
        let ticket = cache.begin_load();
        let loaded: Vec<(i64, i64)> = server_group::Entity::find()
            .select_only()
            .columns([server_group::Column::Id, server_group::Column::SiteId])
            .filter(server_group::Column::Id.is_in(missing))
            .into_tuple()
            .all(self.store.connection())
            .await?;
        sites.extend(loaded.iter().copied());
        cache.finish_load(ticket, loaded);
        Ok(sites)
    }

    pub async fn find_by_name(
        &self,
        site_id: i64,
        name: &str,
    ) -> Result<Option<ServerGroup>, StoreError> {
        Ok(server_group::Entity::find()
            .filter(server_group::Column::SiteId.eq(site_id))
            .filter(server_group::Column::Name.eq(name.trim()))
            .one(self.store.connection())
            .await?)
    }

    pub async fn list(&self, site_id: i64) -> Result<Vec<ServerGroup>, StoreError> {
        Ok(server_group::Entity::find()
            .filter(server_group::Column::SiteId.eq(site_id))
            .order_by_asc(server_group::Column::Id)
            .all(self.store.connection())
            .await?)
    }

    /// The groups of a site on which the user holds any permission, in id order, in one
    /// query. The site condition keeps the answer inside the tenant whatever the grants name.
    pub async fn list_for_user(
        &self,
        site_id: i64,
        user_id: i64,
    ) -> Result<Vec<ServerGroup>, StoreError> {
        Ok(server_group::Entity::find()
            .filter(server_group::Column::SiteId.eq(site_id))
            .filter(
                server_group::Column::Id.in_subquery(
                    Query::select()
                        .column(group_grant::Column::GroupId)
                        .from(group_grant::Entity)
                        .and_where(group_grant::Column::UserId.eq(user_id))
                        .to_owned(),
                ),
            )
            .order_by_asc(server_group::Column::Id)
            .all(self.store.connection())
            .await?)
    }

    pub async fn rename(&self, id: i64, name: &str) -> Result<ServerGroup, StoreError> {
        let mut group: server_group::ActiveModel = self.get(id).await?.into();
        group.name = Set(validate::name("name", name, 60)?);
        Ok(group.update(self.store.connection()).await?)
    }

    /// Deletes a group with its servers, meetings, API tokens, grants and placements.
    pub async fn delete(&self, id: i64) -> Result<(), StoreError> {
        let _forget = self.store.lookups.group_sites.forget_after(id);
        let deleted = server_group::Entity::delete_by_id(id)
            .exec(self.store.connection())
            .await?;
        if deleted.rows_affected == 0 {
            return Err(StoreError::not_found("server group"));
        }
        Ok(())
    }

    /// Grants a permission; `false` if the user already held it.
    pub async fn grant(
        &self,
        group_id: i64,
        user_id: i64,
        permission: GroupPermission,
    ) -> Result<bool, StoreError> {
        let inserted = group_grant::ActiveModel {
            group_id: Set(group_id),
            user_id: Set(user_id),
            permission: Set(permission),
            ..Default::default()
        }
        .insert(self.store.connection())
        .await;
        inserted_unless_duplicate(inserted)
    }

    /// Revokes a permission; `false` if the user did not hold it.
    pub async fn revoke(
        &self,
        group_id: i64,
        user_id: i64,
        permission: GroupPermission,
    ) -> Result<bool, StoreError> {
        let deleted = group_grant::Entity::delete_many()
            .filter(group_grant::Column::GroupId.eq(group_id))
            .filter(group_grant::Column::UserId.eq(user_id))
            .filter(group_grant::Column::Permission.eq(permission))
            .exec(self.store.connection())
            .await?;
        Ok(deleted.rows_affected > 0)
    }

    pub async fn has(
        &self,
        group_id: i64,
        user_id: i64,
        permission: GroupPermission,
    ) -> Result<bool, StoreError> {
        let count = group_grant::Entity::find()
            .filter(group_grant::Column::GroupId.eq(group_id))
            .filter(group_grant::Column::UserId.eq(user_id))
            .filter(group_grant::Column::Permission.eq(permission))
            .count(self.store.connection())
            .await?;
        Ok(count > 0)
    }

    /// Every grant on a group.
    pub async fn grants(&self, group_id: i64) -> Result<Vec<GroupGrant>, StoreError> {
        Ok(group_grant::Entity::find()
            .filter(group_grant::Column::GroupId.eq(group_id))
            .order_by_asc(group_grant::Column::Id)
            .all(self.store.connection())
            .await?)
    }

    /// Every group grant a user holds.
    pub async fn grants_of_user(&self, user_id: i64) -> Result<Vec<GroupGrant>, StoreError> {
        Ok(group_grant::Entity::find()
            .filter(group_grant::Column::UserId.eq(user_id))
            .order_by_asc(group_grant::Column::Id)
            .all(self.store.connection())
            .await?)
    }
}
