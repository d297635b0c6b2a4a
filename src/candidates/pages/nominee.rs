//! `/nominees/{id}`: one nominee, with their voter meetings, the questions raised and verified,
//! and their taking off an official list; for those who handle the council.

use super::*;

#[derive(Template, WebTemplate)]
#[template(path = "candidates/nominee.html")]
pub(super) struct NomineePage {
    pub(super) layout: Layout,
    pub(super) council: Council,
    pub(super) nominee: Nominee,
    pub(super) handles: bool,
    pub(super) meetings: Vec<VoterMeeting>,
    pub(super) issues: Vec<VoterIssue>,
    pub(super) standing: Standing,
    pub(super) typed: Fields,
    pub(super) error: Option<Refusal>,
}

impl NomineePage {
    fn field(&self, name: &str) -> &str {
        self.typed.get(name).map_or("", String::as_str)
    }
    fn error_at(&self, field: &str) -> Option<&str> {
        self.error.as_ref()?.message_at(field)
    }
    fn error_above(&self) -> Option<&str> {
        self.error.as_ref()?.message_above()
    }
    fn place_kinds(&self) -> &'static [(&'static str, &'static str)] {
        crate::candidates::PLACE_KINDS
    }
    fn on_list(&self) -> bool {
        self.nominee.stage == "official" && self.nominee.is_in()
    }
    fn left_text(&self) -> String {
        self.nominee.left_on.map(format::date).unwrap_or_default()
    }
}

/// The nominee, if the user handles their council, or reads it and they are on the official list.
async fn nominee_page(
    state: &AppState,
    layout: Layout,
    user: &CurrentUser,
    id: i64,
    typed: Fields,
    error: Option<Refusal>,
) -> AppResult<NomineePage> {
    let nominee = crate::candidates::nominees(&state.pool, None, Some(id))
        .await?
        .pop()
        .ok_or(AppError::NotFound)?;
    let (council, handles) = readable(state, user, nominee.council_id).await?;
    let published = nominee.stage == "official" && nominee.is_in();
    if !handles && !published {
        return Err(AppError::OutOfScope);
    }
    let (meetings, issues) = if handles {
        let meetings = crate::candidates::voter_meetings(&state.pool, council.id, Some(id)).await?;
        (
            meetings,
            crate::candidates::voter_issues(&state.pool, council.id, Some(id)).await?,
        )
    } else {
        (Vec::new(), Vec::new())
    };
    let standing = crate::candidates::standing(id, &meetings, &issues);
    Ok(NomineePage {
        layout,
        council,
        nominee,
        handles,
        meetings,
        issues,
        standing,
        typed,
        error,
    })
}

pub(super) async fn show_nominee(
    State(state): State<AppState>,
    layout: Layout,
    user: CurrentUser,
    Path(id): Path<i64>,
) -> AppResult<NomineePage> {
    nominee_page(&state, layout, &user, id, Fields::new(), None).await
}

/// The nominee's page for a change: only for those who handle the council.
pub(super) async fn for_change(
    state: &AppState,
    layout: Layout,
    user: &CurrentUser,
    id: i64,
    typed: Fields,
) -> AppResult<NomineePage> {
    let page = nominee_page(state, layout, user, id, typed, None).await?;
    if !page.handles {
        return Err(AppError::OutOfScope);
    }
    Ok(page)
}

fn refused(mut page: NomineePage, error: Refusal, status: StatusCode) -> AppResult<Response> {
    page.error = Some(error);
    Ok((status, page).into_response())
}

pub(super) async fn add_meeting(
    State(state): State<AppState>,
    layout: Layout,
    user: CurrentUser,
    meta: RequestMeta,
    Path(id): Path<i64>,
    Form(typed): Form<Fields>,
) -> AppResult<Response> {
    let page = for_change(&state, layout, &user, id, typed).await?;
    let typed = &page.typed;
    let checked = (|| {
        if page.nominee.stage != "preliminary" || !page.nominee.is_in() {
            return Err(Refusal::above(
                "Hội nghị cử tri lấy ý kiến người có tên trong danh sách sơ bộ, giữa hội nghị hiệp thương lần thứ hai và lần thứ ba.",
            ));
        }
        let place_kind = crate::candidates::PLACE_KINDS
            .iter()
            .find(|(code, _)| *code == field(typed, "place_kind"))
            .map(|(code, _)| *code)
            .ok_or_else(|| Refusal::at("place_kind")("Chọn nơi tổ chức.".to_string()))?;
        let held_on = past_day(typed, "held_on", "Ngày hội nghị", state.clock.today())?;
        let place = form::required("Địa điểm", form::Kind::Name, field(typed, "place"))
            .map_err(Refusal::at("place"))?;
        let invited = count_at(typed, "invited", "Số cử tri được mời")?;
        let attending = count_at(typed, "attending", "Số cử tri dự")?;
        let confident = count_at(typed, "confident", "Số cử tri tín nhiệm")?;
        if invited == 0 || attending == 0 || attending > invited {
            return Err(Refusal::at("attending")(
                "Số cử tri dự phải lớn hơn 0 và không quá số được mời.".to_string(),
            ));
        }
        if confident > attending {
            return Err(Refusal::at("confident")(
                "Số cử tri tín nhiệm không thể quá số cử tri dự.".to_string(),
            ));
        }
        Ok(crate::candidates::NewVoterMeeting {
            place_kind,
            held_on,
            place,
            invited,
            attending,
            confident,
        })
    })();
    let meeting = match checked {
        Ok(meeting) => meeting,
        Err(error) => return refused(page, error, StatusCode::UNPROCESSABLE_ENTITY),
    };
    let mut tx = state.pool.begin().await?;
    crate::candidates::add_voter_meeting(
        &mut tx,
        &user.actor(&meta),
        state.clock.now(),
        &page.council,
        id,
        &meeting,
    )
    .await?;
    tx.commit().await?;
    let said = if rules::has_confidence(meeting.attending, meeting.confident) {
        "Đã ghi hội nghị cử tri."
    } else {
        "Đã ghi hội nghị cử tri. Người này chưa được quá nửa số cử tri dự tín nhiệm."
    };
    Ok(flash::redirect(&format!("/nominees/{id}"), said))
}

pub(super) async fn raise_issue(
    State(state): State<AppState>,
    layout: Layout,
    user: CurrentUser,
    meta: RequestMeta,
    Path(id): Path<i64>,
    Form(typed): Form<Fields>,
) -> AppResult<Response> {
    let page = for_change(&state, layout, &user, id, typed).await?;
    let checked = (|| {
        let raised_on = past_day(&page.typed, "raised_on", "Ngày nêu", state.clock.today())?;
        let raised = form::required(
            "Vấn đề cử tri nêu",
            form::Kind::Reason,
            field(&page.typed, "raised"),
        )
        .map_err(Refusal::at("raised"))?;
        Ok((raised_on, raised))
    })();
    let (raised_on, raised) = match checked {
        Ok(checked) => checked,
        Err(error) => return refused(page, error, StatusCode::UNPROCESSABLE_ENTITY),
    };
    let mut tx = state.pool.begin().await?;
    let issue = (raised_on, raised.as_str());
    crate::candidates::raise_issue(
        &mut tx,
        &user.actor(&meta),
        state.clock.now(),
        &page.council,
        id,
        issue,
    )
    .await?;
    tx.commit().await?;
    Ok(flash::redirect(
        &format!("/nominees/{id}"),
        "Đã ghi vấn đề cử tri nêu; cần xác minh trước hội nghị hiệp thương lần thứ ba.",
    ))
}

pub(super) async fn verify_issue(
    State(state): State<AppState>,
    layout: Layout,
    user: CurrentUser,
    meta: RequestMeta,
    Path(id): Path<i64>,
    Form(typed): Form<Fields>,
) -> AppResult<Response> {
    let nominee = sqlx::query_scalar!("SELECT nominee_id FROM voter_issues WHERE id = $1", id)
        .fetch_optional(&state.pool)
        .await?
        .ok_or(AppError::NotFound)?;
    let page = for_change(&state, layout, &user, nominee, typed).await?;
    let checked = (|| {
        let verified_on = past_day(
            &page.typed,
            "verified_on",
            "Ngày xác minh",
            state.clock.today(),
        )?;
        let finding = form::required(
            "Kết quả xác minh",
            form::Kind::Reason,
            field(&page.typed, "finding"),
        )
        .map_err(Refusal::at("finding"))?;
        Ok((verified_on, finding))
    })();
    let (verified_on, finding) = match checked {
        Ok(checked) => checked,
        Err(error) => return refused(page, error, StatusCode::UNPROCESSABLE_ENTITY),
    };
    let version = field(&page.typed, "version").parse().unwrap_or(-1);
    let mut tx = state.pool.begin().await?;
    let closing = (verified_on, finding.as_str());
    if !crate::candidates::verify_issue(
        &mut tx,
        &user.actor(&meta),
        state.clock.now(),
        &page.council,
        id,
        version,
        closing,
    )
    .await?
    {
        drop(tx);
        return refused(
            page,
            Refusal::above(
                "Vấn đề này vừa được người khác cập nhật nên chưa lưu; những gì bạn nhập vẫn ở trong ô.",
            ),
            StatusCode::CONFLICT,
        );
    }
    tx.commit().await?;
    Ok(flash::redirect(
        &format!("/nominees/{nominee}"),
        "Đã ghi kết quả xác minh.",
    ))
}

pub(super) async fn take_off(
    State(state): State<AppState>,
    layout: Layout,
    user: CurrentUser,
    meta: RequestMeta,
    Path(id): Path<i64>,
    Form(typed): Form<Fields>,
) -> AppResult<Response> {
    let page = for_change(&state, layout, &user, id, typed).await?;
    let checked = (|| {
        if !page.on_list() {
            return Err(Refusal::above(
                "Chỉ người có tên trong danh sách chính thức mới rút hoặc bị xóa tên.",
            ));
        }
        let kind = match field(&page.typed, "kind") {
            "withdrawn" => "withdrawn",
            "removed" => "removed",
            _ => {
                return Err(Refusal::at("kind")(
                    "Chọn rút khỏi danh sách hoặc bị xóa tên.".to_string(),
                ));
            }
        };
        let reason = form::required("Lý do", form::Kind::Reason, field(&page.typed, "reason"))
            .map_err(Refusal::at("reason"))?;
        let on = past_day(&page.typed, "left_on", "Ngày", state.clock.today())?;
        Ok((kind, reason, on))
    })();
    let (kind, reason, on) = match checked {
        Ok(checked) => checked,
        Err(error) => return refused(page, error, StatusCode::UNPROCESSABLE_ENTITY),
    };
    // What the constituency's list would hold without them.
    let constituencies = crate::candidates::constituencies(&state.pool, page.council.id).await?;
    let others = crate::candidates::nominees(&state.pool, Some(page.council.id), None).await?;
    let mut placed = HashMap::new();
    for n in reached(&others, 3).into_iter().filter(|n| n.id != id) {
        if let Some(k) = n.constituency_id {
            *placed.entry(k).or_insert(0) += 1;
        }
    }
    let breaks = crate::candidates::list_checks(&page.council.race_kind, &constituencies, &placed)
        .into_iter()
        .zip(&constituencies)
        .any(|(check, k)| Some(k.id) == page.nominee.constituency_id && !check.kept());
    let version = field(&page.typed, "version").parse().unwrap_or(-1);
    let mut tx = state.pool.begin().await?;
    let left = (kind, reason.as_str(), on);
    let actor = user.actor(&meta);
    if !crate::candidates::take_off_list(
        &mut tx,
        &actor,
        state.clock.now(),
        &page.council,
        &page.nominee,
        version,
        left,
        breaks,
    )
    .await?
    {
        drop(tx);
        return refused(
            page,
            Refusal::above(
                "Người này vừa được người khác cập nhật nên chưa lưu; những gì bạn nhập vẫn ở trong ô.",
            ),
            StatusCode::CONFLICT,
        );
    }
    tx.commit().await?;
    let said = if breaks {
        "Đã ghi. Cảnh báo: danh sách của đơn vị bầu cử này không còn đủ số dư theo luật."
    } else {
        "Đã ghi."
    };
    Ok(flash::redirect(
        &format!("/councils/{}/candidates", page.council.id),
        said,
    ))
}

// ---------------------------------------------------------------------------------------------
// The official list, printed and downloaded
