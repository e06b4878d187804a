//! What the operator's probes and metrics read: whether the database is ready for this build,
//! and the fleet's figures (servers, live meetings per API token). Not on behalf of an actor:
//! these endpoints answer the operator's monitoring, with counts and server names only.

use std::collections::HashMap;

use store::{Server, Store};

use crate::ServiceError;

/// The names of the migrations this build knows that the database has not applied, oldest
/// first; empty when the schema is current.
pub async fn pending_migrations(store: &Store) -> Result<Vec<String>, ServiceError> {
    Ok(store::migration_status(store.connection())
        .await?
        .into_iter()
        .filter(|migration| !migration.applied)
        .map(|migration| migration.name)
        .collect())
}

/// Every server of every site, with what the poller last saw of it.
pub async fn all_servers(store: &Store) -> Result<Vec<Server>, ServiceError> {
    Ok(store.servers().list_all().await?)
}

/// How many meetings run now per API token (meetings created through the BBB endpoint), in
/// one query.
pub async fn live_meetings_per_token(store: &Store) -> Result<HashMap<i64, i64>, ServiceError> {
    let live = crate::bbb::live::every_live_placement(store).await?;
    let mut per_token = HashMap::new();
    for token_id in live.iter().filter_map(|placement| placement.token_id) {
        *per_token.entry(token_id).or_insert(0) += 1;
    }
    Ok(per_token)
}
