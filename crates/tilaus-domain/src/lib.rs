//! Pure business rules of Tilaus.
//!
//! Nothing in this crate performs I/O, awaits, or knows about databases or HTTP. Every rule about
//! money, VAT, order states and input shapes lives here so that the API, the admin UI and the CLI
//! all obey the same rules, and so that the rules can be property-tested in microseconds.

pub mod access;
pub mod bank;
pub mod brand;
pub mod confirmation;
pub mod customer;
pub mod delivery;
pub mod document;
pub mod dunning;
pub mod event;
pub mod export_schedule;
pub mod format;
pub mod highlight;
pub mod job;
pub mod language;
pub mod message;
pub mod money;
pub mod order;
pub mod payment;
pub mod payment_methods;
pub mod product;
pub mod reference;
pub mod rules;
pub mod sms;
pub mod text;
pub mod validation;

/// Declares a closed set of names that are stored and sent as lower-case snake_case strings.
///
/// One place for the `as_str`/`parse` pair keeps the database, the JSON API and the CLI agreeing
/// on every spelling.
macro_rules! string_enum {
    ($(#[$meta:meta])* $name:ident { $($(#[$vmeta:meta])* $variant:ident = $text:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize)]
        pub enum $name { $($(#[$vmeta])* #[serde(rename = $text)] $variant),+ }

        impl $name {
            /// Every value, in declaration order.
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// The stored and wire spelling.
            pub const fn as_str(self) -> &'static str {
                match self { $($name::$variant => $text),+ }
            }

            /// Parses the stored and wire spelling; `None` for anything else.
            pub fn parse(text: &str) -> Option<Self> {
                match text { $($text => Some($name::$variant),)+ _ => None }
            }

            /// The accepted spellings joined for error messages.
            pub fn expected() -> String {
                [$($text),+].join(", ")
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}
pub(crate) use string_enum;
