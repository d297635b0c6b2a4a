//! The law's rules about candidates, as pure functions (DOMAIN.md §5 and §8): the surplus a
//! constituency's list needs, the voters' confidence a nominee needs, the hour dossiers close, and
//! the composition shares set against their targets.

use chrono::{DateTime, FixedOffset, NaiveDate, NaiveTime, TimeDelta, TimeZone};

use crate::clock::vietnam;

/// Days before election day on which dossiers close, at [`INTAKE_CLOSES_AT`] Vietnam time.
pub const INTAKE_CLOSES_DAYS_BEFORE: i64 = 70;
/// The hour dossiers close on that day.
pub const INTAKE_CLOSES_AT: (u32, u32) = (17, 0);

/// How many more candidates than seats a constituency's list must have (Law on Election, art. 57
/// and 58): two for the National Assembly; for a People's Council one for 1–2 seats, two for 3,
/// three for 4 or more.
pub fn surplus_needed(race_kind: &str, seats: i32) -> i32 {
    if race_kind == "na" {
        return 2;
    }
    match seats {
        ..=2 => 1,
        3 => 2,
        _ => 3,
    }
}

/// Whether a constituency's list of `candidates` for `seats` keeps the surplus rule.
pub fn surplus_kept(race_kind: &str, seats: i32, candidates: i64) -> bool {
    candidates >= i64::from(seats + surplus_needed(race_kind, seats))
}

/// Whether a voter meeting gave the nominee the confidence of more than half of the voters
/// attending (exactly half is not enough).
pub fn has_confidence(attending: i32, confident: i32) -> bool {
    attending > 0 && i64::from(confident) * 2 > i64::from(attending)
}

/// The moment dossiers stop being received: 17:00 Vietnam time, 70 days before election day.
pub fn intake_closes(election_day: NaiveDate) -> DateTime<FixedOffset> {
    let day = election_day - TimeDelta::days(INTAKE_CLOSES_DAYS_BEFORE);
    let (hour, minute) = INTAKE_CLOSES_AT;
    let time = NaiveTime::from_hms_opt(hour, minute, 0).expect("a valid hour");
    vietnam()
        .from_local_datetime(&day.and_time(time))
        .single()
        .expect("Vietnam has no daylight saving")
}

/// Whether a dossier received at `at` is within the intake (17:00 itself is too late).
pub fn dossier_in_time(at: DateTime<FixedOffset>, election_day: NaiveDate) -> bool {
    at < intake_closes(election_day)
}

/// A share in per cent, rounded to one decimal place the way officials round (half up), from
/// whole counts; none of nothing.
pub fn share_tenths(part: i64, whole: i64) -> Option<i64> {
    if whole <= 0 {
        return None;
    }
    // Tenths of a per cent: part * 1000 / whole, rounded half up, in integers.
    Some((part * 2000 + whole) / (2 * whole))
}

/// The share as text, "35,3 %", or "—" of nothing.
pub fn share_text(part: i64, whole: i64) -> String {
    match share_tenths(part, whole) {
        Some(tenths) => format!("{},{} %", tenths / 10, tenths % 10),
        None => "—".to_string(),
    }
}

/// Candidates per seat, "1,7", or "—" when either is missing.
pub fn per_seat_text(candidates: i64, seats: Option<i32>) -> String {
    match seats {
        Some(seats) if seats > 0 && candidates > 0 => {
            let seats = i64::from(seats);
            let tenths = (candidates * 20 + seats) / (2 * seats);
            format!("{},{}", tenths / 10, tenths % 10)
        }
        _ => "—".to_string(),
    }
}

/// Whether `part` of `whole` reaches a target of `min_percent` — computed on the counts, not on
/// the rounded share, so 34.96 % does not pass for 35 %.
pub fn meets_target(part: i64, whole: i64, min_percent: i32) -> bool {
    whole > 0 && part * 100 >= i64::from(min_percent) * whole
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_surplus_rule_for_one_to_five_seats_of_each_race() {
        for seats in 1..=3 {
            assert_eq!(surplus_needed("na", seats), 2);
            assert!(surplus_kept("na", seats, i64::from(seats) + 2));
            assert!(!surplus_kept("na", seats, i64::from(seats) + 1));
        }
        for council in ["province_council", "district_council", "commune_council"] {
            let expected = [(1, 1), (2, 1), (3, 2), (4, 3), (5, 3)];
            for (seats, more) in expected {
                assert_eq!(surplus_needed(council, seats), more, "{council} {seats}");
                assert!(surplus_kept(council, seats, i64::from(seats + more)));
                assert!(!surplus_kept(council, seats, i64::from(seats + more - 1)));
            }
        }
    }

    #[test]
    fn exactly_half_of_the_voters_attending_is_not_confidence() {
        assert!(!has_confidence(100, 50));
        assert!(has_confidence(100, 51));
        assert!(!has_confidence(101, 50));
        assert!(has_confidence(101, 51));
        assert!(has_confidence(1, 1));
        assert!(!has_confidence(0, 0));
    }

    #[test]
    fn dossiers_close_at_five_in_the_afternoon_seventy_days_before() {
        let day = NaiveDate::from_ymd_opt(2021, 5, 23).unwrap();
        let closes = intake_closes(day);
        assert_eq!(closes.to_rfc3339(), "2021-03-14T17:00:00+07:00");
        let at = |h, m, s| {
            vietnam()
                .with_ymd_and_hms(2021, 3, 14, h, m, s)
                .single()
                .unwrap()
        };
        assert!(dossier_in_time(at(16, 59, 59), day));
        assert!(!dossier_in_time(at(17, 0, 0), day));
        // 16:59 in Vietnam is 09:59 UTC: the same instant, whatever zone it is written in.
        let utc = chrono::Utc
            .with_ymd_and_hms(2021, 3, 14, 9, 59, 0)
            .unwrap()
            .fixed_offset();
        assert!(dossier_in_time(utc, day));
        assert!(!dossier_in_time(utc + TimeDelta::minutes(1), day));
    }

    #[test]
    fn shares_round_half_up_and_targets_are_judged_on_the_counts() {
        assert_eq!(share_text(6, 17), "35,3 %");
        assert_eq!(share_text(1, 8), "12,5 %");
        assert_eq!(share_text(1, 3), "33,3 %");
        assert_eq!(share_text(2, 3), "66,7 %");
        assert_eq!(share_text(0, 0), "—");
        assert!(meets_target(7, 20, 35));
        assert!(!meets_target(6, 20, 35));
        // 3496 of 10000 rounds to 35,0 % but is short of 35 %.
        assert_eq!(share_text(3496, 10_000), "35,0 %");
        assert!(!meets_target(3496, 10_000, 35));
        assert!(!meets_target(0, 0, 0));
    }

    #[test]
    fn candidates_per_seat_round_half_up() {
        assert_eq!(per_seat_text(868, Some(500)), "1,7");
        assert_eq!(per_seat_text(5, Some(3)), "1,7");
        assert_eq!(per_seat_text(3, Some(2)), "1,5");
        assert_eq!(per_seat_text(0, Some(3)), "—");
        assert_eq!(per_seat_text(4, None), "—");
    }
}
