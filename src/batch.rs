//! `grade batch`: a whole class, one folder per student (or a Gradescope
//! "export submissions" folder), into one results.json per student plus a
//! gradebook. Re-running skips students whose upload and lab data have not
//! changed, so an interrupted batch resumes; `--shard I/N` grades a
//! deterministic share, for running shards on several machines.

use crate::grading::Grader;
use crate::results::Results;
use anyhow::{bail, Context, Result};
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::Instant;

/// One student's upload.
#[derive(Debug, Clone)]
pub struct Student {
    /// Folder name under the output, and the gradebook's first column.
    pub id: String,
    /// Display name: from Gradescope's metadata in an export, else the
    /// student's folder name (one folder per student).
    pub name: Option<String>,
    pub upload: PathBuf,
}

/// `I/N`: the I-th of N shards, counted from 1.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shard {
    pub index: usize,
    pub count: usize,
}

impl std::str::FromStr for Shard {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        let (i, n) = s
            .split_once('/')
            .ok_or_else(|| format!("--shard {s}: expected I/N, e.g. 1/4"))?;
        let index: usize = i
            .trim()
            .parse()
            .map_err(|_| format!("--shard {s}: I is not a number"))?;
        let count: usize = n
            .trim()
            .parse()
            .map_err(|_| format!("--shard {s}: N is not a number"))?;
        if count == 0 || index == 0 || index > count {
            return Err(format!("--shard {s}: need 1 <= I <= N"));
        }
        Ok(Shard { index, count })
    }
}

impl Shard {
    /// Deterministic on the sorted list of students: the same on every machine.
    pub fn take(&self, students: Vec<Student>) -> Vec<Student> {
        students
            .into_iter()
            .enumerate()
            .filter(|(k, _)| k % self.count == self.index - 1)
            .map(|(_, s)| s)
            .collect()
    }
}

/// The students in `dir`, sorted by id: its sub-folders, or, for a
/// Gradescope export, the folders its `submission_metadata.yml` names. A
/// student's name is the submitters' names in an export, else the folder's
/// name (in an export, folders are submission ids, not names).
pub fn students(dir: &Path) -> Result<Vec<Student>> {
    let entries = std::fs::read_dir(dir).with_context(|| {
        format!(
            "cannot read {}; pass the folder holding one folder per student",
            dir.display()
        )
    })?;
    let names = gradescope_names(dir)?;
    let export = dir.join(METADATA).is_file();
    let mut students: Vec<Student> = Vec::new();
    for entry in entries {
        let entry = entry?;
        let id = entry.file_name().to_string_lossy().into_owned();
        if !entry.file_type()?.is_dir() || id.starts_with('.') {
            continue;
        }
        let name = match names.get(&id) {
            Some(n) => Some(n.clone()),
            None if !export => Some(id.clone()),
            None => None,
        };
        students.push(Student {
            name,
            id,
            upload: entry.path(),
        });
    }
    students.sort_by(|a, b| a.id.cmp(&b.id));
    if students.is_empty() {
        bail!("{} holds no student folders", dir.display());
    }
    Ok(students)
}

/// Gradescope's export metadata, beside the submission folders.
const METADATA: &str = "submission_metadata.yml";

/// Submitter names by submission folder, from Gradescope's export metadata.
fn gradescope_names(dir: &Path) -> Result<BTreeMap<String, String>> {
    let path = dir.join(METADATA);
    let Ok(text) = std::fs::read_to_string(&path) else {
        return Ok(BTreeMap::new());
    };
    let docs = yaml_rust2::YamlLoader::load_from_str(&text)
        .with_context(|| format!("{} is not valid YAML", path.display()))?;
    let mut names = BTreeMap::new();
    let Some(yaml_rust2::Yaml::Hash(top)) = docs.first() else {
        return Ok(names);
    };
    for (key, value) in top {
        let Some(folder) = key.as_str() else { continue };
        // Keys are Ruby symbols in Gradescope's export: ":submitters", ":name".
        let submitters = &value[":submitters"];
        let people: Vec<String> = submitters
            .as_vec()
            .into_iter()
            .flatten()
            .filter_map(|p| p[":name"].as_str().map(str::to_string))
            .collect();
        if !people.is_empty() {
            names.insert(folder.to_string(), people.join(" & "));
        }
    }
    Ok(names)
}

/// What decides a student's result: the upload's files and the lab's data.
pub fn content_key(upload: &Path, lab_key: &str) -> String {
    let mut hash = Sha256::new();
    hash.update(lab_key.as_bytes());
    for entry in walkdir::WalkDir::new(upload)
        .follow_links(false)
        .sort_by_file_name()
        .into_iter()
        .filter_entry(|e| e.file_name() != "target")
        .flatten()
    {
        let rel = entry.path().strip_prefix(upload).unwrap_or(entry.path());
        hash.update(rel.to_string_lossy().as_bytes());
        hash.update([0]);
        if entry.file_type().is_file() {
            if let Ok(bytes) = std::fs::read(entry.path()) {
                hash.update((bytes.len() as u64).to_le_bytes());
                hash.update(&bytes);
            }
        } else if entry.path_is_symlink() {
            if let Ok(target) = std::fs::read_link(entry.path()) {
                hash.update(target.to_string_lossy().as_bytes());
            }
        }
    }
    hash.finalize().iter().map(|b| format!("{b:02x}")).collect()
}

/// The lab's side of the key: rubric, fixtures, and this grader's version.
pub fn lab_key(grader: &Grader) -> Result<String> {
    let mut hash = Sha256::new();
    hash.update(env!("CARGO_PKG_VERSION").as_bytes());
    hash.update(std::fs::read(grader.lab.rubric_path())?);
    let mut fixtures: Vec<PathBuf> = std::fs::read_dir(grader.lab.fixtures_dir())?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .collect();
    fixtures.sort();
    for f in fixtures {
        hash.update(std::fs::read(&f)?);
    }
    Ok(hash.finalize().iter().map(|b| format!("{b:02x}")).collect())
}

/// How one batch went.
#[derive(Debug, Default)]
pub struct Summary {
    pub graded: usize,
    pub skipped: usize,
    pub failed: usize,
}

const KEY_FILE: &str = ".grade-key";

/// Grades `students` into `out/<id>/results.json`, `jobs` at a time.
pub fn run(grader: &Grader, students: &[Student], out: &Path, jobs: usize) -> Result<Summary> {
    std::fs::create_dir_all(out)
        .with_context(|| format!("cannot create the output folder {}", out.display()))?;
    let lab_key = lab_key(grader)?;
    let progress = Progress::new(students.len());
    let queue = Mutex::new(students.iter());
    let summary = Mutex::new(Summary::default());
    std::thread::scope(|s| {
        for _ in 0..jobs.max(1) {
            s.spawn(|| loop {
                let next = queue.lock().expect("queue").next();
                let Some(student) = next else { break };
                let outcome = grade_one(grader, student, out, &lab_key);
                let mut sum = summary.lock().expect("summary");
                let line = match &outcome {
                    Ok(Some(score)) => {
                        sum.graded += 1;
                        format!("{}: {score}", student.id)
                    }
                    Ok(None) => {
                        sum.skipped += 1;
                        format!("{}: unchanged, skipped", student.id)
                    }
                    Err(e) => {
                        sum.failed += 1;
                        format!("{}: the grader failed: {e:#}", student.id)
                    }
                };
                drop(sum);
                progress.advance(&line);
            });
        }
    });
    progress.finish();
    Ok(summary.into_inner().expect("summary"))
}

/// Grades one student unless their key is unchanged; `Ok(None)` when skipped.
fn grade_one(grader: &Grader, student: &Student, out: &Path, lab_key: &str) -> Result<Option<f64>> {
    let dir = out.join(&student.id);
    let key = content_key(&student.upload, lab_key);
    let results_path = dir.join("results.json");
    std::fs::create_dir_all(&dir)?;
    // Written even when the grading is skipped: names are not part of the key.
    let name_path = dir.join(crate::gradebook::NAME_FILE);
    match &student.name {
        Some(name) => std::fs::write(&name_path, name)?,
        None => {
            let _ = std::fs::remove_file(&name_path);
        }
    }
    if std::fs::read_to_string(dir.join(KEY_FILE)).is_ok_and(|k| k == key) && results_path.is_file()
    {
        return Ok(None);
    }
    let results = match grader.grade(&student.upload) {
        Ok(r) => r,
        Err(e) => {
            // Still a results.json, so the gradebook has the row; not keyed,
            // so the next run tries again.
            let failed = Results::grader_failure(&format!("{e:#}"));
            failed.write(&results_path)?;
            let _ = std::fs::remove_file(dir.join(KEY_FILE));
            return Err(e);
        }
    };
    results.write(&results_path)?;
    std::fs::write(dir.join(KEY_FILE), &key)?;
    Ok(Some(results.score))
}

/// A progress bar with an ETA on a terminal; plain lines otherwise (CI logs).
struct Progress {
    bar: Option<indicatif::ProgressBar>,
    total: usize,
    done: Mutex<(usize, Instant)>,
}

impl Progress {
    fn new(total: usize) -> Progress {
        let bar = std::io::stderr().is_terminal().then(|| {
            let bar = indicatif::ProgressBar::new(total as u64);
            bar.set_style(
                indicatif::ProgressStyle::with_template(
                    "{bar:40} {pos}/{len} submissions, {elapsed} elapsed, ETA {eta} {msg}",
                )
                .expect("a valid template"),
            );
            bar
        });
        Progress {
            bar,
            total,
            done: Mutex::new((0, Instant::now())),
        }
    }

    fn advance(&self, line: &str) {
        let mut done = self.done.lock().expect("progress");
        done.0 += 1;
        match &self.bar {
            Some(bar) => {
                bar.inc(1);
                bar.set_message(line.to_string());
            }
            None => eprintln!(
                "[{}/{}, {:.0} s] {line}",
                done.0,
                self.total,
                done.1.elapsed().as_secs_f64()
            ),
        }
    }

    fn finish(&self) {
        if let Some(bar) = &self.bar {
            bar.finish();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(dir: &Path) -> Vec<(String, Option<String>)> {
        students(dir)
            .unwrap()
            .into_iter()
            .map(|s| (s.id, s.name))
            .collect()
    }

    #[test]
    fn a_folder_per_student_names_each_student_by_folder() {
        let dir = tempfile::tempdir().unwrap();
        for who in ["bob", "alice", ".hidden"] {
            std::fs::create_dir(dir.path().join(who)).unwrap();
        }
        std::fs::write(dir.path().join("notes.txt"), "not a student").unwrap();
        assert_eq!(
            names(dir.path()),
            [
                ("alice".to_string(), Some("alice".to_string())),
                ("bob".to_string(), Some("bob".to_string()))
            ]
        );
    }

    #[test]
    fn an_export_names_students_from_its_metadata_only() {
        let dir = tempfile::tempdir().unwrap();
        for who in ["submission_1", "submission_2"] {
            std::fs::create_dir(dir.path().join(who)).unwrap();
        }
        std::fs::write(
            dir.path().join(METADATA),
            "submission_1:\n  :submitters:\n  - :name: Ada Lovelace\n  - :name: Alan Turing\n",
        )
        .unwrap();
        assert_eq!(
            names(dir.path()),
            [
                (
                    "submission_1".to_string(),
                    Some("Ada Lovelace & Alan Turing".to_string())
                ),
                ("submission_2".to_string(), None)
            ]
        );
    }
}
