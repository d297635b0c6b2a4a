//! The tasks behind a dashboard cell: a unit's tasks and everything below it, by entry and state.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Response};
use chrono::NaiveDate;
use serde::Deserialize;

use super::root_of;
use crate::AppState;
use crate::auth::{Access, CurrentUser, Routes};
use crate::checklists::{TaskLine, lists};
use crate::elections::Election;
use crate::units::{self, pages::Reach};
use crate::web::export::{self, Cell, Table};
use crate::web::{AppError, AppResult, layout::Layout};

/// How a task's review reads in a list.
fn review_label(review: &str) -> &'static str {
    match review {
        "approved" => "Đã duyệt",
        "returned" => "Trả lại",
        _ => "",
    }
}

pub fn routes() -> Routes {
    Routes::new()
        .get("/tasks", Access::SignedIn, task_list)
        .get("/task-list/{file}", Access::SignedIn, task_list_download)
}

#[derive(Deserialize, Default)]
struct TaskListQuery {
    #[serde(default)]
    unit: String,
    #[serde(default)]
    entry: String,
    #[serde(default)]
    state: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "dashboards/tasks.html")]
struct TaskListPage {
    layout: Layout,
    root_name: String,
    tasks: Vec<TaskLine>,
    today: NaiveDate,
    /// The list's filter, for its download links.
    export_query: String,
}

/// The tasks of a unit and everything below it, of one entry and in one state when asked; with
/// the unit's name. The unit is the one `?unit=level:code` names, or the user's own.
async fn listed(
    state: &AppState,
    user: &CurrentUser,
    election: Option<&Election>,
    query: &TaskListQuery,
) -> AppResult<(String, Vec<TaskLine>)> {
    let election = election.ok_or(AppError::NotFound)?;
    let (level, gso_code) = match query.unit.split_once(':') {
        // A code that is not a number names no unit.
        Some((level, code)) => (
            level.to_string(),
            code.parse().map_err(|_| AppError::NotFound)?,
        ),
        None => {
            let own = root_of(state, user, election, "").await?;
            (own.level, own.gso_code)
        }
    };
    let entry = Some(query.entry.as_str()).filter(|code| !code.is_empty());
    let below = lists::below(&state.pool, election, &level, gso_code, entry)
        .await?
        .ok_or(AppError::NotFound)?;
    // The scope first: nothing read is used unless the user reaches the whole unit.
    units::pages::check_reach(user, &below.root_ancestors, Reach::Whole)?;
    let mut tasks = below.tasks;
    if !query.state.is_empty() {
        let today = state.clock.today();
        tasks.retain(|task| task.state(&today).code() == query.state);
    }
    Ok((below.root_name, tasks))
}

/// The tasks behind a dashboard cell.
async fn task_list(
    State(state): State<AppState>,
    layout: Layout,
    user: CurrentUser,
    Query(query): Query<TaskListQuery>,
) -> AppResult<Response> {
    let (root_name, tasks) = listed(&state, &user, layout.election.as_ref(), &query).await?;
    let export_query = form_urlencoded::Serializer::new(String::new())
        .append_pair("unit", &query.unit)
        .append_pair("entry", &query.entry)
        .append_pair("state", &query.state)
        .finish();
    Ok(TaskListPage {
        layout,
        root_name,
        tasks,
        today: state.clock.today(),
        export_query,
    }
    .into_response())
}

async fn task_list_download(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(file): Path<String>,
    Query(query): Query<TaskListQuery>,
) -> AppResult<Response> {
    let election = crate::elections::current(&state.pool, user.viewer()).await?;
    let (_, tasks) = listed(&state, &user, election.as_ref(), &query).await?;
    let today = state.clock.today();
    // The reviewers' names, in one query for the whole list.
    let reviewer_ids: Vec<i64> = tasks.iter().filter_map(|t| t.reviewed_by).collect();
    let reviewers: std::collections::HashMap<i64, String> = sqlx::query!(
        "SELECT id, full_name FROM users WHERE id = ANY($1)",
        &reviewer_ids
    )
    .fetch_all(&state.pool)
    .await?
    .into_iter()
    .map(|r| (r.id, r.full_name))
    .collect();
    let text = |value: &Option<String>| value.clone().map_or(Cell::Empty, Cell::text);
    let table = Table {
        name: "Cong viec",
        headers: vec![
            "Hạn",
            "Công việc",
            "Đơn vị",
            "Trạng thái",
            "Tình hình",
            "Số văn bản",
            "Ngày văn bản",
            "Người ký",
            "Duyệt",
            "Người duyệt",
            "Ngày duyệt",
            "Ý kiến của tỉnh",
        ],
        rows: tasks
            .iter()
            .map(|t| {
                vec![
                    Cell::Date(t.deadline),
                    Cell::text(t.title_vi.clone()),
                    Cell::text(t.unit_name.clone()),
                    Cell::text(t.status_label()),
                    Cell::text(t.state(&today).label_vi()),
                    text(&t.evidence_number),
                    t.evidence_date.map_or(Cell::Empty, Cell::Date),
                    text(&t.evidence_signer),
                    Cell::text(review_label(&t.review)),
                    text(&t.reviewed_by.and_then(|id| reviewers.get(&id).cloned())),
                    t.reviewed_at.map_or(Cell::Empty, |at| {
                        Cell::Date(at.with_timezone(&crate::clock::vietnam()).date_naive())
                    }),
                    text(&t.review_comment),
                ]
            })
            .collect(),
    };
    table.download("cong-viec", export::extension(&file))
}
