//! The `grade` command line. Exit codes: 0 graded (whatever the score) or
//! command done; 1 graded but below `--min-score`, or a check failed
//! (`fixtures --check`, `check-lab`); 2 the grader could not do what was asked (bad
//! arguments, unknown lab, broken rubric or fixture).

use anyhow::{bail, Context, Result};
use clap::{Args, Parser, Subcommand};
use grade::build_kind::BuildKind;
use grade::grading::{default_results_path, Grader};
use grade::lab::handout::{write_starter, Form};
use grade::lab::{self, Lab};
use grade::{commands::regenerate, lab::paths, report};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

#[derive(Parser)]
#[command(
    name = "grade",
    version = grade::build_kind::VERSION,
    about = "Autograder for neural-network labs: grades a student's Rust crate and writes Gradescope's results.json",
    args_conflicts_with_subcommands = true
)]
struct Cli {
    #[command(subcommand)]
    command: Option<Cmd>,
    #[command(flatten)]
    grade: GradeArgs,
}

#[derive(Args)]
struct GradeArgs {
    /// The submission: a crate folder, a folder holding one, or the student's file itself.
    #[arg(long, value_name = "DIR")]
    submission: Option<PathBuf>,
    /// The lab to grade against (optional when only one lab exists).
    #[arg(long)]
    lab: Option<String>,
    /// Where to write results.json.
    #[arg(long, value_name = "FILE")]
    out: Option<PathBuf>,
    /// Exit with 1 when the score is below this (for CI); graded is 0 otherwise.
    #[arg(long, value_name = "POINTS")]
    min_score: Option<f64>,
    /// `github`: also print GitHub Actions annotations and append a summary to $GITHUB_STEP_SUMMARY.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    format: Format,
    /// Also write JUnit XML (one testcase per rubric test) for GitLab, Jenkins and others.
    #[arg(long, value_name = "FILE")]
    junit: Option<PathBuf>,
    /// Refuse to grade (exit 2) unless every isolation layer is on (as root: another account, namespaces, Landlock).
    #[arg(long)]
    require_isolation: bool,
}

#[derive(Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum Format {
    Text,
    Github,
}

#[derive(Subcommand)]
enum Cmd {
    /// Write a lab's handout crate (or, with --solution, the full solution).
    Starter {
        #[arg(long)]
        lab: String,
        #[arg(long, value_name = "DIR")]
        out: PathBuf,
        #[arg(long)]
        solution: bool,
        /// Also write a GitHub Actions workflow and a GitLab CI file that grade every push.
        #[arg(long)]
        with_ci: bool,
        /// The shell command CI runs to install the student build of grade (else the lab's `[ci] install`).
        #[arg(long, value_name = "COMMAND", requires = "with_ci")]
        ci_install: Option<String>,
    },
    /// Regenerate fixtures/<lab>/ from the reference, or --check that it is current.
    Fixtures {
        /// One lab; all labs when absent.
        #[arg(long)]
        lab: Option<String>,
        #[arg(long)]
        check: bool,
    },
    /// Check labs before handing them out: rubric and fresh fixtures, solution full marks,
    /// handout 0 without warnings, every known mistake below full marks and told apart.
    CheckLab {
        /// One lab; all labs of the root when absent.
        #[arg(long)]
        lab: Option<String>,
    },
    /// List the labs this grader knows.
    Labs,
    /// Write the Gradescope autograder zip (setup.sh, run_autograder, sources, rubric, fixtures).
    Package {
        #[arg(long)]
        lab: String,
        #[arg(long, value_name = "FILE", default_value = "autograder.zip")]
        out: PathBuf,
    },
    /// Grade a whole class: one sub-folder per student (or a Gradescope export).
    Batch {
        /// The folder holding one folder per student.
        #[arg(long, value_name = "DIR")]
        submissions: PathBuf,
        /// Where results.json per student, gradebook.csv, summary.md, histogram.svg and report.html go.
        #[arg(long, value_name = "DIR")]
        out: PathBuf,
        #[arg(long)]
        lab: Option<String>,
        /// Submissions graded at once.
        #[arg(long, default_value_t = 2)]
        jobs: usize,
        /// Grade only the I-th of N deterministic shares (e.g. 2/4); join them with `grade merge`.
        #[arg(long, value_name = "I/N")]
        shard: Option<grade::commands::batch::Shard>,
        /// Refuse to grade (exit 2) unless every isolation layer is on.
        #[arg(long)]
        require_isolation: bool,
        /// Also compare the class's files with each other (as `grade similar`): similarity.csv,
        /// and the most similar pairs in report.html.
        #[arg(long, conflicts_with = "shard")]
        similar: bool,
        /// With --similar: code in more than this share of the class (and in more than 10 files) is common, and ignored.
        #[arg(
            long,
            value_name = "SHARE",
            default_value_t = 0.1,
            requires = "similar"
        )]
        common_share: f64,
    },
    /// Rank pairs of students whose files share code beyond the handout (compiles nothing).
    Similar {
        /// The class: one folder per student, or a Gradescope export.
        #[arg(long, value_name = "DIR")]
        submissions: PathBuf,
        /// Where similarity.csv and similarity-skipped.csv go.
        #[arg(long, value_name = "DIR")]
        out: PathBuf,
        #[arg(long)]
        lab: Option<String>,
        /// Code in more than this share of the class (and in more than 10 files) is common, and ignored.
        #[arg(long, value_name = "SHARE", default_value_t = 0.1)]
        common_share: f64,
    },
    /// Join the outputs of `grade batch --shard` runs into one gradebook.
    Merge {
        /// Where the merged gradebook.csv, summary.md and histogram.svg go.
        #[arg(long, value_name = "DIR")]
        out: PathBuf,
        /// The shards' output folders.
        #[arg(required = true, value_name = "SHARD_DIR")]
        shards: Vec<PathBuf>,
    },
    /// Build a lab's dependencies into the cache and check isolation (run once per machine).
    Prepare {
        #[arg(long)]
        lab: String,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let root = paths::root();
    let outcome = course_grader_only(&cli.command).and_then(|()| match cli.command {
        Some(Cmd::Starter {
            lab,
            out,
            solution,
            with_ci,
            ci_install,
        }) => starter(&root, &lab, &out, solution, with_ci, ci_install),
        Some(Cmd::Fixtures { lab, check }) => fixtures(&root, lab, check),
        Some(Cmd::CheckLab { lab }) => check_lab(&root, lab),
        Some(Cmd::Package { lab, out }) => package(&root, &lab, &out),
        Some(Cmd::Prepare { lab }) => prepare(&root, &lab),
        Some(Cmd::Batch {
            submissions,
            out,
            lab,
            jobs,
            shard,
            require_isolation,
            similar,
            common_share,
        }) => batch(
            &root,
            &submissions,
            &out,
            lab,
            jobs,
            shard,
            require_isolation,
            similar.then_some(common_share),
        ),
        #[cfg(not(feature = "student"))]
        Some(Cmd::Similar {
            submissions,
            out,
            lab,
            common_share,
        }) => similar(&root, &submissions, &out, lab, common_share),
        // Refused above: the student build has no similarity code.
        #[cfg(feature = "student")]
        Some(Cmd::Similar { .. }) => unreachable!("refused by course_grader_only"),
        Some(Cmd::Merge { out, shards }) => merge(&out, &shards),
        Some(Cmd::Labs) => {
            for name in lab::names(&root) {
                println!("{name}");
            }
            Ok(ExitCode::SUCCESS)
        }
        None => grade(&root, cli.grade),
    });
    let code = outcome.unwrap_or_else(|e| {
        eprintln!("grade: error: {e:#}");
        ExitCode::from(2)
    });
    if std::env::var_os("GRADE_REPORT_PEAK").is_some() {
        // The grader's own peak memory, children excluded (for the benchmark).
        let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
        if let Some(line) = status.lines().find(|l| l.starts_with("VmHWM:")) {
            eprintln!(
                "grade: peak memory {}",
                line.trim_start_matches("VmHWM:").trim()
            );
        }
    }
    code
}

/// The student build refuses what only course staff do (with the full grader).
fn course_grader_only(command: &Option<Cmd>) -> Result<()> {
    let build = BuildKind::CURRENT;
    match command {
        Some(Cmd::Batch { .. }) => build.require_course_grader("batch"),
        Some(Cmd::Similar { .. }) => build.require_course_grader("similar"),
        Some(Cmd::Package { .. }) => build.require_course_grader("package"),
        Some(Cmd::Fixtures { .. }) => build.require_course_grader("fixtures"),
        Some(Cmd::CheckLab { .. }) => build.require_course_grader("check-lab"),
        Some(Cmd::Starter { solution: true, .. }) => {
            build.require_course_grader("starter --solution")
        }
        _ => Ok(()),
    }
}

fn grade(root: &Path, args: GradeArgs) -> Result<ExitCode> {
    let Some(submission) = args.submission else {
        bail!("nothing to grade: pass --submission DIR (see `grade --help`)");
    };
    let out = args.out.unwrap_or_else(default_results_path);
    let lab = match args.lab {
        Some(l) => l,
        None => match lab::names(root).as_slice() {
            [only] => only.clone(),
            names => match lab::from_handout(root, &submission) {
                Some(l) => l,
                None => bail!(
                    "several labs exist ({}); choose one with --lab",
                    names.join(", ")
                ),
            },
        },
    };
    // Whatever fails from here on, a valid results.json is left behind.
    let grader = match Grader::new(root, &lab, &paths::cache_dir()) {
        Ok(g) => g,
        Err(e) => return fail_with_results(&out, e),
    };
    eprintln!("grade: {}", grader.jail.notice());
    if args.require_isolation {
        if let Err(why) = grader.jail.require_all() {
            return fail_with_results(&out, anyhow::anyhow!(why));
        }
    }
    if BuildKind::CURRENT == BuildKind::Student {
        println!(
            "grade: student build: public cases only; your final grade comes from the course's grader, \
             which also runs hidden cases"
        );
    }
    if std::fs::symlink_metadata(&submission).is_err() {
        let e = anyhow::anyhow!(
            "the submission {} does not exist; check the path",
            submission.display()
        );
        let results = grader.nothing_graded(&format!("{e}"), std::time::Instant::now());
        results.write(&out)?;
        return Err(e);
    }
    let results = match grader.grade(&submission) {
        Ok(r) => r,
        Err(e) => return fail_with_results(&out, e),
    };
    results.write(&out)?;
    let title = format!("{} — {}", grader.lab.spec.title, submission.display());
    print!("{}", report::table(&results, &title));
    println!("results written to {}", out.display());
    if let Some(junit) = &args.junit {
        // Never through a link a student's repository may hold at that path.
        grade::report::safe_write::write(
            junit,
            grade::report::junit::junit(&results, grader.lab.name()).as_bytes(),
        )?;
        println!("JUnit XML written to {}", junit.display());
    }
    if args.format == Format::Github {
        print!(
            "{}",
            grade::report::github::annotations(&results, &grader.lab.spec.student_file)
        );
        if let Some(summary) = std::env::var_os("GITHUB_STEP_SUMMARY") {
            // Appended without following a link, and only to a regular file.
            grade::report::safe_write::append(
                Path::new(&summary),
                grade::report::github::summary_markdown(&results, &title).as_bytes(),
            )
            .context("cannot append to $GITHUB_STEP_SUMMARY")?;
        }
    }
    if let Some(min) = args.min_score {
        if results.score < min {
            eprintln!("grade: score {} is below --min-score {min}", results.score);
            return Ok(ExitCode::from(1));
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// The grader itself failed (not the student): write a results.json that says
/// so, then report the error.
fn fail_with_results(out: &Path, e: anyhow::Error) -> Result<ExitCode> {
    let failed = grade::report::results::Results::grader_failure(&format!("{e:#}"));
    if let Err(write_err) = failed.write(out) {
        eprintln!(
            "grade: error: could not write {}: {write_err:#}",
            out.display()
        );
    }
    Err(e)
}

fn package(root: &Path, lab: &str, out: &Path) -> Result<ExitCode> {
    let lab = Lab::load(root, lab)?;
    let count = grade::commands::package::write(&lab, out)?;
    println!(
        "wrote {} ({count} files): upload it as the autograder of a Gradescope programming assignment",
        out.display()
    );
    Ok(ExitCode::SUCCESS)
}

/// `--lab`, or the only lab there is.
fn class_lab(root: &Path, lab: Option<String>) -> Result<String> {
    Ok(match lab {
        Some(l) => l,
        None => match lab::names(root).as_slice() {
            [only] => only.clone(),
            names => bail!(
                "several labs exist ({}); choose one with --lab",
                names.join(", ")
            ),
        },
    })
}

#[allow(clippy::too_many_arguments)]
fn batch(
    root: &Path,
    submissions: &Path,
    out: &Path,
    lab: Option<String>,
    jobs: usize,
    shard: Option<grade::commands::batch::Shard>,
    require_isolation: bool,
    similar_share: Option<f64>,
) -> Result<ExitCode> {
    let lab = class_lab(root, lab)?;
    if let Some(share) = similar_share {
        check_share(share)?;
    }
    let grader = Grader::new(root, &lab, &paths::cache_dir())?;
    eprintln!("grade: {}", grader.jail.notice());
    if require_isolation {
        grader
            .jail
            .require_all()
            .map_err(|why| anyhow::anyhow!(why))?;
    }
    let class = grade::commands::batch::class(submissions)?;
    if let Some(warning) = &class.warning {
        eprintln!("grade: {warning}");
    }
    let mut students = class.students;
    if let Some(shard) = shard {
        students = shard.take(students);
    }
    let start = std::time::Instant::now();
    let summary = grade::commands::batch::run(&grader, &students, out, jobs)?;
    let rows = grade::report::gradebook::collect(&[out])?;
    grade::report::gradebook::write_all(&rows, out, &grader.lab.spec.title)?;
    if let Some(note) = grader.jail.missing_note() {
        grade::report::gradebook::note_in_summary(out, &note)?;
    }
    // The grader's own words and numbers: nothing of the metadata's text.
    if let Some(warning) = &class.warning {
        grade::report::gradebook::note_in_summary(out, warning)?;
    }
    #[cfg(not(feature = "student"))]
    let similarity_failed = {
        use grade::report::html::Similarity;
        // A comparison that fails (or panics) costs the report its similar
        // pairs, not the report: it is written with a note, and the error
        // is returned after the batch's summary.
        let compared = similar_share.map(|share| {
            std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                let class = compare_class(&grader.lab, &students, out, share)?;
                Ok(grade::similarity::report::section(
                    &class,
                    &grade::similarity::student_file_name(&grader.lab),
                    REPORT_PAIRS,
                ))
            }))
            .unwrap_or_else(|panic| {
                Err(anyhow::anyhow!(
                    "the comparison stopped on an internal error: {}",
                    grade::similarity::panic_message(&panic)
                ))
            })
        });
        // Said once, as the command's error after the summary line.
        let failed = match &compared {
            Some(Err(e)) => Some(grade::report::untrusted::inert(&format!("{e:#}"))),
            _ => None,
        };
        let similarity = match (&compared, &failed) {
            (Some(Ok(section)), _) => Similarity::Computed(section),
            (_, Some(why)) => Similarity::Failed(why),
            _ => Similarity::NotAsked,
        };
        grade::report::html::write(out, &rows, &grader.lab.spec.title, similarity)?;
        compared.and_then(Result::err)
    };
    #[cfg(feature = "student")]
    let _ = similar_share;
    println!(
        "{} graded, {} unchanged, {} grader failures in {:.1} s; gradebook in {}",
        summary.graded,
        summary.skipped,
        summary.failed,
        start.elapsed().as_secs_f64(),
        out.join("gradebook.csv").display()
    );
    #[cfg(not(feature = "student"))]
    if let Some(e) = similarity_failed {
        return Err(e.context(
            "comparing the class failed (report.html was written without the similar pairs)",
        ));
    }
    Ok(ExitCode::SUCCESS)
}

fn merge(out: &Path, shards: &[PathBuf]) -> Result<ExitCode> {
    let dirs: Vec<&Path> = shards.iter().map(PathBuf::as_path).collect();
    let rows = grade::report::gradebook::collect(&dirs)?;
    grade::report::gradebook::write_all(&rows, out, "Gradebook")?;
    #[cfg(not(feature = "student"))]
    grade::report::html::write(
        out,
        &rows,
        "Gradebook",
        grade::report::html::Similarity::NotAsked,
    )?;
    println!(
        "{} students merged into {}",
        rows.len(),
        out.join("gradebook.csv").display()
    );
    Ok(ExitCode::SUCCESS)
}

/// Pairs shown side by side in report.html.
#[cfg(not(feature = "student"))]
const REPORT_PAIRS: usize = 10;

fn check_share(share: f64) -> Result<()> {
    if !(share > 0.0 && share <= 1.0) {
        bail!("--common-share {share}: give a share of the class above 0 and at most 1, e.g. 0.1");
    }
    Ok(())
}

/// Compares the class's files and writes similarity.csv and
/// similarity-skipped.csv into `out`, saying what it found.
#[cfg(not(feature = "student"))]
fn compare_class(
    lab: &Lab,
    students: &[grade::commands::batch::Student],
    out: &Path,
    share: f64,
) -> Result<grade::similarity::Class> {
    use grade::report::untrusted::inert;
    let start = std::time::Instant::now();
    let class = grade::similarity::compare(students, lab, share)?;
    grade::similarity::report::write(&class, out)?;
    for s in &class.skipped {
        eprintln!(
            "grade: {}: not compared: {}",
            inert(&s.student.id),
            inert(&s.reason)
        );
    }
    println!(
        "{} files compared, {} skipped, {} pairs share code beyond the handout in {:.2} s; written to {}",
        class.files.len(),
        class.skipped.len(),
        class.index.pairs.len(),
        start.elapsed().as_secs_f64(),
        out.join(grade::similarity::report::CSV_FILE).display()
    );
    println!(
        "{} fingerprints ignored as the class's common code (each in more than {} files: \
         --common-share {share} of the class, and at least {})",
        class.index.common.len(),
        class.index.limit,
        grade::similarity::index::MIN_COMMON_FILES
    );
    let max_rows = grade::similarity::report::MAX_ROWS;
    if class.index.pairs.len() > max_rows {
        eprintln!(
            "grade: similarity.csv holds the {max_rows} highest-scoring of {} pairs; the other {} \
             score lower and are not listed",
            class.index.pairs.len(),
            class.index.pairs.len() - max_rows
        );
    }
    if let Some(p) = class.index.pairs.first() {
        println!(
            "most similar: {} and {} (score {:.2})",
            inert(&class.files[p.a].student.id),
            inert(&class.files[p.b].student.id),
            p.score
        );
    }
    Ok(class)
}

#[cfg(not(feature = "student"))]
fn similar(
    root: &Path,
    submissions: &Path,
    out: &Path,
    lab: Option<String>,
    share: f64,
) -> Result<ExitCode> {
    check_share(share)?;
    let lab = Lab::load(root, &class_lab(root, lab)?)?;
    let students = grade::commands::batch::students(submissions)?;
    compare_class(&lab, &students, out, share)?;
    Ok(ExitCode::SUCCESS)
}

fn prepare(root: &Path, lab: &str) -> Result<ExitCode> {
    let grader = Grader::new(root, lab, &paths::cache_dir())?;
    println!(
        "{}: dependencies built in {}; {}",
        grader.lab.name(),
        paths::cache_dir().display(),
        grader.jail.notice()
    );
    Ok(ExitCode::SUCCESS)
}

fn starter(
    root: &Path,
    lab: &str,
    out: &Path,
    solution: bool,
    with_ci: bool,
    ci_install: Option<String>,
) -> Result<ExitCode> {
    let lab = Lab::load(root, lab)?;
    let form = if solution {
        Form::Solution
    } else {
        Form::Handout
    };
    write_starter(&lab, form, out, with_ci, ci_install.as_deref())?;
    let what = if solution { "solution" } else { "handout" };
    println!("wrote the {} {what} crate to {}", lab.name(), out.display());
    Ok(ExitCode::SUCCESS)
}

fn check_lab(root: &Path, lab: Option<String>) -> Result<ExitCode> {
    use grade::commands::check_lab::{check, Outcome};
    let labs = match lab {
        Some(l) => {
            Lab::load(root, &l)?;
            vec![l]
        }
        None => lab::names(root),
    };
    if labs.is_empty() {
        bail!(
            "{} holds no lab (no reference/labs/<lab>/lab.toml); point GRADE_ROOT at a course root",
            root.display()
        );
    }
    let cache = paths::cache_dir();
    let (mut failed, mut unchecked, mut count) = (0, 0, 0);
    for name in &labs {
        for line in check(root, name, &cache, &mut |line| println!("{line}")) {
            count += 1;
            match line.outcome {
                Outcome::Ok(_) => {}
                Outcome::Failed(_) => failed += 1,
                Outcome::NotChecked(_) => unchecked += 1,
            }
        }
    }
    let labs_said = if labs.len() == 1 {
        "1 lab".to_string()
    } else {
        format!("{} labs", labs.len())
    };
    println!(
        "check-lab: {labs_said}, {count} checks: {} passed, {failed} failed, {unchecked} not checked",
        count - failed - unchecked
    );
    Ok(if failed == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

fn fixtures(root: &Path, lab: Option<String>, check: bool) -> Result<ExitCode> {
    let labs = match lab {
        Some(l) => {
            Lab::load(root, &l)?;
            vec![l]
        }
        None => lab::names(root),
    };
    let mut stale = Vec::new();
    for lab in &labs {
        if check {
            stale.extend(regenerate::check(root, lab)?);
        } else {
            let changed = regenerate::write(root, lab)?;
            println!("fixtures/{lab}: {changed} file(s) written");
        }
    }
    if stale.is_empty() {
        if check {
            println!("fixtures are current for {}", labs.join(", "));
        }
        return Ok(ExitCode::SUCCESS);
    }
    for s in &stale {
        eprintln!("stale: {s}");
    }
    eprintln!("run `grade fixtures` to regenerate them, review the diff, and commit it");
    Ok(ExitCode::from(1))
}
