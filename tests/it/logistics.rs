//! Polling-place logistics: recorded area by area, rolled up to communes, districts and the
//! province equal to a recount after random updates.

use baucu::polling::logistics::{self, ITEMS};

use crate::helpers::{TestApp, refused_beside};

/// Polling areas for the communes of Đầm Hà district, `per_commune` each; their ids.
async fn areas(app: &TestApp, per_commune: i32) -> Vec<i64> {
    sqlx::query_scalar(
        "INSERT INTO polling_areas (election_id, commune_id, number, name, voters)
         SELECT e.id, u.id, n, 'Khu vực ' || n, 400 + 37 * n
           FROM elections e, units u, generate_series(1, $1) n
          WHERE u.parent_id = (SELECT id FROM units WHERE level = 'district' AND gso_code = 200)
         RETURNING id",
    )
    .bind(per_commune)
    .fetch_all(&app.db.pool)
    .await
    .unwrap()
}

#[tokio::test(flavor = "multi_thread")]
async fn readiness_rolled_up_equals_a_recount_after_random_updates() {
    let app = TestApp::seeded().await;
    let ids = areas(&app, 2).await;
    assert!(ids.len() >= 10);
    let huyen = app.as_user("huyen").await;
    let races: Vec<i64> = sqlx::query_scalar("SELECT id FROM races ORDER BY id")
        .fetch_all(&app.db.pool)
        .await
        .unwrap();
    // A small deterministic generator, so that a failure can be replayed.
    let mut seed: u64 = 20_210_523;
    let mut next = move || {
        seed = seed.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
        (seed >> 33) as u32
    };
    for round in 0..3 {
        for id in &ids {
            let area = logistics::area(&app.state.pool, *id)
                .await
                .unwrap()
                .unwrap();
            let mut fields: Vec<(String, String)> =
                vec![("version".into(), area.version.to_string())];
            for name in [
                "voter_list_posted_on",
                "candidate_lists_posted_on",
                "boxes_ready_on",
                "seals_ready_on",
                "decoration_ready_on",
                "loudspeaker_ready_on",
                "rehearsal_on",
            ] {
                if next() % 2 == 0 {
                    fields.push((name.into(), "26/01/2021".into()));
                }
            }
            fields.push(("ballot_boxes_main".into(), (next() % 3).to_string()));
            fields.push(("ballot_boxes_aux".into(), (next() % 2).to_string()));
            for race in &races {
                if next() % 4 != 0 {
                    // Sometimes short of the reserve, sometimes enough.
                    let received = area.needed() - 1 + i64::from(next() % 3);
                    fields.push((format!("ballots_{race}"), received.to_string()));
                    fields.push((format!("ballots_on_{race}"), "25/01/2021".into()));
                }
            }
            let fields: Vec<(&str, &str)> = fields
                .iter()
                .map(|(k, v)| (k.as_str(), v.as_str()))
                .collect();
            let saved = huyen
                .submit(&format!("/polling-areas/{id}/logistics"), &fields)
                .await;
            assert_eq!(saved.status(), 303, "round {round}, area {id}");
        }
    }

    // The recount: each area's own readiness, summed by commune.
    let district: i64 =
        sqlx::query_scalar("SELECT id FROM units WHERE level = 'district' AND gso_code = 200")
            .fetch_one(&app.db.pool)
            .await
            .unwrap();
    let election: i64 = sqlx::query_scalar("SELECT id FROM elections")
        .fetch_one(&app.db.pool)
        .await
        .unwrap();
    let rolled = logistics::readiness(&app.state.pool, election, district)
        .await
        .unwrap();
    let mut recounted: std::collections::HashMap<i64, Vec<i64>> = std::collections::HashMap::new();
    for id in &ids {
        let area = logistics::area(&app.state.pool, *id)
            .await
            .unwrap()
            .unwrap();
        let commune = *area.commune_ancestors.last().unwrap();
        let counts = recounted
            .entry(commune)
            .or_insert_with(|| vec![0; ITEMS.len()]);
        for (count, ready) in counts.iter_mut().zip(area.ready()) {
            *count += i64::from(ready);
        }
    }
    let mut some_ready = 0;
    for row in &rolled {
        assert_eq!(row.areas, 2, "{}", row.name);
        assert_eq!(row.ready, recounted[&row.unit_id], "{}", row.name);
        some_ready += row.ready.iter().sum::<i64>();
    }
    assert!(some_ready > 0, "the updates made something ready");
    // The province's view counts the district as the sum of its communes.
    let province: i64 =
        sqlx::query_scalar("SELECT id FROM units WHERE level = 'province' AND gso_code = 22")
            .fetch_one(&app.db.pool)
            .await
            .unwrap();
    let up = logistics::readiness(&app.state.pool, election, province)
        .await
        .unwrap();
    let dam_ha = up.iter().find(|r| r.unit_id == district).unwrap();
    let sums: Vec<i64> = (0..ITEMS.len())
        .map(|i| rolled.iter().map(|r| r.ready[i]).sum())
        .collect();
    assert_eq!(dam_ha.ready, sums);
    let (status, page) = huyen.page("/logistics?unit=district:200").await;
    assert_eq!(status, 200);
    assert!(
        page.contains(&format!("<th class=\"num\">{}</th>", ids.len())),
        "the total of areas"
    );
    let csv = huyen
        .get("/logistics/hau-can.csv?unit=district:200")
        .await
        .text()
        .await
        .unwrap();
    assert_eq!(
        csv.lines().count(),
        1 + rolled.len(),
        "a header and a row per commune"
    );
}

#[tokio::test]
async fn a_commune_records_its_polling_place_and_a_stale_form_is_refused() {
    let app = TestApp::signed_in("xa.damha").await;
    let ids = areas(&app, 1).await;
    let area: i64 = sqlx::query_scalar(
        "SELECT a.id FROM polling_areas a JOIN units u ON u.id = a.commune_id WHERE u.gso_code = 6895",
    )
    .fetch_one(&app.db.pool)
    .await
    .unwrap();
    assert!(ids.contains(&area));
    let path = format!("/polling-areas/{area}/logistics");
    let (status, page) = app.page(&path).await;
    assert_eq!(status, 200);
    assert!(
        page.contains("cần 459 phiếu mỗi cuộc bầu cử (dự phòng 5%)"),
        "437 voters and 5%: {page}"
    );
    let bad = app
        .submit(&path, &[("version", "0"), ("rehearsal_on", "31/02/2021")])
        .await;
    refused_beside(
        bad,
        "Ngày \"31/02/2021\" không hợp lệ; ghi theo dạng ngày/tháng/năm.",
    )
    .await;
    let saved = app
        .submit(
            &path,
            &[
                ("version", "0"),
                ("place", "Nhà văn hóa khu phố 1"),
                ("place_type", "cultural_house"),
                ("accessible", "1"),
                ("voter_list_posted_on", "26/01/2021"),
            ],
        )
        .await;
    assert_eq!(saved.status(), 303);
    let stale = app
        .submit(&path, &[("version", "0"), ("rehearsal_on", "26/01/2021")])
        .await;
    assert_eq!(stale.status(), 409);
    let (_, page) = app.page(&path).await;
    assert!(
        page.contains("value=\"Nhà văn hóa khu phố 1\"")
            && page.contains("✓</span> Niêm yết danh sách cử tri")
    );
    let audited: i64 =
        sqlx::query_scalar("SELECT count(*) FROM audit_log WHERE action = 'logistics.updated'")
            .fetch_one(&app.db.pool)
            .await
            .unwrap();
    assert_eq!(audited, 1);
    // Another commune's officer neither records nor reads it.
    let (status, _) = app.as_user("xa.khac").await.page(&path).await;
    assert_eq!(status, 404);
}

#[tokio::test]
async fn a_district_imports_its_areas_logistics_all_or_nothing_and_its_own_file_round_trips() {
    let app = TestApp::signed_in("huyen").await;
    let ids = areas(&app, 2).await;
    let audited = |app: &TestApp| {
        let pool = app.db.pool.clone();
        async move {
            sqlx::query_scalar::<_, i64>(
                "SELECT count(*) FROM audit_log WHERE action = 'logistics.updated'",
            )
            .fetch_one(&pool)
            .await
            .unwrap()
        }
    };
    // The file to fill in: every area of the district, one row each.
    let listed = app
        .get("/logistics-import/hau-can-tung-khu-vuc.csv")
        .await
        .text()
        .await
        .unwrap();
    assert_eq!(listed.lines().count(), 1 + ids.len(), "{listed}");

    let header = "Mã xã,Số khu vực,Địa điểm,Loại địa điểm,Niêm phong,Hòm phiếu chính,Hòm phiếu phụ,Ngày đủ hòm phiếu,Phiếu ĐBQH,Ngày nhận phiếu ĐBQH\n";
    let bad = format!(
        "{header}6895,9,Trường tiểu học,Trường học,,,,,,\n6895,1,Nhà văn hóa,Nhà văn hóa,28/01/2021,1,1,26/01/2021,,\n"
    );
    let (status, page) =
        crate::helpers::upload(&app, "/logistics-import", "hau-can.csv", bad.into_bytes()).await;
    assert_eq!(status, 422);
    assert!(
        page.contains("Tệp có 2 lỗi — chưa ghi gì vào hệ thống"),
        "{page}"
    );
    assert!(page.contains("không có khu vực số \"9\" của xã mã \"6895\""));
    assert_eq!(audited(&app).await, 0, "nothing written");

    let good = format!(
        "{header}6895,1,Nhà văn hóa khu 1,Nhà văn hóa,25/01/2021,1,1,26/01/2021,500,25/01/2021\n6898,2,Trường tiểu học,trường học,,2,1,26/01/2021,,\n"
    );
    let (status, page) = crate::helpers::upload(
        &app,
        "/logistics-import",
        "hau-can.csv",
        good.clone().into_bytes(),
    )
    .await;
    assert_eq!(status, 200, "{page}");
    assert!(
        page.contains("Đã đọc 2 dòng; 2 khu vực bỏ phiếu thay đổi."),
        "{page}"
    );
    let (place, seals, main): (String, Option<chrono::NaiveDate>, i32) = sqlx::query_as(
        "SELECT l.place, l.seals_ready_on, l.ballot_boxes_main FROM polling_logistics l
           JOIN polling_areas a ON a.id = l.polling_area_id JOIN units u ON u.id = a.commune_id
          WHERE u.gso_code = 6895 AND a.number = 1",
    )
    .fetch_one(&app.db.pool)
    .await
    .unwrap();
    assert_eq!(place, "Nhà văn hóa khu 1");
    assert_eq!(seals, chrono::NaiveDate::from_ymd_opt(2021, 1, 25));
    assert_eq!(main, 1);
    let ballots: i64 = sqlx::query_scalar("SELECT sum(received)::bigint FROM polling_ballots")
        .fetch_one(&app.db.pool)
        .await
        .unwrap();
    assert_eq!(ballots, 500, "the one race the file gave");
    assert_eq!(audited(&app).await, 2);

    // The same file again, and the district's own download uploaded back, change nothing.
    let (_, page) =
        crate::helpers::upload(&app, "/logistics-import", "hau-can.csv", good.into_bytes()).await;
    assert!(page.contains("; 0 khu vực bỏ phiếu thay đổi."), "{page}");
    let listed = app
        .get("/logistics-import/hau-can-tung-khu-vuc.xlsx")
        .await
        .bytes()
        .await
        .unwrap();
    let (status, page) =
        crate::helpers::upload(&app, "/logistics-import", "hau-can.xlsx", listed.to_vec()).await;
    assert_eq!(status, 200, "{page}");
    assert!(
        page.contains(&format!(
            "Đã đọc {} dòng; 0 khu vực bỏ phiếu thay đổi.",
            ids.len()
        )),
        "{page}"
    );
    assert_eq!(audited(&app).await, 2);

    // A commune cannot import for its district, nor a steering member at all.
    let commune = app.as_user("xa.damha").await;
    assert_eq!(
        commune
            .get("/logistics-import?unit=district:200")
            .await
            .status(),
        404
    );
    let (_, view) = commune.page("/logistics").await;
    assert!(
        view.contains("Nhập từng khu vực từ tệp"),
        "the commune imports its own"
    );
    let steering = app.as_user("bcd").await;
    let (_, view) = steering.page("/logistics").await;
    assert!(!view.contains("Nhập từng khu vực từ tệp"));
}

#[tokio::test]
async fn the_province_sets_the_ballot_reserve_and_the_areas_need_follows() {
    let app = TestApp::signed_in("tinh").await;
    areas(&app, 1).await;
    let area: i64 = sqlx::query_scalar(
        "SELECT a.id FROM polling_areas a JOIN units u ON u.id = a.commune_id WHERE u.gso_code = 6895",
    )
    .fetch_one(&app.db.pool)
    .await
    .unwrap();
    let (status, page) = app.page("/election/settings").await;
    assert_eq!(status, 200);
    assert!(page.contains("name=\"ballot_reserve_percent\" inputmode=\"numeric\" value=\"5\""));
    let version: String = sqlx::query_scalar("SELECT version::text FROM elections")
        .fetch_one(&app.db.pool)
        .await
        .unwrap();
    let form = |reserve: &'static str, version: &str| {
        vec![
            ("version", version.to_string()),
            ("ballot_reserve_percent", reserve.to_string()),
            ("days_was", "10".to_string()),
            ("days_to_handle", "10".to_string()),
        ]
    };
    let send = |fields: Vec<(&'static str, String)>| {
        let app = &app;
        async move {
            let fields: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
            app.submit("/election/settings", &fields).await
        }
    };
    refused_beside(
        send(form("60", &version)).await,
        "Dự phòng phiếu bầu phải từ 0 đến 50.",
    )
    .await;
    assert_eq!(send(form("10", &version)).await.status(), 303);
    let (_, page) = app.page(&format!("/polling-areas/{area}/logistics")).await;
    assert!(
        page.contains("cần 481 phiếu mỗi cuộc bầu cử (dự phòng 10%)"),
        "437 voters and 10%: {page}"
    );
    // A form drawn before that change is refused, not applied over it.
    assert_eq!(send(form("7", &version)).await.status(), 409);
    let reserve: i32 = sqlx::query_scalar("SELECT ballot_reserve_percent FROM elections")
        .fetch_one(&app.db.pool)
        .await
        .unwrap();
    assert_eq!(reserve, 10);
    let audited: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM audit_log WHERE action = 'election.ballot_reserve_changed'",
    )
    .fetch_one(&app.db.pool)
    .await
    .unwrap();
    assert_eq!(audited, 1);
    // Others read the setting and cannot change it.
    let district = app.as_user("huyen").await;
    assert_eq!(district.page("/election/settings").await.0, 200);
    assert_eq!(
        district
            .submit("/election/settings", &[("ballot_reserve_percent", "0")])
            .await
            .status(),
        403
    );
}
