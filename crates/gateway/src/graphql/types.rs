//! What the GraphQL parts over the service layer share: the [`Actor`] of a request, the
//! `node(id:)` reading of [`ServiceError`] refusals (their translation into coded GraphQL
//! errors is `crate::error`'s), and the GraphQL faces of the stored enumerations.

use async_graphql::{Context, Enum, ID, OneofObject};
use service::{Actor, ServiceError, users::UserRef};

use super::{GatewayContext, UserNode, relay::decode_id_of};
use crate::error::GatewayError;

/// The caller of a service: the request's site and viewer.
pub fn actor<'c>(ctx: &'c Context<'_>) -> Result<&'c Actor, GatewayError> {
    ctx.actor()
}

/// `Some(value)` for a found object, `None` for one that does not exist or that the viewer
/// may not see — what `node(id:)` answers for both.
pub fn visible_or_none<T>(result: Result<T, ServiceError>) -> Result<Option<T>, GatewayError> {
    match result {
        Ok(value) => Ok(Some(value)),
        Err(
            ServiceError::NotFound(_) | ServiceError::Forbidden(_) | ServiceError::Unauthenticated,
        ) => Ok(None),
        Err(other) => Err(other.into()),
    }
}

/// A user named by global ID or by username (unique within the site).
#[derive(OneofObject)]
pub enum UserRefInput {
    Id(ID),
    Username(String),
}

impl UserRefInput {
    pub fn to_service(&self, field: &str) -> Result<UserRef, GatewayError> {
        Ok(match self {
            UserRefInput::Id(id) => UserRef::Id(decode_id_of::<UserNode>(id, field)?),
            UserRefInput::Username(username) => UserRef::Username(username.clone()),
        })
    }
}

/// A permission on one meeting.
#[derive(Enum, Clone, Copy, PartialEq, Eq)]
#[graphql(remote = "service::model::MeetingPermission")]
pub enum MeetingPermission {
    /// Join as an attendee (viewer).
    JoinAsAttendee,
    /// Join as a moderator; implies `JOIN_AS_ATTENDEE`. Also starts and ends the meeting.
    JoinAsModerator,
    /// Grant and revoke `JOIN_AS_ATTENDEE`.
    GrantAttendee,
    /// Grant and revoke `JOIN_AS_MODERATOR` and `JOIN_AS_ATTENDEE`.
    GrantModerator,
    /// Set or clear the static conference (dial-in) PIN.
    EnforceConferencePin,
    /// Add and remove the meeting's URLs.
    AddUrls,
}

/// A permission on one server group.
// The variants mirror the stored enum one to one, which `remote` needs; their common prefix
// is the original's naming.
#[allow(clippy::enum_variant_names)]
#[derive(Enum, Clone, Copy, PartialEq, Eq)]
#[graphql(remote = "service::model::GroupPermission")]
pub enum GroupPermission {
    /// Add, change, remove and list the group's servers.
    AddServers,
    /// Create API tokens for the group.
    AddApiTokens,
    /// Create meetings in the group.
    AddMeetings,
}

/// What an API token lets an integration see through the BBB-compatible endpoint.
#[derive(Enum, Clone, Copy, PartialEq, Eq)]
#[graphql(remote = "service::model::TokenScope")]
pub enum TokenScope {
    /// Only meetings and recordings created with this token.
    Token,
    /// What its owning user has there: the meetings of every token of theirs and the meetings
    /// they own. Only that user (or a superuser) may create or rotate it.
    User,
    /// Everything in the token's server group, every owner's meetings included, as moderator.
    /// Only superusers may create or rotate one.
    Global,
}

/// The administrative state of a BBB server.
#[derive(Enum, Clone, Copy, PartialEq, Eq)]
#[graphql(remote = "service::model::ServerState")]
pub enum ServerState {
    /// Takes new meetings.
    Enabled,
    /// Keeps its running meetings but gets no new ones (draining).
    Cordoned,
    /// Not used at all.
    Disabled,
}

/// What the health poller last concluded about a BBB server.
#[derive(Enum, Clone, Copy, PartialEq, Eq)]
#[graphql(remote = "service::model::ServerHealth")]
pub enum ServerHealth {
    Healthy,
    Unhealthy,
    /// Not polled yet.
    Unknown,
}

/// The role a user joins a BBB meeting in.
#[derive(Enum, Clone, Copy, PartialEq, Eq)]
#[graphql(remote = "service::permissions::JoinRole")]
pub enum JoinRole {
    Attendee,
    Moderator,
}
