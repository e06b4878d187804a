//! A person who logs in locally (password hash) or through an external identity provider.

use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize, Deserialize)]
#[sea_orm(table_name = "user")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub site_id: i64,
    /// Unique within the site.
    pub username: String,
    pub display_name: String,
    pub email: String,
    /// A PHC string (argon2); absent for users that only log in through an identity provider.
    #[serde(skip_serializing)]
    pub password_hash: Option<String>,
    /// Issuer and subject of an external identity; both set or both absent, unique as a pair.
    pub external_issuer: Option<String>,
    pub external_subject: Option<String>,
    pub is_staff: bool,
    pub is_superuser: bool,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::site::Entity",
        from = "Column::SiteId",
        to = "super::site::Column::Id",
        on_delete = "Cascade"
    )]
    Site,
    #[sea_orm(has_many = "super::meeting_grant::Entity")]
    MeetingGrant,
    #[sea_orm(has_many = "super::group_grant::Entity")]
    GroupGrant,
    #[sea_orm(has_many = "super::api_token::Entity")]
    ApiToken,
}

impl Related<super::site::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Site.def()
    }
}

impl Related<super::meeting_grant::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::MeetingGrant.def()
    }
}

impl Related<super::group_grant::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::GroupGrant.def()
    }
}

impl Related<super::api_token::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::ApiToken.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
