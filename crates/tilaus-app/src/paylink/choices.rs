//! The payment page's choice of Visma Pay methods: the merchant's banks, cards, wallets and
//! credit invoices (`merchant_payment_methods`), so the customer picks theirs on our page and
//! goes straight to it. The list is kept per shop for a few minutes: it changes when the
//! merchant's contract does, not per customer. When Visma Pay does not answer, the page offers
//! its hosted page, which shows every method itself.

use super::{PayPage, PayProvider};
use crate::{App, AppError};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tilaus_integrations::vismapay::MerchantMethod;
use tilaus_store::ShopScope;
use uuid::Uuid;

/// How long a shop's list is reused.
const FRESH_FOR: Duration = Duration::from_secs(10 * 60);

/// Cards come as one choice: Visma Pay's page asks for the card, whatever its brand.
const CARDS: &str = "creditcards";

/// One button on the payment page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PayChoice {
    /// What `POST /pay/{token}` sends as `method`, and Visma Pay gets as `selected`.
    pub value: String,
    /// The method's name (a bank's, a wallet's); cards have none of their own.
    pub name: String,
    /// banks, creditcards, wallets or creditinvoices.
    pub group: String,
}

/// A shop's list for one currency, with when it was fetched.
type Fetched = (Instant, Arc<Vec<MerchantMethod>>);

/// The merchants' lists by (shop, currency).
#[derive(Debug, Default)]
pub(crate) struct MethodCache(Mutex<HashMap<(Uuid, String), Fetched>>);

impl MethodCache {
    fn get(&self, key: &(Uuid, String)) -> Option<Arc<Vec<MerchantMethod>>> {
        let cache = self.0.lock().ok()?;
        cache
            .get(key)
            .filter(|(at, _)| at.elapsed() < FRESH_FOR)
            .map(|(_, methods)| Arc::clone(methods))
    }

    fn put(&self, key: (Uuid, String), methods: Arc<Vec<MerchantMethod>>) {
        if let Ok(mut cache) = self.0.lock() {
            cache.insert(key, (Instant::now(), methods));
        }
    }

    /// Forgets a shop's lists (its keys changed).
    pub(crate) fn forget(&self, shop_id: Uuid) {
        if let Ok(mut cache) = self.0.lock() {
            cache.retain(|(shop, _), _| *shop != shop_id);
        }
    }
}

/// The buttons for `amount` of `currency`: cards once, then each bank, wallet and credit
/// invoice that takes the amount, in Visma Pay's order.
pub(crate) fn choices(methods: &[MerchantMethod], amount: i64, currency: &str) -> Vec<PayChoice> {
    let mut choices: Vec<PayChoice> = Vec::new();
    for method in methods.iter().filter(|m| m.takes(amount, currency)) {
        let choice = if method.group == CARDS {
            PayChoice {
                value: CARDS.into(),
                name: String::new(),
                group: CARDS.into(),
            }
        } else {
            PayChoice {
                value: method.selected_value.clone(),
                name: method.name.clone(),
                group: method.group.clone(),
            }
        };
        if !choices.iter().any(|c| c.value == choice.value) {
            choices.push(choice);
        }
    }
    choices
}

impl App {
    /// Fills the page's Visma Pay choices when it takes payments through Visma Pay.
    pub async fn offer_vismapay_methods(&self, page: &mut PayPage) {
        if !page.providers.contains(&PayProvider::VismaPay) {
            return;
        }
        let scope = ShopScope::authorised(page.shop_id);
        match self.merchant_methods(scope, &page.currency).await {
            Ok(methods) => page.vismapay_methods = choices(&methods, page.due, &page.currency),
            Err(e) => {
                tracing::warn!(shop_id = %page.shop_id, error = %e, "Visma Pay's methods are not known now; its page will offer them");
            }
        }
    }

    /// `method` when the link's page offers it now; `None` otherwise (the customer then
    /// chooses on Visma Pay's page).
    pub(crate) async fn offered_method(&self, token: &str, method: &str) -> Option<String> {
        let mut page = self.payment_page(token).await.ok()?;
        self.offer_vismapay_methods(&mut page).await;
        page.vismapay_methods
            .into_iter()
            .find(|c| c.value == method)
            .map(|c| c.value)
    }

    async fn merchant_methods(
        &self,
        scope: ShopScope,
        currency: &str,
    ) -> Result<Arc<Vec<MerchantMethod>>, AppError> {
        let key = (scope.shop_id(), currency.to_owned());
        if let Some(methods) = self.payments.method_cache.get(&key) {
            return Ok(methods);
        }
        let credentials = self.require_vismapay(scope).await?;
        let methods = self
            .payments
            .vismapay
            .merchant_payment_methods(&credentials, currency)
            .await
            .map_err(|e| AppError::ProviderUnavailable(e.to_string()))?;
        let methods = Arc::new(methods);
        self.payments.method_cache.put(key, Arc::clone(&methods));
        Ok(methods)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn method(name: &str, value: &str, group: &str, min: Option<i64>) -> MerchantMethod {
        MerchantMethod {
            name: name.into(),
            selected_value: value.into(),
            group: group.into(),
            min_amount: min,
            max_amount: None,
            currency: vec!["EUR".into()],
        }
    }

    #[test]
    fn cards_are_one_choice_and_limits_hold() {
        let methods = [
            method("Visa", "creditcards", "creditcards", None),
            method("Mastercard", "creditcards", "creditcards", None),
            method("Nordea", "nordea", "banks", None),
            method("MobilePay", "mobilepay", "wallets", None),
            method("Jousto", "jousto", "creditinvoices", Some(2000)),
        ];
        let values = |amount| -> Vec<String> {
            choices(&methods, amount, "EUR")
                .into_iter()
                .map(|c| c.value)
                .collect()
        };
        assert_eq!(
            values(2480),
            ["creditcards", "nordea", "mobilepay", "jousto"]
        );
        assert_eq!(values(1000), ["creditcards", "nordea", "mobilepay"]);
        assert!(choices(&methods, 2480, "SEK").is_empty());
    }
}
