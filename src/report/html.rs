//! `report.html`: the class report a TA opens in a browser, written by
//! `grade batch` beside gradebook.csv. One self-contained file: inline CSS and
//! inline SVG, no script, no font, no image or link that leaves the file.
//!
//! Its numbers come from the same rows and the same functions as
//! gradebook.csv and summary.md ([`gradebook::Stats`], [`gradebook::tallies`],
//! [`gradebook::number`]). Every text that is not the grader's own (ids,
//! names, feedback, compiler messages, students' code) goes through
//! [`escape`]: cleaned of control and bidi characters, then `&`, `<`, `>`,
//! `"` and `'` written as references, so it is only ever text. Behind that,
//! the page's Content-Security-Policy allows its inline style and nothing
//! else: no script runs and nothing is fetched, should escaping ever miss.

use crate::report::gradebook::{self, number, Row, Stats};
use crate::report::results::status;
use crate::report::results::{Status, TestResult};
use crate::report::untrusted;
use anyhow::Result;
use std::collections::BTreeMap;
use std::fmt::Write;
use std::path::Path;

pub const FILE: &str = "report.html";

/// Failures listed per test, most frequent first.
const FAILURES_SHOWN: usize = 5;

/// Characters of one line of a student's code shown side by side; the rest
/// is cut, ending with "…" (a 1 MiB comment line costs no tokens, so it
/// reaches the report).
pub const LINE_CHARS: usize = 300;

/// Bytes of one side of a pair, as written into the page (escaped): the
/// lines after are counted, not shown. With 10 pairs, at most about 1.3 MiB
/// of code, whatever the files hold.
pub const SIDE_BYTES: usize = 64 << 10;

/// `line` cut at [`LINE_CHARS`] characters, ending with "…" when cut.
pub fn cut_line(line: &str) -> std::borrow::Cow<'_, str> {
    match line.char_indices().nth(LINE_CHARS) {
        Some((at, _)) => format!("{}…", &line[..at]).into(),
        None => line.into(),
    }
}

/// What the report says about similarity.
#[derive(Clone, Copy)]
pub enum Similarity<'a> {
    /// Not asked for (`--similar` not given).
    NotAsked,
    /// Asked for, but comparing the class failed: why, in one line.
    Failed(&'a str),
    Computed(&'a SimilaritySection),
}

/// The similarity part of the report, when it was computed.
pub struct SimilaritySection {
    /// Files compared.
    pub compared: usize,
    /// Pairs sharing at least one fingerprint.
    pub pairs_found: usize,
    /// Code in more files than this was ignored as common.
    pub common_limit: usize,
    /// The top pairs, highest first.
    pub pairs: Vec<PairView>,
    /// (student, name, why) of each file not compared.
    pub skipped: Vec<(String, Option<String>, String)>,
}

pub struct PairView {
    pub score: f64,
    pub share_a: f64,
    pub share_b: f64,
    pub matched: usize,
    pub a: Side,
    pub b: Side,
}

/// One file of a pair: its lines and, per line, the matched region it is in.
pub struct Side {
    pub student: String,
    pub name: Option<String>,
    pub file: String,
    pub lines: Vec<String>,
    pub marks: Vec<Option<usize>>,
    /// Lines after the shown ones.
    pub hidden_lines: usize,
    /// Why the file cannot be shown, if so.
    pub note: Option<String>,
}

/// Text that is only text in HTML, in an element or a quoted attribute.
pub fn escape(text: &str) -> String {
    let clean = untrusted::clean(text);
    let mut out = String::with_capacity(clean.len() + 16);
    for c in clean.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

const STYLE: &str = "\
body{font-family:system-ui,sans-serif;margin:1.5em auto;max-width:1400px;padding:0 1em;color:#222}\
h1{font-size:1.5em}h2{margin-top:2em;border-bottom:1px solid #ccc}\
table{border-collapse:collapse;margin:.5em 0}td,th{border:1px solid #ccc;padding:.25em .5em;text-align:left;vertical-align:top}\
td.num,th.num{text-align:right;font-variant-numeric:tabular-nums}\
.overview span{font-weight:bold}.muted{color:#666}\
.bar{display:inline-block;vertical-align:middle}\
.sides{display:grid;grid-template-columns:1fr 1fr;gap:.5em}\
.side pre{margin:0;font-size:12px;line-height:1.35;overflow:auto;max-height:40em;border:1px solid #ccc;background:#fafafa}\
.side .line{display:block;white-space:pre}.side .ln{display:inline-block;width:3.5em;color:#999;text-align:right;padding-right:.7em;user-select:none}\
.r0{background:#ffe08a}.r1{background:#a9dcff}.r2{background:#c6f0b5}.r3{background:#ffc2c2}.r4{background:#e2c9ff}.r5{background:#ffd3a8}\
.pair{margin:1.5em 0}.pair h3{font-size:1.05em}\
";

/// Region colours in [`STYLE`].
const COLOURS: usize = 6;

/// The whole report.
pub fn render(rows: &[Row], title: &str, similarity: Similarity) -> String {
    let stats = Stats::of(rows);
    let mut h = String::new();
    let _ = write!(
        h,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\"/>\n\
         <meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'\"/>\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"/>\n\
         <title>{t}: class report</title>\n<style>{STYLE}</style>\n</head>\n<body>\n\
         <h1>{t}: class report</h1>\n\
         <p class=\"overview\"><span id=\"count\">{}</span> submissions · mean <span id=\"mean\">{}</span> · \
         median <span id=\"median\">{}</span> · min <span id=\"min\">{}</span> · max <span id=\"max\">{}</span> \
         (of <span id=\"max-score\">{}</span> points)</p>\n\
         <p class=\"muted\">Sections: <a href=\"#distribution\">distribution</a> · <a href=\"#tests\">tests</a> · \
         <a href=\"#failures\">common failures</a> · <a href=\"#ungraded\">not graded</a> · \
         <a href=\"#similarity\">similar pairs</a> · <a href=\"#gradebook\">every student</a></p>\n",
        stats.count,
        number(stats.mean),
        number(stats.median),
        number(stats.min),
        number(stats.max),
        number(stats.max_score),
        t = escape(title),
    );
    distribution(&mut h, rows, &stats, title);
    tests(&mut h, rows);
    failures(&mut h, rows);
    ungraded(&mut h, rows);
    similar(&mut h, similarity);
    every_student(&mut h, rows);
    h.push_str("</body>\n</html>\n");
    h
}

fn distribution(h: &mut String, rows: &[Row], stats: &Stats, title: &str) {
    h.push_str("<section id=\"distribution\">\n<h2>Score distribution</h2>\n");
    // The same picture as histogram.svg, inline: SVG inside HTML needs no
    // namespace, and the report then names no address at all.
    h.push_str(&gradebook::histogram_svg(rows, title).replacen(
        " xmlns=\"http://www.w3.org/2000/svg\"",
        "",
        1,
    ));
    h.push_str("<table id=\"bins\">\n<tr><th>score</th><th class=\"num\">students</th></tr>\n");
    for bin in stats.bins() {
        let _ = writeln!(
            h,
            "<tr><td>{}</td><td class=\"num\">{}</td></tr>",
            escape(&bin.label()),
            bin.count
        );
    }
    h.push_str("</table>\n</section>\n");
}

/// A horizontal bar of `share` (0 to 1), as inline SVG.
fn bar(share: f64) -> String {
    let w = (share.clamp(0.0, 1.0) * 160.0).round();
    format!(
        "<svg class=\"bar\" width=\"160\" height=\"12\" viewBox=\"0 0 160 12\" role=\"img\">\
         <rect width=\"160\" height=\"12\" fill=\"#eee\"/><rect width=\"{w}\" height=\"12\" fill=\"#59a14f\"/></svg>"
    )
}

fn tests(h: &mut String, rows: &[Row]) {
    h.push_str(
        "<section id=\"tests\">\n<h2>Tests</h2>\n<table>\n\
         <tr><th>test</th><th class=\"num\">passed</th><th class=\"num\">pass rate</th><th></th></tr>\n",
    );
    for tally in gradebook::tallies(rows) {
        let rate = tally.passed as f64 / rows.len().max(1) as f64;
        let _ = writeln!(
            h,
            "<tr class=\"test\" data-test=\"{n}\"><td>{n}</td><td class=\"num passed\">{}/{}</td>\
             <td class=\"num\">{:.0}%</td><td>{}</td></tr>",
            tally.passed,
            rows.len(),
            100.0 * rate,
            bar(rate),
            n = escape(&tally.name),
        );
    }
    h.push_str("</table>\n</section>\n");
}

/// The known mistakes a failed test gave, with their hints, from results.json's
/// `extra_data.known_mistakes`: the grader's catalogue, never the feedback
/// text, which quotes what the student's code printed and panicked with.
fn named_mistakes(test: &TestResult) -> Vec<(String, String)> {
    test.extra_data
        .known_mistakes
        .iter()
        .map(|m| {
            let hint = m.hint.as_deref().unwrap_or("");
            (
                m.name.clone(),
                hint.trim().trim_end_matches('.').to_string(),
            )
        })
        .collect()
}

fn failures(h: &mut String, rows: &[Row]) {
    h.push_str(
        "<section id=\"failures\">\n<h2>Most common failures</h2>\n\
         <p class=\"muted\">Per test, the failed submissions grouped by the known mistake the \
         grader found, else by their first failure.</p>\n",
    );
    let mut any = false;
    for name in gradebook::test_names(rows) {
        // (label, is a named mistake) -> students
        let mut groups: BTreeMap<(String, bool), usize> = BTreeMap::new();
        for row in rows {
            let Some(t) = row.results.tests.iter().find(|t| t.name == name) else {
                continue;
            };
            if t.status == "passed" || status(&row.results) != Status::Graded {
                continue;
            }
            let named = named_mistakes(t);
            if named.is_empty() {
                let message = gradebook::failure_message(&t.output)
                    .unwrap_or_else(|| "failed (no message)".into());
                *groups.entry((message, false)).or_default() += 1;
            } else {
                for (mistake, hint) in named {
                    let label = if hint.is_empty() {
                        mistake
                    } else {
                        format!("{mistake}: {hint}")
                    };
                    *groups.entry((label, true)).or_default() += 1;
                }
            }
        }
        if groups.is_empty() {
            continue;
        }
        any = true;
        let mut sorted: Vec<_> = groups.into_iter().collect();
        sorted.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
        let _ = writeln!(h, "<h3>{}</h3>\n<table class=\"failures\">", escape(&name));
        for ((label, named), count) in sorted.iter().take(FAILURES_SHOWN) {
            let kind = if *named { "known mistake" } else { "failure" };
            let _ = writeln!(
                h,
                "<tr><td class=\"num\">{count}</td><td>{kind}</td><td>{}</td></tr>",
                escape(label)
            );
        }
        if sorted.len() > FAILURES_SHOWN {
            let _ = writeln!(
                h,
                "<tr><td colspan=\"3\" class=\"muted\">and {} other failures</td></tr>",
                sorted.len() - FAILURES_SHOWN
            );
        }
        h.push_str("</table>\n");
    }
    if !any {
        h.push_str("<p>No graded submission failed a test.</p>\n");
    }
    h.push_str("</section>\n");
}

fn ungraded(h: &mut String, rows: &[Row]) {
    h.push_str("<section id=\"ungraded\">\n<h2>Not graded</h2>\n");
    let list: Vec<(&Row, Status)> = rows
        .iter()
        .map(|r| (r, status(&r.results)))
        .filter(|(_, s)| *s != Status::Graded)
        .collect();
    if list.is_empty() {
        let _ = writeln!(
            h,
            "<p>Every submission was graded (<span id=\"ungraded-count\">0</span> not graded).</p>"
        );
    } else {
        let _ = writeln!(
            h,
            "<p><span id=\"ungraded-count\">{}</span> of {} submissions could not be graded; they count as 0.</p>\n\
             <table>\n<tr><th>student</th><th>name</th><th>status</th><th>reason</th></tr>",
            list.len(),
            rows.len()
        );
        for (row, st) in list {
            let _ = writeln!(
                h,
                "<tr class=\"ungraded\"><td>{}</td><td>{}</td><td class=\"status\">{}</td><td>{}</td></tr>",
                escape(&row.student),
                escape(row.name.as_deref().unwrap_or("")),
                st.as_str(),
                escape(&gradebook::reason(&row.results, st))
            );
        }
        h.push_str("</table>\n");
    }
    h.push_str("</section>\n");
}

fn percent(x: f64) -> String {
    format!("{:.0}%", 100.0 * x)
}

fn similar(h: &mut String, section: Similarity) {
    h.push_str("<section id=\"similarity\">\n<h2>Similar pairs</h2>\n");
    let s = match section {
        Similarity::Computed(s) => s,
        Similarity::NotAsked => {
            h.push_str(
                "<p>Similarity was not computed. Run <code>grade batch --similar</code> \
                 (or <code>grade similar</code>) to compare the class's files.</p>\n</section>\n",
            );
            return;
        }
        Similarity::Failed(why) => {
            let _ = writeln!(
                h,
                "<p id=\"similarity-failed\">Comparing the class failed, so no pairs are shown: {}</p>\n</section>",
                escape(why)
            );
            return;
        }
    };
    let _ = writeln!(
        h,
        "<p>{} files compared; {} pairs share code that neither the handout nor more than {} \
         files hold. Scores are shared fingerprints over the pair's mean count (0 to 1); each \
         side's share is the part of its own file found in the other. Matching lines share a \
         colour, given to each function of the first file in turn from {COLOURS}, which then \
         repeat: one colour on both sides may be two functions. A high score is a reason to look, not a verdict.</p>",
        s.compared, s.pairs_found, s.common_limit
    );
    if !s.skipped.is_empty() {
        h.push_str("<p>Not compared:</p>\n<table id=\"skipped\">\n<tr><th>student</th><th>name</th><th>why</th></tr>\n");
        for (student, name, why) in &s.skipped {
            let _ = writeln!(
                h,
                "<tr><td>{}</td><td>{}</td><td>{}</td></tr>",
                escape(student),
                escape(name.as_deref().unwrap_or("")),
                escape(why)
            );
        }
        h.push_str("</table>\n");
    }
    if s.pairs.is_empty() {
        h.push_str("<p>No two files share code beyond the handout.</p>\n");
    }
    for (k, p) in s.pairs.iter().enumerate() {
        let who = |side: &Side| match &side.name {
            Some(n) if n != &side.student => format!("{} ({})", escape(&side.student), escape(n)),
            _ => escape(&side.student),
        };
        let _ = writeln!(
            h,
            "<div class=\"pair\" id=\"pair-{n}\">\n<h3>{n}. {} and {}: score <span class=\"score\">{:.2}</span> \
             ({} of the first file, {} of the second; {} fingerprints)</h3>\n<div class=\"sides\">",
            who(&p.a),
            who(&p.b),
            p.score,
            percent(p.share_a),
            percent(p.share_b),
            p.matched,
            n = k + 1,
        );
        for side in [&p.a, &p.b] {
            code(h, side);
        }
        h.push_str("</div>\n</div>\n");
    }
    h.push_str("</section>\n");
}

fn code(h: &mut String, side: &Side) {
    let _ = writeln!(
        h,
        "<div class=\"side\"><div><b>{}</b> <span class=\"muted\">{}</span></div>",
        escape(&side.student),
        escape(&side.file)
    );
    if let Some(note) = &side.note {
        let _ = writeln!(h, "<p class=\"muted\">{}</p></div>", escape(note));
        return;
    }
    h.push_str("<pre>");
    let start = h.len();
    let mut shown = 0;
    for (k, (line, mark)) in side.lines.iter().zip(&side.marks).enumerate() {
        let class = match mark {
            Some(r) => format!("line r{} matched", r % COLOURS),
            None => "line".to_string(),
        };
        let line = format!(
            "<span class=\"{class}\"><span class=\"ln\">{}</span>{}</span>",
            k + 1,
            escape(&cut_line(line))
        );
        if h.len() - start + line.len() > SIDE_BYTES {
            break;
        }
        h.push_str(&line);
        shown += 1;
    }
    h.push_str("</pre>\n");
    let hidden = side.hidden_lines + (side.lines.len() - shown);
    if hidden > 0 {
        let _ = writeln!(h, "<p class=\"muted\">{hidden} more lines not shown.</p>");
    }
    h.push_str("</div>\n");
}

fn every_student(h: &mut String, rows: &[Row]) {
    let names = gradebook::test_names(rows);
    h.push_str(
        "<section id=\"gradebook\">\n<h2>Every student</h2>\n\
         <p class=\"muted\">The rows of gradebook.csv.</p>\n<table>\n<tr><th>student</th><th>name</th>\
         <th class=\"num\">total</th><th>status</th>",
    );
    for n in &names {
        let _ = write!(h, "<th class=\"num\">{}</th>", escape(n));
    }
    // The leaderboard's columns, as gradebook.csv has them.
    let boards = gradebook::leaderboard_names(rows);
    for n in &boards {
        let _ = write!(
            h,
            "<th class=\"num\">{}</th>",
            escape(&format!("{}{n}", gradebook::LEADERBOARD_PREFIX))
        );
    }
    h.push_str("</tr>\n");
    for row in rows {
        let _ = write!(
            h,
            "<tr class=\"student\"><td class=\"id\">{}</td><td>{}</td><td class=\"num total\">{}</td><td class=\"status\">{}</td>",
            escape(&row.student),
            escape(row.name.as_deref().unwrap_or("")),
            number(row.results.score),
            status(&row.results).as_str()
        );
        let cells = names
            .iter()
            .map(|n| gradebook::test_cell(row, n))
            .chain(boards.iter().map(|n| gradebook::leaderboard_cell(row, n)));
        for cell in cells {
            let _ = write!(h, "<td class=\"num\">{cell}</td>");
        }
        h.push_str("</tr>\n");
    }
    h.push_str("</table>\n</section>\n");
}

/// Writes `out/report.html` (temp and rename, never through a link).
pub fn write(out: &Path, rows: &[Row], title: &str, similarity: Similarity) -> Result<()> {
    crate::report::safe_write::write(&out.join(FILE), render(rows, title, similarity).as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::results::sample::{results, test};
    use crate::report::results::KnownMistake;

    #[test]
    fn student_text_is_only_text() {
        assert_eq!(
            escape("<img src=x onerror='a'>&\"\u{202e}"),
            "&lt;img src=x onerror=&#39;a&#39;&gt;&amp;&quot;\u{fffd}"
        );
        let mut r = results(
            "",
            vec![test(
                "1",
                "t<b>",
                0.0,
                1.0,
                "0 of 1\n✗ case x (y): panicked: <script>alert(1)</script>",
            )],
        );
        r.tests[0].extra_data.known_mistakes = vec![KnownMistake {
            name: "m_1".into(),
            hint: Some("use <½>.".into()),
        }];
        r.extra_data.status = Some(Status::Graded);
        let rows = vec![Row {
            student: "<script>".into(),
            name: Some("\"><svg onload=x>".into()),
            results: r,
        }];
        let html = render(&rows, "Lab & <co>", Similarity::Failed("<i>x</i>"));
        for bad in ["<script", "<svg onload", "<b>", "<½>", "<i>"] {
            assert!(!html.contains(bad), "{bad} in {html}");
        }
        assert!(html.contains("m_1: use &lt;½&gt;"), "{html}");
        assert!(
            html.contains(
                "Comparing the class failed, so no pairs are shown: &lt;i&gt;x&lt;/i&gt;"
            ),
            "{html}"
        );
        assert!(
            !html.contains("http:") && !html.contains("https:"),
            "nothing leaves the file: {html}"
        );
        let doc = roxmltree::Document::parse_with_options(
            html.trim_start_matches("<!DOCTYPE html>\n"),
            roxmltree::ParsingOptions::default(),
        )
        .expect("well-formed");
        assert_eq!(
            doc.descendants()
                .filter(|n| n.has_tag_name("script"))
                .count(),
            0
        );
    }

    #[test]
    fn a_side_is_cut_per_line_and_in_all() {
        assert_eq!(cut_line("short"), "short");
        let long = "é".repeat(LINE_CHARS + 1);
        let cut = cut_line(&long);
        assert_eq!(cut.chars().count(), LINE_CHARS + 1);
        assert!(cut.ends_with("é…"));
        // 10,000 lines of 1,000 `<` each: 50 MB once escaped, uncut.
        let side = Side {
            student: "s".into(),
            name: None,
            file: "src/lib.rs".into(),
            lines: vec!["<".repeat(1000); 10_000],
            marks: vec![Some(0); 10_000],
            hidden_lines: 7,
            note: None,
        };
        let mut h = String::new();
        code(&mut h, &side);
        assert!(h.len() < SIDE_BYTES + 1024, "{}", h.len());
        let shown = h.matches("class=\"ln\"").count();
        assert!(shown > 10, "{shown}");
        assert!(
            h.contains(&format!("{} more lines not shown", 10_000 - shown + 7)),
            "{}",
            &h[h.len() - 200..]
        );
        assert_eq!(h.matches("…").count(), shown);
    }

    /// The failures section's rows: (count, kind, label).
    fn failure_rows(rows: &[Row]) -> Vec<(String, String, String)> {
        let mut h = String::new();
        failures(&mut h, rows);
        let section = format!("<div>{h}</div>");
        let doc = roxmltree::Document::parse(&section).expect("well-formed");
        doc.descendants()
            .filter(|n| n.has_tag_name("tr"))
            .map(|tr| {
                let cells: Vec<String> = tr
                    .children()
                    .filter(|c| c.has_tag_name("td"))
                    .map(|td| td.text().unwrap_or("").to_string())
                    .collect();
                (cells[0].clone(), cells[1].clone(), cells[2].clone())
            })
            .collect()
    }

    #[test]
    fn known_mistakes_come_from_extra_data_never_from_feedback() {
        // The grader's own closing line, as a student's panic can forge it
        // (unindented, a plain name): once enough to make a group.
        let forged = "0 of 1 cases passed.\n✗ case x (y): panicked: boom\n\
                      Known mistake `free_points`: this group was made by a student.";
        let student = |id: &str, output: &str, mistakes: Vec<KnownMistake>| {
            let mut r = results("", vec![test("1", "cost", 0.0, 5.0, output)]);
            r.tests[0].extra_data.known_mistakes = mistakes;
            Row {
                student: id.into(),
                name: None,
                results: r,
            }
        };
        let half = || KnownMistake {
            name: "cost_without_half".into(),
            hint: Some("The cost has a ½ in front.".into()),
        };
        let rows = vec![
            student("forger", forged, vec![]),
            student("forger2", forged, vec![]),
            student(
                "bob",
                "0 of 1 cases passed.\n✗ case x (y): value: expected 1, got 2",
                vec![half()],
            ),
            // The field alone makes the group, whatever the text says.
            student(
                "carol",
                "0 of 1 cases passed.\n✗ hidden case 1: wrong values",
                vec![half()],
            ),
        ];
        assert_eq!(
            failure_rows(&rows),
            [
                (
                    "2".to_string(),
                    "known mistake".to_string(),
                    "cost_without_half: The cost has a ½ in front".to_string()
                ),
                (
                    "2".to_string(),
                    "failure".to_string(),
                    "panicked: boom".to_string()
                ),
            ]
        );
        let html = render(&rows, "Lab", Similarity::NotAsked);
        assert!(!html.contains("free_points"), "{html}");
    }
}
