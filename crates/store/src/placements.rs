//! Placements: which BBB server hosts a live meeting, under which backend meetingID. Written
//! when a meeting is created, read on every call of the BBB-compatible endpoint.

use entity::{api_token, placement};
use sea_orm::sea_query::{Expr, Query};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, EntityTrait, FromQueryResult, PaginatorTrait,
    QueryFilter, QueryOrder, QuerySelect, Select, Set,
};

use crate::{Placement, Store, StoreError, now, validate};

/// Where a persistent meeting runs now (see [`Placements::live_locations`]).
#[derive(Debug, Clone, PartialEq, Eq, FromQueryResult)]
pub struct LiveLocation {
    pub meeting_id: i64,
    pub server_id: i64,
    /// The meetingID on the BBB server.
    pub bbb_meeting_id: String,
}

/// The placements of the meetings (only live ones with `live_only`), oldest first.
fn of_meetings(meeting_ids: &[i64], live_only: bool) -> Select<placement::Entity> {
    let mut query = placement::Entity::find()
        .filter(placement::Column::MeetingId.is_in(meeting_ids.iter().copied()));
    if live_only {
        query = query.filter(placement::Column::EndedAt.is_null());
    }
    query.order_by_asc(placement::Column::Id)
}

pub struct NewPlacement {
    pub group_id: i64,
    pub server_id: i64,
    /// Keeps different clients' meetingIDs apart, e.g. the API token's guid.
    pub namespace: String,
    pub client_meeting_id: String,
    pub bbb_meeting_id: String,
    pub token_id: Option<i64>,
    pub meeting_id: Option<i64>,
}

impl NewPlacement {
    /// The same placement with its texts checked (and normalised) as the database keeps them.
    fn validated(self) -> Result<NewPlacement, StoreError> {
        Ok(NewPlacement {
            namespace: validate::text("namespace", &self.namespace, 100)?,
            client_meeting_id: validate::name("client_meeting_id", &self.client_meeting_id, 256)?,
            bbb_meeting_id: validate::name("bbb_meeting_id", &self.bbb_meeting_id, 256)?,
            ..self
        })
    }

    /// The row to insert: live, created now, not yet known to BBB.
    fn row(&self) -> placement::ActiveModel {
        placement::ActiveModel {
            group_id: Set(self.group_id),
            server_id: Set(self.server_id),
            namespace: Set(self.namespace.clone()),
            client_meeting_id: Set(self.client_meeting_id.clone()),
            bbb_meeting_id: Set(self.bbb_meeting_id.clone()),
            token_id: Set(self.token_id),
            meeting_id: Set(self.meeting_id),
            internal_meeting_id: Set(None),
            create_time: Set(None),
            created_at: Set(now()),
            ended_at: Set(None),
            ..Default::default()
        }
    }
}

/// The live placement of a client's meetingID, as a query to run on a connection or inside
/// a transaction.
fn live_by_client_id(
    group_id: i64,
    namespace: &str,
    client_meeting_id: &str,
) -> Select<placement::Entity> {
    placement::Entity::find()
        .filter(placement::Column::GroupId.eq(group_id))
        .filter(placement::Column::Namespace.eq(namespace))
        .filter(placement::Column::ClientMeetingId.eq(client_meeting_id))
        .filter(placement::Column::EndedAt.is_null())
}

/// Which placements to list; every given criterion must hold.
#[derive(Debug, Clone, Default)]
pub struct PlacementFilter {
    pub group_id: Option<i64>,
    pub server_id: Option<i64>,
    pub token_id: Option<i64>,
    /// Placements created through any API token of this user.
    pub user_id: Option<i64>,
    pub meeting_id: Option<i64>,
    /// Only meetings that have not ended.
    pub live_only: bool,
}

/// How often `create_or_get` retries when a concurrent writer keeps winning; each retry means
/// a placement appeared and ended in between, so more than a couple never happen.
const CREATE_ATTEMPTS: usize = 3;

pub struct Placements<'s> {
    store: &'s Store,
}

impl<'s> Placements<'s> {
    pub(crate) fn new(store: &'s Store) -> Self {
        Placements { store }
    }

    /// The live placement of `new`'s client meetingID, created if there is none. Returns
    /// whether it was created. Concurrent calls for the same meetingID agree on one placement:
    /// a partial unique index admits one live row, and the losers read the winner's.
    pub async fn create_or_get(&self, new: NewPlacement) -> Result<(Placement, bool), StoreError> {
        let new = new.validated()?;
        let mut attempt = 1;
        loop {
            if let Some(existing) = self
                .find_live(new.group_id, &new.namespace, &new.client_meeting_id)
                .await?
            {
                return Ok((existing, false));
            }
            let inserted = new
                .row()
                .insert(self.store.connection())
                .await
                .map_err(StoreError::from);
            match inserted {
                Ok(placement) => return Ok((placement, true)),
                // Lost a race: read the winner's row on the next round. Where both unique
                // indexes are violated SQLite may name either, so both count.
                Err(StoreError::Duplicate { .. }) if attempt < CREATE_ATTEMPTS => attempt += 1,
                Err(err) => return Err(err),
            }
        }
    }

    /// As [`Self::create_or_get`] for a meeting created through an API token whose live
    /// meetings are limited (its `max_meetings` quota): `admit` is told how many live
    /// placements the token holds and refuses one more with its error. Whether that is too
    /// many is the caller's rule (`service::permissions`); the count and the insert happen in
    /// one transaction that holds the token's row (on SQLite, the database's write lock), so
    /// concurrent creates cannot overshoot the quota. Re-creating a meeting that is already
    /// live is never counted.
    pub async fn create_or_get_counted<E: From<StoreError>>(
        &self,
        new: NewPlacement,
        admit: impl FnOnce(u64) -> Result<(), E> + Send,
    ) -> Result<(Placement, bool), E> {
        let token_id = new
            .token_id
            .ok_or_else(|| StoreError::invalid("token_id", "a quota belongs to an API token"))?;
        let new = new.validated()?;
        let txn = self.store.begin_write().await?;
        // Serialises the creates of one token on PostgreSQL (SQLite ignores the lock clause;
        // its BEGIN IMMEDIATE already serialises every writer).
        api_token::Entity::find_by_id(token_id)
            .lock_exclusive()
            .one(&txn)
            .await
            .map_err(StoreError::from)?
            .ok_or(StoreError::not_found("api token"))?;
        if let Some(existing) =
            live_by_client_id(new.group_id, &new.namespace, &new.client_meeting_id)
                .one(&txn)
                .await
                .map_err(StoreError::from)?
        {
            txn.commit().await.map_err(StoreError::from)?;
            return Ok((existing, false));
        }
        let live = placement::Entity::find()
            .filter(placement::Column::TokenId.eq(token_id))
            .filter(placement::Column::EndedAt.is_null())
            .count(&txn)
            .await
            .map_err(StoreError::from)?;
        if let Err(refusal) = admit(live) {
            txn.rollback().await.map_err(StoreError::from)?;
            return Err(refusal);
        }
        let placement = new.row().insert(&txn).await.map_err(StoreError::from)?;
        txn.commit().await.map_err(StoreError::from)?;
        Ok((placement, true))
    }

    pub async fn get(&self, id: i64) -> Result<Placement, StoreError> {
        placement::Entity::find_by_id(id)
            .one(self.store.connection())
            .await?
            .ok_or(StoreError::not_found("placement"))
    }

    /// The live placement of a client's meetingID.
    pub async fn find_live(
        &self,
        group_id: i64,
        namespace: &str,
        client_meeting_id: &str,
    ) -> Result<Option<Placement>, StoreError> {
        Ok(live_by_client_id(group_id, namespace, client_meeting_id)
            .one(self.store.connection())
            .await?)
    }

    /// The most recent placement of a client's meetingID, live or ended.
    pub async fn find_latest(
        &self,
        group_id: i64,
        namespace: &str,
        client_meeting_id: &str,
    ) -> Result<Option<Placement>, StoreError> {
        Ok(placement::Entity::find()
            .filter(placement::Column::GroupId.eq(group_id))
            .filter(placement::Column::Namespace.eq(namespace))
            .filter(placement::Column::ClientMeetingId.eq(client_meeting_id))
            .order_by_desc(placement::Column::Id)
            .one(self.store.connection())
            .await?)
    }

    /// The live placement behind a backend meetingID on a server (e.g. for BBB callbacks).
    pub async fn find_live_by_backend_id(
        &self,
        server_id: i64,
        bbb_meeting_id: &str,
    ) -> Result<Option<Placement>, StoreError> {
        Ok(placement::Entity::find()
            .filter(placement::Column::ServerId.eq(server_id))
            .filter(placement::Column::BbbMeetingId.eq(bbb_meeting_id))
            .filter(placement::Column::EndedAt.is_null())
            .one(self.store.connection())
            .await?)
    }

    /// The placement with BBB's internalMeetingID, which is also its recording's recordID.
    pub async fn find_by_internal_id(
        &self,
        internal_meeting_id: &str,
    ) -> Result<Option<Placement>, StoreError> {
        Ok(placement::Entity::find()
            .filter(placement::Column::InternalMeetingId.eq(internal_meeting_id))
            .order_by_desc(placement::Column::Id)
            .one(self.store.connection())
            .await?)
    }

    pub async fn list(&self, filter: &PlacementFilter) -> Result<Vec<Placement>, StoreError> {
        Ok(filtered(filter)
            .order_by_asc(placement::Column::Id)
            .all(self.store.connection())
            .await?)
    }

    /// How many placements match, e.g. a token's live meetings against its quota.
    pub async fn count(&self, filter: &PlacementFilter) -> Result<u64, StoreError> {
        Ok(filtered(filter).count(self.store.connection()).await?)
    }

    /// Stores what BBB answered to create: its internalMeetingID and createTime.
    ///
    /// BBB has just said the meeting runs, so the placement is live again if it was ended in
    /// the meantime: the poller (or a `notFound`) may have ended it between the creator's
    /// read and BBB's answer, because BBB had dropped the previous session that the creator
    /// was re-creating. It stays ended only when a newer live placement of the same meetingID
    /// has taken its place.
    pub async fn set_backend_info(
        &self,
        id: i64,
        internal_meeting_id: &str,
        create_time: i64,
    ) -> Result<Placement, StoreError> {
        let internal_meeting_id = validate::name("internal_meeting_id", internal_meeting_id, 256)?;
        let update = |revive: bool| {
            let mut update = placement::Entity::update_many()
                .col_expr(
                    placement::Column::InternalMeetingId,
                    Expr::value(Some(internal_meeting_id.clone())),
                )
                .col_expr(
                    placement::Column::CreateTime,
                    Expr::value(Some(create_time)),
                );
            if revive {
                update = update.col_expr(
                    placement::Column::EndedAt,
                    Expr::value(Option::<chrono::DateTime<chrono::Utc>>::None),
                );
            }
            update.filter(placement::Column::Id.eq(id))
        };
        match update(true)
            .exec(self.store.connection())
            .await
            .map_err(StoreError::from)
        {
            Ok(_) => {}
            // A newer live placement of the meetingID exists: this one stays history.
            Err(StoreError::Duplicate { .. }) => {
                update(false).exec(self.store.connection()).await?;
            }
            Err(error) => return Err(error),
        }
        self.get(id).await
    }

    /// Ends a live placement because its server no longer has its BBB meeting (the poller
    /// did not find it in the server's list, or the server answered `notFound` for it), but
    /// only if the placement is still as `seen` was read before the server was asked: on the
    /// same server, for the same BBB session. A placement moved to another server or
    /// re-created in the meantime names a meeting the answer did not cover, and stays live.
    /// Returns whether it ended.
    pub async fn end_vanished(&self, seen: &Placement) -> Result<bool, StoreError> {
        use placement::Column as C;
        let same_session = match &seen.internal_meeting_id {
            Some(internal_id) => C::InternalMeetingId.eq(internal_id.as_str()),
            None => C::InternalMeetingId.is_null(),
        };
        let updated = placement::Entity::update_many()
            .col_expr(C::EndedAt, Expr::value(Some(now())))
            .filter(C::Id.eq(seen.id))
            .filter(C::EndedAt.is_null())
            .filter(C::ServerId.eq(seen.server_id))
            .filter(same_session)
            .exec(self.store.connection())
            .await?;
        Ok(updated.rows_affected == 1)
    }

    /// Marks a meeting as ended; `false` if it already was.
    pub async fn mark_ended(&self, id: i64) -> Result<bool, StoreError> {
        let updated = placement::Entity::update_many()
            .col_expr(placement::Column::EndedAt, Expr::value(Some(now())))
            .filter(placement::Column::Id.eq(id))
            .filter(placement::Column::EndedAt.is_null())
            .exec(self.store.connection())
            .await?;
        if updated.rows_affected == 0 {
            // Tell "already ended" from "no such placement".
            self.get(id).await?;
            return Ok(false);
        }
        Ok(true)
    }
}

fn filtered(filter: &PlacementFilter) -> Select<placement::Entity> {
    use placement::Column as C;
    let mut condition = Condition::all();
    if let Some(group_id) = filter.group_id {
        condition = condition.add(C::GroupId.eq(group_id));
    }
    if let Some(server_id) = filter.server_id {
        condition = condition.add(C::ServerId.eq(server_id));
    }
    if let Some(token_id) = filter.token_id {
        condition = condition.add(C::TokenId.eq(token_id));
    }
    if let Some(user_id) = filter.user_id {
        condition = condition.add(
            C::TokenId.in_subquery(
                Query::select()
                    .column(api_token::Column::Id)
                    .from(api_token::Entity)
                    .and_where(api_token::Column::UserId.eq(user_id))
                    .to_owned(),
            ),
        );
    }
    if let Some(meeting_id) = filter.meeting_id {
        condition = condition.add(C::MeetingId.eq(meeting_id));
    }
    if filter.live_only {
        condition = condition.add(C::EndedAt.is_null());
    }
    placement::Entity::find().filter(condition)
}

/// Batch lookups for the BBB-compatible endpoint, which maps many meetings and recordings back
/// to their clients per request and must not ask once per item.
impl Placements<'_> {
    /// The placements of a client meetingID in any namespace of a group, newest first: a token
    /// whose scope spans several namespaces (`user`, `global`) finds meetings by their client ID.
    pub async fn list_by_client_id(
        &self,
        group_id: i64,
        client_meeting_id: &str,
        live_only: bool,
    ) -> Result<Vec<Placement>, StoreError> {
        let mut query = placement::Entity::find()
            .filter(placement::Column::GroupId.eq(group_id))
            .filter(placement::Column::ClientMeetingId.eq(client_meeting_id));
        if live_only {
            query = query.filter(placement::Column::EndedAt.is_null());
        }
        Ok(query
            .order_by_desc(placement::Column::Id)
            .all(self.store.connection())
            .await?)
    }

    /// The placements of many meetings (only live ones with `live_only`) in one `IN (…)`
    /// query, oldest first: every server that ever held one of them (where their recordings
    /// are).
    pub async fn for_meetings(
        &self,
        meeting_ids: &[i64],
        live_only: bool,
    ) -> Result<Vec<Placement>, StoreError> {
        if meeting_ids.is_empty() {
            return Ok(Vec::new());
        }
        Ok(of_meetings(meeting_ids, live_only)
            .all(self.store.connection())
            .await?)
    }

    /// Where each of the meetings that runs now runs: its live placement's server and backend
    /// meetingID, nothing else of the row (read for every page with live data). The meetings
    /// without a live placement are left out; one with several (which starting prevents) comes
    /// once per placement, oldest first.
    pub async fn live_locations(
        &self,
        meeting_ids: &[i64],
    ) -> Result<Vec<LiveLocation>, StoreError> {
        if meeting_ids.is_empty() {
            return Ok(Vec::new());
        }
        Ok(of_meetings(meeting_ids, true)
            .select_only()
            .columns([
                placement::Column::MeetingId,
                placement::Column::ServerId,
                placement::Column::BbbMeetingId,
            ])
            .into_model::<LiveLocation>()
            .all(self.store.connection())
            .await?)
    }

    /// Every placement, live or ended, behind any of the backend meetingIDs in a group, newest
    /// first: recordings name the backend meetingID of their session long after it ended.
    pub async fn list_by_backend_ids(
        &self,
        group_id: i64,
        bbb_meeting_ids: &[String],
    ) -> Result<Vec<Placement>, StoreError> {
        if bbb_meeting_ids.is_empty() {
            return Ok(Vec::new());
        }
        let mut found = Vec::new();
        // Keeps each statement far below SQLite's and PostgreSQL's bound-parameter limits.
        for chunk in bbb_meeting_ids.chunks(500) {
            found.extend(
                placement::Entity::find()
                    .filter(placement::Column::GroupId.eq(group_id))
                    .filter(placement::Column::BbbMeetingId.is_in(chunk.iter().cloned()))
                    .all(self.store.connection())
                    .await?,
            );
        }
        found.sort_by_key(|p| std::cmp::Reverse(p.id));
        Ok(found)
    }
}
