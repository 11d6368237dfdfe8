//! Products: what a shop sells, and how a product fills in an order line that names only its sku.

use crate::language::Language;
use crate::money::{AmountError, MAX_AMOUNT, VatRate, div_round_half_away, within_limit};
use crate::order::{ProductKind, PurchaseProcess};
use std::collections::BTreeMap;

/// The longest sku a shop may use.
pub const MAX_SKU: usize = 100;

/// A product's names per language; at least one.
pub type ProductNames = BTreeMap<Language, String>;

/// A product as order lines see it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Product {
    pub product_id: uuid::Uuid,
    pub sku: String,
    pub names: ProductNames,
    pub kind: ProductKind,
    /// Minor units, gross when `prices_include_vat`, otherwise net.
    pub unit_price: i64,
    pub vat_rate: VatRate,
    pub prices_include_vat: bool,
    pub purchase_process: PurchaseProcess,
}

impl Product {
    /// The name in `language`, else in the shop's language, else the first one there is.
    pub fn name_for(&self, language: Language, shop_language: Language) -> &str {
        self.names
            .get(&language)
            .or_else(|| self.names.get(&shop_language))
            .or_else(|| self.names.values().next())
            .map_or(self.sku.as_str(), String::as_str)
    }

    /// The unit price in an order's price basis: converted between gross and net at the
    /// product's VAT rate, rounded half away from zero, when the bases differ.
    pub fn unit_price_in(&self, include_vat: bool) -> Result<i64, AmountError> {
        convert_price(
            self.unit_price,
            self.vat_rate,
            self.prices_include_vat,
            include_vat,
        )
    }
}

/// Converts a unit price between the gross and net bases.
pub fn convert_price(
    price: i64,
    rate: VatRate,
    from_gross: bool,
    to_gross: bool,
) -> Result<i64, AmountError> {
    let full = i128::from(VatRate::MAX_BASIS_POINTS);
    let with_vat = full + i128::from(rate.basis_points());
    let converted = match (from_gross, to_gross) {
        (true, false) => div_round_half_away(i128::from(price) * full, with_vat),
        (false, true) => div_round_half_away(i128::from(price) * with_vat, full),
        _ => i128::from(price),
    };
    within_limit(converted)
}

/// Checks a product's names: at least one, none empty or over-long.
pub fn validate_names(names: &BTreeMap<String, String>) -> Result<ProductNames, String> {
    if names.is_empty() {
        return Err("a product needs a name in at least one language".into());
    }
    names
        .iter()
        .map(|(code, name)| {
            let language = Language::parse(code)
                .ok_or_else(|| format!("'{code}' is not one of {}", Language::expected()))?;
            let name = crate::text::required(name, crate::text::MAX_SHORT)
                .map_err(|e| format!("the {code} name {e}"))?;
            Ok((language, name))
        })
        .collect()
}

/// Checks a product's unit price: not negative, within the amount limit.
pub fn validate_unit_price(price: i64) -> Result<i64, String> {
    if (0..=MAX_AMOUNT).contains(&price) {
        Ok(price)
    } else {
        Err(format!("must be between 0 and {MAX_AMOUNT} minor units"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn product(names: &[(Language, &str)]) -> Product {
        Product {
            product_id: uuid::Uuid::nil(),
            sku: "TEE-1".into(),
            names: names.iter().map(|(l, n)| (*l, (*n).to_owned())).collect(),
            kind: ProductKind::Goods,
            unit_price: 2490,
            vat_rate: VatRate::new(2550).expect("rate"),
            prices_include_vat: true,
            purchase_process: PurchaseProcess::PayNow,
        }
    }

    #[test]
    fn name_falls_back_to_shop_language_then_any() {
        let p = product(&[(Language::Fi, "T-paita"), (Language::En, "T-shirt")]);
        assert_eq!(p.name_for(Language::En, Language::Fi), "T-shirt");
        assert_eq!(p.name_for(Language::Sv, Language::Fi), "T-paita");
        let only_en = product(&[(Language::En, "T-shirt")]);
        assert_eq!(only_en.name_for(Language::Sv, Language::Fi), "T-shirt");
    }

    #[test]
    fn price_converts_between_gross_and_net() {
        let p = product(&[(Language::Fi, "T-paita")]);
        assert_eq!(p.unit_price_in(true), Ok(2490));
        // 24.90 / 1.255 = 19.840… → 19.84
        assert_eq!(p.unit_price_in(false), Ok(1984));
        let rate = VatRate::new(2550).expect("rate");
        assert_eq!(convert_price(1984, rate, false, true), Ok(2490));
    }

    #[test]
    fn names_need_a_known_language_and_text() {
        let mut names = BTreeMap::new();
        assert!(validate_names(&names).is_err());
        names.insert("xx".into(), "Thing".into());
        assert!(
            validate_names(&names)
                .expect_err("invalid")
                .contains("'xx'")
        );
        names.clear();
        names.insert("fi".into(), "  ".into());
        assert!(
            validate_names(&names)
                .expect_err("invalid")
                .contains("fi name")
        );
    }

    proptest! {
        /// Gross → net → gross comes back within one cent: the rounding never drifts further.
        #[test]
        fn gross_net_round_trip_is_within_a_cent(price in 0i64..=MAX_AMOUNT / 2, bp in 0i64..=10_000) {
            let rate = VatRate::new(bp).expect("rate");
            let net = convert_price(price, rate, true, false).expect("net");
            let back = convert_price(net, rate, false, true).expect("gross");
            prop_assert!((back - price).abs() <= 1, "{price} → {net} → {back}");
        }
    }
}
