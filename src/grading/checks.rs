//! What the grader checks of a lab when it loads: the rubric against the
//! fixtures it names.

use super::measure;
use crate::lab::fixture::Case;
use crate::lab::rubric::{Rubric, Rule};
use crate::lab::Lab;
use anyhow::{bail, Result};
use serde_json::Value;
use std::collections::BTreeMap;

/// The rubric must only name items and outputs the fixtures have.
pub(super) fn check_rubric_against_fixtures(
    lab: &Lab,
    rubric: &Rubric,
    cases: &BTreeMap<String, Case>,
) -> Result<()> {
    let rubric_file = lab.rubric_path();
    for (i, t) in rubric.tests.iter().enumerate() {
        for c in rubric.cases_of(t) {
            let case = &cases[&c.id];
            let Some(expected) = case.expected.get(&t.item) else {
                let items: Vec<&String> = case.expected.keys().collect();
                bail!(
                    "{}: tests[{i}] ({}).item: \"{}\" is not an item of lab {} (items: {items:?})",
                    rubric_file.display(),
                    t.name,
                    t.item,
                    lab.name()
                );
            };
            for name in t.outputs.iter().flatten() {
                if expected.get(name).is_none() {
                    bail!(
                        "{}: tests[{i}] ({}).outputs: item {} has no output \"{name}\"",
                        rubric_file.display(),
                        t.name,
                        t.item
                    );
                }
            }
            // A unit is a promise about the expected answers: hints are
            // decided from it, so it must hold of every one.
            if let Some(unit) = t.unit {
                for name in t.output_names(expected) {
                    let value = expected.get(&name).and_then(Value::as_f64);
                    if !value.is_some_and(|x| unit.range().contains(&x)) {
                        bail!(
                            "{}: tests[{i}] ({}).unit: case {}'s expected {name} is {}, not {}",
                            rubric_file.display(),
                            t.name,
                            case.id,
                            value.map_or_else(|| "not a number".to_string(), |x| x.to_string()),
                            unit.describe()
                        );
                    }
                }
            }
            let Some(m) = t.measure else { continue };
            for name in t.output_names(expected) {
                let at = format!(
                    "{}: tests[{i}] ({}).measure: case {} ({})",
                    rubric_file.display(),
                    t.name,
                    case.id,
                    lab.fixtures_dir()
                        .join(format!("{}.json", case.id))
                        .display()
                );
                let Some(truth) = case.truth_of(&t.item, &name) else {
                    bail!(
                        "{at} has no truth for {}.{name}, which the {} is taken against; the \
                         lab's case must give it (CaseSpec::truth), then run `grade fixtures \
                         --lab {}`",
                        t.item,
                        m.name(),
                        lab.name()
                    );
                };
                if let Err(e) = measure::measure(m, &expected[&name], truth) {
                    bail!("{at}: the reference's {name} cannot be measured: {e}");
                }
                // An answer equal to what the probe was given would meet a
                // one-sided bound without any work (a reconstruction that is
                // the original): such a measure is held to both sides.
                let one_sided = matches!(t.rule(), Rule::AtLeast(_) | Rule::AtMost(_));
                if one_sided && holds(&case.inputs, truth) {
                    bail!(
                        "{at}: the truth of {name} is among the probe's inputs, so an answer \
                         equal to it meets a one-sided bound; use compare = \"close\" with a \
                         tolerance on both sides"
                    );
                }
            }
        }
    }
    Ok(())
}

/// Whether `needle` is `haystack` or any value inside it.
fn holds(haystack: &Value, needle: &Value) -> bool {
    haystack == needle
        || match haystack {
            Value::Array(items) => items.iter().any(|v| holds(v, needle)),
            Value::Object(m) => m.values().any(|v| holds(v, needle)),
            _ => false,
        }
}
