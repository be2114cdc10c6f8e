//! Known mistakes, named. A lab's catalogue (`reference/labs/<lab>/mistakes.toml`)
//! lists common mistakes, each a text change to the solution plus a one-line
//! hint for students. `grade fixtures` finds the functions each change
//! touches (the solution's definitions its `from` text lies in), builds the
//! changed solution with the grader's own build and probe path, runs the
//! items that grade those functions (`lab.toml`'s `[items]`) on every case,
//! and writes the functions and the outputs that differ from the solution's
//! (beyond some test's tolerance) to `fixtures/<lab>/mistakes.json`.
//!
//! A mistake belongs to the functions it changes. A student's failed case
//! names it only in a test of one of those functions (a test whose item
//! grades it), and only when the outputs the test compares are the
//! mistake's: NaN where the mistake gives NaN, the same infinities, finite
//! numbers within the test's tolerance. A test of another function whose
//! numbers happen to coincide (a Linear bug that trains like a loss bug)
//! never names it: its own test fails for its own reason, and that test names
//! what it matches. So a mistake is named only in its function's own tests,
//! and only when they fail.
//!
//! The catalogue is read only when a case fails, once per grader.

use super::run::Run;
use super::Grader;
use crate::build::variant::Source;
use crate::build::{self, BuildFailure};
use crate::grading::compare::{compare, same_answer, Tolerance};
use crate::lab::fixture::Case;
use crate::lab::handout::{render, Form};
use crate::lab::rubric::{Rule, TestSpec};
use crate::lab::Functions;
use anyhow::{bail, Context, Result};
use serde::Deserialize;
use serde_json::{json, Map, Value};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, OnceLock};
use std::time::Duration;

/// The catalogue's outputs, next to the lab's fixtures.
pub const FILE: &str = "mistakes.json";
/// Version of `mistakes.json`; the grader ignores other versions.
pub const FORMAT: u64 = 2;

/// `reference/labs/<lab>/mistakes.toml`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Spec {
    mistake: Vec<Entry>,
}

/// One known mistake: `from` is replaced by `to` in the solution's student
/// file (it must occur exactly once), then each of `also` in turn; `hint` is
/// what the student reads.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Entry {
    name: String,
    hint: String,
    from: String,
    to: String,
    #[serde(default)]
    also: Vec<Change>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Change {
    from: String,
    to: String,
}

/// What `grade fixtures` makes of a lab's catalogue.
pub struct Generated {
    /// The text of `fixtures/<lab>/mistakes.json`.
    pub text: String,
    /// Entries refused (they could never be told apart from the solution),
    /// one message each.
    pub refused: Vec<String>,
}

/// Builds every mistake of `lab_name`'s catalogue and records its outputs
/// on every case; `None` when the lab has no catalogue. The fixtures on disk
/// must be current (the cases' inputs and expected outputs come from them).
pub fn generate(root: &Path, lab_name: &str, cache: &Path) -> Result<Option<Generated>> {
    let grader = Grader::new(root, lab_name, cache)?;
    let spec_path = grader.lab.dir.join("mistakes.toml");
    if !spec_path.is_file() {
        return Ok(None);
    }
    let shown = spec_path.display().to_string();
    let text =
        std::fs::read_to_string(&spec_path).with_context(|| format!("cannot read {shown}"))?;
    let spec: Spec = toml::from_str(&text).with_context(|| format!("{shown} is malformed"))?;
    let student_src = grader
        .lab
        .spec
        .handout
        .get(&grader.lab.spec.student_file)
        .with_context(|| format!("lab {lab_name}: the student file is not in [handout]"))?;
    let solution = render(&grader.lab.read(student_src)?, Form::Solution, student_src)?;
    let mut seen = Vec::new();
    let mut mistakes = Vec::new();
    let mut refused = Vec::new();
    for (i, e) in spec.mistake.iter().enumerate() {
        let at = format!("{shown}: mistake[{i}] ({})", e.name);
        if e.name.is_empty()
            || !e
                .name
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
        {
            bail!("{at}: a name is lowercase letters, digits and _");
        }
        if seen.contains(&e.name) {
            bail!("{at}: the name is used twice");
        }
        seen.push(e.name.clone());
        if e.hint.trim().is_empty() || e.hint.contains('\n') {
            bail!("{at}: the hint must be one non-empty line");
        }
        let mut source = solution.clone();
        let first = [(&e.from, &e.to)];
        let changes = first
            .into_iter()
            .chain(e.also.iter().map(|c| (&c.from, &c.to)));
        let mut functions: Vec<String> = Vec::new();
        for (k, (from, to)) in changes.enumerate() {
            let found = source.matches(from.as_str()).count();
            if found != 1 {
                bail!(
                    "{at}: change {k}'s `from` must occur exactly once in the solution's {}, \
                     found {found} times",
                    grader.lab.spec.student_file
                );
            }
            for f in touched(&source, from).with_context(|| format!("{at}: change {k}"))? {
                if !functions.contains(&f) {
                    functions.push(f);
                }
            }
            source = source.replace(from.as_str(), to);
        }
        functions.sort();
        // The items that grade a function the mistake changes: the only ones
        // whose tests may name it, so the only ones run and recorded.
        let own = own_items(&grader.lab.spec.items, &functions);
        if !grader.lab.spec.items.is_empty() && own.is_empty() {
            refused.push(format!(
                "{at}: it changes {}, which no item of lab.toml's [items] grades, so no test \
                 could be its function's own: change a graded function",
                if functions.is_empty() {
                    "no function".to_string()
                } else {
                    functions.join(", ")
                }
            ));
            continue;
        }
        let runs = run_source(&grader, &source, &own).with_context(|| at.clone())?;
        let mut outputs = Map::new();
        for ((item, case_id), result) in runs {
            let Ok(Value::Object(got)) = result else {
                continue;
            };
            let differing = differing(&grader, &item, &case_id, &got);
            if differing.is_empty() {
                continue;
            }
            let per_case = outputs
                .entry(case_id)
                .or_insert_with(|| Value::Object(Map::new()));
            per_case[&item] = Value::Object(differing);
        }
        if outputs.is_empty() {
            refused.push(format!(
                "{at}: its outputs equal the solution's on every case (within every test's \
                 tolerance), or it never answers, so it could never be told apart: change or remove it"
            ));
            continue;
        }
        mistakes.push(json!({
            "name": e.name,
            "hint": e.hint,
            "functions": functions,
            "outputs": outputs,
        }));
    }
    let text = write_file(lab_name, &mistakes)?;
    Ok(Some(Generated { text, refused }))
}

/// `mistakes.json`'s text: one line per key down to each output, whose
/// value is one line (a matrix in pretty form would take a line per
/// number); keys sorted, shortest round-trip floats, so the same outputs
/// always give the same bytes.
fn write_file(lab_name: &str, mistakes: &[Value]) -> Result<String> {
    let s = |v: &Value| serde_json::to_string(v);
    let mut out = format!(
        "{{\n  \"format\": {FORMAT},\n  \"lab\": {},\n  \"mistakes\": [",
        s(&json!(lab_name))?
    );
    for (i, m) in mistakes.iter().enumerate() {
        out.push_str(if i == 0 { "\n" } else { ",\n" });
        out.push_str(&format!(
            "    {{\n      \"name\": {},\n      \"hint\": {},\n      \"functions\": {},\n      \
             \"outputs\": {{",
            s(&m["name"])?,
            s(&m["hint"])?,
            s(&m["functions"])?
        ));
        let cases = m["outputs"].as_object().context("outputs")?;
        for (j, (case, items)) in cases.iter().enumerate() {
            out.push_str(if j == 0 { "\n" } else { ",\n" });
            out.push_str(&format!("        {}: {{", s(&json!(case))?));
            let items = items.as_object().context("items")?;
            for (k, (item, outputs)) in items.iter().enumerate() {
                out.push_str(if k == 0 { "\n" } else { ",\n" });
                out.push_str(&format!("          {}: {{", s(&json!(item))?));
                let outputs = outputs.as_object().context("outputs")?;
                for (l, (name, value)) in outputs.iter().enumerate() {
                    out.push_str(if l == 0 { "\n" } else { ",\n" });
                    out.push_str(&format!("            {}: {}", s(&json!(name))?, s(value)?));
                }
                out.push_str("\n          }");
            }
            out.push_str("\n        }");
        }
        out.push_str("\n      }\n    }");
    }
    out.push_str(if mistakes.is_empty() {
        "]\n}\n"
    } else {
        "\n  ]\n}\n"
    });
    Ok(out)
}

/// The outputs of `got` (one run of `item` on `case_id`) that some test
/// grading them would fail: those, and only those, tell a mistake apart.
fn differing(
    grader: &Grader,
    item: &str,
    case_id: &str,
    got: &Map<String, Value>,
) -> Map<String, Value> {
    let mut kept = Map::new();
    let Some(expected) = grader.cases.get(case_id).and_then(|c| c.expected.get(item)) else {
        return kept;
    };
    for t in &grader.rubric.tests {
        if t.item != item || !grader.rubric.cases_of(t).iter().any(|c| c.id == case_id) {
            continue;
        }
        for name in t.output_names(expected) {
            let (Some(want), Some(value)) = (expected.get(&name), got.get(&name)) else {
                continue;
            };
            if compare(want, value, &name, tolerance(t)).is_err() {
                kept.insert(name, value.clone());
            }
        }
    }
    kept
}

fn tolerance(t: &TestSpec) -> Tolerance {
    Tolerance::of(t)
}

/// How a student's answer is matched with a mistake's: the test's own
/// comparison, but a bound says nothing of two answers being the same, so a
/// one-sided test matches within its `rtol`/`atol`, and classes scored for
/// accuracy (any well-formed list passes) match only when equal.
fn matching(t: &TestSpec) -> Tolerance {
    match t.rule() {
        Rule::AtLeast(_) | Rule::AtMost(_) => Tolerance::close(t.rtol, t.atol),
        Rule::Accuracy => Tolerance {
            rule: Rule::Exact,
            ..Tolerance::of(t)
        },
        _ => Tolerance::of(t),
    }
}

/// The solution's functions (`name` or `Type::name`) whose definitions the
/// one occurrence of `from` in `source` overlaps.
fn touched(source: &str, from: &str) -> Result<Vec<String>> {
    let parsed = Source::parse(source)
        .map_err(|e| anyhow::anyhow!("the source before it does not parse: {e}"))?;
    let start = source.find(from).context("`from` not found")?;
    let end = start + from.len().max(1);
    let mut found: Vec<String> = Vec::new();
    for d in &parsed.definitions {
        if d.range.start < end && start < d.range.end && !found.contains(&d.path) {
            found.push(d.path.clone());
        }
    }
    Ok(found)
}

/// The items (of `lab.toml`'s `[items]`) that grade one of `functions`.
fn own_items(items: &BTreeMap<String, Functions>, functions: &[String]) -> Vec<String> {
    items
        .iter()
        .filter(|(_, fs)| fs.list().iter().any(|f| functions.contains(f)))
        .map(|(item, _)| item.clone())
        .collect()
}

/// Builds `source` as a submission and runs every (item, case) the rubric
/// grades of `items` (all, when the lab declares no `[items]`), keeping
/// every answer.
fn run_source(
    grader: &Grader,
    source: &str,
    items: &[String],
) -> Result<BTreeMap<(String, String), Result<Value, String>>> {
    use std::os::unix::fs::DirBuilderExt;
    let work = tempfile::Builder::new()
        .prefix("grade-mistake-")
        .tempdir()
        .context("cannot create a working folder")?;
    let wall = Duration::from_secs_f64(grader.rubric.limits.compile_seconds);
    let probe = match build::build(
        &grader.lab,
        &grader.tools,
        &grader.deps,
        source,
        work.path(),
        &grader.jail,
        build::Options {
            wall,
            // A mistake's outputs are kept, never its panics' places.
            lines: build::LineTables::Without,
        },
    ) {
        Ok(p) => p,
        Err(BuildFailure::Student(text))
        | Err(BuildFailure::Refused(text))
        | Err(BuildFailure::Api(build::ApiMisfit { text, .. })) => {
            bail!("the changed solution does not compile:\n{text}")
        }
        Err(BuildFailure::Internal(e)) => return Err(e),
    };
    let tree = probe
        .parent()
        .and_then(Path::parent)
        .context("the probe has no folder")?
        .to_path_buf();
    let runs_dir = tree.join("run");
    std::fs::DirBuilder::new()
        .mode(0o755)
        .recursive(true)
        .create(&runs_dir)?;
    let mut needed: Vec<(String, String)> = Vec::new();
    for t in &grader.rubric.tests {
        // A mistake is a change to the code; written answers are no output of
        // it, and a training run that waits for other tests is not a fixture.
        if grader.lab.is_answers_item(&t.item) || t.deferred() {
            continue;
        }
        if !grader.lab.spec.items.is_empty() && !items.contains(&t.item) {
            continue;
        }
        for c in grader.rubric.cases_of(t) {
            let key = (t.item.clone(), c.id.clone());
            if !needed.contains(&key) {
                needed.push(key);
            }
        }
    }
    let queue = Mutex::new(needed.into_iter().enumerate());
    let done = Mutex::new(BTreeMap::new());
    let failure: Mutex<Option<anyhow::Error>> = Mutex::new(None);
    std::thread::scope(|s| {
        for _ in 0..grader.jobs {
            s.spawn(|| loop {
                let next = queue.lock().expect("queue").next();
                let Some((k, (item, case))) = next else { break };
                match grader.run_one(
                    &probe,
                    (&item, &case),
                    &tree,
                    &runs_dir.join(k.to_string()),
                    // A mistake's runs have no submission budget: each its own limit.
                    Duration::MAX,
                ) {
                    Ok(run) => {
                        done.lock().expect("runs").insert((item, case), run.result);
                    }
                    Err(e) => {
                        failure.lock().expect("failure").get_or_insert(e);
                    }
                }
            });
        }
    });
    if let Some(e) = failure.into_inner().expect("failure") {
        return Err(e);
    }
    crate::sandbox::reaper::sweep(Duration::from_secs(1));
    Ok(done.into_inner().expect("runs"))
}

/// One mistake as grading reads it.
struct Mistake {
    name: String,
    hint: String,
    /// The functions (`name` or `Type::name`) the mistake changes.
    functions: Vec<String>,
    /// case -> item -> output -> the mistake's value, where it differs from
    /// the solution's.
    outputs: Map<String, Value>,
}

/// A lab's `mistakes.json`, read the first time a case fails.
pub struct Catalogue {
    path: PathBuf,
    loaded: OnceLock<Vec<Mistake>>,
}

impl Catalogue {
    pub fn new(fixtures_dir: &Path) -> Catalogue {
        Catalogue {
            path: fixtures_dir.join(FILE),
            loaded: OnceLock::new(),
        }
    }

    /// The mistakes; none when the lab has no catalogue. A file of another
    /// format or lab names nothing, and says so once on stderr.
    fn mistakes(&self) -> &[Mistake] {
        self.loaded.get_or_init(|| match read(&self.path) {
            Ok(m) => m,
            Err(e) => {
                if self.path.exists() {
                    eprintln!("grade: known mistakes not named: {e:#}");
                }
                Vec::new()
            }
        })
    }

    /// The names of the known mistakes whose outputs on `case` equal `got`
    /// in every output `test` compares: NaN for NaN, the same infinities,
    /// finite numbers within the test's tolerance. Only mistakes that change
    /// a function `test`'s item grades (`items`: lab.toml's `[items]`; any,
    /// for a lab that declares none) and that differ from the solution in one
    /// of those outputs can match.
    pub(super) fn matching(
        &self,
        test: &TestSpec,
        case: &Case,
        got: &Map<String, Value>,
        items: &BTreeMap<String, Functions>,
    ) -> Vec<String> {
        let Some(expected) = case.expected.get(&test.item) else {
            return Vec::new();
        };
        let graded = items.get(&test.item).map(Functions::list);
        let names = test.output_names(expected);
        self.mistakes()
            .iter()
            .filter(|m| {
                items.is_empty()
                    || graded
                        .as_ref()
                        .is_some_and(|fs| fs.iter().any(|f| m.functions.contains(f)))
            })
            .filter(|m| {
                let Some(mine) = m.outputs.get(&case.id).and_then(|c| c.get(&test.item)) else {
                    return false;
                };
                names.iter().any(|n| mine.get(n).is_some())
                    && names.iter().all(|n| {
                        let want = mine.get(n).or_else(|| expected.get(n));
                        match (want, got.get(n)) {
                            (Some(want), Some(have)) => same_answer(want, have, matching(test)),
                            _ => false,
                        }
                    })
            })
            .map(|m| m.name.clone())
            .collect()
    }

    /// The hint of the mistake `name`.
    pub(super) fn hint(&self, name: &str) -> Option<&str> {
        self.mistakes()
            .iter()
            .find(|m| m.name == name)
            .map(|m| m.hint.as_str())
    }
}

fn read(path: &Path) -> Result<Vec<Mistake>> {
    let shown = path.display();
    let text = std::fs::read_to_string(path).with_context(|| format!("cannot read {shown}"))?;
    let v: Value = serde_json::from_str(&text).with_context(|| format!("{shown} is not JSON"))?;
    if v.get("format").and_then(Value::as_u64) != Some(FORMAT) {
        bail!("{shown}: not format {FORMAT}; regenerate it with `grade fixtures`");
    }
    let Some(list) = v.get("mistakes").and_then(Value::as_array) else {
        bail!("{shown}: \"mistakes\" must be a list");
    };
    list.iter()
        .map(|m| {
            let text = |key: &str| m.get(key).and_then(Value::as_str).map(str::to_string);
            let functions = m.get("functions").and_then(Value::as_array).and_then(|fs| {
                fs.iter()
                    .map(|f| f.as_str().map(str::to_string))
                    .collect::<Option<Vec<String>>>()
            });
            match (text("name"), text("hint"), functions, m.get("outputs")) {
                (Some(name), Some(hint), Some(functions), Some(Value::Object(outputs))) => {
                    Ok(Mistake {
                        name,
                        hint,
                        functions,
                        outputs: outputs.clone(),
                    })
                }
                _ => bail!("{shown}: a mistake needs a name, a hint, functions and outputs"),
            }
        })
        .collect()
}

/// Names the known mistakes a settled run matches, per failed test (called
/// by `Grader::settle` while the answer is still held, only when a test
/// failed on it).
pub(super) fn name_in_run(grader: &Grader, run: &mut Run, case_id: &str, failed: &[&TestSpec]) {
    let (Ok(Value::Object(got)), Some(case)) = (&run.result, grader.cases.get(case_id)) else {
        return;
    };
    for t in failed {
        let names = grader
            .mistakes
            .matching(t, case, got, &grader.lab.spec.items);
        if !names.is_empty() {
            run.mistakes.push((t.name.clone(), names));
        }
    }
}

/// The feedback line for a failed case that matches known mistakes: their
/// names only (catalogue text, never values), for hidden cases too.
pub(super) fn case_line(names: &[String]) -> String {
    let list = names
        .iter()
        .map(|n| format!("`{n}`"))
        .collect::<Vec<_>>()
        .join(", ");
    if names.len() == 1 {
        format!("  this is what a known mistake gives: {list}")
    } else {
        format!("  this is what each of these known mistakes gives: {list}")
    }
}

/// The closing lines of a test that named known mistakes: each one's hint.
pub(super) fn hint_lines(grader: &Grader, names: &[String]) -> Vec<String> {
    names
        .iter()
        .map(|n| match grader.mistakes.hint(n) {
            Some(h) => format!("Known mistake `{n}`: {h}"),
            None => format!("Known mistake `{n}`."),
        })
        .collect()
}
