//! Printouts for those who handle the council: a conference's lists and a voter meeting's minutes.

use super::nominee::{NomineePage, for_change};
use super::*;

#[derive(Template, WebTemplate)]
#[template(path = "candidates/conference.html")]
pub(super) struct ConferencePage {
    layout: Layout,
    council: Council,
    round: i64,
    held: Option<Consultation>,
    quotas: Vec<Quota>,
    /// Round 2: the preliminary list; round 3: the qualified list.
    kept: Vec<Nominee>,
    /// Those the conference left out, with why.
    left: Vec<Nominee>,
}

impl ConferencePage {
    fn title(&self) -> &'static str {
        round_name(self.round)
    }
    fn list_title(&self) -> &'static str {
        match self.round {
            1 => "Cơ cấu, thành phần, số lượng người được giới thiệu ứng cử",
            2 => "Danh sách sơ bộ những người ứng cử",
            _ => "Danh sách những người đủ tiêu chuẩn ứng cử",
        }
    }
}

/// A conference's record and the list it drew up, to print (those who handle the council).
pub(super) async fn conference(
    State(state): State<AppState>,
    layout: Layout,
    user: CurrentUser,
    Path((id, round)): Path<(i64, i64)>,
) -> AppResult<ConferencePage> {
    if !(1..=3).contains(&round) {
        return Err(AppError::NotFound);
    }
    let council = handled(&state, &user, id).await?;
    let held = crate::candidates::consultations(&state.pool, id)
        .await?
        .into_iter()
        .find(|c| i64::from(c.round) == round);
    let nominees = crate::candidates::nominees(&state.pool, Some(id), None).await?;
    let (left_at, reached_rank) = match round {
        2 => ("consultation_2", 1),
        _ => ("consultation_3", 2),
    };
    let decided = held.is_some() && round > 1;
    // On the conference's list: whoever reached its stage, even if they stopped later.
    let kept = nominees
        .iter()
        .filter(|n| decided && rank(&n.stage) >= reached_rank)
        .cloned()
        .collect();
    let left = nominees
        .iter()
        .filter(|n| decided && n.left_at.as_deref() == Some(left_at))
        .cloned()
        .collect();
    Ok(ConferencePage {
        quotas: crate::candidates::quotas(&state.pool, id).await?,
        layout,
        council,
        round,
        held,
        kept,
        left,
    })
}

#[derive(Template, WebTemplate)]
#[template(path = "candidates/voter_meeting.html")]
pub(super) struct VoterMeetingPage {
    layout: Layout,
    council: Council,
    nominee: Nominee,
    meeting: VoterMeeting,
    issues: Vec<VoterIssue>,
}

/// The minutes of a voter meeting, to print (those who handle the council).
pub(super) async fn voter_meeting(
    State(state): State<AppState>,
    layout: Layout,
    user: CurrentUser,
    Path(id): Path<i64>,
) -> AppResult<VoterMeetingPage> {
    let nominee_id = sqlx::query_scalar!("SELECT nominee_id FROM voter_meetings WHERE id = $1", id)
        .fetch_optional(&state.pool)
        .await?
        .ok_or(AppError::NotFound)?;
    let page = for_change(&state, layout, &user, nominee_id, Fields::new()).await?;
    let NomineePage {
        layout,
        council,
        nominee,
        meetings,
        issues,
        ..
    } = page;
    let meeting = meetings
        .into_iter()
        .find(|m| m.id == id)
        .ok_or(AppError::NotFound)?;
    Ok(VoterMeetingPage {
        layout,
        council,
        nominee,
        meeting,
        issues,
    })
}
