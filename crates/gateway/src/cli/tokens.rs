//! `bbb-gateway token create|list|rotate|revoke`: API tokens of the BBB-compatible endpoint.
//! A secret is printed exactly once, when it is created or rotated; `list` never shows one.

use std::{collections::HashMap, time::Duration};

use clap::{Subcommand, ValueEnum};
use service::{
    model::{ApiToken, PageRequest, Secret, TokenScope},
    tokens::ApiTokenInput,
    users::UserRef,
};

use super::{
    CliError, Operator, error::unless_not_found, parse_duration, read_secret_line, show_time, table,
};
use crate::config::Config;

/// How many tokens `token list` asks the service for at once (the most it hands out).
const LIST_PAGE_SIZE: u64 = 500;

#[derive(Debug, Subcommand)]
pub enum TokenCommand {
    /// Create a token for a server group; prints its secret (once) and its BBB API URLs.
    Create {
        /// Unique name, e.g. the integration using it (`moodle`).
        name: String,
        /// The server group its meetings run on.
        #[arg(long, value_name = "GROUP")]
        group: String,
        /// What the token sees: its own meetings (token), its user's (user), or the whole
        /// group's (global).
        #[arg(long, value_enum, default_value_t = Scope::Token)]
        scope: Scope,
        /// Owning user (username); required for --scope user.
        #[arg(long, value_name = "USERNAME")]
        user: Option<String>,
        /// Most meetings it may have running at once.
        #[arg(long, value_name = "N")]
        max_meetings: Option<i32>,
        /// Most attendees across its meetings.
        #[arg(long, value_name = "N")]
        max_attendees: Option<i32>,
        /// Adopt the secret on the first line of standard input (e.g. the one an existing
        /// integration is configured with) instead of generating one.
        #[arg(long)]
        secret_stdin: bool,
        /// Domain of the group's site; the default site when absent.
        #[arg(long, value_name = "DOMAIN")]
        site: Option<String>,
    },
    /// List tokens (never their secrets).
    List {
        /// Only the tokens of this server group.
        #[arg(long, value_name = "GROUP")]
        group: Option<String>,
        /// Domain of the site; the default site when absent.
        #[arg(long, value_name = "DOMAIN")]
        site: Option<String>,
    },
    /// Give a token a new secret, printed once. The previous secret stays valid for --grace.
    Rotate {
        name: String,
        /// How long the previous secret keeps working, so integrations can be switched over;
        /// `0s` revokes it at once.
        #[arg(long, value_name = "DURATION", default_value = "1h", value_parser = parse_duration)]
        grace: Duration,
    },
    /// Delete a token: its secrets stop working at once.
    Revoke { name: String },
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum Scope {
    Token,
    User,
    Global,
}

impl From<Scope> for TokenScope {
    fn from(scope: Scope) -> Self {
        match scope {
            Scope::Token => TokenScope::Token,
            Scope::User => TokenScope::User,
            Scope::Global => TokenScope::Global,
        }
    }
}

pub async fn run(config: &Config, command: TokenCommand) -> Result<(), CliError> {
    match command {
        TokenCommand::Create {
            name,
            group,
            scope,
            user,
            max_meetings,
            max_attendees,
            secret_stdin,
            site: domain,
        } => {
            // The operator may create any token for any user of the site (see the README), but
            // a `user` token acts as its user and so needs one. The service refuses it too; this
            // says so in the command's own terms, before a secret is read.
            if matches!(scope, Scope::User) && user.is_none() {
                return Err(CliError::usage(
                    "--scope user needs --user USERNAME: the token acts as that user",
                ));
            }
            let secret = secret_stdin
                .then(|| read_secret_line("token secret"))
                .transpose()?;
            let operator = Operator::open(config, domain.as_deref()).await?;
            let group = super::servers::group_by_name(&operator, &group).await?;
            let owner = match user {
                Some(username) => {
                    let reference = UserRef::Username(username.clone());
                    let found =
                        service::users::find_in_site(&operator.store, &operator.actor, &reference)
                            .await;
                    let owner = unless_not_found(found, || {
                        format!("no user `{username}` in site {}", operator.site().domain)
                    })?;
                    Some(UserRef::Id(owner.id))
                }
                None => None,
            };
            let created = service::tokens::create_for(
                &operator.store,
                &operator.actor,
                ApiTokenInput {
                    name,
                    group_id: group.id,
                    scope: scope.into(),
                    max_meetings,
                    max_attendees,
                },
                owner.as_ref(),
                secret.map(Secret::new),
            )
            .await?;
            let token = &created.token;
            println!(
                "created API token {} (id {}, group {}, scope {})",
                token.name,
                token.id,
                group.name,
                token.scope.as_str()
            );
            println!("secret (shown only now): {}", created.secret.expose());
            let base = config.base_url();
            println!("BBB API URL (either one, with this secret):");
            println!("  {base}/t/{}/bigbluebutton/api/", token.guid);
            println!("  {base}/bigbluebutton/api/");
            operator.close().await
        }
        TokenCommand::List {
            group,
            site: domain,
        } => {
            let operator = Operator::open(config, domain.as_deref()).await?;
            let group_id = match group {
                Some(group) => Some(super::servers::group_by_name(&operator, &group).await?.id),
                None => None,
            };
            let tokens: Vec<ApiToken> = every_token(&operator)
                .await?
                .into_iter()
                .filter(|token| group_id.is_none_or(|id| token.group_id == id))
                .collect();
            print_tokens(&operator, &tokens).await?;
            operator.close().await
        }
        TokenCommand::Rotate { name, grace } => {
            let mut operator = Operator::open(config, None).await?;
            let token = token_by_name(&mut operator, &name).await?;
            let previous_valid_for = chrono::Duration::from_std(grace)
                .map_err(|_| CliError::usage("a grace period of at most a few centuries"))?;
            let rotated = service::tokens::rotate(
                &operator.store,
                &operator.actor,
                token.id,
                Some(previous_valid_for),
            )
            .await?;
            if grace.is_zero() {
                service::tokens::finish_rotation(&operator.store, &operator.actor, token.id)
                    .await?;
            }
            println!("rotated API token {}", rotated.token.name);
            println!("new secret (shown only now): {}", rotated.secret.expose());
            match rotated.token.previous_secret_expires_at {
                Some(until) if !grace.is_zero() => println!(
                    "the previous secret stays valid until {}",
                    show_time(Some(until))
                ),
                _ => println!("the previous secret no longer works"),
            }
            operator.close().await
        }
        TokenCommand::Revoke { name } => {
            let mut operator = Operator::open(config, None).await?;
            let token = token_by_name(&mut operator, &name).await?;
            service::tokens::delete(&operator.store, &operator.actor, token.id).await?;
            println!("revoked API token {} (id {})", token.name, token.id);
            operator.close().await
        }
    }
}

/// The token named `name`, in whichever site it is (names are unique across sites); the
/// operator moves to that site, where what they do with it is checked.
async fn token_by_name(operator: &mut Operator, name: &str) -> Result<ApiToken, CliError> {
    let found = service::tokens::locate_by_name(&operator.store, &operator.actor, name).await;
    let (site, token) = unless_not_found(found, || {
        format!("no API token is named `{name}`; see `bbb-gateway token list`")
    })?;
    operator.move_to(site);
    Ok(token)
}

/// Every token of the operator's site, in id order.
async fn every_token(operator: &Operator) -> Result<Vec<ApiToken>, CliError> {
    let mut tokens = Vec::new();
    let mut page = PageRequest::first(LIST_PAGE_SIZE);
    loop {
        let found = service::tokens::list(&operator.store, &operator.actor, page).await?;
        tokens.extend(found.items);
        match tokens.last() {
            Some(last) if found.has_next_page => page = PageRequest::after(last.id, LIST_PAGE_SIZE),
            _ => return Ok(tokens),
        }
    }
}

async fn print_tokens(operator: &Operator, tokens: &[ApiToken]) -> Result<(), CliError> {
    let groups: HashMap<i64, String> = service::groups::list(&operator.store, &operator.actor)
        .await?
        .into_iter()
        .map(|visible| (visible.group.id, visible.group.name))
        .collect();
    let mut users: HashMap<i64, String> = HashMap::new();
    for user_id in tokens.iter().filter_map(|token| token.user_id) {
        if !users.contains_key(&user_id) {
            let user = service::users::find_in_site(
                &operator.store,
                &operator.actor,
                &UserRef::Id(user_id),
            )
            .await?;
            users.insert(user.id, user.username);
        }
    }
    let optional = |value: Option<i32>| value.map_or_else(|| "-".to_owned(), |n| n.to_string());
    let rows: Vec<Vec<String>> = tokens
        .iter()
        .map(|token| {
            vec![
                token.id.to_string(),
                token.name.clone(),
                groups.get(&token.group_id).cloned().unwrap_or_default(),
                token.scope.as_str().to_owned(),
                token
                    .user_id
                    .and_then(|id| users.get(&id).cloned())
                    .unwrap_or_else(|| "-".to_owned()),
                token.guid.to_string(),
                optional(token.max_meetings),
                optional(token.max_attendees),
                show_time(Some(token.created_at)),
                show_time(token.last_used_at),
            ]
        })
        .collect();
    table::print(
        &[
            "ID",
            "NAME",
            "GROUP",
            "SCOPE",
            "USER",
            "GUID",
            "MAX_MEETINGS",
            "MAX_ATTENDEES",
            "CREATED",
            "LAST_USED",
        ],
        &rows,
    );
    Ok(())
}
