//! A shop's own text messages (NTF-4, SMS channel): per kind and language, replacing the shipped
//! default, checked by rendering on the shop's newest order and shown with the number of SMS
//! segments it takes.

use super::custom::{TEMPLATE_LANGUAGES, preview_context};
use super::template;
use crate::{App, AppError, Principal};
use serde::{Deserialize, Serialize};
use tilaus_domain::language::Language;
use tilaus_domain::message::{Channel, MessageKind};
use tilaus_domain::sms::{Encoding, segments};
use tilaus_domain::validation::ValidationErrors;
use tilaus_store::message_template::{self as store, TemplateRow};
use tilaus_store::now_micros;
use utoipa::ToSchema;

/// The longest text message source a shop may write (a few segments, with placeholders).
const MAX_SOURCE: usize = 2_000;

/// One text message template as the editor shows it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct SmsTemplateView {
    pub kind: String,
    pub language: String,
    /// The shop's own wording; false when the shipped default applies.
    pub custom: bool,
    /// The template (Jinja, same placeholders as e-mail).
    pub text: String,
    pub updated_by: Option<String>,
}

/// A text message template as written, or the text it makes.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SmsTemplateInput {
    pub text: String,
}

/// What a text message template writes on an order, and what it costs to send.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct SmsPreview {
    pub text: String,
    /// `gsm7` or `ucs2`: a character outside GSM 03.38 makes the whole text UCS-2.
    pub encoding: String,
    /// How many SMS the provider sends (and bills) for it.
    pub segments: usize,
}

/// The kinds that go by SMS: those Tilaus ships a text message for.
pub fn sms_kinds() -> impl Iterator<Item = MessageKind> {
    MessageKind::ALL
        .iter()
        .copied()
        .filter(|k| template::shipped_sms(*k, Language::En).is_some())
}

fn parse(kind: &str, language: &str) -> Result<(MessageKind, Language), AppError> {
    let kind = MessageKind::parse(kind)
        .filter(|k| sms_kinds().any(|s| s == *k))
        .ok_or(AppError::NotFound("text message template"))?;
    let language = Language::parse(language)
        .filter(|l| TEMPLATE_LANGUAGES.contains(l))
        .ok_or(AppError::NotFound("text message template"))?;
    Ok((kind, language))
}

fn view(kind: MessageKind, language: Language, row: Option<TemplateRow>) -> SmsTemplateView {
    let shipped = || {
        template::shipped_sms(kind, language)
            .unwrap_or_default()
            .to_owned()
    };
    SmsTemplateView {
        kind: kind.as_str().into(),
        language: language.as_str().into(),
        custom: row.is_some(),
        updated_by: row.as_ref().map(|r| r.updated_by.clone()),
        text: row.map_or_else(shipped, |r| r.body_text),
    }
}

const SMS: &str = Channel::Sms.as_str();

impl App {
    /// Every kind sent by SMS in every language, the shop's own wording or the default.
    pub async fn sms_templates(
        &self,
        principal: &Principal,
    ) -> Result<Vec<SmsTemplateView>, AppError> {
        let mut conn = self.db.read().await?;
        let own = store::list(&mut conn, principal.read_scope()).await?;
        let mut views = Vec::new();
        for kind in sms_kinds() {
            for language in TEMPLATE_LANGUAGES {
                let row = own.iter().find(|r| {
                    r.kind == kind.as_str() && r.language == language.as_str() && r.channel == SMS
                });
                views.push(view(kind, language, row.cloned()));
            }
        }
        Ok(views)
    }

    pub async fn sms_template(
        &self,
        principal: &Principal,
        kind: &str,
        language: &str,
    ) -> Result<SmsTemplateView, AppError> {
        let (kind, language) = parse(kind, language)?;
        let mut conn = self.db.read().await?;
        let scope = principal.read_scope();
        let row = store::get(&mut conn, scope, kind.as_str(), SMS, language.as_str()).await?;
        Ok(view(kind, language, row))
    }

    /// Saves the shop's wording (owner or manager) once it renders on the shop's newest order;
    /// otherwise 422 with the line.
    pub async fn put_sms_template(
        &self,
        principal: &Principal,
        kind: &str,
        language: &str,
        input: &SmsTemplateInput,
    ) -> Result<SmsTemplateView, AppError> {
        let scope = principal.admin_scope()?;
        let (kind, language) = parse(kind, language)?;
        if input.text.trim().is_empty() || input.text.chars().count() > MAX_SOURCE {
            let detail = format!("write 1 to {MAX_SOURCE} characters");
            return Err(AppError::Invalid(ValidationErrors::single("/text", detail)));
        }
        self.preview_sms_template(principal, kind.as_str(), language.as_str(), input, None)
            .await?;
        let row = TemplateRow {
            kind: kind.as_str().into(),
            channel: SMS.into(),
            language: language.as_str().into(),
            subject: String::new(),
            body_text: input.text.clone(),
            body_html: String::new(),
            updated_by: principal.actor.label.clone(),
            updated_at: now_micros(),
        };
        let mut tx = self.db.begin().await?;
        store::put(&mut tx, scope, &row).await?;
        tx.commit().await?;
        Ok(view(kind, language, Some(row)))
    }

    /// Goes back to the shipped default; 404 when the shop had no wording of its own.
    pub async fn reset_sms_template(
        &self,
        principal: &Principal,
        kind: &str,
        language: &str,
    ) -> Result<SmsTemplateView, AppError> {
        let scope = principal.admin_scope()?;
        let (kind, language) = parse(kind, language)?;
        let mut tx = self.db.begin().await?;
        let deleted = store::delete(&mut tx, scope, kind.as_str(), SMS, language.as_str()).await?;
        tx.commit().await?;
        if !deleted {
            return Err(AppError::NotFound("text message template"));
        }
        Ok(view(kind, language, None))
    }

    /// The text `input` would send about order `number` (the newest when none is given), with
    /// its encoding and segment count; a template that does not render is a 422 with its line.
    pub async fn preview_sms_template(
        &self,
        principal: &Principal,
        kind: &str,
        language: &str,
        input: &SmsTemplateInput,
        number: Option<i64>,
    ) -> Result<SmsPreview, AppError> {
        let (kind, language) = parse(kind, language)?;
        let mut conn = self.db.read().await?;
        let context =
            preview_context(&mut conn, principal.read_scope(), kind, language, number).await?;
        let text = template::render_sms(&input.text, &context)
            .map_err(|e| AppError::Invalid(ValidationErrors::single(e.pointer, e.message)))?;
        let counted = segments(&text);
        Ok(SmsPreview {
            encoding: match counted.encoding {
                Encoding::Gsm7 => "gsm7",
                Encoding::Ucs2 => "ucs2",
            }
            .into(),
            segments: counted.count,
            text,
        })
    }
}
