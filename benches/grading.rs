//! Speed and memory of grading, measured end to end through the release
//! binary, as docs/PERFORMANCE.md quotes them:
//!
//!     cargo bench --bench grading            # BENCH_N=200 submissions by default
//!
//! Reports medians: a cold grading (empty dependency cache), a warm one with
//! its compile/run split and its CPU (the whole grading's, and the compile's),
//! the floor (compiling the student file alone with the grader's flags), the
//! warm grading against the hand-made `cargo test` peer of CS240
//! (`../shared/peers/cargo-test`, or `$BENCH_PEER`; skipped with a note when
//! the folder is missing) and of mse2 and twolayernet (`benches/peers`), each
//! run here, interleaved with `grade`, pair by pair; batch throughput and CPU with --jobs 1 and 2 over BENCH_N
//! realistic submissions (the solution and the mutants of
//! tests/mutants/cs240.toml) and with --jobs 2 over BENCH_N correct ones,
//! what BENCH_N compiles alone take on this machine's cores, the grader's
//! own peak memory, and what isolated credit costs in a class that looks
//! like a real one (benches/class/cs240.toml: each file graded alone,
//! BENCH_CLASS_REPS times, 3 by default).

// The tests' copy of the lab data (`copy_of_root`), shared rather than written again.
#[path = "../tests/common/mod.rs"]
mod common;
#[path = "class/realistic.rs"]
mod realistic;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

const GRADE: &str = env!("CARGO_BIN_EXE_grade");

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn median(mut xs: Vec<f64>) -> f64 {
    xs.sort_by(f64::total_cmp);
    let n = xs.len();
    if n % 2 == 1 {
        xs[n / 2]
    } else {
        (xs[n / 2 - 1] + xs[n / 2]) / 2.0
    }
}

struct Run {
    wall: f64,
    /// User + system seconds of `grade` and of every process it waited for
    /// (the compiler, the linker, each probe).
    cpu: f64,
    stderr: String,
}

/// User + system seconds of every child this process has waited for so far
/// (with their own waited-for descendants): a difference around one child
/// is that child's CPU, its compiler and probes included.
fn children_cpu() -> f64 {
    grade::sandbox::children_cpu_seconds()
}

/// Runs `grade ARGS` with `cache`, on the lab data under `data_root` when
/// given (`$GRADE_ROOT`), else this tree's.
fn grade(args: &[&str], cache: &Path, data_root: Option<&Path>) -> Run {
    let cpu_before = children_cpu();
    let start = Instant::now();
    let mut cmd = Command::new(GRADE);
    if let Some(data) = data_root {
        cmd.env("GRADE_ROOT", data);
    }
    let out = cmd
        .args(args)
        .env("GRADE_CACHE_DIR", cache)
        .env("GRADE_TIMINGS", "1")
        .env("GRADE_REPORT_PEAK", "1")
        .output()
        .expect("run grade");
    let wall = start.elapsed().as_secs_f64();
    let cpu = children_cpu() - cpu_before;
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(out.status.success(), "grade {args:?} failed:\n{stderr}");
    Run { wall, cpu, stderr }
}

/// "grade: timings: compile 0.474 s (CPU 0.512 s), runs 0.106 s ..."
/// -> (0.474, 0.512, 0.106)
fn split(stderr: &str) -> (f64, f64, f64) {
    let line = stderr
        .lines()
        .find(|l| l.contains("timings: compile"))
        .expect("timings line");
    let num = |after: &str| -> f64 {
        let rest = &line[line.find(after).expect("field") + after.len()..];
        rest.split_whitespace().next().unwrap().parse().unwrap()
    };
    (num("compile "), num("(CPU "), num("runs "))
}

/// "grade: peak memory 12345 kB" -> MiB
fn peak_mib(stderr: &str) -> f64 {
    let line = stderr
        .lines()
        .find(|l| l.contains("peak memory"))
        .expect("peak line");
    let kb: f64 = line.split_whitespace().nth(3).unwrap().parse().unwrap();
    kb / 1024.0
}

fn solution(work: &Path) -> String {
    let dir = work.join("solution");
    if let Ok(text) = std::fs::read_to_string(dir.join("src/lib.rs")) {
        return text;
    }
    let out = Command::new(GRADE)
        .args(["starter", "--lab", "cs240", "--solution", "--out"])
        .arg(&dir)
        .output()
        .unwrap();
    assert!(out.status.success());
    std::fs::read_to_string(dir.join("src/lib.rs")).unwrap()
}

/// BENCH_N uploads cycling through the solution and every mutant (or, with
/// `solutions_only`, N copies of the solution), each made unique by a comment
/// (so no two share a content key).
fn class(work: &Path, n: usize, solutions_only: bool) -> PathBuf {
    let solution = solution(work);
    let table: toml::Table = std::fs::read_to_string(root().join("tests/mutants/cs240.toml"))
        .unwrap()
        .parse()
        .unwrap();
    let mut variants = vec![solution.clone()];
    for m in table["mutant"].as_array().unwrap() {
        let (from, to) = (m["from"].as_str().unwrap(), m["to"].as_str().unwrap());
        if !solutions_only {
            variants.push(solution.replacen(from, to, 1));
        }
    }
    let dir = work.join(if solutions_only { "solutions" } else { "class" });
    for k in 0..n {
        let student = dir.join(format!("student{k:04}/src"));
        std::fs::create_dir_all(&student).unwrap();
        let source = format!("{}\n// submission {k}\n", variants[k % variants.len()]);
        std::fs::write(student.join("lib.rs"), source).unwrap();
    }
    dir
}

/// Compiles the student file alone, as the grader does (same rustc, flags and
/// dependency artifacts): the physical floor of compile-then-run grading.
/// Median wall and CPU seconds of 7 compiles.
fn floor_seconds(work: &Path, cache: &Path) -> (f64, f64) {
    let deps_json = std::fs::read_dir(cache)
        .unwrap()
        .flatten()
        .map(|e| e.path().join("deps.json"))
        .find(|p| p.is_file())
        .expect("a warm cache");
    let deps: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(deps_json).unwrap()).unwrap();
    let sysroot = Command::new("rustc")
        .args(["--print", "sysroot"])
        .output()
        .unwrap();
    let rustc = PathBuf::from(String::from_utf8_lossy(&sysroot.stdout).trim()).join("bin/rustc");
    let crate_dir = work.join("solution");
    let out_dir = work.join("floor-out");
    std::fs::create_dir_all(&out_dir).unwrap();
    let (times, cpus): (Vec<f64>, Vec<f64>) = (0..7)
        .map(|_| {
            let cpu_before = children_cpu();
            let start = Instant::now();
            let status = Command::new(&rustc)
                .current_dir(&crate_dir)
                .args([
                    "--edition",
                    "2021",
                    "--crate-type",
                    "rlib",
                    "--crate-name",
                    "cs240_lab",
                ])
                .args([
                    "-C",
                    "opt-level=0",
                    "-C",
                    "debuginfo=0",
                    "--cap-lints",
                    "warn",
                ])
                .arg("-L")
                .arg(format!(
                    "dependency={}",
                    deps["search_dir"].as_str().unwrap()
                ))
                .arg("--extern")
                .arg(format!(
                    "ndarray={}",
                    deps["externs"]["ndarray"].as_str().unwrap()
                ))
                .arg("--out-dir")
                .arg(&out_dir)
                .arg("src/lib.rs")
                .status()
                .unwrap();
            assert!(status.success());
            (start.elapsed().as_secs_f64(), children_cpu() - cpu_before)
        })
        .unzip();
    (median(times), median(cpus))
}

/// min, median and max.
fn spread(xs: &[f64]) -> (f64, f64, f64) {
    let min = xs.iter().copied().fold(f64::INFINITY, f64::min);
    let max = xs.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    (min, median(xs.to_vec()), max)
}

/// A copy of the lab data whose CS240 rubric has only the graded tests 1-7.2:
/// the peer has no tuning run, and the targets below were set before it
/// existed, so they are measured like for like. The shipped rubric's
/// training run (test 8, the leaderboard) has its own row.
fn graded_items_root() -> tempfile::TempDir {
    let copy = common::copy_of_root();
    let data = copy.path();
    let path = data.join("rubrics/cs240.toml");
    let mut rubric: toml::Table = std::fs::read_to_string(&path).unwrap().parse().unwrap();
    let tests = rubric["tests"].as_array_mut().unwrap();
    tests.retain(|t| t.get("after").is_none());
    rubric.remove("leaderboard");
    let cases = rubric["cases"].as_array_mut().unwrap();
    cases.retain(|c| c["id"].as_str() != Some("digits_tuning"));
    std::fs::write(&path, toml::to_string(&rubric).unwrap()).unwrap();
    copy
}

/// The hand-made peer: a TA's `cargo test` grader (see its README).
fn peer_dir() -> PathBuf {
    std::env::var_os("BENCH_PEER")
        .map(PathBuf::from)
        .unwrap_or_else(|| root().join("../shared/peers/cargo-test"))
}

/// A hand-made `cargo test` grader for one lab: CS240's is the shared one
/// (`../shared/peers/cargo-test`); the same kind of grader for mse2 and
/// twolayernet is kept here (`benches/peers`, its README).
struct Peer {
    lab: &'static str,
    /// The script, and the arguments it takes before `SUBMISSION FIXTURES OUT debug`.
    script: PathBuf,
    lab_argument: bool,
    /// What it prints for the lab's solution: every test it has passed.
    full_marks: &'static str,
}

impl Peer {
    fn cs240() -> Peer {
        Peer {
            lab: "cs240",
            script: peer_dir().join("peer_grade.sh"),
            lab_argument: false,
            full_marks: "100",
        }
    }

    fn ours(lab: &'static str) -> Peer {
        Peer {
            lab,
            script: root().join("benches/peers/peer_grade.sh"),
            lab_argument: true,
            full_marks: "100",
        }
    }
}

/// Warm grading of `solution` by `grade` (`one`: its arguments) and by the
/// lab's peer, interleaved (grade, peer, grade, peer, ...: a drift of the
/// machine's speed moves both alike), after a warm-up (the peer's first run
/// builds its dependencies). Returns each one's wall times and the
/// pair-by-pair ratios grade / peer; `None`, said on stderr, when the peer
/// is missing.
fn versus_peer(
    work: &Path,
    peer: &Peer,
    solution: &Path,
    one: &[&str],
    cache: &Path,
    data: Option<&Path>,
    pairs: usize,
) -> Option<[Vec<f64>; 3]> {
    let lab = peer.lab;
    if !peer.script.is_file() {
        eprintln!(
            "peer: no {} (the shared folder is not beside this clone): the {lab} row is skipped",
            peer.script.display()
        );
        return None;
    }
    // The peer reads every file of the folder it is given as a case: only
    // the cases, not the known mistakes' catalogue beside them nor CS240's
    // tuning run's digits (its peer grades tests 1-7.2).
    let fixtures = work.join(format!("peer-fixtures-{lab}"));
    std::fs::create_dir_all(&fixtures).unwrap();
    for entry in std::fs::read_dir(root().join("fixtures").join(lab)).unwrap() {
        let path = entry.unwrap().path();
        let case = path.extension().is_some_and(|e| e == "json")
            && !path.ends_with("mistakes.json")
            && !path.ends_with("digits_tuning.json");
        if case {
            std::fs::copy(&path, fixtures.join(path.file_name().unwrap())).unwrap();
        }
    }
    let scores = work.join(format!("peer-{lab}.json"));
    let run_peer = || -> f64 {
        let start = Instant::now();
        let mut cmd = Command::new(&peer.script);
        if peer.lab_argument {
            cmd.arg(lab);
        }
        let out = cmd
            .arg(solution)
            .arg(&fixtures)
            .arg(&scores)
            .arg("debug")
            .env("PEER_WORK", work.join(format!("peer-work-{lab}")))
            .output()
            .expect("run the peer");
        let wall = start.elapsed().as_secs_f64();
        let said = String::from_utf8_lossy(&out.stdout);
        assert!(
            out.status.success() && said.trim() == peer.full_marks,
            "the {lab} peer did not give the solution full marks: {said}{}",
            String::from_utf8_lossy(&out.stderr)
        );
        wall
    };
    eprintln!("peer ({lab}): warm-up (its first run builds its dependencies) ...");
    grade(one, cache, data);
    run_peer();
    run_peer();
    eprintln!("peer ({lab}): {pairs} interleaved pairs ...");
    let (mut ours, mut theirs, mut ratios) = (Vec::new(), Vec::new(), Vec::new());
    for _ in 0..pairs {
        let g = grade(one, cache, data).wall;
        let p = run_peer();
        ours.push(g);
        theirs.push(p);
        ratios.push(g / p);
    }
    Some([ours, theirs, ratios])
}

/// `grade`'s arguments to grade the submission in `dir` for `lab`.
fn grading_of<'a>(lab: &'a str, dir: &'a Path, results: &'a str) -> [&'a str; 6] {
    let dir = dir.to_str().unwrap();
    ["--lab", lab, "--submission", dir, "--out", results]
}

/// `grade starter --lab LAB --solution` into `work/solution-LAB`, once.
fn starter_solution(work: &Path, lab: &str) -> PathBuf {
    let dir = work.join(format!("solution-{lab}"));
    if !dir.exists() {
        let out = Command::new(GRADE)
            .args(["starter", "--lab", lab, "--solution", "--out"])
            .arg(&dir)
            .output()
            .unwrap();
        assert!(out.status.success(), "starter --lab {lab}");
    }
    dir
}

fn main() {
    // `cargo bench` passes --bench; nothing else is accepted.
    let n: usize = std::env::var("BENCH_N")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(200);
    let work = tempfile::tempdir().unwrap();
    let submission = work.path().join("one");
    std::fs::create_dir_all(submission.join("src")).unwrap();
    std::fs::write(submission.join("src/lib.rs"), solution(work.path())).unwrap();
    let sub = submission.to_str().unwrap();
    let results = work.path().join("results.json");
    let res = results.to_str().unwrap();
    let one = ["--lab", "cs240", "--submission", sub, "--out", res];

    let graded_items = graded_items_root();
    let data = Some(graded_items.path());
    eprintln!("cold: 3 gradings, each with an empty dependency cache ...");
    let cold: Vec<f64> = (0..3)
        .map(|k| grade(&one, &work.path().join(format!("cold-cache-{k}")), data).wall)
        .collect();

    let cache = work.path().join("warm-cache");
    grade(&one, &cache, data);
    eprintln!("warm: 9 gradings of the solution (tests 1-7.2) ...");
    let warm: Vec<Run> = (0..9).map(|_| grade(&one, &cache, data)).collect();
    let compiles: Vec<f64> = warm.iter().map(|r| split(&r.stderr).0).collect();
    let compile_cpus: Vec<f64> = warm.iter().map(|r| split(&r.stderr).1).collect();
    let runs: Vec<f64> = warm.iter().map(|r| split(&r.stderr).2).collect();
    let warm_wall = median(warm.iter().map(|r| r.wall).collect());
    let warm_cpu = median(warm.iter().map(|r| r.cpu).collect());
    let single_peak = warm.iter().map(|r| peak_mib(&r.stderr)).fold(0.0, f64::max);
    let (floor, floor_cpu) = floor_seconds(work.path(), &cache);
    let pairs: usize = std::env::var("BENCH_PAIRS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(15);
    let mut peers = vec![(
        "cs240",
        versus_peer(
            work.path(),
            &Peer::cs240(),
            &work.path().join("solution"),
            &one,
            &cache,
            data,
            pairs,
        ),
    )];
    for lab in ["mse2", "twolayernet"] {
        let dir = starter_solution(work.path(), lab);
        let args = grading_of(lab, &dir, res);
        let peer = Peer::ours(lab);
        peers.push((
            lab,
            versus_peer(work.path(), &peer, &dir, &args, &cache, None, pairs),
        ));
    }
    // A class that looks like a real one, each file alone: what isolated
    // credit adds to a buggy file, against a correct one.
    let handout = {
        let dir = work.path().join("handout");
        let out = Command::new(GRADE)
            .args(["starter", "--lab", "cs240", "--out"])
            .arg(&dir)
            .output()
            .unwrap();
        assert!(out.status.success());
        std::fs::read_to_string(dir.join("src/lib.rs")).unwrap()
    };
    let reps: usize = std::env::var("BENCH_CLASS_REPS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(3);
    let files = realistic::write(root(), work.path(), &solution(work.path()), &handout);
    eprintln!(
        "class: {} files, each graded alone {reps} times ...",
        files.len()
    );
    let mut realistic_rows = Vec::new();
    for f in &files {
        let results = f.dir.join("results.json");
        let args = [
            "--lab",
            "cs240",
            "--submission",
            f.dir.to_str().unwrap(),
            "--out",
            results.to_str().unwrap(),
        ];
        let runs: Vec<Run> = (0..reps).map(|_| grade(&args, &cache, data)).collect();
        let score = std::fs::read_to_string(&results).unwrap();
        let score: serde_json::Value = serde_json::from_str(&score).unwrap();
        realistic_rows.push((
            f.kind.clone(),
            f.name.clone(),
            median(runs.iter().map(|r| r.wall).collect()),
            realistic::variants(&runs[0].stderr),
            score["score"].as_f64().unwrap(),
        ));
    }

    // The shipped rubric: tests 1-7.2, then test 8's training run on the
    // digits (the leaderboard), which starts once they pass.
    eprintln!("warm: 9 gradings of the solution with the leaderboard's training run ...");
    let ranked: Vec<Run> = (0..9).map(|_| grade(&one, &cache, None)).collect();
    let ranked_wall = median(ranked.iter().map(|r| r.wall).collect());

    // The other labs' solutions, whole crates (answers.toml included), warm:
    // training cases and written answers count in their time.
    let mut labs = Vec::new();
    for lab in ["mse2", "twolayernet", "modular", "lab3"] {
        let dir = starter_solution(work.path(), lab);
        let args = grading_of(lab, &dir, res);
        grade(&args, &cache, None);
        eprintln!("warm: 9 gradings of the {lab} solution ...");
        let runs: Vec<Run> = (0..9).map(|_| grade(&args, &cache, None)).collect();
        let compiles: Vec<f64> = runs.iter().map(|r| split(&r.stderr).0).collect();
        let probes: Vec<f64> = runs.iter().map(|r| split(&r.stderr).2).collect();
        labs.push((
            lab,
            median(runs.iter().map(|r| r.wall).collect()),
            median(compiles),
            median(probes),
        ));
    }

    eprintln!("batch: {n} submissions, --jobs 1 and --jobs 2, then {n} correct ones ...");
    let mixed = class(work.path(), n, false);
    let correct = class(work.path(), n, true);
    let mut batch = Vec::new();
    for (kind, submissions, jobs) in [
        ("the solution and the 8 mutants in turn", &mixed, 1),
        ("the solution and the 8 mutants in turn", &mixed, 2),
        ("correct solutions only", &correct, 2),
    ] {
        let out = work.path().join(format!("batch-{}-{jobs}", batch.len()));
        let run = grade(
            &[
                "batch",
                "--lab",
                "cs240",
                "--jobs",
                &jobs.to_string(),
                "--submissions",
                submissions.to_str().unwrap(),
                "--out",
                out.to_str().unwrap(),
            ],
            &cache,
            data,
        );
        batch.push((kind, jobs, run.wall, run.cpu, peak_mib(&run.stderr)));
    }

    let isolation = warm[0]
        .stderr
        .lines()
        .find(|l| l.contains("isolation:"))
        .unwrap_or("isolation: unknown")
        .trim_start_matches("grade: ")
        .to_string();
    println!(
        "## grade benchmark (CS240, {} cores)",
        std::thread::available_parallelism().map_or(1, |n| n.get())
    );
    println!("{isolation}\n");
    println!("| measure | median | target |");
    println!("| --- | --- | --- |");
    println!(
        "| cold single submission (builds dependencies) | {:.2} s | |",
        median(cold)
    );
    println!(
        "| warm single submission, tests 1-7.2, compile + every case | {warm_wall:.2} s | ≤ 1.0 s |"
    );
    println!(
        "| ↳ compile (student file + probe) | {:.3} s | |",
        median(compiles)
    );
    println!(
        "| ↳ run (28 item×case runs, 4 at a time) | {:.3} s | |",
        median(runs)
    );
    println!(
        "| ↳ CPU of the whole grading (user + system, `grade` and every process it waited for) | {warm_cpu:.3} s | |"
    );
    println!(
        "| ↳ CPU of the compile (the probe's rustc run and its linker) | {:.3} s | |",
        median(compile_cpus.clone())
    );
    println!(
        "| floor: compile the student file alone (no prebuilt generics, no link) | {floor:.3} s (CPU {floor_cpu:.3} s) | |"
    );
    println!(
        "| warm grading / floor | {:.2}× | ≤ 2× |",
        warm_wall / floor
    );
    for (lab, peer) in &peers {
        match peer {
            Some([ours, theirs, ratios]) => {
                let (g, p, r) = (spread(ours), spread(theirs), spread(ratios));
                println!(
                    "| warm single submission, `{lab}` solution, `grade` vs the hand-made `cargo test` peer \
                     ({pairs} interleaved pairs) | grade {:.3} s (min {:.3}, max {:.3}); peer {:.3} s \
                     (min {:.3}, max {:.3}); **grade / peer {:.2}×** (pair by pair: min {:.2}, max {:.2}) \
                     | ≤ 0.75× |",
                    g.1, g.0, g.2, p.1, p.0, p.2, r.1, r.0, r.2
                );
            }
            None => println!(
                "| warm single submission, `{lab}`, vs the `cargo test` peer | skipped: no peer | ≤ 0.75× |"
            ),
        }
    }
    let cores = std::thread::available_parallelism().map_or(1, |c| c.get()) as f64;
    for (kind, jobs, wall, cpu, peak) in &batch {
        println!(
            "| batch of {n} ({kind}), --jobs {jobs} | {wall:.1} s ({:.2} s per submission; CPU {:.2} s per \
             submission, cores {:.0} % busy; grader peak {peak:.1} MiB) | {} |",
            wall / n as f64,
            cpu / n as f64,
            100.0 * cpu / (wall * cores),
            if *jobs == 2 { "≤ 45 s for 200" } else { "" }
        );
    }
    // What the target asks of the compiler alone: every submission is
    // compiled once, two at a time (`--jobs 2`, the target's 2-core machine).
    let compile_cpu = median(compile_cpus);
    let lanes = cores.min(2.0);
    println!(
        "| {n} compiles of the solution's probe alone, {lanes} at a time with no pause \
         ({n} × {compile_cpu:.3} s CPU / {lanes}) | {:.1} s | ≤ 45 s for 200 |",
        n as f64 * compile_cpu / lanes
    );
    println!("| grader's own peak memory, single submission | {single_peak:.1} MiB | ≤ 100 MiB |");
    println!(
        "| warm single submission with the leaderboard item (test 8: the solution's network trained on \
         the digits after tests 1-7.2 pass) | {ranked_wall:.2} s | |"
    );
    for (lab, wall, compile, probes) in &labs {
        println!(
            "| warm single submission, `{lab}` solution (compile {compile:.3} s, runs {probes:.3} s) | {wall:.2} s | ≤ 1.0 s |"
        );
    }
    // Isolated credit in a realistic class.
    let of = |kind: &str| -> Vec<f64> {
        realistic_rows
            .iter()
            .filter(|r| r.0 == kind)
            .map(|r| r.2)
            .collect()
    };
    let (correct, handouts, buggy) = (of("correct"), of("handout"), of("buggy"));
    let max = |xs: &[f64]| xs.iter().copied().fold(0.0, f64::max);
    println!(
        "\n### Isolated credit in a class that looks like a real one \
         (benches/class/cs240.toml, each file alone, median of {reps})\n"
    );
    println!("| file | kind | score | variants built | wall |");
    println!("| --- | --- | --- | --- | --- |");
    for (kind, name, wall, variants, score) in &realistic_rows {
        println!("| {name} | {kind} | {score} | {variants} | {wall:.2} s |");
    }
    println!(
        "\n| kind | files | median | max |\n| --- | --- | --- | --- |\n\
         | correct | {} | {:.2} s | {:.2} s |\n| unchanged handout | {} | {:.2} s | {:.2} s |\n\
         | buggy (partial, wrong, loops) | {} | {:.2} s | {:.2} s |",
        correct.len(),
        median(correct.clone()),
        max(&correct),
        handouts.len(),
        median(handouts.clone()),
        max(&handouts),
        buggy.len(),
        median(buggy.clone()),
        max(&buggy),
    );
    println!(
        "\n**median buggy / median correct: {:.2}×** (target ≤ 1.5×)",
        median(buggy) / median(correct)
    );
}
