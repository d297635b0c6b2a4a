//! Dashboards: for a unit (the province, or a district for its officers), one row per unit directly
//! below it with its progress, overdue and late counts, structure violations and last activity, a
//! heatmap of calendar entries, and the units that have gone quiet. States come from the same pure
//! rule as everywhere else (`checklists::deadline`), applied to one query's rows.

pub mod brief;
pub mod chart;

use std::collections::HashMap;

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use chrono::{DateTime, NaiveDate, TimeDelta, Utc};
use serde::Deserialize;

use crate::AppState;
use crate::auth::{Access, CurrentUser, Routes};
use crate::checklists::TaskLine;
use crate::checklists::deadline::{self, TaskState};
use crate::clock::vietnam;
use crate::elections::Election;
use crate::units::{self, Reach, UnitDetail};
use crate::web::export::{self, Cell, Table};
use crate::web::{AppError, AppResult, format, layout::Layout};

/// A unit with no change for this long while it has open tasks is "quiet".
pub const QUIET_AFTER_DAYS: i64 = 7;

pub fn routes() -> Routes {
    Routes::new()
        .get("/dashboard", Access::SignedIn, dashboard)
        .get("/dashboard/{file}", Access::SignedIn, download)
        .get("/tasks", Access::SignedIn, task_list)
        .get("/task-list/{file}", Access::SignedIn, task_list_download)
}

#[derive(Deserialize, Default, Clone)]
pub struct Filter {
    /// The unit whose children are the rows, as LEVEL:GSO_CODE; the user's own unit by default.
    #[serde(default)]
    pub unit: String,
    /// "legal", "administrative" or empty for both.
    #[serde(default)]
    pub kind: String,
    /// Only tasks of units of this level, or empty for all.
    #[serde(default)]
    pub level: String,
    /// Sort the rows by: "name" (default), "done", "overdue", "activity".
    #[serde(default)]
    pub sort: String,
}

/// Counts of task states.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Tally {
    pub done_on_time: i64,
    pub done_late: i64,
    pub overdue: i64,
    pub open: i64,
    pub not_applicable: i64,
}

impl Tally {
    fn add(&mut self, state: TaskState) {
        match state {
            TaskState::DoneOnTime => self.done_on_time += 1,
            TaskState::DoneLate => self.done_late += 1,
            TaskState::Overdue => self.overdue += 1,
            TaskState::NotDueYet | TaskState::DueSoon => self.open += 1,
            TaskState::NotApplicable => self.not_applicable += 1,
        }
    }
    fn merge(&mut self, other: &Tally) {
        self.done_on_time += other.done_on_time;
        self.done_late += other.done_late;
        self.overdue += other.overdue;
        self.open += other.open;
        self.not_applicable += other.not_applicable;
    }
    pub fn done(&self) -> i64 {
        self.done_on_time + self.done_late
    }
    pub fn applicable(&self) -> i64 {
        self.done() + self.overdue + self.open
    }
    pub fn percent_done(&self) -> i64 {
        match self.applicable() {
            0 => 100,
            all => self.done() * 100 / all,
        }
    }
    /// A cell's look: a state name for the colour, and a symbol with a number, so it reads without colour.
    pub fn cell_state(&self) -> &'static str {
        if self.overdue > 0 {
            "overdue"
        } else if self.open > 0 {
            "not-due"
        } else if self.done_late > 0 {
            "done-late"
        } else if self.done_on_time > 0 {
            "done-on-time"
        } else {
            "not-applicable"
        }
    }
    pub fn cell_text(&self) -> String {
        match self.cell_state() {
            "overdue" => format!("✗{}", self.overdue),
            "not-due" => format!("○{}", self.open),
            "done-late" => format!("◐{}", self.done()),
            "done-on-time" => format!("✓{}", self.done()),
            _ => "–".to_string(),
        }
    }
    pub fn title(&self) -> String {
        format!(
            "Xong đúng hạn {}, xong trễ {}, quá hạn {}, chưa đến hạn {}, không áp dụng {}",
            self.done_on_time, self.done_late, self.overdue, self.open, self.not_applicable
        )
    }
}

pub struct Column {
    pub code: String,
    pub title_vi: String,
    pub title_en: String,
    pub deadline: NaiveDate,
    pub legal: bool,
}

impl Column {
    pub fn deadline_text(&self) -> String {
        format::date(self.deadline)
    }
}

pub struct Contact {
    pub full_name: String,
    pub phone: Option<String>,
}

pub struct Row {
    pub level: String,
    pub gso_code: i32,
    pub name: String,
    pub tally: Tally,
    pub cells: Vec<Tally>,
    pub violations: usize,
    pub last_activity: Option<DateTime<Utc>>,
    pub quiet: bool,
    pub contacts: Vec<Contact>,
}

impl Row {
    pub fn href(&self) -> String {
        units::path(&self.level, self.gso_code)
    }
    pub fn activity_text(&self) -> String {
        self.last_activity.map_or("Chưa có".to_string(), |at| {
            at.with_timezone(&vietnam())
                .format("%d/%m/%Y %H:%M")
                .to_string()
        })
    }
}

/// A legal deadline ahead, and how many units have met it.
pub struct Upcoming {
    pub title_vi: String,
    pub title_en: String,
    pub deadline: NaiveDate,
    pub done: i64,
    pub total: i64,
}

impl Upcoming {
    pub fn deadline_text(&self) -> String {
        format::date(self.deadline)
    }
}

pub struct LevelProgress {
    pub label: &'static str,
    pub tally: Tally,
}

#[derive(Template, WebTemplate)]
#[template(path = "dashboards/dashboard.html")]
struct DashboardPage {
    layout: Layout,
    root: UnitDetail,
    filter: Filter,
    columns: Vec<Column>,
    rows: Vec<Row>,
    totals: Tally,
    total_violations: usize,
    upcoming: Vec<Upcoming>,
    levels: Vec<LevelProgress>,
    days_left: i64,
    chart_svg: String,
    chart: Vec<chart::Point>,
}

/// One task, as the dashboard needs it.
struct TaskFact {
    /// The unit directly below the root that the task's unit belongs to (or the root itself).
    row_unit: i64,
    unit_level: String,
    code: String,
    deadline: NaiveDate,
    status: String,
    evidence_date: Option<NaiveDate>,
}

/// The unit a dashboard or task list is about: the one named in the filter, else the user's own
/// (the election's for an admin).
async fn root_of(
    state: &AppState,
    user: &CurrentUser,
    election: &Election,
    unit: &str,
) -> AppResult<UnitDetail> {
    if let Some((level, code)) = unit.split_once(':') {
        return units::from_path(&state.pool, user, level, code, Reach::Whole).await;
    }
    let unit_id = user.scope.unit_id().unwrap_or(election.unit_id);
    let unit = sqlx::query!("SELECT level, gso_code FROM units WHERE id = $1", unit_id)
        .fetch_one(&state.pool)
        .await?;
    units::from_path(
        &state.pool,
        user,
        &unit.level,
        &unit.gso_code.to_string(),
        Reach::Whole,
    )
    .await
}

/// Everything a dashboard shows.
struct Dashboard {
    root: UnitDetail,
    chart: Vec<chart::Point>,
    columns: Vec<Column>,
    rows: Vec<Row>,
    totals: Tally,
    total_violations: usize,
    upcoming: Vec<Upcoming>,
    levels: Vec<LevelProgress>,
}

async fn dashboard(
    State(state): State<AppState>,
    layout: Layout,
    user: CurrentUser,
    Query(filter): Query<Filter>,
) -> AppResult<Response> {
    let election = layout.election.clone().ok_or(AppError::NotFound)?;
    let root = root_of(&state, &user, &election, &filter.unit).await?;
    // A commune has no units below it: its dashboard is its own page.
    if root.level == "commune" {
        return Ok(Redirect::to(&units::path(&root.level, root.gso_code)).into_response());
    }
    let today = state.clock.today();
    let dashboard = compute(&state, &election, root, &filter).await?;
    Ok(DashboardPage {
        total_violations: dashboard.total_violations,
        days_left: (election.election_day - today).num_days(),
        layout,
        root: dashboard.root,
        filter,
        columns: dashboard.columns,
        rows: dashboard.rows,
        totals: dashboard.totals,
        upcoming: dashboard.upcoming,
        levels: dashboard.levels,
        chart_svg: chart::svg(&dashboard.chart),
        chart: dashboard.chart,
    }
    .into_response())
}

/// The dashboard's unit table as XLSX or CSV, with the same filter.
async fn download(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(file): Path<String>,
    Query(filter): Query<Filter>,
) -> AppResult<Response> {
    let election = crate::elections::current(&state.pool)
        .await?
        .ok_or(AppError::NotFound)?;
    let root = root_of(&state, &user, &election, &filter.unit).await?;
    let dashboard = compute(&state, &election, root, &filter).await?;
    let mut rows: Vec<Vec<Cell>> = dashboard
        .rows
        .iter()
        .map(|row| {
            let mut cells = vec![Cell::text(row.name.clone())];
            cells.extend(tally_cells(&row.tally));
            cells.push(Cell::Number(row.violations as i64));
            cells.push(Cell::text(row.activity_text()));
            cells.push(Cell::text(if row.quiet { "Có" } else { "" }));
            cells
        })
        .collect();
    let mut totals = vec![Cell::text("Tổng cộng")];
    totals.extend(tally_cells(&dashboard.totals));
    totals.push(Cell::Number(dashboard.total_violations as i64));
    totals.extend([Cell::Empty, Cell::Empty]);
    rows.push(totals);
    let table = Table {
        name: "Tong hop",
        headers: vec![
            "Đơn vị",
            "% xong",
            "Xong đúng hạn",
            "Xong trễ hạn",
            "Quá hạn",
            "Chưa đến hạn",
            "Không áp dụng",
            "Vi phạm",
            "Hoạt động gần nhất",
            "Im lặng",
        ],
        rows,
    };
    table.download("tong-hop", export::extension(&file))
}

fn tally_cells(tally: &Tally) -> Vec<Cell> {
    vec![
        Cell::Number(tally.percent_done()),
        Cell::Number(tally.done_on_time),
        Cell::Number(tally.done_late),
        Cell::Number(tally.overdue),
        Cell::Number(tally.open),
        Cell::Number(tally.not_applicable),
    ]
}

async fn compute(
    state: &AppState,
    election: &Election,
    root: UnitDetail,
    filter: &Filter,
) -> AppResult<Dashboard> {
    let today = state.clock.today();
    let started = std::time::Instant::now();

    let facts = sqlx::query_as!(
        TaskFact,
        r#"SELECT coalesce(u.ancestors[array_position(u.ancestors, $2) + 1], $2) AS "row_unit!",
                  u.level AS unit_level, c.code, (e.election_day - c.offset_days) AS "deadline!",
                  t.status, t.evidence_date
             FROM tasks t
             JOIN units u ON u.id = t.unit_id
             JOIN calendar_entries c ON c.id = t.calendar_entry_id
             JOIN elections e ON e.id = c.election_id
            WHERE c.election_id = $1 AND c.retired_at IS NULL AND u.ancestors @> ARRAY[$2::bigint]
              AND ($3 = '' OR c.kind = $3) AND ($4 = '' OR u.level = $4)"#,
        election.id,
        root.id,
        filter.kind,
        filter.level
    )
    .fetch_all(&state.pool)
    .await?;

    let columns = sqlx::query!(
        r#"SELECT c.code, c.title_vi, c.title_en, c.kind, (e.election_day - c.offset_days) AS "deadline!"
             FROM calendar_entries c JOIN elections e ON e.id = c.election_id
            WHERE c.election_id = $1 AND c.retired_at IS NULL AND ($2 = '' OR c.kind = $2)
              AND c.levels <> ARRAY['country']
            ORDER BY c.offset_days DESC, c.code"#,
        election.id,
        filter.kind
    )
    .fetch_all(&state.pool)
    .await?
    .into_iter()
    .map(|c| Column {
        legal: c.kind == "legal",
        code: c.code,
        title_vi: c.title_vi,
        title_en: c.title_en,
        deadline: c.deadline,
    })
    .collect::<Vec<_>>();

    // Tally every task once, into its row and its column.
    let column_index: HashMap<&str, usize> = columns
        .iter()
        .enumerate()
        .map(|(i, c)| (c.code.as_str(), i))
        .collect();
    let mut per_row: HashMap<i64, (Tally, Vec<Tally>)> = HashMap::new();
    let mut per_level: HashMap<String, Tally> = HashMap::new();
    for fact in &facts {
        let task_state = deadline::state_of(&fact.status, fact.deadline, fact.evidence_date, today);
        let (tally, cells) = per_row
            .entry(fact.row_unit)
            .or_insert_with(|| (Tally::default(), vec![Tally::default(); columns.len()]));
        tally.add(task_state);
        if let Some(&index) = column_index.get(fact.code.as_str()) {
            cells[index].add(task_state);
        }
        per_level
            .entry(fact.unit_level.clone())
            .or_default()
            .add(task_state);
    }

    let findings = crate::checks::findings(&state.pool, election.id, root.id, today).await?;
    let children = sqlx::query!(
        r#"SELECT u.id, u.level, u.gso_code, u.name,
                  (SELECT max(a.at) FROM audit_log a JOIN users au ON au.id = a.user_id JOIN units su ON su.id = au.unit_id
                    WHERE su.ancestors @> ARRAY[u.id] AND a.action NOT LIKE 'login%' AND a.action NOT IN ('logout', 'access.denied'))
                    AS last_activity
             FROM units u WHERE u.parent_id = $1 AND u.valid_to IS NULL
            ORDER BY u.gso_code"#,
        root.id
    )
    .fetch_all(&state.pool)
    .await?;
    let contacts = sqlx::query!(
        r#"SELECT u.unit_id AS "unit_id!", u.full_name, u.phone FROM users u JOIN units un ON un.id = u.unit_id
            WHERE un.parent_id = $1 AND u.disabled_at IS NULL AND u.role IN ('district_officer', 'commune_officer')
            ORDER BY u.full_name"#,
        root.id
    )
    .fetch_all(&state.pool)
    .await?;

    let now = state.clock.now().to_utc();
    let mut rows: Vec<Row> = children
        .into_iter()
        .map(|child| {
            let (tally, cells) = per_row
                .remove(&child.id)
                .unwrap_or_else(|| (Tally::default(), vec![Tally::default(); columns.len()]));
            let violations = findings
                .iter()
                .filter(|f| f.is_violation() && f.unit_ancestors.contains(&child.id))
                .count();
            let open = tally.open + tally.overdue;
            let quiet = open > 0
                && child
                    .last_activity
                    .is_none_or(|at| now - at > TimeDelta::days(QUIET_AFTER_DAYS));
            Row {
                contacts: contacts
                    .iter()
                    .filter(|c| c.unit_id == child.id)
                    .map(|c| Contact {
                        full_name: c.full_name.clone(),
                        phone: c.phone.clone(),
                    })
                    .collect(),
                level: child.level,
                gso_code: child.gso_code,
                name: child.name,
                tally,
                cells,
                violations,
                last_activity: child.last_activity,
                quiet,
            }
        })
        .collect();
    match filter.sort.as_str() {
        "done" => rows.sort_by_key(|r| r.tally.percent_done()),
        "overdue" => rows.sort_by_key(|r| std::cmp::Reverse(r.tally.overdue)),
        "activity" => rows.sort_by_key(|r| r.last_activity),
        _ => {}
    }
    let mut totals = Tally::default();
    for row in &rows {
        totals.merge(&row.tally);
    }
    // The root's own tasks count in the totals too.
    if let Some((own, _)) = per_row.get(&root.id) {
        totals.merge(own);
    }

    let upcoming = columns
        .iter()
        .enumerate()
        .filter(|(_, c)| c.legal && c.deadline >= today)
        .take(3)
        .map(|(index, column)| {
            let mut cell = Tally::default();
            for row in &rows {
                cell.merge(&row.cells[index]);
            }
            if let Some((_, own)) = per_row.get(&root.id) {
                cell.merge(&own[index]);
            }
            Upcoming {
                title_vi: column.title_vi.clone(),
                title_en: column.title_en.clone(),
                deadline: column.deadline,
                done: cell.done(),
                total: cell.applicable(),
            }
        })
        .collect();
    let levels = [
        ("province", "Cấp tỉnh"),
        ("district", "Cấp huyện"),
        ("commune", "Cấp xã"),
    ]
    .into_iter()
    .filter_map(|(code, label)| {
        per_level.get(code).map(|tally| LevelProgress {
            label,
            tally: *tally,
        })
    })
    .collect();
    tracing::info!(
        rows = rows.len(),
        tasks = facts.len(),
        elapsed_ms = started.elapsed().as_millis() as u64,
        "dashboard computed"
    );

    let deadlines: Vec<NaiveDate> = facts.iter().map(|f| f.deadline).collect();
    let done_on: Vec<NaiveDate> = facts
        .iter()
        .filter(|f| f.status == "done")
        .filter_map(|f| f.evidence_date)
        .collect();
    Ok(Dashboard {
        total_violations: findings.iter().filter(|f| f.is_violation()).count(),
        chart: chart::series(&deadlines, &done_on, today),
        root,
        columns,
        rows,
        totals,
        upcoming,
        levels,
    })
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
    root: UnitDetail,
    tasks: Vec<TaskLine>,
    today: NaiveDate,
    /// The list's filter, for its download links.
    export_query: String,
}

/// The tasks of a unit and everything below it, of one entry and in one state when asked.
async fn listed(
    state: &AppState,
    user: &CurrentUser,
    query: &TaskListQuery,
) -> AppResult<(UnitDetail, Vec<TaskLine>)> {
    let election = crate::elections::current(&state.pool)
        .await?
        .ok_or(AppError::NotFound)?;
    let root = root_of(state, user, &election, &query.unit).await?;
    let today = state.clock.today();
    let mut tasks = sqlx::query_as!(
        TaskLine,
        r#"SELECT t.id, c.title_vi, c.title_en, u.name AS unit_name, (e.election_day - c.offset_days) AS "deadline!",
                  t.status, t.evidence_date
             FROM tasks t JOIN units u ON u.id = t.unit_id
             JOIN calendar_entries c ON c.id = t.calendar_entry_id JOIN elections e ON e.id = c.election_id
            WHERE c.election_id = $1 AND c.retired_at IS NULL AND u.ancestors @> ARRAY[$2::bigint]
              AND ($3 = '' OR c.code = $3)
            ORDER BY e.election_day - c.offset_days, u.ancestors"#,
        election.id,
        root.id,
        query.entry
    )
    .fetch_all(&state.pool)
    .await?;
    if !query.state.is_empty() {
        tasks.retain(|task| task.state(&today).code() == query.state);
    }
    Ok((root, tasks))
}

/// The tasks behind a dashboard cell.
async fn task_list(
    State(state): State<AppState>,
    layout: Layout,
    user: CurrentUser,
    Query(query): Query<TaskListQuery>,
) -> AppResult<Response> {
    let (root, tasks) = listed(&state, &user, &query).await?;
    let export_query = form_urlencoded::Serializer::new(String::new())
        .append_pair("unit", &query.unit)
        .append_pair("entry", &query.entry)
        .append_pair("state", &query.state)
        .finish();
    Ok(TaskListPage {
        layout,
        root,
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
    let (_, tasks) = listed(&state, &user, &query).await?;
    let today = state.clock.today();
    let table = Table {
        name: "Cong viec",
        headers: vec![
            "Hạn",
            "Công việc",
            "Đơn vị",
            "Trạng thái",
            "Tình hình",
            "Ngày văn bản",
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
                    t.evidence_date.map_or(Cell::Empty, Cell::Date),
                ]
            })
            .collect(),
    };
    table.download("cong-viec", export::extension(&file))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_tally_reads_without_colour() {
        let mut tally = Tally::default();
        assert_eq!(tally.cell_text(), "–");
        tally.add(TaskState::DoneOnTime);
        assert_eq!(
            (tally.cell_state(), tally.cell_text()),
            ("done-on-time", "✓1".to_string())
        );
        tally.add(TaskState::DoneLate);
        assert_eq!(tally.cell_text(), "◐2");
        tally.add(TaskState::NotDueYet);
        assert_eq!(tally.cell_text(), "○1");
        tally.add(TaskState::Overdue);
        assert_eq!(tally.cell_text(), "✗1");
        tally.add(TaskState::NotApplicable);
        assert_eq!((tally.applicable(), tally.percent_done()), (4, 50));
    }
}
