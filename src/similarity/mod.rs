//! Similarity across a class (`grade similar`, `grade batch --similar`):
//! which pairs of students' files share code that neither the handout nor
//! the rest of the class explains. Nothing is compiled or run.
//!
//! The stages, one module each: `tokenize` (a real Rust lexer; names and
//! literals abstracted, comments and layout gone, the file cut into items),
//! `fingerprint` (winnowing of k-gram hashes, as MOSS), `index` (an inverted
//! index of fingerprints: the handout's and the class's common ones
//! subtracted, pairs scored by their shared fingerprints), `report`
//! (similarity.csv, the skipped files, matched regions for the HTML report).

pub mod fingerprint;
pub mod index;
pub mod report;
pub mod tokenize;

use crate::commands::batch::Student;
use crate::grading::submission;
use crate::lab::handout::Form;
use crate::lab::Lab;
use anyhow::{Context, Result};
use fingerprint::Fingerprint;
use std::collections::HashSet;
use std::path::Path;
use std::sync::Mutex;

/// A fingerprint in more than this share of the class is common code (and
/// in more than [`index::MIN_COMMON_FILES`] files): `--common-share`.
pub const DEFAULT_COMMON_SHARE: f64 = 0.1;

/// One student's file, fingerprinted.
pub struct File {
    pub student: Student,
    /// Where the file was found in the upload (e.g. `src/lib.rs`).
    pub found_at: String,
    pub fingerprints: Vec<Fingerprint>,
}

/// A student whose file was not compared, and why (in a TA's words).
pub struct Skipped {
    pub student: Student,
    pub reason: String,
}

/// A class compared.
pub struct Class {
    pub files: Vec<File>,
    pub skipped: Vec<Skipped>,
    /// Pairs index `files`.
    pub index: index::Index,
    /// Fingerprints the handout holds (never counted).
    pub handout: HashSet<u64>,
}

/// The lab's handout version of the student's file: what every student starts from.
pub fn handout_source(lab: &Lab) -> Result<String> {
    let student_file = &lab.spec.student_file;
    let src = &lab.spec.handout[student_file];
    let text = lab.read(src)?;
    crate::lab::handout::render(&text, Form::Handout, src)
        .with_context(|| format!("cannot render the handout's {student_file}"))
}

/// The file name the grader looks for in an upload (e.g. `lib.rs`).
pub fn student_file_name(lab: &Lab) -> String {
    Path::new(&lab.spec.student_file)
        .file_name()
        .and_then(|f| f.to_str())
        .unwrap_or("lib.rs")
        .to_string()
}

/// Reads and fingerprints every student's file (on the grader's terms: no
/// links, no special files, at most 1 MiB, UTF-8, at most
/// [`tokenize::MAX_TOKENS`] tokens; anything else is skipped with its
/// reason), then pairs them.
pub fn compare(students: &[Student], lab: &Lab, common_share: f64) -> Result<Class> {
    let handout = tokenize::tokenize(&handout_source(lab)?)
        .map_err(|e| anyhow::anyhow!("the lab's handout {e}"))?;
    let handout = fingerprint::all_hashes(&handout);
    let file_name = student_file_name(lab);
    let read = read_all(students, &file_name);
    let mut files = Vec::new();
    let mut skipped = Vec::new();
    for (student, outcome) in students.iter().zip(read) {
        match outcome {
            Ok((found_at, fingerprints)) => files.push(File {
                student: student.clone(),
                found_at,
                fingerprints,
            }),
            Err(reason) => skipped.push(Skipped {
                student: student.clone(),
                reason,
            }),
        }
    }
    let hashes: Vec<Vec<u64>> = files
        .iter()
        .map(|f| f.fingerprints.iter().map(|p| p.hash).collect())
        .collect();
    let index = index::build(&hashes, &handout, common_share);
    Ok(Class {
        files,
        skipped,
        index,
        handout,
    })
}

type Read = Result<(String, Vec<Fingerprint>), String>;

/// What a caught panic said, in one line.
pub fn panic_message(panic: &(dyn std::any::Any + Send)) -> String {
    let text = panic
        .downcast_ref::<&str>()
        .copied()
        .or_else(|| panic.downcast_ref::<String>().map(String::as_str))
        .unwrap_or("no message");
    crate::report::untrusted::clean(text.lines().next().unwrap_or_default())
}

/// `read()`, with a panic (a bug the file found in the lexer or the
/// grader) turned into the file's reason for being skipped: one hostile
/// file cannot stop the class's comparison.
fn read_caught(read: impl FnOnce() -> Read) -> Read {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(read)).unwrap_or_else(|panic| {
        // The lexer's per-thread span table may hold the file's text.
        proc_macro2::extra::invalidate_current_thread_spans();
        Err(format!(
            "could not be compared: the grader failed on it ({}); please report this file",
            panic_message(panic.as_ref())
        ))
    })
}

/// Every student's file read and fingerprinted, in order, on as many
/// threads as there are cores.
fn read_all(students: &[Student], file_name: &str) -> Vec<Read> {
    read_all_with(students, file_name, read_one)
}

/// [`read_all`] with its reader given.
fn read_all_with(
    students: &[Student],
    file_name: &str,
    read: impl Fn(&Path, &str) -> Read + Sync,
) -> Vec<Read> {
    let slots: Vec<Mutex<Option<Read>>> = students.iter().map(|_| Mutex::new(None)).collect();
    let next = Mutex::new(0usize);
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    std::thread::scope(|s| {
        for _ in 0..threads.min(students.len()).max(1) {
            s.spawn(|| loop {
                let k = {
                    let mut n = next.lock().expect("queue");
                    *n += 1;
                    *n - 1
                };
                let Some(student) = students.get(k) else {
                    break;
                };
                let read = read_caught(|| read(&student.upload, file_name));
                *slots[k].lock().expect("slot") = Some(read);
            });
        }
    });
    slots
        .into_iter()
        .map(|s| {
            s.into_inner()
                .expect("slot")
                .unwrap_or_else(|| Err("was not read".into()))
        })
        .collect()
}

fn read_one(upload: &Path, file_name: &str) -> Read {
    let file = submission::find(upload, file_name)?;
    let tokens = tokenize::tokenize(&file.source).map_err(|e| format!("{} {e}", file.found_at))?;
    Ok((file.found_at, fingerprint::fingerprints(&tokens)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_file_the_reader_panics_on_is_skipped_and_the_others_are_read() {
        let students: Vec<Student> = (0..5)
            .map(|k| Student {
                id: format!("s{k}"),
                name: None,
                upload: format!("/nowhere/s{k}").into(),
            })
            .collect();
        let read = read_all_with(&students, "lib.rs", |upload, _| {
            if upload.ends_with("s2") {
                panic!("index out of bounds\nsecond line");
            }
            Ok((upload.display().to_string(), Vec::new()))
        });
        assert_eq!(read.len(), 5);
        for (k, r) in read.iter().enumerate() {
            match r {
                Ok((at, _)) => assert_eq!(at, &format!("/nowhere/s{k}")),
                Err(why) => {
                    assert_eq!(k, 2);
                    assert_eq!(
                        why,
                        "could not be compared: the grader failed on it (index out of bounds); \
                         please report this file"
                    );
                }
            }
        }
        assert_eq!(read.iter().filter(|r| r.is_err()).count(), 1);
    }
}
