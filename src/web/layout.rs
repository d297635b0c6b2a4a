//! What every page shows around its content: the product, the election and its countdown, the
//! signed-in user with the links their role may follow, and the CSRF token for its forms.

use std::fmt::Display;

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use chrono::NaiveDate;

use super::AppError;
use crate::AppState;
use crate::auth::CurrentUser;
use crate::auth::guard::RequestMeta;
use crate::auth::routes::{ACCOUNT_KEEPERS, AUDITORS, Access, PROVINCE_PEOPLE, REVIEWERS};
use crate::elections::Election;
use crate::format;
use crate::i18n::{self, Lang};

pub struct Layout {
    pub election: Option<Election>,
    /// The application's today; absent on error pages, which are drawn without the request state.
    pub today: Option<NaiveDate>,
    pub user: Option<CurrentUser>,
    /// The token every form of the page carries.
    pub csrf: String,
    /// A message from the page that redirected here.
    pub flash: Option<String>,
    /// The language the page is drawn in.
    pub lang: Lang,
    /// This page's path and query, for the language switch to come back to.
    pub path: String,
}

impl Layout {
    /// The election shown and the unit the user works from in it: their own, or the election's
    /// for an administrator (who answers for no unit). None before any election exists.
    pub fn territory(&self, user: &CurrentUser) -> Option<(i64, i64)> {
        let election = self.election.as_ref()?;
        Some((
            election.id,
            user.scope.unit_id().unwrap_or(election.unit_id),
        ))
    }

    /// For pages that must render even when the database is down.
    pub fn without_election() -> Layout {
        Layout {
            election: None,
            today: None,
            user: None,
            csrf: String::new(),
            flash: None,
            lang: i18n::current(),
            path: "/".to_string(),
        }
    }

    /// Vietnamese text, or a finished Vietnamese message, in the page's language.
    pub fn t(&self, vi: impl AsRef<str>) -> String {
        self.lang.t(vi.as_ref()).into_owned()
    }

    /// A sentence with a value in it, at the `{}` of `pattern`.
    pub fn f(&self, pattern: &str, a: impl Display) -> String {
        self.fill(pattern, &[&a])
    }

    /// A sentence with two values in it, in order.
    pub fn f2(&self, pattern: &str, a: impl Display, b: impl Display) -> String {
        self.fill(pattern, &[&a, &b])
    }

    /// A sentence with three values in it, in order.
    pub fn f3(&self, pattern: &str, a: impl Display, b: impl Display, c: impl Display) -> String {
        self.fill(pattern, &[&a, &b, &c])
    }

    fn fill(&self, pattern: &str, values: &[&dyn Display]) -> String {
        let values: Vec<String> = values.iter().map(|v| v.to_string()).collect();
        self.lang.format(pattern, &values)
    }

    /// One of two texts kept side by side in the database.
    pub fn pick(&self, vi: impl AsRef<str>, en: impl AsRef<str>) -> String {
        self.lang.pick(vi.as_ref(), en.as_ref()).to_string()
    }

    /// The application's today, as dd/mm/yyyy.
    pub fn today_text(&self) -> Option<String> {
        self.today.map(format::date)
    }

    /// "Còn 116 ngày đến ngày bầu cử", as of the application's clock.
    pub fn countdown(&self) -> Option<String> {
        let election = self.election.as_ref()?;
        let days = (election.election_day - self.today?).num_days();
        Some(match days {
            0 => "Hôm nay là ngày bầu cử".to_string(),
            d if d > 0 => format!("Còn {} ngày đến ngày bầu cử", format::number(d)),
            d => format!("Đã qua ngày bầu cử {} ngày", format::number(-d)),
        })
    }

    fn admits(&self, access: Access) -> bool {
        self.user
            .as_ref()
            .is_some_and(|user| access.admits(user.role))
    }

    /// The flash message, and whether it is a warning rather than a plain confirmation.
    pub fn flash_message(&self) -> Option<(bool, &str)> {
        self.flash.as_deref().map(super::flash::level)
    }

    /// The main menu's links for this user, as the header and the phone menu show them.
    pub fn menu(&self) -> Vec<(&'static str, &'static str)> {
        let mut links = vec![
            ("/", "Trang chủ"),
            ("/dashboard", "Tổng hợp"),
            ("/my-work", "Việc của tôi"),
            ("/units", "Đơn vị hành chính"),
            ("/calendar", "Lịch"),
            ("/directives", "Chỉ đạo"),
            ("/budget", "Kinh phí"),
            ("/notifications", "Thông báo"),
        ];
        if self.admits(Access::Roles(PROVINCE_PEOPLE)) {
            links.push(("/meetings", "Cuộc họp"));
            links.push(("/visits", "Đoàn công tác"));
        }
        if self.admits(Access::Roles(REVIEWERS)) {
            links.push(("/approvals", "Chờ duyệt"));
        }
        if self.shows_audit() {
            links.push(("/audit", "Nhật ký"));
        }
        if self.shows_admin() {
            links.push(("/admin/users", "Người dùng"));
        }
        links
    }

    /// Whether to show the link to user administration.
    pub fn shows_admin(&self) -> bool {
        self.admits(Access::Roles(ACCOUNT_KEEPERS))
    }

    /// Whether to show the link to the audit log.
    pub fn shows_audit(&self) -> bool {
        self.admits(Access::Roles(AUDITORS))
    }
}

impl FromRequestParts<AppState> for Layout {
    type Rejection = AppError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let meta = parts
            .extensions
            .get::<RequestMeta>()
            .cloned()
            .unwrap_or_default();
        let user = parts.extensions.get::<CurrentUser>().cloned();
        // The election banner is for signed-in users; the login page shows only the product.
        let election = match &user {
            Some(user) => {
                let now = state.clock.now().to_utc();
                state.election.get(&state.pool, now, user.viewer()).await?
            }
            None => None,
        };
        Ok(Layout {
            election,
            today: Some(state.clock.today()),
            user,
            csrf: meta.csrf_token,
            flash: meta.flash,
            lang: i18n::current(),
            path: parts
                .uri
                .path_and_query()
                .map_or_else(|| "/".to_string(), |p| p.as_str().to_string()),
        })
    }
}
