//! Accent-insensitive search across units, bodies and members: "dam ha" finds Đầm Hà, "nguyen"
//! finds Nguyễn. Results are limited to what the user may read and sorted in Vietnamese order.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

use crate::AppState;
use crate::auth::{Access, CurrentUser, Role, Routes};
use crate::web::{AppResult, form, layout::Layout};

pub fn routes() -> Routes {
    Routes::new().get("/search", Access::SignedIn, search)
}

const LIMIT: i64 = 50;

#[derive(Deserialize, Default)]
struct SearchQuery {
    #[serde(default)]
    q: String,
}

pub struct Hit {
    pub title: String,
    pub detail: String,
    pub link: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "search.html")]
struct SearchPage {
    layout: Layout,
    q: String,
    /// Why the text was refused, said beside the search box that keeps it.
    error: Option<String>,
    /// Units, bodies and members, each under its heading.
    groups: Vec<(&'static str, Vec<Hit>)>,
}

async fn search(
    State(state): State<AppState>,
    layout: Layout,
    user: CurrentUser,
    Query(query): Query<SearchQuery>,
) -> AppResult<Response> {
    // A control character never gets here: the guard refuses it in any query string.
    let q = match form::text("Tìm kiếm", form::Kind::Name, &query.q) {
        Ok(q) => q.unwrap_or_default(),
        Err(message) => {
            let page = SearchPage {
                layout,
                q: query.q,
                error: Some(message),
                groups: Vec::new(),
            };
            return Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response());
        }
    };
    // Everyone searches within their own unit; an admin searches everything.
    let scope = match user.role {
        Role::Admin => None,
        _ => Some(user.scope.unit_id().unwrap_or(-1)),
    };
    // Bodies and their members are those of the election the user works on.
    let election = layout.election.as_ref().map_or(0, |e| e.id);
    let (units, bodies, members) = if q.chars().count() < 2 {
        (Vec::new(), Vec::new(), Vec::new())
    } else {
        let units = sqlx::query_as!(
            Hit,
            r#"SELECT u.name AS "title!", u.division_type || ' · mã ' || u.gso_code AS "detail!",
                      '/units/' || u.level || '/' || u.gso_code AS "link!"
                 FROM units u
                WHERE search_key(u.name) LIKE '%' || search_key($1) || '%' AND u.valid_to IS NULL
                  AND ($2::bigint IS NULL OR u.ancestors @> ARRAY[$2::bigint])
                ORDER BY u.name LIMIT $3"#,
            q,
            scope,
            LIMIT
        )
        .fetch_all(&state.pool)
        .await?;
        let bodies = sqlx::query_as!(
            Hit,
            r#"SELECT b.name AS "title!", k.name_vi || ' · ' || u.name AS "detail!", '/bodies/' || b.id AS "link!"
                 FROM bodies b JOIN body_kinds k ON k.code = b.kind JOIN units u ON u.id = b.unit_id
                WHERE search_key(b.name) LIKE '%' || search_key($1) || '%' AND b.dissolved_at IS NULL
                  AND ($2::bigint IS NULL OR u.ancestors @> ARRAY[$2::bigint]) AND b.election_id = $4
                ORDER BY b.name LIMIT $3"#,
            q,
            scope,
            LIMIT,
            election
        )
        .fetch_all(&state.pool)
        .await?;
        let members = sqlx::query_as!(
            Hit,
            r#"SELECT m.full_name AS "title!", b.name || coalesce(' · ' || m.position, '') AS "detail!",
                      '/bodies/' || b.id AS "link!"
                 FROM body_members m JOIN bodies b ON b.id = m.body_id JOIN units u ON u.id = b.unit_id
                WHERE search_key(m.full_name) LIKE '%' || search_key($1) || '%' AND b.dissolved_at IS NULL
                  AND ($2::bigint IS NULL OR u.ancestors @> ARRAY[$2::bigint]) AND b.election_id = $4
                ORDER BY m.full_name LIMIT $3"#,
            q,
            scope,
            LIMIT,
            election
        )
        .fetch_all(&state.pool)
        .await?;
        (units, bodies, members)
    };
    Ok(SearchPage {
        layout,
        q,
        error: None,
        groups: vec![
            ("Đơn vị hành chính", units),
            ("Tổ chức", bodies),
            ("Thành viên", members),
        ],
    }
    .into_response())
}
