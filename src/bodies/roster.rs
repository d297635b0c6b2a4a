//! A body's members pasted from a spreadsheet: one row per person, cells separated by tabs as a
//! spreadsheet copies them: full name, title in the body (optional), position, workplace, phone.
//! Every row is checked before anything is written; the same rows again change nothing (members
//! are matched by full name); the body's size is judged once, on the whole list.

use sqlx::PgConnection;

use super::{MEMBER_ROLES, member_role_vi};
use crate::audit::{self, Actor, Event};
use crate::input;

/// A pasted row, checked.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Member {
    pub full_name: String,
    pub role: String,
    pub position: Option<String>,
    pub phone: Option<String>,
}

/// What is wrong with one pasted row.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RowProblem {
    pub row: usize,
    pub reason: String,
}

/// At most this many rows at once: more than any body has.
pub const MAX_ROWS: usize = 500;

fn fold(text: &str) -> String {
    text.to_lowercase()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

/// The titles a sheet may write for each role, besides its label: an election committee has a
/// chair (Chủ tịch) and vice-chairs, a steering committee or a board a head (Trưởng ban), a
/// polling group a leader (Tổ trưởng); their other members are commissioners (Ủy viên).
const TITLES: [(&str, &[&str]); 4] = [
    ("chair", &["chủ tịch", "trưởng ban", "tổ trưởng"]),
    ("deputy", &["phó chủ tịch", "phó trưởng ban", "tổ phó"]),
    ("secretary", &["thư ký"]),
    ("member", &["thành viên", "ủy viên", "uỷ viên"]),
];

/// The title a cell names: a code, its Vietnamese label, one half of it, or a usual title for
/// it; empty is a member.
fn role_of(cell: &str) -> Option<&'static str> {
    if cell.trim().is_empty() {
        return Some("member");
    }
    let wanted = fold(cell);
    MEMBER_ROLES.iter().copied().find(|code| {
        let label = member_role_vi(code);
        let titles = TITLES
            .iter()
            .find(|(role, _)| role == code)
            .map_or(&[][..], |t| t.1);
        wanted == *code
            || wanted == fold(label)
            || label.split(" / ").any(|part| fold(part) == wanted)
            || titles.contains(&wanted.as_str())
    })
}

/// Reads the pasted text; every row is checked and every problem listed.
pub fn parse(text: &str) -> Result<Vec<Member>, Vec<RowProblem>> {
    let rows = text
        .lines()
        .enumerate()
        .map(|(i, line)| (i + 1, line.split('\t').map(str::to_string).collect()))
        .collect();
    parse_rows(rows)
}

/// The columns of a member sheet, in the order of a pasted row; the first is the header every
/// file has.
pub const SHEET_COLUMNS: [&str; 5] = [
    "Họ và tên",
    "Chức danh trong tổ chức",
    "Chức vụ",
    "Đơn vị công tác",
    "Điện thoại",
];

/// The rows of an uploaded sheet in the order of a pasted row, found by their headers (accents
/// and case aside), each with the row number the spreadsheet shows.
pub fn sheet_rows(
    headers: &[String],
    rows: Vec<(usize, Vec<String>)>,
    fold: impl Fn(&str) -> String,
) -> Vec<(usize, Vec<String>)> {
    let at: Vec<Option<usize>> = SHEET_COLUMNS
        .iter()
        .map(|name| headers.iter().position(|h| fold(h) == fold(name)))
        .collect();
    rows.into_iter()
        .map(|(row, cells)| {
            let cell = |i: Option<usize>| i.and_then(|i| cells.get(i)).cloned().unwrap_or_default();
            (row, at.iter().map(|i| cell(*i)).collect())
        })
        .collect()
}

/// Reads rows of cells (full name, title, position, workplace, phone), each numbered as its
/// source shows it; every row is checked and every problem listed.
pub fn parse_rows(rows: Vec<(usize, Vec<String>)>) -> Result<Vec<Member>, Vec<RowProblem>> {
    let mut members: Vec<Member> = Vec::new();
    let mut problems = Vec::new();
    let rows: Vec<(usize, Vec<String>)> = rows
        .into_iter()
        .filter(|(_, cells)| cells.iter().any(|c| !c.trim().is_empty()))
        .collect();
    if rows.is_empty() {
        problems.push(RowProblem {
            row: 0,
            reason: "Chưa dán dòng nào.".to_string(),
        });
    }
    if rows.len() > MAX_ROWS {
        problems.push(RowProblem {
            row: 0,
            reason: format!("Quá {MAX_ROWS} dòng."),
        });
        return Err(problems);
    }
    for (row, cells) in rows {
        let cell = |i: usize| cells.get(i).map_or("", String::as_str);
        let mut problem = |reason: String| problems.push(RowProblem { row, reason });
        let full_name = match input::required("Họ và tên", input::Kind::Name, cell(0)) {
            Ok(name) => name,
            Err(message) => {
                problem(message);
                continue;
            }
        };
        let Some(role) = role_of(cell(1)) else {
            problem(format!(
                "\"{}\" không phải chức danh trong tổ chức",
                cell(1).trim()
            ));
            continue;
        };
        let text = |label: &str, i: usize| input::text(label, input::Kind::Name, cell(i));
        let (position, workplace) = match (text("Chức vụ", 2), text("Đơn vị công tác", 3))
        {
            (Ok(position), Ok(workplace)) => (position, workplace),
            (Err(message), _) | (_, Err(message)) => {
                problem(message);
                continue;
            }
        };
        let phone = match input::text("Điện thoại", input::Kind::Code, cell(4)) {
            Ok(phone) => phone,
            Err(message) => {
                problem(message);
                continue;
            }
        };
        if let Some(phone) = &phone
            && !phone
                .chars()
                .all(|c| c.is_ascii_digit() || " +.-()".contains(c))
        {
            problem(format!("Số điện thoại \"{phone}\" không hợp lệ."));
            continue;
        }
        if members.iter().any(|m| m.full_name == full_name) {
            problem(format!("{full_name} đã có ở dòng trước."));
            continue;
        }
        let position = match (position, workplace) {
            (Some(p), Some(w)) => Some(format!("{p}, {w}")),
            (p, w) => p.or(w),
        };
        members.push(Member {
            full_name,
            role: role.to_string(),
            position,
            phone,
        });
    }
    if members.iter().filter(|m| m.role == "chair").count() > 1 {
        problems.push(RowProblem {
            row: 0,
            reason: "Mỗi tổ chức chỉ có một trưởng ban.".to_string(),
        });
    }
    if problems.is_empty() {
        Ok(members)
    } else {
        Err(problems)
    }
}

/// How many members were added and changed.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Outcome {
    pub added: u64,
    pub changed: u64,
}

/// Writes the members, touching only what differs, with one audit record for the whole list.
/// A chair when the body already has another is a problem, and the caller writes nothing.
pub async fn save(
    tx: &mut PgConnection,
    actor: &Actor,
    now: chrono::DateTime<chrono::FixedOffset>,
    (body, unit): (i64, i64),
    members: &[Member],
) -> sqlx::Result<Result<Outcome, RowProblem>> {
    if let Some(chair) = members.iter().find(|m| m.role == "chair")
        && let Some(other) = other_chair(tx, body, &chair.full_name).await?
    {
        return Ok(Err(RowProblem {
            row: 0,
            reason: format!("Tổ chức đã có trưởng ban {other}."),
        }));
    }
    let mut outcome = Outcome::default();
    for member in members {
        match upsert(tx, body, member).await? {
            Upserted::Added => outcome.added += 1,
            Upserted::Changed => outcome.changed += 1,
            Upserted::Same => {}
        }
    }
    if outcome != Outcome::default() {
        let event = Event::new("members.imported")
            .unit(unit)
            .object("body", body)
            .after(serde_json::json!({ "added": outcome.added, "changed": outcome.changed }));
        audit::record(tx, actor, now, event).await?;
    }
    Ok(Ok(outcome))
}

/// The body's chair other than `full_name`, if it has one.
pub async fn other_chair(
    tx: &mut PgConnection,
    body: i64,
    full_name: &str,
) -> sqlx::Result<Option<String>> {
    sqlx::query_scalar!(
        "SELECT full_name FROM body_members WHERE body_id = $1 AND role = 'chair' AND full_name <> $2",
        body,
        full_name
    )
    .fetch_optional(tx)
    .await
}

/// What writing a member did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Upserted {
    Added,
    Changed,
    Same,
}

/// Adds the member to the body, or changes the member of the same full name where it differs.
/// Every list of members written at once (pasted, imported with polling areas) goes through here.
pub async fn upsert(tx: &mut PgConnection, body: i64, member: &Member) -> sqlx::Result<Upserted> {
    let existing = sqlx::query!(
        "SELECT id, role, position, phone FROM body_members WHERE body_id = $1 AND full_name = $2",
        body,
        member.full_name
    )
    .fetch_optional(&mut *tx)
    .await?;
    match existing {
        Some(row)
            if (row.role.as_str(), &row.position, &row.phone)
                == (member.role.as_str(), &member.position, &member.phone) =>
        {
            Ok(Upserted::Same)
        }
        Some(row) => {
            sqlx::query!(
                "UPDATE body_members SET role = $2, position = $3, phone = $4 WHERE id = $1",
                row.id,
                member.role,
                member.position,
                member.phone
            )
            .execute(&mut *tx)
            .await?;
            Ok(Upserted::Changed)
        }
        None => {
            sqlx::query!(
                "INSERT INTO body_members (body_id, full_name, role, position, phone) VALUES ($1, $2, $3, $4, $5)",
                body,
                member.full_name,
                member.role,
                member.position,
                member.phone
            )
            .execute(&mut *tx)
            .await?;
            Ok(Upserted::Added)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_are_read_as_a_spreadsheet_copies_them() {
        let pasted = "Nguyễn Văn An\tTrưởng ban\tChủ tịch\tUBND huyện\t0912 345 678\n\
                      \n\
                      Trần Thị Bình\t\tPhó Chủ tịch\tUBND huyện\n\
                      Lê Văn Cường\tThư ký";
        let members = parse(pasted).unwrap();
        assert_eq!(members.len(), 3);
        assert_eq!(members[0].role, "chair");
        assert_eq!(members[0].position.as_deref(), Some("Chủ tịch, UBND huyện"));
        assert_eq!(members[1].role, "member");
        assert_eq!(members[2].role, "secretary");
    }

    #[test]
    fn the_usual_titles_of_each_body_are_read() {
        for (title, role) in [
            ("Chủ tịch", "chair"),
            ("Phó Chủ tịch", "deputy"),
            ("Tổ phó", "deputy"),
            ("Ủy viên", "member"),
            ("chair", "chair"),
        ] {
            assert_eq!(role_of(title), Some(role), "{title}");
        }
        assert_eq!(role_of("Thủ quỹ"), None);
    }

    #[test]
    fn every_bad_row_is_listed() {
        let pasted =
            "\tThành viên\nAn\tThủ quỹ\nBình\t\t\t\tabc\nBình\nCường\tTrưởng ban\nDũng\tTổ trưởng";
        let problems = parse(pasted).unwrap_err();
        let rows: Vec<usize> = problems.iter().map(|p| p.row).collect();
        assert_eq!(rows, [1, 2, 3, 0], "{problems:?}");
    }
}
