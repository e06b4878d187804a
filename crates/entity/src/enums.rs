//! Enumerations stored as short strings, so that a database dump stays readable and a new
//! variant needs no database-specific enum type migration.

use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

/// What the BBB-compatible endpoint lets an API token see.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize,
)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
#[serde(rename_all = "snake_case")]
pub enum TokenScope {
    /// Only meetings and recordings created with this token (the default).
    #[sea_orm(string_value = "token")]
    Token,
    /// Everything of the token's owning user.
    #[sea_orm(string_value = "user")]
    User,
    /// Everything in the token's server group.
    #[sea_orm(string_value = "global")]
    Global,
}

/// A permission a user holds on one persistent meeting.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize,
)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(32))")]
#[serde(rename_all = "snake_case")]
pub enum MeetingPermission {
    #[sea_orm(string_value = "join_as_attendee")]
    JoinAsAttendee,
    #[sea_orm(string_value = "join_as_moderator")]
    JoinAsModerator,
    #[sea_orm(string_value = "grant_attendee")]
    GrantAttendee,
    #[sea_orm(string_value = "grant_moderator")]
    GrantModerator,
    #[sea_orm(string_value = "enforce_conference_pin")]
    EnforceConferencePin,
    #[sea_orm(string_value = "add_urls")]
    AddUrls,
}

/// A permission a user holds on one server group.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize,
)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(32))")]
#[serde(rename_all = "snake_case")]
pub enum GroupPermission {
    #[sea_orm(string_value = "add_servers")]
    AddServers,
    #[sea_orm(string_value = "add_apitokens")]
    AddApiTokens,
    #[sea_orm(string_value = "add_meetings")]
    AddMeetings,
}

/// The administrative state of a BBB server, set by an operator.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize,
)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
#[serde(rename_all = "snake_case")]
pub enum ServerState {
    /// Takes new meetings.
    #[sea_orm(string_value = "enabled")]
    Enabled,
    /// Keeps its running meetings but gets no new ones (draining).
    #[sea_orm(string_value = "cordoned")]
    Cordoned,
    /// Not used at all.
    #[sea_orm(string_value = "disabled")]
    Disabled,
}

/// What the health poller last concluded about a BBB server.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize,
)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
#[serde(rename_all = "snake_case")]
pub enum ServerHealth {
    #[sea_orm(string_value = "healthy")]
    Healthy,
    #[sea_orm(string_value = "unhealthy")]
    Unhealthy,
    /// Not polled yet.
    #[sea_orm(string_value = "unknown")]
    Unknown,
}

/// `as_str`: the value as stored (and as the CLI, metrics and ops pages spell it), written
/// once per enum beside its `string_value`s so no other crate re-spells it.
macro_rules! stored_names {
    ($($enum:ident { $($variant:ident => $name:literal),* $(,)? })*) => {$(
        impl $enum {
            pub fn as_str(self) -> &'static str {
                match self {
                    $($enum::$variant => $name,)*
                }
            }
        }

        impl std::fmt::Display for $enum {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
    )*};
}

stored_names! {
    TokenScope { Token => "token", User => "user", Global => "global" }
    MeetingPermission {
        JoinAsAttendee => "join_as_attendee",
        JoinAsModerator => "join_as_moderator",
        GrantAttendee => "grant_attendee",
        GrantModerator => "grant_moderator",
        EnforceConferencePin => "enforce_conference_pin",
        AddUrls => "add_urls",
    }
    GroupPermission {
        AddServers => "add_servers",
        AddApiTokens => "add_apitokens",
        AddMeetings => "add_meetings",
    }
    ServerState { Enabled => "enabled", Cordoned => "cordoned", Disabled => "disabled" }
    ServerHealth { Healthy => "healthy", Unhealthy => "unhealthy", Unknown => "unknown" }
}

#[cfg(test)]
mod tests {
    use sea_orm::Iterable;

    use super::*;

    /// `as_str` is the stored value and the Display text of every variant. (Not always the
    /// serde name: serde spells `GroupPermission::AddApiTokens` `add_api_tokens`.)
    macro_rules! assert_spelled_once {
        ($($enum:ident),*) => {$(
            for variant in $enum::iter() {
                assert_eq!(variant.as_str(), variant.to_value());
                assert_eq!(variant.to_string(), variant.as_str());
            }
        )*};
    }

    #[test]
    fn as_str_is_the_stored_value() {
        assert_spelled_once!(
            TokenScope,
            MeetingPermission,
            GroupPermission,
            ServerState,
            ServerHealth
        );
    }
}
