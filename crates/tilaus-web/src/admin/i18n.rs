//! The admin UI's languages (fi, sv, en): Fluent messages, and money, percentages and times in
//! each language's way (the formats themselves live in `tilaus_domain::format`).

use fluent_templates::{LanguageIdentifier, Loader, langid};
use std::borrow::Cow;
use std::collections::HashMap;
use tilaus_domain::format;
use tilaus_domain::language::Language;

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

    /// The same language as the domain names it, for the shared formats.
    pub fn language(self) -> Language {
        match self {
            Lang::Fi => Language::Fi,
            Lang::Sv => Language::Sv,
            Lang::En => Language::En,
        }
    }

    /// An amount in minor units with its currency: `1 234,50 €` (fi, sv), `€1,234.50` (en).
    pub fn money(self, minor: i64, currency: &str) -> String {
        format::money(self.language(), minor, currency)
    }

    /// A VAT rate in basis points: `25,5 %` (fi, sv), `25.5%` (en).
    pub fn percent(self, basis_points: u32) -> String {
        format::percent(self.language(), basis_points)
    }

    /// A calendar date: `7.12.2026` (fi), `2026-12-07` (sv), `7 Dec 2026` (en).
    pub fn date(self, date: jiff::civil::Date) -> String {
        format::date(self.language(), date)
    }

    /// An instant in the shop's zone: `23.11.2026 14.05` (fi), `2026-11-23 14:05` (sv),
    /// `23 Nov 2026, 14:05` (en). Text that is not an instant is shown as it is.
    pub fn datetime(self, rfc3339: &str, zone: &jiff::tz::TimeZone) -> String {
        match rfc3339.parse::<jiff::Timestamp>() {
            Ok(instant) => format::datetime(self.language(), instant, zone),
            Err(_) => rfc3339.to_owned(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_ui_language_formats_as_its_domain_language() {
        // The formats themselves are tested in tilaus_domain::format; here, the mapping.
        let zone = jiff::tz::TimeZone::get("Europe/Helsinki").expect("zone");
        assert_eq!(Lang::Fi.money(123_450, "EUR"), "1\u{a0}234,50\u{a0}€");
        assert_eq!(
            Lang::Sv.datetime("2026-11-23T12:05:00Z", &zone),
            "2026-11-23 14:05"
        );
        assert_eq!(Lang::En.percent(1400), "14%");
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
            "minutes", "count", "number", "from", "to", "current", "allowed", "customer", "total",
            "reason", "tags", "lines", "hours", "days", "amount", "subject", "name", "time",
            "hash", "kind", "language",
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
