//! A credential for the BBB-compatible endpoint: a shared secret bound to a server group.

use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

use crate::enums::TokenScope;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize, Deserialize)]
#[sea_orm(table_name = "api_token")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    #[sea_orm(unique)]
    pub name: String,
    /// The secret, AEAD-encrypted (`v1:<base64>`). The gateway needs the plaintext for BBB
    /// checksums, so it is encrypted rather than hashed.
    #[serde(skip_serializing)]
    pub secret_ciphertext: String,
    /// Keyed hash (HMAC-SHA256, hex) of the secret: uniqueness without storing the plaintext.
    #[serde(skip_serializing)]
    #[sea_orm(unique)]
    pub secret_hash: String,
    /// During a rotation, the previous secret, still accepted until the rotation finishes.
    #[serde(skip_serializing)]
    pub previous_secret_ciphertext: Option<String>,
    #[serde(skip_serializing)]
    #[sea_orm(unique)]
    pub previous_secret_hash: Option<String>,
    /// When the previous secret stops being accepted even if the rotation is not finished.
    pub previous_secret_expires_at: Option<DateTimeUtc>,
    pub group_id: i64,
    /// Required when `scope` is `user` (a database CHECK).
    pub user_id: Option<i64>,
    pub scope: TokenScope,
    #[sea_orm(unique)]
    pub guid: Uuid,
    pub max_meetings: Option<i32>,
    pub max_attendees: Option<i32>,
    pub created_at: DateTimeUtc,
    pub last_used_at: Option<DateTimeUtc>,
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
        from = "Column::UserId",
        to = "super::user::Column::Id",
        on_delete = "Cascade"
    )]
    User,
    #[sea_orm(has_many = "super::placement::Entity")]
    Placement,
}

impl Related<super::server_group::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::ServerGroup.def()
    }
}

impl Related<super::user::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::User.def()
    }
}

impl Related<super::placement::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Placement.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
