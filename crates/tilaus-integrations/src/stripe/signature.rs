//! The `Stripe-Signature` header of webhook deliveries:
//! `t=<unix seconds>,v1=<hex>[,v1=<hex>…]`, where each `v1` is HMAC-SHA256 of `"{t}.{raw body}"`
//! with the endpoint secret (`whsec_…`, used as is) in lower-case hex.
//!
//! Several `v1` values appear while a secret is being rolled; any one may match. Other schemes
//! (`v0` test signatures, future ones) are ignored. There is no clock here: the caller passes
//! `now`, so tests and the local fake control time.

use std::fmt;

use jiff::{SignedDuration, Timestamp};

use crate::signing::{Secret, hex, same};

/// How old a signature may be, as in Stripe's official libraries.
pub const DEFAULT_TOLERANCE: SignedDuration = SignedDuration::from_secs(300);

/// Why a webhook delivery is not trusted. Answer 400 and change nothing.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SignatureError {
    #[error("the Stripe-Signature header has no valid timestamp (t=)")]
    MissingTimestamp,
    #[error("the Stripe-Signature header has no v1 signature")]
    MissingSignature,
    #[error("no v1 signature in the Stripe-Signature header matches the payload")]
    NoMatchingSignature,
    #[error(
        "the signature is {age_seconds} s old, older than the {tolerance_seconds} s allowed (replayed?)"
    )]
    TooOld {
        age_seconds: i64,
        tolerance_seconds: i64,
    },
}

/// A webhook endpoint's signing secret. `Debug` hides it.
#[derive(Clone)]
pub struct WebhookSecret(Secret);

impl fmt::Debug for WebhookSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("WebhookSecret(redacted)")
    }
}

impl WebhookSecret {
    pub fn new(secret: impl Into<String>) -> Self {
        Self(Secret::new(secret.into()))
    }

    /// Checks a delivery: one `v1` must match the raw body, and the signature must be at most
    /// `tolerance` old at `now`. Returns when Stripe signed it.
    ///
    /// Like Stripe's libraries, a timestamp ahead of `now` is accepted (it still needs a
    /// matching signature); only age is limited, against replays.
    pub fn verify(
        &self,
        header: &str,
        payload: &[u8],
        now: Timestamp,
        tolerance: SignedDuration,
    ) -> Result<Timestamp, SignatureError> {
        let mut timestamp = None;
        let mut signatures = Vec::new();
        for item in header.split(',') {
            let Some((scheme, value)) = item.trim().split_once('=') else {
                continue;
            };
            match scheme {
                "t" if timestamp.is_none() => {
                    timestamp = Some(
                        value
                            .parse::<i64>()
                            .map_err(|_| SignatureError::MissingTimestamp)?,
                    );
                }
                // Two timestamps: which one did Stripe sign? Neither is trusted.
                "t" => return Err(SignatureError::MissingTimestamp),
                "v1" => signatures.push(value),
                _ => {}
            }
        }
        let seconds = timestamp.ok_or(SignatureError::MissingTimestamp)?;
        let signed_at =
            Timestamp::from_second(seconds).map_err(|_| SignatureError::MissingTimestamp)?;
        if signatures.is_empty() {
            return Err(SignatureError::MissingSignature);
        }
        let expected = self.signature(seconds, payload);
        // Compare with every candidate, without stopping early, so timing does not tell which
        // one matched.
        let matched = signatures.iter().fold(false, |matched, candidate| {
            same(candidate, &expected) | matched
        });
        if !matched {
            return Err(SignatureError::NoMatchingSignature);
        }
        let age_seconds = now.as_second() - seconds;
        if age_seconds > tolerance.as_secs() {
            return Err(SignatureError::TooOld {
                age_seconds,
                tolerance_seconds: tolerance.as_secs(),
            });
        }
        Ok(signed_at)
    }

    /// A `Stripe-Signature` header value for `payload` signed at `at`, as Stripe sends it: for
    /// the local fake and tests.
    pub fn sign(&self, at: Timestamp, payload: &[u8]) -> String {
        let seconds = at.as_second();
        format!("t={seconds},v1={}", self.signature(seconds, payload))
    }

    fn signature(&self, seconds: i64, payload: &[u8]) -> String {
        let prefix = format!("{seconds}.");
        hex(&self.0.sign(&[prefix.as_bytes(), payload]), false)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const BODY: &[u8] = br#"{"id":"evt_1","type":"payment_intent.succeeded"}"#;
    const SIGNATURE: &str = "22d8dc182f5c588077683bd378368e29765bfe5df2560112b4f28fef120f0e31";

    fn secret() -> WebhookSecret {
        WebhookSecret::new("whsec_test_secret")
    }

    fn at(seconds: i64) -> Timestamp {
        Timestamp::from_second(seconds).expect("valid")
    }

    /// integrations.md §2.3 worked example (the secret is used with its `whsec_` prefix).
    #[test]
    fn verifies_the_documented_example() {
        let header = format!("t=1700000000,v1={SIGNATURE}");
        assert_eq!(secret().sign(at(1_700_000_000), BODY), header);
        assert_eq!(
            secret().verify(&header, BODY, at(1_700_000_100), DEFAULT_TOLERANCE),
            Ok(at(1_700_000_000))
        );
    }

    #[test]
    fn any_v1_may_match_and_other_schemes_are_ignored() {
        let wrong = "0".repeat(64);
        let header = format!("t=1700000000, v1={wrong},v0={SIGNATURE},v1={SIGNATURE},v9=x,junk");
        assert!(
            secret()
                .verify(&header, BODY, at(1_700_000_000), DEFAULT_TOLERANCE)
                .is_ok()
        );
        // A v0 (test-mode scheme) alone never counts.
        assert_eq!(
            secret().verify(
                &format!("t=1700000000,v0={SIGNATURE}"),
                BODY,
                at(1_700_000_000),
                DEFAULT_TOLERANCE
            ),
            Err(SignatureError::MissingSignature)
        );
    }

    #[test]
    fn refuses_bad_headers() {
        let now = at(1_700_000_000);
        let verify =
            |header: &str, body: &[u8]| secret().verify(header, body, now, DEFAULT_TOLERANCE);
        assert_eq!(verify("", BODY), Err(SignatureError::MissingTimestamp));
        assert_eq!(
            verify(&format!("v1={SIGNATURE}"), BODY),
            Err(SignatureError::MissingTimestamp)
        );
        assert_eq!(
            verify(&format!("t=soon,v1={SIGNATURE}"), BODY),
            Err(SignatureError::MissingTimestamp)
        );
        assert_eq!(
            verify(&format!("t=1700000000,t=1700000001,v1={SIGNATURE}"), BODY),
            Err(SignatureError::MissingTimestamp)
        );
        assert_eq!(
            verify("t=1700000000", BODY),
            Err(SignatureError::MissingSignature)
        );
        assert_eq!(
            verify(&format!("t=1700000000,v1={SIGNATURE}"), b"{}"),
            Err(SignatureError::NoMatchingSignature)
        );
        assert_eq!(
            verify(&format!("t=1700000001,v1={SIGNATURE}"), BODY),
            Err(SignatureError::NoMatchingSignature)
        );
        assert_eq!(
            verify(
                &format!("t=1700000000,v1={}", SIGNATURE.to_uppercase()),
                BODY
            ),
            Err(SignatureError::NoMatchingSignature)
        );
        let other = WebhookSecret::new("whsec_other").verify(
            &format!("t=1700000000,v1={SIGNATURE}"),
            BODY,
            now,
            DEFAULT_TOLERANCE,
        );
        assert_eq!(other, Err(SignatureError::NoMatchingSignature));
    }

    #[test]
    fn enforces_the_tolerance_against_replays_only() {
        let header = secret().sign(at(1_700_000_000), BODY);
        let verify = |now: i64| secret().verify(&header, BODY, at(now), DEFAULT_TOLERANCE);
        assert!(verify(1_700_000_300).is_ok());
        assert_eq!(
            verify(1_700_000_301),
            Err(SignatureError::TooOld {
                age_seconds: 301,
                tolerance_seconds: 300
            })
        );
        // Our clock behind Stripe's: accepted, as the official libraries do.
        assert!(verify(1_699_999_000).is_ok());
        let strict = secret().verify(
            &header,
            BODY,
            at(1_700_000_010),
            SignedDuration::from_secs(5),
        );
        assert_eq!(
            strict,
            Err(SignatureError::TooOld {
                age_seconds: 10,
                tolerance_seconds: 5
            })
        );
    }

    #[test]
    fn debug_hides_the_secret() {
        assert_eq!(format!("{:?}", secret()), "WebhookSecret(redacted)");
    }

    proptest! {
        #[test]
        fn signed_payloads_verify_and_altered_ones_do_not(
            body in proptest::collection::vec(any::<u8>(), 0..200),
            seconds in 0_i64..4_000_000_000,
            age in 0_i64..=300,
            flip in any::<proptest::sample::Index>(),
        ) {
            let header = secret().sign(at(seconds), &body);
            prop_assert_eq!(secret().verify(&header, &body, at(seconds + age), DEFAULT_TOLERANCE), Ok(at(seconds)));
            let mut altered = body.clone();
            if altered.is_empty() { altered.push(b'x') } else { let i = flip.index(altered.len()); altered[i] ^= 1; }
            prop_assert_eq!(
                secret().verify(&header, &altered, at(seconds), DEFAULT_TOLERANCE),
                Err(SignatureError::NoMatchingSignature)
            );
        }

        #[test]
        fn never_panics(header in "\\PC{0,120}") {
            let _ = secret().verify(&header, BODY, at(1_700_000_000), DEFAULT_TOLERANCE);
        }
    }
}
