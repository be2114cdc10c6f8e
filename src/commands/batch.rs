//! `grade batch`: a whole class, one folder per student (or a Gradescope
//! "export submissions" folder), into one results.json per student plus a
//! gradebook. Re-running skips students whose upload and lab data have not
//! changed, so an interrupted batch resumes; `--shard I/N` grades a
//! deterministic share, for running shards on several machines.

use crate::grading::submission;
use crate::grading::Grader;
use crate::report::results::Results;
use crate::report::untrusted;
use crate::upload::{self, Refused};
use anyhow::{bail, Context, Result};
use sha2::{Digest, Sha256};
use std::collections::{BTreeMap, HashMap};
use std::ffi::OsStr;
use std::io::{IsTerminal, Read};
use std::ops::Range;
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

/// A class folder as read: its students and, when Gradescope's metadata could
/// not name them, why (one line, for stderr and the batch's summary.md).
#[derive(Debug)]
pub struct Class {
    pub students: Vec<Student>,
    pub warning: Option<String>,
}

/// [`class`]'s students; its warning, if any, is said on stderr.
pub fn students(dir: &Path) -> Result<Vec<Student>> {
    let class = class(dir)?;
    if let Some(warning) = &class.warning {
        eprintln!("grade: {warning}");
    }
    Ok(class.students)
}

/// The students in `dir`, sorted by id: its sub-folders, or, for a
/// Gradescope export, the folders its `submission_metadata.yml` names. A
/// student's name is the submitters' names in an export, else the folder's
/// name (in an export, folders are submission ids, not names); so too when
/// the metadata's aliases repeat more than [`ALIAS_LIMIT`] allows, with a
/// warning.
pub fn class(dir: &Path) -> Result<Class> {
    let entries = std::fs::read_dir(dir).with_context(|| {
        format!(
            "cannot read {}; pass the folder holding one folder per student",
            dir.display()
        )
    })?;
    let (names, warning) = match gradescope_names(dir)? {
        Metadata::Absent => (None, None),
        Metadata::Names(names) => (Some(names), None),
        Metadata::Unexpanded(why) => (
            None,
            Some(format!(
                "{METADATA}: {why}; every student is named by their folder instead"
            )),
        ),
    };
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
    Ok(Class { students, warning })
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
/// `%`, control characters, every character [`untrusted::clean`] would not
/// show as it is (bidi controls and marks, line separators) and bytes that
/// are not UTF-8 become `%XX` (so two folders differing only in such bytes
/// stay two students, decoding the `%XX` gives the folder's name back, and
/// an id passes through `clean` unchanged wherever it is shown). A name
/// equal to one of the batch's own output files has its first character
/// escaped too.
pub fn student_id(name: &OsStr) -> String {
    use std::fmt::Write;
    let mut id = String::new();
    for chunk in name.as_bytes().utf8_chunks() {
        for c in chunk.valid().chars() {
            if c == '%' || c.is_control() || !shown_as_is(c) {
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

/// Whether [`untrusted::clean`] leaves `c` as it is (it keeps one list of
/// the characters that act on a reader; this asks it rather than copy it).
fn shown_as_is(c: char) -> bool {
    let mut buf = [0; 4];
    let text = c.encode_utf8(&mut buf);
    untrusted::clean(text) == *text
}

/// Gradescope's export metadata, beside the submission folders.
const METADATA: &str = "submission_metadata.yml";

/// The largest `submission_metadata.yml` read. Gradescope's has about 0.5 KB
/// per submission plus about 0.3 KB per earlier submission in its history: a
/// class of 1000 with 20 submissions each is about 6.5 MB.
pub const MAX_METADATA_BYTES: u64 = 16 << 20;

/// Nesting deeper than this is refused (Gradescope's is 5 levels deep), in
/// aliases' repeats too.
const MAX_METADATA_DEPTH: usize = 32;

/// A submitter's name is kept to this many characters, and a submission's
/// names stop growing once they hold this many (a group has a few members;
/// aliases could repeat one name a million times).
const MAX_NAME_CHARS: usize = 200;

/// YAML nodes (scalars, lists, mappings) and the bytes of their scalars.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
struct Nodes {
    nodes: usize,
    bytes: usize,
}

/// How far the metadata's aliases may expand: every node kept so that an
/// alias can repeat it, and every node an alias repeats, counts, with its
/// text. Ruby writes an alias only for an object it already wrote (the same
/// submitters in a submission's history, a repeated string). Measured
/// (`a_large_ruby_export_fits_well_within_the_alias_limit`): a 1,000-student
/// export with 20 submissions each, every earlier submission's submitters an
/// alias, is 2.7 MB and uses 160,000 nodes and 1.2 MB. Gradescope's export of
/// such a class is about 6.5 MB (see [`MAX_METADATA_BYTES`]); scaled alike,
/// it stays under 400,000 nodes and 3 MB, a fifth of the limit. A "billion
/// laughs" bomb stops at the limit in about 20 ms (release build), with
/// nothing kept but its anchored nodes as written.
const ALIAS_LIMIT: Nodes = Nodes {
    nodes: 2_000_000,
    bytes: MAX_METADATA_BYTES as usize,
};

/// What an export's metadata gave.
#[derive(Debug)]
enum Metadata {
    /// No `submission_metadata.yml`: not an export.
    Absent,
    /// Submitter names by student id.
    Names(BTreeMap<String, String>),
    /// Its aliases expand past [`ALIAS_LIMIT`]: why, in one line.
    Unexpanded(String),
}

/// Submitter names by student id, from Gradescope's export metadata.
fn gradescope_names(dir: &Path) -> Result<Metadata> {
    let path = dir.join(METADATA);
    if std::fs::symlink_metadata(&path).is_err() {
        return Ok(Metadata::Absent);
    }
    let bytes = upload::read_upload_file(&path, MAX_METADATA_BYTES).map_err(|e| match e {
        Refused::TooLarge(size) => anyhow::anyhow!(
            "{} is {size} bytes; the limit is {MAX_METADATA_BYTES}",
            path.display()
        ),
        other => anyhow::anyhow!("{} {other}; it must be a plain file", path.display()),
    })?;
    let text = String::from_utf8(bytes)
        .map_err(|_| anyhow::anyhow!("{} is not UTF-8 text", path.display()))?;
    submitter_names(&text).with_context(|| format!("{} cannot be used", path.display()))
}

/// The names under `<folder>: :submitters: - :name: <name>` in the first
/// document, by the folder's student id, read from the parser's event stream
/// without building a tree: memory stays proportional to the nesting, which
/// is capped, and to the anchored nodes. An alias repeats its node's events,
/// within [`ALIAS_LIMIT`] (past it, the "billion laughs" bomb among others,
/// no names are read).
fn submitter_names(text: &str) -> Result<Metadata> {
    read_names(text, ALIAS_LIMIT).map(|(metadata, _)| metadata)
}

/// [`submitter_names`] within `limit`, and what the aliases used of it.
fn read_names(text: &str, limit: Nodes) -> Result<(Metadata, Nodes)> {
    let mut reader = NameReader::default();
    let mut anchors = Anchors::new(limit);
    match read_events(text, &mut reader, &mut anchors) {
        Ok(()) => {}
        Err(Stop::Refused(e)) => return Err(e),
        Err(Stop::Unexpanded(why)) => return Ok((Metadata::Unexpanded(why), anchors.used)),
    }
    let names = reader
        .people
        .into_iter()
        .map(|(folder, names)| (student_id(OsStr::new(&folder)), names.join(" & ")))
        .collect();
    Ok((Metadata::Names(names), anchors.used))
}

/// Why reading the metadata stopped before its end.
enum Stop {
    /// The file cannot be used: the batch stops.
    Refused(anyhow::Error),
    /// Its aliases expand past the limit: students are named by folder.
    Unexpanded(String),
}

/// Feeds the first document's node events to `reader`; `anchors` keeps the
/// anchored nodes and repeats each alias's.
fn read_events(text: &str, reader: &mut NameReader, anchors: &mut Anchors) -> Result<(), Stop> {
    use yaml_rust2::parser::{Event, Parser};
    let mut parser = Parser::new_from_str(text);
    loop {
        let (event, mark) = parser
            .next_token()
            .map_err(|e| Stop::Refused(anyhow::anyhow!("not valid YAML: {e}")))?;
        let line = mark.line();
        match event {
            Event::Alias(id) => {
                anchors.keep_alias(id, line)?;
                anchors.repeat(id, reader, line)?;
            }
            Event::MappingStart(anchor, _) | Event::SequenceStart(anchor, _) => {
                let mapping = matches!(event, Event::MappingStart(..));
                reader.start(mapping, line)?;
                anchors.start(mapping, anchor, line)?;
            }
            Event::MappingEnd | Event::SequenceEnd => {
                anchors.end();
                reader.end();
            }
            Event::Scalar(value, _, anchor, _) => {
                anchors.keep_scalar(&value, anchor, line)?;
                reader.scalar(&value);
            }
            Event::DocumentEnd | Event::StreamEnd => return Ok(()),
            _ => {}
        }
    }
}

/// Where the names reader is: in a mapping (awaiting a key, or the value of
/// a key: `None` when the key is not a plain text) or a list.
enum Frame {
    Key,
    Value(Option<String>),
    List,
}

/// Finds names in node events, the parser's and those an alias repeats alike.
#[derive(Default)]
struct NameReader {
    stack: Vec<Frame>,
    /// Names by folder, as the metadata spells the folder.
    people: BTreeMap<String, Vec<String>>,
}

impl NameReader {
    fn start(&mut self, mapping: bool, line: usize) -> Result<(), Stop> {
        if self.stack.len() >= MAX_METADATA_DEPTH {
            return Err(Stop::Refused(anyhow::anyhow!(
                "line {line}: nested deeper than {MAX_METADATA_DEPTH} levels"
            )));
        }
        self.stack
            .push(if mapping { Frame::Key } else { Frame::List });
        Ok(())
    }

    fn end(&mut self) {
        self.stack.pop();
        self.done(None);
    }

    fn scalar(&mut self, value: &str) {
        if matches!(self.stack.last(), Some(Frame::Key)) {
            self.done(Some(value.to_string()));
            return;
        }
        // Keys are Ruby symbols in Gradescope's export.
        if let [Frame::Value(Some(folder)), Frame::Value(Some(submitters)), Frame::List, Frame::Value(Some(name))] =
            &self.stack[..]
        {
            if submitters == ":submitters" && name == ":name" {
                let name = clean_name(value);
                let names = self.people.entry(folder.clone()).or_default();
                let full = names.last().is_some_and(|n| n == "…");
                if !name.is_empty() && !full {
                    let held: usize = names.iter().map(|n| n.chars().count()).sum();
                    names.push(if held < MAX_NAME_CHARS {
                        name
                    } else {
                        "…".into()
                    });
                }
            }
        }
        self.done(None);
    }

    /// A node is complete: a key's value is awaited next, or the next key.
    fn done(&mut self, key: Option<String>) {
        if let Some(top) = self.stack.last_mut() {
            *top = match top {
                Frame::Key => Frame::Value(key),
                Frame::Value(_) => Frame::Key,
                Frame::List => Frame::List,
            };
        }
    }
}

/// One event of an anchored node, kept so that an alias can repeat it.
#[derive(Clone, Copy)]
enum Step {
    Start {
        mapping: bool,
    },
    End,
    /// A scalar: its text at `at..at + len` of [`Anchors::text`].
    Scalar {
        at: u32,
        len: u32,
    },
    /// An alias inside an anchored node, repeated when the node is.
    Alias(usize),
}

// Scalar offsets fit in a `Step`: kept text is within the limit.
const _: () = assert!(ALIAS_LIMIT.bytes < u32::MAX as usize);

/// The anchored nodes as steps (one copy, however they nest) and what
/// keeping and repeating them has used of the limit.
struct Anchors {
    steps: Vec<Step>,
    text: String,
    /// Each complete anchored node's steps, by the parser's anchor id (an
    /// anchor name used again is a new id).
    spans: HashMap<usize, Range<usize>>,
    /// Anchored lists and mappings not yet ended: (anchor id, first step, depth).
    open: Vec<(usize, usize, usize)>,
    /// The parser's nesting (a repeat is a whole node, so it leaves this as it was).
    depth: usize,
    used: Nodes,
    limit: Nodes,
}

impl Anchors {
    fn new(limit: Nodes) -> Anchors {
        Anchors {
            steps: Vec::new(),
            text: String::new(),
            spans: HashMap::new(),
            open: Vec::new(),
            depth: 0,
            used: Nodes::default(),
            limit,
        }
    }

    /// Counts one node (and its scalar's bytes) against the limit.
    fn charge(&mut self, bytes: usize, line: usize) -> Result<(), Stop> {
        self.used.nodes += 1;
        self.used.bytes += bytes;
        if self.used.nodes > self.limit.nodes || self.used.bytes > self.limit.bytes {
            return Err(Stop::Unexpanded(format!(
                "its YAML aliases expand to more than {} nodes or {} MiB (at line {line})",
                grouped(self.limit.nodes),
                self.limit.bytes >> 20
            )));
        }
        Ok(())
    }

    /// The parser started a list or mapping, anchored unless `anchor` is 0.
    fn start(&mut self, mapping: bool, anchor: usize, line: usize) -> Result<(), Stop> {
        self.depth += 1;
        if anchor != 0 {
            self.open.push((anchor, self.steps.len(), self.depth));
        }
        if !self.open.is_empty() {
            self.charge(0, line)?;
            self.steps.push(Step::Start { mapping });
        }
        Ok(())
    }

    /// The parser ended a list or mapping.
    fn end(&mut self) {
        if !self.open.is_empty() {
            self.steps.push(Step::End);
        }
        if let Some(&(id, first, depth)) = self.open.last() {
            if depth == self.depth {
                self.open.pop();
                self.spans.insert(id, first..self.steps.len());
            }
        }
        self.depth = self.depth.saturating_sub(1);
    }

    /// The parser read a scalar, anchored unless `anchor` is 0.
    fn keep_scalar(&mut self, value: &str, anchor: usize, line: usize) -> Result<(), Stop> {
        if self.open.is_empty() && anchor == 0 {
            return Ok(());
        }
        self.charge(value.len(), line)?;
        let at = self.text.len() as u32;
        self.text.push_str(value);
        self.steps.push(Step::Scalar {
            at,
            len: value.len() as u32,
        });
        if anchor != 0 {
            self.spans
                .insert(anchor, self.steps.len() - 1..self.steps.len());
        }
        Ok(())
    }

    /// The parser read an alias: kept as one step inside an anchored node.
    fn keep_alias(&mut self, id: usize, line: usize) -> Result<(), Stop> {
        if !self.open.is_empty() {
            self.charge(0, line)?;
            self.steps.push(Step::Alias(id));
        }
        Ok(())
    }

    /// Feeds the node anchored as `id` to `reader`, each alias inside it
    /// repeated in turn (with a stack of its own, not recursion).
    fn repeat(&mut self, id: usize, reader: &mut NameReader, line: usize) -> Result<(), Stop> {
        let mut frames = vec![self.span(id, line)?];
        while let Some(frame) = frames.last_mut() {
            let Some(k) = frame.next() else {
                frames.pop();
                continue;
            };
            match self.steps[k] {
                Step::Start { mapping } => {
                    self.charge(0, line)?;
                    reader.start(mapping, line)?;
                }
                Step::End => reader.end(),
                Step::Scalar { at, len } => {
                    self.charge(len as usize, line)?;
                    let at = at as usize;
                    reader.scalar(&self.text[at..at + len as usize]);
                }
                Step::Alias(inner) => {
                    let span = self.span(inner, line)?;
                    frames.push(span);
                }
            }
        }
        Ok(())
    }

    /// The steps of the complete node anchored as `id`. An alias inside the
    /// node it names (Ruby writes one for an object that holds itself) is
    /// endless: no names are read.
    fn span(&self, id: usize, line: usize) -> Result<Range<usize>, Stop> {
        self.spans.get(&id).cloned().ok_or_else(|| {
            Stop::Unexpanded(format!(
                "the YAML alias on line {line} is inside the node it repeats, so it never ends"
            ))
        })
    }
}

/// `1000000` as "1,000,000".
fn grouped(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (k, d) in digits.chars().enumerate() {
        if k > 0 && (digits.len() - k).is_multiple_of(3) {
            out.push(',');
        }
        out.push(d);
    }
    out
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
/// on `upload::open_upload_file`'s terms. A file larger than the largest
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
            match upload::open_upload_file(entry.path(), submission::MAX_STUDENT_FILE_BYTES) {
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

    /// The names `text` gives, by student id; panics when it gives none.
    fn read(text: &str) -> BTreeMap<String, String> {
        match submitter_names(text).unwrap() {
            Metadata::Names(names) => names,
            other => panic!("no names: {other:?}"),
        }
    }

    /// Why `text` names no one; panics when it does.
    fn unexpanded(text: &str) -> String {
        match submitter_names(text).unwrap() {
            Metadata::Unexpanded(why) => why,
            other => panic!("read: {other:?}"),
        }
    }

    #[test]
    fn ids_escape_bidi_and_separators_so_they_show_as_they_are() {
        let id = |s: &str| student_id(OsStr::new(s));
        assert_eq!(id("a\u{202e}b"), "a%E2%80%AEb");
        assert_eq!(id("\u{2066}x\u{2069}"), "%E2%81%A6x%E2%81%A9");
        assert_eq!(id("r\u{200f}\u{61c}\u{2028}"), "r%E2%80%8F%D8%9C%E2%80%A8");
        assert_eq!(
            id("Zoë 🦀\u{200b}"),
            "Zoë 🦀\u{200b}",
            "only what clean changes"
        );
        for hostile in [
            "\u{202a}\u{202b}\u{202c}\u{202d}\u{202e}",
            "\u{200e}\u{2067}\u{2068}",
            "\t\r\n\u{1b}\u{9b}",
        ] {
            let escaped = id(hostile);
            assert_eq!(untrusted::clean(&escaped), escaped);
            assert!(escaped.is_ascii(), "{escaped}");
        }
    }

    #[test]
    fn metadata_alias_bombs_name_no_one_and_deep_nesting_and_odd_files_are_refused() {
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
        bomb.push_str("s1:\n  :submitters: *i\n");
        let start = std::time::Instant::now();
        let why = unexpanded(&bomb);
        assert!(
            start.elapsed() < std::time::Duration::from_secs(5),
            "{:?}",
            start.elapsed()
        );
        assert_eq!(
            why,
            "its YAML aliases expand to more than 2,000,000 nodes or 16 MiB (at line 7)"
        );
        // Few nodes, but each a long text.
        let long = format!(
            "big: &big \"{}\"\ns1:\n  :submitters:\n  - :name: Ada\n    :notes: [{}]\n",
            "x".repeat(1 << 20),
            vec!["*big"; 20].join(", ")
        );
        assert!(unexpanded(&long).contains("16 MiB"));
        // An alias inside the node it names (Ruby's object that holds itself).
        let endless = "s1: &s\n  :submitters:\n  - :name: Ada\n  :self: *s\n";
        assert_eq!(
            unexpanded(endless),
            "the YAML alias on line 4 is inside the node it repeats, so it never ends"
        );
        // Block nesting, which the scanner itself does not limit.
        let deep: String = (0..1000)
            .map(|k| format!("{}k:\n", " ".repeat(k)))
            .collect();
        let err = submitter_names(&deep).unwrap_err();
        assert!(format!("{err:#}").contains("nested deeper"), "{err:#}");
        // Nesting through an alias counts too.
        let nested = |levels: usize| format!("{}x{}", "[".repeat(levels), "]".repeat(levels));
        let via_alias = format!(
            "a: &a {}\nb: {}\n",
            nested(30),
            nested(30).replace('x', "*a")
        );
        let err = submitter_names(&via_alias).unwrap_err();
        assert!(
            format!("{err:#}").contains("line 2: nested deeper than 32"),
            "{err:#}"
        );

        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("s1")).unwrap();
        std::fs::write(dir.path().join(METADATA), &bomb).unwrap();
        // Named by folder, with a warning.
        let class = class(dir.path()).unwrap();
        assert_eq!(class.students[0].name.as_deref(), Some("s1"));
        assert_eq!(
            class.warning.as_deref(),
            Some(
                "submission_metadata.yml: its YAML aliases expand to more than 2,000,000 \
                 nodes or 16 MiB (at line 7); every student is named by their folder instead"
            )
        );
        std::fs::remove_file(dir.path().join(METADATA)).unwrap();
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
    fn aliases_in_a_ruby_style_export_are_expanded() {
        // As Ruby's Psych writes repeated objects: the same submitter hash
        // in a group, its history and another group; a list, a scalar, a
        // name and a time written once and repeated (both anchor styles).
        let text = "\
---
submission_101:
  :submitters:
  - &id001
    :name: Ada Lovelace
    :sid: '1001'
    :email: ada@example.edu
  - &1
    :name: Alan Turing
    :sid: '1002'
  :created_at: &id002 2024-03-01 10:00:00.000000000 -08:00
  :score: 85.0
  :history:
  - :id: 9001
    :created_at: *id002
    :submitters:
    - *id001
    - *1
submission_102:
  :submitters: &id003
  - :name: &id004 Grace Hopper
    :sid: '1003'
  :history:
  - :submitters: *id003
submission_103:
  :submitters:
  - *id001
  - :name: *id004
    :sid: '1004'
\u{202e}x\u{7}:
  :submitters: *id003
";
        let names = read(text);
        assert_eq!(
            names,
            BTreeMap::from([
                ("%E2%80%AEx%07".to_string(), "Grace Hopper".to_string()),
                (
                    "submission_101".to_string(),
                    "Ada Lovelace & Alan Turing".to_string()
                ),
                ("submission_102".to_string(), "Grace Hopper".to_string()),
                (
                    "submission_103".to_string(),
                    "Ada Lovelace & Grace Hopper".to_string()
                ),
            ])
        );
    }

    /// A Gradescope-like export of `students` submissions with `history`
    /// earlier ones each, whose history repeats the submitters by alias.
    fn ruby_export(students: usize, history: usize) -> String {
        let mut text = String::from("---\n");
        for k in 0..students {
            text.push_str(&format!(
                "submission_{k}:\n  :submitters: &id{k}\n  - :name: Student Number {k}\n    \
                 :sid: '{k}'\n    :email: student{k}@example.edu\n  \
                 :created_at: 2024-03-01 10:00:00.000000000 -08:00\n  :score: 85.0\n  \
                 :status: processed\n  :history:\n"
            ));
            for h in 0..history {
                text.push_str(&format!(
                    "  - :id: {}\n    :created_at: 2024-02-{:02} 10:00:00.000000000 -08:00\n    \
                     :score: {h}.0\n    :status: processed\n    :submitters: *id{k}\n",
                    k * 100 + h,
                    1 + h % 28
                ));
            }
        }
        text
    }

    #[test]
    fn a_large_ruby_export_fits_well_within_the_alias_limit() {
        let text = ruby_export(1000, 19);
        let (metadata, used) = read_names(&text, ALIAS_LIMIT).unwrap();
        eprintln!("{} bytes of metadata: {used:?}", text.len());
        let Metadata::Names(names) = metadata else {
            panic!("{metadata:?}")
        };
        assert_eq!(names.len(), 1000);
        assert_eq!(names["submission_999"], "Student Number 999");
        assert!(
            used.nodes * 10 <= ALIAS_LIMIT.nodes && used.bytes * 10 <= ALIAS_LIMIT.bytes,
            "{used:?}"
        );
    }

    #[test]
    fn a_submissions_names_stop_growing() {
        let text = format!(
            "name: &n {}\ns1:\n  :submitters: [{}]\n",
            "y".repeat(150),
            vec!["{:name: *n}"; 100_000].join(", ")
        );
        let names = read(&text);
        let (first, rest) = names["s1"].split_once(" & ").unwrap();
        assert_eq!(first.len(), 150);
        assert_eq!(rest, format!("{first} & …"));
    }

    #[test]
    fn names_are_read_from_the_event_stream_and_kept_to_one_short_line() {
        let text = format!(
            "---\nsub_1:\n  :submitters:\n  - :name: \"Ada\\nLovelace\"\n    :sid: '1'\n  - :name: {}\n  :history:\n  - :submitters:\n    - :name: Not Me\nsub_2:\n  :submitters: []\n? [complex, key]\n: {{:submitters: [{{:name: Nobody}}]}}\n",
            "x".repeat(500)
        );
        let names = read(&text);
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
