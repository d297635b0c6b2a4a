//! Every route against every role, anonymous, and a user of the wrong unit.

use baucu::auth::Role;
use reqwest::Method;

use crate::helpers::{TestApp, USERS, location};

/// Who may call a route, as the README's table of roles says, written down here independently of
/// the rules in the code that this test checks.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Who {
    /// Anyone, signed in or not.
    Public,
    /// Any signed-in user, even one who must first choose a new password.
    AnyoneEvenBeforeANewPassword,
    /// Any signed-in user.
    Anyone,
    /// Those who change data: everyone but the steering committee's members and agency officers.
    Editors,
    /// Editors and agency officers: answering a directive.
    Answerers,
    /// The province's officers, its steering committee and administrators: meetings.
    ProvincePeople,
    /// Province and district officers (and administrators): units' population and voters.
    FigureKeepers,
    /// Province officers (and administrators): the audit log, review, the calendar, saved briefs,
    /// the accounts of their province.
    ProvinceOfficers,
    /// Province officers and administrators, and district officers (who review their communes'
    /// tasks once the province delegates it): the approval queue, approving and returning.
    Reviewers,
    /// Administrators: election day.
    Admins,
}
use Who::*;

impl Who {
    fn admits(self, role: Role) -> bool {
        match self {
            Public | AnyoneEvenBeforeANewPassword | Anyone => true,
            Editors => !matches!(role, Role::SteeringMember | Role::AgencyOfficer),
            Answerers => role != Role::SteeringMember,
            ProvincePeople => matches!(
                role,
                Role::Admin | Role::ProvinceOfficer | Role::SteeringMember
            ),
            FigureKeepers => matches!(
                role,
                Role::Admin | Role::ProvinceOfficer | Role::DistrictOfficer
            ),
            ProvinceOfficers => matches!(role, Role::Admin | Role::ProvinceOfficer),
            Reviewers => matches!(
                role,
                Role::Admin | Role::ProvinceOfficer | Role::DistrictOfficer
            ),
            Admins => role == Role::Admin,
        }
    }
}

/// Every route and who may call it.
const EXPECTED: &[(&str, &str, Who)] = &[
    ("GET", "/", Anyone),
    ("GET", "/account", Anyone),
    ("GET", "/account/password", AnyoneEvenBeforeANewPassword),
    ("POST", "/account/password", AnyoneEvenBeforeANewPassword),
    ("GET", "/admin/users", ProvinceOfficers),
    ("POST", "/admin/users", ProvinceOfficers),
    ("GET", "/admin/users/import", ProvinceOfficers),
    ("POST", "/admin/users/import", ProvinceOfficers),
    ("GET", "/admin/users/new", ProvinceOfficers),
    ("GET", "/admin/users/{id}", ProvinceOfficers),
    ("POST", "/admin/users/{id}", ProvinceOfficers),
    ("POST", "/admin/users/{id}/disable", ProvinceOfficers),
    ("POST", "/admin/users/{id}/enable", ProvinceOfficers),
    ("POST", "/admin/users/{id}/end-sessions", ProvinceOfficers),
    ("POST", "/admin/users/{id}/reset-password", ProvinceOfficers),
    ("GET", "/approvals", Reviewers),
    ("POST", "/approvals", Reviewers),
    ("POST", "/approvals/delegation", ProvinceOfficers),
    ("GET", "/attachments/{id}", Anyone),
    ("POST", "/attachments/{id}/delete", Editors),
    ("GET", "/audit", ProvinceOfficers),
    ("GET", "/audit.csv", ProvinceOfficers),
    ("GET", "/bodies/{id}", Anyone),
    ("POST", "/bodies/{id}", Editors),
    ("POST", "/bodies/{id}/dissolve", Editors),
    ("POST", "/bodies/{id}/members", Editors),
    ("POST", "/bodies/{id}/members/paste", Editors),
    ("POST", "/bodies/{id}/members/import", Editors),
    ("GET", "/brief", Anyone),
    ("POST", "/brief", ProvinceOfficers),
    ("GET", "/briefs/{id}", Anyone),
    ("GET", "/brief/{file}", Anyone),
    ("GET", "/calendar", Anyone),
    ("GET", "/election", Anyone),
    ("GET", "/import/members-template.xlsx", Anyone),
    ("POST", "/election/day", Admins),
    ("POST", "/election/create", Admins),
    ("POST", "/election/choose", Anyone),
    ("POST", "/calendar", ProvinceOfficers),
    ("POST", "/calendar/{id}", ProvinceOfficers),
    ("POST", "/calendar/{id}/retire", ProvinceOfficers),
    ("POST", "/constituencies/{id}", Editors),
    ("POST", "/constituencies/{id}/board", Editors),
    ("POST", "/constituencies/{id}/delete", Editors),
    ("GET", "/councils/{id}", Anyone),
    ("POST", "/councils/{id}", Editors),
    ("POST", "/councils/{id}/constituencies", Editors),
    ("GET", "/councils/{id}/candidates", Anyone),
    ("POST", "/councils/{id}/consultations", Editors),
    ("POST", "/councils/{id}/nominees", Editors),
    ("POST", "/councils/{id}/publish", Editors),
    ("GET", "/councils/{id}/official-list", Anyone),
    ("GET", "/councils/{id}/candidates/{file}", Anyone),
    ("GET", "/nominees/{id}", Editors),
    ("POST", "/nominees/{id}/meetings", Editors),
    ("POST", "/nominees/{id}/issues", Editors),
    ("POST", "/nominees/{id}/take-off", Editors),
    ("POST", "/voter-issues/{id}", Editors),
    ("GET", "/candidates", Anyone),
    ("GET", "/councils/{id}/consultations/{round}", Editors),
    (
        "POST",
        "/councils/{id}/consultations/{round}/documents",
        Editors,
    ),
    ("POST", "/councils/{id}/sent", Editors),
    ("GET", "/consultation-documents/{id}", Editors),
    ("GET", "/voter-meetings/{id}", Editors),
    ("GET", "/councils/{id}/nominees-import", Editors),
    ("POST", "/councils/{id}/nominees-import", Editors),
    ("GET", "/import/nominees-template.xlsx", Editors),
    ("GET", "/dashboard", Anyone),
    ("GET", "/dashboard/{file}", Anyone),
    ("GET", "/healthz", Public),
    ("GET", "/import/accounts-template.xlsx", ProvinceOfficers),
    ("GET", "/import/figures-template.xlsx", Anyone),
    ("GET", "/import/polling-areas-template.xlsx", Anyone),
    ("POST", "/language", Public),
    ("GET", "/login", Public),
    ("POST", "/login", Public),
    ("POST", "/logout", AnyoneEvenBeforeANewPassword),
    ("GET", "/me", Anyone),
    ("POST", "/members/{id}", Editors),
    ("POST", "/members/{id}/delete", Editors),
    ("GET", "/my-work", Anyone),
    ("GET", "/agencies", ProvinceOfficers),
    ("POST", "/agencies", ProvinceOfficers),
    ("POST", "/agencies/{id}/retire", ProvinceOfficers),
    ("GET", "/meetings", ProvincePeople),
    ("POST", "/meetings", ProvinceOfficers),
    ("GET", "/meetings/{id}", ProvincePeople),
    ("POST", "/meetings/{id}/directives", ProvinceOfficers),
    ("POST", "/meetings/{id}/documents", ProvinceOfficers),
    ("GET", "/meetings/{id}/directives-import", ProvinceOfficers),
    ("POST", "/meetings/{id}/directives-import", ProvinceOfficers),
    ("GET", "/import/directives-template.xlsx", ProvinceOfficers),
    ("GET", "/meeting-documents/{id}", ProvincePeople),
    ("GET", "/visits", ProvincePeople),
    ("POST", "/visits", ProvinceOfficers),
    ("GET", "/visits/{id}", ProvincePeople),
    ("POST", "/visits/{id}", ProvinceOfficers),
    ("GET", "/bodies/{id}/complaints", Anyone),
    ("POST", "/bodies/{id}/complaints", Editors),
    ("GET", "/complaints/{id}", Anyone),
    ("POST", "/complaints/{id}", Editors),
    ("GET", "/polling-areas/{id}/logistics", Anyone),
    ("POST", "/polling-areas/{id}/logistics", Editors),
    ("GET", "/logistics", Anyone),
    ("GET", "/logistics/{file}", Anyone),
    ("GET", "/budget-import", Editors),
    ("GET", "/logistics-import", Editors),
    ("POST", "/logistics-import", Editors),
    ("GET", "/logistics-import/{file}", Editors),
    ("GET", "/election/settings", Anyone),
    ("POST", "/election/settings", ProvinceOfficers),
    ("POST", "/budget-import", Editors),
    ("GET", "/import/budget-template.xlsx", Anyone),
    ("GET", "/budget", Anyone),
    ("POST", "/budget", Answerers),
    ("GET", "/budget/{file}", Anyone),
    ("GET", "/directives", Anyone),
    ("GET", "/directives/{file}", Anyone),
    ("GET", "/directive-items/{id}", Anyone),
    ("POST", "/directive-items/{id}", Answerers),
    ("POST", "/directive-items/{id}/approve", ProvinceOfficers),
    ("POST", "/directive-items/{id}/return", ProvinceOfficers),
    ("GET", "/notifications", Anyone),
    ("POST", "/notifications", Anyone),
    ("POST", "/polling-areas/{id}", Editors),
    ("POST", "/polling-areas/{id}/delete", Editors),
    ("GET", "/readyz", Public),
    ("GET", "/search", Anyone),
    ("GET", "/seats", Anyone),
    ("GET", "/static/{file}", Public),
    ("GET", "/task-list/{file}", Anyone),
    ("GET", "/tasks", Anyone),
    ("GET", "/tasks/{id}", Anyone),
    ("POST", "/tasks/{id}", Editors),
    ("POST", "/tasks/{id}/approve", Reviewers),
    ("POST", "/tasks/{id}/attachments", Editors),
    ("POST", "/tasks/{id}/reopen", Editors),
    ("POST", "/tasks/{id}/return", Reviewers),
    ("GET", "/units", Anyone),
    ("GET", "/units/{level}/{gso_code}", Anyone),
    ("POST", "/units/{level}/{gso_code}/bodies", Editors),
    ("GET", "/units/{level}/{gso_code}/bulk", Editors),
    ("GET", "/units/{level}/{gso_code}/before-go-live", Editors),
    ("POST", "/units/{level}/{gso_code}/before-go-live", Editors),
    ("POST", "/units/{level}/{gso_code}/bulk", Editors),
    ("GET", "/units/{level}/{gso_code}/export/{file}", Anyone),
    ("POST", "/units/{level}/{gso_code}/figures", FigureKeepers),
    (
        "GET",
        "/units/{level}/{gso_code}/import-figures",
        FigureKeepers,
    ),
    (
        "POST",
        "/units/{level}/{gso_code}/import-figures",
        FigureKeepers,
    ),
    ("GET", "/units/{level}/{gso_code}/import", Editors),
    ("POST", "/units/{level}/{gso_code}/import", Editors),
    ("POST", "/units/{level}/{gso_code}/kind", ProvinceOfficers),
    ("POST", "/units/{level}/{gso_code}/polling-areas", Editors),
    ("GET", "/units/{level}/{gso_code}/reconcile", Anyone),
];

fn expected(method: &Method, path: &str) -> Who {
    EXPECTED
        .iter()
        .find(|(m, p, _)| *m == method.as_str() && *p == path)
        .map(|(_, _, who)| *who)
        .unwrap_or_else(|| panic!("{method} {path} is missing from the table of who may do what"))
}

/// A polling group of Thị trấn Đầm Hà, new for each request, so that destructive routes
/// (dissolve, delete) find their object whichever role came before.
async fn fresh_body(app: &TestApp) -> i64 {
    sqlx::query_scalar(
        "WITH area AS (
             INSERT INTO polling_areas (election_id, commune_id, number, name, voters)
             SELECT e.id, u.id, coalesce((SELECT max(number) FROM polling_areas), 0) + 1, 'Khu vực thử', 800
               FROM elections e, units u WHERE u.level = 'commune' AND u.gso_code = 6895
             RETURNING id, election_id, commune_id
         )
         INSERT INTO bodies (election_id, kind, unit_id, polling_area_id, name)
         SELECT election_id, 'polling_group', commune_id, id, 'Tổ bầu cử thử' FROM area RETURNING id",
    )
    .fetch_one(&app.db.pool)
    .await
    .unwrap()
}

async fn fresh_member(app: &TestApp) -> i64 {
    let body = fresh_body(app).await;
    sqlx::query_scalar("INSERT INTO body_members (body_id, full_name, role) VALUES ($1, 'Nguyễn Văn Thử', 'member') RETURNING id")
        .bind(body)
        .fetch_one(&app.db.pool)
        .await
        .unwrap()
}

/// The People's Council of Thị trấn Đầm Hà.
async fn commune_council(app: &TestApp) -> i64 {
    sqlx::query_scalar(
        "SELECT c.id FROM councils c JOIN units u ON u.id = c.unit_id WHERE u.level = 'commune' AND u.gso_code = 6895",
    )
    .fetch_one(&app.db.pool)
    .await
    .unwrap()
}

/// The first consultation conference of that council, recorded once.
async fn first_consultation(app: &TestApp) -> i64 {
    let council = commune_council(app).await;
    sqlx::query_scalar(
        "INSERT INTO consultations (council_id, round, held_on, attendance, minutes_number, recorded_at)
         VALUES ($1, 1, '2021-02-17', 30, '01/BB', now())
         ON CONFLICT (council_id, round) DO UPDATE SET attendance = excluded.attendance RETURNING id",
    )
    .bind(council)
    .fetch_one(&app.db.pool)
    .await
    .unwrap()
}

/// A nominee of that council, new for each request.
async fn fresh_nominee(app: &TestApp) -> i64 {
    let council = commune_council(app).await;
    sqlx::query_scalar(
        "INSERT INTO nominees (council_id, full_name, birth_date, gender, ethnicity, religion, hometown, residence,
                               education, occupation, workplace, dossier_received_at, created_at, updated_at)
         VALUES ($1, 'Người Thử', '1980-01-01', 'female', 'Kinh', 'Không', 'Quảng Ninh', 'Đầm Hà', 'Đại học',
                 'Giáo viên', 'Trường tiểu học', '2021-03-10T09:00:00+07:00', now(), now()) RETURNING id",
    )
    .bind(council)
    .fetch_one(&app.db.pool)
    .await
    .unwrap()
}

/// A constituency of that council, new for each request.
async fn fresh_constituency(app: &TestApp) -> i64 {
    let council = commune_council(app).await;
    sqlx::query_scalar(
        "INSERT INTO constituencies (council_id, race_id, number, name, seats)
         SELECT c.id, c.race_id, coalesce((SELECT max(number) FROM constituencies WHERE council_id = c.id), 0) + 1,
                'Đơn vị thử', 3
           FROM councils c WHERE c.id = $1 RETURNING id",
    )
    .bind(council)
    .fetch_one(&app.db.pool)
    .await
    .unwrap()
}

/// A concrete address for a declared path, inside the territory every test user of Quảng Ninh
/// reaches (Thị trấn Đầm Hà); the admin pages act on a spare account.
async fn concrete(app: &TestApp, path: &str, spare_user: i64) -> String {
    let id = if path.starts_with("/bodies/") {
        fresh_body(app).await
    } else if path.starts_with("/members/") {
        fresh_member(app).await
    } else if path.starts_with("/polling-areas/") {
        sqlx::query_scalar("SELECT polling_area_id FROM bodies WHERE id = $1")
            .bind(fresh_body(app).await)
            .fetch_one(&app.db.pool)
            .await
            .unwrap()
    } else if path.starts_with("/tasks/") {
        sqlx::query_scalar(
            "SELECT t.id FROM tasks t JOIN units u ON u.id = t.unit_id WHERE u.level = 'commune' AND u.gso_code = 6895
              ORDER BY t.id LIMIT 1",
        )
        .fetch_one(&app.db.pool)
        .await
        .unwrap()
    } else if path.starts_with("/calendar/") {
        sqlx::query_scalar(
            "INSERT INTO calendar_entries (election_id, code, offset_days, kind, levels, title_vi, title_en)
             SELECT id, 'test_' || (SELECT count(*) FROM calendar_entries), 30, 'administrative', '{province}', 'Thử', 'Test'
               FROM elections RETURNING id",
        )
        .fetch_one(&app.db.pool)
        .await
        .unwrap()
    } else if path.starts_with("/attachments/") {
        sqlx::query_scalar(
            "INSERT INTO task_attachments (task_id, file_name, content_type, size_bytes, content)
             SELECT t.id, 'a.pdf', 'application/pdf', 8, '%PDF-1.7'::bytea FROM tasks t JOIN units u ON u.id = t.unit_id
              WHERE u.level = 'commune' AND u.gso_code = 6895 ORDER BY t.id LIMIT 1 RETURNING id",
        )
        .fetch_one(&app.db.pool)
        .await
        .unwrap()
    } else if path.starts_with("/briefs/") {
        sqlx::query_scalar(
            "INSERT INTO briefs (election_id, unit_id, created_by, content)
             SELECT e.id, (SELECT id FROM units WHERE level = 'commune' AND gso_code = 6895),
                    (SELECT id FROM users WHERE username = 'admin'),
                    '{\"unit_name\": \"Tỉnh Quảng Ninh\", \"election_name\": \"\", \"as_of\": \"\", \"headlines\": [],
                      \"changes\": [], \"overdue\": [], \"violations\": [], \"upcoming\": []}'
               FROM elections e RETURNING id",
        )
        .fetch_one(&app.db.pool)
        .await
        .unwrap()
    } else if path.starts_with("/complaints/") {
        sqlx::query_scalar(
            "INSERT INTO complaints (election_id, body_id, received_on, channel, category, subject, about,
                                     due_on, created_at, updated_at)
             SELECT b.election_id, b.id, '2021-01-20', 'letter', 'complaint', 'other', 'Thử', '2021-01-30', now(), now()
               FROM bodies b WHERE b.id = $1 RETURNING id",
        )
        .bind(fresh_body(app).await)
        .fetch_one(&app.db.pool)
        .await
        .unwrap()
    } else if path.starts_with("/visits/") {
        // A working group's visit to Đầm Hà district, new for each request.
        sqlx::query_scalar(
            "WITH m AS (
                 INSERT INTO meetings (election_id, unit_id, kind, held_at, chair, subject, created_at)
                 SELECT e.id, e.unit_id, 'working_group_visit', now(), 'Trưởng đoàn', 'Đoàn công tác', now()
                   FROM elections e RETURNING id
             )
             INSERT INTO visits (meeting_id, locality_id, members, updated_at)
             SELECT m.id, u.id, 'Trưởng đoàn', now() FROM m, units u
              WHERE u.level = 'district' AND u.gso_code = 200 RETURNING meeting_id",
        )
        .fetch_one(&app.db.pool)
        .await
        .unwrap()
    } else if path.starts_with("/meeting-documents/") {
        sqlx::query_scalar(
            "INSERT INTO meeting_documents (meeting_id, kind, file_name, content_type, size_bytes, content, uploaded_at)
             SELECT min(id), 'minutes', 'bien-ban.pdf', 'application/pdf', 8, '%PDF-1.7'::bytea, now() FROM meetings
             RETURNING id",
        )
        .fetch_one(&app.db.pool)
        .await
        .unwrap()
    } else if path.starts_with("/meetings/") {
        sqlx::query_scalar("SELECT min(id) FROM meetings")
            .fetch_one(&app.db.pool)
            .await
            .unwrap()
    } else if path.starts_with("/directive-items/") {
        // Thị trấn Đầm Hà's district's part of the directive to every district.
        sqlx::query_scalar(
            "SELECT i.id FROM directive_items i JOIN units u ON u.id = i.unit_id
              WHERE u.level = 'district' AND u.gso_code = 200 ORDER BY i.id LIMIT 1",
        )
        .fetch_one(&app.db.pool)
        .await
        .unwrap()
    } else if path.starts_with("/agencies/") {
        sqlx::query_scalar(
            "INSERT INTO agencies (election_id, unit_id, name, created_at)
             SELECT e.id, e.unit_id, 'Cơ quan thử ' || (SELECT count(*) FROM agencies), now() FROM elections e
             RETURNING id",
        )
        .fetch_one(&app.db.pool)
        .await
        .unwrap()
    } else if path.starts_with("/nominees/") {
        fresh_nominee(app).await
    } else if path.starts_with("/consultation-documents/") {
        let consultation = first_consultation(app).await;
        sqlx::query_scalar(
            "INSERT INTO consultation_documents (consultation_id, file_name, content_type, size_bytes, content, uploaded_at)
             VALUES ($1, 'bien-ban.pdf', 'application/pdf', 8, '%PDF-1.7'::bytea, now()) RETURNING id",
        )
        .bind(consultation)
        .fetch_one(&app.db.pool)
        .await
        .unwrap()
    } else if path.contains("/consultations/{round}/documents") {
        first_consultation(app).await;
        commune_council(app).await
    } else if path.starts_with("/voter-meetings/") {
        let nominee = fresh_nominee(app).await;
        sqlx::query_scalar(
            "INSERT INTO voter_meetings (nominee_id, place_kind, held_on, place, invited, attending, confident, recorded_at)
             VALUES ($1, 'residence', '2021-04-01', 'Nhà văn hóa', 100, 90, 80, now()) RETURNING id",
        )
        .bind(nominee)
        .fetch_one(&app.db.pool)
        .await
        .unwrap()
    } else if path.starts_with("/voter-issues/") {
        let nominee = fresh_nominee(app).await;
        sqlx::query_scalar(
            "INSERT INTO voter_issues (nominee_id, raised_on, raised) VALUES ($1, '2021-04-01', 'Câu hỏi') RETURNING id",
        )
        .bind(nominee)
        .fetch_one(&app.db.pool)
        .await
        .unwrap()
    } else if path.starts_with("/councils/") {
        commune_council(app).await
    } else if path.starts_with("/constituencies/") {
        fresh_constituency(app).await
    } else {
        spare_user
    };
    let file = if path.contains("/export/") {
        "polling-areas.xlsx"
    } else if path.starts_with("/dashboard/")
        || path.starts_with("/task-list/")
        || path.starts_with("/brief/")
        || path.starts_with("/directives/")
        || path.starts_with("/budget/")
        || path.starts_with("/logistics/")
        || path.starts_with("/logistics-import/")
        || path.contains("/candidates/")
    {
        "bang.xlsx"
    } else {
        "style.css"
    };
    path.replace("{level}/{gso_code}", "commune/6895")
        .replace("{id}", &id.to_string())
        .replace("{round}", "1")
        .replace("{file}", file)
}

async fn request(app: &TestApp, method: &Method, path: &str) -> reqwest::Response {
    if *method == Method::GET {
        return app.get(path).await;
    }
    // Unsafe requests carry the browser's token; the form is otherwise empty.
    app.submit(path, &[]).await
}

/// What a route must answer a user of `role` (None: anonymous).
fn assert_admitted(who: Who, role: Option<Role>, status: u16, location: &str, what: &str) {
    match (who, role) {
        (Public, _) => assert!(
            status != 403 && !location.starts_with("/login?"),
            "{what}: {status}"
        ),
        (_, None) => {
            assert_eq!(status, 303, "{what}");
            assert!(
                location.starts_with("/login"),
                "{what}: anonymous goes to the login page, not {location}"
            );
        }
        (who, Some(role)) if who.admits(role) => {
            assert!(![401, 403, 404, 500].contains(&status), "{what}: {status}");
            // Logging out is the one admitted request that ends at the login page.
            if !what.starts_with("POST /logout") {
                assert!(!location.starts_with("/login"), "{what}: {location}");
            }
        }
        (_, Some(_)) => assert_eq!(status, 403, "{what}"),
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn every_route_answers_every_role_by_its_rule() {
    let app = TestApp::seeded().await;
    let mut table = baucu::web::routes().table().to_vec();
    let mut declared: Vec<(String, &str)> = table
        .iter()
        .map(|rule| (rule.method.to_string(), rule.path))
        .collect();
    let mut listed: Vec<(String, &str)> = EXPECTED
        .iter()
        .map(|(method, path, _)| (method.to_string(), *path))
        .collect();
    declared.sort();
    listed.sort();
    assert_eq!(
        declared, listed,
        "every route, and only those, has its line in the table"
    );
    // Log out last, so the session lives through the rest.
    table.sort_by_key(|rule| rule.path == "/logout");
    // The user the account pages act on: a spare account moved into Quảng Ninh, so that disabling
    // it harms no one here and the province's officer may manage it.
    let target = app.user_id("bcd.khac").await;
    sqlx::query(
        "UPDATE users SET unit_id = (SELECT id FROM units WHERE level = 'province' AND gso_code = 22)
          WHERE id = $1",
    )
    .bind(target)
    .execute(&app.db.pool)
    .await
    .unwrap();

    let mut browsers: Vec<(Option<Role>, String, TestApp)> =
        vec![(None, "anonymous".into(), app.other_browser())];
    for (username, role, _) in USERS.iter().filter(|(name, ..)| !name.ends_with(".khac")) {
        browsers.push((
            Some(*role),
            username.to_string(),
            app.as_user(username).await,
        ));
    }
    for rule in &table {
        for (role, name, browser) in &browsers {
            let path = concrete(&app, rule.path, target).await;
            let response = request(browser, &rule.method, &path).await;
            let what = format!("{} {} as {name}", rule.method, path);
            assert_admitted(
                expected(&rule.method, rule.path),
                *role,
                response.status().as_u16(),
                &location(&response),
                &what,
            );
        }
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_unit_outside_the_users_scope_answers_404_like_a_missing_one() {
    let app = TestApp::seeded().await;
    // (user, a unit outside their scope, a unit inside it)
    let cases = [
        ("tinh.khac", "/units/district/200", "/units/province/20"),
        ("bcd.khac", "/units/commune/6895", "/units/province/20"),
        ("huyen.khac", "/units/district/200", "/units/district/201"),
        ("huyen.khac", "/units/commune/6895", "/units/province/22"),
        ("xa.khac", "/units/commune/6895", "/units/commune/6898"),
        ("xa.khac", "/units/province/22", "/units/district/200"),
        ("huyen", "/units/province/20", "/units/commune/6895"),
        ("xa.damha", "/units/commune/6898", "/units/district/200"),
    ];
    for (username, outside, inside) in cases {
        let browser = app.as_user(username).await;
        let (status, body) = browser.page(outside).await;
        assert_eq!(status, 404, "{username} {outside}");
        let (missing_status, missing_body) = browser.page("/units/commune/999999").await;
        assert_eq!(
            (status, body.len()),
            (missing_status, missing_body.len()),
            "indistinguishable from missing"
        );
        assert_eq!(browser.page(inside).await.0, 200, "{username} {inside}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn pages_link_only_to_units_the_user_may_open() {
    let app = TestApp::signed_in("xa.damha").await;
    let (_, district) = app.page("/units/district/200").await;
    assert!(
        district.contains("href=\"/units/commune/6895\""),
        "its own commune"
    );
    assert!(
        !district.contains("href=\"/units/commune/6898\""),
        "not a sibling commune"
    );
    assert!(
        !district.contains("href=\"/units/province/22\""),
        "not the province"
    );
    let response = app.get("/units").await;
    assert_eq!(
        location(&response),
        "/units/commune/6895",
        "the unit browser opens at the user's unit"
    );
}

/// Marks the admin account, as a route that writes would.
async fn write_something(
    axum::extract::State(state): axum::extract::State<baucu::AppState>,
) -> &'static str {
    sqlx::query(
        "UPDATE users SET full_name = 'written by an unguarded route' WHERE username = 'admin'",
    )
    .execute(&state.pool)
    .await
    .unwrap();
    "secret"
}

#[tokio::test(flavor = "multi_thread")]
async fn a_route_without_an_access_rule_cannot_read_or_write() {
    // Added by hand beside the declared routes, as a careless change might: the guard refuses it
    // before its handler runs, for a signed-in administrator with a valid CSRF token too.
    let app = TestApp::seeded().await;
    let state = app.state.clone();
    let (routes, rules) = baucu::web::routes().into_parts();
    let router = routes
        .route(
            "/unguarded",
            axum::routing::get(write_something).post(write_something),
        )
        .layer(axum::middleware::from_fn_with_state(
            baucu::auth::guard::Guard {
                state: state.clone(),
                rules: std::sync::Arc::new(rules),
            },
            baucu::auth::guard::layer,
        ))
        .with_state(state)
        .into_make_service_with_connect_info::<std::net::SocketAddr>();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, router).await });
    let mut browser = app.other_browser();
    browser.address = address;
    assert_eq!(
        browser
            .login("admin", crate::helpers::PASSWORD)
            .await
            .status(),
        303
    );

    let response = browser.submit("/unguarded", &[]).await;
    assert_eq!(response.status(), 500);
    assert!(!response.text().await.unwrap().contains("secret"));
    let response = browser.get("/unguarded").await;
    assert_eq!(response.status(), 500);
    let written: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM users WHERE full_name = 'written by an unguarded route'",
    )
    .fetch_one(&app.db.pool)
    .await
    .unwrap();
    assert_eq!(written, 0, "the handler never ran");
    // The declared routes around it still work.
    assert_eq!(browser.page("/me").await.0, 200);
}
