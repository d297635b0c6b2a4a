//! The province's review of a done task: approve, return with a comment, or reopen with a reason.

use axum::Form;
use axum::extract::{Path, State};
use axum::response::Response;
use serde::Deserialize;

use super::pages::{can_review, load, refuse_review, writer};
use super::record::{self, Step};
use crate::AppState;
use crate::auth::guard::RequestMeta;
use crate::auth::routes::{EDITORS, REVIEWERS};
use crate::auth::{Access, CurrentUser, Routes};
use crate::web::form::Refusal;
use crate::web::layout::Layout;
use crate::web::{AppError, AppResult, flash, form};

pub fn routes() -> Routes {
    Routes::new()
        .post("/tasks/{id}/approve", Access::Roles(REVIEWERS), approve)
        .post("/tasks/{id}/return", Access::Roles(REVIEWERS), send_back)
        .post("/tasks/{id}/reopen", Access::Roles(EDITORS), reopen)
}

#[derive(Deserialize, Default)]
struct ReviewForm {
    #[serde(default)]
    comment: String,
}

/// A review step: approve, return with a comment, or reopen with a reason.
async fn review(
    state: &AppState,
    layout: Layout,
    user: &CurrentUser,
    meta: &RequestMeta,
    id: i64,
    step: Step,
    comment: &str,
) -> AppResult<Response> {
    let task = load(state, user, id).await?;
    let back = format!("/tasks/{id}");
    let allowed = match step {
        Step::Reopen => user.scope.can_edit(&task.unit_ancestors),
        _ => can_review(state, user, &task).await?,
    };
    if !allowed {
        // A task the user may edit but not review (a district's own work, or its communes' when
        // the province has not delegated their review) is sent back with a word why.
        if user.scope.can_edit(&task.unit_ancestors) {
            return Ok(flash::redirect(
                &back,
                "Tỉnh duyệt công việc này (hoặc huyện, với công việc của các xã khi được tỉnh giao).",
            ));
        }
        return Err(AppError::OutOfScope);
    }
    if task.status != "done" {
        return Ok(flash::redirect(
            &back,
            "Chỉ duyệt, trả lại hoặc mở lại công việc đã xong.",
        ));
    }
    let checked =
        form::text("Lý do", form::Kind::Reason, comment).and_then(|comment| match comment {
            None if step != Step::Approve => Err("Cần ghi lý do.".to_string()),
            comment => Ok(comment),
        });
    let comment = match checked {
        Ok(comment) => comment,
        Err(message) => {
            let refusal = Refusal::at("comment")(message);
            let typed = comment.to_string();
            return refuse_review(state, layout, user, task, step, typed, refusal).await;
        }
    };
    let current = task.report();
    let change = record::Change::Review {
        step,
        comment: comment.as_deref(),
        current: &current,
    };
    // In a transaction, so that a request abandoned at its time limit while the statement
    // waits leaves nothing committed behind it.
    let mut tx = state.pool.begin().await?;
    if !record::save(
        &mut tx,
        &writer(state, user, meta),
        id,
        task.version,
        change,
    )
    .await?
    {
        return Ok(flash::redirect(
            &back,
            "Công việc vừa được người khác cập nhật; xem lại rồi thử lại.",
        ));
    }
    tx.commit().await?;
    let message = match step {
        Step::Approve => "Đã duyệt.",
        Step::Return => "Đã trả lại cho đơn vị.",
        Step::Reopen => "Đã mở lại công việc.",
    };
    Ok(flash::redirect(&back, message))
}

async fn approve(
    State(state): State<AppState>,
    layout: Layout,
    user: CurrentUser,
    meta: RequestMeta,
    Path(id): Path<i64>,
) -> AppResult<Response> {
    review(&state, layout, &user, &meta, id, Step::Approve, "").await
}

async fn send_back(
    State(state): State<AppState>,
    layout: Layout,
    user: CurrentUser,
    meta: RequestMeta,
    Path(id): Path<i64>,
    Form(form): Form<ReviewForm>,
) -> AppResult<Response> {
    review(
        &state,
        layout,
        &user,
        &meta,
        id,
        Step::Return,
        &form.comment,
    )
    .await
}

async fn reopen(
    State(state): State<AppState>,
    layout: Layout,
    user: CurrentUser,
    meta: RequestMeta,
    Path(id): Path<i64>,
    Form(form): Form<ReviewForm>,
) -> AppResult<Response> {
    review(
        &state,
        layout,
        &user,
        &meta,
        id,
        Step::Reopen,
        &form.comment,
    )
    .await
}
