//! The account pages: list, create, edit role and scope, disable and re-enable, reset a password,
//! end a user's sessions. Administrators manage every account; a province officer the accounts of
//! their province, never an administrator's (`users::may_manage`). Every change is audited in its
//! transaction.

use askama::Template;
use askama_web::WebTemplate;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

use super::{
    InsertError, Invalid, NewUser, ValidUser, audit_view, insert, may_manage, unit_ancestors,
    validate,
};
use crate::AppState;
use crate::audit::{self, Event};
use crate::auth::guard::RequestMeta;
use crate::auth::routes::ACCOUNT_KEEPERS;
use crate::auth::{Access, CurrentUser, Role, Routes, password, session};
use crate::units::UnitRef;
use crate::web::form::Refusal;
use crate::web::{AppError, AppResult, flash, layout::Layout};

const ADMIN: Access = Access::Roles(ACCOUNT_KEEPERS);

pub fn routes() -> Routes {
    Routes::new()
        .get("/admin/users", ADMIN, list)
        .get("/admin/users/new", ADMIN, new_form)
        .post("/admin/users", ADMIN, create)
        .get("/admin/users/{id}", ADMIN, edit_form)
        .post("/admin/users/{id}", ADMIN, update)
        .post("/admin/users/{id}/disable", ADMIN, disable)
        .post("/admin/users/{id}/enable", ADMIN, enable)
        .post("/admin/users/{id}/reset-password", ADMIN, reset_password)
        .post("/admin/users/{id}/end-sessions", ADMIN, end_sessions)
}

pub struct UserRow {
    pub id: i64,
    pub username: String,
    pub full_name: String,
    pub role: String,
    pub unit_name: Option<String>,
    pub disabled: bool,
    pub live_sessions: i64,
}

impl UserRow {
    pub fn role_label(&self) -> &'static str {
        Role::parse(&self.role).map_or("?", Role::label_vi)
    }
}

/// A role choice in a form.
pub struct RoleOption {
    pub code: &'static str,
    pub label: &'static str,
}

fn role_options() -> Vec<RoleOption> {
    Role::ALL
        .into_iter()
        .map(|role| RoleOption {
            code: role.code(),
            label: role.label_vi(),
        })
        .collect()
}

#[derive(Deserialize, Default)]
struct ListFilter {
    role: Option<String>,
    unit: Option<String>,
    q: Option<String>,
}

#[derive(Template, WebTemplate)]
#[template(path = "users/list.html")]
struct ListPage {
    layout: Layout,
    users: Vec<UserRow>,
    roles: Vec<RoleOption>,
    role: String,
    unit: String,
    q: String,
    unit_error: Option<String>,
}

async fn list(
    State(state): State<AppState>,
    layout: Layout,
    manager: CurrentUser,
    Query(filter): Query<ListFilter>,
) -> AppResult<ListPage> {
    // A province officer lists the accounts of their province only.
    let within = match manager.role {
        Role::Admin => None,
        _ => Some(manager.scope.unit_id().unwrap_or(-1)),
    };
    let role = filter.role.unwrap_or_default();
    let unit = filter.unit.unwrap_or_default();
    let q = filter.q.unwrap_or_default();
    let mut unit_error = None;
    let unit_id = if unit.trim().is_empty() {
        None
    } else {
        match unit.parse::<UnitRef>() {
            Ok(reference) => match reference.resolve(&state.pool).await? {
                Some(found) => Some(found.id),
                None => {
                    unit_error = Some(format!("Không có đơn vị {reference}."));
                    Some(-1)
                }
            },
            Err(message) => {
                unit_error = Some(message);
                Some(-1)
            }
        }
    };
    let now = state.clock.now();
    let users = sqlx::query_as!(
        UserRow,
        r#"SELECT u.id, u.username, u.full_name, u.role, un.name AS "unit_name?",
                  u.disabled_at IS NOT NULL AS "disabled!",
                  (SELECT count(*) FROM sessions s WHERE s.user_id = u.id AND s.ended_at IS NULL
                      AND s.expires_at > $4) AS "live_sessions!"
             FROM users u LEFT JOIN units un ON un.id = u.unit_id
            WHERE ($1 = '' OR u.role = $1)
              AND ($2::bigint IS NULL OR un.ancestors @> ARRAY[$2::bigint])
              AND ($3 = '' OR search_key(u.full_name || ' ' || u.username) LIKE '%' || search_key($3) || '%')
              AND ($5::bigint IS NULL OR un.ancestors @> ARRAY[$5::bigint])
            ORDER BY u.full_name, u.username
            LIMIT 500"#,
        role,
        unit_id,
        q.trim(),
        now,
        within
    )
    .fetch_all(&state.pool)
    .await?;
    Ok(ListPage {
        layout,
        users,
        roles: role_options(),
        role,
        unit,
        q,
        unit_error,
    })
}

#[derive(Deserialize, Default)]
struct UserForm {
    username: String,
    full_name: String,
    role: String,
    #[serde(default)]
    unit: String,
    #[serde(default)]
    phone: String,
    #[serde(default)]
    email: String,
    /// The version the form was loaded at, so a concurrent edit is not overwritten.
    #[serde(default)]
    version: i32,
}

impl UserForm {
    fn as_new_user(&self) -> NewUser {
        NewUser {
            username: self.username.clone(),
            full_name: self.full_name.clone(),
            role: self.role.clone(),
            unit: self.unit.clone(),
            phone: self.phone.clone(),
            email: self.email.clone(),
        }
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "users/form.html")]
struct FormPage {
    layout: Layout,
    /// None when creating.
    id: Option<i64>,
    form: UserForm,
    roles: Vec<RoleOption>,
    error: Option<Refusal>,
    disabled: bool,
}

impl FormPage {
    fn error_at(&self, field: &str) -> Option<&str> {
        self.error.as_ref()?.message_at(field)
    }

    fn error_above(&self) -> Option<&str> {
        self.error.as_ref()?.message_above()
    }
}

/// An account refused, said beside the field it is about.
fn refusal(error: &Invalid) -> Refusal {
    Refusal::at(error.field())(error.to_string())
}

async fn new_form(layout: Layout) -> FormPage {
    FormPage {
        layout,
        id: None,
        form: UserForm {
            role: Role::CommuneOfficer.code().to_string(),
            ..UserForm::default()
        },
        roles: role_options(),
        error: None,
        disabled: false,
    }
}

/// A page showing a one-time password, once. It is not stored anywhere in readable form.
#[derive(Template, WebTemplate)]
#[template(path = "users/one_time.html")]
struct OneTimePage {
    layout: Layout,
    username: String,
    password: String,
}

async fn create(
    State(state): State<AppState>,
    layout: Layout,
    admin: CurrentUser,
    meta: RequestMeta,
    Form(form): Form<UserForm>,
) -> AppResult<Response> {
    let invalid = |layout, form, error: Invalid| {
        let page = FormPage {
            layout,
            id: None,
            form,
            roles: role_options(),
            error: Some(refusal(&error)),
            disabled: false,
        };
        (StatusCode::UNPROCESSABLE_ENTITY, page).into_response()
    };
    let user = match by_name(&state, &admin, &form).await? {
        Ok(input) => validate(&state.pool, &input).await,
        Err(message) => Err(Invalid::UnitName(message)),
    };
    let user = match user {
        Ok(user) => user,
        Err(error) => return Ok(invalid(layout, form, error)),
    };
    if let Some(refused) = beyond_reach(&state, &admin, &user).await? {
        let page = FormPage {
            layout,
            id: None,
            form,
            roles: role_options(),
            error: Some(refused),
            disabled: false,
        };
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response());
    }
    let one_time = password::one_time();
    let hash = state.hasher.hash(&one_time).await;
    let now = state.clock.now();
    let mut tx = state.pool.begin().await?;
    match insert(&mut tx, &user, &hash, true, &admin.actor(&meta), now).await {
        Ok(_) => {}
        Err(InsertError::Invalid(error)) => return Ok(invalid(layout, form, error)),
        Err(InsertError::Database(error)) => return Err(error.into()),
    }
    tx.commit().await?;
    Ok(OneTimePage {
        layout,
        username: user.username,
        password: one_time,
    }
    .into_response())
}

/// The form's account, its unit named by LEVEL:GSO_CODE or by its name (accents aside), as the
/// account import reads it; or why the name finds no one unit.
async fn by_name(
    state: &AppState,
    manager: &CurrentUser,
    form: &UserForm,
) -> AppResult<Result<NewUser, String>> {
    let mut input = form.as_new_user();
    let Some(role) = Role::parse(form.role.trim()) else {
        return Ok(Ok(input));
    };
    let named = form.unit.trim();
    if named.is_empty() || named.contains(':') {
        return Ok(Ok(input));
    }
    Ok(
        match super::import::unit_named(state, manager, role, named).await? {
            Ok(Some((reference, _))) => {
                input.unit = reference;
                Ok(input)
            }
            Ok(None) => Ok(input),
            Err(message) => Err(message),
        },
    )
}

/// Why `manager` may not give an account these role and unit, said beside the field at fault.
async fn beyond_reach(
    state: &AppState,
    manager: &CurrentUser,
    user: &ValidUser,
) -> AppResult<Option<Refusal>> {
    let ancestors = unit_ancestors(&state.pool, user.unit_id).await?;
    if may_manage(&manager.scope, user.role, &ancestors) {
        return Ok(None);
    }
    Ok(Some(if user.role == Role::Admin {
        Refusal::at("role")("Chỉ quản trị hệ thống tạo được tài khoản quản trị.".to_string())
    } else {
        Refusal::at("unit")("Đơn vị này ngoài tỉnh bạn phụ trách.".to_string())
    }))
}

/// The account, if `manager` may manage it; otherwise it is not found for them.
async fn managed(state: &AppState, manager: &CurrentUser, id: i64) -> AppResult<Stored> {
    let stored = load(state, id).await?;
    let ancestors = unit_ancestors(&state.pool, stored.user.unit_id).await?;
    if may_manage(&manager.scope, stored.user.role, &ancestors) {
        Ok(stored)
    } else {
        Err(AppError::OutOfScope)
    }
}

struct Stored {
    user: ValidUser,
    version: i32,
    disabled: bool,
    unit: String,
}

async fn load(state: &AppState, id: i64) -> AppResult<Stored> {
    let row = sqlx::query!(
        r#"SELECT u.username, u.full_name, u.role, u.unit_id, u.agency_id, u.phone, u.email, u.version,
                  u.disabled_at IS NOT NULL AS "disabled!", un.level AS "level?", un.gso_code AS "gso_code?"
             FROM users u LEFT JOIN units un ON un.id = u.unit_id WHERE u.id = $1"#,
        id
    )
    .fetch_optional(&state.pool)
    .await?
    .ok_or(AppError::NotFound)?;
    let unit = match (row.agency_id, row.level, row.gso_code) {
        (Some(agency), _, _) => format!("agency:{agency}"),
        (None, Some(level), Some(code)) => format!("{level}:{code}"),
        _ => String::new(),
    };
    Ok(Stored {
        user: ValidUser {
            username: row.username,
            full_name: row.full_name,
            role: Role::parse(&row.role).unwrap_or(Role::CommuneOfficer),
            unit_id: row.unit_id,
            agency_id: row.agency_id,
            phone: row.phone,
            email: row.email,
        },
        version: row.version,
        disabled: row.disabled,
        unit,
    })
}

fn form_of(stored: &Stored) -> UserForm {
    UserForm {
        username: stored.user.username.clone(),
        full_name: stored.user.full_name.clone(),
        role: stored.user.role.code().to_string(),
        unit: stored.unit.clone(),
        phone: stored.user.phone.clone().unwrap_or_default(),
        email: stored.user.email.clone().unwrap_or_default(),
        version: stored.version,
    }
}

async fn edit_form(
    State(state): State<AppState>,
    layout: Layout,
    manager: CurrentUser,
    Path(id): Path<i64>,
) -> AppResult<FormPage> {
    let stored = managed(&state, &manager, id).await?;
    Ok(FormPage {
        layout,
        id: Some(id),
        form: form_of(&stored),
        roles: role_options(),
        error: None,
        disabled: stored.disabled,
    })
}

async fn update(
    State(state): State<AppState>,
    layout: Layout,
    admin: CurrentUser,
    meta: RequestMeta,
    Path(id): Path<i64>,
    Form(mut form): Form<UserForm>,
) -> AppResult<Response> {
    let stored = managed(&state, &admin, id).await?;
    // The username is the login name; it is not changed here.
    form.username = stored.user.username.clone();
    let page = |layout, form, status, error: Refusal| {
        let page = FormPage {
            layout,
            id: Some(id),
            form,
            roles: role_options(),
            error: Some(error),
            disabled: stored.disabled,
        };
        (status, page).into_response()
    };
    let user = match by_name(&state, &admin, &form).await? {
        Ok(input) => validate(&state.pool, &input).await,
        Err(message) => Err(Invalid::UnitName(message)),
    };
    let user = match user {
        Ok(user) => user,
        Err(error) => {
            let status = StatusCode::UNPROCESSABLE_ENTITY;
            return Ok(page(layout, form, status, refusal(&error)));
        }
    };
    if let Some(refused) = beyond_reach(&state, &admin, &user).await? {
        return Ok(page(
            layout,
            form,
            StatusCode::UNPROCESSABLE_ENTITY,
            refused,
        ));
    }
    let now = state.clock.now();
    let mut tx = state.pool.begin().await?;
    let saved = sqlx::query!(
        "UPDATE users SET full_name = $3, role = $4, unit_id = $5, phone = $6, email = $7, agency_id = $8
          WHERE id = $1 AND version = $2",
        id,
        form.version,
        user.full_name,
        user.role.code(),
        user.unit_id,
        user.phone,
        user.email,
        user.agency_id
    )
    .execute(&mut *tx)
    .await?;
    if saved.rows_affected() == 0 {
        let message = format!(
            "Tài khoản này vừa được người khác sửa nên chưa lưu. Bản đang lưu: {} — {} — {}. \
             Những gì bạn nhập vẫn ở dưới; kiểm tra rồi lưu lại.",
            stored.user.full_name,
            stored.user.role.label_vi(),
            if stored.unit.is_empty() {
                "không gắn đơn vị"
            } else {
                &stored.unit
            },
        );
        form.version = stored.version;
        let message = Refusal::above(message);
        return Ok(page(layout, form, StatusCode::CONFLICT, message));
    }
    // A change of role or unit ends the user's sessions, as disabling does: whatever they had
    // open was granted under the old rights, and they sign in again under the new ones.
    let moved = user.role != stored.user.role || user.unit_id != stored.user.unit_id;
    let ended = if moved {
        session::end_all(&mut tx, id, None, now).await?
    } else {
        0
    };
    let mut after = audit_view(&user);
    after["sessions_ended"] = serde_json::json!(ended);
    let mut event = Event::new("user.updated")
        .object("user", id)
        .before(audit_view(&stored.user))
        .after(after);
    if let Some(unit) = user.unit_id.or(stored.user.unit_id) {
        event = event.unit(unit);
    }
    audit::record(&mut tx, &admin.actor(&meta), now, event).await?;
    tx.commit().await?;
    Ok(flash::redirect(
        &format!("/admin/users/{id}"),
        "Đã lưu tài khoản.",
    ))
}

/// The form that accompanies each action button.
#[derive(Deserialize)]
struct ActionForm {}

/// Applies one account action in a transaction with its audit record.
async fn act(
    state: &AppState,
    admin: &CurrentUser,
    meta: &RequestMeta,
    id: i64,
    action: &'static str,
    change: impl AsyncFnOnce(&mut sqlx::PgConnection) -> sqlx::Result<serde_json::Value>,
) -> AppResult<()> {
    let stored = managed(state, admin, id).await?;
    let now = state.clock.now();
    let mut tx = state.pool.begin().await?;
    let details = change(&mut tx).await?;
    let mut event = Event::new(action).object("user", id).after(details);
    if let Some(unit) = stored.user.unit_id {
        event = event.unit(unit);
    }
    audit::record(&mut tx, &admin.actor(meta), now, event).await?;
    tx.commit().await?;
    Ok(())
}

async fn disable(
    State(state): State<AppState>,
    admin: CurrentUser,
    meta: RequestMeta,
    Path(id): Path<i64>,
    Form(_): Form<ActionForm>,
) -> AppResult<Response> {
    if id == admin.id {
        return Ok(flash::redirect(
            &format!("/admin/users/{id}"),
            "Không thể tự khóa tài khoản của chính mình.",
        ));
    }
    let now = state.clock.now();
    act(&state, &admin, &meta, id, "user.disabled", async |tx| {
        sqlx::query!(
            "UPDATE users SET disabled_at = $2 WHERE id = $1 AND disabled_at IS NULL",
            id,
            now
        )
        .execute(&mut *tx)
        .await?;
        let ended = session::end_all(tx, id, None, now).await?;
        Ok(serde_json::json!({ "sessions_ended": ended }))
    })
    .await?;
    Ok(flash::redirect(
        &format!("/admin/users/{id}"),
        "Đã khóa tài khoản và kết thúc mọi phiên đăng nhập.",
    ))
}

async fn enable(
    State(state): State<AppState>,
    admin: CurrentUser,
    meta: RequestMeta,
    Path(id): Path<i64>,
    Form(_): Form<ActionForm>,
) -> AppResult<Response> {
    act(&state, &admin, &meta, id, "user.enabled", async |tx| {
        sqlx::query!("UPDATE users SET disabled_at = NULL WHERE id = $1", id)
            .execute(&mut *tx)
            .await?;
        Ok(serde_json::json!({}))
    })
    .await?;
    Ok(flash::redirect(
        &format!("/admin/users/{id}"),
        "Đã mở khóa tài khoản.",
    ))
}

async fn reset_password(
    State(state): State<AppState>,
    layout: Layout,
    admin: CurrentUser,
    meta: RequestMeta,
    Path(id): Path<i64>,
    Form(_): Form<ActionForm>,
) -> AppResult<Response> {
    let one_time = password::one_time();
    let hash = state.hasher.hash(&one_time).await;
    let now = state.clock.now();
    act(
        &state,
        &admin,
        &meta,
        id,
        "user.password_reset",
        async |tx| {
            sqlx::query!(
                "UPDATE users SET password_hash = $2, must_change_password = true WHERE id = $1",
                id,
                hash
            )
            .execute(&mut *tx)
            .await?;
            let ended = session::end_all(tx, id, None, now).await?;
            Ok(serde_json::json!({ "sessions_ended": ended }))
        },
    )
    .await?;
    let stored = load(&state, id).await?;
    Ok(OneTimePage {
        layout,
        username: stored.user.username,
        password: one_time,
    }
    .into_response())
}

async fn end_sessions(
    State(state): State<AppState>,
    admin: CurrentUser,
    meta: RequestMeta,
    Path(id): Path<i64>,
    Form(_): Form<ActionForm>,
) -> AppResult<Response> {
    let now = state.clock.now();
    act(
        &state,
        &admin,
        &meta,
        id,
        "user.sessions_ended",
        async |tx| {
            let ended = session::end_all(tx, id, None, now).await?;
            Ok(serde_json::json!({ "sessions_ended": ended }))
        },
    )
    .await?;
    Ok(flash::redirect(
        &format!("/admin/users/{id}"),
        "Đã kết thúc mọi phiên đăng nhập của tài khoản.",
    ))
}
