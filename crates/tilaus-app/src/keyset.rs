//! Keyset cursors of the newest-first lists (orders, customers): the last row's creation time
//! and id, opaque to clients.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use uuid::Uuid;

pub(crate) fn encode(created_at: i64, id: Uuid) -> String {
    URL_SAFE_NO_PAD.encode(format!("{created_at}.{}", id.simple()))
}

pub(crate) fn decode(text: &str) -> Result<(i64, Uuid), String> {
    let invalid = || "is not a cursor this API gave out".to_string();
    let bytes = URL_SAFE_NO_PAD.decode(text.trim()).map_err(|_| invalid())?;
    let text = String::from_utf8(bytes).map_err(|_| invalid())?;
    let (at, id) = text.split_once('.').ok_or_else(invalid)?;
    Ok((
        at.parse().map_err(|_| invalid())?,
        Uuid::parse_str(id).map_err(|_| invalid())?,
    ))
}
