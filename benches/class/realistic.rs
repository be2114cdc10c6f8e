//! What isolated credit costs in a class that looks like a real one
//! (benches/class/cs240.toml): each file graded alone, warm, on CS240's
//! tests 1-7.2, a few times; the median wall time of each file, then the
//! median of each kind (correct, unchanged handout, buggy) and how many
//! variants each file built.

use std::path::{Path, PathBuf};

/// One file of the class, as written to `dir/<name>/src/lib.rs`.
pub struct File {
    pub name: String,
    pub kind: String,
    pub dir: PathBuf,
}

/// The class of benches/class/cs240.toml, written under `work`, from the
/// lab's `solution` and `handout` (their src/lib.rs) and the mutants of
/// tests/mutants/cs240.toml.
pub fn write(root: &Path, work: &Path, solution: &str, handout: &str) -> Vec<File> {
    let read = |path: &str| -> toml::Table {
        std::fs::read_to_string(root.join(path))
            .unwrap()
            .parse()
            .unwrap()
    };
    let class = read("benches/class/cs240.toml");
    let mutants = read("tests/mutants/cs240.toml");
    let mutant = |name: &str| -> (String, String) {
        let m = mutants["mutant"]
            .as_array()
            .unwrap()
            .iter()
            .find(|m| m["name"].as_str() == Some(name))
            .unwrap_or_else(|| panic!("no mutant {name}"));
        (
            m["from"].as_str().unwrap().to_string(),
            m["to"].as_str().unwrap().to_string(),
        )
    };
    let strings = |file: &toml::Value, key: &str| -> Vec<String> {
        file.get(key)
            .and_then(|v| v.as_array())
            .map(|a| a.iter().map(|s| s.as_str().unwrap().to_string()).collect())
            .unwrap_or_default()
    };
    let mut out = Vec::new();
    for file in class["file"].as_array().unwrap() {
        let name = file["name"].as_str().unwrap().to_string();
        let kind = file["kind"].as_str().unwrap().to_string();
        let written = strings(file, "written");
        let mut source = if kind == "handout" || !written.is_empty() {
            let mut text = handout.to_string();
            for function in &written {
                let theirs = function_span(&text, function);
                let ours = function_span(solution, function);
                text.replace_range(theirs, &solution[ours]);
            }
            text
        } else {
            solution.to_string()
        };
        let mut changes: Vec<(String, String)> =
            strings(file, "mutants").iter().map(|m| mutant(m)).collect();
        for pair in file
            .get("replace")
            .and_then(|v| v.as_array())
            .into_iter()
            .flatten()
        {
            let pair = pair.as_array().unwrap();
            changes.push((
                pair[0].as_str().unwrap().to_string(),
                pair[1].as_str().unwrap().to_string(),
            ));
        }
        for (from, to) in changes {
            assert_eq!(source.matches(&from).count(), 1, "{name}: {from}");
            source = source.replace(&from, &to);
        }
        // Each file its own: no two share a content key.
        source.push_str(&format!("\n// {name}\n"));
        let dir = work.join("realistic").join(&name);
        std::fs::create_dir_all(dir.join("src")).unwrap();
        std::fs::write(dir.join("src/lib.rs"), source).unwrap();
        out.push(File { name, kind, dir });
    }
    out
}

/// The bytes of `pub fn NAME(` ... its closing brace (at the line's
/// indentation) in `source`.
fn function_span(source: &str, name: &str) -> std::ops::Range<usize> {
    let signature = format!("pub fn {name}(");
    let at = source
        .find(&signature)
        .unwrap_or_else(|| panic!("no {signature}"));
    let line_start = source[..at].rfind('\n').map_or(0, |i| i + 1);
    let indent = &source[line_start..at];
    let close = format!("\n{indent}}}\n");
    let end = at + source[at..].find(&close).expect("closing brace") + close.len() - 1;
    line_start..end
}

/// The number of variants a grading built (its GRADE_TIMINGS lines).
pub fn variants(stderr: &str) -> usize {
    stderr
        .lines()
        .find_map(|l| {
            let rest = l.split("isolated credit ").nth(1)?;
            rest.split(" s (").nth(1)?.split(' ').next()?.parse().ok()
        })
        .unwrap_or(0)
}
