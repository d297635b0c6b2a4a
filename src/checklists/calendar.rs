//! The deadline calendar: legal entries are fixed; administrative ones are moved, added and retired
//! by the province (province officers and admins). Adding an entry gives every unit of the levels
//! it names a task.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use chrono::NaiveDate;
use serde::Deserialize;

use crate::AppState;
use crate::audit::{self, Event};
use crate::auth::guard::RequestMeta;
use crate::auth::routes::AUDITORS;
use crate::auth::{Access, CurrentUser, Role, Routes};
use crate::constituencies::pages::FormWithLists;
use crate::elections::Election;
use crate::format;
use crate::web::form::Refusal;
use crate::web::{AppError, AppResult, flash, form, layout::Layout};

/// Those who change the calendar: the province's officers and admins.
const PLANNERS: Access = Access::Roles(AUDITORS);

pub fn routes() -> Routes {
    Routes::new()
        .get("/calendar", Access::SignedIn, show)
        .post("/calendar", PLANNERS, add)
        .post("/calendar/{id}", PLANNERS, move_entry)
        .post("/calendar/{id}/retire", PLANNERS, retire)
}

pub struct EntryRow {
    pub id: i64,
    pub code: String,
    pub title_vi: String,
    pub title_en: String,
    pub kind: String,
    pub offset_days: i32,
    pub levels: Vec<String>,
    pub deadline: NaiveDate,
    pub version: i32,
}

impl EntryRow {
    pub fn deadline_text(&self) -> String {
        format::date(self.deadline)
    }
    pub fn is_legal(&self) -> bool {
        self.kind == "legal"
    }
    pub fn levels_text(&self) -> String {
        self.levels
            .iter()
            .map(|level| match level.as_str() {
                "country" => "Trung ương",
                "province" => "Tỉnh",
                "district" => "Huyện",
                _ => "Xã",
            })
            .collect::<Vec<_>>()
            .join(", ")
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "checklists/calendar.html")]
struct CalendarPage {
    layout: Layout,
    entries: Vec<EntryRow>,
    can_plan: bool,
    /// The new entry's form: empty, or as it was typed when refused.
    added: AddForm,
    /// A form of the page refused, with why: the new entry's (`None`) or an entry's move.
    refused: Option<(Option<i64>, Refusal)>,
    /// The moved entry's deadline as it was typed when refused.
    typed_deadline: String,
}

impl CalendarPage {
    /// Why the form of `entry` (none: the new entry's) was refused, when it is about `field`.
    fn error_at(&self, entry: Option<i64>, field: &str) -> Option<&str> {
        self.refused
            .as_ref()
            .filter(|(which, _)| *which == entry)?
            .1
            .message_at(field)
    }

    fn is_refused(&self, entry: Option<i64>) -> bool {
        self.refused
            .as_ref()
            .is_some_and(|(which, _)| *which == entry)
    }

    /// The deadline an entry's move form shows: as typed when refused, else the entry's own.
    fn deadline_of(&self, entry: &EntryRow) -> String {
        if self.is_refused(Some(entry.id)) {
            self.typed_deadline.clone()
        } else {
            crate::format::date(entry.deadline)
        }
    }

    fn adds_level(&self, level: &str) -> bool {
        self.added.levels.iter().any(|l| l == level)
    }
}

/// Whether the user plans this election's calendar: an admin, or an officer of the province it covers.
fn plans(user: &CurrentUser, election: &Election) -> bool {
    user.role == Role::Admin
        || (user.role == Role::ProvinceOfficer && user.scope.unit_id() == Some(election.unit_id))
}

async fn show(
    State(state): State<AppState>,
    layout: Layout,
    user: CurrentUser,
) -> AppResult<CalendarPage> {
    render(
        &state,
        layout,
        &user,
        AddForm::default(),
        None,
        String::new(),
    )
    .await
}

/// The calendar again with a refused form as it was typed and why: a 422.
async fn refuse(
    state: &AppState,
    layout: Layout,
    user: &CurrentUser,
    added: AddForm,
    refused: (Option<i64>, Refusal),
    typed_deadline: String,
) -> AppResult<Response> {
    let page = render(state, layout, user, added, Some(refused), typed_deadline).await?;
    Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
}

async fn render(
    state: &AppState,
    layout: Layout,
    user: &CurrentUser,
    added: AddForm,
    refused: Option<(Option<i64>, Refusal)>,
    typed_deadline: String,
) -> AppResult<CalendarPage> {
    let Some(election) = layout.election.clone() else {
        return Err(AppError::NotFound);
    };
    let entries = sqlx::query_as!(
        EntryRow,
        r#"SELECT c.id, c.code, c.title_vi, c.title_en, c.kind, c.offset_days, c.levels,
                  (e.election_day - c.offset_days) AS "deadline!", c.version
             FROM calendar_entries c JOIN elections e ON e.id = c.election_id
            WHERE c.election_id = $1 AND c.retired_at IS NULL
            ORDER BY c.offset_days DESC, c.code"#,
        election.id
    )
    .fetch_all(&state.pool)
    .await?;
    Ok(CalendarPage {
        can_plan: plans(user, &election),
        layout,
        entries,
        added,
        refused,
        typed_deadline,
    })
}

/// The election and the entry, checked: the user plans it, and it is administrative.
async fn planned_entry(
    state: &AppState,
    user: &CurrentUser,
    id: i64,
) -> AppResult<(Election, String, i32)> {
    let election = crate::elections::required(&state.pool, user.viewer()).await?;
    if !plans(user, &election) {
        return Err(AppError::Forbidden);
    }
    let entry = sqlx::query!(
        "SELECT kind, title_vi, offset_days FROM calendar_entries WHERE id = $1 AND election_id = $2 AND retired_at IS NULL",
        id,
        election.id
    )
    .fetch_optional(&state.pool)
    .await?
    .ok_or(AppError::NotFound)?;
    if entry.kind == "legal" {
        return Err(AppError::Forbidden);
    }
    Ok((election, entry.title_vi, entry.offset_days))
}

#[derive(Deserialize, Default)]
struct MoveForm {
    #[serde(default)]
    deadline: String,
}

/// The offset that puts a deadline on `day`: election day minus the offset.
fn offset_for(election_day: NaiveDate, day: NaiveDate) -> i32 {
    i32::try_from((election_day - day).num_days()).unwrap_or(i32::MAX)
}

async fn move_entry(
    State(state): State<AppState>,
    layout: Layout,
    user: CurrentUser,
    meta: RequestMeta,
    Path(id): Path<i64>,
    axum::Form(form): axum::Form<MoveForm>,
) -> AppResult<Response> {
    let (election, title, old_offset) = planned_entry(&state, &user, id).await?;
    let Some(day) = form::date(&form.deadline).ok().flatten() else {
        let refusal =
            Refusal::at("deadline")("Hạn mới không hợp lệ; ghi theo dạng ngày/tháng/năm.".into());
        let added = AddForm::default();
        return refuse(
            &state,
            layout,
            &user,
            added,
            (Some(id), refusal),
            form.deadline,
        )
        .await;
    };
    let offset = offset_for(election.election_day, day);
    let now = state.clock.now();
    let mut tx = state.pool.begin().await?;
    sqlx::query!(
        "UPDATE calendar_entries SET offset_days = $2 WHERE id = $1",
        id,
        offset
    )
    .execute(&mut *tx)
    .await?;
    let event = Event::new("calendar.moved")
        .unit(election.unit_id)
        .object("calendar_entry", id)
        .before(serde_json::json!({ "offset_days": old_offset }))
        .after(serde_json::json!({ "offset_days": offset, "deadline": day }));
    audit::record(&mut tx, &user.actor(&meta), now, event).await?;
    tx.commit().await?;
    Ok(flash::redirect(
        "/calendar",
        &format!("Đã dời hạn \"{title}\" sang {}.", format::date(day)),
    ))
}

async fn retire(
    State(state): State<AppState>,
    user: CurrentUser,
    meta: RequestMeta,
    Path(id): Path<i64>,
) -> AppResult<Response> {
    let (election, title, _) = planned_entry(&state, &user, id).await?;
    let now = state.clock.now();
    let mut tx = state.pool.begin().await?;
    sqlx::query!(
        "UPDATE calendar_entries SET retired_at = $2 WHERE id = $1",
        id,
        now
    )
    .execute(&mut *tx)
    .await?;
    let event = Event::new("calendar.retired")
        .unit(election.unit_id)
        .object("calendar_entry", id);
    audit::record(&mut tx, &user.actor(&meta), now, event).await?;
    tx.commit().await?;
    Ok(flash::redirect(
        "/calendar",
        &format!("Đã bỏ mốc \"{title}\"; công việc của mốc này không còn hiện."),
    ))
}

#[derive(Deserialize, Default, Clone, Debug)]
struct AddForm {
    #[serde(default)]
    title_vi: String,
    #[serde(default)]
    title_en: String,
    #[serde(default)]
    deadline: String,
    #[serde(default)]
    levels: Vec<String>,
}

/// A new administrative entry, checked.
struct NewEntry {
    title_vi: String,
    title_en: Option<String>,
    day: NaiveDate,
    levels: Vec<String>,
}

fn check_entry(form: &AddForm) -> Result<NewEntry, Refusal> {
    let title_vi = form::required("Tên công việc", form::Kind::Name, &form.title_vi)
        .map_err(Refusal::at("title_vi"))?;
    let title_en = form::text("Tên tiếng Anh", form::Kind::Name, &form.title_en)
        .map_err(Refusal::at("title_en"))?;
    let day = form::date(&form.deadline).ok().flatten().ok_or_else(|| {
        Refusal::at("deadline")("Hạn không hợp lệ; ghi theo dạng ngày/tháng/năm.".into())
    })?;
    let levels: Vec<String> = form
        .levels
        .iter()
        .filter(|l| matches!(l.as_str(), "province" | "district" | "commune"))
        .cloned()
        .collect();
    if levels.is_empty() {
        return Err(Refusal::at("levels")(
            "Cần chọn ít nhất một cấp thực hiện.".into(),
        ));
    }
    Ok(NewEntry {
        title_vi,
        title_en,
        day,
        levels,
    })
}

async fn add(
    State(state): State<AppState>,
    layout: Layout,
    user: CurrentUser,
    meta: RequestMeta,
    FormWithLists(form): FormWithLists<AddForm>,
) -> AppResult<Response> {
    let election = crate::elections::required(&state.pool, user.viewer()).await?;
    if !plans(&user, &election) {
        return Err(AppError::Forbidden);
    }
    let NewEntry {
        title_vi,
        title_en,
        day,
        levels,
    } = match check_entry(&form) {
        Ok(entry) => entry,
        Err(refusal) => {
            return refuse(&state, layout, &user, form, (None, refusal), String::new()).await;
        }
    };
    let offset = offset_for(election.election_day, day);
    let title_en = title_en.unwrap_or_else(|| title_vi.clone());
    let now = state.clock.now();
    let mut tx = state.pool.begin().await?;
    let id = sqlx::query_scalar!(
        r#"INSERT INTO calendar_entries (election_id, code, offset_days, kind, levels, title_vi, title_en)
           VALUES ($1, 'province_' || (SELECT count(*) + 1 FROM calendar_entries WHERE election_id = $1),
                   $2, 'administrative', $3, $4, $5)
           RETURNING id"#,
        election.id,
        offset,
        &levels,
        title_vi,
        title_en
    )
    .fetch_one(&mut *tx)
    .await?;
    let created = sqlx::query!(
        r#"INSERT INTO tasks (calendar_entry_id, unit_id)
           SELECT $1, u.id FROM units u
            WHERE u.ancestors @> ARRAY[$2::bigint] AND u.valid_to IS NULL AND u.level = ANY ($3)"#,
        id,
        election.unit_id,
        &levels
    )
    .execute(&mut *tx)
    .await?
    .rows_affected();
    let event = Event::new("calendar.added")
        .unit(election.unit_id)
        .object("calendar_entry", id)
        .after(serde_json::json!({ "title": title_vi, "deadline": day, "levels": levels, "tasks": created }));
    audit::record(&mut tx, &user.actor(&meta), now, event).await?;
    tx.commit().await?;
    Ok(flash::redirect(
        "/calendar",
        &format!(
            "Đã thêm \"{title_vi}\", hạn {}, giao cho {created} đơn vị.",
            format::date(day)
        ),
    ))
}

/// Keeps the offset arithmetic and the deadline rule one and the same.
#[cfg(test)]
mod tests {
    use super::super::deadline;
    use super::*;

    #[test]
    fn an_offset_puts_the_deadline_back_on_the_chosen_day() {
        let election_day = NaiveDate::from_ymd_opt(2021, 5, 23).unwrap();
        for day in ["2021-01-08", "2021-05-23", "2021-06-02"] {
            let day = NaiveDate::parse_from_str(day, "%Y-%m-%d").unwrap();
            assert_eq!(
                deadline::deadline(election_day, offset_for(election_day, day)),
                day
            );
        }
    }
}
