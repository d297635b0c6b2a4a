//! What every page shows around its content: the product, the election and its countdown.

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use chrono::NaiveDate;

use super::{AppError, format};
use crate::AppState;
use crate::elections::Election;

pub struct Layout {
    pub election: Option<Election>,
    /// The application's today; absent on error pages, which are drawn without the request state.
    pub today: Option<NaiveDate>,
}

impl Layout {
    /// For pages that must render even when the database is down.
    pub fn without_election() -> Layout {
        Layout {
            election: None,
            today: None,
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
}

impl FromRequestParts<AppState> for Layout {
    type Rejection = AppError;

    async fn from_request_parts(
        _parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        Ok(Layout {
            election: crate::elections::current(&state.pool).await?,
            today: Some(state.clock.today()),
        })
    }
}
