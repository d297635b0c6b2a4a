//! Candidates through the three consultation conferences, for the People's Council of Đầm Hà
//! district: quotas, dossiers against the 17:00 intake, the preliminary list, voter meetings and
//! questions, the qualified list, the official list refused when it breaks the surplus rule and
//! published when it keeps it, a withdrawal that breaks it flagged, and who sees what.

use chrono::NaiveDate;

use crate::helpers::{Start, TestApp, location, refused_beside};

async fn scalar(app: &TestApp, sql: &str) -> i64 {
    sqlx::query_scalar(sqlx::AssertSqlSafe(sql.to_string()))
        .fetch_one(&app.db.pool)
        .await
        .unwrap_or_else(|e| panic!("{sql}: {e}"))
}

async fn text(app: &TestApp, sql: &str) -> String {
    sqlx::query_scalar(sqlx::AssertSqlSafe(sql.to_string()))
        .fetch_one(&app.db.pool)
        .await
        .unwrap_or_else(|e| panic!("{sql}: {e}"))
}

/// The district's People's Council, with two constituencies: three seats and two.
async fn district_council(app: &TestApp) -> (i64, i64, i64) {
    let council = scalar(
        app,
        "SELECT c.id FROM councils c JOIN units u ON u.id = c.unit_id JOIN races r ON r.id = c.race_id
          WHERE u.level = 'district' AND u.gso_code = 200 AND r.kind = 'district_council'",
    )
    .await;
    let mut ids = Vec::new();
    for (number, seats) in [(1, 3), (2, 2)] {
        ids.push(
            scalar(
                app,
                &format!(
                    "INSERT INTO constituencies (council_id, race_id, number, name, seats)
                     SELECT id, race_id, {number}, 'Đơn vị bầu cử số {number}', {seats} FROM councils
                      WHERE id = {council} RETURNING id"
                ),
            )
            .await,
        );
    }
    (council, ids[0], ids[1])
}

/// A nominee's form: who, nominated by what, received when.
fn nominee<'a>(
    name: &'a str,
    gender: &'a str,
    ethnicity: &'a str,
    quota: &'a str,
    day: &'a str,
    time: &'a str,
) -> Vec<(&'a str, &'a str)> {
    vec![
        ("quota", quota),
        ("received_on", day),
        ("received_time", time),
        ("full_name", name),
        ("birth_date", "12/08/1978"),
        ("gender", gender),
        ("ethnicity", ethnicity),
        ("religion", "Không"),
        ("hometown", "Đầm Hà, Quảng Ninh"),
        ("residence", "Thị trấn Đầm Hà"),
        ("education", "Đại học"),
        ("occupation", "Chuyên viên"),
        ("workplace", "UBND huyện Đầm Hà"),
        ("party_joined_on", "03/02/2005"),
    ]
}

async fn task_of(app: &TestApp, code: &str) -> (String, Option<String>) {
    sqlx::query_as(
        "SELECT t.status, t.evidence_number FROM tasks t JOIN calendar_entries c ON c.id = t.calendar_entry_id
           JOIN units u ON u.id = t.unit_id WHERE c.code = $1 AND u.level = 'district' AND u.gso_code = 200",
    )
    .bind(code)
    .fetch_one(&app.db.pool)
    .await
    .unwrap()
}

#[tokio::test]
async fn a_district_council_goes_from_the_first_conference_to_its_official_lists() {
    let day = NaiveDate::from_ymd_opt(2021, 5, 3).unwrap();
    let app = TestApp::spawn(Start::Seeded, day).await;
    let huyen = app.as_user("huyen").await;
    let (council, first, second) = district_council(&app).await;
    let page = format!("/councils/{council}/candidates");
    let (status, body) = huyen.page(&page).await;
    assert_eq!(status, 200);
    assert!(
        body.contains("Chưa ghi hội nghị hiệp thương nào."),
        "{body}"
    );

    // The conference's task cannot be ticked by hand: it follows the record.
    let (task, version): (i64, i32) = sqlx::query_as(
        "SELECT t.id, t.version FROM tasks t JOIN calendar_entries c ON c.id = t.calendar_entry_id
           JOIN units u ON u.id = t.unit_id WHERE c.code = 'consultation_1' AND u.level = 'district' AND u.gso_code = 200",
    )
    .fetch_one(&app.db.pool)
    .await
    .unwrap();
    let version = version.to_string();
    let ticked = huyen
        .submit(
            &format!("/tasks/{task}"),
            &[
                ("version", version.as_str()),
                ("status", "done"),
                ("evidence_number", "01/BB"),
                ("evidence_date", "17/02/2021"),
                ("evidence_signer", "Chủ tịch"),
            ],
        )
        .await;
    refused_beside(
        ticked,
        "Việc này tự hoàn thành khi ghi hội nghị hiệp thương",
    )
    .await;
    // Nor a commune's on the district's bulk page, nor as work done before the application was in
    // use, which does not offer the entry at all.
    let commune_task = scalar(
        &app,
        "SELECT t.id FROM tasks t JOIN calendar_entries c ON c.id = t.calendar_entry_id
           JOIN units u ON u.id = t.unit_id
          WHERE c.code = 'consultation_1' AND u.level = 'commune' AND u.gso_code = 6895",
    )
    .await;
    let field = |name: &str| format!("{name}_{commune_task}");
    let bulk = huyen
        .submit(
            "/units/district/200/bulk",
            &[
                ("entry", "consultation_1"),
                (field("apply").as_str(), "1"),
                (field("version").as_str(), "1"),
                (field("status").as_str(), "done"),
                (field("number").as_str(), "01/BB"),
                (field("date").as_str(), "17/02/2021"),
                (field("signer").as_str(), "Chủ tịch"),
            ],
        )
        .await;
    assert_eq!(bulk.status(), 422);
    let bulk = bulk.text().await.unwrap();
    assert!(
        bulk.contains("Việc này tự hoàn thành khi ghi hội nghị hiệp thương"),
        "{bulk}"
    );
    let (_, baseline) = huyen.page("/units/district/200/before-go-live").await;
    assert!(
        baseline.contains("value=\"nominee_structure\""),
        "entries are offered"
    );
    assert!(!baseline.contains("value=\"consultation_1\""), "{baseline}");
    let unit_field = format!("unit_{task}");
    let before = huyen
        .submit(
            "/units/district/200/before-go-live",
            &[
                ("entry", "consultation_1"),
                (unit_field.as_str(), "1"),
                ("number", "01/BB"),
                ("date", "2021-02-17"),
                ("signer", "Chủ tịch"),
            ],
        )
        .await;
    assert_eq!(before.status(), 422);
    assert!(
        before
            .text()
            .await
            .unwrap()
            .contains("Việc này tự hoàn thành khi ghi hội nghị hiệp thương")
    );
    assert_eq!(
        task_of(&app, "consultation_1").await.0,
        "not_started",
        "nothing ticked it"
    );

    // First conference: the quotas, refused while a line cannot be read.
    let consultation = format!("/councils/{council}/consultations");
    let mut first_conference = vec![
        ("round", "1"),
        ("held_on", "17/02/2021"),
        ("attendance", "45"),
        ("minutes_number", "01/BB-HT"),
        ("quotas", "Ủy ban MTTQ huyện: hai"),
    ];
    refused_beside(
        huyen.submit(&consultation, &first_conference).await,
        "Dòng \"Ủy ban MTTQ huyện: hai\"",
    )
    .await;
    first_conference[4] = (
        "quotas",
        "Ủy ban MTTQ huyện: 6: 3 nữ, 1 người dân tộc thiểu số\nPhòng Giáo dục: 3: giáo viên",
    );
    assert_eq!(
        huyen
            .submit(&consultation, &first_conference)
            .await
            .status(),
        303
    );
    assert_eq!(
        task_of(&app, "consultation_1").await,
        ("done".to_string(), Some("01/BB-HT".to_string())),
        "the task follows the conference"
    );
    let mttq = scalar(
        &app,
        "SELECT id FROM nomination_quotas WHERE nominator = 'Ủy ban MTTQ huyện'",
    )
    .await
    .to_string();
    let education = scalar(
        &app,
        "SELECT id FROM nomination_quotas WHERE nominator = 'Phòng Giáo dục'",
    )
    .await
    .to_string();

    // Dossiers: 17:00 on 14/03/2021 is too late, 16:59 is in time.
    let add = format!("/councils/{council}/nominees");
    let late = nominee("Trần Văn Muộn", "male", "Kinh", "", "14/03/2021", "17:00");
    refused_beside(
        huyen.submit(&add, &late).await,
        "Hồ sơ nhận sau 17:00 14/03/2021",
    )
    .await;
    let people = [
        ("Nguyễn Thị Ánh", "female", "Kinh", mttq.as_str()),
        ("Lê Văn Bình", "male", "Dao", mttq.as_str()),
        ("Phạm Thị Cúc", "female", "Kinh", mttq.as_str()),
        ("Hoàng Văn Dũng", "male", "Kinh", mttq.as_str()),
        ("Vũ Thị Hoa", "female", "Sán Dìu", mttq.as_str()),
        ("Đỗ Văn Khánh", "male", "Kinh", mttq.as_str()),
        ("Bùi Văn Long", "male", "Kinh", education.as_str()),
        ("Ngô Thị Mai", "female", "Kinh", education.as_str()),
        ("Đặng Văn Nam", "male", "Kinh", education.as_str()),
        ("Trịnh Văn Phúc", "male", "Kinh", ""),
    ];
    for (i, (name, gender, ethnicity, quota)) in people.iter().enumerate() {
        let time = if i == 9 { "16:59" } else { "09:00" };
        let form = nominee(name, gender, ethnicity, quota, "14/03/2021", time);
        let added = huyen.submit(&add, &form).await;
        assert_eq!(added.status(), 303, "{name}");
    }
    // A fourth nominee of the education office is beyond its allocation.
    let over = nominee(
        "Lý Văn Quá",
        "male",
        "Kinh",
        &education,
        "10/03/2021",
        "09:00",
    );
    refused_beside(
        huyen.submit(&add, &over).await,
        "Phòng Giáo dục đã giới thiệu đủ 3 người được phân bổ.",
    )
    .await;
    let id_of = |name: &str| {
        let app = &app;
        let name = name.to_string();
        async move {
            scalar(
                app,
                &format!("SELECT id FROM nominees WHERE full_name = '{name}'"),
            )
            .await
        }
    };

    // Second conference: Phúc is left out of the preliminary list, with why.
    let phuc = id_of("Trịnh Văn Phúc").await;
    let out_phuc = format!("out_{phuc}");
    let second_conference = [
        ("round", "2"),
        ("held_on", "19/03/2021"),
        ("attendance", "40"),
        ("minutes_number", "02/BB-HT"),
        (
            out_phuc.as_str(),
            "Chưa đáp ứng tiêu chuẩn về thời gian công tác",
        ),
    ];
    assert_eq!(
        huyen
            .submit(&consultation, &second_conference)
            .await
            .status(),
        303
    );
    assert_eq!(
        scalar(
            &app,
            "SELECT count(*) FROM nominees WHERE stage = 'preliminary'"
        )
        .await,
        9
    );
    // Phúc stays where the conference found him, marked as left there, with why and when.
    assert_eq!(
        text(
            &app,
            &format!(
                "SELECT concat_ws('|', stage, left_at, left_reason, left_on) FROM nominees WHERE id = {phuc}"
            ),
        )
        .await,
        "nominated|consultation_2|Chưa đáp ứng tiêu chuẩn về thời gian công tác|2021-03-19"
    );
    // The conference's audit record says who was left out, by id only.
    let left = text(
        &app,
        "SELECT (after->'left')::text FROM audit_log WHERE action = 'consultation.recorded' AND after->>'round' = '2'",
    )
    .await;
    assert_eq!(left, format!("[{phuc}]"));

    // Voter meetings: everyone gets the confidence of more than half, except Đặng Văn Nam, whom
    // exactly half trust; Bình has a question raised, then verified.
    for (name, ..) in people.iter().take(9) {
        let id = id_of(name).await;
        let confident = if *name == "Đặng Văn Nam" {
            "50"
        } else {
            "87"
        };
        let held = huyen
            .submit(
                &format!("/nominees/{id}/meetings"),
                &[
                    ("place_kind", "residence"),
                    ("held_on", "01/04/2021"),
                    ("place", "Nhà văn hóa khu phố 2"),
                    ("invited", "120"),
                    ("attending", "100"),
                    ("confident", confident),
                ],
            )
            .await;
        assert_eq!(held.status(), 303, "{name}");
    }
    let nam = id_of("Đặng Văn Nam").await;
    let (_, body) = huyen.page(&format!("/nominees/{nam}")).await;
    assert!(
        body.contains("50,0 %") && body.contains("không quá nửa"),
        "{body}"
    );
    let binh = id_of("Lê Văn Bình").await;
    let raised = huyen
        .submit(
            &format!("/nominees/{binh}/issues"),
            &[
                ("raised_on", "01/04/2021"),
                ("raised", "Cử tri hỏi về việc cấp đất năm 2015"),
            ],
        )
        .await;
    assert_eq!(raised.status(), 303);

    // Third conference: refused while Nam has no confidence and Bình's question is open.
    let out_nam = format!("out_{nam}");
    let mut third_conference = vec![
        ("round", "3"),
        ("held_on", "18/04/2021"),
        ("attendance", "42"),
        ("minutes_number", "03/BB-HT"),
    ];
    let refused = huyen.submit(&consultation, &third_conference).await;
    assert_eq!(refused.status(), 422);
    let issue = scalar(&app, "SELECT id FROM voter_issues").await;
    let verified = huyen
        .submit(
            &format!("/voter-issues/{issue}"),
            &[
                ("version", "1"),
                ("verified_on", "10/04/2021"),
                ("finding", "Việc cấp đất đúng quy định"),
            ],
        )
        .await;
    assert_eq!(location(&verified), format!("/nominees/{binh}"));
    third_conference.push((
        out_nam.as_str(),
        "Không được quá nửa số cử tri dự tín nhiệm",
    ));
    assert_eq!(
        huyen
            .submit(&consultation, &third_conference)
            .await
            .status(),
        303
    );
    assert_eq!(
        scalar(
            &app,
            "SELECT count(*) FROM nominees WHERE stage = 'qualified' AND left_at IS NULL"
        )
        .await,
        8
    );
    assert_eq!(task_of(&app, "consultation_3").await.0, "done");
    // The qualified list is sent on; its task follows, and a date before the conference is refused.
    let sent = format!("/councils/{council}/sent");
    refused_beside(
        huyen
            .submit(
                &sent,
                &[("sent_on", "17/04/2021"), ("sent_number", "05/BC-MTTQ")],
            )
            .await,
        "Ngày gửi không thể trước hội nghị hiệp thương lần thứ ba (18/04/2021).",
    )
    .await;
    assert_eq!(
        location(
            &huyen
                .submit(
                    &sent,
                    &[("sent_on", "20/04/2021"), ("sent_number", "05/BC-MTTQ")]
                )
                .await
        ),
        page
    );
    assert_eq!(
        task_of(&app, "qualified_lists_sent").await,
        ("done".to_string(), Some("05/BC-MTTQ".to_string()))
    );
    // The first conference's minutes: checked by content, read by those who handle the council.
    let minutes = format!("/councils/{council}/consultations/1/documents");
    let (_, _) =
        crate::helpers::upload(&huyen, &minutes, "virus.exe", b"MZ\x90\x00".to_vec()).await;
    assert_eq!(
        scalar(&app, "SELECT count(*) FROM consultation_documents").await,
        0
    );
    let (status, _) = crate::helpers::upload(
        &huyen,
        &minutes,
        "bien-ban.pdf",
        b"%PDF-1.7 minutes".to_vec(),
    )
    .await;
    assert!(status == 200 || status == 303, "{status}");
    let document = scalar(&app, "SELECT id FROM consultation_documents").await;
    let downloaded = huyen
        .get(&format!("/consultation-documents/{document}"))
        .await;
    assert_eq!(downloaded.status(), 200);
    assert_eq!(
        downloaded.bytes().await.unwrap().as_ref(),
        b"%PDF-1.7 minutes"
    );

    // The official list: four and four breaks the rule in the three-seat constituency.
    let qualified: Vec<(i64, String)> = sqlx::query_as(
        "SELECT id, full_name FROM nominees WHERE stage = 'qualified' AND left_at IS NULL ORDER BY id",
    )
    .fetch_all(&app.db.pool)
    .await
    .unwrap();
    let publish = format!("/councils/{council}/publish");
    let send = |constituency: i64, picked: &[(i64, String)]| {
        let huyen = &huyen;
        let publish = publish.clone();
        let mut fields = vec![
            ("constituency".to_string(), constituency.to_string()),
            ("published_on".to_string(), "03/05/2021".to_string()),
        ];
        fields.extend(
            picked
                .iter()
                .map(|(id, _)| (format!("pick_{id}"), "1".to_string())),
        );
        async move {
            let fields: Vec<(&str, &str)> = fields
                .iter()
                .map(|(k, v)| (k.as_str(), v.as_str()))
                .collect();
            huyen.submit(&publish, &fields).await
        }
    };
    refused_beside(
        send(first, &qualified[..4]).await,
        "Chưa thể công bố: danh sách không đủ số dư theo luật — Đơn vị bầu cử số 1: 4 người cho 3 ghế, cần ít nhất 5.",
    )
    .await;
    assert_eq!(
        scalar(
            &app,
            "SELECT count(*) FROM nominees WHERE stage = 'official'"
        )
        .await,
        0,
        "nothing published"
    );
    assert_eq!(location(&send(first, &qualified[..5]).await), page);
    assert_eq!(
        task_of(&app, "hdnd_official_lists_published").await.0,
        "not_started",
        "one constituency still to publish"
    );
    assert_eq!(location(&send(second, &qualified[5..]).await), page);
    assert_eq!(
        scalar(
            &app,
            "SELECT count(*) FROM nominees WHERE stage = 'official'"
        )
        .await,
        8
    );
    assert_eq!(
        task_of(&app, "hdnd_official_lists_published").await.0,
        "done"
    );

    // The posted list is ordered by the given name in the Vietnamese collation: Ánh before
    // Bình (though Lê comes before Nguyễn, and Á after B in plain code order), Cúc before Dũng.
    let (_, printed) = huyen
        .page(&format!("/councils/{council}/official-list"))
        .await;
    let first_list = &printed
        [printed.find("Đơn vị bầu cử số 1").unwrap()..printed.find("Đơn vị bầu cử số 2").unwrap()];
    let mut positions: Vec<(usize, &str)> = qualified[..5]
        .iter()
        .map(|(_, n)| (first_list.find(n.as_str()).expect(n), n.as_str()))
        .collect();
    positions.sort();
    let ordered: Vec<&str> = positions.iter().map(|(_, n)| *n).collect();
    assert_eq!(
        ordered,
        [
            "Nguyễn Thị Ánh",
            "Lê Văn Bình",
            "Phạm Thị Cúc",
            "Hoàng Văn Dũng",
            "Vũ Thị Hoa"
        ]
    );

    // The composition at the official stage: 4 women of 8, against 35 %.
    let (_, body) = huyen.page(&page).await;
    assert!(body.contains("4 · 50,0 %"), "{body}");

    // A withdrawal that breaks the rule in the two-seat constituency is recorded and flagged.
    let (leaving, version): (i64, i32) = sqlx::query_as(
        "SELECT id, version FROM nominees WHERE constituency_id = $1 ORDER BY id LIMIT 1",
    )
    .bind(second)
    .fetch_one(&app.db.pool)
    .await
    .unwrap();
    let version = version.to_string();
    let left = huyen
        .submit(
            &format!("/nominees/{leaving}/take-off"),
            &[
                ("version", version.as_str()),
                ("kind", "withdrawn"),
                ("reason", "Xin rút vì lý do sức khỏe"),
                ("left_on", "03/05/2021"),
            ],
        )
        .await;
    assert_eq!(location(&left), page);
    let flagged = text(
        &app,
        "SELECT (after->>'breaks_surplus') FROM audit_log WHERE action = 'candidate.taken_off'",
    )
    .await;
    assert_eq!(flagged, "true");
    let (_, body) = huyen.page(&page).await;
    assert!(body.contains("Vi phạm: cần ít nhất 3"), "{body}");
    // A stale form is refused.
    let again = huyen
        .submit(
            &format!("/nominees/{leaving}/take-off"),
            &[
                ("version", version.as_str()),
                ("kind", "removed"),
                ("reason", "x"),
                ("left_on", "03/05/2021"),
            ],
        )
        .await;
    assert_eq!(again.status(), 422, "no longer on the list");

    // No audit record holds a nominee's name.
    assert_eq!(
        scalar(&app, "SELECT count(*) FROM audit_log WHERE before::text LIKE '%Ánh%' OR after::text LIKE '%Ánh%'").await,
        0
    );

    // Who sees what. The steering member reads the published list, not the others' data.
    let steering = app.as_user("bcd").await;
    let (_, body) = steering.page(&page).await;
    assert!(
        body.contains("Nguyễn Thị Ánh") && !body.contains("Trịnh Văn Phúc"),
        "{body}"
    );
    assert!(
        steering
            .get(&format!("/nominees/{phuc}"))
            .await
            .status()
            .as_u16()
            >= 403
    );
    let csv = steering
        .get(&format!("/councils/{council}/candidates/ds.csv"))
        .await
        .text()
        .await
        .unwrap();
    assert_eq!(csv.lines().count(), 1 + 7, "the official list only");
    let csv = huyen
        .get(&format!("/councils/{council}/candidates/ds.csv"))
        .await
        .text()
        .await
        .unwrap();
    assert_eq!(
        csv.lines().count(),
        1 + 10,
        "every nominee for the handling body"
    );
    // A commune officer does not read the district council's nominees' personal data.
    let commune = app.as_user("xa.damha").await;
    assert!(
        commune
            .get(&format!("/nominees/{phuc}"))
            .await
            .status()
            .as_u16()
            >= 403
    );
    assert!(commune.submit(&add, &late).await.status().as_u16() >= 403);
    // Another district reads nothing of it; the steering member does not read the minutes.
    let other = app.as_user("huyen.khac").await;
    assert_eq!(other.get(&page).await.status(), 404);
    assert_eq!(
        other
            .get(&format!("/consultation-documents/{document}"))
            .await
            .status(),
        404
    );
    assert_eq!(
        steering
            .get(&format!("/consultation-documents/{document}"))
            .await
            .status(),
        403
    );
}

#[tokio::test]
async fn the_seeded_election_carries_the_2021_composition_targets() {
    let app = TestApp::seeded().await;
    let targets: Vec<(String, String, i32)> = sqlx::query_as(
        "SELECT r.kind, t.measure, t.min_percent FROM composition_targets t JOIN races r ON r.id = t.race_id
          ORDER BY r.kind, t.measure",
    )
    .fetch_all(&app.db.pool)
    .await
    .unwrap();
    let expected = [
        ("commune_council", "women", 35),
        ("district_council", "women", 35),
        ("na", "ethnic_minority", 18),
        ("na", "women", 35),
        ("province_council", "women", 35),
    ];
    let expected: Vec<(String, String, i32)> = expected
        .iter()
        .map(|(k, m, p)| (k.to_string(), m.to_string(), *p))
        .collect();
    assert_eq!(targets, expected);
}

#[tokio::test]
async fn nominees_are_imported_all_or_nothing_and_the_overview_counts_them() {
    let day = NaiveDate::from_ymd_opt(2021, 3, 20).unwrap();
    let app = TestApp::spawn(Start::Seeded, day).await;
    let huyen = app.as_user("huyen").await;
    let (council, ..) = district_council(&app).await;
    let recorded = huyen
        .submit(
            &format!("/councils/{council}/consultations"),
            &[
                ("round", "1"),
                ("held_on", "17/02/2021"),
                ("attendance", "45"),
                ("minutes_number", "01/BB-HT"),
                ("quotas", "Ủy ban MTTQ huyện: 2"),
            ],
        )
        .await;
    assert_eq!(recorded.status(), 303);
    let path = format!("/councils/{council}/nominees-import");
    let header = "Họ và tên,Ngày sinh,Giới tính,Dân tộc,Tôn giáo,Quê quán,Nơi ở hiện nay,Trình độ học vấn chuyên môn,Nghề nghiệp chức vụ,Nơi công tác,Ngày vào Đảng,Đại biểu đương nhiệm,Nơi giới thiệu,Ngày nhận hồ sơ,Giờ nhận hồ sơ\n";
    let row = |name: &str, gender: &str, by: &str, time: &str| {
        format!(
            "{name},01/01/1980,{gender},Kinh,Không,Đầm Hà,Đầm Hà,Đại học,Giáo viên,Trường THCS,,không,{by},14/03/2021,{time}\n"
        )
    };
    // Three for an allocation of two, and one dossier at 17:00: both refused, nothing written.
    let bad = format!(
        "{header}{}{}{}{}",
        row("Nguyễn Thị Hà", "Nữ", "Ủy ban MTTQ huyện", "08:00"),
        row("Trần Văn Hải", "Nam", "Ủy ban MTTQ huyện", "08:30"),
        row("Lê Văn Hùng", "Nam", "Ủy ban MTTQ huyện", "09:00"),
        row("Phạm Văn Muộn", "Nam", "Tự ứng cử", "17:00"),
    );
    let (status, page) =
        crate::helpers::upload(&huyen, &path, "ung-cu.csv", bad.into_bytes()).await;
    assert_eq!(status, 422);
    assert!(
        page.contains("Tệp có 2 lỗi — chưa ghi gì vào hệ thống"),
        "{page}"
    );
    assert!(page.contains("Ủy ban MTTQ huyện đã giới thiệu đủ 2 người được phân bổ."));
    assert_eq!(scalar(&app, "SELECT count(*) FROM nominees").await, 0);

    let good = format!(
        "{header}{}{}{}",
        row("Nguyễn Thị Hà", "Nữ", "Ủy ban MTTQ huyện", "08:00"),
        row("Trần Văn Hải", "Nam", "Ủy ban MTTQ huyện", "08:30"),
        row("Phạm Văn Sớm", "Nam", "Tự ứng cử", "16:59"),
    );
    let (status, page) =
        crate::helpers::upload(&huyen, &path, "ung-cu.csv", good.clone().into_bytes()).await;
    assert_eq!(status, 200, "{page}");
    assert!(
        page.contains("Đã đọc 3 dòng; thêm 3 người ứng cử."),
        "{page}"
    );
    let (_, page) = crate::helpers::upload(&huyen, &path, "ung-cu.csv", good.into_bytes()).await;
    assert!(page.contains("thêm 0 người ứng cử"), "{page}");
    assert_eq!(
        scalar(
            &app,
            "SELECT count(*) FROM audit_log WHERE action = 'nominee.added'"
        )
        .await,
        3
    );
    // Exported as imported: the handling body's list carries every field.
    let csv = huyen
        .get(&format!("/councils/{council}/candidates/ung-cu.csv"))
        .await
        .text()
        .await
        .unwrap();
    assert!(csv.contains("Phạm Văn Sớm,01/01/1980,Nam"), "{csv}");
    assert!(csv.contains("Tự ứng cử"), "{csv}");

    // The district's overview: its council with 3 dossiers, 1 woman of 3 against 35 %.
    let (status, page) = huyen.page("/candidates").await;
    assert_eq!(status, 200);
    let row = page
        .split("<tr>")
        .find(|r| r.contains(&format!("/councils/{council}/candidates")))
        .expect("the district council's row");
    assert!(row.contains("Đã hiệp thương lần thứ nhất"), "{row}");
    assert!(row.contains("<td class=\"num\">3</td>"), "{row}");
    assert!(
        row.contains("33,3 % / 35%") && row.contains("chưa đạt"),
        "{row}"
    );
    // The heatmap's cells of the candidate entries lead there.
    let (_, dashboard) = huyen.page("/dashboard").await;
    let cell = dashboard
        .find("&amp;entry=consultation_1\"")
        .expect("a heatmap cell of the first conference");
    assert!(
        dashboard[cell.saturating_sub(60)..cell].contains("href=\"/candidates?unit="),
        "the heatmap's candidate cells lead to the candidates"
    );
}
