//! The OpenAPI 3.1 document, generated from the handlers' annotations and the types they use.

use axum::Json;
use utoipa::OpenApi;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::openapi::{ContentBuilder, Ref, RefOr, Response, ResponseBuilder};

#[derive(OpenApi)]
#[openapi(
    info(title = "Tilaus API", description = "Orders from every channel, exactly once. Amounts are integer minor units; VAT rates are basis points."),
    paths(
        super::orders::create_order, super::orders::list_orders, super::orders::export_orders, super::orders::get_order,
        super::orders::update_order, super::orders::delete_order, super::orders::change_state, super::orders::add_note,
        super::orders::order_events, super::admin::list_tokens, super::admin::create_token, super::admin::revoke_token,
        super::admin::list_channels, super::admin::create_channel, super::products::list_products,
        super::products::create_product, super::products::get_product, super::products::update_product,
        super::products::delete_product, super::products::audit_log, super::customers::list_customers,
        super::customers::get_customer,
        super::documents::issue_invoice, super::documents::issue_transfer_slip, super::documents::issue_invoices, super::documents::order_documents, super::documents::get_document,
        super::documents::issue_credit_note, super::documents::record_payment, super::documents::order_payments,
        super::documents::record_by_reference, super::documents::document_pdf,
        super::jobs::list_jobs, super::jobs::retry_job,
        super::messages::order_messages, super::messages::customer_messages, super::messages::write_message, super::messages::resend_message,
        super::messages::get_message_settings, super::messages::put_message_settings,
        super::payment_links::get_payment_methods, super::payment_links::put_payment_methods,
        super::payment_links::list_providers, super::payment_links::put_vismapay,
        super::payment_links::put_stripe, super::payment_links::create_payment_link,
        super::payment_links::refund_payment, super::payment_links::capture_payment,
        super::payment_links::cancel_payment, super::payment_links::payment_refunds,
        super::confirmations::create_confirmation_link, super::confirmations::order_confirmations,
        super::confirmations::get_terms, super::confirmations::put_terms,
        super::dunning::get_dunning_settings, super::dunning::put_dunning_settings,
        super::dunning::list_dunning_stops, super::dunning::stop_invoice, super::dunning::resume_invoice,
        super::dunning::stop_customer, super::dunning::resume_customer,
        super::templates::list_templates, super::templates::get_template, super::templates::put_template,
        super::templates::reset_template, super::templates::preview_template,
        super::templates::list_sms_templates, super::templates::get_sms_template, super::templates::put_sms_template,
        super::templates::reset_sms_template, super::templates::preview_sms_template,
        super::deliveries::order_deliveries, super::deliveries::add_delivery, super::deliveries::advance_delivery,
        super::deliveries::notify_delay, super::deliveries::get_rules, super::deliveries::put_rules,
        super::export_schedules::list_export_schedules, super::export_schedules::create_export_schedule,
        super::export_schedules::delete_export_schedule,
        super::brand::get_brand, super::brand::put_brand, super::brand::put_logo, super::brand::delete_logo,
        super::shop::get_shop, super::shop::put_shop, super::shop::list_series, super::shop::put_series,
        super::shop::get_invoicing_terms, super::shop::put_invoicing_terms,
    ),
    modifiers(&BearerAuth),
    security(("bearer" = [])),
)]
pub struct ApiDoc;

struct BearerAuth;

impl utoipa::Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        if let Some(components) = openapi.components.as_mut() {
            components.add_security_scheme(
                "bearer",
                SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
            );
        }
        // Every operation needs the bearer token, so every one can answer 401; saying so once
        // here keeps the handlers' annotations to what is particular to them.
        let unauthorised = ResponseBuilder::new()
            .description("The token is missing, unknown or revoked")
            .content(
                "application/problem+json",
                ContentBuilder::new()
                    .schema(Some(Ref::from_schema_name("Problem")))
                    .build(),
            )
            .build();
        for item in openapi.paths.paths.values_mut() {
            let operations = [
                &mut item.get,
                &mut item.post,
                &mut item.put,
                &mut item.patch,
                &mut item.delete,
            ];
            for operation in operations.into_iter().flatten() {
                let responses = &mut operation.responses.responses;
                responses
                    .entry("401".into())
                    .or_insert_with(|| unauthorised.clone().into());
                for (_, response) in responses
                    .iter_mut()
                    .filter(|(code, _)| !code.starts_with('2'))
                {
                    problem_media_type(response);
                }
            }
        }
    }
}

pub async fn document() -> Json<utoipa::openapi::OpenApi> {
    Json(ApiDoc::openapi())
}

/// Error bodies are RFC 9457 problems: `application/problem+json`, which the handlers'
/// `body = Problem` annotations render as plain JSON.
fn problem_media_type(response: &mut RefOr<Response>) {
    if let RefOr::T(response) = response
        && let Some(content) = response.content.shift_remove("application/json")
    {
        response
            .content
            .insert("application/problem+json".into(), content);
    }
}
