//! Customers (CUS-1): the shop's list with search by name, e-mail, phone or business id, one
//! customer with their details, and their orders newest first.

use crate::order::{CustomerView, OrderPage, cursor_param, order_page, page};
use crate::time::rfc3339;
use crate::{App, AppError, Principal};
use serde::Serialize;
use tilaus_domain::customer::Address;
use tilaus_domain::text;
use tilaus_domain::validation::ValidationErrors;
use tilaus_store::customer::{self, Cursor, CustomerRow};
use tilaus_store::order::OrderFilter;
use utoipa::ToSchema;
use uuid::Uuid;

/// A customer as the API and the admin show them.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CustomerRecord {
    #[serde(flatten)]
    pub customer: CustomerView,
    pub language: Option<String>,
    #[schema(value_type = Option<Object>)]
    pub billing_address: Option<Address>,
    #[schema(value_type = Option<Object>)]
    pub delivery_address: Option<Address>,
    pub created_at: String,
    pub updated_at: String,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CustomerPage {
    pub items: Vec<CustomerRecord>,
    /// Pass as `cursor` for the next page; null on the last page.
    pub next_cursor: Option<String>,
}

fn record(row: &CustomerRow) -> CustomerRecord {
    let address = |a: &Option<String>| a.as_deref().and_then(|a| serde_json::from_str(a).ok());
    CustomerRecord {
        customer: CustomerView {
            id: row.customer_id,
            kind: row.kind.clone(),
            name: row.name.clone(),
            email: row.email.clone(),
            phone: row.phone.clone(),
            business_id: row.business_id.clone(),
            vat_id: row.vat_id.clone(),
            contact_person: row.contact_person.clone(),
        },
        language: row.language.clone(),
        billing_address: address(&row.billing_address),
        delivery_address: address(&row.delivery_address),
        created_at: rfc3339(row.created_at),
        updated_at: rfc3339(row.updated_at),
    }
}

impl App {
    /// A page of the shop's customers, newest first; `q` matches part of the name, e-mail,
    /// phone, business id, VAT id or contact person, whatever its case.
    pub async fn list_customers(
        &self,
        principal: &Principal,
        q: Option<&str>,
        cursor: Option<&str>,
        limit: Option<u64>,
    ) -> Result<CustomerPage, AppError> {
        let mut errors = ValidationErrors::default();
        let text = errors
            .check("/q", text::optional(q, 200))
            .flatten()
            .map(|t| text::fold(&t));
        let cursor = cursor.and_then(|c| errors.check("/cursor", crate::keyset::decode(c)));
        let limit = errors.check("/limit", crate::check_page_limit(limit));
        errors.into_result()?;
        let limit = limit.unwrap_or_default();
        let rows = customer::list(
            &mut self.db.read().await?,
            principal.read_scope(),
            text.as_deref(),
            cursor.map(|(created_at, customer_id)| Cursor {
                created_at,
                customer_id,
            }),
            limit + 1,
        )
        .await?;
        let (rows, more) = crate::split_page(rows, limit);
        let next_cursor = if more {
            rows.last()
                .map(|r| crate::keyset::encode(r.created_at, r.customer_id))
        } else {
            None
        };
        Ok(CustomerPage {
            items: rows.iter().map(record).collect(),
            next_cursor,
        })
    }

    pub async fn get_customer(
        &self,
        principal: &Principal,
        customer_id: Uuid,
    ) -> Result<CustomerRecord, AppError> {
        let row = customer::get(
            &mut self.db.read().await?,
            principal.read_scope(),
            customer_id,
        )
        .await?
        .ok_or(AppError::NotFound("customer"))?;
        Ok(record(&row))
    }

    /// A page of one customer's orders, newest first.
    pub async fn customer_orders(
        &self,
        principal: &Principal,
        customer_id: Uuid,
        cursor: Option<&str>,
        limit: Option<u64>,
    ) -> Result<OrderPage, AppError> {
        let mut errors = ValidationErrors::default();
        let cursor = cursor_param(cursor, &mut errors);
        let limit = errors.check("/limit", crate::check_page_limit(limit));
        errors.into_result()?;
        let scope = principal.read_scope();
        let mut conn = self.db.read().await?;
        customer::get(&mut conn, scope, customer_id)
            .await?
            .ok_or(AppError::NotFound("customer"))?;
        let filter = OrderFilter {
            customer_id: Some(customer_id),
            ..OrderFilter::default()
        };
        let (rows, next) =
            page(&mut conn, scope, &filter, cursor, limit.unwrap_or_default()).await?;
        Ok(order_page(&rows, next))
    }
}
