//! A shop's own message templates (NTF-4): each kind and language may replace the shipped
//! default; staff edit them with a preview on a real order, and a template that does not render
//! is refused with the source and line of the error.

use super::context;
use super::template::{
    self, Context, DelayFacts, DeliveryFacts, InvoiceFacts, PaymentFacts, PersonalFacts,
    ReminderFacts, Rendered, TemplateSources,
};
use crate::{App, AppError, Principal};
use serde::Serialize;
use tilaus_domain::language::Language;
use tilaus_domain::message::{Channel, MessageKind};
use tilaus_domain::validation::ValidationErrors;
use tilaus_store::message_template::{self as store, TemplateRow};
use tilaus_store::order::{self, OrderFilter};
use tilaus_store::{Queries, ShopScope, now_micros, shop};
use utoipa::ToSchema;

/// The languages Tilaus ships message templates in, and so the ones a shop edits.
pub const TEMPLATE_LANGUAGES: [Language; 3] = [Language::Fi, Language::Sv, Language::En];

/// The kinds whose wording a shop may change: all but the staff's own messages, whose words are
/// the writer's.
pub fn editable_kinds() -> impl Iterator<Item = MessageKind> {
    MessageKind::ALL
        .iter()
        .copied()
        .filter(|k| *k != MessageKind::Personal)
}

/// One template as the editor shows it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct TemplateView {
    pub kind: String,
    pub language: String,
    /// The shop's own wording; false when the shipped default applies.
    pub custom: bool,
    pub sources: TemplateSources,
    pub updated_by: Option<String>,
}

fn parse(kind: &str, language: &str) -> Result<(MessageKind, Language), AppError> {
    let kind = MessageKind::parse(kind)
        .filter(|k| editable_kinds().any(|e| e == *k))
        .ok_or(AppError::NotFound("message template"))?;
    let language = Language::parse(language)
        .filter(|l| TEMPLATE_LANGUAGES.contains(l))
        .ok_or(AppError::NotFound("message template"))?;
    Ok((kind, language))
}

/// The shipped default of a kind in a language (English where none is shipped).
fn shipped(kind: MessageKind, language: Language) -> TemplateSources {
    template::choose(kind, language, language).0.into()
}

/// The templates for a message in `wanted`: the shop's own in that language, else the shipped
/// one, else the same in the shop's default language, else English; with the language chosen.
pub(crate) async fn choose(
    q: &mut impl Queries,
    scope: ShopScope,
    kind: MessageKind,
    wanted: Language,
    shop_default: Language,
) -> Result<(TemplateSources, Language), AppError> {
    for language in [wanted, shop_default] {
        let own = store::get(
            q,
            scope,
            kind.as_str(),
            Channel::Email.as_str(),
            language.as_str(),
        )
        .await?;
        if let Some(row) = own {
            return Ok((sources_of(row), language));
        }
        if let Some(sources) = template::shipped(kind, language) {
            return Ok((sources.into(), language));
        }
    }
    let (sources, language) = template::choose(kind, wanted, shop_default);
    Ok((sources.into(), language))
}

/// The text message for `kind` in `wanted` (else the shop's default language, else English):
/// the shop's own (its `sms` template's text), else the shipped one; `None` when the kind is
/// not sent by SMS.
pub(crate) async fn choose_sms(
    q: &mut impl Queries,
    scope: ShopScope,
    kind: MessageKind,
    wanted: Language,
    shop_default: Language,
) -> Result<Option<(String, Language)>, AppError> {
    for language in [wanted, shop_default, Language::En] {
        let own = store::get(
            q,
            scope,
            kind.as_str(),
            Channel::Sms.as_str(),
            language.as_str(),
        )
        .await?;
        if let Some(row) = own {
            return Ok(Some((row.body_text, language)));
        }
        if let Some(text) = template::shipped_sms(kind, language) {
            return Ok(Some((text.to_owned(), language)));
        }
    }
    Ok(None)
}

fn sources_of(row: TemplateRow) -> TemplateSources {
    TemplateSources {
        subject: row.subject,
        text: row.body_text,
        html: row.body_html,
    }
}

impl App {
    /// Every editable kind in every language, the shop's own wording or the default.
    pub async fn message_templates(
        &self,
        principal: &Principal,
    ) -> Result<Vec<TemplateView>, AppError> {
        let mut conn = self.db.read().await?;
        let own = store::list(&mut conn, principal.read_scope()).await?;
        let mut views = Vec::new();
        for kind in editable_kinds() {
            for language in TEMPLATE_LANGUAGES {
                let row = own.iter().find(|r| {
                    r.kind == kind.as_str()
                        && r.language == language.as_str()
                        && r.channel == Channel::Email.as_str()
                });
                views.push(view(kind, language, row.cloned()));
            }
        }
        Ok(views)
    }

    pub async fn message_template(
        &self,
        principal: &Principal,
        kind: &str,
        language: &str,
    ) -> Result<TemplateView, AppError> {
        let (kind, language) = parse(kind, language)?;
        let mut conn = self.db.read().await?;
        let row = store::get(
            &mut conn,
            principal.read_scope(),
            kind.as_str(),
            Channel::Email.as_str(),
            language.as_str(),
        )
        .await?;
        Ok(view(kind, language, row))
    }

    /// Saves the shop's wording (owner or manager) once it renders on the shop's newest order;
    /// otherwise 422 naming the source (`/subject`, `/text`, `/html`) and the line.
    pub async fn put_message_template(
        &self,
        principal: &Principal,
        kind: &str,
        language: &str,
        sources: &TemplateSources,
    ) -> Result<TemplateView, AppError> {
        let scope = principal.admin_scope()?;
        let (kind, language) = parse(kind, language)?;
        check_sizes(sources)?;
        self.preview_message_template(principal, kind.as_str(), language.as_str(), sources, None)
            .await?;
        let row = TemplateRow {
            kind: kind.as_str().into(),
            channel: Channel::Email.as_str().into(),
            language: language.as_str().into(),
            subject: sources.subject.clone(),
            body_text: sources.text.clone(),
            body_html: sources.html.clone(),
            updated_by: principal.actor.label.clone(),
            updated_at: now_micros(),
        };
        let mut tx = self.db.begin().await?;
        store::put(&mut tx, scope, &row).await?;
        tx.commit().await?;
        Ok(view(kind, language, Some(row)))
    }

    /// Goes back to the shipped default; 404 when the shop had no wording of its own.
    pub async fn reset_message_template(
        &self,
        principal: &Principal,
        kind: &str,
        language: &str,
    ) -> Result<TemplateView, AppError> {
        let scope = principal.admin_scope()?;
        let (kind, language) = parse(kind, language)?;
        let mut tx = self.db.begin().await?;
        let deleted = store::delete(
            &mut tx,
            scope,
            kind.as_str(),
            Channel::Email.as_str(),
            language.as_str(),
        )
        .await?;
        tx.commit().await?;
        if !deleted {
            return Err(AppError::NotFound("message template"));
        }
        Ok(view(kind, language, None))
    }

    /// The message `sources` would write about order `number` (the shop's newest order when
    /// none is given), with sample values for what only some events know (a cancellation's
    /// reason, a reminder's amounts). A template that does not render is a 422 with its line.
    pub async fn preview_message_template(
        &self,
        principal: &Principal,
        kind: &str,
        language: &str,
        sources: &TemplateSources,
        number: Option<i64>,
    ) -> Result<Rendered, AppError> {
        let (kind, language) = parse(kind, language)?;
        let mut conn = self.db.read().await?;
        let context =
            preview_context(&mut conn, principal.read_scope(), kind, language, number).await?;
        template::render(sources.sources(), &context)
            .map_err(|e| AppError::Invalid(ValidationErrors::single(e.pointer, e.message)))
    }
}

/// What a preview's templates see: order `number` of the shop (its newest when none is given)
/// in `language`, with sample values for what only some events know.
pub(super) async fn preview_context(
    q: &mut impl Queries,
    scope: ShopScope,
    kind: MessageKind,
    language: Language,
    number: Option<i64>,
) -> Result<Context, AppError> {
    let order = preview_order(q, scope, number).await?;
    let shop = shop::get_shop(q, scope)
        .await?
        .ok_or(AppError::NotFound("shop"))?;
    let lines = order::lines(q, scope, order.order_id).await?;
    let brand = crate::brand::brand_of(q, scope).await?;
    let mut context = context(&shop, &brand, &order, &lines, language);
    samples(&mut context, kind, &shop);
    Ok(context)
}

fn view(kind: MessageKind, language: Language, row: Option<TemplateRow>) -> TemplateView {
    TemplateView {
        kind: kind.as_str().into(),
        language: language.as_str().into(),
        custom: row.is_some(),
        updated_by: row.as_ref().map(|r| r.updated_by.clone()),
        sources: row.map_or_else(|| shipped(kind, language), sources_of),
    }
}

fn check_sizes(sources: &TemplateSources) -> Result<(), AppError> {
    let mut errors = ValidationErrors::default();
    let limits = [
        ("/subject", &sources.subject, 500),
        ("/text", &sources.text, 50_000),
        ("/html", &sources.html, 100_000),
    ];
    for (pointer, source, max) in limits {
        if source.trim().is_empty() {
            errors.push(pointer, "write something here");
        } else if source.chars().count() > max {
            errors.push(pointer, format!("at most {max} characters"));
        }
    }
    errors.into_result().map_err(AppError::Invalid)
}

/// The order a preview is written about: number `number`, else the newest.
async fn preview_order(
    q: &mut impl Queries,
    scope: ShopScope,
    number: Option<i64>,
) -> Result<order::OrderRow, AppError> {
    let filter = OrderFilter {
        text: number.map(|n| n.to_string()),
        ..OrderFilter::default()
    };
    let rows = order::list(q, scope, &filter, None, 50).await?;
    rows.into_iter()
        .find(|o| number.is_none_or(|n| o.number == n))
        .ok_or(AppError::NotFound("order to preview with"))
}

/// Sample values for the facts only some events carry, so every placeholder shows something.
fn samples(context: &mut Context, kind: MessageKind, shop: &shop::ShopRow) {
    let total = context.order.totals.gross.clone();
    let invoice = InvoiceFacts {
        number: "1".into(),
        issue_date: context.order.created.clone(),
        due_date: context.order.created.clone(),
        total: total.clone(),
        reference: Some("10003".into()),
        iban: shop.iban.clone(),
        bic: shop.bic.clone(),
    };
    match kind {
        MessageKind::OrderCancelled => context.reason = Some("…".into()),
        MessageKind::OrderShipped => {
            context.delivery = Some(DeliveryFacts {
                carrier: Some("Posti".into()),
                tracking_number: Some("JJFI00000000000000000".into()),
                tracking_url: Some("https://www.posti.fi/".into()),
                document: Some("1".into()),
            })
        }
        MessageKind::OrderDelayed => {
            context.reason = Some("…".into());
            context.delay = Some(DelayFacts {
                expected_on: context.order.created.clone(),
            });
        }
        MessageKind::PaymentReceived => {
            context.payment = Some(PaymentFacts {
                amount: total.clone(),
                receipt: Some("1".into()),
            })
        }
        MessageKind::Personal => context.personal = Some(PersonalFacts::new("…", "…")),
        MessageKind::InvoiceIssued => context.invoice = Some(invoice),
        MessageKind::InvoiceReminder => {
            context.invoice = Some(invoice);
            context.reminder = Some(ReminderFacts {
                level: 1,
                days_overdue: 14,
                amount_due: total.clone(),
                fee: None,
                total,
                commercial: false,
            })
        }
        _ => {}
    }
}
