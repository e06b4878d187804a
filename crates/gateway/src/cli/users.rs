//! `bbb-gateway user create|list`.

use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use clap::Subcommand;
use rand::RngCore;
use service::users::NewLocalUser;

use super::{CliError, Operator, read_secret_line, table};
use crate::{auth, config::Config, error::GatewayError};

/// Generated passwords have this many random bytes (128 bits).
const GENERATED_PASSWORD_BYTES: usize = 16;

#[derive(Debug, Subcommand)]
pub enum UserCommand {
    /// Create a local user who logs in with a password. Without --password-stdin a random
    /// password is generated and printed once.
    Create {
        username: String,
        /// Name shown to others; the username when absent.
        #[arg(long)]
        display_name: Option<String>,
        #[arg(long, default_value = "")]
        email: String,
        /// May manage server groups, servers and every API token.
        #[arg(long)]
        staff: bool,
        /// May do everything in the site.
        #[arg(long)]
        superuser: bool,
        /// Read the password from the first line of standard input.
        #[arg(long)]
        password_stdin: bool,
        /// Domain of the user's site; the default site when absent.
        #[arg(long, value_name = "DOMAIN")]
        site: Option<String>,
    },
    /// List the users of a site.
    List {
        /// Domain of the site; the default site when absent.
        #[arg(long, value_name = "DOMAIN")]
        site: Option<String>,
    },
}

pub async fn run(config: &Config, command: UserCommand) -> Result<(), CliError> {
    match command {
        UserCommand::Create {
            username,
            display_name,
            email,
            staff,
            superuser,
            password_stdin,
            site,
        } => {
            let new = UserArgs {
                username,
                display_name,
                email,
                staff,
                superuser,
            };
            create(config, new, password_stdin, site.as_deref()).await
        }
        UserCommand::List { site: domain } => {
            let operator = Operator::open(config, domain.as_deref()).await?;
            let flag = |on: bool| if on { "yes" } else { "no" }.to_owned();
            let rows: Vec<Vec<String>> = service::users::list(&operator.store, &operator.actor)
                .await?
                .into_iter()
                .map(|user| {
                    vec![
                        user.id.to_string(),
                        user.username,
                        user.display_name,
                        user.email,
                        flag(user.is_staff),
                        flag(user.is_superuser),
                    ]
                })
                .collect();
            table::print(
                &[
                    "ID",
                    "USERNAME",
                    "DISPLAY_NAME",
                    "EMAIL",
                    "STAFF",
                    "SUPERUSER",
                ],
                &rows,
            );
            operator.close().await
        }
    }
}

/// `user create`'s arguments but the password.
struct UserArgs {
    username: String,
    display_name: Option<String>,
    email: String,
    staff: bool,
    superuser: bool,
}

async fn create(
    config: &Config,
    new: UserArgs,
    password_stdin: bool,
    domain: Option<&str>,
) -> Result<(), CliError> {
    let UserArgs {
        username,
        display_name,
        email,
        staff,
        superuser,
    } = new;
    let (password, generated) = if password_stdin {
        (read_secret_line("password")?, false)
    } else {
        let mut bytes = [0u8; GENERATED_PASSWORD_BYTES];
        rand::rng().fill_bytes(&mut bytes);
        (URL_SAFE_NO_PAD.encode(bytes), true)
    };
    let operator = Operator::open(config, domain).await?;
    let hash = {
        let password = password.clone();
        // argon2 takes tens of milliseconds of CPU: off the async workers.
        tokio::task::spawn_blocking(move || auth::hash_password(&password))
            .await
            .map_err(GatewayError::failed("the password hashing task"))??
    };
    let user = service::users::create_local(
        &operator.store,
        &operator.actor,
        NewLocalUser {
            display_name: display_name.unwrap_or_else(|| username.clone()),
            username,
            email,
            password_hash: hash,
            is_staff: staff,
            is_superuser: superuser,
        },
    )
    .await?;
    let mut flags = Vec::new();
    if user.is_superuser {
        flags.push("superuser");
    }
    if user.is_staff {
        flags.push("staff");
    }
    let flags = if flags.is_empty() {
        String::new()
    } else {
        format!(", {}", flags.join(", "))
    };
    println!(
        "created user {} (id {}{flags}) in site {}",
        user.username,
        user.id,
        operator.site().domain
    );
    if generated {
        println!("password (shown only now): {password}");
    }
    operator.close().await
}
