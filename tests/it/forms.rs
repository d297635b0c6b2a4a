//! Every form that can refuse: sent as its page draws it with one field made wrong, it answers
//! 422, says why beside that very field, and writes nothing (no audit record, no change).

use crate::helpers::{TestApp, review_day};

/// The fields of the form posted to `action` as the page draws it: inputs with their values
/// (ticked boxes and radios only), each select's chosen option, textareas.
fn form_fields(page: &str, action: &str, tick: Option<&str>) -> Vec<(String, String)> {
    let start = page
        .find(&format!("<form method=\"post\" action=\"{action}\""))
        .unwrap_or_else(|| panic!("a form posting to {action}"));
    let form = &page[start..start + page[start..].find("</form>").unwrap()];
    let attribute = |tag: &str, name: &str| {
        let marker = format!(" {name}=\"");
        tag.find(&marker).map(|at| {
            let rest = &tag[at + marker.len()..];
            rest[..rest.find('"').unwrap()].replace("&#34;", "\"")
        })
    };
    let mut fields = Vec::new();
    for (at, _) in form.match_indices("<input") {
        let tag = &form[at..at + form[at..].find('>').unwrap()];
        let Some(name) = attribute(tag, "name") else {
            continue;
        };
        let kind = attribute(tag, "type").unwrap_or_default();
        let ticked = tag.contains(" checked")
            || tick.is_some_and(|prefix| name.starts_with(prefix) && !tag.contains(" disabled"));
        if (kind == "checkbox" || kind == "radio") && !ticked {
            continue;
        }
        fields.push((name, attribute(tag, "value").unwrap_or_default()));
    }
    for (at, _) in form.match_indices("<select") {
        let select = &form[at..at + form[at..].find("</select>").unwrap()];
        let name = attribute(&select[..select.find('>').unwrap()], "name").unwrap();
        let chosen = select
            .match_indices("<option")
            .map(|(o, _)| &select[o..o + select[o..].find('>').unwrap()])
            .find(|option| option.contains(" selected"))
            .or_else(|| {
                select
                    .match_indices("<option")
                    .map(|(o, _)| &select[o..o + select[o..].find('>').unwrap()])
                    .next()
            })
            .and_then(|option| attribute(option, "value"))
            .unwrap_or_default();
        fields.push((name, chosen));
    }
    for (at, _) in form.match_indices("<textarea") {
        let open = at + form[at..].find('>').unwrap();
        let name = attribute(&form[at..open], "name").unwrap();
        let close = open + form[open..].find("</textarea>").unwrap();
        fields.push((name, form[open + 1..close].to_string()));
    }
    fields
}

/// Whether the page says an error beside the field `name`: a `field-error` after the field,
/// before the label (or fieldset) that holds it closes.
fn error_beside(page: &str, name: &str) -> bool {
    let error = "class=\"field-error\"";
    page.match_indices(&format!("name=\"{name}\""))
        .any(|(at, _)| {
            let rest = &page[at..];
            // Beside a field is within its label (or cell); for a group of boxes, within its fieldset.
            let label_end = ["</label>", "</td>"]
                .iter()
                .filter_map(|close| rest.find(close))
                .min()
                .unwrap_or(rest.len());
            let in_fieldset = rest
                .find("</fieldset>")
                .filter(|end| !rest[..*end].contains("<fieldset"));
            rest[..label_end].contains(error)
                || in_fieldset.is_some_and(|end| rest[..end].contains(error))
        })
}

async fn scalar(app: &TestApp, sql: &str) -> i64 {
    sqlx::query_scalar(sqlx::AssertSqlSafe(sql.to_string()))
        .fetch_one(&app.db.pool)
        .await
        .unwrap_or_else(|e| panic!("{sql}: {e}"))
}

/// A form to break: who sends it, the page that draws it, where it posts, the field made wrong
/// and what is typed there; and the boxes to tick (by the start of their name) so that the
/// form is otherwise complete.
struct Case {
    user: &'static str,
    page: String,
    action: String,
    field: &'static str,
    value: &'static str,
    tick: Option<&'static str>,
}

#[tokio::test(flavor = "multi_thread")]
async fn every_form_that_can_refuse_says_why_beside_the_field_and_writes_nothing() {
    let app = TestApp::spawn(crate::helpers::Start::Seeded, review_day()).await;
    let body = scalar(
        &app,
        "SELECT b.id FROM bodies b JOIN units u ON u.id = b.unit_id
          WHERE u.level = 'district' AND u.gso_code = 200 AND b.kind = 'election_committee'",
    )
    .await;
    sqlx::query("INSERT INTO body_members (body_id, full_name, role) VALUES ($1, 'Nguyễn Văn Thử', 'member')")
        .bind(body)
        .execute(&app.db.pool)
        .await
        .unwrap();
    let member = scalar(&app, "SELECT max(id) FROM body_members").await;
    let council = scalar(
        &app,
        "SELECT c.id FROM councils c JOIN units u ON u.id = c.unit_id
          WHERE u.level = 'district' AND u.gso_code = 200",
    )
    .await;
    let constituency = scalar(
        &app,
        &format!(
            "INSERT INTO constituencies (council_id, race_id, number, name, seats)
             SELECT id, race_id, 1, 'Đơn vị thử', 3 FROM councils WHERE id = {council} RETURNING id"
        ),
    )
    .await;
    let entry = scalar(
        &app,
        "SELECT id FROM calendar_entries WHERE kind = 'administrative' ORDER BY id LIMIT 1",
    )
    .await;
    let task = crate::tasks::task_id(&app, "voter_lists_posted", "commune", 6895).await;
    let done = scalar(
        &app,
        "SELECT t.id FROM tasks t JOIN units u ON u.id = t.unit_id
          WHERE t.status = 'done' AND t.review = 'none' AND u.level = 'district' AND u.gso_code = 200
          ORDER BY t.id LIMIT 1",
    )
    .await;
    let area = scalar(
        &app,
        "INSERT INTO polling_areas (election_id, commune_id, number, name, voters)
         SELECT e.id, u.id, 90, 'Khu vực thử', 800 FROM elections e, units u
          WHERE u.level = 'commune' AND u.gso_code = 6895 RETURNING id",
    )
    .await;
    let huyen = app.user_id("huyen").await;
    let case = |user, page: &str, action: &str, field, value| Case {
        user,
        page: page.to_string(),
        action: action.to_string(),
        field,
        value,
        tick: None,
    };
    let cases = [
        case(
            "tinh",
            "/account/password",
            "/account/password",
            "new",
            "ngắn",
        ),
        case(
            "tinh",
            "/admin/users/new",
            "/admin/users",
            "username",
            "Không Hợp Lệ",
        ),
        case(
            "tinh",
            &format!("/admin/users/{huyen}"),
            &format!("/admin/users/{huyen}"),
            "full_name",
            "",
        ),
        case(
            "tinh",
            "/approvals",
            "/approvals/delegation",
            "districts",
            "999999",
        ),
        case(
            "tinh",
            &format!("/bodies/{body}"),
            &format!("/bodies/{body}"),
            "decision_date",
            "31/02/2021",
        ),
        case(
            "tinh",
            &format!("/bodies/{body}"),
            &format!("/bodies/{body}/dissolve"),
            "reason",
            "",
        ),
        case(
            "tinh",
            &format!("/bodies/{body}"),
            &format!("/bodies/{body}/members"),
            "full_name",
            "",
        ),
        case(
            "tinh",
            &format!("/bodies/{body}"),
            &format!("/members/{member}"),
            "phone",
            "gọi tôi",
        ),
        case("tinh", "/calendar", "/calendar", "title_vi", ""),
        case(
            "tinh",
            "/calendar",
            &format!("/calendar/{entry}"),
            "deadline",
            "31/02/2021",
        ),
        case(
            "tinh",
            &format!("/councils/{council}"),
            &format!("/constituencies/{constituency}"),
            "seats",
            "0",
        ),
        case(
            "tinh",
            &format!("/councils/{council}"),
            &format!("/councils/{council}"),
            "seats_total",
            "nhiều",
        ),
        case(
            "tinh",
            &format!("/councils/{council}"),
            &format!("/councils/{council}/constituencies"),
            "number",
            "không",
        ),
        case(
            "xa.damha",
            &format!("/tasks/{task}"),
            &format!("/tasks/{task}"),
            "evidence_date",
            "31/02/2021",
        ),
        case(
            "tinh",
            &format!("/tasks/{done}"),
            &format!("/tasks/{done}/return"),
            "comment",
            "",
        ),
        case(
            "tinh",
            &format!("/tasks/{done}"),
            &format!("/tasks/{done}/reopen"),
            "comment",
            "",
        ),
        Case {
            tick: Some("unit_"),
            ..case(
                "huyen",
                "/units/district/200/before-go-live?entry=nominee_structure",
                "/units/district/200/before-go-live",
                "number",
                "",
            )
        },
        case(
            "tinh",
            "/units/district/200",
            "/units/district/200/figures",
            "population",
            "nhiều",
        ),
        case(
            "tinh",
            "/units/district/200",
            "/units/district/200/kind",
            "reason",
            "",
        ),
        case(
            "tinh",
            "/units/district/200",
            "/units/district/200/bodies",
            "name",
            "",
        ),
        case(
            "xa.damha",
            "/units/commune/6895",
            "/units/commune/6895/polling-areas",
            "number",
            "một",
        ),
        case(
            "xa.damha",
            "/units/commune/6895",
            &format!("/polling-areas/{area}"),
            "voters",
            "nhiều",
        ),
        case("admin", "/election", "/election/create", "name", ""),
        case(
            "admin",
            "/election",
            "/election/day",
            "election_day",
            "24/05/2021",
        ),
        case(
            "tinh",
            "/notifications",
            "/notifications",
            "digest",
            "hằng giờ",
        ),
    ];
    for case in cases {
        let what = format!("{} {} ({})", case.user, case.action, case.field);
        let user = app.as_user(case.user).await;
        let (status, page) = user.page(&case.page).await;
        assert_eq!(status, 200, "{what}: its page");
        let mut fields = form_fields(&page, &case.action, case.tick);
        fields.retain(|(name, _)| name != case.field);
        fields.push((case.field.to_string(), case.value.to_string()));
        let before = scalar(&app, "SELECT count(*) FROM audit_log").await;
        let fields: Vec<(&str, &str)> = fields
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        let refused = user.post(&case.action, &fields).await;
        assert_eq!(refused.status(), 422, "{what}");
        let page = refused.text().await.unwrap();
        let said: Vec<&str> = page
            .match_indices("class=\"field-error\"")
            .map(|(at, _)| &page[at..at + page[at..].find("</span>").unwrap_or(0)])
            .collect();
        assert!(
            error_beside(&page, case.field),
            "{what}: said beside the field, not {said:?}"
        );
        let after = scalar(&app, "SELECT count(*) FROM audit_log").await;
        assert_eq!(before, after, "{what}: nothing written");
    }
}
