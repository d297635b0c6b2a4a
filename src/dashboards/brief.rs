//! The steering committee's brief: one printed page (A4) with the headline figures, what changed
//! since the previous brief, overdue legal tasks by locality with whom to call, structural
//! violations, and the next two weeks' deadlines. Saving a brief stores its whole content, so an
//! old brief reprints exactly as it was.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};
use chrono::Days;
use serde::{Deserialize, Serialize};

use super::figures::{Source, compute};
use super::{Filter, root_of};
use crate::AppState;
use crate::audit::{self, Event};
use crate::auth::guard::RequestMeta;
use crate::auth::routes::AUDITORS;
use crate::auth::{Access, CurrentUser, Routes};
use crate::checklists::deadline::{self, TaskState};
use crate::clock::vietnam;
use crate::format;
use crate::web::{AppError, AppResult, flash, layout::Layout};

pub fn routes() -> Routes {
    Routes::new()
        .get("/brief", Access::SignedIn, live)
        .post("/brief", Access::Roles(AUDITORS), save)
        .get("/briefs/{id}", Access::SignedIn, saved)
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

/// Everything a brief prints.
#[derive(Serialize, Deserialize, Clone, Debug)]
pub struct BriefContent {
    pub unit_name: String,
    pub election_name: String,
    pub as_of: String,
    pub headlines: Vec<Headline>,
    pub changes: Vec<String>,
    pub overdue: Vec<OverdueRow>,
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

async fn build(state: &AppState, user: &CurrentUser) -> AppResult<(i64, i64, BriefContent)> {
    let election = crate::elections::required(&state.pool, user.viewer()).await?;
    let root = root_of(state, user, &election, "").await?;
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

    let overdue_rows = sqlx::query!(
        r#"SELECT l.name AS locality, u.name AS unit, c.title_vi, c.title_en, (e.election_day - c.offset_days) AS "deadline!",
                  t.status, t.evidence_date,
                  (SELECT string_agg(us.full_name || coalesce(' (' || us.phone || ')', ''), ', ' ORDER BY us.full_name)
                     FROM users us WHERE us.unit_id = u.id AND us.disabled_at IS NULL
                      AND us.role IN ('district_officer', 'commune_officer', 'province_officer')) AS contacts
             FROM tasks t
             JOIN units u ON u.id = t.unit_id
             JOIN units l ON l.id = coalesce(u.ancestors[array_position(u.ancestors, $2) + 1], $2)
             JOIN calendar_entries c ON c.id = t.calendar_entry_id
             JOIN elections e ON e.id = c.election_id
            WHERE c.election_id = $1 AND c.kind = 'legal' AND c.retired_at IS NULL
              AND u.ancestors @> ARRAY[$2::bigint] AND t.status NOT IN ('done', 'not_applicable')
              AND e.election_day - c.offset_days < $3
            ORDER BY l.gso_code, e.election_day - c.offset_days, u.gso_code
            LIMIT 200"#,
        election.id,
        root.id,
        today
    )
    .fetch_all(&state.pool)
    .await?;
    let overdue = overdue_rows
        .into_iter()
        .filter(|row| {
            deadline::state_of(&row.status, row.deadline, row.evidence_date, today)
                == TaskState::Overdue
        })
        .map(|row| OverdueRow {
            locality: row.locality,
            unit: row.unit,
            task: row.title_vi,
            task_en: row.title_en,
            deadline: format::date(row.deadline),
            contacts: row
                .contacts
                .unwrap_or_else(|| "chưa có cán bộ trong hệ thống".to_string()),
        })
        .collect();

    let findings = crate::checks::findings(&state.pool, election.id, root.id, today).await?;
    let violations = findings
        .iter()
        .filter(|f| f.is_violation())
        .take(50)
        .map(|f| format!("{} · {}: {}", f.unit_name, f.subject, f.problem))
        .collect();
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
            unit_name: root.name,
            election_name: election.name,
            as_of,
            headlines,
            changes,
            overdue,
            violations,
            upcoming,
            audit_head: crate::audit::head::current(&state.pool)
                .await?
                .map(|head| (head.audit_id, head.hex()[..16].to_string())),
        },
    ))
}

fn can_save(user: &CurrentUser) -> bool {
    Access::Roles(AUDITORS).admits(user.role)
}

async fn live(
    State(state): State<AppState>,
    layout: Layout,
    user: CurrentUser,
) -> AppResult<BriefPage> {
    let (_, _, brief) = build(&state, &user).await?;
    Ok(BriefPage {
        layout,
        brief,
        saved: None,
        can_save: can_save(&user),
    })
}

async fn save(
    State(state): State<AppState>,
    user: CurrentUser,
    meta: RequestMeta,
) -> AppResult<Response> {
    let (election_id, unit_id, brief) = build(&state, &user).await?;
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
