//! Placements: the map from a client's meetingID to the BBB server and backend meetingID that
//! host it. Looked up on every BBB-endpoint call, so every lookup has an index.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

use crate::building_blocks::{foreign_key, index, not_empty};
use crate::m20250101_000002_server_groups_and_servers::{Server, ServerGroup};
use crate::m20250101_000003_meetings::Meeting;
use crate::m20250101_000004_api_tokens::ApiToken;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
pub(crate) enum Placement {
    Table,
    Id,
    GroupId,
    ServerId,
    Namespace,
    ClientMeetingId,
    BbbMeetingId,
    TokenId,
    MeetingId,
    InternalMeetingId,
    CreateTime,
    CreatedAt,
    EndedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Placement::Table)
                    .col(big_pk_auto(Placement::Id))
                    .col(big_integer(Placement::GroupId))
                    .col(big_integer(Placement::ServerId))
                    .col(string_len(Placement::Namespace, 100))
                    .col(string_len(Placement::ClientMeetingId, 256))
                    .col(string_len(Placement::BbbMeetingId, 256))
                    .col(big_integer_null(Placement::TokenId))
                    .col(big_integer_null(Placement::MeetingId))
                    .col(string_len_null(Placement::InternalMeetingId, 256))
                    .col(big_integer_null(Placement::CreateTime))
                    .col(timestamp_with_time_zone(Placement::CreatedAt))
                    .col(timestamp_with_time_zone_null(Placement::EndedAt))
                    .foreign_key(&mut foreign_key(
                        Placement::Table,
                        Placement::GroupId,
                        ServerGroup::Table,
                        ServerGroup::Id,
                        ForeignKeyAction::Cascade,
                    ))
                    // A deleted server's meetings are gone with it.
                    .foreign_key(&mut foreign_key(
                        Placement::Table,
                        Placement::ServerId,
                        Server::Table,
                        Server::Id,
                        ForeignKeyAction::Cascade,
                    ))
                    // History stays when its token or persistent meeting is deleted; the
                    // namespace keeps the live-uniqueness intact.
                    .foreign_key(&mut foreign_key(
                        Placement::Table,
                        Placement::TokenId,
                        ApiToken::Table,
                        ApiToken::Id,
                        ForeignKeyAction::SetNull,
                    ))
                    .foreign_key(&mut foreign_key(
                        Placement::Table,
                        Placement::MeetingId,
                        Meeting::Table,
                        Meeting::Id,
                        ForeignKeyAction::SetNull,
                    ))
                    .check(not_empty(
                        "ck_placement_client_meeting_id",
                        "client_meeting_id",
                    ))
                    .check(not_empty("ck_placement_bbb_meeting_id", "bbb_meeting_id"))
                    .to_owned(),
            )
            .await?;
        // Partial unique indexes: one live placement per client meetingID (and per backend
        // meetingID on a server); ended ones are history and may repeat. The first also serves
        // the hot lookup by (group, namespace, client meetingID).
        manager
            .create_index(
                index(
                    "ux_placement_live_client",
                    Placement::Table,
                    [
                        Placement::GroupId,
                        Placement::Namespace,
                        Placement::ClientMeetingId,
                    ],
                )
                .unique()
                .and_where(Expr::col(Placement::EndedAt).is_null())
                .to_owned(),
            )
            .await?;
        manager
            .create_index(
                index(
                    "ux_placement_live_backend",
                    Placement::Table,
                    [Placement::ServerId, Placement::BbbMeetingId],
                )
                .unique()
                .and_where(Expr::col(Placement::EndedAt).is_null())
                .to_owned(),
            )
            .await?;
        // Lookups that include ended placements (history, recordings of ended meetings).
        manager
            .create_index(
                index(
                    "ix_placement_client",
                    Placement::Table,
                    [
                        Placement::GroupId,
                        Placement::Namespace,
                        Placement::ClientMeetingId,
                    ],
                )
                .to_owned(),
            )
            .await?;
        for (name, column) in [
            ("ix_placement_internal", Placement::InternalMeetingId),
            ("ix_placement_server", Placement::ServerId),
            ("ix_placement_token", Placement::TokenId),
            ("ix_placement_meeting", Placement::MeetingId),
        ] {
            manager
                .create_index(index(name, Placement::Table, [column]).to_owned())
                .await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(Placement::Table).to_owned())
            .await
    }
}
