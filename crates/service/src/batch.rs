//! One-query-per-batch loads for DataLoaders, checked like the single-object services.
//! Some are queries the store does not offer yet (requested in /tmp/store-requests.md); they
//! read through the store's connection so that nothing else bypasses it.

use std::collections::HashMap;

use entity::{meeting_grant, meeting_url, server_group};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
use store::{Meeting, MeetingGrant, MeetingPermission, MeetingUrl, ServerGroup, Store, StoreError};

use crate::permissions::EffectivePermissions;
use crate::{Actor, ServiceError};

/// Server groups by id in one query; missing ids are skipped.
pub async fn groups_by_id(store: &Store, ids: &[i64]) -> Result<Vec<ServerGroup>, ServiceError> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    server_group::Entity::find()
        .filter(server_group::Column::Id.is_in(ids.iter().copied()))
        .order_by_asc(server_group::Column::Id)
        .all(store.connection())
        .await
        .map_err(|error| StoreError::from(error).into())
}

/// The actor's permissions on many meetings at once: one query for the groups' sites and one
/// for the actor's grants. Meetings of other sites are absent from the result.
pub async fn meeting_permissions(
    store: &Store,
    actor: &Actor,
    meetings: &[Meeting],
) -> Result<HashMap<i64, EffectivePermissions>, ServiceError> {
    let mut group_ids: Vec<i64> = meetings.iter().map(|m| m.group_id).collect();
    group_ids.sort_unstable();
    group_ids.dedup();
    let site_of_group: HashMap<i64, i64> = groups_by_id(store, &group_ids)
        .await?
        .into_iter()
        .map(|group| (group.id, group.site_id))
        .collect();
    let mut granted: HashMap<i64, Vec<MeetingPermission>> = HashMap::new();
    if let Some(user) = &actor.user {
        let meeting_ids: Vec<i64> = meetings.iter().map(|m| m.id).collect();
        let grants: Vec<MeetingGrant> = meeting_grant::Entity::find()
            .filter(meeting_grant::Column::UserId.eq(user.id))
            .filter(meeting_grant::Column::MeetingId.is_in(meeting_ids))
            .all(store.connection())
            .await
            .map_err(StoreError::from)?;
        for grant in grants {
            granted
                .entry(grant.meeting_id)
                .or_default()
                .push(grant.permission);
        }
    }
    let mut permissions = HashMap::with_capacity(meetings.len());
    for meeting in meetings {
        let Some(site_id) = site_of_group.get(&meeting.group_id) else {
            continue;
        };
        let held = granted
            .get(&meeting.id)
            .map(Vec::as_slice)
            .unwrap_or_default();
        if let Ok(effective) =
            EffectivePermissions::evaluate(actor, *site_id, meeting.owner_id, held)
        {
            permissions.insert(meeting.id, effective);
        }
    }
    Ok(permissions)
}

/// The URLs of many meetings in one query, by meeting id.
pub async fn urls_by_meeting(
    store: &Store,
    meeting_ids: &[i64],
) -> Result<HashMap<i64, Vec<MeetingUrl>>, ServiceError> {
    let mut by_meeting: HashMap<i64, Vec<MeetingUrl>> = HashMap::new();
    if meeting_ids.is_empty() {
        return Ok(by_meeting);
    }
    let urls = meeting_url::Entity::find()
        .filter(meeting_url::Column::MeetingId.is_in(meeting_ids.iter().copied()))
        .order_by_asc(meeting_url::Column::Id)
        .all(store.connection())
        .await
        .map_err(StoreError::from)?;
    for url in urls {
        by_meeting.entry(url.meeting_id).or_default().push(url);
    }
    Ok(by_meeting)
}

/// The grants of many meetings in one query, by meeting id.
pub async fn grants_by_meeting(
    store: &Store,
    meeting_ids: &[i64],
) -> Result<HashMap<i64, Vec<MeetingGrant>>, ServiceError> {
    Ok(store.meeting_grants().for_meetings(meeting_ids).await?)
}
