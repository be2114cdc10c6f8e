//! Grading one submission, from its folder to a `Results`: find the student's
//! file, build it with the lab's probe, run every (item, case) the rubric needs
//! in its own child process, compare with the fixtures, and score.
//!
//! Nothing a submission does can stop this from returning a `Results`: its
//! failures become feedback, and the grader's own failures become an error
//! the caller reports.

pub mod answers;
mod banded;
pub mod budget;
mod calls;
mod checks;
pub mod compare;
pub mod isolate;
mod locate;
pub mod measure;
mod misfit;
pub mod mistakes;
pub mod numbers;
mod run;
mod score;
mod solution_cpu;
pub mod submission;

use crate::build::{self, BuildFailure, Deps, Toolchain};
use crate::lab::fixture::{self, Case};
use crate::lab::handout::Form;
use crate::lab::rubric::{Rubric, Visibility};
use crate::lab::Lab;
use crate::report::results::{round_score, ExtraData, Results, Status, TestResult};
use crate::sandbox;
use crate::sandbox::jail::Jail;
use crate::{report::untrusted, sandbox::reaper};
use anyhow::{Context, Result};
use budget::Budget;
use checks::check_rubric_against_fixtures;
pub(crate) use run::Which;
use run::{answer_caps, Run};
pub use run::{ANSWER_FLOOR, ANSWER_HEADROOM, RUN_DISK_BYTES};
use score::round_seconds;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

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
    /// What the lab's solution needs per run, measured on the first run
    /// stopped for time.
    solution_cpu: std::sync::OnceLock<solution_cpu::SolutionCpu>,
    /// Each case's inputs as the probe reads them (JSON), made once: all a
    /// probe is ever given of a case.
    inputs: BTreeMap<String, Arc<[u8]>>,
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
        // One run per core: more would only stretch each run's wall-clock
        // time (CS240's runs take as long 2 or 4 at a time on 2 cores).
        let jobs = std::thread::available_parallelism()
            .map_or(1, |n| n.get())
            .clamp(1, 8);
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
            solution_cpu: Default::default(),
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
                    .flat_map(|c| t.output_names(&self.cases[&c.id].expected[&t.item]))
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
                    cpu: 0.0,
                    stopped_at: None,
                    checked: Vec::new(),
                    mistakes: Vec::new(),
                    notes: Vec::new(),
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
                        .is_some_and(|t| crate::upload::same_content(&upload.join(f), t.as_bytes()))
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
        // One budget for every run of this submission, whatever round.
        let budget = Budget::new(Duration::from_secs_f64(
            self.rubric.limits.submission_seconds,
        ));
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
                let adapter_file = self.lab.spec.probe.modules.first();
                let adapter_text = adapter_file
                    .and_then(|m| self.lab.read(m).ok())
                    .unwrap_or_default();
                let adapter = misfit::Adapter {
                    name: adapter_file
                        .and_then(|m| Path::new(m).file_name())
                        .and_then(|f| f.to_str())
                        .unwrap_or_default(),
                    text: &adapter_text,
                };
                if let Ok(parsed) = build::variant::Source::parse(&student.source) {
                    for (test, spec) in results.tests.iter_mut().zip(&self.rubric.tests) {
                        let functions = self
                            .lab
                            .spec
                            .items
                            .get(&spec.item)
                            .map(|f| f.list())
                            .unwrap_or_default();
                        if let Some(line) = misfit::test_line(
                            &misfit,
                            &functions,
                            Some((&spec.item, &adapter)),
                            &parsed,
                            &student.found_at,
                        ) {
                            test.output = untrusted::output(&line);
                        }
                    }
                }
                if let Some(iso) = &self.isolation {
                    // The other functions may still fit with the reference's
                    // versions of the ones that do not.
                    let isolated = self.isolate(
                        iso,
                        &student.source,
                        &student.found_at,
                        results.tests,
                        work.path(),
                        &budget,
                        Some(&misfit),
                    )?;
                    reaper::sweep(Duration::from_secs(1));
                    results.tests = isolated.tests;
                    if isolated.compiled {
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
        let mut runs = self.run_all(&probe, work.path(), &budget, Which::Main)?;
        self.explain_stops(&mut runs);
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
        let blocked = self.run_deferred(&probe, work.path(), &budget, &mut tests, &mut runs)?;
        // Isolated credit grades failed tests again (nothing runs when all
        // pass). Meanwhile, on the other core, the probe is built again with
        // line tables to name the student's line behind each panic inside a
        // dependency (a training run that waits is not run twice).
        let again = match &self.isolation {
            Some(iso) => iso.candidates(&student.source, &tests, &self.rubric),
            None => Default::default(),
        };
        let wanted = |item: &str| {
            self.rubric
                .tests
                .iter()
                .any(|t| t.item == item && !t.deferred())
        };
        let (mut tests, located) = std::thread::scope(|s| -> Result<_> {
            let locating = s.spawn(|| {
                self.locate_panics(&student.source, &runs, &wanted, &work.path().join("lines"))
            });
            let tests = match &self.isolation {
                Some(iso) => {
                    let isolated = self.isolate(
                        iso,
                        &student.source,
                        &student.found_at,
                        tests,
                        work.path(),
                        &budget,
                        None,
                    )?;
                    let mut tests = isolated.tests;
                    // A run that waits names what blocks it as it now reads.
                    self.explain_blocked(&blocked, &mut tests, &isolated.credited);
                    tests
                }
                None => tests,
            };
            let located = locating.join().expect("the line tables' thread")?;
            Ok((tests, located))
        })?;
        self.add_located_lines(located, &mut runs, &mut tests, &again);
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
}

/// Where `results.json` goes when `--out` is not given.
pub fn default_results_path() -> PathBuf {
    PathBuf::from("results.json")
}
