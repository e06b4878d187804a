//! API tokens for the BBB-compatible endpoint: create, rotate, delete, list. A secret leaves
//! this module only in the return value of `create` and `rotate`: it is shown once — and to
//! the endpoint's authentication ([`credential_by_guid`], [`credentials_of_site`]), which
//! verifies checksums with it.
//!
//! The endpoint's side: finding the token a request is signed with, what that token may see
//! ([`TokenView`], by the rules of [`permissions::api_token_sees`]), and its attendee quota.

use std::borrow::Cow;
use std::collections::{HashMap, HashSet};

use chrono::Duration;
use store::{
    ApiToken, CreatedToken, NewApiToken, Page, PageRequest, Placement, PlacementFilter, Secret,
    Site, Store, StoreError, TokenScope, TokenSecrets,
};
use uuid::Uuid;

use crate::groups;
use crate::permissions::{
    self, UserHoldings, api_token_owner_to_check, api_token_scope, api_token_sees,
    can_act_in_every_site, can_adopt_api_token_secret, can_list_all_api_tokens,
    can_manage_api_token, require, require_may_issue_api_token,
};
use crate::users::{UserRef, find_in_site};
use crate::{Actor, ServiceError};

/// A token to create. Its owning user is the actor.
#[derive(Debug, Clone)]
pub struct ApiTokenInput {
    pub name: String,
    pub group_id: i64,
    pub scope: TokenScope,
    pub max_meetings: Option<i32>,
    pub max_attendees: Option<i32>,
}

fn validate_quota(name: &str, quota: Option<i32>) -> Result<(), ServiceError> {
    match quota {
        Some(value) if value <= 0 => Err(ServiceError::BadInput(format!(
            "{name} must be positive (leave it out for no limit)"
        ))),
        _ => Ok(()),
    }
}

/// Creates a token owned by the actor. Needs `add_apitokens` on the group (or staff); scope
/// `global` needs a superuser (see [`require_may_issue_api_token`]). The owner makes scope
/// `user` meaningful: the token then sees everything of the actor.
pub async fn create(
    store: &Store,
    actor: &Actor,
    input: ApiTokenInput,
) -> Result<CreatedToken, ServiceError> {
    let owner = UserRef::Id(actor.require_user()?.id);
    create_for(store, actor, input, Some(&owner), None).await
}

/// Creates a token owned by `owner` (a user of the actor's site; `None`: nobody, for a token
/// that acts on its own meetings only), with `adopted_secret` instead of a generated secret
/// when given. The rules of [`create`] apply to the owner named here: a token for somebody
/// else needs a superuser (or the operator); adopting a secret needs the operator
/// ([`can_adopt_api_token_secret`]).
pub async fn create_for(
    store: &Store,
    actor: &Actor,
    input: ApiTokenInput,
    owner: Option<&UserRef>,
    adopted_secret: Option<Secret>,
) -> Result<CreatedToken, ServiceError> {
    actor.require_authenticated()?;
    if adopted_secret.is_some() {
        require(
            can_adopt_api_token_secret(actor),
            "only the operator may give an API token a secret of their choosing",
        )?;
    }
    // `require_may_issue_api_token` asks for `add_apitokens` on the group (among the rest).
    let group = groups::load(store, actor, input.group_id).await?;
    let owner_id = match owner {
        Some(owner) => Some(find_in_site(store, actor, owner).await?.id),
        None => None,
    };
    require_may_issue_api_token(actor, &group.access, input.scope, owner_id)?;
    validate_quota("maxMeetings", input.max_meetings)?;
    validate_quota("maxAttendees", input.max_attendees)?;
    Ok(store
        .tokens()
        .create(NewApiToken {
            name: input.name,
            group_id: input.group_id,
            user_id: owner_id,
            scope: input.scope,
            max_meetings: input.max_meetings,
            max_attendees: input.max_attendees,
            secret: adopted_secret,
        })
        .await?)
}

/// A token the actor may manage: their own, or any of the site for staff.
pub async fn get(store: &Store, actor: &Actor, id: i64) -> Result<ApiToken, ServiceError> {
    actor.require_authenticated()?;
    let token = store.tokens().get(id).await?;
    let site_id = store.groups().get(token.group_id).await?.site_id;
    require(
        can_manage_api_token(actor, site_id, &token)?,
        "this API token belongs to someone else",
    )?;
    Ok(token)
}

/// Gives the token a new secret, returned once. The previous secret stays accepted until
/// [`finish_rotation`], or for `previous_valid_for` when given, so integrations can switch
/// without downtime. Whoever receives the secret can act as the token, so rotating needs what
/// creating this very token needs ([`require_may_issue_api_token`]): its owner, or a
/// superuser — staff may see and delete anybody's token, not take it over.
pub async fn rotate(
    store: &Store,
    actor: &Actor,
    id: i64,
    previous_valid_for: Option<Duration>,
) -> Result<CreatedToken, ServiceError> {
    let token = get(store, actor, id).await?;
    let group = groups::load(store, actor, token.group_id).await?;
    require_may_issue_api_token(actor, &group.access, token.scope, token.user_id)?;
    if previous_valid_for.is_some_and(|valid_for| valid_for < Duration::zero()) {
        return Err(ServiceError::BadInput(
            "the previous secret's grace period must not be negative".to_owned(),
        ));
    }
    Ok(store.tokens().rotate(id, previous_valid_for).await?)
}

/// Stops accepting the secret from before the last rotation.
pub async fn finish_rotation(
    store: &Store,
    actor: &Actor,
    id: i64,
) -> Result<ApiToken, ServiceError> {
    get(store, actor, id).await?;
    Ok(store.tokens().finish_rotation(id).await?)
}

/// Revokes a token for good; returns it as it was.
pub async fn delete(store: &Store, actor: &Actor, id: i64) -> Result<ApiToken, ServiceError> {
    let token = get(store, actor, id).await?;
    store.tokens().delete(id).await?;
    Ok(token)
}

/// A page of tokens in id order: the actor's own, or every token of the site for staff.
pub async fn list(
    store: &Store,
    actor: &Actor,
    page: PageRequest,
) -> Result<Page<ApiToken>, ServiceError> {
    actor.require_authenticated()?;
    Ok(if can_list_all_api_tokens(actor) {
        store
            .tokens()
            .list_for_site_page(actor.site.id, page)
            .await?
    } else {
        let user = actor.require_user()?;
        store.tokens().list_for_user_page(user.id, page).await?
    })
}

/// The token named `name` (names are unique across sites) and its site, for the operator, who
/// works in every site ([`can_act_in_every_site`]): `bbb-gateway token rotate NAME` needs no
/// site. What the operator then does with the token is checked in that site, as for anybody.
pub async fn locate_by_name(
    store: &Store,
    actor: &Actor,
    name: &str,
) -> Result<(Site, ApiToken), ServiceError> {
    require(
        can_act_in_every_site(actor),
        "only the operator finds API tokens by name",
    )?;
    let token = store
        .tokens()
        .find_by_name(name)
        .await?
        .ok_or(ServiceError::NotFound("API token"))?;
    let group = store.groups().get(token.group_id).await?;
    let site = store.sites().get(group.site_id).await?;
    Ok((site, token))
}

/// An API token as the BBB endpoint authenticates requests with it: the row, the secrets it
/// accepts (decrypted), and its site.
#[derive(Debug, Clone)]
pub struct TokenCredential {
    pub token: ApiToken,
    pub secrets: TokenSecrets,
    pub site: Site,
}

impl TokenCredential {
    /// The actor of a request signed with this token. It carries no owner: an owner's rights
    /// bound a `global` token at the moment it is used, so [`TokenView`] reads the owner
    /// afresh where a rule needs it. Without the owner a token never reaches further
    /// ([`permissions::api_token_scope`]).
    pub fn actor(&self) -> Actor {
        Actor::api_token(self.site.clone(), self.token.clone(), None)
    }
}

/// The token with this guid and its site (from `sites`, the directory the endpoint keeps), for
/// the endpoint's per-token path; `None` for a guid no token has (deleted a moment ago
/// included). Two queries: the token, its group.
pub async fn credential_by_guid(
    store: &Store,
    sites: &SiteDirectory,
    guid: Uuid,
) -> Result<Option<TokenCredential>, ServiceError> {
    let Some(token) = store.tokens().find_by_guid(guid).await? else {
        return Ok(None);
    };
    let secrets = store.tokens().secrets_of(&token)?;
    let site_id = match store.groups().get(token.group_id).await {
        Ok(group) => group.site_id,
        Err(StoreError::NotFound { .. }) => return Ok(None),
        Err(error) => return Err(error.into()),
    };
    let site = match sites.get(site_id) {
        Some(site) => site.clone(),
        // A site made since the directory was read.
        None => store.sites().get(site_id).await?,
    };
    Ok(Some(TokenCredential {
        token,
        secrets,
        site,
    }))
}

/// Every token of `site` with its secrets, for the endpoint's site-wide path (which tries a
/// checksum against each).
pub async fn credentials_of_site(
    store: &Store,
    site: &Site,
) -> Result<Vec<TokenCredential>, ServiceError> {
    Ok(store
        .tokens()
        .with_secrets_for_site(site.id)
        .await?
        .into_iter()
        .map(|(token, secrets)| TokenCredential {
            token,
            secrets,
            site: site.clone(),
        })
        .collect())
}

/// Every site by its domain, for the endpoint's site-wide path: a Host header is looked up
/// here, in memory, so that no Host value an attacker makes up costs a query.
#[derive(Debug, Clone)]
pub struct SiteDirectory {
    by_domain: HashMap<String, Site>,
    default_site: Site,
}

impl SiteDirectory {
    /// Every site, read once.
    pub async fn load(store: &Store) -> Result<Self, ServiceError> {
        let sites = crate::sites::list(store).await?;
        let default_site = match sites.iter().find(|site| site.is_default) {
            Some(site) => site.clone(),
            None => crate::sites::default_site(store).await?,
        };
        Ok(SiteDirectory {
            by_domain: sites
                .into_iter()
                .map(|site| (site.domain.clone(), site))
                .collect(),
            default_site,
        })
    }

    /// The site with this id, if it existed when the directory was read.
    pub fn get(&self, site_id: i64) -> Option<&Site> {
        if self.default_site.id == site_id {
            return Some(&self.default_site);
        }
        self.by_domain.values().find(|site| site.id == site_id)
    }

    /// The site a Host header (or `X-Forwarded-Host`) names, or the default site for a host
    /// no site claims; `None` when it is no host name at all, so that no site is searched.
    pub fn for_host(&self, host: &str) -> Option<&Site> {
        let host = site_host(host)?;
        Some(self.by_domain.get(&host).unwrap_or(&self.default_site))
    }
}

/// The site domain a Host header names, by the store's rule (letter case, port and a trailing
/// dot do not matter), or `None` when it is no host name at all: a DNS name of letters,
/// digits, `-`, `_` and dots, or a bracketed IPv6 literal.
fn site_host(host: &str) -> Option<String> {
    let host = store::normalize_host(host);
    let valid = match host
        .strip_prefix('[')
        .and_then(|rest| rest.strip_suffix(']'))
    {
        Some(ipv6) => {
            !ipv6.is_empty()
                && ipv6
                    .bytes()
                    .all(|b| b.is_ascii_hexdigit() || b == b':' || b == b'.')
        }
        None => host
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.')),
    };
    (valid && !host.is_empty() && host.len() <= 253).then_some(host)
}

/// Records that the actor's API token was just used (`last_used_at`).
pub async fn record_use(store: &Store, actor: &Actor) -> Result<(), ServiceError> {
    let token = require_api_token(actor)?;
    Ok(store.tokens().touch(token.id).await?)
}

fn require_api_token(actor: &Actor) -> Result<&ApiToken, ServiceError> {
    actor.api_token_used().ok_or(ServiceError::Forbidden(
        "this is for calls signed with an API token",
    ))
}

/// What one BBB request's API token may see of its group's placements, by the rules of
/// [`permissions::api_token_sees`], with what those rules need read as late as possible and
/// once per request: a `global` token's owner afresh (so a demotion counts at once), a `user`
/// token's other tokens, and for each batch of candidates the owners of their GraphQL
/// meetings. A `token` token costs no query.
pub struct TokenView<'a> {
    store: &'a Store,
    /// Borrowed until the owner is read into it.
    actor: Cow<'a, Actor>,
    owner_read: bool,
    user_tokens_read: bool,
    holdings: UserHoldings,
}

impl<'a> TokenView<'a> {
    /// `actor` is the request's API-token actor ([`TokenCredential::actor`]).
    pub fn new(store: &'a Store, actor: Actor) -> Self {
        Self::with(store, Cow::Owned(actor))
    }

    /// [`Self::new`] without copying the actor: it is copied only if its owner must be read.
    pub fn borrowing(store: &'a Store, actor: &'a Actor) -> Self {
        Self::with(store, Cow::Borrowed(actor))
    }

    fn with(store: &'a Store, actor: Cow<'a, Actor>) -> Self {
        TokenView {
            store,
            actor,
            owner_read: false,
            user_tokens_read: false,
            holdings: UserHoldings::default(),
        }
    }

    /// The scope the token acts with ([`permissions::api_token_scope`]), its owner read if
    /// that decides it.
    pub async fn scope(&mut self) -> Result<TokenScope, ServiceError> {
        if !self.owner_read {
            let token = require_api_token(&self.actor)?;
            if let Some(owner_id) = api_token_owner_to_check(token) {
                // An owner deleted a moment ago (the token goes with them) holds nothing.
                // Boxed: only some tokens have their owner read, and this read inlined would
                // make the future of every scope check (every getMeetings) that much larger.
                self.actor.to_mut().user = match Box::pin(self.store.users().get(owner_id)).await {
                    Ok(owner) => Some(owner),
                    Err(StoreError::NotFound { .. }) => None,
                    Err(error) => return Err(error.into()),
                };
            }
            self.owner_read = true;
        }
        api_token_scope(&self.actor).ok_or(ServiceError::Forbidden(
            "this is for calls signed with an API token",
        ))
    }

    /// The placements of `candidates` the token sees, in their order.
    pub async fn visible(
        &mut self,
        candidates: Vec<Placement>,
    ) -> Result<Vec<Placement>, ServiceError> {
        if self.scope().await? == TokenScope::User {
            // Boxed, as in `scope`: the other scopes need no reads.
            Box::pin(self.load_user_holdings(&candidates)).await?;
        }
        Ok(candidates
            .into_iter()
            .filter(|placement| api_token_sees(&self.actor, &self.holdings, placement))
            .collect())
    }

    /// The placements of a client's meetingID in the token's group that the token sees,
    /// newest first; ended ones too unless `live_only`.
    pub async fn visible_by_client_id(
        &mut self,
        client_meeting_id: &str,
        live_only: bool,
    ) -> Result<Vec<Placement>, ServiceError> {
        let group_id = require_api_token(&self.actor)?.group_id;
        let candidates = self
            .store
            .placements()
            .list_by_client_id(group_id, client_meeting_id, live_only)
            .await?;
        self.visible(candidates).await
    }

    /// A `user` token's user's tokens (once), and the owners of the candidates' meetings.
    async fn load_user_holdings(&mut self, candidates: &[Placement]) -> Result<(), ServiceError> {
        let token = require_api_token(&self.actor)?;
        let Some(user_id) = token.user_id else {
            return Ok(());
        };
        if !self.user_tokens_read {
            self.holdings.tokens = self
                .store
                .tokens()
                .list_for_user(user_id)
                .await?
                .into_iter()
                .map(|token| token.id)
                .collect();
            self.user_tokens_read = true;
        }
        let meeting_ids: Vec<i64> = candidates
            .iter()
            .filter(|placement| placement.group_id == token.group_id)
            .filter_map(|placement| placement.meeting_id)
            .collect::<HashSet<i64>>()
            .into_iter()
            .collect();
        self.holdings.meeting_owners = if meeting_ids.is_empty() {
            HashMap::new()
        } else {
            self.store
                .meetings()
                .get_many(&meeting_ids)
                .await?
                .into_iter()
                .map(|meeting| (meeting.id, meeting.owner_id))
                .collect()
        };
        Ok(())
    }
}

/// Refuses a join when the meetings of the actor's API token already hold its
/// `max_attendees` ([`permissions::require_attendee_room`]). The token's live meetings are
/// looked up on the servers that hold them, one getMeetings per server, so the check costs
/// nothing for tokens without the quota. A server that does not answer cannot be counted; its
/// meetings cannot be joined either (the join itself goes to the same server).
pub async fn require_attendee_room(
    store: &Store,
    bbb: &bbb_client::Client,
    actor: &Actor,
) -> Result<(), ServiceError> {
    if permissions::api_token_attendee_quota(actor).is_none() {
        return Ok(());
    }
    // Boxed: most tokens have no quota, and the count's reads and calls inlined would make the
    // future of every join that much larger.
    Box::pin(count_attendees_against_quota(store, bbb, actor)).await
}

/// [`require_attendee_room`] for a token that has the quota.
async fn count_attendees_against_quota(
    store: &Store,
    bbb: &bbb_client::Client,
    actor: &Actor,
) -> Result<(), ServiceError> {
    let token = require_api_token(actor)?;
    let live = store
        .placements()
        .list(&PlacementFilter {
            token_id: Some(token.id),
            live_only: true,
            ..PlacementFilter::default()
        })
        .await?;
    let mut server_ids: Vec<i64> = live.iter().map(|placement| placement.server_id).collect();
    server_ids.sort_unstable();
    server_ids.dedup();
    let answers = crate::bbb::live::meetings_on_servers(store, bbb, &server_ids).await?;
    let attendees: u64 = live
        .iter()
        .filter_map(|placement| {
            let server = answers.get(&placement.server_id)?.as_ref().ok()?;
            server.live(&placement.bbb_meeting_id)
        })
        .map(|meeting| u64::from(meeting.participant_count))
        .sum();
    permissions::require_attendee_room(actor, attendees)
}

#[cfg(test)]
mod tests {
    use super::site_host;

    #[test]
    fn host_headers_name_sites_by_the_store_rule_and_only_host_names_do() {
        for (header, site) in [
            ("lms.example.org", "lms.example.org"),
            ("LMS.Example.ORG:8443", "lms.example.org"),
            ("lms.example.org.", "lms.example.org"),
            ("127.0.0.1:8080", "127.0.0.1"),
            ("[::1]:80", "[::1]"),
            ("[2001:DB8::1]", "[2001:db8::1]"),
            ("in_ternal-host", "in_ternal-host"),
        ] {
            assert_eq!(site_host(header).as_deref(), Some(site), "{header}");
        }
        let long = "a".repeat(254);
        for header in [
            "",
            ":80",
            ".",
            "a b",
            "a/b",
            "a@b",
            "a:b:c",
            "::1",
            "[]",
            "[::1]x",
            "[::g]",
            "lms.example.org:80x",
            "ünïcode.example",
            "<x>",
            long.as_str(),
        ] {
            assert_eq!(site_host(header), None, "{header:?}");
        }
    }
}
