//! A submission's time budget, in CPU time, so that load cannot change
//! which runs it covers.
//!
//! Runs are admitted in a fixed order (their place in the queue) and each
//! reserves its whole limit while it runs. When the reservations no longer
//! fit, the next run waits until the runs before it are done and then gets
//! exactly what they left: the CPU time those runs used, which load does not
//! change. A wall-clock backstop, far above the budget, only ends gradings
//! of code that waits without computing.

use std::sync::{Condvar, Mutex, MutexGuard, OnceLock};
use std::time::{Duration, Instant};

/// The wall-clock backstop, from the first run on: this many times the
/// CPU budget, plus [`WALL_SLACK`].
pub const WALL_PER_CPU: u32 = 3;
pub const WALL_SLACK: Duration = Duration::from_secs(60);

pub struct Budget {
    cpu: Duration,
    /// When the first run was admitted (compiling does not count).
    started: OnceLock<Instant>,
    state: Mutex<State>,
    changed: Condvar,
}

#[derive(Default)]
struct State {
    /// CPU time used by the runs that ended.
    spent: Duration,
    /// Limits of the runs under way.
    reserved: Duration,
    running: usize,
    /// The place of the next run to admit.
    next: usize,
}

/// Why a run gets no time.
#[derive(Debug, Clone, PartialEq)]
pub enum Refused {
    /// The runs before it used the CPU budget.
    Spent(Duration),
    /// The grading passed the wall-clock backstop.
    Backstop(Duration),
}

impl Refused {
    pub fn message(&self) -> String {
        match self {
            Refused::Spent(d) => format!(
                "not run: the submission's other runs used up its {} of CPU time",
                cpu_seconds(*d)
            ),
            Refused::Backstop(d) => format!(
                "not run: the grading passed its {} wall-clock backstop (code that waits \
                 without computing)",
                cpu_seconds(*d)
            ),
        }
    }
}

/// CPU seconds as a person reads them: "10 s", "2.5 s", "0.41 s".
pub fn cpu_seconds(d: Duration) -> String {
    let s = d.as_secs_f64();
    if s < 0.005 {
        return "under 0.01 s".into();
    }
    let text = if s >= 10.0 {
        format!("{s:.0}")
    } else if s >= 1.0 {
        format!("{s:.1}")
    } else {
        format!("{s:.2}")
    };
    let text = if text.contains('.') {
        text.trim_end_matches('0').trim_end_matches('.')
    } else {
        &text
    };
    format!("{text} s")
}

/// A run's admission: its limit, returned to the budget by `end`.
#[must_use]
pub struct Ticket {
    pub limit: Duration,
}

impl Budget {
    pub fn new(cpu: Duration) -> Self {
        Budget {
            cpu,
            started: OnceLock::new(),
            state: Mutex::new(State::default()),
            changed: Condvar::new(),
        }
    }

    pub fn cpu(&self) -> Duration {
        self.cpu
    }

    fn backstop(&self) -> Duration {
        self.cpu * WALL_PER_CPU + WALL_SLACK
    }

    fn wall_used(&self) -> Duration {
        self.started.get().map_or(Duration::ZERO, Instant::elapsed)
    }

    /// Wall-clock time left before the backstop.
    pub fn wall_left(&self) -> Duration {
        self.backstop().saturating_sub(self.wall_used())
    }

    /// CPU time not yet used by runs that ended.
    pub fn cpu_left(&self) -> Duration {
        self.cpu.saturating_sub(self.lock().spent)
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Admits the run at `place` (0, 1, 2, ... each once, in any thread)
    /// with up to `limit` of CPU time, once every run before it was
    /// admitted; waits while the reservations do not leave it `limit`.
    pub fn admit(&self, place: usize, limit: Duration) -> Result<Ticket, Refused> {
        self.started.get_or_init(Instant::now);
        let mut s = self.lock();
        loop {
            if s.next == place {
                if self.wall_used() >= self.backstop() {
                    s.next += 1;
                    self.changed.notify_all();
                    return Err(Refused::Backstop(self.backstop()));
                }
                if s.spent >= self.cpu {
                    s.next += 1;
                    self.changed.notify_all();
                    return Err(Refused::Spent(self.cpu));
                }
                let free = self.cpu - s.spent;
                let fits = s.reserved + limit <= free;
                if fits || s.running == 0 {
                    // Alone, it gets what the earlier runs left, at most its limit.
                    let limit = if fits { limit } else { limit.min(free) };
                    s.reserved += limit;
                    s.running += 1;
                    s.next += 1;
                    self.changed.notify_all();
                    return Ok(Ticket { limit });
                }
            }
            s = self.changed.wait(s).unwrap_or_else(|p| p.into_inner());
        }
    }

    /// Ends a run admitted with `ticket` that used `used` of CPU time.
    pub fn end(&self, ticket: Ticket, used: Duration) {
        let mut s = self.lock();
        s.reserved = s.reserved.saturating_sub(ticket.limit);
        s.running -= 1;
        // A run is stopped at its limit; the kernel's last tick may overshoot.
        s.spent += used.min(ticket.limit);
        self.changed.notify_all();
    }

    /// Skips `place` without a run (one that needs no probe).
    pub fn skip(&self, place: usize) {
        let mut s = self.lock();
        while s.next != place {
            s = self.changed.wait(s).unwrap_or_else(|p| p.into_inner());
        }
        s.next += 1;
        self.changed.notify_all();
    }

    /// Makes the next round of runs start counting its places from 0.
    pub fn new_round(&self) {
        let mut s = self.lock();
        debug_assert_eq!(s.running, 0);
        s.next = 0;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MS: Duration = Duration::from_millis(1);

    #[test]
    fn runs_that_fit_run_at_once_with_their_whole_limit() {
        let b = Budget::new(MS * 100);
        let t0 = b.admit(0, MS * 40).unwrap();
        let t1 = b.admit(1, MS * 40).unwrap();
        assert_eq!((t0.limit, t1.limit), (MS * 40, MS * 40));
        b.end(t0, MS * 5);
        b.end(t1, MS * 5);
        assert_eq!(b.cpu_left(), MS * 90);
    }

    #[test]
    fn a_run_that_does_not_fit_gets_exactly_what_the_earlier_runs_left() {
        let b = Budget::new(MS * 100);
        let t0 = b.admit(0, MS * 70).unwrap();
        std::thread::scope(|s| {
            let waiting = s.spawn(|| b.admit(1, MS * 70).map(|t| t.limit));
            std::thread::sleep(MS * 50);
            assert!(
                !waiting.is_finished(),
                "admitted before the run before it ended"
            );
            b.end(t0, MS * 70);
            assert_eq!(waiting.join().unwrap(), Ok(MS * 30));
        });
    }

    #[test]
    fn a_spent_budget_refuses_the_rest_in_order() {
        let b = Budget::new(MS * 10);
        let t0 = b.admit(0, MS * 10).unwrap();
        b.end(t0, MS * 10);
        assert_eq!(b.admit(1, MS * 5).err(), Some(Refused::Spent(MS * 10)));
        assert_eq!(b.admit(2, MS * 5).err(), Some(Refused::Spent(MS * 10)));
    }

    #[test]
    fn places_are_admitted_in_order_whatever_the_threads_do() {
        let b = Budget::new(MS * 1000);
        std::thread::scope(|s| {
            let later = s.spawn(|| b.admit(1, MS).map(|t| t.limit));
            std::thread::sleep(MS * 30);
            assert!(!later.is_finished(), "place 1 went before place 0");
            b.skip(0);
            assert!(later.join().unwrap().is_ok());
        });
    }
}
