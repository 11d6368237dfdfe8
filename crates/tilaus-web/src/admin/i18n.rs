//! The admin UI's languages (fi, sv, en): Fluent messages, and money, percentages and times
//! formatted the way each locale writes them.

use fluent_templates::{LanguageIdentifier, Loader, langid};
use std::borrow::Cow;
use std::collections::HashMap;

fluent_templates::static_loader! {
    static LOCALES = {
        locales: "./i18n",
        fallback_language: "fi",
        // Plain text: the HTML escaper handles the markup, and the isolation marks Fluent adds
        // around arguments by default show up in copied text and in tests.
        customise: |bundle| bundle.set_use_isolating(false),
    };
}

static FI: LanguageIdentifier = langid!("fi");
static SV: LanguageIdentifier = langid!("sv");
static EN: LanguageIdentifier = langid!("en");

/// A language of the admin UI.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Lang {
    #[default]
    Fi,
    Sv,
    En,
}

impl Lang {
    pub const ALL: [Lang; 3] = [Lang::Fi, Lang::Sv, Lang::En];

    pub fn code(self) -> &'static str {
        match self {
            Lang::Fi => "fi",
            Lang::Sv => "sv",
            Lang::En => "en",
        }
    }

    pub fn parse(code: &str) -> Option<Lang> {
        let primary = code.trim().split(['-', '_']).next()?.to_ascii_lowercase();
        match primary.as_str() {
            "fi" => Some(Lang::Fi),
            "sv" => Some(Lang::Sv),
            "en" => Some(Lang::En),
            _ => None,
        }
    }

    /// The best of our languages in an Accept-Language header, by its q-values.
    pub fn from_accept_language(header: &str) -> Option<Lang> {
        header
            .split(',')
            .enumerate()
            .filter_map(|(i, part)| {
                let mut pieces = part.split(';');
                let lang = Lang::parse(pieces.next()?)?;
                let q = pieces
                    .find_map(|p| p.trim().strip_prefix("q="))
                    .map_or(Some(1.0), |q| q.trim().parse::<f32>().ok())?;
                (q > 0.0).then_some((lang, q, i))
            })
            // Highest q first; ties keep the header's order.
            .max_by(|a, b| a.1.total_cmp(&b.1).then(b.2.cmp(&a.2)))
            .map(|(lang, _, _)| lang)
    }

    fn id(self) -> &'static LanguageIdentifier {
        match self {
            Lang::Fi => &FI,
            Lang::Sv => &SV,
            Lang::En => &EN,
        }
    }

    /// The message `key`; a missing key shows itself, so that it is noticed and not hidden.
    pub fn t(self, key: &str) -> String {
        LOCALES
            .try_lookup(self.id(), key)
            .unwrap_or_else(|| key.to_owned())
    }

    /// The message `key` when it exists.
    pub fn try_t(self, key: &str) -> Option<String> {
        LOCALES.try_lookup(self.id(), key)
    }

    /// The message `key` with named string arguments.
    pub fn t_args(self, key: &str, args: &[(&'static str, String)]) -> String {
        let mut map = HashMap::new();
        for (name, value) in args {
            map.insert(Cow::Borrowed(*name), value.clone().into());
        }
        LOCALES
            .try_lookup_with_args(self.id(), key, &map)
            .unwrap_or_else(|| key.to_owned())
    }

    /// An amount in minor units with its currency: `1 234,50 €` (fi, sv), `€1,234.50` (en).
    pub fn money(self, minor: i64, currency: &str) -> String {
        let sign = if minor < 0 { "\u{2212}" } else { "" };
        let abs = minor.unsigned_abs();
        let (group, decimal) = match self {
            Lang::Fi | Lang::Sv => ('\u{a0}', ','),
            Lang::En => (',', '.'),
        };
        let number = format!(
            "{}{decimal}{:02}",
            group_digits(abs / 100, group),
            abs % 100
        );
        let symbol = match (currency, self) {
            ("EUR", _) => "€",
            ("GBP", _) => "£",
            ("USD", _) => "$",
            ("SEK" | "NOK" | "DKK", Lang::Fi | Lang::Sv) => "kr",
            ("CZK", _) => "Kč",
            _ => "",
        };
        match (self, symbol) {
            (_, "") => format!("{sign}{number}\u{a0}{currency}"),
            (Lang::En, "£" | "$" | "€") => format!("{sign}{symbol}{number}"),
            _ => format!("{sign}{number}\u{a0}{symbol}"),
        }
    }

    /// A VAT rate in basis points: `25,5 %` (fi, sv), `25.5%` (en).
    pub fn percent(self, basis_points: u32) -> String {
        let whole = basis_points / 100;
        let fraction = basis_points % 100;
        let decimal = if self == Lang::En { '.' } else { ',' };
        let number = match fraction {
            0 => whole.to_string(),
            f if f % 10 == 0 => format!("{whole}{decimal}{}", f / 10),
            f => format!("{whole}{decimal}{f:02}"),
        };
        match self {
            Lang::En => format!("{number}%"),
            _ => format!("{number}\u{a0}%"),
        }
    }

    /// An instant in the shop's zone: `23.11.2026 14.05` (fi), `2026-11-23 14:05` (sv),
    /// `23 Nov 2026, 14:05` (en). Text that is not an instant is shown as it is.
    pub fn datetime(self, rfc3339: &str, zone: &jiff::tz::TimeZone) -> String {
        let Ok(instant) = rfc3339.parse::<jiff::Timestamp>() else {
            return rfc3339.to_owned();
        };
        let local = instant.to_zoned_datetime(zone.clone());
        let pattern = match self {
            Lang::Fi => "%-d.%-m.%Y %H.%M",
            Lang::Sv => "%Y-%m-%d %H:%M",
            Lang::En => "%-d %b %Y, %H:%M",
        };
        local.strftime(pattern).to_string()
    }
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

    #[test]
    fn money_follows_the_locale() {
        assert_eq!(Lang::Fi.money(123_450, "EUR"), "1\u{a0}234,50\u{a0}€");
        assert_eq!(Lang::Sv.money(123_450, "EUR"), "1\u{a0}234,50\u{a0}€");
        assert_eq!(Lang::En.money(123_450, "EUR"), "€1,234.50");
        assert_eq!(Lang::En.money(-5, "EUR"), "\u{2212}€0.05");
        assert_eq!(
            Lang::Fi.money(100_000_000, "SEK"),
            "1\u{a0}000\u{a0}000,00\u{a0}kr"
        );
        assert_eq!(Lang::En.money(990, "PLN"), "9.90\u{a0}PLN");
    }

    #[test]
    fn percentages_and_times_follow_the_locale() {
        assert_eq!(Lang::Fi.percent(2550), "25,5\u{a0}%");
        assert_eq!(Lang::En.percent(1400), "14%");
        assert_eq!(Lang::Sv.percent(1025), "10,25\u{a0}%");
        let zone = jiff::tz::TimeZone::get("Europe/Helsinki").expect("zone");
        let at = "2026-11-23T12:05:00Z";
        assert_eq!(Lang::Fi.datetime(at, &zone), "23.11.2026 14.05");
        assert_eq!(Lang::Sv.datetime(at, &zone), "2026-11-23 14:05");
        assert_eq!(Lang::En.datetime(at, &zone), "23 Nov 2026, 14:05");
        assert_eq!(Lang::En.datetime("garbage", &zone), "garbage");
    }

    #[test]
    fn accept_language_picks_the_best_supported() {
        assert_eq!(
            Lang::from_accept_language("de-DE,sv;q=0.8,en;q=0.9"),
            Some(Lang::En)
        );
        assert_eq!(Lang::from_accept_language("sv-FI"), Some(Lang::Sv));
        assert_eq!(Lang::from_accept_language("fi, en"), Some(Lang::Fi));
        assert_eq!(Lang::from_accept_language("de, fr;q=0.5"), None);
        assert_eq!(Lang::from_accept_language("en;q=0"), None);
    }

    #[test]
    fn every_message_exists_in_every_language() {
        let keys = |lang: &str| -> std::collections::BTreeSet<String> {
            let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("i18n")
                .join(lang);
            let mut keys = std::collections::BTreeSet::new();
            for entry in std::fs::read_dir(dir).expect("i18n dir") {
                let text = std::fs::read_to_string(entry.expect("entry").path()).expect("ftl");
                for line in text.lines() {
                    if let Some((key, _)) = line.split_once(" =")
                        && !key.starts_with([' ', '#', '.'])
                        && !key.is_empty()
                    {
                        keys.insert(key.to_owned());
                    }
                }
            }
            keys
        };
        let fi = keys("fi");
        assert!(fi.len() > 50, "{fi:?}");
        for lang in ["sv", "en"] {
            let other = keys(lang);
            assert_eq!(
                fi.symmetric_difference(&other).collect::<Vec<_>>(),
                Vec::<&String>::new(),
                "fi and {lang} differ"
            );
        }
        // Every message resolves (with the arguments the code passes) in every language.
        let args: Vec<(&'static str, String)> = [
            "minutes", "count", "number", "from", "to", "current", "allowed", "hours",
        ]
        .into_iter()
        .map(|name| (name, "1".to_owned()))
        .collect();
        for key in &fi {
            for lang in Lang::ALL {
                assert_ne!(lang.t_args(key, &args), *key, "{key} in {lang:?}");
            }
        }
    }
}
