//! The one clock of the application. Every "today" and "now" comes from here, so that demos and
//! tests can run the application as of any date (`BAUCU_TODAY`).

use chrono::{DateTime, FixedOffset, NaiveDate, Utc};

/// Vietnam time, UTC+7 all year round.
pub fn vietnam() -> FixedOffset {
    FixedOffset::east_opt(7 * 3600).expect("UTC+7 is a valid offset")
}

#[derive(Clone, Copy, Debug, Default)]
pub struct Clock {
    fixed_today: Option<NaiveDate>,
}

impl Clock {
    /// The system clock.
    pub fn system() -> Clock {
        Clock { fixed_today: None }
    }

    /// A clock whose date is `today`; the time of day still runs, so sessions expire as usual.
    pub fn fixed(today: NaiveDate) -> Clock {
        Clock {
            fixed_today: Some(today),
        }
    }

    pub fn from_setting(today: Option<NaiveDate>) -> Clock {
        today.map_or_else(Clock::system, Clock::fixed)
    }

    /// The current moment in Vietnam time.
    pub fn now(&self) -> DateTime<FixedOffset> {
        let real = Utc::now().with_timezone(&vietnam());
        match self.fixed_today {
            None => real,
            Some(day) => day
                .and_time(real.time())
                .and_local_timezone(vietnam())
                .single()
                .expect("a fixed offset has no ambiguous times"),
        }
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
    fn the_system_clock_is_in_vietnam_time() {
        assert_eq!(Clock::system().now().offset().local_minus_utc(), 7 * 3600);
    }
}
