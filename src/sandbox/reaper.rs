//! Nothing a submission starts may outlive its case.
//!
//! A process group is escapable (`setsid`, `process_group(0)`), so the grader
//! makes itself a child subreaper: orphans of its children are re-parented to
//! it instead of to init. Every child the grader starts on purpose is
//! registered; any other child of the grader is a straggler left by student
//! code and is killed and reaped by [`sweep`].

use std::collections::HashSet;
use std::io;
use std::process::{Child, Command};
use std::sync::{Mutex, MutexGuard, OnceLock};
use std::time::{Duration, Instant};

fn registry() -> MutexGuard<'static, HashSet<u32>> {
    static LIVE: OnceLock<Mutex<HashSet<u32>>> = OnceLock::new();
    LIVE.get_or_init(Default::default)
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// Makes orphaned descendants our children, so they can be found. Idempotent.
pub fn become_subreaper() {
    // SAFETY: prctl with integer arguments.
    unsafe {
        libc::prctl(libc::PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0);
    }
}

/// Spawns `cmd`, registered as one of the grader's own children.
pub fn spawn(cmd: &mut Command) -> io::Result<Child> {
    // Held across fork, so a concurrent sweep never mistakes it for a straggler.
    let mut live = registry();
    let child = cmd.spawn()?;
    live.insert(child.id());
    Ok(child)
}

/// Forgets a child after it was waited for.
pub fn release(pid: u32) {
    registry().remove(&pid);
}

/// Kills and reaps every child of the grader that it did not start, until
/// none is left (orphans of a killed straggler re-parent to us in turn) or
/// `patience` passes.
///
/// One empty look ends it. Called after the run's own child was reaped: by
/// then every child that process had was re-parented to us (the kernel does
/// it while the process exits, before it can be reaped), and each straggler
/// found is killed and reaped here before the next look, so its own children
/// are ours by then too. A process that is not yet ours has a living parent
/// that is not us: it belongs to a run still going, whose own sweep follows.
pub fn sweep(patience: Duration) -> usize {
    let me = std::process::id();
    let end = Instant::now() + patience;
    let mut killed = 0;
    loop {
        let strays: Vec<u32> = {
            let live = registry();
            children_of(me)
                .into_iter()
                .filter(|pid| !live.contains(pid))
                .collect()
        };
        if strays.is_empty() {
            return killed;
        }
        for pid in strays {
            // SAFETY: plain system calls; the pid is our own child, so it
            // cannot be recycled before we reap it.
            unsafe {
                libc::kill(pid as libc::pid_t, libc::SIGKILL);
                let mut status = 0;
                libc::waitpid(pid as libc::pid_t, &mut status, 0);
            }
            killed += 1;
        }
        if Instant::now() >= end {
            return killed;
        }
    }
}

/// The grader's children: from each of its threads' `children` list
/// (a few small reads), else from every process's `/proc/*/stat` (kernels
/// without `CONFIG_PROC_CHILDREN`).
fn children_of(parent: u32) -> Vec<u32> {
    if let Some(children) = children_by_thread() {
        return children;
    }
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return Vec::new();
    };
    entries
        .filter_map(|e| e.ok()?.file_name().to_str()?.parse::<u32>().ok())
        .filter(|pid| parent_of(*pid) == Some(parent))
        .collect()
}

/// `/proc/self/task/*/children`: a process's children are listed under the
/// thread that is their parent. `None` when the kernel has no such files.
fn children_by_thread() -> Option<Vec<u32>> {
    let mut children = Vec::new();
    for task in std::fs::read_dir("/proc/self/task").ok()?.flatten() {
        match std::fs::read_to_string(task.path().join("children")) {
            Ok(list) => children.extend(
                list.split_whitespace()
                    .filter_map(|p| p.parse::<u32>().ok()),
            ),
            // The thread ended between the listing and the read.
            Err(e) if e.kind() == std::io::ErrorKind::NotFound && task.path().exists() => {
                return None
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(_) => return None,
        }
    }
    Some(children)
}

fn parent_of(pid: u32) -> Option<u32> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // The command name may hold spaces and parentheses: parse after the last ')'.
    let rest = &stat[stat.rfind(')')? + 1..];
    rest.split_whitespace().nth(1)?.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parent_of_reads_our_own_parent() {
        let me = std::process::id();
        let expected = std::os::unix::process::parent_id();
        assert_eq!(parent_of(me), Some(expected));
    }

    #[test]
    fn a_child_is_listed_by_its_thread_and_by_proc_alike() {
        let mut child = spawn(Command::new("sleep").arg("5")).unwrap();
        let me = std::process::id();
        let by_thread = children_by_thread().expect("this kernel lists children per thread");
        assert!(by_thread.contains(&child.id()), "{by_thread:?}");
        let by_stat: Vec<u32> = std::fs::read_dir("/proc")
            .unwrap()
            .filter_map(|e| e.ok()?.file_name().to_str()?.parse::<u32>().ok())
            .filter(|pid| parent_of(*pid) == Some(me))
            .collect();
        assert!(by_stat.contains(&child.id()), "{by_stat:?}");
        child.kill().unwrap();
        child.wait().unwrap();
        release(child.id());
    }

    #[test]
    fn a_stray_child_is_killed_and_reaped() {
        // Started without registering: what a straggler re-parented to us looks like.
        let mut stray = Command::new("sleep").arg("30").spawn().unwrap();
        sweep(Duration::from_secs(2));
        // Killed and reaped by the sweep (this one or a concurrent test's):
        // it is no longer our child.
        assert!(stray.try_wait().is_err() || stray.try_wait().unwrap().is_some());
    }

    #[test]
    fn registered_children_are_not_swept() {
        let mut child = spawn(Command::new("sleep").arg("5")).unwrap();
        sweep(Duration::from_millis(50));
        assert!(
            child.try_wait().unwrap().is_none(),
            "a registered child was killed"
        );
        child.kill().unwrap();
        child.wait().unwrap();
        release(child.id());
    }
}
