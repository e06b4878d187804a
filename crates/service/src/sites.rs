//! Sites (tenants): which one a request is for. Every front door resolves the site first, so
//! each lookup is one function here (one query), the place to cache it.

use store::{Site, Store};

use crate::ServiceError;

/// The site a request's Host header picks: the site with that domain (port and case ignored),
/// or the default site for hosts no site claims.
pub async fn for_host(store: &Store, host: &str) -> Result<Site, ServiceError> {
    Ok(store.sites().for_host(host).await?)
}

/// The site with exactly this domain, if there is one (no fallback to the default site).
pub async fn find_by_domain(store: &Store, domain: &str) -> Result<Option<Site>, ServiceError> {
    Ok(store.sites().find_by_domain(domain).await?)
}

/// The default site: where requests for unknown hosts go.
pub async fn default_site(store: &Store) -> Result<Site, ServiceError> {
    Ok(store.sites().default_site().await?)
}

/// Every site, in id order.
pub async fn list(store: &Store) -> Result<Vec<Site>, ServiceError> {
    Ok(store.sites().list().await?)
}
