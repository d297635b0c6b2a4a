//! The answer to an edit that lost a race: 409, the version now stored beside what this user
//! typed, and the form again, filled with what they typed, ready to save over the new version.

use askama::Template;
use askama_web::WebTemplate;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

use super::layout::Layout;

/// One field of the form: its name, its label, the stored value and the typed one.
pub struct Field {
    pub name: &'static str,
    pub label: &'static str,
    pub stored: String,
    pub typed: String,
}

impl Field {
    pub fn new(
        name: &'static str,
        label: &'static str,
        stored: impl ToString,
        typed: impl ToString,
    ) -> Field {
        Field {
            name,
            label,
            stored: stored.to_string(),
            typed: typed.to_string(),
        }
    }
    pub fn differs(&self) -> bool {
        self.stored != self.typed
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "conflict.html")]
struct ConflictPage {
    layout: Layout,
    what: String,
    action: String,
    back: String,
    version: i32,
    fields: Vec<Field>,
    /// Fields sent along unchanged (a list of covered units, say), as name and value.
    hidden: Vec<(String, String)>,
}

/// The conflict page for `what` (e.g. "khu vực bỏ phiếu số 3"), posting again to `action`
/// with the `version` now stored.
pub fn page(
    layout: Layout,
    what: String,
    action: String,
    back: String,
    version: i32,
    fields: Vec<Field>,
    hidden: Vec<(String, String)>,
) -> Response {
    let page = ConflictPage {
        layout,
        what,
        action,
        back,
        version,
        fields,
        hidden,
    };
    (StatusCode::CONFLICT, page).into_response()
}
