//! Dashboards: for a unit (the province, or a district for its officers), one row per unit directly
//! below it with its progress, overdue and late counts, structure violations and last activity, a
//! heatmap of calendar entries, and the units that have gone quiet. States come from the same pure
//! rule as everywhere else (`checklists::deadline`), applied to one query's rows.

pub mod brief;
pub mod cache;
pub mod chart;

use std::collections::HashMap;

use std::convert::Infallible;

use askama::Template;
use askama_web::WebTemplate;
use axum::body::Body;
use axum::extract::{Path, Query, State};
use axum::http::HeaderMap;
use axum::http::header::{CONTENT_ENCODING, CONTENT_LENGTH, CONTENT_TYPE, VARY};
use axum::response::{IntoResponse, Redirect, Response};
use bytes::Bytes;
use chrono::{DateTime, NaiveDate, TimeDelta, Utc};
use serde::Deserialize;

use crate::AppState;
use crate::auth::guard::RequestMeta;
use crate::auth::{Access, CurrentUser, Routes};
use crate::checklists::TaskLine;
use crate::checklists::deadline::{self, TaskState};
use crate::clock::vietnam;
use crate::elections::Election;
use crate::format;
use crate::i18n::Lang;
use crate::units::{self, Reach, UnitDetail};
use crate::web::export::{self, Cell, Table};
use crate::web::{self, AppError, AppResult, layout::Layout};

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
    /// Counts `tasks` tasks in `state`.
    fn add(&mut self, state: TaskState, tasks: i64) {
        match state {
            TaskState::DoneOnTime => self.done_on_time += tasks,
            TaskState::DoneLate => self.done_late += tasks,
            TaskState::Overdue => self.overdue += tasks,
            TaskState::NotDueYet | TaskState::DueSoon => self.open += tasks,
            TaskState::NotApplicable => self.not_applicable += tasks,
        }
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
    /// The counts that are not zero, for a cell's tooltip: "Xong đúng hạn: 3 · Quá hạn: 1".
    pub fn title(&self, layout: &Layout) -> String {
        [
            ("Xong đúng hạn", self.done_on_time),
            ("Xong trễ", self.done_late),
            ("Quá hạn", self.overdue),
            ("Chưa đến hạn", self.open),
            ("Không áp dụng", self.not_applicable),
        ]
        .into_iter()
        .filter(|(_, tasks)| *tasks > 0)
        .map(|(label, tasks)| format!("{}: {tasks}", layout.t(label)))
        .collect::<Vec<_>>()
        .join(" · ")
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

/// The dashboard page: the layout around content drawn once for everyone with the same view.
#[derive(Template)]
#[template(path = "dashboards/dashboard.html")]
struct DashboardPage<'a> {
    layout: Layout,
    root_name: &'a str,
    content: &'a str,
}

/// Where the kept content goes in the page. The layout is drawn per request around this mark, and
/// the content is sent from the cache as it is, without a copy per request (a national overview
/// is 400 KB).
const CONTENT_SLOT: &str = "<!-- dashboard content -->";

impl DashboardPage<'_> {
    /// The page around kept content: compressed as kept when the browser takes gzip.
    fn around(
        layout: Layout,
        root_name: &str,
        content: &DrawnDashboard,
        gzip: bool,
    ) -> AppResult<Response> {
        let page = DashboardPage {
            layout,
            root_name,
            content: CONTENT_SLOT,
        }
        .render()
        .map_err(anyhow::Error::from)?;
        let (head, tail) = page
            .split_once(CONTENT_SLOT)
            .ok_or_else(|| anyhow::anyhow!("the dashboard layout lost its content slot"))?;
        let html = (CONTENT_TYPE, "text/html; charset=utf-8");
        // Caches between here and the browser must keep the two encodings apart.
        let vary = (VARY, "accept-encoding");
        if gzip {
            let body = web::gzip::page(head.as_bytes(), &content.compressed, tail.as_bytes());
            return Ok(([html, vary, (CONTENT_ENCODING, "gzip")], body).into_response());
        }
        let length = head.len() + content.content.len() + tail.len();
        let parts = [
            Bytes::copy_from_slice(head.as_bytes()),
            content.content.clone(),
            Bytes::copy_from_slice(tail.as_bytes()),
        ];
        let body = Body::from_stream(futures_util::stream::iter(parts.map(Ok::<_, Infallible>)));
        Ok(([html, vary, (CONTENT_LENGTH, &length.to_string())], body).into_response())
    }
}

/// The dashboard's content, the same for every user who sees this unit with this filter.
#[derive(Template)]
#[template(path = "dashboards/dashboard_content.html")]
struct DashboardContent<'a> {
    layout: &'a Layout,
    filter: &'a Filter,
    dashboard: &'a Dashboard,
    days_left: i64,
    chart_svg: String,
    /// When the figures were read, "hh:mm:ss" in Vietnam time.
    drawn_at: String,
}

/// What one view of the dashboard looks like, in one language, on one day. Every part is one
/// of a few known values or an existing unit, so the views that can be kept are bounded.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct ViewKey {
    election_id: i64,
    root_id: i64,
    kind: &'static str,
    level: &'static str,
    sort: &'static str,
    lang: Lang,
    today: NaiveDate,
}

/// `value` if it is one of `known`, else the first (the default).
fn known(value: &str, known: &[&'static str]) -> &'static str {
    known.iter().find(|k| **k == value).unwrap_or(&known[0])
}

impl Filter {
    /// The filter with every choice one the page offers, the unit named as resolved.
    fn normalised(&self, root: &UnitDetail) -> Filter {
        Filter {
            unit: format!("{}:{}", root.level, root.gso_code),
            kind: known(&self.kind, &["", "legal", "administrative"]).to_string(),
            level: known(&self.level, &["", "province", "district", "commune"]).to_string(),
            sort: known(&self.sort, &["", "name", "done", "overdue", "activity"]).to_string(),
        }
    }
}

/// A drawn dashboard, kept in `AppState::dashboards`: its content as sent, plain and compressed.
pub struct DrawnDashboard {
    content: Bytes,
    compressed: web::gzip::Compressed,
}

impl cache::Weight for DrawnDashboard {
    fn bytes(&self) -> usize {
        self.content.len() + self.compressed.bytes()
    }
}

/// How many violations the structure checks find in and under each unit below a root.
pub struct ViolationCounts {
    total: usize,
    under: HashMap<i64, usize>,
}

impl cache::Weight for ViolationCounts {
    fn bytes(&self) -> usize {
        self.under.len() * 16
    }
}

/// Memory for drawn dashboards: a national overview is about half a megabyte.
pub const DASHBOARD_CACHE_BYTES: usize = 64 << 20;

/// How old a dashboard may be when served; the page says when its figures were read.
pub const DASHBOARD_FRESH_FOR: TimeDelta = TimeDelta::seconds(5);

/// The dashboards' caches, one per application.
pub struct Caches {
    pub pages: cache::Cache<ViewKey, DrawnDashboard>,
    /// Keyed by the structure's generation too, so a structural change starts a new count.
    pub violations: cache::Cache<(i64, i64, NaiveDate, i64), ViolationCounts>,
}

impl Default for Caches {
    fn default() -> Self {
        Caches {
            pages: cache::Cache::new(DASHBOARD_CACHE_BYTES),
            violations: cache::Cache::new(DASHBOARD_CACHE_BYTES / 16),
        }
    }
}

/// One roll-up count: tasks of one calendar entry, unit level, status and completion day in the
/// subtree of one unit.
struct RollupCount {
    subtree: i64,
    code: String,
    task_level: String,
    deadline: NaiveDate,
    status: String,
    done_on: Option<NaiveDate>,
    tasks: i32,
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
    /// When a unit with open tasks next falls quiet, if one will.
    next_quiet: Option<DateTime<Utc>>,
}

async fn dashboard(
    State(state): State<AppState>,
    layout: Layout,
    user: CurrentUser,
    meta: RequestMeta,
    headers: HeaderMap,
    Query(filter): Query<Filter>,
) -> AppResult<Response> {
    let election = layout.election.clone().ok_or(AppError::NotFound)?;
    // The unit first: one that does not exist, or is out of scope, is a 404 with nothing drawn.
    let root = root_of(&state, &user, &election, &filter.unit).await?;
    // A commune has no units below it: its dashboard is its own page.
    if root.level == "commune" {
        return Ok(Redirect::to(&units::path(&root.level, root.gso_code)).into_response());
    }
    let filter = filter.normalised(&root);
    let today = state.clock.today();
    let key = ViewKey {
        election_id: election.id,
        root_id: root.id,
        kind: known(&filter.kind, &["", "legal", "administrative"]),
        level: known(&filter.level, &["", "province", "district", "commune"]),
        sort: known(&filter.sort, &["", "name", "done", "overdue", "activity"]),
        lang: layout.lang,
        today,
    };
    let wanted = cache::Wanted {
        now: state.clock.now().to_utc(),
        max_age: DASHBOARD_FRESH_FOR,
        drawn_after: meta.last_change,
    };
    let drawn = state
        .dashboards
        .pages
        .get(
            key,
            wanted,
            draw(&state, &layout, &election, &root, &filter, wanted.now),
        )
        .await?;
    let gzip = web::gzip::accepted(&headers);
    DashboardPage::around(layout, &root.name, &drawn.value, gzip)
}

/// Draws a dashboard's content, valid until a unit on it falls quiet.
async fn draw(
    state: &AppState,
    layout: &Layout,
    election: &Election,
    root: &UnitDetail,
    filter: &Filter,
    now: DateTime<Utc>,
) -> AppResult<(DrawnDashboard, Option<DateTime<Utc>>)> {
    let dashboard = compute(state, election, root.clone(), filter).await?;
    let content = DashboardContent {
        layout,
        filter,
        days_left: (election.election_day - state.clock.today()).num_days(),
        chart_svg: chart::svg(&dashboard.chart),
        dashboard: &dashboard,
        drawn_at: now.with_timezone(&vietnam()).format("%H:%M:%S").to_string(),
    }
    .render()
    .map_err(anyhow::Error::from)?;
    let drawn = DrawnDashboard {
        compressed: web::gzip::Compressed::new(content.as_bytes()),
        content: Bytes::from(content),
    };
    Ok((drawn, dashboard.next_quiet))
}

/// The dashboard's unit table as XLSX or CSV, with the same filter.
async fn download(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(file): Path<String>,
    Query(filter): Query<Filter>,
) -> AppResult<Response> {
    let election = crate::elections::required(&state.pool).await?;
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

/// A dashboard's figures, from the roll-ups (`task_rollup`, `unit_activity`) of the root and of
/// each unit directly below it.
async fn compute(
    state: &AppState,
    election: &Election,
    root: UnitDetail,
    filter: &Filter,
) -> AppResult<Dashboard> {
    let today = state.clock.today();
    let now = state.clock.now().to_utc();
    let children = sqlx::query!(
        r#"SELECT u.id, u.level, u.gso_code, u.name, a.last_at AS "last_activity?"
             FROM units u LEFT JOIN unit_activity a ON a.unit_id = u.id
            WHERE u.parent_id = $1 AND u.valid_to IS NULL
            ORDER BY u.gso_code"#,
        root.id
    )
    .fetch_all(&state.pool)
    .await?;
    let columns = columns(state, election, filter).await?;
    let column_index: HashMap<&str, usize> = columns
        .iter()
        .enumerate()
        .map(|(i, c)| (c.code.as_str(), i))
        .collect();

    // Every count once, into its subtree's tally and column; the root's also by level and day.
    let subtrees: Vec<i64> = children.iter().map(|c| c.id).chain([root.id]).collect();
    let counts = rollup_counts(state, election, &subtrees, filter).await?;
    let mut per_subtree: HashMap<i64, (Tally, Vec<Tally>)> = HashMap::new();
    let mut per_level: HashMap<&str, Tally> = HashMap::new();
    let (mut due_on, mut done_on) = (Vec::new(), Vec::new());
    for count in &counts {
        let task_state = deadline::state_of(&count.status, count.deadline, count.done_on, today);
        let tasks = i64::from(count.tasks);
        let (tally, cells) = per_subtree
            .entry(count.subtree)
            .or_insert_with(|| (Tally::default(), vec![Tally::default(); columns.len()]));
        tally.add(task_state, tasks);
        if let Some(&index) = column_index.get(count.code.as_str()) {
            cells[index].add(task_state, tasks);
        }
        if count.subtree == root.id {
            per_level
                .entry(count.task_level.as_str())
                .or_default()
                .add(task_state, tasks);
            due_on.push((count.deadline, tasks));
            if let Some(day) = count.done_on.filter(|_| count.status == "done") {
                done_on.push((day, tasks));
            }
        }
    }

    let violations = violation_counts(state, election, root.id).await?;
    let contacts = sqlx::query!(
        r#"SELECT u.unit_id AS "unit_id!", u.full_name, u.phone FROM users u JOIN units un ON un.id = u.unit_id
            WHERE un.parent_id = $1 AND u.disabled_at IS NULL AND u.role IN ('district_officer', 'commune_officer')
            ORDER BY u.full_name"#,
        root.id
    )
    .fetch_all(&state.pool)
    .await?;

    let quiet_after = TimeDelta::days(QUIET_AFTER_DAYS);
    let mut next_quiet: Option<DateTime<Utc>> = None;
    let mut rows: Vec<Row> = children
        .into_iter()
        .map(|child| {
            let (tally, cells) = per_subtree
                .remove(&child.id)
                .unwrap_or_else(|| (Tally::default(), vec![Tally::default(); columns.len()]));
            let has_open = tally.open + tally.overdue > 0;
            let quiet = has_open && child.last_activity.is_none_or(|at| now - at > quiet_after);
            if let Some(at) = child.last_activity.filter(|_| has_open && !quiet) {
                let falls_quiet = at + quiet_after + TimeDelta::microseconds(1);
                next_quiet = Some(next_quiet.map_or(falls_quiet, |t| t.min(falls_quiet)));
            }
            Row {
                contacts: contacts
                    .iter()
                    .filter(|c| c.unit_id == child.id)
                    .map(|c| Contact {
                        full_name: c.full_name.clone(),
                        phone: c.phone.clone(),
                    })
                    .collect(),
                violations: violations.value.under.get(&child.id).copied().unwrap_or(0),
                level: child.level,
                gso_code: child.gso_code,
                name: child.name,
                tally,
                cells,
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
    let (totals, root_cells) = per_subtree
        .remove(&root.id)
        .unwrap_or_else(|| (Tally::default(), vec![Tally::default(); columns.len()]));

    let upcoming = columns
        .iter()
        .zip(&root_cells)
        .filter(|(c, _)| c.legal && c.deadline >= today)
        .take(3)
        .map(|(column, cell)| Upcoming {
            title_vi: column.title_vi.clone(),
            title_en: column.title_en.clone(),
            deadline: column.deadline,
            done: cell.done(),
            total: cell.applicable(),
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
    Ok(Dashboard {
        total_violations: violations.value.total,
        chart: chart::series(&due_on, &done_on, today),
        root,
        columns,
        rows,
        totals,
        upcoming,
        levels,
        next_quiet,
    })
}

/// The heatmap's columns: the election's calendar entries in force, earliest deadline first.
async fn columns(state: &AppState, election: &Election, filter: &Filter) -> AppResult<Vec<Column>> {
    Ok(sqlx::query!(
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
    .collect())
}

/// The roll-up counts of these subtrees, for the calendar entries in force that the filter keeps.
async fn rollup_counts(
    state: &AppState,
    election: &Election,
    subtrees: &[i64],
    filter: &Filter,
) -> AppResult<Vec<RollupCount>> {
    Ok(sqlx::query_as!(
        RollupCount,
        r#"SELECT r.unit_id AS subtree, c.code, r.task_level, (e.election_day - c.offset_days) AS "deadline!",
                  r.status, r.done_on, sum(r.tasks)::int AS "tasks!"
             FROM task_rollup r
             JOIN calendar_entries c ON c.id = r.calendar_entry_id
             JOIN elections e ON e.id = c.election_id
            WHERE r.unit_id = ANY($2) AND c.election_id = $1 AND c.retired_at IS NULL
              AND ($3 = '' OR c.kind = $3) AND ($4 = '' OR r.task_level = $4)
            GROUP BY r.unit_id, c.code, r.task_level, e.election_day, c.offset_days, r.status, r.done_on
           HAVING sum(r.tasks) > 0"#,
        election.id,
        subtrees,
        filter.kind,
        filter.level
    )
    .fetch_all(&state.pool)
    .await?)
}

/// Runs the structure checks of the whole election once at start, in the background: for the
/// whole country they take seconds, and the first person to open the overview should not wait.
pub async fn warm_up(state: AppState) {
    let started = std::time::Instant::now();
    let counted = async {
        let Some(election) = crate::elections::current(&state.pool).await? else {
            return Ok(());
        };
        violation_counts(&state, &election, election.unit_id)
            .await
            .map(drop)
    };
    match counted.await {
        Ok(()) => tracing::info!(
            elapsed_ms = started.elapsed().as_millis() as u64,
            "structure checks counted"
        ),
        Err::<(), AppError>(error) => {
            tracing::warn!(%error, "structure checks not counted at start")
        }
    }
}

/// The structure checks' violations in and under each unit below `root_id`. The checks read the
/// whole structure below the root, so their counts are kept until an audit record of a kind that
/// can change the structure is written (`structure_generation`), or the day changes.
async fn violation_counts(
    state: &AppState,
    election: &Election,
    root_id: i64,
) -> AppResult<std::sync::Arc<cache::Drawn<ViolationCounts>>> {
    let today = state.clock.today();
    let generation = sqlx::query_scalar!("SELECT generation FROM structure_generation")
        .fetch_one(&state.pool)
        .await?;
    let count = async {
        let findings = crate::checks::findings(&state.pool, election.id, root_id, today).await?;
        let mut counts = ViolationCounts {
            total: 0,
            under: HashMap::new(),
        };
        for finding in findings.iter().filter(|f| f.is_violation()) {
            counts.total += 1;
            for unit in &finding.unit_ancestors {
                *counts.under.entry(*unit).or_default() += 1;
            }
        }
        Ok::<_, AppError>((counts, None))
    };
    let wanted = cache::Wanted {
        now: state.clock.now().to_utc(),
        // Held while the structure's generation is the same; the key moves with it.
        max_age: TimeDelta::MAX,
        drawn_after: None,
    };
    let key = (election.id, root_id, today, generation);
    state.dashboards.violations.get(key, wanted, count).await
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
    let election = crate::elections::required(&state.pool).await?;
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
        tally.add(TaskState::DoneOnTime, 1);
        assert_eq!(
            (tally.cell_state(), tally.cell_text()),
            ("done-on-time", "✓1".to_string())
        );
        tally.add(TaskState::DoneLate, 1);
        assert_eq!(tally.cell_text(), "◐2");
        tally.add(TaskState::NotDueYet, 1);
        assert_eq!(tally.cell_text(), "○1");
        tally.add(TaskState::Overdue, 1);
        assert_eq!(tally.cell_text(), "✗1");
        tally.add(TaskState::NotApplicable, 1);
        assert_eq!((tally.applicable(), tally.percent_done()), (4, 50));
    }
}
