//! A persistent meeting definition: everything needed to (re-)create it on BBB.

use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize, Deserialize)]
#[sea_orm(table_name = "meeting")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub group_id: i64,
    /// The user who created the meeting; holds every meeting permission. Absent once that
    /// user is deleted: the meeting outlives its owner.
    pub owner_id: Option<i64>,
    pub name: String,
    pub welcome_message: String,
    pub moderator_message: String,
    /// The phone dial-in PIN (BBB `voiceBridge`): 1 to 10 digits, unique.
    #[sea_orm(unique)]
    pub conference_pin: Option<String>,
    pub record: bool,
    pub auto_start_recording: bool,
    pub allow_start_stop_recording: bool,
    pub webcams_only_for_moderator: bool,
    pub mute_on_start: bool,
    pub allow_mods_to_unmute_users: bool,
    /// BBB lock settings, inverted: `false` locks the feature for viewers.
    pub enable_cam: bool,
    pub enable_mic: bool,
    pub enable_private_chat: bool,
    pub enable_public_chat: bool,
    pub enable_note: bool,
    /// Absent means unlimited.
    pub max_participants: Option<i32>,
    /// Minutes; absent means unlimited.
    pub duration: Option<i32>,
    /// The default BBB meetingID.
    #[sea_orm(unique)]
    pub guid: Uuid,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::server_group::Entity",
        from = "Column::GroupId",
        to = "super::server_group::Column::Id",
        on_delete = "Cascade"
    )]
    ServerGroup,
    #[sea_orm(
        belongs_to = "super::user::Entity",
        from = "Column::OwnerId",
        to = "super::user::Column::Id",
        on_delete = "SetNull"
    )]
    Owner,
    #[sea_orm(has_many = "super::meeting_grant::Entity")]
    MeetingGrant,
    #[sea_orm(has_many = "super::meeting_url::Entity")]
    MeetingUrl,
    #[sea_orm(has_many = "super::placement::Entity")]
    Placement,
}

impl Related<super::server_group::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::ServerGroup.def()
    }
}

impl Related<super::meeting_grant::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::MeetingGrant.def()
    }
}

impl Related<super::meeting_url::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::MeetingUrl.def()
    }
}

impl Related<super::placement::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Placement.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
