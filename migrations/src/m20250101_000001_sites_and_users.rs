//! Sites (tenants) and users; seeds the default site so a fresh database is usable at once.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

use crate::building_blocks::{foreign_key, index, not_empty};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
pub enum Site {
    Table,
    Id,
    Domain,
    Name,
    IsDefault,
}

#[derive(DeriveIden)]
pub enum User {
    Table,
    Id,
    SiteId,
    Username,
    DisplayName,
    Email,
    PasswordHash,
    ExternalIssuer,
    ExternalSubject,
    IsStaff,
    IsSuperuser,
    CreatedAt,
    UpdatedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Site::Table)
                    .col(big_pk_auto(Site::Id))
                    .col(string_len(Site::Domain, 253))
                    .col(string_len(Site::Name, 60))
                    .col(boolean(Site::IsDefault).default(false))
                    .check(not_empty("ck_site_domain", "domain"))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                index("ux_site_domain", Site::Table, [Site::Domain])
                    .unique()
                    .to_owned(),
            )
            .await?;
        // A partial unique index: any number of ordinary sites, at most one default.
        manager
            .create_index(
                index("ux_site_default", Site::Table, [Site::IsDefault])
                    .unique()
                    .and_where(Expr::col(Site::IsDefault).eq(true))
                    .to_owned(),
            )
            .await?;
        manager
            .exec_stmt(
                Query::insert()
                    .into_table(Site::Table)
                    .columns([Site::Domain, Site::Name, Site::IsDefault])
                    .values_panic(["localhost".into(), "Default site".into(), true.into()])
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(User::Table)
                    .col(big_pk_auto(User::Id))
                    .col(big_integer(User::SiteId))
                    .col(string_len(User::Username, 150))
                    .col(string_len(User::DisplayName, 150).default(""))
                    .col(string_len(User::Email, 254).default(""))
                    .col(text_null(User::PasswordHash))
                    .col(string_len_null(User::ExternalIssuer, 255))
                    .col(string_len_null(User::ExternalSubject, 255))
                    .col(boolean(User::IsStaff).default(false))
                    .col(boolean(User::IsSuperuser).default(false))
                    .col(timestamp_with_time_zone(User::CreatedAt))
                    .col(timestamp_with_time_zone(User::UpdatedAt))
                    .foreign_key(&mut foreign_key(
                        User::Table,
                        User::SiteId,
                        Site::Table,
                        Site::Id,
                        ForeignKeyAction::Cascade,
                    ))
                    .check(not_empty("ck_user_username", "username"))
                    .check(Check::named(
                        "ck_user_external_pair",
                        Expr::cust("(external_issuer IS NULL) = (external_subject IS NULL)"),
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                index(
                    "ux_user_site_username",
                    User::Table,
                    [User::SiteId, User::Username],
                )
                .unique()
                .to_owned(),
            )
            .await?;
        manager
            .create_index(
                index(
                    "ux_user_external",
                    User::Table,
                    [User::ExternalIssuer, User::ExternalSubject],
                )
                .unique()
                .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(User::Table).to_owned())
            .await?;
        manager
            .drop_table(Table::drop().table(Site::Table).to_owned())
            .await
    }
}
