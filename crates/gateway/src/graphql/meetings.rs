//! Persistent meetings over GraphQL: the `Meeting`, `MeetingUrl` and `MeetingGrant` types, the
//! meeting queries, and the mutations on meetings, their grants, URLs and conference PIN.
//! Every resolver parses, calls `service`, and maps; the rules live in `service::permissions`.

use std::sync::Arc;

use async_graphql::{Context, ID, InputObject, MaybeUndefined, Object, SimpleObject};
use chrono::{DateTime, Utc};
use service::meetings::{self as meeting_service, MeetingChanges, MeetingListFilter};
use service::model::{
    Meeting, MeetingColumn, MeetingColumns, MeetingGrant, MeetingSettings, MeetingUrl, Page,
};
use service::permissions::{EffectivePermissions, MEETING_PERMISSIONS};
use uuid::Uuid;

use super::{
    GatewayContext, UserNode,
    live::ListedPage,
    loaders::loaders,
    relay::{NodeConnection, NodeType, decode_id_of, forward_connection},
    servers::ServerGroupNode,
    types::{JoinRole, MeetingPermission, UserRefInput, actor, visible_or_none},
};
use crate::error::GatewayError;

/// A persistent meeting as the viewer may see it.
pub struct MeetingNode {
    /// Of a list, only `columns` are real: the id, group and owner always, the others read
    /// through [`MeetingNode::row`].
    meeting: Meeting,
    columns: MeetingColumns,
    pub permissions: EffectivePermissions,
    /// The page of a list the meeting is on, whose live state is loaded at once.
    page: Option<Arc<ListedPage>>,
}

impl NodeType for MeetingNode {
    const TYPE_NAME: &'static str = "Meeting";

    fn database_id(&self) -> i64 {
        self.meeting.id
    }
}

impl From<meeting_service::VisibleMeeting> for MeetingNode {
    fn from(visible: meeting_service::VisibleMeeting) -> Self {
        MeetingNode::whole(visible.meeting, visible.permissions)
    }
}

/// A meeting's settings, live figures and the like, for those it is shared with: FORBIDDEN for
/// a guest who came through a guest URL (see `EffectivePermissions::can_see_details`).
pub(super) fn require_details(permissions: &EffectivePermissions) -> Result<(), GatewayError> {
    if permissions.can_see_details() {
        Ok(())
    } else {
        Err(GatewayError::forbidden(GUEST_VIEW))
    }
}

impl MeetingNode {
    fn whole(meeting: Meeting, permissions: EffectivePermissions) -> MeetingNode {
        MeetingNode {
            meeting,
            columns: MeetingColumns::ALL,
            permissions,
            page: None,
        }
    }

    /// The meeting, for a field that shows its `column`. A list reads only the columns its
    /// query asks for ([`columns_for_fields`]), so a field reading another column is a defect
    /// there, answered INTERNAL rather than with a placeholder.
    fn row(&self, column: MeetingColumn) -> Result<&Meeting, GatewayError> {
        if self.columns.contains(column) {
            Ok(&self.meeting)
        } else {
            Err(GatewayError::internal(format!(
                "the meeting list did not read the column {column:?}"
            )))
        }
    }

    fn require_details(&self) -> Result<(), GatewayError> {
        require_details(&self.permissions)
    }

    /// For `node(id:)`: the meeting if the viewer may see it.
    pub async fn load(ctx: &Context<'_>, id: i64) -> Result<Option<MeetingNode>, GatewayError> {
        let found = meeting_service::get(ctx.store()?, actor(ctx)?, id).await;
        Ok(visible_or_none(found)?.map(MeetingNode::from))
    }
}

/// Why a guest through a guest URL cannot read a field.
const GUEST_VIEW: &str =
    "through a guest URL only the name, the welcome message and whether it runs are shown";

/// What the viewer may do with a meeting, for frontends to show the right buttons.
#[derive(SimpleObject)]
pub struct MeetingViewerPermissions {
    /// Every permission the viewer holds, directly, by implication, as owner or superuser.
    permissions: Vec<MeetingPermission>,
    /// The role `joinMeeting` would give the viewer; null when they may not join.
    best_join_role: Option<JoinRole>,
    /// The permissions the viewer may grant to and revoke from others.
    grantable: Vec<MeetingPermission>,
    can_update: bool,
    can_delete: bool,
    can_end: bool,
}

/// A meeting. Someone who reached it through a guest URL without a permission on it (a
/// guest) sees its `id`, `name`, `welcomeMessage`, `viewerPermissions` and `live { running }`:
/// `moderatorMessage`, `conferencePin`, `owner`, `group`, `urls` and `grants` are null for
/// them, `recordings` is empty, and the other fields answer FORBIDDEN.
#[Object(name = "Meeting")]
impl MeetingNode {
    pub async fn id(&self) -> ID {
        self.global_id()
    }

    /// The default BBB meetingID.
    async fn guid(&self) -> Result<Uuid, GatewayError> {
        self.require_details()?;
        Ok(self.row(MeetingColumn::Guid)?.guid)
    }

    async fn name(&self) -> Result<&str, GatewayError> {
        Ok(&self.row(MeetingColumn::Name)?.name)
    }

    async fn welcome_message(&self) -> Result<&str, GatewayError> {
        Ok(&self.row(MeetingColumn::WelcomeMessage)?.welcome_message)
    }

    /// Shown to moderators only; null unless the viewer may join as moderator (or is staff).
    async fn moderator_message(&self) -> Result<Option<&str>, GatewayError> {
        if !self.permissions.can_see_moderator_message() {
            return Ok(None);
        }
        Ok(Some(
            &self.row(MeetingColumn::ModeratorMessage)?.moderator_message,
        ))
    }

    /// The static phone dial-in PIN (BBB `voiceBridge`), if one is set; null unless the viewer
    /// may join the meeting (`JOIN_AS_ATTENDEE` or more), may set the PIN
    /// (`ENFORCE_CONFERENCE_PIN`) or is staff: it lets its holder into the audio.
    async fn conference_pin(&self) -> Result<Option<&str>, GatewayError> {
        if !self.permissions.can_see_conference_pin() {
            return Ok(None);
        }
        Ok(self
            .row(MeetingColumn::ConferencePin)?
            .conference_pin
            .as_deref())
    }

    async fn record(&self) -> Result<bool, GatewayError> {
        self.require_details()?;
        Ok(self.row(MeetingColumn::Record)?.record)
    }

    async fn auto_start_recording(&self) -> Result<bool, GatewayError> {
        self.require_details()?;
        Ok(self
            .row(MeetingColumn::AutoStartRecording)?
            .auto_start_recording)
    }

    async fn allow_start_stop_recording(&self) -> Result<bool, GatewayError> {
        self.require_details()?;
        Ok(self
            .row(MeetingColumn::AllowStartStopRecording)?
            .allow_start_stop_recording)
    }

    async fn webcams_only_for_moderator(&self) -> Result<bool, GatewayError> {
        self.require_details()?;
        Ok(self
            .row(MeetingColumn::WebcamsOnlyForModerator)?
            .webcams_only_for_moderator)
    }

    async fn mute_on_start(&self) -> Result<bool, GatewayError> {
        self.require_details()?;
        Ok(self.row(MeetingColumn::MuteOnStart)?.mute_on_start)
    }

    async fn allow_mods_to_unmute_users(&self) -> Result<bool, GatewayError> {
        self.require_details()?;
        Ok(self
            .row(MeetingColumn::AllowModsToUnmuteUsers)?
            .allow_mods_to_unmute_users)
    }

    /// Lock setting: `false` locks webcams for attendees (BBB `lockSettingsDisableCam`).
    async fn enable_cam(&self) -> Result<bool, GatewayError> {
        self.require_details()?;
        Ok(self.row(MeetingColumn::EnableCam)?.enable_cam)
    }

    /// Lock setting: `false` locks microphones for attendees.
    async fn enable_mic(&self) -> Result<bool, GatewayError> {
        self.require_details()?;
        Ok(self.row(MeetingColumn::EnableMic)?.enable_mic)
    }

    /// Lock setting: `false` locks private chat for attendees.
    async fn enable_private_chat(&self) -> Result<bool, GatewayError> {
        self.require_details()?;
        Ok(self
            .row(MeetingColumn::EnablePrivateChat)?
            .enable_private_chat)
    }

    /// Lock setting: `false` locks public chat for attendees.
    async fn enable_public_chat(&self) -> Result<bool, GatewayError> {
        self.require_details()?;
        Ok(self
            .row(MeetingColumn::EnablePublicChat)?
            .enable_public_chat)
    }

    /// Lock setting: `false` locks shared notes for attendees.
    async fn enable_note(&self) -> Result<bool, GatewayError> {
        self.require_details()?;
        Ok(self.row(MeetingColumn::EnableNote)?.enable_note)
    }

    /// Null means unlimited.
    async fn max_participants(&self) -> Result<Option<i32>, GatewayError> {
        self.require_details()?;
        Ok(self.row(MeetingColumn::MaxParticipants)?.max_participants)
    }

    /// Minutes; null means unlimited.
    async fn duration(&self) -> Result<Option<i32>, GatewayError> {
        self.require_details()?;
        Ok(self.row(MeetingColumn::Duration)?.duration)
    }

    async fn created_at(&self) -> Result<DateTime<Utc>, GatewayError> {
        self.require_details()?;
        Ok(self.row(MeetingColumn::CreatedAt)?.created_at)
    }

    async fn updated_at(&self) -> Result<DateTime<Utc>, GatewayError> {
        self.require_details()?;
        Ok(self.row(MeetingColumn::UpdatedAt)?.updated_at)
    }

    /// The user who created the meeting; null once that user is deleted, and for a guest.
    async fn owner(&self, ctx: &Context<'_>) -> Result<Option<UserNode>, GatewayError> {
        let Some(owner_id) = self
            .meeting
            .owner_id
            .filter(|_| self.permissions.can_see_details())
        else {
            return Ok(None);
        };
        Ok(loaders(ctx)?.users.load_one(owner_id).await?.map(UserNode))
    }

    /// The server group the meeting runs in; null for a guest.
    async fn group(&self, ctx: &Context<'_>) -> Result<Option<ServerGroupNode>, GatewayError> {
        if !self.permissions.can_see_details() {
            return Ok(None);
        }
        let group = loaders(ctx)?.groups.load_one(self.meeting.group_id).await?;
        Ok(group.map(ServerGroupNode::without_access))
    }

    /// The meeting's URLs; null for a guest who reached the meeting through a guest URL.
    async fn urls(&self, ctx: &Context<'_>) -> Result<Option<Vec<MeetingUrlNode>>, GatewayError> {
        if !self.permissions.can_view() {
            return Ok(None);
        }
        let urls = loaders(ctx)?.urls.load_one(self.meeting.id).await?;
        Ok(Some(
            urls.unwrap_or_default()
                .into_iter()
                .map(MeetingUrlNode)
                .collect(),
        ))
    }

    /// Who holds which permission; null unless the viewer may grant or revoke something.
    async fn grants(
        &self,
        ctx: &Context<'_>,
    ) -> Result<Option<Vec<MeetingGrantNode>>, GatewayError> {
        if !self.permissions.can_manage_grants() {
            return Ok(None);
        }
        let grants = loaders(ctx)?.grants.load_one(self.meeting.id).await?;
        Ok(Some(
            grants
                .unwrap_or_default()
                .into_iter()
                .map(MeetingGrantNode)
                .collect(),
        ))
    }

    async fn viewer_permissions(&self) -> MeetingViewerPermissions {
        let permissions = &self.permissions;
        MeetingViewerPermissions {
            permissions: permissions.held().iter().map(Into::into).collect(),
            best_join_role: permissions.best_join_role().map(Into::into),
            grantable: MEETING_PERMISSIONS
                .into_iter()
                .filter(|p| permissions.can_grant(*p))
                .map(Into::into)
                .collect(),
            can_update: permissions.can_update(),
            can_delete: permissions.can_delete(),
            can_end: permissions.can_end(),
        }
    }

    // ---- Live state and recordings (owned by the BBB orchestration engineer) ----
    /// The meeting as BBB sees it now; null when it does not run on BBB. Fails with
    /// `BBB_UNAVAILABLE` (this field only) when its server cannot be reached. A guest sees
    /// only `running`.
    async fn live(
        &self,
        ctx: &Context<'_>,
    ) -> Result<Option<super::live::LiveMeeting>, GatewayError> {
        super::live::live_of(ctx, self, self.page.as_deref()).await
    }

    /// Recordings of the meeting's sessions, newest first: published ones for everyone who
    /// sees the meeting, all for holders of `JOIN_AS_MODERATOR`.
    async fn recordings(
        &self,
        ctx: &Context<'_>,
    ) -> Result<Vec<super::recordings::RecordingNode>, GatewayError> {
        super::recordings::recordings_of(ctx, self).await
    }
    // ---- end of live state and recordings ----
}

/// A short path within the site that leads to a meeting.
pub struct MeetingUrlNode(pub MeetingUrl);

impl NodeType for MeetingUrlNode {
    const TYPE_NAME: &'static str = "MeetingUrl";

    fn database_id(&self) -> i64 {
        self.0.id
    }
}

#[Object(name = "MeetingUrl")]
impl MeetingUrlNode {
    async fn id(&self) -> ID {
        self.global_id()
    }

    /// Lower-case letters, digits and hyphens; unique within the site.
    async fn slug(&self) -> &str {
        &self.0.slug
    }

    /// Whether people without an account may join through this URL, as attendees.
    async fn allow_guests(&self) -> bool {
        self.0.allow_guests
    }

    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
}

/// One permission one user holds on a meeting.
pub struct MeetingGrantNode(pub MeetingGrant);

impl NodeType for MeetingGrantNode {
    const TYPE_NAME: &'static str = "MeetingGrant";

    fn database_id(&self) -> i64 {
        self.0.id
    }
}

#[Object(name = "MeetingGrant")]
impl MeetingGrantNode {
    async fn id(&self) -> ID {
        self.global_id()
    }

    async fn permission(&self) -> MeetingPermission {
        self.0.permission.into()
    }

    async fn user(&self, ctx: &Context<'_>) -> Result<Option<UserNode>, GatewayError> {
        Ok(loaders(ctx)?
            .users
            .load_one(self.0.user_id)
            .await?
            .map(UserNode))
    }
}

/// Which meetings `meetings` lists, beyond "those the viewer may see".
#[derive(InputObject, Default)]
pub struct MeetingFilterInput {
    /// Only meetings of this server group.
    group_id: Option<ID>,
    /// Only meetings the viewer owns.
    #[graphql(default)]
    owned_by_me: bool,
    /// Case-insensitive part of the name.
    name_contains: Option<String>,
}

/// A new meeting; left-out settings take the defaults of the original.
#[derive(InputObject)]
pub struct CreateMeetingInput {
    group_id: ID,
    name: String,
    welcome_message: Option<String>,
    moderator_message: Option<String>,
    /// 1 to 10 digits, unique.
    conference_pin: Option<String>,
    record: Option<bool>,
    auto_start_recording: Option<bool>,
    allow_start_stop_recording: Option<bool>,
    webcams_only_for_moderator: Option<bool>,
    mute_on_start: Option<bool>,
    allow_mods_to_unmute_users: Option<bool>,
    enable_cam: Option<bool>,
    enable_mic: Option<bool>,
    enable_private_chat: Option<bool>,
    enable_public_chat: Option<bool>,
    enable_note: Option<bool>,
    max_participants: Option<i32>,
    /// Minutes.
    duration: Option<i32>,
}

impl CreateMeetingInput {
    fn settings(self) -> MeetingSettings {
        let defaults = MeetingSettings::new(self.name);
        MeetingSettings {
            welcome_message: self.welcome_message.unwrap_or(defaults.welcome_message),
            moderator_message: self.moderator_message.unwrap_or(defaults.moderator_message),
            conference_pin: self.conference_pin,
            record: self.record.unwrap_or(defaults.record),
            auto_start_recording: self
                .auto_start_recording
                .unwrap_or(defaults.auto_start_recording),
            allow_start_stop_recording: self
                .allow_start_stop_recording
                .unwrap_or(defaults.allow_start_stop_recording),
            webcams_only_for_moderator: self
                .webcams_only_for_moderator
                .unwrap_or(defaults.webcams_only_for_moderator),
            mute_on_start: self.mute_on_start.unwrap_or(defaults.mute_on_start),
            allow_mods_to_unmute_users: self
                .allow_mods_to_unmute_users
                .unwrap_or(defaults.allow_mods_to_unmute_users),
            enable_cam: self.enable_cam.unwrap_or(defaults.enable_cam),
            enable_mic: self.enable_mic.unwrap_or(defaults.enable_mic),
            enable_private_chat: self
                .enable_private_chat
                .unwrap_or(defaults.enable_private_chat),
            enable_public_chat: self
                .enable_public_chat
                .unwrap_or(defaults.enable_public_chat),
            enable_note: self.enable_note.unwrap_or(defaults.enable_note),
            max_participants: self.max_participants,
            duration: self.duration,
            name: defaults.name,
        }
    }
}

/// Settings to change; left-out fields keep their value. `maxParticipants` and `duration`
/// set to null remove the limit. The conference PIN has its own mutation.
#[derive(InputObject, Default)]
pub struct UpdateMeetingInput {
    name: Option<String>,
    welcome_message: Option<String>,
    moderator_message: Option<String>,
    record: Option<bool>,
    auto_start_recording: Option<bool>,
    allow_start_stop_recording: Option<bool>,
    webcams_only_for_moderator: Option<bool>,
    mute_on_start: Option<bool>,
    allow_mods_to_unmute_users: Option<bool>,
    enable_cam: Option<bool>,
    enable_mic: Option<bool>,
    enable_private_chat: Option<bool>,
    enable_public_chat: Option<bool>,
    enable_note: Option<bool>,
    max_participants: MaybeUndefined<i32>,
    duration: MaybeUndefined<i32>,
}

fn change_of(value: MaybeUndefined<i32>) -> Option<Option<i32>> {
    match value {
        MaybeUndefined::Undefined => None,
        MaybeUndefined::Null => Some(None),
        MaybeUndefined::Value(value) => Some(Some(value)),
    }
}

impl From<UpdateMeetingInput> for MeetingChanges {
    fn from(input: UpdateMeetingInput) -> Self {
        MeetingChanges {
            name: input.name,
            welcome_message: input.welcome_message,
            moderator_message: input.moderator_message,
            record: input.record,
            auto_start_recording: input.auto_start_recording,
            allow_start_stop_recording: input.allow_start_stop_recording,
            webcams_only_for_moderator: input.webcams_only_for_moderator,
            mute_on_start: input.mute_on_start,
            allow_mods_to_unmute_users: input.allow_mods_to_unmute_users,
            enable_cam: input.enable_cam,
            enable_mic: input.enable_mic,
            enable_private_chat: input.enable_private_chat,
            enable_public_chat: input.enable_public_chat,
            enable_note: input.enable_note,
            max_participants: change_of(input.max_participants),
            duration: change_of(input.duration),
        }
    }
}

/// The outcome of granting or revoking a meeting permission.
#[derive(SimpleObject)]
pub struct MeetingPermissionChange {
    /// False when the user already held (grant) or did not hold (revoke) the permission.
    changed: bool,
    permission: MeetingPermission,
    user: UserNode,
    meeting: MeetingNode,
}

/// The columns for the fields a `meetings` query asks of each meeting, under `nodes` and
/// under `edges { node }`, through fragments too.
fn listed_columns(ctx: &Context<'_>) -> MeetingColumns {
    let mut names = Vec::new();
    for child in ctx.field().selection_set() {
        match child.name() {
            "nodes" => names.extend(child.selection_set().map(|field| field.name())),
            "edges" => {
                for node in child.selection_set().filter(|field| field.name() == "node") {
                    names.extend(node.selection_set().map(|field| field.name()));
                }
            }
            _ => {}
        }
    }
    columns_for_fields(names)
}

/// The columns a list reads for these `Meeting` fields: a field named after a column reads
/// that column, the fields below need only the keys, and any other field the whole row.
fn columns_for_fields<'a>(fields: impl IntoIterator<Item = &'a str>) -> MeetingColumns {
    let mut columns = MeetingColumns::KEYS;
    for field in fields {
        match field {
            "__typename" | "id" | "owner" | "group" | "urls" | "grants" | "viewerPermissions"
            | "live" | "recordings" => {}
            other => match other.parse::<MeetingColumn>() {
                Ok(column) => columns = columns.with(column),
                Err(_) => return MeetingColumns::ALL,
            },
        }
    }
    columns
}

#[derive(Default)]
pub struct MeetingQueries;

#[Object]
impl MeetingQueries {
    /// The meetings the viewer may see (all of the site for staff), oldest first.
    async fn meetings(
        &self,
        ctx: &Context<'_>,
        filter: Option<MeetingFilterInput>,
        first: Option<i32>,
        after: Option<String>,
    ) -> Result<NodeConnection<MeetingNode>, GatewayError> {
        let (store, actor) = (ctx.store()?, actor(ctx)?);
        let filter = filter.unwrap_or_default();
        let filter = MeetingListFilter {
            group_id: filter
                .group_id
                .map(|id| decode_id_of::<ServerGroupNode>(&id, "groupId"))
                .transpose()?,
            owned_only: filter.owned_by_me,
            name_contains: filter.name_contains,
        };
        let columns = listed_columns(ctx);
        forward_connection(first, after, |page| async move {
            let page = meeting_service::list_columns(store, actor, filter, page, columns).await?;
            let mut permissions =
                service::batch::meeting_permissions(store, actor, &page.items).await?;
            let listed: Vec<(Meeting, EffectivePermissions)> = page
                .items
                .into_iter()
                .filter_map(|meeting| {
                    let permissions = permissions.remove(&meeting.id)?;
                    Some((meeting, permissions))
                })
                .collect();
            let live_page = Arc::new(ListedPage::new(
                listed.iter().map(|(meeting, _)| meeting.id).collect(),
            ));
            let items = listed
                .into_iter()
                .map(|(meeting, permissions)| MeetingNode {
                    meeting,
                    columns,
                    permissions,
                    page: Some(live_page.clone()),
                })
                .collect();
            Ok(Page {
                items,
                has_next_page: page.has_next_page,
            })
        })
        .await
    }

    async fn meeting(&self, ctx: &Context<'_>, id: ID) -> Result<MeetingNode, GatewayError> {
        let id = decode_id_of::<MeetingNode>(&id, "id")?;
        Ok(meeting_service::get(ctx.store()?, actor(ctx)?, id)
            .await?
            .into())
    }

    /// The meeting behind a URL slug. Anyone may use a URL that admits guests (and sees what
    /// `Meeting` shows guests); other URLs need a permission on the meeting. A slug that does
    /// not lead the caller anywhere is `NOT_FOUND`, whether it exists or not; after
    /// `graphql.max_slug_misses_per_client` of those, `RATE_LIMITED` (with `retryAfter`).
    async fn meeting_by_url(
        &self,
        ctx: &Context<'_>,
        slug: String,
    ) -> Result<MeetingNode, GatewayError> {
        let lookup = ctx
            .app()?
            .slug_throttle
            .admit(ctx.request()?.client_address)?;
        let through =
            lookup.settle(meeting_service::get_by_url(ctx.store()?, actor(ctx)?, &slug).await)?;
        Ok(MeetingNode::whole(through.meeting, through.permissions))
    }
}

#[derive(Default)]
pub struct MeetingMutations;

#[Object]
impl MeetingMutations {
    /// Creates a meeting owned by the viewer. Needs `ADD_MEETINGS` on the group (or staff).
    async fn create_meeting(
        &self,
        ctx: &Context<'_>,
        input: CreateMeetingInput,
    ) -> Result<MeetingNode, GatewayError> {
        let group_id = decode_id_of::<ServerGroupNode>(&input.group_id, "groupId")?;
        let created =
            meeting_service::create(ctx.store()?, actor(ctx)?, group_id, input.settings()).await?;
        Ok(created.into())
    }

    /// Changes settings. The owner or a superuser.
    async fn update_meeting(
        &self,
        ctx: &Context<'_>,
        id: ID,
        input: UpdateMeetingInput,
    ) -> Result<MeetingNode, GatewayError> {
        let id = decode_id_of::<MeetingNode>(&id, "id")?;
        let updated = meeting_service::update(ctx.store()?, actor(ctx)?, id, input.into()).await?;
        Ok(updated.into())
    }

    /// Deletes a meeting with its grants and URLs; returns its ID. The owner or a superuser.
    async fn delete_meeting(&self, ctx: &Context<'_>, id: ID) -> Result<ID, GatewayError> {
        let database_id = decode_id_of::<MeetingNode>(&id, "id")?;
        meeting_service::delete(ctx.store()?, actor(ctx)?, database_id).await?;
        Ok(id)
    }

    /// Sets the static conference PIN (1 to 10 digits), or clears it with null. Needs
    /// `ENFORCE_CONFERENCE_PIN`.
    async fn set_conference_pin(
        &self,
        ctx: &Context<'_>,
        meeting_id: ID,
        pin: Option<String>,
    ) -> Result<MeetingNode, GatewayError> {
        let id = decode_id_of::<MeetingNode>(&meeting_id, "meetingId")?;
        let updated =
            meeting_service::set_conference_pin(ctx.store()?, actor(ctx)?, id, pin.as_deref())
                .await?;
        Ok(updated.into())
    }

    async fn grant_meeting_permission(
        &self,
        ctx: &Context<'_>,
        meeting_id: ID,
        user: UserRefInput,
        permission: MeetingPermission,
    ) -> Result<MeetingPermissionChange, GatewayError> {
        change_grant(ctx, meeting_id, user, permission, GrantAction::Grant).await
    }

    async fn revoke_meeting_permission(
        &self,
        ctx: &Context<'_>,
        meeting_id: ID,
        user: UserRefInput,
        permission: MeetingPermission,
    ) -> Result<MeetingPermissionChange, GatewayError> {
        change_grant(ctx, meeting_id, user, permission, GrantAction::Revoke).await
    }

    /// Adds a URL (lower-case letters, digits, hyphens; 3 to 64). Needs `ADD_URLS`.
    async fn add_meeting_url(
        &self,
        ctx: &Context<'_>,
        meeting_id: ID,
        slug: String,
        #[graphql(default)] allow_guests: bool,
    ) -> Result<MeetingUrlNode, GatewayError> {
        let id = decode_id_of::<MeetingNode>(&meeting_id, "meetingId")?;
        let url = service::urls::add(ctx.store()?, actor(ctx)?, id, &slug, allow_guests).await?;
        Ok(MeetingUrlNode(url))
    }

    /// Removes a URL; returns its ID. Needs `ADD_URLS` on its meeting.
    async fn remove_meeting_url(&self, ctx: &Context<'_>, id: ID) -> Result<ID, GatewayError> {
        let database_id = decode_id_of::<MeetingUrlNode>(&id, "id")?;
        service::urls::remove(ctx.store()?, actor(ctx)?, database_id).await?;
        Ok(id)
    }
}

enum GrantAction {
    Grant,
    Revoke,
}

async fn change_grant(
    ctx: &Context<'_>,
    meeting_id: ID,
    user: UserRefInput,
    permission: MeetingPermission,
    action: GrantAction,
) -> Result<MeetingPermissionChange, GatewayError> {
    let (store, actor) = (ctx.store()?, actor(ctx)?);
    let meeting_id = decode_id_of::<MeetingNode>(&meeting_id, "meetingId")?;
    let user = user.to_service("user")?;
    let change = match action {
        GrantAction::Grant => {
            service::grants::grant(store, actor, meeting_id, &user, permission.into()).await?
        }
        GrantAction::Revoke => {
            service::grants::revoke(store, actor, meeting_id, &user, permission.into()).await?
        }
    };
    let meeting = meeting_service::get(store, actor, meeting_id).await?;
    Ok(MeetingPermissionChange {
        changed: change.changed,
        permission,
        user: UserNode(change.user),
        meeting: meeting.into(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_list_reads_the_columns_of_the_fields_asked_and_the_keys() {
        let columns = columns_for_fields(["id", "name", "welcomeMessage", "record", "live"]);
        assert_eq!(
            columns,
            MeetingColumns::KEYS
                .with(MeetingColumn::Name)
                .with(MeetingColumn::WelcomeMessage)
                .with(MeetingColumn::Record)
        );
        assert_eq!(
            columns_for_fields(["__typename", "owner", "group", "viewerPermissions"]),
            MeetingColumns::KEYS
        );
        // A field the mapping does not know reads the whole row.
        assert!(columns_for_fields(["name", "somethingNew"]).is_all());
    }
}
