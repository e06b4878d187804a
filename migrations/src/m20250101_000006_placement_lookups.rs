//! Indexes for the BBB endpoint's two lookups that the first placement indexes did not serve:
//! by backend meetingID within a group, ended placements included (getMeetings and
//! getRecordings map every backend meeting back to its placements), and by client meetingID
//! across the namespaces of a group (tokens of scope `user` and `global`). Without them both
//! scan the group's whole placement history, which only grows.

use sea_orm_migration::prelude::*;

use crate::building_blocks::index;
use crate::m20250101_000005_placements::Placement;

#[derive(DeriveMigrationName)]
pub struct Migration;

const BY_BACKEND: &str = "ix_placement_group_backend";
const BY_CLIENT: &str = "ix_placement_group_client";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_index(
                index(
                    BY_BACKEND,
                    Placement::Table,
                    [Placement::BbbMeetingId, Placement::GroupId],
                )
                .to_owned(),
            )
            .await?;
        manager
            .create_index(
                index(
                    BY_CLIENT,
                    Placement::Table,
                    [Placement::GroupId, Placement::ClientMeetingId],
                )
                .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for name in [BY_CLIENT, BY_BACKEND] {
            manager
                .drop_index(Index::drop().name(name).table(Placement::Table).to_owned())
                .await?;
        }
        Ok(())
    }
}
