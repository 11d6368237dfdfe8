//! The public confirmation pages under `/confirm/{token}` (ORD-7): no admin session, the token
//! is the authority. Plain HTML without scripts, in the order's language, with the payment
//! pages' strict headers.
//!
//! The form has no CSRF token: there is no cookie to ride on, and the URL's token is the secret.
//! It is still refused from another site (Origin), and it carries the SHA-256 of the content it
//! was read with, so that a change in between is confirmed by nobody.

use crate::admin::guard::{client_address, is_https, same_origin};
use crate::admin::{AdminConfig, Lang};
use crate::pay::public_page;
use askama::Template;
use axum::Router;
use axum::extract::{Path, Request, State};
use axum::http::{StatusCode, header};
use axum::response::Response;
use axum::routing::get;
use tilaus_app::confirmation::{
    ClientInfo, ConfirmForm, ConfirmOutcome, ConfirmPage, LinkStatus, Refusal,
};
use tilaus_app::{App, AppError};

const CSP: &str = "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; \
    frame-ancestors 'none'; base-uri 'none'";

/// The largest confirmation form accepted.
const MAX_FORM: usize = 16 * 1024;

#[derive(Clone)]
struct ConfirmState {
    app: App,
    config: AdminConfig,
}

/// The pages take the client's address as the admin's login throttle does (the TCP peer, or a
/// trusted proxy's X-Forwarded-For), so they share its deployment settings.
pub fn routes(app: App, config: AdminConfig) -> Router<App> {
    Router::new()
        .route("/confirm/{token}", get(show).post(submit))
        .with_state(ConfirmState { app, config })
}

#[derive(Template)]
#[template(path = "confirm/page.html")]
struct PageHtml<'a> {
    t: Lang,
    page: Option<&'a ConfirmPage>,
    token: &'a str,
    heading: String,
    /// (class, text): error, success or info.
    messages: Vec<(&'static str, String)>,
    /// What is wrong with the form, one sentence per field.
    errors: Vec<String>,
    lines: Vec<LineItem>,
    /// (rate, net, vat, gross)
    vat_rows: Vec<(String, String, String, String)>,
    net: String,
    vat: String,
    gross: String,
    prices_note: String,
    /// The terms, paragraph by paragraph.
    terms: Vec<String>,
    /// Who confirmed and the code, once confirmed.
    confirmed: Vec<String>,
    confirmable: bool,
    accept_label: String,
    name_draft: String,
    title_draft: String,
    accepted_draft: bool,
}

struct LineItem {
    name: String,
    quantity: i64,
    unit_price: String,
    vat_rate: String,
    discount: Option<String>,
    total: String,
    reservation: Option<String>,
}

/// What the page says beside the content.
#[derive(Default)]
struct Extra<'a> {
    message: Option<(&'static str, &'static str)>,
    errors: Vec<String>,
    form: Option<&'a ConfirmForm>,
}

fn lang_of(page: &ConfirmPage) -> Lang {
    Lang::parse(&page.language).unwrap_or_default()
}

fn render(
    status: StatusCode,
    page: Option<&ConfirmPage>,
    token: &str,
    extra: Extra<'_>,
) -> Response {
    let lang = page.map(lang_of).unwrap_or_default();
    let mut messages: Vec<(&'static str, String)> = Vec::new();
    if let Some((class, key)) = extra.message {
        messages.push((class, lang.t(key)));
    }
    let mut html = PageHtml {
        t: lang,
        page,
        token,
        heading: String::new(),
        messages,
        errors: extra.errors,
        lines: Vec::new(),
        vat_rows: Vec::new(),
        net: String::new(),
        vat: String::new(),
        gross: String::new(),
        prices_note: String::new(),
        terms: Vec::new(),
        confirmed: Vec::new(),
        confirmable: false,
        accept_label: String::new(),
        name_draft: extra.form.map(|f| f.name.clone()).unwrap_or_default(),
        title_draft: extra.form.map(|f| f.title.clone()).unwrap_or_default(),
        accepted_draft: extra.form.is_some_and(|f| f.accepted),
    };
    if let Some(p) = page {
        fill(&mut html, lang, p, extra.message.is_some());
    }
    let body = html.render().unwrap_or_else(|e| {
        tracing::error!(error = %e, "the confirmation page did not render");
        lang.t("confirm-error")
    });
    public_page(status, body, CSP)
}

/// The order's content, and what the link's status says, in the page's language.
fn fill(html: &mut PageHtml<'_>, lang: Lang, p: &ConfirmPage, has_message: bool) {
    let c = &p.content;
    let zone = jiff::tz::TimeZone::get(&p.time_zone).unwrap_or(jiff::tz::TimeZone::UTC);
    let money = |minor: i64| lang.money(minor, &c.currency);
    html.heading = lang.t_args("confirm-heading", &[("number", c.order_number.to_string())]);
    html.lines = c
        .lines
        .iter()
        .map(|l| LineItem {
            name: l.name.clone(),
            quantity: l.quantity,
            unit_price: money(l.unit_price),
            vat_rate: lang.percent(u32::try_from(l.vat_rate).unwrap_or_default()),
            discount: (l.discount != 0).then(|| money(l.discount)),
            total: money(l.total),
            reservation: l.reservation_start.as_deref().map(|start| {
                match l.reservation_end.as_deref() {
                    Some(end) => format!(
                        "{} – {}",
                        lang.datetime(start, &zone),
                        lang.datetime(end, &zone)
                    ),
                    None => lang.datetime(start, &zone),
                }
            }),
        })
        .collect();
    html.vat_rows = c
        .vat_breakdown
        .iter()
        .map(|v| {
            (
                lang.percent(v.rate),
                money(v.net),
                money(v.vat),
                money(v.gross),
            )
        })
        .collect();
    html.net = money(c.net);
    html.vat = money(c.vat);
    html.gross = money(c.gross);
    html.prices_note = lang.t(if c.prices_include_vat {
        "confirm-prices-gross"
    } else {
        "confirm-prices-net"
    });
    html.terms = c
        .terms
        .as_deref()
        .map(|t| {
            t.split("\n\n")
                .map(str::trim)
                .filter(|p| !p.is_empty())
                .map(str::to_owned)
                .collect()
        })
        .unwrap_or_default();
    html.accept_label = lang.t(if html.terms.is_empty() {
        "confirm-accept"
    } else {
        "confirm-accept-terms"
    });
    html.confirmable = p.status == LinkStatus::Confirmable;
    let status_message = match p.status {
        LinkStatus::Confirmable => None,
        LinkStatus::AlreadyConfirmed => Some(("info", "confirm-already")),
        LinkStatus::Changed => Some(("error", "confirm-changed")),
        LinkStatus::Expired => Some(("error", "confirm-expired")),
        LinkStatus::Closed => Some(("error", "confirm-closed")),
    };
    // A page that just confirmed says thank you instead of "already confirmed".
    if let Some((class, key)) = status_message.filter(|_| !has_message) {
        html.messages.push((class, lang.t(key)));
    }
    if let Some(by) = &p.confirmed {
        let name = match &by.title {
            Some(title) => format!("{}, {title}", by.name),
            None => by.name.clone(),
        };
        html.confirmed = vec![
            lang.t_args(
                "confirm-confirmed-by",
                &[
                    ("name", name),
                    ("time", lang.datetime(&by.confirmed_at, &zone)),
                ],
            ),
            lang.t_args("confirm-hash", &[("hash", by.snapshot_sha256.clone())]),
        ];
    }
}

/// A failure before the page is known: in Finnish, like the payment pages. Unknown, forged and
/// other shops' tokens all look the same.
fn failure(e: &AppError, token: &str) -> Response {
    let (status, key) = match e {
        AppError::NotFound(_) => (StatusCode::NOT_FOUND, "confirm-not-found"),
        other => {
            tracing::error!(error = %other, "the confirmation page failed");
            (StatusCode::SERVICE_UNAVAILABLE, "confirm-error")
        }
    };
    let extra = Extra {
        message: Some(("error", key)),
        ..Extra::default()
    };
    render(status, None, token, extra)
}

async fn show(State(s): State<ConfirmState>, Path(token): Path<String>) -> Response {
    match s.app.confirmation_page(&token).await {
        Ok(page) => render(StatusCode::OK, Some(&page), &token, Extra::default()),
        Err(e) => failure(&e, &token),
    }
}

/// The form's fields, and what is wrong with them in the page's words.
fn parse_form(bytes: &[u8]) -> ConfirmForm {
    let mut form = ConfirmForm::default();
    for (name, value) in form_urlencoded::parse(bytes) {
        match name.as_ref() {
            "name" => form.name = value.into_owned(),
            "title" => form.title = value.into_owned(),
            "accept" => form.accepted = !value.is_empty(),
            "snapshot" => form.snapshot_sha256 = value.into_owned(),
            _ => {}
        }
    }
    form
}

fn field_errors(lang: Lang, errors: &tilaus_domain::validation::ValidationErrors) -> Vec<String> {
    errors
        .0
        .iter()
        .map(|e| {
            lang.t(match e.pointer.as_str() {
                "/title" => "confirm-error-title",
                "/accept" => "confirm-error-accept",
                _ => "confirm-error-name",
            })
        })
        .collect()
}

async fn submit(
    State(s): State<ConfirmState>,
    Path(token): Path<String>,
    request: Request,
) -> Response {
    let headers = request.headers();
    if !same_origin(headers, is_https(headers, s.config)) {
        tracing::warn!("a confirmation was refused: cross-origin or without Origin");
        let page = s.app.confirmation_page(&token).await.ok();
        let extra = Extra {
            message: Some(("error", "confirm-cross-site")),
            ..Extra::default()
        };
        return render(StatusCode::FORBIDDEN, page.as_ref(), &token, extra);
    }
    let client = ClientInfo {
        ip: client_address(&request, s.config.trust_proxy),
        user_agent: headers
            .get(header::USER_AGENT)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned),
    };
    let Ok(bytes) = axum::body::to_bytes(request.into_body(), MAX_FORM).await else {
        return render(
            StatusCode::PAYLOAD_TOO_LARGE,
            None,
            &token,
            Extra {
                message: Some(("error", "confirm-error")),
                ..Extra::default()
            },
        );
    };
    let form = parse_form(&bytes);
    match s.app.confirm_order(&token, &form, &client).await {
        Ok(ConfirmOutcome::Confirmed(page)) => {
            let extra = Extra {
                message: Some(("success", "confirm-done")),
                ..Extra::default()
            };
            render(StatusCode::OK, Some(&page), &token, extra)
        }
        Ok(ConfirmOutcome::Refused(page, refusal)) => {
            let (status, extra) = match refusal {
                Refusal::Status => (StatusCode::CONFLICT, Extra::default()),
                Refusal::Invalid(errors) => (
                    StatusCode::UNPROCESSABLE_ENTITY,
                    Extra {
                        errors: field_errors(lang_of(&page), &errors),
                        form: Some(&form),
                        ..Extra::default()
                    },
                ),
                Refusal::Stale => (
                    StatusCode::CONFLICT,
                    Extra {
                        message: Some(("error", "confirm-stale")),
                        form: Some(&form),
                        ..Extra::default()
                    },
                ),
            };
            render(status, Some(&page), &token, extra)
        }
        Err(e) => failure(&e, &token),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_form_reads_its_fields_and_ignores_others() {
        let form = parse_form(b"name=Aino+Virtanen&title=CEO&accept=yes&snapshot=abc&x=1");
        assert_eq!(
            (
                form.name.as_str(),
                form.title.as_str(),
                form.accepted,
                form.snapshot_sha256.as_str()
            ),
            ("Aino Virtanen", "CEO", true, "abc")
        );
        assert!(!parse_form(b"name=A").accepted);
    }
}
