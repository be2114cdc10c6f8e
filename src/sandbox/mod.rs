//! Running one untrusted child: its own process group, resource limits set
//! before it executes anything, a CPU-time limit with a wall-clock backstop,
//! a dedicated answer descriptor, and bounded capture of everything it
//! prints.
//!
//! Time is judged on CPU time because load cannot change it: the same code
//! uses the same CPU on a quiet machine and on one running eight other jobs,
//! while its wall-clock time grows with the load. The wall-clock deadline is
//! only a backstop, and a child that sits waiting (a sleep, a read that never
//! ends) is stopped by the idle rule instead of at that backstop.
//!
//! Limits are applied by the spawning side (`pre_exec`), never by the child's
//! own code: student code can run before `main` (a static in `.init_array`).
//! The whole process group is killed when the child ends, not only when it
//! times out, because background children outlive a clean exit. Reading stops
//! at a bound after the end even if a grandchild that left the group still
//! holds a pipe open.

pub mod jail;
pub mod protocol;
pub mod reaper;

use crate::sandbox::jail::Confinement;
use std::io;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd, RawFd};
use std::os::unix::process::CommandExt;
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// The descriptor number the child answers on.
pub const ANSWER_FD: RawFd = 3;

#[derive(Clone, Debug)]
pub struct Limits {
    /// Wall-clock backstop: generous, since load stretches it.
    pub wall: Duration,
    /// CPU time (user + system, every thread) the child may use: the limit
    /// that decides. Watched to within a poll (20 ms); the kernel's
    /// `RLIMIT_CPU`, a second later, backs it up and bounds every process
    /// the child forks.
    pub cpu: Duration,
    /// Stop the child once it has used less than [`IDLE_SHARE`] of a CPU
    /// over this much wall-clock time: it is waiting, not computing, and
    /// would otherwise hold its slot until the backstop.
    pub idle: Option<Duration>,
    /// Address space in bytes; `None` leaves it unlimited.
    pub address_space: Option<u64>,
    pub file_size: u64,
    pub open_files: u64,
    /// Processes (and threads) of the child's user. Only set when children
    /// run under their own account: the limit counts per user, system-wide.
    pub processes: Option<u64>,
    /// Bytes kept of stdout and of stderr each (head and tail).
    pub output_bytes: usize,
    /// Bytes accepted on the answer descriptor. One more and the run is
    /// stopped at once (`answer_overflow`): nothing beyond is read or kept.
    pub answer_bytes: usize,
    /// Stop the child (`Exit::Stopped`) as soon as its stderr holds this.
    pub stop_on_stderr: Option<&'static str>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Exit {
    Code(i32),
    Signal(i32),
    /// Stopped at the wall-clock backstop.
    TimedOut,
    /// Stopped for using its CPU time (`Limits::cpu`).
    CpuLimit,
    /// Stopped by the idle rule (`Limits::idle`).
    Idle,
    /// Stopped because its stderr said `Limits::stop_on_stderr`.
    Stopped,
}

#[derive(Debug)]
pub struct Outcome {
    pub exit: Exit,
    /// What came on the answer descriptor: at most `answer_bytes`.
    pub answer: Vec<u8>,
    /// The child wrote more than `answer_bytes` on the answer descriptor (it
    /// was stopped then, and `answer` holds the first `answer_bytes`).
    pub answer_overflow: bool,
    pub stdout: Captured,
    pub stderr: Captured,
    pub elapsed: Duration,
    /// CPU time the child used (with every descendant it waited for).
    pub cpu: Duration,
}

/// Below this share of one CPU over `Limits::idle`, a child is idle. A
/// computing child gets far more even on a loaded machine (a fifth of a core
/// with eight busy processes on two cores); a sleeping one gets nothing.
pub const IDLE_SHARE: f64 = 0.01;

/// How often a running child's CPU time is read.
const CPU_SAMPLE: Duration = Duration::from_millis(20);

/// Output kept within a bound: the head and the tail, with the middle counted.
#[derive(Debug, Default)]
pub struct Captured {
    head: Vec<u8>,
    tail: std::collections::VecDeque<u8>,
    limit: usize,
    dropped: u64,
}

impl Captured {
    fn new(limit: usize) -> Self {
        Captured {
            limit,
            ..Default::default()
        }
    }

    fn push(&mut self, bytes: &[u8]) {
        let half = self.limit / 2;
        let room = half.saturating_sub(self.head.len());
        let (to_head, rest) = bytes.split_at(room.min(bytes.len()));
        self.head.extend_from_slice(to_head);
        let tail_room = self.limit - half;
        // In bulk, not byte by byte: a flood must cost the grader little.
        let rest = if rest.len() > tail_room {
            self.dropped += (self.tail.len() + rest.len() - tail_room) as u64;
            self.tail.clear();
            &rest[rest.len() - tail_room..]
        } else {
            rest
        };
        let overflow = (self.tail.len() + rest.len()).saturating_sub(tail_room);
        self.tail.drain(..overflow);
        self.dropped += overflow as u64;
        self.tail.extend(rest);
    }

    pub fn total_bytes(&self) -> u64 {
        (self.head.len() + self.tail.len()) as u64 + self.dropped
    }

    pub fn is_empty(&self) -> bool {
        self.total_bytes() == 0
    }

    /// The kept text, with a line saying how much of the middle was dropped.
    pub fn text(&self) -> String {
        let mut s = String::from_utf8_lossy(&self.head).into_owned();
        if self.dropped > 0 {
            s.push_str(&format!("\n[... {} bytes dropped ...]\n", self.dropped));
        }
        let tail: Vec<u8> = self.tail.iter().copied().collect();
        s.push_str(&String::from_utf8_lossy(&tail));
        s
    }
}

/// What a child reads on its standard input.
#[derive(Clone, Debug)]
pub enum Input {
    /// `/dev/null`.
    Nothing,
    /// These bytes, through a pipe the grader writes as the child reads: a
    /// pipe cannot be read twice, seeked or read at an offset (`pread`), so
    /// the child sees its input once, in order, and nothing else.
    Bytes(Arc<[u8]>),
}

/// Runs `cmd` to completion under `limits` and, when given, `confinement`,
/// with `input` on its standard input.
pub fn run(
    mut cmd: Command,
    input: Input,
    limits: &Limits,
    confinement: Option<Arc<Confinement>>,
) -> io::Result<Outcome> {
    let (answer_read, answer_write) = pipe()?;
    let write_fd = answer_write.as_raw_fd();
    let child_limits = limits.clone();
    let mut feed = match input {
        Input::Nothing => {
            cmd.stdin(Stdio::null());
            None
        }
        Input::Bytes(bytes) => {
            let (read, write) = pipe()?;
            // Never blocks the grader: written only when poll says there is room.
            // SAFETY: fcntl on a descriptor we own.
            check(unsafe { libc::fcntl(write.as_raw_fd(), libc::F_SETFL, libc::O_NONBLOCK) })?;
            cmd.stdin(Stdio::from(read));
            Some(Feed {
                fd: write,
                bytes,
                written: 0,
            })
        }
    };
    cmd.stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .env(reference::wire::ANSWER_FD_VAR, ANSWER_FD.to_string())
        .process_group(0);
    // SAFETY: the closure only makes async-signal-safe calls (dup2, fcntl,
    // setrlimit, and the confinement's system calls).
    unsafe {
        cmd.pre_exec(move || {
            if write_fd == ANSWER_FD {
                // dup2 onto itself keeps close-on-exec; clear it instead.
                check(libc::fcntl(ANSWER_FD, libc::F_SETFD, 0))?;
            } else {
                check(libc::dup2(write_fd, ANSWER_FD))?;
            }
            apply_limits(&child_limits)?;
            match &confinement {
                Some(c) => c.apply(),
                None => Ok(()),
            }
        });
    }
    let start = Instant::now();
    let mut child = spawn_retrying(&mut cmd, start + limits.wall)?;
    drop(answer_write);
    // The child's end of the input pipe is the child's alone now: once it is
    // gone, writing fails instead of waiting.
    drop(cmd);
    let group = child.id() as libc::pid_t;
    // Readable when the child has exited: polled with its pipes, so that its
    // end is seen at once (a pipe's end of file comes a moment before the
    // exit can be reaped). Without it (Linux before 5.3), short sleeps.
    let exited = pidfd(group);

    let mut streams = [
        Stream::new(child.stdout.take().map(OwnedFd::from), limits.output_bytes),
        Stream::new(child.stderr.take().map(OwnedFd::from), limits.output_bytes),
        Stream::new(Some(answer_read), 0),
    ];
    streams[1].watch = limits.stop_on_stderr.map(str::as_bytes);
    let mut answer = Answer {
        bytes: Vec::new(),
        limit: limits.answer_bytes,
        overflow: false,
    };
    let mut stopped = false;
    let deadline = start + limits.wall;
    let mut exit: Option<Exit> = None;
    let mut timed_out = false;
    let mut stopped_for: Option<Exit> = None;
    let mut cpu = Duration::ZERO;
    let mut sampled = start;
    // The idle rule's window: when it began, and the CPU used by then. It
    // begins once the child exists: waiting above for a free process slot
    // (another run's fork bomb under the same account) is the grader's wait,
    // not the child's.
    let mut idle_mark = (Instant::now(), Duration::ZERO);
    let mut drain_until: Option<Instant> = None;
    loop {
        if exit.is_none() {
            if let Some((status, used)) = reap(group)? {
                cpu = used;
                exit = Some(status);
            } else if Instant::now() >= deadline && !timed_out {
                timed_out = true;
                kill_group(group);
            } else if stopped_for.is_none() && sampled.elapsed() >= CPU_SAMPLE {
                sampled = Instant::now();
                if let Some(used) = process_cpu(group) {
                    cpu = used;
                    if used >= limits.cpu {
                        stopped_for = Some(Exit::CpuLimit);
                        kill_group(group);
                    } else if let Some(window) = limits.idle {
                        if sampled - idle_mark.0 >= window {
                            if (used - idle_mark.1).as_secs_f64()
                                < window.as_secs_f64() * IDLE_SHARE
                            {
                                stopped_for = Some(Exit::Idle);
                                kill_group(group);
                            }
                            idle_mark = (sampled, used);
                        }
                    }
                }
            }
            if exit.is_some() {
                // Background children must not outlive the case.
                kill_group(group);
                drain_until = Some(Instant::now() + Duration::from_millis(200));
                feed = None;
            }
        }
        let open: Vec<usize> = (0..streams.len())
            .filter(|&i| streams[i].fd.is_some())
            .collect();
        if exit.is_some() && (open.is_empty() || drain_until.is_some_and(|t| Instant::now() >= t)) {
            break;
        }
        let watch_exit = exited.as_ref().filter(|_| exit.is_none());
        if open.is_empty() && watch_exit.is_none() && feed.is_none() {
            // Every pipe closed but the child still runs: wait for it in small steps.
            std::thread::sleep(Duration::from_millis(5));
            continue;
        }
        let pollin = |fd: RawFd| libc::pollfd {
            fd,
            events: libc::POLLIN,
            revents: 0,
        };
        let mut pollfds: Vec<libc::pollfd> = open
            .iter()
            .map(|&i| pollin(streams[i].fd.as_ref().map_or(-1, |f| f.as_raw_fd())))
            .chain(watch_exit.map(|fd| pollin(fd.as_raw_fd())))
            .chain(feed.as_ref().map(|f| libc::pollfd {
                fd: f.fd.as_raw_fd(),
                events: libc::POLLOUT,
                revents: 0,
            }))
            .collect();
        // SAFETY: pollfds is a valid, correctly sized array.
        let ready = unsafe { libc::poll(pollfds.as_mut_ptr(), pollfds.len() as libc::nfds_t, 20) };
        if ready < 0 {
            let err = io::Error::last_os_error();
            if err.kind() != io::ErrorKind::Interrupted {
                kill_group(group);
                return Err(err);
            }
            continue;
        }
        for (slot, pfd) in open.iter().zip(&pollfds) {
            if pfd.revents == 0 {
                continue;
            }
            if *slot == 2 {
                if !streams[2].read_answer(&mut answer) && exit.is_none() && answer.limit > 0 {
                    // Too large: nothing more is read; the run is over.
                    kill_group(group);
                }
            } else if streams[*slot].read_some() && !stopped && exit.is_none() {
                stopped = true;
                kill_group(group);
            }
        }
        if let Some(f) = &mut feed {
            let writable = pollfds.last().is_some_and(|p| p.revents != 0);
            if writable && !f.write_some() {
                // All written (the child then reads end of file), or the
                // child closed its end: either way, nothing more to give.
                feed = None;
            }
        }
    }
    reaper::release(child.id());
    // Anything that left the group (setsid) is re-parented to us: kill it too.
    reaper::sweep(Duration::from_millis(500));
    if timed_out && !matches!(exit, Some(Exit::Code(_))) {
        exit = Some(Exit::TimedOut);
    }
    if let Some(why) = stopped_for.filter(|_| !matches!(exit, Some(Exit::Code(_)))) {
        exit = Some(why);
    }
    // The kernel's backstop for the CPU limit is that limit too.
    if exit == Some(Exit::Signal(libc::SIGXCPU)) {
        exit = Some(Exit::CpuLimit);
    }
    if stopped && !matches!(exit, Some(Exit::Code(0))) {
        exit = Some(Exit::Stopped);
    }
    let elapsed = start.elapsed();
    let [out, err, _] = streams;
    Ok(Outcome {
        exit: exit.unwrap_or(Exit::TimedOut),
        answer_overflow: answer.overflow,
        answer: answer.bytes,
        stdout: out.captured,
        stderr: err.captured,
        elapsed,
        cpu,
    })
}

/// Reaps `pid` if it has exited: how it ended and the CPU time it used
/// (with the descendants it waited for), from the kernel's own account.
fn reap(pid: libc::pid_t) -> io::Result<Option<(Exit, Duration)>> {
    let mut status = 0;
    // SAFETY: wait4 fills the status and the rusage it is given.
    let (ret, usage) = unsafe {
        let mut usage: libc::rusage = std::mem::zeroed();
        let ret = libc::wait4(pid, &mut status, libc::WNOHANG, &mut usage);
        (ret, usage)
    };
    if ret < 0 {
        let err = io::Error::last_os_error();
        return if err.kind() == io::ErrorKind::Interrupted {
            Ok(None)
        } else {
            Err(err)
        };
    }
    if ret == 0 {
        return Ok(None);
    }
    let exit = if libc::WIFEXITED(status) {
        Exit::Code(libc::WEXITSTATUS(status))
    } else if libc::WIFSIGNALED(status) {
        Exit::Signal(libc::WTERMSIG(status))
    } else {
        Exit::Code(-1)
    };
    let time = |t: libc::timeval| Duration::new(t.tv_sec as u64, t.tv_usec as u32 * 1000);
    Ok(Some((exit, time(usage.ru_utime) + time(usage.ru_stime))))
}

/// The CPU time (user + system, all threads) a running process has used so
/// far, from `/proc/<pid>/stat`; `None` where that cannot be read (the
/// kernel's `RLIMIT_CPU` then stands alone).
fn process_cpu(pid: libc::pid_t) -> Option<Duration> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // The name, in parentheses, may hold spaces: the fields follow its end.
    let fields: Vec<&str> = stat
        .get(stat.rfind(')')? + 1..)?
        .split_whitespace()
        .collect();
    // utime and stime are fields 14 and 15; the list starts at field 3.
    let ticks: u64 = fields.get(11)?.parse::<u64>().ok()? + fields.get(12)?.parse::<u64>().ok()?;
    // SAFETY: sysconf has no preconditions.
    let per_second = unsafe { libc::sysconf(libc::_SC_CLK_TCK) };
    (per_second > 0).then(|| Duration::from_secs_f64(ticks as f64 / per_second as f64))
}

/// Spawns, retrying while the system is out of processes for the child's
/// user (another case's fork bomb under the same account) until `deadline`.
fn spawn_retrying(cmd: &mut Command, deadline: Instant) -> io::Result<std::process::Child> {
    loop {
        match reaper::spawn(cmd) {
            Err(e) if e.raw_os_error() == Some(libc::EAGAIN) && Instant::now() < deadline => {
                std::thread::sleep(Duration::from_millis(50));
            }
            other => return other,
        }
    }
}

struct Stream {
    fd: Option<OwnedFd>,
    captured: Captured,
    /// Text whose appearance stops the child.
    watch: Option<&'static [u8]>,
    /// The last bytes read, so that a watched text split between two reads
    /// is still seen.
    carry: Vec<u8>,
}

/// The child's input, written as the pipe has room.
struct Feed {
    fd: OwnedFd,
    bytes: Arc<[u8]>,
    written: usize,
}

impl Feed {
    /// Writes what the pipe takes now; false once everything is written or
    /// the child's end is closed.
    fn write_some(&mut self) -> bool {
        let rest = &self.bytes[self.written..];
        // SAFETY: rest is valid for rest.len() bytes.
        let n = unsafe { libc::write(self.fd.as_raw_fd(), rest.as_ptr().cast(), rest.len()) };
        if n >= 0 {
            self.written += n as usize;
            return self.written < self.bytes.len();
        }
        matches!(
            io::Error::last_os_error().kind(),
            io::ErrorKind::Interrupted | io::ErrorKind::WouldBlock
        )
    }
}

/// The answer descriptor's bytes, up to a limit.
struct Answer {
    bytes: Vec<u8>,
    limit: usize,
    overflow: bool,
}

impl Stream {
    fn new(fd: Option<OwnedFd>, limit: usize) -> Self {
        Stream {
            fd,
            captured: Captured::new(limit),
            watch: None,
            carry: Vec::new(),
        }
    }

    /// Reads what is available now; closes the stream at end of file.
    /// Returns whether the watched text appeared.
    fn read_some(&mut self) -> bool {
        let Some(fd) = &self.fd else { return false };
        let mut buf = vec![0u8; 1 << 18];
        // SAFETY: buf is valid for buf.len() bytes.
        let n = unsafe { libc::read(fd.as_raw_fd(), buf.as_mut_ptr().cast(), buf.len()) };
        if n > 0 {
            let got = &buf[..n as usize];
            self.captured.push(got);
            if let Some(needle) = self.watch {
                self.carry.extend_from_slice(got);
                let found = self.carry.windows(needle.len()).any(|w| w == needle);
                let keep = needle.len().saturating_sub(1).min(self.carry.len());
                self.carry.drain(..self.carry.len() - keep);
                return found;
            }
        } else if n == 0 || io::Error::last_os_error().kind() != io::ErrorKind::Interrupted {
            self.fd = None;
        }
        false
    }

    /// Reads answer bytes into `answer` without ever holding more than its
    /// limit; returns false (and closes the stream) once it overflows.
    fn read_answer(&mut self, answer: &mut Answer) -> bool {
        let Some(fd) = &self.fd else { return true };
        let room = answer.limit - answer.bytes.len();
        // One byte more than the room tells an overflow from a full answer.
        let mut buf = vec![0u8; (room + 1).min(1 << 18)];
        // SAFETY: buf is valid for buf.len() bytes.
        let n = unsafe { libc::read(fd.as_raw_fd(), buf.as_mut_ptr().cast(), buf.len()) };
        if n > 0 {
            let n = n as usize;
            if n > room {
                answer.bytes.extend_from_slice(&buf[..room]);
                answer.overflow = true;
                self.fd = None;
                return false;
            }
            answer.bytes.extend_from_slice(&buf[..n]);
        } else if n == 0 || io::Error::last_os_error().kind() != io::ErrorKind::Interrupted {
            self.fd = None;
        }
        true
    }
}

/// User + system seconds of every child the grader has reaped so far (with
/// their reaped descendants): `GRADE_TIMINGS` prints the difference around
/// the compile. Exact for one grading; in a batch the other jobs' children
/// that end meanwhile count too.
pub fn children_cpu_seconds() -> f64 {
    // SAFETY: getrusage fills the struct it is given.
    let usage = unsafe {
        let mut usage: libc::rusage = std::mem::zeroed();
        libc::getrusage(libc::RUSAGE_CHILDREN, &mut usage);
        usage
    };
    let seconds = |t: libc::timeval| t.tv_sec as f64 + t.tv_usec as f64 / 1e6;
    seconds(usage.ru_utime) + seconds(usage.ru_stime)
}

/// A descriptor that becomes readable when process `pid` (our child, not yet
/// reaped) exits; `None` where the kernel has no `pidfd_open`.
fn pidfd(pid: libc::pid_t) -> Option<OwnedFd> {
    // SAFETY: pidfd_open takes a pid and flags; on success the descriptor is ours.
    let fd = unsafe { libc::syscall(libc::SYS_pidfd_open, pid, 0) };
    // SAFETY: a fresh descriptor owned by nobody else.
    (fd >= 0).then(|| unsafe { OwnedFd::from_raw_fd(fd as RawFd) })
}

fn pipe() -> io::Result<(OwnedFd, OwnedFd)> {
    let mut fds = [0 as RawFd; 2];
    // SAFETY: fds has room for the two descriptors pipe2 writes.
    check(unsafe { libc::pipe2(fds.as_mut_ptr(), libc::O_CLOEXEC) })?;
    // SAFETY: pipe2 succeeded, so both descriptors are open and ours.
    Ok(unsafe { (OwnedFd::from_raw_fd(fds[0]), OwnedFd::from_raw_fd(fds[1])) })
}

fn apply_limits(l: &Limits) -> io::Result<()> {
    let set = |resource, soft: u64, hard: u64| {
        let lim = libc::rlimit {
            rlim_cur: soft as libc::rlim_t,
            rlim_max: hard as libc::rlim_t,
        };
        // SAFETY: lim is a valid rlimit.
        check(unsafe { libc::setrlimit(resource, &lim) })
    };
    // Whole seconds, over a second past the watched limit: the watch speaks first.
    let cpu = l.cpu.as_secs() + 2;
    set(libc::RLIMIT_CPU, cpu, cpu + 1)?;
    set(libc::RLIMIT_FSIZE, l.file_size, l.file_size)?;
    set(libc::RLIMIT_NOFILE, l.open_files, l.open_files)?;
    set(libc::RLIMIT_CORE, 0, 0)?;
    if let Some(n) = l.processes {
        set(libc::RLIMIT_NPROC, n, n)?;
    }
    if let Some(bytes) = l.address_space {
        set(libc::RLIMIT_AS, bytes, bytes)?;
    }
    Ok(())
}

fn kill_group(group: libc::pid_t) {
    // SAFETY: killpg has no memory-safety preconditions; a vanished group is fine.
    unsafe {
        libc::killpg(group, libc::SIGKILL);
    }
}

fn check(ret: libc::c_int) -> io::Result<()> {
    if ret < 0 {
        Err(io::Error::last_os_error())
    } else {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn limits() -> Limits {
        Limits {
            wall: Duration::from_secs(5),
            cpu: Duration::from_secs(5),
            idle: None,
            address_space: None,
            file_size: 1 << 20,
            open_files: 64,
            processes: None,
            output_bytes: 64,
            answer_bytes: 1 << 16,
            stop_on_stderr: None,
        }
    }

    fn sh(script: &str, l: &Limits) -> Outcome {
        let mut cmd = Command::new("sh");
        cmd.arg("-c").arg(script);
        run(cmd, Input::Nothing, l, None).unwrap()
    }

    #[test]
    fn input_comes_once_through_a_pipe_that_cannot_be_read_again() {
        // Larger than a pipe's buffer, so the grader writes as the child reads.
        let bytes: Vec<u8> = (0..300_000u32).map(|i| b'a' + (i % 26) as u8).collect();
        let mut cmd = Command::new("sh");
        // The whole input, then: stdin is a pipe (not seekable), and reading again gives nothing.
        cmd.arg("-c")
            .arg("wc -c >&3; test -p /dev/stdin && echo pipe; cat | wc -c");
        let out = run(cmd, Input::Bytes(bytes.into()), &limits(), None).unwrap();
        assert_eq!(out.exit, Exit::Code(0));
        assert_eq!(String::from_utf8_lossy(&out.answer).trim(), "300000");
        let printed = out.stdout.text();
        assert_eq!(
            printed.split_whitespace().collect::<Vec<_>>(),
            ["pipe", "0"]
        );
    }

    #[test]
    fn a_child_that_never_reads_its_input_does_not_hold_up_the_grader() {
        let bytes: Vec<u8> = vec![b'x'; 4 << 20];
        let mut cmd = Command::new("sh");
        cmd.arg("-c").arg("printf done >&3");
        let start = Instant::now();
        let out = run(cmd, Input::Bytes(bytes.into()), &limits(), None).unwrap();
        assert_eq!(out.answer, b"done");
        assert!(
            start.elapsed() < Duration::from_secs(2),
            "{:?}",
            start.elapsed()
        );
    }

    #[test]
    fn answer_descriptor_is_separate_from_stdout() {
        let out = sh("echo printed; printf answer >&3", &limits());
        assert_eq!(out.exit, Exit::Code(0));
        assert_eq!(out.answer, b"answer");
        assert_eq!(out.stdout.text(), "printed\n");
    }

    #[test]
    fn a_loop_is_killed_at_the_deadline() {
        let l = Limits {
            wall: Duration::from_millis(300),
            ..limits()
        };
        let out = sh("while :; do :; done", &l);
        assert_eq!(out.exit, Exit::TimedOut);
        assert!(out.elapsed < Duration::from_secs(3), "{:?}", out.elapsed);
    }

    #[test]
    fn a_busy_loop_is_stopped_at_its_cpu_limit_not_the_wall_clock() {
        let l = Limits {
            cpu: Duration::from_millis(300),
            ..limits()
        };
        let out = sh("while :; do :; done", &l);
        assert_eq!(out.exit, Exit::CpuLimit);
        assert!(out.cpu >= Duration::from_millis(300), "{:?}", out.cpu);
        assert!(out.cpu < Duration::from_millis(1500), "{:?}", out.cpu);
    }

    #[test]
    fn the_cpu_time_used_is_measured_not_the_time_waited() {
        // A second of sleep, then a little work: the CPU time is the work's.
        let out = sh(
            "sleep 1; i=0; while [ $i -lt 20000 ]; do i=$((i+1)); done",
            &limits(),
        );
        assert_eq!(out.exit, Exit::Code(0));
        assert!(out.elapsed >= Duration::from_secs(1), "{:?}", out.elapsed);
        assert!(out.cpu > Duration::ZERO, "{:?}", out.cpu);
        assert!(out.cpu < Duration::from_millis(900), "{:?}", out.cpu);
    }

    #[test]
    fn a_child_that_only_waits_is_stopped_by_the_idle_rule() {
        let l = Limits {
            idle: Some(Duration::from_millis(400)),
            ..limits()
        };
        let out = sh("sleep 30", &l);
        assert_eq!(out.exit, Exit::Idle);
        assert!(out.elapsed < Duration::from_secs(3), "{:?}", out.elapsed);
    }

    #[test]
    fn a_computing_child_is_never_idle() {
        let l = Limits {
            idle: Some(Duration::from_millis(200)),
            cpu: Duration::from_millis(900),
            ..limits()
        };
        let out = sh("while :; do :; done", &l);
        assert_eq!(out.exit, Exit::CpuLimit);
    }

    #[test]
    fn a_flood_keeps_head_and_tail_and_counts_the_rest() {
        let out = sh(
            "echo start; yes | head -c 100000; echo; echo end",
            &limits(),
        );
        let text = out.stdout.text();
        assert!(text.starts_with("start"), "{text}");
        assert!(text.trim_end().ends_with("end"), "{text}");
        assert!(text.contains("bytes dropped"), "{text}");
        assert_eq!(out.stdout.total_bytes(), 6 + 100_000 + 1 + 4);
    }

    #[test]
    fn a_background_child_does_not_outlive_the_run() {
        let dir = tempfile::tempdir().unwrap();
        let marker = dir.path().join("late");
        let script = format!("(sleep 1; touch {}) & exit 0", marker.display());
        let out = sh(&script, &limits());
        assert_eq!(out.exit, Exit::Code(0));
        std::thread::sleep(Duration::from_millis(1500));
        assert!(
            !marker.exists(),
            "the background child survived and wrote its file"
        );
    }

    #[test]
    fn a_file_size_limit_stops_a_large_write() {
        let l = Limits {
            file_size: 4096,
            ..limits()
        };
        let dir = tempfile::tempdir().unwrap();
        let script = format!("head -c 100000 /dev/zero > {}/big", dir.path().display());
        let out = sh(&script, &l);
        assert_ne!(out.exit, Exit::Code(0));
        assert!(std::fs::metadata(dir.path().join("big")).unwrap().len() <= 4096);
    }

    #[test]
    fn an_oversized_answer_is_cut_at_the_limit_and_the_run_stopped() {
        let l = Limits {
            answer_bytes: 1000,
            ..limits()
        };
        let start = Instant::now();
        // Far more than the limit, and then it would sleep: it is stopped at once.
        let out = sh("head -c 10000000 /dev/zero >&3; sleep 4", &l);
        assert!(out.answer_overflow);
        assert_eq!(out.answer.len(), 1000);
        assert!(
            start.elapsed() < Duration::from_secs(3),
            "{:?}",
            start.elapsed()
        );
        let fits = sh("head -c 1000 /dev/zero >&3", &l);
        assert!(!fits.answer_overflow);
        assert_eq!(fits.answer.len(), 1000);
    }

    #[test]
    fn a_watched_text_on_stderr_stops_the_child() {
        let l = Limits {
            stop_on_stderr: Some("endless_thing"),
            ..limits()
        };
        let start = Instant::now();
        let out = sh(
            "printf 'warning: endless_' >&2; sleep 0.1; printf 'thing\\n' >&2; sleep 4",
            &l,
        );
        assert_eq!(out.exit, Exit::Stopped);
        assert!(
            start.elapsed() < Duration::from_secs(3),
            "{:?}",
            start.elapsed()
        );
    }
}
