//! Payments: recording them by hand (counter, phone, bank statement), by reference number, or
//! with an order that arrives paid; the order's payment state follows from them.

use crate::document::{
    DocumentView, Issue, has_sales_document, issue, issued_event, order_lines, order_state,
};
use crate::idempotent::{self, Keyed};
use crate::order::{IdempotencyKey, ShopContext, append_event};
use crate::{App, AppError, Principal};
use serde::{Deserialize, Serialize};
use serde_json::json;
use tilaus_domain::access::Actor;
use tilaus_domain::document::DocumentKind;
use tilaus_domain::event::EventKind;
use tilaus_domain::order::{OrderState, PaymentState};
use tilaus_domain::payment::{
    Balance, PaymentAmounts, PaymentMethod, PaymentStatus, balance, parse_amount, payment_state,
};
use tilaus_domain::reference::Reference;
use tilaus_domain::text::{self, MAX_SHORT};
use tilaus_domain::validation::ValidationErrors;
use tilaus_store::payment::{self, PaymentRow};
use tilaus_store::{ShopScope, StoreError, Tx, document, now_micros, order};
use utoipa::ToSchema;
use uuid::Uuid;

/// A payment recorded by hand.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewPayment {
    /// cash, card_terminal, bank_transfer or other.
    pub method: String,
    /// Minor units, positive.
    pub amount: i64,
    /// What the payer gave, e.g. the reference number on a bank statement line.
    pub reference: Option<String>,
    /// The invoice or transfer slip the payment settles, if known.
    pub document_id: Option<Uuid>,
}

/// A payment found on a bank statement by its reference number alone.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PaymentByReference {
    /// The Finnish reference number of one of the shop's invoices or transfer slips (spaces
    /// allowed).
    pub reference: String,
    /// Minor units, positive.
    pub amount: i64,
    /// Default bank_transfer.
    pub method: Option<String>,
}

/// A payment that came with an order from a web shop, POS or marketplace that already took the
/// money.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct IngestPayment {
    /// cash, card_terminal, bank_transfer, card, online_bank, mobile_wallet or other.
    pub method: String,
    /// Minor units, positive.
    pub amount: i64,
    /// Who took the money, e.g. visma_pay, stripe, or the POS's own provider.
    pub provider: Option<String>,
    /// The provider's id of the payment.
    pub reference: Option<String>,
    /// paid (default) or authorised (reserved on the card, captured at fulfilment).
    pub status: Option<String>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PaymentView {
    pub id: Uuid,
    pub order_id: Uuid,
    pub document_id: Option<Uuid>,
    pub method: String,
    pub provider: Option<String>,
    pub provider_reference: Option<String>,
    pub reference: Option<String>,
    /// pending, authorised, paid, failed, cancelled, partially_refunded or refunded.
    pub status: String,
    pub amount: i64,
    pub refunded: i64,
    pub currency: String,
    pub recorded_by: String,
    pub created_at: String,
}

impl From<&PaymentRow> for PaymentView {
    fn from(p: &PaymentRow) -> Self {
        PaymentView {
            id: p.payment_id,
            order_id: p.order_id,
            document_id: p.document_id,
            method: p.method.clone(),
            provider: p.provider.clone(),
            provider_reference: p.provider_reference.clone(),
            reference: p.reference.clone(),
            status: p.status.clone(),
            amount: p.amount,
            refunded: p.refunded,
            currency: p.currency.clone(),
            recorded_by: p.actor_label.clone(),
            created_at: crate::time::rfc3339(p.created_at),
        }
    }
}

/// An order's payments and where they leave it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct OrderPayments {
    pub order_id: Uuid,
    /// unpaid, partially_paid, paid, partially_refunded or refunded.
    pub payment_state: String,
    /// What the order asks for: its gross total less its credit notes.
    pub total: i64,
    /// Money received, before refunds.
    pub received: i64,
    pub refunded: i64,
    /// What is still to be paid; negative when the customer paid too much.
    pub balance_due: i64,
    pub items: Vec<PaymentView>,
}

/// A recorded payment with what it changed.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct RecordedPayment {
    pub payment: PaymentView,
    pub payment_state: String,
    pub balance_due: i64,
    /// The receipt issued because the payment settled an undocumented order in full.
    pub receipt: Option<DocumentView>,
    /// The refund made or asked for, when the answer is a refund's.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub refund: Option<crate::paylink::RefundView>,
}

fn corrupt(column: &'static str, value: impl std::fmt::Display) -> AppError {
    AppError::Store(StoreError::corrupt(column, value))
}

fn amounts(rows: &[PaymentRow]) -> Result<Vec<PaymentAmounts>, AppError> {
    rows.iter()
        .map(|p| {
            Ok(PaymentAmounts {
                status: PaymentStatus::parse(&p.status)
                    .ok_or_else(|| corrupt("payments.status", &p.status))?,
                amount: p.amount,
                refunded: p.refunded,
            })
        })
        .collect()
}

/// What the order asks for: its gross total plus its credit notes (whose totals are negative).
async fn order_total(
    tx: &mut impl tilaus_store::Queries,
    scope: ShopScope,
    row: &order::OrderRow,
) -> Result<i64, AppError> {
    let credits: i64 = document::for_order(tx, scope, row.order_id)
        .await?
        .iter()
        .filter(|d| d.kind == DocumentKind::CreditNote.as_str())
        .map(|d| d.total)
        .sum();
    Ok(row.gross.saturating_add(credits))
}

async fn balance_of(
    tx: &mut impl tilaus_store::Queries,
    scope: ShopScope,
    row: &order::OrderRow,
) -> Result<(Balance, PaymentState, Vec<PaymentRow>), AppError> {
    let payments = payment::for_order(tx, scope, row.order_id).await?;
    let total = order_total(tx, scope, row).await?;
    let list = amounts(&payments)?;
    Ok((
        balance(total, &list)?,
        payment_state(total, &list)?,
        payments,
    ))
}

/// Derives the order's payment state from its payments and credit notes and stores it when it
/// changed. Returns the order as it now is.
pub(crate) async fn refresh_payment_state(
    tx: &mut Tx,
    scope: ShopScope,
    row: &order::OrderRow,
) -> Result<(order::OrderRow, Balance), AppError> {
    let (balance, state, _) = balance_of(tx, scope, row).await?;
    if state.as_str() == row.payment_state {
        return Ok((row.clone(), balance));
    }
    let after = order::OrderRow {
        payment_state: state.as_str().into(),
        updated_at: now_micros(),
        version: row.version + 1,
        ..row.clone()
    };
    save(tx, scope, row, &after).await?;
    Ok((after, balance))
}

pub(crate) async fn save(
    tx: &mut Tx,
    scope: ShopScope,
    before: &order::OrderRow,
    after: &order::OrderRow,
) -> Result<(), AppError> {
    let tags: Vec<String> = serde_json::from_str(&before.tags).unwrap_or_default();
    if order::update(tx, scope, after, before.version, None, &tags).await? {
        Ok(())
    } else {
        Err(AppError::Conflict(
            "the order was changed at the same time; reload and try again".into(),
        ))
    }
}

fn parse_method(
    value: &str,
    pointer: &str,
    manual_only: bool,
) -> Result<PaymentMethod, ValidationErrors> {
    match PaymentMethod::parse(value) {
        Some(m) if !manual_only || m.is_manual() => Ok(m),
        _ => {
            let expected = if manual_only {
                "cash, card_terminal, bank_transfer, other".to_owned()
            } else {
                PaymentMethod::expected()
            };
            Err(ValidationErrors::single(
                pointer,
                format!("'{value}' is not one of {expected}"),
            ))
        }
    }
}

/// A new payment row; amounts and texts are checked by the caller.
pub(crate) struct PaymentDraft {
    pub method: PaymentMethod,
    pub status: PaymentStatus,
    pub amount: i64,
    pub provider: Option<String>,
    pub provider_reference: Option<String>,
    pub reference: Option<String>,
    pub document_id: Option<Uuid>,
}

impl PaymentDraft {
    pub(crate) fn row(&self, order: &order::OrderRow, actor: &Actor, now: i64) -> PaymentRow {
        PaymentRow {
            payment_id: Uuid::now_v7(),
            order_id: order.order_id,
            document_id: self.document_id,
            method: self.method.as_str().into(),
            provider: self.provider.clone(),
            provider_reference: self.provider_reference.clone(),
            reference: self.reference.clone(),
            status: self.status.as_str().into(),
            amount: self.amount,
            refunded: 0,
            currency: order.currency.clone(),
            actor_kind: actor.kind.as_str().into(),
            actor_id: actor.id,
            actor_label: actor.label.clone(),
            created_at: now,
            updated_at: now,
        }
    }
}

/// Validates the payments of an order ingest, each under `/payments/{i}`.
pub(crate) fn validate_ingest_payments(
    payments: &[IngestPayment],
    errors: &mut ValidationErrors,
) -> Vec<PaymentDraft> {
    let mut drafts = Vec::new();
    if payments.len() > 50 {
        errors.push("/payments", "at most 50 payments");
        return drafts;
    }
    for (i, p) in payments.iter().enumerate() {
        let at = |field: &str| format!("/payments/{i}/{field}");
        let method = parse_method(&p.method, &at("method"), false)
            .map_err(|e| errors.0.extend(e.0))
            .ok();
        let amount = errors.check(at("amount"), parse_amount(p.amount));
        let provider = errors.check(at("provider"), text::optional(p.provider.as_deref(), 60));
        let reference = errors.check(
            at("reference"),
            text::optional(p.reference.as_deref(), MAX_SHORT),
        );
        let status = match p.status.as_deref() {
            None | Some("paid") => Some(PaymentStatus::Paid),
            Some("authorised") => Some(PaymentStatus::Authorised),
            Some(other) => {
                errors.push(
                    at("status"),
                    format!("'{other}' is not one of paid, authorised"),
                );
                None
            }
        };
        if let (Some(method), Some(amount), Some(provider), Some(reference), Some(status)) =
            (method, amount, provider, reference, status)
        {
            drafts.push(PaymentDraft {
                method,
                status,
                amount,
                provider,
                provider_reference: reference,
                reference: None,
                document_id: None,
            });
        }
    }
    drafts
}

impl App {
    pub async fn order_payments(
        &self,
        principal: &Principal,
        order_id: Uuid,
    ) -> Result<OrderPayments, AppError> {
        let scope = principal.read_scope();
        let mut conn = self.db.read().await?;
        let row = order::get(&mut conn, scope, order_id)
            .await?
            .ok_or(AppError::NotFound("order"))?;
        let (balance, state, payments) = balance_of(&mut conn, scope, &row).await?;
        Ok(OrderPayments {
            order_id,
            payment_state: state.as_str().into(),
            total: balance.due + balance.received - balance.refunded,
            received: balance.received,
            refunded: balance.refunded,
            balance_due: balance.due,
            items: payments.iter().map(PaymentView::from).collect(),
        })
    }

    /// Records a payment taken by hand: cash, a card terminal, a bank transfer or other.
    pub async fn record_payment(
        &self,
        principal: &Principal,
        order_id: Uuid,
        input: &NewPayment,
    ) -> Result<RecordedPayment, AppError> {
        self.record_payment_once(principal, order_id, input, None)
            .await?
            .fresh()
    }

    /// [`App::record_payment`], once per `Idempotency-Key` when one is given: a retry with the
    /// same key and body gets the first answer back instead of recording the money twice.
    pub async fn record_payment_once(
        &self,
        principal: &Principal,
        order_id: Uuid,
        input: &NewPayment,
        key: Option<&IdempotencyKey>,
    ) -> Result<Keyed<RecordedPayment>, AppError> {
        let scope = principal.write_scope()?;
        let mut errors = ValidationErrors::default();
        let method = parse_method(&input.method, "/method", true)
            .map_err(|e| errors.0.extend(e.0))
            .ok();
        let amount = errors.check("/amount", parse_amount(input.amount));
        let reference = errors.check(
            "/reference",
            text::optional(input.reference.as_deref(), MAX_SHORT),
        );
        errors.into_result()?;
        let (Some(method), Some(amount), Some(reference)) = (method, amount, reference) else {
            return Err(AppError::invalid("/", "invalid payment"));
        };
        let mut tx = self.db.begin().await?;
        if let Some(replay) = idempotent::claim_if(&mut tx, scope, key).await? {
            return Ok(Keyed::Replayed(replay));
        }
        let row = order::get(&mut tx, scope, order_id)
            .await?
            .ok_or(AppError::NotFound("order"))?;
        if let Some(document_id) = input.document_id {
            let belongs = document::get(&mut tx, scope, document_id)
                .await?
                .is_some_and(|d| d.order_id == order_id);
            if !belongs {
                return Err(AppError::invalid(
                    "/document_id",
                    "the order has no such document",
                ));
            }
        }
        let draft = PaymentDraft {
            method,
            status: PaymentStatus::Paid,
            amount,
            provider: None,
            provider_reference: None,
            reference,
            document_id: input.document_id,
        };
        let recorded = self
            .record_in(&mut tx, scope, principal, row, draft)
            .await?;
        idempotent::remember_if(&mut tx, scope, key, 201, &recorded).await?;
        tx.commit().await?;
        self.events_committed(scope);
        Ok(Keyed::Fresh(recorded))
    }

    /// Records a bank payment found by its reference number: the shop's invoice or transfer slip
    /// with that reference tells the order.
    pub async fn record_payment_by_reference(
        &self,
        principal: &Principal,
        input: &PaymentByReference,
    ) -> Result<RecordedPayment, AppError> {
        self.record_payment_by_reference_once(principal, input, None)
            .await?
            .fresh()
    }

    /// [`App::record_payment_by_reference`], once per `Idempotency-Key` when one is given.
    pub async fn record_payment_by_reference_once(
        &self,
        principal: &Principal,
        input: &PaymentByReference,
        key: Option<&IdempotencyKey>,
    ) -> Result<Keyed<RecordedPayment>, AppError> {
        let scope = principal.write_scope()?;
        let mut errors = ValidationErrors::default();
        let reference = errors.check("/reference", Reference::parse(&input.reference));
        let amount = errors.check("/amount", parse_amount(input.amount));
        let method = parse_method(
            input.method.as_deref().unwrap_or("bank_transfer"),
            "/method",
            true,
        )
        .map_err(|e| errors.0.extend(e.0))
        .ok();
        errors.into_result()?;
        let (Some(reference), Some(amount), Some(method)) = (reference, amount, method) else {
            return Err(AppError::invalid("/", "invalid payment"));
        };
        let mut tx = self.db.begin().await?;
        if let Some(replay) = idempotent::claim_if(&mut tx, scope, key).await? {
            return Ok(Keyed::Replayed(replay));
        }
        let found = document::find_by_reference(&mut tx, scope, reference.as_str())
            .await?
            .ok_or(AppError::NotFound("document with this reference"))?;
        let row = order::get(&mut tx, scope, found.order_id)
            .await?
            .ok_or_else(|| corrupt("documents.order_id", found.order_id))?;
        let draft = PaymentDraft {
            method,
            status: PaymentStatus::Paid,
            amount,
            provider: None,
            provider_reference: None,
            reference: Some(reference.as_str().to_owned()),
            document_id: Some(found.document_id),
        };
        let recorded = self
            .record_in(&mut tx, scope, principal, row, draft)
            .await?;
        idempotent::remember_if(&mut tx, scope, key, 201, &recorded).await?;
        tx.commit().await?;
        self.events_committed(scope);
        Ok(Keyed::Fresh(recorded))
    }

    /// Writes one payment with its consequences and events inside `tx` (see
    /// [`App::payment_settled`]).
    async fn record_in(
        &self,
        tx: &mut Tx,
        scope: ShopScope,
        principal: &Principal,
        row: order::OrderRow,
        draft: PaymentDraft,
    ) -> Result<RecordedPayment, AppError> {
        order_state(&row)?.ensure_payable()?;
        crate::paylink::accepted_methods(tx, scope)
            .await?
            .ensure_recordable(draft.method)
            .map_err(|e| AppError::invalid("/method", e.to_string()))?;
        let payment = draft.row(&row, &principal.actor, now_micros());
        payment::insert(tx, scope, std::slice::from_ref(&payment)).await?;
        self.payment_settled(tx, scope, &principal.actor, row, &payment)
            .await
    }

    /// The consequences of a payment already written (recorded now, or a provider's payment
    /// that just settled): the payment state follows, and a confirmed order without a receipt or
    /// invoice that is now paid in full gets its receipt and becomes `paid` (the payment
    /// documents the sale, as at a counter). Events for all of it, inside `tx`.
    pub(crate) async fn payment_settled(
        &self,
        tx: &mut Tx,
        scope: ShopScope,
        actor: &Actor,
        row: order::OrderRow,
        payment: &PaymentRow,
    ) -> Result<RecordedPayment, AppError> {
        let state = order_state(&row)?;
        state.ensure_payable()?;
        let (mut after, balance) = refresh_payment_state(tx, scope, &row).await?;
        let mut receipt = None;
        let settles = state == OrderState::Confirmed
            && after.payment_state == PaymentState::Paid.as_str()
            && !has_sales_document(&document::for_order(tx, scope, row.order_id).await?);
        if settles {
            let shop: ShopContext = self.shop_context(tx, scope).await?;
            let paid = order::OrderRow {
                state: OrderState::Paid.as_str().into(),
                updated_at: now_micros(),
                version: after.version + 1,
                ..after.clone()
            };
            save(tx, scope, &after, &paid).await?;
            after = paid;
            let lines = order_lines(
                &order::lines(tx, scope, row.order_id).await?,
                row.prices_include_vat,
            )?;
            let issued = issue(
                tx,
                scope,
                &shop,
                actor,
                Issue {
                    kind: DocumentKind::Receipt,
                    order: &after,
                    lines,
                    credits: None,
                },
            )
            .await?;
            receipt = Some(issued);
        }
        append_event(
            tx,
            scope,
            row.order_id,
            EventKind::PaymentRecorded,
            actor,
            payment_event(payment, &after),
        )
        .await?;
        if let Some(receipt) = &receipt {
            let change = json!({"before": {"state": state}, "after": {"state": OrderState::Paid}});
            append_event(
                tx,
                scope,
                row.order_id,
                EventKind::OrderStateChanged,
                actor,
                change,
            )
            .await?;
            append_event(
                tx,
                scope,
                row.order_id,
                EventKind::DocumentIssued,
                actor,
                issued_event(receipt),
            )
            .await?;
        }
        Ok(RecordedPayment {
            payment: PaymentView::from(payment),
            payment_state: after.payment_state,
            balance_due: balance.due,
            receipt: receipt.as_ref().map(DocumentView::from),
            refund: None,
        })
    }
}

/// The data of a `order.payment_recorded` event.
pub(crate) fn payment_event(payment: &PaymentRow, order: &order::OrderRow) -> serde_json::Value {
    json!({"payment_id": payment.payment_id, "method": payment.method, "status": payment.status,
        "amount": payment.amount, "currency": payment.currency, "document_id": payment.document_id,
        "payment_state": order.payment_state})
}

/// What the order still asks for (its total less what was kept); negative when overpaid.
pub(crate) async fn balance_due(
    q: &mut impl tilaus_store::Queries,
    scope: ShopScope,
    row: &order::OrderRow,
) -> Result<i64, AppError> {
    Ok(balance_of(q, scope, row).await?.0.due)
}
