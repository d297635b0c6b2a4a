//! Moving election day. Every deadline is election day less its offset, so the legal deadlines
//! move with it and keep their distance by law; administrative entries keep their offsets too,
//! unless the province moves them. The move is audited with its reason, and the election keeps
//! the day it moved from so that every page can say so.

use chrono::{DateTime, FixedOffset, NaiveDate};
use sqlx::PgConnection;

use crate::audit::{self, Actor, Event};
use crate::format;

/// Why election day cannot move to `day`, if it cannot.
pub fn check_new_day(current: NaiveDate, day: NaiveDate, today: NaiveDate) -> Result<(), String> {
    if day == current {
        return Err(format!("Ngày bầu cử đã là {}.", format::date(day)));
    }
    super::creating::check_day(day, today)
}

/// Moves the election's day to `day`, with the reason. The caller has checked the day.
pub async fn move_day(
    tx: &mut PgConnection,
    actor: &Actor,
    now: DateTime<FixedOffset>,
    election: i64,
    day: NaiveDate,
    reason: &str,
) -> sqlx::Result<()> {
    let before = sqlx::query!(
        "SELECT election_day, unit_id FROM elections WHERE id = $1 FOR UPDATE",
        election
    )
    .fetch_one(&mut *tx)
    .await?;
    sqlx::query!(
        "UPDATE elections SET election_day = $2, moved_from = $3, moved_reason = $4 WHERE id = $1",
        election,
        day,
        before.election_day,
        reason
    )
    .execute(&mut *tx)
    .await?;
    let days = (day - before.election_day).num_days();
    let event = Event::new("election.moved")
        .unit(before.unit_id)
        .object("election", election)
        .before(serde_json::json!({ "election_day": before.election_day }))
        .after(serde_json::json!({ "election_day": day, "reason": reason, "days": days }));
    audit::record(tx, actor, now, event).await
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(text: &str) -> NaiveDate {
        text.parse().unwrap()
    }

    #[test]
    fn a_new_election_day_is_a_later_sunday() {
        let (current, today) = (day("2021-05-23"), day("2021-01-27"));
        assert!(check_new_day(current, day("2021-05-30"), today).is_ok());
        assert!(
            check_new_day(current, day("2021-05-29"), today)
                .unwrap_err()
                .contains("Chủ nhật")
        );
        assert!(
            check_new_day(current, day("2021-01-24"), today)
                .unwrap_err()
                .contains("sau hôm nay")
        );
        assert!(check_new_day(current, current, today).is_err());
    }
}
