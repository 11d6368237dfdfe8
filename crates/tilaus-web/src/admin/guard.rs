//! The one gate every admin request passes: it resolves the session and the language, checks
//! Origin and the CSRF token of every state-changing request, and adds the security headers to
//! every response.

use super::cookies::{self, Cookies};
use super::i18n::Lang;
use super::render;
use crate::admin::{AdminConfig, AdminState};
use axum::body::Body;
use axum::extract::{ConnectInfo, FromRequestParts, Request, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use tilaus_app::session::{AdminSession, tokens_match};
use tilaus_app::{App, Principal};

/// The largest admin form accepted.
/// Large enough for a 100 KB logo as base64 (the brand page posts it in its form).
const MAX_FORM: usize = 256 * 1024;

/// What the gate learned about a request, for the handlers.
#[derive(Clone)]
pub(crate) struct Ctx {
    pub lang: Lang,
    pub session: Option<Arc<AdminSession>>,
    /// The session token from the cookie (only set while the session is valid).
    pub token: Option<String>,
    /// Whether cookies get the Secure attribute (the request came over https).
    pub secure: bool,
    pub client: Option<IpAddr>,
    /// The pre-login CSRF token from its cookie, if any (the login form's double submit).
    pub prelogin: Option<String>,
}

pub(crate) async fn gate(
    State(state): State<AdminState>,
    mut request: Request,
    next: Next,
) -> Response {
    let mut response = match prepare(&state, &mut request).await {
        Ok(()) => next.run(request).await,
        Err(refusal) => refusal,
    };
    security_headers(response.headers_mut());
    response
}

async fn prepare(state: &AdminState, request: &mut Request) -> Result<(), Response> {
    let headers = request.headers();
    let cookies = Cookies::parse(headers);
    let lang = cookies
        .get(cookies::LANGUAGE)
        .and_then(Lang::parse)
        .or_else(|| {
            headers
                .get(header::ACCEPT_LANGUAGE)
                .and_then(|v| v.to_str().ok())
                .and_then(Lang::from_accept_language)
        })
        .unwrap_or_default();
    let secure = is_https(headers, state.config);
    let client = client_address(request, state.config.trust_proxy);
    let mut ctx = Ctx {
        lang,
        session: None,
        token: None,
        secure,
        client,
        prelogin: cookies.get(cookies::PRELOGIN).map(str::to_owned),
    };
    // Static files need no session (and no database round trip).
    let is_static = request.uri().path().starts_with("/admin/static/");
    if let Some(token) = cookies.get(cookies::SESSION).filter(|_| !is_static) {
        match state.app.resume_session(token).await {
            Ok(Some(session)) => {
                // The language the user chose once follows them to every browser.
                if let Some(chosen) = session.ui_language.as_deref().and_then(Lang::parse) {
                    ctx.lang = chosen;
                }
                ctx.session = Some(Arc::new(session));
                ctx.token = Some(token.to_owned());
            }
            Ok(None) => {}
            Err(error) => return Err(render::app_error(&ctx, error)),
        }
    }
    if !matches!(*request.method(), Method::GET | Method::HEAD) {
        if !same_origin(request.headers(), secure) {
            tracing::warn!("admin request refused: cross-origin or without Origin");
            return Err(render::message(
                &ctx,
                StatusCode::FORBIDDEN,
                "error-csrf-title",
                &lang.t("error-csrf"),
            ));
        }
        let body = std::mem::take(request.body_mut());
        let bytes = axum::body::to_bytes(body, MAX_FORM).await.map_err(|_| {
            render::message(
                &ctx,
                StatusCode::PAYLOAD_TOO_LARGE,
                "error-title",
                &lang.t("error-too-large"),
            )
        })?;
        let presented = form_urlencoded::parse(&bytes)
            .find(|(name, _)| name == "csrf")
            .map(|(_, value)| value.into_owned())
            .unwrap_or_default();
        let expected = ctx
            .session
            .as_ref()
            .map(|s| s.csrf_token.as_str())
            .into_iter()
            .chain(ctx.prelogin.as_deref());
        let valid = !presented.is_empty()
            && expected
                .into_iter()
                .any(|token| tokens_match(token, &presented));
        if !valid {
            tracing::warn!("admin request refused: missing or wrong CSRF token");
            return Err(render::message(
                &ctx,
                StatusCode::FORBIDDEN,
                "error-csrf-title",
                &lang.t("error-csrf"),
            ));
        }
        *request.body_mut() = Body::from(bytes);
    }
    request.extensions_mut().insert(ctx);
    Ok(())
}

/// Whether the request came over https: always behind a TLS proxy configured so, else as the
/// proxy's X-Forwarded-Proto says.
pub(crate) fn is_https(headers: &HeaderMap, config: AdminConfig) -> bool {
    config.secure_cookies
        || headers
            .get("x-forwarded-proto")
            .and_then(|v| v.to_str().ok())
            .is_some_and(|p| p.trim().eq_ignore_ascii_case("https"))
}

/// The client's address: the TCP peer, or the last hop a trusted proxy recorded.
pub(crate) fn client_address(request: &Request, trust_proxy: bool) -> Option<IpAddr> {
    if trust_proxy
        && let Some(ip) = request
            .headers()
            .get("x-forwarded-for")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.rsplit(',').next())
            .and_then(|v| v.trim().parse().ok())
    {
        return Some(ip);
    }
    request
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0.ip())
}

/// Whether a state-changing request comes from our own pages: its Origin (or, lacking one, its
/// Referer) must name this host. Requests with neither are refused.
pub(crate) fn same_origin(headers: &HeaderMap, secure: bool) -> bool {
    let Some(host) = headers.get(header::HOST).and_then(|v| v.to_str().ok()) else {
        return false;
    };
    let scheme = if secure { "https" } else { "http" };
    let expected = format!("{scheme}://{host}");
    if let Some(origin) = headers.get(header::ORIGIN) {
        return origin.to_str().is_ok_and(|o| o == expected);
    }
    headers
        .get(header::REFERER)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|r| {
            r.strip_prefix(&expected)
                .is_some_and(|rest| rest.is_empty() || rest.starts_with('/'))
        })
}

/// No inline script, no framing, no sniffing, no referrers to other sites, no caching of pages
/// that show a shop's data. A response that sets its own policy keeps it: only the message
/// preview does, to show a mail's inline styles in a sandboxed frame of the editor.
const CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
    form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'";

fn security_headers(headers: &mut HeaderMap) {
    headers
        .entry(header::CONTENT_SECURITY_POLICY)
        .or_insert(HeaderValue::from_static(CSP));
    headers
        .entry(header::X_FRAME_OPTIONS)
        .or_insert(HeaderValue::from_static("DENY"));
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("same-origin"),
    );
    headers
        .entry(header::CACHE_CONTROL)
        .or_insert(HeaderValue::from_static("no-store"));
}

impl<S: Send + Sync> FromRequestParts<S> for Ctx {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        parts
            .extensions
            .get::<Ctx>()
            .cloned()
            .ok_or_else(|| StatusCode::INTERNAL_SERVER_ERROR.into_response())
    }
}

/// A signed-in user working in a chosen shop. Without a session the request goes to the login
/// page; without a chosen shop, to the shop picker.
pub(crate) struct Staff {
    pub ctx: Ctx,
    pub session: Arc<AdminSession>,
    pub principal: Principal,
}

impl FromRequestParts<App> for Staff {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, app: &App) -> Result<Self, Self::Rejection> {
        let ctx = Ctx::from_request_parts(parts, app).await?;
        let Some(session) = ctx.session.clone() else {
            return Err(Redirect::to("/admin/login").into_response());
        };
        let Some(principal) = session.principal().cloned() else {
            return Err(Redirect::to("/admin/shops").into_response());
        };
        Ok(Staff {
            ctx,
            session,
            principal,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            map.insert(*name, HeaderValue::from_static(value));
        }
        map
    }

    #[test]
    fn only_our_own_origin_may_post() {
        let ours = headers(&[("host", "shop.example"), ("origin", "http://shop.example")]);
        assert!(same_origin(&ours, false));
        assert!(!same_origin(&ours, true));
        let theirs = headers(&[("host", "shop.example"), ("origin", "http://evil.example")]);
        assert!(!same_origin(&theirs, false));
        let null = headers(&[("host", "shop.example"), ("origin", "null")]);
        assert!(!same_origin(&null, false));
        let referer = headers(&[
            ("host", "shop.example"),
            ("referer", "https://shop.example/admin/orders"),
        ]);
        assert!(same_origin(&referer, true));
        let lookalike = headers(&[
            ("host", "shop.example"),
            ("referer", "https://shop.example.evil/admin"),
        ]);
        assert!(!same_origin(&lookalike, true));
        assert!(!same_origin(&headers(&[("host", "shop.example")]), false));
    }
}
