//! Confirmation links (ORD-7): staff make a link for an open order; an organisation opens it,
//! reads the content, prices and the shop's terms, and confirms by name ([`public`]). What was
//! confirmed is kept as canonical JSON with its SHA-256.
//!
//! A confirmation holds while the order's content is what was confirmed: each keeps the content
//! fingerprint of its moment, and it is `valid` only while the order's current fingerprint is
//! the same. (Confirmed orders cannot be edited today, so this guards later corrections such as
//! credit lines or consolidation, and any edit path added in future, without them knowing.)

mod public;

pub use public::{
    ClientInfo, ConfirmContent, ConfirmForm, ConfirmLine, ConfirmOutcome, ConfirmPage, ConfirmVat,
    ConfirmedBy, Refusal,
};
pub use tilaus_domain::confirmation::LinkStatus;

use crate::auth::sha256_hex;
use crate::document::order_state;
use crate::link::{LinkToken, expires_at, fingerprint, new_link};
use crate::{App, AppError, Principal};
use serde::{Deserialize, Serialize};
use serde_json::json;
use tilaus_domain::language::Language;
use tilaus_domain::text::{self, MAX_LONG};
use tilaus_store::confirmation::{self, ConfirmationRow, LinkRow, TermsRow};
use tilaus_store::{Queries, ShopScope, now_micros, order};
use utoipa::ToSchema;
use uuid::Uuid;

/// A staff request for a confirmation link.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewConfirmationLink {
    /// Days until the link expires: 1 to 90, default 14.
    pub expires_in_days: Option<i64>,
}

/// A confirmation link as made: the URL is shown this once (only its hash is kept).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ConfirmationLinkView {
    pub id: Uuid,
    pub url: String,
    pub expires_at: String,
}

/// One confirmation of an order: exactly what was confirmed, by whom, when and from where.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ConfirmationView {
    pub id: Uuid,
    /// The confirmation link it was made through.
    pub link_id: Uuid,
    /// The name the person gave.
    pub name: String,
    pub title: Option<String>,
    pub confirmed_at: String,
    pub ip_address: Option<String>,
    pub user_agent: Option<String>,
    /// The confirmed page content as canonical JSON (keys sorted, no whitespace), byte for byte
    /// as hashed: `sha256(snapshot) == snapshot_sha256`.
    pub snapshot: String,
    /// SHA-256 of `snapshot`, hex.
    pub snapshot_sha256: String,
    /// Whether the order's content is still what was confirmed. Any later change of lines or
    /// totals makes it false, and the order needs a new confirmation.
    pub valid: bool,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ConfirmationList {
    pub items: Vec<ConfirmationView>,
}

/// The shop's terms, shown on confirmation pages and kept in what each confirmation recorded.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TermsInput {
    /// Plain text (line breaks kept), 1 to 10,000 characters.
    pub text: String,
    /// `fi`, `sv` or `en`; the shop's default language when absent.
    pub language: Option<String>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct TermsView {
    /// The language of `text`.
    pub language: String,
    pub text: String,
    pub updated_at: String,
}

impl From<TermsRow> for TermsView {
    fn from(row: TermsRow) -> Self {
        TermsView {
            language: row.language,
            text: row.body,
            updated_at: crate::time::rfc3339(row.updated_at),
        }
    }
}

/// The terms a reader of `wanted` sees: in that language, else in the shop's default, else in
/// whichever the shop wrote first.
pub(crate) fn pick_terms(
    rows: Vec<TermsRow>,
    wanted: &str,
    shop_default: &str,
) -> Option<TermsRow> {
    let position = |language: &str| rows.iter().position(|r| r.language == language);
    let chosen = position(wanted)
        .or_else(|| position(shop_default))
        .unwrap_or(0);
    rows.into_iter().nth(chosen)
}

impl ConfirmationView {
    fn of(row: &ConfirmationRow, current_fingerprint: &str) -> Self {
        ConfirmationView {
            id: row.confirmation_id,
            link_id: row.link_id,
            name: row.name.clone(),
            title: row.title.clone(),
            confirmed_at: crate::time::rfc3339(row.confirmed_at),
            ip_address: row.ip_address.clone(),
            user_agent: row.user_agent.clone(),
            snapshot: row.snapshot.clone(),
            snapshot_sha256: row.snapshot_sha256.clone(),
            valid: row.fingerprint == current_fingerprint,
        }
    }
}

/// The link a token names, with the scope the token proves. Unknown, forged and other shops'
/// tokens are all the same "not found".
pub(crate) async fn resolve(
    q: &mut impl Queries,
    token: &str,
) -> Result<(ShopScope, LinkRow), AppError> {
    let parsed = LinkToken::parse(token).ok_or(AppError::NotFound("confirmation link"))?;
    let scope = ShopScope::authorised(parsed.shop_id);
    let link = confirmation::link_by_token(q, scope, parsed.link_id, &sha256_hex(token.as_bytes()))
        .await?
        .ok_or(AppError::NotFound("confirmation link"))?;
    Ok((scope, link))
}

impl App {
    /// Makes a confirmation link for an open order (staff, manager or owner).
    pub async fn create_confirmation_link(
        &self,
        principal: &Principal,
        order_id: Uuid,
        input: &NewConfirmationLink,
    ) -> Result<ConfirmationLinkView, AppError> {
        let scope = principal.write_scope()?;
        let now = now_micros();
        let expires_at = expires_at(now, input.expires_in_days)?;
        let mut tx = self.db.begin().await?;
        let row = order::get(&mut tx, scope, order_id)
            .await?
            .ok_or(AppError::NotFound("order"))?;
        order_state(&row)?.ensure_confirmable_by_link()?;
        let lines = order::lines(&mut tx, scope, order_id).await?;
        let (token, link) = new_link(scope, principal, &row, &lines, expires_at, now);
        confirmation::insert_link(&mut tx, scope, &link).await?;
        tx.commit().await?;
        Ok(ConfirmationLinkView {
            id: link.link_id,
            url: format!("{}/confirm/{token}", self.public_url()),
            expires_at: crate::time::rfc3339(expires_at),
        })
    }

    /// The order's confirmations, oldest first, each saying whether it still holds.
    pub async fn order_confirmations(
        &self,
        principal: &Principal,
        order_id: Uuid,
    ) -> Result<ConfirmationList, AppError> {
        let scope = principal.read_scope();
        let mut conn = self.db.read().await?;
        let row = order::get(&mut conn, scope, order_id)
            .await?
            .ok_or(AppError::NotFound("order"))?;
        let lines = order::lines(&mut conn, scope, order_id).await?;
        let current = fingerprint(&row, &lines);
        let rows = confirmation::for_order(&mut conn, scope, order_id).await?;
        Ok(ConfirmationList {
            items: rows
                .iter()
                .map(|r| ConfirmationView::of(r, &current))
                .collect(),
        })
    }

    /// Sets the shop's terms (owner or manager); audited, as organisations accept them.
    pub async fn put_terms(
        &self,
        principal: &Principal,
        input: &TermsInput,
    ) -> Result<TermsView, AppError> {
        let scope = principal.admin_scope()?;
        let mut errors = tilaus_domain::validation::ValidationErrors::default();
        let body = errors.check("/text", text::required(&input.text, MAX_LONG));
        let language = match input.language.as_deref() {
            Some(code) => errors.check(
                "/language",
                Language::parse(code)
                    .ok_or_else(|| format!("'{code}' is not one of {}", Language::expected())),
            ),
            None => None,
        };
        errors.into_result()?;
        let mut tx = self.db.begin().await?;
        let language = match language {
            Some(language) => language.as_str().to_owned(),
            None => {
                tilaus_store::shop::get_shop(&mut tx, scope)
                    .await?
                    .ok_or(AppError::NotFound("shop"))?
                    .default_language
            }
        };
        let row = TermsRow {
            language,
            body: body.unwrap_or_default(),
            updated_at: now_micros(),
        };
        confirmation::put_terms(&mut tx, scope, &row).await?;
        crate::audit::record(
            &mut tx,
            scope,
            principal,
            "terms.updated",
            "terms",
            json!({"language": row.language, "sha256": sha256_hex(row.body.as_bytes())}),
        )
        .await?;
        tx.commit().await?;
        Ok(row.into())
    }

    /// The shop's terms in `language` (else in its default language, else any); not found when
    /// it has none.
    pub async fn terms(
        &self,
        principal: &Principal,
        language: Option<&str>,
    ) -> Result<TermsView, AppError> {
        let scope = principal.read_scope();
        let mut conn = self.db.read().await?;
        let shop = tilaus_store::shop::get_shop(&mut conn, scope)
            .await?
            .ok_or(AppError::NotFound("shop"))?;
        let rows = confirmation::terms(&mut conn, scope).await?;
        let wanted = language.unwrap_or(&shop.default_language);
        pick_terms(rows, wanted, &shop.default_language)
            .map(Into::into)
            .ok_or(AppError::NotFound("terms"))
    }
}
