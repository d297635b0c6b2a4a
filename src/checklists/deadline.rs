//! Deadlines and the state of a task as of a day: pure rules, no I/O.
//!
//! A deadline is election day minus the calendar entry's offset in days (a negative offset falls
//! after election day). It is always computed, never stored, so moving election day moves it.

use chrono::{Days, NaiveDate};

/// How close "due soon" is: a deadline within this many days, the deadline day included.
pub const DUE_SOON_DAYS: i64 = 7;

/// What a unit has recorded about a task.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Status {
    NotStarted,
    InProgress,
    Done,
    NotApplicable,
    Blocked,
}

impl Status {
    pub fn parse(code: &str) -> Option<Status> {
        Some(match code {
            "not_started" => Status::NotStarted,
            "in_progress" => Status::InProgress,
            "done" => Status::Done,
            "not_applicable" => Status::NotApplicable,
            "blocked" => Status::Blocked,
            _ => return None,
        })
    }

    pub fn label_vi(self) -> &'static str {
        match self {
            Status::NotStarted => "Chưa bắt đầu",
            Status::InProgress => "Đang thực hiện",
            Status::Done => "Đã xong",
            Status::NotApplicable => "Không áp dụng",
            Status::Blocked => "Vướng mắc",
        }
    }

    /// The code the database stores.
    pub fn code(self) -> &'static str {
        match self {
            Status::NotStarted => "not_started",
            Status::InProgress => "in_progress",
            Status::Done => "done",
            Status::NotApplicable => "not_applicable",
            Status::Blocked => "blocked",
        }
    }
}

/// Where a task stands against its deadline, as of a given day.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TaskState {
    NotDueYet,
    DueSoon,
    Overdue,
    DoneOnTime,
    DoneLate,
    NotApplicable,
}

impl TaskState {
    pub const ALL: [TaskState; 6] = [
        TaskState::NotDueYet,
        TaskState::DueSoon,
        TaskState::Overdue,
        TaskState::DoneOnTime,
        TaskState::DoneLate,
        TaskState::NotApplicable,
    ];

    pub fn label_vi(self) -> &'static str {
        match self {
            TaskState::NotDueYet => "Chưa đến hạn",
            TaskState::DueSoon => "Sắp đến hạn",
            TaskState::Overdue => "Quá hạn",
            TaskState::DoneOnTime => "Xong đúng hạn",
            TaskState::DoneLate => "Xong trễ hạn",
            TaskState::NotApplicable => "Không áp dụng",
        }
    }

    /// A stable name for styling and tests.
    pub fn code(self) -> &'static str {
        match self {
            TaskState::NotDueYet => "not-due",
            TaskState::DueSoon => "due-soon",
            TaskState::Overdue => "overdue",
            TaskState::DoneOnTime => "done-on-time",
            TaskState::DoneLate => "done-late",
            TaskState::NotApplicable => "not-applicable",
        }
    }
}

/// The roll-ups' status of a task recorded done before the province began using the application:
/// done, and never judged late, since its timing was never recorded here.
pub const DONE_BEFORE_GO_LIVE: &str = "done_before_go_live";

/// The state of a task whose status is stored as its code (an unknown code counts as not started).
pub fn state_of(
    status: &str,
    deadline: NaiveDate,
    evidence_date: Option<NaiveDate>,
    today: NaiveDate,
) -> TaskState {
    if status == DONE_BEFORE_GO_LIVE {
        return TaskState::DoneOnTime;
    }
    task_state(
        Status::parse(status).unwrap_or(Status::NotStarted),
        deadline,
        evidence_date,
        today,
    )
}

/// The state of a stored task; one recorded done before go-live is never late.
pub fn state_of_task(
    status: &str,
    deadline: NaiveDate,
    evidence_date: Option<NaiveDate>,
    before_go_live: bool,
    today: NaiveDate,
) -> TaskState {
    let judged_on = evidence_date.filter(|_| !before_go_live);
    state_of(status, deadline, judged_on, today)
}

/// The Vietnamese label of a stored status code.
pub fn status_label(status: &str) -> &'static str {
    Status::parse(status).map_or("", Status::label_vi)
}

/// Election day minus `offset_days` (negative offsets fall after election day).
pub fn deadline(election_day: NaiveDate, offset_days: i32) -> NaiveDate {
    let days = Days::new(u64::from(offset_days.unsigned_abs()));
    if offset_days >= 0 {
        election_day - days
    } else {
        election_day + days
    }
}

/// The state of a task with `status`, due on `deadline`, done on `evidence_date` if done.
pub fn task_state(
    status: Status,
    deadline: NaiveDate,
    evidence_date: Option<NaiveDate>,
    today: NaiveDate,
) -> TaskState {
    match status {
        Status::NotApplicable => TaskState::NotApplicable,
        Status::Done => match evidence_date {
            Some(done_on) if done_on > deadline => TaskState::DoneLate,
            _ => TaskState::DoneOnTime,
        },
        Status::NotStarted | Status::InProgress | Status::Blocked => {
            let days_left = (deadline - today).num_days();
            if days_left < 0 {
                TaskState::Overdue
            } else if days_left <= DUE_SOON_DAYS {
                TaskState::DueSoon
            } else {
                TaskState::NotDueYet
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    const E: fn() -> NaiveDate = || day(2021, 5, 23);

    #[test]
    fn deadlines_count_back_from_election_day() {
        assert_eq!(
            deadline(E(), 105),
            day(2021, 2, 7),
            "election committees established"
        );
        assert_eq!(
            deadline(E(), 50),
            day(2021, 4, 3),
            "polling groups established"
        );
        assert_eq!(deadline(E(), 0), E());
        assert_eq!(
            deadline(E(), -10),
            day(2021, 6, 2),
            "HĐND results published"
        );
        assert_eq!(
            deadline(E(), 135),
            day(2021, 1, 8),
            "provincial steering committee formed at E−135"
        );
    }

    #[test]
    fn moving_election_day_moves_every_deadline() {
        let later = day(2021, 5, 30);
        assert_eq!(deadline(later, 105), day(2021, 2, 14));
        assert_eq!(deadline(later, -20), day(2021, 6, 19));
    }

    #[test]
    fn open_task_states_at_their_boundaries() {
        let due = day(2021, 4, 3);
        let state = |today| task_state(Status::InProgress, due, None, today);
        assert_eq!(
            state(day(2021, 3, 26)),
            TaskState::NotDueYet,
            "8 days before"
        );
        assert_eq!(state(day(2021, 3, 27)), TaskState::DueSoon, "7 days before");
        assert_eq!(state(due), TaskState::DueSoon, "the deadline day itself");
        assert_eq!(state(day(2021, 4, 4)), TaskState::Overdue, "the day after");
        assert_eq!(
            task_state(Status::Blocked, due, None, day(2021, 4, 4)),
            TaskState::Overdue
        );
        assert_eq!(
            task_state(Status::NotStarted, due, None, day(2021, 1, 1)),
            TaskState::NotDueYet
        );
    }

    #[test]
    fn done_tasks_are_judged_by_their_evidence_date() {
        let due = day(2021, 4, 3);
        let today = day(2021, 5, 1);
        assert_eq!(
            task_state(Status::Done, due, Some(due), today),
            TaskState::DoneOnTime
        );
        assert_eq!(
            task_state(Status::Done, due, Some(day(2021, 4, 4)), today),
            TaskState::DoneLate
        );
        assert_eq!(
            task_state(Status::NotApplicable, due, None, today),
            TaskState::NotApplicable
        );
    }

    #[test]
    fn status_codes_round_trip() {
        for code in [
            "not_started",
            "in_progress",
            "done",
            "not_applicable",
            "blocked",
        ] {
            assert!(Status::parse(code).is_some(), "{code}");
        }
        assert_eq!(Status::parse("finished"), None);
    }
}

#[cfg(test)]
mod calendar_2021 {
    use super::deadline;
    use chrono::NaiveDate;

    /// Every entry of the 2021 calendar, its deadline worked out by hand from 23/05/2021.
    const EXPECTED: &[(&str, &str)] = &[
        ("announce_election_day", "2021-01-28"),
        ("nominee_structure", "2021-02-07"),
        ("election_committee_established", "2021-02-07"),
        ("consultation_1", "2021-02-17"),
        ("na_constituency_draft_sent", "2021-02-27"),
        ("constituencies_published", "2021-03-04"),
        ("candidate_dossiers_closed", "2021-03-14"),
        ("election_boards_established", "2021-03-14"),
        ("consultation_2", "2021-03-19"),
        ("polling_groups_established", "2021-04-03"),
        ("voter_meetings_done", "2021-04-13"),
        ("voter_lists_posted", "2021-04-13"),
        ("consultation_3", "2021-04-18"),
        ("qualified_lists_sent", "2021-04-23"),
        ("na_official_list_published", "2021-04-28"),
        ("hdnd_official_lists_published", "2021-05-03"),
        ("candidate_lists_posted", "2021-05-03"),
        ("ballots_handed_to_polling_groups", "2021-05-08"),
        ("candidate_complaints_closed", "2021-05-13"),
        ("campaigning_ends", "2021-05-22"),
        ("voting_day", "2021-05-23"),
        ("hdnd_results_published", "2021-06-02"),
        ("additional_elections_held", "2021-06-07"),
        ("na_results_published", "2021-06-12"),
        ("steering_committee_established", "2021-01-08"),
        ("communication_plan", "2021-02-12"),
        ("security_plan", "2021-03-24"),
        ("budget_estimate_approved", "2021-02-22"),
        ("polling_places_ready", "2021-05-13"),
    ];

    #[test]
    fn every_entry_of_the_bundled_calendar_falls_on_its_hand_worked_day() {
        let election_day = NaiveDate::from_ymd_opt(2021, 5, 23).unwrap();
        let calendar = include_str!("../seed/data/legal-calendar-2021.csv");
        let mut reader = csv::Reader::from_reader(calendar.as_bytes());
        let mut checked = 0;
        for record in reader.records() {
            let record = record.unwrap();
            let (code, offset) = (&record[0], record[1].parse::<i32>().unwrap());
            let expected = EXPECTED
                .iter()
                .find(|(c, _)| *c == code)
                .unwrap_or_else(|| panic!("{code}"));
            assert_eq!(
                deadline(election_day, offset).to_string(),
                expected.1,
                "{code}"
            );
            checked += 1;
        }
        assert_eq!(checked, EXPECTED.len(), "every entry checked");
    }
}
