//! One-query-per-batch loads for DataLoaders, checked like the single-object services.

use std::collections::HashMap;

use store::{Meeting, MeetingGrant, MeetingUrl, ServerGroup, Store, User};

use crate::permissions::{EffectivePermissions, grants_matter};
use crate::{Actor, ServiceError};

/// Users by id in one query; missing ids are skipped. For relations of objects the caller may
/// already see (a meeting's owner, a grant's holder, a token's owner).
pub async fn users_by_id(store: &Store, ids: &[i64]) -> Result<Vec<User>, ServiceError> {
    Ok(store.users().get_many(ids).await?)
}

/// Server groups by id in one query; missing ids are skipped.
pub async fn groups_by_id(store: &Store, ids: &[i64]) -> Result<Vec<ServerGroup>, ServiceError> {
    Ok(store.groups().get_many(ids).await?)
}

/// The actor's permissions on many meetings at once: the groups' sites (kept in memory) and one
/// for the actor's grants (on the meetings they neither own nor hold as superuser, if any).
/// Meetings of other sites are absent from the result.
pub async fn meeting_permissions(
    store: &Store,
    actor: &Actor,
    meetings: &[Meeting],
) -> Result<HashMap<i64, EffectivePermissions>, ServiceError> {
    let mut group_ids: Vec<i64> = meetings.iter().map(|m| m.group_id).collect();
    group_ids.sort_unstable();
    group_ids.dedup();
    let site_of_group = store.groups().sites_of(&group_ids).await?;
    let granted = match actor.session_user() {
        Some(user) => {
            let meeting_ids: Vec<i64> = meetings
                .iter()
                .filter(|m| grants_matter(user, m.owner_id))
                .map(|m| m.id)
                .collect();
            store
                .meeting_grants()
                .of_user_for_meetings(user.id, &meeting_ids)
                .await?
        }
        None => HashMap::new(),
    };
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
    Ok(store.meeting_urls().for_meetings(meeting_ids).await?)
}

/// The grants of many meetings in one query, by meeting id.
pub async fn grants_by_meeting(
    store: &Store,
    meeting_ids: &[i64],
) -> Result<HashMap<i64, Vec<MeetingGrant>>, ServiceError> {
    Ok(store.meeting_grants().for_meetings(meeting_ids).await?)
}
