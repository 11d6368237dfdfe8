//! Who may do what in a shop.

use crate::string_enum;
use uuid::Uuid;

string_enum! {
    /// A staff user's or API token's role in one shop.
    Role {
        Owner = "owner",
        Manager = "manager",
        Staff = "staff",
        ReadOnly = "read_only",
    }
}

impl Role {
    /// Whether this role may change orders, customers and products.
    pub const fn can_write(self) -> bool {
        !matches!(self, Role::ReadOnly)
    }

    /// Whether this role may manage the shop itself: its users, tokens and channels.
    pub const fn can_administer(self) -> bool {
        matches!(self, Role::Owner | Role::Manager)
    }

    /// Whether a holder of `self` may hand out `other` (no one grants more than they have).
    pub const fn may_grant(self, other: Role) -> bool {
        self.can_administer() && self.rank() >= other.rank()
    }

    const fn rank(self) -> u8 {
        match self {
            Role::Owner => 3,
            Role::Manager => 2,
            Role::Staff => 1,
            Role::ReadOnly => 0,
        }
    }
}

string_enum! {
    /// What kind of principal made a change.
    ActorKind {
        User = "user",
        Token = "token",
        System = "system",
        /// The customer through a public link (a confirmation link: the person who confirmed).
        Customer = "customer",
    }
}

/// The principal behind a change, recorded on every event (the audit trail).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Actor {
    pub kind: ActorKind,
    /// The user's or token's id; `None` for the system itself (migrations, demo data).
    pub id: Option<Uuid>,
    /// A human-readable label kept with the event so history stays readable after a token is
    /// revoked or a user removed.
    pub label: String,
}

impl Actor {
    pub fn system(label: &str) -> Self {
        Self {
            kind: ActorKind::System,
            id: None,
            label: label.to_owned(),
        }
    }

    /// A customer acting through a public link, by the name they gave.
    pub fn customer(label: &str) -> Self {
        Self {
            kind: ActorKind::Customer,
            id: None,
            label: label.to_owned(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn read_only_cannot_write_and_nobody_grants_above_themselves() {
        assert!(!Role::ReadOnly.can_write());
        assert!(Role::Staff.can_write());
        assert!(Role::Manager.may_grant(Role::Staff));
        assert!(!Role::Manager.may_grant(Role::Owner));
        assert!(!Role::Staff.may_grant(Role::ReadOnly));
        assert_eq!(Role::parse("read_only"), Some(Role::ReadOnly));
        assert_eq!(Role::parse("admin"), None);
    }
}
