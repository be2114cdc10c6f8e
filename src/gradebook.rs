//! The class view of a batch: `gradebook.csv` (one row per student, one
//! column per test), `summary.md` (statistics, pass rates, the most common
//! failure per test) and `histogram.svg`, built from the per-student
//! results.json files of one or more output folders (shards).

use crate::results::Results;
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
            let name = std::fs::read_to_string(entry.path().join(NAME_FILE)).ok();
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
fn test_names(rows: &[Row]) -> Vec<String> {
    rows.iter()
        .map(|r| &r.results.tests)
        .max_by_key(|t| t.len())
        .map(|tests| tests.iter().map(|t| t.name.clone()).collect())
        .unwrap_or_default()
}

pub fn csv(rows: &[Row]) -> Result<String> {
    let names = test_names(rows);
    let mut out = csv::Writer::from_writer(Vec::new());
    let mut header = vec![
        "student".to_string(),
        "name".to_string(),
        "total".to_string(),
    ];
    header.extend(names.iter().cloned());
    out.write_record(&header)?;
    for row in rows {
        let mut record = vec![
            row.student.clone(),
            row.name.clone().unwrap_or_default(),
            number(row.results.score),
        ];
        for name in &names {
            let cell = row
                .results
                .tests
                .iter()
                .find(|t| &t.name == name)
                .map_or(String::new(), |t| number(t.score));
            record.push(cell);
        }
        out.write_record(&record)?;
    }
    Ok(String::from_utf8(out.into_inner()?)?)
}

fn number(x: f64) -> String {
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

/// Scores per bucket of `width` points, from 0 to `max` (the top bucket includes `max`).
pub fn buckets(scores: &[f64], max: f64, width: f64) -> Vec<(f64, usize)> {
    let count = ((max / width).ceil() as usize).max(1);
    let mut out: Vec<(f64, usize)> = (0..count).map(|k| (k as f64 * width, 0)).collect();
    for &s in scores {
        let k = ((s / width).floor() as usize).min(count - 1);
        out[k].1 += 1;
    }
    out
}

/// The part of a failed test's first ✗ line that does not name the case.
fn failure_message(output: &str) -> Option<String> {
    let line = output.lines().find(|l| l.trim_start().starts_with('✗'))?;
    let text = line.trim_start().trim_start_matches('✗').trim();
    // "case X (description): message" or "hidden case 3: message"
    let message = match text.find("): ") {
        Some(at) => &text[at + 3..],
        None => text.split_once(": ").map_or(text, |(_, m)| m),
    };
    Some(message.chars().take(100).collect())
}

pub fn summary_markdown(rows: &[Row], title: &str) -> String {
    let mut scores: Vec<f64> = rows.iter().map(|r| r.results.score).collect();
    scores.sort_by(f64::total_cmp);
    let max = rows
        .iter()
        .map(|r| r.results.max_score())
        .fold(0.0, f64::max);
    let mean = scores.iter().sum::<f64>() / scores.len().max(1) as f64;
    let mut md = format!("# {title}\n\n");
    md.push_str(&format!(
        "{} submissions · mean {} · median {} · min {} · max {} (of {})\n\n",
        rows.len(),
        number((mean * 100.0).round() / 100.0),
        number(median(&scores)),
        number(scores.first().copied().unwrap_or(0.0)),
        number(scores.last().copied().unwrap_or(0.0)),
        number(max)
    ));
    md.push_str("![score histogram](histogram.svg)\n\n## Distribution\n\n| score | students |\n| --- | --- |\n");
    let width = (max / 10.0).max(1.0);
    for (low, n) in buckets(&scores, max, width) {
        md.push_str(&format!(
            "| {}–{} | {n} |\n",
            number(low),
            number((low + width).min(max))
        ));
    }
    md.push_str("\n## Tests\n\n| test | passed | most common failure |\n| --- | --- | --- |\n");
    for name in test_names(rows) {
        let mut passed = 0;
        let mut failures: BTreeMap<String, usize> = BTreeMap::new();
        for row in rows {
            if let Some(t) = row.results.tests.iter().find(|t| t.name == name) {
                if t.status == "passed" {
                    passed += 1;
                } else if let Some(m) = failure_message(&t.output) {
                    *failures.entry(m).or_default() += 1;
                }
            }
        }
        let common = failures
            .iter()
            .max_by_key(|(m, n)| (**n, std::cmp::Reverse((*m).clone())))
            .map_or(String::new(), |(m, n)| {
                format!("{} ({n}×)", m.replace('|', "\\|"))
            });
        md.push_str(&format!(
            "| {name} | {passed}/{} ({:.0}%) | {common} |\n",
            rows.len(),
            100.0 * passed as f64 / rows.len().max(1) as f64
        ));
    }
    md
}

/// A bar chart of the score distribution, readable in any browser.
pub fn histogram_svg(rows: &[Row], title: &str) -> String {
    let scores: Vec<f64> = rows.iter().map(|r| r.results.score).collect();
    let max = rows
        .iter()
        .map(|r| r.results.max_score())
        .fold(0.0, f64::max);
    let width_pts = (max / 10.0).max(1.0);
    let bins = buckets(&scores, max, width_pts);
    let tallest = bins.iter().map(|b| b.1).max().unwrap_or(0).max(1);
    let (w, h, left, bottom, top) = (640.0, 360.0, 50.0, 40.0, 40.0);
    let bar_w = (w - left - 20.0) / bins.len() as f64;
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
    for (k, (low, n)) in bins.iter().enumerate() {
        let bh = plot_h * *n as f64 / tallest as f64;
        let x = left + k as f64 * bar_w;
        let y = top + plot_h - bh;
        svg.push_str(&format!(
            "<rect x=\"{:.1}\" y=\"{y:.1}\" width=\"{:.1}\" height=\"{bh:.1}\" fill=\"#4e79a7\"><title>{}–{}: {n}</title></rect>\n",
            x + 2.0,
            bar_w - 4.0,
            number(*low),
            number((low + width_pts).min(max))
        ));
        if *n > 0 {
            svg.push_str(&format!(
                "<text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"middle\">{n}</text>\n",
                x + bar_w / 2.0,
                y - 4.0
            ));
        }
        svg.push_str(&format!(
            "<text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"middle\">{}</text>\n",
            x + bar_w / 2.0,
            h - bottom + 16.0,
            number(*low)
        ));
    }
    svg.push_str(&format!(
        "<line x1=\"{left}\" y1=\"{:.1}\" x2=\"{:.1}\" y2=\"{:.1}\" stroke=\"black\"/>\n\
         <text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"middle\">score (bins of {} points)</text>\n</svg>\n",
        top + plot_h,
        w - 20.0,
        top + plot_h,
        w / 2.0,
        h - 6.0,
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
pub fn write_all(rows: &[Row], out: &Path, title: &str) -> Result<()> {
    std::fs::create_dir_all(out)?;
    std::fs::write(out.join("gradebook.csv"), csv(rows)?)?;
    std::fs::write(out.join("summary.md"), summary_markdown(rows, title))?;
    std::fs::write(out.join("histogram.svg"), histogram_svg(rows, title))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn median_of_odd_and_even_counts() {
        assert_eq!(median(&[1.0, 2.0, 9.0]), 2.0);
        assert_eq!(median(&[1.0, 2.0, 4.0, 9.0]), 3.0);
        assert_eq!(median(&[]), 0.0);
    }

    #[test]
    fn buckets_put_the_maximum_in_the_top_bin() {
        let b = buckets(&[0.0, 9.99, 10.0, 100.0, 95.0], 100.0, 10.0);
        assert_eq!(b.len(), 10);
        assert_eq!(b[0], (0.0, 2));
        assert_eq!(b[1], (10.0, 1));
        assert_eq!(b[9], (90.0, 2));
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
