//! How an audit record reads for a person: its action in words, and what changed, field by field,
//! with values as the pages write them. The raw record stays one click away.

use serde_json::{Map, Value};

use crate::checklists::deadline;

/// The action in words; an action without wording reads as its code.
pub fn action(code: &str) -> &str {
    match code {
        "access.denied" => "Bị từ chối truy cập",
        "attachment.added" => "Thêm tệp căn cứ",
        "attachment.removed" => "Xóa tệp căn cứ",
        "body.created" => "Lập tổ chức",
        "body.dissolved" => "Giải thể tổ chức",
        "body.updated" => "Sửa tổ chức",
        "brief.saved" => "Lưu bản tóm tắt",
        "calendar.added" => "Thêm mốc thời gian",
        "calendar.moved" => "Dời mốc thời gian",
        "calendar.retired" => "Bỏ mốc thời gian",
        "constituency.created" => "Lập đơn vị bầu cử",
        "constituency.deleted" => "Xóa đơn vị bầu cử",
        "constituency.updated" => "Sửa đơn vị bầu cử",
        "council.seats_set" => "Ấn định số đại biểu",
        "election.created" => "Tạo kỳ bầu cử",
        "election.moved" => "Dời ngày bầu cử",
        "login.failure" => "Đăng nhập không thành công",
        "login.success" => "Đăng nhập",
        "login.throttled" => "Đăng nhập bị tạm chặn",
        "logout" => "Đăng xuất",
        "member.added" => "Thêm thành viên",
        "member.removed" => "Xóa thành viên",
        "member.updated" => "Sửa thành viên",
        "members.imported" => "Nhập danh sách thành viên",
        "polling_area.created" => "Lập khu vực bỏ phiếu",
        "polling_area.deleted" => "Xóa khu vực bỏ phiếu",
        "polling_area.updated" => "Sửa khu vực bỏ phiếu",
        "polling_areas.imported" => "Nhập khu vực bỏ phiếu",
        "task.approved" => "Tỉnh duyệt công việc",
        "task.reopened" => "Mở lại công việc",
        "task.returned" => "Tỉnh trả lại công việc",
        "task.updated" => "Cập nhật công việc",
        "unit.figures_set" => "Ghi dân số, cử tri",
        "unit.kind_set" => "Sửa loại đơn vị, địa bàn",
        "user.created" => "Tạo tài khoản",
        "user.disabled" => "Khóa tài khoản",
        "user.election_chosen" => "Chọn kỳ bầu cử làm việc",
        "user.enabled" => "Mở lại tài khoản",
        "user.language_changed" => "Đổi ngôn ngữ",
        "user.password_changed" => "Đổi mật khẩu",
        "user.password_reset" => "Cấp lại mật khẩu",
        "user.sessions_ended" => "Kết thúc các phiên đăng nhập",
        "user.updated" => "Sửa tài khoản",
        other => other,
    }
}

/// A field's name in words; a field without wording reads as its key.
fn field(key: &str) -> &str {
    match key {
        "status" => "Trạng thái",
        "status_reason" | "reason" => "Lý do",
        "evidence_number" | "number" => "Số văn bản",
        "evidence_date" => "Ngày văn bản",
        "evidence_signer" | "signer" => "Người ký",
        "note" => "Ghi chú",
        "review" => "Duyệt",
        "review_comment" => "Ý kiến của tỉnh",
        "before_go_live" => "Ghi nhận trước khi sử dụng hệ thống",
        "date" => "Ngày",
        "name" => "Tên",
        "kind" => "Loại",
        "population" => "Dân số",
        "voters" => "Số cử tri",
        "seats" => "Số đại biểu",
        "seats_total" => "Tổng số đại biểu",
        "election_day" => "Ngày bầu cử",
        "deadline" => "Hạn",
        "title" => "Tên mốc",
        "username" => "Tên đăng nhập",
        "full_name" => "Họ và tên",
        "role" => "Vai trò",
        "phone" => "Điện thoại",
        "email" => "Thư điện tử",
        "language" => "Ngôn ngữ",
        "file_name" => "Tệp",
        "added" => "Thêm mới",
        "changed" => "Thay đổi",
        other => other,
    }
}

/// A value as the pages write it: statuses and reviews in words, dates dd/mm/yyyy, yes and no.
fn value(key: &str, value: &Value) -> String {
    match value {
        Value::Null => "—".to_string(),
        Value::Bool(true) => "có".to_string(),
        Value::Bool(false) => "không".to_string(),
        Value::String(text) if key == "status" => deadline::status_label(text).to_string(),
        Value::String(text) if key == "review" => match text.as_str() {
            "approved" => "đã duyệt".to_string(),
            "returned" => "trả lại".to_string(),
            _ => "chưa duyệt".to_string(),
        },
        Value::String(text) => match chrono::NaiveDate::parse_from_str(text, "%Y-%m-%d") {
            Ok(day) => crate::format::date(day),
            Err(_) => text.clone(),
        },
        other => other.to_string(),
    }
}

fn object(text: Option<&str>) -> Map<String, Value> {
    match text.and_then(|t| serde_json::from_str(t).ok()) {
        Some(Value::Object(map)) => map,
        _ => Map::new(),
    }
}

/// One field a record changed: its name, the value before (if the record had one) and after.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Change {
    pub field: String,
    pub before: Option<String>,
    pub after: String,
}

impl std::fmt::Display for Change {
    /// "Trạng thái: Chưa bắt đầu → Đã xong", or "Tên: …" for a field only set.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.before {
            Some(before) => write!(f, "{}: {before} → {}", self.field, self.after),
            None => write!(f, "{}: {}", self.field, self.after),
        }
    }
}

/// What the record changed, field by field; a record that only sets or only removes lists its
/// fields. Versions and ids are left to the raw record.
pub fn changes(before: Option<&str>, after: Option<&str>) -> Vec<Change> {
    let (before, after) = (object(before), object(after));
    let skipped = |key: &str| key == "version" || key.ends_with("_id") || key == "id";
    let change = |key: &str, old: Option<&Value>, new: &Value| Change {
        field: field(key).to_string(),
        before: old.map(|old| value(key, old)),
        after: value(key, new),
    };
    // The fields in the order a task's page shows them; others after, by name.
    const FIRST: [&str; 8] = [
        "status",
        "status_reason",
        "evidence_number",
        "evidence_date",
        "evidence_signer",
        "note",
        "review",
        "review_comment",
    ];
    let mut keys: Vec<(&String, &Value)> = after.iter().filter(|(k, _)| !skipped(k)).collect();
    keys.sort_by_key(|(k, _)| FIRST.iter().position(|f| f == k).unwrap_or(FIRST.len()));
    let mut lines = Vec::new();
    for (key, new) in keys {
        match before.get(key) {
            Some(old) if old == new => {}
            old => lines.push(change(key, old, new)),
        }
    }
    if after.is_empty() {
        for (key, old) in before.iter().filter(|(k, _)| !skipped(k)) {
            lines.push(change(key, None, old));
        }
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_task_update_reads_field_by_field() {
        let before =
            r#"{"status": "not_started", "evidence_date": null, "note": "a", "version": 1}"#;
        let after =
            r#"{"status": "done", "evidence_date": "2021-01-27", "note": "a", "version": 2}"#;
        let lines: Vec<String> = changes(Some(before), Some(after))
            .iter()
            .map(ToString::to_string)
            .collect();
        assert_eq!(
            lines,
            [
                "Trạng thái: Chưa bắt đầu → Đã xong",
                "Ngày văn bản: — → 27/01/2021"
            ]
        );
        assert_eq!(action("task.updated"), "Cập nhật công việc");
        assert_eq!(action("something.new"), "something.new");
    }

    #[test]
    fn a_record_that_only_sets_or_only_removes_lists_its_fields() {
        let read = |before, after| -> Vec<String> {
            changes(before, after)
                .iter()
                .map(ToString::to_string)
                .collect()
        };
        assert_eq!(
            read(None, Some(r#"{"name": "Tổ bầu cử số 1"}"#)),
            ["Tên: Tổ bầu cử số 1"]
        );
        assert_eq!(read(Some(r#"{"voters": 1200}"#), None), ["Số cử tri: 1200"]);
    }
}
