//! API tokens for the BBB-compatible endpoint. Secrets are generated here, shown once, stored
//! encrypted, kept unique through a keyed hash, and rotated with a grace period in which both
//! the new and the previous secret are accepted.

use chrono::{DateTime, Duration, Utc};
use entity::{api_token, server_group};
use sea_orm::sea_query::{Expr, Query, SimpleExpr};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect, Set,
};
use uuid::Uuid;

use crate::secrets::Purpose;
use crate::{ApiToken, Page, PageRequest, Secret, Store, StoreError, TokenScope, now, validate};

pub struct NewApiToken {
    pub name: String,
    pub group_id: i64,
    pub user_id: Option<i64>,
    pub scope: TokenScope,
    pub max_meetings: Option<i32>,
    pub max_attendees: Option<i32>,
    /// A secret to adopt (e.g. one an existing BBB integration is configured with);
    /// `None` generates one.
    pub secret: Option<Secret>,
}

impl NewApiToken {
    /// A token-scoped token without owner or quotas, with a generated secret.
    pub fn new(name: impl Into<String>, group_id: i64) -> Self {
        NewApiToken {
            name: name.into(),
            group_id,
            user_id: None,
            scope: TokenScope::Token,
            max_meetings: None,
            max_attendees: None,
            secret: None,
        }
    }
}

/// A token together with its new secret in plain form: the only time the secret is shown.
#[derive(Debug)]
pub struct CreatedToken {
    pub token: ApiToken,
    pub secret: Secret,
}

/// The secrets a token currently accepts.
#[derive(Debug, Clone)]
pub struct TokenSecrets {
    pub current: Secret,
    /// The secret before the last rotation, until the rotation finishes or expires.
    pub previous: Option<Secret>,
}

impl TokenSecrets {
    /// Every accepted secret, current first.
    pub fn all(&self) -> impl Iterator<Item = &Secret> {
        std::iter::once(&self.current).chain(self.previous.as_ref())
    }
}

/// Fields to change; `None` keeps the current value.
#[derive(Default)]
pub struct TokenChanges {
    pub name: Option<String>,
    pub scope: Option<TokenScope>,
    pub user_id: Option<Option<i64>>,
    pub max_meetings: Option<Option<i32>>,
    pub max_attendees: Option<Option<i32>>,
}

/// Adopted secrets must still be hard to guess.
const MIN_ADOPTED_SECRET_LEN: usize = 16;
const MAX_SECRET_LEN: usize = 128;

pub struct Tokens<'s> {
    store: &'s Store,
}

impl<'s> Tokens<'s> {
    pub(crate) fn new(store: &'s Store) -> Self {
        Tokens { store }
    }

    pub async fn create(&self, new: NewApiToken) -> Result<CreatedToken, StoreError> {
        check_scope(new.scope, new.user_id)?;
        let secret = match new.secret {
            Some(secret) => adoptable(secret)?,
            None => Secret::generate(),
        };
        let token = api_token::ActiveModel {
            name: Set(validate::name("name", &new.name, 60)?),
            secret_ciphertext: Set(self.store.cipher.encrypt(Purpose::TokenSecret, &secret)?),
            secret_hash: Set(self.store.cipher.token_hash(&secret)),
            previous_secret_ciphertext: Set(None),
            previous_secret_hash: Set(None),
            previous_secret_expires_at: Set(None),
            group_id: Set(new.group_id),
            user_id: Set(new.user_id),
            scope: Set(new.scope),
            guid: Set(Uuid::new_v4()),
            max_meetings: Set(validate::positive_or_none(
                "max_meetings",
                new.max_meetings,
            )?),
            max_attendees: Set(validate::positive_or_none(
                "max_attendees",
                new.max_attendees,
            )?),
            created_at: Set(now()),
            last_used_at: Set(None),
            ..Default::default()
        }
        .insert(self.store.connection())
        .await?;
        Ok(CreatedToken { token, secret })
    }

    pub async fn get(&self, id: i64) -> Result<ApiToken, StoreError> {
        api_token::Entity::find_by_id(id)
            .one(self.store.connection())
            .await?
            .ok_or(StoreError::not_found("API token"))
    }

    pub async fn find_by_guid(&self, guid: Uuid) -> Result<Option<ApiToken>, StoreError> {
        Ok(api_token::Entity::find()
            .filter(api_token::Column::Guid.eq(guid))
            .one(self.store.connection())
            .await?)
    }

    pub async fn find_by_name(&self, name: &str) -> Result<Option<ApiToken>, StoreError> {
        Ok(api_token::Entity::find()
            .filter(api_token::Column::Name.eq(name.trim()))
            .one(self.store.connection())
            .await?)
    }

    pub async fn list_for_user(&self, user_id: i64) -> Result<Vec<ApiToken>, StoreError> {
        self.list_where(api_token::Column::UserId.eq(user_id)).await
    }

    pub async fn list_for_group(&self, group_id: i64) -> Result<Vec<ApiToken>, StoreError> {
        self.list_where(api_token::Column::GroupId.eq(group_id))
            .await
    }

    pub async fn list_for_site(&self, site_id: i64) -> Result<Vec<ApiToken>, StoreError> {
        self.list_where(of_site(site_id)).await
    }

    /// A page of a user's tokens in id order.
    pub async fn list_for_user_page(
        &self,
        user_id: i64,
        page: PageRequest,
    ) -> Result<Page<ApiToken>, StoreError> {
        self.page_where(api_token::Column::UserId.eq(user_id), page)
            .await
    }

    /// A page of the tokens of every group of a site in id order.
    pub async fn list_for_site_page(
        &self,
        site_id: i64,
        page: PageRequest,
    ) -> Result<Page<ApiToken>, StoreError> {
        self.page_where(of_site(site_id), page).await
    }

    /// The secrets a token accepts, decrypted, for verifying a request's checksum.
    pub async fn secrets(&self, id: i64) -> Result<TokenSecrets, StoreError> {
        let token = self.get(id).await?;
        self.secrets_of(&token)
    }

    /// The secrets `token` (a row just read) accepts, decrypted: [`Self::secrets`] without
    /// reading the row again.
    pub fn secrets_of(&self, token: &ApiToken) -> Result<TokenSecrets, StoreError> {
        self.decrypt(token, now())
    }

    /// Every token of a site with its accepted secrets, for requests that do not say which
    /// token they use (the checksum is tried against each).
    pub async fn with_secrets_for_site(
        &self,
        site_id: i64,
    ) -> Result<Vec<(ApiToken, TokenSecrets)>, StoreError> {
        let at = now();
        self.list_for_site(site_id)
            .await?
            .into_iter()
            .map(|token| {
                let secrets = self.decrypt(&token, at)?;
                Ok((token, secrets))
            })
            .collect()
    }

    /// Gives the token a new generated secret. The previous one stays accepted until
    /// `finish_rotation`, or until `previous_valid_for` has passed when given. A secret from an
    /// earlier, unfinished rotation is dropped.
    pub async fn rotate(
        &self,
        id: i64,
        previous_valid_for: Option<Duration>,
    ) -> Result<CreatedToken, StoreError> {
        let secret = Secret::generate();
        let txn = self.store.begin_write().await?;
        let token = api_token::Entity::find_by_id(id)
            .one(&txn)
            .await?
            .ok_or(StoreError::not_found("API token"))?;
        let expires_at = previous_valid_for.map(|valid_for| now() + valid_for);
        let mut active: api_token::ActiveModel = token.clone().into();
        active.previous_secret_ciphertext = Set(Some(token.secret_ciphertext));
        active.previous_secret_hash = Set(Some(token.secret_hash));
        active.previous_secret_expires_at = Set(expires_at);
        active.secret_ciphertext = Set(self.store.cipher.encrypt(Purpose::TokenSecret, &secret)?);
        active.secret_hash = Set(self.store.cipher.token_hash(&secret));
        let token = active.update(&txn).await?;
        txn.commit().await?;
        Ok(CreatedToken { token, secret })
    }

    /// Stops accepting the secret from before the last rotation.
    pub async fn finish_rotation(&self, id: i64) -> Result<ApiToken, StoreError> {
        let mut token: api_token::ActiveModel = self.get(id).await?.into();
        token.previous_secret_ciphertext = Set(None);
        token.previous_secret_hash = Set(None);
        token.previous_secret_expires_at = Set(None);
        Ok(token.update(self.store.connection()).await?)
    }

    pub async fn update(&self, id: i64, changes: TokenChanges) -> Result<ApiToken, StoreError> {
        let current = self.get(id).await?;
        let scope = changes.scope.unwrap_or(current.scope);
        let user_id = changes.user_id.unwrap_or(current.user_id);
        check_scope(scope, user_id)?;
        let mut token: api_token::ActiveModel = current.into();
        if let Some(name) = changes.name {
            token.name = Set(validate::name("name", &name, 60)?);
        }
        token.scope = Set(scope);
        token.user_id = Set(user_id);
        if let Some(max_meetings) = changes.max_meetings {
            token.max_meetings = Set(validate::positive_or_none("max_meetings", max_meetings)?);
        }
        if let Some(max_attendees) = changes.max_attendees {
            token.max_attendees = Set(validate::positive_or_none("max_attendees", max_attendees)?);
        }
        Ok(token.update(self.store.connection()).await?)
    }

    /// Records that the token was just used.
    pub async fn touch(&self, id: i64) -> Result<(), StoreError> {
        let updated = api_token::Entity::update_many()
            .col_expr(api_token::Column::LastUsedAt, Expr::value(Some(now())))
            .filter(api_token::Column::Id.eq(id))
            .exec(self.store.connection())
            .await?;
        if updated.rows_affected == 0 {
            return Err(StoreError::not_found("API token"));
        }
        Ok(())
    }

    /// Revokes a token for good. Placements it created stay, without the token.
    pub async fn delete(&self, id: i64) -> Result<(), StoreError> {
        let deleted = api_token::Entity::delete_by_id(id)
            .exec(self.store.connection())
            .await?;
        if deleted.rows_affected == 0 {
            return Err(StoreError::not_found("API token"));
        }
        Ok(())
    }

    async fn list_where(&self, condition: SimpleExpr) -> Result<Vec<ApiToken>, StoreError> {
        Ok(api_token::Entity::find()
            .filter(condition)
            .order_by_asc(api_token::Column::Id)
            .all(self.store.connection())
            .await?)
    }

    async fn page_where(
        &self,
        condition: SimpleExpr,
        page: PageRequest,
    ) -> Result<Page<ApiToken>, StoreError> {
        let mut query = api_token::Entity::find().filter(condition);
        if let Some(after) = page.after {
            query = query.filter(api_token::Column::Id.gt(after));
        }
        let limit = page.effective_limit();
        let items = query
            .order_by_asc(api_token::Column::Id)
            .limit(limit + 1)
            .all(self.store.connection())
            .await?;
        Ok(Page::from_overfetch(items, limit))
    }

    fn decrypt(&self, token: &ApiToken, at: DateTime<Utc>) -> Result<TokenSecrets, StoreError> {
        let cipher = &self.store.cipher;
        let previous_valid = token
            .previous_secret_expires_at
            .is_none_or(|expires_at| expires_at > at);
        let previous = match &token.previous_secret_ciphertext {
            Some(ciphertext) if previous_valid => {
                Some(cipher.decrypt(Purpose::TokenSecret, ciphertext)?)
            }
            _ => None,
        };
        Ok(TokenSecrets {
            current: cipher.decrypt(Purpose::TokenSecret, &token.secret_ciphertext)?,
            previous,
        })
    }
}

/// Tokens belong to a site through their group.
fn of_site(site_id: i64) -> SimpleExpr {
    api_token::Column::GroupId.in_subquery(
        Query::select()
            .column(server_group::Column::Id)
            .from(server_group::Entity)
            .and_where(server_group::Column::SiteId.eq(site_id))
            .to_owned(),
    )
}

fn check_scope(scope: TokenScope, user_id: Option<i64>) -> Result<(), StoreError> {
    if scope == TokenScope::User && user_id.is_none() {
        return Err(StoreError::invalid("user", "scope `user` requires a user"));
    }
    Ok(())
}

fn adoptable(secret: Secret) -> Result<Secret, StoreError> {
    let value = secret.expose();
    let valid = (MIN_ADOPTED_SECRET_LEN..=MAX_SECRET_LEN).contains(&value.len())
        && value.bytes().all(|b| b.is_ascii_graphic());
    if valid {
        Ok(secret)
    } else {
        Err(StoreError::invalid(
            "secret",
            format!(
                "must be {MIN_ADOPTED_SECRET_LEN} to {MAX_SECRET_LEN} printable ASCII characters without spaces"
            ),
        ))
    }
}
