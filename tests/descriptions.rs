//! A case's description (in its fixture, shown to students beside a public
//! case's results) and the rubric's comment on it say what the case is: every
//! size either states is checked against the case's own inputs.
//!
//! What is read as a size, in a description or a `[[cases]]` comment:
//! - "batches of A then B": the batch sizes of the two calls of every module
//!   the clause names (`Linear and CrossEntropyLoss on batches of 2 then 4`),
//!   or of every module with calls when it names none; a module's batch is
//!   the rows of each matrix of its call;
//! - "batch of N", "batches of N", "minibatches of N", "N points" (digits,
//!   images, examples, samples, training, test, classes, features, epochs)
//!   and each size of a network "A-B-C" or "[A, B, C]": a size the inputs
//!   hold (a matrix's dimension, a list's length, an integer, the number of
//!   classes of a label list; a list in brackets must be one of the inputs);
//! - "4x3" (or "4×3"): a matrix of the inputs has that shape;
//! - "(the last one L)", "(no short batch)", "(K per epoch)": what N
//!   examples in batches of B leave, from the N and B stated before it.

use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// What a case's inputs hold, as sizes.
#[derive(Default)]
struct Facts {
    /// Matrix dimensions, list lengths, integers, label lists' class counts.
    sizes: BTreeSet<u64>,
    /// Every matrix's shape.
    shapes: Vec<Vec<u64>>,
    /// Every list of integers.
    int_lists: Vec<Vec<u64>>,
    /// Module item -> the batch size of each of its calls.
    calls: BTreeMap<String, Vec<u64>>,
}

fn matrix_shape(v: &Value) -> Option<Vec<u64>> {
    let o = v.as_object()?;
    if !o.contains_key("data") {
        return None;
    }
    o.get("shape")?
        .as_array()?
        .iter()
        .map(Value::as_u64)
        .collect()
}

fn walk(v: &Value, facts: &mut Facts) {
    if let Some(shape) = matrix_shape(v) {
        facts.sizes.extend(shape.iter().copied());
        facts.shapes.push(shape);
        return;
    }
    match v {
        Value::Number(n) => {
            if let Some(i) = n.as_u64() {
                facts.sizes.insert(i);
            }
        }
        Value::Array(items) => {
            facts.sizes.insert(items.len() as u64);
            let ints: Option<Vec<u64>> = items.iter().map(Value::as_u64).collect();
            if let Some(ints) = ints.filter(|l| !l.is_empty()) {
                let classes: BTreeSet<u64> = ints.iter().copied().collect();
                facts.sizes.insert(classes.len() as u64);
                facts.int_lists.push(ints);
            } else {
                for item in items {
                    walk(item, facts);
                }
            }
        }
        Value::Object(map) => {
            for item in map.values() {
                walk(item, facts);
            }
        }
        _ => {}
    }
}

fn facts(inputs: &Value) -> Facts {
    let mut facts = Facts::default();
    walk(inputs, &mut facts);
    if let Some(items) = inputs.as_object() {
        for (item, v) in items {
            let Some(calls) = v.get("calls").and_then(Value::as_array) else {
                continue;
            };
            let batches: Vec<u64> = calls
                .iter()
                .map(|call| {
                    let rows: BTreeSet<u64> = call
                        .as_object()
                        .into_iter()
                        .flat_map(|o| o.values())
                        .filter_map(matrix_shape)
                        .filter_map(|s| s.first().copied())
                        .collect();
                    assert!(
                        rows.len() == 1,
                        "{item}: one call's matrices differ in rows"
                    );
                    rows.into_iter().next().unwrap()
                })
                .collect();
            facts.calls.insert(item.clone(), batches);
        }
    }
    facts
}

fn letters(word: &str) -> String {
    word.chars()
        .filter(char::is_ascii_alphanumeric)
        .collect::<String>()
        .to_lowercase()
}

fn number(word: &str) -> Option<u64> {
    let w = word.trim_matches(|c: char| !c.is_ascii_digit());
    if w.is_empty() || !w.chars().all(|c| c.is_ascii_digit() || c == ',') {
        return None;
    }
    w.replace(',', "").parse().ok()
}

/// Words of a clause: "1,347" stays one number, punctuation around a word goes.
fn words(clause: &str) -> Vec<String> {
    clause
        .split_whitespace()
        .map(|w| {
            w.trim_matches(|c: char| "()\"'.:".contains(c))
                .to_lowercase()
        })
        .filter(|w| !w.is_empty())
        .collect()
}

const COUNTED: &[&str] = &[
    "points", "digits", "images", "examples", "samples", "training", "test", "classes", "features",
    "epochs",
];

/// Every way `text` (of case `case`) misstates its inputs' sizes.
fn misstatements(case: &str, text: &str, facts: &Facts) -> Vec<String> {
    let mut wrong = Vec::new();
    let mut say = |what: String| wrong.push(format!("{case}: \"{text}\": {what}"));
    // Lists in brackets, then the rest with them gone.
    let mut rest = String::new();
    let mut inside = None::<String>;
    for c in text.chars() {
        match (c, inside.as_mut()) {
            ('[', None) => inside = Some(String::new()),
            (']', Some(list)) => {
                let sizes: Vec<u64> = list
                    .split(',')
                    .filter_map(|s| s.trim().parse().ok())
                    .collect();
                if !facts.int_lists.contains(&sizes) {
                    say(format!("no input is the list {sizes:?}"));
                }
                inside = None;
            }
            (c, Some(list)) => list.push(c),
            (c, None) => rest.push(c),
        }
    }
    // Numbers in the thousands ("1,347") are kept whole before clauses split on commas.
    let mut joined = String::new();
    let chars: Vec<char> = rest.chars().collect();
    for (i, &c) in chars.iter().enumerate() {
        let digit = |j: usize| chars.get(j).is_some_and(char::is_ascii_digit);
        if c == ',' && i > 0 && digit(i - 1) && digit(i + 1) && digit(i + 2) && digit(i + 3) {
            continue;
        }
        joined.push(c);
    }
    let all = words(&joined);
    for clause in joined.split([';', ',']) {
        let w = words(clause);
        for (i, word) in w.iter().enumerate() {
            let next = |k: usize| w.get(i + k).map(String::as_str);
            // "batches of A then B"
            if word == "batches" && next(1) == Some("of") && next(3) == Some("then") {
                let (Some(a), Some(b)) = (next(2).and_then(number), next(4).and_then(number))
                else {
                    continue;
                };
                let named: Vec<&String> = facts
                    .calls
                    .keys()
                    .filter(|item| {
                        let key = letters(item);
                        w.iter().any(|x| letters(x).starts_with(&key))
                    })
                    .collect();
                let modules: Vec<&String> = if named.is_empty() {
                    facts.calls.keys().collect()
                } else {
                    named
                };
                if modules.is_empty() {
                    say(format!("batches of {a} then {b}, but no input has calls"));
                }
                for m in modules {
                    if facts.calls[m] != [a, b] {
                        say(format!(
                            "batches of {a} then {b}, but {m}'s calls have {:?}",
                            facts.calls[m]
                        ));
                    }
                }
                continue;
            }
            // "batch of N", "batches of N", "minibatches of N"
            if ["batch", "batches", "minibatches"].contains(&word.as_str())
                && next(1) == Some("of")
                && next(3) != Some("then")
            {
                if let Some(n) = next(2).and_then(number) {
                    if !facts.sizes.contains(&n) {
                        say(format!("{word} of {n}, but no input has that size"));
                    }
                }
            }
            // "N points", "150 other training"
            if let Some(n) = number(word).filter(|_| !word.contains('-')) {
                let noun = match next(1) {
                    Some("other") => next(2),
                    n => n,
                };
                if noun.is_some_and(|x| COUNTED.contains(&x)) && !facts.sizes.contains(&n) {
                    say(format!("{n} {}, but no input has that size", noun.unwrap()));
                }
            }
            // "4x3", "4×3": a matrix of the inputs has that shape
            if let Some((rows, cols)) = word.split_once('x').or_else(|| word.split_once('×')) {
                if let (Ok(r), Ok(c)) = (rows.parse::<u64>(), cols.parse::<u64>()) {
                    if !facts.shapes.contains(&vec![r, c]) {
                        say(format!("{word}: no input is a {r}×{c} matrix"));
                    }
                }
            }
            // "A-B-C": a network's sizes
            let parts: Vec<&str> = word.split('-').collect();
            if parts.len() >= 3 {
                if let Some(sizes) = parts
                    .iter()
                    .map(|p| p.parse::<u64>().ok())
                    .collect::<Option<Vec<_>>>()
                {
                    for s in sizes.into_iter().filter(|&s| s > 1) {
                        if !facts.sizes.contains(&s) {
                            say(format!("{word}: no input has size {s}"));
                        }
                    }
                }
            }
        }
    }
    // What N examples in batches of B leave: the N and B stated before it.
    for (i, word) in all.iter().enumerate() {
        let before = &all[..i];
        let last_number_before = |nouns: &[&str]| {
            (0..before.len()).rev().find_map(|j| {
                let noun = before.get(j + 1).map(String::as_str);
                (noun.is_some_and(|x| nouns.contains(&x)) && !before[j].contains('-'))
                    .then(|| number(&before[j]))
                    .flatten()
            })
        };
        let examples = last_number_before(&["points", "digits", "examples", "samples"]);
        let batch = (0..before.len()).rev().find_map(|j| {
            (["batches", "minibatches"].contains(&before[j].as_str())
                && before.get(j + 1).map(String::as_str) == Some("of"))
            .then(|| before.get(j + 2).and_then(|x| number(x)))
            .flatten()
        });
        let (Some(n), Some(b)) = (examples, batch) else {
            continue;
        };
        let next = |k: usize| all.get(i + k).map(String::as_str);
        if word == "the" && next(1) == Some("last") && next(2) == Some("one") {
            if let Some(l) = next(3).and_then(number) {
                if n % b != l {
                    say(format!("{n} in batches of {b} leave {}, not {l}", n % b));
                }
            }
        }
        if word == "no" && next(1) == Some("short") && next(2) == Some("batch") && n % b != 0 {
            say(format!(
                "{n} in batches of {b} leave a short batch of {}",
                n % b
            ));
        }
        if next(1) == Some("per") && next(2) == Some("epoch") {
            if let Some(k) = number(word) {
                if n.div_ceil(b) != k {
                    say(format!(
                        "{n} in batches of {b} are {} per epoch, not {k}",
                        n.div_ceil(b)
                    ));
                }
            }
        }
    }
    wrong
}

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// Every lab's cases: (lab, case id, the fixture's description, the rubric's
/// comment on the case, the case's inputs).
fn cases() -> Vec<(String, String, String, Option<String>, Value)> {
    let mut out = Vec::new();
    let mut rubrics: Vec<_> = std::fs::read_dir(root().join("rubrics"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "toml"))
        .collect();
    rubrics.sort();
    for rubric in rubrics {
        let lab = rubric.file_stem().unwrap().to_str().unwrap().to_string();
        let text = std::fs::read_to_string(&rubric).unwrap();
        let mut comments = BTreeMap::new();
        for line in text.lines() {
            let Some(rest) = line.strip_prefix("id = \"") else {
                continue;
            };
            let (id, after) = rest.split_once('"').unwrap();
            let comment = after.split_once('#').map(|(_, c)| c.trim().to_string());
            comments.insert(id.to_string(), comment);
        }
        assert!(!comments.is_empty(), "{}: no cases", rubric.display());
        for (id, comment) in comments {
            let path = root().join(format!("fixtures/{lab}/{id}.json"));
            let fixture: Value =
                serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
            let description = fixture["description"]
                .as_str()
                .unwrap_or_default()
                .to_string();
            out.push((
                lab.clone(),
                id,
                description,
                comment,
                fixture["inputs"].clone(),
            ));
        }
    }
    out
}

#[test]
fn case_descriptions_and_rubric_comments_state_the_inputs_sizes() {
    let mut wrong = Vec::new();
    let mut checked = 0;
    for (lab, id, description, comment, inputs) in cases() {
        let facts = facts(&inputs);
        let case = format!("{lab}/{id}");
        wrong.extend(misstatements(&case, &description, &facts));
        if let Some(c) = comment {
            wrong.extend(misstatements(
                &format!("rubrics/{lab}.toml {id}"),
                &c,
                &facts,
            ));
        }
        checked += 1;
    }
    assert!(checked >= 20, "only {checked} cases found");
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

/// The reader of sizes finds what it is there to find: a modular case whose
/// Sigmoid calls are of 3 then 4 examples is not "batches of 2 then 4".
#[test]
fn the_size_reader_catches_a_wrong_batch_and_a_wrong_remainder() {
    let fixture: Value = serde_json::from_str(
        &std::fs::read_to_string(root().join("fixtures/modular/small_batches.json")).unwrap(),
    )
    .unwrap();
    let facts = facts(&fixture["inputs"]);
    let sigmoid = facts.calls["sigmoid"].clone();
    let linear = facts.calls["linear"].clone();
    assert_ne!(sigmoid, linear, "the case's modules share their batches");
    let unscoped = format!("batches of {} then {}", linear[0], linear[1]);
    let said = misstatements("small_batches", &unscoped, &facts);
    assert!(
        said.iter().any(|s| s.contains("sigmoid's calls")),
        "{said:?}"
    );
    let scoped = format!(
        "Linear on batches of {} then {}, Sigmoid on batches of {} then {}",
        linear[0], linear[1], sigmoid[0], sigmoid[1]
    );
    assert_eq!(
        misstatements("small_batches", &scoped, &facts),
        Vec::<String>::new()
    );
    let n = fixture["inputs"]["train_network"]["train_x"]["shape"][0]
        .as_u64()
        .unwrap();
    let b = fixture["inputs"]["train_network"]["batch_size"]
        .as_u64()
        .unwrap();
    let w = &fixture["inputs"]["linear"]["weights"]["shape"];
    let (r, c) = (w[0].as_u64().unwrap(), w[1].as_u64().unwrap());
    let said = |text: String| misstatements("small_batches", &text, &facts);
    assert_eq!(said(format!("weights {r}x{c}")), Vec::<String>::new());
    assert_eq!(said(format!("weights {}x{c}", r + 100)).len(), 1);
    let wrong_last = format!(
        "trained on {n} digits in batches of {b} (the last one {})",
        n % b + 1
    );
    assert_eq!(misstatements("small_batches", &wrong_last, &facts).len(), 1);
}

/// The figures lab3's rubric quotes for the reconstruction error are the
/// grader's measure (mean squared error per pixel) of the reference's
/// reconstruction against the digits, in each case the test names, to the
/// digits quoted.
#[test]
fn lab3s_quoted_reconstruction_errors_are_the_fixtures() {
    let rubric = std::fs::read_to_string(root().join("rubrics/lab3.toml")).unwrap();
    let quoted = rubric
        .split("(the reference's: ")
        .nth(1)
        .expect("the rubric quotes the reference's reconstruction errors");
    let quoted: Vec<&str> = quoted
        .split(" on the two slices")
        .next()
        .unwrap()
        .split(" and ")
        .collect();
    let table: toml::Value = rubric.parse().unwrap();
    let test = table["tests"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t.get("measure").and_then(|m| m.as_str()) == Some("mean_squared_error"))
        .unwrap();
    let cases: Vec<&str> = test["cases"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c.as_str().unwrap())
        .collect();
    let item = test["item"].as_str().unwrap();
    let output = test["outputs"][0].as_str().unwrap();
    assert_eq!(quoted.len(), cases.len(), "{quoted:?} for {cases:?}");
    for (case, quoted) in cases.iter().zip(quoted) {
        let fixture: Value = serde_json::from_str(
            &std::fs::read_to_string(root().join(format!("fixtures/lab3/{case}.json"))).unwrap(),
        )
        .unwrap();
        let numbers = |v: &Value| -> Vec<f64> {
            v["data"]
                .as_array()
                .unwrap()
                .iter()
                .map(|x| x.as_f64().unwrap())
                .collect()
        };
        let got = numbers(&fixture["expected"][item][output]);
        let truth = numbers(&fixture["truth"][item][output]);
        assert_eq!(got.len(), truth.len());
        let mse = got
            .iter()
            .zip(&truth)
            .map(|(a, b)| (a - b) * (a - b))
            .sum::<f64>()
            / got.len() as f64;
        let decimals = quoted.split('.').nth(1).map_or(0, str::len) as i32;
        let scale = 10f64.powi(decimals);
        let shown = format!("{:.*}", decimals as usize, (mse * scale).round() / scale);
        assert_eq!(shown, quoted, "{case}: the measure is {mse}");
    }
}
