//! What every public link to an order shares (payment links, confirmation links): the token in
//! its URL, how long it lives, and the fingerprint of the order content it was made for.

use crate::AppError;
use crate::Principal;
use crate::auth::sha256_hex;
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use rand::RngCore as _;
use serde_json::json;
use tilaus_store::payment_link::LinkRow;
use tilaus_store::{ShopScope, order};
use uuid::Uuid;

const DEFAULT_DAYS: i64 = 14;
const MAX_DAYS: i64 = 90;
const DAY_MICROS: i64 = 86_400_000_000;

/// A new link to `order` made by `principal`: the token for its URL (shown once) and the row to
/// store, which keeps only the token's hash and the fingerprint of the content it was made for.
pub(crate) fn new_link(
    scope: ShopScope,
    principal: &Principal,
    order: &order::OrderRow,
    lines: &[order::LineRow],
    expires_at: i64,
    now: i64,
) -> (String, LinkRow) {
    let link_id = Uuid::now_v7();
    let token = LinkToken::generate(scope.shop_id(), link_id);
    let row = LinkRow {
        shop_id: scope.shop_id(),
        link_id,
        order_id: order.order_id,
        token_hash: sha256_hex(token.as_bytes()),
        fingerprint: fingerprint(order, lines),
        expires_at,
        actor_kind: principal.actor.kind.as_str().into(),
        actor_id: principal.actor.id,
        actor_label: principal.actor.label.clone(),
        created_at: now,
    };
    (token, row)
}

/// When a link made `now` expires: after `expires_in_days` (1 to 90, default 14).
pub(crate) fn expires_at(now: i64, expires_in_days: Option<i64>) -> Result<i64, AppError> {
    let days = expires_in_days.unwrap_or(DEFAULT_DAYS);
    if !(1..=MAX_DAYS).contains(&days) {
        return Err(AppError::invalid(
            "/expires_in_days",
            format!("must be from 1 to {MAX_DAYS}"),
        ));
    }
    Ok(now.saturating_add(days * DAY_MICROS))
}

/// SHA-256 of what an order asks for (lines and totals): a link made for one content does not
/// act on another.
pub(crate) fn fingerprint(row: &order::OrderRow, lines: &[order::LineRow]) -> String {
    let lines: Vec<_> = lines
        .iter()
        .map(|l| {
            json!([
                l.position,
                l.product_id,
                l.sku,
                l.name,
                l.kind,
                l.quantity,
                l.unit_price,
                l.vat_rate,
                l.discount,
                l.total,
                l.reservation_start,
                l.reservation_end
            ])
        })
        .collect();
    let content = json!({"currency": row.currency, "prices_include_vat": row.prices_include_vat,
        "net": row.net, "vat": row.vat, "gross": row.gross, "lines": lines});
    sha256_hex(content.to_string().as_bytes())
}

/// The token in a link's URL: the shop and link ids (so the lookup stays inside the shop) and
/// 256 random bits (what makes it unguessable). Only its SHA-256 is stored.
pub(crate) struct LinkToken {
    pub shop_id: Uuid,
    pub link_id: Uuid,
}

impl LinkToken {
    pub fn generate(shop_id: Uuid, link_id: Uuid) -> String {
        let mut bytes = [0_u8; 64];
        bytes[..16].copy_from_slice(shop_id.as_bytes());
        bytes[16..32].copy_from_slice(link_id.as_bytes());
        rand::rng().fill_bytes(&mut bytes[32..]);
        URL_SAFE_NO_PAD.encode(bytes)
    }

    pub fn parse(token: &str) -> Option<LinkToken> {
        let bytes = URL_SAFE_NO_PAD.decode(token).ok()?;
        if bytes.len() != 64 {
            return None;
        }
        Some(LinkToken {
            shop_id: Uuid::from_slice(&bytes[..16]).ok()?,
            link_id: Uuid::from_slice(&bytes[16..32]).ok()?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_carry_their_ids_and_refuse_anything_else() {
        let (shop, link) = (Uuid::now_v7(), Uuid::now_v7());
        let token = LinkToken::generate(shop, link);
        assert_eq!(token.len(), 86);
        let parsed = LinkToken::parse(&token).expect("parses");
        assert_eq!((parsed.shop_id, parsed.link_id), (shop, link));
        assert_ne!(token, LinkToken::generate(shop, link), "random part");
        for bad in ["", "x", &token[..85], "!!!!", &format!("{token}AA")] {
            assert!(LinkToken::parse(bad).is_none(), "{bad}");
        }
    }

    #[test]
    fn links_live_one_to_ninety_days() {
        assert_eq!(expires_at(5, None).ok(), Some(5 + 14 * DAY_MICROS));
        assert_eq!(expires_at(0, Some(1)).ok(), Some(DAY_MICROS));
        for days in [0, -1, MAX_DAYS + 1] {
            assert!(expires_at(0, Some(days)).is_err(), "{days}");
        }
    }
}
