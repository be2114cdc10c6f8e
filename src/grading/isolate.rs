//! Isolated credit (rubric `credit = "isolated"`): a test that fails as
//! written is graded again on a variant of the student's file in which every
//! other graded item's functions (the lab's `[items]`) are the reference's
//! (`build/variant.rs`), so that a bug costs the points of the tests of the
//! function that holds it, not of every test whose item calls it.
//!
//! Nothing of this runs for a submission whose tests all pass: variants are
//! built only for failed tests, one per distinct set of replaced functions.
//! A function the student wrote exactly as the reference (same tokens) is
//! not replaced; a failed test whose variant would replace nothing is the
//! as-written result already, and is left as it is. Nor is a variant built
//! for a test when no other item failed: the other functions pass their own
//! tests, so the failure is this item's (and a class of one-bug submissions
//! costs one compile each, not two).
//!
//! A test's score is the better of its as-written and isolated results; its
//! feedback shows both, and names the functions that were swapped in and the
//! failed tests of those functions ("your forward_pass is right with a
//! correct sigmoid; as written it fails because sigmoid (test 1) fails").

use super::{Grader, Which};
use crate::build::variant::{self, Source};
use crate::build::{self, BuildFailure};
use crate::build_kind::BuildKind;
use crate::lab::handout::Form;
use crate::lab::rubric::{Credit, Rubric};
use crate::lab::Lab;
use crate::report::results::{round_score, TestResult};
use crate::report::untrusted;
use anyhow::{bail, Context, Result};
use std::collections::BTreeMap;
use std::path::Path;
use std::time::{Duration, Instant};

/// What isolated credit needs of a lab, loaded with the grader.
pub struct Isolation {
    /// Item -> the student's functions it grades.
    items: BTreeMap<String, Vec<String>>,
    /// Every graded function, once, in `[items]` order.
    functions: Vec<String>,
    /// The solution of the student's file.
    reference: Source,
    /// The lab's dependencies: the reference's imports of them are kept.
    crates: Vec<String>,
}

/// One variant to build: the functions taken from the reference, and the
/// failed tests (by index in the rubric) graded on it.
#[derive(Debug, PartialEq)]
pub struct Planned {
    pub replaced: Vec<String>,
    pub tests: Vec<usize>,
}

impl Isolation {
    /// The lab's isolation data, when its rubric chooses isolated credit and
    /// its `lab.toml` declares `[items]`; `None` otherwise, and in the
    /// student build (which has no reference solutions). Every rubric item
    /// must be declared, and every function must exist in the reference.
    pub fn load(lab: &Lab, rubric: &Rubric) -> Result<Option<Isolation>> {
        if rubric.credit != Credit::Isolated
            || lab.spec.items.is_empty()
            || BuildKind::CURRENT == BuildKind::Student
        {
            return Ok(None);
        }
        let lab_toml = lab.dir.join("lab.toml");
        let src = &lab.spec.handout[&lab.spec.student_file];
        let solution = crate::lab::handout::render(&lab.read(src)?, Form::Solution, src)
            .map_err(anyhow::Error::msg)?;
        let reference = Source::parse(&solution)
            .map_err(|e| anyhow::anyhow!("{src}: the reference does not parse: {e}"))?;
        // An item that only waits for others (a training run) or that a file
        // may lack (lab.toml's optional_items) is never graded on a variant,
        // and its functions are never swapped in: an older file that lacks
        // them keeps isolated credit for the rest.
        let left_alone = |item: &str| {
            lab.spec.optional_items.iter().any(|o| o == item)
                || rubric
                    .tests
                    .iter()
                    .filter(|t| t.item == item)
                    .all(|t| t.deferred())
        };
        let items: BTreeMap<String, Vec<String>> = lab
            .spec
            .items
            .iter()
            .filter(|(item, _)| !left_alone(item))
            .map(|(item, f)| (item.clone(), f.list()))
            .collect();
        let mut functions: Vec<String> = Vec::new();
        for (item, fs) in &items {
            for f in fs {
                if reference.get(f).is_none() {
                    bail!(
                        "{}: items.{item}: the reference's {src} has no function {f} \
                         (write `name` or `Type::name`)",
                        lab_toml.display()
                    );
                }
                if !functions.contains(f) {
                    functions.push(f.clone());
                }
            }
        }
        for t in &rubric.tests {
            // Written answers call no function.
            if !items.contains_key(&t.item) && !lab.is_answers_item(&t.item) && !left_alone(&t.item)
            {
                bail!(
                    "{}: [items] has no entry for item \"{}\" (test {}), which isolated \
                     credit needs; add it, or set credit = \"as_written\" in the rubric",
                    lab_toml.display(),
                    t.item,
                    t.name
                );
            }
        }
        Ok(Some(Isolation {
            items,
            functions,
            reference,
            crates: lab
                .spec
                .dependencies
                .keys()
                .map(|k| k.replace('-', "_"))
                .collect(),
        }))
    }

    /// The variants for the failed tests (`failed`: rubric index and item):
    /// for each, the graded functions outside its item that the student did
    /// not write exactly as the reference; tests needing the same set share
    /// a variant, and a test needing none has none.
    pub fn plan(&self, student: &Source, failed: &[(usize, &str)]) -> Vec<Planned> {
        let mut plans: Vec<Planned> = Vec::new();
        for &(index, item) in failed {
            let own = self.items.get(item).cloned().unwrap_or_default();
            let replaced: Vec<String> = self
                .functions
                .iter()
                .filter(|f| !own.contains(f) && !student.same_as(&self.reference, f))
                .cloned()
                .collect();
            // Only another item's failure can make this one fail as written:
            // when every other graded function passes its own tests, there
            // is nothing to isolate from, and no variant is built (a class's
            // many one-bug submissions then cost one compile each).
            let another_failed = replaced.iter().any(|f| {
                self.items_of(f)
                    .iter()
                    .any(|i| *i != item && failed.iter().any(|(_, g)| g == i))
            });
            if !another_failed {
                continue;
            }
            match plans.iter_mut().find(|p| p.replaced == replaced) {
                Some(p) => p.tests.push(index),
                None => plans.push(Planned {
                    replaced,
                    tests: vec![index],
                }),
            }
        }
        plans
    }

    /// The items whose functions include `function`.
    fn items_of(&self, function: &str) -> Vec<&str> {
        self.items
            .iter()
            .filter(|(_, fs)| fs.iter().any(|f| f == function))
            .map(|(i, _)| i.as_str())
            .collect()
    }
}

/// A function path as students know it: `forward_pass`, not
/// `NeuralNetwork::forward_pass`.
fn short(function: &str) -> &str {
    function.rsplit("::").next().unwrap_or(function)
}

/// `functions` as students know them, in a list: each by its short name,
/// unless another of the lab's graded functions (`all`) has the same one
/// (`Linear::forward` and `Sigmoid::forward`), when its type says which.
fn names(functions: &[String], all: &[String]) -> String {
    let names: Vec<&str> = functions
        .iter()
        .map(|f| {
            let ambiguous = all.iter().any(|g| g != f && short(g) == short(f));
            if ambiguous {
                f.as_str()
            } else {
                short(f)
            }
        })
        .collect();
    match names.as_slice() {
        [] => String::new(),
        [one] => one.to_string(),
        [init @ .., last] => format!("{} and {last}", init.join(", ")),
    }
}

impl Grader {
    /// Grades the failed tests of `tests` (as written) again under isolated
    /// credit, in `work`; returns the tests with their isolated scores and
    /// both results in their feedback, and whether any variant compiled.
    /// `source` is the student's file; `start`, when the grading began.
    pub(super) fn isolate(
        &self,
        iso: &Isolation,
        source: &str,
        mut tests: Vec<TestResult>,
        work: &Path,
        start: Instant,
    ) -> Result<(Vec<TestResult>, bool)> {
        let failed: Vec<(usize, &str)> = tests
            .iter()
            .enumerate()
            .filter(|(_, t)| t.score < t.max_score)
            // A run that waits for others (training) uses every function as
            // written by design: its result is not a bug of one function.
            .filter(|(i, _)| !self.rubric.tests[*i].deferred())
            .map(|(i, _)| (i, self.rubric.tests[i].item.as_str()))
            .filter(|(_, item)| !self.lab.is_answers_item(item))
            .collect();
        if failed.is_empty() {
            return Ok((tests, false));
        }
        // A file that does not parse does not compile either: as written stands.
        let Ok(student) = Source::parse(source) else {
            return Ok((tests, false));
        };
        let mut compiled = false;
        let as_written = tests.clone();
        let began = Instant::now();
        let plans = iso.plan(&student, &failed);
        let variants = plans.len();
        for (k, plan) in plans.into_iter().enumerate() {
            let text = variant::variant(&student, &iso.reference, &plan.replaced, &iso.crates)
                .map_err(anyhow::Error::msg)
                .context("the grader could not write an isolated variant")?;
            let dir = work.join(format!("isolated-{k}"));
            std::fs::create_dir(&dir)
                .with_context(|| format!("cannot create {}", dir.display()))?;
            let wall = Duration::from_secs_f64(self.rubric.limits.compile_seconds);
            let options = build::Options {
                wall,
                lines: build::LineTables::Without,
            };
            let built = build::build(
                &self.lab,
                &self.tools,
                &self.deps,
                &text,
                &dir,
                &self.jail,
                options,
            );
            let probe = match built {
                Ok(p) => p,
                Err(BuildFailure::Internal(e)) => {
                    return Err(e.context("the grader could not build an isolated variant"))
                }
                Err(failure @ (BuildFailure::Student(_) | BuildFailure::Api(_))) => {
                    let why = match failure {
                        // The test's own function still does not fit the
                        // grader's call (its line above says how).
                        BuildFailure::Api(_) => "the grader's calls still do not compile",
                        _ => {
                            "your file does not compile (your other functions call yours in a \
                             way the reference's does not allow?)"
                        }
                    };
                    for &i in &plan.tests {
                        tests[i].output = untrusted::clip(
                            &format!(
                                "{}\n\nGraded again with the reference's {} in place of yours, \
                                 {why}; the result as written stands.",
                                tests[i].output,
                                names(&plan.replaced, &iso.functions)
                            ),
                            untrusted::TEST_BYTES,
                        );
                    }
                    continue;
                }
            };
            compiled = true;
            let items: Vec<String> = plan
                .tests
                .iter()
                .map(|&i| self.rubric.tests[i].item.clone())
                .collect();
            let mut runs = self.run_all(&probe, &dir, start, Which::Items(&items))?;
            let lines = work.join(format!("isolated-{k}-lines"));
            self.locate_panics(&text, &mut runs, &lines, start)?;
            for &i in &plan.tests {
                let spec = &self.rubric.tests[i];
                let isolated = self.score_test(spec, &runs);
                tests[i] = combine(iso, &as_written, &self.rubric, i, &plan.replaced, isolated);
            }
        }
        if std::env::var_os("GRADE_TIMINGS").is_some() && variants > 0 {
            eprintln!(
                "grade: timings: isolated credit {:.3} s ({variants} variant(s) for {} failed tests)",
                began.elapsed().as_secs_f64(),
                failed.len()
            );
        }
        Ok((tests, compiled))
    }
}

/// The test `i` under isolated credit: the better score of the two, and
/// feedback with the isolated result first and the as-written one after.
fn combine(
    iso: &Isolation,
    as_written: &[TestResult],
    rubric: &Rubric,
    i: usize,
    replaced: &[String],
    isolated: TestResult,
) -> TestResult {
    let written = &as_written[i];
    let item = &rubric.tests[i].item;
    // The failed tests (as written) of the swapped functions: the likely cause.
    let mut causes: Vec<String> = Vec::new();
    for f in replaced {
        for other in iso.items_of(f) {
            for (j, t) in rubric.tests.iter().enumerate() {
                let label = format!("{} (test {})", t.name, t.number);
                if t.item == other
                    && as_written[j].score < as_written[j].max_score
                    && !causes.contains(&label)
                {
                    causes.push(label);
                }
            }
        }
    }
    let own = names(
        &iso.items.get(item).cloned().unwrap_or_default(),
        &iso.functions,
    );
    let mut text = String::new();
    if isolated.score >= isolated.max_score {
        text.push_str(&format!(
            "Your {own} is right with a correct {}; as written it fails",
            names(replaced, &iso.functions)
        ));
        if causes.is_empty() {
            text.push_str(".\n");
        } else {
            text.push_str(&format!(" because {} fails.\n", causes.join(", ")));
        }
    }
    text.push_str(&format!(
        "Isolated credit: graded with the reference's {} in place of yours, so that a \
         mistake costs only the points of its own tests.\n{}\n\nAs written (with your own {}): {}",
        names(replaced, &iso.functions),
        isolated.output,
        names(replaced, &iso.functions),
        written.output
    ));
    let better = if isolated.score > written.score {
        &isolated
    } else {
        written
    };
    TestResult {
        score: round_score(better.score),
        status: better.status.clone(),
        output: untrusted::clip(&text, untrusted::TEST_BYTES),
        execution_time: written.execution_time + isolated.execution_time,
        ..isolated.clone()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn isolation(reference: &str, items: &[(&str, &[&str])]) -> Isolation {
        let items: BTreeMap<String, Vec<String>> = items
            .iter()
            .map(|(i, fs)| (i.to_string(), fs.iter().map(|f| f.to_string()).collect()))
            .collect();
        let mut functions = Vec::new();
        for fs in items.values() {
            for f in fs {
                if !functions.contains(f) {
                    functions.push(f.clone());
                }
            }
        }
        Isolation {
            items,
            functions,
            reference: Source::parse(reference).unwrap(),
            crates: vec!["ndarray".into()],
        }
    }

    const REFERENCE: &str = "pub fn a() -> f64 { 1.0 }\n\
        pub fn b() -> f64 { a() + 1.0 }\n\
        impl T { pub fn c(&self) -> f64 { b() * 2.0 } }\n";

    #[test]
    fn only_functions_unlike_the_reference_are_swapped_and_sets_are_shared() {
        let iso = isolation(REFERENCE, &[("a", &["a"]), ("b", &["b"]), ("c", &["T::c"])]);
        // `a` is wrong; `b` and `c` are the reference's exactly.
        let student = Source::parse(&REFERENCE.replace("{ 1.0 }", "{ 2.0 }")).unwrap();
        // a's own failure: swapping the others changes nothing.
        assert_eq!(iso.plan(&student, &[(0, "a")]), vec![]);
        // b and c fail because of a: one variant with the reference's a.
        assert_eq!(
            iso.plan(&student, &[(0, "a"), (1, "b"), (2, "c")]),
            vec![Planned {
                replaced: vec!["a".into()],
                tests: vec![1, 2]
            }]
        );
        // `b` wrong too: c's variant swaps both, b's only a.
        let student = Source::parse(
            &REFERENCE
                .replace("{ 1.0 }", "{ 2.0 }")
                .replace("a() + 1.0", "a() - 1.0"),
        )
        .unwrap();
        assert_eq!(
            iso.plan(&student, &[(0, "a"), (1, "b"), (2, "c")]),
            vec![
                // a's own test: b is wrong too, so it is swapped (harmlessly).
                Planned {
                    replaced: vec!["b".into()],
                    tests: vec![0]
                },
                Planned {
                    replaced: vec!["a".into()],
                    tests: vec![1]
                },
                Planned {
                    replaced: vec!["a".into(), "b".into()],
                    tests: vec![2]
                }
            ]
        );
    }

    #[test]
    fn a_function_missing_from_the_student_file_is_swapped_in() {
        let iso = isolation(REFERENCE, &[("a", &["a"]), ("c", &["T::c"])]);
        let student = Source::parse("impl T { pub fn c(&self) -> f64 { 0.0 } }\n").unwrap();
        // The file does not build as written: every test fails.
        assert_eq!(
            iso.plan(&student, &[(0, "a"), (1, "c")]),
            vec![
                Planned {
                    replaced: vec!["T::c".into()],
                    tests: vec![0]
                },
                Planned {
                    replaced: vec!["a".into()],
                    tests: vec![1]
                }
            ]
        );
    }

    #[test]
    fn no_variant_when_no_other_item_failed() {
        let iso = isolation(REFERENCE, &[("a", &["a"]), ("b", &["b"]), ("c", &["T::c"])]);
        // b written differently (and passing), c wrong on its own.
        let student = Source::parse(
            &REFERENCE
                .replace("a() + 1.0", "1.0 + a()")
                .replace("b() * 2.0", "b() * 3.0"),
        )
        .unwrap();
        assert_eq!(iso.plan(&student, &[(2, "c")]), vec![]);
        // Once b fails too, c is graded with the reference's b (and b with
        // the reference's c, which it does not call: harmless).
        assert_eq!(
            iso.plan(&student, &[(1, "b"), (2, "c")]),
            vec![
                Planned {
                    replaced: vec!["T::c".into()],
                    tests: vec![1]
                },
                Planned {
                    replaced: vec!["b".into()],
                    tests: vec![2]
                }
            ]
        );
    }

    #[test]
    fn names_read_as_students_know_them() {
        assert_eq!(
            names(&["NeuralNetwork::forward_pass".into()], &[]),
            "forward_pass"
        );
        assert_eq!(
            names(
                &["sigmoid".into(), "cost_derivative".into(), "T::cost".into()],
                &[]
            ),
            "sigmoid, cost_derivative and cost"
        );
        // Two types with a `forward`: the type says which.
        let all: Vec<String> = ["Linear::forward", "Sigmoid::forward", "Linear::backward"]
            .map(String::from)
            .to_vec();
        assert_eq!(
            names(&["Linear::forward".into(), "Linear::backward".into()], &all),
            "Linear::forward and backward"
        );
    }
}
