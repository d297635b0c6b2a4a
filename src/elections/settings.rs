//! `/election/settings`: the choices the law leaves to us. The province sets its election's ballot
//! reserve (the share of ballots a polling area receives above its voters); the administrator sets
//! the days to handle complaints about subjects the law gives no limit for, one rule for the whole
//! country. The law's own limits are shown beside them and cannot be changed here.

use askama::Template;
use askama_web::WebTemplate;
use axum::Form;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

use crate::AppState;
use crate::auth::guard::RequestMeta;
use crate::auth::routes::AUDITORS;
use crate::auth::{Access, CurrentUser, Role, Routes};
use crate::complaints::{self, Rule, SETTABLE_SUBJECTS, SUBJECTS};
use crate::web::form::Refusal;
use crate::web::{AppError, AppResult, flash, layout::Layout};

/// The most ballot reserve the schema allows, in per cent.
const MAX_RESERVE: i32 = 50;
/// The longest handling time that may be set, in days.
const MAX_DAYS: i32 = 90;

pub fn routes() -> Routes {
    Routes::new()
        .get("/election/settings", Access::SignedIn, show)
        .post("/election/settings", Access::Roles(AUDITORS), save)
}

#[derive(Deserialize, Default, Clone)]
struct SettingsForm {
    #[serde(default)]
    version: String,
    #[serde(default)]
    ballot_reserve_percent: String,
    /// The days as the page was drawn with, so that a change made meanwhile is not overwritten.
    #[serde(default)]
    days_was: String,
    #[serde(default)]
    days_to_handle: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "elections/settings.html")]
struct SettingsPage {
    layout: Layout,
    form: SettingsForm,
    rules: Vec<(String, Rule)>,
    can_set_reserve: bool,
    can_set_days: bool,
    error: Option<Refusal>,
}

impl SettingsPage {
    fn error_at(&self, field: &str) -> Option<&str> {
        self.error.as_ref()?.message_at(field)
    }
    fn error_above(&self) -> Option<&str> {
        self.error.as_ref()?.message_above()
    }
    fn subject_label(&self, subject: &str) -> &'static str {
        complaints::label(SUBJECTS, subject)
    }
    fn settable(&self, subject: &str) -> bool {
        SETTABLE_SUBJECTS.contains(&subject)
    }
}

/// The election shown, its reserve and version, and whether the user may set them.
async fn page(state: &AppState, layout: Layout, user: &CurrentUser) -> AppResult<SettingsPage> {
    let election = layout.election.as_ref().ok_or(AppError::NotFound)?;
    let stored = sqlx::query!(
        "SELECT ballot_reserve_percent, version FROM elections WHERE id = $1",
        election.id
    )
    .fetch_one(&state.pool)
    .await?;
    let rules = complaints::rules(&state.pool).await?;
    let days = settable_days(&rules);
    let can_set_reserve = matches!(user.role, Role::Admin | Role::ProvinceOfficer)
        && user.scope.can_edit(&election.unit_ancestors);
    Ok(SettingsPage {
        form: SettingsForm {
            version: stored.version.to_string(),
            ballot_reserve_percent: stored.ballot_reserve_percent.to_string(),
            days_was: days.to_string(),
            days_to_handle: days.to_string(),
        },
        rules,
        can_set_reserve,
        can_set_days: user.role == Role::Admin,
        layout,
        error: None,
    })
}

/// The days the settable subjects share (the first's, should they ever differ).
fn settable_days(rules: &[(String, Rule)]) -> i32 {
    rules
        .iter()
        .find(|(subject, _)| SETTABLE_SUBJECTS.contains(&subject.as_str()))
        .and_then(|(_, rule)| rule.days_to_handle)
        .unwrap_or(10)
}

async fn show(
    State(state): State<AppState>,
    layout: Layout,
    user: CurrentUser,
) -> AppResult<SettingsPage> {
    page(&state, layout, &user).await
}

/// A whole number within `0..=max` (or `1..=max` when `at_least_one`), or why not.
fn bounded(label: &str, raw: &str, min: i32, max: i32) -> Result<i32, String> {
    let value = crate::input::count(label, raw)?;
    if (min..=max).contains(&value) {
        Ok(value)
    } else {
        Err(format!("{label} phải từ {min} đến {max}."))
    }
}

async fn save(
    State(state): State<AppState>,
    layout: Layout,
    user: CurrentUser,
    meta: RequestMeta,
    Form(typed): Form<SettingsForm>,
) -> AppResult<Response> {
    let mut page = page(&state, layout, &user).await?;
    if !page.can_set_reserve && !page.can_set_days {
        return Err(AppError::OutOfScope);
    }
    let refuse = |mut page: SettingsPage, typed: SettingsForm, error: Refusal, status| {
        page.form = typed;
        page.error = Some(error);
        Ok((status, page).into_response())
    };
    let reserve = match bounded(
        "Dự phòng phiếu bầu",
        &typed.ballot_reserve_percent,
        0,
        MAX_RESERVE,
    ) {
        Ok(reserve) => reserve,
        Err(message) if page.can_set_reserve => {
            return refuse(
                page,
                typed,
                Refusal::at("ballot_reserve_percent")(message),
                StatusCode::UNPROCESSABLE_ENTITY,
            );
        }
        Err(_) => 0,
    };
    let days = match bounded("Số ngày giải quyết", &typed.days_to_handle, 1, MAX_DAYS) {
        Ok(days) => days,
        Err(message) if page.can_set_days => {
            return refuse(
                page,
                typed,
                Refusal::at("days_to_handle")(message),
                StatusCode::UNPROCESSABLE_ENTITY,
            );
        }
        Err(_) => 0,
    };
    let election = page
        .layout
        .election
        .as_ref()
        .map(|e| e.id)
        .ok_or(AppError::NotFound)?;
    let (actor, now) = (user.actor(&meta), state.clock.now());
    let mut tx = state.pool.begin().await?;
    let mut written = true;
    if page.can_set_reserve && page.form.ballot_reserve_percent != reserve.to_string() {
        let version = typed.version.parse().unwrap_or(-1);
        written &=
            crate::elections::set_ballot_reserve(&mut tx, &actor, now, election, version, reserve)
                .await?;
    }
    if written && page.can_set_days && page.form.days_to_handle != days.to_string() {
        let was = typed.days_was.parse().unwrap_or(-1);
        written &= complaints::set_days_to_handle(&mut tx, &actor, now, was, days).await?;
    }
    if !written {
        drop(tx);
        page.form.ballot_reserve_percent = typed.ballot_reserve_percent.clone();
        page.form.days_to_handle = typed.days_to_handle.clone();
        page.error = Some(Refusal::above(
            "Thiết lập vừa được người khác thay đổi nên chưa lưu; những gì bạn nhập vẫn ở trong ô.",
        ));
        return Ok((StatusCode::CONFLICT, page).into_response());
    }
    tx.commit().await?;
    Ok(flash::redirect("/election/settings", "Đã lưu."))
}
