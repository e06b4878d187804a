//! Persistent meetings: create, read, list, update, delete, the conference PIN, and lookup by
//! URL slug — each on behalf of an [`Actor`] and checked by [`permissions`].

use store::{
    Meeting, MeetingColumns, MeetingFilter, MeetingSettings, MeetingUrl, NewMeeting, Page,
    PageRequest, Store,
};

use crate::permissions::{
    EffectivePermissions, load_group_access, load_meeting_permissions, require, url_admits_guests,
};
use crate::{Actor, ServiceError};

/// A meeting together with what the actor may do with it.
#[derive(Debug, Clone)]
pub struct VisibleMeeting {
    pub meeting: Meeting,
    pub permissions: EffectivePermissions,
}

/// A meeting reached through one of its URLs; `permissions` may be empty for a guest.
#[derive(Debug, Clone)]
pub struct MeetingThroughUrl {
    pub url: MeetingUrl,
    pub meeting: Meeting,
    pub permissions: EffectivePermissions,
}

/// Settings to change; `None` keeps the current value. The conference PIN is changed through
/// [`set_conference_pin`] only, because it needs its own permission.
#[derive(Debug, Clone, Default)]
pub struct MeetingChanges {
    pub name: Option<String>,
    pub welcome_message: Option<String>,
    pub moderator_message: Option<String>,
    pub record: Option<bool>,
    pub auto_start_recording: Option<bool>,
    pub allow_start_stop_recording: Option<bool>,
    pub webcams_only_for_moderator: Option<bool>,
    pub mute_on_start: Option<bool>,
    pub allow_mods_to_unmute_users: Option<bool>,
    pub enable_cam: Option<bool>,
    pub enable_mic: Option<bool>,
    pub enable_private_chat: Option<bool>,
    pub enable_public_chat: Option<bool>,
    pub enable_note: Option<bool>,
    /// `Some(None)` removes the limit.
    pub max_participants: Option<Option<i32>>,
    /// Minutes; `Some(None)` removes the limit.
    pub duration: Option<Option<i32>>,
}

impl MeetingChanges {
    fn apply(self, settings: &mut MeetingSettings) {
        fn set<T>(target: &mut T, value: Option<T>) {
            if let Some(value) = value {
                *target = value;
            }
        }
        set(&mut settings.name, self.name);
        set(&mut settings.welcome_message, self.welcome_message);
        set(&mut settings.moderator_message, self.moderator_message);
        set(&mut settings.record, self.record);
        set(
            &mut settings.auto_start_recording,
            self.auto_start_recording,
        );
        set(
            &mut settings.allow_start_stop_recording,
            self.allow_start_stop_recording,
        );
        set(
            &mut settings.webcams_only_for_moderator,
            self.webcams_only_for_moderator,
        );
        set(&mut settings.mute_on_start, self.mute_on_start);
        set(
            &mut settings.allow_mods_to_unmute_users,
            self.allow_mods_to_unmute_users,
        );
        set(&mut settings.enable_cam, self.enable_cam);
        set(&mut settings.enable_mic, self.enable_mic);
        set(&mut settings.enable_private_chat, self.enable_private_chat);
        set(&mut settings.enable_public_chat, self.enable_public_chat);
        set(&mut settings.enable_note, self.enable_note);
        set(&mut settings.max_participants, self.max_participants);
        set(&mut settings.duration, self.duration);
    }
}

/// Which meetings to list, beyond "those the actor may see".
#[derive(Debug, Clone, Default)]
pub struct MeetingListFilter {
    pub group_id: Option<i64>,
    /// Only meetings the actor owns.
    pub owned_only: bool,
    /// Case-insensitive substring of the name.
    pub name_contains: Option<String>,
}

/// The phone dial-in PIN (BBB `voiceBridge`): 1 to 10 ASCII digits.
pub fn validate_conference_pin(pin: &str) -> Result<(), ServiceError> {
    if (1..=10).contains(&pin.len()) && pin.bytes().all(|b| b.is_ascii_digit()) {
        Ok(())
    } else {
        Err(ServiceError::BadInput(
            "the conference PIN must be 1 to 10 digits".to_owned(),
        ))
    }
}

/// Creates a meeting in `group_id` owned by the actor. Needs `add_meetings` on the group (or
/// staff).
pub async fn create(
    store: &Store,
    actor: &Actor,
    group_id: i64,
    settings: MeetingSettings,
) -> Result<VisibleMeeting, ServiceError> {
    let user = actor.require_user()?;
    let group = store.groups().get(group_id).await?;
    let access = load_group_access(store, actor, &group).await?;
    require(
        access.can_add_meetings(),
        "creating meetings in this server group needs `add_meetings` on it",
    )?;
    if let Some(pin) = &settings.conference_pin {
        validate_conference_pin(pin)?;
    }
    let meeting = store
        .meetings()
        .create(NewMeeting {
            group_id,
            owner_id: Some(user.id),
            settings,
        })
        .await?;
    let permissions = load_meeting_permissions(store, actor, &meeting).await?;
    Ok(VisibleMeeting {
        meeting,
        permissions,
    })
}

/// The meeting and the actor's permissions on it, before deciding what they may do. Other
/// sites' meetings are NOT_FOUND; anonymous callers are UNAUTHENTICATED before any lookup.
async fn load(store: &Store, actor: &Actor, id: i64) -> Result<VisibleMeeting, ServiceError> {
    actor.require_user()?;
    let meeting = store.meetings().get(id).await?;
    let permissions = load_meeting_permissions(store, actor, &meeting).await?;
    Ok(VisibleMeeting {
        meeting,
        permissions,
    })
}

/// A meeting the actor may see, with their permissions on it.
pub async fn get(store: &Store, actor: &Actor, id: i64) -> Result<VisibleMeeting, ServiceError> {
    let visible = load(store, actor, id).await?;
    require(
        visible.permissions.can_view(),
        "this meeting is not shared with you",
    )?;
    Ok(visible)
}

/// A meeting the actor may act on as `allowed` says; FORBIDDEN with `refusal` otherwise.
pub(crate) async fn load_for(
    store: &Store,
    actor: &Actor,
    id: i64,
    allowed: fn(&EffectivePermissions) -> bool,
    refusal: &'static str,
) -> Result<VisibleMeeting, ServiceError> {
    let visible = load(store, actor, id).await?;
    require(allowed(&visible.permissions), refusal)?;
    Ok(visible)
}

/// Changes settings. Owner or superuser.
pub async fn update(
    store: &Store,
    actor: &Actor,
    id: i64,
    changes: MeetingChanges,
) -> Result<VisibleMeeting, ServiceError> {
    let VisibleMeeting {
        meeting,
        permissions,
    } = load_for(
        store,
        actor,
        id,
        EffectivePermissions::can_update,
        "only the meeting's owner or a superuser may change its settings",
    )
    .await?;
    let mut settings = MeetingSettings::from(&meeting);
    changes.apply(&mut settings);
    let meeting = store.meetings().update(id, settings).await?;
    Ok(VisibleMeeting {
        meeting,
        permissions,
    })
}

/// Deletes a meeting with its grants and URLs. Owner or superuser.
pub async fn delete(store: &Store, actor: &Actor, id: i64) -> Result<(), ServiceError> {
    load_for(
        store,
        actor,
        id,
        EffectivePermissions::can_delete,
        "only the meeting's owner or a superuser may delete it",
    )
    .await?;
    Ok(store.meetings().delete(id).await?)
}

/// Sets (`Some`) or clears (`None`) the static conference PIN. Needs `enforce_conference_pin`.
pub async fn set_conference_pin(
    store: &Store,
    actor: &Actor,
    id: i64,
    pin: Option<&str>,
) -> Result<VisibleMeeting, ServiceError> {
    let VisibleMeeting { permissions, .. } = load_for(
        store,
        actor,
        id,
        EffectivePermissions::can_set_conference_pin,
        "setting the conference PIN needs `enforce_conference_pin`",
    )
    .await?;
    if let Some(pin) = pin {
        validate_conference_pin(pin)?;
    }
    let meeting = store.meetings().set_conference_pin(id, pin).await?;
    Ok(VisibleMeeting {
        meeting,
        permissions,
    })
}

/// A page of the meetings the actor may see: all of the site for staff and superusers, the
/// ones they own or hold a permission on for everybody else.
pub async fn list(
    store: &Store,
    actor: &Actor,
    filter: MeetingListFilter,
    page: PageRequest,
) -> Result<Page<Meeting>, ServiceError> {
    list_columns(store, actor, filter, page, MeetingColumns::ALL).await
}

/// [`list`] reading only some columns of each meeting: the others hold placeholders, so the
/// caller shows only what `columns` contains (ids, group and owner always).
pub async fn list_columns(
    store: &Store,
    actor: &Actor,
    filter: MeetingListFilter,
    page: PageRequest,
    columns: MeetingColumns,
) -> Result<Page<Meeting>, ServiceError> {
    let user = actor.require_user()?;
    let store_filter = MeetingFilter {
        site_id: Some(actor.site.id),
        group_id: filter.group_id,
        owner_id: filter.owned_only.then_some(user.id),
        accessible_by: (!actor.is_staff()).then_some(user.id),
        name_contains: filter.name_contains.filter(|needle| !needle.is_empty()),
    };
    Ok(store
        .meetings()
        .list_columns(&store_filter, page, columns)
        .await?)
}

/// The meeting behind a URL slug of the actor's site. Guests (anyone without a permission on
/// the meeting) get it only if the URL admits guests. A URL that does not lead the actor
/// anywhere is NOT_FOUND, exactly like a slug nobody took: slugs are short and guessable, so
/// any other answer would tell a guesser which ones exist.
pub async fn get_by_url(
    store: &Store,
    actor: &Actor,
    slug: &str,
) -> Result<MeetingThroughUrl, ServiceError> {
    const NOT_FOUND: ServiceError = ServiceError::NotFound("meeting URL");
    let url = store
        .meeting_urls()
        .find_by_slug(actor.site.id, slug.trim())
        .await?
        .ok_or(NOT_FOUND)?;
    let meeting = store.meetings().get(url.meeting_id).await?;
    let permissions = load_meeting_permissions(store, actor, &meeting).await?;
    if !(permissions.can_view() || url_admits_guests(&url)) {
        return Err(NOT_FOUND);
    }
    Ok(MeetingThroughUrl {
        url,
        meeting,
        permissions,
    })
}
