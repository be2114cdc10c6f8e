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
use anyhow::Result;
use reference::wire::CALLED_FROM_FUNCTION;
use std::collections::BTreeMap;
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
}
