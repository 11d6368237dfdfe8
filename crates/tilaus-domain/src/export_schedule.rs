//! Scheduled exports (NTF-6): a shop mails its accountant the orders (CSV or XLSX) and the
//! documents (PDF) of each finished day, week or month, as Johku schedules its accounting
//! reports. A period is sent once, after it has ended in the shop's time zone.

use crate::string_enum;
use jiff::civil::Date;

string_enum! {
    /// How often a schedule sends.
    Frequency {
        /// Yesterday's, every morning.
        Daily = "daily",
        /// Last week's (Monday to Sunday), on Mondays.
        Weekly = "weekly",
        /// Last month's, on the first of the month.
        Monthly = "monthly",
    }
}

/// The days an export covers, both ends included.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Period {
    pub first: Date,
    pub last: Date,
}

impl Frequency {
    /// The latest period of this frequency that has ended by `today` (the shop's date):
    /// yesterday, last week (Monday to Sunday), or last month.
    pub fn last_ended(self, today: Date) -> Option<Period> {
        let days = |n: i64| jiff::Span::new().days(n);
        match self {
            Frequency::Daily => {
                let yesterday = today.yesterday().ok()?;
                Some(Period {
                    first: yesterday,
                    last: yesterday,
                })
            }
            Frequency::Weekly => {
                let monday =
                    today.checked_sub(days(i64::from(today.weekday().to_monday_zero_offset())));
                let monday = monday.ok()?;
                Some(Period {
                    first: monday.checked_sub(days(7)).ok()?,
                    last: monday.yesterday().ok()?,
                })
            }
            Frequency::Monthly => {
                let last = today.first_of_month().yesterday().ok()?;
                Some(Period {
                    first: last.first_of_month(),
                    last,
                })
            }
        }
    }

    /// The period a schedule should send on `today`, given the last day it sent up to: the
    /// latest ended one, if that is newer. A schedule that missed runs sends only the latest
    /// period (the earlier ones can be exported by hand), so that a server that was down for a
    /// week does not mail seven files at once.
    pub fn due(self, today: Date, sent_up_to: Option<Date>) -> Option<Period> {
        let period = self.last_ended(today)?;
        match sent_up_to {
            Some(sent) if sent >= period.last => None,
            _ => Some(period),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    #[test]
    fn periods_end_before_today() {
        // Wednesday 9 December 2026.
        let today = date(2026, 12, 9);
        assert_eq!(
            Frequency::Daily.last_ended(today),
            Some(Period {
                first: date(2026, 12, 8),
                last: date(2026, 12, 8)
            })
        );
        let last_week = Some(Period {
            first: date(2026, 11, 30),
            last: date(2026, 12, 6),
        });
        // From Monday to Sunday the last ended week is the one before.
        for day in 7..=13 {
            assert_eq!(Frequency::Weekly.last_ended(date(2026, 12, day)), last_week);
        }
        assert_eq!(date(2026, 11, 30).weekday(), jiff::civil::Weekday::Monday);
        let november = Some(Period {
            first: date(2026, 11, 1),
            last: date(2026, 11, 30),
        });
        assert_eq!(Frequency::Monthly.last_ended(today), november);
        assert_eq!(Frequency::Monthly.last_ended(date(2026, 12, 1)), november);
        assert_eq!(
            Frequency::Monthly
                .last_ended(date(2027, 3, 1))
                .map(|p| p.last),
            Some(date(2027, 2, 28))
        );
    }

    #[test]
    fn each_period_is_due_once_and_missed_ones_collapse_to_the_latest() {
        let monday = date(2026, 12, 7);
        let week = Frequency::Weekly.due(monday, None).expect("due");
        assert_eq!(Frequency::Weekly.due(monday, Some(week.last)), None);
        // Down for ten days: only yesterday is sent.
        let daily = Frequency::Daily.due(date(2026, 12, 20), Some(date(2026, 12, 9)));
        assert_eq!(daily.map(|p| p.first), Some(date(2026, 12, 19)));
        assert_eq!(
            Frequency::Daily.due(date(2026, 12, 20), Some(date(2026, 12, 19))),
            None
        );
    }
}
