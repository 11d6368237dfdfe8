//! Line totals and order totals: net, VAT per rate and gross.
//!
//! VAT is computed per rate over the whole order and rounded half away from zero once per rate,
//! never per line, so that the sum of the lines and the VAT breakdown always agree.

use crate::money::{AmountError, VatRate, div_round_half_away, within_limit};
use std::collections::BTreeMap;

/// The amounts of one VAT rate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct VatBreakdown {
    pub rate: VatRate,
    pub net: i64,
    pub vat: i64,
    pub gross: i64,
}

/// An order's totals in minor units.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Totals {
    pub net: i64,
    pub vat: i64,
    pub gross: i64,
    /// One entry per VAT rate used, lowest rate first.
    pub vat_breakdown: Vec<VatBreakdown>,
}

/// A line's total in the order's price basis (gross when prices include VAT, else net):
/// quantity × unit price − discount.
pub fn line_total(quantity: i64, unit_price: i64, discount: i64) -> Result<i64, AmountError> {
    within_limit(i128::from(quantity) * i128::from(unit_price) - i128::from(discount))
}

/// Totals of lines given as `(line total, VAT rate)` in the order's price basis.
pub fn totals(
    lines: impl IntoIterator<Item = (i64, VatRate)>,
    prices_include_vat: bool,
) -> Result<Totals, AmountError> {
    let mut per_rate: BTreeMap<VatRate, i128> = BTreeMap::new();
    for (amount, rate) in lines {
        *per_rate.entry(rate).or_default() += i128::from(amount);
    }
    let mut result = Totals::default();
    for (rate, sum) in per_rate {
        let breakdown = rate_amounts(rate, sum, prices_include_vat)?;
        result.net = within_limit(i128::from(result.net) + i128::from(breakdown.net))?;
        result.vat = within_limit(i128::from(result.vat) + i128::from(breakdown.vat))?;
        result.gross = within_limit(i128::from(result.gross) + i128::from(breakdown.gross))?;
        result.vat_breakdown.push(breakdown);
    }
    Ok(result)
}

fn rate_amounts(
    rate: VatRate,
    sum: i128,
    prices_include_vat: bool,
) -> Result<VatBreakdown, AmountError> {
    let bp = i128::from(rate.basis_points());
    let sum = i128::from(within_limit(sum)?);
    let (net, vat, gross) = if prices_include_vat {
        let vat = div_round_half_away(sum * bp, 10_000 + bp);
        (sum - vat, vat, sum)
    } else {
        let vat = div_round_half_away(sum * bp, 10_000);
        (sum, vat, sum + vat)
    };
    Ok(VatBreakdown {
        rate,
        net: within_limit(net)?,
        vat: within_limit(vat)?,
        gross: within_limit(gross)?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::money::MAX_AMOUNT;
    use proptest::prelude::*;

    fn rate(bp: i64) -> VatRate {
        VatRate::new(bp).expect("valid rate")
    }

    #[test]
    fn finnish_example_gross_prices() {
        // 2 × 24.90 € at 25.5 % and 1 × 10.00 € at 14 %.
        let lines = [
            (line_total(2, 2490, 0).expect("fits"), rate(2550)),
            (1000, rate(1400)),
        ];
        let t = totals(lines, true).expect("fits");
        assert_eq!(t.gross, 5980);
        // 4980 × 2550 / 12550 = 1011.87 → 1012; 1000 × 1400 / 11400 = 122.8 → 123
        assert_eq!(
            t.vat_breakdown[0],
            VatBreakdown {
                rate: rate(1400),
                net: 877,
                vat: 123,
                gross: 1000
            }
        );
        assert_eq!(
            t.vat_breakdown[1],
            VatBreakdown {
                rate: rate(2550),
                net: 3968,
                vat: 1012,
                gross: 4980
            }
        );
        assert_eq!((t.net, t.vat), (4845, 1135));
    }

    #[test]
    fn net_prices_add_vat_rounded_once_per_rate() {
        // Three lines of 0.05 € net at 25.5 %: per line the VAT would round to 0.01 each (0.03);
        // once per rate it is 0.15 × 25.5 % = 0.03825 → 0.04.
        let t = totals([(5, rate(2550)), (5, rate(2550)), (5, rate(2550))], false).expect("fits");
        assert_eq!((t.net, t.vat, t.gross), (15, 4, 19));
    }

    #[test]
    fn overflow_is_refused_not_wrapped() {
        assert_eq!(line_total(i64::MAX, 2, 0), Err(AmountError));
        assert_eq!(
            totals([(MAX_AMOUNT, rate(0)), (MAX_AMOUNT, rate(10))], true),
            Err(AmountError)
        );
    }

    fn any_line() -> impl Strategy<Value = (i64, i64, i64, i64)> {
        (
            1..1_000_i64,
            -1_000_000_i64..100_000_000,
            0..10_000_i64,
            prop_oneof![
                Just(0_i64),
                Just(1000),
                Just(1400),
                Just(2550),
                0..10_000_i64
            ],
        )
    }

    proptest! {
        #[test]
        fn totals_are_consistent_for_any_lines(
            lines in proptest::collection::vec(any_line(), 0..60),
            gross_entered in any::<bool>(),
        ) {
            let priced: Vec<(i64, VatRate)> = lines
                .iter()
                .map(|&(q, p, d, bp)| (line_total(q, p, d).expect("small values fit"), rate(bp)))
                .collect();
            let t = totals(priced.iter().copied(), gross_entered).expect("small values fit");
            prop_assert_eq!(t.net + t.vat, t.gross);
            prop_assert_eq!(t.vat_breakdown.iter().map(|b| b.net).sum::<i64>(), t.net);
            prop_assert_eq!(t.vat_breakdown.iter().map(|b| b.vat).sum::<i64>(), t.vat);
            prop_assert_eq!(t.vat_breakdown.iter().map(|b| b.gross).sum::<i64>(), t.gross);
            for b in &t.vat_breakdown {
                prop_assert_eq!(b.net + b.vat, b.gross);
                let entered: i64 = priced.iter().filter(|(_, r)| *r == b.rate).map(|(a, _)| a).sum();
                // The entered basis is kept exactly; VAT is within half a cent of the exact value.
                prop_assert_eq!(if gross_entered { b.gross } else { b.net }, entered);
                let exact = f64::from(b.rate.basis_points()) / 10_000.0 * b.net as f64;
                prop_assert!((b.vat as f64 - exact).abs() <= 0.5 + exact.abs() * 1e-4 + 1.0,
                    "vat {} too far from {}", b.vat, exact);
            }
        }

        #[test]
        fn no_input_panics(q in any::<i64>(), p in any::<i64>(), d in any::<i64>(), bp in 0..=10_000_i64, gross in any::<bool>()) {
            if let Ok(total) = line_total(q, p, d) {
                let _ = totals([(total, rate(bp)), (total, rate(bp))], gross);
            }
        }
    }
}
