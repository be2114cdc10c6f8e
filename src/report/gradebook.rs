//! The class view of a batch: `gradebook.csv` (one row per student: total,
//! status, one column per test), `summary.md` (statistics, the submissions
//! that were not graded and why, pass rates, the most common failure per test)
//! and `histogram.svg`, built from the per-student results.json files of one or
//! more output folders (shards).

use crate::report::clip_words;
use crate::report::results::{status, Results, Status, GRADER_FAILURE_PREFIX};
use crate::report::untrusted;
use anyhow::{bail, Context, Result};
use std::collections::BTreeMap;
use std::path::Path;

/// Beside a student's results.json: who submitted, from Gradescope's metadata.
pub const NAME_FILE: &str = "submitters.txt";

/// One student's row.
pub struct Row {
    pub student: String,
    pub name: Option<String>,
    pub results: Results,
}

/// Every `<dir>/<student>/results.json` under `dirs`, by student; a student
/// present in two shards is an error (shards never overlap).
pub fn collect(dirs: &[&Path]) -> Result<Vec<Row>> {
    let mut rows: BTreeMap<String, (Option<String>, Results)> = BTreeMap::new();
    for dir in dirs {
        let entries = std::fs::read_dir(dir)
            .with_context(|| format!("cannot read the batch output {}", dir.display()))?;
        for entry in entries {
            let entry = entry?;
            let path = entry.path().join("results.json");
            if !path.is_file() {
                continue;
            }
            let student = entry.file_name().to_string_lossy().into_owned();
            let text = std::fs::read_to_string(&path)?;
            let results: Results = serde_json::from_str(&text)
                .with_context(|| format!("{} is not a results.json", path.display()))?;
            let name = std::fs::read_to_string(entry.path().join(NAME_FILE))
                .ok()
                .map(|n| n.trim().to_string())
                .filter(|n| !n.is_empty());
            if rows.insert(student.clone(), (name, results)).is_some() {
                bail!("{student} appears in two batch outputs; shards must not overlap");
            }
        }
    }
    Ok(rows
        .into_iter()
        .map(|(student, (name, results))| Row {
            student,
            name,
            results,
        })
        .collect())
}

/// Test names in rubric order, as the first complete row lists them.
pub(crate) fn test_names(rows: &[Row]) -> Vec<String> {
    rows.iter()
        .map(|r| &r.results.tests)
        .max_by_key(|t| t.len())
        .map(|tests| tests.iter().map(|t| t.name.clone()).collect())
        .unwrap_or_default()
}

/// The leaderboard columns any row posted, in first-seen order (CS240's
/// `Accuracy (%)`): the gradebook shows each student's value beside the tests.
pub(crate) fn leaderboard_names(rows: &[Row]) -> Vec<String> {
    let mut names: Vec<String> = Vec::new();
    for entry in rows.iter().flat_map(|r| &r.results.leaderboard) {
        if !names.contains(&entry.name) {
            names.push(entry.name.clone());
        }
    }
    names
}

/// A row's score on the test `name`, as the gradebook writes it (empty when
/// the row has no such test).
pub(crate) fn test_cell(row: &Row, name: &str) -> String {
    row.results
        .tests
        .iter()
        .find(|t| t.name == name)
        .map_or(String::new(), |t| number(t.score))
}

/// A row's value in the leaderboard column `name`: empty when the student
/// posted nothing (the run did not start or finish).
pub(crate) fn leaderboard_cell(row: &Row, name: &str) -> String {
    row.results
        .leaderboard
        .iter()
        .find(|e| e.name == name)
        .map_or(String::new(), |e| number(e.value))
}

/// A leaderboard column's header, told apart from the tests' columns.
pub const LEADERBOARD_PREFIX: &str = "leaderboard: ";

/// A text cell of gradebook.csv, shown as report.html shows text and never
/// run by a spreadsheet. First [`untrusted::clean`], as report.html's text:
/// no control, bidi or line-separator character of a folder or submitter
/// name survives (a student id has none: batch escapes them as `%XX`, so it
/// stays lossless). Then a cell starting with `=`, `+`, `-`, `@`, a tab or a
/// line break (or their full-width forms) gets a leading `'`, as OWASP
/// advises for CSV injection; leading spaces are looked through, since
/// cleaning makes a carriage return a space and an import may trim spaces.
/// A folder `-x` is therefore listed as `'-x`. Numbers we write are never
/// text cells.
pub(crate) fn inert_cell(text: &str) -> String {
    const TRIGGERS: &[char] = &[
        '=', '+', '-', '@', '\t', '\r', '\n', '\u{FF1D}', '\u{FF0B}', '\u{FF0D}', '\u{FF20}',
    ];
    let text = untrusted::clean(text);
    if text.trim_start_matches(' ').starts_with(TRIGGERS) {
        format!("'{text}")
    } else {
        text
    }
}

pub fn csv(rows: &[Row]) -> Result<String> {
    let names = test_names(rows);
    let mut out = csv::Writer::from_writer(Vec::new());
    let mut header = vec![
        "student".to_string(),
        "name".to_string(),
        "total".to_string(),
        "status".to_string(),
    ];
    header.extend(names.iter().map(|n| inert_cell(n)));
    let boards = leaderboard_names(rows);
    header.extend(
        boards
            .iter()
            .map(|n| inert_cell(&format!("{LEADERBOARD_PREFIX}{n}"))),
    );
    out.write_record(&header)?;
    for row in rows {
        let mut record = vec![
            inert_cell(&row.student),
            inert_cell(row.name.as_deref().unwrap_or_default()),
            number(row.results.score),
            status(&row.results).as_str().to_string(),
        ];
        record.extend(names.iter().map(|name| test_cell(row, name)));
        record.extend(boards.iter().map(|name| leaderboard_cell(row, name)));
        out.write_record(&record)?;
    }
    Ok(String::from_utf8(out.into_inner()?)?)
}

pub(crate) fn number(x: f64) -> String {
    // Scores are multiples of small fractions; print them without noise.
    let rounded = (x * 1e6).round() / 1e6;
    format!("{rounded}")
}

pub fn median(sorted: &[f64]) -> f64 {
    match sorted.len() {
        0 => 0.0,
        n if n % 2 == 1 => sorted[n / 2],
        n => (sorted[n / 2 - 1] + sorted[n / 2]) / 2.0,
    }
}

/// One bar of the distribution: the scores from `low` up to but not including
/// `high`, or, for the last bar, the scores at full marks.
#[derive(Debug, Clone, PartialEq)]
pub struct Bin {
    pub low: f64,
    pub high: f64,
    pub full_marks: bool,
    pub count: usize,
}

impl Bin {
    /// For the summary's table: "90 to under 100", "100 (full marks)".
    pub fn label(&self) -> String {
        if self.full_marks {
            format!("{} (full marks)", number(self.low))
        } else {
            format!("{} to under {}", number(self.low), number(self.high))
        }
    }

    /// Under the histogram's bar: "90–100", "100".
    pub fn short_label(&self) -> String {
        if self.full_marks {
            number(self.low)
        } else {
            format!("{}–{}", number(self.low), number(self.high))
        }
    }
}

/// Scores in bins of `width` points from 0 up to (not including) `max`, then
/// a bin of its own for full marks (`max`), so that 100 is not lost among 90s.
pub fn buckets(scores: &[f64], max: f64, width: f64) -> Vec<Bin> {
    let count = ((max / width).ceil() as usize).max(1);
    let mut out: Vec<Bin> = (0..count)
        .map(|k| Bin {
            low: k as f64 * width,
            high: if max > 0.0 {
                ((k + 1) as f64 * width).min(max)
            } else {
                width
            },
            full_marks: false,
            count: 0,
        })
        .collect();
    if max > 0.0 {
        out.push(Bin {
            low: max,
            high: max,
            full_marks: true,
            count: 0,
        });
    }
    for &s in scores {
        // Scores are stored to 1/10000 of a point; the maximum is a plain sum.
        let k = if max > 0.0 && s >= max - 1e-9 {
            count
        } else {
            ((s / width).floor().max(0.0) as usize).min(count - 1)
        };
        out[k].count += 1;
    }
    out
}

/// The part of a failed test's first ✗ line that does not name the case.
pub(crate) fn failure_message(output: &str) -> Option<String> {
    let line = output.lines().find(|l| l.trim_start().starts_with('✗'))?;
    let text = line.trim_start().trim_start_matches('✗').trim();
    // "case X (description): message" or "hidden case 3: message"
    let message = match text.find("): ") {
        Some(at) => &text[at + 3..],
        None => text.split_once(": ").map_or(text, |(_, m)| m),
    };
    Some(clip_words(message, FAILURE_CHARS))
}

/// Failure texts in the summary are cut (between words) to this many characters.
const FAILURE_CHARS: usize = 100;

/// Why a submission was not graded, in one line for the summary.
pub(crate) fn reason(results: &Results, status: Status) -> String {
    let output = results.output.trim();
    // results.json's output is Markdown: plain text sits inside code fences.
    let first = output
        .lines()
        .map(str::trim)
        .find(|l| !l.is_empty() && !l.starts_with("```"))
        .unwrap_or("");
    let text = match status {
        Status::Graded => String::new(),
        Status::DidNotCompile => first_compile_error(output).unwrap_or_else(|| first.to_string()),
        Status::GraderFailure => first
            .strip_prefix(GRADER_FAILURE_PREFIX)
            .map(|cause| cause.trim_end_matches(" Please tell course staff."))
            .unwrap_or(first)
            .to_string(),
        Status::NoFileFound => first.to_string(),
    };
    clip_words(&text, REASON_CHARS)
}

/// Reasons in the summary are cut (between words) to this many characters.
const REASON_CHARS: usize = 140;

/// `error[E0308]: mismatched types (src/lib.rs:12:5)`: the compiler's first
/// error in the student's crate, with its place; the first error at all
/// (without a place in the grader's files) when none is the student's. An
/// error in the grader's adapter that follows from the student's own is not
/// the one to quote, wherever the compiler put it.
fn first_compile_error(output: &str) -> Option<String> {
    let lines: Vec<&str> = output.lines().map(str::trim).collect();
    let errors: Vec<(&str, Option<&str>)> = lines
        .iter()
        .enumerate()
        .filter(|(_, l)| l.starts_with("error"))
        .map(|(i, l)| {
            let place = lines
                .get(i + 1)
                .and_then(|l| l.strip_prefix("--> "))
                .filter(|p| !crate::build::is_grader_place(p));
            (*l, place)
        })
        .collect();
    let (error, place) = errors
        .iter()
        .find(|(_, place)| place.is_some())
        .or_else(|| errors.first())?;
    // A long message is cut so that its place stays in the reason.
    Some(match place {
        Some(p) => format!(
            "{} ({p})",
            clip_words(error, REASON_CHARS.saturating_sub(p.chars().count() + 3))
        ),
        None => error.to_string(),
    })
}

/// The class's numbers, as summary.md and report.html show them.
pub struct Stats {
    pub count: usize,
    pub mean: f64,
    pub median: f64,
    pub min: f64,
    pub max: f64,
    /// The most points a submission could get.
    pub max_score: f64,
    /// Every score, sorted.
    pub scores: Vec<f64>,
}

impl Stats {
    pub fn of(rows: &[Row]) -> Stats {
        let mut scores: Vec<f64> = rows.iter().map(|r| r.results.score).collect();
        scores.sort_by(f64::total_cmp);
        let max_score = rows
            .iter()
            .map(|r| r.results.max_score())
            .fold(0.0, f64::max);
        let mean = scores.iter().sum::<f64>() / scores.len().max(1) as f64;
        Stats {
            count: rows.len(),
            mean: (mean * 100.0).round() / 100.0,
            median: median(&scores),
            min: scores.first().copied().unwrap_or(0.0),
            max: scores.last().copied().unwrap_or(0.0),
            max_score,
            scores,
        }
    }

    /// The histogram's bins: tenths of the maximum, at least 1 point wide.
    pub fn bins(&self) -> Vec<Bin> {
        let width = (self.max_score / 10.0).max(1.0);
        buckets(&self.scores, self.max_score, width)
    }
}

/// How the class did on one test.
pub struct Tally {
    pub name: String,
    pub passed: usize,
    /// Students whose results list the test.
    pub listed: usize,
    /// Failed rows, by their first failure's message.
    pub failures: BTreeMap<String, usize>,
}

/// Every test's tally, in rubric order.
pub fn tallies(rows: &[Row]) -> Vec<Tally> {
    test_names(rows)
        .into_iter()
        .map(|name| {
            let mut tally = Tally {
                name,
                passed: 0,
                listed: 0,
                failures: BTreeMap::new(),
            };
            for row in rows {
                if let Some(t) = row.results.tests.iter().find(|t| t.name == tally.name) {
                    tally.listed += 1;
                    if t.status == "passed" {
                        tally.passed += 1;
                    } else if let Some(m) = failure_message(&t.output) {
                        *tally.failures.entry(m).or_default() += 1;
                    }
                }
            }
            tally
        })
        .collect()
}

pub fn summary_markdown(rows: &[Row], title: &str) -> String {
    let stats = Stats::of(rows);
    // Every text from results.json or the upload (folder names, submitter
    // names, compiler messages, feedback) goes through `cell`: no markup, HTML,
    // link or image of a student's survives (see `untrusted::markdown`).
    let mut md = format!("# {}\n\n", untrusted::markdown(title));
    md.push_str(&format!(
        "{} submissions · mean {} · median {} · min {} · max {} (of {})\n\n",
        stats.count,
        number(stats.mean),
        number(stats.median),
        number(stats.min),
        number(stats.max),
        number(stats.max_score)
    ));
    let ungraded: Vec<(&Row, Status)> = rows
        .iter()
        .map(|r| (r, status(&r.results)))
        .filter(|(_, s)| *s != Status::Graded)
        .collect();
    md.push_str("## Not graded\n\n");
    if ungraded.is_empty() {
        md.push_str(&format!(
            "Every submission was graded ({}).\n\n",
            rows.len()
        ));
    } else {
        md.push_str(&format!(
            "{} of {} submissions could not be graded; they count as 0 below.\n\n\
             | student | name | status | reason |\n| --- | --- | --- | --- |\n",
            ungraded.len(),
            rows.len()
        ));
        for (row, status) in &ungraded {
            md.push_str(&format!(
                "| {} | {} | {} | {} |\n",
                untrusted::markdown(&row.student),
                untrusted::markdown(row.name.as_deref().unwrap_or("")),
                status.as_str(),
                untrusted::markdown(&reason(&row.results, *status))
            ));
        }
        md.push('\n');
    }
    md.push_str("![score histogram](histogram.svg)\n\n## Distribution\n\n| score | students |\n| --- | --- |\n");
    for bin in stats.bins() {
        md.push_str(&format!("| {} | {} |\n", bin.label(), bin.count));
    }
    md.push_str("\n## Tests\n\n| test | passed | most common failure |\n| --- | --- | --- |\n");
    for tally in tallies(rows) {
        let common = tally
            .failures
            .iter()
            .max_by_key(|(m, n)| (**n, std::cmp::Reverse((*m).clone())))
            .map_or(String::new(), |(m, n)| {
                format!("{} ({n}×)", untrusted::markdown(m))
            });
        md.push_str(&format!(
            "| {} | {}/{} ({:.0}%) | {common} |\n",
            untrusted::markdown(&tally.name),
            tally.passed,
            rows.len(),
            100.0 * tally.passed as f64 / rows.len().max(1) as f64
        ));
    }
    md
}

/// A step of 1, 2 or 5 times a power of ten giving at most five steps up to `tallest`.
fn count_step(tallest: usize) -> usize {
    let mut step = 1;
    loop {
        for k in [1, 2, 5] {
            if tallest <= 5 * k * step {
                return k * step;
            }
        }
        step *= 10;
    }
}

/// A bar chart of the score distribution, readable in any browser: a y axis
/// of student counts, and full marks as a bar of its own.
pub fn histogram_svg(rows: &[Row], title: &str) -> String {
    let scores: Vec<f64> = rows.iter().map(|r| r.results.score).collect();
    let max = rows
        .iter()
        .map(|r| r.results.max_score())
        .fold(0.0, f64::max);
    let width_pts = (max / 10.0).max(1.0);
    let bins = buckets(&scores, max, width_pts);
    let tallest = bins.iter().map(|b| b.count).max().unwrap_or(0).max(1);
    let step = count_step(tallest);
    let y_max = tallest.div_ceil(step) * step;
    let (w, h, left, right, bottom, top) = (640.0, 360.0, 56.0, 20.0, 48.0, 40.0);
    let bar_w = (w - left - right) / bins.len() as f64;
    let mut svg = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{w}\" height=\"{h}\" viewBox=\"0 0 {w} {h}\" font-family=\"sans-serif\" font-size=\"12\">\n\
         <title>{}</title>\n<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n\
         <text x=\"{}\" y=\"22\" text-anchor=\"middle\" font-size=\"15\">{} ({} submissions)</text>\n",
        escape(title),
        w / 2.0,
        escape(title),
        rows.len()
    );
    let plot_h = h - top - bottom;
    let base = top + plot_h;
    // The y axis: a tick, a label and a grid line at every step of students.
    for v in (0..=y_max).step_by(step) {
        let y = base - plot_h * v as f64 / y_max as f64;
        svg.push_str(&format!(
            "<g class=\"y-tick\"><line x1=\"{left}\" y1=\"{y:.1}\" x2=\"{:.1}\" y2=\"{y:.1}\" stroke=\"#dddddd\"/>\
             <line x1=\"{:.1}\" y1=\"{y:.1}\" x2=\"{left}\" y2=\"{y:.1}\" stroke=\"black\"/>\
             <text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"end\">{v}</text></g>\n",
            w - right,
            left - 5.0,
            left - 8.0,
            y + 4.0
        ));
    }
    svg.push_str(&format!(
        "<line x1=\"{left}\" y1=\"{top}\" x2=\"{left}\" y2=\"{base:.1}\" stroke=\"black\"/>\n\
         <text x=\"14\" y=\"{:.1}\" text-anchor=\"middle\" transform=\"rotate(-90 14 {:.1})\">students</text>\n",
        top + plot_h / 2.0,
        top + plot_h / 2.0
    ));
    for (k, bin) in bins.iter().enumerate() {
        let n = bin.count;
        let bh = plot_h * n as f64 / y_max as f64;
        let x = left + k as f64 * bar_w;
        let y = base - bh;
        let fill = if bin.full_marks { "#59a14f" } else { "#4e79a7" };
        svg.push_str(&format!(
            "<rect class=\"bin\" x=\"{:.1}\" y=\"{y:.1}\" width=\"{:.1}\" height=\"{bh:.1}\" fill=\"{fill}\"><title>{}: {n}</title></rect>\n",
            x + 2.0,
            bar_w - 4.0,
            bin.label()
        ));
        if n > 0 {
            svg.push_str(&format!(
                "<text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"middle\">{n}</text>\n",
                x + bar_w / 2.0,
                y - 4.0
            ));
        }
        svg.push_str(&format!(
            "<text class=\"x-label\" x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"middle\" font-size=\"11\">{}</text>\n",
            x + bar_w / 2.0,
            base + 16.0,
            bin.short_label()
        ));
    }
    svg.push_str(&format!(
        "<line x1=\"{left}\" y1=\"{base:.1}\" x2=\"{:.1}\" y2=\"{base:.1}\" stroke=\"black\"/>\n\
         <text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"middle\">score (bins of {} points, upper end excluded; last bar: full marks)</text>\n</svg>\n",
        w - right,
        left + (w - left - right) / 2.0,
        h - 8.0,
        number(width_pts)
    ));
    svg
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// Writes gradebook.csv, summary.md and histogram.svg into `out`.
/// Each by temp-and-rename: never through a link at those paths.
/// Adds one line (e.g. the isolation layers the grading machine lacked) at
/// the end of `out/summary.md`, after [`write_all`].
pub fn note_in_summary(out: &Path, line: &str) -> Result<()> {
    let path = out.join("summary.md");
    let mut text = std::fs::read_to_string(&path)?;
    text.push_str(&format!("\n{line}\n"));
    crate::report::safe_write::write(&path, text.as_bytes())?;
    Ok(())
}

pub fn write_all(rows: &[Row], out: &Path, title: &str) -> Result<()> {
    use crate::report::safe_write::write;
    std::fs::create_dir_all(out)?;
    write(&out.join("gradebook.csv"), csv(rows)?.as_bytes())?;
    write(
        &out.join("summary.md"),
        summary_markdown(rows, title).as_bytes(),
    )?;
    write(
        &out.join("histogram.svg"),
        histogram_svg(rows, title).as_bytes(),
    )?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::results::sample::{results, test};

    #[test]
    fn median_of_odd_and_even_counts() {
        assert_eq!(median(&[1.0, 2.0, 9.0]), 2.0);
        assert_eq!(median(&[1.0, 2.0, 4.0, 9.0]), 3.0);
        assert_eq!(median(&[]), 0.0);
    }

    #[test]
    fn full_marks_have_a_bin_of_their_own() {
        let b = buckets(&[0.0, 9.99, 10.0, 100.0, 95.0, 99.9999], 100.0, 10.0);
        assert_eq!(b.len(), 11);
        let counts: Vec<usize> = b.iter().map(|b| b.count).collect();
        assert_eq!(counts, [2, 1, 0, 0, 0, 0, 0, 0, 0, 2, 1]);
        assert_eq!((b[9].low, b[9].high, b[9].full_marks), (90.0, 100.0, false));
        assert_eq!((b[10].low, b[10].full_marks), (100.0, true));
        assert_eq!(b[9].label(), "90 to under 100");
        assert_eq!(b[10].label(), "100 (full marks)");
        // A class whose only rows are grader failures (no tests, max 0).
        let none = buckets(&[0.0, 0.0], 0.0, 1.0);
        assert_eq!(none.len(), 1);
        assert_eq!((none[0].count, none[0].full_marks), (2, false));
    }

    #[test]
    fn count_steps_are_round() {
        let steps: Vec<usize> = [1, 5, 6, 10, 11, 23, 60, 240].map(count_step).to_vec();
        assert_eq!(steps, [1, 1, 2, 2, 5, 5, 20, 50]);
    }

    fn row(student: &str, results: Results) -> Row {
        Row {
            student: student.into(),
            name: Some(format!("Name of {student}")),
            results,
        }
    }

    fn class() -> Vec<Row> {
        let t = |n: &str, score: f64, out: &str| test(n, n, score, 50.0, out);
        let mut failing = vec![];
        for k in 0..7 {
            failing.push(row(
                &format!("s{k}"),
                results(
                    "",
                    vec![t("a", 50.0, ""), t("b", 20.0, "✗ case x (y): wrong")],
                ),
            ));
        }
        failing.push(row(
            "top",
            results("", vec![t("a", 50.0, ""), t("b", 50.0, "")]),
        ));
        failing
    }

    #[test]
    fn histogram_has_a_y_axis_of_counts_and_a_full_marks_bar() {
        let svg = histogram_svg(&class(), "Lab <1>");
        let doc = roxmltree::Document::parse(&svg).expect("well-formed");
        let classed = |c: &str| {
            doc.descendants()
                .filter(|n| n.attribute("class") == Some(c))
                .collect::<Vec<_>>()
        };
        // 7 students in the tallest bin: ticks 0, 2, 4, 6, 8.
        let ticks: Vec<&str> = classed("y-tick")
            .iter()
            .map(|g| {
                g.descendants()
                    .find(|n| n.has_tag_name("text"))
                    .unwrap()
                    .text()
                    .unwrap()
            })
            .collect();
        assert_eq!(ticks, ["0", "2", "4", "6", "8"]);
        let bars = classed("bin");
        assert_eq!(bars.len(), 11);
        let height = |n: &roxmltree::Node| n.attribute("height").unwrap().parse::<f64>().unwrap();
        // 70 of 100 is bin 70–80 (7 students); 100 is the last bar (1 student).
        assert!((height(&bars[7]) / height(&bars[10]) - 7.0).abs() < 0.01);
        assert_eq!(height(&bars[9]), 0.0);
        let labels: Vec<&str> = classed("x-label")
            .iter()
            .map(|n| n.text().unwrap())
            .collect();
        assert_eq!(labels[9], "90–100");
        assert_eq!(labels[10], "100");
        assert!(svg.contains("Lab &lt;1&gt;"));
    }

    #[test]
    fn status_comes_from_extra_data_or_from_older_texts() {
        let mut r = results("Graded src/lib.rs.", vec![test("1", "a", 1.0, 1.0, "")]);
        assert_eq!(status(&r), Status::Graded);
        r.extra_data.status = Some(Status::NoFileFound);
        assert_eq!(status(&r), Status::NoFileFound);
        // results.json from before extra_data.status:
        r.extra_data.status = None;
        assert_eq!(status(&r), Status::Graded);
        r.tests[0].output = "Not graded: Your src/lib.rs does not compile, so nothing could                              be graded. The compiler says:"
            .into();
        r.output = "Your src/lib.rs does not compile, so nothing could be graded. The compiler                     says:\n\nerror: x"
            .into();
        assert_eq!(status(&r), Status::DidNotCompile);
        r.output = "no lib.rs found in the submission".into();
        r.tests[0].output = "Not graded: no lib.rs found in the submission".into();
        assert_eq!(status(&r), Status::NoFileFound);
        let mut failed = Results::grader_failure("disk full");
        assert_eq!(status(&failed), Status::GraderFailure);
        failed.extra_data.status = None;
        assert_eq!(status(&failed), Status::GraderFailure);
    }

    #[test]
    fn a_compile_error_names_its_place_only_in_the_students_crate() {
        let at = |place: &str| {
            first_compile_error(&format!(
                "Your src/lib.rs compiles, but ...\n\nerror[E0308]: mismatched types\n  --> {place}\n"
            ))
        };
        assert_eq!(
            at("src/lib.rs:12:5").as_deref(),
            Some("error[E0308]: mismatched types (src/lib.rs:12:5)")
        );
        for grader in [
            "grader's adapter.rs:68:17",
            "/tmp/grade-x/w/probe/adapter.rs:68:17",
        ] {
            assert_eq!(
                at(grader).as_deref(),
                Some("error[E0308]: mismatched types"),
                "{grader}"
            );
        }
    }

    #[test]
    fn the_students_own_error_is_quoted_before_the_graders_that_follows() {
        let output = "Your src/lib.rs does not compile, so nothing could be graded. The \
                      compiler says:\n\nerror[E0061]: this function takes 2 arguments but 1 \
                      argument was supplied\n  --> grader's adapter.rs:40:9\n\n\
                      error[E0425]: cannot find value `zz` in this scope\n  --> \
                      src/lib.rs:7:5\n";
        assert_eq!(
            first_compile_error(output).as_deref(),
            Some("error[E0425]: cannot find value `zz` in this scope (src/lib.rs:7:5)")
        );
    }

    #[test]
    fn the_summary_lists_ungraded_submissions_with_status_and_reason() {
        let mut rows = class();
        let mut broken = results(
            "Your src/lib.rs does not compile, so nothing could be graded. The compiler says:\n\n\
             error[E0308]: mismatched types\n  --> src/lib.rs:12:5\n   |\n12 |     x > 0.0 |",
            vec![
                test("a", "a", 0.0, 50.0, "Not graded: x"),
                test("b", "b", 0.0, 50.0, "Not graded: x"),
            ],
        );
        broken.extra_data.status = Some(Status::DidNotCompile);
        rows.push(row("zed|x", broken));
        rows.push(row(
            "ghost",
            Results::grader_failure("cannot create a working folder"),
        ));
        let md = summary_markdown(&rows, "Lab");
        assert!(
            md.contains("2 of 10 submissions could not be graded"),
            "{md}"
        );
        assert!(
            md.contains(
                "| zed\\|x | Name of zed\\|x | did not compile | error\\[E0308\\]: mismatched types \
                 (src/lib.rs:12:5) |\n"
            ),
            "{md}"
        );
        assert!(
            md.contains(
                "| ghost | Name of ghost | grader failure | cannot create a working folder. |\n"
            ),
            "{md}"
        );
        assert!(
            !md.contains("| s1 |"),
            "graded students are not listed: {md}"
        );
        assert!(md.contains("| 100 (full marks) | 1 |\n"), "{md}");
        assert!(md.contains("| 70 to under 80 | 7 |\n"), "{md}");
        let csv = csv(&rows).unwrap();
        let lines: Vec<&str> = csv.lines().collect();
        assert_eq!(lines[0], "student,name,total,status,a,b");
        assert_eq!(lines[1], "s0,Name of s0,70,graded,50,20");
        assert_eq!(lines[9], "zed|x,Name of zed|x,0,did not compile,0,0");
        assert_eq!(lines[10], "ghost,Name of ghost,0,grader failure,,");
        let every = summary_markdown(&class(), "Lab");
        assert!(
            every.contains("Every submission was graded (8)."),
            "{every}"
        );
    }

    #[test]
    fn csv_cells_that_a_spreadsheet_would_run_are_made_text() {
        let mut rows = vec![
            row(
                "=HYPERLINK(\"http://x\",\"y\")",
                results("", vec![test("1", "t", 1.0, 1.0, "")]),
            ),
            row("+1+1", results("", vec![test("1", "t", 0.5, 1.0, "")])),
            row("-2", results("", vec![test("1", "t", 0.0, 1.0, "")])),
            row("@SUM(A1)", results("", vec![test("1", "t", 1.0, 1.0, "")])),
            row("\tx", results("", vec![test("1", "t", 1.0, 1.0, "")])),
            row("\rx", results("", vec![test("1", "t", 1.0, 1.0, "")])),
            row("ok-name", results("", vec![test("1", "t", 1.0, 1.0, "")])),
        ];
        rows[6].name = Some("=cmd|' /C calc'!A0".into());
        let text = csv(&rows).unwrap();
        let mut reader = csv::Reader::from_reader(text.as_bytes());
        let cells: Vec<Vec<String>> = reader
            .records()
            .map(|r| r.unwrap().iter().map(str::to_string).collect())
            .collect();
        let students: Vec<&str> = cells.iter().map(|r| r[0].as_str()).collect();
        assert_eq!(
            students,
            [
                "'=HYPERLINK(\"http://x\",\"y\")",
                "'+1+1",
                "'-2",
                "'@SUM(A1)",
                "'\tx",
                // Cleaned: a carriage return shows as a space.
                " x",
                "ok-name"
            ]
        );
        assert_eq!(cells[6][1], "'=cmd|' /C calc'!A0");
        assert_eq!(
            cells[1][1], "Name of +1+1",
            "a name is quoted only when it starts badly"
        );
        // Numbers stay numbers.
        assert_eq!(cells[1][2], "0.5");
        for r in &cells {
            for c in r {
                assert!(
                    !c.starts_with(['=', '+', '-', '@', '\t', '\r']),
                    "a live cell: {c:?}"
                );
            }
        }
    }

    #[test]
    fn csv_cells_are_cleaned_as_report_html_is() {
        let hostile = [
            "a\u{202e}fdp.exe",
            "\u{2066}b\u{2069}",
            "c\u{200f}\u{200e}\u{61c}",
            "d\u{1b}[31m\u{7}\u{9b}",
            "e\u{2028}f\u{2029}",
        ];
        let mut rows: Vec<Row> = hostile
            .iter()
            .map(|s| row(s, results("", vec![test("1", "t", 0.5, 1.0, "")])))
            .collect();
        rows[0].name = Some("\r=cmd|' /C calc'!A0".into());
        rows[1].name = Some("\u{202e}=1+1".into());
        let text = csv(&rows).unwrap();
        let cells: Vec<Vec<String>> = csv::Reader::from_reader(text.as_bytes())
            .records()
            .map(|r| r.unwrap().iter().map(str::to_string).collect())
            .collect();
        assert_eq!(cells.len(), hostile.len());
        for (row, raw) in cells.iter().zip(hostile) {
            assert_eq!(row[2], "0.5", "scores stay numbers");
            for cell in row {
                assert_eq!(&untrusted::clean(cell), cell, "{cell:?}");
            }
            assert_eq!(
                row[0],
                untrusted::clean(raw),
                "the same text report.html shows"
            );
        }
        assert_eq!(cells[0][0], "a\u{fffd}fdp.exe");
        assert_eq!(cells[3][0], "d\u{fffd}[31m\u{fffd}\u{fffd}");
        // A carriage return is cleaned into a space: the formula is still text.
        assert_eq!(cells[0][1], "' =cmd|' /C calc'!A0");
        assert_eq!(cells[1][1], "\u{fffd}=1+1");
        assert_eq!(cells[2][1], "Name of c\u{fffd}\u{fffd}\u{fffd}");
    }

    #[test]
    fn the_summary_carries_no_students_markup_html_or_links() {
        let mut broken = results(
            "Your src/lib.rs does not compile, so nothing could be graded. The compiler says:\n\n\
             error: <img src=https://e.com/i.png> [x](https://e.com) ![i](j) me@e.com\n",
            vec![test("a", "a", 0.0, 50.0, "Not graded: x")],
        );
        broken.extra_data.status = Some(Status::DidNotCompile);
        let mut rows = vec![row("<img src=x onerror=alert(1)>", broken)];
        rows[0].name = Some("[click](https://e.com) www.e.com\n# heading".into());
        rows.push(row(
            "b",
            results(
                "",
                vec![test(
                    "a",
                    "a",
                    0.0,
                    50.0,
                    "✗ case x (y): panicked: <script>x</script> ![i](https://e.com/i.png)",
                )],
            ),
        ));
        let md = summary_markdown(&rows, "Lab <b>");
        assert!(md.starts_with("# Lab \\<b\\>\n"), "{md}");
        // What Markdown reads as markup: the text without its escaped characters.
        let mut unescaped = String::new();
        let mut chars = md.chars();
        while let Some(c) = chars.next() {
            if c == '\\' {
                chars.next();
            } else {
                unescaped.push(c);
            }
        }
        for bad in [
            "<img",
            "<script",
            "](http",
            "https://",
            "me@e",
            "www.e",
            "\n# heading",
        ] {
            assert!(!unescaped.contains(bad), "{bad:?} in {md}");
        }
        // The one image is the grader's histogram.
        assert_eq!(unescaped.matches("](").count(), 1, "{md}");
        assert!(md.contains("\\<img src=x onerror=alert(1)\\>"), "{md}");
    }

    #[test]
    fn summary_failures_are_cut_between_words() {
        let long = format!(
            "✗ case x (y): value: expected {}, got 4.85",
            "2.428414917818207 ".repeat(8)
        );
        let rows = vec![row("a", results("", vec![test("1", "t", 0.0, 1.0, &long)]))];
        let md = summary_markdown(&rows, "Lab");
        let line = md.lines().find(|l| l.starts_with("| t |")).unwrap();
        assert!(
            line.ends_with("2.428414917818207 … (1×) |"),
            "cut mid-number or without an ellipsis: {line}"
        );
    }

    #[test]
    fn failure_messages_drop_the_case_name() {
        let out =
            "0 of 2 cases passed.\n✗ case small (one layer [3, 2]): value: expected 1, got 2\n";
        assert_eq!(failure_message(out).unwrap(), "value: expected 1, got 2");
        let hidden = "1 of 2\n✓ case a (x): passed\n✗ hidden case 3: panicked: boom";
        assert_eq!(failure_message(hidden).unwrap(), "panicked: boom");
    }
}
