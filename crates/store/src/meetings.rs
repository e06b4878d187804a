//! Persistent meetings, the permissions users hold on them, and their URLs.

use std::collections::HashMap;

use entity::{meeting, meeting_grant, meeting_url, server_group};
use sea_orm::sea_query::{Expr, ExprTrait, Func, LikeExpr, Query};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, EntityTrait, Iterable, QueryFilter, QueryOrder,
    QueryResult, QuerySelect, Select, Set,
};
use uuid::Uuid;

use crate::error::inserted_unless_duplicate;
use crate::page::{fetch_page, fetch_page_rows};
use crate::{
    Meeting, MeetingGrant, MeetingPermission, MeetingUrl, Page, PageRequest, Store, StoreError,
    now, validate,
};

/// Every setting of a meeting that is sent to BBB on create.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MeetingSettings {
    pub name: String,
    pub welcome_message: String,
    pub moderator_message: String,
    /// 1 to 10 digits, unique; BBB `voiceBridge`.
    pub conference_pin: Option<String>,
    pub record: bool,
    pub auto_start_recording: bool,
    pub allow_start_stop_recording: bool,
    pub webcams_only_for_moderator: bool,
    pub mute_on_start: bool,
    pub allow_mods_to_unmute_users: bool,
    pub enable_cam: bool,
    pub enable_mic: bool,
    pub enable_private_chat: bool,
    pub enable_public_chat: bool,
    pub enable_note: bool,
    pub max_participants: Option<i32>,
    /// Minutes.
    pub duration: Option<i32>,
}

impl MeetingSettings {
    /// A meeting with the original's defaults.
    pub fn new(name: impl Into<String>) -> Self {
        MeetingSettings {
            name: name.into(),
            welcome_message: String::new(),
            moderator_message: String::new(),
            conference_pin: None,
            record: false,
            auto_start_recording: false,
            allow_start_stop_recording: true,
            webcams_only_for_moderator: false,
            mute_on_start: false,
            allow_mods_to_unmute_users: false,
            enable_cam: true,
            enable_mic: true,
            enable_private_chat: true,
            enable_public_chat: true,
            enable_note: true,
            max_participants: None,
            duration: None,
        }
    }
}

impl From<&Meeting> for MeetingSettings {
    /// The current settings, to change a few and pass to [`Meetings::update`].
    fn from(meeting: &Meeting) -> Self {
        MeetingSettings {
            name: meeting.name.clone(),
            welcome_message: meeting.welcome_message.clone(),
            moderator_message: meeting.moderator_message.clone(),
            conference_pin: meeting.conference_pin.clone(),
            record: meeting.record,
            auto_start_recording: meeting.auto_start_recording,
            allow_start_stop_recording: meeting.allow_start_stop_recording,
            webcams_only_for_moderator: meeting.webcams_only_for_moderator,
            mute_on_start: meeting.mute_on_start,
            allow_mods_to_unmute_users: meeting.allow_mods_to_unmute_users,
            enable_cam: meeting.enable_cam,
            enable_mic: meeting.enable_mic,
            enable_private_chat: meeting.enable_private_chat,
            enable_public_chat: meeting.enable_public_chat,
            enable_note: meeting.enable_note,
            max_participants: meeting.max_participants,
            duration: meeting.duration,
        }
    }
}

pub struct NewMeeting {
    pub group_id: i64,
    pub owner_id: Option<i64>,
    pub settings: MeetingSettings,
}

/// Which meetings to list; every given criterion must hold.
#[derive(Debug, Clone, Default)]
pub struct MeetingFilter {
    pub site_id: Option<i64>,
    pub group_id: Option<i64>,
    pub owner_id: Option<i64>,
    /// Meetings the user owns or holds any permission on.
    pub accessible_by: Option<i64>,
    /// Case-insensitive substring of the name.
    pub name_contains: Option<String>,
}

pub struct Meetings<'s> {
    store: &'s Store,
}

impl<'s> Meetings<'s> {
    pub(crate) fn new(store: &'s Store) -> Self {
        Meetings { store }
    }

    /// Creates a meeting with a fresh random guid (its default BBB meetingID).
    pub async fn create(&self, new: NewMeeting) -> Result<Meeting, StoreError> {
        let created_at = now();
        let mut meeting = meeting::ActiveModel {
            group_id: Set(new.group_id),
            owner_id: Set(new.owner_id),
            guid: Set(Uuid::new_v4()),
            created_at: Set(created_at),
            updated_at: Set(created_at),
            ..Default::default()
        };
        apply_settings(&mut meeting, new.settings)?;
        Ok(meeting.insert(self.store.connection()).await?)
    }

    pub async fn get(&self, id: i64) -> Result<Meeting, StoreError> {
        unique_row(meeting::Entity::find_by_id(id), self.store)
            .await?
            .ok_or(StoreError::not_found("meeting"))
    }

    /// Meetings by id in one query (for DataLoaders); missing ids are skipped.
    pub async fn get_many(&self, ids: &[i64]) -> Result<Vec<Meeting>, StoreError> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        Ok(meeting::Entity::find()
            .filter(meeting::Column::Id.is_in(ids.iter().copied()))
            .order_by_asc(meeting::Column::Id)
            .all(self.store.connection())
            .await?)
    }

    pub async fn find_by_guid(&self, guid: Uuid) -> Result<Option<Meeting>, StoreError> {
        let select = meeting::Entity::find().filter(meeting::Column::Guid.eq(guid));
        Ok(unique_row(select, self.store).await?)
    }

    pub async fn find_by_conference_pin(&self, pin: &str) -> Result<Option<Meeting>, StoreError> {
        let select = meeting::Entity::find().filter(meeting::Column::ConferencePin.eq(pin));
        Ok(unique_row(select, self.store).await?)
    }

    /// Replaces all settings (start from `MeetingSettings::from(&meeting)` to change a few).
    pub async fn update(&self, id: i64, settings: MeetingSettings) -> Result<Meeting, StoreError> {
        let mut meeting: meeting::ActiveModel = self.get(id).await?.into();
        apply_settings(&mut meeting, settings)?;
        meeting.updated_at = Set(now());
        Ok(meeting.update(self.store.connection()).await?)
    }

    /// Sets or clears the conference PIN alone.
    pub async fn set_conference_pin(
        &self,
        id: i64,
        pin: Option<&str>,
    ) -> Result<Meeting, StoreError> {
        let mut meeting: meeting::ActiveModel = self.get(id).await?.into();
        meeting.conference_pin = Set(validate::conference_pin(pin)?);
        meeting.updated_at = Set(now());
        Ok(meeting.update(self.store.connection()).await?)
    }

    /// Deletes a meeting with its grants and URLs.
    pub async fn delete(&self, id: i64) -> Result<(), StoreError> {
        let deleted = meeting::Entity::delete_by_id(id)
            .exec(self.store.connection())
            .await?;
        if deleted.rows_affected == 0 {
            return Err(StoreError::not_found("meeting"));
        }
        Ok(())
    }

    /// The meetings `filter` admits after `page`'s cursor, in id order.
    fn matching(&self, filter: &MeetingFilter, page: PageRequest) -> Select<meeting::Entity> {
        use meeting::Column as C;
        let mut condition = Condition::all();
        if let Some(after) = page.after {
            condition = condition.add(C::Id.gt(after));
        }
        if let Some(site_id) = filter.site_id {
            condition = condition.add(
                C::GroupId.in_subquery(
                    Query::select()
                        .column(server_group::Column::Id)
                        .from(server_group::Entity)
                        .and_where(server_group::Column::SiteId.eq(site_id))
                        .to_owned(),
                ),
            );
        }
        if let Some(group_id) = filter.group_id {
            condition = condition.add(C::GroupId.eq(group_id));
        }
        if let Some(owner_id) = filter.owner_id {
            condition = condition.add(C::OwnerId.eq(owner_id));
        }
        if let Some(user_id) = filter.accessible_by {
            condition = condition.add(
                Condition::any().add(C::OwnerId.eq(user_id)).add(
                    C::Id.in_subquery(
                        Query::select()
                            .column(meeting_grant::Column::MeetingId)
                            .from(meeting_grant::Entity)
                            .and_where(meeting_grant::Column::UserId.eq(user_id))
                            .to_owned(),
                    ),
                ),
            );
        }
        if let Some(needle) = &filter.name_contains {
            // LIKE is case-sensitive on PostgreSQL and not on SQLite; lower() on both sides
            // makes them agree. The needle's own wildcards are escaped.
            let escaped = needle
                .to_lowercase()
                .replace('\\', "\\\\")
                .replace('%', "\\%")
                .replace('_', "\\_");
            condition = condition.add(
                Expr::expr(Func::lower(Expr::col(C::Name)))
                    .like(LikeExpr::new(format!("%{escaped}%")).escape('\\')),
            );
        }
        meeting::Entity::find()
            .filter(condition)
            .order_by_asc(C::Id)
    }

    /// A page of matching meetings in id order.
    pub async fn list(
        &self,
        filter: &MeetingFilter,
        page: PageRequest,
    ) -> Result<Page<Meeting>, StoreError> {
        let select = self.matching(filter, page);
        Ok(fetch_page(select, page, self.store.connection()).await?)
    }

    /// [`Meetings::list`] reading only `columns` of each meeting (see [`MeetingColumns`]).
    pub async fn list_columns(
        &self,
        filter: &MeetingFilter,
        page: PageRequest,
        columns: MeetingColumns,
    ) -> Result<Page<Meeting>, StoreError> {
        if columns.is_all() {
            return self.list(filter, page).await;
        }
        // One list for the SELECT and for decoding: the row's values come in its order.
        let selected: Vec<meeting::Column> = columns.iter().collect();
        let select = self
            .matching(filter, page)
            .select_only()
            .columns(selected.iter().copied());
        let rows = fetch_page_rows(select, page, self.store.connection()).await?;
        let items = rows
            .items
            .iter()
            .map(|row| read_columns(row, &selected))
            .collect::<Result<_, _>>()?;
        Ok(Page {
            items,
            has_next_page: rows.has_next_page,
        })
    }
}

/// Some columns of the meeting table, always with the id, the group and the owner (what a
/// meeting's permissions are worked out from). Reading a page of meetings costs the database
/// and the gateway in proportion to the columns read (SQLite copies every value of a row, and
/// the row is decoded column by column), so a list reads only what its query asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MeetingColumns(u32);

impl MeetingColumns {
    /// Id, group and owner.
    pub const KEYS: MeetingColumns = MeetingColumns(
        1 << meeting::Column::Id as u32
            | 1 << meeting::Column::GroupId as u32
            | 1 << meeting::Column::OwnerId as u32,
    );
    /// Every column: a whole [`Meeting`] (a bit for each of the table's columns, of which
    /// there are fewer than 32: `every_meeting_column_has_a_bit`).
    pub const ALL: MeetingColumns = MeetingColumns(u32::MAX);

    #[must_use]
    pub fn with(self, column: meeting::Column) -> MeetingColumns {
        MeetingColumns(self.0 | 1 << column as u32)
    }

    pub fn contains(self, column: meeting::Column) -> bool {
        self.0 & 1 << column as u32 != 0
    }

    pub fn is_all(self) -> bool {
        meeting::Column::iter().all(|column| self.contains(column))
    }

    /// The columns in the order of the table.
    pub fn iter(self) -> impl Iterator<Item = meeting::Column> {
        meeting::Column::iter().filter(move |column| self.contains(*column))
    }
}

/// A meeting from a row of the `columns` selected, in their order. The columns not read hold
/// placeholders (empty texts, false, none, the nil UUID, the Unix epoch) that no caller may
/// show: [`MeetingColumns::contains`] says which are real.
fn read_columns(row: &QueryResult, columns: &[meeting::Column]) -> Result<Meeting, sea_orm::DbErr> {
    use meeting::Column as C;
    let mut meeting = Meeting {
        id: 0,
        group_id: 0,
        owner_id: None,
        name: String::new(),
        welcome_message: String::new(),
        moderator_message: String::new(),
        conference_pin: None,
        record: false,
        auto_start_recording: false,
        allow_start_stop_recording: false,
        webcams_only_for_moderator: false,
        mute_on_start: false,
        allow_mods_to_unmute_users: false,
        enable_cam: false,
        enable_mic: false,
        enable_private_chat: false,
        enable_public_chat: false,
        enable_note: false,
        max_participants: None,
        duration: None,
        guid: Uuid::nil(),
        created_at: chrono::DateTime::UNIX_EPOCH,
        updated_at: chrono::DateTime::UNIX_EPOCH,
    };
    for (index, column) in columns.iter().enumerate() {
        match column {
            C::Id => meeting.id = row.try_get_by_index(index)?,
            C::GroupId => meeting.group_id = row.try_get_by_index(index)?,
            C::OwnerId => meeting.owner_id = row.try_get_by_index(index)?,
            C::Name => meeting.name = row.try_get_by_index(index)?,
            C::WelcomeMessage => meeting.welcome_message = row.try_get_by_index(index)?,
            C::ModeratorMessage => meeting.moderator_message = row.try_get_by_index(index)?,
            C::ConferencePin => meeting.conference_pin = row.try_get_by_index(index)?,
            C::Record => meeting.record = row.try_get_by_index(index)?,
            C::AutoStartRecording => meeting.auto_start_recording = row.try_get_by_index(index)?,
            C::AllowStartStopRecording => {
                meeting.allow_start_stop_recording = row.try_get_by_index(index)?
            }
            C::WebcamsOnlyForModerator => {
                meeting.webcams_only_for_moderator = row.try_get_by_index(index)?
            }
            C::MuteOnStart => meeting.mute_on_start = row.try_get_by_index(index)?,
            C::AllowModsToUnmuteUsers => {
                meeting.allow_mods_to_unmute_users = row.try_get_by_index(index)?
            }
            C::EnableCam => meeting.enable_cam = row.try_get_by_index(index)?,
            C::EnableMic => meeting.enable_mic = row.try_get_by_index(index)?,
            C::EnablePrivateChat => meeting.enable_private_chat = row.try_get_by_index(index)?,
            C::EnablePublicChat => meeting.enable_public_chat = row.try_get_by_index(index)?,
            C::EnableNote => meeting.enable_note = row.try_get_by_index(index)?,
            C::MaxParticipants => meeting.max_participants = row.try_get_by_index(index)?,
            C::Duration => meeting.duration = row.try_get_by_index(index)?,
            C::Guid => meeting.guid = row.try_get_by_index(index)?,
            C::CreatedAt => meeting.created_at = row.try_get_by_index(index)?,
            C::UpdatedAt => meeting.updated_at = row.try_get_by_index(index)?,
        }
    }
    Ok(meeting)
}

/// The row of a primary or unique key, or `None`. Not `.one()`: that adds a bound `LIMIT ?`,
/// which makes SQLite parse and plan the statement again on every execution (see
/// [`fetch_page`]); the key admits one row at most, so the query needs no limit.
async fn unique_row<E: EntityTrait>(
    select: Select<E>,
    store: &Store,
) -> Result<Option<E::Model>, sea_orm::DbErr> {
    Ok(select.all(store.connection()).await?.into_iter().next())
}

fn apply_settings(
    meeting: &mut meeting::ActiveModel,
    settings: MeetingSettings,
) -> Result<(), StoreError> {
    meeting.name = Set(validate::name("name", &settings.name, 60)?);
    meeting.welcome_message = Set(validate::text(
        "welcome_message",
        &settings.welcome_message,
        5000,
    )?);
    meeting.moderator_message = Set(validate::text(
        "moderator_message",
        &settings.moderator_message,
        5000,
    )?);
    meeting.conference_pin = Set(validate::conference_pin(
        settings.conference_pin.as_deref(),
    )?);
    meeting.record = Set(settings.record);
    meeting.auto_start_recording = Set(settings.auto_start_recording);
    meeting.allow_start_stop_recording = Set(settings.allow_start_stop_recording);
    meeting.webcams_only_for_moderator = Set(settings.webcams_only_for_moderator);
    meeting.mute_on_start = Set(settings.mute_on_start);
    meeting.allow_mods_to_unmute_users = Set(settings.allow_mods_to_unmute_users);
    meeting.enable_cam = Set(settings.enable_cam);
    meeting.enable_mic = Set(settings.enable_mic);
    meeting.enable_private_chat = Set(settings.enable_private_chat);
    meeting.enable_public_chat = Set(settings.enable_public_chat);
    meeting.enable_note = Set(settings.enable_note);
    meeting.max_participants = Set(validate::positive_or_none(
        "max_participants",
        settings.max_participants,
    )?);
    meeting.duration = Set(validate::positive_or_none("duration", settings.duration)?);
    Ok(())
}

pub struct MeetingGrants<'s> {
    store: &'s Store,
}

impl<'s> MeetingGrants<'s> {
    pub(crate) fn new(store: &'s Store) -> Self {
        MeetingGrants { store }
    }

    /// Grants a permission; `false` if the user already held it.
    pub async fn grant(
        &self,
        meeting_id: i64,
        user_id: i64,
        permission: MeetingPermission,
    ) -> Result<bool, StoreError> {
        let inserted = meeting_grant::ActiveModel {
            meeting_id: Set(meeting_id),
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
        meeting_id: i64,
        user_id: i64,
        permission: MeetingPermission,
    ) -> Result<bool, StoreError> {
        let deleted = meeting_grant::Entity::delete_many()
            .filter(meeting_grant::Column::MeetingId.eq(meeting_id))
            .filter(meeting_grant::Column::UserId.eq(user_id))
            .filter(meeting_grant::Column::Permission.eq(permission))
            .exec(self.store.connection())
            .await?;
        Ok(deleted.rows_affected > 0)
    }

    /// Every grant on a meeting.
    pub async fn list(&self, meeting_id: i64) -> Result<Vec<MeetingGrant>, StoreError> {
        Ok(meeting_grant::Entity::find()
            .filter(meeting_grant::Column::MeetingId.eq(meeting_id))
            .order_by_asc(meeting_grant::Column::Id)
            .all(self.store.connection())
            .await?)
    }

    /// Every meeting grant a user holds.
    pub async fn of_user(&self, user_id: i64) -> Result<Vec<MeetingGrant>, StoreError> {
        Ok(meeting_grant::Entity::find()
            .filter(meeting_grant::Column::UserId.eq(user_id))
            .order_by_asc(meeting_grant::Column::Id)
            .all(self.store.connection())
            .await?)
    }

    /// The permissions one user holds on one meeting (ownership not included).
    pub async fn permissions(
        &self,
        meeting_id: i64,
        user_id: i64,
    ) -> Result<Vec<MeetingPermission>, StoreError> {
        Ok(meeting_grant::Entity::find()
            .filter(meeting_grant::Column::MeetingId.eq(meeting_id))
            .filter(meeting_grant::Column::UserId.eq(user_id))
            .order_by_asc(meeting_grant::Column::Id)
            .all(self.store.connection())
            .await?
            .into_iter()
            .map(|grant| grant.permission)
            .collect())
    }

    /// The grants of many meetings in one `IN (…)` query, by meeting id (for DataLoaders).
    /// Meetings without grants are absent from the map.
    pub async fn for_meetings(
        &self,
        meeting_ids: &[i64],
    ) -> Result<HashMap<i64, Vec<MeetingGrant>>, StoreError> {
        let mut by_meeting: HashMap<i64, Vec<MeetingGrant>> = HashMap::new();
        if meeting_ids.is_empty() {
            return Ok(by_meeting);
        }
        let grants = meeting_grant::Entity::find()
            .filter(meeting_grant::Column::MeetingId.is_in(meeting_ids.iter().copied()))
            .order_by_asc(meeting_grant::Column::Id)
            .all(self.store.connection())
            .await?;
        for grant in grants {
            by_meeting.entry(grant.meeting_id).or_default().push(grant);
        }
        Ok(by_meeting)
    }

    /// One user's permissions on many meetings in one `IN (…)` query, by meeting id, each in
    /// grant order like [`MeetingGrants::permissions`] (ownership not included): the viewer's
    /// own grants on a page of meetings, where `for_meetings` would load everybody's.
    /// Meetings on which the user holds nothing are absent from the map.
    pub async fn of_user_for_meetings(
        &self,
        user_id: i64,
        meeting_ids: &[i64],
    ) -> Result<HashMap<i64, Vec<MeetingPermission>>, StoreError> {
        let mut by_meeting: HashMap<i64, Vec<MeetingPermission>> = HashMap::new();
        if meeting_ids.is_empty() {
            return Ok(by_meeting);
        }
        let grants = meeting_grant::Entity::find()
            .filter(meeting_grant::Column::UserId.eq(user_id))
            .filter(meeting_grant::Column::MeetingId.is_in(meeting_ids.iter().copied()))
            .order_by_asc(meeting_grant::Column::Id)
            .all(self.store.connection())
            .await?;
        for grant in grants {
            by_meeting
                .entry(grant.meeting_id)
                .or_default()
                .push(grant.permission);
        }
        Ok(by_meeting)
    }
}

pub struct NewMeetingUrl {
    pub site_id: i64,
    pub meeting_id: i64,
    pub slug: String,
    pub allow_guests: bool,
}

pub struct MeetingUrls<'s> {
    store: &'s Store,
}

impl<'s> MeetingUrls<'s> {
    pub(crate) fn new(store: &'s Store) -> Self {
        MeetingUrls { store }
    }

    pub async fn add(&self, new: NewMeetingUrl) -> Result<MeetingUrl, StoreError> {
        Ok(meeting_url::ActiveModel {
            site_id: Set(new.site_id),
            meeting_id: Set(new.meeting_id),
            slug: Set(validate::slug(&new.slug)?),
            allow_guests: Set(new.allow_guests),
            created_at: Set(now()),
            ..Default::default()
        }
        .insert(self.store.connection())
        .await?)
    }

    pub async fn get(&self, id: i64) -> Result<MeetingUrl, StoreError> {
        unique_row(meeting_url::Entity::find_by_id(id), self.store)
            .await?
            .ok_or(StoreError::not_found("meeting URL"))
    }

    pub async fn find_by_slug(
        &self,
        site_id: i64,
        slug: &str,
    ) -> Result<Option<MeetingUrl>, StoreError> {
        let select = meeting_url::Entity::find()
            .filter(meeting_url::Column::SiteId.eq(site_id))
            .filter(meeting_url::Column::Slug.eq(slug));
        Ok(unique_row(select, self.store).await?)
    }

    pub async fn list(&self, meeting_id: i64) -> Result<Vec<MeetingUrl>, StoreError> {
        Ok(meeting_url::Entity::find()
            .filter(meeting_url::Column::MeetingId.eq(meeting_id))
            .order_by_asc(meeting_url::Column::Id)
            .all(self.store.connection())
            .await?)
    }

    /// The URLs of many meetings in one `IN (…)` query, by meeting id, each in id order (for
    /// DataLoaders). Meetings without URLs are absent from the map.
    pub async fn for_meetings(
        &self,
        meeting_ids: &[i64],
    ) -> Result<HashMap<i64, Vec<MeetingUrl>>, StoreError> {
        let mut by_meeting: HashMap<i64, Vec<MeetingUrl>> = HashMap::new();
        if meeting_ids.is_empty() {
            return Ok(by_meeting);
        }
        let urls = meeting_url::Entity::find()
            .filter(meeting_url::Column::MeetingId.is_in(meeting_ids.iter().copied()))
            .order_by_asc(meeting_url::Column::Id)
            .all(self.store.connection())
            .await?;
        for url in urls {
            by_meeting.entry(url.meeting_id).or_default().push(url);
        }
        Ok(by_meeting)
    }

    pub async fn set_allow_guests(
        &self,
        id: i64,
        allow_guests: bool,
    ) -> Result<MeetingUrl, StoreError> {
        let mut url: meeting_url::ActiveModel = self.get(id).await?.into();
        url.allow_guests = Set(allow_guests);
        Ok(url.update(self.store.connection()).await?)
    }

    pub async fn remove(&self, id: i64) -> Result<(), StoreError> {
        let deleted = meeting_url::Entity::delete_by_id(id)
            .exec(self.store.connection())
            .await?;
        if deleted.rows_affected == 0 {
            return Err(StoreError::not_found("meeting URL"));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_meeting_column_has_a_bit() {
        assert!(meeting::Column::iter().all(|column| (column as u32) < u32::BITS));
        let mut every = MeetingColumns::KEYS;
        for column in meeting::Column::iter() {
            every = every.with(column);
        }
        assert!(every.is_all());
        assert_eq!(every.iter().count(), meeting::Column::iter().count());
        assert!(!MeetingColumns::KEYS.is_all());
        assert_eq!(
            MeetingColumns::KEYS
                .iter()
                .map(|column| column as u32)
                .collect::<Vec<_>>(),
            [
                meeting::Column::Id as u32,
                meeting::Column::GroupId as u32,
                meeting::Column::OwnerId as u32
            ]
        );
    }
}
