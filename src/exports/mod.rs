//! Downloads of a unit's structure lists (bodies, members, constituencies, polling areas), for
//! the unit and everything below it, as XLSX or as CSV with a BOM.

use axum::extract::{Path, State};
use axum::response::Response;

use crate::AppState;
use crate::auth::{Access, CurrentUser, Routes};
use crate::bodies::member_role_vi;
use crate::polling::rules::kind_vi;
use crate::units::{self, pages::Reach};
use crate::web::export::{Cell, Table};
use crate::web::{AppError, AppResult};

pub fn routes() -> Routes {
    Routes::new().get(
        "/units/{level}/{gso_code}/export/{file}",
        Access::SignedIn,
        download,
    )
}

/// The columns of the polling-area list, which is also the import format.
pub const AREA_HEADERS: [&str; 11] = [
    "Mã xã",
    "Tên xã",
    "Số khu vực",
    "Tên khu vực",
    "Địa điểm",
    "Số cử tri",
    "Loại khu vực",
    "Họ và tên thành viên",
    "Chức danh",
    "Chức vụ",
    "Điện thoại",
];

async fn download(
    State(state): State<AppState>,
    user: CurrentUser,
    Path((level, gso_code, file)): Path<(String, String, String)>,
) -> AppResult<Response> {
    // Lists cover everything below the unit: only for units wholly within the user's reach.
    let unit = units::pages::from_path(&state.pool, &user, &level, &gso_code, Reach::Whole).await?;
    let (list, extension) = file.rsplit_once('.').ok_or(AppError::NotFound)?;
    let election = crate::elections::required(&state.pool, user.viewer()).await?;
    let table = match list {
        "bodies" => bodies(&state, election.id, unit.id).await?,
        "members" => members(&state, election.id, unit.id).await?,
        "constituencies" => constituencies(&state, election.id, unit.id).await?,
        "polling-areas" => polling_areas(&state, election.id, unit.id).await?,
        _ => return Err(AppError::NotFound),
    };
    table.download(&format!("{list}-{level}-{gso_code}"), extension)
}

async fn bodies(state: &AppState, election_id: i64, unit_id: i64) -> AppResult<Table> {
    let today = state.clock.today();
    let rows = crate::bodies::summaries(&state.pool, election_id, unit_id, false).await?;
    Ok(Table {
        name: "To chuc",
        headers: vec![
            "Đơn vị",
            "Loại",
            "Tên",
            "Số quyết định",
            "Ngày quyết định",
            "Người ký",
            "Số thành viên",
            "Luật định",
            "Tình trạng",
        ],
        rows: rows
            .into_iter()
            .map(|b| {
                let status = if b.is_established(today) {
                    "Đã thành lập"
                } else {
                    "Chưa đủ điều kiện"
                };
                vec![
                    Cell::text(b.unit_name.clone()),
                    Cell::text(b.kind_vi.clone()),
                    Cell::text(b.name.clone()),
                    Cell::optional_text(b.decision_number.clone()),
                    b.decision_date.map_or(Cell::Empty, Cell::Date),
                    Cell::optional_text(b.decision_signer.clone()),
                    Cell::optional_number(b.member_count()),
                    Cell::text(b.range_text()),
                    Cell::text(status),
                ]
            })
            .collect(),
    })
}

async fn members(state: &AppState, election_id: i64, unit_id: i64) -> AppResult<Table> {
    let rows = sqlx::query!(
        r#"SELECT u.name AS unit_name, b.name AS body_name, m.full_name, m.role, m.position, m.phone
             FROM body_members m JOIN bodies b ON b.id = m.body_id JOIN units u ON u.id = b.unit_id
            WHERE b.election_id = $1 AND b.dissolved_at IS NULL AND u.ancestors @> ARRAY[$2::bigint]
            ORDER BY u.ancestors, b.name, array_position(ARRAY['chair', 'deputy', 'secretary', 'member'], m.role),
                     m.full_name"#,
        election_id,
        unit_id
    )
    .fetch_all(&state.pool)
    .await?;
    Ok(Table {
        name: "Thanh vien",
        headers: vec![
            "Đơn vị",
            "Tổ chức",
            "Họ và tên",
            "Chức danh",
            "Chức vụ",
            "Điện thoại",
        ],
        rows: rows
            .into_iter()
            .map(|m| {
                vec![
                    Cell::text(m.unit_name),
                    Cell::text(m.body_name),
                    Cell::text(m.full_name),
                    Cell::text(member_role_vi(&m.role)),
                    Cell::optional_text(m.position),
                    Cell::optional_text(m.phone),
                ]
            })
            .collect(),
    })
}

async fn constituencies(state: &AppState, election_id: i64, unit_id: i64) -> AppResult<Table> {
    let rows = sqlx::query!(
        r#"SELECT u.name AS unit_name, r.kind, k.number, k.name, k.seats,
                  (SELECT string_agg(cv.name, ', ' ORDER BY cv.gso_code) FROM constituency_units cu
                     JOIN units cv ON cv.id = cu.unit_id WHERE cu.constituency_id = k.id) AS covered
             FROM constituencies k JOIN councils c ON c.id = k.council_id JOIN races r ON r.id = k.race_id
             JOIN units u ON u.id = c.unit_id
            WHERE r.election_id = $1 AND u.ancestors @> ARRAY[$2::bigint]
            ORDER BY u.ancestors, r.id, k.number"#,
        election_id,
        unit_id
    )
    .fetch_all(&state.pool)
    .await?;
    Ok(Table {
        name: "Don vi bau cu",
        headers: vec![
            "Đơn vị",
            "Cuộc bầu cử",
            "Số",
            "Tên",
            "Số đại biểu",
            "Địa bàn",
        ],
        rows: rows
            .into_iter()
            .map(|k| {
                vec![
                    Cell::text(k.unit_name),
                    Cell::text(crate::elections::race_name(&k.kind)),
                    Cell::Number(i64::from(k.number)),
                    Cell::text(k.name),
                    Cell::Number(i64::from(k.seats)),
                    Cell::optional_text(k.covered),
                ]
            })
            .collect(),
    })
}

/// One row per member of each area's polling group (one row for an area with no member yet).
async fn polling_areas(state: &AppState, election_id: i64, unit_id: i64) -> AppResult<Table> {
    let rows = sqlx::query!(
        r#"SELECT u.gso_code, u.name AS commune, p.number, p.name, p.address, p.voters, p.kind,
                  m.full_name AS "full_name?", m.role AS "role?", m.position, m.phone
             FROM polling_areas p
             JOIN units u ON u.id = p.commune_id
             LEFT JOIN bodies b ON b.polling_area_id = p.id AND b.dissolved_at IS NULL
             LEFT JOIN body_members m ON m.body_id = b.id
            WHERE p.election_id = $1 AND u.ancestors @> ARRAY[$2::bigint]
            ORDER BY u.gso_code, p.number,
                     array_position(ARRAY['chair', 'deputy', 'secretary', 'member'], m.role), m.full_name"#,
        election_id,
        unit_id
    )
    .fetch_all(&state.pool)
    .await?;
    Ok(Table {
        name: "Khu vuc bo phieu",
        headers: AREA_HEADERS.to_vec(),
        rows: rows
            .into_iter()
            .map(|a| {
                vec![
                    Cell::Number(i64::from(a.gso_code)),
                    Cell::text(a.commune),
                    Cell::Number(i64::from(a.number)),
                    Cell::text(a.name),
                    Cell::optional_text(a.address),
                    Cell::Number(i64::from(a.voters)),
                    Cell::text(kind_vi(&a.kind)),
                    Cell::optional_text(a.full_name),
                    a.role
                        .map_or(Cell::Empty, |r| Cell::text(member_role_vi(&r))),
                    Cell::optional_text(a.position),
                    Cell::optional_text(a.phone),
                ]
            })
            .collect(),
    })
}
