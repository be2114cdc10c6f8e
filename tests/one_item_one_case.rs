//! A failure in one item on one case costs exactly that item on that case,
//! whatever the run structure: a panic, an endless loop and an out-of-memory,
//! each in a different function and on a different case of one submission
//! (through the real binary, with every isolation layer the machine allows).

mod common;

use common::*;

/// The CS240 solution with three failures spliced in, each triggered by one
/// case's inputs only (the item's own input shapes and values, which no
/// other item passes these functions):
/// - `sigmoid` panics on `small_3_5_2` (its `z` is the only 5 × 4 one);
/// - `sigmoid_derivative` loops forever on `deep_6_7_5_4_3` (hidden; 7 × 4);
/// - `cost_derivative` allocates 64 GiB on `lab_784_8_8_10` (its first
///   output activation).
fn source() -> String {
    let solution = solution_source("cs240");
    let splice = |text: String, anchor: &str, code: &str| {
        assert_eq!(text.matches(anchor).count(), 1, "{anchor}");
        text.replace(anchor, &format!("{anchor}\n{code}"))
    };
    let text = splice(
        solution,
        "pub fn sigmoid(z: &Array2<f64>) -> Array2<f64> {",
        r#"    if z.dim() == (5, 4) { panic!("grade-test: sigmoid gives up on this case"); }"#,
    );
    // Not through `sigmoid`, so that the panic above stays in one item.
    let text = text.replace(
        "    let s = sigmoid(z);\n    &s * &s.mapv(|v| 1.0 - v)",
        "    let s = z.mapv(|v| 1.0 / (1.0 + (-v).exp()));\n    &s * &s.mapv(|v| 1.0 - v)",
    );
    let text = splice(
        text,
        "pub fn sigmoid_derivative(z: &Array2<f64>) -> Array2<f64> {",
        "    if z.dim() == (7, 4) { loop { std::hint::black_box(0u8); } }",
    );
    splice(
        text,
        "pub fn cost_derivative(output_activations: &Array2<f64>, y: &Array2<f64>) -> Array2<f64> {",
        "    if output_activations[[0, 0]] == 0.7691151711056516 {\n        \
         let hog: Vec<u8> = Vec::with_capacity(64 << 30);\n        \
         std::hint::black_box(&hog);\n    }",
    )
}

#[test]
fn a_panic_a_loop_and_an_out_of_memory_cost_only_their_item_on_their_case() {
    let source = source();
    assert!(
        source.contains("loop { std::hint::black_box") && !source.contains("let s = sigmoid(z);"),
        "the splices did not apply"
    );
    let graded = grade_source("cs240", &source);
    let r = &graded.results;
    // Each test's points are shared among its 4 cases: one case is a quarter.
    for (test, max) in [
        ("sigmoid", 5.0),
        ("sigmoid_derivative", 5.0),
        ("cost_derivative", 5.0),
    ] {
        let t = graded.test(test);
        assert_eq!(t["score"].as_f64(), Some(max * 0.75), "{test}: {t}");
        assert_eq!(t["status"], "failed", "{test}: {t}");
    }
    assert_eq!(
        graded.failed(),
        ["sigmoid", "sigmoid_derivative", "cost_derivative"],
        "{r}"
    );
    assert_eq!(graded.score(), 100.0 - 3.0 * 1.25, "{r}");
    // Each failure named on its own case, by kind; the others' cases pass.
    let output = |test: &str| graded.test(test)["output"].as_str().unwrap().to_string();
    let sigmoid = output("sigmoid");
    assert!(
        sigmoid.contains("small_3_5_2") && sigmoid.contains("panicked"),
        "{sigmoid}"
    );
    assert!(
        sigmoid.contains("sigmoid gives up on this case"),
        "a public case shows the panic's message: {sigmoid}"
    );
    let derivative = output("sigmoid_derivative");
    assert!(derivative.contains("timed out"), "{derivative}");
    assert!(!derivative.contains("panicked"), "{derivative}");
    let cost = output("cost_derivative");
    assert!(
        cost.contains("lab_784_8_8_10") && cost.contains("ran out of memory"),
        "{cost}"
    );
    for (test, other_cases) in [
        ("sigmoid", ["lab_784_8_8_10", "deep"]),
        ("cost_derivative", ["small_3_5_2", "deep"]),
    ] {
        let text = output(test);
        for case in other_cases {
            for line in text.lines().filter(|l| l.contains(case)) {
                assert!(
                    !line.contains("panicked")
                        && !line.contains("timed out")
                        && !line.contains("memory"),
                    "{test}: {case} failed too: {line}\n{text}"
                );
            }
        }
    }
}
