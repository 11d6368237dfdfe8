//! One order (ORD-17): header, customer, tabs (products with totals and VAT per rate, payments
//! and documents, deliveries, messages, notes, history) and the actions its state allows. The
//! actions' handlers are in `actions.rs`.

use super::guard::Staff;
use super::history;
use super::i18n::Lang;
use super::render::{self, Layout, Page};
use super::view::{self, Badge, Choice};
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use tilaus_app::delivery::DeliveryView;
use tilaus_app::order::{CustomerView, LineView, NextStepView, OrderSummary, OrderView};
use tilaus_app::paylink::PaymentMethodSettings;
use tilaus_app::{App, AppError};
use tilaus_domain::customer::Address;
use tilaus_domain::language::Language;
use tilaus_domain::money::Currency;
use tilaus_domain::order::{NextStep, OrderAction, OrderState};
use tilaus_domain::payment::{PaymentMethod, PaymentStatus};
use uuid::Uuid;

pub(crate) struct LineItem {
    name: String,
    sku: Option<String>,
    quantity: i64,
    unit_price: String,
    vat_rate: String,
    discount: Option<String>,
    total: String,
    reservation: Option<String>,
}

pub(crate) struct VatItem {
    rate: String,
    net: String,
    vat: String,
    gross: String,
}

pub(crate) struct Entry {
    time: String,
    who: String,
    text: String,
    details: Vec<String>,
}

pub(crate) struct Action {
    state: String,
    label: String,
}

/// A delivery on the Deliveries tab.
pub(crate) struct DeliveryItem {
    id: String,
    /// `processing`, `shipped` or `delivered`, for the next-step buttons.
    step: String,
    label: String,
    carrier: Option<String>,
    tracking_number: Option<String>,
    tracking_url: Option<String>,
    /// When it was created, shipped and delivered, as far as it got.
    times: String,
}

impl DeliveryItem {
    fn new(lang: Lang, zone: &jiff::tz::TimeZone, d: &DeliveryView) -> Self {
        let times = [
            Some(&d.created_at),
            d.shipped_at.as_ref(),
            d.delivered_at.as_ref(),
        ]
        .into_iter()
        .flatten()
        .map(|t| lang.datetime(t, zone))
        .collect::<Vec<_>>()
        .join(" → ");
        DeliveryItem {
            id: d.id.to_string(),
            step: d.step.clone(),
            label: lang.t(&format!("delivery-step-{}", d.step)),
            carrier: d.carrier.clone(),
            tracking_number: d.tracking_number.clone(),
            tracking_url: d.tracking_url.clone(),
            times,
        }
    }
}

/// A tab of the order page; `?tab=` picks it, so each works without JavaScript and links share.
pub(crate) struct TabLink {
    key: &'static str,
    label: String,
    count: Option<usize>,
    current: bool,
}

/// The tabs, in order; the first is the default.
const TABS: [&str; 6] = [
    "products",
    "payments",
    "deliveries",
    "messages",
    "notes",
    "history",
];

/// What the user may do to the order in its state (nothing for read_only users).
pub(crate) struct Allowed {
    states: Vec<Action>,
    cancel: bool,
    labels: bool,
    delivery: bool,
    /// Lines, customer and addresses through the edit form (open orders).
    edit: bool,
    delete: bool,
}

impl Allowed {
    fn of(lang: Lang, state: Option<OrderState>, can_write: bool) -> Self {
        let Some(state) = state.filter(|_| can_write) else {
            return Allowed {
                states: Vec::new(),
                cancel: false,
                labels: false,
                delivery: false,
                edit: false,
                delete: false,
            };
        };
        let next = state.allowed_next();
        Allowed {
            states: next
                .iter()
                .filter(|s| **s != OrderState::Cancelled)
                .map(|s| Action {
                    state: s.as_str().to_owned(),
                    label: lang.t(&format!("action-{s}")),
                })
                .collect(),
            cancel: next.contains(&OrderState::Cancelled),
            labels: state.ensure_labels_editable().is_ok(),
            delivery: state.ensure_delivery_editable().is_ok(),
            edit: state.ensure_content_editable().is_ok(),
            delete: state.ensure_deletable().is_ok(),
        }
    }

    fn any(&self) -> bool {
        !self.states.is_empty() || self.cancel || self.edit || self.delete
    }
}

/// The card that says what the order waits for and offers the actions that take it further
/// (ORD-4, ORD-5): the app decides both, so the buttons are the ones its commands accept.
pub(crate) struct NextStepCard {
    title: String,
    hint: String,
    /// The order's purchase process, from its products (ORD-5).
    process: String,
    actions: Vec<NextActionButton>,
    /// Payment links need a provider the shop has not set up: where to do it.
    setup_hint: Option<String>,
}

pub(crate) struct NextActionButton {
    key: &'static str,
    label: String,
    /// The step's own action, shown first and as the primary button.
    primary: bool,
    /// The form the button posts to under the order's path; `None` opens the payments tab's
    /// form instead (recording a payment needs an amount and a method).
    post: Option<&'static str>,
}

impl NextStepCard {
    /// The card for writers of an order that waits for something, else none.
    fn of(lang: Lang, next: &NextStepView, can_write: bool) -> Option<Self> {
        let step = NextStep::parse(&next.step).filter(|_| can_write)?;
        if step == NextStep::Nothing {
            return None;
        }
        let recommended = step.action();
        let mut actions: Vec<NextActionButton> = next
            .actions
            .iter()
            .filter_map(|a| OrderAction::parse(a))
            .map(|action| NextActionButton {
                key: action.as_str(),
                label: lang.t(&format!("next-action-{action}")),
                primary: Some(action) == recommended,
                post: match action {
                    OrderAction::SendConfirmationLink => Some("confirmation-link"),
                    OrderAction::SendPaymentLink => Some("payment-link"),
                    OrderAction::CreateInvoice => Some("invoice"),
                    OrderAction::RecordPayment => None,
                },
            })
            .collect();
        actions.sort_by_key(|a| !a.primary);
        Some(NextStepCard {
            title: lang.t(&format!("next-step-{step}")),
            hint: lang.t(&format!("next-step-hint-{step}")),
            process: lang.t(&format!("purchase-process-{}", next.process)),
            actions,
            setup_hint: None,
        })
    }
}

/// The staff message form (ORD-14), kept as typed when it is refused.
#[derive(Debug, Clone, Default, Deserialize)]
pub(crate) struct MessageDraft {
    #[serde(default)]
    pub subject: String,
    #[serde(default)]
    pub body: String,
    #[serde(default)]
    pub to: String,
}

/// An address form's fields, from the order or from a refused submission.
#[derive(Debug, Clone, Default, Deserialize)]
pub(crate) struct AddressFields {
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub line1: String,
    #[serde(default)]
    pub line2: String,
    #[serde(default)]
    pub postal_code: String,
    #[serde(default)]
    pub city: String,
    #[serde(default)]
    pub country: String,
}

impl AddressFields {
    pub fn of(address: Option<&Address>) -> Self {
        let text = |v: Option<&String>| v.cloned().unwrap_or_default();
        AddressFields {
            name: text(address.and_then(|a| a.name.as_ref())),
            line1: text(address.and_then(|a| a.line1.as_ref())),
            line2: text(address.and_then(|a| a.line2.as_ref())),
            postal_code: text(address.and_then(|a| a.postal_code.as_ref())),
            city: text(address.and_then(|a| a.city.as_ref())),
            country: text(address.and_then(|a| a.country.as_ref())),
        }
    }

    /// Sets the field a form names (`line1`, `city`, …); other names are ignored.
    pub fn set(&mut self, field: &str, value: String) {
        let slot = match field {
            "name" => &mut self.name,
            "line1" => &mut self.line1,
            "line2" => &mut self.line2,
            "postal_code" => &mut self.postal_code,
            "city" => &mut self.city,
            "country" => &mut self.country,
            _ => return,
        };
        *slot = value;
    }

    /// Whether any field holds text.
    pub fn is_blank(&self) -> bool {
        self.to_address().is_empty()
    }

    /// The address to store; blank fields are absent.
    pub fn to_address(&self) -> Address {
        let field = |v: &str| Some(v.trim().to_owned()).filter(|v| !v.is_empty());
        Address {
            name: field(&self.name),
            line1: field(&self.line1),
            line2: field(&self.line2),
            postal_code: field(&self.postal_code),
            city: field(&self.city),
            country: field(&self.country),
        }
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "admin/order.html")]
struct OrderPage {
    t: Lang,
    layout: Layout,
    id: String,
    version: i64,
    tab: &'static str,
    tabs: Vec<TabLink>,
    state: Badge,
    payment: Badge,
    delivery: Badge,
    channel: String,
    external_id: Option<String>,
    created: String,
    updated: String,
    language: String,
    languages: Vec<Choice>,
    customer_id: String,
    customer: String,
    organisation: Option<String>,
    contact: Vec<String>,
    billing_address: Vec<String>,
    delivery_address: Vec<String>,
    address_form: AddressFields,
    lines: Vec<LineItem>,
    vat_rows: Vec<VatItem>,
    net: String,
    vat: String,
    gross: String,
    prices_note: String,
    tags: Vec<String>,
    notes: Vec<Entry>,
    history: Vec<Entry>,
    can_write: bool,
    allowed: Allowed,
    next: Option<NextStepCard>,
    notice: Option<String>,
    error: Option<String>,
    details: Vec<String>,
    note_draft: String,
    message_draft: MessageDraft,
    /// Where a staff message goes when its form names no address.
    customer_email: String,
    reason_draft: String,
    money: Option<MoneyTab>,
    messages: Vec<MessageItem>,
    deliveries: Vec<DeliveryItem>,
    /// Staff may add and advance deliveries (the order is agreed and not finished).
    can_deliver: bool,
    link: Option<MadeLink>,
}

/// One message of the order's communication log (ORD-14).
pub(crate) struct MessageItem {
    pub id: String,
    pub time: String,
    pub channel: String,
    pub to: String,
    pub subject: String,
    pub state: Badge,
    pub attempts: i32,
    pub reason: Option<String>,
    pub resend: bool,
    /// The order it is about, for lists that span orders (the customer page).
    pub order_id: Option<String>,
}

impl MessageItem {
    pub(crate) fn new(
        lang: Lang,
        zone: &jiff::tz::TimeZone,
        m: &tilaus_app::message::MessageView,
        resend: bool,
    ) -> Self {
        MessageItem {
            id: m.id.to_string(),
            time: lang.datetime(&m.created_at, zone),
            channel: lang.t(&format!("message-channel-{}", m.channel)),
            to: m.to.clone(),
            subject: m.subject.clone(),
            state: Badge::message(lang, &m.state),
            attempts: m.attempts,
            reason: m.failure_reason.clone(),
            resend,
            order_id: m.order_id.map(|id| id.to_string()),
        }
    }
}

/// The Payments & documents tab: what was issued and paid, and what can be done next.
pub(crate) struct MoneyTab {
    documents: Vec<DocumentItem>,
    payments: Vec<PaymentItem>,
    total: String,
    received: String,
    balance_due: String,
    can_invoice: bool,
    can_transfer_slip: bool,
    can_pay: bool,
    methods: Vec<Choice>,
    amount_draft: String,
}

pub(crate) struct DocumentItem {
    id: String,
    kind: String,
    number: String,
    date: String,
    total: String,
    reference: Option<String>,
    /// For an invoice staff may act on: whether its payment reminders are stopped (NTF-5).
    reminders_stopped: Option<bool>,
}

pub(crate) struct PaymentItem {
    id: String,
    time: String,
    method: String,
    status: String,
    amount: String,
    reference: Option<String>,
    /// Authorised: staff may capture or cancel it.
    can_conclude: bool,
    /// Taken through Stripe or Visma Pay and not all given back: owners and managers may
    /// refund it.
    can_refund: bool,
}

/// What the page shows beside the order after an action: a notice, or why it was refused
/// with the user's input kept.
pub(crate) struct Outcome {
    pub status: StatusCode,
    pub tab: &'static str,
    pub notice: Option<String>,
    pub error: Option<String>,
    pub details: Vec<String>,
    pub note_draft: String,
    pub message_draft: MessageDraft,
    pub reason_draft: String,
    pub address_draft: Option<AddressFields>,
    pub amount_draft: String,
    /// A link just made, shown this once to copy.
    pub link: Option<MadeLink>,
}

/// A payment or confirmation link just made: its address (shown only now) and what it does.
pub(crate) struct MadeLink {
    pub url: String,
    pub hint: String,
}

impl Default for Outcome {
    fn default() -> Self {
        Outcome {
            status: StatusCode::OK,
            tab: TABS[0],
            notice: None,
            error: None,
            details: Vec::new(),
            note_draft: String::new(),
            message_draft: MessageDraft::default(),
            reason_draft: String::new(),
            address_draft: None,
            amount_draft: String::new(),
            link: None,
        }
    }
}

/// The tab named in a query or form; anything else is the first tab.
pub(crate) fn tab(name: &str) -> &'static str {
    TABS.into_iter().find(|t| *t == name).unwrap_or(TABS[0])
}

fn line_item(lang: Lang, zone: &jiff::tz::TimeZone, currency: &str, l: &LineView) -> LineItem {
    let money = |amount: i64| lang.money(amount, currency);
    LineItem {
        name: l.name.clone(),
        sku: l.sku.clone(),
        quantity: l.quantity,
        unit_price: money(l.unit_price),
        vat_rate: lang.percent(u32::try_from(l.vat_rate).unwrap_or_default()),
        discount: (l.discount != 0).then(|| money(l.discount)),
        total: money(l.total),
        reservation: match (&l.reservation_start, &l.reservation_end) {
            (Some(start), Some(end)) => Some(format!(
                "{} – {}",
                lang.datetime(start, zone),
                lang.datetime(end, zone)
            )),
            (Some(start), None) => Some(lang.datetime(start, zone)),
            _ => None,
        },
    }
}

fn contact_lines(lang: Lang, customer: &CustomerView) -> Vec<String> {
    [
        customer.email.clone(),
        customer.phone.clone(),
        customer
            .business_id
            .as_ref()
            .map(|b| format!("{} {b}", lang.t("customer-business-id"))),
        customer
            .vat_id
            .as_ref()
            .map(|v| format!("{} {v}", lang.t("customer-vat-id"))),
    ]
    .into_iter()
    .flatten()
    .collect()
}

fn tab_links(lang: Lang, current: &str, notes: usize, events: usize) -> Vec<TabLink> {
    TABS.into_iter()
        .map(|key| TabLink {
            key,
            label: lang.t(&format!("tab-{key}")),
            count: match key {
                "notes" => Some(notes),
                "history" => Some(events),
                _ => None,
            },
            current: key == current,
        })
        .collect()
}

/// Takes out of the order's next actions what the shop's payment settings rule out, so the page
/// offers no button the command would refuse: no invoice when the shop does not invoice, no
/// payment link without an accepted provider whose keys are stored. True when a payment link
/// was taken out (the card then says where providers are set up).
fn allow_by_settings(paying: &PaymentMethodSettings, next: &mut NextStepView) -> bool {
    let offered_link = next
        .actions
        .iter()
        .any(|a| a == OrderAction::SendPaymentLink.as_str());
    next.actions
        .retain(|action| OrderAction::parse(action).is_none_or(|a| paying.allows(a)));
    offered_link && !paying.links_payable()
}

async fn money_tab(
    app: &App,
    staff: &Staff,
    order: &OrderSummary,
    (next, paying, documentable): (&NextStepView, &PaymentMethodSettings, bool),
    amount_draft: String,
) -> Result<MoneyTab, AppError> {
    let lang = staff.ctx.lang;
    let zone = view::zone(staff);
    let documents = app.order_documents(&staff.principal, order.id).await?;
    let stops = app.dunning_stops(&staff.principal).await?;
    let paid = app.order_payments(&staff.principal, order.id).await?;
    let money = |amount: i64| lang.money(amount, &order.currency);
    let can_write = staff.principal.role.can_write();
    let can_refund = staff.principal.admin_scope().is_ok();
    let can = |action: OrderAction| can_write && next.actions.iter().any(|a| a == action.as_str());
    Ok(MoneyTab {
        can_invoice: can(OrderAction::CreateInvoice),
        can_transfer_slip: can_write && documentable && paying.takes_prepayment(),
        can_pay: can(OrderAction::RecordPayment),
        methods: view::choices(
            lang,
            "payment-method",
            PaymentMethod::ALL
                .iter()
                .filter(|m| m.is_manual())
                .filter(|m| paying.records(**m))
                .map(|m| m.as_str()),
            "cash",
        ),
        documents: documents
            .iter()
            .map(|d| DocumentItem {
                id: d.id.to_string(),
                kind: lang.t(&format!("document-kind-{}", d.kind)),
                number: d.number.clone(),
                date: d.issue_date.clone(),
                total: money(d.total),
                reference: d.reference_printed.clone(),
                reminders_stopped: (can_write && d.kind == "invoice")
                    .then(|| stops.iter().any(|s| s.document_id == Some(d.id))),
            })
            .collect(),
        payments: paid
            .items
            .iter()
            .map(|p| PaymentItem {
                id: p.id.to_string(),
                can_conclude: can_write && p.status == PaymentStatus::Authorised.as_str(),
                can_refund: can_refund
                    && matches!(p.provider.as_deref(), Some("stripe" | "visma_pay"))
                    && p.refunded < p.amount
                    && PaymentStatus::parse(&p.status).is_some_and(PaymentStatus::money_received),
                time: lang.datetime(&p.created_at, &zone),
                method: lang.t(&format!("payment-method-{}", p.method)),
                status: lang.t(&format!("payment-status-{}", p.status)),
                amount: money(p.amount),
                reference: p.reference.clone(),
            })
            .collect(),
        total: money(paid.total),
        received: money(paid.received - paid.refunded),
        balance_due: money(paid.balance_due),
        amount_draft: if amount_draft.is_empty() && paid.balance_due > 0 {
            tilaus_domain::money::format_major(
                paid.balance_due,
                Currency::parse(&order.currency).unwrap_or(Currency::Eur),
                ',',
            )
        } else {
            amount_draft
        },
    })
}

pub(crate) async fn render_order(app: &App, staff: &Staff, id: Uuid, outcome: Outcome) -> Page {
    let ctx = &staff.ctx;
    let lang = ctx.lang;
    let fail = |e| render::app_error(ctx, e);
    let mut order: OrderView = app.get_order(&staff.principal, id).await.map_err(fail)?;
    let paying = app
        .payment_method_settings(&staff.principal)
        .await
        .map_err(fail)?;
    // A transfer slip is for what an invoice is for (a confirmed order without its document),
    // whether or not the shop invoices.
    let documentable = order
        .next_step
        .actions
        .iter()
        .any(|a| a == OrderAction::CreateInvoice.as_str());
    let no_provider = allow_by_settings(&paying, &mut order.next_step);
    let events = app.order_events(&staff.principal, id).await.map_err(fail)?;
    let channels = app.list_channels(&staff.principal).await.map_err(fail)?;
    let zone = view::zone(staff);
    let o = &order.summary;
    let (customer, organisation) = view::customer_names(&o.customer);
    let can_write = staff.principal.role.can_write();
    let state = OrderState::parse(&o.state);
    let money_tab = match outcome.tab {
        "payments" => {
            let tab = money_tab(
                app,
                staff,
                o,
                (&order.next_step, &paying, documentable),
                outcome.amount_draft.clone(),
            );
            let tab = tab.await;
            Some(tab.map_err(fail)?)
        }
        _ => None,
    };
    // Confirmations no longer valid (the content changed since), to say so in the history.
    let outdated: Vec<String> = match outcome.tab {
        "history" => app
            .order_confirmations(&staff.principal, id)
            .await
            .map_err(fail)?
            .items
            .iter()
            .filter(|c| !c.valid)
            .map(|c| c.id.to_string())
            .collect(),
        _ => Vec::new(),
    };
    let money = |amount: i64| lang.money(amount, &o.currency);
    let messages = match outcome.tab {
        "messages" => app
            .order_messages(&staff.principal, id)
            .await
            .map_err(fail)?
            .items
            .iter()
            .map(|m| MessageItem::new(lang, &zone, m, can_write))
            .collect(),
        _ => Vec::new(),
    };
    let deliveries = match outcome.tab {
        "deliveries" => app
            .order_deliveries(&staff.principal, id)
            .await
            .map_err(fail)?
            .iter()
            .map(|d| DeliveryItem::new(lang, &zone, d))
            .collect(),
        _ => Vec::new(),
    };
    let can_deliver = can_write && state.is_some_and(|s| s.ensure_deliverable().is_ok());
    let page = OrderPage {
        t: lang,
        layout: Layout::new(
            ctx,
            lang.t_args("order-title", &[("number", o.number.to_string())]),
            "orders",
        ),
        id: o.id.to_string(),
        version: o.version,
        tab: outcome.tab,
        tabs: tab_links(lang, outcome.tab, order.notes.len(), events.len()),
        state: Badge::state(lang, &o.state),
        payment: Badge::payment(lang, &o.payment_state),
        delivery: Badge::delivery(lang, &o.delivery_state),
        channel: view::channel_label(lang, &channels, &o.channel, o.origin.as_deref()),
        external_id: o.external_id.clone(),
        created: lang.datetime(&o.created_at, &zone),
        updated: lang.datetime(&o.updated_at, &zone),
        language: lang
            .try_t(&format!("language-{}", o.language))
            .unwrap_or_else(|| o.language.clone()),
        languages: view::choices(
            lang,
            "language",
            Language::ALL.iter().map(|l| l.as_str()),
            &o.language,
        ),
        customer_id: o.customer.id.to_string(),
        customer,
        organisation,
        contact: contact_lines(lang, &o.customer),
        billing_address: view::address_lines(o.billing_address.as_ref()),
        delivery_address: view::address_lines(o.delivery_address.as_ref()),
        address_form: outcome
            .address_draft
            .unwrap_or_else(|| AddressFields::of(o.delivery_address.as_ref())),
        lines: order
            .lines
            .iter()
            .map(|l| line_item(lang, &zone, &o.currency, l))
            .collect(),
        vat_rows: o
            .totals
            .vat_breakdown
            .iter()
            .map(|b| VatItem {
                rate: lang.percent(b.rate.basis_points()),
                net: money(b.net),
                vat: money(b.vat),
                gross: money(b.gross),
            })
            .collect(),
        net: money(o.totals.net),
        vat: money(o.totals.vat),
        gross: money(o.totals.gross),
        prices_note: lang.t(if o.prices_include_vat {
            "prices-gross"
        } else {
            "prices-net"
        }),
        tags: o.tags.clone(),
        notes: order
            .notes
            .iter()
            .map(|n| Entry {
                time: lang.datetime(&n.created_at, &zone),
                who: n.author.clone(),
                text: n.body.clone(),
                details: Vec::new(),
            })
            .collect(),
        history: events
            .iter()
            .rev()
            .map(|e| {
                let mut said = history::describe(lang, e, &o.currency);
                if e.data["confirmation"]["id"]
                    .as_str()
                    .is_some_and(|c| outdated.iter().any(|o| o == c))
                {
                    said.details.push(lang.t("history-confirmation-outdated"));
                }
                Entry {
                    time: lang.datetime(&e.created_at, &zone),
                    who: e.actor.clone(),
                    text: said.title,
                    details: said.details,
                }
            })
            .collect(),
        can_write,
        allowed: Allowed::of(lang, state, can_write),
        next: NextStepCard::of(lang, &order.next_step, can_write).map(|card| NextStepCard {
            setup_hint: no_provider.then(|| lang.t("next-step-no-provider")),
            ..card
        }),
        notice: outcome.notice,
        error: outcome.error,
        details: outcome.details,
        note_draft: outcome.note_draft,
        message_draft: outcome.message_draft,
        customer_email: o.customer.email.clone().unwrap_or_default(),
        reason_draft: outcome.reason_draft,
        money: money_tab,
        messages,
        deliveries,
        can_deliver,
        link: outcome.link,
    };
    Ok((outcome.status, page).into_response())
}

/// A path id; anything that is not a UUID is simply not found.
pub(crate) fn order_id(staff: &Staff, text: &str) -> Result<Uuid, Response> {
    Uuid::parse_str(text).map_err(|_| render::app_error(&staff.ctx, AppError::NotFound("order")))
}

/// The notice for `?done=` after a successful action.
fn notice_key(done: &str) -> Option<&'static str> {
    Some(match done {
        "created" => "notice-order-created",
        "edited" => "notice-order-edited",
        "state" => "notice-state-changed",
        "note" => "notice-note-added",
        "tags" => "notice-tags-changed",
        "language" => "notice-language-changed",
        "delivery" => "notice-delivery-changed",
        "invoice" => "notice-invoice-issued",
        "transfer-slip" => "notice-transfer-slip-issued",
        "reminders" => "notice-reminders-changed",
        "payment" => "notice-payment-recorded",
        "captured" => "notice-payment-captured",
        "cancelled" => "notice-payment-cancelled",
        "refunded" => "notice-payment-refunded",
        "resend" => "notice-message-resent",
        "message" => "notice-message-written",
        "delivery-added" => "notice-delivery-added",
        "delivery-advanced" => "notice-delivery-advanced",
        "delay" => "notice-delay-notified",
        _ => return None,
    })
}

pub(crate) async fn show(
    State(app): State<App>,
    staff: Staff,
    Path(id): Path<String>,
    RawQuery(raw): RawQuery,
) -> Page {
    let id = order_id(&staff, &id)?;
    let query: Vec<(String, String)> =
        form_urlencoded::parse(raw.as_deref().unwrap_or_default().as_bytes())
            .into_owned()
            .collect();
    let param = |name: &str| {
        query
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    };
    let outcome = Outcome {
        tab: tab(param("tab").unwrap_or_default()),
        notice: param("done")
            .and_then(notice_key)
            .map(|key| staff.ctx.lang.t(key)),
        ..Outcome::default()
    };
    render_order(&app, &staff, id, outcome).await
}
