//! Meeting permissions held by users: grant, revoke, list.

use store::{MeetingGrant, MeetingPermission, Store, User};

use crate::meetings::load_for;
use crate::permissions::{EffectivePermissions, require};
use crate::users::{UserRef, find_in_site};
use crate::{Actor, ServiceError};

/// What a grant or revoke did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GrantChange {
    pub meeting_id: i64,
    /// Who the permission was granted to or revoked from.
    pub user: User,
    pub permission: MeetingPermission,
    /// `false` when the grant already existed (grant) or did not exist (revoke).
    pub changed: bool,
}

fn refusal(permission: MeetingPermission) -> &'static str {
    match permission {
        MeetingPermission::JoinAsAttendee => {
            "granting `join_as_attendee` needs `grant_attendee` or `grant_moderator`"
        }
        MeetingPermission::JoinAsModerator => {
            "granting `join_as_moderator` needs `grant_moderator`"
        }
        MeetingPermission::GrantAttendee
        | MeetingPermission::GrantModerator
        | MeetingPermission::EnforceConferencePin
        | MeetingPermission::AddUrls => {
            "only the meeting's owner or a superuser may grant this permission"
        }
    }
}

/// Checks that the actor may hand out (or take back) `permission` on the meeting, and finds
/// the user it is about.
async fn authorize(
    store: &Store,
    actor: &Actor,
    meeting_id: i64,
    user: &UserRef,
    permission: MeetingPermission,
) -> Result<User, ServiceError> {
    let visible = load_for(
        store,
        actor,
        meeting_id,
        EffectivePermissions::can_view,
        "this meeting is not shared with you",
    )
    .await?;
    require(
        visible.permissions.can_grant(permission),
        refusal(permission),
    )?;
    find_in_site(store, actor, user).await
}

pub async fn grant(
    store: &Store,
    actor: &Actor,
    meeting_id: i64,
    user: &UserRef,
    permission: MeetingPermission,
) -> Result<GrantChange, ServiceError> {
    let user = authorize(store, actor, meeting_id, user, permission).await?;
    let changed = store
        .meeting_grants()
        .grant(meeting_id, user.id, permission)
        .await?;
    Ok(GrantChange {
        meeting_id,
        user,
        permission,
        changed,
    })
}

pub async fn revoke(
    store: &Store,
    actor: &Actor,
    meeting_id: i64,
    user: &UserRef,
    permission: MeetingPermission,
) -> Result<GrantChange, ServiceError> {
    let user = authorize(store, actor, meeting_id, user, permission).await?;
    let changed = store
        .meeting_grants()
        .revoke(meeting_id, user.id, permission)
        .await?;
    Ok(GrantChange {
        meeting_id,
        user,
        permission,
        changed,
    })
}

/// Every grant on a meeting, for those who may grant or revoke something on it.
pub async fn list(
    store: &Store,
    actor: &Actor,
    meeting_id: i64,
) -> Result<Vec<MeetingGrant>, ServiceError> {
    load_for(
        store,
        actor,
        meeting_id,
        EffectivePermissions::can_manage_grants,
        "only those who may grant permissions on this meeting see its grants",
    )
    .await?;
    Ok(store.meeting_grants().list(meeting_id).await?)
}
