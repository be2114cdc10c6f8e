//! Running the probe: every (item, case) a round needs, each in a fresh
//! folder of its own, in its own child process under the sandbox, several at
//! a time; each run settled (checked against the fixtures) as it finishes,
//! so that no answer is kept longer than it takes to judge it.

use super::budget::{cpu_seconds, Budget};
use super::Grader;
use crate::lab::fixture::Case;
use crate::report::untrusted;
use crate::sandbox::protocol::{self, Answer};
use crate::sandbox::{self, Exit, Limits, Outcome};
use anyhow::{Context, Result};
use serde_json::Value;
use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// Which (item, case) runs `run_all` starts.
#[derive(Clone, Copy)]
pub(crate) enum Which<'a> {
    /// Every run of the tests that wait for none (and of the leaderboard).
    Main,
    /// The runs of the tests that wait for others (`after`: training), of
    /// these items.
    Deferred(&'a [String]),
    /// Every run of these items (isolated credit's variants).
    Items(&'a [String]),
    /// These runs, by (item, case) (line tables: the runs that panicked).
    Runs(&'a [(String, String)]),
}

impl Which<'_> {
    /// Run folders of each round are named apart.
    fn folder_prefix(self) -> &'static str {
        match self {
            Which::Main => "",
            Which::Deferred(_) => "after-",
            Which::Items(_) | Which::Runs(_) => "again-",
        }
    }
}

/// An answer frame may be this many times the expected answer's frame...
pub const ANSWER_HEADROOM: usize = 4;
/// ...and never less than this (a scalar's frame is about 40 bytes).
pub const ANSWER_FLOOR: usize = 64 << 10;

/// Bytes a probe run may write in its private tmpfs (as root; elsewhere the
/// file-size limit alone applies). The probes write no file at all.
pub const RUN_DISK_BYTES: u64 = 16 << 20;

/// A run's wall-clock backstop: this many times its CPU limit, plus
/// [`WALL_SLACK`]. A computing run on two cores shared with eight busy
/// processes and the other runs gets about a sixth of a core; the backstop
/// leaves it more than that, so only a run that waits meets it.
pub const WALL_PER_CPU: u32 = 10;
pub const WALL_SLACK: Duration = Duration::from_secs(10);
/// A run that uses less than 1 % of a CPU over this long is waiting, not
/// computing, and is stopped (see `sandbox::IDLE_SHARE`).
pub const IDLE_WINDOW: Duration = Duration::from_secs(5);

/// The outcome of running one item on one case.
#[derive(Debug, Clone)]
pub(super) struct Run {
    /// The item's outputs, or why there are none (for the student). Once the
    /// run is settled (`settle`), only the outputs a leaderboard column reads
    /// are kept: the verdicts are in `checked`.
    pub(super) result: Result<Value, String>,
    /// What the student's code printed, if anything (kept short).
    pub(super) printed: Option<String>,
    pub(super) seconds: f64,
    /// CPU time the run used.
    pub(super) cpu: f64,
    /// The run was stopped for time: its CPU limit (for the reference's
    /// figure, added to the reason once known).
    pub(super) stopped_at: Option<f64>,
    /// Each test's verdict on this run, by test name, worked out as the
    /// answer arrived (so that the answer itself need not be kept).
    pub(super) checked: Vec<(String, Result<(), Checked>)>,
    /// Known mistakes this run's answer matches, by failed test's name.
    pub(super) mistakes: Vec<(String, Vec<String>)>,
    /// Lines a test's feedback carries whatever its verdict, by test name:
    /// how a written answer was read ("read \"-3\" as the number -3").
    pub(super) notes: Vec<(String, String)>,
}

/// A settled verdict's failure (see `Failure`), kept without the answer.
#[derive(Debug, Clone)]
pub(super) enum Checked {
    Missing(String),
    Unanswered(String),
    Mismatch(crate::grading::compare::Mismatch),
}

/// The largest answer frame accepted for each (item, case): the expected
/// answer's frame times [`ANSWER_HEADROOM`], at least [`ANSWER_FLOOR`]. The
/// headroom covers a same-shaped answer whose every number is written in
/// full (a fixture's numbers are already ~20 characters; the longest f64 is
/// 24); a far larger answer is the wrong shape anyway. For CS240 the largest
/// expected frame is 146 KB (`back_propagation` on `lab_784_8_8_10`), so its
/// cap is 585 KB; every other (item, case) gets the 64 KiB floor.
pub(super) fn answer_caps(cases: &BTreeMap<String, Case>) -> BTreeMap<(String, String), usize> {
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
    /// Runs every distinct (item, case) of `which` tests the rubric needs,
    /// `jobs` at a time, each within what `budget` admits.
    pub(super) fn run_all(
        &self,
        probe: &Path,
        work: &Path,
        budget: &Budget,
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
            Which::Runs(runs) => needed.retain(|key| runs.contains(key)),
        }
        // Written answers come from the answers file, not the probe.
        needed.retain(|(item, _)| !self.lab.is_answers_item(item));
        budget.new_round();
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
                    let limit = Duration::from_secs_f64(self.run_seconds(&item));
                    let run = match budget.admit(k, limit) {
                        Err(refused) => Ok(Run {
                            result: Err(refused.message()),
                            printed: None,
                            seconds: 0.0,
                            cpu: 0.0,
                            stopped_at: None,
                            checked: Vec::new(),
                            mistakes: Vec::new(),
                            notes: Vec::new(),
                        }),
                        Ok(ticket) => {
                            let run = self.run_one(
                                probe,
                                (&item, &case),
                                &tree,
                                // A folder of this round's own: a later round
                                // on the same probe (the runs that wait) never
                                // meets a folder an earlier run left behind.
                                &runs_dir.join(format!("{}{k}", which.folder_prefix())),
                                ticket.limit,
                            );
                            let used = run.as_ref().map_or(0.0, |r| r.cpu);
                            budget.end(ticket, Duration::from_secs_f64(used));
                            run
                        }
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

    /// Runs `item` on one case in a fresh folder of its own (created here,
    /// removed after: no run sees another's files), with a private, sized
    /// tmpfs on it when the machine allows, and at most `cpu_cap` of CPU
    /// time. The grader's own failures (its files, its folders, starting the
    /// probe) are errors, never the student's failed case.
    pub(super) fn run_one(
        &self,
        probe: &Path,
        (item, case): (&str, &str),
        tree: &Path,
        run_dir: &Path,
        cpu_cap: Duration,
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
        // Never past what the submission's budget admitted.
        let cpu = Duration::from_secs_f64(self.run_seconds(item))
            .min(cpu_cap)
            .max(Duration::from_millis(1));
        let limits = Limits {
            wall: cpu * WALL_PER_CPU + WALL_SLACK,
            cpu,
            idle: Some(IDLE_WINDOW),
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
        let stopped = matches!(outcome.exit, Exit::CpuLimit | Exit::TimedOut | Exit::Idle);
        Ok(Run {
            printed: (!outcome.stdout.is_empty()).then(|| outcome.stdout.text()),
            seconds: outcome.elapsed.as_secs_f64(),
            cpu: outcome.cpu.as_secs_f64(),
            stopped_at: stopped.then_some(cpu.as_secs_f64()),
            result: interpret(&outcome, &limits),
            checked: Vec::new(),
            mistakes: Vec::new(),
            notes: Vec::new(),
        })
    }

    /// A run's CPU time limit: the longest `seconds` of the tests of its
    /// item, else the rubric's `case_seconds`.
    pub(super) fn run_seconds(&self, item: &str) -> f64 {
        self.rubric
            .tests
            .iter()
            .filter(|t| t.item == item)
            .filter_map(|t| t.seconds)
            .fold(None, |m: Option<f64>, s| Some(m.map_or(s, |m| m.max(s))))
            .unwrap_or(self.rubric.limits.case_seconds)
    }
}

/// Removes a run's folder when the run is over, whatever happened.
struct RemoveOnDrop<'a>(&'a Path);

impl Drop for RemoveOnDrop<'_> {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(self.0);
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
                describe_exit(exit, &stderr, limits, outcome.cpu, true)
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
    Err(describe_exit(
        outcome.exit,
        &stderr,
        limits,
        outcome.cpu,
        false,
    ))
}

/// How a run ended, for the student; `used` is its CPU time, `answered`
/// whether its answer came before the end.
fn describe_exit(
    exit: Exit,
    stderr: &str,
    limits: &Limits,
    used: Duration,
    answered: bool,
) -> String {
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
        Exit::CpuLimit if answered => format!(
            "kept running until its {} CPU time limit and was stopped",
            cpu_seconds(limits.cpu)
        ),
        Exit::CpuLimit => format!(
            "used its whole {} of CPU time without answering and was stopped (an endless \
             loop, or far more work than the task needs?)",
            cpu_seconds(limits.cpu)
        ),
        Exit::Idle => format!(
            "waited {} s without computing and was stopped (a sleep, or waiting for \
             something that never comes?)",
            limits.idle.unwrap_or_default().as_secs()
        ),
        Exit::TimedOut => format!(
            "was stopped at the {} s wall-clock backstop, having used {} of CPU time \
             (its limit is {})",
            limits.wall.as_secs(),
            cpu_seconds(used),
            cpu_seconds(limits.cpu)
        ),
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

#[cfg(test)]
mod tests {
    use super::*;

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
