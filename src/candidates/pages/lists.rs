//! The official lists as posted at polling areas (A4), and every list as XLSX or CSV.

use super::*;

#[derive(Template, WebTemplate)]
#[template(path = "candidates/official_list.html")]
pub(super) struct OfficialListPage {
    layout: Layout,
    council: Council,
    lists: Vec<(Constituency, Vec<Nominee>)>,
}

pub(super) async fn official_list(
    State(state): State<AppState>,
    layout: Layout,
    user: CurrentUser,
    Path(id): Path<i64>,
) -> AppResult<OfficialListPage> {
    let (council, _) = readable(&state, &user, id).await?;
    let nominees = crate::candidates::nominees(&state.pool, Some(id), None).await?;
    let lists = crate::candidates::constituencies(&state.pool, id)
        .await?
        .into_iter()
        .filter(|k| k.list_published_on.is_some())
        .map(|k| {
            let on: Vec<Nominee> = nominees
                .iter()
                .filter(|n| n.stage == "official" && n.is_in() && n.constituency_id == Some(k.id))
                .cloned()
                .collect();
            (k, on)
        })
        .collect();
    Ok(OfficialListPage {
        layout,
        council,
        lists,
    })
}

/// The columns of every list: the posted list's, then where the nominee stands.
const HEADERS: [&str; 17] = [
    "Họ và tên",
    "Ngày sinh",
    "Giới tính",
    "Quê quán",
    "Nơi ở hiện nay",
    "Dân tộc",
    "Tôn giáo",
    "Trình độ học vấn, chuyên môn",
    "Nghề nghiệp, chức vụ",
    "Nơi công tác",
    "Ngày vào Đảng",
    "Đại biểu đương nhiệm",
    "Nơi giới thiệu",
    "Nhận hồ sơ lúc",
    "Bước",
    "Lý do",
    "Đơn vị bầu cử",
];

/// Every nominee the user may see, as XLSX or CSV: all of them for those who handle the council,
/// the official list for others.
pub(super) async fn download(
    State(state): State<AppState>,
    layout: Layout,
    user: CurrentUser,
    Path((id, file)): Path<(i64, String)>,
) -> AppResult<Response> {
    let (_, extension) = file.rsplit_once('.').ok_or(AppError::NotFound)?;
    let page = council_page(&state, layout, &user, id, Fields::new()).await?;
    let rows = page
        .nominees
        .iter()
        .map(|n| {
            vec![
                Cell::text(n.full_name.clone()),
                Cell::text(n.birth_text()),
                Cell::text(n.gender_label()),
                Cell::text(n.hometown.clone()),
                Cell::text(n.residence.clone()),
                Cell::text(n.ethnicity.clone()),
                Cell::text(n.religion.clone()),
                Cell::text(n.education.clone()),
                Cell::text(n.occupation.clone()),
                Cell::text(n.workplace.clone()),
                Cell::text(n.party_text()),
                Cell::text(if n.current_deputy { "có" } else { "" }),
                Cell::text(n.nominator_text()),
                Cell::text(n.received_text()),
                Cell::text(n.stage_label()),
                Cell::optional_text(n.left_reason.clone()),
                Cell::optional_text(n.constituency_name.clone()),
            ]
        })
        .collect();
    let table = Table {
        name: "Nguoi ung cu",
        headers: HEADERS.to_vec(),
        rows,
    };
    table.download("nguoi-ung-cu", extension)
}

// ---------------------------------------------------------------------------------------------
// Printed records of the process: each conference's list, and a voter meeting's minutes
