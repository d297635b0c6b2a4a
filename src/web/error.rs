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

impl AppError {
    fn status(&self) -> StatusCode {
        match self {
            AppError::NotFound | AppError::OutOfScope => StatusCode::NOT_FOUND,
            AppError::Forbidden => StatusCode::FORBIDDEN,
            AppError::BadRequest(_) => StatusCode::BAD_REQUEST,
            AppError::Database(_) | AppError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
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
        StatusCode::PAYLOAD_TOO_LARGE => (
            "Dữ liệu gửi lên quá lớn",
            "Nội dung gửi lên vượt quá giới hạn cho phép. Hãy rút gọn rồi gửi lại.",
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
    match page.render() {
        Ok(html) => (status, Html(html)).into_response(),
        Err(error) => {
            tracing::error!(%error, "rendering the error page failed");
            (status, title).into_response()
        }
    }
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
