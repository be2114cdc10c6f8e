//! Confinement of untrusted children (the compile of the student's file and
//! every probe run), decided once at start-up and applied by the spawning side.
//!
//! Layers, each used when the machine allows it:
//! - **Landlock** (any user): the child may read and execute only system
//!   folders, the toolchain and the shared dependency artifacts, and may write
//!   only its own working folder. Fixtures, rubrics, the grader's files and the
//!   output folder are out of reach, also for compile-time `include_str!`.
//! - **Another account** (when the grader runs as root): the child runs as an
//!   unprivileged user (`$GRADE_SANDBOX_USER`, else `grade-sandbox`, else
//!   `nobody`), so it cannot write root's files, signal the grader, or exceed
//!   a per-user process count.
//! - **Namespaces** (root): a private mount namespace, in which the toolchain
//!   and dependency folders are bind-mounted read-only into the working folder
//!   (the toolchain usually lives under root's 0700 home), and a network
//!   namespace with no usable interface.
//!
//! Everything here runs in the forked child before `exec`, so it is limited
//! to async-signal-safe system calls on data prepared beforehand.

use std::ffi::{CStr, CString};
use std::io;
use std::os::fd::{AsRawFd, OwnedFd};
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};

/// The unprivileged identity children run as.
#[derive(Clone, Debug)]
pub struct Identity {
    pub name: String,
    pub uid: libc::uid_t,
    pub gid: libc::gid_t,
}

/// What this machine lets us do, found once at start-up.
#[derive(Clone, Debug)]
pub struct Jail {
    /// Set when running as root: children drop to this identity.
    pub identity: Option<Identity>,
    /// Children get their own (empty) network namespace.
    pub network_namespace: bool,
    /// Landlock file rules are enforced.
    pub landlock: bool,
}

const SYSTEM_READ_ONLY: &[&str] = &["/usr", "/lib", "/lib64", "/lib32", "/bin", "/sbin", "/etc"];
const DEVICES: &[&str] = &["/dev/null", "/dev/zero", "/dev/urandom", "/dev/random"];

impl Jail {
    /// Detects what isolation this machine supports, testing each layer by
    /// running `/bin/true` under it.
    pub fn detect() -> Jail {
        if std::env::var_os("GRADE_NO_ISOLATION").is_some() {
            return Jail::off();
        }
        let root = unsafe { libc::geteuid() } == 0;
        let mut jail = Jail {
            identity: if root { sandbox_identity() } else { None },
            network_namespace: root,
            landlock: landlock_supported(),
        };
        // Try the whole set; drop a layer that this machine refuses.
        for _ in 0..3 {
            match jail.smoke_test() {
                Ok(()) => return jail,
                Err(_) if jail.network_namespace => jail.network_namespace = false,
                Err(_) if jail.landlock => jail.landlock = false,
                Err(_) if jail.identity.is_some() => jail.identity = None,
                Err(_) => break,
            }
        }
        jail
    }

    /// No isolation beyond limits and process-group kill.
    pub fn off() -> Jail {
        Jail {
            identity: None,
            network_namespace: false,
            landlock: false,
        }
    }

    /// The layers the threat model relies on that are off on this machine
    /// (all of them apply only as root: a plain user never has them all).
    pub fn missing(&self) -> Vec<&'static str> {
        let mut missing = Vec::new();
        if self.identity.is_none() {
            missing.push("an unprivileged account for student code");
        }
        if !self.network_namespace {
            missing.push("namespaces (no network, private mounts)");
        }
        if !self.landlock {
            missing.push("Landlock file rules");
        }
        missing
    }

    /// One line for results.json and the batch summary when grading as root
    /// with a layer missing; `None` when nothing is missing or when not root
    /// (a laptop or CI check, where the missing layers are expected).
    pub fn missing_note(&self) -> Option<String> {
        let root = unsafe { libc::geteuid() } == 0;
        let missing = self.missing();
        (root && !missing.is_empty()).then(|| {
            format!(
                "Warning: graded without {} (isolation layers this machine lacks).",
                missing.join(", ")
            )
        })
    }

    /// For `--require-isolation`: an error naming what is missing, with a hint.
    pub fn require_all(&self) -> Result<(), String> {
        let missing = self.missing();
        if missing.is_empty() {
            return Ok(());
        }
        let root = unsafe { libc::geteuid() } == 0;
        let hint = if !root {
            "run as root (Gradescope, a CI container)"
        } else if std::env::var_os("GRADE_NO_ISOLATION").is_some() {
            "unset GRADE_NO_ISOLATION"
        } else {
            "use Linux 5.13+ with Landlock enabled, allow namespaces, and create the grade-sandbox account (or set GRADE_SANDBOX_USER)"
        };
        Err(format!(
            "--require-isolation: this machine lacks {}; {hint}",
            missing.join(", ")
        ))
    }

    /// One line for the grader's log: what is on and what is off.
    pub fn notice(&self) -> String {
        let mut on = Vec::new();
        if let Some(id) = &self.identity {
            on.push(format!("runs student code as {} (uid {})", id.name, id.uid));
        }
        if self.network_namespace {
            on.push("no network".to_string());
        }
        if self.landlock {
            on.push("Landlock file rules".to_string());
        }
        let privilege = if self.identity.is_some() {
            String::new()
        } else if unsafe { libc::geteuid() } == 0 {
            "; privilege separation is OFF (no usable unprivileged account)".to_string()
        } else {
            "; privilege separation is off (not root): limits and process-group kill still apply"
                .to_string()
        };
        let listed = if on.is_empty() {
            "limits and process-group kill only".to_string()
        } else {
            on.join(", ")
        };
        format!("isolation: {listed}{privilege}")
    }

    fn smoke_test(&self) -> io::Result<()> {
        let work = tempfile::Builder::new().prefix("grade-jail-").tempdir()?;
        let confinement = self.confine(work.path(), &[], &[])?;
        let mut cmd = std::process::Command::new("/bin/true");
        cmd.current_dir(work.path())
            .stdin(std::process::Stdio::null())
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null());
        // SAFETY: `apply` makes only async-signal-safe calls.
        unsafe {
            use std::os::unix::process::CommandExt;
            cmd.pre_exec(move || confinement.apply());
        }
        let status = cmd.status()?;
        if status.success() {
            Ok(())
        } else {
            Err(io::Error::other(format!(
                "/bin/true under the jail: {status}"
            )))
        }
    }

    /// Hands `dir` to the sandbox identity (when there is one), so the child
    /// can write there and nowhere else.
    pub fn give(&self, dir: &Path) -> io::Result<()> {
        if let Some(id) = &self.identity {
            std::os::unix::fs::chown(dir, Some(id.uid), Some(id.gid))?;
        }
        Ok(())
    }

    /// Takes `path` back (root-owned, world-readable): after the compile, the
    /// probe must not be replaceable by the code it runs.
    pub fn take_back(&self, path: &Path) -> io::Result<()> {
        if self.identity.is_some() {
            std::os::unix::fs::chown(path, Some(0), Some(0))?;
        }
        Ok(())
    }

    /// Prepares the confinement of children working in `work`.
    ///
    /// `shared` are read-only folders the child needs (toolchain, dependency
    /// artifacts). As root they are bind-mounted at the paired path inside
    /// `work` (the caller then uses those paths); otherwise the child reads them
    /// in place and the paired path is ignored.
    pub fn confine(
        &self,
        work: &Path,
        shared: &[(PathBuf, PathBuf)],
        extra_read_only: &[PathBuf],
    ) -> io::Result<Confinement> {
        let namespaces = self.identity.is_some();
        let mut mounts = Vec::new();
        let mut read_only: Vec<PathBuf> = SYSTEM_READ_ONLY.iter().map(PathBuf::from).collect();
        read_only.extend(extra_read_only.iter().cloned());
        for (source, inside) in shared {
            if namespaces {
                std::fs::create_dir_all(inside)?;
                mounts.push((c_path(source)?, c_path(inside)?));
            }
            read_only.push(source.clone());
        }
        let landlock_fd = if self.landlock {
            landlock_ruleset(work, &read_only)?
        } else {
            None
        };
        Ok(Confinement {
            mounts,
            new_mount_namespace: namespaces,
            new_network_namespace: self.network_namespace,
            identity: self.identity.clone(),
            landlock_fd,
            hide: None,
            scratch: None,
        })
    }

    /// Whether children get a private mount namespace (root): only then can a
    /// confinement hide folders ([`Confinement::hiding_all_but`]) or give a
    /// run its own disk quota ([`Confinement::with_scratch`]).
    pub fn private_mounts(&self) -> bool {
        self.identity.is_some()
    }

    /// Where a shared folder is seen by the child: inside `work` when it is
    /// bind-mounted there, else in place.
    pub fn shared_path(&self, source: &Path, inside: &Path) -> PathBuf {
        if self.identity.is_some() {
            inside.to_path_buf()
        } else {
            source.to_path_buf()
        }
    }
}

/// A confinement ready to apply in a forked child.
#[derive(Debug)]
pub struct Confinement {
    mounts: Vec<(CString, CString)>,
    new_mount_namespace: bool,
    new_network_namespace: bool,
    identity: Option<Identity>,
    landlock_fd: Option<OwnedFd>,
    hide: Option<Hide>,
    scratch: Option<Scratch>,
}

/// In the child's mount namespace, an empty tmpfs covers the grader's temp
/// folder (every other submission's work, every case's inputs), and only the
/// child's own work tree is bound back at its usual path.
#[derive(Debug)]
struct Hide {
    /// The folder covered (the temp folder holding `<outer>/<tree>`).
    cover: CString,
    /// Created in the empty tmpfs, in order: `<outer>`, then `<tree>`.
    dirs: [CString; 2],
    tree: CString,
}

/// A private tmpfs of bounded size mounted on the child's writable folder
/// (inside its own mount namespace), which the child then starts in: its disk
/// use is capped, and it sees no file of any other run.
#[derive(Debug)]
struct Scratch {
    dir: CString,
    options: CString,
}

/// Size of the empty tmpfs that hides the temp folder: it only holds two
/// empty folders.
const COVER_OPTIONS: &CStr = c"size=64k,nr_inodes=16,mode=0755";

impl Confinement {
    /// Hides every other folder of the grader's temp folder from the child:
    /// `tree` must be `<temp>/<outer>/<tree>`, with `<outer>` 0700 and
    /// root's on the host (so no other account reaches into it there). Does
    /// nothing without a private mount namespace, or when the temp folder
    /// holds something the child must read (the system folders, `/`).
    pub fn hiding_all_but(mut self, tree: &Path, read_only: &[&Path]) -> io::Result<Confinement> {
        if !self.new_mount_namespace {
            return Ok(self);
        }
        let (Some(outer), Some(cover)) = (tree.parent(), tree.parent().and_then(Path::parent))
        else {
            return Ok(self);
        };
        let needed = SYSTEM_READ_ONLY
            .iter()
            .map(Path::new)
            .chain(read_only.iter().copied())
            .chain(DEVICES.iter().map(Path::new));
        let covers_needed = cover == Path::new("/")
            || !cover.is_absolute()
            || needed
                .into_iter()
                .any(|p| p.starts_with(cover) || cover.starts_with(p));
        if covers_needed {
            return Ok(self);
        }
        self.hide = Some(Hide {
            cover: c_path(cover)?,
            dirs: [c_path(outer)?, c_path(tree)?],
            tree: c_path(tree)?,
        });
        Ok(self)
    }

    /// Mounts a private tmpfs of `bytes` on `dir` (the child's writable
    /// folder) in the child's own mount namespace, owned by the sandbox
    /// account, and starts the child there. Does nothing without a private
    /// mount namespace.
    pub fn with_scratch(mut self, dir: &Path, bytes: u64) -> io::Result<Confinement> {
        if !self.new_mount_namespace {
            return Ok(self);
        }
        let (uid, gid) = self.identity.as_ref().map_or((0, 0), |i| (i.uid, i.gid));
        let options = format!("size={bytes},nr_inodes=1024,mode=0700,uid={uid},gid={gid}");
        self.scratch = Some(Scratch {
            dir: c_path(dir)?,
            options: CString::new(options).map_err(io::Error::other)?,
        });
        Ok(self)
    }

    /// Applies every layer to the calling process. Call only in a forked
    /// child before exec: it makes async-signal-safe system calls only.
    pub fn apply(&self) -> io::Result<()> {
        let mut flags = 0;
        if self.new_mount_namespace {
            flags |= libc::CLONE_NEWNS;
        }
        if self.new_network_namespace {
            flags |= libc::CLONE_NEWNET;
        }
        if flags != 0 {
            // SAFETY: unshare has no memory-safety preconditions.
            check(unsafe { libc::unshare(flags) })?;
        }
        if self.new_mount_namespace {
            let root = c"/";
            // Nothing mounted here may propagate back to the host.
            // SAFETY: valid NUL-terminated strings; null data is allowed.
            check(unsafe {
                libc::mount(
                    std::ptr::null(),
                    root.as_ptr(),
                    std::ptr::null(),
                    libc::MS_REC | libc::MS_PRIVATE,
                    std::ptr::null(),
                )
            })?;
            for (source, target) in &self.mounts {
                bind_read_only(source, target)?;
            }
            if let Some(hide) = &self.hide {
                hide.apply()?;
            }
            if let Some(scratch) = &self.scratch {
                // SAFETY: valid NUL-terminated strings.
                check(unsafe {
                    libc::mount(
                        c"tmpfs".as_ptr(),
                        scratch.dir.as_ptr(),
                        c"tmpfs".as_ptr(),
                        libc::MS_NOSUID | libc::MS_NODEV,
                        scratch.options.as_ptr().cast(),
                    )
                })?;
                // The working directory was entered before the mount: enter the tmpfs.
                // SAFETY: a valid NUL-terminated path.
                check(unsafe { libc::chdir(scratch.dir.as_ptr()) })?;
            }
        }
        if let Some(id) = &self.identity {
            // Order matters: groups and gid while still privileged, uid last.
            // SAFETY: plain system calls on integers.
            unsafe {
                check(libc::setgroups(0, std::ptr::null()))?;
                check(libc::setresgid(id.gid, id.gid, id.gid))?;
                check(libc::setresuid(id.uid, id.uid, id.uid))?;
            }
        }
        // SAFETY: prctl with integer arguments.
        check(unsafe { libc::prctl(libc::PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) })?;
        if let Some(fd) = &self.landlock_fd {
            // SAFETY: a valid ruleset descriptor and no flags.
            let ret =
                unsafe { libc::syscall(libc::SYS_landlock_restrict_self, fd.as_raw_fd(), 0u32) };
            if ret < 0 {
                return Err(io::Error::last_os_error());
            }
        }
        // Die with the grader. Set after the uid change, which clears it.
        // SAFETY: prctl with integer arguments.
        check(unsafe { libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL, 0, 0, 0) })?;
        Ok(())
    }

    /// Whether the grader's temp folder is hidden from the child.
    pub fn hides(&self) -> bool {
        self.hide.is_some()
    }

    pub fn drops_privileges(&self) -> bool {
        self.identity.is_some()
    }
}

impl Hide {
    /// Runs in the forked child, in its new mount namespace, as root.
    fn apply(&self) -> io::Result<()> {
        // SAFETY: plain system calls on NUL-terminated strings and buffers of
        // our own; the descriptor is closed on every path.
        unsafe {
            let fd = libc::open(
                self.tree.as_ptr(),
                libc::O_PATH | libc::O_DIRECTORY | libc::O_CLOEXEC,
            );
            if fd < 0 {
                return Err(io::Error::last_os_error());
            }
            let result = (|| {
                check(libc::mount(
                    c"tmpfs".as_ptr(),
                    self.cover.as_ptr(),
                    c"tmpfs".as_ptr(),
                    libc::MS_NOSUID | libc::MS_NODEV | libc::MS_NOEXEC,
                    COVER_OPTIONS.as_ptr().cast(),
                ))?;
                for dir in &self.dirs {
                    check(libc::mkdir(dir.as_ptr(), 0o755))?;
                }
                let mut source = *b"/proc/self/fd/\0\0\0\0\0\0\0\0\0\0\0";
                write_decimal(&mut source[14..], fd as u32);
                check(libc::mount(
                    source.as_ptr().cast(),
                    self.tree.as_ptr(),
                    std::ptr::null(),
                    libc::MS_BIND | libc::MS_REC,
                    std::ptr::null(),
                ))
            })();
            libc::close(fd);
            result
        }
    }
}

/// Writes `n` in decimal at the start of `buf` (async-signal-safe).
fn write_decimal(buf: &mut [u8], mut n: u32) {
    let mut digits = [0u8; 10];
    let mut len = 0;
    loop {
        digits[len] = b'0' + (n % 10) as u8;
        len += 1;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    for (i, d) in digits[..len].iter().rev().enumerate() {
        buf[i] = *d;
    }
}

fn bind_read_only(source: &CStr, target: &CStr) -> io::Result<()> {
    // SAFETY: valid NUL-terminated strings; null fs type and data are allowed.
    unsafe {
        check(libc::mount(
            source.as_ptr(),
            target.as_ptr(),
            std::ptr::null(),
            libc::MS_BIND | libc::MS_REC,
            std::ptr::null(),
        ))?;
        // A bind mount is made read-only by remounting it.
        check(libc::mount(
            std::ptr::null(),
            target.as_ptr(),
            std::ptr::null(),
            libc::MS_BIND | libc::MS_REMOUNT | libc::MS_RDONLY | libc::MS_NOSUID | libc::MS_NODEV,
            std::ptr::null(),
        ))
    }
}

fn c_path(path: &Path) -> io::Result<CString> {
    CString::new(path.as_os_str().as_bytes())
        .map_err(|_| io::Error::other(format!("path with a NUL byte: {}", path.display())))
}

fn check(ret: libc::c_int) -> io::Result<()> {
    if ret < 0 {
        Err(io::Error::last_os_error())
    } else {
        Ok(())
    }
}

/// `$GRADE_SANDBOX_USER`, else `grade-sandbox` (made by the packaging step),
/// else `nobody`.
fn sandbox_identity() -> Option<Identity> {
    let wanted = std::env::var("GRADE_SANDBOX_USER").ok();
    let names: Vec<String> = match wanted {
        Some(name) => vec![name],
        None => vec!["grade-sandbox".into(), "nobody".into()],
    };
    names.into_iter().find_map(|name| {
        let c = CString::new(name.clone()).ok()?;
        // SAFETY: getpwnam returns a pointer to static storage or null; it is
        // read at once, at start-up, before any thread of ours calls it again.
        let pw = unsafe { libc::getpwnam(c.as_ptr()) };
        if pw.is_null() {
            return None;
        }
        // SAFETY: pw is non-null and points to a valid passwd record.
        let (uid, gid) = unsafe { ((*pw).pw_uid, (*pw).pw_gid) };
        (uid != 0).then_some(Identity { name, uid, gid })
    })
}

fn landlock_supported() -> bool {
    use landlock::{Access, AccessFs, Ruleset, RulesetAttr, ABI};
    Ruleset::default()
        .handle_access(AccessFs::from_all(ABI::V1))
        .and_then(|r| r.create())
        .map(|created| Option::<OwnedFd>::from(created).is_some())
        .unwrap_or(false)
}

/// A Landlock ruleset: read and execute under `read_only` (and the devices),
/// everything inside `work`. Missing paths are skipped.
fn landlock_ruleset(work: &Path, read_only: &[PathBuf]) -> io::Result<Option<OwnedFd>> {
    use landlock::{
        path_beneath_rules, Access, AccessFs, CompatLevel, Compatible, Ruleset, RulesetAttr,
        RulesetCreatedAttr, Scope, ABI,
    };
    let abi = ABI::V6;
    let err = |e: landlock::RulesetError| io::Error::other(e.to_string());
    let existing = |paths: Vec<PathBuf>| -> Vec<PathBuf> {
        paths.into_iter().filter(|p| p.exists()).collect()
    };
    let ruleset = Ruleset::default()
        .set_compatibility(CompatLevel::BestEffort)
        .handle_access(AccessFs::from_all(abi))
        .map_err(err)?
        // Signals and abstract sockets stay inside the sandbox's domain.
        .scope(Scope::from_all(abi))
        .map_err(err)?
        .create()
        .map_err(err)?
        .add_rules(path_beneath_rules(
            existing(read_only.to_vec()),
            AccessFs::from_read(abi),
        ))
        .map_err(err)?
        .add_rules(path_beneath_rules(
            existing(DEVICES.iter().map(PathBuf::from).collect()),
            AccessFs::from_file(abi),
        ))
        .map_err(err)?
        .add_rules(path_beneath_rules([work], AccessFs::from_all(abi)))
        .map_err(err)?;
    Option::<OwnedFd>::from(ruleset)
        .map(above_answer_fd)
        .transpose()
}

/// Moves a descriptor the child keeps to 10 or above: the child's low
/// numbers (0-2, and 3 for answers) are overwritten before confinement.
fn above_answer_fd(fd: OwnedFd) -> io::Result<OwnedFd> {
    use std::os::fd::FromRawFd;
    // SAFETY: fcntl on a descriptor we own; on success the new one is ours.
    let moved = unsafe { libc::fcntl(fd.as_raw_fd(), libc::F_DUPFD_CLOEXEC, 10) };
    if moved < 0 {
        return Err(io::Error::last_os_error());
    }
    // SAFETY: `moved` is a fresh descriptor owned by nobody else.
    Ok(unsafe { OwnedFd::from_raw_fd(moved) })
}
