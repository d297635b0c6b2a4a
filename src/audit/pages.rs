//! The audit log's page and CSV export, for admins (everything) and province officers (their
//! province's records).

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use chrono::{DateTime, NaiveDate, Utc};
use serde::Deserialize;

use crate::AppState;
use crate::auth::routes::AUDITORS;
use crate::auth::{Access, CurrentUser, Role, Routes};
use crate::clock::vietnam;
use crate::units::UnitRef;
use crate::web::export::{Cell, Table};
use crate::web::{AppResult, form, layout::Layout};

const PAGE_SIZE: i64 = 50;
/// An export holds at most this many records; narrow the filter for more.
const EXPORT_LIMIT: i64 = 100_000;

pub fn routes() -> Routes {
    Routes::new()
        .get("/audit", Access::Roles(AUDITORS), page)
        .get("/audit.csv", Access::Roles(AUDITORS), csv)
}

#[derive(Deserialize, Default, Clone)]
pub struct Filter {
    #[serde(default)]
    user: String,
    #[serde(default)]
    unit: String,
    #[serde(default)]
    action: String,
    /// Days as people write them (dd/mm/yyyy), or as a date picker sends them.
    #[serde(default)]
    from: String,
    #[serde(default)]
    to: String,
    page: Option<i64>,
}

impl Filter {
    /// The filter as a query string, for pagination and export links.
    pub fn query(&self) -> String {
        let mut query = form_urlencoded::Serializer::new(String::new());
        for (key, value) in [
            ("user", &self.user),
            ("unit", &self.unit),
            ("action", &self.action),
        ] {
            if !value.is_empty() {
                query.append_pair(key, value);
            }
        }
        for (key, day) in [("from", self.first_day()), ("to", self.last_day())] {
            if let Some(day) = day {
                query.append_pair(key, &crate::format::date(day));
            }
        }
        query.finish()
    }
    fn first_day(&self) -> Option<NaiveDate> {
        form::date(&self.from).ok().flatten()
    }
    fn last_day(&self) -> Option<NaiveDate> {
        form::date(&self.to).ok().flatten()
    }
    /// What is shown in a date field: the day as dd/mm/yyyy, or what was typed if it is no day.
    pub fn from_text(&self) -> String {
        self.first_day()
            .map_or_else(|| self.from.clone(), crate::format::date)
    }
    pub fn to_text(&self) -> String {
        self.last_day()
            .map_or_else(|| self.to.clone(), crate::format::date)
    }
    /// Why a date field cannot be read; the list is then drawn without that bound.
    pub fn error_at(&self, field: &str) -> Option<String> {
        let typed = match field {
            "from" => &self.from,
            "to" => &self.to,
            _ => return None,
        };
        form::date(typed).err()
    }
}

pub struct Row {
    pub id: i64,
    pub at: DateTime<Utc>,
    pub username: Option<String>,
    pub unit_name: Option<String>,
    pub action: String,
    pub object_type: Option<String>,
    pub object_id: Option<i64>,
    pub details: Option<String>,
    pub before: Option<String>,
    pub after: Option<String>,
    pub client_addr: Option<String>,
}

impl Row {
    /// The action in words.
    pub fn action_text(&self) -> &str {
        super::wording::action(&self.action)
    }
    /// What the record changed, field by field.
    pub fn changes(&self) -> Vec<super::wording::Change> {
        super::wording::changes(self.before.as_deref(), self.after.as_deref())
    }
    pub fn when(&self) -> String {
        self.at
            .with_timezone(&vietnam())
            .format("%d/%m/%Y %H:%M:%S")
            .to_string()
    }
    pub fn object(&self) -> String {
        match (&self.object_type, self.object_id) {
            (Some(kind), Some(id)) => format!("{kind} #{id}"),
            _ => String::new(),
        }
    }
}

/// The records the user may read that match the filter, newest first.
async fn fetch(
    state: &AppState,
    user: &CurrentUser,
    filter: &Filter,
    limit: i64,
    offset: i64,
) -> AppResult<Vec<Row>> {
    // A province officer reads the records of units in the province; an admin reads all.
    let scope = match user.role {
        Role::Admin => None,
        _ => Some(user.scope.unit_id().unwrap_or(-1)),
    };
    let unit = match filter.unit.trim() {
        "" => None,
        text => match text.parse::<UnitRef>() {
            Ok(reference) => Some(reference.resolve(&state.pool).await?.map_or(-1, |u| u.id)),
            Err(_) => Some(-1),
        },
    };
    // Days are Vietnam days (UTC+7): "to" includes the whole of its day.
    let to_exclusive = filter.last_day().map(|d| d + chrono::Days::new(1));
    let rows = sqlx::query_as!(
        Row,
        r#"SELECT a.id, a.at, u.username AS "username?", un.name AS "unit_name?", a.action, a.object_type,
                  a.object_id, coalesce(a.after, a.before)::text AS details, a.before::text AS before, a.after::text AS after,
                  host(a.client_addr) AS client_addr
             FROM audit_log a
             LEFT JOIN users u ON u.id = a.user_id
             LEFT JOIN units un ON un.id = a.unit_id
            WHERE ($1::bigint IS NULL OR un.ancestors @> ARRAY[$1::bigint])
              AND ($2 = '' OR u.username = lower($2))
              AND ($3::bigint IS NULL OR un.ancestors @> ARRAY[$3::bigint])
              AND ($4 = '' OR a.action LIKE $4 || '%')
              AND ($5::date IS NULL OR a.at >= ($5::date::timestamp AT TIME ZONE 'UTC') - interval '7 hours')
              AND ($6::date IS NULL OR a.at < ($6::date::timestamp AT TIME ZONE 'UTC') - interval '7 hours')
            ORDER BY a.id DESC
            LIMIT $7 OFFSET $8"#,
        scope,
        filter.user.trim(),
        unit,
        filter.action.trim(),
        filter.first_day(),
        to_exclusive,
        limit,
        offset
    )
    .fetch_all(&state.pool)
    .await?;
    Ok(rows)
}

#[derive(Template, WebTemplate)]
#[template(path = "audit/list.html")]
struct AuditPage {
    layout: Layout,
    rows: Vec<Row>,
    filter: Filter,
    page: i64,
    has_next: bool,
}

async fn page(
    State(state): State<AppState>,
    layout: Layout,
    user: CurrentUser,
    Query(filter): Query<Filter>,
) -> AppResult<(StatusCode, AuditPage)> {
    // A day that cannot be read is said beside its field; the list is drawn without that bound.
    let status = if filter.error_at("from").is_some() || filter.error_at("to").is_some() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    let page = filter.page.unwrap_or(1).max(1);
    let mut rows = fetch(
        &state,
        &user,
        &filter,
        PAGE_SIZE + 1,
        (page - 1) * PAGE_SIZE,
    )
    .await?;
    let has_next = rows.len() as i64 > PAGE_SIZE;
    rows.truncate(PAGE_SIZE as usize);
    let page = AuditPage {
        layout,
        rows,
        filter,
        page,
        has_next,
    };
    Ok((status, page))
}

async fn csv(
    State(state): State<AppState>,
    user: CurrentUser,
    Query(filter): Query<Filter>,
) -> AppResult<Response> {
    let rows = fetch(&state, &user, &filter, EXPORT_LIMIT, 0).await?;
    let table = Table {
        name: "Nhat ky",
        headers: vec![
            "Số",
            "Thời điểm",
            "Người dùng",
            "Đơn vị",
            "Hành động",
            "Đối tượng",
            "Chi tiết",
            "Địa chỉ máy",
        ],
        rows: rows
            .iter()
            .map(|row| {
                vec![
                    Cell::Number(row.id),
                    Cell::text(row.when()),
                    Cell::optional_text(row.username.clone()),
                    Cell::optional_text(row.unit_name.clone()),
                    Cell::text(row.action.clone()),
                    Cell::text(row.object()),
                    Cell::optional_text(row.details.clone()),
                    Cell::optional_text(row.client_addr.clone()),
                ]
            })
            .collect(),
    };
    table.download("nhat-ky-kiem-toan", "csv")
}
