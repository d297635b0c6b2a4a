//! A unit's population and voters: entered on its page, imported for a district, reconciled
//! against its parent; its kind and terrain changed by the province with a reason.

use crate::helpers::{TestApp, refused_beside};

async fn audited(app: &TestApp, action: &str) -> i64 {
    sqlx::query_scalar("SELECT count(*) FROM audit_log WHERE action = $1")
        .bind(action)
        .fetch_one(&app.db.pool)
        .await
        .unwrap()
}

async fn figures_of(app: &TestApp, level: &str, code: i32) -> (Option<i32>, Option<i32>) {
    sqlx::query_as("SELECT population, voters FROM units WHERE level = $1 AND gso_code = $2")
        .bind(level)
        .bind(code)
        .fetch_one(&app.db.pool)
        .await
        .unwrap()
}

#[tokio::test]
async fn a_district_officer_enters_a_communes_figures_with_their_source() {
    let app = TestApp::signed_in("huyen").await;
    let path = "/units/commune/6895/figures";
    let no_source = app
        .submit(path, &[("population", "10.460"), ("voters", "7.112")])
        .await;
    let page = refused_beside(no_source, "Cần ghi ngày và văn bản nguồn của số liệu.").await;
    assert!(page.contains("name=\"population\" value=\"10.460\""));
    let too_many = app
        .submit(
            path,
            &[
                ("population", "1.000"),
                ("voters", "1.200"),
                ("as_of", "2020-12-31"),
                ("source", "Báo cáo của Chi cục Thống kê"),
            ],
        )
        .await;
    refused_beside(too_many, "Số cử tri 1.200 lớn hơn dân số 1.000.").await;
    assert_eq!(
        audited(&app, "unit.figures_set").await,
        0,
        "nothing refused is written"
    );

    let good = [
        ("population", "10.460"),
        ("voters", "7.112"),
        ("as_of", "2020-12-31"),
        ("source", "Báo cáo số 12/BC-CTK"),
    ];
    assert_eq!(app.submit(path, &good).await.status(), 303);
    assert_eq!(
        figures_of(&app, "commune", 6895).await,
        (Some(10_460), Some(7_112))
    );
    let (_, page) = app.page("/units/commune/6895").await;
    assert!(page.contains("Báo cáo số 12/BC-CTK (31/12/2020)"));
    // The same figures again change nothing and leave no second record.
    app.submit(path, &good).await;
    assert_eq!(audited(&app, "unit.figures_set").await, 1);
    let after: serde_json::Value =
        sqlx::query_scalar("SELECT after FROM audit_log WHERE action = 'unit.figures_set'")
            .fetch_one(&app.db.pool)
            .await
            .unwrap();
    assert_eq!(after["population"], 10_460);
    assert_eq!(after["source"], "Báo cáo số 12/BC-CTK");

    // Another district's commune is out of reach.
    let other = app.as_user("huyen.khac").await;
    assert_eq!(other.submit(path, &good).await.status(), 404);
}

#[tokio::test]
async fn the_province_changes_a_units_kind_and_terrain_with_a_reason() {
    let app = TestApp::signed_in("tinh").await;
    let path = "/units/district/200/kind";
    let no_reason = app
        .submit(path, &[("division_type", "huyện"), ("terrain", "island")])
        .await;
    refused_beside(no_reason, "Lý do: cần nhập.").await;
    let wrong = app
        .submit(
            path,
            &[
                ("division_type", "phường"),
                ("terrain", "island"),
                ("reason", "x"),
            ],
        )
        .await;
    refused_beside(wrong, "Loại đơn vị không hợp lệ.").await;
    let saved = app
        .submit(
            path,
            &[
                ("division_type", "huyện"),
                ("terrain", "island"),
                ("reason", "Theo Quyết định 861/QĐ-TTg"),
            ],
        )
        .await;
    assert_eq!(saved.status(), 303);
    let terrain: String =
        sqlx::query_scalar("SELECT terrain FROM units WHERE level = 'district' AND gso_code = 200")
            .fetch_one(&app.db.pool)
            .await
            .unwrap();
    assert_eq!(terrain, "island");
    let after: serde_json::Value =
        sqlx::query_scalar("SELECT after FROM audit_log WHERE action = 'unit.kind_set'")
            .fetch_one(&app.db.pool)
            .await
            .unwrap();
    assert_eq!(after["reason"], "Theo Quyết định 861/QĐ-TTg");
}

#[tokio::test]
async fn the_reconciliation_sets_each_parent_beside_its_children() {
    let app = TestApp::signed_in("tinh").await;
    let (status, page) = app.page("/units/province/22/reconcile").await;
    assert_eq!(status, 200);
    // Quảng Ninh's localities add up to 49,203 fewer people than the province's own figure.
    assert!(page.contains("<td class=\"num\">1.320.324</td><td class=\"num\">1.271.121</td><td class=\"num\">+49.203</td>"), "{page}");
    assert!(page.contains("href=\"/units/district/200\""));
}

const HEADER: &str = "Cấp,Mã đơn vị,Tên đơn vị,Dân số,Số cử tri,Ngày số liệu,Nguồn số liệu";

async fn upload(app: &TestApp, unit: &str, csv: String) -> (u16, String) {
    let path = format!("/units/{unit}/import-figures");
    crate::helpers::upload(app, &path, "dan-so.csv", csv.into_bytes()).await
}

#[tokio::test]
async fn a_district_imports_its_communes_figures_all_or_nothing() {
    let app = TestApp::signed_in("huyen").await;
    let good = [
        HEADER,
        "Xã,6895,Thị trấn Đầm Hà,10.460,7.112,31/12/2020,Báo cáo số 12/BC-CTK",
        "Xã,6898,Xã Quảng Lâm,4.120,2.950,31/12/2020,Báo cáo số 12/BC-CTK",
        "Huyện,200,Huyện Đầm Hà,,,,",
    ]
    .join("\n");
    let bad = [
        HEADER,
        "Xã,6895,Thị trấn Đầm Hà,10.460,7.112,31/12/2020,Báo cáo số 12/BC-CTK",
        "Xã,6898,Xã Quảng Lâm,\"4,5\",2.950,31/12/2020,Báo cáo số 12/BC-CTK",
        "Xã,2002,Xã Cao Sơn,3.000,2.000,31/12/2020,Báo cáo",
        "Tỉnh,22,Tỉnh Quảng Ninh,1.320.324,,31/12/2020,Báo cáo",
        "Xã,6901,Xã Quảng An,5.000,3.000,,",
    ]
    .join("\n");
    let (status, page) = upload(&app, "district/200", bad).await;
    assert_eq!(status, 422);
    assert!(
        page.contains("Tệp có 4 lỗi — chưa ghi gì vào hệ thống"),
        "{page}"
    );
    assert!(page.contains("đơn vị mã 2002 không thuộc đơn vị đang nhập"));
    assert!(
        page.contains("đơn vị mã 22 không thuộc đơn vị đang nhập"),
        "the province is above the district"
    );
    assert!(page.contains("cần ghi ngày và văn bản nguồn của số liệu"));
    assert_eq!(
        figures_of(&app, "commune", 6895).await.0,
        None,
        "nothing written"
    );

    let (status, page) = upload(&app, "district/200", good.clone()).await;
    assert_eq!(status, 200, "{page}");
    assert!(
        page.contains("Đã đọc 3 dòng; số liệu của 2 đơn vị thay đổi."),
        "{page}"
    );
    assert_eq!(
        figures_of(&app, "commune", 6898).await,
        (Some(4_120), Some(2_950))
    );
    let records = audited(&app, "unit.figures_set").await;
    assert_eq!(records, 2);
    // The same file again changes nothing.
    let (_, page) = upload(&app, "district/200", good).await;
    assert!(page.contains("Đã đọc 3 dòng; số liệu của 0 đơn vị thay đổi."));
    assert_eq!(audited(&app, "unit.figures_set").await, records);

    // A file for another district is refused row by row, and a commune officer may not import.
    let other = app.as_user("huyen.khac").await;
    let foreign = [HEADER, "Xã,6895,Thị trấn Đầm Hà,1,1,31/12/2020,x"].join("\n");
    let (status, page) = upload(&other, "district/201", foreign).await;
    assert_eq!(status, 422);
    assert!(page.contains("đơn vị mã 6895 không thuộc đơn vị đang nhập"));
    let commune = app.as_user("xa.damha").await;
    let (status, _) = upload(&commune, "commune/6895", [HEADER].join("\n")).await;
    assert_eq!(status, 403);
}
