//! What a new order comes to while it is being typed (ORD-4): the manual order form's live
//! totals, by the same line validation and totals as taking the order in.

use super::input::{NewOrderRequest, named_skus, validate_each};
use crate::product;
use crate::{App, AppError, Principal};
use tilaus_domain::money::Currency;
use tilaus_domain::order::{OrderContent, Totals};
use tilaus_domain::validation::ValidationErrors;

/// The priced lines of an order in the making.
#[derive(Debug, Clone)]
pub struct PricedOrder {
    pub currency: Currency,
    pub prices_include_vat: bool,
    /// Each line's total in the order's price basis; `None` for a line with errors.
    pub line_totals: Vec<Option<i64>>,
    /// The totals of the valid lines.
    pub totals: Totals,
    /// What is wrong with the lines, pointed at `/lines/{i}/…`.
    pub errors: ValidationErrors,
}

impl App {
    /// Prices the request's lines as [`App::ingest_order`] would, leaving out lines with errors
    /// instead of refusing; the customer and the rest are not looked at. Writes nothing.
    pub async fn price_order(
        &self,
        principal: &Principal,
        request: &NewOrderRequest,
    ) -> Result<PricedOrder, AppError> {
        let scope = principal.read_scope();
        let mut conn = self.db.read().await?;
        let shop = self.shop_context(&mut conn, scope).await?;
        let catalogue = product::catalogue(&mut conn, scope, &named_skus(&request.lines)).await?;
        drop(conn);
        let currency = request
            .currency
            .as_deref()
            .and_then(Currency::parse)
            .or_else(|| Currency::parse(&shop.row.default_currency))
            .unwrap_or(Currency::Eur);
        let context = request.line_context(&shop.zone, &catalogue, shop.language());
        let mut errors = ValidationErrors::default();
        let drafts = validate_each(&request.lines, "/lines", &context, &mut errors);
        let line_totals = drafts
            .iter()
            .map(|d| d.as_ref().and_then(|d| d.total().ok()))
            .collect();
        let content = OrderContent {
            currency,
            prices_include_vat: context.prices_include_vat,
            lines: drafts.into_iter().flatten().collect(),
        };
        Ok(PricedOrder {
            currency,
            prices_include_vat: content.prices_include_vat,
            line_totals,
            totals: content.totals()?,
            errors,
        })
    }
}
