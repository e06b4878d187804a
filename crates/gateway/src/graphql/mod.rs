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
pub use limits::{SlugLookupThrottle, check_mutation_bounds};
pub use loaders::Loaders;
pub use user::UserNode;

use crate::{config::GraphqlConfig, error::ErrorCodes};

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
    .extension(ErrorCodes)
    .extension(limits::MutationBounds {
        max_mutation_fields: limits.max_mutation_fields,
    })
    .extension(live::BbbLoaders)
}

/// The schema in SDL, as committed in `schema.graphql`.
pub fn sdl() -> String {
    schema_builder(&GraphqlConfig::default()).finish().sdl()
}
