//! Isolated credit in words: the test's feedback with both results, or why
//! the isolated one does not count; functions named as students know them.

use super::Isolation;
use crate::lab::rubric::Rubric;
use crate::report::results::{round_score, TestResult};
use crate::report::untrusted;

/// A function path as students know it: `forward_pass`, not
/// `NeuralNetwork::forward_pass`.
fn short(function: &str) -> &str {
    function.rsplit("::").next().unwrap_or(function)
}

/// `functions` as students know them, in a list: each by its short name,
/// unless another of the lab's graded functions (`all`) has the same one
/// (`Linear::forward` and `Sigmoid::forward`), when its type says which.
pub(super) fn names(functions: &[String], all: &[String]) -> String {
    let names: Vec<&str> = functions
        .iter()
        .map(|f| {
            let ambiguous = all.iter().any(|g| g != f && short(g) == short(f));
            if ambiguous {
                f.as_str()
            } else {
                short(f)
            }
        })
        .collect();
    match names.as_slice() {
        [] => String::new(),
        [one] => one.to_string(),
        [init @ .., last] => format!("{} and {last}", init.join(", ")),
    }
}

/// The test `i` under isolated credit: the better score of the two, and
/// feedback with the isolated result first and the as-written one after, or
/// one block with a line saying so when both results are the same.
/// `replaced` are the functions swapped that the item calls (never empty).
/// `misfit`: the variant replaced functions whose changed signature kept the
/// file from compiling as written: those the compiler blames (the others of
/// `replaced` call them in their changed form), and what it said of them.
pub(super) fn combine(
    iso: &Isolation,
    as_written: &[TestResult],
    rubric: &Rubric,
    i: usize,
    replaced: &[String],
    isolated: TestResult,
    misfit: Option<(&[String], &str)>,
) -> TestResult {
    let written = &as_written[i];
    let item = &rubric.tests[i].item;
    let own = names(iso.own(item), &iso.functions);
    let swapped = names(replaced, &iso.functions);
    let mut text = String::new();
    if let Some((blamed, why)) = misfit {
        // As written nothing ran: the as-written "result" is the compiler's,
        // said here as itself rather than as a failed test of the others.
        if isolated.score >= isolated.max_score {
            text.push_str(&format!(
                "Your {own} is right with the reference's {swapped}. "
            ));
        }
        let callers: Vec<String> = replaced
            .iter()
            .filter(|f| !blamed.contains(f))
            .cloned()
            .collect();
        let blamed_words = if blamed.is_empty() {
            swapped.clone()
        } else {
            names(blamed, &iso.functions)
        };
        text.push_str(&format!(
            "As written your file does not compile with the grader's calls: your {blamed_words} \
             does not have the handout's signature{}",
            if why.is_empty() {
                String::new()
            } else {
                format!(" ({why})")
            }
        ));
        if !callers.is_empty() && !blamed.is_empty() {
            text.push_str(&format!(
                ", and your {} {} it in its changed form",
                names(&callers, &iso.functions),
                if callers.len() == 1 { "calls" } else { "call" }
            ));
        }
        text.push_str(&format!(
            ". Graded with the reference's {swapped} in place of yours:\n{}",
            isolated.output
        ));
    } else if isolated.output == written.output && isolated.score == written.score {
        text.push_str(&format!(
            "{}\n\nGraded again with the reference's {swapped} in place of yours: the same \
             result, so the mistake is in your {own} itself.",
            written.output
        ));
    } else {
        // The failed tests (as written) of the swapped functions: the likely cause.
        let mut causes: Vec<String> = Vec::new();
        for f in replaced {
            for other in iso.items_of(f) {
                for (j, t) in rubric.tests.iter().enumerate() {
                    let label = format!("{} (test {})", t.name, t.number);
                    if t.item == other
                        && as_written[j].score < as_written[j].max_score
                        && !causes.contains(&label)
                    {
                        causes.push(label);
                    }
                }
            }
        }
        if isolated.score >= isolated.max_score {
            text.push_str(&format!(
                "Your {own} is right with a correct {swapped}; as written it fails"
            ));
            if causes.is_empty() {
                text.push_str(".\n");
            } else {
                text.push_str(&format!(" because {} fails.\n", causes.join(", ")));
            }
        }
        text.push_str(&format!(
            "Isolated credit: graded with the reference's {swapped} in place of yours, so that \
             a mistake costs only the points of its own tests.\n{}\n\nAs written (with your \
             own {swapped}): {}",
            isolated.output, written.output
        ));
    }
    let better = if isolated.score > written.score {
        &isolated
    } else {
        written
    };
    TestResult {
        score: round_score(better.score),
        status: better.status.clone(),
        output: untrusted::clip(&text, untrusted::TEST_BYTES),
        execution_time: written.execution_time + isolated.execution_time,
        extra_data: better.extra_data.clone(),
        ..isolated.clone()
    }
}

/// A test whose variant result does not count: some function swapped for
/// it (`fine`) passes its own tests on its own, so the failure as written is
/// this item's own. The as-written result stands, and the feedback says why.
pub(super) fn refused(
    iso: &Isolation,
    written: &TestResult,
    item: &str,
    swapped: &[String],
    fine: &[String],
    isolated: &TestResult,
) -> TestResult {
    let own = names(iso.own(item), &iso.functions);
    let improved = if isolated.score > written.score {
        "it does better"
    } else {
        "it does no better"
    };
    let text = format!(
        "{}\n\nGraded again with the reference's {} in place of yours, {improved}; but {} \
         {} its own tests with the reference's versions of what it calls, so this failure is \
         your {own}'s own (do your functions call each other in a circle?). The result as \
         written stands.",
        written.output,
        names(swapped, &iso.functions),
        names(fine, &iso.functions),
        if fine.len() == 1 { "passes" } else { "pass" },
    );
    TestResult {
        output: untrusted::clip(&text, untrusted::TEST_BYTES),
        ..written.clone()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_read_as_students_know_them() {
        assert_eq!(
            names(&["NeuralNetwork::forward_pass".into()], &[]),
            "forward_pass"
        );
        assert_eq!(
            names(
                &["sigmoid".into(), "cost_derivative".into(), "T::cost".into()],
                &[]
            ),
            "sigmoid, cost_derivative and cost"
        );
        // Two types with a `forward`: the type says which.
        let all: Vec<String> = ["Linear::forward", "Sigmoid::forward", "Linear::backward"]
            .map(String::from)
            .to_vec();
        assert_eq!(
            names(&["Linear::forward".into(), "Linear::backward".into()], &all),
            "Linear::forward and backward"
        );
    }
}
