//! Payment reminders for overdue invoices (NTF-5), as JTL-Wawi's Mahnwesen and Finnish practice
//! have them: up to three levels, each a number of days past the due date, after a grace period,
//! each with its own fee; never two levels at once, so that a shop that switches reminders on
//! late does not send three letters in three days.

use crate::money::MAX_AMOUNT;
use crate::validation::ValidationErrors;
use jiff::civil::Date;
use serde::{Deserialize, Serialize};

/// At most this many reminder levels (the third is the last before collection).
pub const MAX_LEVELS: usize = 3;

/// The most a reminder to a consumer may cost: Saatavien perintälaki 10 e § caps a reminder fee
/// at 5 € however the shop sets it.
pub const CONSUMER_FEE_CAP: i64 = 500;

/// One reminder level: sent once the invoice is `days_overdue` days past due, with `fee` (minor
/// units) added to what is asked.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReminderLevel {
    pub days_overdue: i64,
    pub fee: i64,
}

/// A shop's reminder policy.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DunningPolicy {
    /// No reminder before the invoice is this many days past due (a payment on its way).
    pub grace_days: i64,
    pub levels: Vec<ReminderLevel>,
}

impl Default for DunningPolicy {
    /// Finnish practice: the first reminder two weeks after the due date, then every two weeks;
    /// 5 € each (the consumer maximum).
    fn default() -> Self {
        Self {
            grace_days: 7,
            levels: vec![
                ReminderLevel {
                    days_overdue: 14,
                    fee: 500,
                },
                ReminderLevel {
                    days_overdue: 28,
                    fee: 500,
                },
                ReminderLevel {
                    days_overdue: 42,
                    fee: 500,
                },
            ],
        }
    }
}

/// The reminder an invoice last got: its level (1-based) and the day it was sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LastReminder {
    pub level: u8,
    pub sent_on: Date,
}

impl DunningPolicy {
    /// Checks a policy as staff typed it: 1–3 levels, each later than the one before and not
    /// before the grace period ends, fees from 0 to the largest amount.
    pub fn validate(self) -> Result<Self, ValidationErrors> {
        let mut errors = ValidationErrors::default();
        if !(0..=365).contains(&self.grace_days) {
            errors.push("/grace_days", "give 0 to 365 days");
        }
        if self.levels.is_empty() || self.levels.len() > MAX_LEVELS {
            errors.push("/levels", format!("give 1 to {MAX_LEVELS} reminder levels"));
        }
        let mut earlier = self.grace_days.max(0);
        for (i, level) in self.levels.iter().enumerate() {
            if level.days_overdue < earlier.max(1) || level.days_overdue > 3650 {
                errors.push(
                    format!("/levels/{i}/days_overdue"),
                    format!(
                        "give a day count after the previous level and the grace period ({}), at most 3650",
                        earlier.max(1)
                    ),
                );
            }
            if !(0..=MAX_AMOUNT).contains(&level.fee) {
                errors.push(
                    format!("/levels/{i}/fee"),
                    "give a fee from 0 in minor units",
                );
            }
            earlier = level.days_overdue + 1;
        }
        errors.into_result().map(|()| self)
    }

    /// The level an invoice due on `due` should be reminded at `today`, if any: the level after
    /// the last one, once it is that many days past due and, after a reminder, once as many days
    /// have passed since it as the levels are apart.
    pub fn level_due(&self, due: Date, today: Date, last: Option<LastReminder>) -> Option<u8> {
        let overdue = days_between(due, today)?;
        if overdue < self.grace_days {
            return None;
        }
        let next = last.map_or(0, |l| usize::from(l.level));
        let level = self.levels.get(next)?;
        if overdue < level.days_overdue {
            return None;
        }
        if let Some(last) = last {
            let gap = level.days_overdue - self.levels.get(next - 1)?.days_overdue;
            if days_between(last.sent_on, today)? < gap {
                return None;
            }
        }
        u8::try_from(next + 1).ok()
    }

    /// The fee of `level` (1-based) for a consumer or a business customer.
    pub fn fee(&self, level: u8, consumer: bool) -> i64 {
        let fee = self
            .levels
            .get(usize::from(level).saturating_sub(1))
            .map_or(0, |l| l.fee);
        if consumer {
            fee.min(CONSUMER_FEE_CAP)
        } else {
            fee
        }
    }
}

fn days_between(from: Date, to: Date) -> Option<i64> {
    from.until(to).ok().map(|span| i64::from(span.get_days()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;
    use proptest::prelude::*;

    fn policy() -> DunningPolicy {
        DunningPolicy::default()
    }

    #[test]
    fn levels_follow_the_due_date_and_each_other() {
        let due = date(2026, 10, 1);
        let p = policy();
        assert_eq!(p.level_due(due, date(2026, 10, 14), None), None);
        assert_eq!(p.level_due(due, date(2026, 10, 15), None), Some(1));
        let first = LastReminder {
            level: 1,
            sent_on: date(2026, 10, 15),
        };
        assert_eq!(p.level_due(due, date(2026, 10, 28), Some(first)), None);
        assert_eq!(p.level_due(due, date(2026, 10, 29), Some(first)), Some(2));
        let third = LastReminder {
            level: 3,
            sent_on: date(2026, 11, 12),
        };
        assert_eq!(
            p.level_due(due, date(2027, 6, 1), Some(third)),
            None,
            "no fourth"
        );
    }

    #[test]
    fn a_late_start_sends_one_level_at_a_time() {
        let due = date(2026, 1, 1);
        let p = policy();
        let today = date(2026, 11, 1);
        assert_eq!(p.level_due(due, today, None), Some(1));
        let first = LastReminder {
            level: 1,
            sent_on: today,
        };
        assert_eq!(p.level_due(due, date(2026, 11, 2), Some(first)), None);
        assert_eq!(p.level_due(due, date(2026, 11, 15), Some(first)), Some(2));
    }

    #[test]
    fn the_grace_period_holds_back_even_the_first_level() {
        let p = DunningPolicy {
            grace_days: 20,
            levels: vec![ReminderLevel {
                days_overdue: 20,
                fee: 0,
            }],
        };
        let due = date(2026, 10, 1);
        assert_eq!(p.level_due(due, date(2026, 10, 20), None), None);
        assert_eq!(p.level_due(due, date(2026, 10, 21), None), Some(1));
        assert_eq!(
            p.level_due(due, date(2026, 9, 1), None),
            None,
            "not yet due"
        );
    }

    #[test]
    fn consumer_fees_are_capped_by_law() {
        let p = DunningPolicy {
            grace_days: 0,
            levels: vec![ReminderLevel {
                days_overdue: 7,
                fee: 1500,
            }],
        };
        assert_eq!(p.fee(1, true), CONSUMER_FEE_CAP);
        assert_eq!(p.fee(1, false), 1500);
        assert_eq!(p.fee(2, false), 0);
    }

    #[test]
    fn bad_policies_name_their_fields() {
        let bad = DunningPolicy {
            grace_days: -1,
            levels: vec![
                ReminderLevel {
                    days_overdue: 14,
                    fee: -5,
                },
                ReminderLevel {
                    days_overdue: 10,
                    fee: 0,
                },
            ],
        };
        let errors = bad.validate().expect_err("refused");
        let pointers: Vec<_> = errors.0.iter().map(|e| e.pointer.as_str()).collect();
        assert_eq!(
            pointers,
            ["/grace_days", "/levels/0/fee", "/levels/1/days_overdue"]
        );
        let none = DunningPolicy {
            grace_days: 0,
            levels: Vec::new(),
        };
        assert!(none.validate().is_err());
        assert!(policy().validate().is_ok());
    }

    proptest! {
        /// Whatever the days, a valid policy never skips a level and never sends two on one day.
        #[test]
        fn never_two_levels_on_one_day(start in 0i64..400, days in 1i64..200) {
            let p = policy();
            let due = date(2026, 1, 1);
            let mut last: Option<LastReminder> = None;
            let first = due.checked_add(jiff::Span::new().days(start)).expect("date");
            for offset in 0..days {
                let today = first.checked_add(jiff::Span::new().days(offset)).expect("date");
                if let Some(level) = p.level_due(due, today, last) {
                    prop_assert_eq!(level, last.map_or(1, |l| l.level + 1));
                    prop_assert!(last.is_none_or(|l| l.sent_on < today));
                    last = Some(LastReminder { level, sent_on: today });
                }
            }
        }
    }
}
