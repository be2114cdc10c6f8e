//! Isolated credit (rubric `credit = "isolated"`): a test that fails as
//! written because a function it depends on is wrong is graded again on a
//! variant of the student's file in which that function is the reference's
//! (`build/variant.rs`), so that a bug costs the points of the tests of the
//! function that holds it, not of every test whose item calls it.
//!
//! The rule. A failed test is graded again with the reference's versions of
//! graded functions its item depends on (`calls.rs`: what its adapter arm
//! calls, through any file), and earns the better result only if **every**
//! function swapped in for it fails its own tests on its own:
//! - a function fails on its own when its item fails with none of its own
//!   dependencies failing (as written), or with those that fail swapped for
//!   the reference's (on a variant), or when it is still the handout's stub;
//! - a function that passes its own tests once its dependencies are the
//!   reference's does not: a test that passes only with it swapped keeps
//!   its as-written result. Two functions that call each other in a circle
//!   (a `sigmoid` written with `softmax` and a `softmax` written with
//!   `sigmoid`) each pass with the other swapped, so neither is credited.
//!
//! The order. Failures that are their own are known first; every item that
//! depends on one is then graded on one shared variant with those swapped
//! (a cascade: one build), and items still failing with all their failing
//! dependencies swapped become failures of their own for the next round.
//! Items left (circles) are graded each with its failing dependencies
//! swapped, and the rule is applied to those results. Nothing of this runs
//! for a submission whose tests all pass, and no variant for a failure
//! nothing else explains.
//!
//! The budget. At most [`VARIANT_BUILDS`] variants are built per submission
//! (each costs about what the first build did), each within what is left of
//! the submission's time budget; tests left when either runs out are graded
//! as written, and their feedback says so.
//!
//! A file whose calls do not fit the grader's (`misfit`) compiled nothing as
//! written: the functions the compiler blames, and those that call them in
//! their changed form, are swapped together in one variant, and every other
//! item is graded on it.

mod feedback;
mod plan;

use super::budget::cpu_seconds;
use super::budget::Budget;
use super::calls::Calls;
use super::{Grader, Which};
use crate::build::variant::{self, Source};
use crate::build::{self, ApiMisfit, BuildFailure};
use crate::build_kind::BuildKind;
use crate::lab::handout::Form;
use crate::lab::rubric::{Credit, Rubric};
use crate::lab::Lab;
use crate::report::results::{round_score, TestResult};
use crate::report::untrusted;
use anyhow::{bail, Context, Result};
use feedback::{combine, names, refused};
use plan::State;
pub use plan::{Phase, Plan, Variant};
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::time::{Duration, Instant};

/// The most variants one submission's isolated credit builds: each costs
/// about what the first build did, so isolated credit at most triples a
/// submission's compile time (a cascade needs one; a second failure of its
/// own behind the first, or a circle, two).
pub const VARIANT_BUILDS: usize = 2;

/// What isolated credit needs of a lab, loaded with the grader.
pub struct Isolation {
    /// Item -> the student's functions it grades.
    items: BTreeMap<String, Vec<String>>,
    /// Every graded function, once, in `[items]` order.
    functions: Vec<String>,
    /// The solution of the student's file.
    reference: Source,
    /// The handout's student file: a function still as it has it is a stub.
    handout: Source,
    /// The lab's dependencies: the reference's imports of them are kept.
    crates: Vec<String>,
    /// What each item's adapter arm calls, through the provided files.
    calls: Calls,
    /// The adapter's file name and text: which item's call an error is in.
    adapter: (String, String),
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
        let text = lab.read(src)?;
        let parse = |form: Form| -> Result<Source> {
            let rendered =
                crate::lab::handout::render(&text, form, src).map_err(anyhow::Error::msg)?;
            Source::parse(&rendered)
                .map_err(|e| anyhow::anyhow!("{src}: the {form:?} form does not parse: {e}"))
        };
        let reference = parse(Form::Solution)?;
        let handout = parse(Form::Handout)?;
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
        let mut provided = Vec::new();
        for (dest, file) in &lab.spec.handout {
            if dest.ends_with(".rs") && *dest != lab.spec.student_file {
                provided.push(lab.read(file)?);
            }
        }
        let (adapter_name, adapter) = match lab.spec.probe.modules.first() {
            Some(m) => (
                Path::new(m)
                    .file_name()
                    .and_then(|f| f.to_str())
                    .unwrap_or_default()
                    .to_string(),
                lab.read(m)?,
            ),
            None => (String::new(), String::new()),
        };
        Ok(Some(Isolation {
            items,
            functions,
            reference,
            handout,
            crates: lab
                .spec
                .dependencies
                .keys()
                .map(|k| k.replace('-', "_"))
                .collect(),
            calls: Calls::new(&provided, &adapter),
            adapter: (adapter_name, adapter),
        }))
    }

    /// The failed tests (by index) isolated credit may grade again, and
    /// their items: those of the lab's `[items]`, but for runs that wait for
    /// others (a training run uses every function as written by design: its
    /// result is not a bug of one function).
    fn failed(&self, tests: &[TestResult], rubric: &Rubric) -> (Vec<usize>, BTreeSet<String>) {
        let failed: Vec<usize> = tests
            .iter()
            .enumerate()
            .filter(|(_, t)| t.score < t.max_score)
            .filter(|(i, _)| !rubric.tests[*i].deferred())
            .filter(|(i, _)| self.items.contains_key(&rubric.tests[*i].item))
            .map(|(i, _)| i)
            .collect();
        let items = failed
            .iter()
            .map(|&i| rubric.tests[i].item.clone())
            .collect();
        (failed, items)
    }

    /// The items of `tests` (as written, of the student's file `source`)
    /// that isolated credit will grade again: those a failing function they
    /// depend on may explain. Their as-written failures are not the last word.
    pub fn candidates(
        &self,
        source: &str,
        tests: &[TestResult],
        rubric: &Rubric,
    ) -> BTreeSet<String> {
        let (_, failing) = self.failed(tests, rubric);
        let Ok(student) = Source::parse(source) else {
            return BTreeSet::new();
        };
        let reach = self.calls.reach(source, &self.items, &self.functions);
        let plan = Plan::new(self, &student, &failing, &reach);
        plan.items_in(State::Undecided).into_iter().collect()
    }

    /// The items whose functions include `function`.
    fn items_of(&self, function: &str) -> Vec<&str> {
        self.items
            .iter()
            .filter(|(_, fs)| fs.iter().any(|f| f == function))
            .map(|(i, _)| i.as_str())
            .collect()
    }

    /// The misfit line ([`super::misfit::test_line`]) of the first of
    /// `functions` the compiler's errors are about, through any item of it.
    fn misfit_line(
        &self,
        misfit: &ApiMisfit,
        functions: &[String],
        student: &Source,
        file: &str,
    ) -> Option<String> {
        let adapter = super::misfit::Adapter {
            name: &self.adapter.0,
            text: &self.adapter.1,
        };
        functions.iter().find_map(|f| {
            let one = std::slice::from_ref(f);
            super::misfit::test_line(misfit, one, None, student, file).or_else(|| {
                self.items_of(f).into_iter().find_map(|item| {
                    super::misfit::test_line(misfit, one, Some((item, &adapter)), student, file)
                })
            })
        })
    }

    fn own(&self, item: &str) -> &[String] {
        self.items.get(item).map_or(&[], Vec::as_slice)
    }

    /// Whether the student's `function` is still the handout's stub (the
    /// handout's `todo!()`), which fails on its own whatever it calls.
    fn is_stub(&self, student: &Source, function: &str) -> bool {
        student.same_as(&self.handout, function)
            && self.handout.get(function).is_some_and(|d| {
                d.tokens.contains("todo !") || d.tokens.contains("unimplemented !")
            })
    }
}

/// What isolated credit made of a submission's tests.
pub(super) struct Isolated {
    /// Every test, with its isolated result where that counts.
    pub tests: Vec<TestResult>,
    /// Whether any variant compiled.
    pub compiled: bool,
    /// Test (by index) -> the functions, in words, with the reference's
    /// versions of which it passed in full (and only so).
    pub credited: BTreeMap<usize, String>,
}

/// One test's grading on a variant.
struct Graded {
    result: TestResult,
    variant: Variant,
}

impl Grader {
    /// Grades the failed tests of `tests` (as written) again under isolated
    /// credit, in `work`; returns the tests with their isolated scores and
    /// both results in their feedback, and whether any variant compiled.
    /// `source` is the student's file; `budget`, the submission's runs';
    /// `misfit`, why the file compiled nothing as written, if it did not;
    /// `file`, where the student's file was found (as feedback names it).
    #[allow(clippy::too_many_arguments)]
    pub(super) fn isolate(
        &self,
        iso: &Isolation,
        source: &str,
        file: &str,
        mut tests: Vec<TestResult>,
        work: &Path,
        budget: &Budget,
        misfit: Option<&ApiMisfit>,
    ) -> Result<Isolated> {
        let (failed, failing) = iso.failed(&tests, &self.rubric);
        let unchanged = |tests| Isolated {
            tests,
            compiled: false,
            credited: BTreeMap::new(),
        };
        if failed.is_empty() {
            return Ok(unchanged(tests));
        }
        // A file that does not parse does not compile either: as written stands.
        let Ok(student) = Source::parse(source) else {
            return Ok(unchanged(tests));
        };
        let reach = iso.calls.reach(source, &iso.items, &iso.functions);
        let mut plan = Plan::new(iso, &student, &failing, &reach);
        let as_written = tests.clone();
        let began = Instant::now();
        // Every grading of each test on a variant: the rule picks among them
        // once every result is in.
        let mut graded: BTreeMap<usize, Vec<Graded>> = BTreeMap::new();
        let mut notes: BTreeMap<usize, String> = BTreeMap::new();
        let mut compiled = false;
        let mut builds = 0;
        let mut next = match misfit {
            Some(m) => misfit_variant(iso, &student, m, &failing),
            None => plan.next_variant(),
        };
        if let Some(v) = next.as_ref().filter(|v| v.phase == Phase::Misfit) {
            // The tests of the swapped functions stay as written: say why.
            for &i in &failed {
                let item = &self.rubric.tests[i].item;
                if v.items.contains(item) {
                    continue;
                }
                let own: Vec<String> = iso
                    .own(item)
                    .iter()
                    .filter(|f| v.replaced.contains(f))
                    .cloned()
                    .collect();
                let blamed: Vec<String> = v
                    .replaced
                    .iter()
                    .filter(|f| misfit.is_some_and(|m| blamed_by(iso, m, &student, f)))
                    .cloned()
                    .collect();
                let own_blamed: Vec<String> =
                    own.iter().filter(|f| blamed.contains(f)).cloned().collect();
                let note = if own_blamed.is_empty() {
                    format!(
                        "Not graded again: your {} calls your {} in its changed form, so it \
                         can be graded neither as written nor with the reference's; the other \
                         tests are graded with the reference's versions of both.",
                        names(&own, &iso.functions),
                        names(&blamed, &iso.functions)
                    )
                } else {
                    format!(
                        "Not graded again: the grader's calls to your {} do not compile; the \
                         other tests are graded with the reference's in its place.",
                        names(&own_blamed, &iso.functions)
                    )
                };
                notes.insert(i, note);
            }
        }
        while let Some(variant) = next.take() {
            let waiting: Vec<usize> = failed
                .iter()
                .copied()
                .filter(|&i| variant.items.contains(&self.rubric.tests[i].item))
                .collect();
            let spent = budget.cpu_left() < Duration::from_millis(100)
                || budget.wall_left() == Duration::ZERO;
            if builds == VARIANT_BUILDS || spent {
                let why = if builds == VARIANT_BUILDS {
                    format!(
                        "isolated credit builds at most {VARIANT_BUILDS} variants of a \
                         submission, and they were used"
                    )
                } else {
                    format!(
                        "the submission's {} of CPU time for its runs was used up",
                        cpu_seconds(budget.cpu())
                    )
                };
                for &i in &waiting {
                    notes.entry(i).or_insert_with(|| {
                        format!("Not graded again with the reference's versions of what it calls: {why}; the result as written stands.")
                    });
                }
                // Everything else that would have been tried is said too.
                while let Some(v) = plan.next_variant() {
                    for &i in &failed {
                        if v.items.contains(&self.rubric.tests[i].item) {
                            notes.entry(i).or_insert_with(|| {
                                format!("Not graded again with the reference's versions of what it calls: {why}; the result as written stands.")
                            });
                        }
                    }
                }
                break;
            }
            builds += 1;
            let k = builds;
            let text = variant::variant(&student, &iso.reference, &variant.replaced, &iso.crates)
                .map_err(anyhow::Error::msg)
                .context("the grader could not write an isolated variant")?;
            let dir = work.join(format!("isolated-{k}"));
            std::fs::create_dir(&dir)
                .with_context(|| format!("cannot create {}", dir.display()))?;
            let wall =
                Duration::from_secs_f64(self.rubric.limits.compile_seconds).min(budget.wall_left());
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
                Ok(p) => Some(p),
                Err(BuildFailure::Internal(e)) => {
                    return Err(e.context("the grader could not build an isolated variant"))
                }
                Err(failure) => {
                    let why = match failure {
                        // The test's own function still does not fit the
                        // grader's call (its line above says how).
                        BuildFailure::Api(_) => "the grader's calls still do not compile",
                        _ => {
                            "your file does not compile (your other functions call yours in a \
                             way the reference's does not allow?)"
                        }
                    };
                    for &i in &waiting {
                        let item = &self.rubric.tests[i].item;
                        let swapped = plan.swapped_for(&variant, item);
                        let swapped = if swapped.is_empty() {
                            variant.replaced.clone()
                        } else {
                            swapped
                        };
                        notes.insert(
                            i,
                            format!(
                                "Graded again with the reference's {} in place of yours, {why}; \
                                 the result as written stands.",
                                names(&swapped, &iso.functions)
                            ),
                        );
                    }
                    None
                }
            };
            let mut runs = BTreeMap::new();
            if let Some(probe) = &probe {
                compiled = true;
                runs = self.run_all(probe, &dir, budget, Which::Items(&variant.items))?;
                self.explain_stops(&mut runs);
            }
            for item in &variant.items {
                let mut passed = true;
                for &i in waiting
                    .iter()
                    .filter(|&&i| self.rubric.tests[i].item == *item)
                {
                    if probe.is_none() {
                        continue;
                    }
                    let result = self.score_test(&self.rubric.tests[i], &runs);
                    passed &= result.score >= result.max_score;
                    graded.entry(i).or_default().push(Graded {
                        result,
                        variant: variant.clone(),
                    });
                }
                // A variant that does not compile proves nothing of anyone.
                if probe.is_some() {
                    plan.record(&variant, item, passed, &student);
                }
            }
            next = if misfit.is_some() {
                None
            } else {
                plan.next_variant()
            };
        }
        // The rule, once every result is in: a result counts only if every
        // function swapped for it fails on its own; of those, the best.
        // Only the swapped functions the item calls are named: a variant
        // that swapped none of them graded it as written.
        let mut credited = BTreeMap::new();
        for &i in &failed {
            let item = &self.rubric.tests[i].item;
            let swapped_of = |v: &Variant| match v.phase {
                Phase::Misfit => misfit_swapped(v, &reach, item),
                _ => plan.swapped_for(v, item),
            };
            let results = graded.remove(&i).unwrap_or_default();
            let best = |counting: bool| {
                results
                    .iter()
                    .filter(|g| plan.may_count(&g.variant, item) == counting)
                    .max_by(|a, b| a.result.score.total_cmp(&b.result.score))
            };
            if let Some(g) = best(true) {
                let swapped = swapped_of(&g.variant);
                let misfit_why = (g.variant.phase == Phase::Misfit).then(|| {
                    let blamed: Vec<String> = swapped
                        .iter()
                        .filter(|f| misfit.is_some_and(|m| blamed_by(iso, m, &student, f)))
                        .cloned()
                        .collect();
                    let why = misfit
                        .and_then(|m| iso.misfit_line(m, &blamed, &student, file))
                        .map(|line| misfit_reason(&line))
                        .unwrap_or_default();
                    (blamed, why)
                });
                if swapped.is_empty() {
                    // Nothing the item calls was swapped: as written it
                    // failed only because the file compiled nothing.
                    if misfit_why.is_some() {
                        tests[i] = TestResult {
                            score: round_score(g.result.score),
                            ..g.result.clone()
                        };
                    }
                    continue;
                }
                tests[i] = combine(
                    iso,
                    &as_written,
                    &self.rubric,
                    i,
                    &swapped,
                    g.result.clone(),
                    misfit_why
                        .as_ref()
                        .map(|(blamed, why)| (blamed.as_slice(), why.as_str())),
                );
                if tests[i].score >= tests[i].max_score && misfit_why.is_none() {
                    credited.insert(i, names(&swapped, &iso.functions));
                }
            } else if let Some(g) = best(false) {
                let fine = plan.passing_on_their_own(&g.variant, item);
                let swapped = swapped_of(&g.variant);
                if !swapped.is_empty() {
                    tests[i] = refused(iso, &as_written[i], item, &swapped, &fine, &g.result);
                }
            } else if let Some(note) = notes.remove(&i) {
                tests[i].output = untrusted::clip(
                    &format!("{}\n\n{note}", tests[i].output),
                    untrusted::TEST_BYTES,
                );
            }
        }
        if std::env::var_os("GRADE_TIMINGS").is_some() && builds > 0 {
            eprintln!(
                "grade: timings: isolated credit {:.3} s ({builds} variant(s) for {} failed tests)",
                began.elapsed().as_secs_f64(),
                failed.len()
            );
        }
        Ok(Isolated {
            tests,
            compiled,
            credited,
        })
    }
}

/// The compiler's reason in a misfit test line, without the line's frame:
/// "the grader's call to your `f` (src/lib.rs line 3) does not compile:
/// mismatched types (expected `f32`, found `f64`)".
fn misfit_reason(line: &str) -> String {
    let line = line.strip_prefix("Not graded: ").unwrap_or(line);
    let line = line.split(". Keep the handout's").next().unwrap_or(line);
    line.trim_end_matches('.').to_string()
}

/// The variant of a file that compiled nothing as written: the functions
/// the compiler blames (`misfit`) and every graded function of the
/// student's that reaches one of them (their callers, in the changed form),
/// swapped together; graded on it, every failing item none of whose own
/// functions is swapped. `None` when the compiler blames no graded function.
fn misfit_variant(
    iso: &Isolation,
    student: &Source,
    misfit: &ApiMisfit,
    failing: &BTreeSet<String>,
) -> Option<Variant> {
    let blamed: Vec<&String> = iso
        .functions
        .iter()
        .filter(|f| blamed_by(iso, misfit, student, f))
        .collect();
    if blamed.is_empty() {
        return None;
    }
    // A caller in the changed form: a function whose own body reaches a
    // blamed one (not one whose item's recipe does).
    let reaches_blamed = |f: &String| {
        iso.calls
            .reach_of_function(&student.text, f, &iso.functions)
            .iter()
            .any(|g| g != f && blamed.contains(&g))
    };
    let swap: Vec<String> = iso
        .functions
        .iter()
        .filter(|f| {
            blamed.contains(f) || (!student.same_as(&iso.reference, f) && reaches_blamed(f))
        })
        .cloned()
        .collect();
    let items: Vec<String> = failing
        .iter()
        .filter(|i| !iso.own(i).iter().any(|f| swap.contains(f)))
        .cloned()
        .collect();
    (!items.is_empty()).then_some(Variant {
        replaced: swap,
        items,
        phase: Phase::Misfit,
    })
}

/// Whether the compiler's errors of `misfit` are about `function`.
fn blamed_by(iso: &Isolation, misfit: &ApiMisfit, student: &Source, function: &String) -> bool {
    iso.misfit_line(misfit, std::slice::from_ref(function), student, "")
        .is_some()
}

/// The functions of a misfit variant that `item` reaches: the ones to name.
fn misfit_swapped(
    variant: &Variant,
    reach: &BTreeMap<String, Option<BTreeSet<String>>>,
    item: &str,
) -> Vec<String> {
    match reach.get(item).cloned().flatten() {
        Some(r) => variant
            .replaced
            .iter()
            .filter(|f| r.contains(*f))
            .cloned()
            .collect(),
        None => variant.replaced.clone(),
    }
}
