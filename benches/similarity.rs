//! Speed of `grade similar` on a class of 1,000 generated submissions,
//! through the release binary (nothing is compiled or run by it):
//!
//!     cargo bench --bench similarity          # BENCH_N=1000 submissions by default
//!
//! The class: the reference solution and three independent ones
//! (tests/similarity/), mixed function by function, each with a known
//! mistake of tests/mutants/cs240.toml now and then, local names renamed,
//! and a few statements of its own inserted, so fingerprints are shared by
//! a realistic spread of students rather than all or none. Still, each
//! mixed block is in hundreds of files, so much of the class's code is
//! ignored as common (the summary printed says how many fingerprints) and
//! few pairs are scored: the time measured is mostly reading and lexing.
//! Reports the median wall time of five runs, and the pairs found.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

const GRADE: &str = env!("CARGO_BIN_EXE_grade");

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// xorshift64*: reproducible without a dependency.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

fn solution(work: &Path) -> String {
    let dir = work.join("solution");
    let out = Command::new(GRADE)
        .args(["starter", "--lab", "cs240", "--solution", "--out"])
        .arg(&dir)
        .output()
        .expect("run grade starter");
    assert!(out.status.success());
    std::fs::read_to_string(dir.join("src/lib.rs")).unwrap()
}

#[derive(serde::Deserialize)]
struct Mutant {
    from: String,
    to: String,
}

#[derive(serde::Deserialize)]
struct Mutants {
    mutant: Vec<Mutant>,
}

/// `n` uploads under `work/class`.
fn class(work: &Path, n: usize) -> PathBuf {
    let mut bases = vec![solution(work)];
    for name in ["ana", "ben", "chen"] {
        let path = root().join(format!("tests/similarity/{name}.rs"));
        bases.push(std::fs::read_to_string(path).unwrap());
    }
    let mutants: Mutants =
        toml::from_str(&std::fs::read_to_string(root().join("tests/mutants/cs240.toml")).unwrap())
            .unwrap();
    // Blocks (items and methods, split at blank lines) line up between the
    // bases with as many blocks as the solution.
    let split: Vec<Vec<&str>> = bases.iter().map(|b| b.split("\n\n").collect()).collect();
    let mixable: Vec<usize> = (0..bases.len())
        .filter(|&k| split[k].len() == split[0].len())
        .collect();
    let names = ["x", "z", "a", "y", "w", "b", "l", "n", "d", "s"];
    let dir = work.join("class");
    let mut rng = Rng(0x5eed_1234_abcd_ef01);
    for k in 0..n {
        let mut source = if rng.below(4) == 0 {
            bases[rng.below(bases.len())].clone()
        } else {
            (0..split[0].len())
                .map(|b| split[mixable[rng.below(mixable.len())]][b])
                .collect::<Vec<_>>()
                .join("\n\n")
        };
        if rng.below(3) == 0 {
            let m = &mutants.mutant[rng.below(mutants.mutant.len())];
            source = source.replacen(&m.from, &m.to, 1);
        }
        for _ in 0..3 {
            let from = names[rng.below(names.len())];
            source = source.replace(&format!(" {from} "), &format!(" {from}_{k} "));
        }
        let mut lines: Vec<String> = source.lines().map(str::to_string).collect();
        for j in 0..4 {
            let at = rng.below(lines.len());
            if lines[at].trim_end().ends_with(';') {
                lines.insert(at + 1, format!("let _check_{j} = {};", rng.below(1000)));
            }
        }
        let upload = dir.join(format!("student_{k:04}/src"));
        std::fs::create_dir_all(&upload).unwrap();
        std::fs::write(upload.join("lib.rs"), lines.join("\n") + "\n").unwrap();
    }
    dir
}

fn median(mut xs: Vec<f64>) -> f64 {
    xs.sort_by(f64::total_cmp);
    xs[xs.len() / 2]
}

fn main() {
    let n: usize = std::env::var("BENCH_N")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1000);
    let work = tempfile::tempdir().unwrap();
    let class = class(work.path(), n);
    let mut walls = Vec::new();
    let mut summary = String::new();
    for run in 0..5 {
        let out_dir = work.path().join(format!("out-{run}"));
        let start = Instant::now();
        let out = Command::new(GRADE)
            .args(["similar", "--lab", "cs240", "--submissions"])
            .arg(&class)
            .arg("--out")
            .arg(&out_dir)
            .env("GRADE_REPORT_PEAK", "1")
            .output()
            .expect("run grade similar");
        walls.push(start.elapsed().as_secs_f64());
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        summary = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }
    println!("grade similar, {n} generated submissions: median {:.2} s wall over 5 runs (runs: {walls:.2?})", median(walls.clone()));
    print!("{summary}");
}
