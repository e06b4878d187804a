//! The database model of bbb-gateway as sea-orm entities: one module per table, plus the
//! string-backed enumerations stored in them. Nothing here knows about GraphQL or HTTP; the
//! `store` crate builds its data-access layer on these types.

pub mod api_token;
pub mod enums;
pub mod group_grant;
pub mod meeting;
pub mod meeting_grant;
pub mod meeting_url;
pub mod placement;
pub mod server;
pub mod server_group;
pub mod site;
pub mod user;

pub use enums::{GroupPermission, MeetingPermission, ServerHealth, ServerState, TokenScope};

/// The entities under short names, for `use entity::prelude::*`.
pub mod prelude {
    pub use crate::api_token::Entity as ApiToken;
    pub use crate::enums::{
        GroupPermission, MeetingPermission, ServerHealth, ServerState, TokenScope,
    };
    pub use crate::group_grant::Entity as GroupGrant;
    pub use crate::meeting::Entity as Meeting;
    pub use crate::meeting_grant::Entity as MeetingGrant;
    pub use crate::meeting_url::Entity as MeetingUrl;
    pub use crate::placement::Entity as Placement;
    pub use crate::server::Entity as Server;
    pub use crate::server_group::Entity as ServerGroup;
    pub use crate::site::Entity as Site;
    pub use crate::user::Entity as User;
}
