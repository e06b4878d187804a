//! The GraphQL schema. `Query`, `Mutation` and `Subscription` are merged from parts, one per
//! feature, each in its own module: to add one, write `#[derive(Default)] pub struct
//! MeetingQueries;` with an `#[Object] impl` (`#[Subscription]` for subscriptions), and list it
//! in `Query` (or `Mutation`, `Subscription`) below.

mod bbb_mutations;
mod context;
mod limits;
mod live;
mod loaders;
mod login;
mod meetings;
mod recordings;
pub mod relay;
mod servers;
mod subscriptions;
mod tokens;
mod types;
mod user;

use async_graphql::{MergedObject, MergedSubscription, Schema, SchemaBuilder};

pub use context::{GatewayContext, RequestContext};
pub use limits::SlugLookupThrottle;
use limits::check_mutation_bounds;
pub use loaders::Loaders;
pub use user::UserNode;

use crate::{
    app::AppState,
    config::GraphqlConfig,
    error::{GatewayError, assign_codes},
};

#[derive(MergedObject, Default)]
pub struct Query(
    relay::NodeQueries,
    user::ViewerQueries,
    meetings::MeetingQueries,
    servers::ServerQueries,
    tokens::TokenQueries,
);

#[derive(MergedObject, Default)]
pub struct Mutation(
    login::LoginMutations,
    meetings::MeetingMutations,
    servers::ServerMutations,
    tokens::TokenMutations,
    bbb_mutations::BbbMutations,
);

#[derive(MergedSubscription, Default)]
pub struct Subscription(subscriptions::MeetingSubscriptions);

pub type GatewaySchema = Schema<Query, Mutation, Subscription>;

/// The schema with its limits and error codes; the caller adds the `AppState` as data.
pub fn schema_builder(limits: &GraphqlConfig) -> SchemaBuilder<Query, Mutation, Subscription> {
    Schema::build(
        Query::default(),
        Mutation::default(),
        Subscription::default(),
    )
    .limit_depth(limits.max_depth)
    .limit_complexity(limits.max_complexity)
}

// What every operation gets from the gateway around its execution — its per-request loaders,
// the bound on mutation fields, a code on every error — is done by the transports (HTTP and
// WebSocket) through the two functions below, not by schema extensions: as soon as one
// extension is registered, async-graphql routes every field of every response through the
// extension chain (a registry lookup and a boxed future per extension per field), which cost
// a 50-meeting page with live data about a tenth of its CPU, and none of this needs a field.

/// Readies the operations of one request (a batch, or a single one) to run: refuses more
/// mutation fields than `max_mutation_fields` (one `login` at most) in all of them together,
/// which bounds each one too, and gives each its own BBB loaders.
pub fn prepare_operations(
    app: &AppState,
    requests: &mut [async_graphql::Request],
) -> Result<(), GatewayError> {
    check_mutation_bounds(requests, app.config.graphql.max_mutation_fields)?;
    for request in requests {
        request.data.insert(live::request_loaders_for(app));
    }
    Ok(())
}

/// Gives every error of a finished operation its code (see [`assign_codes`]).
pub fn finish_operation(response: &mut async_graphql::Response) {
    assign_codes(&mut response.errors);
}

/// The schema in SDL, as committed in `schema.graphql`.
pub fn sdl() -> String {
    schema_builder(&GraphqlConfig::default()).finish().sdl()
}
