//! Meeting URLs: short slugs within a site that lead to a meeting, optionally for guests.

use store::{MeetingUrl, NewMeetingUrl, Store};

use crate::meetings::load_for;
use crate::permissions::{EffectivePermissions, require_same_site};
use crate::{Actor, ServiceError};

pub const SLUG_MIN_LEN: usize = 3;
pub const SLUG_MAX_LEN: usize = 64;

/// Slugs appear in links people type and read aloud: lower-case letters, digits and hyphens,
/// 3 to 64 characters.
pub fn validate_slug(slug: &str) -> Result<(), ServiceError> {
    let valid = (SLUG_MIN_LEN..=SLUG_MAX_LEN).contains(&slug.len())
        && slug
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
    if valid {
        Ok(())
    } else {
        Err(ServiceError::BadInput(format!(
            "a meeting URL slug must be {SLUG_MIN_LEN} to {SLUG_MAX_LEN} lower-case letters, digits or hyphens"
        )))
    }
}

/// Adds a URL to a meeting. Needs `add_urls`; the slug must be free in the site.
pub async fn add(
    store: &Store,
    actor: &Actor,
    meeting_id: i64,
    slug: &str,
    allow_guests: bool,
) -> Result<MeetingUrl, ServiceError> {
    load_for(
        store,
        actor,
        meeting_id,
        EffectivePermissions::can_manage_urls,
        "adding URLs to this meeting needs `add_urls`",
    )
    .await?;
    validate_slug(slug)?;
    Ok(store
        .meeting_urls()
        .add(NewMeetingUrl {
            site_id: actor.site.id,
            meeting_id,
            slug: slug.to_owned(),
            allow_guests,
        })
        .await?)
}

/// Removes a URL. Needs `add_urls` on its meeting. Returns the removed URL.
pub async fn remove(store: &Store, actor: &Actor, url_id: i64) -> Result<MeetingUrl, ServiceError> {
    actor.require_user()?;
    let url = store.meeting_urls().get(url_id).await?;
    require_same_site(actor, url.site_id, "meeting URL")?;
    load_for(
        store,
        actor,
        url.meeting_id,
        EffectivePermissions::can_manage_urls,
        "removing URLs of this meeting needs `add_urls`",
    )
    .await?;
    store.meeting_urls().remove(url_id).await?;
    Ok(url)
}

/// The URLs of a meeting the actor may see.
pub async fn list(
    store: &Store,
    actor: &Actor,
    meeting_id: i64,
) -> Result<Vec<MeetingUrl>, ServiceError> {
    crate::meetings::get(store, actor, meeting_id).await?;
    Ok(store.meeting_urls().list(meeting_id).await?)
}
