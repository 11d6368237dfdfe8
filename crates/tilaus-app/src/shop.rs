//! Shops, their channels, staff users and API tokens.

use crate::audit;
use crate::auth::{NewToken, hash_password};
use crate::{App, AppError, Principal};
use serde::{Deserialize, Serialize};
use serde_json::json;
use tilaus_domain::access::Role;
use tilaus_domain::customer::{Address, Email};
use tilaus_domain::language::Language;
use tilaus_domain::money::Currency;
use tilaus_domain::order::{ChannelKind, parse_channel_code};
use tilaus_domain::text::{self, MAX_SHORT};
use tilaus_domain::validation::ValidationErrors;
use tilaus_store::{Queries, ShopScope, now_micros, shop};
use uuid::Uuid;

/// What it takes to open a shop.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct NewShop {
    pub name: String,
    pub owner_email: String,
    pub owner_name: Option<String>,
    /// Set a password so the owner can sign in; without one only the API token works.
    pub owner_password: Option<String>,
    pub business_id: Option<String>,
    pub vat_id: Option<String>,
    pub address: Option<Address>,
    pub iban: Option<String>,
    pub bic: Option<String>,
    pub currency: Option<String>,
    pub languages: Option<Vec<String>>,
    pub time_zone: Option<String>,
}

/// What the shop's documents say of the seller (AVL 209 e §): its name, business and VAT ids,
/// address, and the account customers pay to (printed with the bank barcode and EPC QR).
#[derive(Debug, Clone, Default, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ShopDetails {
    pub name: String,
    /// Y-tunnus, e.g. 1234567-8.
    pub business_id: Option<String>,
    /// e.g. FI12345678.
    pub vat_id: Option<String>,
    /// `line1`, `line2`, `postal_code`, `city`, `country`.
    #[serde(default)]
    #[schema(value_type = Object)]
    pub address: Address,
    pub iban: Option<String>,
    pub bic: Option<String>,
}

/// [`ShopDetails`] checked, as stored.
struct Seller {
    name: String,
    business_id: Option<String>,
    vat_id: Option<String>,
    /// JSON of the normalised address.
    address: String,
    iban: Option<String>,
    bic: Option<String>,
}

impl Seller {
    fn parse(details: &ShopDetails) -> Result<Seller, AppError> {
        let mut errors = ValidationErrors::default();
        let name = errors.check("/name", text::required(&details.name, MAX_SHORT));
        let optional = |errors: &mut ValidationErrors, pointer, value: &Option<String>, max| {
            errors
                .check(pointer, text::optional(value.as_deref(), max))
                .flatten()
        };
        let business_id = optional(&mut errors, "/business_id", &details.business_id, 40);
        let vat_id = optional(&mut errors, "/vat_id", &details.vat_id, 40);
        let iban = optional(&mut errors, "/iban", &details.iban, 40);
        let bic = optional(&mut errors, "/bic", &details.bic, 11);
        let address = match details.address.normalised() {
            Ok(address) => Some(address),
            Err(problems) => {
                for (part, detail) in problems {
                    errors.push(format!("/address/{part}"), detail);
                }
                None
            }
        };
        errors.into_result()?;
        let (Some(name), Some(address)) = (name, address) else {
            return Err(AppError::invalid("/", "invalid shop details"));
        };
        Ok(Seller {
            name,
            business_id,
            vat_id,
            address: serde_json::to_string(&address).unwrap_or_default(),
            iban,
            bic,
        })
    }

    /// `row` saying this of the seller.
    fn onto(self, row: shop::ShopRow) -> shop::ShopRow {
        shop::ShopRow {
            name: self.name,
            business_id: self.business_id,
            vat_id: self.vat_id,
            address: self.address,
            iban: self.iban,
            bic: self.bic,
            ..row
        }
    }
}

impl App {
    /// What the shop's documents say of it.
    pub async fn shop_details(&self, principal: &Principal) -> Result<ShopDetails, AppError> {
        let mut conn = self.db.read().await?;
        let row = shop::get_shop(&mut conn, principal.read_scope())
            .await?
            .ok_or(AppError::NotFound("shop"))?;
        Ok(ShopDetails {
            name: row.name,
            business_id: row.business_id,
            vat_id: row.vat_id,
            address: serde_json::from_str(&row.address).unwrap_or_default(),
            iban: row.iban,
            bic: row.bic,
        })
    }

    /// Changes what new documents say of the seller (owner or manager); issued documents keep
    /// what they said.
    pub async fn put_shop_details(
        &self,
        principal: &Principal,
        input: &ShopDetails,
    ) -> Result<ShopDetails, AppError> {
        let scope = principal.admin_scope()?;
        let seller = Seller::parse(input)?;
        let mut tx = self.db.begin().await?;
        let before = shop::get_shop(&mut tx, scope)
            .await?
            .ok_or(AppError::NotFound("shop"))?;
        let after = seller.onto(before);
        shop::set_details(&mut tx, scope, &after).await?;
        audit::record(
            &mut tx,
            scope,
            principal,
            "shop.details_updated",
            "shop",
            json!({"name": after.name, "business_id": after.business_id, "vat_id": after.vat_id,
                "iban": after.iban, "bic": after.bic}),
        )
        .await?;
        tx.commit().await?;
        self.shop_details(principal).await
    }
}

/// A new shop and the way in.
#[derive(Debug, Clone, Serialize)]
pub struct CreatedShop {
    pub shop_id: Uuid,
    pub owner_user_id: Uuid,
    pub owner_email: String,
    /// The owner's API token, shown this once.
    pub api_token: String,
}

/// An API token as listed: never the secret.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct TokenInfo {
    pub id: Uuid,
    pub name: String,
    pub role: String,
    pub created_by: String,
    pub created_at: String,
    pub revoked_at: Option<String>,
}

/// A token just made, with its secret shown once.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct CreatedToken {
    #[serde(flatten)]
    pub info: TokenInfo,
    pub token: String,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ChannelInfo {
    pub code: String,
    pub name: String,
    pub kind: String,
}

struct ShopSettings {
    currency: Currency,
    languages: Vec<Language>,
    time_zone: String,
}

fn parse_settings(new: &NewShop) -> Result<(ShopSettings, Email), ValidationErrors> {
    let mut errors = ValidationErrors::default();
    errors.check("/name", text::required(&new.name, MAX_SHORT));
    let email = errors.check("/owner_email", Email::parse(&new.owner_email));
    let currency = errors.check(
        "/currency",
        Currency::parse(new.currency.as_deref().unwrap_or("EUR"))
            .ok_or_else(|| format!("unknown currency; use one of {}", Currency::expected())),
    );
    let languages = new
        .languages
        .clone()
        .unwrap_or_else(|| vec!["fi".into(), "sv".into(), "en".into()]);
    let languages: Vec<Language> = languages
        .iter()
        .enumerate()
        .filter_map(|(i, l)| {
            errors.check(
                format!("/languages/{i}"),
                Language::parse(l).ok_or_else(|| {
                    format!("unknown language; use one of {}", Language::expected())
                }),
            )
        })
        .collect();
    if languages.is_empty() {
        errors.push("/languages", "at least one language");
    }
    let time_zone = new
        .time_zone
        .clone()
        .unwrap_or_else(|| "Europe/Helsinki".into());
    if jiff::tz::TimeZone::get(&time_zone).is_err() {
        errors.push(
            "/time_zone",
            format!("unknown time zone '{time_zone}'; use an IANA name such as Europe/Helsinki"),
        );
    }
    if let Some(password) = &new.owner_password
        && password.chars().count() < 10
    {
        errors.push("/owner_password", "must be at least 10 characters");
    }
    errors.into_result()?;
    match (currency, email) {
        (Some(currency), Some(email)) => Ok((
            ShopSettings {
                currency,
                languages,
                time_zone,
            },
            email,
        )),
        _ => Err(ValidationErrors::single("/", "invalid shop")),
    }
}

impl App {
    /// Opens a shop with its default channels, its owner and the owner's first API token.
    pub async fn create_shop(&self, new: NewShop) -> Result<CreatedShop, AppError> {
        let (settings, email) = parse_settings(&new)?;
        let seller = Seller::parse(&ShopDetails {
            name: new.name.clone(),
            business_id: new.business_id.clone(),
            vat_id: new.vat_id.clone(),
            address: new.address.clone().unwrap_or_default(),
            iban: new.iban.clone(),
            bic: new.bic.clone(),
        })?;
        let password = match new.owner_password.clone() {
            Some(password) => hash_password(password).await?,
            // No password: an unusable hash, so only the token gets in until one is set.
            None => "!".to_owned(),
        };
        let now = now_micros();
        let shop_id = Uuid::now_v7();
        let scope = ShopScope::authorised(shop_id);
        let mut tx = self.db.begin().await?;
        let row = seller.onto(shop::ShopRow {
            shop_id,
            default_currency: settings.currency.as_str().into(),
            default_language: settings.languages[0].as_str().into(),
            languages: serde_json::to_string(&settings.languages).unwrap_or_default(),
            time_zone: settings.time_zone,
            created_at: now,
            ..shop::ShopRow::default()
        });
        shop::insert_shop(&mut tx, &row).await?;
        for (code, name, kind) in ChannelKind::defaults() {
            let channel = shop::ChannelRow {
                code: code.into(),
                name: name.into(),
                kind: kind.as_str().into(),
                created_at: now,
            };
            shop::insert_channel(&mut tx, scope, &channel).await?;
        }
        let owner_user_id =
            attach_user(&mut tx, &email, new.owner_name.as_deref(), &password, now).await?;
        shop::set_membership(&mut tx, scope, owner_user_id, Role::Owner.as_str(), now).await?;
        let token = NewToken::generate(shop_id);
        insert_token(
            &mut tx,
            scope,
            &token,
            "owner",
            Role::Owner,
            "shop creation",
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(CreatedShop {
            shop_id,
            owner_user_id,
            owner_email: email.as_str().into(),
            api_token: token.secret,
        })
    }

    /// Makes an API token with a role no higher than the maker's.
    pub async fn create_token(
        &self,
        principal: &Principal,
        name: &str,
        role: Role,
    ) -> Result<CreatedToken, AppError> {
        let scope = principal.admin_scope()?;
        if !principal.role.may_grant(role) {
            return Err(AppError::Forbidden(format!(
                "a {} cannot create a {role} token",
                principal.role
            )));
        }
        let name = text::required(name, 100).map_err(|e| AppError::invalid("/name", e))?;
        let token = NewToken::generate(scope.shop_id());
        let now = now_micros();
        let mut tx = self.db.begin().await?;
        insert_token(
            &mut tx,
            scope,
            &token,
            &name,
            role,
            &principal.actor.label,
            now,
        )
        .await?;
        let data = json!({"name": name, "role": role.as_str()});
        audit::record(
            &mut tx,
            scope,
            principal,
            "token.created",
            &token.token_id.to_string(),
            data,
        )
        .await?;
        tx.commit().await?;
        let info = TokenInfo {
            id: token.token_id,
            name,
            role: role.as_str().into(),
            created_by: principal.actor.label.clone(),
            created_at: crate::time::rfc3339(now),
            revoked_at: None,
        };
        Ok(CreatedToken {
            info,
            token: token.secret,
        })
    }

    pub async fn list_tokens(&self, principal: &Principal) -> Result<Vec<TokenInfo>, AppError> {
        let scope = principal.admin_scope()?;
        let rows = shop::list_tokens(&mut self.db.read().await?, scope).await?;
        Ok(rows
            .into_iter()
            .map(|t| TokenInfo {
                id: t.token_id,
                name: t.name,
                role: t.role,
                created_by: t.created_by,
                created_at: crate::time::rfc3339(t.created_at),
                revoked_at: t.revoked_at.map(crate::time::rfc3339),
            })
            .collect())
    }

    pub async fn revoke_token(
        &self,
        principal: &Principal,
        token_id: Uuid,
    ) -> Result<(), AppError> {
        let scope = principal.admin_scope()?;
        let mut tx = self.db.begin().await?;
        if !shop::revoke_token(&mut tx, scope, token_id, now_micros()).await? {
            return Err(AppError::NotFound("active token"));
        }
        audit::record(
            &mut tx,
            scope,
            principal,
            "token.revoked",
            &token_id.to_string(),
            json!({}),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Adds a staff user to the principal's shop (creating the user if the e-mail is new).
    pub async fn create_user(
        &self,
        principal: &Principal,
        email: &str,
        name: Option<&str>,
        password: String,
        role: Role,
    ) -> Result<Uuid, AppError> {
        let scope = principal.admin_scope()?;
        if !principal.role.may_grant(role) {
            return Err(AppError::Forbidden(format!(
                "a {} cannot add a {role}",
                principal.role
            )));
        }
        let email = Email::parse(email).map_err(|e| AppError::invalid("/email", e))?;
        if password.chars().count() < 10 {
            return Err(AppError::invalid(
                "/password",
                "must be at least 10 characters",
            ));
        }
        let hash = hash_password(password).await?;
        let now = now_micros();
        let mut tx = self.db.begin().await?;
        let user_id = attach_user(&mut tx, &email, name, &hash, now).await?;
        shop::set_membership(&mut tx, scope, user_id, role.as_str(), now).await?;
        let data = json!({"user_id": user_id, "role": role.as_str()});
        audit::record(
            &mut tx,
            scope,
            principal,
            "member.added",
            email.as_str(),
            data,
        )
        .await?;
        tx.commit().await?;
        Ok(user_id)
    }

    /// Sets a user's password (the operator's reset from the CLI).
    pub async fn reset_password(&self, email: &str, password: String) -> Result<(), AppError> {
        if password.chars().count() < 10 {
            return Err(AppError::invalid(
                "/password",
                "must be at least 10 characters",
            ));
        }
        let hash = hash_password(password).await?;
        let mut tx = self.db.begin().await?;
        let user = shop::find_user_by_email(&mut tx, &text::fold(email))
            .await?
            .ok_or(AppError::NotFound("user"))?;
        shop::set_password_hash(&mut tx, user.user_id, &hash).await?;
        // Whoever knew the old password may hold a session: a reset ends them all.
        tilaus_store::session::delete_for_user(&mut tx, user.user_id).await?;
        tx.commit().await?;
        Ok(())
    }

    pub async fn list_channels(&self, principal: &Principal) -> Result<Vec<ChannelInfo>, AppError> {
        let rows = shop::list_channels(&mut self.db.read().await?, principal.read_scope()).await?;
        Ok(rows
            .into_iter()
            .map(|c| ChannelInfo {
                code: c.code,
                name: c.name,
                kind: c.kind,
            })
            .collect())
    }

    /// Adds a shop's own channel (e.g. a second web shop).
    pub async fn create_channel(
        &self,
        principal: &Principal,
        code: &str,
        name: &str,
        kind: &str,
    ) -> Result<ChannelInfo, AppError> {
        let scope = principal.admin_scope()?;
        let mut errors = ValidationErrors::default();
        let code = errors.check("/code", parse_channel_code(code));
        let name = errors.check("/name", text::required(name, MAX_SHORT));
        let kind = errors.check(
            "/kind",
            ChannelKind::parse(kind)
                .ok_or_else(|| format!("use one of {}", ChannelKind::expected())),
        );
        errors.into_result()?;
        let (Some(code), Some(name), Some(kind)) = (code, name, kind) else {
            return Err(AppError::invalid("/", "invalid channel"));
        };
        let row = shop::ChannelRow {
            code,
            name,
            kind: kind.as_str().into(),
            created_at: now_micros(),
        };
        let mut tx = self.db.begin().await?;
        shop::insert_channel(&mut tx, scope, &row)
            .await
            .map_err(|e| {
                if e.is_unique_violation() {
                    AppError::Conflict(format!("the channel {} exists already", row.code))
                } else {
                    e.into()
                }
            })?;
        let data = json!({"name": row.name, "kind": row.kind});
        audit::record(
            &mut tx,
            scope,
            principal,
            "channel.created",
            &row.code,
            data,
        )
        .await?;
        tx.commit().await?;
        Ok(ChannelInfo {
            code: row.code,
            name: row.name,
            kind: row.kind,
        })
    }

    /// Whether the database holds any shop yet (for first-start conveniences).
    pub async fn any_shop(&self) -> Result<bool, AppError> {
        Ok(shop::any_exists(&mut self.db.read().await?).await?)
    }
}

async fn attach_user(
    tx: &mut impl Queries,
    email: &Email,
    name: Option<&str>,
    password_hash: &str,
    now: i64,
) -> Result<Uuid, AppError> {
    if let Some(existing) = shop::find_user_by_email(tx, &email.matching_key()).await? {
        return Ok(existing.user_id);
    }
    let user = shop::UserRow {
        user_id: Uuid::now_v7(),
        email: email.as_str().into(),
        email_key: email.matching_key(),
        name: name
            .map(str::trim)
            .filter(|n| !n.is_empty())
            .unwrap_or(email.as_str())
            .to_owned(),
        password_hash: password_hash.into(),
        created_at: now,
    };
    shop::insert_user(tx, &user).await?;
    Ok(user.user_id)
}

async fn insert_token(
    tx: &mut impl Queries,
    scope: ShopScope,
    token: &NewToken,
    name: &str,
    role: Role,
    created_by: &str,
    now: i64,
) -> Result<(), AppError> {
    let row = shop::TokenRow {
        token_id: token.token_id,
        name: name.into(),
        role: role.as_str().into(),
        secret_hash: token.secret_hash.clone(),
        created_by: created_by.into(),
        created_at: now,
        revoked_at: None,
    };
    shop::insert_token(tx, scope, &row).await?;
    Ok(())
}
