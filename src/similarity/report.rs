//! What a TA reads of a comparison: `similarity.csv` (every pair sharing
//! code, highest score first), `similarity-skipped.csv` (files not compared,
//! with why), and the top pairs with their matched lines, for `report.html`.

use super::{Class, File};
use crate::grading::submission;
use crate::report::gradebook::inert_cell;
use crate::report::html::{cut_line, PairView, Side, SimilaritySection, SIDE_BYTES};
use anyhow::Result;
use std::collections::HashMap;
use std::path::Path;

pub const CSV_FILE: &str = "similarity.csv";
pub const SKIPPED_FILE: &str = "similarity-skipped.csv";

/// similarity.csv holds at most this many pairs (the highest).
pub const MAX_ROWS: usize = 10_000;

/// Lines of each file shown side by side in the report (at most; also at
/// most [`SIDE_BYTES`], each line cut at [`crate::report::html::LINE_CHARS`]).
pub const SHOWN_LINES: usize = 600;

fn ratio(x: f64) -> String {
    format!("{}", (x * 10_000.0).round() / 10_000.0)
}

/// similarity.csv's text: `student_a, student_b, score`, then each file's
/// matched share, the fingerprints matched and each file's count, and the
/// names. Students' ids and names are inert cells (no spreadsheet formula).
pub fn csv(class: &Class) -> Result<String> {
    let mut out = csv::Writer::from_writer(Vec::new());
    out.write_record([
        "student_a",
        "student_b",
        "score",
        "share_a",
        "share_b",
        "matched",
        "fingerprints_a",
        "fingerprints_b",
        "name_a",
        "name_b",
    ])?;
    for pair in class.index.pairs.iter().take(MAX_ROWS) {
        let (a, b) = (&class.files[pair.a], &class.files[pair.b]);
        out.write_record([
            inert_cell(&a.student.id),
            inert_cell(&b.student.id),
            ratio(pair.score),
            ratio(pair.share_a),
            ratio(pair.share_b),
            pair.matched.to_string(),
            class.index.kept[pair.a].len().to_string(),
            class.index.kept[pair.b].len().to_string(),
            inert_cell(a.student.name.as_deref().unwrap_or_default()),
            inert_cell(b.student.name.as_deref().unwrap_or_default()),
        ])?;
    }
    Ok(String::from_utf8(out.into_inner()?)?)
}

/// similarity-skipped.csv's text: `student, name, reason`.
pub fn skipped_csv(class: &Class) -> Result<String> {
    let mut out = csv::Writer::from_writer(Vec::new());
    out.write_record(["student", "name", "reason"])?;
    for s in &class.skipped {
        out.write_record([
            inert_cell(&s.student.id),
            inert_cell(s.student.name.as_deref().unwrap_or_default()),
            inert_cell(&crate::report::untrusted::clean(&s.reason)),
        ])?;
    }
    Ok(String::from_utf8(out.into_inner()?)?)
}

/// Writes similarity.csv and similarity-skipped.csv into `out`.
pub fn write(class: &Class, out: &Path) -> Result<()> {
    use crate::report::safe_write::write;
    std::fs::create_dir_all(out)?;
    write(&out.join(CSV_FILE), csv(class)?.as_bytes())?;
    write(&out.join(SKIPPED_FILE), skipped_csv(class)?.as_bytes())?;
    Ok(())
}

/// The lines of each file of pair `(a, b)` that the pair's shared
/// fingerprints cover, each with a region: the item of `a` the fingerprint
/// lies in, numbered in `a`'s order, so a function moved in `b` shows in the
/// same colour on both sides. Only the lines that can be shown (the first
/// [`SHOWN_LINES`]) are marked, so a k-gram spanning a million blank lines
/// costs no more than one spanning a screen.
pub fn regions(class: &Class, a: usize, b: usize) -> (HashMap<u32, usize>, HashMap<u32, usize>) {
    let kept_b = &class.index.kept[b];
    let shared =
        |h: u64| class.index.kept[a].binary_search(&h).is_ok() && kept_b.binary_search(&h).is_ok();
    let mut region_of_unit: HashMap<u32, usize> = HashMap::new();
    let mut region_of_hash: HashMap<u64, usize> = HashMap::new();
    let mut lines_a = HashMap::new();
    for f in class.files[a]
        .fingerprints
        .iter()
        .filter(|f| shared(f.hash))
    {
        let next = region_of_unit.len();
        let region = *region_of_unit.entry(f.unit).or_insert(next);
        region_of_hash.entry(f.hash).or_insert(region);
        for line in f.first_line..=f.last_line.min(SHOWN_LINES as u32) {
            lines_a.entry(line).or_insert(region);
        }
    }
    let mut lines_b = HashMap::new();
    for f in &class.files[b].fingerprints {
        if let Some(&region) = region_of_hash.get(&f.hash) {
            for line in f.first_line..=f.last_line.min(SHOWN_LINES as u32) {
                lines_b.entry(line).or_insert(region);
            }
        }
    }
    (lines_a, lines_b)
}

/// One side of a pair for the report: the file read again (on the grader's
/// terms), its first [`SHOWN_LINES`] lines (each cut at
/// [`crate::report::html::LINE_CHARS`] characters, at most [`SIDE_BYTES`] in
/// all), and their regions.
fn side(file: &File, file_name: &str, marks: &HashMap<u32, usize>) -> Side {
    let student = &file.student;
    let (source, note) = match submission::find(&student.upload, file_name) {
        Ok(found) => (found.source, None),
        Err(e) => (String::new(), Some(format!("cannot be shown: {e}"))),
    };
    let mut lines = Vec::new();
    let mut bytes = 0;
    let mut hidden = 0;
    for line in source.lines() {
        let line = cut_line(line);
        if hidden > 0 || lines.len() >= SHOWN_LINES || bytes + line.len() > SIDE_BYTES {
            hidden += 1;
            continue;
        }
        bytes += line.len();
        lines.push(line.into_owned());
    }
    let marks = (1..=lines.len() as u32)
        .map(|l| marks.get(&l).copied())
        .collect();
    Side {
        student: student.id.clone(),
        name: student.name.clone(),
        file: file.found_at.clone(),
        lines,
        marks,
        hidden_lines: hidden,
        note,
    }
}

/// The report's similarity section: the `top` pairs side by side, and the
/// files skipped.
pub fn section(class: &Class, file_name: &str, top: usize) -> SimilaritySection {
    let pairs = class
        .index
        .pairs
        .iter()
        .take(top)
        .map(|p| {
            let (ra, rb) = regions(class, p.a, p.b);
            PairView {
                score: p.score,
                share_a: p.share_a,
                share_b: p.share_b,
                matched: p.matched,
                a: side(&class.files[p.a], file_name, &ra),
                b: side(&class.files[p.b], file_name, &rb),
            }
        })
        .collect();
    SimilaritySection {
        compared: class.files.len(),
        pairs_found: class.index.pairs.len(),
        common_limit: class.index.limit,
        pairs,
        skipped: class
            .skipped
            .iter()
            .map(|s| {
                (
                    s.student.id.clone(),
                    s.student.name.clone(),
                    s.reason.clone(),
                )
            })
            .collect(),
    }
}
