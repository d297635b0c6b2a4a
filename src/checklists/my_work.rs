//! "Việc của tôi": the tasks of the units a user answers for, overdue first.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::State;
use chrono::NaiveDate;

use super::TaskLine;
use super::deadline::TaskState;
use crate::AppState;
use crate::auth::{Access, CurrentUser, Routes};
use crate::web::{AppResult, layout::Layout};

pub fn routes() -> Routes {
    Routes::new().get("/my-work", Access::SignedIn, my_work)
}

#[derive(Template, WebTemplate)]
#[template(path = "checklists/my_work.html")]
struct MyWorkPage {
    layout: Layout,
    tasks: Vec<TaskLine>,
    today: NaiveDate,
    returned: usize,
    overdue: usize,
    due_soon: usize,
    open: usize,
    done: usize,
}

/// The tasks of the user's units ([`super::lists::of_user`]): returned first, then overdue,
/// then by deadline.
async fn my_work(
    State(state): State<AppState>,
    layout: Layout,
    user: CurrentUser,
) -> AppResult<MyWorkPage> {
    let today = state.clock.today();
    let mut tasks = match &layout.election {
        Some(election) => super::lists::of_user(&state.pool, election, &user.scope).await?,
        None => Vec::new(),
    };
    // Returned tasks first (the province is waiting for them), then overdue, then the rest.
    let rank = |task: &TaskLine| match task.state(&today) {
        _ if task.is_returned() => 0,
        TaskState::Overdue => 1,
        TaskState::DueSoon | TaskState::NotDueYet => 2,
        _ => 3,
    };
    tasks.sort_by_key(|task| (rank(task), task.deadline));
    let count = |wanted: &[TaskState]| {
        tasks
            .iter()
            .filter(|t| wanted.contains(&t.state(&today)))
            .count()
    };
    Ok(MyWorkPage {
        returned: tasks.iter().filter(|t| t.is_returned()).count(),
        overdue: count(&[TaskState::Overdue]),
        due_soon: count(&[TaskState::DueSoon]),
        open: count(&[TaskState::Overdue, TaskState::DueSoon, TaskState::NotDueYet]),
        done: count(&[TaskState::DoneOnTime, TaskState::DoneLate]),
        layout,
        tasks,
        today,
    })
}
