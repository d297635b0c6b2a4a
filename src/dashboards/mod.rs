//! Dashboards: for a unit (the province, or a district for its officers), one row per unit directly
//! below it with its progress, overdue and late counts, structure violations and last activity, a
//! heatmap of calendar entries, and the units that have gone quiet. States come from the same pure
//! rule as everywhere else (`checklists::deadline`), applied to one query's rows.

pub mod brief;
pub mod cache;
pub mod chart;
pub mod figures;
pub mod task_list;

use figures::{Dashboard, Source, Tally, ViolationCounts, compute};

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Redirect, Response};
use chrono::{DateTime, NaiveDate, TimeDelta, Utc};
use serde::Deserialize;

use crate::AppState;
use crate::auth::guard::RequestMeta;
use crate::auth::{Access, CurrentUser, Role, Routes};
use crate::elections::Election;
use crate::i18n::Lang;
use crate::units::pages::Reach;
use crate::units::{self, UnitDetail};
use crate::web::export::{self, Cell, Table};
use crate::web::kept::{self, KeptContent};
use crate::web::{AppError, AppResult, layout::Layout};

/// A unit with no change for this long while it has open tasks is "quiet".
pub const QUIET_AFTER_DAYS: i64 = 7;

pub fn routes() -> Routes {
    Routes::new()
        .get("/dashboard", Access::SignedIn, dashboard)
        .get("/dashboard/{file}", Access::SignedIn, download)
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

/// A cell's tooltip, in the page's language.
impl Tally {
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

/// Runs the structure checks of the whole election once at start, in the background: for the
/// whole country they take seconds, and the first person to open the overview should not wait.
pub async fn warm_up(state: AppState) {
    let started = std::time::Instant::now();
    let counted = async {
        let Some(election) = crate::elections::latest(&state.pool).await? else {
            return Ok(());
        };
        figures::violation_counts(&Source::of(&state), &election, election.unit_id)
            .await
            .map(drop)
    };
    match counted.await {
        Ok(()) => tracing::info!(
            elapsed_ms = started.elapsed().as_millis() as u64,
            "structure checks counted"
        ),
        Err::<(), sqlx::Error>(error) => {
            tracing::warn!(%error, "structure checks not counted at start")
        }
    }
}

impl Source<'_> {
    /// The figures' sources as of now.
    pub fn of(state: &AppState) -> Source<'_> {
        Source {
            pool: &state.pool,
            violations: &state.dashboards.violations,
            today: state.clock.today(),
            now: state.clock.now().to_utc(),
        }
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

/// The choices the page offers for each filter, the default first.
const KINDS: &[&str] = &["", "legal", "administrative"];
const LEVELS: &[&str] = &["", "province", "district", "commune"];
const SORTS: &[&str] = &["", "name", "done", "overdue", "activity"];

/// `value` if it is one of `known`, else the first (the default).
fn known(value: &str, known: &[&'static str]) -> &'static str {
    known.iter().find(|k| **k == value).unwrap_or(&known[0])
}

/// A drawn dashboard, kept in `AppState::dashboards`: its content as sent.
pub struct DrawnDashboard {
    root_name: String,
    content: KeptContent,
}

impl cache::Weight for DrawnDashboard {
    fn bytes(&self) -> usize {
        self.content.bytes()
    }
}

/// Memory for drawn dashboards: a national overview is about half a megabyte.
pub const DASHBOARD_CACHE_BYTES: usize = 64 << 20;

/// How old a dashboard may be when served; the page says when its figures were read.
pub const DASHBOARD_FRESH_FOR: TimeDelta = TimeDelta::seconds(5);

/// The dashboards' caches, one per application.
pub struct Caches {
    pub pages: cache::Cache<ViewKey, DrawnDashboard>,
    /// The tasks behind a dashboard's cells.
    pub lists: cache::Cache<task_list::ListKey, KeptContent>,
    /// Keyed by the structure's generation too, so a structural change starts a new count.
    pub violations: cache::Cache<(i64, i64, NaiveDate, i64), ViolationCounts>,
}

impl Default for Caches {
    fn default() -> Self {
        Caches {
            pages: cache::Cache::new(DASHBOARD_CACHE_BYTES),
            lists: cache::Cache::new(DASHBOARD_CACHE_BYTES / 2),
            violations: cache::Cache::new(DASHBOARD_CACHE_BYTES / 16),
        }
    }
}

/// What a request for a kept view (a dashboard, the tasks behind a cell) accepts: a copy under
/// `DASHBOARD_FRESH_FOR` old, drawn after the viewer's own last change.
pub(super) fn kept_view(state: &AppState, meta: &RequestMeta) -> cache::Wanted {
    cache::Wanted {
        now: state.clock.now().to_utc(),
        max_age: DASHBOARD_FRESH_FOR,
        drawn_after: meta.last_change,
    }
}

/// The unit a dashboard, brief or task list is about: the one named `level:code`, else the
/// user's own (the election's for an admin), if the user reaches the whole of it.
pub(super) async fn root_of(
    state: &AppState,
    user: &CurrentUser,
    election: &Election,
    unit: &str,
) -> AppResult<UnitDetail> {
    units::pages::named_or_own(&state.pool, election, user, unit, Reach::Whole).await
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
    // The unit first. The viewer's own unit needs no lookup: their scope names it. A unit named
    // in the filter that does not exist, or is out of scope, is a 404 with nothing drawn.
    let root_id = match filter.unit.as_str() {
        "" if user.role != Role::CommuneOfficer => user.scope.unit_id().unwrap_or(election.unit_id),
        unit => {
            let root = root_of(&state, &user, &election, unit).await?;
            // A commune has no units below it: its dashboard is its own page.
            if root.level == "commune" {
                return Ok(Redirect::to(&units::path(&root.level, root.gso_code)).into_response());
            }
            root.id
        }
    };
    let key = ViewKey {
        election_id: election.id,
        root_id,
        kind: known(&filter.kind, KINDS),
        level: known(&filter.level, LEVELS),
        sort: known(&filter.sort, SORTS),
        lang: layout.lang,
        today: state.clock.today(),
    };
    let wanted = kept_view(&state, &meta);
    let draw = draw(&state, &layout, &election, root_id, &key, wanted.now);
    let drawn = state
        .dashboards
        .pages
        .get(key.clone(), wanted, draw)
        .await?;
    let title = layout.f("Tổng hợp — {}", &drawn.value.root_name);
    kept::send(layout, &title, &drawn.value.content, &headers)
}

/// Draws a dashboard's content, valid until a unit on it falls quiet.
async fn draw(
    state: &AppState,
    layout: &Layout,
    election: &Election,
    root_id: i64,
    view: &ViewKey,
    now: DateTime<Utc>,
) -> AppResult<(DrawnDashboard, Option<DateTime<Utc>>)> {
    let root = units::by_id(&state.pool, root_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let filter = Filter {
        unit: format!("{}:{}", root.level, root.gso_code),
        kind: view.kind.to_string(),
        level: view.level.to_string(),
        sort: view.sort.to_string(),
    };
    let dashboard = compute(&Source::of(state), election, root, &filter).await?;
    let content = DashboardContent {
        layout,
        filter: &filter,
        days_left: (election.election_day - state.clock.today()).num_days(),
        chart_svg: chart::svg(&dashboard.chart),
        dashboard: &dashboard,
        drawn_at: kept::read_at(now),
    }
    .render()
    .map_err(anyhow::Error::from)?;
    let drawn = DrawnDashboard {
        root_name: dashboard.root.name.clone(),
        content: KeptContent::new(content),
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
    let election = crate::elections::required(&state.pool, user.viewer()).await?;
    let root = root_of(&state, &user, &election, &filter.unit).await?;
    let dashboard = compute(&Source::of(&state), &election, root, &filter).await?;
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
