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

use super::pages::{self, TaskForm, check, saved};
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
    let Some(id) = task_update(&request) else {
        return Err(request);
    };
    let (parts, body) = request.into_parts();
    let Ok(body) = to_bytes(body, BODY_LIMIT as usize).await else {
        // The client sent less than it announced, or went away: there is no form to save.
        return Ok(error_page(StatusCode::BAD_REQUEST));
    };
    match save(state, id, &parts, body.clone()).await {
        Some(response) => Ok(response),
        None => Err(Request::from_parts(parts, Body::from(body))),
    }
}

/// The task a request updates, if it is a task form this layer may take: `POST /tasks/{id}`,
/// urlencoded, of a known small length, from our own pages, with a session cookie.
fn task_update(request: &Request) -> Option<i64> {
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
    let takes = length <= BODY_LIMIT
        && csrf::is_form(headers)
        && csrf::foreign(headers).is_none()
        && Cookies::from_headers(headers)
            .get(session::COOKIE)
            .is_some();
    takes.then(|| id.parse().ok()).flatten()
}

/// The answer to a form saved in one statement; none when it needs the ordinary way.
async fn save(state: &AppState, id: i64, parts: &Parts, body: Bytes) -> Option<Response> {
    let presented = csrf::field(&body, "csrf")?;
    let token = Cookies::from_headers(&parts.headers)
        .get(session::COOKIE)?
        .to_string();
    // Parsed exactly as the handler parses it.
    let form = Request::builder()
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .method(Method::POST)
        .body(Body::from(body))
        .ok()?;
    let Form(form) = Form::<TaskForm>::from_request(form, &()).await.ok()?;
    // A refused form, or "done" against figures the handler must look at first, is the handler's.
    let checked = check(&form, state.clock.today()).ok()?;
    if checked.status == "done" && form.confirm_incomplete.is_none() {
        return None;
    }
    let proof = Proof::new(&token, &presented, state.clock.now(), &state.sessions);
    let client = client_addr(&parts.extensions);
    match pages::save(state, &proof, client, id, &form, checked).await {
        Ok(true) => {
            let mut response = saved(&format!("/tasks/{id}"));
            response
                .headers_mut()
                .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
            Some(response)
        }
        Ok(false) => None,
        Err(error) => Some(error.into_response()),
    }
}
