//! How highlight rules (CUS-11) look in the list: a tint per palette colour (CSS classes
//! `hl-<colour>`) and a glyph per icon, always beside the rule's name as text, so that neither
//! colour nor icon is the only sign.

use super::guard::Staff;
use super::render;
use axum::response::Response;
use tilaus_app::App;
use tilaus_domain::highlight::{Icon, Rule};

/// A matching rule as shown in a row: its glyph (an icon, or a dot in its colour) and its name.
pub(crate) struct Mark {
    pub glyph: &'static str,
    /// CSS class that colours the glyph, empty for none.
    pub class: String,
    pub name: String,
}

impl Mark {
    pub fn new(rule: &Rule) -> Self {
        Mark {
            glyph: rule.icon.map_or("●", glyph),
            class: rule.colour.map(|c| format!("hl-{c}")).unwrap_or_default(),
            name: rule.name.clone(),
        }
    }
}

pub(crate) fn glyph(icon: Icon) -> &'static str {
    match icon {
        Icon::Flag => "⚑",
        Icon::Star => "★",
        Icon::Alert => "⚠",
        Icon::Clock => "⏱",
        Icon::Euro => "€",
    }
}

/// The user's own and shared rules, read once for a whole page or row.
pub(crate) async fn rules(app: &App, staff: &Staff) -> Result<Vec<Rule>, Response> {
    let rules = app
        .highlight_rules(&staff.principal)
        .await
        .map_err(|e| render::app_error(&staff.ctx, e))?;
    Ok(rules.into_iter().map(|r| r.rule).collect())
}
