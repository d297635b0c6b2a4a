//! The live figures of the structure a task is about: how many boards, groups or members there
//! are, shown on the task and the bulk page, and asked about before a task is marked done.

use std::collections::HashMap;

use chrono::NaiveDate;
use sqlx::PgPool;

use super::tasks::Task;

/// How far the structure a task is about has got, e.g. "3/5 Ban bầu cử có quyết định".
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Figure {
    pub text: String,
    pub complete: bool,
}

/// The live figures for tasks tied to the structure; none for the others.
pub async fn figure(pool: &PgPool, today: NaiveDate, task: &Task) -> sqlx::Result<Option<Figure>> {
    let figures = figures(
        pool,
        today,
        task.election_id,
        &task.code,
        task.unit_id,
        true,
    )
    .await?;
    Ok(figures.map(|mut f| {
        f.remove(&task.unit_id)
            .unwrap_or_else(|| missing(&task.code))
    }))
}

/// The figure of a unit that has none of the structure yet.
pub fn missing(code: &str) -> Figure {
    match code {
        "election_boards_established" => boards_figure(0, 0),
        "polling_groups_established" => groups_figure(0, 0),
        // Recording the task done with its decision founds the committee (one truth): nothing
        // to confirm.
        _ => Figure {
            text: "Chưa có Ủy ban bầu cử; ghi “Đã xong” với quyết định sẽ lập Ủy ban theo quyết định đó"
                .to_string(),
            complete: true,
        },
    }
}

/// How many of a unit's constituencies have an election board with a founding decision.
fn boards_figure(boards: i64, constituencies: i64) -> Figure {
    Figure {
        text: format!(
            "{boards}/{constituencies} đơn vị bầu cử có Ban bầu cử đã có quyết định thành lập"
        ),
        // Recording the task founds every board not yet founded: it needs only constituencies.
        complete: constituencies > 0,
    }
}

/// How many of a commune's polling areas have a polling group with a founding decision.
fn groups_figure(groups: i64, areas: i64) -> Figure {
    Figure {
        text: format!("{groups}/{areas} khu vực bỏ phiếu có Tổ bầu cử đã có quyết định thành lập"),
        // Recording the task founds every group not yet founded: it needs only polling areas.
        complete: areas > 0,
    }
}

/// The live figures of the entry `code` for `root` alone (`only_root`) or for every unit below it,
/// by unit, in one query; None when the entry is not about the structure.
pub async fn figures(
    pool: &PgPool,
    today: NaiveDate,
    election_id: i64,
    code: &str,
    root: i64,
    only_root: bool,
) -> sqlx::Result<Option<HashMap<i64, Figure>>> {
    let mut figures = HashMap::new();
    match code {
        "election_boards_established" => {
            let rows = sqlx::query!(
                r#"SELECT c.unit_id, count(*) AS "constituencies!",
                          count(b.id) FILTER (WHERE b.decision_date IS NOT NULL) AS "boards!"
                     FROM constituencies k
                     JOIN councils c ON c.id = k.council_id
                     JOIN races r ON r.id = c.race_id
                     JOIN units u ON u.id = c.unit_id
                     LEFT JOIN bodies b ON b.constituency_id = k.id AND b.dissolved_at IS NULL
                    WHERE r.election_id = $1
                      AND (CASE WHEN $3 THEN c.unit_id = $2 ELSE u.ancestors @> ARRAY[$2::bigint] END)
                    GROUP BY c.unit_id"#,
                election_id,
                root,
                only_root
            )
            .fetch_all(pool)
            .await?;
            for row in rows {
                figures.insert(row.unit_id, boards_figure(row.boards, row.constituencies));
            }
        }
        "polling_groups_established" => {
            let rows = sqlx::query!(
                r#"SELECT p.commune_id, count(*) AS "areas!",
                          count(b.id) FILTER (WHERE b.decision_date IS NOT NULL) AS "groups!"
                     FROM polling_areas p
                     JOIN units u ON u.id = p.commune_id
                     LEFT JOIN bodies b ON b.polling_area_id = p.id AND b.dissolved_at IS NULL
                    WHERE p.election_id = $1
                      AND (CASE WHEN $3 THEN p.commune_id = $2 ELSE u.ancestors @> ARRAY[$2::bigint] END)
                    GROUP BY p.commune_id"#,
                election_id,
                root,
                only_root
            )
            .fetch_all(pool)
            .await?;
            for row in rows {
                figures.insert(row.commune_id, groups_figure(row.groups, row.areas));
            }
        }
        "election_committee_established" => {
            let committees = crate::bodies::summaries(pool, election_id, root, only_root).await?;
            for body in committees
                .into_iter()
                .filter(|b| b.kind == "election_committee")
            {
                let established = body.is_established(today);
                let figure = Figure {
                    complete: established,
                    text: format!(
                        "{}: {} thành viên (luật định {}), {}",
                        body.name,
                        body.member_count()
                            .map_or("chưa rõ".to_string(), |n| n.to_string()),
                        body.range_text(),
                        if established {
                            "đủ điều kiện"
                        } else {
                            "chưa đủ điều kiện"
                        }
                    ),
                };
                figures.insert(body.unit_id, figure);
            }
        }
        _ => return Ok(None),
    }
    Ok(Some(figures))
}
