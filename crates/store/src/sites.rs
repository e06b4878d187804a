//! Sites (tenants), found from the request's Host header.

use entity::site;
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, QueryOrder, Set};

use crate::lookups::Forget;
use crate::{Site, Store, StoreError, validate};

/// The longest domain a site may have (DNS's limit).
const MAX_DOMAIN_LEN: usize = 253;

pub struct NewSite {
    /// Host name; stored lower-case without port.
    pub domain: String,
    pub name: String,
}

pub struct Sites<'s> {
    store: &'s Store,
}

impl<'s> Sites<'s> {
    pub(crate) fn new(store: &'s Store) -> Self {
        Sites { store }
    }

    /// The site used when no domain matches. The first migration creates one (`localhost`).
    pub async fn default_site(&self) -> Result<Site, StoreError> {
        site::Entity::find()
            .filter(site::Column::IsDefault.eq(true))
            .one(self.store.connection())
            .await?
            .ok_or(StoreError::not_found("default site"))
    }

    /// The site for a Host header (any port and letter case), or the default site. Every
    /// request asks this, so the answer is kept in memory (see [`Store::with_lookup_ttl`]).
    pub async fn for_host(&self, host: &str) -> Result<Site, StoreError> {
        let cache = &self.store.lookups.sites_by_host;
        let host = normalize_host(host);
        if host.chars().count() > MAX_DOMAIN_LEN {
            // No site has such a domain; not kept, so that long made-up hosts fill nothing.
            return self.default_site().await;
        }
        if let Some(site) = cache.get(&host) {
            return Ok(site);
        }
        let ticket = cache.begin_load();
        let site = match self.find_by_domain(&host).await? {
            Some(site) => site,
            None => self.default_site().await?,
        };
        cache.finish_load(ticket, [(host, site.clone())]);
        Ok(site)
    }

    pub async fn find_by_domain(&self, host: &str) -> Result<Option<Site>, StoreError> {
        Ok(site::Entity::find()
            .filter(site::Column::Domain.eq(normalize_host(host)))
            .one(self.store.connection())
            .await?)
    }

    pub async fn get(&self, id: i64) -> Result<Site, StoreError> {
        site::Entity::find_by_id(id)
            .one(self.store.connection())
            .await?
            .ok_or(StoreError::not_found("site"))
    }

    pub async fn list(&self) -> Result<Vec<Site>, StoreError> {
        Ok(site::Entity::find()
            .order_by_asc(site::Column::Id)
            .all(self.store.connection())
            .await?)
    }

    pub async fn create(&self, new: NewSite) -> Result<Site, StoreError> {
        // A host that fell back to the default site may be this site's domain now.
        let _forget = self.forget_hosts();
        Ok(site::ActiveModel {
            domain: Set(domain(&new.domain)?),
            name: Set(validate::name("name", &new.name, 60)?),
            is_default: Set(false),
            ..Default::default()
        }
        .insert(self.store.connection())
        .await?)
    }

    pub async fn update(&self, id: i64, new: NewSite) -> Result<Site, StoreError> {
        let mut site: site::ActiveModel = self.get(id).await?.into();
        site.domain = Set(domain(&new.domain)?);
        site.name = Set(validate::name("name", &new.name, 60)?);
        let _forget = self.forget_hosts();
        Ok(site.update(self.store.connection()).await?)
    }

    /// Makes `id` the default site (and no other).
    pub async fn set_default(&self, id: i64) -> Result<Site, StoreError> {
        let _forget = self.forget_hosts();
        let txn = self.store.begin_write().await?;
        let mut site: site::ActiveModel = site::Entity::find_by_id(id)
            .one(&txn)
            .await?
            .ok_or(StoreError::not_found("site"))?
            .into();
        site::Entity::update_many()
            .col_expr(site::Column::IsDefault, false.into())
            .filter(site::Column::IsDefault.eq(true))
            .exec(&txn)
            .await?;
        site.is_default = Set(true);
        let site = site.update(&txn).await?;
        txn.commit().await?;
        Ok(site)
    }

    /// Deletes a site and, through cascades, everything in it.
    pub async fn delete(&self, id: i64) -> Result<(), StoreError> {
        let lookups = &self.store.lookups;
        let _forget = (
            self.forget_hosts(),
            // The cascade takes the site's users and groups with it.
            lookups.users.forget_all_after(),
            lookups.group_sites.forget_all_after(),
        );
        let deleted = site::Entity::delete_by_id(id)
            .exec(self.store.connection())
            .await?;
        if deleted.rows_affected == 0 {
            return Err(StoreError::not_found("site"));
        }
        Ok(())
    }

    /// Taken before any write to sites, dropped after it (however it ends): which site a
    /// host picks may have changed for any host.
    fn forget_hosts(&self) -> Forget<'_, String, Site> {
        self.store.lookups.sites_by_host.forget_all_after()
    }
}

/// `Example.ORG:8443` and `example.org.` are the site `example.org`: the one rule by which a
/// Host header names a site's `domain` (the BBB endpoint's site cache uses it too).
pub fn normalize_host(host: &str) -> String {
    let host = host.trim();
    let without_port = match host.rsplit_once(':') {
        // An IPv6 literal is bracketed; its colons are not a port separator.
        Some((name, port)) if !port.is_empty() && port.bytes().all(|b| b.is_ascii_digit()) => name,
        _ => host,
    };
    without_port.trim_end_matches('.').to_ascii_lowercase()
}

fn domain(value: &str) -> Result<String, StoreError> {
    let domain = normalize_host(value);
    validate::name("domain", &domain, MAX_DOMAIN_LEN)?;
    if domain.contains(|c: char| c.is_whitespace() || c == '/') {
        return Err(StoreError::invalid("domain", "must be a host name"));
    }
    Ok(domain)
}

#[cfg(test)]
mod tests {
    use super::normalize_host;

    #[test]
    fn hosts_are_normalized() {
        assert_eq!(normalize_host("Example.ORG:8443"), "example.org");
        assert_eq!(normalize_host("example.org."), "example.org");
        assert_eq!(normalize_host("[::1]:80"), "[::1]");
        assert_eq!(normalize_host("[::1]"), "[::1]");
    }
}
