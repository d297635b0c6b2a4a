//! The language switch on every page. A signed-in user's choice is saved with the user (and
//! audited), so it follows them to another device; a cookie carries it before signing in.

use axum::Form;
use axum::extract::{Extension, State};
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

use super::{COOKIE, Lang};
use crate::AppState;
use crate::audit::{self, Event};
use crate::auth::guard::RequestMeta;
use crate::auth::{Access, CurrentUser, Routes};
use crate::web::AppResult;

pub fn routes() -> Routes {
    Routes::new().post("/language", Access::Public, switch)
}

#[derive(Deserialize)]
struct SwitchForm {
    lang: String,
    /// The page to go back to.
    #[serde(default)]
    next: String,
}

async fn switch(
    State(state): State<AppState>,
    meta: RequestMeta,
    user: Option<Extension<CurrentUser>>,
    Form(form): Form<SwitchForm>,
) -> AppResult<Response> {
    let lang = Lang::from_code(&form.lang);
    if let Some(Extension(user)) = &user {
        save_choice(&state, user, &meta, lang).await?;
    }
    let mut response = Redirect::to(back_to(&form.next)).into_response();
    let cookie = format!(
        "{COOKIE}={}; Path=/; HttpOnly; SameSite=Lax; Max-Age=31536000",
        lang.code()
    );
    if let Ok(value) = HeaderValue::from_str(&cookie) {
        response.headers_mut().append(header::SET_COOKIE, value);
    }
    Ok(response)
}

async fn save_choice(
    state: &AppState,
    user: &CurrentUser,
    meta: &RequestMeta,
    lang: Lang,
) -> AppResult<()> {
    let mut tx = state.pool.begin().await?;
    let before = sqlx::query_scalar!(
        "UPDATE users u SET language = $2 FROM users old
          WHERE u.id = $1 AND old.id = u.id RETURNING old.language",
        user.id,
        lang.code()
    )
    .fetch_one(&mut *tx)
    .await?;
    let mut event = Event::new("user.language_changed")
        .object("user", user.id)
        .before(serde_json::json!({ "language": before }))
        .after(serde_json::json!({ "language": lang.code() }));
    if let Some(unit) = user.scope.unit_id() {
        event = event.unit(unit);
    }
    audit::record(&mut tx, &user.actor(meta), state.clock.now(), event).await?;
    tx.commit().await?;
    Ok(())
}

/// Only a path of this site: anything else (another host, `//host`) goes home.
fn back_to(next: &str) -> &str {
    if next.starts_with('/') && !next.starts_with("//") && !next.starts_with("/\\") {
        next
    } else {
        "/"
    }
}

#[cfg(test)]
mod tests {
    use super::back_to;

    #[test]
    fn goes_back_only_within_the_site() {
        assert_eq!(
            back_to("/dashboard?level=commune"),
            "/dashboard?level=commune"
        );
        assert_eq!(back_to("//evil.example/"), "/");
        assert_eq!(back_to("/\\evil.example/"), "/");
        assert_eq!(back_to("https://evil.example/"), "/");
        assert_eq!(back_to(""), "/");
    }
}
