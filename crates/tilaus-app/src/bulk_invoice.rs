//! Bulk invoicing (NTF-8): many confirmed orders invoiced in one action. Each order gets its own
//! invoice in its own transaction, exactly as if staff had pressed "Create invoice" on it, so
//! one order's refusal never undoes or blocks another's invoice, and none is half-done.

use crate::document::DocumentView;
use crate::{App, AppError, Principal};
use serde::Deserialize;
use utoipa::ToSchema;
use uuid::Uuid;

/// How many orders one run may name: enough for a day's invoicing, small enough that the
/// answer comes back while the user waits.
pub const MAX_ORDERS: usize = 200;

#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BulkInvoiceRequest {
    /// The orders to invoice, 1 to 200; each must be confirmed. Repeated ids count once.
    pub order_ids: Vec<Uuid>,
}

/// One order's outcome: its invoice, or why it got none.
#[derive(Debug)]
pub struct BulkInvoiceOutcome {
    pub order_id: Uuid,
    pub result: Result<DocumentView, AppError>,
}

impl App {
    /// Invoices each named order on its own; the outcomes come in the request's order.
    pub async fn issue_invoices(
        &self,
        principal: &Principal,
        request: &BulkInvoiceRequest,
    ) -> Result<Vec<BulkInvoiceOutcome>, AppError> {
        // A read-only user is refused once, not once per order.
        principal.write_scope()?;
        let ids = distinct(&request.order_ids);
        if ids.is_empty() || ids.len() > MAX_ORDERS {
            return Err(AppError::invalid(
                "/order_ids",
                format!("name 1 to {MAX_ORDERS} orders, not {}", ids.len()),
            ));
        }
        let mut outcomes = Vec::with_capacity(ids.len());
        for order_id in ids {
            let result = self.issue_invoice(principal, order_id).await;
            outcomes.push(BulkInvoiceOutcome { order_id, result });
        }
        Ok(outcomes)
    }
}

/// The ids in their first order, each once.
fn distinct(ids: &[Uuid]) -> Vec<Uuid> {
    let mut seen = std::collections::HashSet::new();
    ids.iter().copied().filter(|id| seen.insert(*id)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn repeated_ids_count_once_in_their_first_place() {
        let (a, b) = (Uuid::now_v7(), Uuid::now_v7());
        assert_eq!(distinct(&[b, a, b, a]), vec![b, a]);
    }
}
