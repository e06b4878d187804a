//! `bbb-gateway migrate up|down|status`.

use clap::Subcommand;

use super::CliError;
use crate::{app::Schema, config::Config};

#[derive(Debug, Subcommand)]
pub enum MigrateCommand {
    /// Apply pending migrations (all, or the next --steps). `serve` does this at start too.
    Up {
        /// How many pending migrations to apply.
        #[arg(long, value_name = "N")]
        steps: Option<u32>,
    },
    /// Revert applied migrations, newest first. Destroys the data of what they created.
    Down {
        /// How many applied migrations to revert.
        #[arg(long, value_name = "N", default_value_t = 1, conflicts_with = "all")]
        steps: u32,
        /// Revert every migration, leaving an empty database.
        #[arg(long)]
        all: bool,
    },
    /// List every migration and whether it is applied.
    Status,
}

pub async fn run(config: &Config, command: MigrateCommand) -> Result<(), CliError> {
    let schema = Schema::open(config).await?;
    match command {
        MigrateCommand::Up { steps } => {
            schema.up(steps).await?;
            report(&schema).await?;
        }
        MigrateCommand::Down { steps, all } => {
            if steps == 0 {
                return Err(CliError::usage(
                    "--steps must be at least 1 (use --all to revert everything)",
                ));
            }
            schema.down((!all).then_some(steps)).await?;
            report(&schema).await?;
        }
        MigrateCommand::Status => {
            for migration in schema.status().await? {
                let state = if migration.applied {
                    "applied"
                } else {
                    "pending"
                };
                println!("{state:<8} {}", migration.name);
            }
        }
    }
    Ok(schema.close().await?)
}

async fn report(schema: &Schema) -> Result<(), CliError> {
    let migrations = schema.status().await?;
    let applied = migrations
        .iter()
        .filter(|migration| migration.applied)
        .count();
    println!("{applied} of {} migrations applied", migrations.len());
    Ok(())
}
