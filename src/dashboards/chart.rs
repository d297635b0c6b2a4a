//! The "due versus done" chart, drawn as SVG on the server: no script, prints as it shows.

use chrono::NaiveDate;

use crate::format;
use crate::i18n;

/// On a day: how many tasks were due by then, and how many were done by then.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Point {
    pub day: NaiveDate,
    pub due: i64,
    pub done: i64,
}

impl Point {
    pub fn day_text(&self) -> String {
        format::date(self.day)
    }
}

/// Weekly points from the first deadline to the last, cumulative. Both lists hold a day and how
/// many tasks fall on it (are due, or were done), as the roll-ups count them.
pub fn series(
    due_on: &[(NaiveDate, i64)],
    done_on: &[(NaiveDate, i64)],
    today: NaiveDate,
) -> Vec<Point> {
    let (Some(first), Some(last)) = (
        due_on.iter().map(|(day, _)| day).min(),
        due_on.iter().map(|(day, _)| day).max(),
    ) else {
        return Vec::new();
    };
    let by = |counted: &[(NaiveDate, i64)], day: NaiveDate| -> i64 {
        counted
            .iter()
            .filter(|(d, _)| *d <= day)
            .map(|(_, n)| n)
            .sum()
    };
    let mut points = Vec::new();
    let mut day = *first;
    loop {
        // Work done after today is not known yet: the done line stops at today.
        let done = if day <= today { by(done_on, day) } else { -1 };
        points.push(Point {
            day,
            due: by(due_on, day),
            done,
        });
        if day >= *last {
            break;
        }
        day = (day + chrono::Days::new(7)).min(*last);
    }
    points
}

const WIDTH: f64 = 640.0;
const HEIGHT: f64 = 240.0;
const PAD: f64 = 40.0;

/// The chart as an SVG element: the due line, the done line, axes with a few labels.
pub fn svg(points: &[Point]) -> String {
    let Some(max) = points
        .iter()
        .map(|p| p.due.max(p.done))
        .max()
        .filter(|m| *m > 0)
    else {
        return String::new();
    };
    let n = points.len().max(2) - 1;
    let x = |i: usize| PAD + (WIDTH - 2.0 * PAD) * i as f64 / n as f64;
    let y = |v: i64| HEIGHT - PAD - (HEIGHT - 2.0 * PAD) * v as f64 / max as f64;
    let line = |values: Vec<(usize, i64)>| {
        values
            .into_iter()
            .map(|(i, v)| format!("{:.1},{:.1}", x(i), y(v)))
            .collect::<Vec<_>>()
            .join(" ")
    };
    let due = line(points.iter().enumerate().map(|(i, p)| (i, p.due)).collect());
    let done = line(
        points
            .iter()
            .enumerate()
            .filter(|(_, p)| p.done >= 0)
            .map(|(i, p)| (i, p.done))
            .collect(),
    );
    let first = points.first().map(Point::day_text).unwrap_or_default();
    let last = points.last().map(Point::day_text).unwrap_or_default();
    // Drawn inside the page, so its words are in the page's language.
    let label = i18n::t("Số công việc đến hạn và đã xong theo thời gian");
    let due_key = i18n::t("đến hạn");
    let done_key = i18n::t("đã xong");
    format!(
        r##"<svg class="chart" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" aria-label="{label}">
<line x1="{PAD}" y1="{b}" x2="{r}" y2="{b}" stroke="#999"/><line x1="{PAD}" y1="{PAD}" x2="{PAD}" y2="{b}" stroke="#999"/>
<text x="{PAD}" y="{t}" font-size="11">{first}</text><text x="{r}" y="{t}" font-size="11" text-anchor="end">{last}</text>
<text x="{l}" y="{top}" font-size="11" text-anchor="end">{max}</text><text x="{l}" y="{b}" font-size="11" text-anchor="end">0</text>
<polyline points="{due}" fill="none" stroke="#a11d1d" stroke-width="2" stroke-dasharray="6 3"/>
<polyline points="{done}" fill="none" stroke="#1b6e3a" stroke-width="3"/>
<text x="{r}" y="{key1}" font-size="11" text-anchor="end" fill="#a11d1d">- - {due_key}</text>
<text x="{r}" y="{key2}" font-size="11" text-anchor="end" fill="#1b6e3a">— {done_key}</text>
</svg>"##,
        b = HEIGHT - PAD,
        r = WIDTH - PAD,
        t = HEIGHT - PAD + 16.0,
        l = PAD - 4.0,
        top = PAD + 4.0,
        key1 = PAD - 20.0,
        key2 = PAD - 6.0,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2021, m, d).unwrap()
    }

    #[test]
    fn the_series_is_cumulative_and_done_stops_at_today() {
        let deadlines = [(day(1, 8), 1), (day(2, 7), 2), (day(2, 20), 1)];
        let done = [(day(1, 27), 1)];
        let points = series(&deadlines, &done, day(2, 1));
        assert_eq!(
            points.first().unwrap(),
            &Point {
                day: day(1, 8),
                due: 1,
                done: 0
            }
        );
        assert_eq!(points.iter().find(|p| p.day == day(1, 29)).unwrap().done, 1);
        assert_eq!(
            points.last().unwrap(),
            &Point {
                day: day(2, 20),
                due: 4,
                done: -1
            }
        );
        assert!(svg(&points).starts_with("<svg"));
        assert_eq!(svg(&[]), "");
    }
}
