//! The shapes integrators send, and their validation into domain values with field pointers.

use crate::product::Catalogue;
use serde::Deserialize;
use tilaus_domain::customer::{Address, CustomerDetails, CustomerKind, Email, parse_phone};
use tilaus_domain::language::Language;
use tilaus_domain::money::{Currency, VatRate};
use tilaus_domain::order::{
    LineDraft, MAX_LINES, OrderContent, OrderState, ProductKind, PurchaseProcess, Reservation,
    normalise_tags, parse_reservation,
};
use tilaus_domain::product::MAX_SKU;
use tilaus_domain::text::{self, MAX_LONG, MAX_SHORT};
use tilaus_domain::validation::ValidationErrors;
use utoipa::ToSchema;

/// A new order from any channel (ORD-1). Amounts are minor units, VAT rates basis points.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewOrderRequest {
    /// The source channel's code: web, pos, phone, manual, api, marketplace, channel_manager or
    /// one of the shop's own.
    pub channel: String,
    /// The order's id in the channel; the same (channel, external_id) never makes two orders.
    pub external_id: Option<String>,
    /// The third-party channel behind a channel manager, e.g. `Booking.com`.
    pub origin: Option<String>,
    /// fi, sv, en, de or cs; defaults to the customer's, then the shop's language.
    pub language: Option<String>,
    /// ISO 4217; defaults to the shop's currency.
    pub currency: Option<String>,
    /// Whether unit prices include VAT (consumers) or not (businesses). Default true.
    pub prices_include_vat: Option<bool>,
    /// `open` (default) or `confirmed`.
    pub state: Option<String>,
    pub customer: CustomerInput,
    pub lines: Vec<LineInput>,
    #[serde(default)]
    pub tags: Vec<String>,
    /// An internal note to attach (never shown to the customer).
    pub note: Option<String>,
    /// Payments a web shop, POS or marketplace already took. With payments the order is
    /// documented at once: its receipt is issued in the same transaction, and it becomes `paid`
    /// when they cover the total (else `confirmed`).
    #[serde(default)]
    pub payments: Vec<crate::payment::IngestPayment>,
}

#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CustomerInput {
    /// An existing customer of the shop (`GET /api/v1/customers`): the order becomes theirs
    /// whatever its e-mail address. The details below are still the order's own copy. Without
    /// it, the customer is found by e-mail address or created.
    pub id: Option<uuid::Uuid>,
    /// `consumer` (default) or `organisation`.
    pub kind: Option<String>,
    pub name: String,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub business_id: Option<String>,
    pub vat_id: Option<String>,
    pub contact_person: Option<String>,
    pub language: Option<String>,
    #[schema(value_type = Option<Object>)]
    pub billing_address: Option<Address>,
    #[schema(value_type = Option<Object>)]
    pub delivery_address: Option<Address>,
}

/// One line. With the `sku` of a shop's product, `name`, `kind`, `unit_price` and `vat_rate` may
/// be left out and come from the product (its name in the order's language; its price converted
/// to the order's price basis); whatever the line gives wins.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LineInput {
    pub sku: Option<String>,
    pub name: Option<String>,
    /// `goods` or `service`; default the product's kind, else `goods`.
    pub kind: Option<String>,
    pub quantity: i64,
    /// Minor units, in the order's price basis.
    pub unit_price: Option<i64>,
    /// Basis points: 25.5 % is 2550.
    pub vat_rate: Option<i64>,
    /// Minor units off the line's total.
    #[serde(default)]
    pub discount: i64,
    /// For booked services: local time in the shop's zone (`2026-12-01T15:00`) or RFC 3339.
    pub reservation_start: Option<String>,
    pub reservation_end: Option<String>,
}

/// A new order, validated.
pub(crate) struct OrderDraft {
    pub channel: String,
    /// The existing customer the request named, if any.
    pub customer_id: Option<uuid::Uuid>,
    pub external_id: Option<String>,
    pub origin: Option<String>,
    pub language: Option<Language>,
    pub state: OrderState,
    pub content: OrderContent,
    pub customer: CustomerDetails,
    pub tags: Vec<String>,
    pub note: Option<String>,
    pub payments: Vec<crate::payment::PaymentDraft>,
}

fn one_of<T>(
    parse: impl Fn(&str) -> Option<T>,
    expected: String,
) -> impl Fn(&str) -> Result<T, String> {
    move |value| parse(value).ok_or_else(|| format!("'{value}' is not one of {expected}"))
}

pub(crate) fn parse_language(value: &str) -> Result<Language, String> {
    one_of(Language::parse, Language::expected())(value)
}

/// What a line needs besides itself: the shop's zone for reservations, and the products its
/// sku may name with the order's language and price basis.
pub(crate) struct LineContext<'a> {
    pub zone: &'a jiff::tz::TimeZone,
    pub catalogue: &'a Catalogue,
    pub language: Language,
    pub shop_language: Language,
    pub prices_include_vat: bool,
}

/// The distinct valid skus that lines name, for one catalogue lookup before validation (invalid
/// ones are reported by it, and must not reach the database: PostgreSQL refuses NUL in text).
pub(crate) fn named_skus(lines: &[LineInput]) -> Vec<&str> {
    let mut skus: Vec<&str> = lines
        .iter()
        .filter_map(|l| l.sku.as_deref().map(str::trim))
        .filter(|s| matches!(text::optional(Some(s), MAX_SKU), Ok(Some(_))))
        .collect();
    skus.sort_unstable();
    skus.dedup();
    skus
}

impl NewOrderRequest {
    /// The order's language and price basis as far as the request tells them; invalid codes
    /// fall back here and are reported by `validate`.
    pub(crate) fn line_context<'a>(
        &self,
        zone: &'a jiff::tz::TimeZone,
        catalogue: &'a Catalogue,
        shop_language: Language,
    ) -> LineContext<'a> {
        let parse = |l: &Option<String>| l.as_deref().and_then(Language::parse);
        LineContext {
            zone,
            catalogue,
            language: Language::for_order(
                parse(&self.language),
                parse(&self.customer.language),
                shop_language,
            ),
            shop_language,
            prices_include_vat: self.prices_include_vat.unwrap_or(true),
        }
    }

    pub(crate) fn validate(
        &self,
        shop_currency: Currency,
        lines_in: &LineContext<'_>,
    ) -> Result<OrderDraft, ValidationErrors> {
        let mut errors = ValidationErrors::default();
        let channel = errors.check("/channel", text::required(&self.channel, 40));
        let external_id = errors
            .check(
                "/external_id",
                text::optional(self.external_id.as_deref(), MAX_SHORT),
            )
            .flatten();
        let origin = errors
            .check("/origin", text::optional(self.origin.as_deref(), MAX_SHORT))
            .flatten();
        let language = self
            .language
            .as_deref()
            .and_then(|l| errors.check("/language", parse_language(l)));
        let currency = match &self.currency {
            Some(c) => errors.check(
                "/currency",
                one_of(Currency::parse, Currency::expected())(c),
            ),
            None => Some(shop_currency),
        };
        let state = errors.check(
            "/state",
            one_of(OrderState::parse, "open, confirmed".into())(
                self.state.as_deref().unwrap_or("open"),
            )
            .and_then(|s| {
                if s.is_initial() {
                    Ok(s)
                } else {
                    Err("a new order is open or confirmed".into())
                }
            }),
        );
        let customer = self.customer.validate("/customer", &mut errors);
        let lines = validate_lines(&self.lines, "/lines", lines_in, &mut errors);
        let tags = errors.check("/tags", normalise_tags(&self.tags));
        let note = errors
            .check("/note", text::optional(self.note.as_deref(), MAX_LONG))
            .flatten();
        let payments = crate::payment::validate_ingest_payments(&self.payments, &mut errors);
        errors.into_result()?;
        let (Some(channel), Some(currency), Some(state), Some(customer), Some(lines), Some(tags)) =
            (channel, currency, state, customer, lines, tags)
        else {
            return Err(ValidationErrors::single("", "the order is invalid"));
        };
        let content = OrderContent {
            currency,
            prices_include_vat: self.prices_include_vat.unwrap_or(true),
            lines,
        };
        Ok(OrderDraft {
            channel,
            customer_id: self.customer.id,
            external_id,
            origin,
            language,
            state,
            content,
            customer,
            tags,
            note,
            payments,
        })
    }
}

impl CustomerInput {
    pub(crate) fn validate(
        &self,
        at: &str,
        errors: &mut ValidationErrors,
    ) -> Option<CustomerDetails> {
        let kind = errors.check(
            format!("{at}/kind"),
            one_of(CustomerKind::parse, CustomerKind::expected())(
                self.kind.as_deref().unwrap_or("consumer"),
            ),
        );
        let name = errors.check(format!("{at}/name"), text::required(&self.name, MAX_SHORT));
        let email = match self
            .email
            .as_deref()
            .map(str::trim)
            .filter(|e| !e.is_empty())
        {
            Some(email) => errors
                .check(format!("{at}/email"), Email::parse(email))
                .map(Some),
            None => Some(None),
        };
        let phone = errors.check(
            format!("{at}/phone"),
            self.phone.as_deref().map_or(Ok(None), parse_phone),
        );
        let mut optional = |field: &str, value: &Option<String>, max: usize| {
            errors
                .check(
                    format!("{at}/{field}"),
                    text::optional(value.as_deref(), max),
                )
                .flatten()
        };
        let business_id = optional("business_id", &self.business_id, 40);
        let vat_id = optional("vat_id", &self.vat_id, 40);
        let contact_person = optional("contact_person", &self.contact_person, MAX_SHORT);
        let language = self
            .language
            .as_deref()
            .and_then(|l| errors.check(format!("{at}/language"), parse_language(l)));
        let billing_address = validate_address(
            self.billing_address.as_ref(),
            &format!("{at}/billing_address"),
            errors,
        );
        let delivery_address = validate_address(
            self.delivery_address.as_ref(),
            &format!("{at}/delivery_address"),
            errors,
        );
        Some(CustomerDetails {
            kind: kind?,
            name: name?,
            email: email?,
            phone: phone?,
            business_id,
            vat_id,
            contact_person,
            language,
            billing_address,
            delivery_address,
        })
    }
}

pub(crate) fn validate_address(
    address: Option<&Address>,
    at: &str,
    errors: &mut ValidationErrors,
) -> Option<Address> {
    match address?.normalised() {
        Ok(address) => Some(address).filter(|a| !a.is_empty()),
        Err(problems) => {
            for (part, detail) in problems {
                errors.push(format!("{at}/{part}"), detail);
            }
            None
        }
    }
}

pub(crate) fn validate_lines(
    lines: &[LineInput],
    at: &str,
    context: &LineContext<'_>,
    errors: &mut ValidationErrors,
) -> Option<Vec<LineDraft>> {
    if lines.is_empty() {
        errors.push(at, "an order needs at least one line");
        return None;
    }
    if lines.len() > MAX_LINES {
        errors.push(at, format!("an order has at most {MAX_LINES} lines"));
        return None;
    }
    validate_each(lines, at, context, errors)
        .into_iter()
        .collect()
}

/// Each line validated on its own: `None` for a line with errors (recorded under `{at}/{i}`).
pub(crate) fn validate_each(
    lines: &[LineInput],
    at: &str,
    context: &LineContext<'_>,
    errors: &mut ValidationErrors,
) -> Vec<Option<LineDraft>> {
    lines
        .iter()
        .enumerate()
        .map(|(i, line)| line.validate(&format!("{at}/{i}"), context, errors))
        .collect()
}

impl LineInput {
    fn validate(
        &self,
        at: &str,
        context: &LineContext<'_>,
        errors: &mut ValidationErrors,
    ) -> Option<LineDraft> {
        let sku = errors
            .check(
                format!("{at}/sku"),
                text::optional(self.sku.as_deref(), MAX_SKU),
            )
            .flatten();
        let product = sku.as_deref().and_then(|s| context.catalogue.get(s));
        let fields_missing =
            self.name.is_none() || self.unit_price.is_none() || self.vat_rate.is_none();
        if product.is_none() && fields_missing {
            let detail = match &sku {
                Some(sku) => format!(
                    "the shop has no product with sku '{sku}'; give the line's name, unit_price and vat_rate"
                ),
                None => "give the sku of one of the shop's products, or the line's name, unit_price and vat_rate".into(),
            };
            errors.push(format!("{at}/sku"), detail);
            return None;
        }
        let name = match (&self.name, product) {
            (Some(name), _) => errors.check(format!("{at}/name"), text::required(name, MAX_SHORT)),
            (None, Some(p)) => Some(
                p.name_for(context.language, context.shop_language)
                    .to_owned(),
            ),
            (None, None) => None,
        };
        let kind = match (&self.kind, product) {
            (Some(kind), _) => errors.check(
                format!("{at}/kind"),
                one_of(ProductKind::parse, ProductKind::expected())(kind),
            ),
            (None, Some(p)) => Some(p.kind),
            (None, None) => Some(ProductKind::Goods),
        };
        let unit_price = match (self.unit_price, product) {
            (Some(price), _) => errors.check(
                format!("{at}/unit_price"),
                LineDraft::parse_unit_price(price),
            ),
            (None, Some(p)) => errors.check(
                format!("{at}/unit_price"),
                p.unit_price_in(context.prices_include_vat)
                    .map_err(|e| e.to_string()),
            ),
            (None, None) => None,
        };
        let vat_rate = match (self.vat_rate, product) {
            (Some(rate), _) => errors.check(format!("{at}/vat_rate"), VatRate::new(rate)),
            (None, Some(p)) => Some(p.vat_rate),
            (None, None) => None,
        };
        let quantity = errors.check(
            format!("{at}/quantity"),
            LineDraft::parse_quantity(self.quantity),
        );
        let discount = errors.check(
            format!("{at}/discount"),
            LineDraft::parse_discount(self.discount),
        );
        let mut time = |field: &str, value: &Option<String>| match value {
            Some(v) => errors
                .check(format!("{at}/{field}"), parse_reservation(v, context.zone))
                .map(Some),
            None => Some(None),
        };
        let start = time("reservation_start", &self.reservation_start);
        let end = time("reservation_end", &self.reservation_end);
        let reservation = match (start?, end?) {
            (Some(start), Some(end)) => Some(errors.check(
                format!("{at}/reservation_end"),
                Reservation::new(start, end),
            )?),
            (None, None) => None,
            _ => {
                errors.push(
                    format!("{at}/reservation_end"),
                    "a reservation needs both a start and an end",
                );
                return None;
            }
        };
        let line = LineDraft {
            product_id: product.map(|p| p.product_id),
            sku,
            name: name?,
            kind: kind?,
            quantity: quantity?,
            unit_price: unit_price?,
            vat_rate: vat_rate?,
            discount: discount?,
            reservation,
            purchase_process: product.map_or(PurchaseProcess::PayNow, |p| p.purchase_process),
        };
        if let Err(e) = line.total() {
            errors.push(format!("{at}/unit_price"), e.to_string());
            return None;
        }
        Some(line)
    }
}
