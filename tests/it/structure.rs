//! The election's structure: bodies and members with the law's checks, the seat totals, and the
//! "Kiểm tra" panel.

use crate::helpers::{TestApp, location};

/// The id of the seeded election committee of Huyện Đầm Hà and its version.
pub(crate) async fn dam_ha_committee(app: &TestApp) -> (i64, i32) {
    sqlx::query_as(
        "SELECT b.id, b.version FROM bodies b JOIN units u ON u.id = b.unit_id
          WHERE u.level = 'district' AND u.gso_code = 200 AND b.kind = 'election_committee'",
    )
    .fetch_one(&app.db.pool)
    .await
    .unwrap()
}

async fn add_member(app: &TestApp, body: i64, name: &str, role: &str) -> reqwest::Response {
    app.submit(
        &format!("/bodies/{body}/members"),
        &[
            ("full_name", name),
            ("role", role),
            ("phone", "0912 345 678"),
        ],
    )
    .await
}

#[tokio::test]
async fn a_committee_becomes_established_when_its_members_fit_the_law() {
    let app = TestApp::signed_in("huyen").await;
    let (body, version) = dam_ha_committee(&app).await;
    let saved = app
        .submit(
            &format!("/bodies/{body}"),
            &[
                ("name", "Ủy ban bầu cử huyện Đầm Hà"),
                ("decision_number", "125/QĐ-UBND"),
                ("decision_date", "2021-01-25"),
                ("decision_signer", "Chủ tịch UBND huyện"),
                ("reported_member_count", ""),
                ("version", &version.to_string()),
            ],
        )
        .await;
    assert_eq!(saved.status(), 303);
    let (_, page) = app.page(&format!("/bodies/{body}")).await;
    // Founded by its decision, its members to come: a warning until they are entered.
    assert!(
        page.contains("đã có quyết định thành lập, chưa nhập danh sách thành viên"),
        "a decision and no members yet"
    );

    assert_eq!(
        add_member(&app, body, "Nguyễn Văn Chủ", "chair")
            .await
            .status(),
        303
    );
    // The second chair is refused in words beside the role, with the name kept.
    let second_chair = add_member(&app, body, "Trần Thị Hai", "chair").await;
    let page = crate::helpers::refused_beside(
        second_chair,
        "Tổ chức đã có trưởng ban; mỗi tổ chức chỉ có một trưởng ban.",
    )
    .await;
    assert!(page.contains("name=\"full_name\" value=\"Trần Thị Hai\""));

    for i in 1..=9 {
        add_member(&app, body, &format!("Thành viên số {i}"), "member").await;
    }
    let (_, page) = app.page(&format!("/bodies/{body}")).await;
    assert!(
        page.contains("10 thành viên, ngoài khoảng 11–15"),
        "a district committee has 11 to 15"
    );
    // Said at save time as a warning, never under a plain "saved", and beside the member count.
    assert!(
        page.contains(
            "<p class=\"notice warning\" role=\"status\">Đã thêm Thành viên số 9. Nhưng chưa đúng luật: \
             10 thành viên, ngoài khoảng 11–15 luật định. Tổ chức này là vi phạm trong mục Kiểm tra cho đến khi sửa."
        ),
        "{page}"
    );
    assert!(page.contains(
        "<span class=\"field-warning\" role=\"note\">10 thành viên, ngoài khoảng 11–15 luật định</span>"
    ));
    let (_, unit) = app.page("/units/district/200").await;
    assert!(
        unit.contains("10 thành viên, ngoài khoảng 11–15 luật định"),
        "shown in the unit's checks too"
    );

    add_member(&app, body, "Thành viên số 10", "member").await;
    let (_, unit) = app.page("/units/district/200").await;
    assert!(!unit.contains("ngoài khoảng 11–15"));
    assert!(unit.contains("✓ Đã thành lập"));

    let members: i64 = sqlx::query_scalar("SELECT count(*) FROM body_members WHERE body_id = $1")
        .bind(body)
        .fetch_one(&app.db.pool)
        .await
        .unwrap();
    assert_eq!(members, 11);
    let audited: i64 =
        sqlx::query_scalar("SELECT count(*) FROM audit_log WHERE action = 'member.added'")
            .fetch_one(&app.db.pool)
            .await
            .unwrap();
    assert_eq!(audited, 11, "every change audited");
}

#[tokio::test]
async fn a_decision_dated_after_today_is_refused() {
    let app = TestApp::signed_in("huyen").await;
    let (body, version) = dam_ha_committee(&app).await;
    let response = app
        .submit(
            &format!("/bodies/{body}"),
            &[
                ("name", "Ủy ban bầu cử huyện Đầm Hà"),
                ("decision_date", "2021-01-28"),
                ("version", &version.to_string()),
            ],
        )
        .await;
    assert_eq!(response.status(), 422);
    assert!(
        response
            .text()
            .await
            .unwrap()
            .contains("là ngày trong tương lai (hôm nay là 27/01/2021)")
    );
    let (_, saved): (i64, i32) = dam_ha_committee(&app).await;
    assert_eq!(saved, version, "nothing changed");
}

#[tokio::test]
async fn the_later_of_two_edits_gets_a_conflict_and_keeps_what_it_typed() {
    let app = TestApp::seeded().await;
    let first = app.as_user("huyen").await;
    let second = app.as_user("tinh").await;
    let (body, version) = dam_ha_committee(&app).await;
    let version = version.to_string();
    let edit = async |browser: &TestApp, number: &str| {
        browser
            .submit(
                &format!("/bodies/{body}"),
                &[
                    ("name", "Ủy ban bầu cử huyện Đầm Hà"),
                    ("decision_number", number),
                    ("version", &version),
                ],
            )
            .await
    };
    assert_eq!(edit(&first, "1/QĐ-UBND").await.status(), 303);
    let late = edit(&second, "2/QĐ-UBND").await;
    assert_eq!(late.status(), 409);
    let page = late.text().await.unwrap();
    assert!(
        page.contains("vừa được người khác sửa") && page.contains("1/QĐ-UBND"),
        "the fresh data"
    );
    assert!(
        page.contains("value=\"2/QĐ-UBND\""),
        "what the second person typed is kept"
    );
    let stored: String = sqlx::query_scalar("SELECT decision_number FROM bodies WHERE id = $1")
        .bind(body)
        .fetch_one(&app.db.pool)
        .await
        .unwrap();
    assert_eq!(stored, "1/QĐ-UBND", "not overwritten");
}

#[tokio::test]
async fn officers_touch_only_bodies_in_their_scope_even_by_editing_ids() {
    let app = TestApp::seeded().await;
    let (body, version) = dam_ha_committee(&app).await;
    let other_district = app.as_user("huyen.khac").await;
    let response = other_district
        .submit(
            &format!("/bodies/{body}"),
            &[("name", "Bị sửa"), ("version", &version.to_string())],
        )
        .await;
    assert_eq!(response.status(), 404);
    assert_eq!(other_district.page(&format!("/bodies/{body}")).await.0, 404);
    let commune = app.as_user("xa.damha").await;
    assert_eq!(
        commune.page(&format!("/bodies/{body}")).await.0,
        200,
        "reads its district's bodies"
    );
    let response = commune
        .submit(
            &format!("/bodies/{body}/members"),
            &[("full_name", "X"), ("role", "member")],
        )
        .await;
    assert_eq!(response.status(), 404, "but does not change them");
    let steering = app.as_user("bcd").await;
    let response = steering
        .submit(
            &format!("/bodies/{body}/members"),
            &[("full_name", "X"), ("role", "member")],
        )
        .await;
    assert_eq!(response.status(), 403);
    let (_, page) = steering.page(&format!("/bodies/{body}")).await;
    assert!(
        !page.contains("Thêm thành viên"),
        "no edit control for a steering member"
    );
    let members: i64 = sqlx::query_scalar("SELECT count(*) FROM body_members")
        .fetch_one(&app.db.pool)
        .await
        .unwrap();
    assert_eq!(members, 0);
}

#[tokio::test]
async fn a_commune_officer_sets_up_the_communes_committee_and_dissolves_it() {
    let app = TestApp::signed_in("xa.damha").await;
    let created = app
        .submit(
            "/units/commune/6895/bodies",
            &[
                ("kind", "election_committee"),
                ("name", "Ủy ban bầu cử thị trấn Đầm Hà"),
                ("decision_date", "2021-01-26"),
            ],
        )
        .await;
    let body_path = location(&created);
    assert!(body_path.starts_with("/bodies/"), "{body_path}");
    let again = app
        .submit(
            "/units/commune/6895/bodies",
            &[("kind", "election_committee"), ("name", "Bản thứ hai")],
        )
        .await;
    // One live committee per unit: refused beside the kind, with the name kept.
    let page = crate::helpers::refused_beside(
        again,
        "Đơn vị đã có tổ chức loại này; hãy sửa tổ chức đang có.",
    )
    .await;
    assert!(page.contains("name=\"name\" value=\"Bản thứ hai\""));
    let (_, page) = app.page(&body_path).await;
    assert!(
        page.contains("9–11"),
        "a commune committee has 9 to 11 members"
    );
    let dissolved = app
        .submit(
            &format!("{body_path}/dissolve"),
            &[("reason", "Thành lập lại")],
        )
        .await;
    assert_eq!(location(&dissolved), "/units/commune/6895");
    assert_eq!(app.page(&body_path).await.0, 404);
}

#[tokio::test]
async fn the_checks_panel_shows_what_breaks_the_law_and_what_does_not_add_up() {
    let app = TestApp::signed_in("tinh").await;
    let (_, province) = app.page("/units/province/22").await;
    assert!(province.contains("Kiểm tra"));
    // Quảng Ninh's locality populations do not add up to the province total.
    assert!(
        province.contains("dân số các đơn vị trực thuộc cộng lại là 1.271.121, khác 1.320.324"),
        "{province}"
    );
    // The seat formula, with its working, and the NA seats as entered.
    assert!(province.contains("50 + ⌊(1.320.324 − 500.000) / 50.000⌋ = 66"));
    assert!(province.contains("chưa có đơn vị bầu cử"));
    let (_, ha_long) = app.page("/units/district/193").await;
    assert!(
        ha_long.contains("do Ủy ban Thường vụ Quốc hội quyết định"),
        "33 communes"
    );
    let (_, dam_ha) = app.page("/units/district/200").await;
    assert!(
        dam_ha.contains("38.100 dân ≤ 40.000: 30"),
        "a mountainous district of 38,100 people"
    );

    // A commune officer reading the district sees nothing about sibling communes.
    let commune = app.as_user("xa.damha").await;
    let (_, district) = commune.page("/units/district/200").await;
    assert!(
        !district.contains("</strong> · Xã Quảng Lâm"),
        "a sibling commune's findings stay hidden"
    );
    assert!(
        district.contains("</strong> · Thị trấn Đầm Hà"),
        "its own commune's are shown"
    );
}

#[tokio::test]
async fn search_ignores_accents_and_stays_within_scope() {
    let app = TestApp::signed_in("huyen").await;
    let (body, _) = dam_ha_committee(&app).await;
    add_member(&app, body, "Nguyễn Thị Hoà", "chair").await;
    let (_, page) = app.page("/search?q=dam+ha").await;
    assert!(
        page.contains("Huyện Đầm Hà")
            && page.contains("Thị trấn Đầm Hà")
            && page.contains("Xã Đầm Hà")
    );
    assert!(page.contains("Ủy ban bầu cử huyện Đầm Hà"), "bodies too");
    let (_, page) = app.page("/search?q=nguyen").await;
    assert!(page.contains("Nguyễn Thị Hoà"), "members too");
    let (_, page) = app.page("/search?q=Mong+Cai").await;
    assert!(
        !page.contains("Thành phố Móng Cái"),
        "another district is outside the officer's scope"
    );
    let admin = app.as_user("admin").await;
    let (_, page) = admin.page("/search?q=mong+cai").await;
    assert!(page.contains("Thành phố Móng Cái"));
}

#[tokio::test]
async fn every_body_kind_and_level_gets_its_legal_range() {
    let app = TestApp::seeded().await;
    // One body of each kind the law sizes, built directly in the database.
    sqlx::raw_sql(
        "INSERT INTO bodies (election_id, kind, unit_id, name)
           SELECT e.id, 'election_committee', u.id, 'UBBC ' || u.level FROM elections e, units u
            WHERE (u.level, u.gso_code) IN (('commune', 6895));
         INSERT INTO constituencies (council_id, race_id, number, name, seats)
           SELECT c.id, c.race_id, 1, r.kind, 1 FROM councils c JOIN races r ON r.id = c.race_id
             JOIN units u ON u.id = c.unit_id
            WHERE (r.kind, u.gso_code) IN (('na', 22), ('province_council', 22), ('district_council', 200),
                                           ('commune_council', 6895));
         INSERT INTO bodies (election_id, kind, unit_id, race_id, constituency_id, name)
           SELECT r.election_id, 'election_board', c.unit_id, k.race_id, k.id, 'BBC ' || r.kind
             FROM constituencies k JOIN councils c ON c.id = k.council_id JOIN races r ON r.id = k.race_id;
         INSERT INTO polling_areas (election_id, commune_id, number, name, voters, kind)
           SELECT e.id, u.id, n, 'KV ' || n, 500, CASE n WHEN 1 THEN 'ordinary' ELSE 'armed_forces' END
             FROM elections e, units u, generate_series(1, 2) n WHERE u.level = 'commune' AND u.gso_code = 6895;
         INSERT INTO bodies (election_id, kind, unit_id, polling_area_id, name)
           SELECT p.election_id, 'polling_group', p.commune_id, p.id, 'TBC ' || p.kind FROM polling_areas p;",
    )
    .execute(&app.db.pool)
    .await
    .unwrap();
    let election: i64 = sqlx::query_scalar("SELECT id FROM elections")
        .fetch_one(&app.db.pool)
        .await
        .unwrap();
    let province: i64 =
        sqlx::query_scalar("SELECT id FROM units WHERE level = 'province' AND gso_code = 22")
            .fetch_one(&app.db.pool)
            .await
            .unwrap();
    let bodies = baucu::bodies::summaries(&app.db.pool, election, province, false)
        .await
        .unwrap();
    let range = |name: &str| {
        let body = bodies
            .iter()
            .find(|b| b.name == name)
            .unwrap_or_else(|| panic!("{name}"));
        body.range_text()
    };
    assert_eq!(range("Ủy ban bầu cử tỉnh Quảng Ninh"), "21–31");
    assert_eq!(range("Ủy ban bầu cử huyện Đầm Hà"), "11–15");
    assert_eq!(range("UBBC commune"), "9–11");
    assert_eq!(range("BBC na"), "9–15");
    assert_eq!(range("BBC province_council"), "11–13");
    assert_eq!(range("BBC district_council"), "9–11");
    assert_eq!(range("BBC commune_council"), "7–9");
    assert_eq!(range("TBC ordinary"), "11–21");
    assert_eq!(range("TBC armed_forces"), "5–9");
    assert_eq!(
        range("Ban chỉ đạo bầu cử tỉnh Quảng Ninh"),
        "không quy định"
    );
}

#[tokio::test]
async fn an_hdnd_constituency_elects_at_most_five() {
    let app = TestApp::signed_in("huyen").await;
    let council: i64 = sqlx::query_scalar(
        "SELECT c.id FROM councils c JOIN units u ON u.id = c.unit_id JOIN races r ON r.id = c.race_id
          WHERE u.gso_code = 200 AND r.kind = 'district_council'",
    )
    .fetch_one(&app.db.pool)
    .await
    .unwrap();
    let path = format!("/councils/{council}/constituencies");
    let six = app.submit(&path, &[("number", "1"), ("seats", "6")]).await;
    crate::helpers::refused_beside(
        six,
        "Mỗi đơn vị bầu cử của cuộc bầu cử này được bầu không quá 5 đại biểu.",
    )
    .await;
    let five = app.submit(&path, &[("number", "1"), ("seats", "5")]).await;
    assert!(
        app.page(&location(&five))
            .await
            .1
            .contains("Đã thêm đơn vị bầu cử số 1")
    );
}

/// A committee's members pasted from a spreadsheet: every row checked, all or nothing, the same
/// rows again change nothing, and the size is judged on the whole list.
#[tokio::test]
async fn members_pasted_from_a_spreadsheet_are_all_or_nothing() {
    let app = TestApp::signed_in("huyen").await;
    let (body, _) = dam_ha_committee(&app).await;
    let path = format!("/bodies/{body}/members/paste");
    let listed = || async {
        sqlx::query_scalar::<_, i64>("SELECT count(*) FROM body_members WHERE body_id = $1")
            .bind(body)
            .fetch_one(&app.db.pool)
            .await
            .unwrap()
    };
    let bad =
        "Nguyễn Văn An\tTrưởng ban\tChủ tịch\tUBND huyện\t0912 345 678\nTrần Thị Bình\tThủ quỹ";
    let refused = app.submit(&path, &[("rows", bad)]).await;
    assert_eq!(refused.status(), 422);
    let page = refused.text().await.unwrap().replace("&#34;", "\"");
    assert!(
        page.contains("Dòng 2: \"Thủ quỹ\" không phải chức danh trong tổ chức"),
        "{page}"
    );
    assert!(
        page.contains("Nguyễn Văn An\tTrưởng ban"),
        "the pasted text is kept"
    );
    assert_eq!(listed().await, 0, "nothing written");

    let mut rows =
        vec!["Nguyễn Văn An\tTrưởng ban\tChủ tịch\tUBND huyện\t0912 345 678".to_string()];
    rows.extend((1..=10).map(|i| format!("Thành viên số {i}\t\tCán bộ\tUBND huyện")));
    let good = rows.join("\n");
    let saved = app.submit(&path, &[("rows", good.as_str())]).await;
    assert_eq!(saved.status(), 303);
    assert_eq!(listed().await, 11);
    let (_, page) = app.page(&format!("/bodies/{body}")).await;
    assert!(
        page.contains("11 thành viên") || page.contains(">11<"),
        "counted once: 11 of 11–15"
    );
    assert!(!page.contains("Vi phạm"), "a whole list within the range");
    // The same list again changes nothing and leaves no record.
    let before: i64 =
        sqlx::query_scalar("SELECT count(*) FROM audit_log WHERE action = 'members.imported'")
            .fetch_one(&app.db.pool)
            .await
            .unwrap();
    app.submit(&path, &[("rows", good.as_str())]).await;
    let after: i64 =
        sqlx::query_scalar("SELECT count(*) FROM audit_log WHERE action = 'members.imported'")
            .fetch_one(&app.db.pool)
            .await
            .unwrap();
    assert_eq!((before, after, listed().await), (1, 1, 11));
}

/// A committee's members imported from a file: the template itself imports, columns are found by
/// their headers in any order, a bad row is named by its spreadsheet row, and nothing is written
/// unless every row is well.
#[tokio::test]
async fn members_imported_from_an_xlsx_file_are_all_or_nothing() {
    use crate::helpers::upload;
    let app = TestApp::signed_in("huyen").await;
    let (body, _) = dam_ha_committee(&app).await;
    let path = format!("/bodies/{body}/members/import");
    let listed = || async {
        sqlx::query_scalar::<_, String>(
            "SELECT full_name FROM body_members WHERE body_id = $1 ORDER BY full_name",
        )
        .bind(body)
        .fetch_all(&app.db.pool)
        .await
        .unwrap()
    };
    let template = app.get("/import/members-template.xlsx").await;
    assert_eq!(template.status(), 200);
    let template = template.bytes().await.unwrap().to_vec();
    let (status, _) = upload(&app, &path, "mau.xlsx", template).await;
    assert_eq!(status, 303, "the template imports as it is");
    assert_eq!(listed().await, ["Nguyễn Văn An"]);

    let sheet = |bad: bool| {
        let mut workbook = rust_xlsxwriter::Workbook::new();
        let sheet = workbook.add_worksheet();
        sheet.write_string(0, 0, "DANH SÁCH ỦY BAN BẦU CỬ").unwrap();
        for (col, header) in [
            "Điện thoại",
            "HỌ VÀ TÊN",
            "Chức danh trong tổ chức",
            "Chức vụ",
        ]
        .iter()
        .enumerate()
        {
            sheet.write_string(1, col as u16, *header).unwrap();
        }
        for i in 0..11u32 {
            let role = if bad && i == 4 { "Thủ quỹ" } else { "" };
            sheet.write_string(2 + i, 0, "0912 000 000").unwrap();
            sheet
                .write_string(2 + i, 1, format!("Thành viên số {}", i + 1))
                .unwrap();
            sheet.write_string(2 + i, 2, role).unwrap();
            sheet.write_string(2 + i, 3, "Cán bộ").unwrap();
        }
        workbook.save_to_buffer().unwrap()
    };
    let (status, page) = upload(&app, &path, "uy-ban.xlsx", sheet(true)).await;
    assert_eq!(status, 422);
    assert!(
        page.contains("Dòng 7: \"Thủ quỹ\" không phải chức danh trong tổ chức"),
        "the row as the spreadsheet numbers it: {page}"
    );
    assert_eq!(listed().await.len(), 1, "nothing written");
    let (status, _) = upload(&app, &path, "uy-ban.xlsx", sheet(false)).await;
    assert_eq!(status, 303);
    assert_eq!(listed().await.len(), 12);
    let (status, _) = upload(&app, &path, "uy-ban.xlsx", sheet(false)).await;
    assert_eq!(status, 303);
    assert_eq!(
        listed().await.len(),
        12,
        "the same file again changes nothing"
    );
    let (status, page) = upload(&app, &path, "trong.csv", b"x".to_vec()).await;
    assert_eq!(status, 422);
    assert!(page.contains("Họ và tên"), "{page}");
}
