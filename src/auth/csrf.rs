//! Cross-site request forgery: every unsafe request must come from our own pages (Origin and
//! Sec-Fetch-Site) and carry the session's token (a form field `csrf`, or the `X-CSRF-Token`
//! header or a `csrf` query parameter for uploads). Checked here, once, for every route.

use axum::body::{Body, to_bytes};
use axum::extract::Request;
use axum::http::{HeaderMap, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};

use super::guard::Denied;
use crate::web::error::error_page;

/// Form bodies are read whole to find the token; larger ones are refused. Big enough for a
/// one-megabyte password, which the form then refuses with a clear message.
pub const FORM_LIMIT: usize = 2 * 1024 * 1024;

pub fn is_unsafe(method: &Method) -> bool {
    !matches!(
        *method,
        Method::GET | Method::HEAD | Method::OPTIONS | Method::TRACE
    )
}

/// Why an unsafe request was refused.
#[derive(Debug)]
pub struct Refusal {
    pub reason: &'static str,
    pub path: String,
    /// 403 for a forged request; 413 for a form too large to read.
    pub status: StatusCode,
}

impl IntoResponse for Refusal {
    fn into_response(self) -> Response {
        let status = self.status;
        let mut response = error_page(status);
        response.extensions_mut().insert(Denied {
            reason: self.reason,
        });
        response
    }
}

/// Why a request is not from our own pages (by its `Sec-Fetch-Site` and `Origin` headers), if
/// it is not.
pub fn foreign(headers: &HeaderMap) -> Option<&'static str> {
    if let Some(site) = headers.get("sec-fetch-site").and_then(|v| v.to_str().ok())
        && !matches!(site, "same-origin" | "none")
    {
        return Some("cross-site request");
    }
    if let Some(origin) = headers.get(header::ORIGIN).and_then(|v| v.to_str().ok()) {
        let host = headers
            .get(header::HOST)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("");
        let origin_host = origin.split_once("://").map_or("", |(_, rest)| rest);
        if origin == "null" || !origin_host.eq_ignore_ascii_case(host) {
            return Some("foreign origin");
        }
    }
    None
}

/// Whether the body is an urlencoded form (where the token is a field).
pub fn is_form(headers: &HeaderMap) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|t| t.starts_with("application/x-www-form-urlencoded"))
}

/// Lets the request through, its body intact, when it is same-origin and carries `expected`.
pub async fn verify(request: Request, expected: &str) -> Result<Request, Refusal> {
    let path = request.uri().path().to_string();
    let refuse = |reason| Refusal {
        reason,
        path: path.clone(),
        status: StatusCode::FORBIDDEN,
    };
    let headers = request.headers();
    if let Some(reason) = foreign(headers) {
        return Err(refuse(reason));
    }

    let from_header = headers
        .get("x-csrf-token")
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    let from_query = request
        .uri()
        .query()
        .and_then(|q| field(q.as_bytes(), "csrf"));
    let is_form = is_form(headers);

    let (parts, body) = request.into_parts();
    let (body, from_form) = if is_form {
        let bytes = to_bytes(body, FORM_LIMIT).await.map_err(|_| Refusal {
            status: StatusCode::PAYLOAD_TOO_LARGE,
            ..refuse("form too large")
        })?;
        let token = field(&bytes, "csrf");
        (Body::from(bytes), token)
    } else {
        (body, None)
    };
    let presented = from_form.or(from_header).or(from_query);
    match presented {
        Some(token) if constant_time_eq(token.as_bytes(), expected.as_bytes()) => {
            Ok(Request::from_parts(parts, body))
        }
        Some(_) => Err(refuse("wrong CSRF token")),
        None => Err(refuse("missing CSRF token")),
    }
}

/// A field of an urlencoded form.
pub fn field(encoded: &[u8], name: &str) -> Option<String> {
    form_urlencoded::parse(encoded)
        .find(|(key, _)| key == name)
        .map(|(_, value)| value.into_owned())
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_compare_whole() {
        assert!(constant_time_eq(b"abc", b"abc"));
        assert!(!constant_time_eq(b"abc", b"abd"));
        assert!(!constant_time_eq(b"abc", b"ab"));
    }

    #[test]
    fn the_token_is_found_among_form_fields() {
        assert_eq!(
            field(b"a=1&csrf=x%2By&b=2", "csrf"),
            Some("x+y".to_string())
        );
        assert_eq!(field(b"a=1", "csrf"), None);
    }
}
