//! The CS240 lab end to end, through the real binary: the handout scores
//! 0 (saying not implemented), and each realistic mutant exactly what the rubric says.
//! The lab's fixtures being fresh and its solution's full marks are
//! `grade check-lab`'s (tests/check_lab.rs).

mod common;

use common::*;

#[test]
fn handout_scores_zero_and_says_not_implemented() {
    check_handout_scores_zero("cs240", std::time::Duration::from_secs(120));
}

#[test]
fn weights_are_the_labs() {
    let max = max_scores("cs240");
    let want = [
        ("sigmoid", 5.0),
        ("sigmoid_derivative", 5.0),
        ("cost", 5.0),
        ("cost_derivative", 5.0),
        ("forward_pass", 10.0),
        ("mini_batch_GD", 10.0),
        ("back_propagation (biases)", 25.0),
        ("back_propagation (weights)", 35.0),
        // Section 1.2, ungraded as in the lab: ranked on the leaderboard.
        ("Hyperparameter tuning (ungraded)", 0.0),
    ];
    assert_eq!(max, want.map(|(n, p)| (n.to_string(), p)).to_vec());
}

#[test]
fn a_file_that_does_not_compile_scores_zero_with_the_compiler_errors() {
    let source =
        solution_source("cs240").replace("output_activations - y", "output_activations - y;");
    let graded = grade_source("cs240", &source);
    assert_eq!(graded.score(), 0.0);
    let output = graded.results["output"].as_str().unwrap();
    assert!(output.contains("does not compile"), "{output}");
    assert!(
        output.contains("error[E0308]: mismatched types"),
        "{output}"
    );
    assert!(
        output.contains("src/lib.rs:"),
        "errors point into the student's file: {output}"
    );
}

#[test]
fn a_changed_signature_is_reported_as_an_api_mismatch() {
    // Renamed everywhere: the student's crate compiles, the probe cannot find it.
    let source = solution_source("cs240").replace("cost_derivative(", "cost_deriv(");
    let graded = grade_source("cs240", &source);
    // Isolated credit (the rubric's): every other test is graded again with
    // the reference's cost_derivative added (the student's back_propagation
    // keeps calling its own cost_deriv), and passes: 100 - cost_derivative 5.
    assert_eq!(graded.failed(), ["cost_derivative"], "{}", graded.results);
    assert_eq!(graded.score(), 95.0, "{}", graded.results);
    let output = graded.results["output"].as_str().unwrap();
    assert!(
        output.contains("keep the handout's names and signatures"),
        "{output}"
    );
    assert!(
        output.contains("cost_derivative"),
        "names what is missing: {output}"
    );
}

#[test]
fn feedback_names_case_array_shape_errors_and_first_index() {
    let (_, source) = mutant_source("cs240", "hidden_delta_without_sigmoid_derivative");
    let graded = grade_source("cs240", &source);
    let out = graded.test("back_propagation (weights)")["output"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(out.starts_with("0 of 4 cases passed."), "{out}");
    // Visible case: which case, which array, counts, errors, first differing index.
    assert!(
        out.contains("✗ case small_3_5_2 (one hidden layer [3, 5, 2]): dc_dw[0]: "),
        "{out}"
    );
    assert!(out.contains("values differ; max abs error"), "{out}");
    assert!(out.contains("first at [0, 0]: expected"), "{out}");
    // Hidden case: no numbers, and no entry numbers (their count is the
    // hidden network's depth): deep_6_7_5_4_3 has 4 layers, the 3 before the
    // output layer wrong.
    let hidden = out
        .lines()
        .find(|l| l.contains("hidden case 3"))
        .expect("hidden case line");
    assert!(
        hidden.ends_with("dc_dw: wrong values; other entries are wrong too"),
        "{hidden}"
    );
}

#[test]
fn mutant_cost_without_half() {
    check_mutant("cs240", "cost_without_half");
}

#[test]
fn mutant_sigmoid_derivative_of_activation() {
    check_mutant("cs240", "sigmoid_derivative_of_activation");
}

#[test]
fn mutant_transposed_dc_dw() {
    check_mutant("cs240", "transposed_dc_dw");
}

#[test]
fn mutant_update_divided_by_data_size() {
    check_mutant("cs240", "update_divided_by_data_size");
}

#[test]
fn mutant_three_layer_hardcode() {
    check_mutant("cs240", "three_layer_hardcode");
}

#[test]
fn mutant_panic_in_forward_pass() {
    check_mutant("cs240", "panic_in_forward_pass");
}

#[test]
fn mutant_hidden_delta_without_sigmoid_derivative() {
    check_mutant("cs240", "hidden_delta_without_sigmoid_derivative");
}

#[test]
fn mutant_prints_while_working() {
    check_mutant("cs240", "prints_while_working");
}
