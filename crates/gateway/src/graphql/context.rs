//! What a resolver can reach: the application state (store, BBB client, configuration, token
//! issuer) put into the schema once, and the site and viewer of the current request.
//!
//! ```text
//! use crate::graphql::GatewayContext;
//! async fn my_field(&self, ctx: &Context<'_>) -> Result<Foo, GatewayError> {
//!     let user = ctx.viewer()?.require_user()?;
//!     let group = ctx.store()?.groups().get(id).await?;
//!     ...
//! }
//! ```

use std::net::IpAddr;

use async_graphql::Context;
use store::{Site, Store};

use crate::{app::AppState, auth::Viewer, config::Config, error::GatewayError};

/// Per-request data, resolved by the HTTP layer before the query runs.
#[derive(Debug, Clone)]
pub struct RequestContext {
    /// The site the Host header picked (or the default site).
    pub site: Site,
    pub viewer: Viewer,
    /// Where the request comes from (see `login.trust_forwarded_for`), for throttling;
    /// `None` when not known.
    pub client_address: Option<IpAddr>,
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

    fn site(&self) -> Result<&Site, GatewayError> {
        Ok(&self.request()?.site)
    }

    fn viewer(&self) -> Result<&Viewer, GatewayError> {
        Ok(&self.request()?.viewer)
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
