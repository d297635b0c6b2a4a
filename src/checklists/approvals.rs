//! The approval queue: the done tasks waiting for review in the user's territory, oldest first,
//! with their evidence in the row; approved or returned one or many at once. Every step is written
//! through the one task record ([`record::save`]), as from a task's own page. The province's
//! officers review; a district's officers review its communes' tasks once the province delegates
//! it on this page ([`delegation`]).

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, NaiveDate, Utc};
use serde::Deserialize;

use super::delegation::{self, Reviewer};
use super::pages::writer;
use super::record::{self, Step};
use super::tasks;
use crate::AppState;
use crate::auth::guard::RequestMeta;
use crate::auth::routes::{AUDITORS, REVIEWERS};
use crate::auth::{Access, CurrentUser, Routes};
use crate::clock::vietnam;
use crate::constituencies::pages::FormWithLists;
use crate::format;
use crate::web::form::{self, Refusal};
use crate::web::{AppResult, flash, layout::Layout};

/// The most rows the queue shows at once; the page says how many more wait.
const SHOWN: i64 = 200;

pub fn routes() -> Routes {
    Routes::new()
        .get("/approvals", Access::Roles(REVIEWERS), show)
        .post("/approvals", Access::Roles(REVIEWERS), decide)
        .post("/approvals/delegation", Access::Roles(AUDITORS), delegate)
}

#[derive(Deserialize, Default, Clone)]
struct Filter {
    #[serde(default)]
    locality: String,
    #[serde(default)]
    entry: String,
}

/// The form: the ticked tasks as `id:version`, the step, its comment.
#[derive(Deserialize, Default, Clone)]
struct Decision {
    #[serde(default)]
    tasks: Vec<String>,
    #[serde(default)]
    action: String,
    #[serde(default)]
    comment: String,
    #[serde(default)]
    confirm_incomplete: Option<String>,
    #[serde(default)]
    locality: String,
    #[serde(default)]
    entry: String,
}

pub struct Waiting {
    pub id: i64,
    pub version: i32,
    pub title_vi: String,
    pub title_en: String,
    pub deadline: NaiveDate,
    pub unit_name: String,
    pub locality: Option<String>,
    pub evidence_number: Option<String>,
    pub evidence_date: Option<NaiveDate>,
    pub evidence_signer: Option<String>,
    pub attachments: i64,
    pub updated_at: DateTime<Utc>,
    pub total: i64,
}

impl Waiting {
    /// Evidence without a document number or a signer: approving it asks for confirmation.
    pub fn is_incomplete(&self) -> bool {
        self.evidence_number.is_none() || self.evidence_signer.is_none()
    }
    pub fn evidence_text(&self) -> String {
        super::evidence_text(
            self.evidence_number.as_deref(),
            self.evidence_date,
            self.evidence_signer.as_deref(),
        )
    }
    pub fn deadline_text(&self) -> String {
        format::date(self.deadline)
    }
    pub fn waiting_since(&self) -> String {
        self.updated_at
            .with_timezone(&vietnam())
            .format("%d/%m/%Y %H:%M")
            .to_string()
    }
    fn value(&self) -> String {
        format!("{}:{}", self.id, self.version)
    }
}

pub struct Choice {
    pub value: String,
    pub name: String,
    /// The English name where it differs (calendar entries); units keep their names.
    pub name_en: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "checklists/approvals.html")]
struct ApprovalsPage {
    layout: Layout,
    filter: Filter,
    localities: Vec<Choice>,
    entries: Vec<Choice>,
    rows: Vec<Waiting>,
    /// How many wait in all, shown or not.
    total: i64,
    decision: Decision,
    error: Option<Refusal>,
    /// Whether the user reviews at all (a district officer only once delegated).
    reviews: bool,
    /// For the province's officers: its districts, and whether each reviews its communes.
    delegations: Vec<Delegation>,
}

pub struct Delegation {
    pub id: i64,
    pub name: String,
    pub delegated: bool,
}

impl ApprovalsPage {
    fn left_out(&self) -> i64 {
        self.total - self.rows.len() as i64
    }
    fn is_ticked(&self, row: &Waiting) -> bool {
        self.decision.tasks.contains(&row.value())
    }
    fn error_at(&self, field: &str) -> Option<&str> {
        self.error.as_ref()?.message_at(field)
    }
    fn error_above(&self) -> Option<&str> {
        self.error.as_ref()?.message_above()
    }
}

/// The unit whose territory the user reviews ([`Layout::territory`]).
fn root(layout: &Layout, user: &CurrentUser) -> Option<i64> {
    layout.territory(user).map(|(_, root)| root)
}

async fn waiting(
    state: &AppState,
    layout: &Layout,
    user: &CurrentUser,
    reviewer: &Reviewer<'_>,
    filter: &Filter,
) -> sqlx::Result<Vec<Waiting>> {
    let (Some(election), Some(root)) = (layout.election.as_ref(), root(layout, user)) else {
        return Ok(Vec::new());
    };
    if !reviewer.reviews() {
        return Ok(Vec::new());
    }
    let locality = filter.locality.parse::<i64>().ok();
    sqlx::query_as!(
        Waiting,
        r#"SELECT t.id, t.version, c.title_vi, c.title_en, (e.election_day - c.offset_days) AS "deadline!",
                  u.name AS unit_name, l.name AS "locality?", t.evidence_number, t.evidence_date,
                  t.evidence_signer, t.updated_at,
                  (SELECT count(*) FROM task_attachments a WHERE a.task_id = t.id) AS "attachments!",
                  count(*) OVER () AS "total!"
             FROM tasks t
             JOIN calendar_entries c ON c.id = t.calendar_entry_id
             JOIN elections e ON e.id = c.election_id
             JOIN units u ON u.id = t.unit_id
             LEFT JOIN units l ON l.id = u.ancestors[array_position(u.ancestors, $2) + 1]
            WHERE c.election_id = $1 AND c.retired_at IS NULL AND t.status = 'done' AND t.review = 'none'
              AND u.ancestors @> ARRAY[$2::bigint]
              AND ($3::bigint IS NULL OR u.ancestors @> ARRAY[$3::bigint])
              AND ($4 = '' OR c.code = $4) AND NOT ($6 AND u.id = $2)
            ORDER BY t.updated_at, t.id
            LIMIT $5"#,
        election.id,
        root,
        locality,
        filter.entry,
        SHOWN,
        reviewer.only_below()
    )
    .fetch_all(&state.pool)
    .await
}

async fn page(
    state: &AppState,
    layout: Layout,
    user: &CurrentUser,
    filter: Filter,
    decision: Decision,
    error: Option<Refusal>,
) -> AppResult<ApprovalsPage> {
    let root = root(&layout, user).unwrap_or(0);
    let election = layout.election.as_ref().map_or(0, |e| e.id);
    let reviewer = Reviewer::of(&state.pool, &user.scope, election).await?;
    let rows = waiting(state, &layout, user, &reviewer, &filter).await?;
    let delegations = if AUDITORS.contains(&user.role) {
        delegations(state, election, root).await?
    } else {
        Vec::new()
    };
    let localities = sqlx::query_as!(
        Choice,
        r#"SELECT id::text AS "value!", name, name AS name_en FROM units
            WHERE parent_id = $1 AND valid_to IS NULL ORDER BY gso_code"#,
        root
    )
    .fetch_all(&state.pool)
    .await?;
    let entries = sqlx::query_as!(
        Choice,
        r#"SELECT code AS value, title_vi AS name, title_en AS name_en FROM calendar_entries
            WHERE election_id = $1 AND retired_at IS NULL ORDER BY offset_days DESC, code"#,
        election
    )
    .fetch_all(&state.pool)
    .await?;
    Ok(ApprovalsPage {
        total: rows.first().map_or(0, |r| r.total),
        layout,
        filter,
        localities,
        entries,
        rows,
        decision,
        error,
        reviews: reviewer.reviews(),
        delegations,
    })
}

/// The districts directly below `root`, each with whether it reviews its communes' tasks.
async fn delegations(state: &AppState, election: i64, root: i64) -> sqlx::Result<Vec<Delegation>> {
    let delegated = delegation::delegated_below(&state.pool, election, root).await?;
    let districts = sqlx::query!(
        "SELECT id, name FROM units WHERE parent_id = $1 AND level = 'district' AND valid_to IS NULL
          ORDER BY gso_code",
        root
    )
    .fetch_all(&state.pool)
    .await?;
    Ok(districts
        .into_iter()
        .map(|d| Delegation {
            delegated: delegated.contains(&d.id),
            id: d.id,
            name: d.name,
        })
        .collect())
}

/// The delegation form: the districts ticked review their communes' tasks, the others not.
#[derive(Deserialize, Default)]
struct Delegating {
    #[serde(default)]
    districts: Vec<String>,
}

async fn delegate(
    State(state): State<AppState>,
    layout: Layout,
    user: CurrentUser,
    meta: RequestMeta,
    FormWithLists(form): FormWithLists<Delegating>,
) -> AppResult<Response> {
    let (Some(election), Some(root)) = (layout.election.clone(), root(&layout, &user)) else {
        return Err(crate::web::AppError::NotFound);
    };
    let districts = delegations(&state, election.id, root).await?;
    let ticked: Vec<i64> = form
        .districts
        .iter()
        .filter_map(|d| d.parse().ok())
        .collect();
    if ticked.len() != form.districts.len()
        || ticked
            .iter()
            .any(|id| !districts.iter().any(|d| d.id == *id))
    {
        let refusal =
            Refusal::at("districts")("Có huyện không thuộc địa phương của anh/chị.".to_string());
        let page = page(
            &state,
            layout,
            &user,
            Filter::default(),
            Decision::default(),
            Some(refusal),
        )
        .await?;
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response());
    }
    let now = state.clock.now();
    let actor = user.actor(&meta);
    let mut tx = state.pool.begin().await?;
    for district in &districts {
        let wanted = ticked.contains(&district.id);
        delegation::set(&mut tx, &actor, now, election.id, district.id, wanted).await?;
    }
    tx.commit().await?;
    Ok(flash::redirect(
        "/approvals",
        "Đã lưu việc giao huyện duyệt.",
    ))
}

async fn show(
    State(state): State<AppState>,
    layout: Layout,
    user: CurrentUser,
    Query(filter): Query<Filter>,
) -> AppResult<ApprovalsPage> {
    page(&state, layout, &user, filter, Decision::default(), None).await
}

/// The ticked tasks, as `(id, version)`.
fn ticked(decision: &Decision) -> Vec<(i64, i32)> {
    decision
        .tasks
        .iter()
        .filter_map(|value| {
            let (id, version) = value.split_once(':')?;
            Some((id.parse().ok()?, version.parse().ok()?))
        })
        .collect()
}

async fn decide(
    State(state): State<AppState>,
    layout: Layout,
    user: CurrentUser,
    meta: RequestMeta,
    FormWithLists(decision): FormWithLists<Decision>,
) -> AppResult<Response> {
    let filter = Filter {
        locality: decision.locality.clone(),
        entry: decision.entry.clone(),
    };
    let refuse = |layout, refusal: Refusal| {
        let (filter, decision) = (filter.clone(), decision.clone());
        let state = &state;
        let user = &user;
        async move {
            let page = page(state, layout, user, filter, decision, Some(refusal)).await?;
            AppResult::Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
        }
    };
    let step = match decision.action.as_str() {
        "approve" => Step::Approve,
        "return" => Step::Return,
        _ => return refuse(layout, Refusal::above("Chọn duyệt hoặc trả lại.")).await,
    };
    let comment = match form::text("Ý kiến", form::Kind::Reason, &decision.comment) {
        Ok(None) if step == Step::Return => Err("Cần ghi ý kiến khi trả lại.".to_string()),
        checked => checked,
    };
    let comment = match comment {
        Ok(comment) => comment,
        Err(message) => return refuse(layout, Refusal::at("comment")(message)).await,
    };
    let chosen = ticked(&decision);
    if chosen.is_empty() {
        return refuse(layout, Refusal::above("Chưa chọn công việc nào.")).await;
    }
    // No more than the page shows: a decision names rows of the page.
    if chosen.len() > SHOWN as usize {
        let message = format!("Chọn nhiều nhất {} công việc mỗi lần.", SHOWN);
        return refuse(layout, Refusal::above(message)).await;
    }
    let ids: Vec<i64> = chosen.iter().map(|(id, _)| *id).collect();
    let mut loaded = tasks::find_many(&state.pool, &ids).await?;
    let election = layout.election.as_ref().map_or(0, |e| e.id);
    let reviewer = Reviewer::of(&state.pool, &user.scope, election).await?;
    let mut found = Vec::new();
    for (id, version) in chosen {
        let task = loaded.iter().position(|t| t.id == id);
        match task {
            Some(at)
                if loaded[at].election_id == election
                    && reviewer.may_review(&loaded[at].unit_ancestors) =>
            {
                found.push((loaded.swap_remove(at), version));
            }
            _ => {
                return refuse(
                    layout,
                    Refusal::above("Có công việc không còn trong danh sách."),
                )
                .await;
            }
        }
    }
    let incomplete: Vec<&str> = found
        .iter()
        .filter(|(t, _)| t.evidence_number.is_none() || t.evidence_signer.is_none())
        .map(|(t, _)| t.unit_name.as_str())
        .collect();
    if step == Step::Approve && !incomplete.is_empty() && decision.confirm_incomplete.is_none() {
        let message = format!(
            "Chưa đủ số văn bản hoặc người ký: {}. Đánh dấu ô xác nhận nếu vẫn duyệt.",
            incomplete.join(", ")
        );
        return refuse(layout, Refusal::at("confirm_incomplete")(message)).await;
    }
    let writer = writer(&state, &user, &meta);
    let mut tx = state.pool.begin().await?;
    for (task, version) in &found {
        let current = task.report();
        let change = record::Change::Review {
            step,
            comment: comment.as_deref(),
            current: &current,
        };
        let waiting = task.status == "done" && task.review == "none";
        if !waiting || !record::save(&mut tx, &writer, task.id, *version, change).await? {
            drop(tx);
            let message = format!(
                "{} vừa được người khác cập nhật; chưa ghi công việc nào. Xem lại danh sách.",
                task.unit_name
            );
            return refuse(layout, Refusal::above(message)).await;
        }
    }
    tx.commit().await?;
    let back = format!(
        "/approvals?locality={}&entry={}",
        decision.locality, decision.entry
    );
    let message = match step {
        Step::Approve => format!("Đã duyệt {} công việc.", found.len()),
        _ => format!("Đã trả lại {} công việc.", found.len()),
    };
    Ok(flash::redirect(&back, &message))
}
