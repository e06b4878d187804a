//! Server groups, the permissions users hold on them, and the BBB servers in them.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

use crate::building_blocks::{foreign_key, index, not_empty, one_of};
use crate::m20250101_000001_sites_and_users::{Site, User};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
pub enum ServerGroup {
    Table,
    Id,
    SiteId,
    Name,
    CreatedAt,
}

#[derive(DeriveIden)]
enum GroupGrant {
    Table,
    Id,
    GroupId,
    UserId,
    Permission,
}

#[derive(DeriveIden)]
pub enum Server {
    Table,
    Id,
    GroupId,
    Name,
    ApiUrl,
    SecretCiphertext,
    Weight,
    State,
    Health,
    ConsecutiveFailures,
    ConsecutiveSuccesses,
    LastPolledAt,
    LastPollError,
    MeetingCount,
    AttendeeCount,
    CreatedAt,
    UpdatedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(ServerGroup::Table)
                    .col(big_pk_auto(ServerGroup::Id))
                    .col(big_integer(ServerGroup::SiteId))
                    .col(string_len(ServerGroup::Name, 60))
                    .col(timestamp_with_time_zone(ServerGroup::CreatedAt))
                    .foreign_key(&mut foreign_key(
                        ServerGroup::Table,
                        ServerGroup::SiteId,
                        Site::Table,
                        Site::Id,
                        ForeignKeyAction::Cascade,
                    ))
                    .check(not_empty("ck_server_group_name", "name"))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                index(
                    "ux_server_group_site_name",
                    ServerGroup::Table,
                    [ServerGroup::SiteId, ServerGroup::Name],
                )
                .unique()
                .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(GroupGrant::Table)
                    .col(big_pk_auto(GroupGrant::Id))
                    .col(big_integer(GroupGrant::GroupId))
                    .col(big_integer(GroupGrant::UserId))
                    .col(string_len(GroupGrant::Permission, 32))
                    .foreign_key(&mut foreign_key(
                        GroupGrant::Table,
                        GroupGrant::GroupId,
                        ServerGroup::Table,
                        ServerGroup::Id,
                        ForeignKeyAction::Cascade,
                    ))
                    .foreign_key(&mut foreign_key(
                        GroupGrant::Table,
                        GroupGrant::UserId,
                        User::Table,
                        User::Id,
                        ForeignKeyAction::Cascade,
                    ))
                    .check(one_of(
                        "ck_group_grant_permission",
                        GroupGrant::Permission,
                        &["add_servers", "add_apitokens", "add_meetings"],
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                index(
                    "ux_group_grant_triple",
                    GroupGrant::Table,
                    [
                        GroupGrant::GroupId,
                        GroupGrant::UserId,
                        GroupGrant::Permission,
                    ],
                )
                .unique()
                .to_owned(),
            )
            .await?;
        // "Which groups may this user act on" and the user-deletion cascade.
        manager
            .create_index(
                index(
                    "ix_group_grant_user",
                    GroupGrant::Table,
                    [GroupGrant::UserId],
                )
                .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Server::Table)
                    .col(big_pk_auto(Server::Id))
                    .col(big_integer(Server::GroupId))
                    .col(string_len(Server::Name, 60))
                    .col(text(Server::ApiUrl))
                    .col(text(Server::SecretCiphertext))
                    .col(integer(Server::Weight).default(1))
                    .col(string_len(Server::State, 16).default("enabled"))
                    .col(string_len(Server::Health, 16).default("unknown"))
                    .col(integer(Server::ConsecutiveFailures).default(0))
                    .col(integer(Server::ConsecutiveSuccesses).default(0))
                    .col(timestamp_with_time_zone_null(Server::LastPolledAt))
                    .col(text_null(Server::LastPollError))
                    .col(integer(Server::MeetingCount).default(0))
                    .col(integer(Server::AttendeeCount).default(0))
                    .col(timestamp_with_time_zone(Server::CreatedAt))
                    .col(timestamp_with_time_zone(Server::UpdatedAt))
                    .foreign_key(&mut foreign_key(
                        Server::Table,
                        Server::GroupId,
                        ServerGroup::Table,
                        ServerGroup::Id,
                        ForeignKeyAction::Cascade,
                    ))
                    .check(not_empty("ck_server_name", "name"))
                    .check(not_empty("ck_server_api_url", "api_url"))
                    .check(Check::named("ck_server_weight", Expr::cust("weight > 0")))
                    .check(one_of(
                        "ck_server_state",
                        Server::State,
                        &["enabled", "cordoned", "disabled"],
                    ))
                    .check(one_of(
                        "ck_server_health",
                        Server::Health,
                        &["healthy", "unhealthy", "unknown"],
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                index(
                    "ux_server_group_name",
                    Server::Table,
                    [Server::GroupId, Server::Name],
                )
                .unique()
                .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            Server::Table.into_iden(),
            GroupGrant::Table.into_iden(),
            ServerGroup::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}
