//! Text messages: phone numbers in E.164, what a text costs in SMS segments, and the quiet
//! hours in which no shop may text its customers.
//!
//! Everything here is pure, so the admin UI's counter ("2 SMS, 148/153"), the sending job and
//! the SMS provider adapter all agree on the same numbers.

use std::fmt;
use std::ops::RangeInclusive;
use std::str::FromStr;

use jiff::ZonedDateTime;
use jiff::civil::Time;

/// E.164 allows at most 15 digits, country code included.
pub const E164_MAX_DIGITS: usize = 15;

/// The fewest digits we accept for a country whose numbering we do not know. The shortest
/// real numbers (small island states) have 7 digits with their country code.
const MIN_DIGITS_UNKNOWN_COUNTRY: usize = 7;

/// Why a text is not a usable phone number.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PhoneError {
    #[error("the phone number is empty")]
    Empty,
    #[error("'{0}' is not allowed in a phone number")]
    InvalidCharacter(char),
    #[error("the phone number has too few digits")]
    TooShort,
    #[error("the phone number has too many digits (E.164 allows {E164_MAX_DIGITS})")]
    TooLong,
    #[error("a country code never starts with 0")]
    BadCountryCode,
    #[error("one 0 too many: after the country code and trunk 0 a number does not start with 0")]
    ExtraZero,
    #[error("the number has no country code (+358…) and '{0}' is not a country we know")]
    UnknownCountry(String),
}

/// How one country writes its numbers nationally.
struct Country {
    /// ISO 3166-1 alpha-2, upper case.
    iso: &'static str,
    /// The E.164 country calling code, digits only.
    code: &'static str,
    /// Whether national numbers are written with a leading trunk `0` that E.164 drops
    /// (`040 123 4567` is `+358 40 123 4567`).
    trunk_zero: bool,
    /// Lengths of the national significant number (after the country code, without the trunk
    /// `0`), after the ITU numbering plans; a number outside them is a typo.
    nsn: RangeInclusive<usize>,
}

/// The Nordic and Baltic neighbours Tilaus is sold to, and Germany. No two codes are prefixes
/// of one another, so the first match is the only one.
const COUNTRIES: [Country; 6] = [
    Country {
        iso: "FI",
        code: "358",
        trunk_zero: true,
        nsn: 5..=12,
    },
    Country {
        iso: "SE",
        code: "46",
        trunk_zero: true,
        nsn: 7..=13,
    },
    Country {
        iso: "NO",
        code: "47",
        trunk_zero: false,
        nsn: 8..=8,
    },
    Country {
        iso: "DK",
        code: "45",
        trunk_zero: false,
        nsn: 8..=8,
    },
    Country {
        iso: "EE",
        code: "372",
        trunk_zero: false,
        nsn: 7..=8,
    },
    Country {
        iso: "DE",
        code: "49",
        trunk_zero: true,
        nsn: 5..=13,
    },
];

/// The countries whose national numbers [`PhoneNumber::parse`] reads (ISO 3166-1 alpha-2).
pub fn countries() -> impl Iterator<Item = &'static str> {
    COUNTRIES.iter().map(|c| c.iso)
}

/// A phone number in E.164 form (`+358401234567`): what SMS providers take, and one spelling
/// per number, so that the same customer typed two ways is still one number.
#[derive(
    Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize,
)]
#[serde(try_from = "String", into = "String")]
pub struct PhoneNumber(String);

impl PhoneNumber {
    /// Reads a number as people type it: spaces, dashes, dots, slashes and parentheses are
    /// ignored; `+` or `00` starts an international number; anything else is a national number
    /// of `default_country` (ISO code such as `FI`, any case), whose trunk `0` is dropped.
    ///
    /// Two common slips are forgiven because they cannot mean anything else: a trunk `0` kept
    /// after the country code (`+358 (0)40 …`, `+46 070 …`), and an international number
    /// typed without its `+` (`358401234567`) when it cannot be a national number (a trunk
    /// country's national numbers start with `0`; the others' are too long).
    pub fn parse(input: &str, default_country: &str) -> Result<PhoneNumber, PhoneError> {
        let text = input.trim();
        if text.is_empty() {
            return Err(PhoneError::Empty);
        }
        let (plus, rest) = match text.strip_prefix('+') {
            Some(rest) => (true, rest),
            None => (false, text),
        };
        let mut digits = String::with_capacity(rest.len());
        for c in rest.chars() {
            match c {
                '0'..='9' => digits.push(c),
                ' ' | '-' | '.' | '/' | '(' | ')' => {}
                c if c.is_whitespace() => {}
                c => return Err(PhoneError::InvalidCharacter(c)),
            }
        }
        if digits.is_empty() {
            return Err(PhoneError::TooShort);
        }
        let international = if plus {
            Some(digits.as_str())
        } else {
            digits.strip_prefix("00")
        };
        match international {
            Some(number) => international_number(number),
            None => national_number(&digits, default_country),
        }
    }

    /// The E.164 form, `+` and digits.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The digits without `+` as a number, as some providers' APIs take it. At most 15 digits,
    /// so it always fits.
    pub fn msisdn(&self) -> u64 {
        self.0
            .bytes()
            .filter(u8::is_ascii_digit)
            .fold(0, |n, digit| n * 10 + u64::from(digit - b'0'))
    }
}

/// `digits` follow a `+` or `00`: a country code, then the national significant number.
fn international_number(digits: &str) -> Result<PhoneNumber, PhoneError> {
    if digits.starts_with('0') {
        return Err(PhoneError::BadCountryCode);
    }
    match COUNTRIES.iter().find(|c| digits.starts_with(c.code)) {
        Some(country) => {
            let nsn = &digits[country.code.len()..];
            let nsn = match nsn.strip_prefix('0') {
                Some(without) if country.trunk_zero => without,
                _ => nsn,
            };
            known(country, nsn)
        }
        None => {
            if digits.len() < MIN_DIGITS_UNKNOWN_COUNTRY {
                return Err(PhoneError::TooShort);
            }
            if digits.len() > E164_MAX_DIGITS {
                return Err(PhoneError::TooLong);
            }
            Ok(PhoneNumber(format!("+{digits}")))
        }
    }
}

/// `digits` have no international prefix: a number of `default_country`, or (see
/// [`PhoneNumber::parse`]) an international one without its `+`.
fn national_number(digits: &str, default_country: &str) -> Result<PhoneNumber, PhoneError> {
    let iso = default_country.trim().to_ascii_uppercase();
    let country = COUNTRIES
        .iter()
        .find(|c| c.iso == iso)
        .ok_or_else(|| PhoneError::UnknownCountry(default_country.to_owned()))?;
    if country.trunk_zero {
        if let Some(nsn) = digits.strip_prefix('0') {
            return known(country, nsn);
        }
    } else if country.nsn.contains(&digits.len()) {
        return known(country, digits);
    }
    if let Some(nsn) = digits.strip_prefix(country.code)
        && country.nsn.contains(&nsn.len())
    {
        return known(country, nsn);
    }
    known(country, digits)
}

/// The number `+{code}{nsn}` if `nsn` looks like one of the country's numbers.
fn known(country: &Country, nsn: &str) -> Result<PhoneNumber, PhoneError> {
    // None of these countries has a national significant number starting with 0, so one is a
    // typo, and accepting it would give the same number two spellings.
    if nsn.starts_with('0') {
        return Err(PhoneError::ExtraZero);
    }
    if nsn.len() < *country.nsn.start() {
        return Err(PhoneError::TooShort);
    }
    if nsn.len() > *country.nsn.end() || country.code.len() + nsn.len() > E164_MAX_DIGITS {
        return Err(PhoneError::TooLong);
    }
    Ok(PhoneNumber(format!("+{}{nsn}", country.code)))
}

impl fmt::Display for PhoneNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Only international forms: a stored number is always `+…`, and there is no country to
/// read a national one against.
impl FromStr for PhoneNumber {
    type Err = PhoneError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        PhoneNumber::parse(s, "")
    }
}

impl TryFrom<String> for PhoneNumber {
    type Error = PhoneError;

    fn try_from(value: String) -> Result<Self, Self::Error> {
        value.parse()
    }
}

impl From<PhoneNumber> for String {
    fn from(number: PhoneNumber) -> String {
        number.0
    }
}

/// How a text travels: the GSM 03.38 7-bit alphabet when every character is in it, else
/// UCS-2, which fits fewer than half as many characters in an SMS.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub enum Encoding {
    Gsm7,
    Ucs2,
}

/// One SMS holds 140 bytes: 160 septets or 70 UTF-16 code units. Parts of a longer text lose
/// 6 bytes each to the concatenation header (UDH), leaving 153 septets or 67 code units.
const GSM7_SINGLE: usize = 160;
const GSM7_PART: usize = 153;
const UCS2_SINGLE: usize = 70;
const UCS2_PART: usize = 67;

impl Encoding {
    /// The encoding a text needs.
    pub fn of(text: &str) -> Encoding {
        if text.chars().all(|c| gsm7_septets(c).is_some()) {
            Encoding::Gsm7
        } else {
            Encoding::Ucs2
        }
    }

    /// What one SMS holds when the text fits in one.
    pub const fn single_capacity(self) -> usize {
        match self {
            Encoding::Gsm7 => GSM7_SINGLE,
            Encoding::Ucs2 => UCS2_SINGLE,
        }
    }

    /// What each part of a longer text holds.
    pub const fn part_capacity(self) -> usize {
        match self {
            Encoding::Gsm7 => GSM7_PART,
            Encoding::Ucs2 => UCS2_PART,
        }
    }

    /// How much of a segment one character takes: septets for GSM-7, UTF-16 code units for
    /// UCS-2. `None` if the character cannot be sent in this encoding.
    pub fn units(self, c: char) -> Option<usize> {
        match self {
            Encoding::Gsm7 => gsm7_septets(c),
            Encoding::Ucs2 => Some(c.len_utf16()),
        }
    }
}

/// Septets of a character in the GSM 03.38 default alphabet (1) or its extension table (2:
/// an escape and the character), or `None` when it has no GSM-7 form. National shift tables
/// are not used: providers (GatewayAPI among them) do not support them.
fn gsm7_septets(c: char) -> Option<usize> {
    match c {
        'A'..='Z' | 'a'..='z' | '0'..='9' => Some(1),
        ' ' | '!' | '"' | '#' | '$' | '%' | '&' | '\'' | '(' | ')' | '*' | '+' | ',' | '-'
        | '.' | '/' | ':' | ';' | '<' | '=' | '>' | '?' | '@' | '_' | '\n' | '\r' => Some(1),
        '£' | '¥' | 'è' | 'é' | 'ù' | 'ì' | 'ò' | 'Ç' | 'Ø' | 'ø' | 'Å' | 'å' | 'Δ' | 'Φ' | 'Γ'
        | 'Λ' | 'Ω' | 'Π' | 'Ψ' | 'Σ' | 'Θ' | 'Ξ' | 'Æ' | 'æ' | 'ß' | 'É' | '¤' | '¡' | 'Ä'
        | 'Ö' | 'Ñ' | 'Ü' | '§' | '¿' | 'ä' | 'ö' | 'ñ' | 'ü' | 'à' => Some(1),
        '^' | '{' | '}' | '\\' | '[' | ']' | '~' | '|' | '€' | '\u{0C}' => Some(2),
        _ => None,
    }
}

/// What a text costs to send.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Segments {
    pub encoding: Encoding,
    /// SMS messages sent (and billed); 0 for an empty text.
    pub count: usize,
    /// The text's length as the segments count it: septets for GSM-7 (an extension character
    /// counts 2), UTF-16 code units for UCS-2 (a character outside the BMP counts 2).
    pub characters: usize,
}

impl Segments {
    /// What each of these segments holds, for a "148/153" counter.
    pub const fn capacity(&self) -> usize {
        if self.count > 1 {
            self.encoding.part_capacity()
        } else {
            self.encoding.single_capacity()
        }
    }
}

/// The encoding, SMS count and length of `text`.
///
/// The count comes from the same packing as [`split`], not from dividing the length: a part
/// cannot end in the middle of an extension character or a surrogate pair, so a long text may
/// need one part more than the division says.
pub fn segments(text: &str) -> Segments {
    let encoding = Encoding::of(text);
    let characters = length(text, encoding);
    Segments {
        encoding,
        count: parts(text, encoding, characters).len(),
        characters,
    }
}

/// `text` cut into the parts it is sent as: one part if it fits in a single SMS, else parts of
/// at most 153 septets (GSM-7) or 67 code units (UCS-2), never cutting a character. Joined,
/// the parts are the text again.
pub fn split(text: &str) -> Vec<String> {
    let encoding = Encoding::of(text);
    parts(text, encoding, length(text, encoding))
        .into_iter()
        .map(str::to_owned)
        .collect()
}

fn length(text: &str, encoding: Encoding) -> usize {
    text.chars().map(|c| units(encoding, c)).sum()
}

/// A character's units in `encoding`; only called with the text's own encoding, in which
/// every character has a size (a character with no GSM-7 form makes the text UCS-2).
fn units(encoding: Encoding, c: char) -> usize {
    encoding.units(c).unwrap_or(2)
}

fn parts(text: &str, encoding: Encoding, length: usize) -> Vec<&str> {
    if text.is_empty() {
        return Vec::new();
    }
    if length <= encoding.single_capacity() {
        return vec![text];
    }
    let limit = encoding.part_capacity();
    let mut parts = Vec::with_capacity(length / limit + 1);
    let (mut start, mut used) = (0, 0);
    for (at, c) in text.char_indices() {
        let size = units(encoding, c);
        if used + size > limit {
            parts.push(&text[start..at]);
            (start, used) = (at, 0);
        }
        used += size;
    }
    parts.push(&text[start..]);
    parts
}

/// The hours in which a shop does not text its customers, e.g. 21:00–08:00. The period starts
/// at `start` and ends just before `end`; when `end` is not after `start` it runs over
/// midnight. `start == end` means no quiet hours.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct QuietHours {
    pub start: Time,
    pub end: Time,
}

impl QuietHours {
    /// Whether a wall-clock time is inside the quiet period.
    pub fn is_quiet(&self, time: Time) -> bool {
        if self.start <= self.end {
            self.start <= time && time < self.end
        } else {
            time >= self.start || time < self.end
        }
    }

    /// When a text due at `at` may be sent: `at` itself outside the quiet hours, else the
    /// period's end on the wall clock of `at`'s time zone.
    ///
    /// The end is found on the civil calendar (today or, past midnight's start, tomorrow) and
    /// then placed in the zone, so a DST change in between does not shift it: 08:00 stays
    /// 08:00 local time. An end inside a spring-forward gap becomes the first instant after
    /// the gap, and one inside an autumn repeat the earlier of the two (jiff's `compatible`
    /// rule).
    pub fn next_allowed(&self, at: ZonedDateTime) -> ZonedDateTime {
        let now = at.time();
        if !self.is_quiet(now) {
            return at;
        }
        let date = if self.start > self.end && now >= self.start {
            at.date().tomorrow()
        } else {
            Ok(at.date())
        };
        // Only fails at the end of jiff's calendar (year 9999), where there is no later time
        // to wait for: send then.
        date.and_then(|date| {
            date.to_datetime(self.end)
                .to_zoned_datetime(at.time_zone().clone())
        })
        .unwrap_or(at)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn phone(input: &str, country: &str) -> Result<String, PhoneError> {
        PhoneNumber::parse(input, country).map(|p| p.as_str().to_owned())
    }

    #[test]
    fn national_numbers_of_each_country() {
        let ok = |input, country, e164: &str| {
            assert_eq!(
                phone(input, country).as_deref(),
                Ok(e164),
                "{input} {country}"
            )
        };
        ok("040 123 4567", "FI", "+358401234567");
        ok("040-1234567", "fi", "+358401234567");
        ok("(09) 123 4567", "FI", "+35891234567");
        ok("40 123 4567", "FI", "+358401234567");
        ok("070-123 45 67", "SE", "+46701234567");
        ok("08-123 456 78", "SE", "+46812345678");
        ok("412 34 567", "NO", "+4741234567");
        ok("20 12 34 56", "DK", "+4520123456");
        ok("5123 4567", "EE", "+37251234567");
        ok("0151 23456789", "DE", "+4915123456789");
        ok("030/1234567", "DE", "+49301234567");
    }

    #[test]
    fn international_forms() {
        let ok = |input, e164: &str| assert_eq!(phone(input, "SE").as_deref(), Ok(e164), "{input}");
        ok("+358 40 123 4567", "+358401234567");
        ok("00358401234567", "+358401234567");
        ok("+358 (0)40 123 4567", "+358401234567");
        ok("+46 (0)70 123 45 67", "+46701234567");
        ok("+45 20.12.34.56", "+4520123456");
        ok("+1 (732) 555-1020", "+17325551020");
        ok("\u{a0}+44 20 7946 0958 ", "+442079460958");
        // An international number typed without its + where it cannot be national.
        assert_eq!(phone("358401234567", "FI").as_deref(), Ok("+358401234567"));
        assert_eq!(phone("4520123456", "DK").as_deref(), Ok("+4520123456"));
    }

    #[test]
    fn refuses_what_is_not_a_number() {
        assert_eq!(phone("", "FI"), Err(PhoneError::Empty));
        assert_eq!(phone("   ", "FI"), Err(PhoneError::Empty));
        assert_eq!(phone("-", "FI"), Err(PhoneError::TooShort));
        assert_eq!(
            phone("040 CALL ME", "FI"),
            Err(PhoneError::InvalidCharacter('C'))
        );
        assert_eq!(
            phone("040+123", "FI"),
            Err(PhoneError::InvalidCharacter('+'))
        );
        assert_eq!(
            phone("++358401234567", "FI"),
            Err(PhoneError::InvalidCharacter('+'))
        );
        assert_eq!(phone("040", "FI"), Err(PhoneError::TooShort));
        assert_eq!(phone("1234567", "DK"), Err(PhoneError::TooShort));
        assert_eq!(phone("123456789", "DK"), Err(PhoneError::TooLong));
        assert_eq!(phone("+1 234", "FI"), Err(PhoneError::TooShort));
        assert_eq!(phone("+1234567890123456", "FI"), Err(PhoneError::TooLong));
        assert_eq!(phone("+49 1234 5678901234", "FI"), Err(PhoneError::TooLong));
        assert_eq!(
            phone("+0358401234567", "FI"),
            Err(PhoneError::BadCountryCode)
        );
        assert_eq!(
            phone("000358401234567", "FI"),
            Err(PhoneError::BadCountryCode)
        );
        assert_eq!(phone("+358 00 123 4567", "FI"), Err(PhoneError::ExtraZero));
        assert_eq!(phone("+45 02 12 34 56", "FI"), Err(PhoneError::ExtraZero));
        assert_eq!(
            phone("040 123 4567", "US"),
            Err(PhoneError::UnknownCountry("US".into()))
        );
        assert_eq!(
            "0401234567".parse::<PhoneNumber>(),
            Err(PhoneError::UnknownCountry(String::new()))
        );
    }

    #[test]
    fn accessors_and_serde() {
        let number = PhoneNumber::parse("040 123 4567", "FI").expect("valid");
        assert_eq!(number.msisdn(), 358_401_234_567);
        assert_eq!(number.to_string(), "+358401234567");
        assert_eq!("+358401234567".parse::<PhoneNumber>(), Ok(number.clone()));
        assert_eq!(String::from(number.clone()), "+358401234567");
        let max = PhoneNumber::parse("+999999999999999", "FI").expect("15 digits");
        assert_eq!(max.msisdn(), 999_999_999_999_999);
    }

    #[test]
    fn gsm7_counts() {
        let s = segments("Tilauksesi 1042 on lähetetty. Kiitos!");
        assert_eq!((s.encoding, s.count, s.characters), (Encoding::Gsm7, 1, 37));
        assert_eq!(
            segments(""),
            Segments {
                encoding: Encoding::Gsm7,
                count: 0,
                characters: 0
            }
        );
        assert_eq!(segments(&"a".repeat(160)).count, 1);
        assert_eq!(segments(&"a".repeat(161)).count, 2);
        assert_eq!(segments(&"a".repeat(306)).count, 2);
        assert_eq!(segments(&"a".repeat(307)).count, 3);
        // Extension characters count two septets.
        let euros = segments("10 € [x]");
        assert_eq!((euros.encoding, euros.characters), (Encoding::Gsm7, 11));
        assert_eq!(segments(&"€".repeat(80)).count, 1);
        assert_eq!(segments(&"€".repeat(81)).count, 2);
        // 152 septets then a euro: the euro cannot straddle, so the first part holds 152.
        let text = format!("{}€{}", "a".repeat(152), "b".repeat(10));
        assert_eq!(segments(&text).characters, 164);
        let parts = split(&text);
        assert_eq!(parts.len(), 2);
        assert_eq!(parts[0], "a".repeat(152));
        assert!(parts[1].starts_with('€'));
    }

    #[test]
    fn ucs2_counts() {
        let s = segments("Tellimus on teel, šokolaad ka");
        assert_eq!((s.encoding, s.count, s.characters), (Encoding::Ucs2, 1, 29));
        assert_eq!(s.capacity(), 70);
        assert_eq!(segments(&"õ".repeat(70)).count, 1);
        assert_eq!(segments(&"õ".repeat(71)).count, 2);
        assert_eq!(segments(&"õ".repeat(71)).capacity(), 67);
        // Outside the BMP: two code units.
        assert_eq!(segments("😀").characters, 2);
        assert_eq!(segments(&"😀".repeat(35)).count, 1);
        assert_eq!(segments(&"😀".repeat(36)).count, 2);
        // 100 + 2 units: 67, then 33 + the emoji's 2.
        let parts = split(&format!("{}😀", "õ".repeat(100)));
        let sizes: Vec<usize> = parts.iter().map(|p| p.chars().count()).collect();
        assert_eq!(sizes, [67, 34]);
        // 66 units then an emoji: the pair moves whole to the next part.
        let text = format!("{}😀xxx", "õ".repeat(66));
        let parts = split(&text);
        assert_eq!(parts, ["õ".repeat(66), "😀xxx".to_owned()]);
    }

    #[test]
    fn one_non_gsm_character_makes_the_whole_text_ucs2() {
        let text = format!("{} ✓", "a".repeat(100));
        let s = segments(&text);
        assert_eq!((s.encoding, s.count), (Encoding::Ucs2, 2));
        assert_eq!(Encoding::Gsm7.units('✓'), None);
        assert_eq!(Encoding::Ucs2.units('a'), Some(1));
    }

    fn time(hour: i8, minute: i8) -> Time {
        Time::constant(hour, minute, 0, 0)
    }

    fn helsinki(text: &str) -> ZonedDateTime {
        format!("{text}[Europe/Helsinki]")
            .parse()
            .expect("valid zoned time")
    }

    #[test]
    fn quiet_hours_over_midnight() {
        let night = QuietHours {
            start: time(21, 0),
            end: time(8, 0),
        };
        let at = |t| night.next_allowed(helsinki(t)).to_string();
        assert_eq!(
            at("2025-06-10T12:00"),
            "2025-06-10T12:00:00+03:00[Europe/Helsinki]"
        );
        assert_eq!(
            at("2025-06-10T20:59:59"),
            "2025-06-10T20:59:59+03:00[Europe/Helsinki]"
        );
        assert_eq!(
            at("2025-06-10T21:00"),
            "2025-06-11T08:00:00+03:00[Europe/Helsinki]"
        );
        assert_eq!(
            at("2025-06-10T23:30"),
            "2025-06-11T08:00:00+03:00[Europe/Helsinki]"
        );
        assert_eq!(
            at("2025-06-11T03:00"),
            "2025-06-11T08:00:00+03:00[Europe/Helsinki]"
        );
        assert_eq!(
            at("2025-06-11T08:00"),
            "2025-06-11T08:00:00+03:00[Europe/Helsinki]"
        );
        // Year end.
        assert_eq!(
            at("2025-12-31T22:00"),
            "2026-01-01T08:00:00+02:00[Europe/Helsinki]"
        );
    }

    #[test]
    fn quiet_hours_within_a_day_and_empty() {
        let lunch = QuietHours {
            start: time(11, 0),
            end: time(13, 0),
        };
        let at = |t| lunch.next_allowed(helsinki(t)).to_string();
        assert_eq!(
            at("2025-06-10T10:59"),
            "2025-06-10T10:59:00+03:00[Europe/Helsinki]"
        );
        assert_eq!(
            at("2025-06-10T11:00"),
            "2025-06-10T13:00:00+03:00[Europe/Helsinki]"
        );
        assert_eq!(
            at("2025-06-10T13:00"),
            "2025-06-10T13:00:00+03:00[Europe/Helsinki]"
        );
        let none = QuietHours {
            start: time(8, 0),
            end: time(8, 0),
        };
        assert!(!none.is_quiet(time(8, 0)) && !none.is_quiet(time(3, 0)));
    }

    #[test]
    fn quiet_hours_across_dst_changes() {
        let night = QuietHours {
            start: time(21, 0),
            end: time(8, 0),
        };
        // Spring forward (30 March 2025, 03:00 → 04:00): the night is an hour shorter, and
        // the end is still 08:00 local, now at +03:00.
        let spring = night.next_allowed(helsinki("2025-03-29T22:00"));
        assert_eq!(
            spring.to_string(),
            "2025-03-30T08:00:00+03:00[Europe/Helsinki]"
        );
        assert_eq!(
            spring.timestamp().as_second() - helsinki("2025-03-29T22:00").timestamp().as_second(),
            9 * 3600
        );
        // Fall back (26 October 2025, 04:00 → 03:00): an hour longer.
        let autumn = night.next_allowed(helsinki("2025-10-25T22:00"));
        assert_eq!(
            autumn.to_string(),
            "2025-10-26T08:00:00+02:00[Europe/Helsinki]"
        );
        assert_eq!(
            autumn.timestamp().as_second() - helsinki("2025-10-25T22:00").timestamp().as_second(),
            11 * 3600
        );
        // An end inside the spring-forward gap: the first instant after it.
        let odd = QuietHours {
            start: time(1, 0),
            end: time(3, 30),
        };
        let gap = odd.next_allowed(helsinki("2025-03-30T02:00"));
        assert_eq!(
            gap.to_string(),
            "2025-03-30T04:30:00+03:00[Europe/Helsinki]"
        );
        // Other zones keep their own wall clock.
        let stockholm: ZonedDateTime = "2025-06-10T23:00[Europe/Stockholm]".parse().expect("valid");
        assert_eq!(
            night.next_allowed(stockholm).to_string(),
            "2025-06-11T08:00:00+02:00[Europe/Stockholm]"
        );
    }

    proptest! {
        #[test]
        fn parts_rejoin_and_each_fits_a_segment(
            text in "[a-zA-Z0-9 .,!?äöåÄÖÅ€\\[\\]{}^~|\\\\õšž✓😀日\n]{0,400}"
        ) {
            let parts = split(&text);
            let info = segments(&text);
            prop_assert_eq!(parts.concat(), text.clone());
            prop_assert_eq!(parts.len(), info.count);
            prop_assert_eq!(info.encoding, Encoding::of(&text));
            let capacity = if parts.len() > 1 {
                info.encoding.part_capacity()
            } else {
                info.encoding.single_capacity()
            };
            prop_assert_eq!(capacity, info.capacity());
            for part in &parts {
                prop_assert!(!part.is_empty());
                prop_assert!(length(part, info.encoding) <= capacity, "{:?}", part);
            }
            // Splitting is only needed when the text does not fit in one SMS.
            prop_assert_eq!(parts.len() > 1, info.characters > info.encoding.single_capacity());
        }

        #[test]
        fn formatted_numbers_normalise_to_the_same_e164(
            nsn in "[1-9][0-9]{8}",
            separator in prop::sample::select(vec!["", " ", "-", ".", " - "]),
        ) {
            let grouped: Vec<&str> = [&nsn[..2], &nsn[2..5], &nsn[5..]].to_vec();
            let national = format!("0{}", grouped.join(separator));
            let international = format!("+358 {}", grouped.join(separator));
            let expected = format!("+358{nsn}");
            prop_assert_eq!(phone(&national, "FI"), Ok(expected.clone()));
            prop_assert_eq!(phone(&international, "SE"), Ok(expected.clone()));
            prop_assert_eq!(phone(&format!("00358{nsn}"), "DK"), Ok(expected.clone()));
            let parsed = PhoneNumber::parse(&expected, "FI").map(|p| p.msisdn());
            prop_assert_eq!(parsed.ok(), expected[1..].parse::<u64>().ok());
        }

        #[test]
        fn parsing_never_panics_and_always_gives_e164(input in "\\PC{0,30}", country in "[A-Z]{2}") {
            if let Ok(number) = PhoneNumber::parse(&input, &country) {
                let digits = &number.as_str()[1..];
                prop_assert!(number.as_str().starts_with('+'));
                prop_assert!(digits.len() <= E164_MAX_DIGITS);
                prop_assert!(digits.bytes().all(|b| b.is_ascii_digit()));
                prop_assert_eq!(PhoneNumber::parse(number.as_str(), "FI"), Ok(number.clone()));
            }
        }
    }
}
