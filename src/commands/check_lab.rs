//! `grade check-lab`: everything a TA checks before handing a lab out, in
//! one command. For each lab of the root: the rubric agrees with the
//! fixtures (loading the lab checks it), the fixtures are what the
//! reference produces now (`grade fixtures --check`), the solution scores
//! full marks, the handout scores 0 and `cargo build`s without a warning,
//! and every known mistake scores below full marks and can be told apart
//! from the solution. Each check is graded by the same code that grades a
//! student; this module only runs them and words the outcome.

use super::regenerate;
use crate::build::Toolchain;
use crate::grading::numbers::num;
use crate::grading::Grader;
use crate::lab::handout::{write_starter, Form};
use anyhow::{Context, Result};
use serde_json::Value;
use std::path::Path;
use std::process::Command;

/// How one check of one lab came out.
pub enum Outcome {
    Ok(String),
    Failed(String),
    /// The check could not run here; the text says why and what can.
    NotChecked(String),
}

/// One line of the report: the lab, what was checked, and how it came out.
pub struct Line {
    pub lab: String,
    pub check: &'static str,
    pub outcome: Outcome,
}

impl std::fmt::Display for Line {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let (word, text) = match &self.outcome {
            Outcome::Ok(t) => ("ok", t),
            Outcome::Failed(t) => ("FAILED", t),
            Outcome::NotChecked(t) => ("not checked", t),
        };
        write!(f, "{}: {}: {word}", self.lab, self.check)?;
        if !text.is_empty() {
            write!(f, ": {text}")?;
        }
        Ok(())
    }
}

const RUBRIC: &str = "rubric agrees with the fixtures";
const FRESH: &str = "fixtures are fresh";
const SOLUTION: &str = "solution scores full marks";
const HANDOUT: &str = "handout scores 0";
const WARNINGS: &str = "handout builds without warnings";
const MISTAKES: &str = "known mistakes score below full marks and are told apart";

/// Runs every check of `lab`, calling `say` with each line as it is decided.
pub fn check(root: &Path, lab: &str, cache: &Path, say: &mut dyn FnMut(&Line)) -> Vec<Line> {
    let mut lines = Vec::new();
    let mut push = |check, outcome| {
        let line = Line {
            lab: lab.to_string(),
            check,
            outcome,
        };
        say(&line);
        lines.push(line);
    };
    let grader = match Grader::new(root, lab, cache) {
        Ok(g) => g,
        Err(e) => {
            push(
                RUBRIC,
                Outcome::Failed(format!(
                    "{}; fix the rubric or run `grade fixtures --lab {lab}`, then check again \
                     (the other checks need a lab that loads)",
                    one_line(&e)
                )),
            );
            return lines;
        }
    };
    push(RUBRIC, Outcome::Ok(String::new()));

    // Freshness: the cases first; the known mistakes' outputs are computed
    // on the committed cases, so they are built only when those are current.
    let cases = if cfg!(feature = "reference") {
        regenerate::check_cases(root, lab).map(Some)
    } else {
        Ok(None)
    };
    let mistakes = match &cases {
        Ok(Some(stale)) if !stale.is_empty() => None,
        _ => Some(regenerate::check_mistakes(root, lab)),
    };
    push(FRESH, freshness(lab, &cases, mistakes.as_ref()));

    let scored = |form: Form| -> Result<(f64, Vec<String>, tempfile::TempDir)> {
        let dir = tempfile::Builder::new().prefix("grade-check-").tempdir()?;
        let out = dir.path().join(lab);
        write_starter(&grader.lab, form, &out, false, None)?;
        let results = grader.grade(&out)?;
        let failed = results
            .tests
            .iter()
            .filter(|t| t.max_score > 0.0 && t.status != "passed")
            .map(|t| t.name.clone())
            .collect();
        Ok((results.score, failed, dir))
    };
    let total = grader.rubric.total_points();
    push(
        SOLUTION,
        match scored(Form::Solution) {
            Ok((score, _, _)) if (score - total).abs() < 1e-9 => {
                Outcome::Ok(format!("{} / {}", num(score), num(total)))
            }
            Ok((score, failed, _)) => Outcome::Failed(format!(
                "it scores {} / {} (failed: {}); fix the solution regions of \
                 reference/labs/{lab}/src/ or the rubric's tolerances, then run \
                 `grade fixtures --lab {lab}`",
                num(score),
                num(total),
                failed.join(", ")
            )),
            Err(e) => Outcome::Failed(format!("grading it failed: {}", one_line(&e))),
        },
    );
    let handout = scored(Form::Handout);
    push(
        HANDOUT,
        match &handout {
            Ok((score, _, _)) if *score == 0.0 => Outcome::Ok(String::new()),
            Ok((score, _, _)) => Outcome::Failed(format!(
                "it scores {} / {}: a stub passes a test; make the handout's stubs `todo!()` \
                 (a `// BEGIN SOLUTION` region around the code they give away)",
                num(*score),
                num(total)
            )),
            Err(e) => Outcome::Failed(format!("grading it failed: {}", one_line(e))),
        },
    );
    push(
        WARNINGS,
        match &handout {
            Ok((_, _, dir)) => match warnings(root, &dir.path().join(lab), cache) {
                Ok(w) if w.is_empty() => Outcome::Ok(String::new()),
                Ok(w) => Outcome::Failed(format!(
                    "`cargo build --all-targets` in the handout gives {}, the first: {}; fix it \
                     in reference/labs/{lab}/ (outside the solution regions; for what a stub \
                     leaves unused, a `// BEGIN SOLUTION (handout: let _ = (x, y);)` line)",
                    plural(w.len(), "warning"),
                    w[0]
                )),
                Err(e) => Outcome::Failed(one_line(&e)),
            },
            Err(_) => Outcome::NotChecked("the handout could not be written".into()),
        },
    );
    push(MISTAKES, told_apart(&grader, mistakes));
    lines
}

/// The freshness line, from the cases' check and the mistakes' file check.
fn freshness(
    lab: &str,
    cases: &Result<Option<Vec<String>>>,
    mistakes: Option<&Result<regenerate::MistakesCheck>>,
) -> Outcome {
    let fix = format!("run `grade fixtures --lab {lab}`, review the diff, and commit it");
    let mut stale = match cases {
        Err(e) => return Outcome::Failed(format!("the reference failed: {}", one_line(e))),
        Ok(Some(stale)) => stale.clone(),
        Ok(None) => Vec::new(),
    };
    if let Some(Ok(m)) = mistakes {
        stale.extend(m.stale.iter().cloned());
    }
    if !stale.is_empty() {
        return Outcome::Failed(format!(
            "{} stale: {}; {fix}",
            plural(stale.len(), "file"),
            stale.join("; ")
        ));
    }
    if cases.as_ref().is_ok_and(Option::is_none) {
        return Outcome::NotChecked(
            "this build of grade links no reference solution, so it cannot tell whether the \
             cases' fixtures are what the reference produces now; run `grade check-lab` with \
             the full build (`cargo install --locked --path .` in the grade repository, default \
             features)"
                .into(),
        );
    }
    Outcome::Ok(String::new())
}

/// The known mistakes' line: each entry told apart from the solution (the
/// fixtures check refuses the others) and changing a test worth points.
fn told_apart(grader: &Grader, mistakes: Option<Result<regenerate::MistakesCheck>>) -> Outcome {
    let checked = match mistakes {
        None => {
            return Outcome::NotChecked(
                "the cases' fixtures are stale, and the mistakes are run on them; \
                 regenerate them first"
                    .into(),
            )
        }
        Some(Err(e)) => return Outcome::Failed(one_line(&e)),
        Some(Ok(c)) => c,
    };
    let Some(text) = &checked.generated else {
        return Outcome::Ok(format!(
            "none (reference/labs/{}/mistakes.toml names none)",
            grader.lab.name()
        ));
    };
    let mut failed = checked.refused.clone();
    let file: Value = match serde_json::from_str(text) {
        Ok(v) => v,
        Err(e) => return Outcome::Failed(format!("the mistakes' outputs do not parse: {e}")),
    };
    let entries = file["mistakes"].as_array().cloned().unwrap_or_default();
    for m in &entries {
        if !costs_points(grader, &m["outputs"]) {
            failed.push(format!(
                "reference/labs/{}/mistakes.toml: mistake `{}` differs from the solution only \
                 in tests worth no points, so it scores full marks: change a graded result or \
                 remove it",
                grader.lab.name(),
                m["name"].as_str().unwrap_or("?")
            ));
        }
    }
    if failed.is_empty() {
        Outcome::Ok(plural(entries.len(), "mistake"))
    } else {
        Outcome::Failed(failed.join("; "))
    }
}

/// Whether a mistake's differing outputs (case → item → output) include
/// one that a test worth points compares on that case.
fn costs_points(grader: &Grader, outputs: &Value) -> bool {
    let Some(cases) = outputs.as_object() else {
        return false;
    };
    cases.iter().any(|(case_id, items)| {
        items.as_object().into_iter().flatten().any(|(item, got)| {
            let expected = grader.cases.get(case_id).and_then(|c| c.expected.get(item));
            grader.rubric.tests.iter().any(|t| {
                t.item == *item
                    && t.points > 0.0
                    && grader.rubric.cases_of(t).iter().any(|c| c.id == *case_id)
                    && expected.is_some_and(|e| {
                        t.output_names(e)
                            .iter()
                            .any(|n| got.get(n.as_str()).is_some())
                    })
            })
        })
    })
}

/// `cargo build --all-targets` in the handout, as a student first runs it,
/// pinned to the root's Cargo.lock when there is one; its warnings, one
/// line each.
fn warnings(root: &Path, handout: &Path, cache: &Path) -> Result<Vec<String>> {
    let lock = root.join("Cargo.lock");
    if lock.is_file() {
        std::fs::copy(&lock, handout.join("Cargo.lock"))
            .with_context(|| format!("cannot copy {} into the handout", lock.display()))?;
    }
    let cargo = Toolchain::detect_cached(cache)?.cargo;
    let out = Command::new(&cargo)
        .args(["build", "--all-targets", "--message-format", "short"])
        .env("CARGO_TARGET_DIR", cache.join("check-lab-target"))
        .current_dir(handout)
        .output()
        .with_context(|| format!("cannot run {}", cargo.display()))?;
    let stderr = String::from_utf8_lossy(&out.stderr);
    if !out.status.success() {
        let errors: Vec<&str> = stderr.lines().filter(|l| l.contains("error")).collect();
        anyhow::bail!(
            "`cargo build --all-targets` in the handout failed: {}; the handout must build as \
             written",
            errors.first().copied().unwrap_or("see cargo's output")
        );
    }
    Ok(stderr
        .lines()
        .filter(|l| l.contains("warning:") && !l.starts_with("warning: `"))
        .map(str::to_string)
        .collect())
}

fn one_line(e: &anyhow::Error) -> String {
    crate::lab::one_line(&format!("{e:#}"))
}

fn plural(n: usize, what: &str) -> String {
    format!("{n} {what}{}", if n == 1 { "" } else { "s" })
}
