//! The student's line behind a panic inside a dependency.
//!
//! Probes are built without line tables (`build::LineTables`): they cost
//! about a fifth of every compile and only this case needs them. Without,
//! the probe names the student's function (`inside ndarray, called from your
//! `forward_pass``); when any run says so, the same source is built again
//! with line tables and those runs again, so the feedback names the
//! line. A submission without such a panic pays nothing. A test isolated
//! credit grades again keeps its results, and each panic's text in them
//! gains its line (`Grader::grade_code`).

use super::budget::Budget;
use super::run::Run;
use super::{Grader, Which};
use crate::build::{self, LineTables, Options};
use crate::report::results::TestResult;
use crate::report::untrusted;
use anyhow::Result;
use reference::wire::CALLED_FROM_FUNCTION;
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::time::{Duration, Instant};

impl Grader {
    /// For each run of `runs` whose item `wanted` accepts and whose panic
    /// names only the student's function, the same run from a probe with
    /// line tables, built from `source` in `dir` (a folder that does not
    /// exist yet). Anything that goes wrong on the way returns fewer runs:
    /// the ones given are already right, only less precise.
    pub(super) fn locate_panics(
        &self,
        source: &str,
        runs: &BTreeMap<(String, String), Run>,
        wanted: &(dyn Fn(&str) -> bool + Sync),
        dir: &Path,
    ) -> Result<BTreeMap<(String, String), Run>> {
        let mut located = BTreeMap::new();
        let unlocated: Vec<(String, String)> = runs
            .iter()
            .filter(|((item, _), run)| {
                wanted(item)
                    && run
                        .result
                        .as_ref()
                        .is_err_and(|why| why.contains(CALLED_FROM_FUNCTION))
            })
            .map(|(key, _)| key.clone())
            .collect();
        if unlocated.is_empty() {
            return Ok(located);
        }
        let began = Instant::now();
        std::fs::create_dir(dir)?;
        let options = Options {
            wall: Duration::from_secs_f64(self.rubric.limits.compile_seconds),
            lines: LineTables::With,
        };
        let Ok(probe) = build::build(
            &self.lab,
            &self.tools,
            &self.deps,
            source,
            dir,
            &self.jail,
            options,
        ) else {
            return Ok(located);
        };
        // Runs that already ran once, under a budget of their own: the
        // grading's own runs go on meanwhile (isolated credit). Only those
        // that panicked: the others have nothing to locate.
        let budget = Budget::new(Duration::from_secs_f64(
            self.rubric.limits.submission_seconds,
        ));
        let mut again = self.run_all(&probe, dir, &budget, Which::Runs(&unlocated))?;
        for key in &unlocated {
            // Same code, same inputs: the same panic, now with its line. A
            // run that names no line after all keeps the function's name.
            if let Some(run) = again.remove(key) {
                let named_line = run.result.as_ref().is_err_and(|why| {
                    why.contains(", called from ") && !why.contains(CALLED_FROM_FUNCTION)
                });
                if named_line {
                    located.insert(key.clone(), run);
                }
            }
        }
        if std::env::var_os("GRADE_TIMINGS").is_some() {
            eprintln!(
                "grade: timings: line tables for {} panicking run(s) {:.3} s",
                unlocated.len(),
                began.elapsed().as_secs_f64()
            );
        }
        Ok(located)
    }

    /// A test graded again shows its results (as written, and on its
    /// variants) in words already written: each public case's panic gains
    /// the line the rerun with line tables found, inside that case's own
    /// line. Tests not graded again are scored anew with the located runs.
    pub(super) fn add_located_lines(
        &self,
        located: BTreeMap<(String, String), Run>,
        runs: &mut BTreeMap<(String, String), Run>,
        tests: &mut [TestResult],
        again: &BTreeSet<String>,
    ) {
        if located.is_empty() {
            return;
        }
        let items: Vec<String> = located.keys().map(|(item, _)| item.clone()).collect();
        // Public cases only: a hidden case shows no panic text, and its
        // rerun's words (which its code chose, seeing the hidden inputs)
        // must never reach a line that is shown.
        let mut lines: Vec<(String, String, String, String)> = Vec::new();
        for (key, run) in &located {
            if self.is_hidden(&key.1) {
                continue;
            }
            if let (Some(Err(before)), Err(after)) = (runs.get(key).map(|r| &r.result), &run.result)
            {
                lines.push((
                    key.0.clone(),
                    format!("✗ case {} (", key.1),
                    untrusted::case_reason(before),
                    untrusted::case_reason(after),
                ));
            }
        }
        runs.extend(located);
        for (spec, result) in self.rubric.tests.iter().zip(tests.iter_mut()) {
            if !items.contains(&spec.item) {
                continue;
            }
            if !again.contains(&spec.item) {
                *result = self.score_test(spec, runs);
                continue;
            }
            for (_, case, before, after) in lines.iter().filter(|(item, ..)| *item == spec.item) {
                result.output = untrusted::clip(
                    &replace_in_case(&result.output, case, before, after),
                    untrusted::TEST_BYTES,
                );
            }
        }
    }
}

/// `text` with `before` replaced by `after` only inside the failed case whose
/// line starts with `case` (`✗ case ID (`), up to the next case's line or the
/// end of its block: another case's identical words stay as they are.
fn replace_in_case(text: &str, case: &str, before: &str, after: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(i) = rest.find(case) {
        let at_line_start =
            i == 0 && (out.is_empty() || out.ends_with('\n')) || rest[..i].ends_with('\n');
        let (head, tail) = rest.split_at(i);
        out.push_str(head);
        if !at_line_start {
            out.push_str(case);
            rest = &tail[case.len()..];
            continue;
        }
        let end = ["\n✗ ", "\n✓ ", "\n```", "\n\n"]
            .iter()
            .filter_map(|m| tail[case.len()..].find(m).map(|k| k + case.len()))
            .min()
            .unwrap_or(tail.len());
        out.push_str(&tail[..end].replacen(before, after, 1));
        rest = &tail[end..];
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_panics_line_is_added_only_inside_its_own_case() {
        let text =
            "0 of 3 cases passed.\n✗ case a (x): panicked: boom\n✗ case b (y): panicked: boom\n\
                    ✗ hidden case 3: panicked\n\nAs written:\n✗ case a (x): panicked: boom";
        let out = replace_in_case(text, "✗ case a (", "boom", "boom at src/lib.rs:9");
        assert_eq!(out.matches("boom at src/lib.rs:9").count(), 2, "{out}");
        assert!(out.contains("✗ case b (y): panicked: boom\n"), "{out}");
        // Not at a line's start: not a case line.
        let inline = "said ✗ case a (x): boom";
        assert_eq!(replace_in_case(inline, "✗ case a (", "boom", "no"), inline);
    }
}
