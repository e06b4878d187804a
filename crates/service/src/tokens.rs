//! API tokens for the BBB-compatible endpoint: create, rotate, delete, list. A secret leaves
//! this module only in the return value of `create` and `rotate`: it is shown once.

use chrono::Duration;
use store::{ApiToken, CreatedToken, NewApiToken, Page, PageRequest, Store, TokenScope};

use crate::groups::load_for_api_tokens;
use crate::permissions::{
    can_list_all_api_tokens, can_manage_api_token, load_group_access, require,
    require_may_issue_api_token,
};
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
    let user = actor.require_user()?;
    let group = load_for_api_tokens(store, actor, input.group_id).await?;
    require_may_issue_api_token(actor, &group.access, input.scope, Some(user.id))?;
    validate_quota("maxMeetings", input.max_meetings)?;
    validate_quota("maxAttendees", input.max_attendees)?;
    Ok(store
        .tokens()
        .create(NewApiToken {
            name: input.name,
            group_id: input.group_id,
            user_id: Some(user.id),
            scope: input.scope,
            max_meetings: input.max_meetings,
            max_attendees: input.max_attendees,
            secret: None,
        })
        .await?)
}

/// A token the actor may manage: their own, or any of the site for staff.
pub async fn get(store: &Store, actor: &Actor, id: i64) -> Result<ApiToken, ServiceError> {
    actor.require_user()?;
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
    let group = store.groups().get(token.group_id).await?;
    let access = load_group_access(store, actor, &group).await?;
    require_may_issue_api_token(actor, &access, token.scope, token.user_id)?;
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
    let user = actor.require_user()?;
    Ok(if can_list_all_api_tokens(actor) {
        store
            .tokens()
            .list_for_site_page(actor.site.id, page)
            .await?
    } else {
        store.tokens().list_for_user_page(user.id, page).await?
    })
}
