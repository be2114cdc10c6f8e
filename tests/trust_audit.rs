//! What the probe is given, audited over every lab's fixtures: no value a
//! rubric test scores against (an expected output, or a truth a measure
//! takes) is among the inputs of the case it scores, except the originals a
//! reconstruction is measured against, which are the reconstruction's own
//! input and are held on both sides. Reads the committed fixtures and
//! rubrics only: nothing is built or run.

use serde_json::Value;
use std::path::Path;

/// Whether `needle` is `haystack` or any value inside it.
fn holds(haystack: &Value, needle: &Value) -> bool {
    haystack == needle
        || match haystack {
            Value::Array(items) => items.iter().any(|v| holds(v, needle)),
            Value::Object(m) => m.values().any(|v| holds(v, needle)),
            _ => false,
        }
}

/// Values that are among their case's inputs by the mathematics of the case,
/// not by a leak: with a batch of one, a bias's gradient is the output
/// gradient itself (its sum over one row). The other cases' batches are
/// larger, so the test still tells a right sum from a wrong one.
const BY_THE_MATHS: &[&str] = &["modular/single_example: expected linear.d_bias"];

/// How many numbers a value holds: a lone number, or a list of two, may
/// stand in the inputs by coincidence (a learning rate, a size); more may not.
fn numbers(v: &Value) -> usize {
    match v {
        Value::Number(_) => 1,
        Value::Array(items) => items.iter().map(numbers).sum(),
        Value::Object(m) => m.values().map(numbers).sum(),
        _ => 0,
    }
}

#[test]
fn no_case_gives_the_probe_what_a_test_scores_it_against() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut audited = 0;
    let mut found: Vec<String> = Vec::new();
    for lab in ["cs240", "mse2", "twolayernet", "modular", "lab3"] {
        let rubric: toml::Table = std::fs::read_to_string(root.join(format!("rubrics/{lab}.toml")))
            .unwrap()
            .parse()
            .unwrap();
        for test in rubric["tests"].as_array().unwrap() {
            let item = test["item"].as_str().unwrap();
            let two_sided = test.get("measure").is_some()
                && !matches!(
                    test.get("compare").and_then(|c| c.as_str()),
                    Some("at_least" | "at_most")
                );
            let all_cases: Vec<String> = rubric["cases"]
                .as_array()
                .unwrap()
                .iter()
                .map(|c| c["id"].as_str().unwrap().to_string())
                .collect();
            let cases: Vec<String> = match test.get("cases") {
                Some(c) => c
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|c| c.as_str().unwrap().to_string())
                    .collect(),
                None => all_cases,
            };
            for case in cases {
                let path = root.join(format!("fixtures/{lab}/{case}.json"));
                let fixture: Value =
                    serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
                let inputs = &fixture["inputs"];
                let expected = &fixture["expected"][item];
                let names: Vec<String> = match test.get("outputs") {
                    Some(o) => o
                        .as_array()
                        .unwrap()
                        .iter()
                        .map(|n| n.as_str().unwrap().to_string())
                        .collect(),
                    None => expected.as_object().unwrap().keys().cloned().collect(),
                };
                for name in names {
                    let scored = [
                        ("expected", &expected[&name]),
                        ("truth", &fixture["truth"][item][&name]),
                    ];
                    for (kind, value) in scored {
                        if numbers(value) <= 2 {
                            continue;
                        }
                        audited += 1;
                        let allowed = kind == "truth" && two_sided;
                        let place = format!("{lab}/{case}: {kind} {item}.{name}");
                        if !allowed
                            && holds(inputs, value)
                            && !BY_THE_MATHS.contains(&place.as_str())
                        {
                            found.push(place);
                        }
                    }
                }
            }
        }
    }
    assert!(audited > 100, "audited only {audited} values");
    assert!(found.is_empty(), "{found:#?}");
}
