//! The ways of paying a shop accepts: staff switch providers, invoicing, prepayment and the
//! hand-recorded methods on and off; the commands that take money check the switch.

use super::{PayProvider, PaymentProviderView};
use crate::{App, AppError, Principal};
use serde::{Deserialize, Serialize};
use serde_json::json;
use tilaus_domain::order::OrderAction;
use tilaus_domain::payment::PaymentMethod;
use tilaus_domain::payment_methods::{AcceptedMethod, AcceptedMethods, MethodSwitchedOff};
use tilaus_store::shop_setting::{self, Setting, SettingRow};
use tilaus_store::{Queries, ShopScope, StoreError, now_micros, payment_link};
use utoipa::ToSchema;

/// The shop's payment settings as the API shows and takes them.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PaymentMethodSettings {
    /// The ways the shop accepts, any of: `visma_pay`, `stripe` (through payment links, once
    /// the provider's keys are stored), `invoice`, `prepayment` (transfer slips), `cash`,
    /// `card_terminal`, `other` (recorded by staff). Bank transfers found on a statement are
    /// always recordable. A shop that never chose accepts all.
    pub accepted: Vec<String>,
    /// The providers whose keys are stored (read only; set them with
    /// `PUT /api/v1/payment-providers/{provider}`).
    #[serde(default, skip_deserializing)]
    pub providers: Vec<PaymentProviderView>,
    /// Who changed the settings last; `None` while the shop has the defaults.
    #[serde(default, skip_deserializing)]
    pub updated_by: Option<String>,
}

impl PaymentMethodSettings {
    fn accepts(&self, method: AcceptedMethod) -> bool {
        self.accepted.iter().any(|a| a == method.as_str())
    }

    /// Whether a payment link can be paid: an accepted provider whose keys are stored.
    pub fn links_payable(&self) -> bool {
        PayProvider::ALL.into_iter().any(|provider| {
            self.accepts(provider.accepted_method())
                && self
                    .providers
                    .iter()
                    .any(|p| p.provider == provider.as_str())
        })
    }

    /// Whether the settings let staff take `action` (the order's state decides the rest):
    /// invoices need invoicing, payment links a provider to pay through.
    pub fn allows(&self, action: OrderAction) -> bool {
        match action {
            OrderAction::CreateInvoice => self.accepts(AcceptedMethod::Invoice),
            OrderAction::SendPaymentLink => self.links_payable(),
            OrderAction::SendConfirmationLink | OrderAction::RecordPayment => true,
        }
    }

    pub fn takes_prepayment(&self) -> bool {
        self.accepts(AcceptedMethod::Prepayment)
    }

    /// Whether staff may record a payment of `method` by hand.
    pub fn records(&self, method: PaymentMethod) -> bool {
        AcceptedMethod::for_recorded(method).is_none_or(|m| self.accepts(m))
    }
}

impl PayProvider {
    /// The switch that lets customers pay through this provider.
    pub(crate) fn accepted_method(self) -> AcceptedMethod {
        match self {
            PayProvider::VismaPay => AcceptedMethod::VismaPay,
            PayProvider::Stripe => AcceptedMethod::Stripe,
        }
    }
}

impl From<MethodSwitchedOff> for AppError {
    fn from(e: MethodSwitchedOff) -> Self {
        AppError::Conflict(e.to_string())
    }
}

async fn stored(
    q: &mut impl Queries,
    scope: ShopScope,
) -> Result<Option<(AcceptedMethods, SettingRow)>, AppError> {
    let Some(row) = shop_setting::get(q, scope, Setting::PaymentMethods).await? else {
        return Ok(None);
    };
    let names: Vec<String> = serde_json::from_str(&row.value)
        .map_err(|e| StoreError::corrupt("payment_settings.accepted", e))?;
    let methods = AcceptedMethods::parse(&names)
        .map_err(|e| StoreError::corrupt("payment_settings.accepted", e))?;
    Ok(Some((methods, row)))
}

/// The ways the shop accepts: its own choice, or all while it never chose.
pub(crate) async fn accepted_methods(
    q: &mut impl Queries,
    scope: ShopScope,
) -> Result<AcceptedMethods, AppError> {
    Ok(stored(q, scope).await?.map(|(m, _)| m).unwrap_or_default())
}

impl App {
    pub async fn payment_method_settings(
        &self,
        principal: &Principal,
    ) -> Result<PaymentMethodSettings, AppError> {
        let scope = principal.read_scope();
        let mut conn = self.db.read().await?;
        let (methods, updated_by) = match stored(&mut conn, scope).await? {
            Some((methods, row)) => (methods, Some(row.updated_by)),
            None => (AcceptedMethods::default(), None),
        };
        let providers = payment_link::providers(&mut conn, scope).await?;
        Ok(PaymentMethodSettings {
            accepted: methods.names().into_iter().map(String::from).collect(),
            providers: providers.iter().map(PaymentProviderView::from).collect(),
            updated_by,
        })
    }

    /// Replaces the accepted ways of paying (owner or manager). Payments already taken and
    /// documents already issued stay as they are; the switch governs what is started from now.
    pub async fn put_payment_method_settings(
        &self,
        principal: &Principal,
        input: &PaymentMethodSettings,
    ) -> Result<PaymentMethodSettings, AppError> {
        let scope = principal.admin_scope()?;
        let methods = AcceptedMethods::parse(&input.accepted)
            .map_err(|e| AppError::invalid("/accepted", e))?;
        let names = methods.names();
        let row = SettingRow {
            value: json!(names).to_string(),
            updated_by: principal.actor.label.clone(),
            updated_at: now_micros(),
        };
        let mut tx = self.db.begin().await?;
        shop_setting::put(&mut tx, scope, Setting::PaymentMethods, &row).await?;
        crate::audit::record(
            &mut tx,
            scope,
            principal,
            "payment_methods.updated",
            "payment_methods",
            json!({"accepted": names}),
        )
        .await?;
        tx.commit().await?;
        self.payment_method_settings(principal).await
    }
}
