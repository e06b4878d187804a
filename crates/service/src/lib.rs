//! bbb-gateway's domain logic, shared by every front door (GraphQL, the BBB-compatible endpoint,
//! the admin CLI): who may do what ([`permissions`]), the services that read and change meetings,
//! grants, URLs, tokens, groups and servers on behalf of an [`Actor`], and the orchestration of
//! BBB servers ([`bbb`]): server selection, placements, live meeting state and recordings.
//! Knows nothing of HTTP or GraphQL.

mod actor;
pub mod batch;
pub mod bbb;
mod error;
pub mod grants;
pub mod groups;
pub mod meetings;
pub mod ops;
pub mod permissions;
pub mod servers;
pub mod sites;
pub mod tokens;
pub mod urls;
pub mod users;

pub use actor::{Actor, Credential};
pub use error::{ErrorChain, ErrorCode, ServiceError};

/// The database handle every service function takes. Front doors receive it from the
/// composition root and pass it on; they never call its repositories themselves (clippy's
/// `disallowed-methods`, in `clippy.toml`, keeps them off), so every read and write goes
/// through a function here that applies the rules.
pub use store::Store;

/// The domain's data: the rows and value types the services take and return, named by front
/// doors through here rather than through the store.
pub mod model {
    /// A column of the meeting table, for [`MeetingColumns`].
    pub use store::entity::meeting::Column as MeetingColumn;
    pub use store::{
        ApiToken, CreatedToken, GroupGrant, GroupPermission, HealthThresholds, LiveLocation,
        Meeting, MeetingColumns, MeetingGrant, MeetingPermission, MeetingSettings, MeetingUrl,
        NewApiToken, NewMeeting, NewMeetingUrl, NewServer, NewUser, Page, PageRequest, Placement,
        Secret, Server, ServerChanges, ServerGroup, ServerHealth, ServerState, Site, TokenChanges,
        TokenScope, TokenSecrets, User, UserChanges,
    };
}
