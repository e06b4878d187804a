//! Users: local ones with a password hash, and ones that come from an identity provider.

use entity::user;
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, QueryOrder, Set};

use crate::{Store, StoreError, User, now, validate};

/// A user to create. The password hash is computed by the caller (argon2 PHC string).
pub struct NewUser {
    pub site_id: i64,
    pub username: String,
    pub display_name: String,
    pub email: String,
    pub password_hash: Option<String>,
    pub is_staff: bool,
    pub is_superuser: bool,
}

impl NewUser {
    /// A plain user (no flags, no password) with the given name.
    pub fn new(site_id: i64, username: impl Into<String>) -> Self {
        NewUser {
            site_id,
            username: username.into(),
            display_name: String::new(),
            email: String::new(),
            password_hash: None,
            is_staff: false,
            is_superuser: false,
        }
    }
}

/// Profile of a user seen for the first time through an identity provider.
pub struct ExternalProfile {
    pub username: String,
    pub display_name: String,
    pub email: String,
}

/// Fields to change; `None` keeps the current value.
#[derive(Default)]
pub struct UserChanges {
    pub display_name: Option<String>,
    pub email: Option<String>,
    /// `Some(None)` removes the password (external login only).
    pub password_hash: Option<Option<String>>,
    pub is_staff: Option<bool>,
    pub is_superuser: Option<bool>,
}

pub struct Users<'s> {
    store: &'s Store,
}

impl<'s> Users<'s> {
    pub(crate) fn new(store: &'s Store) -> Self {
        Users { store }
    }

    pub async fn create(&self, new: NewUser) -> Result<User, StoreError> {
        self.insert(new, None).await
    }

    pub async fn get(&self, id: i64) -> Result<User, StoreError> {
        user::Entity::find_by_id(id)
            .one(self.store.connection())
            .await?
            .ok_or(StoreError::not_found("user"))
    }

    /// The user as read at most the lookup TTL ago (see [`Store::with_lookup_ttl`]), for the
    /// one read every authenticated request makes: the user its session token names. Writes
    /// through this store are seen at once. Reads that decide from what is stored right now
    /// use [`get`](Self::get).
    pub async fn get_recent(&self, id: i64) -> Result<User, StoreError> {
        let cache = &self.store.lookups.users;
        if let Some(user) = cache.get(&id) {
            return Ok(user);
        }
        let ticket = cache.begin_load();
        let user = self.get(id).await?;
        cache.finish_load(ticket, [(id, user.clone())]);
        Ok(user)
    }

    /// Users by id in one query (for DataLoaders); missing ids are skipped.
    pub async fn get_many(&self, ids: &[i64]) -> Result<Vec<User>, StoreError> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        Ok(user::Entity::find()
            .filter(user::Column::Id.is_in(ids.iter().copied()))
            .order_by_asc(user::Column::Id)
            .all(self.store.connection())
            .await?)
    }

    pub async fn find_by_username(
        &self,
        site_id: i64,
        username: &str,
    ) -> Result<Option<User>, StoreError> {
        Ok(user::Entity::find()
            .filter(user::Column::SiteId.eq(site_id))
            .filter(user::Column::Username.eq(username.trim()))
            .one(self.store.connection())
            .await?)
    }

    pub async fn find_by_external(
        &self,
        issuer: &str,
        subject: &str,
    ) -> Result<Option<User>, StoreError> {
        Ok(user::Entity::find()
            .filter(user::Column::ExternalIssuer.eq(issuer))
            .filter(user::Column::ExternalSubject.eq(subject))
            .one(self.store.connection())
            .await?)
    }

    /// The user behind an external identity, created on first sight. Returns whether it was
    /// created. Two concurrent first logins of the same identity give one user.
    pub async fn find_or_create_external(
        &self,
        site_id: i64,
        issuer: &str,
        subject: &str,
        profile: ExternalProfile,
    ) -> Result<(User, bool), StoreError> {
        if let Some(user) = self.find_by_external(issuer, subject).await? {
            return Ok((user, false));
        }
        let identity = (
            validate::name("external_issuer", issuer, 255)?,
            validate::name("external_subject", subject, 255)?,
        );
        let new = NewUser {
            site_id,
            username: profile.username,
            display_name: profile.display_name,
            email: profile.email,
            password_hash: None,
            is_staff: false,
            is_superuser: false,
        };
        match self.insert(new, Some(identity)).await {
            Ok(user) => Ok((user, true)),
            // Lost a race against a concurrent first login of the same identity.
            Err(StoreError::Duplicate {
                field: "external_identity",
                ..
            }) => self
                .find_by_external(issuer, subject)
                .await?
                .map(|user| (user, false))
                .ok_or(StoreError::not_found("user")),
            Err(err) => Err(err),
        }
    }

    pub async fn list(&self, site_id: i64) -> Result<Vec<User>, StoreError> {
        Ok(user::Entity::find()
            .filter(user::Column::SiteId.eq(site_id))
            .order_by_asc(user::Column::Id)
            .all(self.store.connection())
            .await?)
    }

    pub async fn update(&self, id: i64, changes: UserChanges) -> Result<User, StoreError> {
        let mut user: user::ActiveModel = self.get(id).await?.into();
        if let Some(display_name) = changes.display_name {
            user.display_name = Set(validate::text("display_name", &display_name, 150)?);
        }
        if let Some(email) = changes.email {
            user.email = Set(validate::text("email", email.trim(), 254)?);
        }
        if let Some(password_hash) = changes.password_hash {
            user.password_hash = Set(password_hash);
        }
        if let Some(is_staff) = changes.is_staff {
            user.is_staff = Set(is_staff);
        }
        if let Some(is_superuser) = changes.is_superuser {
            user.is_superuser = Set(is_superuser);
        }
        user.updated_at = Set(now());
        let _forget = self.store.lookups.users.forget_after(id);
        Ok(user.update(self.store.connection()).await?)
    }

    /// Deletes a user with their grants and API tokens; meetings they own stay, ownerless.
    pub async fn delete(&self, id: i64) -> Result<(), StoreError> {
        let _forget = self.store.lookups.users.forget_after(id);
        let deleted = user::Entity::delete_by_id(id)
            .exec(self.store.connection())
            .await?;
        if deleted.rows_affected == 0 {
            return Err(StoreError::not_found("user"));
        }
        Ok(())
    }

    async fn insert(
        &self,
        new: NewUser,
        external: Option<(String, String)>,
    ) -> Result<User, StoreError> {
        let created_at = now();
        let (issuer, subject) = external.unzip();
        Ok(user::ActiveModel {
            site_id: Set(new.site_id),
            username: Set(validate::name("username", &new.username, 150)?),
            display_name: Set(validate::text("display_name", &new.display_name, 150)?),
            email: Set(validate::text("email", new.email.trim(), 254)?),
            password_hash: Set(new.password_hash),
            external_issuer: Set(issuer),
            external_subject: Set(subject),
            is_staff: Set(new.is_staff),
            is_superuser: Set(new.is_superuser),
            created_at: Set(created_at),
            updated_at: Set(created_at),
            ..Default::default()
        }
        .insert(self.store.connection())
        .await?)
    }
}
