//! `bbb-gateway migrate up|down|status`.

use clap::Subcommand;

use crate::{config::Config, error::GatewayError};

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

pub async fn run(config: &Config, command: MigrateCommand) -> Result<(), GatewayError> {
    let db = store::open_database(Some(config.database_url())).await?;
    match command {
        MigrateCommand::Up { steps } => {
            store::migrate_up(&db, steps).await?;
            report(&db).await?;
        }
        MigrateCommand::Down { steps, all } => {
            if steps == 0 {
                return Err(GatewayError::bad_field(
                    "steps",
                    "--steps must be at least 1 (use --all to revert everything)",
                ));
            }
            store::migrate_down(&db, (!all).then_some(steps)).await?;
            report(&db).await?;
        }
        MigrateCommand::Status => {
            for migration in store::migration_status(&db).await? {
                let state = if migration.applied {
                    "applied"
                } else {
                    "pending"
                };
                println!("{state:<8} {}", migration.name);
            }
        }
    }
    db.close().await.map_err(GatewayError::internal)
}

async fn report(db: &sea_orm::DatabaseConnection) -> Result<(), GatewayError> {
    let migrations = store::migration_status(db).await?;
    let applied = migrations
        .iter()
        .filter(|migration| migration.applied)
        .count();
    println!("{applied} of {} migrations applied", migrations.len());
    Ok(())
}
