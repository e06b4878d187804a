//! What a resolver can reach: the application state (store, BBB client, configuration, token
//! issuer) put into the schema once, and the site and viewer of the current request.
//!
//! ```text
//! use crate::graphql::GatewayContext;
//! async fn my_field(&self, ctx: &Context<'_>) -> Result<Foo, GatewayError> {
//!     let group = service::groups::get(ctx.store()?, actor(ctx)?, id).await?;
//!     ...
//! }
//! ```

use std::net::IpAddr;

use async_graphql::Context;
use service::{Actor, Store, model::Site};

use crate::{app::AppState, auth::Viewer, config::Config, error::GatewayError};

/// Per-request data, resolved by the HTTP layer before the query runs.
#[derive(Debug, Clone)]
pub struct RequestContext {
    /// Who calls, for every service function the request's resolvers call: the site the Host
    /// header picked (or the default site) and the viewer. Built once per request.
    pub actor: Actor,
    /// Where the request comes from (see `login.trust_forwarded_for`), for throttling;
    /// `None` when not known.
    pub client_address: Option<IpAddr>,
}

impl RequestContext {
    pub fn new(site: Site, viewer: Viewer, client_address: Option<IpAddr>) -> Self {
        let actor = match viewer {
            Viewer::User(user) => Actor::user(site, user),
            Viewer::Anonymous => Actor::anonymous(site),
        };
        RequestContext {
            actor,
            client_address,
        }
    }
}

/// Typed access to the context data. Each accessor fails with INTERNAL only if the schema was
/// executed without the data the HTTP layer always provides.
pub trait GatewayContext {
    fn app(&self) -> Result<&AppState, GatewayError>;
    fn request(&self) -> Result<&RequestContext, GatewayError>;

    fn store(&self) -> Result<&Store, GatewayError> {
        Ok(&self.app()?.store)
    }

    fn bbb(&self) -> Result<&bbb_client::Client, GatewayError> {
        Ok(&self.app()?.bbb)
    }

    fn config(&self) -> Result<&Config, GatewayError> {
        Ok(&self.app()?.config)
    }

    /// The caller of the request, for service functions.
    fn actor(&self) -> Result<&Actor, GatewayError> {
        Ok(&self.request()?.actor)
    }
}

impl GatewayContext for Context<'_> {
    fn app(&self) -> Result<&AppState, GatewayError> {
        self.data::<AppState>()
            .map_err(|_| GatewayError::internal("schema executed without AppState"))
    }

    fn request(&self) -> Result<&RequestContext, GatewayError> {
        self.data::<RequestContext>()
            .map_err(|_| GatewayError::internal("schema executed without RequestContext"))
    }
}
