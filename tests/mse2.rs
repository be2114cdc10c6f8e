//! The mse2 lab (Homework 4, part 1) end to end, through the real binary: the
//! fixtures carry the notebook's published numbers, the handout scores 0 (saying
//! not implemented), and each realistic mutant exactly what the rubric says.
//! The lab's fixtures being fresh and its solution's full marks are
//! `grade check-lab`'s (tests/check_lab.rs).

mod common;

use common::*;

const LAB: &str = "mse2";

/// `got` rounds to the notebook's printed value, which has `decimals` decimals.
fn prints_as(got: &[f64], printed: &[f64], decimals: i32) {
    assert_eq!(got.len(), printed.len());
    for (g, p) in got.iter().zip(printed) {
        assert!(
            (g - p).abs() <= 0.5 * 10f64.powi(-decimals),
            "{g} does not print as {p}"
        );
    }
}

/// Agreement to `digits` significant digits.
fn agrees(got: &[f64], want: &[f64], digits: i32) {
    assert_eq!(got.len(), want.len());
    for (g, w) in got.iter().zip(want) {
        assert!(
            (g - w).abs() <= w.abs() * 10f64.powi(-digits),
            "{g} and {w} differ before {digits} significant digits"
        );
    }
}

#[test]
fn the_lab_fixture_holds_the_notebooks_draws() {
    // `np.random.seed(0); np.random.randn(3, 2)`, then `randn(3)`: numpy's
    // well-known first normals for seed 0.
    let inputs = &fixture(LAB, "lab_seed0_n1000")["inputs"];
    assert_eq!(
        numbers(&inputs["weights"]["W1"]),
        [
            1.764052345967664,
            0.4001572083672233,
            0.9787379841057392,
            2.240893199201458,
            1.8675579901499675,
            -0.977277879876411
        ]
    );
    assert_eq!(inputs["weights"]["W1"]["shape"], serde_json::json!([3, 2]));
    assert_eq!(
        numbers(&inputs["weights"]["W2"]),
        [
            0.9500884175255894,
            -0.1513572082976979,
            -0.10321885179355784
        ]
    );
    assert_eq!(numbers(&inputs["weights"]["b1"]), [0.0, 0.0, 0.0]);
    assert_eq!(numbers(&inputs["weights"]["b2"]), [0.0]);
    assert_eq!(inputs["X"]["shape"], serde_json::json!([1000, 2]));
    let y = numbers(&inputs["Y_T"]);
    assert_eq!(y.len(), 1000);
    assert!(y.iter().all(|&v| v == 0.0 || v == 1.0));
}

#[test]
fn the_lab_fixture_reproduces_the_published_loss_and_gradients() {
    let bp = &fixture(LAB, "lab_seed0_n1000")["expected"]["back_propagation"];
    // Printed in full by the notebook (In [7], In [8]).
    agrees(&numbers(&bp["L"]), &[0.1332476222330792], 13);
    agrees(&numbers(&bp["b2"]), &[0.029249230265318685], 13);
    // Printed with 8 decimals by pprint.
    prints_as(
        &numbers(&bp["W1"]),
        &[
            0.00244596,
            0.00262019,
            -0.00030765,
            -0.00024188,
            -0.00034768,
            -0.000372,
        ],
        8,
    );
    prints_as(
        &numbers(&bp["W2"]),
        &[0.02216011, 0.02433097, 0.01797174],
        8,
    );
    prints_as(
        &numbers(&bp["b1"]),
        &[0.00492577, -0.00058023, -0.00065977],
        8,
    );
    assert_eq!(bp["W1"]["shape"], serde_json::json!([3, 2]));
    // The same gradients in full, from the notebook's numpy code run by
    // scripts/derive_mse2.py: at least 8 significant digits (in fact ~15).
    agrees(
        &numbers(&bp["W1"]),
        &[
            0.0024459584849412094,
            0.002620193420143028,
            -0.00030764566613797583,
            -0.00024187502299769865,
            -0.00034768167796295056,
            -0.0003719963913779411,
        ],
        12,
    );
    agrees(
        &numbers(&bp["b1"]),
        &[
            0.004925766627982226,
            -0.0005802286843354634,
            -0.0006597650949647063,
        ],
        12,
    );
    agrees(
        &numbers(&bp["W2"]),
        &[
            0.022160112628882817,
            0.024330972928015396,
            0.01797174137087623,
        ],
        12,
    );
}

#[test]
fn handout_scores_zero_and_says_not_implemented() {
    check_handout_scores_zero(LAB, std::time::Duration::from_secs(120));
}

#[test]
fn weights_are_the_documented_ones() {
    let max = max_scores(LAB);
    let want = [
        ("sigmoid", 10.0),
        ("forward_propagation", 20.0),
        ("back_propagation: loss L", 10.0),
        ("back_propagation: dL/dW1", 20.0),
        ("back_propagation: dL/db1", 15.0),
        ("back_propagation: dL/dW2", 15.0),
        ("back_propagation: dL/db2", 10.0),
    ];
    assert_eq!(max, want.map(|(n, p)| (n.to_string(), p)).to_vec());
}

#[test]
fn feedback_names_the_case_and_array_and_hides_hidden_values() {
    let (_, source) = mutant_source(LAB, "forward_drops_b2");
    let graded = grade_source(LAB, &source);
    let out = graded.test("forward_propagation")["output"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(out.starts_with("1 of 4 cases passed."), "{out}");
    assert!(out.contains("✓ case lab_seed0_n1000 "), "{out}");
    // Outputs are checked in name order (H, Y, Z1, Z2): Y is the first wrong.
    assert!(
        out.contains("✗ case biased_seed1_n50 (seed 1, 2-3-1, 50 points, non-zero biases): Y: 50 of 50 values differ"),
        "{out}"
    );
    let hidden = out
        .lines()
        .find(|l| l.contains("hidden case 4"))
        .expect("hidden case line");
    assert!(hidden.ends_with("Y: wrong values"), "{hidden}");
}

#[test]
fn mutant_loss_without_half() {
    check_mutant(LAB, "loss_without_half");
}

#[test]
fn mutant_output_delta_without_sigmoid_derivative() {
    check_mutant(LAB, "output_delta_without_sigmoid_derivative");
}

#[test]
fn mutant_forward_drops_b2() {
    check_mutant(LAB, "forward_drops_b2");
}

#[test]
fn mutant_sigmoid_overflows() {
    check_mutant(LAB, "sigmoid_overflows");
}

#[test]
fn mutant_db1_summed_over_hidden_units() {
    check_mutant(LAB, "db1_summed_over_hidden_units");
}

#[test]
fn mutant_dw1_transposed() {
    check_mutant(LAB, "dw1_transposed");
}
