//! Reminders: what needs a user now — tasks returned to them, overdue, due within a week, and
//! tasks waiting for their approval. The same list is shown in the application
//! (`/notifications`) and mailed as a daily or weekly digest ([`job`]), so that the two can never
//! say different things.

pub mod job;
pub mod mail;
pub mod pages;

use chrono::NaiveDate;
use sqlx::PgPool;

use crate::auth::Scope;
use crate::checklists::deadline::TaskState;
use crate::checklists::delegation::Reviewer;
use crate::checklists::{TaskLine, lists};
use crate::elections::Election;

/// How often a user wants their digest.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Frequency {
    Daily,
    Weekly,
    Never,
}

impl Frequency {
    pub const ALL: [Frequency; 3] = [Frequency::Daily, Frequency::Weekly, Frequency::Never];

    pub fn code(self) -> &'static str {
        match self {
            Frequency::Daily => "daily",
            Frequency::Weekly => "weekly",
            Frequency::Never => "none",
        }
    }

    pub fn parse(code: &str) -> Option<Frequency> {
        Frequency::ALL.into_iter().find(|f| f.code() == code)
    }

    pub fn label_vi(self) -> &'static str {
        match self {
            Frequency::Daily => "Hằng ngày",
            Frequency::Weekly => "Hằng tuần (thứ Hai)",
            Frequency::Never => "Không nhận thư",
        }
    }
}

/// What needs one user now, in the election they work on.
pub struct Reminders {
    pub election: Election,
    /// Returned by the province with a comment, to be fixed and sent again.
    pub returned: Vec<TaskLine>,
    pub overdue: Vec<TaskLine>,
    /// Open, with a deadline in the next [`crate::checklists::deadline::DUE_SOON_DAYS`] days.
    pub due_soon: Vec<TaskLine>,
    /// Done tasks of their territory waiting for their review (province officers and admins, and
    /// district officers the province delegated review to).
    pub waiting_review: i64,
    /// Directives addressed to them (their agency, or their own unit) that are returned, overdue
    /// or due within a week.
    pub directives: Vec<crate::directives::Item>,
}

impl Reminders {
    pub fn is_empty(&self) -> bool {
        self.returned.is_empty()
            && self.overdue.is_empty()
            && self.due_soon.is_empty()
            && self.waiting_review == 0
            && self.directives.is_empty()
    }
}

/// Works out a user's reminders as of `today`, in `election`; `agency_id` is an agency
/// officer's agency.
pub async fn of_user(
    pool: &PgPool,
    election: Election,
    scope: &Scope,
    agency_id: Option<i64>,
    today: NaiveDate,
) -> sqlx::Result<Reminders> {
    let tasks = lists::of_user(pool, &election, scope).await?;
    let directives = crate::directives::addressed_to(pool, election.id, scope, agency_id).await?;
    let mut reminders = Reminders {
        returned: Vec::new(),
        overdue: Vec::new(),
        due_soon: Vec::new(),
        waiting_review: 0,
        directives: directives
            .into_iter()
            .filter(|item| {
                item.is_returned()
                    || matches!(item.state(&today), TaskState::Overdue | TaskState::DueSoon)
            })
            .collect(),
        election,
    };
    for task in tasks {
        if task.is_returned() {
            reminders.returned.push(task);
            continue;
        }
        match task.state(&today) {
            TaskState::Overdue => reminders.overdue.push(task),
            TaskState::DueSoon => reminders.due_soon.push(task),
            _ => {}
        }
    }
    let reviewer = Reviewer::of(pool, scope, reminders.election.id).await?;
    if reviewer.reviews() {
        let root = scope.unit_id().unwrap_or(reminders.election.unit_id);
        let election = reminders.election.id;
        reminders.waiting_review =
            lists::waiting_review(pool, election, root, reviewer.only_below()).await?;
    }
    Ok(reminders)
}
