//! The one guard every request passes: it finds the signed-in user, checks CSRF on unsafe
//! methods, applies the route's access rule (refusing a route that declared none) before any
//! handler runs, audits denials, and marks private pages no-store.

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;

use axum::extract::{ConnectInfo, FromRequestParts, MatchedPath, Request, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, FixedOffset, Utc};

use super::routes::{self, Lookup, RuleBook};
use super::{Role, Scope, csrf, session};
use crate::AppState;
use crate::audit::{self, Actor};
use crate::i18n::{self, Lang};
use crate::web::{AppError, flash};

/// The signed-in user of a request.
#[derive(Clone, Debug)]
pub struct CurrentUser {
    pub id: i64,
    pub username: String,
    pub full_name: String,
    pub role: Role,
    pub scope: Scope,
    pub session_id: i64,
    pub csrf_token: String,
    pub must_change_password: bool,
    pub language: String,
    /// The election the user chose to work on, if they chose one.
    pub chosen_election: Option<i64>,
    /// The agency an agency officer answers for.
    pub agency_id: Option<i64>,
}

impl CurrentUser {
    /// Who is working, for picking their election.
    pub fn viewer(&self) -> crate::elections::Viewer<'_> {
        crate::elections::Viewer {
            scope: &self.scope,
            chosen: self.chosen_election,
        }
    }

    /// Who did something, for the audit log.
    pub fn actor(&self, meta: &RequestMeta) -> Actor {
        Actor {
            user_id: Some(self.id),
            session_id: Some(self.session_id),
            client_addr: meta.client_addr,
        }
    }
}

/// Handlers behind a signed-in rule take the user as an argument.
impl<S: Send + Sync> FromRequestParts<S> for CurrentUser {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        parts
            .extensions
            .get::<CurrentUser>()
            .cloned()
            .ok_or_else(|| {
                AppError::Internal(anyhow::anyhow!(
                    "a signed-in handler was reached without a user"
                ))
            })
    }
}

/// Facts about the request itself.
#[derive(Clone, Debug, Default)]
pub struct RequestMeta {
    pub client_addr: Option<IpAddr>,
    pub user_agent: Option<String>,
    /// The CSRF token forms on this page must carry.
    pub csrf_token: String,
    /// A message left by the previous page before it redirected here.
    pub flash: Option<String>,
    /// The moment the session was judged at.
    pub now: DateTime<FixedOffset>,
    /// When this browser last changed something (`CHANGED_COOKIE`), so that views kept for a
    /// few seconds are not shown to it older than its own change.
    pub last_change: Option<DateTime<Utc>>,
}

impl<S: Send + Sync> FromRequestParts<S> for RequestMeta {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        Ok(parts
            .extensions
            .get::<RequestMeta>()
            .cloned()
            .unwrap_or_default())
    }
}

/// Put on a response that refused access, so that the refusal is audited.
#[derive(Clone, Debug)]
pub struct Denied {
    pub reason: &'static str,
}

/// The cookie that says when this browser last changed something: set on every unsafe request
/// that succeeded, kept as long as a view may be served old.
const CHANGED_COOKIE: &str = "baucu_changed";

/// The cookie that carries the CSRF token of a visitor not yet signed in (the login form).
const ANONYMOUS_CSRF_COOKIE: &str = "baucu_csrf";

/// What the guard needs: the application, and the rule of every declared route.
#[derive(Clone)]
pub struct Guard {
    pub state: AppState,
    pub rules: Arc<RuleBook>,
}

/// Whether a query string, decoded, holds a control character.
fn has_control_characters(query: &str) -> bool {
    form_urlencoded::parse(query.as_bytes())
        .any(|(key, value)| key.chars().chain(value.chars()).any(char::is_control))
}

/// A place among the changes in progress, waited for as long as a connection would be.
async fn writer_permit(state: &AppState) -> Option<tokio::sync::SemaphorePermit<'_>> {
    tokio::time::timeout(crate::db::ACQUIRE_TIMEOUT, state.writers.acquire())
        .await
        .ok()?
        .ok()
}

pub async fn layer(State(guard): State<Guard>, mut request: Request, next: Next) -> Response {
    let Guard { state, rules } = guard;
    if request.uri().query().is_some_and(has_control_characters) {
        // No search or filter of ours takes one; PostgreSQL would refuse a NUL with an error.
        return crate::web::error::error_page(StatusCode::UNPROCESSABLE_ENTITY);
    }
    let now = state.clock.now();
    let cookies = Cookies::from_headers(request.headers());

    let user = match cookies.get(session::COOKIE) {
        Some(token) => match session::lookup(&state.pool, &state.sessions, now, token).await {
            Ok(user) => user,
            Err(error) => return AppError::from(error).into_response(),
        },
        None => None,
    };
    let mut new_anonymous_token = None;
    let csrf_token = match &user {
        Some(user) => user.csrf_token.clone(),
        None => match cookies.get(ANONYMOUS_CSRF_COOKIE) {
            Some(token) if token.len() >= 32 => token.to_string(),
            _ => {
                let token = session::random_token();
                new_anonymous_token = Some(token.clone());
                token
            }
        },
    };
    let meta = RequestMeta {
        client_addr: client_addr(&request, state.trusted_proxy),
        user_agent: request
            .headers()
            .get(header::USER_AGENT)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string),
        csrf_token: csrf_token.clone(),
        flash: cookies
            .get(flash::COOKIE)
            .map(flash::decode)
            .filter(|m| !m.is_empty()),
        now,
        // The browser's word, so bounded: a time to come counts as now.
        last_change: cookies
            .get(CHANGED_COOKIE)
            .and_then(|millis| millis.parse().ok())
            .and_then(DateTime::from_timestamp_millis)
            .map(|at| at.min(now.to_utc())),
    };
    let unsafe_method = csrf::is_unsafe(request.method());
    request.extensions_mut().insert(meta.clone());
    if let Some(user) = &user {
        request.extensions_mut().insert(user.clone());
    }

    if csrf::is_unsafe(request.method()) {
        request = match csrf::verify(request, &csrf_token).await {
            Ok(request) => request,
            Err(refusal) => {
                let path = refusal.path.clone();
                let response = refusal.into_response();
                if let Some(denied) = response.extensions().get::<Denied>() {
                    audit_denial(&state, user.as_ref(), &meta, denied, &path).await;
                }
                return response;
            }
        };
    }

    let path = request.uri().path().to_string();
    let lang = match &user {
        Some(user) => Lang::from_code(&user.language),
        None => Lang::from_code(cookies.get(i18n::COOKIE).unwrap_or_default()),
    };
    // The route's rule, before any handler runs. A request that matched no route reaches only
    // the fallback (a 404), which has nothing to protect.
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map(|matched| rules.lookup(request.method(), matched.as_str()));
    let refused = match route {
        None => None,
        Some(Lookup::Rule(access)) => routes::refusal(access, user.as_ref(), &request),
        Some(Lookup::OtherMethod) => Some(StatusCode::METHOD_NOT_ALLOWED.into_response()),
        Some(Lookup::Undeclared) => {
            tracing::error!(
                path,
                "a route without an access rule was reached; refusing it"
            );
            Some(
                AppError::Internal(anyhow::anyhow!("route without an access rule")).into_response(),
            )
        }
    };
    let mut response = match refused {
        Some(refusal) => i18n::scope(lang, async { refusal }).await,
        // Signing in is not queued behind other people's changes.
        None if unsafe_method && user.is_some() => match writer_permit(&state).await {
            Some(_permit) => i18n::scope(lang, next.run(request)).await,
            None => AppError::Busy.into_response(),
        },
        None => i18n::scope(lang, next.run(request)).await,
    };
    if let Some(denied) = response.extensions().get::<Denied>().cloned() {
        audit_denial(&state, user.as_ref(), &meta, &denied, &path).await;
    }
    let status = response.status();
    let headers = response.headers_mut();
    if user.is_some() && !headers.contains_key(header::CACHE_CONTROL) {
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    // A flash is shown once: the page that received it clears it, unless it set a new one.
    let sets_flash = headers
        .get_all(header::SET_COOKIE)
        .iter()
        .any(|c| c.as_bytes().starts_with(flash::COOKIE.as_bytes()));
    if meta.flash.is_some() && !sets_flash {
        headers.append(header::SET_COOKIE, flash::cleared());
    }
    if unsafe_method && user.is_some() && status.is_redirection() {
        // A change is answered with a redirect; its time, taken after it committed.
        let changed = format!(
            "{CHANGED_COOKIE}={}; Max-Age=60",
            state.clock.now().timestamp_millis()
        );
        if let Ok(value) =
            HeaderValue::from_str(&session::cookie_attributes(&changed, &state.sessions))
        {
            headers.append(header::SET_COOKIE, value);
        }
    }
    if let Some(token) = new_anonymous_token
        && let Ok(value) = HeaderValue::from_str(&session::cookie(
            ANONYMOUS_CSRF_COOKIE,
            &token,
            &state.sessions,
        ))
    {
        headers.append(header::SET_COOKIE, value);
    }
    response
}

/// A refused request of a signed-in user or a failed CSRF check is recorded; an anonymous visitor
/// sent to the login page is not (that is the normal way in, not a denial).
async fn audit_denial(
    state: &AppState,
    user: Option<&CurrentUser>,
    meta: &RequestMeta,
    denied: &Denied,
    path: &str,
) {
    let actor = match user {
        Some(user) => user.actor(meta),
        None => Actor::anonymous(meta.client_addr),
    };
    let event = audit::Event::new("access.denied").after(serde_json::json!({
        "reason": denied.reason,
        "path": path,
    }));
    let event = match user.and_then(|u| u.scope.unit_id()) {
        Some(unit) => event.unit(unit),
        None => event,
    };
    if let Err(error) = audit::record_alone(&state.pool, &actor, state.clock.now(), event).await {
        tracing::error!(%error, "recording a denied access failed");
    }
}

/// The client's address: the connection's, or behind the trusted proxy the address the proxy saw
/// (`BAUCU_TRUSTED_PROXY`), so that the login throttle and the audit log see each client.
pub fn client_addr(request: &Request, trusted_proxy: Option<IpAddr>) -> Option<IpAddr> {
    let peer = request
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|ConnectInfo(addr)| addr.ip())?;
    if Some(peer) != trusted_proxy {
        return Some(peer);
    }
    // The proxy appends the address it saw last; anything before it the client could have sent.
    let forwarded = request
        .headers()
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(','))
        .last()
        .and_then(|last| last.trim().parse().ok());
    Some(forwarded.unwrap_or(peer))
}

/// The request's cookies, parsed once.
pub struct Cookies(Vec<(String, String)>);

impl Cookies {
    pub fn from_headers(headers: &HeaderMap) -> Cookies {
        let pairs = headers
            .get_all(header::COOKIE)
            .iter()
            .filter_map(|value| value.to_str().ok())
            .flat_map(|value| value.split(';'))
            .filter_map(|pair| {
                let (name, value) = pair.trim().split_once('=')?;
                Some((name.to_string(), value.to_string()))
            })
            .collect();
        Cookies(pairs)
    }

    pub fn get(&self, name: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(peer: &str, forwarded: Option<&str>) -> Request {
        let mut builder = Request::builder().uri("/");
        if let Some(forwarded) = forwarded {
            builder = builder.header("x-forwarded-for", forwarded);
        }
        let mut request = builder.body(axum::body::Body::empty()).unwrap();
        request
            .extensions_mut()
            .insert(ConnectInfo(SocketAddr::new(peer.parse().unwrap(), 4000)));
        request
    }

    #[test]
    fn only_the_trusted_proxy_is_believed_and_only_its_own_entry() {
        let proxy = Some("10.0.0.5".parse().unwrap());
        let ip = |s: &str| Some(s.parse::<IpAddr>().unwrap());
        // The client's own header is ignored without a proxy, and from anyone but the proxy.
        assert_eq!(
            client_addr(&request("203.0.113.9", Some("1.2.3.4")), None),
            ip("203.0.113.9")
        );
        assert_eq!(
            client_addr(&request("203.0.113.9", Some("1.2.3.4")), proxy),
            ip("203.0.113.9")
        );
        // Through the proxy: the address it appended, not what the client wrote before it.
        assert_eq!(
            client_addr(&request("10.0.0.5", Some("1.2.3.4, 198.51.100.7")), proxy),
            ip("198.51.100.7")
        );
        assert_eq!(
            client_addr(&request("10.0.0.5", None), proxy),
            ip("10.0.0.5")
        );
    }
}
