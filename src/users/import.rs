//! Importing accounts from XLSX or CSV: full name, role, unit (by name, accent-insensitive, or
//! LEVEL:GSO_CODE), phone, e-mail. Every row is checked first, all errors are listed, nothing is
//! created unless all is well. The result is a printable A4 sheet of sign-in slips, one per new
//! account, with its username and one-time password: they are shown this once and never stored.

use std::collections::HashSet;

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Multipart, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use unicode_normalization::UnicodeNormalization;

use super::{NewUser, ValidUser, insert, may_manage, unit_ancestors, validate};
use crate::AppState;
use crate::auth::guard::RequestMeta;
use crate::auth::routes::ACCOUNT_KEEPERS;
use crate::auth::{Access, CurrentUser, Role, Routes, password};
use crate::imports::read::{self, Sheet};
use crate::imports::{Report, RowError, Upload};
use crate::web::export::{Cell, Table};
use crate::web::{AppResult, layout::Layout};

/// At most this many accounts at once: each needs its password hashed (tens of milliseconds), and
/// the import is one request, within the request time limit. A province's officials fit in a few
/// files.
pub const MAX_ACCOUNTS: usize = 300;

/// The columns of the file, in the template's order.
pub const HEADERS: [&str; 5] = [
    "Họ và tên",
    "Vai trò",
    "Đơn vị",
    "Điện thoại",
    "Thư điện tử",
];

pub fn routes() -> Routes {
    let keepers = Access::Roles(ACCOUNT_KEEPERS);
    Routes::new()
        .get("/admin/users/import", keepers, form)
        .post("/admin/users/import", keepers, upload)
        .get("/import/accounts-template.xlsx", keepers, template)
}

#[derive(Template, WebTemplate)]
#[template(path = "users/import.html")]
struct ImportPage {
    layout: Layout,
    /// An account import answers with its slips, so its report has no outcome.
    report: Report<()>,
}

/// A new account and its one-time password, for its slip.
pub struct Slip {
    pub full_name: String,
    pub role: &'static str,
    pub unit: String,
    pub username: String,
    pub password: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "users/slips.html")]
struct SlipsPage {
    layout: Layout,
    slips: Vec<Slip>,
    /// The address people open, as this request reached the server.
    address: String,
}

async fn form(layout: Layout) -> ImportPage {
    ImportPage {
        layout,
        report: Report::default(),
    }
}

async fn template() -> AppResult<Response> {
    let table = Table {
        name: "Tai khoan",
        headers: HEADERS.to_vec(),
        rows: vec![vec![
            Cell::text("Nguyễn Văn An"),
            Cell::text(Role::CommuneOfficer.label_vi()),
            Cell::text("Thị trấn Đầm Hà"),
            Cell::text("0912 345 678"),
            Cell::text("an.nv@damha.gov.vn"),
        ]],
    };
    table.download("mau-tai-khoan", "xlsx")
}

async fn upload(
    State(state): State<AppState>,
    layout: Layout,
    manager: CurrentUser,
    meta: RequestMeta,
    headers: HeaderMap,
    mut multipart: Multipart,
) -> AppResult<Response> {
    let refuse = |layout, errors, problem| {
        let page = ImportPage {
            layout,
            report: Report {
                errors,
                problem,
                ..Report::default()
            },
        };
        Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
    };
    let sheet = match crate::imports::uploaded_sheet(&mut multipart, HEADERS[0]).await? {
        Upload::Read(sheet) => sheet,
        Upload::TooLarge => return Ok(crate::imports::too_large()),
        Upload::Problem(problem) => return refuse(layout, Vec::new(), Some(problem)),
    };
    if sheet.rows.len() > MAX_ACCOUNTS {
        let problem = format!(
            "Tệp có {} dòng; mỗi lần nhập tối đa {} tài khoản. Hãy chia thành nhiều tệp.",
            sheet.rows.len(),
            MAX_ACCOUNTS
        );
        return refuse(layout, Vec::new(), Some(problem));
    }
    let accounts = match check(&state, &manager, &sheet).await? {
        Ok(accounts) => accounts,
        Err(errors) => return refuse(layout, errors, None),
    };
    let now = state.clock.now();
    let actor = manager.actor(&meta);
    let mut slips = Vec::new();
    let mut tx = state.pool.begin().await?;
    crate::db::allow_job(&mut tx, &state.limits).await?;
    for (account, unit) in accounts {
        let one_time = password::one_time();
        let hash = state.hasher.hash(&one_time).await;
        if insert(&mut tx, &account, &hash, true, &actor, now)
            .await
            .is_err()
        {
            // Taken meanwhile by someone else: nothing is created, the file can be sent again.
            let error = RowError {
                row: 0,
                column: "Họ và tên".to_string(),
                reason: format!(
                    "tên đăng nhập {} vừa có người dùng; hãy nhập lại tệp",
                    account.username
                ),
            };
            drop(tx);
            return refuse(layout, vec![error], None);
        }
        slips.push(Slip {
            full_name: account.full_name,
            role: account.role.label_vi(),
            unit,
            username: account.username,
            password: one_time,
        });
    }
    tx.commit().await?;
    let host = headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .unwrap_or("localhost");
    let page = SlipsPage {
        layout,
        slips,
        address: format!("http://{host}/login"),
    };
    Ok(page.into_response())
}

/// Checks every row: the fields as on the account form, the unit found by its name or code, the
/// account within the manager's reach; a username made from the name, unique. Returns each
/// account with its unit's name, or every error found.
async fn check(
    state: &AppState,
    manager: &CurrentUser,
    sheet: &Sheet,
) -> AppResult<Result<Vec<(ValidUser, String)>, Vec<RowError>>> {
    let columns: Vec<Option<usize>> = HEADERS
        .iter()
        .map(|known| {
            sheet
                .headers
                .iter()
                .position(|h| read::fold(h) == read::fold(known))
        })
        .collect();
    let mut errors = Vec::new();
    for (known, found) in HEADERS.iter().zip(&columns) {
        if found.is_none() && matches!(*known, "Họ và tên" | "Vai trò") {
            errors.push(RowError {
                row: sheet.header_row,
                column: known.to_string(),
                reason: "thiếu cột này trong dòng tiêu đề".to_string(),
            });
        }
    }
    if !errors.is_empty() {
        return Ok(Err(errors));
    }
    let mut accounts = Vec::new();
    let mut usernames: HashSet<String> = HashSet::new();
    for (row, cells) in &sheet.rows {
        let row = *row;
        let get = |index: usize| {
            columns[index]
                .and_then(|i| cells.get(i))
                .map(|s| read::clean(s))
                .unwrap_or_default()
        };
        let mut error = |column: &str, reason: String| {
            errors.push(RowError {
                row,
                column: column.to_string(),
                reason,
            })
        };
        let role = Role::ALL.into_iter().find(|role| {
            let wanted = read::fold(&get(1));
            wanted == read::fold(role.code()) || wanted == read::fold(role.label_vi())
        });
        let Some(role) = role else {
            error("Vai trò", format!("\"{}\" không phải vai trò", get(1)));
            continue;
        };
        let unit = match unit_named(state, manager, role, &get(2)).await? {
            Ok(unit) => unit,
            Err(reason) => {
                error("Đơn vị", reason);
                continue;
            }
        };
        let username = free_username(state, &get(0), &mut usernames).await?;
        let input = NewUser {
            username,
            full_name: get(0),
            role: role.code().to_string(),
            unit: unit
                .as_ref()
                .map(|(reference, _)| reference.clone())
                .unwrap_or_default(),
            phone: get(3),
            email: get(4),
        };
        let account = match validate(&state.pool, &input).await {
            Ok(account) => account,
            Err(invalid) => {
                let column = match invalid.field() {
                    "full_name" | "username" => "Họ và tên",
                    "role" => "Vai trò",
                    "unit" => "Đơn vị",
                    "phone" => "Điện thoại",
                    _ => "Thư điện tử",
                };
                error(column, invalid.to_string());
                continue;
            }
        };
        let ancestors = unit_ancestors(&state.pool, account.unit_id).await?;
        if !may_manage(&manager.scope, account.role, &ancestors) {
            error("Đơn vị", "ngoài phạm vi bạn được tạo tài khoản".to_string());
            continue;
        }
        let unit_name = unit.map(|(_, name)| name).unwrap_or_default();
        accounts.push((account, unit_name));
    }
    if sheet.rows.is_empty() {
        errors.push(RowError {
            row: sheet.header_row,
            column: String::new(),
            reason: "tệp không có dòng dữ liệu nào".to_string(),
        });
    }
    Ok(if errors.is_empty() {
        Ok(accounts)
    } else {
        Err(errors)
    })
}

/// The unit a row names for an account of `role`: by LEVEL:GSO_CODE, or by its name within the
/// manager's reach, accents and case aside, with or without its kind ("thi tran dam ha", "Đầm Hà"),
/// of the level the role answers for; a name several units share is refused with their codes.
/// Returns its reference and name; none for an administrator.
pub(super) async fn unit_named(
    state: &AppState,
    manager: &CurrentUser,
    role: Role,
    text: &str,
) -> AppResult<Result<Option<(String, String)>, String>> {
    let Some(level) = role.scope_level() else {
        return Ok(Ok(None));
    };
    if text.is_empty() {
        return Ok(Err("cần ghi đơn vị".to_string()));
    }
    if text.contains(':') {
        return Ok(Ok(Some((text.to_string(), text.to_string()))));
    }
    let within = manager.scope.unit_id();
    let found = sqlx::query!(
        r#"SELECT level, gso_code, name FROM units
            WHERE level = $1 AND valid_to IS NULL
              AND (search_key(name) = search_key($2)
                   OR search_key(name) = search_key(division_type || ' ' || $2))
              AND ($3::bigint IS NULL OR ancestors @> ARRAY[$3::bigint])
            ORDER BY gso_code LIMIT 5"#,
        level,
        text,
        within
    )
    .fetch_all(&state.pool)
    .await?;
    Ok(match found.as_slice() {
        [] => Err(format!(
            "không tìm thấy đơn vị \"{text}\" trong phạm vi của bạn"
        )),
        [one] => Ok(Some((
            format!("{}:{}", one.level, one.gso_code),
            one.name.clone(),
        ))),
        many => Err(format!(
            "\"{text}\" là tên của nhiều đơn vị ({}); ghi dạng cấp:mã",
            many.iter()
                .map(|u| format!("{}:{}", u.level, u.gso_code))
                .collect::<Vec<_>>()
                .join(", ")
        )),
    })
}

/// "Nguyễn Văn An" → "nguyen.van.an", then ".2", ".3" … until no account and no row before has it.
async fn free_username(
    state: &AppState,
    full_name: &str,
    taken: &mut HashSet<String>,
) -> sqlx::Result<String> {
    let base = username_of(full_name);
    for n in 1.. {
        let candidate = if n == 1 {
            base.clone()
        } else {
            format!("{base}.{n}")
        };
        if taken.contains(&candidate) {
            continue;
        }
        let exists: bool = sqlx::query_scalar!(
            r#"SELECT EXISTS (SELECT FROM users WHERE username = $1) AS "exists!""#,
            candidate
        )
        .fetch_one(&state.pool)
        .await?;
        if !exists {
            taken.insert(candidate.clone());
            return Ok(candidate);
        }
    }
    unreachable!("some suffix is free")
}

/// A name without its accents, lower case, words joined by dots, at most 50 characters.
pub fn username_of(full_name: &str) -> String {
    let plain: String = full_name
        .nfd()
        .filter(|c| !unicode_normalization::char::is_combining_mark(*c))
        .map(|c| match c {
            'đ' | 'Đ' => 'd',
            c => c.to_ascii_lowercase(),
        })
        .map(|c| if c.is_ascii_alphanumeric() { c } else { ' ' })
        .collect();
    let joined = plain.split_whitespace().collect::<Vec<_>>().join(".");
    let mut name: String = joined.chars().take(50).collect();
    while name.len() < 3 {
        name.push('x');
    }
    name
}

#[cfg(test)]
mod tests {
    use super::username_of;

    #[test]
    fn usernames_are_names_without_accents() {
        assert_eq!(username_of("Nguyễn Văn An"), "nguyen.van.an");
        assert_eq!(username_of("Đặng Thị Đào"), "dang.thi.dao");
        assert_eq!(username_of("  Lê  "), "lex");
    }
}
