//! What the person confirming does with a link: read the page, and confirm it. The page's
//! content is one serialisable value, so that what is shown and what is recorded are the same
//! thing: the snapshot is that value as canonical JSON.

use super::resolve;
use crate::auth::sha256_hex;
use crate::document::order_state;
use crate::link::fingerprint;
use crate::order::confirm_open;
use crate::{App, AppError};
use serde::Serialize;
use serde_json::json;
use std::net::IpAddr;
use tilaus_domain::access::Actor;
use tilaus_domain::confirmation::{LinkFacts, LinkStatus, signer};
use tilaus_domain::order::VatBreakdown;
use tilaus_domain::validation::ValidationErrors;
use tilaus_store::confirmation::{self, ConfirmationRow, LinkRow};
use tilaus_store::{Queries, ShopScope, now_micros, order, shop};
use uuid::Uuid;

/// The longest user agent kept; longer ones are cut (they are evidence, not input).
const MAX_USER_AGENT: usize = 500;

/// One line as the page shows it: amounts in minor units, VAT in basis points.
#[derive(Debug, Clone, Serialize)]
pub struct ConfirmLine {
    pub name: String,
    pub sku: Option<String>,
    pub quantity: i64,
    pub unit_price: i64,
    pub vat_rate: i32,
    pub discount: i64,
    pub total: i64,
    /// RFC 3339 (UTC) when the line is a booking.
    pub reservation_start: Option<String>,
    pub reservation_end: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct ConfirmVat {
    /// Basis points.
    pub rate: u32,
    pub net: i64,
    pub vat: i64,
    pub gross: i64,
}

/// Everything the page shows about the order and the terms: what is confirmed. Serialised
/// with sorted keys and no whitespace, it is the recorded snapshot.
#[derive(Debug, Clone, Serialize)]
pub struct ConfirmContent {
    pub shop_name: String,
    pub shop_business_id: Option<String>,
    pub order_id: Uuid,
    pub order_number: i64,
    pub customer_name: String,
    pub customer_business_id: Option<String>,
    pub currency: String,
    pub prices_include_vat: bool,
    pub lines: Vec<ConfirmLine>,
    pub vat_breakdown: Vec<ConfirmVat>,
    pub net: i64,
    pub vat: i64,
    pub gross: i64,
    /// The shop's terms as shown, if it has any.
    pub terms: Option<String>,
}

impl ConfirmContent {
    /// Canonical JSON: `serde_json::Value` keeps object keys sorted, and `to_string` adds no
    /// whitespace; every number is an integer. The same content always gives the same bytes.
    pub fn canonical_json(&self) -> Result<String, AppError> {
        serde_json::to_value(self)
            .map(|v| v.to_string())
            .map_err(|e| AppError::Store(tilaus_store::StoreError::corrupt("snapshot", e)))
    }
}

/// Who confirmed through the link, for the "already confirmed" page.
#[derive(Debug, Clone)]
pub struct ConfirmedBy {
    pub name: String,
    pub title: Option<String>,
    /// RFC 3339.
    pub confirmed_at: String,
    pub snapshot_sha256: String,
}

/// The public confirmation page.
#[derive(Debug, Clone)]
pub struct ConfirmPage {
    /// fi, sv or en: the order's language.
    pub language: String,
    pub time_zone: String,
    pub content: ConfirmContent,
    /// SHA-256 of the content's canonical JSON: the form carries it back, so that what is
    /// recorded is what the person read.
    pub snapshot_sha256: String,
    pub status: LinkStatus,
    pub confirmed: Option<ConfirmedBy>,
    /// The shop's look (not part of what is confirmed).
    pub look: crate::brand::ShopLook,
}

/// The confirmation form as posted.
#[derive(Debug, Clone, Default)]
pub struct ConfirmForm {
    pub name: String,
    pub title: String,
    pub accepted: bool,
    /// The `snapshot_sha256` of the page the person read.
    pub snapshot_sha256: String,
}

/// Where the confirmation came from, as the connection tells.
#[derive(Debug, Clone, Default)]
pub struct ClientInfo {
    pub ip: Option<IpAddr>,
    pub user_agent: Option<String>,
}

/// Why nothing was recorded.
#[derive(Debug, Clone)]
pub enum Refusal {
    /// The link's status (on the page) does not allow confirming.
    Status,
    /// The form is incomplete.
    Invalid(ValidationErrors),
    /// The content changed between reading and submitting: the page shows the new content.
    Stale,
}

#[derive(Debug, Clone)]
pub enum ConfirmOutcome {
    /// Recorded; the order is confirmed.
    Confirmed(ConfirmPage),
    /// Nothing changed; the page as it is now.
    Refused(ConfirmPage, Refusal),
}

fn confirmed_by(row: &ConfirmationRow) -> ConfirmedBy {
    ConfirmedBy {
        name: row.name.clone(),
        title: row.title.clone(),
        confirmed_at: crate::time::rfc3339(row.confirmed_at),
        snapshot_sha256: row.snapshot_sha256.clone(),
    }
}

/// The person as the history names them: "Aino Virtanen, Toimitusjohtaja".
fn signer_label(name: &str, title: Option<&str>) -> String {
    match title {
        Some(title) => format!("{name}, {title}"),
        None => name.to_owned(),
    }
}

/// The page of a link with the order as it is now, and the content's fingerprint.
async fn page(
    q: &mut impl Queries,
    scope: ShopScope,
    link: &LinkRow,
) -> Result<(ConfirmPage, String, order::OrderRow), AppError> {
    // A link whose order is gone (deleted while open) is as unknown as a wrong token.
    let row = order::get(q, scope, link.order_id)
        .await?
        .ok_or(AppError::NotFound("confirmation link"))?;
    let lines = order::lines(q, scope, link.order_id).await?;
    let shop = shop::get_shop(q, scope)
        .await?
        .ok_or(AppError::NotFound("confirmation link"))?;
    let terms = super::pick_terms(
        confirmation::terms(q, scope).await?,
        &row.language,
        &shop.default_language,
    )
    .map(|t| t.body);
    let done = confirmation::for_link(q, scope, link.link_id).await?;
    let vat_breakdown: Vec<VatBreakdown> =
        serde_json::from_str(&row.vat_breakdown).map_err(|e| {
            AppError::Store(tilaus_store::StoreError::corrupt("orders.vat_breakdown", e))
        })?;
    let current = fingerprint(&row, &lines);
    let status = LinkStatus::of(LinkFacts {
        order_state: order_state(&row)?,
        link_fingerprint: &link.fingerprint,
        current_fingerprint: &current,
        expires_at: link.expires_at,
        now: now_micros(),
        confirmed_through_link: done.is_some(),
    });
    let content = ConfirmContent {
        shop_name: shop.name.clone(),
        shop_business_id: shop.business_id.clone(),
        order_id: row.order_id,
        order_number: row.number,
        customer_name: row.customer_name.clone(),
        customer_business_id: row.customer_business_id.clone(),
        currency: row.currency.clone(),
        prices_include_vat: row.prices_include_vat,
        lines: lines
            .iter()
            .map(|l| ConfirmLine {
                name: l.name.clone(),
                sku: l.sku.clone(),
                quantity: l.quantity,
                unit_price: l.unit_price,
                vat_rate: l.vat_rate,
                discount: l.discount,
                total: l.total,
                reservation_start: l.reservation_start.map(crate::time::rfc3339),
                reservation_end: l.reservation_end.map(crate::time::rfc3339),
            })
            .collect(),
        vat_breakdown: vat_breakdown
            .iter()
            .map(|b| ConfirmVat {
                rate: b.rate.basis_points(),
                net: b.net,
                vat: b.vat,
                gross: b.gross,
            })
            .collect(),
        net: row.net,
        vat: row.vat,
        gross: row.gross,
        terms,
    };
    let page = ConfirmPage {
        language: row.language.clone(),
        time_zone: shop.time_zone.clone(),
        snapshot_sha256: sha256_hex(content.canonical_json()?.as_bytes()),
        content,
        status,
        confirmed: done.as_ref().map(confirmed_by),
        look: crate::brand::look_of(q, scope).await?,
    };
    Ok((page, current, row))
}

impl App {
    /// The public page of a confirmation link (no session: the token is the authority).
    pub async fn confirmation_page(&self, token: &str) -> Result<ConfirmPage, AppError> {
        let mut conn = self.db.read().await?;
        let (scope, link) = resolve(&mut conn, token).await?;
        Ok(page(&mut conn, scope, &link).await?.0)
    }

    /// The person confirms: records exactly the content they read (its canonical JSON and
    /// SHA-256), who, when and from where, and moves the order to confirmed with the state
    /// change event carrying the confirmation — one transaction. Anything the link's status,
    /// the form or a change since reading forbids records nothing.
    pub async fn confirm_order(
        &self,
        token: &str,
        form: &ConfirmForm,
        client: &ClientInfo,
    ) -> Result<ConfirmOutcome, AppError> {
        let mut tx = self.db.begin().await?;
        let (scope, link) = resolve(&mut tx, token).await?;
        let (current, fingerprint, row) = page(&mut tx, scope, &link).await?;
        if current.status != LinkStatus::Confirmable {
            return Ok(ConfirmOutcome::Refused(current, Refusal::Status));
        }
        let who = match signer(&form.name, &form.title, form.accepted) {
            Ok(who) => who,
            Err(errors) => return Ok(ConfirmOutcome::Refused(current, Refusal::Invalid(errors))),
        };
        if form.snapshot_sha256 != current.snapshot_sha256 {
            return Ok(ConfirmOutcome::Refused(current, Refusal::Stale));
        }
        let record = ConfirmationRow {
            confirmation_id: Uuid::now_v7(),
            order_id: link.order_id,
            link_id: link.link_id,
            name: who.name.clone(),
            title: who.title.clone(),
            snapshot: current.content.canonical_json()?,
            snapshot_sha256: current.snapshot_sha256.clone(),
            fingerprint,
            ip_address: client.ip.map(|ip| ip.to_string()),
            user_agent: client
                .user_agent
                .as_deref()
                .map(|ua| ua.chars().take(MAX_USER_AGENT).collect()),
            confirmed_at: now_micros(),
        };
        match confirmation::insert_confirmation(&mut tx, scope, &record).await {
            Ok(()) => {}
            // A second submit that raced the first: the first one stands.
            Err(e) if e.is_unique_violation() => {
                drop(tx);
                let page = self.confirmation_page(token).await?;
                return Ok(ConfirmOutcome::Refused(page, Refusal::Status));
            }
            Err(e) => return Err(e.into()),
        }
        let actor = Actor::customer(&signer_label(&who.name, who.title.as_deref()));
        let mut details = serde_json::Map::new();
        details.insert(
            "confirmation".into(),
            json!({
                "id": record.confirmation_id,
                "link_id": record.link_id,
                "name": record.name,
                "title": record.title,
                "snapshot_sha256": record.snapshot_sha256,
            }),
        );
        confirm_open(&mut tx, scope, &actor, row, details).await?;
        tx.commit().await?;
        self.events_committed(scope);
        Ok(ConfirmOutcome::Confirmed(ConfirmPage {
            status: LinkStatus::AlreadyConfirmed,
            confirmed: Some(confirmed_by(&record)),
            ..current
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_snapshot_is_canonical_json() {
        let content = ConfirmContent {
            shop_name: "Kahvila \"Aalto\"".into(),
            shop_business_id: None,
            order_id: Uuid::nil(),
            order_number: 7,
            customer_name: "Yritys Oy".into(),
            customer_business_id: Some("1234567-8".into()),
            currency: "EUR".into(),
            prices_include_vat: true,
            lines: vec![ConfirmLine {
                name: "Sali".into(),
                sku: None,
                quantity: 1,
                unit_price: 10_000,
                vat_rate: 2550,
                discount: 0,
                total: 10_000,
                reservation_start: None,
                reservation_end: None,
            }],
            vat_breakdown: Vec::new(),
            net: 7968,
            vat: 2032,
            gross: 10_000,
            terms: Some("Ehdot\nrivi 2".into()),
        };
        let json = content.canonical_json().expect("json");
        assert!(!json.contains(": ") && !json.contains(", "), "{json}");
        assert!(json.starts_with(r#"{"currency":"EUR","customer_business_id":"1234567-8","#));
        assert!(
            json.contains(r#""lines":[{"discount":0,"name":"Sali","#),
            "{json}"
        );
        assert!(json.contains(r#""terms":"Ehdot\nrivi 2""#), "{json}");
        assert_eq!(json, content.canonical_json().expect("again"));
    }

    #[test]
    fn the_history_names_the_person_with_their_title() {
        assert_eq!(signer_label("Aino", Some("CEO")), "Aino, CEO");
        assert_eq!(signer_label("Aino", None), "Aino");
    }
}
