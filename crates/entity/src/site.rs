//! A tenant: one deployment serves several domains, and each request's Host header picks one.

use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize, Deserialize)]
#[sea_orm(table_name = "site")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    /// Lower-case host name without port, unique.
    #[sea_orm(unique)]
    pub domain: String,
    pub name: String,
    /// The site used when no domain matches; at most one site has it.
    pub is_default: bool,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(has_many = "super::user::Entity")]
    User,
    #[sea_orm(has_many = "super::server_group::Entity")]
    ServerGroup,
    #[sea_orm(has_many = "super::meeting_url::Entity")]
    MeetingUrl,
}

impl Related<super::user::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::User.def()
    }
}

impl Related<super::server_group::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::ServerGroup.def()
    }
}

impl Related<super::meeting_url::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::MeetingUrl.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
