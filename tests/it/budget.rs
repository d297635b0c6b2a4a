//! The election's budget: each level proposes, the level above approves with its decision, the
//! province's totals by level and locality equal a recount.

use crate::helpers::{TestApp, refused_beside};

async fn id_of(app: &TestApp, sql: &str) -> i64 {
    sqlx::query_scalar(sqlx::AssertSqlSafe(sql.to_string()))
        .fetch_one(&app.db.pool)
        .await
        .unwrap()
}

async fn version_of(app: &TestApp, owner: &str) -> String {
    let (kind, id) = owner.split_once(':').unwrap();
    let column = if kind == "unit" {
        "unit_id"
    } else {
        "agency_id"
    };
    let version: Option<i32> = sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
        "SELECT version FROM budget_lines WHERE {column} = {id}"
    )))
    .fetch_optional(&app.db.pool)
    .await
    .unwrap();
    version.unwrap_or(0).to_string()
}

#[tokio::test]
async fn each_level_proposes_the_level_above_approves_and_the_totals_equal_a_recount() {
    let app = TestApp::seeded().await;
    let district = id_of(
        &app,
        "SELECT id FROM units WHERE level = 'district' AND gso_code = 200",
    )
    .await;
    let commune = id_of(
        &app,
        "SELECT id FROM units WHERE level = 'commune' AND gso_code = 6895",
    )
    .await;
    let finance = id_of(&app, "SELECT id FROM agencies WHERE name = 'Sở Tài chính'").await;
    let district_owner = format!("unit:{district}");
    let commune_owner = format!("unit:{commune}");
    let finance_owner = format!("agency:{finance}");

    // The district proposes its estimate; a malformed amount is refused beside its field.
    let huyen = app.as_user("huyen").await;
    let (status, page) = huyen.page("/budget").await;
    assert_eq!(status, 200);
    assert!(page.contains("Kinh phí bầu cử — Huyện Đầm Hà"));
    let bad = huyen
        .submit(
            "/budget?unit=district:200",
            &[
                ("owner", &district_owner),
                ("version", "0"),
                ("proposed", "1,5 tỷ"),
            ],
        )
        .await;
    refused_beside(
        bad,
        "Dự toán đề xuất: \"1,5 tỷ\" không phải số tiền; viết số đồng như 1250000000 hoặc 1.250.000.000.",
    )
    .await;
    let proposed = huyen
        .submit(
            "/budget?unit=district:200",
            &[
                ("owner", &district_owner),
                ("version", "0"),
                ("proposed", "1.250.000.000"),
                ("proposed_on", "20/01/2021"),
            ],
        )
        .await;
    assert_eq!(proposed.status(), 303);
    // It does not approve its own estimate.
    let version = version_of(&app, &district_owner).await;
    let own = huyen
        .submit(
            "/budget?unit=district:200",
            &[
                ("owner", &district_owner),
                ("version", &version),
                ("proposed", "1.250.000.000"),
                ("proposed_on", "20/01/2021"),
                ("approved", "1.250.000.000"),
                ("approved_on", "21/01/2021"),
                ("approval_decision", "01/QĐ-UBND"),
            ],
        )
        .await;
    refused_beside(own, "Số được duyệt do cấp trên ghi.").await;
    // The commune proposes; the district approves the commune's.
    let xa = app.as_user("xa.damha").await;
    let commune_proposed = xa
        .submit(
            "/budget?unit=commune:6895",
            &[
                ("owner", &commune_owner),
                ("version", "0"),
                ("proposed", "300000000"),
            ],
        )
        .await;
    assert_eq!(commune_proposed.status(), 303);
    // The agency proposes its own.
    let stc = app.as_user("sotaichinh").await;
    let agency_proposed = stc
        .submit(
            "/budget?unit=province:22",
            &[
                ("owner", &finance_owner),
                ("version", "0"),
                ("proposed", "500.000.000"),
            ],
        )
        .await;
    assert_eq!(agency_proposed.status(), 303);

    // The province approves the district's, with its decision.
    let tinh = app.as_user("tinh").await;
    let incomplete = tinh
        .submit(
            "/budget?unit=district:200",
            &[
                ("owner", &district_owner),
                ("version", &version),
                ("proposed", "1.250.000.000"),
                ("proposed_on", "20/01/2021"),
                ("approved", "1.200.000.000"),
            ],
        )
        .await;
    refused_beside(incomplete, "Số được duyệt cần ngày và số quyết định duyệt.").await;
    let approve = [
        ("owner", district_owner.as_str()),
        ("version", version.as_str()),
        ("proposed", "1.250.000.000"),
        ("proposed_on", "20/01/2021"),
        ("approved", "1.200.000.000"),
        ("approved_on", "25/01/2021"),
        ("approval_decision", "125/QĐ-UBND"),
    ];
    assert_eq!(
        tinh.submit("/budget?unit=district:200", &approve)
            .await
            .status(),
        303
    );
    let stale = tinh.submit("/budget?unit=district:200", &approve).await;
    assert_eq!(stale.status(), 409, "a form drawn before the last save");

    // The province's totals by locality and by level equal a recount of the lines.
    let (_, page) = tinh.page("/budget").await;
    let row = &page[page.find(">Huyện Đầm Hà</a>").expect("Đầm Hà's row")..];
    let row = &row[..row.find("</tr>").unwrap()];
    assert!(
        row.contains("<td class=\"num\">1.550.000.000</td><td class=\"num\">1.200.000.000</td>"),
        "the district's and its commune's: {row}"
    );
    assert!(
        row.contains(">1</span>"),
        "the commune's estimate still unapproved: {row}"
    );
    let recount: (i64, i64) = sqlx::query_as(
        "SELECT sum(proposed)::bigint, sum(coalesce(approved, 0))::bigint FROM budget_lines",
    )
    .fetch_one(&app.db.pool)
    .await
    .unwrap();
    assert_eq!(recount, (2_050_000_000, 1_200_000_000));
    let foot = &page[page.find("<tfoot>").unwrap()..];
    assert!(
        foot.contains("2.050.000.000") && foot.contains("1.200.000.000"),
        "{foot}"
    );
    let updates: i64 =
        sqlx::query_scalar("SELECT count(*) FROM audit_log WHERE action = 'budget.updated'")
            .fetch_one(&app.db.pool)
            .await
            .unwrap();
    assert_eq!(updates, 4);

    // The list, as officials keep it.
    let csv = tinh.get("/budget/kinh-phi.csv").await.text().await.unwrap();
    let line = csv
        .lines()
        .find(|l| l.contains("125/QĐ-UBND"))
        .expect("the approved line");
    assert!(
        line.contains("1250000000") && line.contains("1200000000"),
        "{line}"
    );
}

#[tokio::test]
async fn a_district_imports_its_communes_estimates_all_or_nothing() {
    let app = TestApp::signed_in("huyen").await;
    let bad = "Đơn vị,Dự toán đề xuất,Ngày đề xuất\ncommune:6895,\"1,5 tỷ\",20/01/2021\ncommune:999,100,20/01/2021\n";
    let (status, page) = crate::helpers::upload(
        &app,
        "/budget-import",
        "kinh-phi.csv",
        bad.as_bytes().to_vec(),
    )
    .await;
    assert_eq!(status, 422);
    assert!(
        page.contains("Tệp có 2 lỗi — chưa ghi gì vào hệ thống"),
        "{page}"
    );
    assert!(page.contains("\"commune:999\" không phải đơn vị thuộc đơn vị đang nhập"));
    let none: i64 = sqlx::query_scalar("SELECT count(*) FROM budget_lines")
        .fetch_one(&app.db.pool)
        .await
        .unwrap();
    assert_eq!(none, 0, "nothing written");

    let good = "Đơn vị,Dự toán đề xuất,Ngày đề xuất\ncommune:6895,300.000.000,20/01/2021\ncommune:6898,250000000,21/01/2021\n";
    let (status, page) = crate::helpers::upload(
        &app,
        "/budget-import",
        "kinh-phi.csv",
        good.as_bytes().to_vec(),
    )
    .await;
    assert_eq!(status, 200);
    assert!(
        page.contains("Đã đọc 2 dòng; dự toán của 2 đơn vị thay đổi."),
        "{page}"
    );
    let total: i64 = sqlx::query_scalar("SELECT sum(proposed)::bigint FROM budget_lines")
        .fetch_one(&app.db.pool)
        .await
        .unwrap();
    assert_eq!(total, 550_000_000);
    // The same file again changes nothing and writes no audit record.
    let (_, page) = crate::helpers::upload(
        &app,
        "/budget-import",
        "kinh-phi.csv",
        good.as_bytes().to_vec(),
    )
    .await;
    assert!(page.contains("dự toán của 0 đơn vị thay đổi"));
    let audited: i64 =
        sqlx::query_scalar("SELECT count(*) FROM audit_log WHERE action = 'budget.updated'")
            .fetch_one(&app.db.pool)
            .await
            .unwrap();
    assert_eq!(audited, 2);
    // A commune cannot import for its district.
    let commune = app.as_user("xa.damha").await;
    assert_eq!(
        commune
            .get("/budget-import?unit=district:200")
            .await
            .status(),
        404
    );
}
