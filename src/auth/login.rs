//! Signing in and out.

use askama::Template;
use askama_web::WebTemplate;
use axum::Form;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

use super::Role;
use super::guard::{CurrentUser, RequestMeta};
use super::password::{self, Verified};
use super::routes::{Access, Routes};
use super::{session, throttle};
use crate::AppState;
use crate::audit::{self, Actor, Event};
use crate::web::{AppResult, layout::Layout};

pub fn routes() -> Routes {
    Routes::new()
        .get("/login", Access::Public, login_form)
        .post("/login", Access::Public, login)
        .post("/logout", Access::PasswordChange, logout)
}

/// Where to go after login: only ever a path on this site.
pub fn safe_next(next: Option<&str>) -> String {
    match next {
        Some(path)
            if path.starts_with('/')
                && !path.starts_with("//")
                && !path.chars().any(|c| c.is_control() || c == '\\') =>
        {
            path.to_string()
        }
        _ => "/".to_string(),
    }
}

/// Percent-encodes a value for a query string.
pub fn encode_component(value: &str) -> String {
    form_urlencoded::byte_serialize(value.as_bytes()).collect()
}

#[derive(Template, WebTemplate)]
#[template(path = "login.html")]
struct LoginPage {
    layout: Layout,
    username: String,
    next: String,
    error: Option<String>,
}

#[derive(Deserialize)]
struct NextQuery {
    next: Option<String>,
}

async fn login_form(layout: Layout, Query(query): Query<NextQuery>) -> Response {
    let next = safe_next(query.next.as_deref());
    if layout.user.is_some() {
        return Redirect::to(&next).into_response();
    }
    LoginPage {
        layout,
        username: String::new(),
        next,
        error: None,
    }
    .into_response()
}

#[derive(Deserialize)]
struct LoginForm {
    username: String,
    password: String,
    next: Option<String>,
}

const WRONG: &str = "Tên đăng nhập hoặc mật khẩu không đúng.";

async fn login(
    State(state): State<AppState>,
    layout: Layout,
    meta: RequestMeta,
    headers: HeaderMap,
    Form(form): Form<LoginForm>,
) -> AppResult<Response> {
    let username = form.username.trim().to_lowercase();
    let next = safe_next(form.next.as_deref());
    let page = |layout, status: StatusCode, error: String| {
        let page = LoginPage {
            layout,
            username: username.clone(),
            next: next.clone(),
            error: Some(error),
        };
        (status, page).into_response()
    };
    // A name the input rules refuse (a control character, too long) belongs to no account: answer
    // as for an unknown one, after the same hashing, without putting it before the database.
    if crate::input::text("Tên đăng nhập", crate::input::Kind::Code, &form.username).is_err() {
        state.hasher.verify(&form.password, None).await;
        return Ok(page(layout, StatusCode::UNAUTHORIZED, WRONG.to_string()));
    }
    // No account has a password this long: answer at once, without hashing.
    if form.password.chars().count() > password::MAX_CHARS {
        return Ok(page(layout, StatusCode::UNAUTHORIZED, WRONG.to_string()));
    }
    let now = state.clock.now();
    let keys: Vec<String> = std::iter::once(throttle::account_key(&username))
        .chain(throttle::address_key(meta.client_addr))
        .collect();
    if let Some(wait) = throttle::seconds_to_wait(&state.pool, &keys, now).await? {
        let event =
            Event::new("login.throttled").after(serde_json::json!({ "username": username }));
        audit::record_alone(&state.pool, &Actor::anonymous(meta.client_addr), now, event).await?;
        let message = format!("Đã nhập sai nhiều lần. Vui lòng thử lại sau {wait} giây.");
        return Ok(page(layout, StatusCode::TOO_MANY_REQUESTS, message));
    }

    let account = sqlx::query!(
        "SELECT id, password_hash, disabled_at IS NOT NULL AS \"disabled!\", unit_id, must_change_password, role
           FROM users WHERE username = $1",
        username
    )
    .fetch_optional(&state.pool)
    .await?;
    let verified = state
        .hasher
        .verify(
            &form.password,
            account.as_ref().map(|a| a.password_hash.as_str()),
        )
        .await;
    let (account, verified) = match (account, verified) {
        (Some(account), verified @ (Verified::Yes | Verified::YesRehashed(_)))
            if !account.disabled =>
        {
            (account, verified)
        }
        (account, _) => {
            let mut tx = state.pool.begin().await?;
            throttle::record_failure(&mut tx, &keys[0], throttle::ACCOUNT_FREE_FAILURES, now)
                .await?;
            if let Some(address) = keys.get(1) {
                throttle::record_failure(&mut tx, address, throttle::ADDRESS_FREE_FAILURES, now)
                    .await?;
            }
            let actor = Actor {
                user_id: account.as_ref().map(|a| a.id),
                ..Actor::anonymous(meta.client_addr)
            };
            let event =
                Event::new("login.failure").after(serde_json::json!({ "username": username }));
            let event = match account.and_then(|a| a.unit_id) {
                Some(unit) => event.unit(unit),
                None => event,
            };
            audit::record(&mut tx, &actor, now, event).await?;
            tx.commit().await?;
            return Ok(page(layout, StatusCode::UNAUTHORIZED, WRONG.to_string()));
        }
    };

    let mut tx = state.pool.begin().await?;
    if let Verified::YesRehashed(hash) = verified {
        sqlx::query!(
            "UPDATE users SET password_hash = $2 WHERE id = $1",
            account.id,
            hash
        )
        .execute(&mut *tx)
        .await?;
    }
    // Only the account's own failures are forgiven: clearing the address's too would let an
    // insider spray guesses over other accounts by signing into their own every few tries.
    throttle::clear(&mut tx, &keys[..1]).await?;
    // A session this browser held before is ended: a login always starts a new one.
    if let Some(user) = &layout.user {
        session::end(&mut tx, user.session_id, now).await?;
    }
    let user_agent = headers
        .get(header::USER_AGENT)
        .and_then(|v| v.to_str().ok());
    let (session_id, token) = session::create(
        &mut tx,
        &state.sessions,
        now,
        account.id,
        meta.client_addr,
        user_agent,
    )
    .await?;
    let actor = Actor {
        user_id: Some(account.id),
        session_id: Some(session_id),
        client_addr: meta.client_addr,
    };
    let event = Event::new("login.success");
    let event = match account.unit_id {
        Some(unit) => event.unit(unit),
        None => event,
    };
    audit::record(&mut tx, &actor, now, event).await?;
    tx.commit().await?;

    let target = if account.must_change_password {
        "/account/password".to_string()
    } else if next == "/" {
        // No page was asked for: each role lands on its own work.
        Role::parse(&account.role)
            .map_or("/", Role::landing)
            .to_string()
    } else {
        next
    };
    let mut response = Redirect::to(&target).into_response();
    let cookie = session::cookie(session::COOKIE, &token, &state.sessions);
    response.headers_mut().insert(
        header::SET_COOKIE,
        HeaderValue::from_str(&cookie).expect("a token is a valid header"),
    );
    Ok(response)
}

async fn logout(
    State(state): State<AppState>,
    user: CurrentUser,
    meta: RequestMeta,
) -> AppResult<Response> {
    let now = state.clock.now();
    let mut tx = state.pool.begin().await?;
    session::end(&mut tx, user.session_id, now).await?;
    audit::record(&mut tx, &user.actor(&meta), now, Event::new("logout")).await?;
    tx.commit().await?;
    let mut response = Redirect::to("/login").into_response();
    let expired = session::expired_cookie(session::COOKIE, &state.sessions);
    response.headers_mut().insert(
        header::SET_COOKIE,
        HeaderValue::from_str(&expired).expect("a valid header"),
    );
    Ok(response)
}

#[cfg(test)]
mod tests {
    use super::safe_next;

    #[test]
    fn next_only_ever_leads_to_this_site() {
        assert_eq!(
            safe_next(Some("/units/district/200")),
            "/units/district/200"
        );
        assert_eq!(safe_next(Some("/audit?page=2")), "/audit?page=2");
        for outside in [
            "https://evil.example/",
            "//evil.example/",
            "/\\evil.example",
            "evil",
            "",
            "/a\nb",
        ] {
            assert_eq!(safe_next(Some(outside)), "/", "{outside:?}");
        }
        assert_eq!(safe_next(None), "/");
    }
}
