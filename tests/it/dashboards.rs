//! The province and district dashboards.

use chrono::NaiveDate;

use crate::helpers::{Start, TestApp, location};

#[tokio::test]
async fn the_province_sees_every_locality_with_totals_and_a_heatmap() {
    let app = TestApp::signed_in("tinh").await;
    let (status, page) = app.page("/dashboard").await;
    assert_eq!(status, 200);
    assert_eq!(
        page.matches("<td><a href=\"/units/district/").count(),
        13,
        "one row per locality"
    );
    assert!(page.contains("Tổng cộng"));
    assert!(page.contains("Còn 116 ngày"));
    assert!(
        page.contains("<svg class=\"chart\"") && page.contains("Bảng số liệu"),
        "the chart and its data table"
    );
    // The localities' committees reported at the meeting count as done on time.
    let (_, districts) = app.page("/dashboard?level=district").await;
    assert!(districts.contains("data-state=\"done-on-time\" title=\"Thành lập Ủy ban bầu cử"));
    assert!(
        page.contains("href=\"/tasks?unit=district:200&amp;entry=election_committee_established\"")
    );
    let (_, list) = app
        .page("/tasks?unit=district:200&entry=election_committee_established")
        .await;
    assert!(
        list.contains("Huyện Đầm Hà") && list.contains("Thị trấn Đầm Hà"),
        "the district and its communes"
    );
    // Each heatmap column is named, not only dated, and the legend under the table, which
    // prints, gives every name whole.
    assert!(
        page.contains("1. Thành lập Ban chỉ đạo… · 08/01"),
        "a short name in the head"
    );
    let legend = &page[page.find("id=\"heatmap-legend\"").unwrap()..];
    assert!(legend.contains("<time>08/01/2021</time> Thành lập Ban chỉ đạo bầu cử</li>"));
    let steering = app.as_user("bcd").await;
    assert_eq!(steering.page("/dashboard").await.0, 200);
}

#[tokio::test]
async fn overdue_cells_and_quiet_units_show_who_to_call() {
    let day = NaiveDate::from_ymd_opt(2021, 2, 20).unwrap();
    let app = TestApp::spawn(Start::Seeded, day).await;
    sqlx::raw_sql("UPDATE users SET phone = '0203 123 456' WHERE username = 'huyen'")
        .execute(&app.db.pool)
        .await
        .unwrap();
    let province = app.as_user("tinh").await;
    let (_, page) = province.page("/dashboard").await;
    assert!(
        page.contains("data-state=\"overdue\""),
        "E−105 tasks of communes are overdue by 20/02"
    );
    assert!(page.contains("Im lặng"), "no one has changed anything");
    assert!(
        page.contains("Người dùng huyen (0203 123 456)"),
        "the officer to call"
    );
    let (_, legal) = province
        .page("/dashboard?kind=legal&level=commune&sort=overdue")
        .await;
    assert!(
        legal.contains("<option value=\"legal\" selected>"),
        "the filter is kept in the page"
    );
    assert!(
        legal.contains("<option value=\"overdue\" selected>"),
        "and the sort"
    );
}

#[tokio::test]
async fn a_district_officer_sees_its_communes_and_a_commune_officer_its_page() {
    let app = TestApp::signed_in("huyen").await;
    let (_, page) = app.page("/dashboard").await;
    assert!(page.contains("Tổng hợp tiến độ — Huyện Đầm Hà"));
    assert_eq!(
        page.matches("<td><a href=\"/units/commune/").count(),
        9,
        "its nine communes"
    );
    assert_eq!(
        app.page("/dashboard?unit=district:201").await.0,
        404,
        "not another district"
    );
    let commune = app.as_user("xa.damha").await;
    assert_eq!(
        location(&commune.get("/dashboard").await),
        "/units/commune/6895"
    );
}

#[tokio::test]
async fn dashboard_tables_and_task_lists_download() {
    let app = TestApp::signed_in("tinh").await;
    let csv = app.get("/dashboard/tong-hop.csv?kind=legal").await;
    assert_eq!(csv.status(), 200);
    let text = String::from_utf8(csv.bytes().await.unwrap().to_vec()).unwrap();
    assert!(
        text.starts_with('\u{feff}') && text.contains("Huyện Đầm Hà") && text.contains("Tổng cộng")
    );
    let xlsx = app.get("/dashboard/tong-hop.xlsx").await;
    assert!(xlsx.bytes().await.unwrap().starts_with(b"PK"));
    let list = app
        .get("/task-list/cong-viec.csv?unit=district:200&entry=voter_lists_posted")
        .await;
    let text = String::from_utf8(list.bytes().await.unwrap().to_vec()).unwrap();
    assert_eq!(
        text.lines().count(),
        1 + 9,
        "a header and the nine communes' tasks"
    );
    // Every recorded field: the evidence and the province's review.
    let header = text.lines().next().unwrap();
    for column in [
        "Số văn bản",
        "Ngày văn bản",
        "Người ký",
        "Người duyệt",
        "Ý kiến của tỉnh",
    ] {
        assert!(header.contains(column), "{column}: {header}");
    }
}

#[tokio::test]
async fn the_brief_prints_saves_and_says_what_changed() {
    let app = TestApp::signed_in("tinh").await;
    let (status, brief) = app.page("/brief").await;
    assert_eq!(status, 200);
    for section in [
        "Cộng hòa xã hội chủ nghĩa Việt Nam",
        "Quảng Ninh, ngày 27 tháng 01 năm 2021",
        "1. Số liệu chính",
        "2. Tình hình theo địa phương",
        "3. Thay đổi",
        "4. Các mốc trong hai tuần tới",
        "Phụ lục 1. Việc luật định quá hạn",
        "Phụ lục 2. Vi phạm",
    ] {
        assert!(brief.contains(section), "{section}");
    }
    assert!(brief.contains("Số liệu tính đến 27/01/2021"));
    assert!(
        brief.contains("Thành lập Ủy ban bầu cử"),
        "the E−105 deadline is within two weeks"
    );
    // The brief witnesses the audit log: the chain's head as it was drawn.
    baucu::audit::seal_everything(&app.db.pool, baucu::audit::SEAL_PATIENCE)
        .await
        .unwrap();
    let head = baucu::audit::head::current(&app.db.pool)
        .await
        .unwrap()
        .unwrap();
    let (_, brief) = app.page("/brief").await;
    assert!(
        brief.contains(&format!(
            "Nhật ký kiểm tra: chuỗi đến bản ghi số {}, mã {}.",
            head.audit_id,
            &head.hex()[..16]
        )),
        "the chain's head is printed"
    );
    let saved = app.submit("/brief", &[]).await;
    let saved_path = location(&saved);
    assert!(saved_path.starts_with("/briefs/"), "{saved_path}");

    // A day later (and so a new login: the old session has gone idle).
    app.state
        .clock
        .advance(std::time::Duration::from_secs(86_400));
    let app = app.as_user("tinh").await;
    let (_, next) = app.page("/brief").await;
    assert!(
        next.contains("Số ngày đến ngày bầu cử: 116 → 115 ngày"),
        "what changed since the saved brief"
    );
    let (_, old) = app.page(&saved_path).await;
    assert!(
        old.contains("<dd>116 ngày</dd>") && old.contains("Bản đã lưu lúc"),
        "reprinted exactly as it was"
    );

    let steering = app.as_user("bcd").await;
    assert_eq!(steering.page("/brief").await.0, 200);
    let (_, page) = steering.page("/brief").await;
    assert!(
        !page.contains("Lưu bản tóm tắt này"),
        "no edit control for a steering member"
    );
    assert_eq!(steering.submit("/brief", &[]).await.status(), 403);
}

/// An overdue task of a commune of Huyện Đầm Hà as of `day`, which its district officer may record.
async fn overdue_commune_task(app: &TestApp, day: NaiveDate) -> i64 {
    sqlx::query_scalar(
        "SELECT t.id FROM tasks t JOIN units u ON u.id = t.unit_id JOIN units d ON d.id = u.parent_id
           JOIN calendar_entries c ON c.id = t.calendar_entry_id JOIN elections e ON e.id = c.election_id
          WHERE d.level = 'district' AND d.gso_code = 200 AND e.election_day - c.offset_days < $1
            AND t.status NOT IN ('done', 'not_applicable') AND c.retired_at IS NULL
          ORDER BY t.id LIMIT 1",
    )
    .bind(day)
    .fetch_one(&app.db.pool)
    .await
    .unwrap()
}

/// What records a commune's overdue task done, with a document of 19/02.
const DONE_ON_19_02: [(&str, &str); 5] = [
    ("status", "done"),
    ("evidence_number", "9/TB-UBND"),
    ("evidence_date", "2021-02-19"),
    ("evidence_signer", "Chủ tịch UBND xã"),
    ("confirm_incomplete", "1"),
];

/// When the figures of a dashboard page were read, as it says.
fn shown_at(page: &str) -> String {
    let at = page
        .find("Số liệu lúc ")
        .expect("the page says when its figures were read");
    page[at..at + "Số liệu lúc 00:00:00".len()].to_string()
}

/// The totals row of a dashboard: % done, overdue, done late, violations.
fn totals(page: &str) -> String {
    let at = page.find("<tfoot>").expect("a totals row");
    page[at..at + page[at..].find("</tfoot>").unwrap()].to_string()
}

#[tokio::test]
async fn a_kept_dashboard_is_served_for_a_few_seconds_except_to_whoever_just_changed_something() {
    let day = NaiveDate::from_ymd_opt(2021, 2, 20).unwrap();
    let app = TestApp::spawn(Start::Seeded, day).await;
    let province = app.as_user("tinh").await;
    let district = app.as_user("huyen").await;
    // The province reads the district through a view of its own; the district officer its own.
    let view = "/dashboard?unit=district:200&sort=overdue";
    let (_, first) = province.page(view).await;
    let (_, own_before) = district.page("/dashboard").await;
    assert_eq!(totals(&own_before), totals(&first), "the same figures");

    let task = overdue_commune_task(&app, day).await;
    let saved = crate::tasks::record(&district, task, &DONE_ON_19_02).await;
    assert_eq!(saved.status(), 303);
    // The writer sees their change at once: one task fewer overdue, one more done late.
    let (_, own) = district.page("/dashboard").await;
    assert_ne!(
        totals(&own),
        totals(&first),
        "the writer's own view is drawn again"
    );
    // Someone else is served the kept page, which says when it was drawn, until it is too old.
    let (_, kept) = province.page(view).await;
    assert_eq!(totals(&kept), totals(&first), "served as kept");
    assert_eq!(shown_at(&kept), shown_at(&first));
    app.state
        .clock
        .advance(baucu::dashboards::DASHBOARD_FRESH_FOR.to_std().unwrap());
    let (_, later) = province.page(view).await;
    assert_eq!(totals(&later), totals(&own), "drawn again once too old");
}

#[tokio::test]
async fn a_dashboard_is_sent_compressed_as_kept_to_a_browser_that_takes_gzip() {
    use std::io::Read;
    let app = TestApp::signed_in("tinh").await;
    let plain = app.get("/dashboard").await;
    assert!(plain.headers().get("content-encoding").is_none());
    let plain = plain.text().await.unwrap();
    let gzipped = app
        .client
        .get(format!("{}/dashboard", app.address))
        .header("Accept-Encoding", "gzip")
        .send()
        .await
        .unwrap();
    assert_eq!(gzipped.headers()["content-encoding"], "gzip");
    assert_eq!(gzipped.headers()["vary"], "accept-encoding");
    let bytes = gzipped.bytes().await.unwrap();
    assert!(bytes.len() * 4 < plain.len(), "compressed");
    let mut unzipped = String::new();
    flate2::read::GzDecoder::new(&bytes[..])
        .read_to_string(&mut unzipped)
        .unwrap();
    assert_eq!(unzipped, plain, "the same page, user and token included");
}

#[tokio::test]
async fn a_dashboard_of_a_unit_that_does_not_exist_is_a_404_that_keeps_nothing() {
    let app = TestApp::signed_in("admin").await;
    assert_eq!(app.page("/dashboard").await.0, 200);
    let kept = app.state.dashboards.pages.len();
    for unit in ["province:99", "district:99999", "nowhere:1", "province:abc"] {
        let (status, _) = app.page(&format!("/dashboard?unit={unit}")).await;
        assert_eq!(status, 404, "{unit}");
    }
    // Filters the page does not offer fall back to its defaults: the same view.
    assert_eq!(app.page("/dashboard?sort=x&kind=y&level=z").await.0, 200);
    assert_eq!(app.state.dashboards.pages.len(), kept, "no slot was made");
}

/// On 20/04/2021 every locality has overdue legal tasks: the brief's annex lists each locality
/// with its full count, prints at most 15 of each and says exactly how many it left out, and the
/// full list downloads.
#[tokio::test]
async fn the_briefs_shortened_lists_say_what_they_left_out() {
    let day = chrono::NaiveDate::from_ymd_opt(2021, 4, 20).unwrap();
    let app = TestApp::spawn(crate::helpers::Start::Seeded, day)
        .await
        .as_user("tinh")
        .await;
    let counts: Vec<(String, i64)> = sqlx::query_as(
        "SELECT l.name, count(t.id) FROM units l
           JOIN units p ON p.id = l.parent_id AND p.level = 'province' AND p.gso_code = 22
           JOIN units u ON u.ancestors @> ARRAY[l.id]
           JOIN tasks t ON t.unit_id = u.id
           JOIN calendar_entries c ON c.id = t.calendar_entry_id AND c.kind = 'legal'
           JOIN elections e ON e.id = c.election_id
          WHERE t.status NOT IN ('done', 'not_applicable') AND e.election_day - c.offset_days < $1
          GROUP BY l.name, l.gso_code ORDER BY l.gso_code",
    )
    .bind(day)
    .fetch_all(&app.db.pool)
    .await
    .unwrap();
    assert_eq!(counts.len(), 13, "every locality has overdue legal tasks");
    let (_, brief) = app.page("/brief").await;
    let annex =
        &brief[brief.find("id=\"annex-1\"").unwrap()..brief.find("id=\"annex-2\"").unwrap()];
    for (name, count) in &counts {
        assert!(annex.contains(&format!("{name} ({count} việc)")), "{name}");
        if *count > 15 {
            assert!(
                annex.contains(&format!("Còn {} việc không in ở đây", count - 15)),
                "{name}: {count}"
            );
        }
    }
    // The province's own tasks come on top of its localities'.
    let csv = app.get("/brief/viec-qua-han.csv").await;
    let text = String::from_utf8(csv.bytes().await.unwrap().to_vec()).unwrap();
    let listed = text.lines().count() as i64 - 1;
    let in_localities: i64 = counts.iter().map(|(_, n)| n).sum();
    let province: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM tasks t JOIN units u ON u.id = t.unit_id
           JOIN calendar_entries c ON c.id = t.calendar_entry_id AND c.kind = 'legal'
           JOIN elections e ON e.id = c.election_id
          WHERE u.level = 'province' AND u.gso_code = 22
            AND t.status NOT IN ('done', 'not_applicable') AND e.election_day - c.offset_days < $1",
    )
    .bind(day)
    .fetch_one(&app.db.pool)
    .await
    .unwrap();
    assert!(annex.contains(&format!("Tỉnh Quảng Ninh ({province} việc)")));
    assert_eq!(listed, in_localities + province, "the full list");
    assert!(annex.contains(&format!("Phụ lục 1. Việc luật định quá hạn ({listed})")));
    // A locality's own report, in the same style, for a working group's visit.
    let (status, report) = app.page("/brief?unit=district:200").await;
    assert_eq!(status, 200);
    assert!(report.contains("Tóm tắt tình hình chuẩn bị bầu cử — Huyện Đầm Hà"));
    assert!(report.contains("Ban chỉ đạo bầu cử huyện Đầm Hà"));
}

/// How many tasks of the election's calendar (of one entry, when named) the unit
/// `level`/`gso_code` and the units below it have, counted plainly.
async fn tasks_below(app: &TestApp, level: &str, gso_code: i32, entry: Option<&str>) -> i64 {
    sqlx::query_scalar(
        "SELECT count(*) FROM tasks t
           JOIN calendar_entries c ON c.id = t.calendar_entry_id
           JOIN units u ON u.id = t.unit_id
           JOIN units root ON u.ancestors @> ARRAY[root.id]
          WHERE root.level = $1 AND root.gso_code = $2 AND root.valid_to IS NULL
            AND c.retired_at IS NULL AND ($3::text IS NULL OR c.code = $3)",
    )
    .bind(level)
    .bind(gso_code)
    .bind(entry)
    .fetch_one(&app.db.pool)
    .await
    .unwrap()
}

/// The number of tasks a task list's heading gives, "Công việc — name (N)".
fn listed_count(page: &str) -> i64 {
    let heading = &page[page.find("<h1>").unwrap()..page.find("</h1>").unwrap()];
    let count = &heading[heading.rfind('(').unwrap() + 1..heading.rfind(')').unwrap()];
    count.parse().unwrap()
}

#[tokio::test]
async fn the_task_list_finds_its_unit_and_every_task_below_it_and_nothing_out_of_reach() {
    let app = TestApp::signed_in("tinh").await;
    let entry = "election_committee_established";
    // One entry, and every entry: as many rows as a plain count, each a link to its task.
    for (path, wanted) in [
        (
            format!("/tasks?unit=district:200&entry={entry}"),
            tasks_below(&app, "district", 200, Some(entry)).await,
        ),
        (
            "/tasks?unit=district:200".to_string(),
            tasks_below(&app, "district", 200, None).await,
        ),
    ] {
        let (status, page) = app.page(&path).await;
        assert_eq!(status, 200, "{path}");
        assert!(wanted > 1, "the district has tasks below it");
        assert_eq!(listed_count(&page), wanted, "{path}");
        assert_eq!(
            page.matches("<tr><td><time>").count() as i64,
            wanted,
            "{path}"
        );
        assert!(page.contains("Công việc — Huyện Đầm Hà ("), "{path}");
    }
    // A state keeps only the tasks in it.
    let (_, done) = app
        .page(&format!(
            "/tasks?unit=district:200&entry={entry}&state=done-on-time"
        ))
        .await;
    assert!(listed_count(&done) > 0);
    assert_eq!(
        done.matches("data-state=\"done-on-time\"").count() as i64,
        listed_count(&done)
    );
    // A unit with no task of the entry is still named, with an empty list.
    let province_only: String = sqlx::query_scalar(
        "SELECT c.code FROM calendar_entries c
          WHERE c.retired_at IS NULL AND NOT EXISTS (
                SELECT 1 FROM tasks t JOIN units u ON u.id = t.unit_id JOIN units d ON u.ancestors @> ARRAY[d.id]
                 WHERE t.calendar_entry_id = c.id AND d.level = 'district' AND d.gso_code = 200)
          ORDER BY c.code LIMIT 1",
    )
    .fetch_one(&app.db.pool)
    .await
    .unwrap();
    let (status, empty) = app
        .page(&format!("/tasks?unit=district:200&entry={province_only}"))
        .await;
    assert_eq!(status, 200);
    assert!(empty.contains("Công việc — Huyện Đầm Hà (0)"));
    // An entry or a state that does not exist is a 404 that keeps nothing.
    let kept = app.state.dashboards.lists.len();
    for path in [
        "/tasks?unit=district:200&entry=no_such_entry",
        "/tasks?unit=district:200&entry=Not%20a%20code",
        "/tasks?unit=district:200&state=no-such-state",
    ] {
        assert_eq!(app.page(path).await.0, 404, "{path}");
    }
    assert_eq!(app.state.dashboards.lists.len(), kept, "no slot was made");
    // No unit named: the user's own.
    let district = app.as_user("huyen").await;
    let (status, own) = district.page("/tasks").await;
    assert_eq!(status, 200);
    assert!(own.contains("Công việc — Huyện Đầm Hà ("));
    assert_eq!(
        listed_count(&own),
        tasks_below(&app, "district", 200, None).await
    );
    // Another district, a unit that does not exist and a code that is not one all answer 404,
    // alike, and so do their downloads.
    for path in [
        "/tasks?unit=district:201",
        "/tasks?unit=district:99999",
        "/tasks?unit=district:abc",
        "/task-list/cong-viec.csv?unit=district:201",
    ] {
        assert_eq!(district.page(path).await.0, 404, "{path}");
    }
    assert_eq!(app.page("/tasks?unit=district:99999").await.0, 404);
}

#[tokio::test]
async fn a_list_longer_than_its_bound_is_not_read_whole() {
    let app = TestApp::signed_in("tinh").await;
    let election = baucu::elections::latest(&app.db.pool)
        .await
        .unwrap()
        .unwrap();
    let district: i64 = sqlx::query_scalar(
        "SELECT id FROM units WHERE level = 'district' AND gso_code = 200 AND valid_to IS NULL",
    )
    .fetch_one(&app.db.pool)
    .await
    .unwrap();
    let all = tasks_below(&app, "district", 200, None).await as usize;
    let below = |max| baucu::checklists::lists::below(&app.db.pool, &election, district, None, max);
    let listed = below(all)
        .await
        .unwrap()
        .expect("as many as the bound: listed");
    assert_eq!(listed.len(), all);
    assert!(
        below(all - 1).await.unwrap().is_none(),
        "one more than the bound: none"
    );
    assert!(
        all < baucu::checklists::lists::MAX_LISTED,
        "a district is listed whole"
    );
}

#[tokio::test]
async fn a_kept_task_list_is_served_for_a_few_seconds_except_to_whoever_just_changed_something() {
    let day = NaiveDate::from_ymd_opt(2021, 2, 20).unwrap();
    let app = TestApp::spawn(Start::Seeded, day).await;
    let province = app.as_user("tinh").await;
    let district = app.as_user("huyen").await;
    let task = overdue_commune_task(&app, day).await;
    let entry: String = sqlx::query_scalar(
        "SELECT c.code FROM tasks t JOIN calendar_entries c ON c.id = t.calendar_entry_id WHERE t.id = $1",
    )
    .bind(task)
    .fetch_one(&app.db.pool)
    .await
    .unwrap();
    // The province reads the district's overdue tasks of the entry; the district officer all of
    // the entry's tasks, a list of its own.
    let list = format!("/tasks?unit=district:200&entry={entry}");
    let overdue_list = format!("{list}&state=overdue");
    let overdue = |page: &str| page.matches("data-state=\"overdue\"").count();
    let (_, first) = province.page(&overdue_list).await;
    assert!(
        first.contains(&format!("<a href=\"/tasks/{task}\">")),
        "the commune's task is overdue"
    );

    let (_, own_before) = district.page(&list).await;
    assert_eq!(overdue(&own_before), overdue(&first), "the same tasks");

    let saved = crate::tasks::record(&district, task, &DONE_ON_19_02).await;
    assert_eq!(saved.status(), 303);
    // The writer sees their change at once, though their list was kept a moment ago.
    let (_, own) = district.page(&list).await;
    assert_eq!(
        overdue(&own),
        overdue(&first) - 1,
        "drawn for the writer after the change"
    );
    // Someone else is served the kept list, which says when it was read, until it is too old.
    let (_, kept) = province.page(&overdue_list).await;
    assert_eq!(overdue(&kept), overdue(&first), "served as kept");
    assert_eq!(shown_at(&kept), shown_at(&first));
    app.state
        .clock
        .advance(baucu::dashboards::DASHBOARD_FRESH_FOR.to_std().unwrap());
    let (_, later) = province.page(&overdue_list).await;
    assert_eq!(
        overdue(&later),
        overdue(&first) - 1,
        "drawn again once too old"
    );
    assert!(!later.contains(&format!("<a href=\"/tasks/{task}\">")));
    // Kept or not, the list is only for whoever reaches the unit.
    let other = app.as_user("huyen.khac").await;
    assert_eq!(other.page(&list).await.0, 404);
}
