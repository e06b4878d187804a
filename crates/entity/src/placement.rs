//! Where a live BBB meeting runs: the gateway's meeting→server map, written on create and never
//! rediscovered by asking every server.

use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize, Deserialize)]
#[sea_orm(table_name = "placement")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub group_id: i64,
    pub server_id: i64,
    /// Separates meetingIDs of different clients (e.g. one namespace per API token), so that
    /// two tokens may use the same meetingID without colliding.
    pub namespace: String,
    /// The meetingID the client knows.
    pub client_meeting_id: String,
    /// The meetingID on the BBB server.
    pub bbb_meeting_id: String,
    /// The API token that created it through the BBB endpoint, if any.
    pub token_id: Option<i64>,
    /// The persistent meeting it was started from, if any.
    pub meeting_id: Option<i64>,
    /// BBB's internalMeetingID, which is also the recordID of its recording.
    pub internal_meeting_id: Option<String>,
    /// BBB's createTime (milliseconds since the epoch).
    pub create_time: Option<i64>,
    pub created_at: DateTimeUtc,
    /// Set when the meeting ended; only placements without it are live.
    pub ended_at: Option<DateTimeUtc>,
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
        belongs_to = "super::server::Entity",
        from = "Column::ServerId",
        to = "super::server::Column::Id",
        on_delete = "Cascade"
    )]
    Server,
    #[sea_orm(
        belongs_to = "super::api_token::Entity",
        from = "Column::TokenId",
        to = "super::api_token::Column::Id",
        on_delete = "SetNull"
    )]
    ApiToken,
    #[sea_orm(
        belongs_to = "super::meeting::Entity",
        from = "Column::MeetingId",
        to = "super::meeting::Column::Id",
        on_delete = "SetNull"
    )]
    Meeting,
}

impl Related<super::server_group::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::ServerGroup.def()
    }
}

impl Related<super::server::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Server.def()
    }
}

impl Related<super::api_token::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::ApiToken.def()
    }
}

impl Related<super::meeting::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Meeting.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
