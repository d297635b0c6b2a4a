//! The tasks behind a dashboard cell: a unit's tasks and everything below it, by entry and state.
//!
//! The list is drawn and kept as its dashboard is (`dashboards::cache`, with the same freshness):
//! everyone who opens the same cell within a few seconds gets one drawing, which says when it was
//! read, and whoever has just saved something sees it drawn afresh. The unit and its scope are
//! checked on every request before anything kept is served; an entry or state that does not exist
//! is a 404 that keeps nothing. Downloads are read afresh.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::HeaderMap;
use axum::response::Response;
use chrono::{DateTime, NaiveDate, Utc};
use serde::Deserialize;

use super::{cache, kept_view, root_of};
use crate::AppState;
use crate::auth::guard::RequestMeta;
use crate::auth::{Access, CurrentUser, Routes};
use crate::checklists::deadline::TaskState;
use crate::checklists::{TaskLine, lists};
use crate::elections::Election;
use crate::i18n::Lang;
use crate::units::UnitDetail;
use crate::web::export::{self, Cell, Table};
use crate::web::kept::{self, KeptContent};
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

/// The list itself, the same for everyone who opens this cell.
#[derive(Template)]
#[template(path = "dashboards/tasks_content.html")]
struct TaskListContent<'a> {
    layout: &'a Layout,
    root_name: &'a str,
    /// None when there are more than `lists::MAX_LISTED`: the page says so instead.
    tasks: Option<&'a [TaskLine]>,
    max_listed: String,
    today: NaiveDate,
    /// The list's filter, for its download links.
    export_query: String,
    /// When the tasks were read, "hh:mm:ss" in Vietnam time.
    drawn_at: String,
}

/// One view of a task list. Every part is an existing unit, a known state or one of a few
/// values, and an entry is kept only once a drawing has found it, so what can be kept is bounded.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct ListKey {
    election_id: i64,
    root_id: i64,
    entry: String,
    state: Option<&'static str>,
    lang: Lang,
    today: NaiveDate,
}

impl cache::Weight for KeptContent {
    fn bytes(&self) -> usize {
        KeptContent::bytes(self)
    }
}

/// The states a list may be narrowed to; an empty one keeps every task, any other is a 404.
fn known_state(code: &str) -> AppResult<Option<&'static str>> {
    if code.is_empty() {
        return Ok(None);
    }
    TaskState::ALL
        .iter()
        .map(|state| state.code())
        .find(|known| *known == code)
        .map(Some)
        .ok_or(AppError::NotFound)
}

/// An entry's code as the calendar writes them; anything else names no entry and is refused
/// before a slot is made for it.
fn plausible_entry(code: &str) -> AppResult<()> {
    let plausible = code.len() <= 64
        && code
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_');
    if plausible {
        Ok(())
    } else {
        Err(AppError::NotFound)
    }
}

/// The tasks of `root` and everything below it, of the named entry (a 404 when there is no such
/// entry) and in the named state; none when they are too many to list (`lists::MAX_LISTED`).
async fn listed(
    state: &AppState,
    election: &Election,
    root: &UnitDetail,
    entry: &str,
    task_state: Option<&str>,
) -> AppResult<Option<Vec<TaskLine>>> {
    let entry_id = match entry {
        "" => None,
        code => Some(
            lists::entry_id(&state.pool, election.id, code)
                .await?
                .ok_or(AppError::NotFound)?,
        ),
    };
    let mut tasks =
        lists::below(&state.pool, election, root.id, entry_id, lists::MAX_LISTED).await?;
    if let (Some(tasks), Some(code)) = (&mut tasks, task_state) {
        let today = state.clock.today();
        tasks.retain(|task| task.state(&today).code() == code);
    }
    Ok(tasks)
}

/// The tasks behind a dashboard cell.
async fn task_list(
    State(state): State<AppState>,
    layout: Layout,
    user: CurrentUser,
    meta: RequestMeta,
    headers: HeaderMap,
    Query(query): Query<TaskListQuery>,
) -> AppResult<Response> {
    let election = layout.election.clone().ok_or(AppError::NotFound)?;
    let task_state = known_state(&query.state)?;
    plausible_entry(&query.entry)?;
    // The unit and the user's reach over it first, whatever is kept.
    let root = root_of(&state, &user, &election, &query.unit).await?;
    let key = ListKey {
        election_id: election.id,
        root_id: root.id,
        entry: query.entry.clone(),
        state: task_state,
        lang: layout.lang,
        today: state.clock.today(),
    };
    let wanted = kept_view(&state, &meta);
    let draw = draw(&state, &layout, &election, &root, &key, wanted.now);
    let drawn = state
        .dashboards
        .lists
        .get(key.clone(), wanted, draw)
        .await?;
    let title = layout.f("Công việc — {}", &root.name);
    kept::send(layout, &title, &drawn.value, &headers)
}

/// Draws a list as `key` names it.
async fn draw(
    state: &AppState,
    layout: &Layout,
    election: &Election,
    root: &UnitDetail,
    key: &ListKey,
    now: DateTime<Utc>,
) -> AppResult<(KeptContent, Option<DateTime<Utc>>)> {
    let tasks = listed(state, election, root, &key.entry, key.state).await?;
    let export_query = form_urlencoded::Serializer::new(String::new())
        .append_pair("unit", &format!("{}:{}", root.level, root.gso_code))
        .append_pair("entry", &key.entry)
        .append_pair("state", key.state.unwrap_or_default())
        .finish();
    let content = TaskListContent {
        layout,
        root_name: &root.name,
        tasks: tasks.as_deref(),
        max_listed: crate::format::number(lists::MAX_LISTED as i64),
        today: key.today,
        export_query,
        drawn_at: kept::read_at(now),
    }
    .render()
    .map_err(anyhow::Error::from)?;
    // A task's state moves with the day, which is part of the key.
    Ok((KeptContent::new(content), None))
}

async fn task_list_download(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(file): Path<String>,
    Query(query): Query<TaskListQuery>,
) -> AppResult<Response> {
    let election = crate::elections::required(&state.pool, user.viewer()).await?;
    let task_state = known_state(&query.state)?;
    let root = root_of(&state, &user, &election, &query.unit).await?;
    // The page offers no download of a list too long to show.
    let tasks = listed(&state, &election, &root, &query.entry, task_state)
        .await?
        .ok_or_else(|| AppError::BadRequest("a list too long to download".to_string()))?;
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
