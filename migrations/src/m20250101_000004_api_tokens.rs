//! API tokens for the BBB-compatible endpoint. Secrets are stored encrypted, and their
//! uniqueness is enforced on a keyed hash, never on the plaintext.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

use crate::building_blocks::{foreign_key, index, not_empty, one_of, positive_or_null};
use crate::m20250101_000001_sites_and_users::User;
use crate::m20250101_000002_server_groups_and_servers::ServerGroup;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
pub enum ApiToken {
    Table,
    Id,
    Name,
    SecretCiphertext,
    SecretHash,
    PreviousSecretCiphertext,
    PreviousSecretHash,
    PreviousSecretExpiresAt,
    GroupId,
    UserId,
    Scope,
    Guid,
    MaxMeetings,
    MaxAttendees,
    CreatedAt,
    LastUsedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(ApiToken::Table)
                    .col(big_pk_auto(ApiToken::Id))
                    .col(string_len(ApiToken::Name, 60))
                    .col(text(ApiToken::SecretCiphertext))
                    .col(string_len(ApiToken::SecretHash, 64))
                    .col(text_null(ApiToken::PreviousSecretCiphertext))
                    .col(string_len_null(ApiToken::PreviousSecretHash, 64))
                    .col(timestamp_with_time_zone_null(
                        ApiToken::PreviousSecretExpiresAt,
                    ))
                    .col(big_integer(ApiToken::GroupId))
                    .col(big_integer_null(ApiToken::UserId))
                    .col(string_len(ApiToken::Scope, 16).default("token"))
                    .col(uuid(ApiToken::Guid))
                    .col(integer_null(ApiToken::MaxMeetings))
                    .col(integer_null(ApiToken::MaxAttendees))
                    .col(timestamp_with_time_zone(ApiToken::CreatedAt))
                    .col(timestamp_with_time_zone_null(ApiToken::LastUsedAt))
                    .foreign_key(&mut foreign_key(
                        ApiToken::Table,
                        ApiToken::GroupId,
                        ServerGroup::Table,
                        ServerGroup::Id,
                        ForeignKeyAction::Cascade,
                    ))
                    // A user-scoped token cannot outlive its user (the CHECK below forbids
                    // SET NULL), so tokens go with their user.
                    .foreign_key(&mut foreign_key(
                        ApiToken::Table,
                        ApiToken::UserId,
                        User::Table,
                        User::Id,
                        ForeignKeyAction::Cascade,
                    ))
                    .check(not_empty("ck_api_token_name", "name"))
                    .check(one_of(
                        "ck_api_token_scope",
                        ApiToken::Scope,
                        &["token", "user", "global"],
                    ))
                    .check(Check::named(
                        "ck_api_token_user_scope",
                        Expr::cust("scope <> 'user' OR user_id IS NOT NULL"),
                    ))
                    .check(Check::named(
                        "ck_api_token_previous_secret",
                        Expr::cust(
                            "(previous_secret_ciphertext IS NULL) = (previous_secret_hash IS NULL)",
                        ),
                    ))
                    .check(positive_or_null(
                        "ck_api_token_max_meetings",
                        "max_meetings",
                    ))
                    .check(positive_or_null(
                        "ck_api_token_max_attendees",
                        "max_attendees",
                    ))
                    .to_owned(),
            )
            .await?;
        for (name, column) in [
            ("ux_api_token_name", ApiToken::Name),
            ("ux_api_token_secret_hash", ApiToken::SecretHash),
            (
                "ux_api_token_previous_secret_hash",
                ApiToken::PreviousSecretHash,
            ),
            ("ux_api_token_guid", ApiToken::Guid),
        ] {
            manager
                .create_index(index(name, ApiToken::Table, [column]).unique().to_owned())
                .await?;
        }
        for (name, column) in [
            ("ix_api_token_group", ApiToken::GroupId),
            ("ix_api_token_user", ApiToken::UserId),
        ] {
            manager
                .create_index(index(name, ApiToken::Table, [column]).to_owned())
                .await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(ApiToken::Table).to_owned())
            .await
    }
}
