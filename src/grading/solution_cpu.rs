//! What the lab's own solution needs, in CPU time, beside a run stopped for
//! time: a student whose run used its whole 10 s reads whether the task
//! takes 0.02 s or 8 s. Measured on this machine, through the same build and
//! probe as the student's code, once per grader and only when some run was
//! stopped: gradings that stop nothing never pay for it.

use super::budget::cpu_seconds;
use super::budget::Budget;
use super::run::Run;
use super::{Grader, Which};
use crate::build::{self, LineTables, Options};
use crate::lab::handout::{render, Form};
use std::collections::BTreeMap;
use std::time::Duration;

/// CPU seconds of the solution's run of each (item, case); empty when it
/// could not be measured (the note is then left out).
pub(super) type SolutionCpu = BTreeMap<(String, String), f64>;

impl Grader {
    /// Adds, to the reason of each run stopped for time, what the lab's
    /// solution needs on the same case.
    pub(super) fn explain_stops(&self, runs: &mut BTreeMap<(String, String), Run>) {
        if !runs.values().any(|r| r.stopped_at.is_some()) {
            return;
        }
        let needs = self.solution_cpu.get_or_init(|| self.measure_solution());
        for ((item, case), run) in runs.iter_mut() {
            if run.stopped_at.is_none() {
                continue;
            }
            let (Err(reason), Some(&cpu)) =
                (&mut run.result, needs.get(&(item.clone(), case.clone())))
            else {
                continue;
            };
            reason.push_str(&format!(
                ". The lab's solution needs {} of CPU time on this case",
                cpu_seconds(Duration::from_secs_f64(cpu))
            ));
        }
    }

    fn measure_solution(&self) -> SolutionCpu {
        let Some(student_file) = self.lab.spec.handout.get(&self.lab.spec.student_file) else {
            return SolutionCpu::new();
        };
        let Ok(source) = self
            .lab
            .read(student_file)
            .and_then(|text| render(&text, Form::Solution, student_file))
        else {
            return SolutionCpu::new();
        };
        let Ok(work) = tempfile::Builder::new().prefix("grade-solution-").tempdir() else {
            return SolutionCpu::new();
        };
        let options = Options {
            wall: Duration::from_secs_f64(self.rubric.limits.compile_seconds),
            lines: LineTables::Without,
        };
        let Ok(probe) = build::build(
            &self.lab,
            &self.tools,
            &self.deps,
            &source,
            work.path(),
            &self.jail,
            options,
        ) else {
            return SolutionCpu::new();
        };
        let mut items: Vec<String> = self
            .rubric
            .tests
            .iter()
            .map(|t| t.item.clone())
            .filter(|item| !self.lab.is_answers_item(item))
            .collect();
        items.sort();
        items.dedup();
        let budget = Budget::new(Duration::from_secs_f64(
            self.rubric.limits.submission_seconds,
        ));
        let Ok(runs) = self.run_all(&probe, work.path(), &budget, Which::Items(&items)) else {
            return SolutionCpu::new();
        };
        runs.into_iter()
            .filter(|(_, run)| run.result.is_ok())
            .map(|(key, run)| (key, run.cpu))
            .collect()
    }
}
