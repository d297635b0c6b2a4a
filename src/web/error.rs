//! One error type for every handler. It renders a friendly page in Vietnamese; the details of a
//! failure go to the log under the request's id, never to the user.

use std::any::Any;

use askama::Template;
use axum::body::Body;
use axum::http::{Response, StatusCode};
use axum::response::{Html, IntoResponse};

use super::layout::Layout;

pub type AppResult<T> = Result<T, AppError>;

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// Also what an object outside the user's scope answers, so its existence is not revealed.
    #[error("not found")]
    NotFound,
    /// An object outside the user's scope: answered exactly like one that does not exist, and audited.
    #[error("outside the user's scope")]
    OutOfScope,
    /// A signed-in user whose role may not make this request.
    #[error("forbidden")]
    Forbidden,
    /// A request no page of ours sends (a malformed form).
    #[error("bad request: {0}")]
    BadRequest(String),
    /// Too many changes in progress to take another now: try again in a moment.
    #[error("busy: no place for another change")]
    Busy,
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
    #[error("{0:#}")]
    Internal(#[from] anyhow::Error),
}

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage {
    layout: Layout,
    title: &'static str,
    message: &'static str,
}

/// What a 503 asks the browser to wait, in seconds.
pub const RETRY_AFTER_SECONDS: &str = "5";

impl AppError {
    fn status(&self) -> StatusCode {
        match self {
            AppError::NotFound | AppError::OutOfScope => StatusCode::NOT_FOUND,
            AppError::Forbidden => StatusCode::FORBIDDEN,
            AppError::BadRequest(_) => StatusCode::BAD_REQUEST,
            AppError::Busy => StatusCode::SERVICE_UNAVAILABLE,
            AppError::Database(error) if is_temporary(error) => StatusCode::SERVICE_UNAVAILABLE,
            AppError::Database(_) | AppError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }
}

/// A failure that says nothing about the request and passes by itself: the database is
/// unreachable or restarting, or the statement gave up at its time limit or waiting for a lock
/// (and so changed nothing).
fn is_temporary(error: &sqlx::Error) -> bool {
    match error {
        sqlx::Error::PoolTimedOut | sqlx::Error::PoolClosed | sqlx::Error::Io(_) => true,
        sqlx::Error::Database(error) => error.code().is_some_and(|code| {
            // 08: connection exceptions; 57P01-03: the server shutting down or starting;
            // 57014: cancelled at the statement limit; 55P03: the lock limit; 53300: too many
            // connections.
            code.starts_with("08")
                || ["57P01", "57P02", "57P03", "57014", "55P03", "53300"].contains(&code.as_ref())
        }),
        _ => false,
    }
}

impl IntoResponse for AppError {
    fn into_response(self) -> axum::response::Response {
        let status = self.status();
        if status.is_server_error() {
            tracing::error!(error = %self, "request failed");
        }
        let mut response = error_page(status);
        let denied = match self {
            AppError::OutOfScope => Some("scope"),
            AppError::Forbidden => Some("role"),
            _ => None,
        };
        if let Some(reason) = denied {
            response
                .extensions_mut()
                .insert(crate::auth::guard::Denied { reason });
        }
        response
    }
}

/// The page for an error status, without touching the database (which may be what failed).
pub fn error_page(status: StatusCode) -> axum::response::Response {
    let (title, message) = match status {
        StatusCode::NOT_FOUND => (
            "Không tìm thấy trang",
            "Trang hoặc đối tượng bạn tìm không tồn tại, hoặc bạn không có quyền xem.",
        ),
        StatusCode::FORBIDDEN => (
            "Không được phép",
            "Tài khoản của bạn không có quyền thực hiện thao tác này, hoặc yêu cầu không xuất phát từ \
             trang của baucu. Hãy tải lại trang rồi thử lại; nếu cần quyền, hãy liên hệ quản trị viên.",
        ),
        StatusCode::BAD_REQUEST => (
            "Dữ liệu không hợp lệ",
            "Biểu mẫu gửi lên không đúng định dạng. Hãy tải lại trang rồi nhập lại.",
        ),
        StatusCode::SERVICE_UNAVAILABLE => (
            "Hệ thống đang bận",
            "Dữ liệu đang được người khác cập nhật, hoặc cơ sở dữ liệu đang khởi động lại. Yêu cầu \
             này chưa lưu gì. Vui lòng thử lại sau ít giây.",
        ),
        StatusCode::UNPROCESSABLE_ENTITY => (
            "Dữ liệu không hợp lệ",
            "Nội dung gửi lên có ký tự điều khiển không hiển thị được. Hãy gõ lại rồi gửi lại.",
        ),
        StatusCode::PAYLOAD_TOO_LARGE => (
            "Dữ liệu gửi lên quá lớn",
            "Nội dung gửi lên vượt quá giới hạn cho phép: mỗi tệp tối đa 10 MB, mỗi biểu mẫu tối đa \
             2 MB. Hãy rút gọn hoặc chia nhỏ rồi gửi lại.",
        ),
        _ => (
            "Đã có lỗi xảy ra",
            "Hệ thống gặp sự cố khi xử lý yêu cầu. Vui lòng thử lại sau ít phút; nếu lỗi vẫn còn, \
             hãy báo cho quản trị viên kèm thời điểm xảy ra.",
        ),
    };
    let page = ErrorPage {
        layout: Layout::without_election(),
        title,
        message,
    };
    let mut response = match page.render() {
        Ok(html) => (status, Html(html)).into_response(),
        Err(error) => {
            tracing::error!(%error, "rendering the error page failed");
            (status, title).into_response()
        }
    };
    if status == StatusCode::SERVICE_UNAVAILABLE {
        response.headers_mut().insert(
            axum::http::header::RETRY_AFTER,
            axum::http::HeaderValue::from_static(RETRY_AFTER_SECONDS),
        );
    }
    response
}

/// A handler that panicked answers like any other failure.
pub fn panic_response(panic: Box<dyn Any + Send + 'static>) -> Response<Body> {
    let detail = panic
        .downcast_ref::<String>()
        .map(String::as_str)
        .or_else(|| panic.downcast_ref::<&str>().copied())
        .unwrap_or("unknown panic");
    tracing::error!(detail, "a handler panicked");
    error_page(StatusCode::INTERNAL_SERVER_ERROR)
}
