//! Message templates: Jinja (minijinja) sources per message kind and language, rendered with a
//! work limit and no access to files.
//!
//! # Placeholders
//!
//! Every template (subject, text and HTML) sees:
//!
//! | Placeholder | What it holds |
//! |---|---|
//! | `language` | the message's language code (`fi`, `sv`, `en`) |
//! | `shop.name` | the shop's name (also the sender name) |
//! | `shop.accent`, `shop.logo` | the shop's accent colour (`#rrggbb`), and whether the mail carries its logo (shown with `<img src="cid:logo">`) |
//! | `order.number` | the order number customers see |
//! | `order.state` | the order's state code (`open`, `confirmed`, …) |
//! | `order.created` | the order's date, written for the language (`14.8.2026`) |
//! | `order.currency` | ISO code, e.g. `EUR` |
//! | `order.totals.net`, `.vat`, `.gross` | totals written for the language (`1 234,50 €`) |
//! | `customer.name`, `customer.email` | the customer as on the order |
//! | `lines` | the order's lines: each `name`, `sku`, `quantity`, `unit_price`, `total` (prices written for the language) |
//! | `reason` | why the order was cancelled or is late, when staff said (`order_cancelled`, `order_delayed`), else none |
//! | `delivery.carrier`, `.tracking_number`, `.tracking_url`, `.document` | the parcel that left (`order_shipped`) and the number of the document attached; each may be none |
//! | `delay.expected_on` | the day a late order is now expected, written for the language (`order_delayed`) |
//! | `export.period`, `.orders`, `.documents` | a scheduled export (`scheduled_export`): the days it covers, the order list's format if any, and how many documents are attached; the order placeholders are empty in it |
//! | `payment.amount`, `.receipt` | the payment that settled the order and its receipt's number, if one was made (`payment_received`) |
//! | `links` | links for the customer; empty until payment links and the portal arrive |
//! | `personal.subject`, `personal.paragraphs` | a message staff wrote (`personal`): its subject, and its text as paragraphs of lines |
//! | `invoice.number`, `.issue_date`, `.due_date`, `.total`, `.reference`, `.iban`, `.bic` | the invoice a message is about (`invoice_issued`, `invoice_reminder`): its number, dates and total written for the language, and how to pay it |
//! | `reminder.level`, `.days_overdue`, `.amount_due`, `.fee`, `.total`, `.commercial` | a payment reminder (`invoice_reminder`): which one (1–3), what is still owed, the fee and the sum to pay now, and whether the commercial late-interest rule applies |
//!
//! Text and subject are plain text; the `.html` template is auto-escaped. The HTML templates
//! extend `layout.html` and may import the `lines_table` macro from `lines.html`.
//!
//! # Languages
//!
//! Tilaus ships good defaults in Finnish, Swedish and English. A message is written in the
//! order's language; when there is no template in it, in the shop's default language, and
//! failing that in English; the message records the language it fell back from.

use minijinja::Environment;
use serde::Serialize;
use tilaus_domain::language::Language;
use tilaus_domain::message::MessageKind;

/// The most work one message may take (minijinja fuel: roughly one unit per instruction).
/// Generous for any real order, and a template that loops forever stops here.
const FUEL: u64 = 200_000;

/// The three sources of one message.
#[derive(Debug, Clone, Copy)]
pub struct Sources<'a> {
    pub subject: &'a str,
    pub text: &'a str,
    pub html: &'a str,
}

/// The three sources of one message, owned: a shop's own template, or a shipped default copied
/// for editing.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TemplateSources {
    pub subject: String,
    pub text: String,
    pub html: String,
}

impl TemplateSources {
    pub fn sources(&self) -> Sources<'_> {
        Sources {
            subject: &self.subject,
            text: &self.text,
            html: &self.html,
        }
    }
}

impl From<Sources<'_>> for TemplateSources {
    fn from(s: Sources<'_>) -> Self {
        TemplateSources {
            subject: s.subject.to_owned(),
            text: s.text.to_owned(),
            html: s.html.to_owned(),
        }
    }
}

/// A message as written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rendered {
    pub subject: String,
    pub text: String,
    pub html: String,
}

/// A template that could not be rendered, with where (template name and line) and why.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("template error: {message}")]
pub struct TemplateError {
    /// The source it is in: `/subject`, `/text` or `/html`.
    pub pointer: &'static str,
    /// The template and line, and what is wrong.
    pub message: String,
}

/// What the templates can use; see the module documentation.
#[derive(Debug, Clone, Serialize)]
pub struct Context {
    pub language: Language,
    pub shop: ShopFacts,
    pub order: OrderFacts,
    pub customer: CustomerFacts,
    pub lines: Vec<LineFacts>,
    pub reason: Option<String>,
    pub links: std::collections::BTreeMap<String, String>,
    pub personal: Option<PersonalFacts>,
    pub invoice: Option<InvoiceFacts>,
    pub reminder: Option<ReminderFacts>,
    pub delivery: Option<DeliveryFacts>,
    pub delay: Option<DelayFacts>,
    pub payment: Option<PaymentFacts>,
    pub export: Option<ExportFacts>,
}

/// A scheduled export (`scheduled_export`): the days it covers, written for the language, and
/// what it carries.
#[derive(Debug, Clone, Serialize)]
pub struct ExportFacts {
    pub period: String,
    /// The order list's format (`CSV`, `XLSX`), when the export has one.
    pub orders: Option<String>,
    /// How many documents are attached as PDF.
    pub documents: usize,
}

/// A delivery that left (`order_shipped`): how the customer follows it.
#[derive(Debug, Clone, Serialize)]
pub struct DeliveryFacts {
    pub carrier: Option<String>,
    pub tracking_number: Option<String>,
    pub tracking_url: Option<String>,
    /// The number of the order's document sent with the message (its latest invoice or
    /// receipt), if it has one.
    pub document: Option<String>,
}

/// A delay notice (`order_delayed`): the day the order is now expected, written for the language.
#[derive(Debug, Clone, Serialize)]
pub struct DelayFacts {
    pub expected_on: String,
}

/// A payment that settled the order (`payment_received`).
#[derive(Debug, Clone, Serialize)]
pub struct PaymentFacts {
    /// The payment's amount, written for the language.
    pub amount: String,
    /// The receipt's number, when the payment made one (it goes with the message as PDF).
    pub receipt: Option<String>,
}

/// An invoice a message is about, written for the message's language.
#[derive(Debug, Clone, Serialize)]
pub struct InvoiceFacts {
    pub number: String,
    pub issue_date: String,
    pub due_date: String,
    pub total: String,
    /// The reference, printed in groups of five.
    pub reference: Option<String>,
    pub iban: Option<String>,
    pub bic: Option<String>,
}

/// A payment reminder (NTF-5), with amounts written for the message's language; the invoice it
/// is about is `invoice`.
#[derive(Debug, Clone, Serialize)]
pub struct ReminderFacts {
    /// 1 to 3.
    pub level: u8,
    pub days_overdue: i64,
    pub amount_due: String,
    /// `None` when the level has no fee.
    pub fee: Option<String>,
    /// What to pay now: the amount due and the fee.
    pub total: String,
    /// A business customer: late interest under korkolaki 4 a § instead of 4 §.
    pub commercial: bool,
}

/// A message staff wrote: the subject, and the text split into paragraphs (at blank lines) of
/// lines, so that the HTML keeps the writer's breaks without trusting any markup in it.
#[derive(Debug, Clone, Serialize)]
pub struct PersonalFacts {
    pub subject: String,
    pub text: String,
    pub paragraphs: Vec<Vec<String>>,
}

impl PersonalFacts {
    pub fn new(subject: &str, text: &str) -> Self {
        let mut paragraphs = Vec::new();
        let mut paragraph = Vec::new();
        for line in text.lines() {
            if !line.trim().is_empty() {
                paragraph.push(line.to_owned());
            } else if !paragraph.is_empty() {
                paragraphs.push(std::mem::take(&mut paragraph));
            }
        }
        if !paragraph.is_empty() {
            paragraphs.push(paragraph);
        }
        PersonalFacts {
            subject: subject.to_owned(),
            text: text.to_owned(),
            paragraphs,
        }
    }
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct ShopFacts {
    pub name: String,
    /// The shop's accent colour (`#rrggbb`) for the header line and buttons.
    pub accent: String,
    /// The shop has a logo the mail carries inline: `<img src="cid:logo">`. Only PNG logos
    /// (mail programs do not show SVG).
    pub logo: bool,
}

impl ShopFacts {
    pub(crate) fn of(name: &str, brand: &crate::brand::Brand) -> ShopFacts {
        ShopFacts {
            name: name.to_owned(),
            accent: brand.accent_colour.clone(),
            logo: brand
                .logo
                .as_ref()
                .is_some_and(|l| l.format == tilaus_domain::brand::LogoFormat::Png),
        }
    }
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct OrderFacts {
    pub number: i64,
    pub state: String,
    pub created: String,
    pub currency: String,
    pub totals: TotalsFacts,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct TotalsFacts {
    pub net: String,
    pub vat: String,
    pub gross: String,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct CustomerFacts {
    pub name: String,
    pub email: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct LineFacts {
    pub name: String,
    pub sku: Option<String>,
    pub quantity: i64,
    pub unit_price: String,
    pub total: String,
}

macro_rules! shipped {
    ($kind:literal, $language:literal) => {
        Sources {
            subject: include_str!(concat!("templates/", $kind, ".", $language, ".subject")),
            text: include_str!(concat!("templates/", $kind, ".", $language, ".txt")),
            html: include_str!(concat!("templates/", $kind, ".", $language, ".html")),
        }
    };
}

/// The templates Tilaus ships for a kind in a language, if any.
pub fn shipped(kind: MessageKind, language: Language) -> Option<Sources<'static>> {
    use Language::{En, Fi, Sv};
    use MessageKind::{
        InvoiceIssued, InvoiceReminder, OrderCancelled, OrderConfirmed, OrderDelayed,
        OrderDelivered, OrderProcessing, OrderReceived, OrderShipped, PaymentReceived, Personal,
        ScheduledExport,
    };
    Some(match (kind, language) {
        // The writer's own words in any language, framed by the shop's layout.
        (Personal, _) => PERSONAL,
        (OrderReceived, Fi) => shipped!("order_received", "fi"),
        (OrderReceived, Sv) => shipped!("order_received", "sv"),
        (OrderReceived, En) => shipped!("order_received", "en"),
        (OrderConfirmed, Fi) => shipped!("order_confirmed", "fi"),
        (OrderConfirmed, Sv) => shipped!("order_confirmed", "sv"),
        (OrderConfirmed, En) => shipped!("order_confirmed", "en"),
        (OrderCancelled, Fi) => shipped!("order_cancelled", "fi"),
        (OrderCancelled, Sv) => shipped!("order_cancelled", "sv"),
        (OrderCancelled, En) => shipped!("order_cancelled", "en"),
        (InvoiceReminder, Fi) => shipped!("invoice_reminder", "fi"),
        (InvoiceReminder, Sv) => shipped!("invoice_reminder", "sv"),
        (InvoiceReminder, En) => shipped!("invoice_reminder", "en"),
        (InvoiceIssued, Fi) => shipped!("invoice_issued", "fi"),
        (InvoiceIssued, Sv) => shipped!("invoice_issued", "sv"),
        (InvoiceIssued, En) => shipped!("invoice_issued", "en"),
        (OrderProcessing, Fi) => shipped!("order_processing", "fi"),
        (OrderProcessing, Sv) => shipped!("order_processing", "sv"),
        (OrderProcessing, En) => shipped!("order_processing", "en"),
        (OrderShipped, Fi) => shipped!("order_shipped", "fi"),
        (OrderShipped, Sv) => shipped!("order_shipped", "sv"),
        (OrderShipped, En) => shipped!("order_shipped", "en"),
        (OrderDelivered, Fi) => shipped!("order_delivered", "fi"),
        (OrderDelivered, Sv) => shipped!("order_delivered", "sv"),
        (OrderDelivered, En) => shipped!("order_delivered", "en"),
        (OrderDelayed, Fi) => shipped!("order_delayed", "fi"),
        (OrderDelayed, Sv) => shipped!("order_delayed", "sv"),
        (OrderDelayed, En) => shipped!("order_delayed", "en"),
        (PaymentReceived, Fi) => shipped!("payment_received", "fi"),
        (PaymentReceived, Sv) => shipped!("payment_received", "sv"),
        (PaymentReceived, En) => shipped!("payment_received", "en"),
        (ScheduledExport, Fi) => shipped!("scheduled_export", "fi"),
        (ScheduledExport, Sv) => shipped!("scheduled_export", "sv"),
        (ScheduledExport, En) => shipped!("scheduled_export", "en"),
        _ => return None,
    })
}

/// The templates for a message in `wanted` (the order's language): those in `wanted`, else in
/// the shop's default, else in English; with the language chosen.
pub fn choose(
    kind: MessageKind,
    wanted: Language,
    shop_default: Language,
) -> (Sources<'static>, Language) {
    [wanted, shop_default]
        .into_iter()
        .find_map(|language| shipped(kind, language).map(|s| (s, language)))
        .unwrap_or_else(|| (english(kind), Language::En))
}

fn english(kind: MessageKind) -> Sources<'static> {
    match kind {
        MessageKind::OrderReceived => shipped!("order_received", "en"),
        MessageKind::OrderConfirmed => shipped!("order_confirmed", "en"),
        MessageKind::OrderCancelled => shipped!("order_cancelled", "en"),
        MessageKind::Personal => PERSONAL,
        MessageKind::InvoiceReminder => shipped!("invoice_reminder", "en"),
        MessageKind::InvoiceIssued => shipped!("invoice_issued", "en"),
        MessageKind::OrderProcessing => shipped!("order_processing", "en"),
        MessageKind::OrderShipped => shipped!("order_shipped", "en"),
        MessageKind::OrderDelivered => shipped!("order_delivered", "en"),
        MessageKind::OrderDelayed => shipped!("order_delayed", "en"),
        MessageKind::PaymentReceived => shipped!("payment_received", "en"),
        MessageKind::ScheduledExport => shipped!("scheduled_export", "en"),
    }
}

/// The text message Tilaus ships for a kind in a language, if the kind is sent by SMS at all
/// (letters such as invoices and reminders are not).
pub fn shipped_sms(kind: MessageKind, language: Language) -> Option<&'static str> {
    Some(match (kind, language) {
        (MessageKind::OrderReceived, Language::Fi) => {
            include_str!("templates/sms/order_received.fi.txt")
        }
        (MessageKind::OrderReceived, Language::Sv) => {
            include_str!("templates/sms/order_received.sv.txt")
        }
        (MessageKind::OrderReceived, Language::En) => {
            include_str!("templates/sms/order_received.en.txt")
        }
        (MessageKind::OrderConfirmed, Language::Fi) => {
            include_str!("templates/sms/order_confirmed.fi.txt")
        }
        (MessageKind::OrderConfirmed, Language::Sv) => {
            include_str!("templates/sms/order_confirmed.sv.txt")
        }
        (MessageKind::OrderConfirmed, Language::En) => {
            include_str!("templates/sms/order_confirmed.en.txt")
        }
        (MessageKind::OrderProcessing, Language::Fi) => {
            include_str!("templates/sms/order_processing.fi.txt")
        }
        (MessageKind::OrderProcessing, Language::Sv) => {
            include_str!("templates/sms/order_processing.sv.txt")
        }
        (MessageKind::OrderProcessing, Language::En) => {
            include_str!("templates/sms/order_processing.en.txt")
        }
        (MessageKind::OrderShipped, Language::Fi) => {
            include_str!("templates/sms/order_shipped.fi.txt")
        }
        (MessageKind::OrderShipped, Language::Sv) => {
            include_str!("templates/sms/order_shipped.sv.txt")
        }
        (MessageKind::OrderShipped, Language::En) => {
            include_str!("templates/sms/order_shipped.en.txt")
        }
        (MessageKind::OrderDelivered, Language::Fi) => {
            include_str!("templates/sms/order_delivered.fi.txt")
        }
        (MessageKind::OrderDelivered, Language::Sv) => {
            include_str!("templates/sms/order_delivered.sv.txt")
        }
        (MessageKind::OrderDelivered, Language::En) => {
            include_str!("templates/sms/order_delivered.en.txt")
        }
        (MessageKind::OrderCancelled, Language::Fi) => {
            include_str!("templates/sms/order_cancelled.fi.txt")
        }
        (MessageKind::OrderCancelled, Language::Sv) => {
            include_str!("templates/sms/order_cancelled.sv.txt")
        }
        (MessageKind::OrderCancelled, Language::En) => {
            include_str!("templates/sms/order_cancelled.en.txt")
        }
        (MessageKind::OrderDelayed, Language::Fi) => {
            include_str!("templates/sms/order_delayed.fi.txt")
        }
        (MessageKind::OrderDelayed, Language::Sv) => {
            include_str!("templates/sms/order_delayed.sv.txt")
        }
        (MessageKind::OrderDelayed, Language::En) => {
            include_str!("templates/sms/order_delayed.en.txt")
        }
        (MessageKind::PaymentReceived, Language::Fi) => {
            include_str!("templates/sms/payment_received.fi.txt")
        }
        (MessageKind::PaymentReceived, Language::Sv) => {
            include_str!("templates/sms/payment_received.sv.txt")
        }
        (MessageKind::PaymentReceived, Language::En) => {
            include_str!("templates/sms/payment_received.en.txt")
        }
        (MessageKind::InvoiceIssued, Language::Fi) => {
            include_str!("templates/sms/invoice_issued.fi.txt")
        }
        (MessageKind::InvoiceIssued, Language::Sv) => {
            include_str!("templates/sms/invoice_issued.sv.txt")
        }
        (MessageKind::InvoiceIssued, Language::En) => {
            include_str!("templates/sms/invoice_issued.en.txt")
        }
        _ => return None,
    })
}

const PERSONAL: Sources<'static> = Sources {
    subject: include_str!("templates/personal.subject"),
    text: include_str!("templates/personal.txt"),
    html: include_str!("templates/personal.html"),
};

/// Renders one message. No loader is set, so templates reach nothing but each other and the
/// context; fuel bounds the work.
pub fn render(sources: Sources<'_>, context: &Context) -> Result<Rendered, TemplateError> {
    let mut env = Environment::new();
    env.set_fuel(Some(FUEL));
    let fail = |e: minijinja::Error| TemplateError {
        pointer: match e.name() {
            Some("subject.txt") => "/subject",
            Some("body.txt") => "/text",
            _ => "/html",
        },
        message: describe(&e),
    };
    env.add_template("layout.html", include_str!("templates/layout.html"))
        .map_err(fail)?;
    env.add_template("lines.html", include_str!("templates/lines.html"))
        .map_err(fail)?;
    env.add_template("subject.txt", sources.subject)
        .map_err(fail)?;
    env.add_template("body.txt", sources.text).map_err(fail)?;
    env.add_template("body.html", sources.html).map_err(fail)?;
    let context = minijinja::Value::from(minijinja::value::Serde(context));
    let render = |name: &str| env.get_template(name)?.render(&context);
    Ok(Rendered {
        // A subject is one line: line breaks would end the header.
        subject: render("subject.txt")
            .map_err(fail)?
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" "),
        text: render("body.txt").map_err(fail)?,
        html: render("body.html").map_err(fail)?,
    })
}

/// Renders a text message: one line of plain text (line breaks from the template's layout
/// become spaces), with the same work limit and no files.
pub fn render_sms(source: &str, context: &Context) -> Result<String, TemplateError> {
    let mut env = Environment::new();
    env.set_fuel(Some(FUEL));
    let fail = |e: minijinja::Error| TemplateError {
        pointer: "/text",
        message: describe(&e),
    };
    env.add_template("sms.txt", source).map_err(fail)?;
    let context = minijinja::Value::from(minijinja::value::Serde(context));
    let text = env
        .get_template("sms.txt")
        .and_then(|t| t.render(&context))
        .map_err(fail)?;
    Ok(text.split_whitespace().collect::<Vec<_>>().join(" "))
}

/// The error with the template and line it happened in, as a merchant needs to see it.
fn describe(error: &minijinja::Error) -> String {
    match (error.name(), error.line()) {
        (Some(name), Some(line)) => format!("{name}, line {line}: {}", error.kind()),
        _ => error.to_string(),
    }
    .to_string()
        + &error
            .detail()
            .map(|d| format!(" ({d})"))
            .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn context(language: Language) -> Context {
        Context {
            language,
            shop: ShopFacts {
                name: "Kahvila <Ilo>".into(),
                accent: "#8a2be2".into(),
                logo: true,
            },
            order: OrderFacts {
                number: 1042,
                state: "confirmed".into(),
                created: "14.8.2026".into(),
                currency: "EUR".into(),
                totals: TotalsFacts {
                    net: "19,92 €".into(),
                    vat: "5,08 €".into(),
                    gross: "25,00 €".into(),
                },
            },
            customer: CustomerFacts {
                name: "Aino Virtanen".into(),
                email: Some("aino@example.com".into()),
            },
            lines: vec![LineFacts {
                name: "Kahvipaketti".into(),
                sku: Some("K-1".into()),
                quantity: 2,
                unit_price: "12,50 €".into(),
                total: "25,00 €".into(),
            }],
            reason: Some("Tuote loppui".into()),
            links: Default::default(),
            // Only the `personal` kind reads it.
            personal: Some(PersonalFacts::new(
                "Tilauksesi 1042",
                "Hei Aino Virtanen,\n\nkiitos!",
            )),
            // Only the invoice kinds read them.
            invoice: Some(InvoiceFacts {
                number: "L-1007".into(),
                issue_date: "1.9.2026".into(),
                due_date: "15.9.2026".into(),
                total: "25,00 €".into(),
                reference: Some("10076".into()),
                iban: Some("FI21 1234 5600 0007 85".into()),
                bic: Some("NDEAFIHH".into()),
            }),
            reminder: Some(ReminderFacts {
                level: 2,
                days_overdue: 30,
                amount_due: "25,00 €".into(),
                fee: Some("5,00 €".into()),
                total: "30,00 €".into(),
                commercial: false,
            }),
            delivery: Some(DeliveryFacts {
                carrier: Some("Posti".into()),
                tracking_number: Some("JJFI6431".into()),
                tracking_url: Some("https://seuranta.example/JJFI6431?a=1&b=2".into()),
                document: Some("K-12".into()),
            }),
            delay: Some(DelayFacts {
                expected_on: "24.9.2026".into(),
            }),
            payment: Some(PaymentFacts {
                amount: "25,00 €".into(),
                receipt: Some("K-12".into()),
            }),
            export: Some(ExportFacts {
                period: "1.9.–30.9.2026".into(),
                orders: Some("CSV".into()),
                documents: 12,
            }),
        }
    }

    #[test]
    fn a_personal_message_keeps_its_breaks_and_no_markup() {
        let mut c = context(Language::Fi);
        c.personal = Some(PersonalFacts::new(
            "Toimitus <pian>",
            "Hei Aino,\r\ntoimitus viivästyy.\r\n\r\n\r\n<script>alert(1)</script>",
        ));
        let (sources, language) = choose(MessageKind::Personal, Language::De, Language::Fi);
        assert_eq!(
            language,
            Language::De,
            "the writer's words need no template language"
        );
        let mail = render(sources, &c).expect("renders");
        assert_eq!(mail.subject, "Toimitus <pian>");
        assert!(
            mail.text.starts_with("Hei Aino,\r\ntoimitus viivästyy."),
            "{}",
            mail.text
        );
        assert!(
            mail.html
                .contains("<p>Hei Aino,<br>toimitus viivästyy.</p>"),
            "{}",
            mail.html
        );
        assert!(
            mail.html
                .contains("<p>&lt;script&gt;alert(1)&lt;&#x2f;script&gt;</p>"),
            "{}",
            mail.html
        );
        assert!(!mail.html.contains("<script>"));
    }

    #[test]
    fn every_shipped_template_renders_in_every_language() {
        for kind in MessageKind::ALL {
            for language in [Language::Fi, Language::Sv, Language::En] {
                let sources = shipped(*kind, language).expect("shipped");
                let mail = render(sources, &context(language)).expect("renders");
                assert!(!mail.subject.contains('\n'));
                // What the message is about: its order, or the export's days.
                let about = match kind {
                    MessageKind::ScheduledExport => "1.9.–30.9.2026",
                    _ => "1042",
                };
                assert!(mail.subject.contains(about), "{kind} {language}");
                if *kind != MessageKind::ScheduledExport {
                    assert!(mail.text.contains("Aino Virtanen"), "{kind} {language}");
                }
                // Auto-escaped in HTML, plain in text.
                assert!(
                    mail.html.contains("Kahvila &lt;Ilo&gt;"),
                    "{kind} {language}"
                );
                assert!(mail.text.contains("Kahvila <Ilo>"), "{kind} {language}");
                assert!(mail.html.contains(&format!("lang=\"{language}\"")));
            }
        }
    }

    #[test]
    fn shipped_delayed_and_paid_messages_carry_their_facts() {
        for language in [Language::Fi, Language::Sv, Language::En] {
            let context = context(language);
            let render = |kind| {
                render(shipped(kind, language).expect("shipped"), &context).expect("renders")
            };
            let shipped_mail = render(MessageKind::OrderShipped);
            assert!(shipped_mail.text.contains("JJFI6431"), "{language}");
            assert!(
                shipped_mail
                    .text
                    .contains("https://seuranta.example/JJFI6431?a=1&b=2")
            );
            // The tracking button's link, escaped for HTML (`&#x2f;` is minijinja's `/`).
            let html = shipped_mail.html.replace("&#x2f;", "/");
            assert!(
                html.contains(r#"href="https://seuranta.example/JJFI6431?a=1&amp;b=2""#),
                "{language}"
            );
            let delayed = render(MessageKind::OrderDelayed);
            assert!(delayed.text.contains("24.9.2026") && delayed.text.contains("Tuote loppui"));
            let paid = render(MessageKind::PaymentReceived);
            assert!(
                paid.text.contains("25,00 €") && paid.text.contains("K-12"),
                "{language}"
            );
        }
    }

    #[test]
    fn every_shipped_text_message_renders_short_in_every_language() {
        for kind in MessageKind::ALL {
            for language in [Language::Fi, Language::Sv, Language::En] {
                let Some(source) = shipped_sms(*kind, language) else {
                    continue;
                };
                let text = render_sms(source, &context(language)).expect("renders");
                assert!(
                    text.contains("1042") && text.starts_with("Kahvila <Ilo>:"),
                    "{text}"
                );
                assert!(!text.contains('\n'));
                // At most two segments with the longest facts of the sample.
                let parts = tilaus_domain::sms::segments(&text).count;
                assert!(parts <= 2, "{kind} {language}: {parts} segments: {text}");
            }
        }
        assert!(shipped_sms(MessageKind::InvoiceReminder, Language::Fi).is_none());
    }

    #[test]
    fn confirmations_list_lines_and_totals_and_cancellations_the_reason() {
        let c = context(Language::Fi);
        let mail = render(
            shipped(MessageKind::OrderConfirmed, Language::Fi).expect("fi"),
            &c,
        )
        .expect("renders");
        assert_eq!(mail.subject, "Tilauksesi 1042 on vahvistettu");
        assert!(
            mail.text.contains("2 × Kahvipaketti: 25,00 €"),
            "{}",
            mail.text
        );
        assert!(mail.html.contains("25,00 €"));
        let mail = render(
            shipped(MessageKind::OrderCancelled, Language::Sv).expect("sv"),
            &c,
        )
        .expect("renders");
        assert!(mail.text.contains("Orsak: Tuote loppui"), "{}", mail.text);
    }

    #[test]
    fn a_missing_language_falls_back_to_the_shop_default_then_english() {
        let kind = MessageKind::OrderConfirmed;
        assert_eq!(choose(kind, Language::Sv, Language::Fi).1, Language::Sv);
        assert_eq!(choose(kind, Language::De, Language::Fi).1, Language::Fi);
        assert_eq!(choose(kind, Language::De, Language::Cs).1, Language::En);
    }

    #[test]
    fn broken_templates_are_errors_with_the_line_not_panics() {
        let c = context(Language::En);
        let broken = Sources {
            subject: "Order {{ order.number }}",
            text: "Hello\n{% for line in lines %}\n{{ line.name }",
            html: "<p>ok</p>",
        };
        let error = render(broken, &c).expect_err("syntax error");
        assert!(error.to_string().contains("body.txt, line 3"), "{error}");

        let endless = Sources {
            subject: "{% for i in range(100000) %}{% for j in range(100000) %}x{% endfor %}{% endfor %}",
            text: "",
            html: "",
        };
        let error = render(endless, &c).expect_err("out of fuel");
        assert!(error.to_string().contains("subject.txt"), "{error}");

        let unknown_filter = Sources {
            subject: "{{ order.number | nonsense }}",
            text: "",
            html: "",
        };
        assert!(render(unknown_filter, &c).is_err());
    }
}
