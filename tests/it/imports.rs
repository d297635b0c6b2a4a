//! Importing polling areas with their groups and members, and the export that round-trips.

use crate::helpers::TestApp;

const HEADER: &str = "Mã xã,Tên xã,Số khu vực,Tên khu vực,Địa điểm,Số cử tri,Loại khu vực,Họ và tên thành viên,Chức danh,Chức vụ,Điện thoại";

fn good_csv() -> String {
    [
        HEADER,
        "6895,Thị trấn Đầm Hà,1,Khu phố 1,Nhà văn hóa khu phố 1,1200,Thông thường,Nguyễn Văn An,Tổ trưởng,Trưởng khu phố,0912 345 678",
        "6895,Thị trấn Đầm Hà,1,Khu phố 1,Nhà văn hóa khu phố 1,1200,Thông thường,Trần Thị Bình,Thư ký,Cán bộ văn hóa,",
        "6895,Thị trấn Đầm Hà,2,Khu phố 2,Trường tiểu học,950,,Lê Văn Cường,Tổ trưởng,,",
        "6898,Xã Quảng Lâm,1,Thôn Mố Kiệc,Nhà văn hóa thôn,420,Vùng sâu vùng xa,Hoàng Văn Dũng,Thành viên,,",
    ]
    .join("\n")
}

async fn upload(app: &TestApp, unit: &str, name: &str, bytes: Vec<u8>) -> (u16, String) {
    crate::helpers::upload(app, &format!("/units/{unit}/import"), name, bytes).await
}

async fn counts(app: &TestApp) -> (i64, i64, i64) {
    sqlx::query_as(
        "SELECT (SELECT count(*) FROM polling_areas), (SELECT count(*) FROM bodies WHERE kind = 'polling_group'),
                (SELECT count(*) FROM body_members)",
    )
    .fetch_one(&app.db.pool)
    .await
    .unwrap()
}

async fn fingerprint(app: &TestApp) -> String {
    sqlx::query_scalar(
        "SELECT concat_ws('|', (SELECT md5(string_agg(p::text, ',' ORDER BY id)) FROM polling_areas p),
                               (SELECT md5(string_agg(m::text, ',' ORDER BY id)) FROM body_members m),
                               (SELECT count(*) FROM audit_log WHERE action = 'polling_areas.imported'))",
    )
    .fetch_one(&app.db.pool)
    .await
    .unwrap()
}

#[tokio::test]
async fn a_good_file_imports_and_the_same_file_again_changes_nothing() {
    let app = TestApp::signed_in("huyen").await;
    let (status, page) = upload(&app, "district/200", "khu-vuc.csv", good_csv().into_bytes()).await;
    assert_eq!(status, 200, "{page}");
    assert!(
        page.contains("Đã nhập: 3 khu vực mới, 0 khu vực cập nhật, 4 thành viên mới"),
        "{page}"
    );
    assert_eq!(counts(&app).await, (3, 3, 4), "every area has its group");
    let before = fingerprint(&app).await;

    let (_, page) = upload(&app, "district/200", "khu-vuc.csv", good_csv().into_bytes()).await;
    assert!(page.contains(
        "Đã nhập: 0 khu vực mới, 0 khu vực cập nhật, 0 thành viên mới, 0 thành viên cập nhật"
    ));
    assert_eq!(fingerprint(&app).await, before, "nothing changed");

    let changed = good_csv().replace(",950,", ",980,");
    let (_, page) = upload(&app, "district/200", "khu-vuc.csv", changed.into_bytes()).await;
    assert!(page.contains("0 khu vực mới, 1 khu vực cập nhật"));
}

#[tokio::test]
async fn a_file_with_errors_writes_nothing_and_lists_every_error() {
    let app = TestApp::signed_in("huyen").await;
    let bad = [
        HEADER,
        "6895,,1,Khu phố 1,,1200,,Nguyễn Văn An,Tổ trưởng,,",
        "9999,,2,Khu phố 2,,abc,,,,,",
        "6895,,3,Khu phố 3,,700,Sân bay,Lê C,Giám đốc,,0912-abc",
        "6895,,1,Khu phố 1,,1300,,Trần B,,,",
        "6914,,1,Ngoài huyện,,500,,,,,",
    ]
    .join("\n");
    let (status, page) = upload(&app, "district/200", "loi.csv", bad.into_bytes()).await;
    assert_eq!(status, 422);
    for expected in [
        "xã mã 9999 không thuộc đơn vị đang nhập",
        "Số cử tri: \"abc\" không phải một số đếm",
        "\"Sân bay\" không phải loại khu vực bỏ phiếu",
        "\"Giám đốc\" không phải chức danh",
        "\"0912-abc\" không phải số điện thoại",
        "khu vực số 1 đã ghi khác ở dòng 2",
    ] {
        assert!(page.contains(expected), "{expected}");
    }
    assert!(
        page.contains("<td class=\"num\">3</td><td>Số cử tri</td>"),
        "row and column given"
    );
    assert_eq!(counts(&app).await, (0, 0, 0), "all or nothing");
}

#[tokio::test]
async fn a_windows_encoded_csv_is_recognised() {
    let app = TestApp::signed_in("xa.damha").await;
    let text = good_csv().lines().take(3).collect::<Vec<_>>().join("\r\n");
    let bytes = baucu::imports::read::encode_windows_1258(&text);
    let (status, page) = upload(&app, "commune/6895", "khu-vuc.csv", bytes).await;
    assert_eq!(status, 200, "{page}");
    assert!(page.contains("Windows-1258"));
    let name: String =
        sqlx::query_scalar("SELECT full_name FROM body_members WHERE role = 'chair'")
            .fetch_one(&app.db.pool)
            .await
            .unwrap();
    assert_eq!(name, "Nguyễn Văn An", "Vietnamese letters intact, in NFC");
}

#[tokio::test]
async fn a_commune_imports_only_its_own_areas() {
    let app = TestApp::signed_in("xa.damha").await;
    let (status, page) = upload(&app, "commune/6895", "khu-vuc.csv", good_csv().into_bytes()).await;
    assert_eq!(status, 422);
    assert!(page.contains("xã mã 6898 không thuộc đơn vị đang nhập"));
    let other = app.as_user("xa.khac").await;
    let (status, _) = upload(
        &other,
        "commune/6895",
        "khu-vuc.csv",
        good_csv().into_bytes(),
    )
    .await;
    assert_eq!(status, 404);
}

#[tokio::test]
async fn an_xlsx_with_formulas_and_a_merged_title_imports() {
    use rust_xlsxwriter::{Format, Formula, Workbook};
    let mut workbook = Workbook::new();
    let sheet = workbook.add_worksheet();
    sheet
        .merge_range(
            0,
            0,
            0,
            10,
            "DANH SÁCH KHU VỰC BỎ PHIẾU",
            &Format::new().set_bold(),
        )
        .unwrap();
    for (col, header) in HEADER.split(',').enumerate() {
        sheet.write_string(1, col as u16, header).unwrap();
    }
    sheet.write_number(2, 0, 6895).unwrap();
    sheet.write_number(2, 2, 1).unwrap();
    sheet.write_string(2, 3, "Khu phố 1").unwrap();
    sheet
        .write_formula(2, 5, Formula::new("=600+600").set_result("1200"))
        .unwrap();
    sheet.write_string(2, 7, "Nguyễn Văn An").unwrap();
    sheet.write_string(2, 8, "Tổ trưởng").unwrap();
    let bytes = workbook.save_to_buffer().unwrap();

    let app = TestApp::signed_in("xa.damha").await;
    let (status, page) = upload(&app, "commune/6895", "khu-vuc.xlsx", bytes).await;
    assert_eq!(status, 200, "{page}");
    let voters: i32 = sqlx::query_scalar("SELECT voters FROM polling_areas")
        .fetch_one(&app.db.pool)
        .await
        .unwrap();
    assert_eq!(voters, 1200, "the formula's value");
}

#[tokio::test]
async fn the_export_opens_and_round_trips_through_import() {
    let app = TestApp::signed_in("huyen").await;
    upload(&app, "district/200", "khu-vuc.csv", good_csv().into_bytes()).await;
    let before = fingerprint(&app).await;
    for extension in ["xlsx", "csv"] {
        let response = app
            .get(&format!(
                "/units/district/200/export/polling-areas.{extension}"
            ))
            .await;
        assert_eq!(response.status(), 200);
        let bytes = response.bytes().await.unwrap().to_vec();
        if extension == "csv" {
            assert!(bytes.starts_with(b"\xEF\xBB\xBF"));
        } else {
            let mut workbook =
                calamine::open_workbook_auto_from_rs(std::io::Cursor::new(bytes.clone())).unwrap();
            use calamine::Reader;
            let range = workbook.worksheet_range_at(0).unwrap().unwrap();
            assert_eq!(range.get_size().0, 5, "a header and four member rows");
        }
        let (status, page) =
            upload(&app, "district/200", &format!("export.{extension}"), bytes).await;
        assert_eq!(status, 200, "{page}");
        assert!(page.contains(
            "0 khu vực mới, 0 khu vực cập nhật, 0 thành viên mới, 0 thành viên cập nhật"
        ));
    }
    assert_eq!(fingerprint(&app).await, before);
}

#[tokio::test]
async fn lists_download_as_xlsx_and_csv_with_formulas_neutralised() {
    let app = TestApp::signed_in("huyen").await;
    let body: i64 = sqlx::query_scalar(
        "SELECT b.id FROM bodies b JOIN units u ON u.id = b.unit_id WHERE u.gso_code = 200 AND b.kind = 'election_committee'",
    )
    .fetch_one(&app.db.pool)
    .await
    .unwrap();
    app.submit(
        &format!("/bodies/{body}/members"),
        &[("full_name", "=HYPERLINK(\"x\")"), ("role", "member")],
    )
    .await;
    let csv = app.get("/units/district/200/export/members.csv").await;
    let text = csv.text().await.unwrap();
    assert!(text.contains("'=HYPERLINK"), "{text}");
    for list in ["bodies", "members", "constituencies", "polling-areas"] {
        let response = app
            .get(&format!("/units/district/200/export/{list}.xlsx"))
            .await;
        assert_eq!(response.status(), 200, "{list}");
        assert!(
            response.headers()["content-disposition"]
                .to_str()
                .unwrap()
                .ends_with(".xlsx\"")
        );
        let bytes = response.bytes().await.unwrap();
        assert!(bytes.starts_with(b"PK"), "an XLSX file");
    }
    let template = app.get("/import/polling-areas-template.xlsx").await;
    assert_eq!(template.status(), 200);
}

/// The peak memory of this process so far, in kB (`VmHWM` in `/proc/self/status`).
fn peak_memory_kb() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap();
    let line = status.lines().find(|l| l.starts_with("VmHWM:")).unwrap();
    line.split_whitespace().nth(1).unwrap().parse().unwrap()
}

/// A tiny XLSX whose only cells are A1 and the last cell of Excel's last row: the server reads
/// what the file holds and stops at the row limit, with its memory flat, instead of building the
/// grid between the two corners (a billion cells).
#[tokio::test]
async fn a_sparse_sheet_naming_a_far_corner_is_refused_with_memory_flat() {
    let app = TestApp::signed_in("huyen").await;
    let mut workbook = rust_xlsxwriter::Workbook::new();
    let sheet = workbook.add_worksheet();
    sheet.write_string(0, 0, "Mã xã").unwrap();
    sheet.write_string(1_048_575, 16_383, "x").unwrap();
    let bytes = workbook.save_to_buffer().unwrap();
    assert!(bytes.len() < 10_000, "{} bytes", bytes.len());

    let before = peak_memory_kb();
    let (status, page) = upload(&app, "district/200", "thua.xlsx", bytes).await;
    let grown_mb = (peak_memory_kb() - before) / 1024;
    assert_eq!(status, 422);
    assert!(
        page.contains("Tệp có dữ liệu ở dòng 1.048.576, quá giới hạn 20.000 dòng"),
        "{page}"
    );
    assert!(grown_mb < 50, "the peak grew by {grown_mb} MB");
    assert_eq!(counts(&app).await, (0, 0, 0));
}
