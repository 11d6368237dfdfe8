//! Code 128 (ISO/IEC 15417) in character set C, the symbology of the Finnish bank barcode.
//!
//! The result is symbol values and bar/space widths, so that the PDF renderer can draw the bars
//! without knowing Code 128: start with a bar, alternate bar and space, one unit = one module.
//! The printer adds the quiet zones (at least ten modules on each side).

/// Start symbol of character set C.
const START_C: u8 = 105;
/// Stop symbol; its pattern includes the final two-module bar.
const STOP: u8 = 106;

/// Bar/space widths of symbol values 0–106 (ISO/IEC 15417 table). Every symbol is 11 modules;
/// the stop pattern is 13.
const PATTERNS: [&[u8]; 107] = [
    b"212222", b"222122", b"222221", b"121223", b"121322", b"131222", b"122213", b"122312",
    b"132212", b"221213", b"221312", b"231212", b"112232", b"122132", b"122231", b"113222",
    b"123122", b"123221", b"223211", b"221132", b"221231", b"213212", b"223112", b"312131",
    b"311222", b"321122", b"321221", b"312212", b"322112", b"322211", b"212123", b"212321",
    b"232121", b"111323", b"131123", b"131321", b"112313", b"132113", b"132311", b"211313",
    b"231113", b"231311", b"112133", b"112331", b"132131", b"113123", b"113321", b"133121",
    b"313121", b"211331", b"231131", b"213113", b"213311", b"213131", b"311123", b"311321",
    b"331121", b"312113", b"312311", b"332111", b"314111", b"221411", b"431111", b"111224",
    b"111422", b"121124", b"121421", b"141122", b"141221", b"112214", b"112412", b"122114",
    b"122411", b"142112", b"142211", b"241211", b"221114", b"413111", b"241112", b"134111",
    b"111242", b"121142", b"121241", b"114212", b"124112", b"124211", b"411212", b"421112",
    b"421211", b"212141", b"214121", b"412121", b"111143", b"111341", b"131141", b"114113",
    b"114311", b"411113", b"411311", b"113141", b"114131", b"311141", b"411131", b"211412",
    b"211214", b"211232", b"2331112",
];

/// Why digits cannot be encoded in character set C.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("Code 128 set C encodes a non-empty, even number of digits")]
pub struct Code128Error;

/// A complete Code 128 symbol: start C, the digit pairs, the modulo 103 check symbol, stop.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Code128 {
    symbols: Vec<u8>,
}

impl Code128 {
    /// Encodes digits two by two in character set C.
    pub fn set_c(digits: &str) -> Result<Self, Code128Error> {
        let bytes = digits.as_bytes();
        if bytes.is_empty()
            || !bytes.len().is_multiple_of(2)
            || !bytes.iter().all(u8::is_ascii_digit)
        {
            return Err(Code128Error);
        }
        Ok(Self::from_ascii_digits(bytes))
    }

    /// Encodes digits already known to be ASCII and of even length.
    pub(super) fn from_ascii_digits(digits: &[u8]) -> Self {
        Self::from_pairs(digits.chunks(2).map(|pair| {
            let digit = |b: u8| b.saturating_sub(b'0');
            digit(pair[0]) * 10 + pair.get(1).copied().map_or(0, digit)
        }))
    }

    /// Wraps data symbols (each 0–99) in start, check and stop symbols.
    fn from_pairs(pairs: impl Iterator<Item = u8>) -> Self {
        let mut symbols = vec![START_C];
        symbols.extend(pairs);
        // Check symbol: start value plus each data value times its position, modulo 103.
        let weighted: u32 = symbols
            .iter()
            .enumerate()
            .map(|(position, &value)| position.max(1) as u32 * u32::from(value))
            .sum();
        symbols.push((weighted % 103) as u8);
        symbols.push(STOP);
        Self { symbols }
    }

    /// Symbol values from start to stop, e.g. `[105, 12, 34, 82, 106]` for `1234`.
    pub fn symbols(&self) -> &[u8] {
        &self.symbols
    }

    /// Widths in modules, bar first and alternating bar/space, ending with the stop pattern's
    /// final bar. The total is 11 × (symbols − 1) + 13 modules.
    pub fn module_widths(&self) -> Vec<u8> {
        self.symbols
            .iter()
            .flat_map(|&symbol| PATTERNS[usize::from(symbol)].iter().map(|w| w - b'0'))
            .collect()
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use proptest::prelude::*;

    /// Reads widths back into digits, verifying the start, check and stop symbols: the inverse a
    /// barcode scanner performs.
    pub(crate) fn scan(widths: &[u8]) -> Option<String> {
        let stop = PATTERNS[usize::from(STOP)];
        let (body, tail) = widths.split_at(widths.len().checked_sub(stop.len())?);
        if tail.iter().zip(stop.iter()).any(|(w, p)| *w != p - b'0')
            || !body.len().is_multiple_of(6)
        {
            return None;
        }
        let values: Vec<u8> = body
            .chunks(6)
            .map(|chunk| {
                PATTERNS
                    .iter()
                    .position(|p| p.len() == 6 && p.iter().zip(chunk).all(|(p, w)| p - b'0' == *w))
                    .map(|v| v as u8)
            })
            .collect::<Option<_>>()?;
        let (&start, rest) = values.split_first()?;
        let (&check, data) = rest.split_last()?;
        if start != START_C
            || Code128::from_pairs(data.iter().copied()).symbols[data.len() + 1] != check
        {
            return None;
        }
        Some(data.iter().map(|v| format!("{v:02}")).collect())
    }

    #[test]
    fn table_is_well_formed() {
        let mut seen = std::collections::HashSet::new();
        for (value, pattern) in PATTERNS.iter().enumerate() {
            let widths: Vec<u32> = pattern.iter().map(|w| u32::from(w - b'0')).collect();
            let expected = if value == usize::from(STOP) { 13 } else { 11 };
            assert_eq!(widths.iter().sum::<u32>(), expected, "symbol {value}");
            // Bars of every Code 128 symbol add up to an even number of modules.
            let bars: u32 = widths.iter().step_by(2).sum();
            assert_eq!(bars % 2, 0, "symbol {value}");
            assert!(seen.insert(&pattern[..6]), "symbol {value} repeats");
        }
    }

    #[test]
    fn encodes_with_check_symbol() {
        // 105 + 1×12 + 2×34 = 185; 185 mod 103 = 82.
        let code = Code128::set_c("1234").expect("valid");
        assert_eq!(code.symbols(), &[105, 12, 34, 82, 106]);
        assert_eq!(
            code.module_widths()
                .iter()
                .map(|w| u32::from(*w))
                .sum::<u32>(),
            4 * 11 + 13
        );
        assert_eq!(&code.module_widths()[..6], &[2, 1, 1, 2, 3, 2]);
        assert_eq!(
            &code.module_widths()[code.module_widths().len() - 7..],
            &[2, 3, 3, 1, 1, 1, 2]
        );
    }

    #[test]
    fn refuses_what_set_c_cannot_hold() {
        for bad in ["", "1", "123", "12a4", "１２"] {
            assert_eq!(Code128::set_c(bad), Err(Code128Error), "{bad:?}");
        }
    }

    proptest! {
        #[test]
        fn scanning_returns_the_digits(digits in "([0-9]{2}){1,40}") {
            let code = Code128::set_c(&digits).expect("valid");
            prop_assert_eq!(scan(&code.module_widths()), Some(digits));
        }
    }
}
