//! Who may do what: every permission rule in one module (what they promise: the README's
//! "Security" section).
//!
//! The rules are pure functions over data an [`Actor`] and the object's rows provide, so each
//! one is tested without a database; the `load_*` functions at the end fetch that data.
//!
//! | What                                   | Who                                                            |
//! |----------------------------------------|----------------------------------------------------------------|
//! | anything in the site                   | superusers of the site                                         |
//! | all six meeting permissions            | the meeting's owner (and superusers)                           |
//! | join as attendee                       | holders of `join_as_attendee` or `join_as_moderator`           |
//! | join as moderator, start, end on BBB   | holders of `join_as_moderator`                                 |
//! | grant/revoke `join_as_attendee`        | holders of `grant_attendee` or `grant_moderator`               |
//! | grant/revoke `join_as_moderator`       | holders of `grant_moderator`                                   |
//! | grant/revoke `grant_*`, `add_urls`, `enforce_conference_pin` | owner, superusers                        |
//! | see a meeting                          | holders of any permission on it, owner, staff, superusers      |
//! | see a meeting through a guest URL      | anyone, when the URL allows guests                             |
//! | see a meeting's grants                 | whoever may grant or revoke anything on it                     |
//! | see the moderator-only message         | holders of `join_as_moderator`, staff                          |
//! | see who is in a live meeting           | holders of `join_as_attendee` (or `join_as_moderator`), staff  |
//! | see the conference PIN                 | the same, and holders of `enforce_conference_pin`              |
//! | see settings, owner, live figures      | whoever sees the meeting; guests through a URL see only its name, welcome message and whether it runs |
//! | update or delete a meeting             | owner, superusers                                              |
//! | add and remove URLs                    | holders of `add_urls`                                          |
//! | set or clear the conference PIN        | holders of `enforce_conference_pin`                            |
//! | create meetings in a group             | holders of `add_meetings` on the group, staff                  |
//! | add, update, remove, list servers      | holders of `add_servers` on the group, staff                   |
//! | create or rotate a `token` scope token | its owner, holding `add_apitokens` on the group (staff hold it); superusers |
//! | create or rotate a `user` scope token  | its user, holding `add_apitokens` on the group; superusers     |
//! | create or rotate a `global` token      | superusers                                                     |
//! | see a server group                     | holders of any permission on it, staff                         |
//! | create server groups                   | staff                                                          |
//! | grant/revoke group permissions         | superusers                                                     |
//! | see, finish a rotation of, delete an API token | its owning user, staff                                 |
//! | list every API token of the site       | staff                                                          |
//! | see and call meetings at the BBB endpoint | an API token, within its scope: `token` its own meetings, `user` its user's, `global` the group's while its owner is a superuser ([`api_token_scope`], [`api_token_sees`]) |
//! | join at the BBB endpoint               | the same, while the token's meetings hold fewer than its `max_attendees` |
//! | create a new meeting at the BBB endpoint | the same, while the token has fewer live meetings than its `max_meetings` (negative: none; owned or not); a live meeting created again or placed anew is no new one ([`api_token_meeting_quota`], [`require_meeting_room`]) |
//! | see a user by ID, with their email     | that user, staff                                               |
//! | see which server hosts a live meeting  | staff (others see its name only)                               |
//! | list every user of the site            | staff                                                          |
//! | create users; adopt a given token secret; add a server the outbound rule refuses; find a token by name in any site | the operator (admin CLI) |
//!
//! The operator ([`Actor::operator`], the admin CLI) holds the database and the secret key: on
//! server groups, servers, API tokens and users it is staff and superuser of the site it acts in.
//!
//! Staff implies nothing on meetings beyond seeing them: joining needs a grant like anybody's.
//! An API token's secret is a credential for the meetings its scope covers (a `global` token
//! joins and ends every meeting of its group as moderator, a `user` token acts as its user), so
//! handing one out — creating a token, or rotating one, which returns the new secret — needs
//! what the token can do: see [`require_may_issue_api_token`].
//! Everything is confined to the actor's site: an object of another site is NOT_FOUND, never
//! FORBIDDEN, so its ID leaks nothing — not even to a superuser of the other site.

use std::collections::{HashMap, HashSet};

use store::{
    ApiToken, GroupPermission, Meeting, MeetingPermission, MeetingUrl, Placement, ServerGroup,
    Store, TokenScope, User,
};

use crate::{Actor, ServiceError};

/// The six meeting permissions, in a fixed order.
pub const MEETING_PERMISSIONS: [MeetingPermission; 6] = [
    MeetingPermission::JoinAsAttendee,
    MeetingPermission::JoinAsModerator,
    MeetingPermission::GrantAttendee,
    MeetingPermission::GrantModerator,
    MeetingPermission::EnforceConferencePin,
    MeetingPermission::AddUrls,
];

/// The three server-group permissions, in a fixed order.
pub const GROUP_PERMISSIONS: [GroupPermission; 3] = [
    GroupPermission::AddServers,
    GroupPermission::AddApiTokens,
    GroupPermission::AddMeetings,
];

fn meeting_bit(permission: MeetingPermission) -> u8 {
    1 << MEETING_PERMISSIONS
        .iter()
        .position(|p| *p == permission)
        .expect("MEETING_PERMISSIONS lists every variant")
}

/// A set of meeting permissions.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PermissionSet(u8);

impl PermissionSet {
    pub fn empty() -> Self {
        PermissionSet(0)
    }

    pub fn all() -> Self {
        MEETING_PERMISSIONS.into_iter().collect()
    }

    pub fn contains(self, permission: MeetingPermission) -> bool {
        self.0 & meeting_bit(permission) != 0
    }

    pub fn insert(&mut self, permission: MeetingPermission) {
        self.0 |= meeting_bit(permission);
    }

    pub fn is_empty(self) -> bool {
        self.0 == 0
    }

    /// The members, in the order of [`MEETING_PERMISSIONS`].
    pub fn iter(self) -> impl Iterator<Item = MeetingPermission> {
        MEETING_PERMISSIONS
            .into_iter()
            .filter(move |p| self.contains(*p))
    }
}

impl FromIterator<MeetingPermission> for PermissionSet {
    fn from_iter<I: IntoIterator<Item = MeetingPermission>>(permissions: I) -> Self {
        let mut set = PermissionSet::empty();
        for permission in permissions {
            set.insert(permission);
        }
        set
    }
}

/// The role a user joins a BBB meeting in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum JoinRole {
    Attendee,
    Moderator,
}

impl JoinRole {
    /// The meeting permission joining in this role needs.
    pub fn required_permission(self) -> MeetingPermission {
        match self {
            JoinRole::Attendee => MeetingPermission::JoinAsAttendee,
            JoinRole::Moderator => MeetingPermission::JoinAsModerator,
        }
    }
}

/// `NotFound` unless `site_id` is the actor's site: objects of other sites do not exist for
/// the actor.
pub fn require_same_site(
    actor: &Actor,
    site_id: i64,
    entity: &'static str,
) -> Result<(), ServiceError> {
    if actor.site.id == site_id {
        Ok(())
    } else {
        Err(ServiceError::NotFound(entity))
    }
}

/// `Forbidden(what)` unless `allowed`.
pub fn require(allowed: bool, what: &'static str) -> Result<(), ServiceError> {
    if allowed {
        Ok(())
    } else {
        Err(ServiceError::Forbidden(what))
    }
}

/// The signed-in user of the actor, if they belong to the actor's site. A user record of
/// another site (which the front doors never build) counts as anonymous, and so does an API
/// token's owner: a token acts within its scope ([`api_token_scope`]), never with its owner's
/// flags or grants.
fn site_user(actor: &Actor) -> Option<&User> {
    actor.session_user().filter(|u| u.site_id == actor.site.id)
}

/// Whether what `user` may do with a meeting owned by `owner_id` depends on the permissions
/// granted to them on it: not for its owner or a superuser, who hold every permission, so
/// their grants need not be read.
pub fn grants_matter(user: &User, owner_id: Option<i64>) -> bool {
    owner_id != Some(user.id) && !user.is_superuser
}

/// Staff of the actor's site: a signed-in staff user or superuser of the site, or the
/// operator (who holds the database, so the site's staff rules yield to them).
fn is_site_staff(actor: &Actor) -> bool {
    actor.is_operator() || (site_user(actor).is_some() && actor.is_staff())
}

/// What an actor may do with one meeting of their site.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EffectivePermissions {
    held: PermissionSet,
    is_owner: bool,
    is_superuser: bool,
    is_staff: bool,
}

impl EffectivePermissions {
    /// The actor's permissions on a meeting in site `meeting_site_id`, owned by `owner_id`,
    /// on which the actor was granted `granted`. `NotFound` for a meeting of another site.
    pub fn evaluate(
        actor: &Actor,
        meeting_site_id: i64,
        owner_id: Option<i64>,
        granted: &[MeetingPermission],
    ) -> Result<Self, ServiceError> {
        require_same_site(actor, meeting_site_id, "meeting")?;
        let Some(user) = site_user(actor) else {
            return Ok(EffectivePermissions::nothing());
        };
        let is_owner = owner_id == Some(user.id);
        let is_superuser = user.is_superuser;
        let mut held: PermissionSet = if grants_matter(user, owner_id) {
            granted.iter().copied().collect()
        } else {
            PermissionSet::all()
        };
        if held.contains(MeetingPermission::JoinAsModerator) {
            held.insert(MeetingPermission::JoinAsAttendee);
        }
        Ok(EffectivePermissions {
            held,
            is_owner,
            is_superuser,
            is_staff: user.is_staff || is_superuser,
        })
    }

    /// No permission at all: an anonymous caller.
    pub fn nothing() -> Self {
        EffectivePermissions {
            held: PermissionSet::empty(),
            is_owner: false,
            is_superuser: false,
            is_staff: false,
        }
    }

    /// Whether the actor holds `permission`, directly, by implication, as owner or superuser.
    pub fn can(&self, permission: MeetingPermission) -> bool {
        self.held.contains(permission)
    }

    /// Every permission the actor holds.
    pub fn held(&self) -> PermissionSet {
        self.held
    }

    pub fn is_owner(&self) -> bool {
        self.is_owner
    }

    /// Moderator if allowed, else attendee if allowed, else `None`.
    pub fn best_join_role(&self) -> Option<JoinRole> {
        [JoinRole::Moderator, JoinRole::Attendee]
            .into_iter()
            .find(|role| self.can_join_as(*role))
    }

    pub fn can_join_as(&self, role: JoinRole) -> bool {
        self.can(role.required_permission())
    }

    /// Whether the meeting shows up for the actor at all (lists, `meeting(id)`).
    pub fn can_view(&self) -> bool {
        self.is_staff || !self.held.is_empty()
    }

    /// Whether the actor may grant and revoke `permission` to and from others.
    pub fn can_grant(&self, permission: MeetingPermission) -> bool {
        if self.is_owner || self.is_superuser {
            return true;
        }
        match permission {
            MeetingPermission::JoinAsAttendee => {
                self.can(MeetingPermission::GrantAttendee)
                    || self.can(MeetingPermission::GrantModerator)
            }
            MeetingPermission::JoinAsModerator => self.can(MeetingPermission::GrantModerator),
            MeetingPermission::GrantAttendee
            | MeetingPermission::GrantModerator
            | MeetingPermission::EnforceConferencePin
            | MeetingPermission::AddUrls => false,
        }
    }

    /// Whether the actor may grant or revoke anything, and so see who holds what.
    pub fn can_manage_grants(&self) -> bool {
        MEETING_PERMISSIONS.into_iter().any(|p| self.can_grant(p))
    }

    /// Changing settings or deleting the meeting belongs to whoever answers for it.
    pub fn can_update(&self) -> bool {
        self.is_owner || self.is_superuser
    }

    pub fn can_delete(&self) -> bool {
        self.can_update()
    }

    /// Starting a meeting on BBB makes the starter its first moderator.
    pub fn can_start(&self) -> bool {
        self.can(MeetingPermission::JoinAsModerator)
    }

    /// Ending a meeting on BBB is what its moderators can do from inside it, too.
    pub fn can_end(&self) -> bool {
        self.can(MeetingPermission::JoinAsModerator)
    }

    /// Adding and removing the meeting's URLs (and their guest flag).
    pub fn can_manage_urls(&self) -> bool {
        self.can(MeetingPermission::AddUrls)
    }

    pub fn can_set_conference_pin(&self) -> bool {
        self.can(MeetingPermission::EnforceConferencePin)
    }

    /// BBB shows the moderator-only message to moderators; staff see it to support them.
    pub fn can_see_moderator_message(&self) -> bool {
        self.is_staff || self.can(MeetingPermission::JoinAsModerator)
    }

    /// Who is in the meeting right now (names, roles, user IDs): for those who may be in it
    /// themselves, and staff. A guest, or someone who may only hand out URLs or grants, must
    /// not be able to watch a meeting they may not join.
    pub fn can_see_attendees(&self) -> bool {
        self.is_staff || self.can(MeetingPermission::JoinAsAttendee)
    }

    /// The phone dial-in PIN lets its holder into the meeting's audio, like joining as an
    /// attendee; those who may set it may read it (they could set one they know anyway).
    pub fn can_see_conference_pin(&self) -> bool {
        self.can_see_attendees() || self.can(MeetingPermission::EnforceConferencePin)
    }

    /// The meeting's settings, owner, group and live figures: for those it is shared with
    /// ([`Self::can_view`]). A guest who came through a guest URL sees only its name, welcome
    /// message and whether it runs.
    pub fn can_see_details(&self) -> bool {
        self.can_view()
    }
}

/// Whether a caller without any permission on the meeting may see it (and join it as an
/// attendee) through `url`.
pub fn url_admits_guests(url: &MeetingUrl) -> bool {
    url.allow_guests
}

/// What an actor may do with one server group of their site.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GroupAccess {
    /// Bits in the order of [`GROUP_PERMISSIONS`]; staff hold all.
    held: u8,
    is_superuser: bool,
}

fn group_bit(permission: GroupPermission) -> u8 {
    1 << GROUP_PERMISSIONS
        .iter()
        .position(|p| *p == permission)
        .expect("GROUP_PERMISSIONS lists every variant")
}

impl GroupAccess {
    /// The actor's permissions on a group of site `group_site_id` on which they were granted
    /// `granted`. `NotFound` for a group of another site.
    pub fn evaluate(
        actor: &Actor,
        group_site_id: i64,
        granted: &[GroupPermission],
    ) -> Result<Self, ServiceError> {
        require_same_site(actor, group_site_id, "server group")?;
        if actor.is_operator() {
            return Ok(GroupAccess {
                held: GROUP_PERMISSIONS.into_iter().map(group_bit).sum(),
                is_superuser: true,
            });
        }
        let Some(user) = site_user(actor) else {
            return Ok(GroupAccess {
                held: 0,
                is_superuser: false,
            });
        };
        let is_staff = user.is_staff || user.is_superuser;
        let held = if is_staff {
            GROUP_PERMISSIONS.into_iter().map(group_bit).sum()
        } else {
            granted.iter().fold(0, |bits, p| bits | group_bit(*p))
        };
        Ok(GroupAccess {
            held,
            is_superuser: user.is_superuser,
        })
    }

    pub fn can(&self, permission: GroupPermission) -> bool {
        self.held & group_bit(permission) != 0
    }

    /// Every group permission the actor holds (all of them for staff).
    pub fn held(&self) -> Vec<GroupPermission> {
        GROUP_PERMISSIONS
            .into_iter()
            .filter(|p| self.can(*p))
            .collect()
    }

    pub fn can_view(&self) -> bool {
        self.held != 0
    }

    pub fn can_add_meetings(&self) -> bool {
        self.can(GroupPermission::AddMeetings)
    }

    /// Adding servers, and with it changing, removing and listing the group's servers.
    pub fn can_manage_servers(&self) -> bool {
        self.can(GroupPermission::AddServers)
    }

    pub fn can_add_api_tokens(&self) -> bool {
        self.can(GroupPermission::AddApiTokens)
    }

    /// Group permissions are handed out by superusers only.
    pub fn can_grant(&self) -> bool {
        self.is_superuser
    }
}

/// Creating a server group is staff work.
pub fn can_create_server_group(actor: &Actor) -> bool {
    is_site_staff(actor)
}

/// Staff see every server group of their site; others only those they hold a permission on.
pub fn can_list_all_server_groups(actor: &Actor) -> bool {
    is_site_staff(actor)
}

/// Staff see every API token of their site; others only their own.
pub fn can_list_all_api_tokens(actor: &Actor) -> bool {
    is_site_staff(actor)
}

/// Every user of the site, with their emails and flags: staff, who may see any one of them
/// ([`can_see_user`]).
pub fn can_list_users(actor: &Actor) -> bool {
    is_site_staff(actor)
}

/// Local users (with a password, and possibly staff or superuser flags) are made by the
/// operator: no GraphQL mutation creates users (external ones appear at their first login),
/// so no user can make another, let alone a superuser.
pub fn can_create_users(actor: &Actor) -> bool {
    actor.is_operator()
}

/// Adopting a given secret for a new API token, instead of a generated one, is for the
/// operator moving an existing integration over (its secret is configured there already).
/// Everyone else gets a generated secret: a chosen one may be weak or known elsewhere.
pub fn can_adopt_api_token_secret(actor: &Actor) -> bool {
    actor.is_operator()
}

/// The operator writes the outbound rule (`outbound.allow`), so may add a server it refuses
/// (perhaps about to admit it); for anybody else a refused URL is an error.
pub fn can_override_outbound_rule(actor: &Actor) -> bool {
    actor.is_operator()
}

/// Pointing an existing server at another URL and secret is the operator's: no GraphQL
/// mutation changes them (a group admin removes the server and adds the new one, through the
/// URL and outbound checks of [`crate::servers::add`]); `serve --dev` does, for simulators
/// that listen on new ports at every start.
pub fn can_reconnect_servers(actor: &Actor) -> bool {
    actor.is_operator()
}

/// API token names are unique across sites, and the operator, who holds the whole database,
/// works in every site: they find a token by its name alone. Nobody else learns anything of
/// another site.
pub fn can_act_in_every_site(actor: &Actor) -> bool {
    actor.is_operator()
}

/// Whether the actor may see the user `user_id` of their site (by ID, with their email):
/// themselves, or anyone for staff.
pub fn can_see_user(actor: &Actor, user_id: i64) -> bool {
    site_user(actor).is_some_and(|viewer| viewer.id == user_id || actor.is_staff())
}

/// Which BBB server hosts a live meeting (its ID, which leads to the server's administration)
/// is for staff; others see its name only.
pub fn can_see_hosting_server(actor: &Actor) -> bool {
    is_site_staff(actor)
}

/// Whether the actor may see, rotate and delete `token`, whose group is in `token_site_id`.
/// `NotFound` for a token of another site.
pub fn can_manage_api_token(
    actor: &Actor,
    token_site_id: i64,
    token: &ApiToken,
) -> Result<bool, ServiceError> {
    require_same_site(actor, token_site_id, "API token")?;
    Ok(actor.is_operator()
        || site_user(actor).is_some_and(|user| {
            user.is_staff || user.is_superuser || token.user_id == Some(user.id)
        }))
}

/// Whether the actor may hand out a secret of an API token of `scope` owned by `owner_id` in a
/// group on which they hold `group`: create such a token, or rotate one (rotating returns the
/// new secret, so it needs exactly what creating the token needs). `Forbidden` naming the rule
/// otherwise.
///
/// - `global` sees, joins as moderator and ends every meeting of its group, persistent GraphQL
///   meetings of every owner included: only a superuser, who holds all of that through GraphQL
///   already, may mint one. Staff may not: staff see meetings but need grants to act on them.
/// - `user` acts as its user (their tokens' meetings and the meetings they own): only that user
///   may mint one, or a superuser.
/// - `token` drives every meeting the token created: only its owner may mint it (an ownerless
///   token, made by the CLI, belongs to the operator), or a superuser.
///
/// Besides, every token creates meetings on the group's servers: `add_apitokens` on the group
/// (staff and superusers hold every group permission).
pub fn require_may_issue_api_token(
    actor: &Actor,
    group: &GroupAccess,
    scope: TokenScope,
    owner_id: Option<i64>,
) -> Result<(), ServiceError> {
    if actor.is_operator() {
        // The operator issues tokens for the users of the site (and ownerless ones), like a
        // superuser, and holds every group permission.
        return Ok(());
    }
    let Some(user) = site_user(actor) else {
        return Err(ServiceError::Forbidden(
            "API tokens are issued to users of the site",
        ));
    };
    if user.is_superuser {
        return Ok(());
    }
    match scope {
        TokenScope::Global => require(
            false,
            "a `global` API token sees, joins and ends every meeting of its group: only a superuser may create or rotate one",
        )?,
        TokenScope::User => require(
            owner_id == Some(user.id),
            "a `user` API token acts as its user: only that user or a superuser may create or rotate it",
        )?,
        TokenScope::Token => require(
            owner_id == Some(user.id),
            "this API token belongs to someone else: only its owner or a superuser may rotate it",
        )?,
    }
    require(
        group.can_add_api_tokens(),
        "creating API tokens for this group needs `add_apitokens` on it",
    )
}

/// The owner whose rights bound what `token` may do, if any, to be read afresh each time the
/// token is used (`tokens::TokenView` does, and reads no owner otherwise): a `global` token
/// with an owning user. See [`api_token_scope`].
pub fn api_token_owner_to_check(token: &ApiToken) -> Option<i64> {
    match token.scope {
        TokenScope::Global => token.user_id,
        TokenScope::User | TokenScope::Token => None,
    }
}

/// The scope an API token acts with at the BBB endpoint; `None` for an actor that is no API
/// token. What each scope sees is [`api_token_sees`].
///
/// A scope never gives more than its owner holds: `global` reaches every meeting of the group
/// as moderator, which through GraphQL only a superuser may, so a `global` token acts as
/// `global` only while its owning user (the actor's `user`, read afresh) is a superuser of the
/// token's site, and as `token` otherwise — an owner deleted, demoted, or not read at all
/// included. This keeps tokens issued before [`require_may_issue_api_token`] existed, and
/// those of a superuser since demoted, from outliving that rule. A `global` token without an
/// owner was made by the operator (the admin CLI) and stays global. The owner never widens a
/// token: a superuser's `token` or `user` token sees what any such token sees.
pub fn api_token_scope(actor: &Actor) -> Option<TokenScope> {
    let token = actor.api_token_used()?;
    let owner_is_superuser = actor.user.as_ref().is_some_and(|owner| {
        Some(owner.id) == token.user_id && owner.site_id == actor.site.id && owner.is_superuser
    });
    Some(match (token.scope, token.user_id) {
        (TokenScope::Global, None) => TokenScope::Global,
        (TokenScope::Global, Some(_)) if owner_is_superuser => TokenScope::Global,
        (TokenScope::User, Some(_)) => TokenScope::User,
        // A `user` token without a user cannot exist (CHECK constraint): it is a `token` one.
        (TokenScope::Global | TokenScope::User | TokenScope::Token, _) => TokenScope::Token,
    })
}

/// Whether `token` sees only the meetings it created, whoever its owner is and whether or
/// not the owner was read: a `token` token, or a `user` one without a user (which acts as one,
/// see [`api_token_scope`]). Other scopes depend on the owner (`tokens::TokenView` reads it).
pub fn api_token_sees_its_own_only(token: &ApiToken) -> bool {
    matches!(
        (token.scope, token.user_id),
        (TokenScope::Token, _) | (TokenScope::User, None)
    )
}

/// What a `user` token's user holds, for [`api_token_sees`]: the ids of the user's API
/// tokens, and the owners of the GraphQL meetings behind the placements asked about. Loaded
/// only for `user` tokens; empty otherwise.
#[derive(Debug, Clone, Default)]
pub struct UserHoldings {
    pub tokens: HashSet<i64>,
    /// Meeting id → its owning user.
    pub meeting_owners: HashMap<i64, Option<i64>>,
}

/// Whether the API token of `actor` sees `placement`, decided from the placement table alone
/// (never from metadata a client can set), and only inside the token's group: scope `token`
/// the meetings it created, `user` those created by any token of its user and those its user
/// owns through GraphQL, `global` everything (see [`api_token_scope`] for when a token acts
/// with which).
pub fn api_token_sees(actor: &Actor, holdings: &UserHoldings, placement: &Placement) -> bool {
    let (Some(token), Some(scope)) = (actor.api_token_used(), api_token_scope(actor)) else {
        return false;
    };
    if placement.group_id != token.group_id {
        return false;
    }
    match scope {
        TokenScope::Global => true,
        TokenScope::User => {
            placement
                .token_id
                .is_some_and(|id| id == token.id || holdings.tokens.contains(&id))
                || placement
                    .meeting_id
                    .and_then(|id| holdings.meeting_owners.get(&id).copied().flatten())
                    .is_some_and(|owner| Some(owner) == token.user_id)
        }
        TokenScope::Token => placement.token_id == Some(token.id),
    }
}

/// The most attendees all meetings of the actor's API token may hold together
/// (`max_attendees`); `None` without such a quota, or for an actor that is no API token.
pub fn api_token_attendee_quota(actor: &Actor) -> Option<u32> {
    let limit = actor.api_token_used()?.max_attendees?;
    Some(u32::try_from(limit).unwrap_or(0))
}

/// Refuses one more attendee once the meetings of the actor's API token hold `attendees`, as
/// many as its `max_attendees` allows. Concurrent joins that pass together can overshoot by
/// their number; the next join is refused.
pub fn require_attendee_room(actor: &Actor, attendees: u64) -> Result<(), ServiceError> {
    match api_token_attendee_quota(actor) {
        Some(limit) if attendees >= u64::from(limit) => Err(ServiceError::QuotaExceeded {
            quota: "max_attendees",
            limit,
        }),
        _ => Ok(()),
    }
}

/// The most live meetings the actor's API token may hold (`max_meetings`); `None` without
/// such a quota, or for an actor that is no API token. A negative quota admits nothing. It
/// holds for every token alike, with an owner or without (the operator's): the owner never
/// widens it.
pub fn api_token_meeting_quota(actor: &Actor) -> Option<u32> {
    let limit = actor.api_token_used()?.max_meetings?;
    Some(u32::try_from(limit).unwrap_or(0))
}

/// Refuses one more meeting of a token whose quota is `max_meetings` once it holds `live`
/// live ones. Decided inside the store's transaction that counts them and records the new
/// one, so concurrent creates cannot overshoot; a meeting that is already live, or placed
/// anew after its server died, is no new meeting and never asks.
pub fn require_meeting_room(max_meetings: u32, live: u64) -> Result<(), ServiceError> {
    if live >= u64::from(max_meetings) {
        return Err(ServiceError::QuotaExceeded {
            quota: "max_meetings",
            limit: max_meetings,
        });
    }
    Ok(())
}

/// The site of a meeting is that of its server group.
pub async fn meeting_site_id(store: &Store, meeting: &Meeting) -> Result<i64, ServiceError> {
    Ok(store.groups().get(meeting.group_id).await?.site_id)
}

/// The actor's permissions on `meeting` (two small queries: its group's site and the actor's
/// grants on it).
pub async fn load_meeting_permissions(
    store: &Store,
    actor: &Actor,
    meeting: &Meeting,
) -> Result<EffectivePermissions, ServiceError> {
    let site_id = meeting_site_id(store, meeting).await?;
    let granted = match site_user(actor) {
        Some(user) if site_id == actor.site.id && grants_matter(user, meeting.owner_id) => {
            store
                .meeting_grants()
                .permissions(meeting.id, user.id)
                .await?
        }
        _ => Vec::new(),
    };
    EffectivePermissions::evaluate(actor, site_id, meeting.owner_id, &granted)
}

/// The actor's permissions on `group`.
pub async fn load_group_access(
    store: &Store,
    actor: &Actor,
    group: &ServerGroup,
) -> Result<GroupAccess, ServiceError> {
    let granted: Vec<GroupPermission> = match site_user(actor) {
        Some(user) if group.site_id == actor.site.id => store
            .groups()
            .grants_of_user(user.id)
            .await?
            .into_iter()
            .filter(|grant| grant.group_id == group.id)
            .map(|grant| grant.permission)
            .collect(),
        _ => Vec::new(),
    };
    GroupAccess::evaluate(actor, group.site_id, &granted)
}

#[cfg(test)]
mod tests {
    use chrono::Utc;
    use store::{Site, TokenScope};
    use uuid::Uuid;

    use super::*;
    use MeetingPermission::*;

    const SITE: i64 = 1;
    const OTHER_SITE: i64 = 2;
    const OWNER: i64 = 10;
    const ALICE: i64 = 11;

    fn site(id: i64) -> Site {
        Site {
            id,
            domain: format!("site{id}.example"),
            name: format!("site {id}"),
            is_default: id == SITE,
        }
    }

    fn user(id: i64, site_id: i64, is_staff: bool, is_superuser: bool) -> User {
        User {
            id,
            site_id,
            username: format!("user{id}"),
            display_name: String::new(),
            email: String::new(),
            password_hash: None,
            external_issuer: None,
            external_subject: None,
            is_staff,
            is_superuser,
            created_at: Utc::now(),
            updated_at: Utc::now(),
        }
    }

    fn plain(id: i64) -> Actor {
        Actor::user(site(SITE), user(id, SITE, false, false))
    }

    fn staff() -> Actor {
        Actor::user(site(SITE), user(20, SITE, true, false))
    }

    fn superuser() -> Actor {
        Actor::user(site(SITE), user(21, SITE, false, true))
    }

    fn anonymous() -> Actor {
        Actor::anonymous(site(SITE))
    }

    fn other_site_superuser() -> Actor {
        Actor::user(site(OTHER_SITE), user(30, OTHER_SITE, true, true))
    }

    fn on_meeting(actor: &Actor, granted: &[MeetingPermission]) -> EffectivePermissions {
        EffectivePermissions::evaluate(actor, SITE, Some(OWNER), granted).unwrap()
    }

    fn alice_with(granted: &[MeetingPermission]) -> EffectivePermissions {
        on_meeting(&plain(ALICE), granted)
    }

    /// Lists and single reads skip the grants query where [`grants_matter`] says so: only for
    /// callers whose permissions come out the same whatever they were granted.
    #[test]
    fn grants_matter_to_everybody_but_the_owner_and_superusers() {
        let held = [JoinAsAttendee];
        for actor in [plain(ALICE), staff(), plain(OWNER), superuser()] {
            let user = actor.session_user().unwrap();
            let with_grants = on_meeting(&actor, &held);
            let without = on_meeting(&actor, &[]);
            assert_eq!(
                grants_matter(user, Some(OWNER)),
                with_grants != without,
                "{actor:?}"
            );
        }
        assert!(grants_matter(&user(ALICE, SITE, false, false), None));
        assert!(!grants_matter(&user(21, SITE, false, true), None));
    }

    #[test]
    fn owner_and_superuser_hold_all_six_permissions() {
        for actor in [plain(OWNER), superuser()] {
            let permissions = on_meeting(&actor, &[]);
            assert_eq!(permissions.held(), PermissionSet::all());
            for permission in MEETING_PERMISSIONS {
                assert!(
                    permissions.can(permission),
                    "{actor:?} lacks {permission:?}"
                );
                assert!(permissions.can_grant(permission));
            }
            assert!(permissions.can_update() && permissions.can_delete());
            assert!(permissions.can_view() && permissions.can_manage_grants());
            assert_eq!(permissions.best_join_role(), Some(JoinRole::Moderator));
        }
        assert!(on_meeting(&plain(OWNER), &[]).is_owner());
        assert!(!on_meeting(&superuser(), &[]).is_owner());
    }

    #[test]
    fn a_user_holds_exactly_what_was_granted() {
        for permission in MEETING_PERMISSIONS {
            let permissions = alice_with(&[permission]);
            for other in MEETING_PERMISSIONS {
                let implied = permission == JoinAsModerator && other == JoinAsAttendee;
                assert_eq!(
                    permissions.can(other),
                    other == permission || implied,
                    "granted {permission:?}, asked {other:?}"
                );
            }
            assert!(permissions.can_view(), "any permission shows the meeting");
            assert!(!permissions.can_update() && !permissions.can_delete());
            assert!(!permissions.is_owner());
        }
    }

    #[test]
    fn moderator_implies_attendee_but_not_the_reverse() {
        let moderator = alice_with(&[JoinAsModerator]);
        assert!(moderator.can(JoinAsAttendee));
        assert_eq!(moderator.best_join_role(), Some(JoinRole::Moderator));
        assert!(moderator.can_join_as(JoinRole::Attendee));

        let attendee = alice_with(&[JoinAsAttendee]);
        assert!(!attendee.can(JoinAsModerator));
        assert_eq!(attendee.best_join_role(), Some(JoinRole::Attendee));
        assert!(!attendee.can_join_as(JoinRole::Moderator));

        assert_eq!(alice_with(&[GrantModerator]).best_join_role(), None);
        assert_eq!(alice_with(&[]).best_join_role(), None);
    }

    #[test]
    fn grant_attendee_grants_only_join_as_attendee() {
        let permissions = alice_with(&[GrantAttendee]);
        assert!(permissions.can_grant(JoinAsAttendee));
        for denied in [
            JoinAsModerator,
            GrantAttendee,
            GrantModerator,
            EnforceConferencePin,
            AddUrls,
        ] {
            assert!(!permissions.can_grant(denied), "{denied:?}");
        }
        assert!(permissions.can_manage_grants());
    }

    #[test]
    fn grant_moderator_grants_both_join_permissions_only() {
        let permissions = alice_with(&[GrantModerator]);
        assert!(permissions.can_grant(JoinAsAttendee));
        assert!(permissions.can_grant(JoinAsModerator));
        for denied in [GrantAttendee, GrantModerator, EnforceConferencePin, AddUrls] {
            assert!(!permissions.can_grant(denied), "{denied:?}");
        }
    }

    #[test]
    fn joining_and_other_permissions_grant_nothing() {
        for permission in [
            JoinAsAttendee,
            JoinAsModerator,
            EnforceConferencePin,
            AddUrls,
        ] {
            let permissions = alice_with(&[permission]);
            for asked in MEETING_PERMISSIONS {
                assert!(!permissions.can_grant(asked), "{permission:?} → {asked:?}");
            }
            assert!(!permissions.can_manage_grants());
        }
        // Even all of the grant permissions together do not reach the owner-only ones.
        let every_grant = alice_with(&MEETING_PERMISSIONS);
        for owner_only in [GrantAttendee, GrantModerator, EnforceConferencePin, AddUrls] {
            assert!(!every_grant.can_grant(owner_only), "{owner_only:?}");
        }
    }

    #[test]
    fn urls_pin_start_and_end_follow_their_permissions() {
        assert!(alice_with(&[AddUrls]).can_manage_urls());
        assert!(!alice_with(&[JoinAsModerator, GrantModerator]).can_manage_urls());

        assert!(alice_with(&[EnforceConferencePin]).can_set_conference_pin());
        assert!(!alice_with(&[AddUrls, GrantModerator]).can_set_conference_pin());

        let moderator = alice_with(&[JoinAsModerator]);
        assert!(moderator.can_start() && moderator.can_end());
        assert!(moderator.can_see_moderator_message());
        let attendee = alice_with(&[JoinAsAttendee, GrantModerator]);
        assert!(!attendee.can_start() && !attendee.can_end());
        assert!(!attendee.can_see_moderator_message());
    }

    #[test]
    fn attendees_and_the_pin_need_a_way_into_the_meeting() {
        for granted in [JoinAsAttendee, JoinAsModerator] {
            let permissions = alice_with(&[granted]);
            assert!(permissions.can_see_details(), "{granted:?}");
            assert!(permissions.can_see_attendees(), "{granted:?}");
            assert!(permissions.can_see_conference_pin(), "{granted:?}");
        }
        for granted in [GrantAttendee, GrantModerator, AddUrls] {
            let permissions = alice_with(&[granted]);
            assert!(permissions.can_see_details(), "{granted:?}");
            assert!(!permissions.can_see_attendees(), "{granted:?}");
            assert!(!permissions.can_see_conference_pin(), "{granted:?}");
        }
        let pin_setter = alice_with(&[EnforceConferencePin]);
        assert!(pin_setter.can_see_conference_pin() && !pin_setter.can_see_attendees());
        let staff = on_meeting(&staff(), &[]);
        assert!(staff.can_see_attendees() && staff.can_see_conference_pin());
        let guest = on_meeting(&anonymous(), &[]);
        assert!(!guest.can_see_details());
        assert!(!guest.can_see_attendees() && !guest.can_see_conference_pin());
    }

    #[test]
    fn staff_see_meetings_but_need_grants_to_act_on_them() {
        let permissions = on_meeting(&staff(), &[]);
        assert!(permissions.can_view());
        assert!(permissions.can_see_moderator_message());
        assert!(permissions.held().is_empty());
        assert_eq!(permissions.best_join_role(), None);
        assert!(!permissions.can_update() && !permissions.can_delete());
        assert!(!permissions.can_manage_grants() && !permissions.can_end());

        let granted = on_meeting(&staff(), &[JoinAsAttendee]);
        assert_eq!(granted.best_join_role(), Some(JoinRole::Attendee));
    }

    #[test]
    fn strangers_and_anonymous_callers_hold_nothing() {
        for actor in [plain(ALICE), anonymous()] {
            let permissions = on_meeting(&actor, &[]);
            assert!(!permissions.can_view(), "{actor:?}");
            assert!(permissions.held().is_empty());
            assert!(!permissions.can_manage_grants());
            assert!(!permissions.can_update());
        }
        // Grants never reach an anonymous caller, whatever the data says.
        assert!(
            on_meeting(&anonymous(), &[JoinAsModerator])
                .held()
                .is_empty()
        );
        // An ownerless meeting (its owner was deleted) has no owner to match.
        let ownerless = EffectivePermissions::evaluate(&plain(OWNER), SITE, None, &[]).unwrap();
        assert!(!ownerless.can_view());
    }

    #[test]
    fn meetings_of_another_site_are_not_found_even_for_its_superusers() {
        // The superuser of site 2 looks at a meeting of site 1; the others at one of site 2.
        let attempts = [
            (other_site_superuser(), SITE),
            (plain(OWNER), OTHER_SITE),
            (superuser(), OTHER_SITE),
            (anonymous(), OTHER_SITE),
        ];
        for (actor, meeting_site) in attempts {
            let error =
                EffectivePermissions::evaluate(&actor, meeting_site, Some(OWNER), &[]).unwrap_err();
            assert!(
                matches!(error, ServiceError::NotFound("meeting")),
                "{error:?}"
            );
        }
        // A user row of another site inside an actor counts as nobody.
        let mismatched = Actor::user(site(SITE), user(OWNER, OTHER_SITE, true, true));
        assert!(!on_meeting(&mismatched, &[]).can_view());
    }

    #[test]
    fn guest_urls_admit_guests_only_when_flagged() {
        let mut url = MeetingUrl {
            id: 1,
            site_id: SITE,
            meeting_id: 1,
            slug: "team".to_owned(),
            allow_guests: false,
            created_at: Utc::now(),
        };
        assert!(!url_admits_guests(&url));
        url.allow_guests = true;
        assert!(url_admits_guests(&url));
    }

    #[test]
    fn group_permissions_come_from_grants_or_staff() {
        for permission in GROUP_PERMISSIONS {
            let access = GroupAccess::evaluate(&plain(ALICE), SITE, &[permission]).unwrap();
            assert!(access.can_view());
            assert_eq!(access.held(), vec![permission]);
            assert_eq!(
                access.can_add_meetings(),
                permission == GroupPermission::AddMeetings
            );
            assert_eq!(
                access.can_manage_servers(),
                permission == GroupPermission::AddServers
            );
            assert_eq!(
                access.can_add_api_tokens(),
                permission == GroupPermission::AddApiTokens
            );
            assert!(!access.can_grant());
        }
        let nothing = GroupAccess::evaluate(&plain(ALICE), SITE, &[]).unwrap();
        assert!(!nothing.can_view() && !nothing.can_add_meetings());
        assert!(!nothing.can_manage_servers() && !nothing.can_add_api_tokens());

        for actor in [staff(), superuser()] {
            let access = GroupAccess::evaluate(&actor, SITE, &[]).unwrap();
            assert_eq!(access.held(), GROUP_PERMISSIONS.to_vec());
            assert!(access.can_add_meetings() && access.can_manage_servers());
            assert!(access.can_add_api_tokens() && access.can_view());
        }
        assert!(
            !GroupAccess::evaluate(&staff(), SITE, &[])
                .unwrap()
                .can_grant()
        );
        assert!(
            GroupAccess::evaluate(&superuser(), SITE, &[])
                .unwrap()
                .can_grant()
        );

        let anonymous_access =
            GroupAccess::evaluate(&anonymous(), SITE, &[GroupPermission::AddMeetings]).unwrap();
        assert!(!anonymous_access.can_view() && !anonymous_access.can_add_meetings());
    }

    #[test]
    fn groups_of_another_site_are_not_found() {
        let attempts = [
            (other_site_superuser(), SITE),
            (superuser(), OTHER_SITE),
            (plain(ALICE), OTHER_SITE),
        ];
        for (actor, group_site) in attempts {
            let error = GroupAccess::evaluate(&actor, group_site, &GROUP_PERMISSIONS).unwrap_err();
            assert!(
                matches!(error, ServiceError::NotFound("server group")),
                "{error:?}"
            );
        }
    }

    #[test]
    fn the_operator_holds_every_group_permission_of_its_site_and_issues_any_token() {
        let operator = Actor::operator(site(SITE));
        let access = GroupAccess::evaluate(&operator, SITE, &[]).unwrap();
        assert_eq!(access.held(), GROUP_PERMISSIONS.to_vec());
        assert!(access.can_grant());
        assert!(matches!(
            GroupAccess::evaluate(&operator, OTHER_SITE, &[]),
            Err(ServiceError::NotFound(_))
        ));
        assert!(can_create_server_group(&operator));
        assert!(can_list_all_server_groups(&operator));
        assert!(can_list_all_api_tokens(&operator));
        assert!(can_list_users(&operator));
        assert!(can_manage_api_token(&operator, SITE, &token(Some(ALICE))).unwrap());
        assert!(can_manage_api_token(&operator, OTHER_SITE, &token(None)).is_err());
        for scope in [TokenScope::Token, TokenScope::User, TokenScope::Global] {
            for owner in [None, Some(ALICE)] {
                require_may_issue_api_token(&operator, &access, scope, owner).unwrap();
            }
        }
    }

    #[test]
    fn only_the_operator_points_servers_at_another_url_and_secret() {
        assert!(can_reconnect_servers(&Actor::operator(site(SITE))));
        for actor in [
            plain(ALICE),
            staff(),
            superuser(),
            anonymous(),
            other_site_superuser(),
        ] {
            assert!(!can_reconnect_servers(&actor));
        }
    }

    #[test]
    fn only_the_operator_creates_users_overrides_outbound_adopts_secrets_crosses_sites() {
        let operator = Actor::operator(site(SITE));
        assert!(can_create_users(&operator));
        assert!(can_override_outbound_rule(&operator));
        assert!(can_adopt_api_token_secret(&operator));
        assert!(can_act_in_every_site(&operator));
        for actor in [
            plain(ALICE),
            staff(),
            superuser(),
            anonymous(),
            other_site_superuser(),
        ] {
            assert!(!can_create_users(&actor));
            assert!(!can_override_outbound_rule(&actor));
            assert!(!can_adopt_api_token_secret(&actor));
            assert!(!can_act_in_every_site(&actor));
        }
        assert!(can_list_users(&staff()) && can_list_users(&superuser()));
        assert!(!can_list_users(&plain(ALICE)) && !can_list_users(&anonymous()));
    }

    #[test]
    fn site_wide_rules_are_for_staff() {
        for actor in [staff(), superuser()] {
            assert!(can_create_server_group(&actor));
            assert!(can_list_all_server_groups(&actor));
            assert!(can_list_all_api_tokens(&actor));
        }
        for actor in [plain(ALICE), anonymous()] {
            assert!(!can_create_server_group(&actor));
            assert!(!can_list_all_server_groups(&actor));
            assert!(!can_list_all_api_tokens(&actor));
        }
    }

    #[test]
    fn users_are_seen_by_themselves_and_staff() {
        assert!(can_see_user(&plain(ALICE), ALICE));
        assert!(!can_see_user(&plain(ALICE), OWNER));
        for actor in [staff(), superuser()] {
            assert!(can_see_user(&actor, ALICE));
            assert!(can_see_hosting_server(&actor));
        }
        assert!(!can_see_user(&anonymous(), ALICE));
        for actor in [plain(ALICE), anonymous()] {
            assert!(!can_see_hosting_server(&actor));
        }
    }

    fn token(user_id: Option<i64>) -> ApiToken {
        ApiToken {
            id: 1,
            name: "lms".to_owned(),
            secret_ciphertext: String::new(),
            secret_hash: String::new(),
            previous_secret_ciphertext: None,
            previous_secret_hash: None,
            previous_secret_expires_at: None,
            group_id: 1,
            user_id,
            scope: TokenScope::Token,
            guid: Uuid::new_v4(),
            max_meetings: None,
            max_attendees: None,
            created_at: Utc::now(),
            last_used_at: None,
        }
    }

    #[test]
    fn api_tokens_are_managed_by_their_owner_and_staff() {
        let alices = token(Some(ALICE));
        assert!(can_manage_api_token(&plain(ALICE), SITE, &alices).unwrap());
        assert!(can_manage_api_token(&staff(), SITE, &alices).unwrap());
        assert!(can_manage_api_token(&superuser(), SITE, &alices).unwrap());
        assert!(!can_manage_api_token(&plain(OWNER), SITE, &alices).unwrap());
        assert!(!can_manage_api_token(&anonymous(), SITE, &alices).unwrap());
        assert!(!can_manage_api_token(&plain(ALICE), SITE, &token(None)).unwrap());

        let error = can_manage_api_token(&other_site_superuser(), SITE, &alices).unwrap_err();
        assert!(
            matches!(error, ServiceError::NotFound("API token")),
            "{error:?}"
        );
    }

    #[test]
    fn only_superusers_issue_global_tokens() {
        let holder = GroupAccess::evaluate(&plain(ALICE), SITE, &GROUP_PERMISSIONS).unwrap();
        let may = |actor: &Actor, access: &GroupAccess, owner: Option<i64>| {
            require_may_issue_api_token(actor, access, TokenScope::Global, owner)
        };
        assert!(may(&superuser(), &group_access(&superuser()), Some(ALICE)).is_ok());
        assert!(may(&superuser(), &group_access(&superuser()), None).is_ok());
        // Every group permission, or staff, is not enough: a global token joins every meeting.
        let denied = [
            (plain(ALICE), holder, Some(ALICE)),
            (staff(), group_access(&staff()), Some(20)),
            (anonymous(), group_access(&anonymous()), None),
        ];
        for (actor, access, owner) in denied {
            assert!(
                matches!(may(&actor, &access, owner), Err(ServiceError::Forbidden(_))),
                "{actor:?}"
            );
        }
    }

    fn group_access(actor: &Actor) -> GroupAccess {
        GroupAccess::evaluate(actor, SITE, &[]).unwrap()
    }

    #[test]
    fn user_and_token_scope_tokens_are_issued_by_their_owner_with_add_apitokens() {
        let holder =
            GroupAccess::evaluate(&plain(ALICE), SITE, &[GroupPermission::AddApiTokens]).unwrap();
        let without =
            GroupAccess::evaluate(&plain(ALICE), SITE, &[GroupPermission::AddMeetings]).unwrap();
        for scope in [TokenScope::User, TokenScope::Token] {
            let may = |actor: &Actor, access: &GroupAccess, owner: Option<i64>| {
                require_may_issue_api_token(actor, access, scope, owner).is_ok()
            };
            assert!(may(&plain(ALICE), &holder, Some(ALICE)), "{scope:?}");
            assert!(
                may(&staff(), &group_access(&staff()), Some(20)),
                "{scope:?}"
            );
            assert!(may(&superuser(), &group_access(&superuser()), Some(ALICE)));
            assert!(may(&superuser(), &group_access(&superuser()), None));
            // Someone else's token: its secret acts for them, so not even staff.
            assert!(!may(&plain(ALICE), &holder, Some(OWNER)), "{scope:?}");
            assert!(!may(&plain(ALICE), &holder, None), "{scope:?}");
            assert!(
                !may(&staff(), &group_access(&staff()), Some(ALICE)),
                "{scope:?}"
            );
            assert!(!may(&staff(), &group_access(&staff()), None), "{scope:?}");
            // One's own, without `add_apitokens` on the group.
            assert!(!may(&plain(ALICE), &without, Some(ALICE)), "{scope:?}");
            assert!(!may(&anonymous(), &group_access(&anonymous()), None));
        }
    }

    /// A token of group 1 (id 1), with this scope, owner and attendee quota.
    fn api_token(scope: TokenScope, owner: Option<i64>) -> ApiToken {
        ApiToken {
            scope,
            ..token(owner)
        }
    }

    /// The actor of a request signed with `token`, its owner read as `owner`.
    fn signed_with(token: ApiToken, owner: Option<User>) -> Actor {
        Actor::api_token(site(SITE), token, owner)
    }

    fn placement(
        id: i64,
        group_id: i64,
        token_id: Option<i64>,
        meeting_id: Option<i64>,
    ) -> Placement {
        Placement {
            id,
            group_id,
            server_id: 1,
            namespace: "ns".to_owned(),
            client_meeting_id: format!("m{id}"),
            bbb_meeting_id: format!("b{id}"),
            token_id,
            meeting_id,
            internal_meeting_id: None,
            create_time: None,
            created_at: Utc::now(),
            ended_at: None,
        }
    }

    #[test]
    fn a_global_token_is_global_only_while_its_owner_is_a_superuser_of_its_site() {
        let global = |owner_id| api_token(TokenScope::Global, owner_id);
        let admin = user(ALICE, SITE, false, true);
        let scope = |actor: &Actor| api_token_scope(actor).unwrap();
        assert_eq!(
            scope(&signed_with(global(Some(ALICE)), Some(admin.clone()))),
            TokenScope::Global
        );
        // The operator's own (no owner) stays global.
        assert_eq!(scope(&signed_with(global(None), None)), TokenScope::Global);
        // Demoted, staff only, deleted or not read, of another site, or somebody else: `token`.
        for owner in [
            Some(user(ALICE, SITE, false, false)),
            Some(user(ALICE, SITE, true, false)),
            None,
            Some(user(ALICE, OTHER_SITE, true, true)),
            Some(user(OWNER, SITE, true, true)),
        ] {
            assert_eq!(
                scope(&signed_with(global(Some(ALICE)), owner.clone())),
                TokenScope::Token,
                "{owner:?}"
            );
        }
        assert_eq!(api_token_owner_to_check(&global(Some(ALICE))), Some(ALICE));
        assert_eq!(api_token_owner_to_check(&global(None)), None);
        for scope in [TokenScope::User, TokenScope::Token] {
            assert_eq!(
                api_token_owner_to_check(&api_token(scope, Some(ALICE))),
                None
            );
        }
        // No API token, no scope.
        for (scope, owner, own_only) in [
            (TokenScope::Token, None, true),
            (TokenScope::Token, Some(ALICE), true),
            (TokenScope::User, None, true),
            (TokenScope::User, Some(ALICE), false),
            (TokenScope::Global, None, false),
            (TokenScope::Global, Some(ALICE), false),
        ] {
            let token = api_token(scope, owner);
            assert_eq!(api_token_sees_its_own_only(&token), own_only, "{scope:?}");
            if own_only {
                // Whatever owner is read, such a token acts as `token`.
                let owner = owner.map(|id| user(id, SITE, true, true));
                assert_eq!(
                    api_token_scope(&signed_with(token, owner)),
                    Some(TokenScope::Token)
                );
            }
        }
        assert_eq!(api_token_scope(&superuser()), None);
        assert_eq!(api_token_scope(&Actor::operator(site(SITE))), None);
    }

    #[test]
    fn a_superuser_owner_never_widens_a_token() {
        let admin = user(ALICE, SITE, true, true);
        for scope in [TokenScope::Token, TokenScope::User] {
            let actor = signed_with(api_token(scope, Some(ALICE)), Some(admin.clone()));
            assert_eq!(api_token_scope(&actor), Some(scope));
            // The owner's flags and grants count for nothing through the token, and the owner
            // is not the signed-in user of services that act as one (`Actor::require_user`).
            assert!(!actor.is_superuser() && !actor.is_staff());
            assert!(matches!(
                actor.require_user(),
                Err(ServiceError::Unauthenticated)
            ));
            assert!(matches!(
                actor.require_authenticated(),
                Err(ServiceError::Unauthenticated)
            ));
            assert!(!on_meeting(&actor, &MEETING_PERMISSIONS).can_view());
            assert!(
                !GroupAccess::evaluate(&actor, SITE, &GROUP_PERMISSIONS)
                    .unwrap()
                    .can_view()
            );
            assert!(!can_list_all_api_tokens(&actor) && !can_create_server_group(&actor));
            assert!(!can_manage_api_token(&actor, SITE, &token(Some(ALICE))).unwrap());
            let access = GroupAccess::evaluate(&actor, SITE, &[]).unwrap();
            assert!(
                require_may_issue_api_token(&actor, &access, TokenScope::Global, Some(ALICE))
                    .is_err()
            );
            // Someone else's meeting of the group stays out of sight.
            let others = placement(1, 1, Some(99), Some(7));
            let holdings = UserHoldings {
                tokens: HashSet::from([1]),
                meeting_owners: HashMap::from([(7, Some(OWNER))]),
            };
            assert!(!api_token_sees(&actor, &holdings, &others), "{scope:?}");
        }
    }

    #[test]
    fn tokens_see_what_their_scope_covers_in_their_group_only() {
        // Token 1 of group 1, owned by ALICE; ALICE's other token is 2; meeting 7 is ALICE's,
        // meeting 8 somebody else's.
        let holdings = UserHoldings {
            tokens: HashSet::from([1, 2]),
            meeting_owners: HashMap::from([(7, Some(ALICE)), (8, Some(OWNER)), (9, None)]),
        };
        let own = placement(1, 1, Some(1), None);
        let sibling = placement(2, 1, Some(2), None);
        let alices_meeting = placement(3, 1, None, Some(7));
        let others_meeting = placement(4, 1, None, Some(8));
        let ownerless_meeting = placement(5, 1, None, Some(9));
        let other_token = placement(6, 1, Some(3), None);
        let other_group = placement(7, 2, Some(1), None);
        let all = [
            &own,
            &sibling,
            &alices_meeting,
            &others_meeting,
            &ownerless_meeting,
            &other_token,
            &other_group,
        ];
        let seen = |actor: &Actor, holdings: &UserHoldings| -> Vec<i64> {
            all.iter()
                .filter(|p| api_token_sees(actor, holdings, p))
                .map(|p| p.id)
                .collect()
        };
        let empty = UserHoldings::default();
        assert_eq!(
            seen(
                &signed_with(api_token(TokenScope::Token, Some(ALICE)), None),
                &holdings
            ),
            [1]
        );
        assert_eq!(
            seen(
                &signed_with(api_token(TokenScope::User, Some(ALICE)), None),
                &holdings
            ),
            [1, 2, 3]
        );
        // A `user` token whose holdings were not loaded still sees its own meetings only.
        assert_eq!(
            seen(
                &signed_with(api_token(TokenScope::User, Some(ALICE)), None),
                &empty
            ),
            [1]
        );
        let admin = user(ALICE, SITE, false, true);
        assert_eq!(
            seen(
                &signed_with(api_token(TokenScope::Global, Some(ALICE)), Some(admin)),
                &empty
            ),
            [1, 2, 3, 4, 5, 6]
        );
        // A global token whose owner is no superuser is a `token` token.
        assert_eq!(
            seen(
                &signed_with(api_token(TokenScope::Global, Some(ALICE)), None),
                &holdings
            ),
            [1]
        );
        // Nobody else sees placements through these rules.
        assert!(seen(&superuser(), &holdings).is_empty());
        assert!(seen(&Actor::operator(site(SITE)), &holdings).is_empty());
    }

    #[test]
    fn attendee_quotas_refuse_the_join_that_would_pass_them() {
        let limited = signed_with(
            ApiToken {
                max_attendees: Some(3),
                ..api_token(TokenScope::Token, None)
            },
            None,
        );
        assert_eq!(api_token_attendee_quota(&limited), Some(3));
        assert!(require_attendee_room(&limited, 0).is_ok());
        assert!(require_attendee_room(&limited, 2).is_ok());
        for attendees in [3, 4] {
            assert!(matches!(
                require_attendee_room(&limited, attendees),
                Err(ServiceError::QuotaExceeded {
                    quota: "max_attendees",
                    limit: 3
                })
            ));
        }
        let unlimited = signed_with(api_token(TokenScope::Token, None), None);
        assert_eq!(api_token_attendee_quota(&unlimited), None);
        assert!(require_attendee_room(&unlimited, u64::MAX).is_ok());
        assert_eq!(api_token_attendee_quota(&superuser()), None);
    }

    #[test]
    fn meeting_quotas_refuse_the_meeting_that_would_pass_them() {
        let limited = |max_meetings, owner: Option<User>| {
            let token = ApiToken {
                max_meetings: Some(max_meetings),
                ..api_token(TokenScope::Token, owner.as_ref().map(|user| user.id))
            };
            signed_with(token, owner)
        };
        assert_eq!(api_token_meeting_quota(&limited(2, None)), Some(2));
        // An owner, even a superuser, never widens the quota.
        let owner = user(ALICE, SITE, false, true);
        assert_eq!(api_token_meeting_quota(&limited(2, Some(owner))), Some(2));
        assert_eq!(api_token_meeting_quota(&limited(-1, None)), Some(0));
        assert_eq!(api_token_meeting_quota(&limited(0, None)), Some(0));
        let unlimited = signed_with(api_token(TokenScope::Global, None), None);
        assert_eq!(api_token_meeting_quota(&unlimited), None);
        assert_eq!(api_token_meeting_quota(&superuser()), None);
        assert_eq!(api_token_meeting_quota(&Actor::operator(site(SITE))), None);

        assert!(require_meeting_room(2, 0).is_ok());
        assert!(require_meeting_room(2, 1).is_ok());
        for live in [2, 3, u64::MAX] {
            assert!(matches!(
                require_meeting_room(2, live),
                Err(ServiceError::QuotaExceeded {
                    quota: "max_meetings",
                    limit: 2
                })
            ));
        }
        assert!(
            require_meeting_room(0, 0).is_err(),
            "a zero quota admits nothing"
        );
    }

    #[test]
    fn require_helpers_map_to_forbidden_and_not_found() {
        assert!(require(true, "x").is_ok());
        assert!(matches!(
            require(false, "x"),
            Err(ServiceError::Forbidden("x"))
        ));
        assert!(require_same_site(&plain(ALICE), SITE, "server").is_ok());
        assert!(matches!(
            require_same_site(&plain(ALICE), OTHER_SITE, "server"),
            Err(ServiceError::NotFound("server"))
        ));
    }

    #[test]
    fn permission_sets_iterate_in_declared_order() {
        let set: PermissionSet = [AddUrls, JoinAsAttendee].into_iter().collect();
        assert_eq!(
            set.iter().collect::<Vec<_>>(),
            vec![JoinAsAttendee, AddUrls]
        );
        assert_eq!(PermissionSet::all().iter().count(), 6);
        assert!(PermissionSet::empty().is_empty());
    }
}
