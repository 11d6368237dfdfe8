//! Secrets sealed at rest: provider credentials are stored encrypted with XChaCha20-Poly1305
//! under a key from configuration (`TILAUS_SECRET_KEY`, 32 bytes in base64).
//!
//! Each sealed value is bound to a context (the shop and the field) as associated data, so a
//! value copied to another shop's row or another column does not open.

use std::fmt;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use chacha20poly1305::aead::{Aead, AeadCore, KeyInit, OsRng, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};

const NONCE: usize = 24;

/// The key that seals and opens stored secrets. `Debug` hides it.
#[derive(Clone)]
pub struct SealingKey(XChaCha20Poly1305);

impl fmt::Debug for SealingKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SealingKey(redacted)")
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SealingError {
    #[error("TILAUS_SECRET_KEY must be 32 bytes in base64 (e.g. from `openssl rand -base64 32`)")]
    BadKey,
    #[error(
        "a sealed secret does not open with this key: the key changed or the value was altered"
    )]
    DoesNotOpen,
}

impl SealingKey {
    /// Reads the configured key: exactly 32 bytes, standard base64.
    pub fn from_base64(encoded: &str) -> Result<Self, SealingError> {
        let bytes = STANDARD
            .decode(encoded.trim())
            .map_err(|_| SealingError::BadKey)?;
        if bytes.len() != 32 {
            return Err(SealingError::BadKey);
        }
        XChaCha20Poly1305::new_from_slice(&bytes)
            .map(SealingKey)
            .map_err(|_| SealingError::BadKey)
    }

    /// Encrypts `secret` for storage: base64 of a fresh random nonce and the ciphertext.
    pub fn seal(&self, secret: &str, context: &str) -> String {
        let nonce = XChaCha20Poly1305::generate_nonce(&mut OsRng);
        let payload = Payload {
            msg: secret.as_bytes(),
            aad: context.as_bytes(),
        };
        // Encryption into a Vec fails only when the message exceeds the cipher's limit
        // (256 GiB), far beyond any credential.
        let sealed = self.0.encrypt(&nonce, payload).unwrap_or_default();
        let mut out = nonce.to_vec();
        out.extend(sealed);
        STANDARD.encode(out)
    }

    /// Decrypts a value that [`seal`](Self::seal) made with the same key and context.
    pub fn open(&self, sealed: &str, context: &str) -> Result<String, SealingError> {
        let bytes = STANDARD
            .decode(sealed)
            .map_err(|_| SealingError::DoesNotOpen)?;
        if bytes.len() <= NONCE {
            return Err(SealingError::DoesNotOpen);
        }
        let (nonce, ciphertext) = bytes.split_at(NONCE);
        let payload = Payload {
            msg: ciphertext,
            aad: context.as_bytes(),
        };
        let plain = self
            .0
            .decrypt(XNonce::from_slice(nonce), payload)
            .map_err(|_| SealingError::DoesNotOpen)?;
        String::from_utf8(plain).map_err(|_| SealingError::DoesNotOpen)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY: &str = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=";

    #[test]
    fn seals_and_opens_only_in_the_same_context() {
        let key = SealingKey::from_base64(KEY).expect("key");
        let sealed = key.seal("private_key", "shop-a/vismapay/private_key");
        assert!(!sealed.contains("private_key"));
        assert_ne!(
            sealed,
            key.seal("private_key", "shop-a/vismapay/private_key"),
            "fresh nonce"
        );
        assert_eq!(
            key.open(&sealed, "shop-a/vismapay/private_key").as_deref(),
            Ok("private_key")
        );
        assert_eq!(
            key.open(&sealed, "shop-b/vismapay/private_key"),
            Err(SealingError::DoesNotOpen)
        );
        let other = SealingKey::from_base64(&STANDARD.encode([7_u8; 32])).expect("key");
        assert_eq!(
            other.open(&sealed, "shop-a/vismapay/private_key"),
            Err(SealingError::DoesNotOpen)
        );
        let mut tampered = STANDARD.decode(&sealed).expect("base64");
        if let Some(last) = tampered.last_mut() {
            *last ^= 1;
        }
        assert_eq!(
            key.open(&STANDARD.encode(tampered), "shop-a/vismapay/private_key"),
            Err(SealingError::DoesNotOpen)
        );
        assert_eq!(key.open("", "x"), Err(SealingError::DoesNotOpen));
        assert_eq!(key.open("%%%", "x"), Err(SealingError::DoesNotOpen));
    }

    #[test]
    fn the_key_must_be_32_bytes_of_base64() {
        assert_eq!(
            SealingKey::from_base64("c2hvcnQ=").map(|_| ()),
            Err(SealingError::BadKey)
        );
        assert_eq!(
            SealingKey::from_base64("not base64!").map(|_| ()),
            Err(SealingError::BadKey)
        );
        let key = SealingKey::from_base64(KEY).expect("key");
        assert_eq!(format!("{key:?}"), "SealingKey(redacted)");
    }
}
