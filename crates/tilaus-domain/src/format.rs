//! Amounts, VAT rates, dates and times written the way a reader of each language expects
//! (`1 234,50 €` in Finnish, `€1,234.50` in English). One place, so that the admin, documents
//! and messages never disagree.

use crate::language::Language;

/// An amount in minor units with its currency: `1 234,50 €` (fi, sv, cs), `1.234,50 €` (de),
/// `€1,234.50` (en).
pub fn money(language: Language, minor: i64, currency: &str) -> String {
    let sign = if minor < 0 { "\u{2212}" } else { "" };
    let abs = minor.unsigned_abs();
    let (group, decimal) = match language {
        Language::Fi | Language::Sv | Language::Cs => ('\u{a0}', ','),
        Language::De => ('.', ','),
        Language::En => (',', '.'),
    };
    let number = format!(
        "{}{decimal}{:02}",
        group_digits(abs / 100, group),
        abs % 100
    );
    let english = language == Language::En;
    let symbol = match currency {
        "EUR" => "€",
        "GBP" => "£",
        "USD" => "$",
        "SEK" | "NOK" | "DKK" if !english => "kr",
        "CZK" => "Kč",
        _ => "",
    };
    match symbol {
        "" => format!("{sign}{number}\u{a0}{currency}"),
        "£" | "$" | "€" if english => format!("{sign}{symbol}{number}"),
        _ => format!("{sign}{number}\u{a0}{symbol}"),
    }
}

/// A plain number with two decimals and no currency (`1 234,50`), for tables whose column
/// heading names the currency.
pub fn amount(language: Language, minor: i64) -> String {
    money(language, minor, "")
        .trim_end_matches('\u{a0}')
        .to_owned()
}

/// A VAT rate in basis points: `25,5 %` (fi, sv, de, cs), `25.5%` (en).
pub fn percent(language: Language, basis_points: u32) -> String {
    let number = percent_number(language, basis_points);
    if language == Language::En {
        format!("{number}%")
    } else {
        format!("{number}\u{a0}%")
    }
}

/// A VAT rate's number alone (`25,5`), as a form field shows it for editing.
pub fn percent_number(language: Language, basis_points: u32) -> String {
    let whole = basis_points / 100;
    let decimal = if language == Language::En { '.' } else { ',' };
    match basis_points % 100 {
        0 => whole.to_string(),
        f if f % 10 == 0 => format!("{whole}{decimal}{}", f / 10),
        f => format!("{whole}{decimal}{f:02}"),
    }
}

/// An instant in a zone: `23.11.2026 14.05` (fi), `2026-11-23 14:05` (sv),
/// `23 Nov 2026, 14:05` (en), `23.11.2026 14:05` (de, cs).
pub fn datetime(language: Language, instant: jiff::Timestamp, zone: &jiff::tz::TimeZone) -> String {
    let pattern = match language {
        Language::Fi => "%-d.%-m.%Y %H.%M",
        Language::Sv => "%Y-%m-%d %H:%M",
        Language::En => "%-d %b %Y, %H:%M",
        Language::De | Language::Cs => "%-d.%-m.%Y %H:%M",
    };
    instant
        .to_zoned_datetime(zone.clone())
        .strftime(pattern)
        .to_string()
}

/// A calendar date: `23.11.2026` (fi, de, cs), `2026-11-23` (sv), `23 Nov 2026` (en).
pub fn date(language: Language, date: jiff::civil::Date) -> String {
    let pattern = match language {
        Language::Fi | Language::De | Language::Cs => "%-d.%-m.%Y",
        Language::Sv => "%Y-%m-%d",
        Language::En => "%-d %b %Y",
    };
    date.strftime(pattern).to_string()
}

fn group_digits(mut value: u64, separator: char) -> String {
    let mut groups = Vec::new();
    loop {
        if value < 1000 {
            groups.push(value.to_string());
            break;
        }
        groups.push(format!("{:03}", value % 1000));
        value /= 1000;
    }
    groups.reverse();
    groups.join(&separator.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use Language::*;

    #[test]
    fn money_follows_the_language() {
        assert_eq!(money(Fi, 123_450, "EUR"), "1\u{a0}234,50\u{a0}€");
        assert_eq!(money(Sv, 123_450, "EUR"), "1\u{a0}234,50\u{a0}€");
        assert_eq!(money(En, 123_450, "EUR"), "€1,234.50");
        assert_eq!(money(De, 123_450, "EUR"), "1.234,50\u{a0}€");
        assert_eq!(money(Cs, 123_450, "CZK"), "1\u{a0}234,50\u{a0}Kč");
        assert_eq!(money(En, -5, "EUR"), "\u{2212}€0.05");
        assert_eq!(
            money(Fi, 100_000_000, "SEK"),
            "1\u{a0}000\u{a0}000,00\u{a0}kr"
        );
        assert_eq!(money(En, 990, "PLN"), "9.90\u{a0}PLN");
        assert_eq!(
            money(En, i64::MIN, "EUR"),
            "\u{2212}€92,233,720,368,547,758.08"
        );
        assert_eq!(amount(Fi, 123_450), "1\u{a0}234,50");
        assert_eq!(amount(En, -123_450), "\u{2212}1,234.50");
    }

    #[test]
    fn percentages_dates_and_times_follow_the_language() {
        assert_eq!(percent(Fi, 2550), "25,5\u{a0}%");
        assert_eq!(percent(En, 1400), "14%");
        assert_eq!(percent(Sv, 1025), "10,25\u{a0}%");
        let zone = jiff::tz::TimeZone::get("Europe/Helsinki").expect("zone");
        let at: jiff::Timestamp = "2026-11-23T12:05:00Z".parse().expect("instant");
        assert_eq!(datetime(Fi, at, &zone), "23.11.2026 14.05");
        assert_eq!(datetime(Sv, at, &zone), "2026-11-23 14:05");
        assert_eq!(datetime(En, at, &zone), "23 Nov 2026, 14:05");
        let day = jiff::civil::date(2026, 12, 7);
        assert_eq!(date(Fi, day), "7.12.2026");
        assert_eq!(date(Sv, day), "2026-12-07");
        assert_eq!(date(En, day), "7 Dec 2026");
    }
}
