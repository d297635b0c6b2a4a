//! A dashboard's figures: for a unit, one row per unit directly below it with its progress,
//! overdue and late counts, structure violations and last activity, and a heatmap of calendar
//! entries, read from the roll-ups (`task_rollup`, `unit_activity`). States come from the same
//! pure rule as everywhere else (`checklists::deadline`), applied to the roll-up counts.

use std::collections::HashMap;

use chrono::{DateTime, NaiveDate, TimeDelta, Utc};

use super::{Filter, QUIET_AFTER_DAYS, cache, chart};
use crate::checklists::deadline::{self, Status, TaskState};
use crate::clock::vietnam;
use crate::elections::Election;
use crate::format;
use crate::units::{self, UnitDetail};
use sqlx::PgPool;

/// What the figures are read from and as of when: plain values, no request.
pub struct Source<'a> {
    pub pool: &'a PgPool,
    /// Violation counts kept between dashboards (`Caches::violations`).
    pub violations: &'a cache::Cache<(i64, i64, NaiveDate, i64), ViolationCounts>,
    pub today: NaiveDate,
    pub now: DateTime<Utc>,
}

/// Counts of task states.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Tally {
    pub done_on_time: i64,
    pub done_late: i64,
    pub overdue: i64,
    pub open: i64,
    pub not_applicable: i64,
}

impl Tally {
    /// Counts `tasks` tasks in `state`.
    fn add(&mut self, state: TaskState, tasks: i64) {
        match state {
            TaskState::DoneOnTime => self.done_on_time += tasks,
            TaskState::DoneLate => self.done_late += tasks,
            TaskState::Overdue => self.overdue += tasks,
            TaskState::NotDueYet | TaskState::DueSoon => self.open += tasks,
            TaskState::NotApplicable => self.not_applicable += tasks,
        }
    }
    pub fn done(&self) -> i64 {
        self.done_on_time + self.done_late
    }
    pub fn applicable(&self) -> i64 {
        self.done() + self.overdue + self.open
    }
    pub fn percent_done(&self) -> i64 {
        match self.applicable() {
            0 => 100,
            all => self.done() * 100 / all,
        }
    }
    /// A cell's look: a state name for the colour, and a symbol with a number, so it reads without colour.
    pub fn cell_state(&self) -> &'static str {
        if self.overdue > 0 {
            "overdue"
        } else if self.open > 0 {
            "not-due"
        } else if self.done_late > 0 {
            "done-late"
        } else if self.done_on_time > 0 {
            "done-on-time"
        } else {
            "not-applicable"
        }
    }
    pub fn cell_text(&self) -> String {
        match self.cell_state() {
            "overdue" => format!("✗{}", self.overdue),
            "not-due" => format!("○{}", self.open),
            "done-late" => format!("◐{}", self.done()),
            "done-on-time" => format!("✓{}", self.done()),
            _ => "–".to_string(),
        }
    }
}

pub struct Column {
    pub code: String,
    pub title_vi: String,
    pub title_en: String,
    pub deadline: NaiveDate,
    pub legal: bool,
}

impl Column {
    /// Where a heatmap cell of this column leads: the candidates' standing for the entries about
    /// candidates, the tasks otherwise.
    pub fn list_path(&self) -> &'static str {
        if crate::candidates::ABOUT_CANDIDATES.contains(&self.code.as_str()) {
            "/candidates"
        } else {
            "/tasks"
        }
    }
    pub fn deadline_text(&self) -> String {
        format::date(self.deadline)
    }
    /// "07/02": the deadline in a heatmap column's head.
    pub fn short_date(&self) -> String {
        self.deadline.format("%d/%m").to_string()
    }
    /// The title cut to a column head's few words; the legend under the table gives it whole.
    pub fn short_vi(&self) -> String {
        shorten(&self.title_vi)
    }
    pub fn short_en(&self) -> String {
        shorten(&self.title_en)
    }
}

/// At most five words (Vietnamese words are syllables), with "…" when words were left out.
fn shorten(title: &str) -> String {
    const WORDS: usize = 5;
    let words: Vec<&str> = title.split_whitespace().collect();
    if words.len() <= WORDS {
        return title.to_string();
    }
    format!("{}…", words[..WORDS].join(" ").trim_end_matches(','))
}

pub struct Contact {
    pub full_name: String,
    pub phone: Option<String>,
}

pub struct Row {
    pub level: String,
    pub gso_code: i32,
    pub name: String,
    pub tally: Tally,
    pub cells: Vec<Tally>,
    pub violations: usize,
    pub last_activity: Option<DateTime<Utc>>,
    pub quiet: bool,
    pub contacts: Vec<Contact>,
    /// When a working group of the province last visited it.
    pub last_visit: Option<DateTime<Utc>>,
}

impl Row {
    pub fn href(&self) -> String {
        units::path(&self.level, self.gso_code)
    }
    pub fn visit_text(&self) -> String {
        self.last_visit.map_or(String::new(), |at| {
            crate::format::date(at.with_timezone(&vietnam()).date_naive())
        })
    }
    pub fn activity_text(&self) -> String {
        self.last_activity.map_or("Chưa có".to_string(), |at| {
            at.with_timezone(&vietnam())
                .format("%d/%m/%Y %H:%M")
                .to_string()
        })
    }
}

/// A legal deadline ahead, and how many units have met it.
pub struct Upcoming {
    pub title_vi: String,
    pub title_en: String,
    pub deadline: NaiveDate,
    pub done: i64,
    pub total: i64,
}

impl Upcoming {
    pub fn deadline_text(&self) -> String {
        format::date(self.deadline)
    }
}

pub struct LevelProgress {
    pub label: &'static str,
    pub tally: Tally,
}

/// How many violations the structure checks find in and under each unit below a root.
pub struct ViolationCounts {
    pub total: usize,
    pub under: HashMap<i64, usize>,
}

impl cache::Weight for ViolationCounts {
    fn bytes(&self) -> usize {
        self.under.len() * 16
    }
}

/// One roll-up count: tasks of one calendar entry, unit level, status and completion day in the
/// subtree of one unit.
struct RollupCount {
    subtree: i64,
    code: String,
    task_level: String,
    deadline: NaiveDate,
    status: String,
    done_on: Option<NaiveDate>,
    tasks: i32,
}

/// Everything a dashboard shows.
pub struct Dashboard {
    pub root: UnitDetail,
    pub chart: Vec<chart::Point>,
    pub columns: Vec<Column>,
    pub rows: Vec<Row>,
    pub totals: Tally,
    pub total_violations: usize,
    pub upcoming: Vec<Upcoming>,
    pub levels: Vec<LevelProgress>,
    /// When a unit with open tasks next falls quiet, if one will.
    pub next_quiet: Option<DateTime<Utc>>,
    /// The steering committee's directives still open below the root, by assignee.
    pub directives: Vec<crate::directives::AssigneeTally>,
    /// Complaints and denunciations below the root still being handled, and those past their
    /// legal time limit: counts only, never names.
    pub complaints: crate::complaints::Counts,
}

/// A dashboard's figures, from the roll-ups (`task_rollup`, `unit_activity`) of the root and of
/// each unit directly below it.
pub async fn compute(
    source: &Source<'_>,
    election: &Election,
    root: UnitDetail,
    filter: &Filter,
) -> sqlx::Result<Dashboard> {
    let today = source.today;
    let now = source.now;
    let children = sqlx::query!(
        r#"SELECT u.id, u.level, u.gso_code, u.name, a.last_at AS "last_activity?"
             FROM units u LEFT JOIN unit_activity a ON a.unit_id = u.id
            WHERE u.parent_id = $1 AND u.valid_to IS NULL
            ORDER BY u.gso_code"#,
        root.id
    )
    .fetch_all(source.pool)
    .await?;
    let columns = columns(source, election, filter).await?;
    let column_index: HashMap<&str, usize> = columns
        .iter()
        .enumerate()
        .map(|(i, c)| (c.code.as_str(), i))
        .collect();

    // Every count once, into its subtree's tally and column; the root's also by level and day.
    let subtrees: Vec<i64> = children.iter().map(|c| c.id).chain([root.id]).collect();
    let counts = rollup_counts(source, election, &subtrees, filter).await?;
    let mut per_subtree: HashMap<i64, (Tally, Vec<Tally>)> = HashMap::new();
    let mut per_level: HashMap<&str, Tally> = HashMap::new();
    let (mut due_on, mut done_on) = (Vec::new(), Vec::new());
    for count in &counts {
        let task_state = deadline::state_of(&count.status, count.deadline, count.done_on, today);
        let tasks = i64::from(count.tasks);
        let (tally, cells) = per_subtree
            .entry(count.subtree)
            .or_insert_with(|| (Tally::default(), vec![Tally::default(); columns.len()]));
        tally.add(task_state, tasks);
        if let Some(&index) = column_index.get(count.code.as_str()) {
            cells[index].add(task_state, tasks);
        }
        if count.subtree == root.id {
            per_level
                .entry(count.task_level.as_str())
                .or_default()
                .add(task_state, tasks);
            due_on.push((count.deadline, tasks));
            let done = [Status::Done.code(), deadline::DONE_BEFORE_GO_LIVE];
            if let Some(day) = count
                .done_on
                .filter(|_| done.contains(&count.status.as_str()))
            {
                done_on.push((day, tasks));
            }
        }
    }

    let violations = violation_counts(source, election, root.id).await?;
    let contacts = sqlx::query!(
        r#"SELECT u.unit_id AS "unit_id!", u.full_name, u.phone FROM users u JOIN units un ON un.id = u.unit_id
            WHERE un.parent_id = $1 AND u.disabled_at IS NULL AND u.role IN ('district_officer', 'commune_officer')
            ORDER BY u.full_name"#,
        root.id
    )
    .fetch_all(source.pool)
    .await?;

    let child_ids: Vec<i64> = children.iter().map(|c| c.id).collect();
    let visited: HashMap<i64, DateTime<Utc>> =
        crate::visits::last_visited(source.pool, election.id, &child_ids)
            .await?
            .into_iter()
            .collect();
    let quiet_after = TimeDelta::days(QUIET_AFTER_DAYS);
    let mut next_quiet: Option<DateTime<Utc>> = None;
    let mut rows: Vec<Row> = children
        .into_iter()
        .map(|child| {
            let (tally, cells) = per_subtree
                .remove(&child.id)
                .unwrap_or_else(|| (Tally::default(), vec![Tally::default(); columns.len()]));
            let has_open = tally.open + tally.overdue > 0;
            let quiet = has_open && child.last_activity.is_none_or(|at| now - at > quiet_after);
            if let Some(at) = child.last_activity.filter(|_| has_open && !quiet) {
                let falls_quiet = at + quiet_after + TimeDelta::microseconds(1);
                next_quiet = Some(next_quiet.map_or(falls_quiet, |t| t.min(falls_quiet)));
            }
            Row {
                contacts: contacts
                    .iter()
                    .filter(|c| c.unit_id == child.id)
                    .map(|c| Contact {
                        full_name: c.full_name.clone(),
                        phone: c.phone.clone(),
                    })
                    .collect(),
                violations: violations.value.under.get(&child.id).copied().unwrap_or(0),
                last_visit: visited.get(&child.id).copied(),
                level: child.level,
                gso_code: child.gso_code,
                name: child.name,
                tally,
                cells,
                last_activity: child.last_activity,
                quiet,
            }
        })
        .collect();
    match filter.sort.as_str() {
        "done" => rows.sort_by_key(|r| r.tally.percent_done()),
        "overdue" => rows.sort_by_key(|r| std::cmp::Reverse(r.tally.overdue)),
        "activity" => rows.sort_by_key(|r| r.last_activity),
        _ => {}
    }
    let (totals, root_cells) = per_subtree
        .remove(&root.id)
        .unwrap_or_else(|| (Tally::default(), vec![Tally::default(); columns.len()]));

    let upcoming = columns
        .iter()
        .zip(&root_cells)
        .filter(|(c, _)| c.legal && c.deadline >= today)
        .take(3)
        .map(|(column, cell)| Upcoming {
            title_vi: column.title_vi.clone(),
            title_en: column.title_en.clone(),
            deadline: column.deadline,
            done: cell.done(),
            total: cell.applicable(),
        })
        .collect();
    let levels = [
        ("province", "Cấp tỉnh"),
        ("district", "Cấp huyện"),
        ("commune", "Cấp xã"),
    ]
    .into_iter()
    .filter_map(|(code, label)| {
        per_level.get(code).map(|tally| LevelProgress {
            label,
            tally: *tally,
        })
    })
    .collect();
    let directives =
        crate::directives::open_by_assignee(source.pool, election.id, root.id, today).await?;
    let complaints =
        crate::complaints::counts_below(source.pool, election.id, root.id, today).await?;
    Ok(Dashboard {
        directives,
        complaints,
        total_violations: violations.value.total,
        chart: chart::series(&due_on, &done_on, today),
        root,
        columns,
        rows,
        totals,
        upcoming,
        levels,
        next_quiet,
    })
}

/// The heatmap's columns: the election's calendar entries in force, earliest deadline first.
async fn columns(
    source: &Source<'_>,
    election: &Election,
    filter: &Filter,
) -> sqlx::Result<Vec<Column>> {
    Ok(sqlx::query!(
        r#"SELECT c.code, c.title_vi, c.title_en, c.kind, (e.election_day - c.offset_days) AS "deadline!"
             FROM calendar_entries c JOIN elections e ON e.id = c.election_id
            WHERE c.election_id = $1 AND c.retired_at IS NULL AND ($2 = '' OR c.kind = $2)
              AND c.levels <> ARRAY['country']
            ORDER BY c.offset_days DESC, c.code"#,
        election.id,
        filter.kind
    )
    .fetch_all(source.pool)
    .await?
    .into_iter()
    .map(|c| Column {
        legal: c.kind == "legal",
        code: c.code,
        title_vi: c.title_vi,
        title_en: c.title_en,
        deadline: c.deadline,
    })
    .collect())
}

/// The roll-up counts of these subtrees, for the calendar entries in force that the filter keeps:
/// one row per slot (`task_rollup.slot`), which may be negative; every use adds them up.
async fn rollup_counts(
    source: &Source<'_>,
    election: &Election,
    subtrees: &[i64],
    filter: &Filter,
) -> sqlx::Result<Vec<RollupCount>> {
    sqlx::query_as!(
        RollupCount,
        r#"SELECT r.unit_id AS subtree, c.code, r.task_level, (e.election_day - c.offset_days) AS "deadline!",
                  r.status, r.done_on, r.tasks
             FROM task_rollup r
             JOIN calendar_entries c ON c.id = r.calendar_entry_id
             JOIN elections e ON e.id = c.election_id
            WHERE r.unit_id = ANY($2) AND r.tasks <> 0 AND c.election_id = $1 AND c.retired_at IS NULL
              AND ($3 = '' OR c.kind = $3) AND ($4 = '' OR r.task_level = $4)"#,
        election.id,
        subtrees,
        filter.kind,
        filter.level
    )
    .fetch_all(source.pool)
    .await
}

/// The structure checks' violations in and under each unit below `root_id`. The checks read the
/// whole structure below the root, so their counts are kept until an audit record of a kind that
/// can change the structure is written (`structure_generation`), or the day changes.
pub async fn violation_counts(
    source: &Source<'_>,
    election: &Election,
    root_id: i64,
) -> sqlx::Result<std::sync::Arc<cache::Drawn<ViolationCounts>>> {
    let today = source.today;
    let generation = sqlx::query_scalar!("SELECT generation FROM structure_generation")
        .fetch_one(source.pool)
        .await?;
    let count = async {
        let findings = crate::checks::findings(source.pool, election.id, root_id, today).await?;
        let mut counts = ViolationCounts {
            total: 0,
            under: HashMap::new(),
        };
        for finding in findings.iter().filter(|f| f.is_violation()) {
            counts.total += 1;
            for unit in &finding.unit_ancestors {
                *counts.under.entry(*unit).or_default() += 1;
            }
        }
        Ok::<_, sqlx::Error>((counts, None))
    };
    let wanted = cache::Wanted {
        now: source.now,
        // Held while the structure's generation is the same; the key moves with it.
        max_age: TimeDelta::MAX,
        drawn_after: None,
    };
    let key = (election.id, root_id, today, generation);
    source.violations.get(key, wanted, count).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_tally_reads_without_colour() {
        let mut tally = Tally::default();
        assert_eq!(tally.cell_text(), "–");
        tally.add(TaskState::DoneOnTime, 1);
        assert_eq!(
            (tally.cell_state(), tally.cell_text()),
            ("done-on-time", "✓1".to_string())
        );
        tally.add(TaskState::DoneLate, 1);
        assert_eq!(tally.cell_text(), "◐2");
        tally.add(TaskState::NotDueYet, 1);
        assert_eq!(tally.cell_text(), "○1");
        tally.add(TaskState::Overdue, 1);
        assert_eq!(tally.cell_text(), "✗1");
        tally.add(TaskState::NotApplicable, 1);
        assert_eq!((tally.applicable(), tally.percent_done()), (4, 50));
    }
}
