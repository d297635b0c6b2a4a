//! Files attached to a task as evidence: PDF, JPEG or PNG, at most 10 MB, the type checked from
//! the content (never the name), kept in PostgreSQL, served as a download under a safe name.

use axum::extract::{Multipart, Path, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

use crate::AppState;
use crate::audit::{self, Event};
use crate::auth::guard::RequestMeta;
use crate::auth::routes::EDITORS;
use crate::auth::{Access, CurrentUser, Routes};
use crate::web::{AppError, AppResult, flash, upload};

pub const MAX_BYTES: usize = 10 * 1024 * 1024;

pub fn routes() -> Routes {
    Routes::new()
        .post("/tasks/{id}/attachments", Access::Roles(EDITORS), upload)
        .get("/attachments/{id}", Access::SignedIn, download)
        .post("/attachments/{id}/delete", Access::Roles(EDITORS), delete)
}

/// A document received as a form's `file`, its type checked from its content.
pub struct Received {
    /// A safe name with the extension of the real type.
    pub file_name: String,
    pub content_type: &'static str,
    pub bytes: Vec<u8>,
}

/// The form's `file`, at most [`MAX_BYTES`], if it is a PDF, JPEG or PNG by its content; otherwise
/// the answer to send: 413 past the limit, or back to `back` saying why. The one way every page
/// that keeps documents (task evidence, meeting and conference papers) receives them.
pub async fn receive(
    multipart: &mut Multipart,
    back: &str,
) -> AppResult<Result<Received, Response>> {
    let file = match upload::file(multipart, "file", MAX_BYTES).await {
        Ok(file) => file,
        Err(upload::Refused::TooLarge) => {
            return Ok(Err(crate::web::error::error_page(
                StatusCode::PAYLOAD_TOO_LARGE,
            )));
        }
        Err(upload::Refused::Broken) => return Err(AppError::BadRequest("broken upload".into())),
    };
    let Some((name, bytes)) = file.filter(|(_, b)| !b.is_empty()) else {
        return Ok(Err(flash::redirect(back, "Chưa chọn tệp.")));
    };
    let Some((content_type, extension)) = sniff(&bytes) else {
        return Ok(Err(flash::redirect(
            back,
            "Chỉ nhận tệp PDF, JPEG hoặc PNG (kiểm tra theo nội dung tệp, không theo tên).",
        )));
    };
    Ok(Ok(Received {
        file_name: safe_name(&name, extension),
        content_type,
        bytes: bytes.to_vec(),
    }))
}

/// The type a file's first bytes show, with the extension that goes with it.
pub fn sniff(bytes: &[u8]) -> Option<(&'static str, &'static str)> {
    if bytes.starts_with(b"%PDF-") {
        Some(("application/pdf", "pdf"))
    } else if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        Some(("image/png", "png"))
    } else if bytes.starts_with(b"\xFF\xD8\xFF") {
        Some(("image/jpeg", "jpg"))
    } else {
        None
    }
}

/// A name safe to store and send back: no folders, no control characters or quotes, not too long,
/// and the extension of the type the content really has.
pub fn safe_name(original: &str, extension: &str) -> String {
    let base = original.rsplit(['/', '\\']).next().unwrap_or_default();
    let stem = base.rsplit_once('.').map_or(base, |(stem, _)| stem);
    let stem: String = stem
        .chars()
        .filter(|c| !c.is_control() && !matches!(c, '"' | '\'' | ';' | '<' | '>' | '\\' | '/'))
        .take(100)
        .collect();
    let stem = stem.trim();
    let stem = if stem.is_empty() {
        "tep-dinh-kem"
    } else {
        stem
    };
    format!("{stem}.{extension}")
}

async fn editable_task(state: &AppState, user: &CurrentUser, task: i64) -> AppResult<i64> {
    let row = sqlx::query!(
        "SELECT u.id, u.ancestors FROM tasks t JOIN units u ON u.id = t.unit_id WHERE t.id = $1",
        task
    )
    .fetch_optional(&state.pool)
    .await?
    .ok_or(AppError::NotFound)?;
    if !user.scope.can_edit(&row.ancestors) {
        return Err(AppError::OutOfScope);
    }
    Ok(row.id)
}

async fn upload(
    State(state): State<AppState>,
    user: CurrentUser,
    meta: RequestMeta,
    Path(task): Path<i64>,
    mut multipart: Multipart,
) -> AppResult<Response> {
    let unit = editable_task(&state, &user, task).await?;
    let back = format!("/tasks/{task}");
    let Received {
        file_name,
        content_type,
        bytes,
    } = match receive(&mut multipart, &back).await? {
        Ok(received) => received,
        Err(answer) => return Ok(answer),
    };
    let now = state.clock.now();
    let mut tx = state.pool.begin().await?;
    let id = sqlx::query_scalar!(
        "INSERT INTO task_attachments (task_id, file_name, content_type, size_bytes, content, uploaded_by, uploaded_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
        task,
        file_name,
        content_type,
        i32::try_from(bytes.len()).unwrap_or(i32::MAX),
        &bytes,
        user.id,
        now
    )
    .fetch_one(&mut *tx)
    .await?;
    let event = Event::new("attachment.added")
        .unit(unit)
        .object("attachment", id)
        .after(serde_json::json!({ "task": task, "file_name": file_name, "size": bytes.len() }));
    audit::record(&mut tx, &user.actor(&meta), now, event).await?;
    tx.commit().await?;
    Ok(flash::redirect(&back, &format!("Đã đính kèm {file_name}.")))
}

async fn download(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
) -> AppResult<Response> {
    let row = sqlx::query!(
        r#"SELECT a.file_name, a.content_type, a.content, u.ancestors
             FROM task_attachments a JOIN tasks t ON t.id = a.task_id JOIN units u ON u.id = t.unit_id
            WHERE a.id = $1"#,
        id
    )
    .fetch_optional(&state.pool)
    .await?
    .ok_or(AppError::NotFound)?;
    if !user.scope.can_read(&row.ancestors) {
        return Err(AppError::OutOfScope);
    }
    as_download(&row.file_name, &row.content_type, row.content)
}

/// A stored file sent as a download under its own name.
pub fn as_download(file_name: &str, content_type: &str, content: Vec<u8>) -> AppResult<Response> {
    // An ASCII fallback for old browsers, and the real (Vietnamese) name encoded per RFC 5987.
    let ascii: String = file_name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || ".-_ ".contains(c) {
                c
            } else {
                '_'
            }
        })
        .collect();
    let encoded: String = form_urlencoded::byte_serialize(file_name.as_bytes())
        .collect::<String>()
        .replace('+', "%20");
    let disposition = format!("attachment; filename=\"{ascii}\"; filename*=UTF-8''{encoded}");
    Ok((
        [
            (
                header::CONTENT_TYPE,
                HeaderValue::from_str(content_type).map_err(anyhow::Error::from)?,
            ),
            (
                header::CONTENT_DISPOSITION,
                HeaderValue::from_str(&disposition).map_err(anyhow::Error::from)?,
            ),
        ],
        content,
    )
        .into_response())
}

async fn delete(
    State(state): State<AppState>,
    user: CurrentUser,
    meta: RequestMeta,
    Path(id): Path<i64>,
) -> AppResult<Response> {
    let task = sqlx::query_scalar!("SELECT task_id FROM task_attachments WHERE id = $1", id)
        .fetch_optional(&state.pool)
        .await?
        .ok_or(AppError::NotFound)?;
    let unit = editable_task(&state, &user, task).await?;
    let now = state.clock.now();
    let mut tx = state.pool.begin().await?;
    let name = sqlx::query_scalar!(
        "DELETE FROM task_attachments WHERE id = $1 RETURNING file_name",
        id
    )
    .fetch_one(&mut *tx)
    .await?;
    let event = Event::new("attachment.removed")
        .unit(unit)
        .object("attachment", id)
        .before(serde_json::json!({ "task": task, "file_name": name }));
    audit::record(&mut tx, &user.actor(&meta), now, event).await?;
    tx.commit().await?;
    Ok(flash::redirect(
        &format!("/tasks/{task}"),
        "Đã xóa tệp đính kèm.",
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_type_comes_from_the_content() {
        assert_eq!(sniff(b"%PDF-1.7 ...").unwrap().0, "application/pdf");
        assert_eq!(sniff(b"\x89PNG\r\n\x1a\n....").unwrap().0, "image/png");
        assert_eq!(sniff(b"\xFF\xD8\xFF\xE0....").unwrap().0, "image/jpeg");
        assert_eq!(sniff(b"MZ\x90\x00 an executable"), None);
        assert_eq!(sniff(b"<html>"), None);
    }

    #[test]
    fn names_are_made_safe_and_match_the_content() {
        assert_eq!(safe_name("Quyết định 15.pdf", "pdf"), "Quyết định 15.pdf");
        assert_eq!(safe_name("../../etc/passwd", "pdf"), "passwd.pdf");
        assert_eq!(safe_name("C:\\temp\\a\"b;c.exe", "png"), "abc.png");
        assert_eq!(safe_name("", "jpg"), "tep-dinh-kem.jpg");
    }
}
