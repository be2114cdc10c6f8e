//! Scoring: each test's cases judged from the settled runs (or, for a
//! measured output, the grader's measure of it), put in words for the
//! student (a hidden case says only what kind of failure it was), and the
//! leaderboard's values from runs that passed.

use super::answers::{self, Reading};
use super::numbers::{num, round_for_people};
use super::run::{Checked, Run};
use super::{measure, mistakes, Grader};
use crate::grading::compare::{compare, unchanged_input, unit_hint, Hint, Mismatch, Tolerance};
use crate::lab::fixture::Case;
use crate::lab::rubric::{Bound, Measure, Rule, Scoring, TestSpec};
use crate::report::results::{round_score, KnownMistake, LeaderboardEntry, TestExtra, TestResult};
use crate::report::untrusted;
use anyhow::Result;
use serde_json::Value;
use std::collections::BTreeMap;

impl Grader {
    /// Works out every test's verdict on a run as soon as it arrives, then
    /// drops the answer but for what a leaderboard column reads: the grader
    /// never holds more than the verdicts of finished runs.
    pub(super) fn settle(&self, run: &mut Run, item: &str, case_id: &str) {
        if run.result.is_err() {
            return;
        }
        let Some(case) = self.cases.get(case_id) else {
            return;
        };
        let mut checked = Vec::new();
        for t in &self.rubric.tests {
            if t.item != item || !self.rubric.cases_of(t).iter().any(|c| c.id == case_id) {
                continue;
            }
            let verdict = match self.verdict(t, case, run) {
                Ok(()) => Ok(()),
                Err(Failure::Missing(name)) => Err(Checked::Missing(name)),
                Err(Failure::Unanswered(name)) => Err(Checked::Unanswered(name)),
                Err(Failure::Mismatch(m)) => Err(Checked::Mismatch(m)),
                // Not an answer: nothing to settle (and nothing large to drop).
                Err(Failure::Run(_)) => return,
            };
            checked.push((t.name.clone(), verdict));
            let notes = self.reading_notes(t, case, run);
            run.notes
                .extend(notes.into_iter().map(|n| (t.name.clone(), n)));
        }
        // Known mistakes are looked up only on failure, before the answer goes.
        let failed: Vec<&TestSpec> = checked
            .iter()
            .filter(|(_, v)| v.is_err())
            .filter_map(|(name, _)| self.rubric.tests.iter().find(|t| t.name == *name))
            .collect();
        if !failed.is_empty() {
            mistakes::name_in_run(self, run, case_id, &failed);
        }
        // An accuracy test is scored from its answer (a list of classes, small).
        let accuracy_outputs: Vec<String> = self
            .rubric
            .tests
            .iter()
            .filter(|t| t.rule() == Rule::Accuracy && t.item == item)
            .flat_map(|t| t.output_names(&case.expected[item]))
            .collect();
        let kept: Vec<&str> = self
            .rubric
            .leaderboard
            .iter()
            .filter(|l| l.item == item && l.case == case_id)
            .map(|l| l.output.as_str())
            .chain(accuracy_outputs.iter().map(String::as_str))
            .collect();
        if let Ok(Value::Object(outputs)) = &mut run.result {
            outputs.retain(|name, _| kept.contains(&name.as_str()));
        }
        run.checked = checked;
    }

    /// The rubric's leaderboard columns whose value the student's run
    /// produced, from runs that passed: a value counts only when the run's
    /// answer passes every test that grades the column's item on its case
    /// and compares its output (every output within the test's tolerance),
    /// or, when no test does, when the output equals the expected one within
    /// the rubric's default tolerance. A failing run's number is not ranked.
    /// A column an accuracy test grades is the percentage right, posted
    /// whenever that run answered (it ran only when its `after` tests passed).
    pub(super) fn leaderboard(
        &self,
        runs: &BTreeMap<(String, String), Run>,
    ) -> Vec<LeaderboardEntry> {
        self.rubric
            .leaderboard
            .iter()
            .filter_map(|l| {
                let run = runs.get(&(l.item.clone(), l.case.clone()))?;
                let case = self.cases.get(&l.case)?;
                let expected = case.expected.get(&l.item)?;
                let output = run.result.as_ref().ok()?.get(&l.output)?;
                let graders: Vec<&TestSpec> = self
                    .rubric
                    .tests
                    .iter()
                    .filter(|t| {
                        t.item == l.item
                            && self.rubric.cases_of(t).iter().any(|c| c.id == l.case)
                            && t.output_names(expected).contains(&l.output)
                    })
                    .collect();
                let passed = if graders.is_empty() {
                    let default = Tolerance::close(LEADERBOARD_RTOL, LEADERBOARD_ATOL);
                    compare(expected.get(&l.output)?, output, &l.output, default).is_ok()
                } else {
                    graders.iter().all(|t| self.verdict(t, case, run).is_ok())
                };
                if !passed {
                    return None;
                }
                // A column an accuracy test grades ranks the share right, in %.
                let value = match graders.iter().find(|t| t.rule() == Rule::Accuracy) {
                    Some(t) => {
                        let (right, total) = self.accuracy_of(t, case, run).ok()?;
                        (right as f64 * 10000.0 / total as f64).round() / 100.0
                    }
                    None => last_number(output)?,
                };
                value.is_finite().then(|| LeaderboardEntry {
                    name: l.name.clone(),
                    value,
                    order: l.order.clone(),
                })
            })
            .collect()
    }

    pub(super) fn score_test(
        &self,
        test: &TestSpec,
        runs: &BTreeMap<(String, String), Run>,
    ) -> TestResult {
        if test.rule() == Rule::Accuracy {
            return self.score_accuracy(test, runs);
        }
        let cases = self.rubric.cases_of(test);
        let mut lines = Vec::new();
        let mut passed = 0usize;
        let mut seconds = 0.0;
        let mut printed_shown = false;
        let mut named: Vec<String> = Vec::new();
        for (k, case_ref) in cases.iter().enumerate() {
            let case = &self.cases[&case_ref.id];
            let label = if case_ref.hidden {
                format!("hidden case {}", k + 1)
            } else {
                format!("case {} ({})", case.id, case.description)
            };
            let run = &runs[&(test.item.clone(), case.id.clone())];
            seconds += run.seconds;
            // How answers were read: the student's own text, never an
            // expected value, so hidden cases say it too.
            let notes = run
                .notes
                .iter()
                .filter(|(t, _)| *t == test.name)
                .map(|(_, note)| format!("  {note}"));
            match self.verdict(test, case, run) {
                Ok(()) => {
                    passed += 1;
                    lines.push(format!("✓ {label}: passed"));
                    lines.extend(notes);
                }
                Err(mut failure) => {
                    // A named mistake says more than a generic hint: the
                    // hint is for answers the catalogue does not know.
                    if let Failure::Mismatch(m) = &mut failure {
                        if run.mistakes.iter().any(|(t, _)| *t == test.name) {
                            m.hint = None;
                        }
                    }
                    // Every failure's text is assembled here, per case: a
                    // hidden case's says only what kind of failure it was.
                    let reason = if case_ref.hidden {
                        failure.hidden()
                    } else {
                        failure.visible()
                    };
                    lines.push(format!("✗ {label}: {reason}"));
                    lines.extend(notes);
                    if let Some((_, names)) = run.mistakes.iter().find(|(t, _)| *t == test.name) {
                        lines.push(mistakes::case_line(names));
                        for n in names {
                            if !named.contains(n) {
                                named.push(n.clone());
                            }
                        }
                    }
                    if let (Some(text), false, false) =
                        (&run.printed, printed_shown, case_ref.hidden)
                    {
                        printed_shown = true;
                        lines.push(format!(
                            "  your code printed (ignored for grading):\n{}",
                            indent(&untrusted::printed(text), 6, untrusted::PRINTED_LINES + 2)
                        ));
                    }
                }
            }
        }
        lines.extend(mistakes::hint_lines(self, &named));
        let total = cases.len();
        let score = match test.scoring {
            Scoring::Proportional => test.points * passed as f64 / total as f64,
            Scoring::AllOrNothing if passed == total => test.points,
            Scoring::AllOrNothing => 0.0,
        };
        let score = round_score(score);
        let heading = format!("{passed} of {total} cases passed.");
        TestResult {
            score,
            max_score: test.points,
            status: if passed == total { "passed" } else { "failed" }.into(),
            name: test.name.clone(),
            number: test.number.clone(),
            output: untrusted::clip(
                &format!("{heading}\n{}", lines.join("\n")),
                untrusted::TEST_BYTES,
            ),
            visibility: test.visibility,
            execution_time: round_seconds(seconds),
            extra_data: TestExtra {
                known_mistakes: named
                    .iter()
                    .map(|n| KnownMistake {
                        name: n.clone(),
                        hint: self.mistakes.hint(n).map(str::to_string),
                    })
                    .collect(),
            },
        }
    }

    /// Whether `run` answered `test` on `case`: every output the test compares
    /// present and within its tolerance.
    pub(super) fn verdict(&self, test: &TestSpec, case: &Case, run: &Run) -> Result<(), Failure> {
        if let Some(known) = run.checked(&test.name) {
            return known;
        }
        let outputs = run.result.as_ref().map_err(|r| Failure::Run(r.clone()))?;
        let tol = Tolerance::of(test);
        let expected = &case.expected[&test.item];
        let written = self.lab.is_answers_item(&test.item);
        for name in test.output_names(expected) {
            let Some(got) = outputs.get(&name) else {
                return Err(if written {
                    Failure::Unanswered(name)
                } else {
                    Failure::Missing(name)
                });
            };
            let reading = if written {
                answers::reading(&expected[&name], got, test.unit)
            } else {
                Reading::AsWritten
            };
            let got = match reading {
                Reading::AsWritten => got,
                Reading::Read { ref value, .. } => value,
                Reading::Refused { why, hint } => {
                    return Err(Failure::Mismatch(Mismatch {
                        path: name,
                        detail: why.clone(),
                        summary: why,
                        hint: hint.map(said_hint),
                    }))
                }
            };
            if let Some(m) = test.measure {
                measured_verdict(m, case, &test.item, &name, &expected[&name], got, tol)?;
                continue;
            }
            if let Err(m) = compare(&expected[&name], got, &name, tol) {
                let mut m = self.with_inputs(m, test, case, &name, got, tol);
                // Public cases only: whether an answer equals an input
                // depends on the inputs, which a hidden case keeps.
                if !written
                    && !self.is_hidden(&case.id)
                    && unchanged_input(&case.inputs, &expected[&name], got)
                {
                    m.detail.push_str(&format!(
                        "; your {name} is exactly one of the case's inputs, returned unchanged: \
                         computed (or updated) on a copy, or not at all?"
                    ));
                }
                // A written answer is one number the student picks freely: a
                // pattern against a hidden expected value (×100?) would tell
                // it. The unit's hint is read from the answer alone.
                if written && self.is_hidden(&case.id) {
                    m.hint = None;
                }
                let unit = test.unit.zip(got.as_f64());
                if let Some(hint) = unit.and_then(|(u, x)| unit_hint(u, x, false)) {
                    m.hint = Some(said_hint(hint));
                }
                return Err(Failure::Mismatch(m));
            }
        }
        Ok(())
    }

    /// How `run`'s written answers to `test` were read, where not as
    /// written (none for an item the probe answers).
    fn reading_notes(&self, test: &TestSpec, case: &Case, run: &Run) -> Vec<String> {
        let (true, Ok(outputs)) = (self.lab.is_answers_item(&test.item), &run.result) else {
            return Vec::new();
        };
        let expected = &case.expected[&test.item];
        test.output_names(expected)
            .into_iter()
            .filter_map(|name| {
                let got = outputs.get(&name)?;
                match answers::reading(&expected[&name], got, test.unit) {
                    Reading::Read { note, .. } => Some(format!("{name}: {note}")),
                    _ => None,
                }
            })
            .collect()
    }

    /// Whether the rubric hides case `id`'s details.
    pub(super) fn is_hidden(&self, id: &str) -> bool {
        self.rubric.cases.iter().any(|c| c.id == id && c.hidden)
    }
}

/// A hint decided without the expected value: the same words for hidden
/// cases as for visible ones.
fn said_hint(text: String) -> Hint {
    Hint {
        name: text.clone(),
        text,
    }
}

impl Grader {
    /// `m` again, naming the input element(s) behind its first differing
    /// element when `test`'s item reads its inputs element by element (read
    /// from the lab's adapter, only on a failure). Shown for public cases only.
    fn with_inputs(
        &self,
        m: Mismatch,
        test: &TestSpec,
        case: &Case,
        name: &str,
        got: &Value,
        tol: Tolerance,
    ) -> Mismatch {
        let Some(adapter) = self.lab.spec.probe.modules.first() else {
            return m;
        };
        let Ok(source) = self.lab.read(adapter) else {
            return m;
        };
        let inputs = crate::grading::compare::elementwise_inputs(&source, &test.item, &case.inputs);
        if inputs.is_empty() {
            return m;
        }
        let expected = &case.expected[&test.item][name];
        crate::grading::compare::compare_with_inputs(expected, got, name, tol, &inputs)
            .err()
            .unwrap_or(m)
    }
}

/// Whether the grader's `measure` of the answer `got` to output `name` (against
/// the case's truth) passes the test's rule against the same measure of the
/// reference's answer `expected`.
fn measured_verdict(
    m: Measure,
    case: &Case,
    item: &str,
    name: &str,
    expected: &Value,
    got: &Value,
    tol: Tolerance,
) -> Result<(), Failure> {
    let internal = |why: String| Failure::Run(format!("the grader could not run this case: {why}"));
    // Checked when the grader loads (`check_rubric_against_fixtures`).
    let truth = case
        .truth_of(item, name)
        .ok_or_else(|| internal(format!("the fixture has no truth for {name}")))?;
    let ours = measure::measure(m, expected, truth)
        .map_err(|e| internal(format!("the fixture's {name}: {e}")))?;
    let path = format!("{name} ({})", m.name());
    let theirs = measure::measure(m, got, truth).map_err(|why| {
        Failure::Mismatch(Mismatch {
            path: path.clone(),
            detail: why,
            summary: "wrong type or shape".into(),
            hint: None,
        })
    })?;
    let number = |x: f64| serde_json::json!(x);
    if compare(&number(ours.value), &number(theirs.value), name, tol).is_ok() {
        return Ok(());
    }
    let said = |x: f64| match m {
        Measure::Accuracy => measure::percent(x),
        Measure::MeanSquaredError => num(round_for_people(x)),
    };
    let reference = format!("the reference's {}", ours.text(m));
    let (needed, summary) = match tol.rule {
        Rule::AtLeast(Bound::Reference { margin }) => (
            format!(
                "at least {} is needed ({reference}, less a margin of {})",
                said(ours.value - margin),
                said(margin)
            ),
            "too low",
        ),
        Rule::AtMost(Bound::Reference { margin }) => (
            format!(
                "at most {} is allowed ({reference}, plus a margin of {})",
                said(ours.value + margin),
                said(margin)
            ),
            "too high",
        ),
        Rule::AtLeast(Bound::Fixed(t)) => (format!("at least {} is needed", said(t)), "too low"),
        Rule::AtMost(Bound::Fixed(t)) => (format!("at most {} is allowed", said(t)), "too high"),
        _ => (
            format!(
                "{reference}, and yours may differ from it by {} at most",
                said(tol.atol.max(tol.rtol * ours.value.abs()))
            ),
            "wrong value",
        ),
    };
    Err(Failure::Mismatch(Mismatch {
        path,
        detail: format!("yours is {}; {needed}", theirs.text(m)),
        summary: summary.into(),
        hint: None,
    }))
}

/// Why a case failed, before it is put in words for the student.
pub(super) enum Failure {
    /// The run gave no answer: the text may quote the student's code (a panic
    /// message, an error frame, a parse error).
    Run(String),
    /// An output the test compares is not in the answer.
    Missing(String),
    /// A written answer the test grades is not in the answers file (or left
    /// empty, as the template has it).
    Unanswered(String),
    /// An output differs from the expected one.
    Mismatch(crate::grading::compare::Mismatch),
}

impl Failure {
    /// For a visible case: everything, clipped.
    fn visible(&self) -> String {
        match self {
            Failure::Run(reason) => untrusted::case_reason(reason),
            Failure::Missing(name) => format!("{name}: missing from the answer"),
            Failure::Unanswered(name) => format!("{name}: not answered"),
            Failure::Mismatch(m) => untrusted::case_reason(&format!(
                "{}: {}{}",
                m.path,
                m.detail,
                m.hint
                    .as_ref()
                    .map_or(String::new(), |h| format!("; hint: {}", h.text))
            )),
        }
    }

    /// For a hidden case: only the kind of failure, in the grader's words;
    /// never text, numbers or shapes the student's code chose (a written
    /// answer refused for its kind is quoted: the student typed it, no code
    /// saw the case), nor an expected value.
    fn hidden(&self) -> String {
        match self {
            Failure::Run(reason) => hidden_reason(reason),
            Failure::Missing(name) => format!("{name}: missing from the answer"),
            Failure::Unanswered(name) => format!("{name}: not answered"),
            Failure::Mismatch(m) => format!(
                "{}: {}{}",
                crate::grading::compare::hidden_path(&m.path),
                m.summary,
                m.hint
                    .as_ref()
                    .map_or(String::new(), |h| format!("; hint: {}", h.name))
            ),
        }
    }
}

/// What a hidden case's failed run may say: its kind (panicked, timed out,
/// out of memory, no answer, ...), recognised from the start of the run's
/// reason. An exit code, a signal number, a panic message, an error frame or
/// a parse error is never shown: the student's code chooses them, and could
/// encode the hidden inputs in them. A reason not recognised says nothing.
pub(super) fn hidden_reason(reason: &str) -> String {
    const KINDS: &[(&str, &str)] = &[
        ("panicked", "panicked"),
        (
            "not implemented yet",
            "not implemented yet (todo!() reached)",
        ),
        (
            "used its whole",
            "timed out (used its whole CPU time limit)",
        ),
        (
            "kept running until",
            "timed out (kept running after answering)",
        ),
        ("waited", "timed out (waited without computing)"),
        (
            "was stopped at the",
            "timed out (stopped at the wall-clock backstop)",
        ),
        ("ran out of memory", "ran out of memory"),
        ("overflowed its stack", "overflowed its stack"),
        ("crashed", "crashed (most likely a stack overflow)"),
        ("was killed by signal", "no answer (killed by a signal)"),
        ("exited", "no answer (exited before answering)"),
        ("wrote a file larger", "wrote a file larger than the limit"),
        ("its answer was larger", "answer too large"),
        ("answer too large", "answer too large"),
        ("its answer was invalid", "invalid answer"),
        ("was refused", "refused (the choice cannot be run)"),
        (
            "not run",
            "not run (the submission's time budget was used up)",
        ),
        ("the grader could not", "the grader could not run this case"),
        ("the answers file", "the answers file could not be read"),
    ];
    if let Some(rest) = reason.strip_prefix("answered, then ") {
        return format!("answered, then {}", hidden_reason(rest));
    }
    KINDS
        .iter()
        .find(|(start, _)| reason.starts_with(start))
        .map_or_else(
            || "failed (details of hidden cases are not shown)".to_string(),
            |(_, kind)| kind.to_string(),
        )
}

/// The last number in a wire value: a scalar, or the end of a list or matrix.
fn last_number(v: &Value) -> Option<f64> {
    match v {
        Value::Number(n) => n.as_f64(),
        Value::Array(items) => items.last().and_then(last_number),
        Value::Object(m) => m.get("data").and_then(last_number),
        _ => None,
    }
}

fn indent(text: &str, spaces: usize, max_lines: usize) -> String {
    let pad = " ".repeat(spaces);
    let lines: Vec<&str> = text.lines().collect();
    let mut out: Vec<String> = lines
        .iter()
        .take(max_lines)
        .map(|l| format!("{pad}{l}"))
        .collect();
    if lines.len() > max_lines {
        out.push(format!("{pad}... ({} more lines)", lines.len() - max_lines));
    }
    out.join("\n")
}

/// A leaderboard column no test grades is compared with the rubric's default
/// tolerance (`rubric.rs`'s `rtol` and `atol` defaults).
const LEADERBOARD_RTOL: f64 = 1e-7;
const LEADERBOARD_ATOL: f64 = 1e-12;

pub(super) fn round_seconds(s: f64) -> f64 {
    (s * 1000.0).round() / 1000.0
}

impl Run {
    /// The verdict worked out when the answer arrived, if any.
    pub(super) fn checked(&self, test: &str) -> Option<Result<(), Failure>> {
        let (_, verdict) = self.checked.iter().find(|(name, _)| name == test)?;
        Some(verdict.clone().map_err(|c| match c {
            Checked::Missing(name) => Failure::Missing(name),
            Checked::Unanswered(name) => Failure::Unanswered(name),
            Checked::Mismatch(m) => Failure::Mismatch(m),
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_hidden_failure_says_only_its_kind() {
        for (reason, kind) in [
            (
                "panicked: inputs were [0.25, 0.5] at src/lib.rs:3",
                "panicked",
            ),
            (
                "not implemented yet (todo!() reached at src/lib.rs:9 [0.25])",
                "not implemented yet (todo!() reached)",
            ),
            (
                "exited with code 37 before answering",
                "no answer (exited before answering)",
            ),
            (
                "was killed by signal 9 (killed)",
                "no answer (killed by a signal)",
            ),
            (
                "its answer was invalid: the answer is not JSON: 0.25",
                "invalid answer",
            ),
            (
                "the grader could not run this case: [0.25, 0.5]",
                "the grader could not run this case",
            ),
            (
                "answered, then exited with code 3",
                "answered, then no answer (exited before answering)",
            ),
            (
                "used its whole 10 s of CPU time without answering and was stopped (an \
                 endless loop?) The reference solution needs 0.02 s here.",
                "timed out (used its whole CPU time limit)",
            ),
            (
                "was stopped at the 110 s wall-clock backstop, having used 3.25 s of CPU time",
                "timed out (stopped at the wall-clock backstop)",
            ),
            (
                "ran out of memory (the limit is 1024 MiB)",
                "ran out of memory",
            ),
            (
                "0.25 0.5 anything else",
                "failed (details of hidden cases are not shown)",
            ),
        ] {
            assert_eq!(hidden_reason(reason), kind, "{reason}");
        }
    }
}
