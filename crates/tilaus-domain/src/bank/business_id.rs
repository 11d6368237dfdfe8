//! The Finnish business id (Y-tunnus) and the EU VAT number derived from it
//! (integrations.md §4.5, rule of the Finnish Tax Administration).

/// Why a text is not a business id.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum BusinessIdError {
    #[error("a business id has the form 1234567-8")]
    Format,
    #[error("the business id's check digit does not match (typing error?)")]
    CheckDigit,
}

/// A valid business id, `2486559-4`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct BusinessId(String);

/// Weights of the seven digits, left to right.
const WEIGHTS: [u32; 7] = [7, 9, 10, 5, 8, 4, 2];

impl BusinessId {
    pub fn parse(input: &str) -> Result<Self, BusinessIdError> {
        let text = input.trim();
        let Some((number, check)) = text.split_once('-') else {
            return Err(BusinessIdError::Format);
        };
        let digits: Vec<u32> = number.chars().filter_map(|c| c.to_digit(10)).collect();
        let check = match check.as_bytes() {
            [c] if c.is_ascii_digit() => u32::from(c - b'0'),
            _ => return Err(BusinessIdError::Format),
        };
        if number.len() != 7 || digits.len() != 7 {
            return Err(BusinessIdError::Format);
        }
        let remainder = digits.iter().zip(WEIGHTS).map(|(d, w)| d * w).sum::<u32>() % 11;
        // Remainder 1 would need check digit 10; such ids are never issued.
        let expected = match remainder {
            0 => Some(0),
            1 => None,
            r => Some(11 - r),
        };
        if expected == Some(check) {
            Ok(Self(text.to_owned()))
        } else {
            Err(BusinessIdError::CheckDigit)
        }
    }

    /// `2486559-4`.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The VAT number for EU trade: `FI` and the eight digits without the hyphen, `FI24865594`.
    pub fn vat_number(&self) -> String {
        format!("FI{}", self.0.replace('-', ""))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn validates_published_business_ids() {
        // Visma Payments Oy (integrations.md §4.5; published in the trade register).
        let id = BusinessId::parse("2486559-4").expect("valid");
        assert_eq!(id.as_str(), "2486559-4");
        assert_eq!(id.vat_number(), "FI24865594");
        // Nokia Oyj 0112038-9 (leading zero kept), remainder 0 → check digit 0: 0000000-0.
        assert!(BusinessId::parse(" 0112038-9 ").is_ok());
        assert!(BusinessId::parse("0000000-0").is_ok());
    }

    #[test]
    fn refuses_malformed_ids() {
        for bad in [
            "",
            "24865594",
            "2486559-",
            "2486559-44",
            "248655-4",
            "248655a-4",
            "2486559-x",
            "２486559-4",
        ] {
            assert_eq!(
                BusinessId::parse(bad),
                Err(BusinessIdError::Format),
                "{bad:?}"
            );
        }
        assert_eq!(
            BusinessId::parse("2486559-5"),
            Err(BusinessIdError::CheckDigit)
        );
    }

    proptest! {
        /// Exactly one check digit is valid for every number that gets one, none for the others.
        #[test]
        fn one_check_digit_per_number(number in "[0-9]{7}") {
            let valid: Vec<u32> = (0..10).filter(|c| BusinessId::parse(&format!("{number}-{c}")).is_ok()).collect();
            let remainder = number.chars().zip(WEIGHTS).map(|(d, w)| d.to_digit(10).expect("valid") * w).sum::<u32>() % 11;
            prop_assert_eq!(valid.len(), usize::from(remainder != 1));
        }
    }
}
