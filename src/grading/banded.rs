//! Tests that wait for others and are scored by accuracy bands: a training
//! run such as CS240's hyperparameter tuning (section 1.2). The run starts
//! only when the tests it names in `after` passed in full as written (it
//! trains with every function as the student wrote it); its answer is one
//! class per held-out example, never told the labels, and its score is the
//! points of the best band its accuracy reaches (0 in an ungraded contest).

use super::budget::cpu_seconds;
use super::budget::Budget;
use super::run::Run;
use super::score::{hidden_reason, round_seconds};
use super::{Grader, Which};
use crate::grading::compare::accuracy;
use crate::lab::fixture::Case;
use crate::lab::rubric::TestSpec;
use crate::report::results::{round_score, TestResult};
use crate::report::untrusted;
use anyhow::Result;
use std::collections::BTreeMap;
use std::path::Path;
use std::time::Duration;

type Runs = BTreeMap<(String, String), Run>;

impl Grader {
    /// Runs the tests that wait for others whose `after` tests passed (as
    /// written, in `tests`), scores them into `tests`, and adds their runs to
    /// `runs` (for the leaderboard); the others get a "not run" result, and
    /// their indices are returned.
    pub(super) fn run_deferred(
        &self,
        probe: &Path,
        work: &Path,
        budget: &Budget,
        tests: &mut [TestResult],
        runs: &mut Runs,
    ) -> Result<Vec<usize>> {
        let mut ready: Vec<String> = Vec::new();
        let mut blocked = Vec::new();
        for (i, spec) in self.rubric.tests.iter().enumerate() {
            if !spec.deferred() {
                continue;
            }
            let blocking = self.blocking(spec, tests);
            if blocking.is_empty() {
                ready.push(spec.item.clone());
            } else {
                tests[i] = not_run(spec, &blocking, &[]);
                blocked.push(i);
            }
        }
        if ready.is_empty() {
            return Ok(blocked);
        }
        // No second build with line tables for these: a training run's panic
        // inside a dependency is told without its line rather than run twice.
        let mut more = self.run_all(probe, work, budget, Which::Deferred(&ready))?;
        self.explain_stops(&mut more);
        runs.extend(more);
        for (i, spec) in self.rubric.tests.iter().enumerate() {
            if spec.deferred() && ready.contains(&spec.item) {
                tests[i] = self.score_test(spec, runs);
            }
        }
        Ok(blocked)
    }

    /// The "not run" results of the tests `blocked` said again once
    /// isolated credit has graded the rest (`tests`): a test it passes in
    /// full (`credited`: with the reference's versions of which functions)
    /// is said to have passed only with them, not to have failed.
    pub(super) fn explain_blocked(
        &self,
        blocked: &[usize],
        tests: &mut [TestResult],
        credited: &BTreeMap<usize, String>,
    ) {
        for &i in blocked {
            let spec = &self.rubric.tests[i];
            let mut failing = Vec::new();
            let mut passed_with = Vec::new();
            for n in &spec.after {
                let Some(j) = self.rubric.tests.iter().position(|t| t.number == *n) else {
                    continue;
                };
                let r = &tests[j];
                let label = format!("{} (test {})", r.name, r.number);
                match credited.get(&j) {
                    Some(functions) => passed_with.push((label, functions.clone())),
                    None if r.status != "passed" || r.score < r.max_score => failing.push(label),
                    None => {}
                }
            }
            if failing.is_empty() && passed_with.is_empty() {
                continue;
            }
            let output = not_run(spec, &failing, &passed_with).output;
            tests[i].output = output;
        }
    }

    /// The tests `spec` waits for that did not pass in full, as
    /// "name (test N)".
    fn blocking(&self, spec: &TestSpec, tests: &[TestResult]) -> Vec<String> {
        spec.after
            .iter()
            .filter_map(|n| {
                let j = self.rubric.tests.iter().position(|t| t.number == *n)?;
                let r = &tests[j];
                (r.status != "passed" || r.score < r.max_score)
                    .then(|| format!("{} (test {})", r.name, r.number))
            })
            .collect()
    }

    /// An accuracy test's result: the share of right classes, its band and
    /// points, how long the run took of its budget; or why there is none.
    pub(super) fn score_accuracy(&self, test: &TestSpec, runs: &Runs) -> TestResult {
        let cases = self.rubric.cases_of(test);
        let Some(case_ref) = cases.first() else {
            return not_run(test, &[], &[]);
        };
        let case = &self.cases[&case_ref.id];
        let Some(run) = runs.get(&(test.item.clone(), case.id.clone())) else {
            return not_run(test, &[], &[]);
        };
        let budget = self.run_seconds(&test.item);
        let mut lines = Vec::new();
        let (score, passed) = match self.accuracy_of(test, case, run) {
            Ok((right, total)) => {
                let share = right as f64 / total as f64;
                let band = test.band(share);
                let label = if case_ref.hidden {
                    "a hidden case".to_string()
                } else {
                    format!("case {} ({})", case.id, case.description)
                };
                let reached = match band {
                    Some(b) => format!("{}, above {}", b.name, percent(b.above)),
                    None => {
                        let lowest = test
                            .bands
                            .iter()
                            .min_by(|a, b| a.above.total_cmp(&b.above))
                            .map(|b| format!("{}, is above {}", b.name, percent(b.above)))
                            .unwrap_or_default();
                        format!("below the bands (the lowest, {lowest})")
                    }
                };
                lines.push(format!(
                    "Accuracy: {} ({right} of {total} right): {reached}.",
                    percent(share)
                ));
                lines.push(format!("On {label}."));
                lines.push(format!("Bands: {}.", bands_text(test)));
                lines.push(format!(
                    "The run used {} of CPU time of its {} limit.",
                    cpu_seconds(Duration::from_secs_f64(run.cpu)),
                    cpu_seconds(Duration::from_secs_f64(budget))
                ));
                let points = band.map_or(0.0, |b| b.points);
                // Ungraded: passed once in a band; graded: at full points only.
                let passed = if test.points > 0.0 {
                    points >= test.points
                } else {
                    band.is_some()
                };
                (points, passed)
            }
            Err(reason) => {
                let reason = if case_ref.hidden {
                    hidden_reason(&reason)
                } else {
                    reason
                };
                let said = if run.stopped_at.is_some() && run.cpu >= budget {
                    format!(
                        "Training used its whole {} of CPU time (all its threads together) and \
                         was stopped: fewer epochs, larger mini-batches or smaller hidden layers \
                         train faster.",
                        cpu_seconds(Duration::from_secs_f64(budget))
                    )
                } else if let Some(rest) = reason.strip_prefix("not run: ") {
                    format!("Not run: {rest}.")
                } else if reason.starts_with("its answer") || reason.starts_with("answer") {
                    format!("No accuracy: {reason}.")
                } else {
                    format!("No accuracy: the run {reason}.")
                };
                lines.push(said);
                lines.push("Nothing is posted to the leaderboard.".into());
                (0.0, false)
            }
        };
        if test.points == 0.0 {
            lines.push("Ungraded: it counts for no points.".into());
        }
        TestResult {
            score: round_score(score),
            max_score: test.points,
            status: if passed { "passed" } else { "failed" }.into(),
            name: test.name.clone(),
            number: test.number.clone(),
            output: untrusted::clip(&lines.join("\n"), untrusted::TEST_BYTES),
            visibility: test.visibility,
            execution_time: round_seconds(run.seconds),
            extra_data: Default::default(),
        }
    }

    /// Right classes and how many there are in `run`'s answer to the
    /// accuracy test `test` on `case`, or why there are none.
    pub(super) fn accuracy_of(
        &self,
        test: &TestSpec,
        case: &Case,
        run: &Run,
    ) -> Result<(usize, usize), String> {
        let outputs = run.result.as_ref().map_err(Clone::clone)?;
        let expected = &case.expected[&test.item];
        let name = test
            .output_names(expected)
            .into_iter()
            .next()
            .ok_or("has no output to score")?;
        let got = outputs
            .get(&name)
            .ok_or_else(|| format!("answered without \"{name}\""))?;
        accuracy(&expected[&name], got).ok_or_else(|| {
            format!("answered \"{name}\" with something other than one class per example")
        })
    }
}

/// A deferred test that did not run: the tests that must pass first, those
/// that did not pass (`blocking`) and those that passed only with the
/// reference's versions of some functions (`passed_with`: the test and the
/// functions, in words).
fn not_run(spec: &TestSpec, blocking: &[String], passed_with: &[(String, String)]) -> TestResult {
    let mut reasons = Vec::new();
    if !blocking.is_empty() {
        reasons.push(format!(
            "{} did not pass in full: {}",
            if blocking.len() == 1 {
                "this one"
            } else {
                "these"
            },
            list(blocking)
        ));
    }
    // Grouped by the functions they needed, in the order first met.
    let mut groups: Vec<(&String, Vec<String>)> = Vec::new();
    for (test, functions) in passed_with {
        match groups.iter_mut().find(|(f, _)| *f == functions) {
            Some((_, tests)) => tests.push(test.clone()),
            None => groups.push((functions, vec![test.clone()])),
        }
    }
    for (functions, tests) in groups {
        reasons.push(format!(
            "{} passed only with the reference's {functions} in place of yours",
            list(&tests)
        ));
    }
    let output = if reasons.is_empty() {
        "Not run.".to_string()
    } else {
        format!(
            "Not run: it uses your code of tests {}, as written, and {}. Once they pass as \
             written, this run starts.",
            spec.after.join(", "),
            reasons.join("; ")
        )
    };
    TestResult {
        score: 0.0,
        max_score: spec.points,
        status: "failed".into(),
        name: spec.name.clone(),
        number: spec.number.clone(),
        output,
        visibility: spec.visibility,
        execution_time: 0.0,
        extra_data: Default::default(),
    }
}

/// "a", "a and b", "a, b and c".
fn list(items: &[String]) -> String {
    match items {
        [] => String::new(),
        [one] => one.clone(),
        [init @ .., last] => format!("{} and {last}", init.join(", ")),
    }
}

/// A share as a percentage people read: `92.89 %`.
pub fn percent(share: f64) -> String {
    format!("{} %", trim((share * 10000.0).round() / 100.0))
}

/// A number without trailing zeros: `60`, `92.5`.
fn trim(x: f64) -> String {
    let text = format!("{x:.2}");
    text.trim_end_matches('0').trim_end_matches('.').to_string()
}

/// The bands, best first: "Excellent above 92 %, Good above 87 %".
fn bands_text(test: &TestSpec) -> String {
    let mut bands: Vec<_> = test.bands.iter().collect();
    bands.sort_by(|a, b| b.above.total_cmp(&a.above));
    bands
        .iter()
        .map(|b| {
            let points = if b.points > 0.0 {
                format!(" ({} points)", trim(b.points))
            } else {
                String::new()
            };
            format!("{} above {}{points}", b.name, percent(b.above))
        })
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shares_read_as_percentages() {
        assert_eq!(percent(418.0 / 450.0), "92.89 %");
        assert_eq!(percent(0.92), "92 %");
        assert_eq!(percent(0.875), "87.5 %");
        assert_eq!(trim(60.0), "60");
    }
}
