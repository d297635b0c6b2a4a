//! The one clock of the application. Every "today" and "now" comes from here, so that demos and
//! tests can run the application as of any date (`BAUCU_TODAY`).

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};

use chrono::{DateTime, FixedOffset, NaiveDate, TimeDelta, Utc};

/// Vietnam time, UTC+7 all year round.
pub fn vietnam() -> FixedOffset {
    FixedOffset::east_opt(7 * 3600).expect("UTC+7 is a valid offset")
}

#[derive(Clone, Debug, Default)]
pub struct Clock {
    fixed_today: Option<NaiveDate>,
    /// Seconds added by `advance`, shared by every copy of this clock.
    skipped: Arc<AtomicI64>,
}

impl Clock {
    /// The system clock.
    pub fn system() -> Clock {
        Clock::default()
    }

    /// A clock whose date is `today`; the time of day still runs, so sessions expire as usual.
    pub fn fixed(today: NaiveDate) -> Clock {
        Clock {
            fixed_today: Some(today),
            ..Clock::default()
        }
    }

    /// Moves this clock (and every copy of it) forward, as tests of expiry and delays need.
    pub fn advance(&self, by: std::time::Duration) {
        let seconds = i64::try_from(by.as_secs()).unwrap_or(i64::MAX);
        self.skipped.fetch_add(seconds, Ordering::Relaxed);
    }

    pub fn from_setting(today: Option<NaiveDate>) -> Clock {
        today.map_or_else(Clock::system, Clock::fixed)
    }

    /// The current moment in Vietnam time.
    pub fn now(&self) -> DateTime<FixedOffset> {
        let real = Utc::now().with_timezone(&vietnam());
        let now = match self.fixed_today {
            None => real,
            Some(day) => day
                .and_time(real.time())
                .and_local_timezone(vietnam())
                .single()
                .expect("a fixed offset has no ambiguous times"),
        };
        now + TimeDelta::seconds(self.skipped.load(Ordering::Relaxed))
    }

    /// Today's date in Vietnam.
    pub fn today(&self) -> NaiveDate {
        self.now().date_naive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_fixed_clock_reports_its_date_in_vietnam_time() {
        let day = NaiveDate::from_ymd_opt(2021, 1, 27).unwrap();
        let clock = Clock::fixed(day);
        assert_eq!(clock.today(), day);
        assert_eq!(clock.now().offset().local_minus_utc(), 7 * 3600);
    }

    #[test]
    fn advancing_a_clock_moves_every_copy() {
        let clock = Clock::fixed(NaiveDate::from_ymd_opt(2021, 1, 27).unwrap());
        let copy = clock.clone();
        clock.advance(std::time::Duration::from_secs(2 * 86_400));
        assert_eq!(copy.today(), NaiveDate::from_ymd_opt(2021, 1, 29).unwrap());
    }

    #[test]
    fn the_system_clock_is_in_vietnam_time() {
        assert_eq!(Clock::system().now().offset().local_minus_utc(), 7 * 3600);
    }
}
