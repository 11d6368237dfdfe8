//! The machine-readable parts of the payment form, drawn as SVG so that they stay vector art in
//! the PDF: the Finnish bank barcode (Code 128, set C) and the EPC QR code.

use crate::PdfError;
use qrcode::{EcLevel, QrCode, render::svg};
use std::fmt::Write;
use tilaus_domain::bank::barcode::BankBarcode;

/// Width of the narrowest bar. Scanners read Finnish bank barcodes reliably from 0.25 mm up;
/// 0.3 mm keeps the 54-digit code (332 modules) with its quiet zones near 105 mm.
pub const MODULE_MM: f64 = 0.3;
/// Light margin on each side, in modules: Code 128 asks for at least ten.
const QUIET_ZONE: u32 = 10;
/// Bar height in modules: 15 mm, above the bank barcode guide's minimum of 13 mm.
pub const BAR_HEIGHT_MODULES: u32 = 50;

/// A drawn barcode and its printed width.
pub struct Barcode {
    pub svg: String,
    pub width_mm: f64,
}

/// Draws the bars of a 54-digit virtual barcode, quiet zones included, one SVG unit per module.
pub fn bank_barcode_svg(digits: &str) -> Result<Barcode, PdfError> {
    let widths = BankBarcode::parse(digits)?.code128().module_widths();
    let modules: u32 = widths.iter().map(|&w| u32::from(w)).sum();
    let total = modules + 2 * QUIET_ZONE;
    let height = BAR_HEIGHT_MODULES;
    let mut svg = format!(
        r##"<svg xmlns="http://www.w3.org/2000/svg" version="1.1" viewBox="0 0 {total} {height}" width="{total}" height="{height}" shape-rendering="crispEdges"><rect width="{total}" height="{height}" fill="#fff"/><path fill="#000" d=""##
    );
    let mut x = QUIET_ZONE;
    // Widths alternate bar, space, bar… starting with a bar.
    for (index, &width) in widths.iter().enumerate() {
        let width = u32::from(width);
        if index % 2 == 0 {
            // Writing to a String cannot fail.
            let _ = write!(svg, "M{x} 0h{width}v{height}h-{width} z");
        }
        x += width;
    }
    svg.push_str(r#""/></svg>"#);
    Ok(Barcode {
        svg,
        width_mm: f64::from(total) * MODULE_MM,
    })
}

/// Draws the EPC payload as a QR code with error correction level M (EPC069-12), with its
/// four-module quiet zone.
pub fn qr_svg(payload: &str) -> Result<String, PdfError> {
    let code = QrCode::with_error_correction_level(payload, EcLevel::M)
        .map_err(|error| PdfError::EpcQr(error.to_string()))?;
    Ok(code
        .render::<svg::Color>()
        .module_dimensions(1, 1)
        .quiet_zone(true)
        .build())
}

#[cfg(test)]
mod tests {
    use super::*;

    const DIGITS: &str = "449500094200287300012345600000000000000001234561261231";

    #[test]
    fn barcode_is_105_mm_wide_with_quiet_zones() {
        let barcode = bank_barcode_svg(DIGITS).expect("valid barcode");
        // Start, 27 digit pairs, check: 29 symbols of 11 modules, the stop of 13.
        assert_eq!(barcode.width_mm, f64::from(29 * 11 + 13 + 20) * MODULE_MM);
        // One path segment per bar: three bars per symbol, four in the stop pattern.
        assert_eq!(barcode.svg.matches('M').count(), 29 * 3 + 4);
    }

    #[test]
    fn rejects_what_is_not_a_virtual_barcode() {
        assert!(matches!(
            bank_barcode_svg("1234"),
            Err(PdfError::BankBarcode(_))
        ));
    }

    #[test]
    fn qr_fails_cleanly_when_the_payload_is_too_long() {
        assert!(qr_svg("BCD\n002").is_ok());
        assert!(matches!(qr_svg(&"x".repeat(3000)), Err(PdfError::EpcQr(_))));
    }
}
