//! The steering committee's brief: one printed page (A4) with the headline figures, what changed
//! since the previous brief, overdue legal tasks by locality with whom to call, structural
//! violations, and the next two weeks' deadlines. Saving a brief stores its whole content, so an
//! old brief reprints exactly as it was.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Response};
use chrono::{Datelike, Days};
use serde::{Deserialize, Serialize};

use super::figures::{Source, compute};
use super::{Filter, root_of};
use crate::AppState;
use crate::audit::{self, Event};
use crate::auth::guard::RequestMeta;
use crate::auth::routes::AUDITORS;
use crate::auth::{Access, CurrentUser, Routes};
use crate::clock::vietnam;
use crate::format;
use crate::web::export::{Cell, Table};
use crate::web::{AppError, AppResult, flash, layout::Layout};

pub fn routes() -> Routes {
    Routes::new()
        .get("/brief", Access::SignedIn, live)
        .post("/brief", Access::Roles(AUDITORS), save)
        .get("/briefs/{id}", Access::SignedIn, saved)
        .get("/brief/{file}", Access::SignedIn, overdue_download)
}

/// A figure at the top of the brief, kept as a number so the next brief can compare.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq)]
pub struct Headline {
    pub label: String,
    pub value: i64,
    pub suffix: String,
}

#[derive(Serialize, Deserialize, Clone, Debug)]
pub struct OverdueRow {
    pub locality: String,
    pub unit: String,
    pub task: String,
    /// The task's English title; absent in briefs saved before there was one.
    #[serde(default)]
    pub task_en: String,
    pub deadline: String,
    pub contacts: String,
}

#[derive(Serialize, Deserialize, Clone, Debug)]
pub struct UpcomingRow {
    pub deadline: String,
    pub title: String,
    #[serde(default)]
    pub title_en: String,
}

/// The heading block of a Vietnamese administrative document: the issuing body on the left, the
/// national motto on the right, the place and date under it.
#[derive(Serialize, Deserialize, Clone, Debug, Default)]
pub struct Heading {
    pub issuer: String,
    pub place: String,
    pub day: u32,
    pub month: u32,
    pub year: i32,
}

impl Heading {
    /// "Quảng Ninh, ngày 20 tháng 04 năm 2021", as an administrative document is dated.
    pub fn date_line(&self) -> String {
        format!(
            "{}, ngày {:02} tháng {:02} năm {}",
            self.place, self.day, self.month, self.year
        )
    }

    /// The issuing body in English, named after the unit.
    pub fn issuer_en(&self, unit_name: &str) -> String {
        format!("Election steering committee, {unit_name}")
    }

    /// The same in English, at the unit's full name.
    pub fn date_line_en(&self, unit_name: &str) -> String {
        format!(
            "{unit_name}, {:02}/{:02}/{}",
            self.day, self.month, self.year
        )
    }
}

/// One locality's line in the brief's table (or the table's total).
#[derive(Serialize, Deserialize, Clone, Debug, Default)]
pub struct LocalityRow {
    pub name: String,
    /// `level:code`, for the locality's own report.
    #[serde(default)]
    pub unit: String,
    pub done: i64,
    /// Tasks whose deadline has passed or that are done already.
    pub due: i64,
    pub overdue_legal: i64,
    pub violations: i64,
    /// When the locality last recorded anything, and whether that is over a week ago.
    pub quiet_since: String,
    pub quiet: bool,
    pub contact: String,
}

/// An open directive as the brief prints it.
#[derive(Serialize, Deserialize, Clone, Debug, Default)]
pub struct OpenDirective {
    pub body: String,
    pub due: String,
    pub state: String,
    pub meeting: String,
}

/// A list of one locality in an annex: how many it holds and the rows shown.
#[derive(Serialize, Deserialize, Clone, Debug, Default)]
pub struct Group<T> {
    pub locality: String,
    pub count: i64,
    pub rows: Vec<T>,
}

impl<T> Group<T> {
    pub fn left_out(&self) -> i64 {
        self.count - self.rows.len() as i64
    }
}

/// Everything a brief prints.
#[derive(Serialize, Deserialize, Clone, Debug)]
pub struct BriefContent {
    pub unit_name: String,
    pub election_name: String,
    pub as_of: String,
    #[serde(default)]
    pub heading: Heading,
    pub headlines: Vec<Headline>,
    #[serde(default)]
    pub localities: Vec<LocalityRow>,
    #[serde(default)]
    pub total: LocalityRow,
    pub changes: Vec<String>,
    /// Annex 1: the overdue legal tasks, by locality.
    #[serde(default)]
    pub overdue_groups: Vec<Group<OverdueRow>>,
    /// Annex 2: the structural violations, by locality.
    #[serde(default)]
    pub violation_groups: Vec<Group<String>>,
    /// Annex 3: the directives still open, by assignee, the oldest first.
    #[serde(default)]
    pub directive_groups: Vec<Group<OpenDirective>>,
    /// Complaints and denunciations still being handled, and past their time limit (counts only).
    #[serde(default)]
    pub complaints: crate::complaints::Counts,
    /// The lists of briefs saved before the annexes, kept so they reprint as they were.
    #[serde(default)]
    pub overdue: Vec<OverdueRow>,
    #[serde(default)]
    pub violations: Vec<String>,
    pub upcoming: Vec<UpcomingRow>,
    /// The audit chain's head when the brief was drawn (its record number and the first 16 hex
    /// digits of its hash), so that a printed brief also witnesses the log.
    #[serde(default)]
    pub audit_head: Option<(i64, String)>,
}

#[derive(Template, WebTemplate)]
#[template(path = "dashboards/brief.html")]
struct BriefPage {
    layout: Layout,
    brief: BriefContent,
    /// Set for a saved brief: when and by whom.
    saved: Option<String>,
    can_save: bool,
}

impl BriefPage {
    fn open_directives(&self) -> i64 {
        self.brief.directive_groups.iter().map(|g| g.count).sum()
    }
}

/// The brief of the user's unit, or of a unit below it named `level:code` (a locality's report
/// for a working group's visit, in the same style).
async fn build(
    state: &AppState,
    user: &CurrentUser,
    unit: &str,
) -> AppResult<(i64, i64, BriefContent)> {
    let election = crate::elections::required(&state.pool, user.viewer()).await?;
    let root = root_of(state, user, &election, unit).await?;
    let today = state.clock.today();
    let dashboard = compute(
        &Source::of(state),
        &election,
        root.clone(),
        &Filter::default(),
    )
    .await?;
    let headlines = vec![
        Headline {
            label: "Số ngày đến ngày bầu cử".into(),
            value: (election.election_day - today).num_days(),
            suffix: "ngày".into(),
        },
        Headline {
            label: "Công việc đã xong".into(),
            value: dashboard.totals.percent_done(),
            suffix: "%".into(),
        },
        Headline {
            label: "Công việc quá hạn".into(),
            value: dashboard.totals.overdue,
            suffix: "việc".into(),
        },
        Headline {
            label: "Vi phạm về cơ cấu tổ chức".into(),
            value: dashboard.total_violations as i64,
            suffix: "vi phạm".into(),
        },
        Headline {
            label: "Đơn vị im lặng quá 7 ngày".into(),
            value: dashboard.rows.iter().filter(|r| r.quiet).count() as i64,
            suffix: "đơn vị".into(),
        },
    ];
    let previous: Option<BriefContent> = sqlx::query_scalar!(
        "SELECT content FROM briefs WHERE election_id = $1 AND unit_id = $2 ORDER BY created_at DESC, id DESC LIMIT 1",
        election.id,
        root.id
    )
    .fetch_optional(&state.pool)
    .await?
    .and_then(|content| serde_json::from_value(content).ok());
    let changes = match previous {
        None => vec!["Đây là bản tóm tắt đầu tiên được lưu.".to_string()],
        Some(previous) => headlines
            .iter()
            .filter_map(|now| {
                let before = previous.headlines.iter().find(|h| h.label == now.label)?;
                (before.value != now.value).then(|| {
                    format!(
                        "{}: {} → {} {} (bản ngày {})",
                        now.label, before.value, now.value, now.suffix, previous.as_of
                    )
                })
            })
            .collect(),
    };

    let localities = sqlx::query!(
        "SELECT id, name FROM units WHERE parent_id = $1 AND valid_to IS NULL ORDER BY gso_code",
        root.id
    )
    .fetch_all(&state.pool)
    .await?;
    let locality_of = |ancestors: &[i64]| -> String {
        let below = ancestors
            .iter()
            .position(|id| *id == root.id)
            .and_then(|at| ancestors.get(at + 1));
        below
            .and_then(|id| localities.iter().find(|l| l.id == *id))
            .map_or_else(|| root.name.clone(), |l| l.name.clone())
    };
    let overdue_groups = overdue_by_locality(state, election.id, root.id, today).await?;
    let directive_groups = open_directives(state, election.id, root.id, today).await?;
    let findings = crate::checks::findings(&state.pool, election.id, root.id, today).await?;
    let mut violation_groups: Vec<Group<String>> = Vec::new();
    for finding in findings.iter().filter(|f| f.is_violation()) {
        let locality = locality_of(&finding.unit_ancestors);
        let text = format!(
            "{} · {}: {}",
            finding.unit_name, finding.subject, finding.problem
        );
        match violation_groups.iter_mut().find(|g| g.locality == locality) {
            Some(group) => {
                group.count += 1;
                if group.rows.len() < ANNEX_ROWS_PER_LOCALITY {
                    group.rows.push(text);
                }
            }
            None => violation_groups.push(Group {
                locality,
                count: 1,
                rows: vec![text],
            }),
        }
    }
    let table: Vec<LocalityRow> = dashboard
        .rows
        .iter()
        .map(|row| LocalityRow {
            name: row.name.clone(),
            unit: format!("{}:{}", row.level, row.gso_code),
            done: row.tally.done(),
            due: row.tally.done() + row.tally.overdue,
            overdue_legal: overdue_groups
                .iter()
                .find(|g| g.locality == row.name)
                .map_or(0, |g| g.count),
            violations: row.violations as i64,
            quiet_since: row.activity_text(),
            quiet: row.quiet,
            contact: row
                .contacts
                .iter()
                .take(2)
                .map(|c| match &c.phone {
                    Some(phone) => format!("{} ({phone})", c.full_name),
                    None => c.full_name.clone(),
                })
                .collect::<Vec<_>>()
                .join(", "),
        })
        .collect();
    let total = LocalityRow {
        name: "Tổng cộng".to_string(),
        done: table.iter().map(|r| r.done).sum(),
        due: table.iter().map(|r| r.due).sum(),
        overdue_legal: overdue_groups.iter().map(|g| g.count).sum(),
        violations: dashboard.total_violations as i64,
        ..LocalityRow::default()
    };
    let fortnight = today + Days::new(14);
    let upcoming = dashboard
        .columns
        .iter()
        .filter(|c| c.deadline >= today && c.deadline <= fortnight)
        .map(|c| UpcomingRow {
            deadline: format::date(c.deadline),
            title: c.title_vi.clone(),
            title_en: c.title_en.clone(),
        })
        .collect();
    let as_of = state
        .clock
        .now()
        .with_timezone(&vietnam())
        .format("%d/%m/%Y %H:%M")
        .to_string();
    Ok((
        election.id,
        root.id,
        BriefContent {
            heading: Heading {
                issuer: format!("Ban chỉ đạo bầu cử {}", format::in_sentence(&root.name)),
                place: place_name(&root.name, &root.division_type),
                day: today.day(),
                month: today.month(),
                year: today.year(),
            },
            unit_name: root.name,
            election_name: election.name,
            as_of,
            headlines,
            localities: table,
            total,
            changes,
            overdue_groups,
            violation_groups,
            directive_groups,
            complaints: dashboard.complaints.clone(),
            overdue: Vec::new(),
            violations: Vec::new(),
            upcoming,
            audit_head: crate::audit::head::current(&state.pool)
                .await?
                .map(|head| (head.audit_id, head.hex()[..16].to_string())),
        },
    ))
}

/// The directives still open below `root`, by assignee, each group's oldest first.
async fn open_directives(
    state: &AppState,
    election_id: i64,
    root: i64,
    today: chrono::NaiveDate,
) -> sqlx::Result<Vec<Group<OpenDirective>>> {
    let which = crate::directives::Which::OpenBelow { election_id, root };
    let items = crate::directives::items(&state.pool, which).await?;
    Ok(crate::directives::by_assignee(items)
        .into_iter()
        .map(|group| Group {
            locality: group.assignee,
            count: group.items.len() as i64,
            rows: group
                .items
                .iter()
                .map(|item| OpenDirective {
                    body: item.body.clone(),
                    due: item.due_text(),
                    state: item.state(&today).label_vi().to_string(),
                    meeting: item.meeting_day(),
                })
                .collect(),
        })
        .collect())
}

/// How many rows of each locality an annex prints; the rest are counted and in the XLSX list.
const ANNEX_ROWS_PER_LOCALITY: usize = 15;

/// The place a document is dated at: the unit's name without its kind ("Quảng Ninh").
fn place_name(name: &str, division_type: &str) -> String {
    let kind_len = division_type.chars().count();
    let starts_with_kind = name
        .chars()
        .take(kind_len)
        .collect::<String>()
        .to_lowercase()
        == division_type.to_lowercase();
    if starts_with_kind {
        name.chars()
            .skip(kind_len)
            .collect::<String>()
            .trim()
            .to_string()
    } else {
        name.to_string()
    }
}

/// The overdue legal tasks below `root`, in every locality (the units directly below it), each
/// group with its full count and its first rows by deadline.
async fn overdue_by_locality(
    state: &AppState,
    election_id: i64,
    root_id: i64,
    today: chrono::NaiveDate,
) -> sqlx::Result<Vec<Group<OverdueRow>>> {
    let rows = overdue_rows(
        state,
        election_id,
        root_id,
        today,
        ANNEX_ROWS_PER_LOCALITY as i64,
    )
    .await?;
    let mut groups: Vec<Group<OverdueRow>> = Vec::new();
    for (count, row) in rows {
        match groups.iter_mut().find(|g| g.locality == row.locality) {
            Some(group) => group.rows.push(row),
            None => groups.push(Group {
                locality: row.locality.clone(),
                count,
                rows: vec![row],
            }),
        }
    }
    Ok(groups)
}

/// The overdue legal tasks below `root`, by locality then deadline, at most `per_locality` of
/// each, each with its locality's full count. A legal task not done or not applicable once its
/// deadline has passed is overdue (`deadline::task_state`).
async fn overdue_rows(
    state: &AppState,
    election_id: i64,
    root_id: i64,
    today: chrono::NaiveDate,
    per_locality: i64,
) -> sqlx::Result<Vec<(i64, OverdueRow)>> {
    let rows = sqlx::query!(
        r#"SELECT * FROM (
               SELECT l.name AS locality, l.gso_code AS locality_code, u.name AS unit, u.gso_code,
                      c.title_vi, c.title_en, (e.election_day - c.offset_days) AS deadline,
                      (SELECT string_agg(us.full_name || coalesce(' (' || us.phone || ')', ''), ', ' ORDER BY us.full_name)
                         FROM users us WHERE us.unit_id = u.id AND us.disabled_at IS NULL
                          AND us.role IN ('district_officer', 'commune_officer', 'province_officer')) AS contacts,
                      row_number() OVER (PARTITION BY l.id ORDER BY e.election_day - c.offset_days, u.gso_code) AS place,
                      count(*) OVER (PARTITION BY l.id) AS in_locality
                 FROM tasks t
                 JOIN units u ON u.id = t.unit_id
                 JOIN units l ON l.id = coalesce(u.ancestors[array_position(u.ancestors, $2) + 1], $2)
                 JOIN calendar_entries c ON c.id = t.calendar_entry_id
                 JOIN elections e ON e.id = c.election_id
                WHERE c.election_id = $1 AND c.kind = 'legal' AND c.retired_at IS NULL
                  AND u.ancestors @> ARRAY[$2::bigint] AND t.status NOT IN ('done', 'not_applicable')
                  AND e.election_day - c.offset_days < $3
           ) listed
           WHERE place <= $4
           ORDER BY locality_code, deadline, gso_code"#,
        election_id,
        root_id,
        today,
        per_locality
    )
    .fetch_all(&state.pool)
    .await?;
    Ok(rows
        .into_iter()
        .map(|row| {
            let deadline = row.deadline.unwrap_or(today);
            (
                row.in_locality.unwrap_or_default(),
                OverdueRow {
                    locality: row.locality,
                    unit: row.unit,
                    task: row.title_vi,
                    task_en: row.title_en,
                    deadline: format::date(deadline),
                    contacts: row
                        .contacts
                        .unwrap_or_else(|| "chưa có cán bộ trong hệ thống".to_string()),
                },
            )
        })
        .collect())
}

/// Every overdue legal task below the user's unit, as XLSX or CSV: the list the brief's annex
/// shortens.
async fn overdue_download(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(file): Path<String>,
) -> AppResult<Response> {
    let (_, extension) = file.rsplit_once('.').ok_or(AppError::NotFound)?;
    let election = crate::elections::required(&state.pool, user.viewer()).await?;
    let root = root_of(&state, &user, &election, "").await?;
    let today = state.clock.today();
    let rows = overdue_rows(&state, election.id, root.id, today, i64::MAX).await?;
    let table = Table {
        name: "Viec qua han",
        headers: vec![
            "Địa phương",
            "Đơn vị",
            "Công việc",
            "Hạn",
            "Cán bộ phụ trách",
        ],
        rows: rows
            .into_iter()
            .map(|(_, row)| {
                vec![
                    Cell::text(row.locality),
                    Cell::text(row.unit),
                    Cell::text(row.task),
                    Cell::text(row.deadline),
                    Cell::text(row.contacts),
                ]
            })
            .collect(),
    };
    table.download("viec-qua-han", extension)
}

fn can_save(user: &CurrentUser) -> bool {
    Access::Roles(AUDITORS).admits(user.role)
}

#[derive(Deserialize, Default)]
struct BriefQuery {
    #[serde(default)]
    unit: String,
}

async fn live(
    State(state): State<AppState>,
    layout: Layout,
    user: CurrentUser,
    Query(query): Query<BriefQuery>,
) -> AppResult<BriefPage> {
    let (_, _, brief) = build(&state, &user, &query.unit).await?;
    Ok(BriefPage {
        layout,
        brief,
        saved: None,
        // A saved brief is the user's own unit's, which the next one is compared with.
        can_save: can_save(&user) && query.unit.is_empty(),
    })
}

async fn save(
    State(state): State<AppState>,
    user: CurrentUser,
    meta: RequestMeta,
) -> AppResult<Response> {
    let (election_id, unit_id, brief) = build(&state, &user, "").await?;
    let content = serde_json::to_value(&brief).map_err(anyhow::Error::from)?;
    let now = state.clock.now();
    let mut tx = state.pool.begin().await?;
    let id = sqlx::query_scalar!(
        "INSERT INTO briefs (election_id, unit_id, created_at, created_by, content) VALUES ($1, $2, $3, $4, $5) RETURNING id",
        election_id,
        unit_id,
        now,
        user.id,
        content
    )
    .fetch_one(&mut *tx)
    .await?;
    audit::record(
        &mut tx,
        &user.actor(&meta),
        now,
        Event::new("brief.saved").unit(unit_id).object("brief", id),
    )
    .await?;
    tx.commit().await?;
    Ok(flash::redirect(
        &format!("/briefs/{id}"),
        "Đã lưu bản tóm tắt.",
    ))
}

async fn saved(
    State(state): State<AppState>,
    layout: Layout,
    user: CurrentUser,
    Path(id): Path<i64>,
) -> AppResult<Response> {
    let row = sqlx::query!(
        r#"SELECT b.content, b.created_at, u.full_name, un.ancestors
             FROM briefs b JOIN users u ON u.id = b.created_by JOIN units un ON un.id = b.unit_id WHERE b.id = $1"#,
        id
    )
    .fetch_optional(&state.pool)
    .await?
    .ok_or(AppError::NotFound)?;
    if !user.scope.can_read(&row.ancestors) {
        return Err(AppError::OutOfScope);
    }
    let brief: BriefContent = serde_json::from_value(row.content).map_err(anyhow::Error::from)?;
    let when = row
        .created_at
        .with_timezone(&vietnam())
        .format("%d/%m/%Y %H:%M");
    Ok(BriefPage {
        layout,
        brief,
        saved: Some(format!("Bản đã lưu lúc {when} bởi {}", row.full_name)),
        can_save: false,
    }
    .into_response())
}
