//! The situation centre (ORD-18): what is waiting for the merchant, each group with a count
//! and the orders that have waited longest.

use super::list::ListQuery;
use super::view::OrderSummary;
use crate::{App, AppError, Principal};
use tilaus_store::order;

/// Counts stop here: "over 999" is as useful as the exact number and stays fast.
pub const COUNT_CAP: u64 = 1000;
/// Orders shown per group.
const OLDEST: u64 = 5;

/// One group of waiting orders.
#[derive(Debug, Clone)]
pub struct WaitingGroup {
    /// A stable name: `open`, `confirmed_unpaid` or `awaiting_delivery`.
    pub key: &'static str,
    /// The list filter that shows the whole group.
    pub query: ListQuery,
    /// At most [`COUNT_CAP`].
    pub count: i64,
    pub oldest: Vec<OrderSummary>,
}

fn groups() -> [(&'static str, ListQuery); 3] {
    let query = |state: &str, payment: &str, delivery: &str| ListQuery {
        state: vec![state.to_owned()],
        payment_state: (!payment.is_empty())
            .then(|| payment.to_owned())
            .into_iter()
            .collect(),
        delivery_state: (!delivery.is_empty())
            .then(|| delivery.to_owned())
            .into_iter()
            .collect(),
        ..ListQuery::default()
    };
    [
        ("open", query("open", "", "")),
        (
            "confirmed_unpaid",
            query("confirmed", "unpaid,partially_paid", ""),
        ),
        (
            "awaiting_delivery",
            query("confirmed,invoiced,paid", "", "pending,partially_delivered"),
        ),
    ]
}

impl App {
    /// Everything waiting for the merchant, group by group.
    pub async fn waiting_orders(
        &self,
        principal: &Principal,
    ) -> Result<Vec<WaitingGroup>, AppError> {
        let scope = principal.read_scope();
        let mut conn = self.db.read().await?;
        let shop = self.shop_context(&mut conn, scope).await?;
        let mut result = Vec::new();
        for (key, query) in groups() {
            let (filter, _, _) = query.to_filter(&shop.zone)?;
            let count = order::count_up_to(&mut conn, scope, &filter, COUNT_CAP).await?;
            let oldest = order::oldest(&mut conn, scope, &filter, OLDEST).await?;
            result.push(WaitingGroup {
                key,
                query,
                count,
                oldest: oldest.iter().map(OrderSummary::from).collect(),
            });
        }
        Ok(result)
    }
}
