//! `grade batch --similar`: report.html. A small class (grading compiles
//! each submission): the reference solution, a renamed copy of it, an
//! independent solution, one with a known mistake, one that does not
//! compile, and one without a file whose folder name is HTML. The report's
//! numbers must equal gradebook.csv's, the copy must be the top pair with
//! its matched lines marked, and Chromium must load it and show the numbers
//! (where no browser can be found or installed, that test says SKIPPED
//! loudly, unless GRADE_REQUIRE_BROWSER=1 makes it a failure).

mod common;

use common::{grade_bin, run, solution_source, text};
use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

const EVIL: &str = "<img src=x onerror=alert(1)>";

/// The batch's output folder, made once for every test of this file.
fn graded_class() -> &'static Path {
    static OUT: OnceLock<PathBuf> = OnceLock::new();
    OUT.get_or_init(|| {
        let root = Path::new(env!("CARGO_TARGET_TMPDIR")).join("report-class");
        let _ = fs::remove_dir_all(&root);
        let subs = root.join("class");
        let solution = solution_source("cs240");
        let put = |who: &str, source: &str| {
            fs::create_dir_all(subs.join(who).join("src")).unwrap();
            fs::write(subs.join(who).join("src/lib.rs"), source).unwrap();
        };
        put("orig", &solution);
        put(
            "copy",
            &solution
                .replace("activations", "acts")
                .replace("delta", "err")
                .replace("// ", "// note: "),
        );
        let ana = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/similarity/ana.rs");
        put("ana", &fs::read_to_string(ana).unwrap());
        // The known mistake `cost_without_half` (reference/labs/cs240/mistakes.toml).
        put(
            "bob",
            &solution.replacen(
                "0.5 * diff.mapv(|d| d * d).sum()",
                "diff.mapv(|d| d * d).sum()",
                1,
            ),
        );
        put("carol", &format!("{solution}\nfn oops( {{\n"));
        fs::create_dir_all(subs.join(EVIL)).unwrap();
        fs::write(subs.join(EVIL).join("notes.md"), "no code\n").unwrap();
        let out = root.join("out");
        let output = run(grade_bin()
            .args([
                "batch",
                "--lab",
                "cs240",
                "--jobs",
                "2",
                "--similar",
                "--submissions",
            ])
            .arg(&subs)
            .arg("--out")
            .arg(&out));
        assert!(output.status.success(), "{}", text(&output));
        out
    })
}

fn gradebook(out: &Path) -> Vec<BTreeMap<String, String>> {
    let mut reader = csv::Reader::from_path(out.join("gradebook.csv")).unwrap();
    let header: Vec<String> = reader.headers().unwrap().iter().map(String::from).collect();
    reader
        .records()
        .map(|r| {
            header
                .iter()
                .cloned()
                .zip(r.unwrap().iter().map(String::from))
                .collect()
        })
        .collect()
}

fn test_columns(out: &Path) -> Vec<String> {
    let mut reader = csv::Reader::from_path(out.join("gradebook.csv")).unwrap();
    reader
        .headers()
        .unwrap()
        .iter()
        .skip(4)
        .filter(|h| !h.starts_with("leaderboard: "))
        .map(String::from)
        .collect()
}

/// What the report must show, computed from gradebook.csv alone.
struct Expected {
    count: usize,
    mean: f64,
    median: f64,
    min: f64,
    max: f64,
    /// Per test: how many rows hold the column's full marks.
    passed: Vec<(String, usize)>,
    ungraded: usize,
}

fn expected(out: &Path) -> Expected {
    let book = gradebook(out);
    let mut totals: Vec<f64> = book.iter().map(|r| r["total"].parse().unwrap()).collect();
    totals.sort_by(f64::total_cmp);
    let n = totals.len();
    let median = if n % 2 == 1 {
        totals[n / 2]
    } else {
        (totals[n / 2 - 1] + totals[n / 2]) / 2.0
    };
    let mean = (totals.iter().sum::<f64>() / n as f64 * 100.0).round() / 100.0;
    // An ungraded column (0 points: CS240's tuning run) says nothing of passes.
    let passed = test_columns(out)
        .into_iter()
        .filter_map(|t| {
            let cells: Vec<f64> = book.iter().map(|r| r[&t].parse().unwrap_or(0.0)).collect();
            let full = cells.iter().cloned().fold(0.0, f64::max);
            let k = cells.iter().filter(|c| **c == full && full > 0.0).count();
            (full > 0.0).then_some((t, k))
        })
        .collect();
    Expected {
        count: n,
        mean,
        median,
        min: totals[0],
        max: totals[n - 1],
        passed,
        ungraded: book.iter().filter(|r| r["status"] != "graded").count(),
    }
}

fn num(text: &str) -> f64 {
    text.trim()
        .parse()
        .unwrap_or_else(|_| panic!("not a number: {text:?}"))
}

#[test]
fn the_reports_numbers_are_the_gradebooks() {
    let out = graded_class();
    let html = fs::read_to_string(out.join("report.html")).unwrap();
    // Self-contained: no script, nothing fetched, student text escaped.
    for bad in [
        "<script", "<link", "<img", " src=\"", "http://", "https://", "@import", "url(",
    ] {
        assert!(!html.contains(bad), "{bad:?} in report.html");
    }
    assert!(html.contains("&lt;img src=x onerror=alert(1)&gt;"));
    let doc = roxmltree::Document::parse(html.trim_start_matches("<!DOCTYPE html>\n"))
        .expect("report.html is well-formed");
    let by_id = |id: &str| {
        doc.descendants()
            .find(|n| n.attribute("id") == Some(id))
            .unwrap_or_else(|| panic!("no #{id}"))
            .text()
            .unwrap()
            .to_string()
    };
    let class_of = |n: &roxmltree::Node, c: &str| {
        n.attribute("class")
            .is_some_and(|a| a.split(' ').any(|x| x == c))
    };
    let e = expected(out);
    assert_eq!(by_id("count").parse::<usize>().unwrap(), e.count);
    assert_eq!(num(&by_id("mean")), e.mean);
    assert_eq!(num(&by_id("median")), e.median);
    assert_eq!(num(&by_id("min")), e.min);
    assert_eq!(num(&by_id("max")), e.max);
    assert_eq!(
        by_id("ungraded-count").parse::<usize>().unwrap(),
        e.ungraded
    );
    assert_eq!(e.ungraded, 2, "carol and the HTML-named folder");

    // Every row of gradebook.csv, cell for cell.
    let book = gradebook(out);
    // Every column after status: the tests', then the leaderboard's.
    let columns: Vec<String> = csv::Reader::from_path(out.join("gradebook.csv"))
        .unwrap()
        .headers()
        .unwrap()
        .iter()
        .skip(4)
        .map(String::from)
        .collect();
    assert!(
        columns.contains(&"leaderboard: Accuracy (%)".to_string()),
        "the solutions posted their accuracy: {columns:?}"
    );
    let rows: Vec<Vec<String>> = doc
        .descendants()
        .filter(|n| n.has_tag_name("tr") && class_of(n, "student"))
        .map(|tr| {
            tr.children()
                .filter(|c| c.has_tag_name("td"))
                .map(|td| td.text().unwrap_or("").to_string())
                .collect()
        })
        .collect();
    assert_eq!(rows.len(), book.len());
    for (row, csv) in rows.iter().zip(&book) {
        assert_eq!(row[0], csv["student"]);
        assert_eq!(num(&row[2]), num(&csv["total"]), "{row:?}");
        assert_eq!(row[3], csv["status"]);
        for (k, t) in columns.iter().enumerate() {
            assert_eq!(row[4 + k], csv[t], "{t} of {}", csv["student"]);
        }
    }
    // Pass counts per test.
    let passes: Vec<(String, usize)> = doc
        .descendants()
        .filter(|n| n.has_tag_name("tr") && class_of(n, "test"))
        .map(|tr| {
            let name = tr.attribute("data-test").unwrap().to_string();
            let cell = tr
                .children()
                .find(|c| class_of(c, "passed"))
                .unwrap()
                .text()
                .unwrap()
                .to_string();
            let (k, n) = cell.split_once('/').unwrap();
            assert_eq!(n.parse::<usize>().unwrap(), e.count);
            (name, k.parse().unwrap())
        })
        .collect();
    let graded: Vec<&String> = e.passed.iter().map(|(t, _)| t).collect();
    let passes: Vec<(String, usize)> = passes
        .into_iter()
        .filter(|(t, _)| graded.contains(&t))
        .collect();
    assert_eq!(passes, e.passed);

    // The known mistake is named in the failures.
    let failures = doc
        .descendants()
        .find(|n| n.attribute("id") == Some("failures"))
        .unwrap();
    let failures_text: String = failures.descendants().filter_map(|n| n.text()).collect();
    assert!(
        failures_text.contains("cost_without_half"),
        "{failures_text}"
    );

    // The copy is the top pair, its matched lines marked on both sides.
    let pair = doc
        .descendants()
        .find(|n| n.attribute("id") == Some("pair-1"))
        .expect("a similar pair");
    let heading: String = pair
        .children()
        .find(|c| c.has_tag_name("h3"))
        .unwrap()
        .descendants()
        .filter_map(|n| n.text())
        .collect();
    assert!(heading.contains("copy and orig"), "{heading}");
    let sides: Vec<usize> = pair
        .descendants()
        .filter(|n| class_of(n, "side"))
        .map(|side| {
            side.descendants()
                .filter(|n| class_of(n, "matched"))
                .count()
        })
        .collect();
    assert_eq!(sides.len(), 2);
    assert!(
        sides.iter().all(|&m| m > 20),
        "matched lines per side: {sides:?}"
    );
    let csv = fs::read_to_string(out.join("similarity.csv")).unwrap();
    assert!(
        csv.lines().nth(1).unwrap().starts_with("copy,orig,"),
        "{csv}"
    );
}

/// A browser that answers `--version`: `$CHROME`, `/usr/bin/chromium`, or
/// `chromium`, `chromium-browser`, `google-chrome` on PATH.
fn find_browser() -> Option<PathBuf> {
    let works = |p: &Path| {
        Command::new(p)
            .arg("--version")
            .output()
            .is_ok_and(|o| o.status.success())
    };
    let mut candidates: Vec<PathBuf> = std::env::var_os("CHROME")
        .filter(|c| !c.is_empty())
        .map(PathBuf::from)
        .into_iter()
        .collect();
    candidates.push(PathBuf::from("/usr/bin/chromium"));
    let path = std::env::var_os("PATH").unwrap_or_default();
    for name in ["chromium", "chromium-browser", "google-chrome"] {
        candidates.extend(std::env::split_paths(&path).map(|d| d.join(name)));
    }
    candidates.into_iter().find(|p| works(p))
}

/// `apt-get install chromium`, bounded in time and waiting for apt's lock.
fn apt_install_chromium() -> bool {
    Command::new("timeout")
        .args([
            "600",
            "apt-get",
            "-o",
            "DPkg::Lock::Timeout=120",
            "install",
            "-y",
            "-qq",
            "--no-install-recommends",
            "chromium",
        ])
        .env("DEBIAN_FRONTEND", "noninteractive")
        .status()
        .is_ok_and(|s| s.success())
}

/// Chromium from the distribution: found, or installed (as root, once, then
/// once more after `apt-get update`) when missing. `None` when there is
/// none and `GRADE_REQUIRE_BROWSER=1` is not set: the caller skips, loudly.
fn chromium() -> Option<PathBuf> {
    if let Some(found) = find_browser() {
        return Some(found);
    }
    if unsafe { libc::geteuid() } == 0 {
        if !apt_install_chromium() {
            let _ = Command::new("timeout")
                .args([
                    "600",
                    "apt-get",
                    "-o",
                    "DPkg::Lock::Timeout=120",
                    "update",
                    "-qq",
                ])
                .env("DEBIAN_FRONTEND", "noninteractive")
                .status();
            apt_install_chromium();
        }
        if let Some(found) = find_browser() {
            return Some(found);
        }
    }
    assert!(
        std::env::var("GRADE_REQUIRE_BROWSER").as_deref() != Ok("1"),
        "this test opens report.html in headless Chromium, and no browser was found ($CHROME, \
         /usr/bin/chromium, chromium, chromium-browser or google-chrome on PATH; as root the \
         test installs it with `apt-get install chromium`; that failed or is not allowed \
         here): install the distribution's chromium package"
    );
    None
}

#[test]
fn chromium_loads_the_report_and_shows_the_numbers() {
    let Some(browser) = chromium() else {
        eprintln!(
            "SKIPPED: chromium_loads_the_report_and_shows_the_numbers: no headless browser here, \
             report.html was not opened in one (install the distribution's chromium package, or \
             set GRADE_REQUIRE_BROWSER=1 to make this a failure); its numbers are still checked \
             against gradebook.csv by the_reports_numbers_are_the_gradebooks"
        );
        return;
    };
    let out = graded_class();
    let profile = tempfile::tempdir().unwrap();
    let page = out.join("report.html").canonicalize().unwrap();
    let output = Command::new("timeout")
        .arg("120")
        .arg(browser)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-dev-shm-usage",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--enable-logging=stderr",
            "--v=0",
        ])
        .arg(format!("--user-data-dir={}", profile.path().display()))
        .arg("--dump-dom")
        .arg(format!("file://{}", page.display()))
        .output()
        .expect("run chromium");
    let dom = String::from_utf8_lossy(&output.stdout);
    let log = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "chromium failed: {log}");
    assert!(dom.contains("</html>"), "no page: {dom}\n{log}");
    // Nothing the policy refused (a script, a fetch), no console error.
    for bad in ["Refused to", "Uncaught", "CONSOLE"] {
        assert!(!log.contains(bad), "{bad:?} in chromium's log:\n{log}");
    }
    let e = expected(out);
    let shown = |id: &str| {
        let open = format!("id=\"{id}\">");
        let at = dom
            .find(&open)
            .unwrap_or_else(|| panic!("no #{id} in {dom}"))
            + open.len();
        dom[at..dom[at..].find('<').unwrap() + at].to_string()
    };
    assert_eq!(shown("count").parse::<usize>().unwrap(), e.count);
    assert_eq!(num(&shown("mean")), e.mean);
    assert_eq!(num(&shown("median")), e.median);
    assert_eq!(num(&shown("max")), e.max);
    assert_eq!(
        shown("ungraded-count").parse::<usize>().unwrap(),
        e.ungraded
    );
    // The browser built the inline pictures and kept the student's name as text.
    assert!(dom.matches("<svg").count() >= 2, "{dom}");
    assert!(
        !dom.contains("<img"),
        "a student's folder name became markup"
    );
    assert!(dom.contains("&lt;img src=x onerror=alert(1)&gt;"));
}

/// A class built to bloat or break the side-by-side view: a file under the
/// upload cap whose one comment line is nearly 1 MiB of `&'<` (comments
/// cost no tokens) and its copy, a file whose strings and comments are HTML
/// and its copy, and a file that cannot be read as Rust in a folder named
/// as HTML (its reason quotes the path).
fn hostile_class() -> &'static Path {
    static OUT: OnceLock<PathBuf> = OnceLock::new();
    OUT.get_or_init(|| {
        let root = Path::new(env!("CARGO_TARGET_TMPDIR")).join("report-hostile");
        let _ = fs::remove_dir_all(&root);
        let subs = root.join("class");
        let put = |who: &str, rel: &str, source: &str| {
            let path = subs.join(who).join(rel);
            fs::create_dir_all(path.parent().unwrap()).unwrap();
            fs::write(path, source).unwrap();
        };
        let base = |name: &str| {
            let path = Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("tests/similarity")
                .join(format!("{name}.rs"));
            fs::read_to_string(path).unwrap()
        };
        let ben = base("ben");
        let big = format!("{ben}\n// {}\n", "&'<".repeat((1_040_000 - ben.len()) / 3));
        assert!(big.len() > 1_000_000 && big.len() < 1 << 20);
        put("big", "src/lib.rs", &big);
        put("big_copy", "src/lib.rs", &big);
        let xss = format!(
            "{}\n/// </pre><script>alert(1)</script>\npub fn banner() -> &'static str {{\n    \
             // <img src=x onerror=alert(1)>\n    \
             \"</pre><script>alert(1)</script><img src=x onerror=alert(1)>\"\n}}\n",
            base("chen")
        );
        put("xss", "src/lib.rs", &xss);
        put("xss_copy", "src/lib.rs", &xss);
        put(
            "odd",
            &format!("{EVIL}/src/lib.rs"),
            "fn f() { \"never closed",
        );
        let out = root.join("out");
        let output = run(grade_bin()
            .args([
                "batch",
                "--lab",
                "cs240",
                "--jobs",
                "2",
                "--similar",
                "--submissions",
            ])
            .arg(&subs)
            .arg("--out")
            .arg(&out));
        assert!(output.status.success(), "{}", text(&output));
        out
    })
}

#[test]
fn hostile_code_neither_bloats_nor_acts_in_the_side_by_side_view() {
    let out = hostile_class();
    let bytes = fs::metadata(out.join("report.html")).unwrap().len();
    let html = fs::read_to_string(out.join("report.html")).unwrap();
    assert!(bytes < 2 << 20, "report.html is {bytes} bytes");
    let doc = roxmltree::Document::parse(html.trim_start_matches("<!DOCTYPE html>\n"))
        .expect("report.html is well-formed");
    // Both copied pairs are shown side by side.
    let headings: Vec<String> = doc
        .descendants()
        .filter(|n| n.attribute("class") == Some("pair"))
        .map(|p| {
            p.children()
                .find(|c| c.has_tag_name("h3"))
                .unwrap()
                .descendants()
                .filter_map(|n| n.text())
                .collect()
        })
        .collect();
    for pair in ["big and big_copy", "xss and xss_copy"] {
        assert!(
            headings.iter().any(|h| h.contains(pair)),
            "{pair} not shown: {headings:?}"
        );
    }
    // The long line is shown cut: 300 characters ("// " and 99 `&'<`), then "…".
    let unit = "&amp;&#39;&lt;";
    let cut = format!("</span>// {}…</span>", unit.repeat(99));
    let big_sides = doc
        .descendants()
        .filter(|n| n.attribute("class") == Some("side"))
        .filter(|n| {
            let who = n.descendants().find(|b| b.has_tag_name("b")).unwrap();
            matches!(who.text(), Some("big" | "big_copy"))
        })
        .count();
    assert!(big_sides >= 2, "{big_sides}");
    assert_eq!(
        html.matches(&cut).count(),
        big_sides,
        "one cut line per side"
    );
    assert_eq!(
        html.matches(unit).count(),
        big_sides * 99,
        "nothing more of it"
    );
    // Students' markup is text: in code, in a path, in a skipped file's reason.
    for bad in ["<script", "<img", "</pre><", "onerror=alert(1)>"] {
        assert!(!html.contains(bad), "{bad:?} in report.html");
    }
    assert!(html.contains(
        "&lt;/pre&gt;&lt;script&gt;alert(1)&lt;/script&gt;&lt;img src=x onerror=alert(1)&gt;"
    ));
    assert!(html.contains("// &lt;img src=x onerror=alert(1)&gt;"));
    let skipped = doc
        .descendants()
        .find(|n| n.attribute("id") == Some("skipped"))
        .expect("the skipped table");
    let skipped: String = skipped.descendants().filter_map(|n| n.text()).collect();
    assert!(
        skipped.contains(&format!("{EVIL}/src/lib.rs cannot be read as Rust")),
        "{skipped}"
    );
    assert_eq!(
        doc.descendants()
            .filter(|n| n.has_tag_name("script") || n.has_tag_name("img"))
            .count(),
        0
    );
}

#[test]
fn a_failed_comparison_still_writes_the_report_with_a_note() {
    let root = Path::new(env!("CARGO_TARGET_TMPDIR")).join("report-compare-fails");
    let _ = fs::remove_dir_all(&root);
    let subs = root.join("class");
    let ben = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/similarity/ben.rs");
    fs::create_dir_all(subs.join("ben/src")).unwrap();
    fs::copy(ben, subs.join("ben/src/lib.rs")).unwrap();
    // similarity.csv cannot be written where a folder stands.
    let out = root.join("out");
    fs::create_dir_all(out.join("similarity.csv")).unwrap();
    let output = run(grade_bin()
        .args(["batch", "--lab", "cs240", "--similar", "--submissions"])
        .arg(&subs)
        .arg("--out")
        .arg(&out));
    assert_eq!(output.status.code(), Some(2), "{}", text(&output));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains(
            "comparing the class failed (report.html was written without the similar pairs)"
        ),
        "{}",
        text(&output)
    );
    // Said once.
    assert_eq!(
        stderr.matches("comparing the class failed").count(),
        1,
        "{stderr}"
    );
    let html = fs::read_to_string(out.join("report.html")).expect("report.html written");
    let doc = roxmltree::Document::parse(html.trim_start_matches("<!DOCTYPE html>\n")).unwrap();
    let note: String = doc
        .descendants()
        .find(|n| n.attribute("id") == Some("similarity-failed"))
        .expect("the note")
        .descendants()
        .filter_map(|n| n.text())
        .collect();
    assert!(note.contains("similarity.csv"), "{note}");
    assert!(!html.contains("class=\"pair\""));
    // The grades are all there.
    assert!(html.contains("<span id=\"count\">1</span>"), "{html}");
}

#[test]
fn a_forged_known_mistake_line_makes_no_group_in_the_report() {
    let root = Path::new(env!("CARGO_TARGET_TMPDIR")).join("report-forged-mistake");
    let _ = fs::remove_dir_all(&root);
    let subs = root.join("class");
    let put = |who: &str, source: &str| {
        fs::create_dir_all(subs.join(who).join("src")).unwrap();
        fs::write(subs.join(who).join("src/lib.rs"), source).unwrap();
    };
    let solution = solution_source("cs240");
    // A panic whose second line is the grader's own closing line, word for word.
    let cost = "    pub fn cost(&self, data: &[Example]) -> f64 {\n";
    assert_eq!(solution.matches(cost).count(), 1);
    put(
        "forger",
        &solution.replace(
            cost,
            &format!(
                "{cost}        panic!(\"boom\\nKnown mistake `free_points`: a group made by a student.\");\n"
            ),
        ),
    );
    // The known mistake `cost_without_half` (reference/labs/cs240/mistakes.toml).
    put(
        "bob",
        &solution.replacen(
            "0.5 * diff.mapv(|d| d * d).sum()",
            "diff.mapv(|d| d * d).sum()",
            1,
        ),
    );
    let out = root.join("out");
    let output = run(grade_bin()
        .args(["batch", "--lab", "cs240", "--submissions"])
        .arg(&subs)
        .arg("--out")
        .arg(&out));
    assert!(output.status.success(), "{}", text(&output));
    let cost_test = |who: &str| {
        let raw = fs::read_to_string(out.join(who).join("results.json")).unwrap();
        let results: serde_json::Value = serde_json::from_str(&raw).unwrap();
        results["tests"]
            .as_array()
            .unwrap()
            .iter()
            .find(|t| t["name"] == "cost")
            .unwrap()
            .clone()
    };
    // The forged line reached the feedback as a line of its own, unindented
    // (what a reader of the text could not tell from the grader's) ...
    let forger = cost_test("forger");
    assert!(
        forger["output"]
            .as_str()
            .unwrap()
            .contains("\nKnown mistake `free_points`: a group made by a student"),
        "{forger}"
    );
    assert!(forger["extra_data"]["known_mistakes"].is_null(), "{forger}");
    let bob = cost_test("bob");
    assert_eq!(
        bob["extra_data"]["known_mistakes"][0]["name"], "cost_without_half",
        "{bob}"
    );
    // ... but only the grader's structured field makes a group.
    let html = fs::read_to_string(out.join("report.html")).unwrap();
    let doc = roxmltree::Document::parse(html.trim_start_matches("<!DOCTYPE html>\n")).unwrap();
    let failures = doc
        .descendants()
        .find(|n| n.attribute("id") == Some("failures"))
        .unwrap();
    let groups: Vec<(String, String)> = failures
        .descendants()
        .filter(|n| n.has_tag_name("tr"))
        .filter_map(|tr| {
            let cells: Vec<String> = tr
                .children()
                .filter(|c| c.has_tag_name("td"))
                .map(|td| td.text().unwrap_or("").to_string())
                .collect();
            (cells.len() == 3).then(|| (cells[1].clone(), cells[2].clone()))
        })
        .collect();
    let named: Vec<&str> = groups
        .iter()
        .filter(|(kind, _)| kind == "known mistake")
        .map(|(_, label)| label.split(':').next().unwrap())
        .collect();
    assert!(!named.is_empty(), "{groups:?}");
    assert!(
        named.iter().all(|n| *n == "cost_without_half"),
        "{groups:?}"
    );
    assert!(!html.contains("free_points"), "{groups:?}");
}
