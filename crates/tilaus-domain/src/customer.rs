//! Customers: consumers and organisations, their contact details and addresses (CUS-1, CUS-10).

use crate::language::Language;
use crate::string_enum;
use crate::text::{self, MAX_SHORT};

string_enum! {
    CustomerKind {
        Consumer = "consumer",
        Organisation = "organisation",
    }
}

/// An e-mail address as the customer typed it (trimmed), with its matching key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Email {
    address: String,
}

impl Email {
    pub fn parse(input: &str) -> Result<Self, String> {
        let address = text::required(input, MAX_SHORT)?;
        if !email_address::EmailAddress::is_valid(&address) {
            return Err(format!("'{address}' is not a valid e-mail address"));
        }
        Ok(Self { address })
    }

    pub fn as_str(&self) -> &str {
        &self.address
    }

    /// The key two orders of the same person share: trimmed and case-folded (CUS-10).
    pub fn matching_key(&self) -> String {
        text::fold(&self.address)
    }
}

/// Checks a phone number loosely: digits with an optional leading `+` and the usual separators.
/// Full normalisation to E.164 arrives with SMS sending.
pub fn parse_phone(input: &str) -> Result<Option<String>, String> {
    let Some(phone) = text::optional(Some(input), 40)? else {
        return Ok(None);
    };
    let digits = phone.chars().filter(char::is_ascii_digit).count();
    let allowed =
        |(i, c): (usize, char)| c.is_ascii_digit() || " -()/".contains(c) || (i == 0 && c == '+');
    if !phone.chars().enumerate().all(allowed) || !(5..=17).contains(&digits) {
        return Err(format!("'{phone}' is not a phone number"));
    }
    Ok(Some(phone))
}

/// A postal address. Every part is optional so partial addresses from channels are kept as sent.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Address {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub line1: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub line2: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub postal_code: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub city: Option<String>,
    /// ISO 3166-1 alpha-2 country code, upper case.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub country: Option<String>,
}

impl Address {
    /// The address as printed, one line each: name, street lines, postal code and city, country.
    /// Blank parts are left out.
    pub fn printed_lines(&self) -> Vec<String> {
        let city = [self.postal_code.as_deref(), self.city.as_deref()]
            .into_iter()
            .flatten()
            .collect::<Vec<_>>()
            .join(" ");
        [
            self.name.clone(),
            self.line1.clone(),
            self.line2.clone(),
            Some(city),
            self.country.clone(),
        ]
        .into_iter()
        .flatten()
        .filter(|l| !l.trim().is_empty())
        .collect()
    }

    /// Trims every part and checks lengths and the country code; field errors are reported as
    /// `(part, detail)` pairs.
    pub fn normalised(&self) -> Result<Address, Vec<(&'static str, String)>> {
        let mut errors = Vec::new();
        let mut part = |name: &'static str, value: &Option<String>, max: usize| {
            text::optional(value.as_deref(), max).unwrap_or_else(|detail| {
                errors.push((name, detail));
                None
            })
        };
        let mut address = Address {
            name: part("name", &self.name, MAX_SHORT),
            line1: part("line1", &self.line1, MAX_SHORT),
            line2: part("line2", &self.line2, MAX_SHORT),
            postal_code: part("postal_code", &self.postal_code, 20),
            city: part("city", &self.city, MAX_SHORT),
            country: part("country", &self.country, 2),
        };
        if let Some(country) = address.country.as_mut() {
            *country = country.to_ascii_uppercase();
            if country.len() != 2 || !country.chars().all(|c| c.is_ascii_uppercase()) {
                errors.push((
                    "country",
                    "must be an ISO 3166-1 alpha-2 code such as FI".into(),
                ));
            }
        }
        if errors.is_empty() {
            Ok(address)
        } else {
            Err(errors)
        }
    }

    pub fn is_empty(&self) -> bool {
        *self == Address::default()
    }
}

/// The customer as an order states them, validated. It becomes the order's snapshot and, for a
/// new e-mail address, a new customer record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CustomerDetails {
    pub kind: CustomerKind,
    pub name: String,
    pub email: Option<Email>,
    pub phone: Option<String>,
    pub business_id: Option<String>,
    pub vat_id: Option<String>,
    pub contact_person: Option<String>,
    pub language: Option<Language>,
    pub billing_address: Option<Address>,
    pub delivery_address: Option<Address>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn email_matching_ignores_case_and_spaces() {
        let a = Email::parse("  Aino.Virtanen@Example.FI ").expect("valid");
        let b = Email::parse("aino.virtanen@example.fi").expect("valid");
        assert_eq!(a.matching_key(), b.matching_key());
        assert_eq!(a.as_str(), "Aino.Virtanen@Example.FI");
        assert!(Email::parse("not-an-email").is_err());
        assert!(Email::parse("   ").is_err());
    }

    #[test]
    fn phone_numbers() {
        assert_eq!(
            parse_phone("+358 40 123 4567"),
            Ok(Some("+358 40 123 4567".into()))
        );
        assert_eq!(parse_phone(""), Ok(None));
        assert!(parse_phone("call me").is_err());
        assert!(parse_phone("12").is_err());
    }

    #[test]
    fn address_country_is_checked_and_upper_cased() {
        let address = Address {
            country: Some("fi".into()),
            city: Some(" Oulu ".into()),
            ..Address::default()
        };
        let normal = address.normalised().expect("valid");
        assert_eq!(normal.country.as_deref(), Some("FI"));
        assert_eq!(normal.city.as_deref(), Some("Oulu"));
        let bad = Address {
            country: Some("Finland".into()),
            ..Address::default()
        };
        assert!(bad.normalised().is_err());
    }
}
