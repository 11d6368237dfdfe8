//! Who is asking, and what they may do: API tokens, passwords and roles.

use crate::{App, AppError};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use rand::RngCore;
use sha2::{Digest, Sha256};
use tilaus_domain::access::{Actor, ActorKind, Role};
use tilaus_store::{ShopScope, shop};
use uuid::Uuid;

/// An authenticated principal acting in one shop.
#[derive(Debug, Clone)]
pub struct Principal {
    shop_id: Uuid,
    pub role: Role,
    pub actor: Actor,
}

impl Principal {
    /// The system acting in a shop with full rights: the CLI run by the operator, demo data.
    pub fn system(shop_id: Uuid, label: &str) -> Self {
        Self {
            shop_id,
            role: Role::Owner,
            actor: Actor::system(label),
        }
    }

    /// A staff user acting in one of their shops (the admin UI's sessions).
    pub(crate) fn user(shop_id: Uuid, role: Role, user_id: Uuid, name: &str) -> Self {
        Self {
            shop_id,
            role,
            actor: Actor {
                kind: ActorKind::User,
                id: Some(user_id),
                label: name.to_owned(),
            },
        }
    }

    pub fn shop_id(&self) -> Uuid {
        self.shop_id
    }

    /// The staff user behind the principal, for what belongs to a person (saved views,
    /// highlight rules); API tokens and the system have none.
    pub fn staff_user(&self) -> Result<Uuid, AppError> {
        match (self.actor.kind, self.actor.id) {
            (ActorKind::User, Some(user_id)) => Ok(user_id),
            _ => Err(AppError::Forbidden(
                "only a signed-in staff user has saved views and highlight rules".into(),
            )),
        }
    }

    /// The scope for reading the principal's shop.
    pub fn read_scope(&self) -> ShopScope {
        ShopScope::authorised(self.shop_id)
    }

    /// The scope for changing the shop's orders, customers and products.
    pub fn write_scope(&self) -> Result<ShopScope, AppError> {
        if self.role.can_write() {
            Ok(ShopScope::authorised(self.shop_id))
        } else {
            Err(AppError::Forbidden(format!(
                "the role {} can read but not change anything",
                self.role
            )))
        }
    }

    /// The scope for administering the shop (tokens, users, channels).
    pub fn admin_scope(&self) -> Result<ShopScope, AppError> {
        if self.role.can_administer() {
            Ok(ShopScope::authorised(self.shop_id))
        } else {
            Err(AppError::Forbidden(format!(
                "the role {} cannot administer the shop",
                self.role
            )))
        }
    }
}

const TOKEN_PREFIX: &str = "tls_";

/// A freshly made API token: the secret is shown once and only its hash is kept.
pub(crate) struct NewToken {
    pub token_id: Uuid,
    pub secret: String,
    pub secret_hash: String,
}

impl NewToken {
    /// Tokens carry the shop and token ids so that lookups stay within the shop's keys; the
    /// 256 random bits are what makes them unguessable.
    pub fn generate(shop_id: Uuid) -> Self {
        let token_id = Uuid::now_v7();
        let mut bytes = [0_u8; 64];
        bytes[..16].copy_from_slice(shop_id.as_bytes());
        bytes[16..32].copy_from_slice(token_id.as_bytes());
        rand::rng().fill_bytes(&mut bytes[32..]);
        let secret = format!("{TOKEN_PREFIX}{}", URL_SAFE_NO_PAD.encode(bytes));
        let secret_hash = sha256_hex(secret.as_bytes());
        Self {
            token_id,
            secret,
            secret_hash,
        }
    }
}

pub fn sha256_hex(bytes: &[u8]) -> String {
    let digest = Sha256::digest(bytes);
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

/// Reads the shop and token ids out of a presented token.
fn token_ids(presented: &str) -> Option<(Uuid, Uuid)> {
    let bytes = URL_SAFE_NO_PAD
        .decode(presented.strip_prefix(TOKEN_PREFIX)?)
        .ok()?;
    if bytes.len() != 64 {
        return None;
    }
    Some((
        Uuid::from_slice(&bytes[..16]).ok()?,
        Uuid::from_slice(&bytes[16..32]).ok()?,
    ))
}

impl App {
    /// Authenticates a bearer token. Unknown, malformed and revoked tokens are refused alike.
    pub async fn authenticate_token(&self, presented: &str) -> Result<Principal, AppError> {
        const REFUSED: AppError = AppError::Unauthenticated("the API token is unknown or revoked");
        let Some((shop_id, token_id)) = token_ids(presented.trim()) else {
            return Err(REFUSED);
        };
        let mut conn = self.db.read().await?;
        let token = shop::find_token(&mut conn, shop_id, token_id)
            .await?
            .ok_or(REFUSED)?;
        if token.revoked_at.is_some()
            || token.secret_hash != sha256_hex(presented.trim().as_bytes())
        {
            return Err(REFUSED);
        }
        let role = Role::parse(&token.role).ok_or(REFUSED)?;
        let actor = Actor {
            kind: ActorKind::Token,
            id: Some(token_id),
            label: format!("token {}", token.name),
        };
        Ok(Principal {
            shop_id,
            role,
            actor,
        })
    }

    /// Checks an e-mail and password; the principal acts in the user's first shop unless
    /// `shop_id` names another of theirs.
    pub async fn authenticate_password(
        &self,
        email: &str,
        password: &str,
        shop_id: Option<Uuid>,
    ) -> Result<Principal, AppError> {
        const REFUSED: AppError =
            AppError::Unauthenticated("the e-mail address or password is wrong");
        let mut conn = self.db.read().await?;
        let Some(user) =
            shop::find_user_by_email(&mut conn, &tilaus_domain::text::fold(email)).await?
        else {
            // Spend the same time as for a wrong password, so that the answer's timing does not
            // tell which e-mail addresses have accounts.
            verify_password(password, dummy_hash().await).await;
            return Err(REFUSED);
        };
        if !verify_password(password, &user.password_hash).await {
            return Err(REFUSED);
        }
        let memberships = shop::user_memberships(&mut conn, user.user_id).await?;
        let (shop_id, role) = memberships
            .into_iter()
            .find(|(id, _)| shop_id.is_none_or(|wanted| wanted == *id))
            .ok_or(REFUSED)?;
        let role = Role::parse(&role).ok_or(REFUSED)?;
        let actor = Actor {
            kind: ActorKind::User,
            id: Some(user.user_id),
            label: user.name,
        };
        Ok(Principal {
            shop_id,
            role,
            actor,
        })
    }
}

/// Hashes a password with Argon2id (OWASP parameters: 19 MiB, t=2, p=1) off the async threads.
pub async fn hash_password(password: String) -> Result<String, AppError> {
    tokio::task::spawn_blocking(move || {
        use argon2::password_hash::{PasswordHasher, SaltString, rand_core::OsRng};
        let salt = SaltString::generate(&mut OsRng);
        argon2::Argon2::default()
            .hash_password(password.as_bytes(), &salt)
            .map(|hash| hash.to_string())
            .map_err(|e| AppError::Conflict(format!("cannot hash the password: {e}")))
    })
    .await
    .map_err(|e| AppError::Conflict(format!("password hashing stopped: {e}")))?
}

/// A hash of nothing, for spending a password check's time on unknown accounts.
async fn dummy_hash() -> &'static str {
    static DUMMY: tokio::sync::OnceCell<String> = tokio::sync::OnceCell::const_new();
    DUMMY
        .get_or_init(|| async {
            hash_password("no account has this password".into())
                .await
                .unwrap_or_default()
        })
        .await
}

async fn verify_password(password: &str, stored: &str) -> bool {
    let (password, stored) = (password.to_owned(), stored.to_owned());
    tokio::task::spawn_blocking(move || {
        use argon2::password_hash::{PasswordHash, PasswordVerifier};
        PasswordHash::new(&stored).is_ok_and(|hash| {
            argon2::Argon2::default()
                .verify_password(password.as_bytes(), &hash)
                .is_ok()
        })
    })
    .await
    .unwrap_or(false)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_carry_their_ids_and_hash_stably() {
        let shop_id = Uuid::now_v7();
        let token = NewToken::generate(shop_id);
        assert_eq!(token_ids(&token.secret), Some((shop_id, token.token_id)));
        assert_eq!(sha256_hex(token.secret.as_bytes()), token.secret_hash);
        assert_eq!(token_ids("tls_garbage"), None);
        assert_eq!(token_ids("Bearer x"), None);
    }
}
