//! Building a submission: the dependencies once per machine (cached), then per
//! submission only the student's crate and the lab's probe, with `rustc`
//! called directly against the cached dependency artifacts.
//!
//! Calling rustc directly (instead of cargo per submission) keeps a build to
//! two compiler runs and sidesteps cargo's modification-time freshness, which
//! can hand back a previous submission's binary when paths repeat.

pub mod provided;
pub mod variant;

use crate::lab::Lab;
use crate::sandbox::jail::{Confinement, Jail};
use crate::sandbox::reaper;
use crate::sandbox::{self, Exit, Limits};
use anyhow::{bail, Context, Result};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::Duration;

/// Whether the probe carries line tables. They cost about a fifth of the
/// compile (debug information for every ndarray generic the crate
/// instantiates), and only a panic inside a dependency needs them, to name
/// the student's line: grading builds without, and builds again with them
/// only when such a panic happened (`grading::locate`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LineTables {
    Without,
    With,
}

/// How one probe is built.
#[derive(Debug, Clone, Copy)]
pub struct Options {
    /// The compiler's wall-clock limit.
    pub wall: Duration,
    pub lines: LineTables,
}

/// The compiler, resolved past the rustup proxy so that children need no
/// environment to find it.
#[derive(Debug, Clone)]
pub struct Toolchain {
    /// The toolchain's root; `bin/rustc` is the compiler itself.
    pub sysroot: PathBuf,
    pub rustc: PathBuf,
    pub cargo: PathBuf,
    /// `rustc -vV`, part of the dependency cache key.
    pub version: String,
}

impl Toolchain {
    pub fn detect() -> Result<Toolchain> {
        let proxy = std::env::var_os("RUSTC")
            .map(PathBuf::from)
            .unwrap_or_else(|| "rustc".into());
        let output = |args: &[&str]| -> Result<String> {
            let out = Command::new(&proxy).args(args).output().with_context(|| {
                format!(
                    "cannot run {}; install Rust (https://rustup.rs) or set RUSTC",
                    proxy.display()
                )
            })?;
            if !out.status.success() {
                bail!(
                    "{} {} failed: {}",
                    proxy.display(),
                    args.join(" "),
                    String::from_utf8_lossy(&out.stderr)
                );
            }
            Ok(String::from_utf8_lossy(&out.stdout).trim().to_string())
        };
        let sysroot = PathBuf::from(output(&["--print", "sysroot"])?);
        let real = sysroot.join("bin").join("rustc");
        let rustc = if real.is_file() { real } else { proxy.clone() };
        Ok(Toolchain {
            sysroot,
            rustc,
            cargo: cargo_command(),
            version: output(&["-vV"])?,
        })
    }
}

/// A toolchain found earlier on this machine, and what it was found under.
#[derive(Serialize, Deserialize)]
struct Remembered {
    /// What the answer depends on (see [`Toolchain::lookup_key`]).
    key: String,
    /// The compiler binary's identity when it was asked.
    stamp: String,
    sysroot: PathBuf,
    rustc: PathBuf,
    version: String,
}

impl Toolchain {
    /// [`Toolchain::detect`], remembered in `cache` (per machine): asking
    /// the rustup proxy twice costs 40-100 ms, more than anything else in
    /// starting a grading. The answer is reused only while everything it
    /// depends on is unchanged: the environment the proxy reads (`RUSTC`,
    /// `CARGO`, `RUSTUP_TOOLCHAIN`, `RUSTUP_HOME`, `CARGO_HOME`, `HOME`,
    /// `PATH`), the working folder, rustup's settings file (default
    /// toolchain, overrides) and every `rust-toolchain` file that could apply
    /// (each by size, time and inode), and the compiler binary itself (an
    /// update replaces it). Anything else asks again.
    pub fn detect_cached(cache: &Path) -> Result<Toolchain> {
        let record = cache.join("toolchain.json");
        let key = Self::lookup_key();
        if let Some(r) = std::fs::read(&record)
            .ok()
            .and_then(|b| serde_json::from_slice::<Remembered>(&b).ok())
        {
            if r.key == key && stamp(&r.rustc).is_some_and(|s| s == r.stamp) {
                return Ok(Toolchain {
                    sysroot: r.sysroot,
                    rustc: r.rustc,
                    cargo: cargo_command(),
                    version: r.version,
                });
            }
        }
        let tools = Self::detect()?;
        if let Some(stamp) = stamp(&tools.rustc) {
            let remembered = Remembered {
                key,
                stamp,
                sysroot: tools.sysroot.clone(),
                rustc: tools.rustc.clone(),
                version: tools.version.clone(),
            };
            // Best effort: a cache that cannot be written only costs time.
            let _ = std::fs::create_dir_all(cache).and_then(|()| {
                let tmp = tempfile::NamedTempFile::new_in(cache)?;
                std::fs::write(tmp.path(), serde_json::to_vec(&remembered)?)?;
                tmp.persist(&record).map(drop).map_err(|e| e.error)
            });
        }
        Ok(tools)
    }

    /// Everything the proxy's answer depends on, as one text.
    fn lookup_key() -> String {
        let var = |name: &str| std::env::var_os(name).map(|v| v.to_string_lossy().into_owned());
        let mut key = String::new();
        for name in [
            "RUSTC",
            "CARGO",
            "RUSTUP_TOOLCHAIN",
            "RUSTUP_HOME",
            "CARGO_HOME",
            "HOME",
            "PATH",
        ] {
            key.push_str(&format!("{name}={:?}\n", var(name)));
        }
        let cwd = std::env::current_dir().unwrap_or_default();
        key.push_str(&format!("cwd={}\n", cwd.display()));
        let rustup_home = var("RUSTUP_HOME")
            .map(PathBuf::from)
            .or_else(|| var("HOME").map(|h| Path::new(&h).join(".rustup")));
        let mut files: Vec<PathBuf> = rustup_home
            .into_iter()
            .map(|h| h.join("settings.toml"))
            .collect();
        for dir in cwd.ancestors() {
            files.push(dir.join("rust-toolchain"));
            files.push(dir.join("rust-toolchain.toml"));
        }
        for file in files {
            key.push_str(&format!(
                "{}={}\n",
                file.display(),
                stamp(&file).unwrap_or_else(|| "absent".into())
            ));
        }
        hex(&Sha256::digest(key))
    }
}

/// A file's identity: device, inode, size and modification time.
fn stamp(path: &Path) -> Option<String> {
    use std::os::unix::fs::MetadataExt;
    let m = std::fs::metadata(path).ok()?;
    Some(format!(
        "{}:{}:{}:{}.{}",
        m.dev(),
        m.ino(),
        m.size(),
        m.mtime(),
        m.mtime_nsec()
    ))
}

fn cargo_command() -> PathBuf {
    std::env::var_os("CARGO")
        .map(PathBuf::from)
        .unwrap_or_else(|| "cargo".into())
}

/// Pre-built dependencies: `--extern` paths and the folder of their own deps.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Deps {
    pub externs: BTreeMap<String, PathBuf>,
    pub search_dir: PathBuf,
}

/// The prebuilt wire format (`reference/src/wire.rs`), linked by every probe.
const WIRE_CRATE: &str = "grade_wire";

/// The probe's module inside the student's crate, and its file.
const PROBE_MODULE: &str = "__grade_probe";
const PROBE_MODULE_FILE: &str = "__grade_probe.rs";

/// The crates a probe links besides the lab's own dependencies.
fn probe_dependencies() -> BTreeMap<String, String> {
    BTreeMap::from([(
        "serde_json".to_string(),
        r#"{ version = "1", features = ["float_roundtrip"] }"#.to_string(),
    )])
}

fn deps_manifest(lab: &Lab) -> String {
    let mut deps: BTreeMap<String, String> = lab
        .spec
        .dependencies
        .iter()
        .map(|(k, v)| (k.clone(), format!("{v:?}")))
        .collect();
    deps.extend(probe_dependencies());
    let mut text = String::from(
        "[package]\nname = \"grade-deps\"\nversion = \"0.0.0\"\nedition = \"2021\"\npublish = false\n\n\
         [lib]\nname = \"grade_wire\"\npath = \"lib.rs\"\n\n# Its own workspace, even when the cache lies inside another one.\n[workspace]\n\n[profile.release]\ndebug = false\n\n\
         # Shares generics (opt-level 0, 1 and s do; 2 and 3 do not): the probe,\n\
         # at opt-level 0, links to this crate's instantiations (instances.rs)\n\
         # instead of compiling them again.\n\
         [profile.release.package.grade-deps]\nopt-level = 1\n\n[dependencies]\n",
    );
    for (name, req) in deps {
        text.push_str(&format!("{name} = {req}\n"));
    }
    text
}

/// Builds (once per machine, toolchain and dependency set) the crates student
/// code and probes link against, and returns where they are.
pub fn prepare_deps(lab: &Lab, tools: &Toolchain, cache: &Path) -> Result<Deps> {
    let manifest = deps_manifest(lab);
    // The probe's wire format is built here too, once, so that each
    // submission's probe compile is only the adapter; and with it the
    // generic code that probes commonly instantiate (`instances.rs`).
    let wire = lab.wire_source()?;
    let instances = lab.instances_source()?;
    let key = hex(&Sha256::digest(format!(
        "{manifest}\n{}\n{wire}\n{instances}",
        tools.version
    )))[..16]
        .to_string();
    let dir = cache.join(format!("deps-{key}"));
    std::fs::create_dir_all(&dir)
        .with_context(|| format!("cannot create the cache folder {}", dir.display()))?;
    let lock = std::fs::File::create(dir.join(".lock"))?;
    lock.lock().context("cannot lock the dependency cache")?;
    let record = dir.join("deps.json");
    if let Ok(text) = std::fs::read_to_string(&record) {
        if let Ok(deps) = serde_json::from_str::<Deps>(&text) {
            if deps.externs.values().all(|p| p.is_file()) {
                return Ok(deps);
            }
        }
    }
    if instances.is_empty() {
        // Graded the same, only slower: said once, when the cache is built.
        eprintln!(
            "grade: note: {} is missing or empty: probes will compile without the prebuilt \
             generic code (about 30 % slower); copy it from the grade repository",
            lab.root.join("reference/src/instances.rs").display()
        );
    }
    std::fs::write(dir.join("Cargo.toml"), &manifest)?;
    // The generic code probes commonly instantiate, built here once (in a
    // crate that shares generics: see the manifest) for every probe to link.
    std::fs::write(
        dir.join("lib.rs"),
        format!("{wire}\n#[doc(hidden)]\n#[allow(dead_code)]\npub mod instances;\n"),
    )?;
    std::fs::write(dir.join("instances.rs"), &instances)?;
    // Pin the versions this project was tested with, when we have them.
    let lockfile = lab.root.join("Cargo.lock");
    if lockfile.is_file() && !dir.join("Cargo.lock").exists() {
        std::fs::copy(&lockfile, dir.join("Cargo.lock"))?;
    }
    let mut cargo = Command::new(&tools.cargo);
    cargo
        .args([
            "build",
            "--release",
            "--message-format=json",
            "--manifest-path",
        ])
        .arg(dir.join("Cargo.toml"))
        .env("CARGO_TARGET_DIR", dir.join("target"))
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit());
    let child = reaper::spawn(&mut cargo)
        .with_context(|| format!("cannot run {}", tools.cargo.display()))?;
    let pid = child.id();
    let out = child.wait_with_output();
    reaper::release(pid);
    let out = out.with_context(|| format!("cannot run {}", tools.cargo.display()))?;
    if !out.status.success() {
        bail!(
            "building the lab's dependencies failed (see cargo's messages above); \
             check the network or the registry, then run again"
        );
    }
    let wanted: Vec<String> = lab
        .spec
        .dependencies
        .keys()
        .chain(probe_dependencies().keys())
        .map(|k| k.replace('-', "_"))
        .chain([WIRE_CRATE.to_string()])
        .collect();
    let mut externs = BTreeMap::new();
    for line in String::from_utf8_lossy(&out.stdout).lines() {
        let Ok(msg) = serde_json::from_str::<Value>(line) else {
            continue;
        };
        if msg["reason"] != "compiler-artifact" {
            continue;
        }
        let name = msg["target"]["name"]
            .as_str()
            .unwrap_or("")
            .replace('-', "_");
        if !wanted.contains(&name) {
            continue;
        }
        let rlib = msg["filenames"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
            .find(|f| f.ends_with(".rlib"));
        if let Some(rlib) = rlib {
            externs.insert(name, PathBuf::from(rlib));
        }
    }
    if let Some(missing) = wanted.iter().find(|w| !externs.contains_key(*w)) {
        bail!("cargo built the dependencies but reported no library for {missing}");
    }
    let search_dir = dir.join("target").join("release").join("deps");
    // Children see only the dependency folder (bind-mounted as root): the
    // root crate's own rlib, which cargo puts one level up, goes in there too.
    for path in externs.values_mut() {
        if path.parent() != Some(search_dir.as_path()) {
            let inside = search_dir.join(path.file_name().context("an rlib without a name")?);
            std::fs::copy(&*path, &inside)
                .with_context(|| format!("cannot copy {} into the cache", path.display()))?;
            *path = inside;
        }
    }
    let deps = Deps {
        externs,
        search_dir,
    };
    let tmp = dir.join("deps.json.tmp");
    std::fs::write(&tmp, serde_json::to_string_pretty(&deps)?)?;
    std::fs::rename(&tmp, &record)?;
    Ok(deps)
}

/// Why a submission did not build.
#[derive(Debug)]
pub enum BuildFailure {
    /// The student's file does not compile: the compiler's first errors.
    Student(String),
    /// The student's file compiles but lacks what the probe calls.
    Api(ApiMisfit),
    /// The student's file puts its own code in place of a provided module
    /// (`provided.rs`): why, in a sentence for the student.
    Refused(String),
    /// The grader's own fault (missing template, compiler not runnable).
    Internal(anyhow::Error),
}

/// Why the probe's calls do not compile against a student's file that
/// compiles on its own.
#[derive(Debug, Clone)]
pub struct ApiMisfit {
    /// The compiler's first errors, rendered.
    pub text: String,
    /// Each error, in the compiler's order.
    pub errors: Vec<ProbeError>,
}

/// One error in the probe's code.
#[derive(Debug, Clone, PartialEq)]
pub struct ProbeError {
    /// The compiler's message and its primary label, e.g. "mismatched types
    /// (expected `f32`, found `f64`)".
    pub message: String,
    /// Lines of the student's file the error points at (the definition the
    /// probe's call does not fit), from 1.
    pub student_lines: Vec<usize>,
    /// Where in the grader's files the error is (the file's name, its line
    /// from 1): in the adapter, the arm of the item whose call does not fit.
    pub grader_place: Option<(String, usize)>,
}

/// Builds the probe for `source` (the student's file) in `work`, returning its path.
///
/// The compiler runs confined like the probe (compiling is already reading:
/// `include_str!` and `#[path]` open files), with the toolchain and the
/// dependency artifacts visible read-only inside `work`.
pub fn build(
    lab: &Lab,
    tools: &Toolchain,
    deps: &Deps,
    source: &str,
    work: &Path,
    jail: &Jail,
    options: Options,
) -> Result<PathBuf, BuildFailure> {
    let Options { wall, lines } = options;
    let internal = BuildFailure::Internal;
    // `work` stays 0700 and root's; everything the children reach is in
    // `tree`, which (as root) they see alone: the grader's temp folder is
    // covered by an empty tmpfs in their mount namespace.
    let outer = work;
    let work = &outer.join("w");
    let crate_dir = work.join("crate");
    let probe_dir = work.join("probe");
    let out_dir = work.join("out");
    let tmp_dir = work.join("tmp");
    let confinement = (|| -> Result<Arc<Confinement>> {
        use std::os::unix::fs::PermissionsExt;
        // Nobody but root enters `outer`; inside it, `tree` is traversable by
        // the sandbox account and writable only where it must write.
        std::fs::set_permissions(outer, std::fs::Permissions::from_mode(0o700))?;
        std::fs::create_dir_all(work)?;
        std::fs::set_permissions(work, std::fs::Permissions::from_mode(0o755))?;
        for dir in [&crate_dir, &probe_dir, &out_dir, &tmp_dir] {
            std::fs::create_dir_all(dir)?;
        }
        for dir in [&out_dir, &tmp_dir] {
            jail.give(dir)?;
        }
        let shared = [
            (tools.sysroot.clone(), work.join("toolchain")),
            (deps.search_dir.clone(), work.join("deps")),
        ];
        let confinement = jail
            .confine(work, &shared, &[])?
            .hiding_all_but(work, &[])?;
        if jail.private_mounts() && !confinement.hides() {
            // The temp folder cannot be hidden here: the sandbox account
            // must at least traverse `outer` (it cannot list it).
            std::fs::set_permissions(outer, std::fs::Permissions::from_mode(0o711))?;
        }
        Ok(Arc::new(confinement))
    })()
    .map_err(internal)?;
    let seen = Seen {
        rustc: jail
            .shared_path(&tools.sysroot, &work.join("toolchain"))
            .join("bin/rustc"),
        deps_dir: jail.shared_path(&deps.search_dir, &work.join("deps")),
    };
    let mut provided_modules = Vec::new();
    (|| -> Result<()> {
        // The handout's student file: the provided modules it declares.
        let handout = match lab.spec.handout.get(&lab.spec.student_file) {
            Some(src) => crate::lab::handout::render(
                &lab.read(src)?,
                crate::lab::handout::Form::Handout,
                src,
            )?,
            None => String::new(),
        };
        // The provided sources come from the template, never from the upload.
        for (dest, src) in &lab.spec.handout {
            if dest.ends_with(".rs") && *dest != lab.spec.student_file {
                let text = lab.read(src)?;
                provided_modules.extend(provided::Provided::of(
                    dest,
                    &lab.spec.student_file,
                    &text,
                    &handout,
                ));
                write(&crate_dir.join(dest), &text)?;
            }
        }
        // One crate, one compiler run: the student's file is the crate root
        // (so `crate::` paths in it keep working) and the probe is a module
        // appended after the last line (so line numbers do not move).
        let mut modules = String::new();
        let mut entry = None;
        for module in &lab.spec.probe.modules {
            let file = Path::new(module)
                .file_name()
                .context("probe module without a file name")?;
            let stem = Path::new(file)
                .file_stem()
                .and_then(|s| s.to_str())
                .context("probe module name is not text")?;
            write(&probe_dir.join(file), &lab.read(module)?)?;
            modules.push_str(&format!(
                "#[path = {:?}]\nmod {stem};\n",
                probe_dir.join(file).display().to_string()
            ));
            entry.get_or_insert(stem.to_string());
        }
        let entry = entry.context("lab.toml [probe] lists no modules")?;
        write(
            &probe_dir.join(PROBE_MODULE_FILE),
            &format!(
                "// The probe, generated by grade: `probe ITEM < inputs.json`.\n\
                 use crate as lab;\n{modules}\
                 pub fn main() {{\n    crate::wire::serve({entry}::call)\n}}\n"
            ),
        )?;
        let hook = format!(
            "\n// Added by grade when grading (not part of your file): the probe that calls your code.\n\
             #[doc(hidden)]\npub use {WIRE_CRATE} as wire;\n\
             #[path = {:?}]\nmod {PROBE_MODULE};\n\
             fn main() {{\n    {PROBE_MODULE}::main()\n}}\n",
            probe_dir.join(PROBE_MODULE_FILE).display().to_string()
        );
        write(
            &crate_dir.join(&lab.spec.student_file),
            &format!("{source}{hook}"),
        )?;
        Ok(())
    })()
    .map_err(internal)?;

    provided::check(source, &provided_modules).map_err(BuildFailure::Refused)?;
    let probe = out_dir.join("probe");
    let command = |without: &[String]| {
        let mut bin = rustc(&seen, &crate_dir, &tmp_dir, lines, lab.spec.probe.opt_level);
        bin.args([
            "--crate-type",
            "bin",
            "--crate-name",
            &lab.spec.crate_name,
            "-o",
        ])
        .arg(&probe);
        for name in lab
            .spec
            .dependencies
            .keys()
            .chain(probe_dependencies().keys())
            .map(String::as_str)
            .chain([WIRE_CRATE])
        {
            extern_arg(&mut bin, deps, &seen, name);
        }
        for item in without {
            bin.args(["--cfg", &optional_cfg(item)]);
        }
        bin.arg(&lab.spec.student_file);
        bin
    };
    let failure = |e| match e {
        StepError::Errors(text, Blame::Student) => BuildFailure::Student(text),
        StepError::Errors(text, Blame::Probe(errors)) => {
            BuildFailure::Api(ApiMisfit { text, errors })
        }
        StepError::Limit(text) => BuildFailure::Student(text),
        StepError::Other(e) => BuildFailure::Internal(e),
    };
    let step = |cmd| compile_step(cmd, wall, &confinement, &lab.spec.student_file, work);
    match step(command(&[])) {
        Ok(()) => {}
        // The student's file lacks what the probe calls for one of the lab's
        // optional items (an ungraded contest): without them, the rest may
        // still be graded; if not, the second errors are the ones that matter.
        Err(StepError::Errors(text, Blame::Probe(_))) if mentions_optional(lab, &text) => {
            step(command(&lab.spec.optional_items)).map_err(failure)?
        }
        Err(e) => return Err(failure(e)),
    }
    // The code the probe runs must not be able to replace it, or leave files
    // for the next case.
    (|| -> std::io::Result<()> {
        jail.take_back(&probe)?;
        jail.take_back(&out_dir)
    })()
    .map_err(|e| internal(e.into()))?;
    Ok(probe)
}

/// The `--cfg` a probe is built with when the student's file cannot serve
/// an optional item (lab.toml's `optional_items`): the adapter's code for
/// it is then `#[cfg(not(grade_without_ITEM))]`, and a stand-in says what is
/// missing.
pub fn optional_cfg(item: &str) -> String {
    format!("grade_without_{item}")
}

/// Whether the compiler's `text` names a function of one of the lab's
/// optional items (its `[items]` entry, or the item's own name; any case, so
/// that a type named after it counts too): only then is the probe built
/// again without them.
fn mentions_optional(lab: &Lab, text: &str) -> bool {
    let text = text.to_lowercase();
    lab.spec.optional_items.iter().any(|item| {
        let functions = lab
            .spec
            .items
            .get(item)
            .map(|f| f.list())
            .unwrap_or_else(|| vec![item.clone()]);
        functions.iter().any(|f| {
            let name = f.rsplit("::").next().unwrap_or(f).to_lowercase();
            text.contains(&format!("`{name}`")) || text.contains(&format!("{name}("))
        })
    })
}

/// The compiler and the dependency artifacts as the confined compiler sees them.
struct Seen {
    rustc: PathBuf,
    deps_dir: PathBuf,
}

/// The compiler for the student's crate and the probe, at the lab's
/// `opt_level` (dependencies are always built in release).
fn rustc(seen: &Seen, cwd: &Path, tmp: &Path, lines: LineTables, opt_level: u8) -> Command {
    let mut cmd = Command::new(&seen.rustc);
    // A bare environment: compile-time `env!` in student code sees nothing of ours.
    cmd.env_clear()
        .env("PATH", "/usr/bin:/bin")
        .env("TMPDIR", tmp)
        .current_dir(cwd);
    cmd.args([
        "--edition",
        "2021",
        "--error-format",
        "json",
        "--color",
        "never",
    ])
    .args([
        "-C",
        &format!("opt-level={opt_level}"),
        "-C",
        match lines {
            LineTables::Without => "debuginfo=0",
            LineTables::With => "debuginfo=line-tables-only",
        },
    ])
    .args(["--cap-lints", "warn"])
    .arg("-L")
    .arg(format!("dependency={}", seen.deps_dir.display()));
    cmd
}

fn extern_arg(cmd: &mut Command, deps: &Deps, seen: &Seen, name: &str) {
    let key = name.replace('-', "_");
    if let Some(path) = deps.externs.get(&key) {
        // Every extern lives in the dependency folder; name it where the compiler sees it.
        let file = path
            .file_name()
            .map_or_else(|| path.clone(), |f| seen.deps_dir.join(f));
        cmd.arg("--extern").arg(format!("{key}={}", file.display()));
    }
}

enum StepError {
    Errors(String, Blame),
    /// The student's code made the compiler exceed a limit (memory, time,
    /// output size): the student's fault, said in those words.
    Limit(String),
    /// The grader's or the machine's fault (no space left, a signal nobody
    /// here sent): never the student's 0.
    Other(anyhow::Error),
}

/// Whose code a compile error is in: the student's file, or only the probe's
/// (which means the student's file lacks or changed what the probe calls:
/// each error, with where it points into the student's file).
#[derive(Clone, PartialEq, Debug)]
enum Blame {
    Student,
    Probe(Vec<ProbeError>),
}

/// Address space of one compiler run. rustc's LLVM needs well over 1 GiB of
/// address space to load; compiling the three labs' solutions peaked at 845
/// MB of address space (VmPeak) and 185 MB resident: 2 GiB leaves more than
/// twice that, and two batch jobs stay far below the machine. A huge static
/// array is then refused by rustc itself ("tried to allocate more memory than
/// available to compiler") or aborts it.
pub const COMPILE_ADDRESS_SPACE: u64 = 2 << 30;

/// Largest file the compiler may write. The solutions' probes are about
/// 13 MB (opt-level 0, no debug info); a 400 MB static array makes a 404 MB
/// binary and is stopped here. It also bounds what one compile can put on
/// disk (rustc writes a handful of files: object files and the binary).
pub const COMPILE_FILE_SIZE: u64 = 128 << 20;

/// rustc's lint for a constant evaluation that runs too long. `--cap-lints
/// warn` (kept so that a student's `#![deny(..)]` cannot fail the grader's
/// own probe code) turns it into a warning, after which rustc evaluates on
/// forever; the compile is stopped when it appears (about 1.6 s in).
const CONST_EVAL_LINT: &str = "long_running_const_eval";

/// Shown errors at most; the rest are counted.
const SHOWN_ERRORS: usize = 3;
const LINES_PER_ERROR: usize = 25;

/// How the compiler's messages name the grader's own files (the probe's
/// modules, and the toolchain's and dependencies' sources): not by their
/// temporary folder, which means nothing to a student and changes on every
/// run. The student's own files are named relative to their crate.
pub const GRADER_FILES_SHOWN_AS: &str = "grader's ";

/// Whether a place in a compiler message (`PATH:LINE:COL` after `-->`) is in
/// the grader's files rather than the student's crate: named as the
/// grader's, or absolute (as results written before that were).
pub fn is_grader_place(path: &str) -> bool {
    path.starts_with(GRADER_FILES_SHOWN_AS) || path.starts_with('/')
}

fn compile_step(
    cmd: Command,
    wall: Duration,
    confinement: &Arc<Confinement>,
    student_file: &str,
    work: &Path,
) -> Result<(), StepError> {
    let limits = Limits {
        wall,
        // rustc's threads share the CPU limit; the wall clock decides here
        // (the linker runs while rustc waits, so no idle rule either).
        cpu: wall * 2,
        idle: None,
        address_space: Some(COMPILE_ADDRESS_SPACE),
        file_size: COMPILE_FILE_SIZE,
        open_files: 1024,
        // rustc, cc and ld with their threads; 16 is too few for rustc.
        processes: confinement.drops_privileges().then_some(512),
        output_bytes: 4 << 20,
        answer_bytes: 0,
        stop_on_stderr: Some(CONST_EVAL_LINT),
    };
    let outcome = sandbox::run(
        cmd,
        sandbox::Input::Nothing,
        &limits,
        Some(Arc::clone(confinement)),
    )
    .map_err(|e| StepError::Other(anyhow::anyhow!("cannot run rustc: {e}")))?;
    let stderr = outcome.stderr.text();
    let shown = |text: &str| {
        text.replace(
            &format!("{}/", work.join("probe").display()),
            GRADER_FILES_SHOWN_AS,
        )
        .replace(&format!("{}/", work.display()), GRADER_FILES_SHOWN_AS)
    };
    if outcome.exit != Exit::Code(0) {
        if let Some(failure) = limit_or_environment(outcome.exit, &stderr, &limits) {
            return Err(failure);
        }
    }
    match outcome.exit {
        Exit::Code(0) => Ok(()),
        Exit::Stopped => Err(StepError::Limit(
            "your code made the compiler run out of time: a constant evaluation ran too long \
             (an endless loop in a `const`?), and compiling was stopped"
                .into(),
        )),
        Exit::TimedOut => Err(StepError::Limit(format!(
            "your code made the compiler run out of time: compiling took longer than {} s and was stopped",
            wall.as_secs()
        ))),
        _ => {
            let errors = error_diagnostics(&stderr);
            if errors.is_empty() {
                return Err(StepError::Errors(
                    format!(
                        "the compiler failed ({:?}) without an error message:\n{}",
                        outcome.exit,
                        shown(&tail_lines(&stderr, 20))
                    ),
                    Blame::Student,
                ));
            }
            let blame = if errors.iter().any(|d| in_file(d, student_file)) {
                Blame::Student
            } else {
                Blame::Probe(
                    errors
                        .iter()
                        .map(|d| probe_error(d, student_file))
                        .collect(),
                )
            };
            let rendered: Vec<String> = errors
                .iter()
                .filter_map(|d| d["rendered"].as_str().map(shown))
                .filter(|r| !r.starts_with("error: aborting due to"))
                .collect();
            Err(StepError::Errors(summarise(&rendered), blame))
        }
    }
}

/// A failed compile that is not about the student's code being wrong: the
/// machine's fault (no space left, a quota, a signal neither the grader nor
/// the student's code could have sent), or a limit the student's code drove
/// the compiler into.
fn limit_or_environment(exit: Exit, stderr: &str, limits: &Limits) -> Option<StepError> {
    let environment = |why: &str| {
        Some(StepError::Other(anyhow::anyhow!(
            "the compiler failed because of the machine, not the submission: {why}"
        )))
    };
    let machine_text = machine_text(stderr);
    for (needle, why) in [
        ("No space left on device", "no space left on device"),
        ("os error 28", "no space left on device"),
        ("Disk quota exceeded", "disk quota exceeded"),
        ("os error 122", "disk quota exceeded"),
        ("Input/output error", "an I/O error"),
    ] {
        if machine_text.contains(needle) {
            return environment(why);
        }
    }
    let memory = || {
        Some(StepError::Limit(format!(
            "your code made the compiler run out of memory (the limit is {} MiB)",
            limits.address_space.unwrap_or(0) >> 20
        )))
    };
    if stderr.contains("memory allocation of") || stderr.contains("failed to allocate") {
        return memory();
    }
    if stderr.contains("File too large") {
        return Some(StepError::Limit(format!(
            "your code made the compiler write a file larger than {} MiB",
            limits.file_size >> 20
        )));
    }
    match exit {
        Exit::Signal(libc::SIGABRT) => memory(),
        Exit::CpuLimit => Some(StepError::Limit(format!(
            "your code made the compiler run out of time (more than {} s of CPU time)",
            limits.cpu.as_secs()
        ))),
        Exit::Signal(libc::SIGXFSZ) => Some(StepError::Limit(format!(
            "your code made the compiler write a file larger than {} MiB",
            limits.file_size >> 20
        ))),
        // The grader sends SIGKILL only at the deadline (reported as timed
        // out); the compiler's own crashes are SIGSEGV, SIGABRT or SIGILL.
        Exit::Signal(
            sig @ (libc::SIGKILL
            | libc::SIGTERM
            | libc::SIGINT
            | libc::SIGHUP
            | libc::SIGQUIT
            | libc::SIGPIPE
            | libc::SIGBUS),
        ) => environment(&format!(
            "the compiler was killed by signal {sig}, which the grader did not send"
        )),
        _ => None,
    }
}

/// What the compiler said that the student's code cannot word: lines that
/// are not diagnostics (an abort, a crash), and the messages of diagnostics
/// that point at no source (an output file that could not be written, the
/// linker). Source lines quoted under a diagnostic are left out, so a string
/// in the student's file cannot pass for the machine's error.
fn machine_text(stderr: &str) -> String {
    let mut text = String::new();
    for line in stderr.lines() {
        match serde_json::from_str::<Value>(line) {
            Ok(d) => {
                if d["spans"].as_array().is_none_or(|s| s.is_empty()) {
                    text.push_str(d["message"].as_str().unwrap_or(""));
                    text.push('\n');
                    for child in d["children"].as_array().into_iter().flatten() {
                        if child["spans"].as_array().is_none_or(|s| s.is_empty()) {
                            text.push_str(child["message"].as_str().unwrap_or(""));
                            text.push('\n');
                        }
                    }
                }
            }
            Err(_) => {
                text.push_str(line);
                text.push('\n');
            }
        }
    }
    text
}

/// The error diagnostics in rustc's JSON output.
fn error_diagnostics(stderr: &str) -> Vec<Value> {
    stderr
        .lines()
        .filter_map(|line| serde_json::from_str::<Value>(line).ok())
        .filter(|d| d["level"] == "error")
        .collect()
}

/// A diagnostic in the probe's code, with the lines of the student's `file`
/// it (or a note under it, "method defined here") points at.
fn probe_error(diagnostic: &Value, file: &str) -> ProbeError {
    let mut message = diagnostic["message"].as_str().unwrap_or("").to_string();
    let spans = |d: &Value| d["spans"].as_array().cloned().unwrap_or_default();
    let primary_label = spans(diagnostic)
        .into_iter()
        .find(|s| s["is_primary"] == true)
        .and_then(|s| s["label"].as_str().map(str::to_string));
    if let Some(label) = primary_label.filter(|l| !l.is_empty()) {
        message.push_str(&format!(" ({label})"));
    }
    let mut student_lines: Vec<usize> = std::iter::once(diagnostic)
        .chain(diagnostic["children"].as_array().into_iter().flatten())
        .flat_map(spans)
        .filter(|s| s["file_name"] == file)
        .filter_map(|s| s["line_start"].as_u64().map(|l| l as usize))
        .collect();
    student_lines.sort_unstable();
    student_lines.dedup();
    let grader_place = spans(diagnostic)
        .into_iter()
        .find(|s| s["is_primary"] == true && s["file_name"] != file)
        .and_then(|s| {
            let name = Path::new(s["file_name"].as_str()?).file_name()?.to_str()?;
            Some((name.to_string(), s["line_start"].as_u64()? as usize))
        });
    ProbeError {
        message,
        student_lines,
        grader_place,
    }
}

/// Whether a diagnostic's primary place is in `file` (as given to rustc).
fn in_file(diagnostic: &Value, file: &str) -> bool {
    diagnostic["spans"]
        .as_array()
        .into_iter()
        .flatten()
        .any(|span| span["is_primary"] == true && span["file_name"] == file)
}

fn summarise(errors: &[String]) -> String {
    let mut out: Vec<String> = errors
        .iter()
        .take(SHOWN_ERRORS)
        .map(|e| {
            let lines: Vec<&str> = e.trim_end().lines().collect();
            if lines.len() > LINES_PER_ERROR {
                format!("{}\n  ...", lines[..LINES_PER_ERROR].join("\n"))
            } else {
                lines.join("\n")
            }
        })
        .collect();
    if errors.len() > SHOWN_ERRORS {
        out.push(format!(
            "... and {} more errors",
            errors.len() - SHOWN_ERRORS
        ));
    }
    out.join("\n\n")
}

fn tail_lines(text: &str, n: usize) -> String {
    let lines: Vec<&str> = text.lines().collect();
    lines[lines.len().saturating_sub(n)..].join("\n")
}

fn write(path: &Path, text: &str) -> Result<()> {
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent)?;
    }
    std::fs::write(path, text).with_context(|| format!("cannot write {}", path.display()))
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_remembered_toolchain_is_reused_only_while_it_is_unchanged() {
        let cache = tempfile::tempdir().unwrap();
        let first = Toolchain::detect_cached(cache.path()).unwrap();
        let record = cache.path().join("toolchain.json");
        let mut saved: Remembered =
            serde_json::from_slice(&std::fs::read(&record).unwrap()).unwrap();
        assert_eq!(saved.version, first.version);
        // Reused: a marker in the record comes back.
        saved.version = format!("{}\nremembered", saved.version);
        std::fs::write(&record, serde_json::to_vec(&saved).unwrap()).unwrap();
        let again = Toolchain::detect_cached(cache.path()).unwrap();
        assert!(again.version.ends_with("remembered"), "{}", again.version);
        assert_eq!(again.sysroot, first.sysroot);
        // A compiler that is not the one remembered (another binary, or the
        // same path rewritten by an update): asked again.
        saved.stamp = "0:0:0:0.0".into();
        std::fs::write(&record, serde_json::to_vec(&saved).unwrap()).unwrap();
        let asked = Toolchain::detect_cached(cache.path()).unwrap();
        assert_eq!(asked.version, first.version);
        // Another lookup environment: asked again.
        let mut saved: Remembered =
            serde_json::from_slice(&std::fs::read(&record).unwrap()).unwrap();
        saved.version.push_str("\nremembered");
        saved.key = "another".into();
        std::fs::write(&record, serde_json::to_vec(&saved).unwrap()).unwrap();
        assert_eq!(
            Toolchain::detect_cached(cache.path()).unwrap().version,
            first.version
        );
    }
}
