//! Reading an uploaded file with a bound: the file is read in pieces, and one over the limit is
//! read to its end and thrown away (up to `DRAIN_LIMIT`), so that the browser receives the
//! refusal page rather than a connection reset.

use axum::body::Bytes;
use axum::extract::Multipart;

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
    loop {
        let field = match multipart.next_field().await {
            Ok(Some(field)) => field,
            Ok(None) => break,
            Err(_) if too_large => return Err(Refused::TooLarge),
            Err(_) => return Err(Refused::Broken),
        };
        let wanted = field.name() == Some(name) && found.is_none();
        let file_name = field.file_name().unwrap_or_default().to_string();
        let mut field = field;
        let mut kept: Vec<u8> = Vec::new();
        loop {
            match field.chunk().await {
                Ok(Some(chunk)) => {
                    if wanted && !too_large && kept.len() + chunk.len() <= max {
                        kept.extend_from_slice(&chunk);
                    } else if wanted {
                        too_large = true;
                        kept = Vec::new();
                    }
                }
                Ok(None) => break,
                Err(_) if too_large => return Err(Refused::TooLarge),
                Err(_) => return Err(Refused::Broken),
            }
        }
        if wanted && !too_large {
            found = Some((file_name, Bytes::from(kept)));
        }
    }
    if too_large {
        return Err(Refused::TooLarge);
    }
    Ok(found)
}
