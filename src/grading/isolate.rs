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
        let adapter = match lab.spec.probe.modules.first() {
            Some(m) => lab.read(m)?,
            None => String::new(),
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

/// Where a failing item stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    /// Its failure is its own: nothing it depends on fails, or it still
    /// fails with everything it depends on that fails swapped, or it is a stub.
    Own,
    /// It passed with the failing functions it depends on swapped (all of
    /// them failing on their own): credited.
    Cleared,
    /// Not known yet.
    Undecided,
}

/// Which kind of variant a [`Variant`] is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Phase {
    /// Swaps functions known to fail on their own: credit holds.
    Round,
    /// Swaps every failing dependency of one item (circles): credit holds
    /// only if each of them fails on its own.
    Circle,
    /// An API misfit: the blamed functions and their callers.
    Misfit,
}

/// One variant to build: the functions taken from the reference, and the
/// items graded on it.
#[derive(Debug, Clone, PartialEq)]
pub struct Variant {
    pub replaced: Vec<String>,
    pub items: Vec<String>,
    pub phase: Phase,
}

/// The decisions of isolated credit for one submission (pure: the builds
/// and runs are [`Grader::isolate`]'s).
pub struct Plan<'a> {
    iso: &'a Isolation,
    /// Failing item -> the failing graded functions it depends on that are
    /// not the reference's exactly (its own excluded).
    deps: BTreeMap<String, BTreeSet<String>>,
    state: BTreeMap<String, State>,
    /// Functions known to fail on their own (unlike the reference's).
    faulty: BTreeSet<String>,
    /// Item -> the faulty dependencies it was last graded with.
    tried: BTreeMap<String, BTreeSet<String>>,
    /// Item -> whether it passed on its circle variant (`None` while that
    /// variant is planned but not graded: never built, it proves nothing).
    circle: BTreeMap<String, Option<bool>>,
}

impl<'a> Plan<'a> {
    /// The plan for `student`, whose items `failing` failed as written;
    /// `reach` is what each item reaches (`Calls::reach`).
    pub fn new(
        iso: &'a Isolation,
        student: &Source,
        failing: &BTreeSet<String>,
        reach: &BTreeMap<String, Option<BTreeSet<String>>>,
    ) -> Plan<'a> {
        let differs = |f: &String| !student.same_as(&iso.reference, f);
        let fails = |f: &String| iso.items_of(f).iter().any(|i| failing.contains(*i));
        let mut deps = BTreeMap::new();
        let mut state = BTreeMap::new();
        for item in failing {
            let own = iso.own(item);
            let reached: Vec<&String> = match reach.get(item).cloned().flatten() {
                Some(set) => iso.functions.iter().filter(|f| set.contains(*f)).collect(),
                None => iso.functions.iter().collect(),
            };
            let d: BTreeSet<String> = reached
                .into_iter()
                .filter(|f| !own.contains(f) && differs(f) && fails(f))
                .cloned()
                .collect();
            let stub = own.iter().any(|f| iso.is_stub(student, f));
            state.insert(
                item.clone(),
                if stub || d.is_empty() {
                    State::Own
                } else {
                    State::Undecided
                },
            );
            deps.insert(item.clone(), d);
        }
        let mut plan = Plan {
            iso,
            deps,
            state,
            faulty: BTreeSet::new(),
            tried: BTreeMap::new(),
            circle: BTreeMap::new(),
        };
        let own: Vec<String> = plan.items_in(State::Own);
        for item in own {
            plan.mark_faulty(&item, student);
        }
        plan
    }

    fn items_in(&self, wanted: State) -> Vec<String> {
        self.state
            .iter()
            .filter(|(_, s)| **s == wanted)
            .map(|(i, _)| i.clone())
            .collect()
    }

    fn mark_faulty(&mut self, item: &str, student: &Source) {
        for f in self.iso.own(item) {
            if !student.same_as(&self.iso.reference, f) {
                self.faulty.insert(f.clone());
            }
        }
    }

    /// The next variant to build, or `None` when every item is decided or
    /// has been graded on its circle variant.
    pub fn next_variant(&mut self) -> Option<Variant> {
        let ordered = |set: &BTreeSet<String>| -> Vec<String> {
            self.iso
                .functions
                .iter()
                .filter(|f| set.contains(*f))
                .cloned()
                .collect()
        };
        // A round: every undecided item with faulty dependencies it was not
        // yet graded with, on one variant with the faulty functions swapped.
        let candidates: Vec<String> = self
            .items_in(State::Undecided)
            .into_iter()
            .filter(|i| {
                let known: BTreeSet<String> =
                    self.deps[i].intersection(&self.faulty).cloned().collect();
                !known.is_empty() && self.tried.get(i) != Some(&known)
            })
            .collect();
        if !candidates.is_empty() {
            let theirs: BTreeSet<&String> = candidates
                .iter()
                .flat_map(|i| self.iso.own(i).iter())
                .collect();
            let swap: BTreeSet<String> = self
                .faulty
                .iter()
                .filter(|f| !theirs.contains(f))
                .cloned()
                .collect();
            for i in &candidates {
                let known = self.deps[i].intersection(&self.faulty).cloned().collect();
                self.tried.insert(i.clone(), known);
            }
            return Some(Variant {
                replaced: ordered(&swap),
                items: candidates,
                phase: Phase::Round,
            });
        }
        // Circles: the undecided items not yet graded on their own variant,
        // the first group (items sharing a swap set share a variant).
        let left: Vec<String> = self
            .items_in(State::Undecided)
            .into_iter()
            .filter(|i| !self.circle.contains_key(i))
            .collect();
        let swap_of = |i: &String| -> BTreeSet<String> {
            self.deps[i]
                .union(&self.faulty)
                .filter(|f| !self.iso.own(i).contains(f))
                .cloned()
                .collect()
        };
        let first = left.first()?;
        let swap = swap_of(first);
        let items: Vec<String> = left
            .iter()
            .filter(|i| swap_of(i) == swap)
            .cloned()
            .collect();
        for i in &items {
            self.circle.insert(i.clone(), None);
        }
        Some(Variant {
            replaced: ordered(&swap),
            items,
            phase: Phase::Circle,
        })
    }

    /// What grading `item` on `variant` gave: whether all its failed tests
    /// passed there.
    pub fn record(&mut self, variant: &Variant, item: &str, passed: bool, student: &Source) {
        match variant.phase {
            Phase::Round => {
                if passed {
                    self.state.insert(item.to_string(), State::Cleared);
                    return;
                }
                let iso = self.iso;
                let cleared: BTreeSet<&String> = self
                    .items_in(State::Cleared)
                    .iter()
                    .flat_map(|i| iso.own(i))
                    .collect();
                // Still failing with every failing dependency swapped (or
                // cleared): the failure is its own.
                let explained = self.deps[item]
                    .iter()
                    .all(|f| variant.replaced.contains(f) || cleared.contains(f));
                if explained {
                    self.state.insert(item.to_string(), State::Own);
                    self.mark_faulty(item, student);
                }
            }
            Phase::Circle => {
                self.circle.insert(item.to_string(), Some(passed));
            }
            Phase::Misfit => {}
        }
    }

    /// Whether a test of `item` graded on `variant` may count: every failing
    /// dependency of `item` swapped there fails on its own. Round variants
    /// swap only such functions; on a circle variant a swapped function
    /// fails on its own when it is known to, or when an item of it still
    /// failed on its own circle variant.
    pub fn may_count(&self, variant: &Variant, item: &str) -> bool {
        if variant.phase != Phase::Circle {
            return true;
        }
        self.swapped_for(variant, item).iter().all(|f| {
            self.faulty.contains(f)
                || self
                    .iso
                    .items_of(f)
                    .iter()
                    .any(|i| self.circle.get(*i) == Some(&Some(false)))
        })
    }

    /// The functions of `variant` that `item` depends on: the ones to name.
    pub fn swapped_for(&self, variant: &Variant, item: &str) -> Vec<String> {
        variant
            .replaced
            .iter()
            .filter(|f| self.deps.get(item).is_some_and(|d| d.contains(*f)))
            .cloned()
            .collect()
    }

    /// The swapped functions of `variant` that pass their own tests on their
    /// own (why a circle variant's result does not count).
    pub fn passing_on_their_own(&self, variant: &Variant, item: &str) -> Vec<String> {
        self.swapped_for(variant, item)
            .into_iter()
            .filter(|f| {
                !self.faulty.contains(f)
                    && !self
                        .iso
                        .items_of(f)
                        .iter()
                        .any(|i| self.circle.get(*i) == Some(&Some(false)))
            })
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

/// One test's grading on a variant.
struct Graded {
    result: TestResult,
    variant: Variant,
}

impl Grader {
    /// Grades the failed tests of `tests` (as written) again under isolated
    /// credit, in `work`; returns the tests with their isolated scores and
    /// both results in their feedback, and whether any variant compiled.
    /// `source` is the student's file; `start`, when the grading began;
    /// `misfit`, why the file compiled nothing as written, if it did not.
    pub(super) fn isolate(
        &self,
        iso: &Isolation,
        source: &str,
        mut tests: Vec<TestResult>,
        work: &Path,
        start: Instant,
        misfit: Option<&ApiMisfit>,
    ) -> Result<(Vec<TestResult>, bool)> {
        let (failed, failing) = iso.failed(&tests, &self.rubric);
        if failed.is_empty() {
            return Ok((tests, false));
        }
        // A file that does not parse does not compile either: as written stands.
        let Ok(student) = Source::parse(source) else {
            return Ok((tests, false));
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
        let budget = Duration::from_secs_f64(self.rubric.limits.submission_seconds);
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
                    .filter(|f| misfit.is_some_and(|m| blamed_by(m, &student, f)))
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
            let left = budget.saturating_sub(start.elapsed());
            if builds == VARIANT_BUILDS || left < Duration::from_millis(100) {
                let why = if builds == VARIANT_BUILDS {
                    format!(
                        "isolated credit builds at most {VARIANT_BUILDS} variants of a \
                         submission, and they were used"
                    )
                } else {
                    format!(
                        "the submission's {} s time budget was used up",
                        budget.as_secs()
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
            let wall = Duration::from_secs_f64(self.rubric.limits.compile_seconds).min(left);
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
                runs = self.run_all(probe, &dir, start, Which::Items(&variant.items))?;
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
        for &i in &failed {
            let item = &self.rubric.tests[i].item;
            let swapped_of = |v: &Variant| {
                let named = match v.phase {
                    Phase::Misfit => misfit_swapped(v, &reach, item),
                    _ => plan.swapped_for(v, item),
                };
                if named.is_empty() {
                    v.replaced.clone()
                } else {
                    named
                }
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
                tests[i] = combine(
                    iso,
                    &as_written,
                    &self.rubric,
                    i,
                    &swapped,
                    g.result.clone(),
                );
            } else if let Some(g) = best(false) {
                let fine = plan.passing_on_their_own(&g.variant, item);
                let swapped = swapped_of(&g.variant);
                tests[i] = refused(iso, &as_written[i], item, &swapped, &fine, &g.result);
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
        Ok((tests, compiled))
    }
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
        .filter(|f| blamed_by(misfit, student, f))
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
fn blamed_by(misfit: &ApiMisfit, student: &Source, function: &String) -> bool {
    super::misfit::test_line(misfit, std::slice::from_ref(function), student, "").is_some()
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
    let own = names(iso.own(item), &iso.functions);
    let swapped = names(replaced, &iso.functions);
    let mut text = String::new();
    if isolated.score >= isolated.max_score {
        text.push_str(&format!(
            "Your {own} is right with a correct {swapped}; as written it fails"
        ));
        if causes.is_empty() {
            text.push_str(".\n");
        } else {
            text.push_str(&format!(" because {} fails.\n", causes.join(", ")));
        }
    }
    text.push_str(&format!(
        "Isolated credit: graded with the reference's {swapped} in place of yours, so that a \
         mistake costs only the points of its own tests.\n{}\n\nAs written (with your own \
         {swapped}): {}",
        isolated.output, written.output
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
        extra_data: better.extra_data.clone(),
        ..isolated.clone()
    }
}

/// A test whose variant result does not count: some function swapped for
/// it (`fine`) passes its own tests on its own, so the failure as written is
/// this item's own. The as-written result stands, and the feedback says why.
fn refused(
    iso: &Isolation,
    written: &TestResult,
    item: &str,
    swapped: &[String],
    fine: &[String],
    isolated: &TestResult,
) -> TestResult {
    let own = names(iso.own(item), &iso.functions);
    let improved = if isolated.score > written.score {
        "it does better"
    } else {
        "it does no better"
    };
    let text = format!(
        "{}\n\nGraded again with the reference's {} in place of yours, {improved}; but {} \
         {} its own tests with the reference's versions of what it calls, so this failure is \
         your {own}'s own (do your functions call each other in a circle?). The result as \
         written stands.",
        written.output,
        names(swapped, &iso.functions),
        names(fine, &iso.functions),
        if fine.len() == 1 { "passes" } else { "pass" },
    );
    TestResult {
        output: untrusted::clip(&text, untrusted::TEST_BYTES),
        ..written.clone()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const REFERENCE: &str = "pub fn a() -> f64 { 1.0 }\n\
        pub fn b() -> f64 { a() + 1.0 }\n\
        impl T { pub fn c(&self) -> f64 { b() * 2.0 } }\n";

    const HANDOUT: &str = "pub fn a() -> f64 { todo!() }\n\
        pub fn b() -> f64 { todo!() }\n\
        impl T { pub fn c(&self) -> f64 { todo!() } }\n";

    const ADAPTER: &str = r#"pub fn call(item: &str) -> f64 {
        match item { "a" => a(), "b" => b(), "c" => T.c(), _ => 0.0 }
    }"#;

    fn isolation() -> Isolation {
        let items: BTreeMap<String, Vec<String>> = [("a", "a"), ("b", "b"), ("c", "T::c")]
            .iter()
            .map(|(i, f)| (i.to_string(), vec![f.to_string()]))
            .collect();
        Isolation {
            items,
            functions: vec!["a".into(), "b".into(), "T::c".into()],
            reference: Source::parse(REFERENCE).unwrap(),
            handout: Source::parse(HANDOUT).unwrap(),
            crates: vec![],
            calls: Calls::new(&[], ADAPTER),
        }
    }

    /// The variants a plan asks for, with `outcome(variant, item)` saying
    /// whether the item passed on it; and which items' results count.
    fn play(
        iso: &Isolation,
        student: &str,
        failing: &[&str],
        outcome: impl Fn(&Variant, &str) -> bool,
    ) -> (Vec<Variant>, Vec<String>) {
        let source = Source::parse(student).unwrap();
        let failing: BTreeSet<String> = failing.iter().map(|s| s.to_string()).collect();
        let reach = iso.calls.reach(student, &iso.items, &iso.functions);
        let mut plan = Plan::new(iso, &source, &failing, &reach);
        let mut variants = Vec::new();
        let mut passed = Vec::new();
        while let Some(v) = plan.next_variant() {
            for item in v.items.clone() {
                let ok = outcome(&v, &item);
                plan.record(&v, &item, ok, &source);
                if ok {
                    passed.push((v.clone(), item));
                }
            }
            variants.push(v);
        }
        let counted = passed
            .into_iter()
            .filter(|(v, item)| plan.may_count(v, item))
            .map(|(_, item)| item)
            .collect();
        (variants, counted)
    }

    #[test]
    fn a_cascade_is_one_variant_and_counts() {
        let iso = isolation();
        // a is wrong; b and c call it and are right.
        let student = REFERENCE
            .replace("{ 1.0 }", "{ 2.0 }")
            .replace("b() * 2.0", "2.0 * b()");
        let (variants, counted) = play(&iso, &student, &["a", "b", "c"], |v, _| {
            v.replaced.contains(&"a".to_string())
        });
        assert_eq!(
            variants,
            vec![Variant {
                replaced: vec!["a".into()],
                items: vec!["b".into(), "c".into()],
                phase: Phase::Round
            }]
        );
        assert_eq!(counted, ["b", "c"]);
    }

    #[test]
    fn a_chain_of_three_wrong_takes_two_rounds() {
        let iso = isolation();
        // a and b both wrong, c right: b fails on the first round (a
        // swapped), so it is wrong on its own; c passes on the second.
        let student = REFERENCE
            .replace("{ 1.0 }", "{ 2.0 }")
            .replace("a() + 1.0", "a() - 1.0")
            .replace("b() * 2.0", "2.0 * b()");
        let (variants, counted) = play(&iso, &student, &["a", "b", "c"], |v, item| {
            let has = |f: &str| v.replaced.contains(&f.to_string());
            match item {
                "b" => false,
                _ => has("a") && has("b"),
            }
        });
        assert_eq!(variants.len(), 2, "{variants:?}");
        assert_eq!(variants[0].replaced, ["a"]);
        assert_eq!(variants[1].replaced, ["a", "b"]);
        assert_eq!(variants[1].items, ["c"]);
        assert_eq!(counted, ["c"]);
    }

    #[test]
    fn a_circle_earns_nothing() {
        let iso = isolation();
        // a calls b and b calls a: each passes with the other swapped.
        let student = "pub fn a() -> f64 { b() - 1.0 }\npub fn b() -> f64 { 1.0 + a() }\n\
            impl T { pub fn c(&self) -> f64 { b() * 2.0 } }\n";
        let (variants, counted) = play(&iso, student, &["a", "b", "c"], |_, _| true);
        assert!(
            variants.iter().all(|v| v.phase == Phase::Circle),
            "{variants:?}"
        );
        assert_eq!(variants.len(), 3, "{variants:?}");
        assert!(counted.is_empty(), "{counted:?}");
    }

    #[test]
    fn a_circle_variant_never_built_proves_nothing() {
        let iso = isolation();
        let student = "pub fn a() -> f64 { b() - 1.0 }\npub fn b() -> f64 { 1.0 + a() }\n\
            impl T { pub fn c(&self) -> f64 { b() * 2.0 } }\n";
        let source = Source::parse(student).unwrap();
        let failing: BTreeSet<String> = ["a", "b", "c"].map(String::from).into();
        let reach = iso.calls.reach(student, &iso.items, &iso.functions);
        let mut plan = Plan::new(&iso, &source, &failing, &reach);
        // Two variants are built (each passes), the third is only planned.
        let built: Vec<Variant> = (0..2).map(|_| plan.next_variant().unwrap()).collect();
        for v in &built {
            for item in &v.items {
                plan.record(v, item, true, &source);
            }
        }
        let unbuilt = plan.next_variant().unwrap();
        assert!(!unbuilt.items.is_empty());
        for v in &built {
            for item in &v.items {
                assert!(!plan.may_count(v, item), "{item} on {v:?}");
            }
        }
    }

    #[test]
    fn a_stub_fails_on_its_own_and_needs_no_variant() {
        let iso = isolation();
        // The handout as it came: every function fails on its own.
        let (variants, _) = play(&iso, HANDOUT, &["a", "b", "c"], |_, _| true);
        assert!(variants.is_empty(), "{variants:?}");
        // Only a left a stub: b and c are graded with the reference's a.
        let student = REFERENCE
            .replace("pub fn a() -> f64 { 1.0 }", "pub fn a() -> f64 { todo!() }")
            .replace("b() * 2.0", "2.0 * b()");
        let (variants, counted) = play(&iso, &student, &["a", "b", "c"], |_, _| true);
        assert_eq!(variants.len(), 1);
        assert_eq!(counted, ["b", "c"]);
    }

    #[test]
    fn a_failure_nothing_else_explains_builds_nothing() {
        let iso = isolation();
        // c wrong on its own; b right but written differently.
        let student = REFERENCE
            .replace("a() + 1.0", "1.0 + a()")
            .replace("b() * 2.0", "b() * 3.0");
        let (variants, _) = play(&iso, &student, &["c"], |_, _| true);
        assert!(variants.is_empty(), "{variants:?}");
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
