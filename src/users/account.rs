//! Each user's own account: details, recent logins, changing the password.

use askama::Template;
use askama_web::WebTemplate;
use axum::Form;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};
use serde::Deserialize;

use crate::AppState;
use crate::audit::{self, Event};
use crate::auth::guard::RequestMeta;
use crate::auth::password::{self, Verified};
use crate::auth::{Access, CurrentUser, Routes, session};
use crate::clock::vietnam;
use crate::web::form::Refusal;
use crate::web::{AppResult, flash, layout::Layout};

pub fn routes() -> Routes {
    Routes::new()
        .get("/account", Access::SignedIn, show)
        .get("/account/password", Access::PasswordChange, password_form)
        .post("/account/password", Access::PasswordChange, change_password)
}

pub struct LoginRow {
    pub created_at: DateTime<Utc>,
    pub client_addr: Option<String>,
    pub user_agent: Option<String>,
    pub live: bool,
}

impl LoginRow {
    pub fn when(&self) -> String {
        self.created_at
            .with_timezone(&vietnam())
            .format("%d/%m/%Y %H:%M")
            .to_string()
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "users/account.html")]
struct AccountPage {
    layout: Layout,
    unit_name: Option<String>,
    phone: Option<String>,
    email: Option<String>,
    logins: Vec<LoginRow>,
}

async fn show(
    State(state): State<AppState>,
    layout: Layout,
    user: CurrentUser,
) -> AppResult<AccountPage> {
    let details = sqlx::query!(
        "SELECT u.phone, u.email, un.name AS \"unit_name?\" FROM users u LEFT JOIN units un ON un.id = u.unit_id
          WHERE u.id = $1",
        user.id
    )
    .fetch_one(&state.pool)
    .await?;
    let now = state.clock.now();
    let logins = sqlx::query_as!(
        LoginRow,
        r#"SELECT created_at, host(client_addr) AS client_addr, user_agent,
                  (ended_at IS NULL AND expires_at > $2) AS "live!"
             FROM sessions WHERE user_id = $1 ORDER BY created_at DESC LIMIT 10"#,
        user.id,
        now
    )
    .fetch_all(&state.pool)
    .await?;
    Ok(AccountPage {
        layout,
        unit_name: details.unit_name,
        phone: details.phone,
        email: details.email,
        logins,
    })
}

#[derive(Template, WebTemplate)]
#[template(path = "users/password.html")]
struct PasswordPage {
    layout: Layout,
    /// Said beside the field it is about. What was typed is never sent back: these are passwords.
    error: Option<Refusal>,
}

impl PasswordPage {
    fn error_at(&self, field: &str) -> Option<&str> {
        self.error.as_ref()?.message_at(field)
    }
}

async fn password_form(layout: Layout) -> PasswordPage {
    PasswordPage {
        layout,
        error: None,
    }
}

#[derive(Deserialize)]
struct PasswordForm {
    current: String,
    new: String,
    confirm: String,
}

async fn change_password(
    State(state): State<AppState>,
    layout: Layout,
    user: CurrentUser,
    meta: RequestMeta,
    Form(form): Form<PasswordForm>,
) -> AppResult<Response> {
    let refuse = |layout, field, message: String| {
        let page = PasswordPage {
            layout,
            error: Some(Refusal::at(field)(message)),
        };
        (StatusCode::UNPROCESSABLE_ENTITY, page).into_response()
    };
    if let Err(weakness) = password::check_new(&form.new, &user.username) {
        return Ok(refuse(layout, "new", weakness.to_string()));
    }
    if form.new != form.confirm {
        let message = "Hai lần nhập mật khẩu mới không giống nhau.".to_string();
        return Ok(refuse(layout, "confirm", message));
    }
    let stored = sqlx::query_scalar!("SELECT password_hash FROM users WHERE id = $1", user.id)
        .fetch_one(&state.pool)
        .await?;
    if state.hasher.verify(&form.current, Some(&stored)).await == Verified::No {
        let message = "Mật khẩu hiện tại không đúng.".to_string();
        return Ok(refuse(layout, "current", message));
    }
    let hash = state.hasher.hash(&form.new).await;
    let now = state.clock.now();
    let mut tx = state.pool.begin().await?;
    sqlx::query!(
        "UPDATE users SET password_hash = $2, must_change_password = false WHERE id = $1",
        user.id,
        hash
    )
    .execute(&mut *tx)
    .await?;
    let ended = session::end_all(&mut tx, user.id, Some(user.session_id), now).await?;
    let mut event = Event::new("user.password_changed")
        .object("user", user.id)
        .after(serde_json::json!({ "other_sessions_ended": ended }));
    if let Some(unit) = user.scope.unit_id() {
        event = event.unit(unit);
    }
    audit::record(&mut tx, &user.actor(&meta), now, event).await?;
    tx.commit().await?;
    Ok(flash::redirect(
        "/",
        "Đã đổi mật khẩu. Các phiên đăng nhập khác của bạn đã được kết thúc.",
    ))
}
