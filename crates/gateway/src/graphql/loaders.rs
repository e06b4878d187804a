//! DataLoaders for the relations of meetings and tokens: one `IN (…)` query per batch of
//! keys that resolvers ask for concurrently, never one query per object.
//!
//! They load by id only and decide nothing: a resolver uses one after the object it hangs off
//! was authorized. Without a cache they are safe to share between requests (they only batch
//! what is asked for at the same time), so the schema holds one set.

use std::collections::HashMap;

use async_graphql::{
    Context,
    dataloader::{DataLoader, Loader},
};
use service::Store;
use service::model::{MeetingGrant, MeetingUrl, ServerGroup, User};

use crate::error::GatewayError;

pub struct UsersById(Store);
pub struct GroupsById(Store);
pub struct GrantsByMeeting(Store);
pub struct UrlsByMeeting(Store);

impl Loader<i64> for UsersById {
    type Value = User;
    type Error = GatewayError;

    async fn load(&self, ids: &[i64]) -> Result<HashMap<i64, User>, GatewayError> {
        let users = service::batch::users_by_id(&self.0, ids).await?;
        Ok(users.into_iter().map(|user| (user.id, user)).collect())
    }
}

impl Loader<i64> for GroupsById {
    type Value = ServerGroup;
    type Error = GatewayError;

    async fn load(&self, ids: &[i64]) -> Result<HashMap<i64, ServerGroup>, GatewayError> {
        let groups = service::batch::groups_by_id(&self.0, ids).await?;
        Ok(groups.into_iter().map(|group| (group.id, group)).collect())
    }
}

impl Loader<i64> for GrantsByMeeting {
    type Value = Vec<MeetingGrant>;
    type Error = GatewayError;

    async fn load(
        &self,
        meeting_ids: &[i64],
    ) -> Result<HashMap<i64, Vec<MeetingGrant>>, GatewayError> {
        Ok(service::batch::grants_by_meeting(&self.0, meeting_ids).await?)
    }
}

impl Loader<i64> for UrlsByMeeting {
    type Value = Vec<MeetingUrl>;
    type Error = GatewayError;

    async fn load(
        &self,
        meeting_ids: &[i64],
    ) -> Result<HashMap<i64, Vec<MeetingUrl>>, GatewayError> {
        Ok(service::batch::urls_by_meeting(&self.0, meeting_ids).await?)
    }
}

/// The loaders, put into the schema as data once.
pub struct Loaders {
    pub users: DataLoader<UsersById>,
    pub groups: DataLoader<GroupsById>,
    pub grants: DataLoader<GrantsByMeeting>,
    pub urls: DataLoader<UrlsByMeeting>,
}

impl Loaders {
    pub fn new(store: &Store) -> Self {
        Loaders {
            users: DataLoader::new(UsersById(store.clone()), tokio::spawn),
            groups: DataLoader::new(GroupsById(store.clone()), tokio::spawn),
            grants: DataLoader::new(GrantsByMeeting(store.clone()), tokio::spawn),
            urls: DataLoader::new(UrlsByMeeting(store.clone()), tokio::spawn),
        }
    }
}

pub fn loaders<'c>(ctx: &'c Context<'_>) -> Result<&'c Loaders, GatewayError> {
    ctx.data::<Loaders>()
        .map_err(|_| GatewayError::internal("schema executed without Loaders"))
}
