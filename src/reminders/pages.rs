//! `/notifications`: the user's reminders as the digest would say them now, the digests mailed
//! to them, and how often they want one.

use askama::Template;
use askama_web::WebTemplate;
use axum::Form;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, NaiveDate, Utc};
use serde::Deserialize;

use super::{Frequency, Reminders};
use crate::AppState;
use crate::auth::guard::RequestMeta;
use crate::auth::{Access, CurrentUser, Routes};
use crate::checklists::TaskLine;
use crate::clock::vietnam;
use crate::format;
use crate::web::form::Refusal;
use crate::web::{AppResult, flash, layout::Layout};

pub fn routes() -> Routes {
    Routes::new()
        .get("/notifications", Access::SignedIn, show)
        .post("/notifications", Access::SignedIn, choose)
}

/// A digest mailed (or due) to the user.
pub struct DigestRow {
    pub period: NaiveDate,
    pub frequency: String,
    pub state: String,
    pub sent_at: Option<DateTime<Utc>>,
    pub subject: Option<String>,
}

impl DigestRow {
    pub fn period_text(&self) -> String {
        format::date(self.period)
    }
    pub fn frequency_label(&self) -> &'static str {
        Frequency::parse(&self.frequency).map_or("", Frequency::label_vi)
    }
    pub fn state_label(&self) -> &'static str {
        match self.state.as_str() {
            "sent" => "Đã gửi",
            "empty" => "Không có gì cần nhắc",
            "failed" => "Gửi không được, sẽ thử lại",
            _ => "Đang gửi",
        }
    }
    pub fn sent_text(&self) -> String {
        self.sent_at.map_or(String::new(), |at| {
            at.with_timezone(&vietnam())
                .format("%d/%m/%Y %H:%M")
                .to_string()
        })
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "reminders/notifications.html")]
struct NotificationsPage {
    layout: Layout,
    reminders: Option<Reminders>,
    frequency: Frequency,
    email: Option<String>,
    digests: Vec<DigestRow>,
    error: Option<Refusal>,
    today: NaiveDate,
}

impl NotificationsPage {
    fn frequencies(&self) -> [Frequency; 3] {
        Frequency::ALL
    }
    fn error_at(&self, field: &str) -> Option<&str> {
        self.error.as_ref()?.message_at(field)
    }
    /// The lists of the page, as the digest orders them: heading, state badge, tasks.
    fn sections<'a>(&self, r: &'a Reminders) -> [(&'static str, &'static str, &'a [TaskLine]); 3] {
        [
            ("Bị trả lại, cần sửa và gửi lại", "overdue", &r.returned),
            ("Quá hạn", "overdue", &r.overdue),
            ("Đến hạn trong 7 ngày tới", "due-soon", &r.due_soon),
        ]
    }
}

async fn page(
    state: &AppState,
    layout: Layout,
    user: &CurrentUser,
    error: Option<Refusal>,
) -> AppResult<NotificationsPage> {
    let reminders = match &layout.election {
        Some(election) => Some(
            super::of_user(
                &state.pool,
                election.clone(),
                &user.scope,
                user.agency_id,
                state.clock.today(),
            )
            .await?,
        ),
        None => None,
    };
    let account = sqlx::query!("SELECT email, digest FROM users WHERE id = $1", user.id)
        .fetch_one(&state.pool)
        .await?;
    let digests = sqlx::query_as!(
        DigestRow,
        "SELECT period, frequency, state, sent_at, subject FROM digests
          WHERE user_id = $1 ORDER BY period DESC LIMIT 10",
        user.id
    )
    .fetch_all(&state.pool)
    .await?;
    Ok(NotificationsPage {
        layout,
        reminders,
        frequency: Frequency::parse(&account.digest).unwrap_or(Frequency::Daily),
        email: account.email,
        digests,
        error,
        today: state.clock.today(),
    })
}

async fn show(
    State(state): State<AppState>,
    layout: Layout,
    user: CurrentUser,
) -> AppResult<NotificationsPage> {
    page(&state, layout, &user, None).await
}

#[derive(Deserialize)]
struct Choice {
    #[serde(default)]
    digest: String,
}

async fn choose(
    State(state): State<AppState>,
    layout: Layout,
    user: CurrentUser,
    meta: RequestMeta,
    Form(choice): Form<Choice>,
) -> AppResult<Response> {
    let Some(frequency) = Frequency::parse(&choice.digest) else {
        let refusal = Refusal::at("digest")("Hãy chọn một cách nhận thư nhắc việc.".to_string());
        let page = page(&state, layout, &user, Some(refusal)).await?;
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response());
    };
    let now = state.clock.now();
    let mut tx = state.pool.begin().await?;
    crate::users::set_digest(&mut tx, &user, &user.actor(&meta), now, frequency).await?;
    tx.commit().await?;
    Ok(flash::redirect(
        "/notifications",
        "Đã lưu cách nhận thư nhắc việc.",
    ))
}
