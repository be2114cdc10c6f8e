//! The human-readable summary printed after grading: one line per test and
//! the first line of each failure's feedback.

use crate::results::Results;
use std::fmt::Write;

pub fn table(results: &Results, title: &str) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "{title}");
    let width = results
        .tests
        .iter()
        .map(|t| t.name.len())
        .max()
        .unwrap_or(4)
        .max(4);
    for t in &results.tests {
        let mark = if t.status == "passed" { "ok  " } else { "FAIL" };
        let _ = writeln!(
            out,
            "  {mark} {:>4}  {:<width$}  {:>7} / {:<5}",
            t.number,
            t.name,
            fmt_points(t.score),
            fmt_points(t.max_score)
        );
        if t.status != "passed" {
            let mut lines = t.output.lines().map(str::trim);
            let first_failure = lines.clone().find(|l| l.starts_with('✗'));
            if let Some(first) = first_failure.or_else(|| lines.find(|l| !l.is_empty())) {
                let _ = writeln!(out, "            {}", clip(first, 110));
            }
        }
    }
    let _ = writeln!(
        out,
        "  total {:>width$}  {:>7} / {}",
        "",
        fmt_points(results.score),
        fmt_points(results.max_score()),
        width = width + 6
    );
    if !results.output.trim().is_empty() {
        let _ = writeln!(out, "\n{}", results.output.trim_end());
    }
    out
}

pub fn fmt_points(x: f64) -> String {
    let s = format!("{x:.2}");
    s.strip_suffix(".00").map(str::to_string).unwrap_or(s)
}

fn clip(s: &str, n: usize) -> String {
    if s.chars().count() <= n {
        s.to_string()
    } else {
        s.chars().take(n).collect::<String>() + "…"
    }
}
