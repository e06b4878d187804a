//! The database schema of bbb-gateway as sea-orm migrations, for SQLite and PostgreSQL.
//!
//! Constraints live in the database, not only in code: unique names, CHECKs on enumerations and
//! on the conference PIN, foreign keys with cascades, and indexes for the gateway's hot lookups.
//! Each migration can be reverted.

pub use sea_orm_migration::migrator::MigrationStatus;
pub use sea_orm_migration::prelude::*;

mod building_blocks;
mod m20250101_000001_sites_and_users;
mod m20250101_000002_server_groups_and_servers;
mod m20250101_000003_meetings;
mod m20250101_000004_api_tokens;
mod m20250101_000005_placements;
mod m20250101_000006_placement_lookups;

pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20250101_000001_sites_and_users::Migration),
            Box::new(m20250101_000002_server_groups_and_servers::Migration),
            Box::new(m20250101_000003_meetings::Migration),
            Box::new(m20250101_000004_api_tokens::Migration),
            Box::new(m20250101_000005_placements::Migration),
            Box::new(m20250101_000006_placement_lookups::Migration),
        ]
    }
}
