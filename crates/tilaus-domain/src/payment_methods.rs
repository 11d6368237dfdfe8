//! The ways of paying a shop accepts: its payment providers, invoicing, prepayment by bank
//! transfer, and the methods staff record by hand at the counter or on the phone.
//!
//! A shop that never chose accepts every way (what it can use still depends on its provider
//! keys). Bank transfers found on a statement are always recordable: they are how invoices and
//! transfer slips get paid, so switching them off would strand money already on its way.

use crate::payment::PaymentMethod;
use crate::string_enum;
use std::collections::BTreeSet;

string_enum! {
    /// One way of paying a shop can switch on or off.
    AcceptedMethod {
        /// Visma Pay's hosted page (cards, Finnish online banks, wallets) through payment links.
        VismaPay = "visma_pay",
        /// Stripe Checkout through payment links.
        Stripe = "stripe",
        /// An invoice with a due date (organisations; consumers pay first).
        Invoice = "invoice",
        /// A transfer slip: paid by bank transfer before delivery.
        Prepayment = "prepayment",
        Cash = "cash",
        CardTerminal = "card_terminal",
        /// Anything else staff record by hand (a gift card of another system, a barter…).
        Other = "other",
    }
}

impl AcceptedMethod {
    /// The switch a payment recorded by hand with `method` needs; `None` when it needs none
    /// (bank transfers, see the module's note).
    pub fn for_recorded(method: PaymentMethod) -> Option<AcceptedMethod> {
        match method {
            PaymentMethod::Cash => Some(AcceptedMethod::Cash),
            PaymentMethod::CardTerminal => Some(AcceptedMethod::CardTerminal),
            PaymentMethod::Other => Some(AcceptedMethod::Other),
            PaymentMethod::BankTransfer
            | PaymentMethod::Card
            | PaymentMethod::OnlineBank
            | PaymentMethod::MobileWallet => None,
        }
    }
}

/// A way of paying the shop switched off was asked for.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("the shop does not accept {0} payments; switch it on in the payment settings first")]
pub struct MethodSwitchedOff(pub AcceptedMethod);

/// The ways a shop accepts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AcceptedMethods {
    enabled: BTreeSet<AcceptedMethod>,
}

impl Default for AcceptedMethods {
    fn default() -> Self {
        AcceptedMethods {
            enabled: AcceptedMethod::ALL.iter().copied().collect(),
        }
    }
}

impl AcceptedMethods {
    /// Reads a list of names (duplicates allowed, order ignored). An empty list is allowed: a
    /// shop that takes money elsewhere only.
    pub fn parse<S: AsRef<str>>(names: &[S]) -> Result<AcceptedMethods, String> {
        let mut enabled = BTreeSet::new();
        for name in names {
            let name = name.as_ref();
            let method = AcceptedMethod::parse(name)
                .ok_or_else(|| format!("'{name}' is not one of {}", AcceptedMethod::expected()))?;
            enabled.insert(method);
        }
        Ok(AcceptedMethods { enabled })
    }

    pub fn accepts(&self, method: AcceptedMethod) -> bool {
        self.enabled.contains(&method)
    }

    pub fn ensure(&self, method: AcceptedMethod) -> Result<(), MethodSwitchedOff> {
        if self.accepts(method) {
            Ok(())
        } else {
            Err(MethodSwitchedOff(method))
        }
    }

    /// Whether staff may record a payment of `method` by hand.
    pub fn ensure_recordable(&self, method: PaymentMethod) -> Result<(), MethodSwitchedOff> {
        AcceptedMethod::for_recorded(method).map_or(Ok(()), |m| self.ensure(m))
    }

    /// The enabled ways in declaration order, as stored and shown.
    pub fn names(&self) -> Vec<&'static str> {
        self.enabled.iter().map(|m| m.as_str()).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_shop_that_never_chose_accepts_everything() {
        let all = AcceptedMethods::default();
        for method in AcceptedMethod::ALL {
            assert!(all.accepts(*method), "{method}");
        }
        for method in PaymentMethod::ALL {
            assert_eq!(all.ensure_recordable(*method), Ok(()));
        }
    }

    #[test]
    fn switched_off_methods_are_refused_by_name() {
        let some = AcceptedMethods::parse(&["invoice", "cash", "invoice"]).expect("valid");
        assert_eq!(some.names(), ["invoice", "cash"]);
        assert_eq!(
            some.ensure(AcceptedMethod::Stripe),
            Err(MethodSwitchedOff(AcceptedMethod::Stripe))
        );
        assert!(some.ensure_recordable(PaymentMethod::Cash).is_ok());
        let refused = some
            .ensure_recordable(PaymentMethod::CardTerminal)
            .expect_err("switched off");
        assert!(refused.to_string().contains("card_terminal"), "{refused}");
    }

    #[test]
    fn bank_transfers_are_always_recordable() {
        let none = AcceptedMethods::parse::<&str>(&[]).expect("empty is allowed");
        assert!(none.ensure_recordable(PaymentMethod::BankTransfer).is_ok());
        assert!(none.ensure_recordable(PaymentMethod::Cash).is_err());
    }

    #[test]
    fn unknown_names_are_refused() {
        let error = AcceptedMethods::parse(&["cash", "bitcoin"]).expect_err("unknown");
        assert!(
            error.contains("bitcoin") && error.contains("visma_pay"),
            "{error}"
        );
    }
}
