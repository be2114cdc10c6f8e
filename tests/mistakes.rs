//! Known mistakes, named (issue 13, part 2; issue 24, point 4), through the
//! real binary: every catalogue entry (reference/labs/<lab>/mistakes.toml) is
//! named when its own change to the solution is graded, only in tests of the
//! functions it changes, and on the terminal's first failure line with its
//! hint; a mistake in one function is not named in another's test whose
//! numbers coincide; a NaN-producing mistake written in another style is
//! named; hidden cases name it without inputs or values; `grade fixtures
//! --check` refuses an entry no case can tell from the solution; two entries
//! with the same outputs on a case are both named.

mod common;

use common::{
    copy_of_root, grade_bin, grade_source, run, solution_source, student_binary, text, Graded,
};
use serde_json::Value;
use std::fs;
use std::path::Path;

#[derive(serde::Deserialize)]
struct Catalogue {
    mistake: Vec<Entry>,
}

#[derive(serde::Deserialize)]
struct Entry {
    name: String,
    hint: String,
    from: String,
    to: String,
    #[serde(default)]
    also: Vec<Change>,
}

#[derive(serde::Deserialize)]
struct Change {
    from: String,
    to: String,
}

fn catalogue(root: &Path, lab: &str) -> Vec<Entry> {
    let path = root.join(format!("reference/labs/{lab}/mistakes.toml"));
    toml::from_str::<Catalogue>(&fs::read_to_string(path).unwrap())
        .unwrap()
        .mistake
}

/// The solution with the entry's changes made, each found exactly once.
fn apply(solution: &str, e: &Entry) -> String {
    let mut source = solution.to_string();
    for (from, to) in
        std::iter::once((&e.from, &e.to)).chain(e.also.iter().map(|c| (&c.from, &c.to)))
    {
        assert_eq!(
            source.matches(from.as_str()).count(),
            1,
            "{}: {from}",
            e.name
        );
        source = source.replace(from.as_str(), to);
    }
    source
}

/// The line a failed case gets when it matches known mistakes (the exact
/// words of `grading::mistakes::case_line`).
fn named_line(names: &[&str]) -> String {
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

/// Each failed test's output lines.
fn failed_outputs(graded: &Graded) -> Vec<(String, String)> {
    graded.results["tests"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|t| t["status"] != "passed")
        .map(|t| {
            (
                t["name"].as_str().unwrap().to_string(),
                t["output"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

/// The functions a mistake changes, as `grade fixtures` recorded them.
fn functions_of(root: &Path, lab: &str, name: &str) -> Vec<String> {
    let mistakes: Value = serde_json::from_str(
        &fs::read_to_string(root.join(format!("fixtures/{lab}/mistakes.json"))).unwrap(),
    )
    .unwrap();
    let m = mistakes["mistakes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["name"] == name)
        .unwrap_or_else(|| panic!("{name} is not in fixtures/{lab}/mistakes.json"));
    m["functions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f.as_str().unwrap().to_string())
        .collect()
}

/// Test name -> the functions its item grades (rubric's `item`, lab.toml's
/// `[items]`).
fn graded_functions(root: &Path, lab: &str) -> std::collections::BTreeMap<String, Vec<String>> {
    let lab_toml: toml::Value = toml::from_str(
        &fs::read_to_string(root.join(format!("reference/labs/{lab}/lab.toml"))).unwrap(),
    )
    .unwrap();
    let rubric: toml::Value =
        toml::from_str(&fs::read_to_string(root.join(format!("rubrics/{lab}.toml"))).unwrap())
            .unwrap();
    rubric["tests"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| {
            let item = t["item"].as_str().unwrap();
            let functions = match lab_toml["items"].get(item) {
                Some(toml::Value::String(f)) => vec![f.clone()],
                Some(toml::Value::Array(fs)) => {
                    fs.iter().map(|f| f.as_str().unwrap().to_string()).collect()
                }
                _ => Vec::new(),
            };
            (t["name"].as_str().unwrap().to_string(), functions)
        })
        .collect()
}

/// What the terminal table shows under test `number`'s row: its lines up to
/// the next row, trimmed and joined (undoing the table's wrapping).
fn terminal_block(stdout: &str, number: &str) -> String {
    let is_row = |l: &str| {
        ["  ok   ", "  FAIL ", "  --   ", "  total "]
            .iter()
            .any(|m| l.starts_with(m))
    };
    let lines: Vec<&str> = stdout.lines().collect();
    let Some(at) = lines
        .iter()
        .position(|l| is_row(l) && l.split_whitespace().nth(1) == Some(number))
    else {
        return String::new();
    };
    lines[at + 1..]
        .iter()
        .take_while(|l| !is_row(l) && !l.trim().is_empty())
        .map(|l| l.trim())
        .collect::<Vec<_>>()
        .join(" ")
}

/// The words the terminal's first failure line adds for a known mistake.
fn terminal_words(name: &str, hint: &str) -> String {
    format!("— known mistake `{name}`: {hint}")
}

/// Grades every entry's change and checks that some failed case names it
/// (alone or with others giving the same outputs), with its hint; that only
/// tests of the functions it changes name it; and that the terminal's first
/// failure line of a test naming it carries its name and hint.
fn check_every_entry_named(lab: &str) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let solution = solution_source(lab);
    let entries = catalogue(root, lab);
    let graded_by = graded_functions(root, lab);
    assert!(!entries.is_empty());
    for e in &entries {
        let graded = grade_source(lab, &apply(&solution, e));
        let outputs = failed_outputs(&graded);
        assert!(!outputs.is_empty(), "{}: nothing failed", e.name);
        let tag = format!("`{}`", e.name);
        let names_it = |out: &str| {
            out.lines()
                .any(|l| l.starts_with("  this is what") && l.contains(&tag))
        };
        let named: Vec<&String> = outputs
            .iter()
            .filter(|(_, out)| names_it(out))
            .map(|(test, _)| test)
            .collect();
        assert!(
            !named.is_empty(),
            "{} not named:\n{}",
            e.name,
            graded.results
        );
        let hint = format!("Known mistake {tag}: {}", e.hint);
        assert!(
            outputs.iter().any(|(_, out)| out.contains(&hint)),
            "{}: hint missing:\n{}",
            e.name,
            graded.results
        );
        // Named only where it belongs: tests whose item grades a function
        // the mistake changes.
        let functions = functions_of(root, lab, &e.name);
        assert!(!functions.is_empty(), "{}: no functions recorded", e.name);
        for test in &named {
            assert!(
                graded_by[*test].iter().any(|f| functions.contains(f)),
                "{} (changes {functions:?}) named in {test}, whose item grades {:?}:\n{}",
                e.name,
                graded_by[*test],
                graded.results
            );
        }
        // The terminal: the first failure line of a test naming it ends
        // with its name and hint (results.json's extra_data, in words).
        let stdout = String::from_utf8_lossy(&graded.output.stdout);
        let words = terminal_words(&e.name, &e.hint);
        let shown = named.iter().any(|test| {
            let number = graded.test(test)["number"].as_str().unwrap().to_string();
            let block = terminal_block(&stdout, &number);
            block.starts_with('✗') && block.contains(&words)
        });
        assert!(shown, "{}: not on a first failure line:\n{stdout}", e.name);
    }
}

#[test]
fn every_cs240_mistake_is_named_when_its_mutant_is_graded() {
    check_every_entry_named("cs240");
}

#[test]
fn every_mse2_mistake_is_named_when_its_mutant_is_graded() {
    check_every_entry_named("mse2");
}

#[test]
fn every_twolayernet_mistake_is_named_when_its_mutant_is_graded() {
    check_every_entry_named("twolayernet");
}

#[test]
fn every_modular_mistake_is_named_when_its_mutant_is_graded() {
    check_every_entry_named("modular");
}

#[test]
fn every_lab3_mistake_is_named_when_its_mutant_is_graded() {
    check_every_entry_named("lab3");
}

#[test]
fn cs240_catalogue_covers_the_issues_list() {
    // Issue 13's list of CS240 mistakes, each by its catalogue name.
    let names: Vec<String> = catalogue(Path::new(env!("CARGO_MANIFEST_DIR")), "cs240")
        .into_iter()
        .map(|e| e.name)
        .collect();
    for want in [
        "sigmoid_derivative_of_activation",
        "backprop_sigmoid_derivative_of_activation",
        "cost_without_half",
        "cost_summed_not_averaged",
        "cost_derivative_y_minus_a",
        "forward_pass_without_output_sigmoid",
        "three_layer_hardcode",
        "eta_not_divided_by_batch_length",
        "divided_by_mini_batch_size",
        "gradient_of_one_example_only",
        "extra_shuffle",
        "cost_recorded_before_updates",
        "transposed_dc_dw",
        "reversed_gradient_lists",
    ] {
        assert!(names.iter().any(|n| n == want), "{want} missing: {names:?}");
    }
}

/// Every number of a JSON value, as the shortest texts Rust writes for it
/// (plain and scientific).
fn number_texts(v: &Value, out: &mut Vec<String>) {
    match v {
        Value::Number(n) => {
            let x = n.as_f64().unwrap();
            out.push(format!("{x}"));
            out.push(format!("{x:e}"));
        }
        Value::Array(a) => a.iter().for_each(|x| number_texts(x, out)),
        Value::Object(o) => o.values().for_each(|x| number_texts(x, out)),
        _ => {}
    }
}

#[test]
fn a_mistake_on_hidden_cases_is_named_without_inputs_or_values() {
    // The hard-coded 3-layer forward pass panics on [3, 5, 2] (public: no
    // answer to match), is right on [784, 8, 8, 10], and differs only on the
    // two deep cases, which are hidden (rubrics/cs240.toml): so it can only
    // be named there.
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let e = catalogue(root, "cs240")
        .into_iter()
        .find(|e| e.name == "three_layer_hardcode")
        .unwrap();
    let graded = grade_source("cs240", &apply(&solution_source("cs240"), &e));
    let out = graded.test("forward_pass")["output"].as_str().unwrap();
    let lines: Vec<&str> = out.lines().collect();
    let line = named_line(&["three_layer_hardcode"]);
    let at: Vec<usize> = (0..lines.len()).filter(|&i| lines[i] == line).collect();
    assert!(!at.is_empty(), "not named: {out}");
    for i in at {
        assert!(
            lines[i - 1].starts_with("✗ hidden case "),
            "named after a hidden case's line only: {out}"
        );
    }
    // No number of the hidden cases (inputs, expected outputs, the mistake's
    // outputs) appears anywhere in results.json.
    let whole = graded.results.to_string();
    let mistakes: Value = serde_json::from_str(
        &fs::read_to_string(root.join("fixtures/cs240/mistakes.json")).unwrap(),
    )
    .unwrap();
    for case in ["deep_6_7_5_4_3", "deep_5_4_4_4_4_2"] {
        let fixture = common::fixture("cs240", case);
        let mut texts = Vec::new();
        number_texts(&fixture["inputs"], &mut texts);
        number_texts(&fixture["expected"]["forward_pass"], &mut texts);
        for m in mistakes["mistakes"].as_array().unwrap() {
            number_texts(&m["outputs"][case], &mut texts);
        }
        // Short texts ("1", "0.5") occur in any output; a hidden value is
        // recognisable by its digits.
        for t in texts.iter().filter(|t| t.len() >= 8) {
            assert!(!whole.contains(t.as_str()), "{case}'s {t} shown: {whole}");
        }
    }
}

/// results.json of the lab's solution with catalogue entry `name` applied,
/// graded with the lab data under `root` (a copy changed by the test).
fn grade_mistake_under(root: &Path, lab: &str, name: &str) -> Value {
    let e = catalogue(root, lab)
        .into_iter()
        .find(|e| e.name == name)
        .unwrap_or_else(|| panic!("no mistake {name} in {lab}'s catalogue"));
    let work = tempfile::tempdir().unwrap();
    let sub = work.path().join("submission/src");
    fs::create_dir_all(&sub).unwrap();
    fs::write(sub.join("lib.rs"), apply(&solution_source(lab), &e)).unwrap();
    let results = work.path().join("results.json");
    let out = run(grade_bin()
        .env("GRADE_ROOT", root)
        .args(["--lab", lab, "--submission"])
        .arg(work.path().join("submission"))
        .arg("--out")
        .arg(&results));
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    serde_json::from_str(&fs::read_to_string(&results).unwrap()).unwrap()
}

/// The test called `name` in results.json `r`.
fn test_named<'a>(r: &'a Value, name: &str) -> &'a Value {
    r["tests"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["name"] == name)
        .unwrap_or_else(|| panic!("no test {name}: {r}"))
}

fn append_mistake(root: &Path, toml_text: &str) {
    let path = root.join("reference/labs/cs240/mistakes.toml");
    let mut text = fs::read_to_string(&path).unwrap();
    text.push_str(toml_text);
    fs::write(&path, text).unwrap();
}

#[test]
fn fixtures_check_refuses_a_mistake_no_case_tells_apart() {
    let root = copy_of_root();
    // Cloning z before taking its sigmoid changes nothing any case can see.
    append_mistake(
        root.path(),
        r#"
[[mistake]]
name = "sigmoid_of_a_clone"
hint = "Not a mistake."
from = "let s = sigmoid(z);"
to = "let s = sigmoid(&z.clone());"
"#,
    );
    let out = run(grade_bin()
        .env("GRADE_ROOT", root.path())
        .args(["fixtures", "--check", "--lab", "cs240"]));
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("sigmoid_of_a_clone") && err.contains("could never be told apart"),
        "{}",
        text(&out)
    );
    // Regenerating refuses it too, and writes nothing.
    let before = fs::read(root.path().join("fixtures/cs240/mistakes.json")).unwrap();
    let out = run(grade_bin()
        .env("GRADE_ROOT", root.path())
        .args(["fixtures", "--lab", "cs240"]));
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("sigmoid_of_a_clone"),
        "{}",
        text(&out)
    );
    assert_eq!(
        fs::read(root.path().join("fixtures/cs240/mistakes.json")).unwrap(),
        before
    );
}

#[test]
fn fixtures_check_names_a_stale_mistakes_file() {
    let root = copy_of_root();
    let path = root.path().join("fixtures/cs240/mistakes.json");
    let original = fs::read_to_string(&path).unwrap();
    fs::write(&path, original.replacen("\"hint\": \"", "\"hint\": \"x", 1)).unwrap();
    let out = run(grade_bin()
        .env("GRADE_ROOT", root.path())
        .args(["fixtures", "--check", "--lab", "cs240"]));
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("mistakes.json"),
        "{}",
        text(&out)
    );
}

#[test]
fn two_mistakes_with_the_same_outputs_are_both_named() {
    let root = copy_of_root();
    // z - z² is z(1 - z) to rounding: on every case it gives what
    // sigmoid_derivative_of_activation gives, within the test's tolerance.
    append_mistake(
        root.path(),
        r#"
[[mistake]]
name = "sigmoid_derivative_as_z_minus_z_squared"
hint = "Also the derivative formula for an activation, not for z."
from = "&s * &s.mapv(|v| 1.0 - v)"
to = "&s - &s.mapv(|v| v * v)"
also = [{ from = "let s = sigmoid(z);", to = "let s = z.clone();" }]
"#,
    );
    let out = run(grade_bin()
        .env("GRADE_ROOT", root.path())
        .args(["fixtures", "--lab", "cs240"]));
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let r = grade_mistake_under(root.path(), "cs240", "sigmoid_derivative_of_activation");
    let test = test_named(&r, "sigmoid_derivative");
    let shown = test["output"].as_str().unwrap();
    let both = named_line(&[
        "sigmoid_derivative_as_z_minus_z_squared",
        "sigmoid_derivative_of_activation",
    ]);
    let both_other_order = named_line(&[
        "sigmoid_derivative_of_activation",
        "sigmoid_derivative_as_z_minus_z_squared",
    ]);
    assert!(
        shown.lines().any(|l| l == both || l == both_other_order),
        "{shown}"
    );
    assert!(shown.contains("Known mistake `sigmoid_derivative_as_z_minus_z_squared`: Also"));
}

#[test]
fn the_solution_names_no_mistake() {
    let graded = grade_source("cs240", &solution_source("cs240"));
    assert!(!graded.results.to_string().contains("known mistake"));
}

#[test]
fn the_student_build_names_mistakes_on_public_cases_and_carries_no_hidden_outputs() {
    let binary = student_binary();
    // The mistakes' outputs on hidden cases are not in the binary: every
    // long number of them that no public case's outputs share.
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mistakes: Value = serde_json::from_str(
        &fs::read_to_string(root.join("fixtures/cs240/mistakes.json")).unwrap(),
    )
    .unwrap();
    let (mut hidden, mut public) = (Vec::new(), Vec::new());
    for m in mistakes["mistakes"].as_array().unwrap() {
        for (case, outputs) in m["outputs"].as_object().unwrap() {
            let into = if case.starts_with("deep_") {
                &mut hidden
            } else {
                &mut public
            };
            // As serde_json writes them (shortest round-trip form).
            collect_json_numbers(outputs, into);
        }
    }
    let bytes = fs::read(binary).unwrap();
    let haystack = String::from_utf8_lossy(&bytes);
    // Sets, not scans: tens of thousands of numbers against a large binary.
    let public: std::collections::HashSet<&String> = public.iter().collect();
    let hidden: Vec<&String> = hidden
        .iter()
        .filter(|n| n.len() >= 12 && !public.contains(n))
        .collect();
    assert!(hidden.len() > 100, "{}", hidden.len());
    // Every run of number characters in the binary (as the bundle's JSON
    // writes numbers, between brackets, commas and quotes).
    let tokens: std::collections::HashSet<&[u8]> = bytes
        .split(|b| !(b.is_ascii_digit() || b".eE+-".contains(b)))
        .filter(|t| t.len() >= 12)
        .collect();
    let public_found = public
        .iter()
        .filter(|n| n.len() >= 12 && tokens.contains(n.as_bytes()))
        .count();
    assert!(
        public_found > 0,
        "the scan finds no public mistake output: is it broken?"
    );
    let leaked: Vec<&&String> = hidden
        .iter()
        .filter(|n| tokens.contains(n.as_bytes()))
        .collect();
    assert!(
        leaked.is_empty(),
        "hidden mistake outputs in the student binary: {leaked:?}"
    );
    // Nor the catalogue, which quotes the solution.
    assert!(!haystack.contains("let step = eta / batch.len() as f64;"));

    // A student's mistake is named on the public cases.
    let e = catalogue(root, "cs240")
        .into_iter()
        .find(|e| e.name == "divided_by_mini_batch_size")
        .unwrap();
    let work = tempfile::tempdir().unwrap();
    let sub = work.path().join("submission/src");
    fs::create_dir_all(&sub).unwrap();
    fs::write(sub.join("lib.rs"), apply(&solution_source("cs240"), &e)).unwrap();
    let out = std::process::Command::new(binary)
        .args([
            "--lab",
            "cs240",
            "--submission",
            "submission",
            "--out",
            "results.json",
        ])
        .current_dir(work.path())
        .env_remove("GRADE_ROOT")
        .env(
            "GRADE_CACHE_DIR",
            Path::new(env!("CARGO_TARGET_TMPDIR")).join("student-cache"),
        )
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", text(&out));
    let r: Value =
        serde_json::from_str(&fs::read_to_string(work.path().join("results.json")).unwrap())
            .unwrap();
    let test = test_named(&r, "mini_batch_GD");
    let shown = test["output"].as_str().unwrap();
    let line = named_line(&["divided_by_mini_batch_size"]);
    assert_eq!(shown.lines().filter(|l| *l == line).count(), 2, "{shown}");
}

fn collect_json_numbers(v: &Value, out: &mut Vec<String>) {
    match v {
        Value::Number(n) => out.push(n.to_string()),
        Value::Array(a) => a.iter().for_each(|x| collect_json_numbers(x, out)),
        Value::Object(o) => o.values().for_each(|x| collect_json_numbers(x, out)),
        _ => {}
    }
}

#[test]
fn a_mistake_is_not_named_in_another_functions_test_whose_numbers_coincide() {
    // The sign of the output error flipped inside back_propagation (whose
    // cost_derivative call is replaced by y − a) computes exactly what the
    // catalogue's cost_derivative_y_minus_a computes there. But that mistake
    // changes cost_derivative, which this student wrote right: it is named in
    // no test, and cost_derivative's own test passes.
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    assert_eq!(
        functions_of(root, "cs240", "cost_derivative_y_minus_a"),
        ["cost_derivative"]
    );
    let from = "cost_derivative(&activations[layers], y) * sigmoid_derivative(&zs[layers - 1]);";
    let solution = solution_source("cs240");
    assert_eq!(solution.matches(from).count(), 1);
    let source = solution.replace(
        from,
        "(y - &activations[layers]) * sigmoid_derivative(&zs[layers - 1]);",
    );
    let graded = grade_source("cs240", &source);
    assert_eq!(graded.test("cost_derivative")["status"], "passed");
    let failed = failed_outputs(&graded);
    assert!(
        failed
            .iter()
            .any(|(t, _)| t.starts_with("back_propagation")),
        "{}",
        graded.results
    );
    let whole = graded.results.to_string();
    assert!(!whole.contains("cost_derivative_y_minus_a"), "{whole}");
    let stdout = String::from_utf8_lossy(&graded.output.stdout);
    assert!(!stdout.contains("known mistake"), "{stdout}");
}

#[test]
fn a_mistake_is_named_only_where_its_functions_say() {
    // The grader reads which functions a mistake changes from mistakes.json:
    // the same outputs, said to belong to another function, are named in no
    // test of mini_batch_gd.
    let root = copy_of_root();
    let path = root.path().join("fixtures/cs240/mistakes.json");
    let mut v: Value = serde_json::from_str(&fs::read_to_string(&path).unwrap()).unwrap();
    let entry = v["mistakes"]
        .as_array_mut()
        .unwrap()
        .iter_mut()
        .find(|m| m["name"] == "divided_by_mini_batch_size")
        .unwrap();
    assert_eq!(
        entry["functions"],
        serde_json::json!(["NeuralNetwork::mini_batch_gd"])
    );
    entry["functions"] = serde_json::json!(["sigmoid"]);
    fs::write(&path, serde_json::to_string(&v).unwrap()).unwrap();
    let r = grade_mistake_under(root.path(), "cs240", "divided_by_mini_batch_size");
    let test = test_named(&r, "mini_batch_GD");
    assert_eq!(test["status"], "failed", "{test}");
    assert!(!r.to_string().contains("divided_by_mini_batch_size"), "{r}");
}

#[test]
fn a_nan_producing_mistake_in_another_style_is_named() {
    // e / (1 + e) overflows to inf / inf = NaN for large scores: the
    // catalogue's lab3 sigmoid_overflows. Written as e · (1 + e)⁻¹, the same
    // mistake gives NaN in the same places and finite numbers that differ
    // from the catalogue's in their last bits: matched all the same (NaN
    // for NaN, finite numbers within the test's tolerance).
    let from = r#"    z.mapv(|v| {
        if v >= 0.0 {
            1.0 / (1.0 + (-v).exp())
        } else {
            let e = v.exp();
            e / (1.0 + e)
        }
    })"#;
    let solution = solution_source("lab3");
    assert_eq!(solution.matches(from).count(), 1);
    let source = solution.replace(
        from,
        "    z.mapv(|v| {\n        let e = v.exp();\n        e * (1.0 + e).recip()\n    })",
    );
    let graded = grade_source("lab3", &source);
    let test = graded.test("forward pass (z2, a2, z3, a3)");
    let out = test["output"].as_str().unwrap();
    assert!(out.contains("non-finite"), "no NaN in the answer: {out}");
    assert!(
        out.lines().any(|l| l == named_line(&["sigmoid_overflows"])),
        "{out}"
    );
    assert_eq!(
        test["extra_data"]["known_mistakes"][0]["name"],
        "sigmoid_overflows"
    );
    // Only the forward pass's test grades sigmoid: the other tests that
    // fail through it do not name it.
    for (name, out) in failed_outputs(&graded) {
        if name != "forward pass (z2, a2, z3, a3)" {
            assert!(!out.contains("sigmoid_overflows"), "{name}: {out}");
        }
    }
}

#[test]
fn the_terminal_and_github_annotations_name_the_mistake_on_the_first_failure() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let e = catalogue(root, "mse2")
        .into_iter()
        .find(|e| e.name == "loss_without_half")
        .unwrap();
    let work = tempfile::tempdir().unwrap();
    common::write_submission(
        "mse2",
        &apply(&solution_source("mse2"), &e),
        &work.path().join("submission"),
    );
    let out = run(grade_bin()
        .args(["--lab", "mse2", "--format", "github", "--submission"])
        .arg(work.path().join("submission"))
        .arg("--out")
        .arg(work.path().join("results.json")));
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let stdout = String::from_utf8_lossy(&out.stdout);
    let r: Value =
        serde_json::from_str(&fs::read_to_string(work.path().join("results.json")).unwrap())
            .unwrap();
    let test = test_named(&r, "back_propagation: loss L");
    assert_eq!(test["status"], "failed");
    let number = test["number"].as_str().unwrap();
    let block = terminal_block(&stdout, number);
    let words = terminal_words(&e.name, &e.hint);
    assert!(
        block.starts_with('✗') && block.contains(&words),
        "{block}\n{stdout}"
    );
    // The first wrapped line is the failure itself: the mistake follows it.
    let first_failure = test["output"]
        .as_str()
        .unwrap()
        .lines()
        .find(|l| l.starts_with('✗'))
        .unwrap();
    assert!(block.starts_with(first_failure.trim()), "{block}");
    // GitHub's annotation of the test: its first line carries them too.
    let annotation = stdout
        .lines()
        .find(|l| l.starts_with("::error ") && l.contains(&format!("title={number} ")))
        .unwrap_or_else(|| panic!("no annotation for {number}:\n{stdout}"));
    let message = annotation.splitn(3, "::").nth(2).unwrap();
    let first = message.split("%0A").next().unwrap();
    assert!(first.contains(&words), "{annotation}");
    // Tests that passed carry nothing of it.
    for t in r["tests"].as_array().unwrap() {
        if t["status"] == "passed" {
            let block = terminal_block(&stdout, t["number"].as_str().unwrap());
            assert!(!block.contains("known mistake"), "{block}");
        }
    }
}
