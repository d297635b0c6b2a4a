//! A task form saved before the guard looks the session up. The statement that saves a task
//! proves the session, the CSRF token, the role and the scope itself ([`pages::save`]), so a
//! form that passes every check is saved in one round trip instead of two. This layer only ever
//! accepts: a request it does not take, or a form that wrote nothing, goes on unchanged to the
//! guard and the task form's handler, which alone refuse, explain and audit refusals.

use axum::Form;
use axum::body::{Body, Bytes, to_bytes};
use axum::extract::{FromRequest, Request, State};
use axum::http::request::Parts;
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use super::pages::{self, TaskForm, check, needs_figures_looked_at, saved};
use crate::AppState;
use crate::auth::csrf;
use crate::auth::guard::{Cookies, client_addr};
use crate::auth::session::{self, Proof};
use crate::web::error::error_page;

/// A task form is a few hundred bytes; a larger body goes the ordinary way, whose limit applies.
const BODY_LIMIT: u64 = 16 * 1024;

pub async fn layer(State(state): State<AppState>, request: Request, next: Next) -> Response {
    match attempt(&state, request).await {
        Ok(response) => response,
        Err(request) => next.run(request).await,
    }
}

/// The answer to a task form saved in one statement, or the request as it came (its body
/// intact) when it needs the ordinary way.
pub async fn attempt(state: &AppState, request: Request) -> Result<Response, Request> {
    let Some(target) = task_update(&request) else {
        return Err(request);
    };
    let (parts, body) = request.into_parts();
    let Ok(body) = to_bytes(body, BODY_LIMIT as usize).await else {
        // The client sent less than it announced, or went away: there is no form to save.
        return Ok(error_page(StatusCode::BAD_REQUEST));
    };
    match save(state, &target, &parts, body.clone()).await {
        Some(response) => Ok(response),
        None => Err(Request::from_parts(parts, Body::from(body))),
    }
}

/// A task form this layer may take: the task it updates and the session cookie's token.
struct Target {
    id: i64,
    token: String,
}

/// The task form a request carries, if this layer may take it: `POST /tasks/{id}`, urlencoded,
/// of a known small length, from our own pages, with a session cookie.
fn task_update(request: &Request) -> Option<Target> {
    if request.method() != Method::POST {
        return None;
    }
    let id = request.uri().path().strip_prefix("/tasks/")?;
    if id.is_empty() || !id.bytes().all(|b| b.is_ascii_digit()) || request.uri().query().is_some() {
        return None;
    }
    let headers = request.headers();
    let length: u64 = headers
        .get(header::CONTENT_LENGTH)?
        .to_str()
        .ok()?
        .parse()
        .ok()?;
    if length > BODY_LIMIT || !csrf::is_form(headers) || csrf::foreign(headers).is_some() {
        return None;
    }
    Some(Target {
        id: id.parse().ok()?,
        token: Cookies::from_headers(headers)
            .get(session::COOKIE)?
            .to_string(),
    })
}

/// The answer to a form saved in one statement; none when it needs the ordinary way.
async fn save(state: &AppState, target: &Target, parts: &Parts, body: Bytes) -> Option<Response> {
    let presented = csrf::field(&body, "csrf")?;
    // Parsed exactly as the handler parses it.
    let form = Request::builder()
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .method(Method::POST)
        .body(Body::from(body))
        .ok()?;
    let Form(form) = Form::<TaskForm>::from_request(form, &()).await.ok()?;
    // A refused form, or "done" against figures the handler must look at first, is the handler's.
    let checked = check(&form, state.clock.today()).ok()?;
    if needs_figures_looked_at(&checked, &form) {
        return None;
    }
    let proof = Proof::new(
        &target.token,
        &presented,
        state.clock.now(),
        &state.sessions,
    );
    let client = client_addr(&parts.extensions);
    match pages::save(state, &proof, client, target.id, &form, checked).await {
        Ok(true) => {
            let mut response = saved(&format!("/tasks/{}", target.id));
            response
                .headers_mut()
                .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
            Some(response)
        }
        Ok(false) => None,
        Err(error) => Some(error.into_response()),
    }
}
