//! `bbb-gateway token create|list|rotate|revoke`: API tokens of the BBB-compatible endpoint.
//! A secret is printed exactly once, when it is created or rotated; `list` never shows one.

use std::{collections::HashMap, time::Duration};

use clap::{Subcommand, ValueEnum};
use store::{ApiToken, NewApiToken, Store, TokenScope};

use super::{open_store, parse_duration, read_secret_line, show_time, site, table};
use crate::{config::Config, error::GatewayError};

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

fn scope_name(scope: TokenScope) -> &'static str {
    match scope {
        TokenScope::Token => "token",
        TokenScope::User => "user",
        TokenScope::Global => "global",
    }
}

pub async fn run(config: &Config, command: TokenCommand) -> Result<(), GatewayError> {
    let store = open_store(config).await?;
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
            // The operator may create any token for any user of the site (no permission check,
            // see the README), but a `user` token acts as its user and so needs one.
            if matches!(scope, Scope::User) && user.is_none() {
                return Err(GatewayError::bad_field(
                    "user",
                    "--scope user needs --user USERNAME: the token acts as that user",
                ));
            }
            let secret = secret_stdin
                .then(|| read_secret_line("token secret"))
                .transpose()?;
            let site = site(&store, domain.as_deref()).await?;
            let group = super::servers::group_by_name(&store, &site, &group).await?;
            let user_id = match user {
                Some(username) => Some(
                    store
                        .users()
                        .find_by_username(site.id, &username)
                        .await?
                        .ok_or_else(|| {
                            GatewayError::bad_field(
                                "user",
                                format!("no user `{username}` in site {}", site.domain),
                            )
                        })?
                        .id,
                ),
                None => None,
            };
            let created = store
                .tokens()
                .create(NewApiToken {
                    user_id,
                    scope: scope.into(),
                    max_meetings,
                    max_attendees,
                    secret: secret.map(store::Secret::new),
                    ..NewApiToken::new(name, group.id)
                })
                .await?;
            let token = &created.token;
            println!(
                "created API token {} (id {}, group {}, scope {})",
                token.name,
                token.id,
                group.name,
                scope_name(token.scope)
            );
            println!("secret (shown only now): {}", created.secret.expose());
            let base = config.base_url();
            println!("BBB API URL (either one, with this secret):");
            println!("  {base}/t/{}/bigbluebutton/api/", token.guid);
            println!("  {base}/bigbluebutton/api/");
        }
        TokenCommand::List {
            group,
            site: domain,
        } => {
            let site = site(&store, domain.as_deref()).await?;
            let tokens = match group {
                Some(group) => {
                    let group = super::servers::group_by_name(&store, &site, &group).await?;
                    store.tokens().list_for_group(group.id).await?
                }
                None => store.tokens().list_for_site(site.id).await?,
            };
            print_tokens(&store, site.id, &tokens).await?;
        }
        TokenCommand::Rotate { name, grace } => {
            let token = token_by_name(&store, &name).await?;
            let previous_valid_for = chrono::Duration::from_std(grace).map_err(|_| {
                GatewayError::bad_field("grace", "a grace period of at most a few centuries")
            })?;
            let rotated = store
                .tokens()
                .rotate(token.id, Some(previous_valid_for))
                .await?;
            if grace.is_zero() {
                store.tokens().finish_rotation(token.id).await?;
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
        }
        TokenCommand::Revoke { name } => {
            let token = token_by_name(&store, &name).await?;
            store.tokens().delete(token.id).await?;
            println!("revoked API token {} (id {})", token.name, token.id);
        }
    }
    store.close().await?;
    Ok(())
}

async fn token_by_name(store: &Store, name: &str) -> Result<ApiToken, GatewayError> {
    store.tokens().find_by_name(name).await?.ok_or_else(|| {
        GatewayError::bad_field(
            "name",
            format!("no API token is named `{name}`; see `bbb-gateway token list`"),
        )
    })
}

async fn print_tokens(
    store: &Store,
    site_id: i64,
    tokens: &[ApiToken],
) -> Result<(), GatewayError> {
    let groups: HashMap<i64, String> = store
        .groups()
        .list(site_id)
        .await?
        .into_iter()
        .map(|group| (group.id, group.name))
        .collect();
    let user_ids: Vec<i64> = tokens.iter().filter_map(|token| token.user_id).collect();
    let users: HashMap<i64, String> = store
        .users()
        .get_many(&user_ids)
        .await?
        .into_iter()
        .map(|user| (user.id, user.username))
        .collect();
    let optional = |value: Option<i32>| value.map_or_else(|| "-".to_owned(), |n| n.to_string());
    let rows: Vec<Vec<String>> = tokens
        .iter()
        .map(|token| {
            vec![
                token.id.to_string(),
                token.name.clone(),
                groups.get(&token.group_id).cloned().unwrap_or_default(),
                scope_name(token.scope).to_owned(),
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
