//! Languages an order, a customer or a shop can speak (ORD-19).

use crate::string_enum;

string_enum! {
    /// ISO 639-1 codes of the languages Tilaus writes documents and messages in.
    Language {
        Fi = "fi",
        Sv = "sv",
        En = "en",
        De = "de",
        Cs = "cs",
    }
}

impl Language {
    /// The order's language: what the order says, else the customer's, else the shop's.
    pub fn for_order(
        requested: Option<Language>,
        customer: Option<Language>,
        shop: Language,
    ) -> Language {
        requested.or(customer).unwrap_or(shop)
    }
}
