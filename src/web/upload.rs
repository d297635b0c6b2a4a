//! Reading an uploaded file with a bound: the file is read in pieces, and one over the limit is
//! read to its end and thrown away (the whole body up to `DRAIN_LIMIT`), so that the browser
//! receives the refusal page rather than a connection reset.

use axum::body::Bytes;
use axum::extract::Multipart;
use axum::extract::multipart::{Field, MultipartError};
use axum::http::StatusCode;

/// How much of a request body any upload may send before the connection is simply closed.
pub const DRAIN_LIMIT: usize = 64 * 1024 * 1024;

/// Why a file could not be read.
#[derive(Debug, PartialEq, Eq)]
pub enum Refused {
    TooLarge,
    Broken,
}

/// The file sent in the field `name`, with its file name, if it is at most `max` bytes.
pub async fn file(
    multipart: &mut Multipart,
    name: &str,
    max: usize,
) -> Result<Option<(String, Bytes)>, Refused> {
    let mut found = None;
    let mut too_large = false;
    let refused = |error: MultipartError, too_large: bool| {
        if too_large || error.status() == StatusCode::PAYLOAD_TOO_LARGE {
            Refused::TooLarge
        } else {
            Refused::Broken
        }
    };
    loop {
        let mut field = match multipart.next_field().await {
            Ok(Some(field)) => field,
            Ok(None) => break,
            Err(error) => return Err(refused(error, too_large)),
        };
        // Other fields, and a second file, are read and dropped.
        let wanted = found.is_none() && field.name() == Some(name);
        let file_name = field.file_name().unwrap_or_default().to_string();
        match read_at_most(&mut field, if wanted { max } else { 0 }).await {
            Ok(Some(bytes)) if wanted => found = Some((file_name, bytes)),
            Ok(None) if wanted => too_large = true,
            Ok(_) => {}
            Err(error) => return Err(refused(error, too_large)),
        }
    }
    if too_large {
        return Err(Refused::TooLarge);
    }
    Ok(found)
}

/// The field's bytes if there are at most `max`; otherwise it is read to its end and `None`.
async fn read_at_most(field: &mut Field<'_>, max: usize) -> Result<Option<Bytes>, MultipartError> {
    let mut kept = Vec::new();
    let mut over = false;
    while let Some(chunk) = field.chunk().await? {
        over = over || kept.len() + chunk.len() > max;
        if over {
            kept = Vec::new();
        } else {
            kept.extend_from_slice(&chunk);
        }
    }
    Ok((!over).then(|| Bytes::from(kept)))
}
