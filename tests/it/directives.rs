//! Agencies, meetings and their directives: the seeded 27/01/2021 review, recording a meeting,
//! directives to an agency and to every district, answers, review, conflicts and follow-up.

use crate::helpers::{TestApp, location, refused_beside};

async fn scalar(app: &TestApp, sql: &str) -> i64 {
    sqlx::query_scalar(sqlx::AssertSqlSafe(sql.to_string()))
        .fetch_one(&app.db.pool)
        .await
        .unwrap_or_else(|e| panic!("{sql}: {e}"))
}

async fn item_of(app: &TestApp, agency: &str) -> (i64, i32) {
    sqlx::query_as(
        "SELECT i.id, i.version FROM directive_items i JOIN agencies a ON a.id = i.agency_id
          WHERE a.name = $1 ORDER BY i.id LIMIT 1",
    )
    .bind(agency)
    .fetch_one(&app.db.pool)
    .await
    .unwrap()
}

#[tokio::test]
async fn the_seed_holds_the_online_review_of_27_january_with_its_sites_and_directives() {
    let app = TestApp::signed_in("bcd").await;
    let meeting = scalar(&app, "SELECT id FROM meetings").await;
    let (status, page) = app.page(&format!("/meetings/{meeting}")).await;
    assert_eq!(status, 200);
    assert_eq!(
        scalar(&app, "SELECT count(*) FROM meeting_sites").await,
        14,
        "the province and its 13 localities connected"
    );
    assert!(page.contains("Điểm cầu Huyện Đầm Hà") && page.contains("Chủ tịch UBND tỉnh"));
    assert!(page.contains("Kết luận, chỉ đạo (5)"));
    assert!(page.contains("Tham mưu, đề xuất kinh phí tổ chức bầu cử"));
    assert!(
        page.contains("Phối hợp: Sở Nội vụ"),
        "Finance leads, Home Affairs supports"
    );
    assert!(
        page.contains("0/13 nơi đã xong"),
        "polling groups and the rest: one item for each district"
    );
    assert!(
        !page.contains("Ghi một chỉ đạo"),
        "the steering committee reads, not records"
    );
    assert_eq!(app.submit("/meetings", &[]).await.status(), 403);

    // The province's dashboard and brief count them by assignee, the oldest due first.
    let (_, dashboard) = app.page("/dashboard").await;
    let section = &dashboard[dashboard.find("id=\"directives\"").expect("a section")..];
    let finance = section
        .find("<td>Sở Tài chính</td><td>1</td>")
        .expect("Finance's row");
    let police = section
        .find("<td>Công an tỉnh</td><td>1</td>")
        .expect("the police's row");
    assert!(finance < police, "due 10/02 before 23/05");
    let (_, brief) = app.page("/brief").await;
    let annex = &brief[brief.find("id=\"annex-3\"").expect("annex 3")..];
    assert!(
        annex.contains("Phụ lục 3. Chỉ đạo chưa hoàn thành (17)"),
        "{annex}"
    );
    assert!(annex.contains("Tham mưu, đề xuất kinh phí tổ chức bầu cử"));
}

#[tokio::test]
async fn an_agency_officer_answers_its_directive_and_the_province_reviews_it() {
    let app = TestApp::seeded().await;
    // An agency officer lands on what its agency must do.
    let browser = app.other_browser();
    let login = browser.login("sotaichinh", crate::helpers::PASSWORD).await;
    assert_eq!(location(&login), "/directives");
    let finance = app.as_user("sotaichinh").await;
    let (_, open) = finance.page("/directives").await;
    assert!(
        open.contains("Tham mưu, đề xuất kinh phí tổ chức bầu cử"),
        "{open}"
    );
    assert!(
        !open.contains("Bảo đảm an ninh"),
        "another agency's directive"
    );
    let (item, version) = item_of(&app, "Sở Tài chính").await;
    let path = format!("/directive-items/{item}");

    // "Done" needs the document that answers the directive.
    let bare = finance
        .submit(
            &path,
            &[("version", &version.to_string()), ("status", "done")],
        )
        .await;
    refused_beside(
        bare,
        "Để ghi \"Đã xong\" cần số và ngày của văn bản trả lời chỉ đạo.",
    )
    .await;
    let answer = [
        ("version", version.to_string()),
        ("status", "done".to_string()),
        ("evidence_number", "125/TTr-STC".to_string()),
        ("evidence_date", "26/01/2021".to_string()),
        ("evidence_signer", "Giám đốc Sở Tài chính".to_string()),
    ];
    let answer: Vec<(&str, &str)> = answer.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let saved = finance.submit(&path, &answer).await;
    assert_eq!(saved.status(), 303);
    // The same form again, from the version it was drawn at: someone saved first.
    let stale = finance.submit(&path, &answer).await;
    assert_eq!(stale.status(), 409);

    // Another agency's directive is not its to answer; the police's stays as it was.
    let (police, police_version) = item_of(&app, "Công an tỉnh").await;
    let refused = finance
        .submit(
            &format!("/directive-items/{police}"),
            &[
                ("version", &police_version.to_string()),
                ("status", "in_progress"),
            ],
        )
        .await;
    assert_eq!(refused.status(), 303);
    assert_eq!(item_of(&app, "Công an tỉnh").await.1, police_version);
    // It edits nothing else.
    assert_eq!(finance.submit("/meetings", &[]).await.status(), 403);
    assert_eq!(finance.get("/agencies").await.status(), 403);

    // The province returns it with a comment, then approves the corrected answer.
    let province = app.as_user("tinh").await;
    let version = item_of(&app, "Sở Tài chính").await.1.to_string();
    let bare = province
        .submit(&format!("{path}/return"), &[("version", &version)])
        .await;
    refused_beside(bare, "Cần ghi ý kiến khi trả lại.").await;
    let returned = province
        .submit(
            &format!("{path}/return"),
            &[("version", &version), ("comment", "Thiếu dự toán chi tiết")],
        )
        .await;
    assert_eq!(returned.status(), 303, "{}", returned.text().await.unwrap());
    let (_, open) = finance.page("/directives").await;
    assert!(open.contains("Tỉnh trả lại"));
    let version = item_of(&app, "Sở Tài chính").await.1.to_string();
    let mut again = answer.clone();
    again[0] = ("version", version.as_str());
    assert_eq!(finance.submit(&path, &again).await.status(), 303);
    let version = item_of(&app, "Sở Tài chính").await.1.to_string();
    assert_eq!(
        province
            .submit(&format!("{path}/approve"), &[("version", &version)])
            .await
            .status(),
        303
    );
    let review: String = sqlx::query_scalar("SELECT review FROM directive_items WHERE id = $1")
        .bind(item)
        .fetch_one(&app.db.pool)
        .await
        .unwrap();
    assert_eq!(review, "approved");
    let actions: Vec<String> = sqlx::query_scalar(
        "SELECT action FROM audit_log WHERE object_type = 'directive_item' AND object_id = $1 ORDER BY id",
    )
    .bind(item)
    .fetch_all(&app.db.pool)
    .await
    .unwrap();
    assert_eq!(
        actions,
        [
            "directive.updated",
            "directive.returned",
            "directive.updated",
            "directive.approved"
        ]
    );
    let history = scalar(
        &app,
        &format!("SELECT count(*) FROM directive_events WHERE item_id = {item}"),
    )
    .await;
    assert_eq!(history, 4);
    let (_, page) = province.page(&path).await;
    assert!(page.contains("Tỉnh trả lại: Thiếu dự toán chi tiết"));
    // Its list, with every recorded field, as officials keep it in a spreadsheet.
    let csv = finance.get("/directives/chi-dao.csv").await;
    assert_eq!(csv.headers()["content-type"], "text/csv; charset=utf-8");
    let csv = csv.text().await.unwrap();
    assert!(csv.contains("Số văn bản") && csv.contains("Ý kiến của tỉnh"));
    let row = csv
        .lines()
        .find(|l| l.contains("125/TTr-STC"))
        .expect("the answered directive");
    assert!(
        row.contains("Giám đốc Sở Tài chính") && row.contains("Tỉnh đã duyệt"),
        "{row}"
    );
    let xlsx = finance.get("/directives/chi-dao.xlsx").await;
    assert!(
        xlsx.bytes().await.unwrap().starts_with(b"PK"),
        "an XLSX file"
    );
}

#[tokio::test]
async fn a_new_meeting_starts_from_the_open_directives_and_fans_one_out_to_every_district() {
    let app = TestApp::signed_in("tinh").await;
    let refused = app
        .submit(
            "/meetings",
            &[
                ("kind", "steering_committee"),
                ("day", "31/02/2021"),
                ("chair", "Trưởng ban"),
                ("subject", "Giao ban"),
            ],
        )
        .await;
    refused_beside(
        refused,
        "Ngày \"31/02/2021\" không hợp lệ; ghi theo dạng ngày/tháng/năm.",
    )
    .await;
    let created = app
        .submit(
            "/meetings",
            &[
                ("kind", "steering_committee"),
                ("day", "10/02/2021"),
                ("time", "14:00"),
                ("chair", "Trưởng Ban chỉ đạo"),
                ("subject", "Giao ban Ban chỉ đạo tháng 2"),
                ("sites", "Phòng họp tỉnh: Thành viên Ban chỉ đạo"),
            ],
        )
        .await;
    assert_eq!(created.status(), 303);
    let meeting = location(&created);
    let (_, page) = app.page(&meeting).await;
    assert!(
        page.contains("Chỉ đạo còn mở từ các cuộc họp trước (17)"),
        "4 agencies' and 13 districts' items of 27/01: {page}"
    );

    let before = scalar(&app, "SELECT count(*) FROM directive_items").await;
    let finance = scalar(&app, "SELECT id FROM agencies WHERE name = 'Sở Tài chính'").await;
    let home = scalar(&app, "SELECT id FROM agencies WHERE name = 'Sở Nội vụ' AND unit_id = (SELECT id FROM units WHERE level = 'province' AND gso_code = 22)").await;
    let foreign = app
        .submit(
            &format!("{meeting}/directives"),
            &[
                ("body", "Rà soát danh sách cử tri"),
                ("due", "20/03/2021"),
                ("lead", "agency:999999"),
            ],
        )
        .await;
    refused_beside(foreign, "Chọn cơ quan hoặc đơn vị chủ trì.").await;
    let to_finance = app
        .submit(
            &format!("{meeting}/directives"),
            &[
                ("body", "Hoàn thành phân bổ kinh phí cho các địa phương"),
                ("due", "28/02/2021"),
                ("lead", &format!("agency:{finance}")),
                ("supporters", &format!("agency:{home}")),
            ],
        )
        .await;
    assert_eq!(to_finance.status(), 303);
    let to_districts = app
        .submit(
            &format!("{meeting}/directives"),
            &[
                ("body", "Rà soát, niêm yết danh sách cử tri"),
                ("due", "13/04/2021"),
                ("lead", "districts"),
            ],
        )
        .await;
    assert_eq!(to_districts.status(), 303);
    assert_eq!(
        scalar(&app, "SELECT count(*) FROM directive_items").await,
        before + 1 + 13
    );

    // A district answers its own part; the roll-up counts it.
    let district_item = scalar(
        &app,
        "SELECT i.id FROM directive_items i JOIN directives d ON d.id = i.directive_id
           JOIN units u ON u.id = i.unit_id
          WHERE d.body = 'Rà soát, niêm yết danh sách cử tri' AND u.gso_code = 200",
    )
    .await;
    let huyen = app.as_user("huyen").await;
    let answered = huyen
        .submit(
            &format!("/directive-items/{district_item}"),
            &[
                ("version", "1"),
                ("status", "done"),
                ("evidence_number", "45/BC-UBND"),
                ("evidence_date", "27/01/2021"),
            ],
        )
        .await;
    assert_eq!(answered.status(), 303);
    let (_, page) = app.page(&meeting).await;
    assert!(page.contains("1/13 nơi đã xong"), "{page}");
    // Another district cannot answer it.
    let other = app.as_user("huyen.khac").await;
    let other_item = scalar(
        &app,
        "SELECT i.id FROM directive_items i JOIN directives d ON d.id = i.directive_id
           JOIN units u ON u.id = i.unit_id
          WHERE d.body = 'Rà soát, niêm yết danh sách cử tri' AND u.gso_code = 200",
    )
    .await;
    let (status, _) = other.page(&format!("/directive-items/{other_item}")).await;
    assert_eq!(status, 404, "another district's part is out of its scope");

    // The province's open directives, by assignee, the oldest first.
    let (_, open) = app.page("/directives").await;
    let finance_at = open
        .find("<h2>Sở Tài chính (2)</h2>")
        .expect("Finance's two items");
    let budget = open[finance_at..]
        .find("Tham mưu, đề xuất kinh phí")
        .unwrap();
    let allocation = open[finance_at..]
        .find("Hoàn thành phân bổ kinh phí")
        .unwrap();
    assert!(budget < allocation, "oldest first");
}

#[tokio::test]
async fn a_meeting_keeps_its_minutes_checked_by_content() {
    let app = TestApp::signed_in("tinh").await;
    let meeting = scalar(&app, "SELECT id FROM meetings").await;
    let path = format!("/meetings/{meeting}/documents");
    let (status, _) = crate::helpers::upload(&app, &path, "lệnh.exe", b"MZ\x90\x00".to_vec()).await;
    assert_eq!(status, 303, "refused with a word, nothing kept");
    assert_eq!(
        scalar(&app, "SELECT count(*) FROM meeting_documents").await,
        0
    );
    let (status, _) = crate::helpers::upload(
        &app,
        &path,
        "Biên bản họp 27-01.pdf",
        b"%PDF-1.7 minutes".to_vec(),
    )
    .await;
    assert_eq!(status, 303);
    let (_, page) = app.page(&format!("/meetings/{meeting}")).await;
    let document = scalar(&app, "SELECT id FROM meeting_documents").await;
    assert!(page.contains(&format!(
        "<a href=\"/meeting-documents/{document}\">Biên bản họp 27-01.pdf</a>"
    )));
    let download = app
        .as_user("bcd")
        .await
        .get(&format!("/meeting-documents/{document}"))
        .await;
    assert_eq!(download.headers()["content-type"], "application/pdf");
    assert_eq!(&download.bytes().await.unwrap()[..], b"%PDF-1.7 minutes");
    let (status, _) = app
        .as_user("tinh.khac")
        .await
        .page(&format!("/meeting-documents/{document}"))
        .await;
    assert_eq!(status, 404, "another province");
    let audited = scalar(
        &app,
        "SELECT count(*) FROM audit_log WHERE action = 'meeting.document_added'",
    )
    .await;
    assert_eq!(audited, 1);
}

#[tokio::test]
async fn a_meetings_conclusions_are_imported_from_a_spreadsheet_all_or_nothing() {
    let app = TestApp::signed_in("tinh").await;
    let meeting = scalar(&app, "SELECT min(id) FROM meetings").await;
    let path = format!("/meetings/{meeting}/directives-import");
    let (status, page) = app.page(&path).await;
    assert_eq!(status, 200);
    assert!(
        page.contains("Sở Tài chính"),
        "the names a file may use are listed"
    );
    let before = scalar(&app, "SELECT count(*) FROM directive_items").await;
    let created = "SELECT count(*) FROM audit_log WHERE action = 'directive.created'";
    let created_before = scalar(&app, created).await;

    let header = "Nội dung chỉ đạo,Chủ trì,Phối hợp,Hạn hoàn thành\n";
    let bad = format!(
        "{header}In phiếu bầu,Sở Không Có,,15/04/2021\nRà soát danh sách cử tri,Mọi huyện,,31/02/2021\nTuyên truyền,Sở Nội vụ,Sở Ma,01/03/2021\n"
    );
    let (status, page) = crate::helpers::upload(&app, &path, "chi-dao.csv", bad.into_bytes()).await;
    assert_eq!(status, 422);
    assert!(
        page.contains("Tệp có 3 lỗi — chưa ghi gì vào hệ thống"),
        "{page}"
    );
    assert!(page.contains("\"Sở Không Có\" không phải cơ quan hay đơn vị"));
    assert!(page.contains("không có trong danh sách của cuộc họp: Sở Ma"));
    assert_eq!(
        scalar(&app, "SELECT count(*) FROM directive_items").await,
        before
    );

    let good = format!(
        "{header}In phiếu bầu và tài liệu,Sở Tài chính,Sở Nội vụ; Sở Thông tin và Truyền thông,15/04/2021\nRà soát danh sách cử tri,\"UBND các huyện, thị xã, thành phố\",,20/04/2021\n"
    );
    let (status, page) =
        crate::helpers::upload(&app, &path, "chi-dao.csv", good.clone().into_bytes()).await;
    assert_eq!(status, 200, "{page}");
    assert!(page.contains("Đã đọc 2 dòng; thêm 2 chỉ đạo."), "{page}");
    assert_eq!(
        scalar(&app, "SELECT count(*) FROM directive_items").await,
        before + 1 + 13,
        "one item for Finance, one for each of the 13 districts"
    );
    assert_eq!(
        scalar(
            &app,
            "SELECT count(*) FROM directive_supporters s JOIN directives d ON d.id = s.directive_id
              WHERE d.body = 'In phiếu bầu và tài liệu'"
        )
        .await,
        2
    );
    assert_eq!(scalar(&app, created).await, created_before + 2);
    // The same file again adds nothing.
    let (_, page) = crate::helpers::upload(&app, &path, "chi-dao.csv", good.into_bytes()).await;
    assert!(page.contains("thêm 0 chỉ đạo"), "{page}");
    assert_eq!(scalar(&app, created).await, created_before + 2);
    // Only the province's officers import; a district is refused.
    let district = app.as_user("huyen").await;
    assert_eq!(district.get(&path).await.status(), 403);
}
