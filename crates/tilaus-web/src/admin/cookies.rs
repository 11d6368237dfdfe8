//! The admin UI's cookies: reading the Cookie header and writing Set-Cookie values.

use axum::http::{HeaderMap, HeaderValue, header};

/// The session token (HttpOnly, SameSite=Lax, Secure over https).
pub const SESSION: &str = "tilaus_session";
/// The login form's CSRF token before a session exists (double submit).
pub const PRELOGIN: &str = "tilaus_prelogin";
/// The chosen UI language.
pub const LANGUAGE: &str = "tilaus_lang";

pub struct Cookies(Vec<(String, String)>);

impl Cookies {
    pub fn parse(headers: &HeaderMap) -> Self {
        let pairs = headers
            .get_all(header::COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(';'))
            .filter_map(|pair| {
                let (name, value) = pair.split_once('=')?;
                Some((name.trim().to_owned(), value.trim().to_owned()))
            })
            .collect();
        Cookies(pairs)
    }

    pub fn get(&self, name: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(n, v)| n == name && !v.is_empty())
            .map(|(_, v)| v.as_str())
    }
}

/// A Set-Cookie value scoped to the admin UI. `max_age` 0 removes the cookie.
pub fn set(name: &str, value: &str, max_age: i64, secure: bool, same_site: &str) -> HeaderValue {
    let text = format!(
        "{name}={value}; Path=/admin; Max-Age={max_age}; HttpOnly; SameSite={same_site}{}",
        if secure { "; Secure" } else { "" }
    );
    // Values are our own URL-safe tokens and language codes.
    HeaderValue::from_str(&text).unwrap_or_else(|_| HeaderValue::from_static(""))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cookies_are_read_by_name_and_written_with_their_attributes() {
        let mut headers = HeaderMap::new();
        headers.insert(
            header::COOKIE,
            HeaderValue::from_static("a=1; tilaus_session=abc ; empty="),
        );
        let cookies = Cookies::parse(&headers);
        assert_eq!(cookies.get(SESSION), Some("abc"));
        assert_eq!(cookies.get("empty"), None);
        assert_eq!(
            set(SESSION, "x", 60, true, "Lax"),
            "tilaus_session=x; Path=/admin; Max-Age=60; HttpOnly; SameSite=Lax; Secure"
        );
    }
}
