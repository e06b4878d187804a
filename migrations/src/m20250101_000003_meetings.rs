//! Persistent meetings, the permissions users hold on them, and their URLs.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

use crate::building_blocks::{
    digits_or_null, foreign_key, index, not_empty, one_of, positive_or_null,
};
use crate::m20250101_000001_sites_and_users::{Site, User};
use crate::m20250101_000002_server_groups_and_servers::ServerGroup;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
pub enum Meeting {
    Table,
    Id,
    GroupId,
    OwnerId,
    Name,
    WelcomeMessage,
    ModeratorMessage,
    ConferencePin,
    Record,
    AutoStartRecording,
    AllowStartStopRecording,
    WebcamsOnlyForModerator,
    MuteOnStart,
    AllowModsToUnmuteUsers,
    EnableCam,
    EnableMic,
    EnablePrivateChat,
    EnablePublicChat,
    EnableNote,
    MaxParticipants,
    Duration,
    Guid,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum MeetingGrant {
    Table,
    Id,
    MeetingId,
    UserId,
    Permission,
}

#[derive(DeriveIden)]
enum MeetingUrl {
    Table,
    Id,
    SiteId,
    MeetingId,
    Slug,
    AllowGuests,
    CreatedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let backend = manager.get_database_backend();
        manager
            .create_table(
                Table::create()
                    .table(Meeting::Table)
                    .col(big_pk_auto(Meeting::Id))
                    .col(big_integer(Meeting::GroupId))
                    .col(big_integer_null(Meeting::OwnerId))
                    .col(string_len(Meeting::Name, 60))
                    .col(text(Meeting::WelcomeMessage).default(""))
                    .col(text(Meeting::ModeratorMessage).default(""))
                    // Unbounded text: the CHECK alone decides, the same way on both databases.
                    .col(text_null(Meeting::ConferencePin))
                    .col(boolean(Meeting::Record).default(false))
                    .col(boolean(Meeting::AutoStartRecording).default(false))
                    .col(boolean(Meeting::AllowStartStopRecording).default(true))
                    .col(boolean(Meeting::WebcamsOnlyForModerator).default(false))
                    .col(boolean(Meeting::MuteOnStart).default(false))
                    .col(boolean(Meeting::AllowModsToUnmuteUsers).default(false))
                    .col(boolean(Meeting::EnableCam).default(true))
                    .col(boolean(Meeting::EnableMic).default(true))
                    .col(boolean(Meeting::EnablePrivateChat).default(true))
                    .col(boolean(Meeting::EnablePublicChat).default(true))
                    .col(boolean(Meeting::EnableNote).default(true))
                    .col(integer_null(Meeting::MaxParticipants))
                    .col(integer_null(Meeting::Duration))
                    .col(uuid(Meeting::Guid))
                    .col(timestamp_with_time_zone(Meeting::CreatedAt))
                    .col(timestamp_with_time_zone(Meeting::UpdatedAt))
                    .foreign_key(&mut foreign_key(
                        Meeting::Table,
                        Meeting::GroupId,
                        ServerGroup::Table,
                        ServerGroup::Id,
                        ForeignKeyAction::Cascade,
                    ))
                    .foreign_key(&mut foreign_key(
                        Meeting::Table,
                        Meeting::OwnerId,
                        User::Table,
                        User::Id,
                        ForeignKeyAction::SetNull,
                    ))
                    .check(not_empty("ck_meeting_name", "name"))
                    .check(digits_or_null(
                        backend,
                        "ck_meeting_conference_pin",
                        "conference_pin",
                        10,
                    ))
                    .check(positive_or_null(
                        "ck_meeting_max_participants",
                        "max_participants",
                    ))
                    .check(positive_or_null("ck_meeting_duration", "duration"))
                    .to_owned(),
            )
            .await?;
        for (name, column) in [
            ("ux_meeting_guid", Meeting::Guid),
            ("ux_meeting_conference_pin", Meeting::ConferencePin),
        ] {
            manager
                .create_index(index(name, Meeting::Table, [column]).unique().to_owned())
                .await?;
        }
        // Listing a group's meetings in id order (keyset pagination) and an owner's meetings.
        manager
            .create_index(
                index(
                    "ix_meeting_group",
                    Meeting::Table,
                    [Meeting::GroupId, Meeting::Id],
                )
                .to_owned(),
            )
            .await?;
        manager
            .create_index(index("ix_meeting_owner", Meeting::Table, [Meeting::OwnerId]).to_owned())
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(MeetingGrant::Table)
                    .col(big_pk_auto(MeetingGrant::Id))
                    .col(big_integer(MeetingGrant::MeetingId))
                    .col(big_integer(MeetingGrant::UserId))
                    .col(string_len(MeetingGrant::Permission, 32))
                    .foreign_key(&mut foreign_key(
                        MeetingGrant::Table,
                        MeetingGrant::MeetingId,
                        Meeting::Table,
                        Meeting::Id,
                        ForeignKeyAction::Cascade,
                    ))
                    .foreign_key(&mut foreign_key(
                        MeetingGrant::Table,
                        MeetingGrant::UserId,
                        User::Table,
                        User::Id,
                        ForeignKeyAction::Cascade,
                    ))
                    .check(one_of(
                        "ck_meeting_grant_permission",
                        MeetingGrant::Permission,
                        &[
                            "join_as_attendee",
                            "join_as_moderator",
                            "grant_attendee",
                            "grant_moderator",
                            "enforce_conference_pin",
                            "add_urls",
                        ],
                    ))
                    .to_owned(),
            )
            .await?;
        // Leads with meeting_id, so it also serves "grants of these meetings".
        manager
            .create_index(
                index(
                    "ux_meeting_grant_triple",
                    MeetingGrant::Table,
                    [
                        MeetingGrant::MeetingId,
                        MeetingGrant::UserId,
                        MeetingGrant::Permission,
                    ],
                )
                .unique()
                .to_owned(),
            )
            .await?;
        manager
            .create_index(
                index(
                    "ix_meeting_grant_user",
                    MeetingGrant::Table,
                    [MeetingGrant::UserId],
                )
                .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(MeetingUrl::Table)
                    .col(big_pk_auto(MeetingUrl::Id))
                    .col(big_integer(MeetingUrl::SiteId))
                    .col(big_integer(MeetingUrl::MeetingId))
                    .col(string_len(MeetingUrl::Slug, 100))
                    .col(boolean(MeetingUrl::AllowGuests).default(false))
                    .col(timestamp_with_time_zone(MeetingUrl::CreatedAt))
                    .foreign_key(&mut foreign_key(
                        MeetingUrl::Table,
                        MeetingUrl::SiteId,
                        Site::Table,
                        Site::Id,
                        ForeignKeyAction::Cascade,
                    ))
                    .foreign_key(&mut foreign_key(
                        MeetingUrl::Table,
                        MeetingUrl::MeetingId,
                        Meeting::Table,
                        Meeting::Id,
                        ForeignKeyAction::Cascade,
                    ))
                    .check(not_empty("ck_meeting_url_slug", "slug"))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                index(
                    "ux_meeting_url_site_slug",
                    MeetingUrl::Table,
                    [MeetingUrl::SiteId, MeetingUrl::Slug],
                )
                .unique()
                .to_owned(),
            )
            .await?;
        manager
            .create_index(
                index(
                    "ix_meeting_url_meeting",
                    MeetingUrl::Table,
                    [MeetingUrl::MeetingId],
                )
                .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            MeetingUrl::Table.into_iden(),
            MeetingGrant::Table.into_iden(),
            Meeting::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}
