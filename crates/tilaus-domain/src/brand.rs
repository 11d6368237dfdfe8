//! A shop's look (ORD-6, NTF-4, documents): its accent colour and logo, on its documents, its
//! mail and the pages its customers pay and confirm on.

use crate::string_enum;

/// The accent of a shop that has not chosen one: a calm blue that passes WCAG AA with white text.
pub const DEFAULT_ACCENT: &str = "#1f5fbf";

/// The largest logo kept: plenty for a crisp header, small enough to travel in every mail.
pub const MAX_LOGO_BYTES: usize = 100 * 1024;

/// A `#rrggbb` colour, lower case.
pub fn accent_colour(text: &str) -> Result<String, String> {
    let text = text.trim();
    let hex = text.strip_prefix('#').unwrap_or_default();
    if hex.len() == 6 && hex.bytes().all(|b| b.is_ascii_hexdigit()) {
        Ok(text.to_ascii_lowercase())
    } else {
        Err("give a colour as #rrggbb, e.g. #1f5fbf".into())
    }
}

string_enum! {
    /// The logo formats documents, mail and pages all show.
    LogoFormat {
        Png = "png",
        Svg = "svg",
    }
}

impl LogoFormat {
    pub fn content_type(self) -> &'static str {
        match self {
            LogoFormat::Png => "image/png",
            LogoFormat::Svg => "image/svg+xml",
        }
    }

    /// What the bytes are, by their content (not by what the uploader said): a PNG by its
    /// signature, an SVG by its root element.
    pub fn sniff(bytes: &[u8]) -> Result<LogoFormat, String> {
        if bytes.is_empty() {
            return Err("the logo is empty".into());
        }
        if bytes.len() > MAX_LOGO_BYTES {
            return Err(format!(
                "the logo is larger than {} KB",
                MAX_LOGO_BYTES / 1024
            ));
        }
        if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
            return Ok(LogoFormat::Png);
        }
        let text = std::str::from_utf8(bytes).map_err(|_| "give a PNG or SVG image")?;
        let start = text.trim_start_matches('\u{feff}').trim_start();
        let is_svg =
            (start.starts_with("<svg") || start.starts_with("<?xml")) && text.contains("<svg");
        if is_svg {
            Ok(LogoFormat::Svg)
        } else {
            Err("give a PNG or SVG image".into())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn colours_are_six_hex_digits() {
        assert_eq!(accent_colour(" #1F5FBF "), Ok("#1f5fbf".into()));
        for bad in ["1f5fbf", "#1f5fb", "#1f5fbfa", "#gggggg", "red", ""] {
            assert!(accent_colour(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn logos_are_known_by_their_bytes() {
        assert_eq!(
            LogoFormat::sniff(b"\x89PNG\r\n\x1a\n rest"),
            Ok(LogoFormat::Png)
        );
        assert_eq!(
            LogoFormat::sniff(
                b"<?xml version=\"1.0\"?>\n<svg xmlns=\"http://www.w3.org/2000/svg\"/>"
            ),
            Ok(LogoFormat::Svg)
        );
        assert_eq!(LogoFormat::sniff(b"  <svg/>"), Ok(LogoFormat::Svg));
        for bad in [
            &b""[..],
            b"GIF89a",
            b"<html><svg/></html>",
            b"\xff\xd8\xff jpeg",
        ] {
            assert!(LogoFormat::sniff(bad).is_err());
        }
        assert!(LogoFormat::sniff(&vec![b' '; MAX_LOGO_BYTES + 1]).is_err());
    }
}
