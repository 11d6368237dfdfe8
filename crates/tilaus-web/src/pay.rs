//! The public payment pages under `/pay/{token}` (ORD-6): no admin session, the token is the
//! customer's authority. Plain HTML without scripts, in the order's language, with their own
//! strict headers (the token is in the URL: no referrer, no caching).

use crate::admin::i18n::Lang;
use crate::api::pairs;
use askama::Template;
use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use tilaus_app::paylink::{
    AttemptNotice, CallbackRefused, LinkStatus, PayChoice, PayPage, PayProvider, StartedPayment,
    StripeReturn,
};
use tilaus_app::{App, AppError};

/// The form posts to us and is redirected to the provider's pay page, which `form-action`
/// must allow too (browsers check redirects of a form submission).
fn csp(provider_origins: &str) -> String {
    format!(
        "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self' {provider_origins}; \
         frame-ancestors 'none'; base-uri 'none'"
    )
}

pub fn routes() -> Router<App> {
    Router::new()
        .route("/pay/static/pay.css", get(css))
        .route("/pay/{token}", get(show).post(start))
        .route("/pay/{token}/return", get(back))
        .route("/pay/{token}/stripe/success", get(stripe_success))
        .route("/pay/{token}/stripe/cancel", get(stripe_cancel))
}

/// The request URI as logs may show it: a payment or confirmation link's token is the
/// customer's key to the order, so it is left out.
pub(crate) fn loggable(uri: &axum::http::Uri) -> std::borrow::Cow<'_, str> {
    let path = uri.path();
    for prefix in ["/pay/", "/confirm/"] {
        if let Some(rest) = path.strip_prefix(prefix)
            && !rest.starts_with("static/")
        {
            let tail = if rest.ends_with("/return") {
                "/return"
            } else {
                ""
            };
            return format!("{prefix}…{tail}").into();
        }
    }
    uri.to_string().into()
}

#[derive(Template)]
#[template(path = "pay/page.html")]
struct PageHtml<'a> {
    t: Lang,
    page: Option<&'a PayPage>,
    token: &'a str,
    heading: String,
    /// (class, text): error, success or info.
    messages: Vec<(&'static str, String)>,
    receipt: Option<String>,
    payable: bool,
    /// Above the buttons when there is a choice of providers.
    choose: Option<String>,
    /// (provider, text): one button per provider.
    buttons: Vec<(&'static str, String)>,
    /// Visma Pay's methods by group: (heading, [(method, text)]).
    method_groups: Vec<(String, Vec<(String, String)>)>,
    /// (name, quantity, amount)
    lines: Vec<(String, i64, String)>,
    vat: String,
    total: String,
    /// What is still to pay, when it differs from the total (part was paid before).
    due: Option<String>,
}

/// [`render`] with the Visma Pay methods a payable page offers.
/// The link's page as found, in its own language.
async fn render_found(app: &App, page: PayPage, token: &str) -> Response {
    render_page(app, StatusCode::OK, lang_of(&page), Some(page), token, None).await
}

async fn render_page(
    app: &App,
    status: StatusCode,
    lang: Lang,
    mut page: Option<PayPage>,
    token: &str,
    extra: Option<(&'static str, &str)>,
) -> Response {
    if let Some(p) = page.as_mut().filter(|p| p.status == LinkStatus::Payable) {
        app.offer_vismapay_methods(p).await;
    }
    render(app, status, lang, page.as_ref(), token, extra)
}

fn render(
    app: &App,
    status: StatusCode,
    lang: Lang,
    page: Option<&PayPage>,
    token: &str,
    extra: Option<(&'static str, &str)>,
) -> Response {
    let mut messages: Vec<(&'static str, String)> = Vec::new();
    if let Some((class, key)) = extra {
        messages.push((class, lang.t(key)));
    }
    let mut heading = String::new();
    let mut receipt = None;
    let mut buttons = Vec::new();
    let mut method_groups = Vec::new();
    let mut choose = None;
    let mut payable = false;
    let (mut lines, mut vat, mut total, mut due) = (Vec::new(), String::new(), String::new(), None);
    if let Some(p) = page {
        let money = |minor: i64| lang.money(minor, &p.currency);
        lines = p
            .lines
            .iter()
            .map(|l| (l.name.clone(), l.quantity, money(l.total)))
            .collect();
        vat = money(p.vat);
        total = money(p.total);
        due = (p.due > 0 && p.due != p.total).then(|| money(p.due));
        heading = lang.t_args("pay-heading", &[("number", p.order_number.to_string())]);
        let status_message = match p.status {
            LinkStatus::Payable => None,
            LinkStatus::Paid => Some(("success", "pay-paid")),
            LinkStatus::NothingToPay => Some(("info", "pay-nothing-to-pay")),
            LinkStatus::Changed => Some(("error", "pay-changed")),
            LinkStatus::Expired => Some(("error", "pay-expired")),
            LinkStatus::Closed => Some(("error", "pay-closed")),
            LinkStatus::Unavailable => Some(("error", "pay-unavailable")),
        };
        if let Some((class, key)) = status_message {
            messages.push((class, lang.t(key)));
        }
        let notice = match p.notice {
            Some(AttemptNotice::Failed) => Some(("error", "pay-failed")),
            Some(AttemptNotice::ProviderDown) => Some(("error", "pay-provider-down")),
            Some(AttemptNotice::Pending) => Some(("info", "pay-pending")),
            Some(AttemptNotice::TooManyAttempts) => Some(("error", "pay-too-many")),
            None => None,
        };
        if let Some((class, key)) = notice
            && extra.is_none_or(|(_, shown)| shown != key)
        {
            messages.push((class, lang.t(key)));
        }
        if p.status == LinkStatus::Paid
            && let Some((number, total)) = &p.receipt
        {
            receipt = Some(lang.t_args(
                "pay-receipt",
                &[
                    ("number", number.clone()),
                    ("total", lang.money(*total, &p.currency)),
                ],
            ));
        }
        payable = p.status == LinkStatus::Payable;
        let total = [("total", lang.money(p.due, &p.currency))];
        method_groups = method_groups_of(lang, &p.vismapay_methods);
        // Visma Pay's own button gives way to its methods when the page knows them.
        let providers: Vec<PayProvider> = p
            .providers
            .iter()
            .copied()
            .filter(|provider| *provider != PayProvider::VismaPay || method_groups.is_empty())
            .collect();
        if !method_groups.is_empty() {
            choose = Some(lang.t_args("pay-choose", &total));
        }
        buttons = match providers.as_slice() {
            [only] if method_groups.is_empty() => {
                vec![(only.as_str(), lang.t_args("pay-button", &total))]
            }
            several => {
                choose = Some(lang.t_args("pay-choose", &total));
                several
                    .iter()
                    .map(|provider| {
                        let key = match provider {
                            PayProvider::VismaPay => "pay-with-vismapay",
                            PayProvider::Stripe => "pay-with-stripe",
                        };
                        (provider.as_str(), lang.t(key))
                    })
                    .collect()
            }
        };
    }
    let html = PageHtml {
        t: lang,
        page,
        token,
        heading,
        messages,
        receipt,
        payable,
        choose,
        buttons,
        method_groups,
        lines,
        vat,
        total,
        due,
    }
    .render()
    .unwrap_or_else(|e| {
        tracing::error!(error = %e, "the payment page did not render");
        lang.t("pay-error")
    });
    public_page(status, html, &csp(&app.payment_page_origins()))
}

/// A public link page: HTML with its CSP, never framed, sniffed, cached or sent as a referrer
/// (its URL holds the link's token).
pub(crate) fn public_page(status: StatusCode, html: String, csp: &str) -> Response {
    let mut response = (status, html).into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=utf-8"),
    );
    if let Ok(policy) = HeaderValue::from_str(csp) {
        headers.insert(header::CONTENT_SECURITY_POLICY, policy);
    }
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    // The token is in the URL: it never goes to another site as a referrer. Same-origin, not
    // no-referrer: under no-referrer browsers post our own forms with `Origin: null`, and the
    // pages' forms are refused unless they name our origin.
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("same-origin"),
    );
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

fn lang_of(page: &PayPage) -> Lang {
    Lang::parse(&page.language).unwrap_or_default()
}

/// The page's Visma Pay choices under their groups' headings, in the order Visma Pay lists
/// them; cards are one button.
fn method_groups_of(lang: Lang, choices: &[PayChoice]) -> Vec<(String, Vec<(String, String)>)> {
    let mut groups: Vec<(String, Vec<(String, String)>)> = Vec::new();
    for choice in choices {
        let heading = lang
            .try_t(&format!("pay-group-{}", choice.group))
            .unwrap_or_else(|| lang.t("pay-group-other"));
        let label = if choice.name.is_empty() {
            lang.t("pay-card")
        } else {
            choice.name.clone()
        };
        let button = (choice.value.clone(), label);
        match groups.iter_mut().find(|(h, _)| *h == heading) {
            Some((_, buttons)) => buttons.push(button),
            None => groups.push((heading, vec![button])),
        }
    }
    groups
}

/// A failure before the page is known: in Finnish, the default of the admin too.
fn failure(app: &App, e: &AppError, token: &str) -> Response {
    match e {
        AppError::NotFound(_) => render(
            app,
            StatusCode::NOT_FOUND,
            Lang::Fi,
            None,
            token,
            Some(("error", "pay-not-found")),
        ),
        other => {
            tracing::error!(error = %other, "the payment page failed");
            render(
                app,
                StatusCode::SERVICE_UNAVAILABLE,
                Lang::Fi,
                None,
                token,
                Some(("error", "pay-error")),
            )
        }
    }
}

async fn show(State(app): State<App>, Path(token): Path<String>) -> Response {
    match app.payment_page(&token).await {
        Ok(page) => render_found(&app, page, &token).await,
        Err(e) => failure(&app, &e, &token),
    }
}

/// Whether a Pay press comes from our own pay page: its `Origin` (or, from a browser that sends
/// none, its `Referer`) is the public URL's. A form posted from another site must not start
/// payments in the customer's name (the token in its URL is all it would need).
fn from_our_page(headers: &HeaderMap, public_url: &str) -> bool {
    let origin_of = |url: &str| -> Option<String> {
        let (scheme, rest) = url.split_once("://")?;
        let host = rest.split('/').next()?;
        Some(format!("{scheme}://{host}").to_ascii_lowercase())
    };
    let ours = origin_of(public_url);
    let header = |name| {
        headers
            .get(name)
            .and_then(|v: &HeaderValue| v.to_str().ok())
    };
    match (header(header::ORIGIN), header(header::REFERER)) {
        (Some(origin), _) => ours.is_some_and(|o| o == origin.to_ascii_lowercase()),
        (None, Some(referer)) => ours.is_some_and(|o| origin_of(referer) == Some(o)),
        (None, None) => false,
    }
}

/// The form's `provider` (the button pressed); without one, the shop's first provider.
async fn start(
    State(app): State<App>,
    Path(token): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    if !from_our_page(&headers, app.public_url()) {
        tracing::warn!("a payment start was refused: posted from another site or without Origin");
        let page = app.payment_page(&token).await.ok();
        let lang = page.as_ref().map_or(Lang::Fi, lang_of);
        return render_page(
            &app,
            StatusCode::FORBIDDEN,
            lang,
            page,
            &token,
            Some(("error", "pay-cross-site")),
        )
        .await;
    }
    let form: Vec<(String, String)> = form_urlencoded::parse(&body).into_owned().collect();
    let field = |name: &str| {
        form.iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    };
    let method = field("method");
    // A method button is Visma Pay's.
    let provider = field("provider")
        .and_then(PayProvider::parse)
        .or(method.map(|_| PayProvider::VismaPay));
    match app.start_link_payment(&token, provider, method).await {
        Ok(StartedPayment::Redirect(url)) => Redirect::to(&url).into_response(),
        Ok(StartedPayment::Refused(page)) => {
            let status = match (page.status, page.notice) {
                (LinkStatus::Payable, Some(AttemptNotice::ProviderDown)) => {
                    StatusCode::SERVICE_UNAVAILABLE
                }
                (LinkStatus::Payable, Some(AttemptNotice::TooManyAttempts)) => {
                    StatusCode::TOO_MANY_REQUESTS
                }
                (LinkStatus::Payable, _) => StatusCode::BAD_GATEWAY,
                _ => StatusCode::CONFLICT,
            };
            let lang = lang_of(&page);
            render_page(&app, status, lang, Some(*page), &token, None).await
        }
        Err(e) => failure(&app, &e, &token),
    }
}

async fn back(
    State(app): State<App>,
    Path(token): Path<String>,
    RawQuery(query): RawQuery,
) -> Response {
    let pairs = pairs(query.as_deref());
    match app.vismapay_return(&token, &pairs).await {
        Ok(page) => render_found(&app, page, &token).await,
        Err(CallbackRefused::Untrusted(reason)) => {
            tracing::warn!(%reason, "a Visma Pay return was refused");
            let page = app.payment_page(&token).await.ok();
            let lang = page.as_ref().map(lang_of).unwrap_or_default();
            render_page(
                &app,
                StatusCode::BAD_REQUEST,
                lang,
                page,
                &token,
                Some(("error", "pay-bad-callback")),
            )
            .await
        }
        Err(CallbackRefused::App(e)) => failure(&app, &e, &token),
    }
}

async fn stripe_success(State(app): State<App>, Path(token): Path<String>) -> Response {
    stripe_back(&app, &token, StripeReturn::Success).await
}

async fn stripe_cancel(State(app): State<App>, Path(token): Path<String>) -> Response {
    stripe_back(&app, &token, StripeReturn::Cancel).await
}

/// Back from Stripe's page: the query (Stripe's or anyone's) is not read; Stripe is asked.
async fn stripe_back(app: &App, token: &str, back: StripeReturn) -> Response {
    match app.stripe_return(token, back).await {
        Ok(page) => render_found(app, page, token).await,
        Err(e) => failure(app, &e, token),
    }
}

async fn css() -> impl IntoResponse {
    (
        [
            (header::CONTENT_TYPE, "text/css; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=300"),
        ],
        include_str!("../static/pay.css"),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn logs_never_show_link_tokens() {
        let uri = |s: &str| s.parse::<axum::http::Uri>().expect("uri");
        assert_eq!(loggable(&uri("/pay/SECRET")), "/pay/…");
        assert_eq!(
            loggable(&uri("/pay/SECRET/return?RETURN_CODE=0")),
            "/pay/…/return"
        );
        assert_eq!(loggable(&uri("/pay/static/pay.css")), "/pay/static/pay.css");
        assert_eq!(loggable(&uri("/confirm/SECRET")), "/confirm/…");
        assert_eq!(loggable(&uri("/api/v1/orders?q=x")), "/api/v1/orders?q=x");
    }
}
