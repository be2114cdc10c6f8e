//! `grade batch`: a whole class, one folder per student (or a Gradescope
//! "export submissions" folder), into one results.json per student plus a
//! gradebook. Re-running skips students whose upload and lab data have not
//! changed, so an interrupted batch resumes; `--shard I/N` grades a
//! deterministic share, for running shards on several machines.

use crate::grading::submission::{self, Refused};
use crate::grading::Grader;
use crate::report::results::Results;
use anyhow::{bail, Context, Result};
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use std::ffi::OsStr;
use std::io::{IsTerminal, Read};
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::Instant;

/// One student's upload.
#[derive(Debug, Clone)]
pub struct Student {
    /// Folder name under the output, and the gradebook's first column: the
    /// upload folder's name, escaped losslessly by [`student_id`].
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
    let export = names.is_some();
    let names = names.unwrap_or_default();
    let mut students: Vec<Student> = Vec::new();
    for entry in entries {
        let entry = entry?;
        let id = student_id(&entry.file_name());
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
    // Ids are unique by construction (the escaping is lossless); should that
    // ever break, one grade silently replacing another must not follow.
    if let Some(pair) = students.windows(2).find(|p| p[0].id == p[1].id) {
        bail!(
            "the folders {:?} and {:?} would both be graded as student \"{}\"; rename one",
            pair[0].upload,
            pair[1].upload,
            pair[0].id
        );
    }
    if students.is_empty() {
        bail!("{} holds no student folders", dir.display());
    }
    Ok(students)
}

/// Files the batch writes beside the student folders in its output: a
/// student folder of the same name gets an escaped id instead.
const OUTPUT_FILES: [&str; 6] = [
    "gradebook.csv",
    "summary.md",
    "histogram.svg",
    "report.html",
    "similarity.csv",
    "similarity-skipped.csv",
];

/// A student folder's name as an id, losslessly: valid UTF-8 is kept, but
/// `%`, control characters and bytes that are not UTF-8 become `%XX` (so two
/// folders differing only in such bytes stay two students, and decoding the
/// `%XX` gives the folder's name back). A name equal to one of the batch's
/// own output files has its first character escaped too.
pub fn student_id(name: &OsStr) -> String {
    use std::fmt::Write;
    let mut id = String::new();
    for chunk in name.as_bytes().utf8_chunks() {
        for c in chunk.valid().chars() {
            if c == '%' || c.is_control() {
                let mut buf = [0; 4];
                for b in c.encode_utf8(&mut buf).bytes() {
                    let _ = write!(id, "%{b:02X}");
                }
            } else {
                id.push(c);
            }
        }
        for b in chunk.invalid() {
            let _ = write!(id, "%{b:02X}");
        }
    }
    if OUTPUT_FILES.contains(&id.as_str()) {
        // ASCII names: the first character is one byte.
        id = format!("%{:02X}{}", id.as_bytes()[0], &id[1..]);
    }
    id
}

/// Gradescope's export metadata, beside the submission folders.
const METADATA: &str = "submission_metadata.yml";

/// The largest `submission_metadata.yml` read. Gradescope's has about 0.5 KB
/// per submission plus about 0.3 KB per earlier submission in its history: a
/// class of 1000 with 20 submissions each is about 6.5 MB.
pub const MAX_METADATA_BYTES: u64 = 16 << 20;

/// Nesting deeper than this is refused (Gradescope's is 5 levels deep).
const MAX_METADATA_DEPTH: usize = 32;

/// A submitter's name is kept to this many characters.
const MAX_NAME_CHARS: usize = 200;

/// Submitter names by submission folder, from Gradescope's export metadata;
/// `None` when there is no such file (not an export).
fn gradescope_names(dir: &Path) -> Result<Option<BTreeMap<String, String>>> {
    let path = dir.join(METADATA);
    if std::fs::symlink_metadata(&path).is_err() {
        return Ok(None);
    }
    let bytes = submission::read_upload_file(&path, MAX_METADATA_BYTES).map_err(|e| match e {
        Refused::TooLarge(size) => anyhow::anyhow!(
            "{} is {size} bytes; the limit is {MAX_METADATA_BYTES}",
            path.display()
        ),
        other => anyhow::anyhow!("{} {other}; it must be a plain file", path.display()),
    })?;
    let text = String::from_utf8(bytes)
        .map_err(|_| anyhow::anyhow!("{} is not UTF-8 text", path.display()))?;
    submitter_names(&text)
        .map(Some)
        .with_context(|| format!("{} cannot be used", path.display()))
}

/// Where the parser is, for [`submitter_names`]: in a mapping (awaiting a key,
/// or the value of a key: `None` when the key is not a plain text) or a list.
enum Frame {
    Key,
    Value(Option<String>),
    List,
}

/// The names under `<folder>: :submitters: - :name: <name>` in the first
/// document, read from the parser's event stream without building a tree:
/// memory stays proportional to the nesting, which is capped, and aliases
/// (`*name`, the "billion laughs" bomb) are refused outright.
fn submitter_names(text: &str) -> Result<BTreeMap<String, String>> {
    use yaml_rust2::parser::{Event, Parser};
    fn done(stack: &mut [Frame], key: Option<String>) {
        if let Some(top) = stack.last_mut() {
            *top = match top {
                Frame::Key => Frame::Value(key),
                Frame::Value(_) => Frame::Key,
                Frame::List => Frame::List,
            };
        }
    }
    let mut parser = Parser::new_from_str(text);
    let mut stack: Vec<Frame> = Vec::new();
    let mut people: BTreeMap<String, Vec<String>> = BTreeMap::new();
    loop {
        let (event, mark) = parser
            .next_token()
            .map_err(|e| anyhow::anyhow!("not valid YAML: {e}"))?;
        match event {
            Event::Alias(_) => bail!(
                "line {}: a YAML alias; aliases are refused (they can expand without bound)",
                mark.line()
            ),
            Event::MappingStart(..) | Event::SequenceStart(..) => {
                if stack.len() >= MAX_METADATA_DEPTH {
                    bail!(
                        "line {}: nested deeper than {MAX_METADATA_DEPTH} levels",
                        mark.line()
                    );
                }
                stack.push(match event {
                    Event::MappingStart(..) => Frame::Key,
                    _ => Frame::List,
                });
            }
            Event::MappingEnd | Event::SequenceEnd => {
                stack.pop();
                done(&mut stack, None);
            }
            Event::Scalar(value, ..) => {
                if matches!(stack.last(), Some(Frame::Key)) {
                    done(&mut stack, Some(value));
                    continue;
                }
                // Keys are Ruby symbols in Gradescope's export.
                if let [Frame::Value(Some(folder)), Frame::Value(Some(submitters)), Frame::List, Frame::Value(Some(name))] =
                    &stack[..]
                {
                    if submitters == ":submitters" && name == ":name" {
                        let name = clean_name(&value);
                        if !name.is_empty() {
                            people.entry(folder.clone()).or_default().push(name);
                        }
                    }
                }
                done(&mut stack, None);
            }
            Event::DocumentEnd | Event::StreamEnd => break,
            _ => {}
        }
    }
    Ok(people
        .into_iter()
        .map(|(folder, names)| (folder, names.join(" & ")))
        .collect())
}

/// One line, whitespace collapsed, at most [`MAX_NAME_CHARS`] characters.
fn clean_name(raw: &str) -> String {
    let words: Vec<&str> = raw
        .split(|c: char| c.is_whitespace() || c.is_control())
        .filter(|w| !w.is_empty())
        .collect();
    let name = words.join(" ");
    if name.chars().count() <= MAX_NAME_CHARS {
        return name;
    }
    let mut clipped: String = name.chars().take(MAX_NAME_CHARS - 1).collect();
    clipped.push('…');
    clipped
}

/// What decides a student's result: the upload's files and the lab's data.
/// Only what the grader could look at counts: entries down to the depth it
/// searches, names as bytes (lossless), links by their target text, special
/// files by their kind (never opened), and files by their content, streamed,
/// on `submission::open_upload_file`'s terms. A file larger than the largest
/// one the grader reads ([`submission::MAX_STUDENT_FILE_BYTES`]) counts by
/// its size only: its bytes cannot change the result.
pub fn content_key(upload: &Path, lab_key: &str) -> String {
    let mut hash = Sha256::new();
    hash.update(lab_key.as_bytes());
    for entry in walkdir::WalkDir::new(upload)
        .follow_links(false)
        .max_depth(submission::SEARCH_DEPTH)
        .sort_by_file_name()
        .into_iter()
        .filter_entry(|e| e.file_name() != "target")
        .flatten()
    {
        let rel = entry.path().strip_prefix(upload).unwrap_or(entry.path());
        hash.update(rel.as_os_str().as_bytes());
        hash.update([0]);
        let kind = entry.file_type();
        if kind.is_file() {
            match submission::open_upload_file(entry.path(), submission::MAX_STUDENT_FILE_BYTES) {
                Ok((file, size)) => {
                    hash.update(b"file");
                    hash.update(size.to_le_bytes());
                    let copied = std::io::copy(&mut file.take(size), &mut hash);
                    if copied.map_or(true, |n| n != size) {
                        hash.update(b"changed while read");
                    }
                }
                Err(Refused::TooLarge(size)) => {
                    hash.update(b"large file");
                    hash.update(size.to_le_bytes());
                }
                Err(other) => {
                    hash.update(b"unreadable");
                    hash.update(other.to_string().as_bytes());
                }
            }
        } else if kind.is_symlink() {
            hash.update(b"link");
            if let Ok(target) = std::fs::read_link(entry.path()) {
                hash.update(target.as_os_str().as_bytes());
            }
        } else if !kind.is_dir() {
            hash.update(b"special");
        }
        hash.update([0]);
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
                progress.advance(&crate::report::untrusted::inert(&line));
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
    let name_path = dir.join(crate::report::gradebook::NAME_FILE);
    match &student.name {
        Some(name) => crate::report::safe_write::write(&name_path, name.as_bytes())?,
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
    crate::report::safe_write::write(&dir.join(KEY_FILE), key.as_bytes())?;
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
    fn ids_are_lossless_and_unique() {
        let id = |b: &[u8]| student_id(OsStr::from_bytes(b));
        assert_eq!(id(b"alice"), "alice");
        assert_eq!(id("Zoë".as_bytes()), "Zoë");
        assert_eq!(id(b"a\xff"), "a%FF");
        assert_eq!(id(b"a\xfe"), "a%FE");
        assert_eq!(id(b"a%FF"), "a%25FF", "% itself is escaped");
        assert_eq!(id(b"line\nbreak\x1b[31m"), "line%0Abreak%1B[31m");
        assert_eq!(id(b"gradebook.csv"), "%67radebook.csv");
        assert_eq!(id(b"summary.md"), "%73ummary.md");
        // Folders differing only in such bytes stay apart.
        let dir = tempfile::tempdir().unwrap();
        for name in [&b"a\xff"[..], b"a\xfe", b"a%FF", b"a"] {
            std::fs::create_dir(dir.path().join(OsStr::from_bytes(name))).unwrap();
        }
        let ids: Vec<String> = names(dir.path()).into_iter().map(|(i, _)| i).collect();
        assert_eq!(ids, ["a", "a%25FF", "a%FE", "a%FF"]);
        let all = students(dir.path()).unwrap();
        assert_eq!(all[3].upload, dir.path().join(OsStr::from_bytes(b"a\xff")));
    }

    #[test]
    fn metadata_aliases_deep_nesting_and_odd_files_are_refused() {
        // A "billion laughs": 1 KB that a tree-building loader expands to 10^9 nodes.
        let mut bomb = String::from(
            "a: &a [\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\"]\n",
        );
        for (k, prev) in ["b", "c", "d", "e", "f", "g", "h", "i"]
            .iter()
            .zip(["a", "b", "c", "d", "e", "f", "g", "h"])
        {
            bomb.push_str(&format!("{k}: &{k} [*{prev},*{prev},*{prev},*{prev},*{prev},*{prev},*{prev},*{prev},*{prev}]\n"));
        }
        let err = submitter_names(&bomb).unwrap_err();
        assert!(format!("{err:#}").contains("alias"), "{err:#}");
        // Block nesting, which the scanner itself does not limit.
        let deep: String = (0..1000)
            .map(|k| format!("{}k:\n", " ".repeat(k)))
            .collect();
        let err = submitter_names(&deep).unwrap_err();
        assert!(format!("{err:#}").contains("nested deeper"), "{err:#}");

        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("s1")).unwrap();
        std::os::unix::fs::symlink("/dev/zero", dir.path().join(METADATA)).unwrap();
        let err = students(dir.path()).unwrap_err();
        assert!(format!("{err:#}").contains("is a link"), "{err:#}");
        std::fs::remove_file(dir.path().join(METADATA)).unwrap();
        let big = std::fs::File::create(dir.path().join(METADATA)).unwrap();
        big.set_len(MAX_METADATA_BYTES + 1).unwrap();
        let err = students(dir.path()).unwrap_err();
        assert!(format!("{err:#}").contains("the limit is"), "{err:#}");
    }

    #[test]
    fn names_are_read_from_the_event_stream_and_kept_to_one_short_line() {
        let text = format!(
            "---\nsub_1:\n  :submitters:\n  - :name: \"Ada\\nLovelace\"\n    :sid: '1'\n  - :name: {}\n  :history:\n  - :submitters:\n    - :name: Not Me\nsub_2:\n  :submitters: []\n? [complex, key]\n: {{:submitters: [{{:name: Nobody}}]}}\n",
            "x".repeat(500)
        );
        let names = submitter_names(&text).unwrap();
        assert_eq!(names.len(), 1, "{names:?}");
        let (first, second) = names["sub_1"].split_once(" & ").unwrap();
        assert_eq!(first, "Ada Lovelace");
        assert_eq!(second.chars().count(), MAX_NAME_CHARS);
        assert!(second.ends_with('…'));
    }

    #[test]
    fn the_key_streams_files_skips_huge_ones_and_never_opens_pipes() {
        let dir = tempfile::tempdir().unwrap();
        let up = dir.path();
        std::fs::create_dir(up.join("src")).unwrap();
        std::fs::write(up.join("src/lib.rs"), "fn a() {}").unwrap();
        let key = |up: &Path| content_key(up, "lab");
        let k0 = key(up);
        let c = std::ffi::CString::new(up.join("pipe").as_os_str().as_bytes()).unwrap();
        // SAFETY: a valid C string and mode.
        assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0);
        let k1 = key(up);
        assert_ne!(k0, k1);
        // 2 GiB, sparse: counted by its size, never read.
        let big = std::fs::File::create(up.join("data.bin")).unwrap();
        big.set_len(2 << 30).unwrap();
        let start = std::time::Instant::now();
        let k2 = key(up);
        assert!(start.elapsed() < std::time::Duration::from_secs(2));
        assert_ne!(k1, k2);
        big.set_len((2 << 30) + 1).unwrap();
        assert_ne!(key(up), k2, "a size change counts");
        // Names differing only in bytes that are not UTF-8 count apart.
        let a = tempfile::tempdir().unwrap();
        let b = tempfile::tempdir().unwrap();
        std::fs::write(a.path().join(OsStr::from_bytes(b"x\xff")), "1").unwrap();
        std::fs::write(a.path().join(OsStr::from_bytes(b"x\xfe")), "2").unwrap();
        std::fs::write(b.path().join(OsStr::from_bytes(b"x\xff")), "2").unwrap();
        std::fs::write(b.path().join(OsStr::from_bytes(b"x\xfe")), "1").unwrap();
        assert_ne!(key(a.path()), key(b.path()));
        // The student's file's bytes count.
        std::fs::write(up.join("src/lib.rs"), "fn b() {}").unwrap();
        assert_ne!(key(up), k2);
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
