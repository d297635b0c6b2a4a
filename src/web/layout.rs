//! What every page shows around its content: the product, the election and its countdown, the
//! signed-in user with the links their role may follow, and the CSRF token for its forms.

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use chrono::NaiveDate;

use super::{AppError, format};
use crate::AppState;
use crate::auth::CurrentUser;
use crate::auth::guard::RequestMeta;
use crate::auth::routes::{ADMINS, AUDITORS, Access};
use crate::elections::Election;

pub struct Layout {
    pub election: Option<Election>,
    /// The application's today; absent on error pages, which are drawn without the request state.
    pub today: Option<NaiveDate>,
    pub user: Option<CurrentUser>,
    /// The token every form of the page carries.
    pub csrf: String,
    /// A message from the page that redirected here.
    pub flash: Option<String>,
}

impl Layout {
    /// For pages that must render even when the database is down.
    pub fn without_election() -> Layout {
        Layout {
            election: None,
            today: None,
            user: None,
            csrf: String::new(),
            flash: None,
        }
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

    /// Whether to show the link to user administration.
    pub fn shows_admin(&self) -> bool {
        self.admits(Access::Roles(ADMINS))
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
            Some(_) => crate::elections::current(&state.pool).await?,
            None => None,
        };
        Ok(Layout {
            election,
            today: Some(state.clock.today()),
            user,
            csrf: meta.csrf_token,
            flash: meta.flash,
        })
    }
}
