//! Why a document's 0 % lines carry no VAT, for the wording an invoice must print (AVL 209 e §,
//! item 11: the reason for an exemption or a reverse charge, with the law it rests on).
//!
//! The reason follows from the buyer and the lines: a business with a VAT number of another EU
//! country buys goods VAT-free (intra-Community supply) and accounts for the VAT of services
//! itself (reverse charge); goods to an address outside the EU are exports; services to a
//! business outside the EU are sold outside Finland. A 0 % line sold at home has a reason only
//! the merchant knows (healthcare, education, …), so none is guessed.

use super::{Buyer, DocumentLine};
use crate::customer::CustomerKind;
use crate::order::ProductKind;
use crate::string_enum;

string_enum! {
    /// Why 0 % lines are VAT-free.
    ZeroRateReason {
        /// Goods to a business registered for VAT in another EU country (AVL 72 a §,
        /// VAT Directive art. 138).
        IntraCommunitySupply = "intra_community_supply",
        /// Services to a business in another EU country: the buyer pays the VAT (AVL 65 §,
        /// VAT Directive art. 196), and the invoice must say "reverse charge".
        ReverseCharge = "reverse_charge",
        /// Goods delivered outside the EU (AVL 70 §).
        Export = "export",
        /// Services to a business outside the EU: sold outside Finland (AVL 65 §).
        SupplyOutsideFinland = "supply_outside_finland",
    }
}

/// The EU member states by the country code their VAT numbers start with (Greece: `EL`).
const EU_VAT_PREFIXES: [&str; 27] = [
    "AT", "BE", "BG", "CY", "CZ", "DE", "DK", "EE", "EL", "ES", "FI", "FR", "HR", "HU", "IE", "IT",
    "LT", "LU", "LV", "MT", "NL", "PL", "PT", "RO", "SE", "SI", "SK",
];

fn in_eu(country: &str) -> bool {
    let country = if country == "GR" { "EL" } else { country };
    EU_VAT_PREFIXES.contains(&country)
}

/// Where the buyer is, as far as VAT is concerned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum BuyerPlace {
    Finland,
    /// A business with a VAT number of another EU country.
    OtherEuBusiness,
    OutsideEu,
    /// A consumer elsewhere in the EU, or nowhere known.
    Unknown,
}

fn place(buyer: &Buyer) -> BuyerPlace {
    let upper = |code: &str| {
        code.trim()
            .get(..2)
            .unwrap_or_default()
            .to_ascii_uppercase()
    };
    let vat_country = buyer.vat_id.as_deref().map(upper);
    if let (CustomerKind::Organisation, Some(country)) = (buyer.kind, vat_country.as_deref()) {
        if country == "FI" {
            return BuyerPlace::Finland;
        }
        if in_eu(country) {
            return BuyerPlace::OtherEuBusiness;
        }
    }
    let address_country = buyer.address.as_ref().and_then(|a| a.country.as_deref());
    match address_country.map(upper).as_deref() {
        Some("FI") => BuyerPlace::Finland,
        Some(country) if !country.is_empty() && !in_eu(country) => BuyerPlace::OutsideEu,
        _ => BuyerPlace::Unknown,
    }
}

/// The reasons the document's 0 % lines are VAT-free, each once, goods before services.
pub fn zero_rate_reasons(buyer: &Buyer, lines: &[DocumentLine]) -> Vec<ZeroRateReason> {
    let zero_rated = |kind: ProductKind| {
        lines
            .iter()
            .any(|l| l.kind == kind && l.quantity != 0 && l.vat_rate.basis_points() == 0)
    };
    let business = buyer.kind == CustomerKind::Organisation;
    let (goods, services) = (
        zero_rated(ProductKind::Goods),
        zero_rated(ProductKind::Service),
    );
    let (for_goods, for_services) = match place(buyer) {
        BuyerPlace::OtherEuBusiness => (
            Some(ZeroRateReason::IntraCommunitySupply),
            Some(ZeroRateReason::ReverseCharge),
        ),
        BuyerPlace::OutsideEu => (
            Some(ZeroRateReason::Export),
            business.then_some(ZeroRateReason::SupplyOutsideFinland),
        ),
        BuyerPlace::Finland | BuyerPlace::Unknown => (None, None),
    };
    [
        for_goods.filter(|_| goods),
        for_services.filter(|_| services),
    ]
    .into_iter()
    .flatten()
    .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::customer::Address;
    use crate::money::VatRate;

    fn buyer(kind: CustomerKind, vat_id: Option<&str>, country: Option<&str>) -> Buyer {
        Buyer {
            kind,
            name: "Buyer".into(),
            business_id: None,
            vat_id: vat_id.map(Into::into),
            contact_person: None,
            email: None,
            address: country.map(|c| Address {
                country: Some(c.into()),
                ..Address::default()
            }),
        }
    }

    fn line(kind: ProductKind, rate: i64) -> DocumentLine {
        DocumentLine {
            position: 1,
            sku: None,
            name: "Thing".into(),
            kind,
            quantity: 1,
            unit_price: 10_000,
            unit_price_net: 10_000,
            discount: 0,
            vat_rate: VatRate::new(rate).expect("rate"),
            total: 10_000,
        }
    }

    use CustomerKind::{Consumer, Organisation};
    use ProductKind::{Goods, Service};
    use ZeroRateReason::*;

    #[test]
    fn an_eu_business_gets_goods_tax_free_and_pays_the_vat_of_services_itself() {
        let swede = buyer(Organisation, Some("SE556677889901"), Some("SE"));
        let lines = [line(Service, 0), line(Goods, 0)];
        assert_eq!(
            zero_rate_reasons(&swede, &lines),
            [IntraCommunitySupply, ReverseCharge]
        );
        let greek = buyer(Organisation, Some("el123456789"), None);
        assert_eq!(
            zero_rate_reasons(&greek, &[line(Service, 0)]),
            [ReverseCharge]
        );
    }

    #[test]
    fn goods_leaving_the_eu_are_exports_and_services_there_are_sold_abroad() {
        let norway = buyer(Organisation, None, Some("NO"));
        assert_eq!(
            zero_rate_reasons(&norway, &[line(Goods, 0), line(Service, 0)]),
            [Export, SupplyOutsideFinland]
        );
        let tourist = buyer(Consumer, None, Some("us"));
        assert_eq!(zero_rate_reasons(&tourist, &[line(Goods, 0)]), [Export]);
        assert!(zero_rate_reasons(&tourist, &[line(Service, 0)]).is_empty());
    }

    #[test]
    fn vat_charged_or_sold_at_home_needs_no_wording() {
        let swede = buyer(Organisation, Some("SE556677889901"), Some("SE"));
        assert!(zero_rate_reasons(&swede, &[line(Service, 2550)]).is_empty());
        let finn = buyer(Organisation, Some("FI01120389"), Some("FI"));
        assert!(zero_rate_reasons(&finn, &[line(Service, 0)]).is_empty());
        let home = buyer(Consumer, None, Some("FI"));
        assert!(zero_rate_reasons(&home, &[line(Goods, 0)]).is_empty());
        let nowhere = buyer(Consumer, None, None);
        assert!(zero_rate_reasons(&nowhere, &[line(Goods, 0)]).is_empty());
        let german_consumer = buyer(Consumer, None, Some("DE"));
        assert!(zero_rate_reasons(&german_consumer, &[line(Goods, 0)]).is_empty());
    }
}
