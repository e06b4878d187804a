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
pub mod permissions;
pub mod servers;
pub mod tokens;
pub mod urls;
pub mod users;

pub use actor::Actor;
pub use error::{ErrorCode, ServiceError};
