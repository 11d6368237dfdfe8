//! Small text rules shared by every input: trimming, length limits, search keys.

/// The longest name, e-mail address or similar single-line field we keep.
pub const MAX_SHORT: usize = 200;
/// The longest free text (an internal note).
pub const MAX_LONG: usize = 10_000;

/// Trims and refuses empty or over-long text.
pub fn required(value: &str, max: usize) -> Result<String, String> {
    match optional(Some(value), max)? {
        Some(text) => Ok(text),
        None => Err("must not be empty".into()),
    }
}

/// Trims; empty becomes `None`; over-long text is refused.
pub fn optional(value: Option<&str>, max: usize) -> Result<Option<String>, String> {
    let Some(text) = value.map(str::trim).filter(|t| !t.is_empty()) else {
        return Ok(None);
    };
    if text.chars().count() > max {
        return Err(format!("must be at most {max} characters"));
    }
    if text
        .chars()
        .any(|c| c.is_control() && c != '\n' && c != '\t')
    {
        return Err("must not contain control characters".into());
    }
    Ok(Some(text.to_owned()))
}

/// The lower-case form used for case-insensitive search and matching.
pub fn fold(value: &str) -> String {
    value.trim().to_lowercase()
}
