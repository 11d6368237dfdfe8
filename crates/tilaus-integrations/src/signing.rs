//! HMAC-SHA256 as both payment providers use it: a secret key, a text message, a hex digest,
//! and a constant-time comparison so a forger learns nothing from response timing.

use std::fmt;

use hmac::digest::Key;
use hmac::{Hmac, KeyInit, Mac};
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

type HmacSha256 = Hmac<Sha256>;

/// SHA-256 block size: HMAC keys are hashed down (if longer) and zero-padded to this.
const BLOCK: usize = 64;

/// A signing secret. Its `Debug` output never shows it, so it cannot leak into logs.
#[derive(Clone)]
pub(crate) struct Secret(String);

impl Secret {
    pub(crate) fn new(secret: String) -> Self {
        Self(secret)
    }

    /// HMAC-SHA256 of the concatenated `parts` with this secret as the key (its UTF-8 bytes).
    pub(crate) fn sign(&self, parts: &[&[u8]]) -> [u8; 32] {
        hmac_sha256(self.0.as_bytes(), parts)
    }
}

fn hmac_sha256(key: &[u8], parts: &[&[u8]]) -> [u8; 32] {
    // RFC 2104 key preparation, done here so the block-sized key makes `new` infallible
    // (`new_from_slice` returns a `Result` that can never be an error for HMAC).
    let mut block = [0_u8; BLOCK];
    if key.len() > BLOCK {
        block[..32].copy_from_slice(&Sha256::digest(key));
    } else {
        block[..key.len()].copy_from_slice(key);
    }
    let mut mac = HmacSha256::new(&Key::<HmacSha256>::from(block));
    for part in parts {
        mac.update(part);
    }
    mac.finalize().into_bytes().into()
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(redacted)")
    }
}

/// Lower- or upper-case hexadecimal of a digest.
pub(crate) fn hex(digest: &[u8], upper: bool) -> String {
    let digits: &[u8; 16] = if upper {
        b"0123456789ABCDEF"
    } else {
        b"0123456789abcdef"
    };
    digest
        .iter()
        .flat_map(|byte| {
            [
                digits[usize::from(byte >> 4)],
                digits[usize::from(byte & 0xf)],
            ]
        })
        .map(char::from)
        .collect()
}

/// Compares a received signature with the expected one in time independent of where they
/// differ.
pub(crate) fn same(received: &str, expected: &str) -> bool {
    received.as_bytes().ct_eq(expected.as_bytes()).into()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// RFC 4231 test cases 2 (short key) and 6 (131-byte key, hashed first).
    #[test]
    fn matches_rfc_4231() {
        let short = Secret::new("Jefe".into()).sign(&[b"what do ya want ", b"for nothing?"]);
        assert_eq!(
            hex(&short, false),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
        let long = hmac_sha256(
            &[0xaa; 131],
            &[b"Test Using Larger Than Block-Size Key - Hash Key First"],
        );
        assert_eq!(
            hex(&long, false),
            "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54"
        );
    }

    #[test]
    fn long_text_keys_match_the_library_path() {
        let key = "k".repeat(200);
        let mut mac = HmacSha256::new_from_slice(key.as_bytes()).expect("valid");
        mac.update(b"message");
        assert_eq!(
            Secret::new(key).sign(&[b"message"]),
            <[u8; 32]>::from(mac.finalize().into_bytes())
        );
    }

    #[test]
    fn debug_hides_the_secret() {
        assert_eq!(
            format!("{:?}", Secret::new("whsec_abc".into())),
            "Secret(redacted)"
        );
    }

    #[test]
    fn compares_whole_strings() {
        assert!(same("ABC", "ABC"));
        assert!(!same("ABD", "ABC"));
        assert!(!same("AB", "ABC"));
        assert!(!same("", "ABC"));
    }
}
