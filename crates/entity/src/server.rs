//! A BBB server: where to reach it, how much load it takes, and what the poller last saw.

use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

use crate::enums::{ServerHealth, ServerState};

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize, Deserialize)]
#[sea_orm(table_name = "server")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub group_id: i64,
    /// Unique within the group.
    pub name: String,
    /// The BBB API base URL, e.g. `https://bbb1.example.org/bigbluebutton/api/`.
    pub api_url: String,
    /// The BBB shared secret, AEAD-encrypted (`v1:<base64>`); never the plaintext.
    #[serde(skip_serializing)]
    pub secret_ciphertext: String,
    /// Relative capacity; load is divided by it. Always positive.
    pub weight: i32,
    pub state: ServerState,
    pub health: ServerHealth,
    pub consecutive_failures: i32,
    pub consecutive_successes: i32,
    pub last_polled_at: Option<DateTimeUtc>,
    pub last_poll_error: Option<String>,
    pub meeting_count: i32,
    pub attendee_count: i32,
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
    #[sea_orm(has_many = "super::placement::Entity")]
    Placement,
}

impl Related<super::server_group::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::ServerGroup.def()
    }
}

impl Related<super::placement::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Placement.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
