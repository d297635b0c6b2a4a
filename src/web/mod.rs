//! The HTTP side: the router every module contributes to, the layers around it, and serving.

pub mod conflict;
pub mod error;
pub mod export;
pub mod flash;
pub mod form;
pub mod gzip;
pub mod kept;
pub mod layout;
pub mod static_files;
pub mod upload;

use std::time::Duration;

use axum::Router;
use axum::extract::{Request, State};
use axum::http::{HeaderName, HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use tower::ServiceBuilder;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::compression::{CompressionLayer, CompressionLevel};
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::trace::{DefaultOnResponse, TraceLayer};
use tracing::Level;

use crate::AppState;
use crate::auth::guard::{self, Guard};
use crate::auth::{Access, Routes};
pub use error::{AppError, AppResult};

/// How long a request may take unless the settings say otherwise; longer than any one
/// statement may run, so that the database gives up first.
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(20);

const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");
/// Pages only load our own files; nothing may frame them.
const CONTENT_SECURITY_POLICY: &str = "default-src 'self'; img-src 'self' data:; style-src 'self'; \
     script-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

/// The whole application: every module's routes behind the common layers.
pub fn router(state: AppState) -> Router {
    let layers = ServiceBuilder::new()
        .layer(SetRequestIdLayer::new(REQUEST_ID, MakeRequestUuid))
        .layer(
            // The path only: query strings may carry names people searched for.
            TraceLayer::new_for_http()
                .make_span_with(|request: &Request| {
                    let id = request
                        .headers()
                        .get(REQUEST_ID)
                        .and_then(|v| v.to_str().ok())
                        .unwrap_or("-");
                    tracing::info_span!("request", id, method = %request.method(), path = request.uri().path())
                })
                .on_response(DefaultOnResponse::new().level(Level::INFO)),
        )
        .layer(PropagateRequestIdLayer::new(REQUEST_ID))
        .layer(CatchPanicLayer::custom(error::panic_response))
        .layer(security_header(header::CONTENT_SECURITY_POLICY, CONTENT_SECURITY_POLICY))
        .layer(security_header(header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        .layer(security_header(header::REFERRER_POLICY, "same-origin"))
        .layer(security_header(header::X_FRAME_OPTIONS, "DENY"))
        // Pages are drawn per request and compressed once each: the fastest level keeps that
        // cheap (a fifth bigger than the default); kept dashboards arrive already compressed.
        .layer(CompressionLayer::new().quality(CompressionLevel::Fastest))
        .layer(axum::middleware::from_fn_with_state(
            state.request_timeout,
            time_limit,
        ))
        // Uploads read their own bounds (`upload::file`); forms are bounded by the guard.
        .layer(axum::extract::DefaultBodyLimit::max(upload::DRAIN_LIMIT));
    let (router, rules) = routes().into_parts();
    let guard = Guard {
        state: state.clone(),
        rules: std::sync::Arc::new(rules),
    };
    router
        .fallback(not_found)
        .layer(axum::middleware::from_fn_with_state(guard, guard::layer))
        .layer(layers)
        .with_state(state)
}

/// Every route of the application, each with its access rule.
pub fn routes() -> Routes {
    Routes::new()
        .get("/healthz", Access::Public, healthz)
        .get("/readyz", Access::Public, readyz)
        .get("/me", Access::SignedIn, me)
        .get("/static/{file}", Access::Public, static_files::serve)
        .merge(crate::auth::login::routes())
        .merge(crate::i18n::switch::routes())
        .merge(crate::users::routes())
        .merge(crate::audit::pages::routes())
        .merge(crate::elections::routes())
        .merge(crate::elections::pages::routes())
        .merge(crate::elections::settings::routes())
        .merge(crate::candidates::pages::routes())
        .merge(crate::candidates::overview::routes())
        .merge(crate::imports::nominees::routes())
        .merge(crate::units::pages::routes())
        .merge(crate::units::figure_pages::routes())
        .merge(crate::bodies::pages::routes())
        .merge(crate::constituencies::pages::routes())
        .merge(crate::constituencies::calculator::routes())
        .merge(crate::polling::pages::routes())
        .merge(crate::polling::logistics_pages::routes())
        .merge(crate::search::routes())
        .merge(crate::exports::routes())
        .merge(crate::imports::routes())
        .merge(crate::imports::figures::routes())
        .merge(crate::imports::budget::routes())
        .merge(crate::imports::logistics::routes())
        .merge(crate::imports::directives::routes())
        .merge(crate::checklists::pages::routes())
        .merge(crate::checklists::review::routes())
        .merge(crate::checklists::approvals::routes())
        .merge(crate::checklists::my_work::routes())
        .merge(crate::reminders::pages::routes())
        .merge(crate::agencies::pages::routes())
        .merge(crate::directives::pages::routes())
        .merge(crate::visits::pages::routes())
        .merge(crate::budget::pages::routes())
        .merge(crate::complaints::pages::routes())
        .merge(crate::checklists::calendar::routes())
        .merge(crate::checklists::attachments::routes())
        .merge(crate::checklists::bulk::routes())
        .merge(crate::checklists::baseline::routes())
        .merge(crate::dashboards::routes())
        .merge(crate::dashboards::task_list::routes())
        .merge(crate::dashboards::brief::routes())
}

fn security_header(name: HeaderName, value: &'static str) -> SetResponseHeaderLayer<HeaderValue> {
    SetResponseHeaderLayer::if_not_present(name, HeaderValue::from_static(value))
}

/// The process is up.
async fn healthz() -> &'static str {
    "ok"
}

/// Who is signed in: the smallest page behind a session check, a ceiling for the benchmark.
async fn me(user: crate::auth::CurrentUser) -> String {
    user.username
}

/// The database answers.
async fn readyz(State(state): State<AppState>) -> impl IntoResponse {
    match sqlx::query_scalar!("SELECT 1 AS \"one!\"")
        .fetch_one(&state.pool)
        .await
    {
        Ok(_) => (StatusCode::OK, "ok").into_response(),
        Err(error) => {
            tracing::warn!(%error, "readiness check failed");
            (
                StatusCode::SERVICE_UNAVAILABLE,
                [(header::RETRY_AFTER, error::RETRY_AFTER_SECONDS)],
                "database unavailable",
            )
                .into_response()
        }
    }
}

/// A request that takes longer than `limit` is abandoned and answered 503. Its statements are
/// bounded by shorter limits of their own, and a transaction it left open rolls back, so what
/// it was saving is not saved after it gave up.
async fn time_limit(State(limit): State<Duration>, request: Request, next: Next) -> Response {
    match tokio::time::timeout(limit, next.run(request)).await {
        Ok(response) => response,
        Err(_) => {
            tracing::warn!(?limit, "request abandoned at its time limit");
            error::error_page(StatusCode::SERVICE_UNAVAILABLE)
        }
    }
}

/// An unknown address: nothing behind it to protect.
async fn not_found() -> AppError {
    AppError::NotFound
}

/// Serves until SIGINT or SIGTERM, then lets in-flight requests finish for up to `drain`; what is
/// still running then is abandoned (its transactions roll back when the process exits).
pub async fn serve(
    listener: tokio::net::TcpListener,
    state: AppState,
    drain: Duration,
) -> std::io::Result<()> {
    let app = router(state).into_make_service_with_connect_info::<std::net::SocketAddr>();
    let stopping = std::sync::Arc::new(tokio::sync::Notify::new());
    let signalled = stopping.clone();
    let server = axum::serve(listener, app).with_graceful_shutdown(async move {
        shutdown_signal().await;
        signalled.notify_one();
    });
    tokio::select! {
        served = server => served,
        () = async { stopping.notified().await; tokio::time::sleep(drain).await } => {
            tracing::warn!(?drain, "drain deadline passed: abandoning the requests still running");
            Ok(())
        }
    }
}

async fn shutdown_signal() {
    let interrupt = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending().await,
        }
    };
    tokio::select! {
        () = interrupt => {},
        () = terminate => {},
    }
    tracing::info!("stopping: finishing the requests in progress");
}
