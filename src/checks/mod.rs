//! The "Kiểm tra" panel: every violation of the election law and every warning in a unit and below
//! it, each with a link to what needs fixing. A handful of set-based queries per unit, never one
//! per object, so the same list can be counted per unit for the dashboards.

use chrono::NaiveDate;
use sqlx::PgPool;

use crate::bodies;
use crate::constituencies;
use crate::format::number;
use crate::polling::rules::size_problem;
use crate::units;

/// Whether a finding breaks the law (a violation) or only deserves a look (a warning).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Severity {
    Violation,
    Warning,
}

/// One thing to fix.
#[derive(Clone, Debug)]
pub struct Finding {
    pub severity: Severity,
    /// What kind of check found it, in Vietnamese, for grouping.
    pub check: &'static str,
    pub unit_name: String,
    /// Who may see it: those who may read this unit.
    pub unit_ancestors: Vec<i64>,
    pub subject: String,
    pub message: String,
    pub link: String,
}

impl Finding {
    pub fn is_violation(&self) -> bool {
        self.severity == Severity::Violation
    }
}

pub const BODY_CHECK: &str = "Tổ chức phụ trách bầu cử";
pub const SEATS_CHECK: &str = "Số đại biểu và đơn vị bầu cử";
pub const BOARD_CHECK: &str = "Ban bầu cử của đơn vị bầu cử";
pub const AREA_CHECK: &str = "Khu vực bỏ phiếu";
pub const SUM_CHECK: &str = "Số liệu cộng không khớp";

/// Everything wrong in `unit_id` and below it, violations first.
pub async fn findings(
    pool: &PgPool,
    election_id: i64,
    unit_id: i64,
    today: NaiveDate,
) -> sqlx::Result<Vec<Finding>> {
    let mut found = Vec::new();
    body_findings(pool, election_id, unit_id, today, &mut found).await?;
    council_findings(pool, election_id, unit_id, &mut found).await?;
    constituency_findings(pool, election_id, unit_id, &mut found).await?;
    area_findings(pool, election_id, unit_id, &mut found).await?;
    sum_findings(pool, election_id, unit_id, &mut found).await?;
    found.sort_by(|a, b| (a.severity, a.check).cmp(&(b.severity, b.check)));
    Ok(found)
}

async fn body_findings(
    pool: &PgPool,
    election_id: i64,
    unit_id: i64,
    today: NaiveDate,
    found: &mut Vec<Finding>,
) -> sqlx::Result<()> {
    for body in bodies::summaries(pool, election_id, unit_id, false).await? {
        for problem in body.problems(today) {
            found.push(Finding {
                severity: if problem.violation {
                    Severity::Violation
                } else {
                    Severity::Warning
                },
                check: BODY_CHECK,
                unit_name: body.unit_name.clone(),
                unit_ancestors: body.unit_ancestors.clone(),
                subject: body.name.clone(),
                message: problem.message,
                link: body.href(),
            });
        }
    }
    Ok(())
}

async fn council_findings(
    pool: &PgPool,
    election_id: i64,
    unit_id: i64,
    found: &mut Vec<Finding>,
) -> sqlx::Result<()> {
    for council in constituencies::councils(pool, election_id, unit_id, false).await? {
        let mut push = |severity, message: String| {
            found.push(Finding {
                severity,
                check: SEATS_CHECK,
                unit_name: council.unit_name.clone(),
                unit_ancestors: council.unit_ancestors.clone(),
                subject: council.race_name().to_string(),
                message,
                link: units::path(&council.unit_level, council.unit_gso_code),
            })
        };
        if council.kind == "na" {
            match council.seats_total {
                None => push(
                    Severity::Warning,
                    "chưa nhập số đại biểu Quốc hội được bầu".to_string(),
                ),
                Some(total) if total < 6 => push(
                    Severity::Violation,
                    format!("{total} đại biểu Quốc hội; mỗi tỉnh được bầu ít nhất 6"),
                ),
                Some(_) => {}
            }
        } else if council.total().is_none() {
            let why = council
                .calculation
                .as_ref()
                .map_or_else(|| "không tính được".to_string(), |c| c.working.clone());
            push(
                Severity::Warning,
                format!("chưa xác định tổng số đại biểu: {why}"),
            );
        }
        match (council.total(), council.constituencies) {
            (_, 0) => push(Severity::Warning, "chưa có đơn vị bầu cử".to_string()),
            (Some(total), _) if total != council.seats_sum => push(
                Severity::Violation,
                format!(
                    "các đơn vị bầu cử có tổng {} đại biểu, khác tổng số {} đại biểu được bầu",
                    council.seats_sum, total
                ),
            ),
            _ => {}
        }
    }
    Ok(())
}

async fn constituency_findings(
    pool: &PgPool,
    election_id: i64,
    unit_id: i64,
    found: &mut Vec<Finding>,
) -> sqlx::Result<()> {
    let rows = sqlx::query!(
        r#"SELECT k.number, k.name, k.seats, r.max_seats_per_constituency AS cap, u.level, u.gso_code,
                  u.name AS unit_name, u.ancestors,
                  EXISTS (SELECT 1 FROM bodies b WHERE b.constituency_id = k.id AND b.dissolved_at IS NULL)
                      AS "has_board!",
                  (SELECT count(*) FROM constituency_units cu JOIN units cv ON cv.id = cu.unit_id
                    WHERE cu.constituency_id = k.id AND NOT cv.ancestors @> ARRAY[c.unit_id]) AS "foreign!",
                  (SELECT count(*) FROM constituency_units cu WHERE cu.constituency_id = k.id) AS "covered!"
             FROM constituencies k
             JOIN councils c ON c.id = k.council_id
             JOIN races r ON r.id = k.race_id
             JOIN units u ON u.id = c.unit_id
            WHERE r.election_id = $1 AND u.ancestors @> ARRAY[$2::bigint]
            ORDER BY u.ancestors, r.id, k.number"#,
        election_id,
        unit_id
    )
    .fetch_all(pool)
    .await?;
    for row in rows {
        let subject = format!("Đơn vị bầu cử số {} ({})", row.number, row.name);
        let link = units::path(&row.level, row.gso_code);
        let mut push = |severity, check, message: String| {
            found.push(Finding {
                severity,
                check,
                unit_name: row.unit_name.clone(),
                unit_ancestors: row.ancestors.clone(),
                subject: subject.clone(),
                message,
                link: link.clone(),
            })
        };
        if row.seats > i32::from(row.cap) {
            push(
                Severity::Violation,
                SEATS_CHECK,
                format!(
                    "{} đại biểu, quá mức tối đa {} của một đơn vị bầu cử",
                    row.seats, row.cap
                ),
            );
        }
        if !row.has_board {
            push(
                Severity::Violation,
                BOARD_CHECK,
                "chưa có Ban bầu cử".to_string(),
            );
        }
        if row.foreign > 0 {
            push(
                Severity::Violation,
                SEATS_CHECK,
                format!(
                    "gồm {} đơn vị hành chính không thuộc địa bàn của hội đồng",
                    row.foreign
                ),
            );
        }
        if row.covered == 0 {
            push(
                Severity::Warning,
                SEATS_CHECK,
                "chưa ghi địa bàn (các đơn vị hành chính)".to_string(),
            );
        }
    }
    Ok(())
}

async fn area_findings(
    pool: &PgPool,
    election_id: i64,
    unit_id: i64,
    found: &mut Vec<Finding>,
) -> sqlx::Result<()> {
    let rows = sqlx::query!(
        r#"SELECT p.number, p.name, p.voters, p.kind, u.terrain, u.level, u.gso_code, u.name AS unit_name,
                  u.ancestors,
                  EXISTS (SELECT 1 FROM bodies b WHERE b.polling_area_id = p.id AND b.dissolved_at IS NULL)
                      AS "has_group!"
             FROM polling_areas p JOIN units u ON u.id = p.commune_id
            WHERE p.election_id = $1 AND u.ancestors @> ARRAY[$2::bigint]
            ORDER BY u.ancestors, p.number"#,
        election_id,
        unit_id
    )
    .fetch_all(pool)
    .await?;
    for row in rows {
        let subject = format!("Khu vực bỏ phiếu số {} ({})", row.number, row.name);
        let link = units::path(&row.level, row.gso_code);
        if let Some(message) = size_problem(i64::from(row.voters), &row.kind, &row.terrain) {
            found.push(Finding {
                severity: Severity::Violation,
                check: AREA_CHECK,
                unit_name: row.unit_name.clone(),
                unit_ancestors: row.ancestors.clone(),
                subject: subject.clone(),
                message,
                link: link.clone(),
            });
        }
        if !row.has_group {
            found.push(Finding {
                severity: Severity::Violation,
                check: AREA_CHECK,
                unit_name: row.unit_name,
                unit_ancestors: row.ancestors,
                subject,
                message: "chưa có Tổ bầu cử".to_string(),
                link,
            });
        }
    }
    Ok(())
}

/// Figures that should add up and do not: a unit's population against its children's, and a
/// commune's voters against its polling areas'.
async fn sum_findings(
    pool: &PgPool,
    election_id: i64,
    unit_id: i64,
    found: &mut Vec<Finding>,
) -> sqlx::Result<()> {
    let populations = sqlx::query!(
        r#"SELECT u.level, u.gso_code, u.name, u.ancestors, u.population AS "population!",
                  sum(c.population)::bigint AS "children_sum!"
             FROM units u JOIN units c ON c.parent_id = u.id AND c.valid_to IS NULL
            WHERE u.ancestors @> ARRAY[$1::bigint] AND u.population IS NOT NULL
            GROUP BY u.id
           HAVING count(*) = count(c.population) AND sum(c.population) <> u.population
            ORDER BY u.ancestors"#,
        unit_id
    )
    .fetch_all(pool)
    .await?;
    for row in populations {
        found.push(Finding {
            severity: Severity::Warning,
            check: SUM_CHECK,
            unit_name: row.name.clone(),
            unit_ancestors: row.ancestors.clone(),
            subject: "Dân số".to_string(),
            message: format!(
                "dân số các đơn vị trực thuộc cộng lại là {}, khác {} của {}",
                number(row.children_sum),
                number(i64::from(row.population)),
                row.name
            ),
            link: units::path(&row.level, row.gso_code),
        });
    }
    let voters = sqlx::query!(
        r#"SELECT u.level, u.gso_code, u.name, u.ancestors, u.voters AS "voters!",
                  sum(p.voters)::bigint AS "areas_sum!"
             FROM units u JOIN polling_areas p ON p.commune_id = u.id AND p.election_id = $1
            WHERE u.ancestors @> ARRAY[$2::bigint] AND u.voters IS NOT NULL
            GROUP BY u.id
           HAVING sum(p.voters) <> u.voters
            ORDER BY u.ancestors"#,
        election_id,
        unit_id
    )
    .fetch_all(pool)
    .await?;
    for row in voters {
        found.push(Finding {
            severity: Severity::Warning,
            check: SUM_CHECK,
            unit_name: row.name.clone(),
            unit_ancestors: row.ancestors.clone(),
            subject: "Số cử tri".to_string(),
            message: format!(
                "các khu vực bỏ phiếu có tổng {} cử tri, khác số cử tri {} của đơn vị",
                number(row.areas_sum),
                number(i64::from(row.voters))
            ),
            link: units::path(&row.level, row.gso_code),
        });
    }
    Ok(())
}

/// Findings grouped by check for display: each group's counts and its first few items.
pub struct Group {
    pub check: &'static str,
    pub violations: usize,
    pub warnings: usize,
    pub shown: Vec<Finding>,
}

/// At most this many findings of one check are listed; the rest are counted.
pub const SHOWN_PER_CHECK: usize = 25;

pub fn grouped(findings: &[Finding]) -> Vec<Group> {
    let mut groups: Vec<Group> = Vec::new();
    for finding in findings {
        let index = match groups.iter().position(|g| g.check == finding.check) {
            Some(index) => index,
            None => {
                groups.push(Group {
                    check: finding.check,
                    violations: 0,
                    warnings: 0,
                    shown: Vec::new(),
                });
                groups.len() - 1
            }
        };
        let group = &mut groups[index];
        if finding.is_violation() {
            group.violations += 1;
        } else {
            group.warnings += 1;
        }
        if group.shown.len() < SHOWN_PER_CHECK {
            group.shown.push(finding.clone());
        }
    }
    groups
}

impl Group {
    pub fn hidden(&self) -> usize {
        self.violations + self.warnings - self.shown.len()
    }
}
