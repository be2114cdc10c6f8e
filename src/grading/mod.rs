//! Grading one submission, from its folder to a `Results`: find the student's
//! file, build it with the lab's probe, run every (item, case) the rubric needs
//! in its own child process, compare with the fixtures, and score.
//!
//! Nothing a submission does can stop this from returning a `Results`: its
//! failures become feedback, and the grader's own failures become an error
//! the caller reports.

pub mod answers;
mod banded;
mod calls;
pub mod compare;
pub mod isolate;
mod locate;
pub mod measure;
mod misfit;
pub mod mistakes;
pub mod submission;

use crate::build::{self, BuildFailure, Deps, Toolchain};
use crate::grading::compare::{compare, Mismatch, Tolerance};
use crate::lab::fixture::{self, Case};
use crate::lab::handout::Form;
use crate::lab::rubric::{Bound, Measure, Rubric, Rule, Scoring, TestSpec, Visibility};
use crate::lab::Lab;
use crate::report::results::{
    round_score, ExtraData, KnownMistake, LeaderboardEntry, Results, Status, TestExtra, TestResult,
};
use crate::sandbox::jail::Jail;
use crate::sandbox::protocol::{self, Answer};
use crate::sandbox::{self, Exit, Limits, Outcome};
use crate::{report::untrusted, sandbox::reaper};
use anyhow::{bail, Context, Result};
use serde_json::Value;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// Which (item, case) runs `run_all` starts.
#[derive(Clone, Copy)]
pub(crate) enum Which<'a> {
    /// Every run of the tests that wait for none (and of the leaderboard).
    Main,
    /// The runs of the tests that wait for others (`after`: training), of
    /// these items.
    Deferred(&'a [String]),
    /// Every run of these items (isolated credit's variants, line tables).
    Items(&'a [String]),
}

impl Which<'_> {
    /// Run folders of each round are named apart.
    fn folder_prefix(self) -> &'static str {
        match self {
            Which::Main => "",
            Which::Deferred(_) => "after-",
            Which::Items(_) => "again-",
        }
    }
}

/// The student's written answers, as runs of the answers item.
#[derive(Default)]
struct Written {
    runs: BTreeMap<(String, String), Run>,
    /// Where the answers file was found, relative to the upload.
    found_at: Option<String>,
    /// A line for results.json's output (where the answers were read, keys
    /// not graded).
    note: Option<String>,
}

/// Everything needed to grade submissions of one lab, loaded and checked once.
pub struct Grader {
    pub lab: Lab,
    pub rubric: Rubric,
    pub cases: BTreeMap<String, Case>,
    tools: Toolchain,
    deps: Deps,
    /// How children are confined on this machine.
    pub jail: Jail,
    /// Probe runs at once.
    pub jobs: usize,
    /// The largest answer frame accepted per (item, case), derived from the
    /// fixtures (see [`answer_caps`]).
    answer_caps: BTreeMap<(String, String), usize>,
    /// Isolated credit's data (`isolate.rs`), when the rubric chooses it.
    isolation: Option<isolate::Isolation>,
    /// The lab's known mistakes (`mistakes.json`), read on the first failure.
    mistakes: mistakes::Catalogue,
    /// Each case's inputs as the probe reads them (JSON), made once: all a
    /// probe is ever given of a case.
    inputs: BTreeMap<String, Arc<[u8]>>,
}

/// An answer frame may be this many times the expected answer's frame...
pub const ANSWER_HEADROOM: usize = 4;
/// ...and never less than this (a scalar's frame is about 40 bytes).
pub const ANSWER_FLOOR: usize = 64 << 10;

/// Bytes a probe run may write in its private tmpfs (as root; elsewhere the
/// file-size limit alone applies). The probes write no file at all.
pub const RUN_DISK_BYTES: u64 = 16 << 20;

/// The outcome of running one item on one case.
#[derive(Debug, Clone)]
struct Run {
    /// The item's outputs, or why there are none (for the student). Once the
    /// run is settled (`settle`), only the outputs a leaderboard column reads
    /// are kept: the verdicts are in `checked`.
    result: Result<Value, String>,
    /// What the student's code printed, if anything (kept short).
    printed: Option<String>,
    seconds: f64,
    /// Each test's verdict on this run, by test name, worked out as the
    /// answer arrived (so that the answer itself need not be kept).
    checked: Vec<(String, Result<(), Checked>)>,
    /// Known mistakes this run's answer matches, by failed test's name.
    mistakes: Vec<(String, Vec<String>)>,
}

/// A settled verdict's failure (see `Failure`), kept without the answer.
#[derive(Debug, Clone)]
enum Checked {
    Missing(String),
    Unanswered(String),
    Mismatch(crate::grading::compare::Mismatch),
}

impl Run {
    /// The verdict worked out when the answer arrived, if any.
    fn checked(&self, test: &str) -> Option<Result<(), Failure>> {
        let (_, verdict) = self.checked.iter().find(|(name, _)| name == test)?;
        Some(verdict.clone().map_err(|c| match c {
            Checked::Missing(name) => Failure::Missing(name),
            Checked::Unanswered(name) => Failure::Unanswered(name),
            Checked::Mismatch(m) => Failure::Mismatch(m),
        }))
    }
}

/// The largest answer frame accepted for each (item, case): the expected
/// answer's frame times [`ANSWER_HEADROOM`], at least [`ANSWER_FLOOR`]. The
/// headroom covers a same-shaped answer whose every number is written in
/// full (a fixture's numbers are already ~20 characters; the longest f64 is
/// 24); a far larger answer is the wrong shape anyway. For CS240 the largest
/// expected frame is 146 KB (`back_propagation` on `lab_784_8_8_10`), so its
/// cap is 585 KB; every other (item, case) gets the 64 KiB floor.
fn answer_caps(cases: &BTreeMap<String, Case>) -> BTreeMap<(String, String), usize> {
    let mut caps = BTreeMap::new();
    for (id, case) in cases {
        for (item, outputs) in &case.expected {
            let frame = reference::wire::frame(&serde_json::json!({ "ok": outputs })).len();
            caps.insert(
                (item.clone(), id.clone()),
                frame.saturating_mul(ANSWER_HEADROOM).max(ANSWER_FLOOR),
            );
        }
    }
    caps
}

impl Grader {
    /// Loads the lab, its rubric and fixtures, checks they agree, and makes
    /// sure the dependencies are built (once per machine).
    pub fn new(root: &Path, lab_name: &str, cache: &Path) -> Result<Grader> {
        let lab = Lab::load(root, lab_name)?;
        let rubric = Rubric::load(&lab.rubric_path(), lab_name)?;
        let mut cases = BTreeMap::new();
        for (i, c) in rubric.cases.iter().enumerate() {
            let case = fixture::load(&lab.fixtures_dir(), lab_name, &c.id).with_context(|| {
                format!(
                    "{}: cases[{i}].id \"{}\" has no usable fixture",
                    lab.rubric_path().display(),
                    c.id
                )
            })?;
            cases.insert(c.id.clone(), case);
        }
        check_rubric_against_fixtures(&lab, &rubric, &cases)?;
        let isolation = isolate::Isolation::load(&lab, &rubric)?;
        let tools = Toolchain::detect_cached(cache)?;
        let deps = build::prepare_deps(&lab, &tools, cache)?;
        let jobs = std::thread::available_parallelism()
            .map_or(1, |n| n.get())
            .clamp(4, 8);
        reaper::become_subreaper();
        let answer_caps = answer_caps(&cases);
        let lab_fixtures = lab.fixtures_dir();
        let inputs = cases
            .iter()
            .map(|(id, case)| (id.clone(), Arc::from(case.inputs.to_string().into_bytes())))
            .collect();
        Ok(Grader {
            lab,
            rubric,
            cases,
            tools,
            deps,
            jail: Jail::detect(),
            jobs,
            answer_caps,
            isolation,
            mistakes: mistakes::Catalogue::new(&lab_fixtures),
            inputs,
        })
    }

    pub fn grade(&self, upload: &Path) -> Result<Results> {
        let start = Instant::now();
        let written = self.read_answers(upload);
        let mut results = self.grade_code(upload, start, &written)?;
        self.score_answers(&mut results, &written);
        Ok(results)
    }

    /// The student's written answers as runs of the answers item, one per
    /// case its tests use, settled like the probe's (none without `[answers]`).
    fn read_answers(&self, upload: &Path) -> Written {
        let Some(spec) = &self.lab.spec.answers else {
            return Written::default();
        };
        let keys: std::collections::BTreeSet<String> = self
            .rubric
            .tests
            .iter()
            .filter(|t| t.item == spec.item)
            .flat_map(|t| {
                self.rubric
                    .cases_of(t)
                    .into_iter()
                    .flat_map(|c| output_names(t, &self.cases[&c.id].expected[&t.item]))
            })
            .collect();
        let read = answers::read(upload, &spec.file, &keys);
        let mut runs = BTreeMap::new();
        for t in self.rubric.tests.iter().filter(|t| t.item == spec.item) {
            for c in self.rubric.cases_of(t) {
                let key = (t.item.clone(), c.id.clone());
                if runs.contains_key(&key) {
                    continue;
                }
                let mut run = Run {
                    result: read.outputs.clone(),
                    printed: None,
                    seconds: 0.0,
                    checked: Vec::new(),
                    mistakes: Vec::new(),
                };
                self.settle(&mut run, &t.item, &c.id);
                runs.insert(key, run);
            }
        }
        Written {
            note: read.note(&spec.file).or_else(|| {
                read.found_at
                    .as_ref()
                    .map(|at| format!("Written answers read from {at}."))
            }),
            found_at: read.found_at,
            runs,
        }
    }

    /// The written tests scored from the answers file, whatever became of
    /// the code (a file that does not compile costs no written answer).
    fn score_answers(&self, results: &mut Results, written: &Written) {
        if written.runs.is_empty() {
            return;
        }
        for (spec, result) in self.rubric.tests.iter().zip(results.tests.iter_mut()) {
            if self.lab.is_answers_item(&spec.item) {
                *result = self.score_test(spec, &written.runs);
            }
        }
        results.score = round_score(results.tests.iter().map(|t| t.score).sum());
        if let Some(note) = &written.note {
            results.output.push('\n');
            results.output.push_str(&untrusted::output(note));
        }
    }

    fn grade_code(&self, upload: &Path, start: Instant, written: &Written) -> Result<Results> {
        let file_name = Path::new(&self.lab.spec.student_file)
            .file_name()
            .and_then(|f| f.to_str())
            .unwrap_or("lib.rs")
            .to_string();
        let mut student = match submission::find(upload, &file_name) {
            Ok(s) => s,
            Err(msg) => return Ok(self.nothing_graded(&msg, start)),
        };
        // The handout's provided files, unchanged, are expected: no note.
        // Changed ones (a Cargo.toml with extra dependencies) are worth one.
        let unchanged = |f: &String| {
            self.lab.spec.handout.iter().any(|(dest, src)| {
                (f == dest || f.ends_with(&format!("/{dest}")))
                    && self
                        .lab
                        .read(src)
                        .ok()
                        .and_then(|t| crate::lab::handout::render(&t, Form::Handout, src).ok())
                        .is_some_and(|t| {
                            crate::grading::submission::same_content(&upload.join(f), t.as_bytes())
                        })
            })
        };
        student.ignored.retain(|f| !unchanged(f));
        // The answers file is read, not ignored.
        student
            .ignored
            .retain(|f| written.found_at.as_deref() != Some(f.as_str()));
        let work = tempfile::Builder::new()
            .prefix("grade-")
            .tempdir()
            .context("cannot create a working folder")?;
        let wall = Duration::from_secs_f64(self.rubric.limits.compile_seconds);
        let compile_start = Instant::now();
        let compile_cpu_start = sandbox::children_cpu_seconds();
        let options = build::Options {
            wall,
            lines: build::LineTables::Without,
        };
        let probe = match build::build(
            &self.lab,
            &self.tools,
            &self.deps,
            &student.source,
            work.path(),
            &self.jail,
            options,
        ) {
            Ok(p) => p,
            Err(BuildFailure::Student(text)) => {
                let msg = format!(
                    "Your {} does not compile, so nothing could be graded.\n\nThe compiler says:\n\n{text}",
                    student.found_at
                );
                return Ok(self.not_graded(Status::DidNotCompile, &msg, start));
            }
            Err(BuildFailure::Api(misfit)) => {
                let msg = format!(
                    "Your {} compiles, but it does not provide what the grader calls: keep the \
                     handout's names and signatures.\n\nThe compiler says:\n\n{}",
                    student.found_at, misfit.text
                );
                let mut results = self.not_graded(Status::DidNotCompile, &msg, start);
                // Each test the compiler's errors are about says which
                // function, where, and why.
                if let Ok(parsed) = build::variant::Source::parse(&student.source) {
                    for (test, spec) in results.tests.iter_mut().zip(&self.rubric.tests) {
                        let functions = self
                            .lab
                            .spec
                            .items
                            .get(&spec.item)
                            .map(|f| f.list())
                            .unwrap_or_default();
                        if let Some(line) =
                            misfit::test_line(&misfit, &functions, &parsed, &student.found_at)
                        {
                            test.output = untrusted::output(&line);
                        }
                    }
                }
                if let Some(iso) = &self.isolation {
                    // The other functions may still fit with the reference's
                    // versions of the ones that do not.
                    let (tests, compiled) = self.isolate(
                        iso,
                        &student.source,
                        results.tests,
                        work.path(),
                        start,
                        Some(&misfit),
                    )?;
                    reaper::sweep(Duration::from_secs(1));
                    results.tests = tests;
                    if compiled {
                        results.score = round_score(results.tests.iter().map(|t| t.score).sum());
                        results.extra_data = ExtraData::with_status(Status::Graded);
                        results.output.push_str(
                            "\n\nIsolated credit: each test was graded again with the reference's \
                             versions of the other graded functions; see each test.",
                        );
                    }
                    results.execution_time = round_seconds(start.elapsed().as_secs_f64());
                }
                return Ok(results);
            }
            Err(BuildFailure::Refused(why)) => {
                let msg = format!("Your {} cannot be graded: {why}.", student.found_at);
                return Ok(self.not_graded(Status::DidNotCompile, &msg, start));
            }
            Err(BuildFailure::Internal(e)) => {
                return Err(e.context("the grader could not build the submission"))
            }
        };
        let compile_seconds = compile_start.elapsed().as_secs_f64();
        let compile_cpu = sandbox::children_cpu_seconds() - compile_cpu_start;
        let run_start = Instant::now();
        let mut runs = self.run_all(&probe, work.path(), start, Which::Main)?;
        runs.extend(written.runs.clone());
        if std::env::var_os("GRADE_TIMINGS").is_some() {
            eprintln!(
                "grade: timings: compile {compile_seconds:.3} s (CPU {compile_cpu:.3} s), \
                 runs {:.3} s ({} runs, {} at a time)",
                run_start.elapsed().as_secs_f64(),
                runs.len(),
                self.jobs
            );
        }
        // Every child is gone before anything is reported.
        reaper::sweep(Duration::from_secs(1));
        let mut tests = self
            .rubric
            .tests
            .iter()
            .map(|t| self.score_test(t, &runs))
            .collect::<Vec<_>>();
        // Tests that wait for others (a training run) start now, if those
        // passed as written: the run uses every function as the student wrote it.
        self.run_deferred(&probe, work.path(), start, &mut tests, &mut runs)?;
        // Isolated credit grades failed tests again (nothing runs when all
        // pass). Meanwhile, on the other core, the probe is built again with
        // line tables to name the student's line behind each panic inside a
        // dependency, for the tests that will stand as written: a test graded
        // again is explained by its variant, and a training run that waits
        // is not run twice.
        let again = match &self.isolation {
            Some(iso) => iso.candidates(&student.source, &tests, &self.rubric),
            None => Default::default(),
        };
        let wanted = |item: &str| {
            !again.contains(item)
                && self
                    .rubric
                    .tests
                    .iter()
                    .any(|t| t.item == item && !t.deferred())
        };
        let (mut tests, located) = std::thread::scope(|s| -> Result<_> {
            let locating = s.spawn(|| {
                self.locate_panics(
                    &student.source,
                    &runs,
                    &wanted,
                    &work.path().join("lines"),
                    start,
                )
            });
            let tests = match &self.isolation {
                Some(iso) => {
                    self.isolate(iso, &student.source, tests, work.path(), start, None)?
                        .0
                }
                None => tests,
            };
            let located = locating.join().expect("the line tables' thread")?;
            Ok((tests, located))
        })?;
        if !located.is_empty() {
            let items: Vec<String> = located.keys().map(|(item, _)| item.clone()).collect();
            runs.extend(located);
            for (spec, result) in self.rubric.tests.iter().zip(tests.iter_mut()) {
                if items.contains(&spec.item) {
                    *result = self.score_test(spec, &runs);
                }
            }
        }
        reaper::sweep(Duration::from_secs(1));
        let score = round_score(tests.iter().map(|t| t.score).sum());
        Ok(Results {
            score,
            execution_time: round_seconds(start.elapsed().as_secs_f64()),
            output: {
                let mut text = format!(
                    "Graded {} for {} ({} cases per test at most).",
                    student.found_at,
                    self.lab.spec.title,
                    self.rubric
                        .tests
                        .iter()
                        .map(|t| self.rubric.cases_of(t).len())
                        .max()
                        .unwrap_or(0)
                );
                if let Some(note) = student.ignored_note() {
                    text.push('\n');
                    text.push_str(&note);
                }
                if let Some(note) = self.jail.missing_note() {
                    text.push('\n');
                    text.push_str(&note);
                }
                // File names from the upload: bounded and cleaned.
                untrusted::output(&text)
            },
            output_format: "text".into(),
            visibility: Visibility::Visible,
            stdout_visibility: Visibility::Hidden,
            tests,
            leaderboard: self.leaderboard(&runs),
            extra_data: ExtraData::with_status(Status::Graded),
        })
    }

    /// The rubric's leaderboard columns whose value the student's run
    /// produced, from runs that passed: a value counts only when the run's
    /// answer passes every test that grades the column's item on its case
    /// and compares its output (every output within the test's tolerance),
    /// or, when no test does, when the output equals the expected one within
    /// the rubric's default tolerance. A failing run's number is not ranked.
    /// A column an accuracy test grades is the percentage right, posted
    /// whenever that run answered (it ran only when its `after` tests passed).
    fn leaderboard(&self, runs: &BTreeMap<(String, String), Run>) -> Vec<LeaderboardEntry> {
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
                            && output_names(t, expected).contains(&l.output)
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

    /// Results for a submission in which no student file could be found or
    /// read: every test 0.
    pub fn nothing_graded(&self, message: &str, start: Instant) -> Results {
        self.not_graded(Status::NoFileFound, message, start)
    }

    /// Results for a submission that could not be run at all: every test 0.
    fn not_graded(&self, status: Status, message: &str, start: Instant) -> Results {
        // The message may quote the student's code (the compiler's) or name
        // files of the upload: bounded and cleaned.
        let message = untrusted::output(message);
        let first = message.lines().next().unwrap_or(&message);
        Results {
            score: 0.0,
            execution_time: round_seconds(start.elapsed().as_secs_f64()),
            output: message.clone(),
            output_format: "text".into(),
            visibility: Visibility::Visible,
            stdout_visibility: Visibility::Hidden,
            leaderboard: Vec::new(),
            extra_data: ExtraData::with_status(status),
            tests: self
                .rubric
                .tests
                .iter()
                .map(|t| TestResult {
                    score: 0.0,
                    max_score: t.points,
                    status: "failed".into(),
                    name: t.name.clone(),
                    number: t.number.clone(),
                    output: format!("Not graded: {first}"),
                    visibility: t.visibility,
                    execution_time: 0.0,
                    extra_data: Default::default(),
                })
                .collect(),
        }
    }

    /// Runs every distinct (item, case) of `which` tests the rubric needs,
    /// `jobs` at a time.
    fn run_all(
        &self,
        probe: &Path,
        work: &Path,
        start: Instant,
        which: Which,
    ) -> Result<BTreeMap<(String, String), Run>> {
        use std::os::unix::fs::DirBuilderExt;
        // The tree the compile step made (`<work>/w`, holding `out/probe`).
        let tree = probe
            .parent()
            .and_then(Path::parent)
            .unwrap_or(work)
            .to_path_buf();
        let runs_dir = tree.join("run");
        std::fs::DirBuilder::new()
            .mode(0o755)
            .recursive(true)
            .create(&runs_dir)
            .context("cannot create the runs' folder")?;
        let mut needed: Vec<(String, String)> = Vec::new();
        let deferred: Vec<(String, String)> = self
            .rubric
            .tests
            .iter()
            .filter(|t| t.deferred())
            .flat_map(|t| {
                self.rubric
                    .cases_of(t)
                    .into_iter()
                    .map(|c| (t.item.clone(), c.id.clone()))
            })
            .collect();
        for t in &self.rubric.tests {
            for c in self.rubric.cases_of(t) {
                let key = (t.item.clone(), c.id.clone());
                if !needed.contains(&key) {
                    needed.push(key);
                }
            }
        }
        for l in &self.rubric.leaderboard {
            let key = (l.item.clone(), l.case.clone());
            if !needed.contains(&key) {
                needed.push(key);
            }
        }
        match which {
            Which::Main => needed.retain(|key| !deferred.contains(key)),
            Which::Deferred(items) => {
                needed.retain(|key| deferred.contains(key) && items.contains(&key.0))
            }
            Which::Items(items) => needed.retain(|(item, _)| items.contains(item)),
        }
        // Written answers come from the answers file, not the probe.
        needed.retain(|(item, _)| !self.lab.is_answers_item(item));
        let budget = Duration::from_secs_f64(self.rubric.limits.submission_seconds);
        let queue = Mutex::new(needed.into_iter().enumerate());
        let done = Mutex::new(BTreeMap::new());
        let failure: Mutex<Option<anyhow::Error>> = Mutex::new(None);
        std::thread::scope(|s| {
            for _ in 0..self.jobs {
                s.spawn(|| loop {
                    if failure.lock().expect("failure").is_some() {
                        break;
                    }
                    let next = queue.lock().expect("queue").next();
                    let Some((k, (item, case))) = next else { break };
                    let run = if start.elapsed() >= budget {
                        Ok(Run {
                            result: Err(format!(
                                "not run: the submission used up its {} s time budget",
                                budget.as_secs()
                            )),
                            printed: None,
                            seconds: 0.0,
                            checked: Vec::new(),
                            mistakes: Vec::new(),
                        })
                    } else {
                        self.run_one(
                            probe,
                            (&item, &case),
                            &tree,
                            // A folder of this round's own: a later round on
                            // the same probe (the runs that wait) never meets
                            // a folder an earlier run left behind.
                            &runs_dir.join(format!("{}{k}", which.folder_prefix())),
                            budget.saturating_sub(start.elapsed()),
                        )
                    };
                    match run {
                        Ok(mut run) => {
                            self.settle(&mut run, &item, &case);
                            done.lock().expect("results").insert((item, case), run);
                        }
                        Err(e) => {
                            failure.lock().expect("failure").get_or_insert(e);
                        }
                    }
                });
            }
        });
        if let Some(e) = failure.into_inner().expect("failure") {
            return Err(e);
        }
        Ok(done.into_inner().expect("results"))
    }

    /// Works out every test's verdict on a run as soon as it arrives, then
    /// drops the answer but for what a leaderboard column reads: the grader
    /// never holds more than the verdicts of finished runs.
    fn settle(&self, run: &mut Run, item: &str, case_id: &str) {
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
            .flat_map(|t| output_names(t, &case.expected[item]))
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

    /// Runs `item` on one case in a fresh folder of its own (created here,
    /// removed after: no run sees another's files), with a private, sized
    /// tmpfs on it when the machine allows. The grader's own failures (its
    /// files, its folders, starting the probe) are errors, never the
    /// student's failed case.
    fn run_one(
        &self,
        probe: &Path,
        (item, case): (&str, &str),
        tree: &Path,
        run_dir: &Path,
        budget_left: Duration,
    ) -> Result<Run> {
        let l = &self.rubric.limits;
        std::fs::create_dir(run_dir)
            .and_then(|()| self.jail.give(run_dir))
            .with_context(|| format!("cannot create the run folder {}", run_dir.display()))?;
        let cleanup = RemoveOnDrop(run_dir);
        // A run may write only in its own folder, and read the probe.
        let confinement = self
            .jail
            .confine(run_dir, &[], &[tree.join("out")])
            .and_then(|c| c.hiding_all_but(tree, &[]))
            .and_then(|c| c.with_scratch(run_dir, RUN_DISK_BYTES))
            .context("cannot prepare the sandbox")?;
        let answer_bytes = self
            .answer_caps
            .get(&(item.to_string(), case.to_string()))
            .copied()
            .unwrap_or(ANSWER_FLOOR);
        // Never past the submission's budget, however long the run may take.
        let seconds = self
            .run_seconds(item)
            .min(budget_left.as_secs_f64())
            .max(0.001);
        let limits = Limits {
            wall: Duration::from_secs_f64(seconds),
            cpu_seconds: seconds.ceil() as u64 + 1,
            address_space: Some(l.memory_mib << 20),
            file_size: RUN_DISK_BYTES,
            open_files: 64,
            // Per account, system-wide: bounds a fork bomb when children run
            // under their own account (a plain user's other processes count too).
            processes: confinement.drops_privileges().then_some(64),
            output_bytes: 16 << 10,
            answer_bytes,
            stop_on_stderr: None,
        };
        // Only the case's inputs reach the probe, through a pipe; expected
        // values and the truth measures are taken against stay here.
        let input = self
            .inputs
            .get(case)
            .map(|bytes| sandbox::Input::Bytes(Arc::clone(bytes)))
            .context("the grader has no inputs for this case")?;
        let mut cmd = Command::new(probe);
        cmd.arg(item)
            .env_clear()
            .env("RUST_BACKTRACE", "0")
            .current_dir(run_dir);
        let outcome = sandbox::run(cmd, input, &limits, Some(Arc::new(confinement)))
            .context("the grader could not run the probe")?;
        drop(cleanup);
        Ok(Run {
            printed: (!outcome.stdout.is_empty()).then(|| outcome.stdout.text()),
            seconds: outcome.elapsed.as_secs_f64(),
            result: interpret(&outcome, &limits),
            checked: Vec::new(),
            mistakes: Vec::new(),
        })
    }

    /// A run's time limit: the longest `seconds` of the tests of its item,
    /// else the rubric's `case_seconds`.
    fn run_seconds(&self, item: &str) -> f64 {
        self.rubric
            .tests
            .iter()
            .filter(|t| t.item == item)
            .filter_map(|t| t.seconds)
            .fold(None, |m: Option<f64>, s| Some(m.map_or(s, |m| m.max(s))))
            .unwrap_or(self.rubric.limits.case_seconds)
    }

    fn score_test(&self, test: &TestSpec, runs: &BTreeMap<(String, String), Run>) -> TestResult {
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
            match self.verdict(test, case, run) {
                Ok(()) => {
                    passed += 1;
                    lines.push(format!("✓ {label}: passed"));
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
    fn verdict(&self, test: &TestSpec, case: &Case, run: &Run) -> Result<(), Failure> {
        if let Some(known) = run.checked(&test.name) {
            return known;
        }
        let outputs = run.result.as_ref().map_err(|r| Failure::Run(r.clone()))?;
        let tol = Tolerance::of(test);
        let expected = &case.expected[&test.item];
        for name in output_names(test, expected) {
            let Some(got) = outputs.get(&name) else {
                return Err(if self.lab.is_answers_item(&test.item) {
                    Failure::Unanswered(name)
                } else {
                    Failure::Missing(name)
                });
            };
            if let Some(m) = test.measure {
                measured_verdict(m, case, &test.item, &name, &expected[&name], got, tol)?;
                continue;
            }
            if let Err(m) = compare(&expected[&name], got, &name, tol) {
                let m = self.with_inputs(m, test, case, &name, got, tol);
                return Err(Failure::Mismatch(m));
            }
        }
        Ok(())
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
        let inputs = compare::elementwise_inputs(&source, &test.item, &case.inputs);
        if inputs.is_empty() {
            return m;
        }
        let expected = &case.expected[&test.item][name];
        compare::compare_with_inputs(expected, got, name, tol, &inputs)
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
        Measure::MeanSquaredError => compare::num(measure::round_for_people(x)),
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
enum Failure {
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
    /// never text, numbers or shapes the student's code chose.
    fn hidden(&self) -> String {
        match self {
            Failure::Run(reason) => hidden_reason(reason),
            Failure::Missing(name) => format!("{name}: missing from the answer"),
            Failure::Unanswered(name) => format!("{name}: not answered"),
            Failure::Mismatch(m) => format!(
                "{}: {}{}",
                compare::hidden_path(&m.path),
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
fn hidden_reason(reason: &str) -> String {
    const KINDS: &[(&str, &str)] = &[
        ("panicked", "panicked"),
        (
            "not implemented yet",
            "not implemented yet (todo!() reached)",
        ),
        ("did not finish within", "timed out"),
        ("used more than", "timed out (used up its CPU time)"),
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

fn output_names(test: &TestSpec, expected: &Value) -> Vec<String> {
    match &test.outputs {
        Some(names) => names.clone(),
        None => expected
            .as_object()
            .map(|m| m.keys().cloned().collect())
            .unwrap_or_default(),
    }
}

/// Removes a run's folder when the run is over, whatever happened.
struct RemoveOnDrop<'a>(&'a Path);

impl Drop for RemoveOnDrop<'_> {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(self.0);
    }
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

/// What a probe run means for the student.
fn interpret(outcome: &Outcome, limits: &Limits) -> Result<Value, String> {
    if outcome.answer_overflow {
        return Err(match protocol::announced_len(&outcome.answer) {
            Some(n) => format!(
                "answer too large ({n} bytes, the limit is {} bytes)",
                limits.answer_bytes
            ),
            None => format!(
                "answer too large (more than {} bytes, the limit)",
                limits.answer_bytes
            ),
        });
    }
    let stderr = outcome.stderr.text();
    if !outcome.answer.is_empty() {
        return match (protocol::parse(&outcome.answer), outcome.exit) {
            (Ok(Answer::Ok(v)), Exit::Code(0)) => Ok(v),
            (Ok(Answer::Ok(_)), exit) => Err(format!(
                "answered, then {}",
                describe_exit(exit, &stderr, limits)
            )),
            (Ok(Answer::Panic(msg)), _) => Err(panic_message(&msg)),
            (Ok(Answer::Error(msg)), _) => Err(match msg.strip_prefix(reference::wire::REFUSED) {
                // The adapter blames the student's choice: theirs to fix.
                Some(why) => format!("was refused: {why}"),
                None => format!("the grader could not run this case: {msg}"),
            }),
            (Err(why), _) => Err(format!("its answer was invalid: {why}")),
        };
    }
    Err(describe_exit(outcome.exit, &stderr, limits))
}

fn describe_exit(exit: Exit, stderr: &str, limits: &Limits) -> String {
    if stderr.contains("has overflowed its stack") {
        return "overflowed its stack (unbounded recursion?)".into();
    }
    if stderr.contains("memory allocation of") {
        return format!(
            "ran out of memory (the limit is {} MiB)",
            limits.address_space.unwrap_or(0) >> 20
        );
    }
    match exit {
        Exit::TimedOut => format!(
            "did not finish within {} s and was stopped (an endless loop?)",
            limits.wall.as_secs_f64()
        ),
        Exit::Signal(libc::SIGXCPU) => {
            format!("used more than {} s of CPU time", limits.cpu_seconds)
        }
        Exit::Signal(libc::SIGXFSZ) => "wrote a file larger than the limit".into(),
        // Safe Rust only segfaults by running off its stack; under the sandbox
        // std cannot always tell and print its own message.
        Exit::Signal(libc::SIGSEGV) => {
            "crashed with a segmentation fault, most likely a stack overflow (unbounded recursion?)"
                .into()
        }
        Exit::Signal(sig) => format!("was killed by signal {sig} ({})", signal_name(sig)),
        Exit::Stopped => "was stopped by the grader".into(),
        Exit::Code(0) => "exited before answering".into(),
        Exit::Code(code) => {
            format!("exited with code {code} before answering (a call to std::process::exit?)")
        }
    }
}

fn signal_name(sig: i32) -> &'static str {
    match sig {
        libc::SIGABRT => "abort",
        libc::SIGSEGV => "segmentation fault",
        libc::SIGKILL => "killed",
        libc::SIGBUS => "bus error",
        libc::SIGFPE => "arithmetic error",
        libc::SIGILL => "illegal instruction",
        _ => "signal",
    }
}

/// A panic's message for feedback: the student's own text, bounded (a
/// panic's place, at its end, is kept).
fn panic_message(msg: &str) -> String {
    let msg = untrusted::case_reason(msg);
    if msg.starts_with("not yet implemented") || msg.starts_with("not implemented") {
        let place = msg.find(" at ").map(|i| &msg[i..]).unwrap_or("");
        format!("not implemented yet (todo!() reached{place})")
    } else {
        format!("panicked: {msg}")
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

fn round_seconds(s: f64) -> f64 {
    (s * 1000.0).round() / 1000.0
}

/// The rubric must only name items and outputs the fixtures have.
fn check_rubric_against_fixtures(
    lab: &Lab,
    rubric: &Rubric,
    cases: &BTreeMap<String, Case>,
) -> Result<()> {
    let rubric_file = lab.rubric_path();
    for (i, t) in rubric.tests.iter().enumerate() {
        for c in rubric.cases_of(t) {
            let case = &cases[&c.id];
            let Some(expected) = case.expected.get(&t.item) else {
                let items: Vec<&String> = case.expected.keys().collect();
                bail!(
                    "{}: tests[{i}] ({}).item: \"{}\" is not an item of lab {} (items: {items:?})",
                    rubric_file.display(),
                    t.name,
                    t.item,
                    lab.name()
                );
            };
            for name in t.outputs.iter().flatten() {
                if expected.get(name).is_none() {
                    bail!(
                        "{}: tests[{i}] ({}).outputs: item {} has no output \"{name}\"",
                        rubric_file.display(),
                        t.name,
                        t.item
                    );
                }
            }
            let Some(m) = t.measure else { continue };
            for name in output_names(t, expected) {
                let at = format!(
                    "{}: tests[{i}] ({}).measure: case {} ({})",
                    rubric_file.display(),
                    t.name,
                    case.id,
                    lab.fixtures_dir()
                        .join(format!("{}.json", case.id))
                        .display()
                );
                let Some(truth) = case.truth_of(&t.item, &name) else {
                    bail!(
                        "{at} has no truth for {}.{name}, which the {} is taken against; the \
                         lab's case must give it (CaseSpec::truth), then run `grade fixtures \
                         --lab {}`",
                        t.item,
                        m.name(),
                        lab.name()
                    );
                };
                if let Err(e) = measure::measure(m, &expected[&name], truth) {
                    bail!("{at}: the reference's {name} cannot be measured: {e}");
                }
                // An answer equal to what the probe was given would meet a
                // one-sided bound without any work (a reconstruction that is
                // the original): such a measure is held to both sides.
                let one_sided = matches!(t.rule(), Rule::AtLeast(_) | Rule::AtMost(_));
                if one_sided && holds(&case.inputs, truth) {
                    bail!(
                        "{at}: the truth of {name} is among the probe's inputs, so an answer \
                         equal to it meets a one-sided bound; use compare = \"close\" with a \
                         tolerance on both sides"
                    );
                }
            }
        }
    }
    Ok(())
}

/// Whether `needle` is `haystack` or any value inside it.
fn holds(haystack: &Value, needle: &Value) -> bool {
    haystack == needle
        || match haystack {
            Value::Array(items) => items.iter().any(|v| holds(v, needle)),
            Value::Object(m) => m.values().any(|v| holds(v, needle)),
            _ => false,
        }
}

/// Where `results.json` goes when `--out` is not given.
pub fn default_results_path() -> PathBuf {
    PathBuf::from("results.json")
}

#[cfg(test)]
mod text_tests {
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
            ("did not finish within 10 s and was stopped", "timed out"),
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

    #[test]
    fn a_huge_panic_message_is_kept_short_with_its_place() {
        let msg = format!("{} at src/lib.rs:12", "leak ".repeat(1 << 20));
        let shown = panic_message(&msg);
        assert!(shown.len() <= untrusted::CASE_BYTES + 16, "{}", shown.len());
        assert!(shown.starts_with("panicked: leak"), "{shown}");
        assert!(shown.ends_with("at src/lib.rs:12"), "{shown}");
        assert!(shown.contains("more bytes cut"), "{shown}");
    }
}
