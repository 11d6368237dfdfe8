//! The admin UI under `/admin`: server-rendered pages (askama), plain CSS and a small script
//! served as static files, text in Finnish, Swedish and English (Fluent).
//!
//! Every request passes [`guard::gate`], which resolves the session, checks Origin and the CSRF
//! token of state-changing requests in one place, and adds the security headers.

mod actions;
mod brand;
mod bulk;
mod cookies;
mod customers;
mod deliveries;
mod detail;
mod exports;
pub(crate) mod guard;
mod history;
mod home;
pub(crate) mod i18n;
mod live;
mod login;
mod manual;
mod marks;
mod orders;
mod payment_actions;
mod payments;
mod reminders;
mod render;
mod rule_form;
mod rules;
mod settings;
mod shop_settings;
mod sms_templates;
mod templates;
mod view;

pub(crate) use i18n::Lang;

use axum::Router;
use axum::http::header;
use axum::response::IntoResponse;
use axum::routing::{get, post};
use tilaus_app::App;

/// How the admin UI is deployed.
#[derive(Debug, Clone, Copy, Default)]
pub struct AdminConfig {
    /// Always mark cookies Secure (behind a TLS proxy that does not send X-Forwarded-Proto).
    pub secure_cookies: bool,
    /// Take the client address for login throttling from X-Forwarded-For (only behind a proxy
    /// that sets it; otherwise clients could pick their own address).
    pub trust_proxy: bool,
}

#[derive(Clone)]
pub(crate) struct AdminState {
    pub app: App,
    pub config: AdminConfig,
}

pub fn routes(app: App, config: AdminConfig) -> Router<App> {
    let state = AdminState { app, config };
    Router::new()
        .route("/admin", get(home::show))
        .route("/admin/login", get(login::show).post(login::submit))
        .route("/admin/logout", post(login::logout))
        .route("/admin/shops", get(login::shops).post(login::choose_shop))
        .route(
            "/admin/language",
            get(login::language).post(login::remember_language),
        )
        .route("/admin/orders", get(orders::list))
        .route("/admin/orders/export", get(orders::export))
        .route("/admin/orders/live", get(live::stream))
        .route("/admin/groups", get(home::fragment))
        .route(
            "/admin/orders/new",
            get(manual::show).post(manual::submit_new),
        )
        .route("/admin/orders/new/totals", post(manual::totals))
        .route("/admin/orders/invoice", get(bulk::show).post(bulk::submit))
        .route("/admin/customers", get(customers::list))
        .route("/admin/customers/{id}", get(customers::show))
        .route("/admin/orders/{id}", get(detail::show))
        .route("/admin/orders/{id}/row", get(live::row))
        .route(
            "/admin/orders/{id}/edit",
            get(manual::show_edit).post(manual::submit_edit),
        )
        .route("/admin/orders/{id}/state", post(actions::change_state))
        .route("/admin/orders/{id}/notes", post(actions::add_note))
        .route("/admin/orders/{id}/messages", post(actions::write_message))
        .route("/admin/orders/{id}/tags", post(actions::change_tags))
        .route("/admin/orders/{id}/invoice", post(actions::issue_invoice))
        .route(
            "/admin/orders/{id}/transfer-slip",
            post(actions::issue_transfer_slip),
        )
        .route("/admin/orders/{id}/payments", post(actions::record_payment))
        .route("/admin/payments/{id}/{action}", post(payment_actions::act))
        .route("/admin/orders/{id}/deliveries", post(deliveries::add))
        .route("/admin/deliveries/{id}/advance", post(deliveries::advance))
        .route("/admin/orders/{id}/delay", post(deliveries::delay))
        .route(
            "/admin/orders/{id}/confirmation-link",
            post(actions::create_confirmation_link),
        )
        .route(
            "/admin/orders/{id}/payment-link",
            post(actions::create_payment_link),
        )
        .route("/admin/documents/{id}/pdf", get(actions::document_pdf))
        .route("/admin/messages/{id}/resend", post(actions::resend_message))
        .route(
            "/admin/orders/{id}/language",
            post(actions::change_language),
        )
        .route(
            "/admin/orders/{id}/delivery",
            post(actions::change_delivery),
        )
        .route(
            "/admin/orders/{id}/delete",
            get(actions::confirm_delete).post(actions::delete),
        )
        // Saved views and highlight rules of the order list.
        .route("/admin/views", post(orders::save_view))
        .route("/admin/views/{id}/rename", post(settings::rename_view))
        .route("/admin/views/{id}/delete", post(settings::delete_view))
        .route("/admin/highlights", post(settings::create_rule))
        .route("/admin/highlights/{id}/delete", post(settings::delete_rule))
        .route("/admin/settings", get(settings::hub))
        .route("/admin/settings/list", get(settings::show))
        .route(
            "/admin/settings/reminders",
            get(reminders::show).post(reminders::save),
        )
        .route(
            "/admin/settings/shop",
            get(shop_settings::show).post(shop_settings::save_details),
        )
        .route(
            "/admin/settings/shop/terms",
            post(shop_settings::save_terms),
        )
        .route(
            "/admin/settings/shop/series",
            post(shop_settings::save_series),
        )
        .route(
            "/admin/settings/payments",
            get(payments::show).post(payments::save_methods),
        )
        .route(
            "/admin/settings/payments/vismapay",
            post(payments::save_vismapay),
        )
        .route(
            "/admin/settings/payments/stripe",
            post(payments::save_stripe),
        )
        .route("/admin/settings/rules", get(rules::show).post(rules::save))
        .route("/admin/settings/rules/new", post(rule_form::add))
        .route("/admin/settings/rules/{id}/remove", post(rule_form::remove))
        .route("/admin/settings/sending", post(rules::save_sending))
        .route(
            "/admin/settings/brand",
            get(brand::show).post(brand::save_colour),
        )
        .route("/admin/settings/brand/logo", post(brand::save_logo))
        .route(
            "/admin/settings/brand/logo/delete",
            post(brand::delete_logo),
        )
        .route(
            "/admin/settings/exports",
            get(exports::show).post(exports::add),
        )
        .route("/admin/settings/exports/{id}/stop", post(exports::stop))
        .route("/admin/settings/messages", get(templates::list))
        .route(
            "/admin/settings/sms/{kind}/{language}",
            get(sms_templates::show).post(sms_templates::save),
        )
        .route(
            "/admin/settings/sms/{kind}/{language}/reset",
            post(sms_templates::reset),
        )
        .route(
            "/admin/settings/messages/{kind}/{language}",
            get(templates::show).post(templates::save),
        )
        .route(
            "/admin/settings/messages/{kind}/{language}/preview",
            get(templates::preview_saved).post(templates::preview_draft),
        )
        .route(
            "/admin/settings/messages/{kind}/{language}/reset",
            post(templates::reset),
        )
        .route("/admin/documents/{id}/reminders", post(reminders::invoice))
        .route("/admin/customers/{id}/reminders", post(reminders::customer))
        .route("/admin/static/admin.css", get(css))
        .route("/admin/static/admin.js", get(js))
        .route("/admin/{*rest}", get(not_found).post(not_found))
        .layer(axum::middleware::from_fn_with_state(state, guard::gate))
}

/// Unknown admin pages get the admin's own page (and headers), not the API's problem document.
async fn not_found(ctx: guard::Ctx) -> axum::response::Response {
    render::message(
        &ctx,
        axum::http::StatusCode::NOT_FOUND,
        "error-title",
        &ctx.lang.t("error-not-found"),
    )
}

const CACHE: &str = "public, max-age=300";

async fn css() -> impl IntoResponse {
    (
        [
            (header::CONTENT_TYPE, "text/css; charset=utf-8"),
            (header::CACHE_CONTROL, CACHE),
        ],
        include_str!("../../static/admin.css"),
    )
}

async fn js() -> impl IntoResponse {
    (
        [
            (header::CONTENT_TYPE, "text/javascript; charset=utf-8"),
            (header::CACHE_CONTROL, CACHE),
        ],
        include_str!("../../static/admin.js"),
    )
}
