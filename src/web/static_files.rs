//! Files from `static/`, built into the binary so that a deployment is one file, served with an
//! ETag and a day of caching.

use axum::extract::Path;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

use super::AppError;

struct StaticFile {
    name: &'static str,
    content_type: &'static str,
    body: &'static [u8],
}

const FILES: &[StaticFile] = &[
    StaticFile {
        name: "style.css",
        content_type: "text/css; charset=utf-8",
        body: include_bytes!("../../static/style.css"),
    },
    StaticFile {
        name: "errors.js",
        content_type: "text/javascript; charset=utf-8",
        body: include_bytes!("../../static/errors.js"),
    },
    StaticFile {
        name: "favicon.svg",
        content_type: "image/svg+xml",
        body: include_bytes!("../../static/favicon.svg"),
    },
];

/// A content hash, so an ETag changes exactly when the file does.
fn etag(body: &[u8]) -> String {
    // FNV-1a: tiny, stable across builds, and enough to tell versions of a file apart.
    let hash = body.iter().fold(0xcbf2_9ce4_8422_2325_u64, |hash, byte| {
        (hash ^ u64::from(*byte)).wrapping_mul(0x0000_0100_0000_01b3)
    });
    format!("\"{hash:016x}\"")
}

pub async fn serve(Path(name): Path<String>, headers: HeaderMap) -> Result<Response, AppError> {
    let file = FILES
        .iter()
        .find(|f| f.name == name)
        .ok_or(AppError::NotFound)?;
    let etag = etag(file.body);
    let cache = [
        (
            header::ETAG,
            HeaderValue::from_str(&etag).expect("hex is a valid header"),
        ),
        (
            header::CACHE_CONTROL,
            HeaderValue::from_static("public, max-age=86400"),
        ),
    ];
    let unchanged = headers
        .get(header::IF_NONE_MATCH)
        .is_some_and(|v| v.as_bytes() == etag.as_bytes());
    if unchanged {
        return Ok((StatusCode::NOT_MODIFIED, cache).into_response());
    }
    let content_type = [(
        header::CONTENT_TYPE,
        HeaderValue::from_static(file.content_type),
    )];
    Ok((cache, content_type, file.body).into_response())
}
