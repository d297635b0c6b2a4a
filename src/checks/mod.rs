//! The "Kiểm tra" panel: every violation of the election law and every warning in a unit and below
//! it, each with a link to what needs fixing. A handful of set-based queries per unit, never one
//! per object, so the same list can be counted per unit for the dashboards.

mod wording;

use chrono::NaiveDate;
use sqlx::PgPool;

use crate::bodies;
use crate::constituencies;
use crate::polling::rules::{SizeProblem, size_problem};
use crate::units;

/// Whether a finding breaks the law (a violation) or only deserves a look (a warning).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Severity {
    Violation,
    Warning,
}

impl Problem {
    pub fn is_violation(&self) -> bool {
        self.severity() == Severity::Violation
    }
}

/// One thing to fix: where, about what, and what is wrong, as values. How it reads on a page is
/// `wording.rs`'s business.
#[derive(Clone, Debug)]
pub struct Finding {
    pub unit_name: String,
    /// Who may see it: those who may read this unit.
    pub unit_ancestors: Vec<i64>,
    pub subject: Subject,
    pub problem: Problem,
    pub link: String,
}

/// What a finding is about.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Subject {
    Body { name: String },
    Race { name: &'static str },
    Constituency { number: i32, name: String },
    PollingArea { number: i32, name: String },
    Population,
    Voters,
}

/// What is wrong, with the figures that show it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Problem {
    Body(bodies::Problem),
    NationalSeatsMissing,
    NationalSeatsBelowMinimum {
        total: i32,
    },
    CouncilTotalUnknown {
        working: Option<String>,
    },
    /// A total entered by hand outside the law's row: below its base or above its cap.
    CouncilTotalOutOfBounds {
        total: i64,
        least: i64,
        most: i64,
    },
    NoConstituencies,
    SeatsDoNotAddUp {
        constituencies: i64,
        total: i64,
    },
    ConstituencyOverCap {
        seats: i32,
        cap: i32,
    },
    NoBoard,
    UnitsOutsideCouncil {
        count: i64,
    },
    NoUnitsCovered,
    AreaSize(SizeProblem),
    NoPollingGroup,
    PopulationDoesNotAddUp {
        children: i64,
        own: i64,
        unit_name: String,
    },
    VotersDoNotAddUp {
        areas: i64,
        own: i64,
    },
}

impl Problem {
    /// Every problem is named here, so that a new one must be given its severity.
    pub fn severity(&self) -> Severity {
        use Problem::*;
        match self {
            Body(problem) if problem.is_violation() => Severity::Violation,
            NationalSeatsBelowMinimum { .. }
            | CouncilTotalOutOfBounds { .. }
            | SeatsDoNotAddUp { .. }
            | ConstituencyOverCap { .. }
            | NoBoard
            | UnitsOutsideCouncil { .. }
            | AreaSize(_)
            | NoPollingGroup => Severity::Violation,
            Body(_)
            | NationalSeatsMissing
            | CouncilTotalUnknown { .. }
            | NoConstituencies
            | NoUnitsCovered
            | PopulationDoesNotAddUp { .. }
            | VotersDoNotAddUp { .. } => Severity::Warning,
        }
    }

    /// The check that finds it, in Vietnamese, for grouping.
    pub fn check(&self) -> &'static str {
        use Problem::*;
        match self {
            Body(_) => BODY_CHECK,
            NoBoard => BOARD_CHECK,
            AreaSize(_) | NoPollingGroup => AREA_CHECK,
            PopulationDoesNotAddUp { .. } | VotersDoNotAddUp { .. } => SUM_CHECK,
            NationalSeatsMissing
            | NationalSeatsBelowMinimum { .. }
            | CouncilTotalUnknown { .. }
            | CouncilTotalOutOfBounds { .. }
            | NoConstituencies
            | SeatsDoNotAddUp { .. }
            | ConstituencyOverCap { .. }
            | UnitsOutsideCouncil { .. }
            | NoUnitsCovered => SEATS_CHECK,
        }
    }
}

impl Finding {
    pub fn severity(&self) -> Severity {
        self.problem.severity()
    }

    pub fn check(&self) -> &'static str {
        self.problem.check()
    }

    pub fn is_violation(&self) -> bool {
        self.severity() == Severity::Violation
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
    found.sort_by_key(|f| (f.severity(), f.check()));
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
                unit_name: body.unit_name.clone(),
                unit_ancestors: body.unit_ancestors.clone(),
                subject: Subject::Body {
                    name: body.name.clone(),
                },
                problem: Problem::Body(problem),
                link: body.href(),
            });
        }
    }
    Ok(())
}

/// What is wrong with a council's seats: the NA's number, a total unknown or outside the law's
/// bounds, constituencies missing or not adding up to the total.
pub fn council_problems(council: &constituencies::CouncilRow) -> Vec<Problem> {
    let mut problems = Vec::new();
    if council.kind == "na" {
        match council.seats_total {
            None => problems.push(Problem::NationalSeatsMissing),
            Some(total) if total < 6 => problems.push(Problem::NationalSeatsBelowMinimum { total }),
            Some(_) => {}
        }
    } else if council.total().is_none() {
        problems.push(Problem::CouncilTotalUnknown {
            working: council.calculation.as_ref().map(|c| c.working.clone()),
        });
    }
    if let (Some(entered), Some(calculation)) = (council.seats_total, &council.calculation) {
        let (least, most) = calculation.rule.bounds();
        let total = i64::from(entered);
        if total < least || total > most {
            problems.push(Problem::CouncilTotalOutOfBounds { total, least, most });
        }
    }
    match (council.total(), council.constituencies) {
        (_, 0) => problems.push(Problem::NoConstituencies),
        (Some(total), _) if total != council.seats_sum => problems.push(Problem::SeatsDoNotAddUp {
            constituencies: council.seats_sum,
            total,
        }),
        _ => {}
    }
    problems
}

async fn council_findings(
    pool: &PgPool,
    election_id: i64,
    unit_id: i64,
    found: &mut Vec<Finding>,
) -> sqlx::Result<()> {
    for council in constituencies::councils(pool, election_id, unit_id, false).await? {
        let mut push = |problem| {
            found.push(Finding {
                unit_name: council.unit_name.clone(),
                unit_ancestors: council.unit_ancestors.clone(),
                subject: Subject::Race {
                    name: council.race_name(),
                },
                problem,
                link: units::path(&council.unit_level, council.unit_gso_code),
            })
        };
        for problem in council_problems(&council) {
            push(problem);
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
        let mut push = |problem| {
            found.push(Finding {
                unit_name: row.unit_name.clone(),
                unit_ancestors: row.ancestors.clone(),
                subject: Subject::Constituency {
                    number: row.number,
                    name: row.name.clone(),
                },
                problem,
                link: units::path(&row.level, row.gso_code),
            })
        };
        if row.seats > i32::from(row.cap) {
            push(Problem::ConstituencyOverCap {
                seats: row.seats,
                cap: i32::from(row.cap),
            });
        }
        if !row.has_board {
            push(Problem::NoBoard);
        }
        if row.foreign > 0 {
            push(Problem::UnitsOutsideCouncil { count: row.foreign });
        }
        if row.covered == 0 {
            push(Problem::NoUnitsCovered);
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
        let mut push = |problem| {
            found.push(Finding {
                unit_name: row.unit_name.clone(),
                unit_ancestors: row.ancestors.clone(),
                subject: Subject::PollingArea {
                    number: row.number,
                    name: row.name.clone(),
                },
                problem,
                link: units::path(&row.level, row.gso_code),
            })
        };
        if let Some(problem) = size_problem(i64::from(row.voters), &row.kind, &row.terrain) {
            push(Problem::AreaSize(problem));
        }
        if !row.has_group {
            push(Problem::NoPollingGroup);
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
            unit_name: row.name.clone(),
            unit_ancestors: row.ancestors,
            subject: Subject::Population,
            problem: Problem::PopulationDoesNotAddUp {
                children: row.children_sum,
                own: i64::from(row.population),
                unit_name: row.name,
            },
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
            unit_name: row.name,
            unit_ancestors: row.ancestors,
            subject: Subject::Voters,
            problem: Problem::VotersDoNotAddUp {
                areas: row.areas_sum,
                own: i64::from(row.voters),
            },
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
        let index = match groups.iter().position(|g| g.check == finding.check()) {
            Some(index) => index,
            None => {
                groups.push(Group {
                    check: finding.check(),
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
