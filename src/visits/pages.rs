//! `/visits`: the working groups' visits, when each locality was last visited, and recording a
//! visit; `/visits/{id}`: what the group checked and brought back.

use std::collections::HashMap;

use askama::Template;
use askama_web::WebTemplate;
use axum::Form;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

use super::{Check, Visit};
use crate::AppState;
use crate::auth::guard::RequestMeta;
use crate::auth::routes::{AUDITORS, PROVINCE_PEOPLE};
use crate::auth::{Access, CurrentUser, Routes};
use crate::web::form::{self, Refusal};
use crate::web::{AppError, AppResult, flash, layout::Layout};

pub fn routes() -> Routes {
    Routes::new()
        .get("/visits", Access::Roles(PROVINCE_PEOPLE), list)
        .post("/visits", Access::Roles(AUDITORS), create)
        .get("/visits/{id}", Access::Roles(PROVINCE_PEOPLE), show)
        .post("/visits/{id}", Access::Roles(AUDITORS), save)
}

/// A locality of the province, and when a group last visited it.
pub struct Locality {
    pub id: i64,
    pub name: String,
    pub last_visit: Option<String>,
}

#[derive(Deserialize, Default, Clone)]
struct NewVisitForm {
    #[serde(default)]
    locality: String,
    #[serde(default)]
    day: String,
    #[serde(default)]
    members: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "visits/list.html")]
struct VisitsPage {
    layout: Layout,
    visits: Vec<Visit>,
    localities: Vec<Locality>,
    typed: NewVisitForm,
    error: Option<Refusal>,
    can_record: bool,
}

impl VisitsPage {
    fn error_at(&self, field: &str) -> Option<&str> {
        self.error.as_ref()?.message_at(field)
    }
}

async fn page(
    state: &AppState,
    layout: Layout,
    user: &CurrentUser,
    typed: NewVisitForm,
    error: Option<Refusal>,
) -> AppResult<VisitsPage> {
    let (election, root) = layout.territory(user).ok_or(AppError::NotFound)?;
    let visits = super::below(&state.pool, election, root).await?;
    let units = sqlx::query!(
        "SELECT id, name FROM units WHERE parent_id = $1 AND valid_to IS NULL ORDER BY gso_code",
        root
    )
    .fetch_all(&state.pool)
    .await?;
    let ids: Vec<i64> = units.iter().map(|u| u.id).collect();
    let last: HashMap<i64, _> = super::last_visited(&state.pool, election, &ids)
        .await?
        .into_iter()
        .collect();
    let localities = units
        .into_iter()
        .map(|u| Locality {
            last_visit: last.get(&u.id).map(|at| {
                crate::format::date(at.with_timezone(&crate::clock::vietnam()).date_naive())
            }),
            id: u.id,
            name: u.name,
        })
        .collect();
    Ok(VisitsPage {
        can_record: AUDITORS.contains(&user.role),
        layout,
        visits,
        localities,
        typed,
        error,
    })
}

async fn list(
    State(state): State<AppState>,
    layout: Layout,
    user: CurrentUser,
) -> AppResult<VisitsPage> {
    page(&state, layout, &user, NewVisitForm::default(), None).await
}

/// The most members a group lists.
const MAX_MEMBERS: usize = 30;

async fn create(
    State(state): State<AppState>,
    layout: Layout,
    user: CurrentUser,
    meta: RequestMeta,
    Form(typed): Form<NewVisitForm>,
) -> AppResult<Response> {
    let (election, root) = layout.territory(&user).ok_or(AppError::NotFound)?;
    let drawn = page(&state, layout, &user, typed.clone(), None).await?;
    let checked = (|| {
        let locality = typed
            .locality
            .parse::<i64>()
            .ok()
            .and_then(|id| drawn.localities.iter().find(|l| l.id == id))
            .ok_or_else(|| Refusal::at("locality")("Chọn địa phương được kiểm tra.".to_string()))?;
        let day = form::date(&typed.day)
            .map_err(Refusal::at("day"))?
            .ok_or_else(|| Refusal::at("day")("Cần nhập ngày kiểm tra.".to_string()))?;
        let mut members = Vec::new();
        for line in typed.members.lines().filter(|l| !l.trim().is_empty()) {
            let member = form::required("Thành viên đoàn", form::Kind::Name, line)
                .map_err(Refusal::at("members"))?;
            members.push(member);
        }
        if members.is_empty() || members.len() > MAX_MEMBERS {
            return Err(Refusal::at("members")(format!(
                "Ghi từ 1 đến {MAX_MEMBERS} thành viên, mỗi dòng một người, trưởng đoàn trước."
            )));
        }
        Ok(super::NewVisit {
            election_id: election,
            unit_id: root,
            locality_id: locality.id,
            locality_name: locality.name.clone(),
            day,
            members: members.join("\n"),
        })
    })();
    let visit = match checked {
        Ok(visit) => visit,
        Err(refusal) => {
            let page = VisitsPage {
                error: Some(refusal),
                ..drawn
            };
            return Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response());
        }
    };
    let mut tx = state.pool.begin().await?;
    let id = super::create(&mut tx, &user.actor(&meta), state.clock.now(), &visit).await?;
    tx.commit().await?;
    Ok(flash::redirect(
        &format!("/visits/{id}"),
        "Đã ghi chuyến kiểm tra.",
    ))
}

#[derive(Template, WebTemplate)]
#[template(path = "visits/show.html")]
struct VisitPage {
    layout: Layout,
    visit: Visit,
    checks: Vec<Check>,
    results: &'static [(&'static str, &'static str)],
    can_record: bool,
    error: Option<Refusal>,
}

impl VisitPage {
    fn error_at(&self, field: &str) -> Option<&str> {
        self.error.as_ref()?.message_at(field)
    }
    fn error_above(&self) -> Option<&str> {
        self.error.as_ref()?.message_above()
    }
    fn members(&self) -> Vec<&str> {
        self.visit.members.lines().collect()
    }
}

async fn readable(
    state: &AppState,
    layout: &Layout,
    user: &CurrentUser,
    id: i64,
) -> AppResult<Visit> {
    let visit = super::find(&state.pool, id)
        .await?
        .ok_or(AppError::NotFound)?;
    let same_election = layout
        .election
        .as_ref()
        .is_some_and(|e| e.id == visit.election_id);
    if same_election && user.scope.can_read(&visit.locality_ancestors) {
        Ok(visit)
    } else {
        Err(AppError::OutOfScope)
    }
}

async fn visit_page(
    state: &AppState,
    layout: Layout,
    user: &CurrentUser,
    visit: Visit,
    error: Option<Refusal>,
) -> AppResult<VisitPage> {
    let checks = super::checks(&state.pool, &visit).await?;
    Ok(VisitPage {
        can_record: AUDITORS.contains(&user.role) && user.scope.can_edit(&visit.locality_ancestors),
        layout,
        visit,
        checks,
        results: super::RESULTS,
        error,
    })
}

async fn show(
    State(state): State<AppState>,
    layout: Layout,
    user: CurrentUser,
    Path(id): Path<i64>,
) -> AppResult<VisitPage> {
    let visit = readable(&state, &layout, &user, id).await?;
    visit_page(&state, layout, &user, visit, None).await
}

async fn save(
    State(state): State<AppState>,
    layout: Layout,
    user: CurrentUser,
    meta: RequestMeta,
    Path(id): Path<i64>,
    Form(fields): Form<HashMap<String, String>>,
) -> AppResult<Response> {
    let visit = readable(&state, &layout, &user, id).await?;
    if !user.scope.can_edit(&visit.locality_ancestors) {
        return Err(AppError::OutOfScope);
    }
    let field = |name: &str| fields.get(name).map_or("", String::as_str);
    let checks = super::checks(&state.pool, &visit).await?;
    let checked = (|| {
        let findings = form::text("Kết quả kiểm tra", form::Kind::Reason, field("findings"))
            .map_err(Refusal::at("findings"))?;
        let difficulties = form::text(
            "Khó khăn, vướng mắc",
            form::Kind::Reason,
            field("difficulties"),
        )
        .map_err(Refusal::at("difficulties"))?;
        let mut results = Vec::new();
        for check in &checks {
            let result = super::RESULTS
                .iter()
                .map(|(code, _)| *code)
                .find(|code| *code == field(&format!("result_{}", check.entry_id)))
                .unwrap_or("not_checked");
            let note = form::text(
                "Ghi chú",
                form::Kind::Reason,
                field(&format!("note_{}", check.entry_id)),
            )
            .map_err(Refusal::at("checks"))?;
            results.push((check.entry_id, result, note));
        }
        Ok(super::Record {
            findings,
            difficulties,
            checks: results,
        })
    })();
    let record = match checked {
        Ok(record) => record,
        Err(refusal) => {
            let page = visit_page(&state, layout, &user, visit, Some(refusal)).await?;
            return Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response());
        }
    };
    let version = field("version").parse().unwrap_or(0);
    let mut tx = state.pool.begin().await?;
    if !super::save_record(
        &mut tx,
        &user.actor(&meta),
        state.clock.now(),
        &visit,
        version,
        &record,
    )
    .await?
    {
        drop(tx);
        let message = "Chuyến kiểm tra này vừa được người khác cập nhật nên chưa lưu; dưới đây là bản mới nhất.";
        let page = visit_page(&state, layout, &user, visit, Some(Refusal::above(message))).await?;
        return Ok((StatusCode::CONFLICT, page).into_response());
    }
    tx.commit().await?;
    Ok(flash::redirect(
        &format!("/visits/{id}"),
        "Đã lưu kết quả kiểm tra.",
    ))
}
