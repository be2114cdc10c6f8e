//! lab3 (seed 003: backpropagation, gradient checking, an autoencoder, a
//! softmax classifier, batch gradient descent on digits) end to end, through
//! the real binary: the fixtures hold what the seed asks of each case (the
//! 8-5-10 network on a batch of 100, saturated units, scores at ±800, slices
//! of the shipped digits), the handout scores 0 (saying not implemented), and each
//! realistic mutant exactly what tests/mutants/lab3.toml derives by hand.
//! The lab's fixtures being fresh and its solution's full marks are
//! `grade check-lab`'s (tests/check_lab.rs).

mod common;

use common::*;

const LAB: &str = "lab3";
const ANALYTIC: [&str; 3] = ["seed_network", "other_sizes", "wide_hidden"];
const TRAINING: [&str; 2] = ["digits", "digits_other_slice"];

#[test]
fn the_training_cases_are_column_slices_of_the_shipped_digits() {
    let all = shipped_digits();
    assert_eq!(all.len(), 1797);
    let (train, test) = all.split_at(1347);
    for case in TRAINING {
        let f = fixture(LAB, case);
        let data = &f["inputs"]["data"];
        // The test labels are the truth the grader counts predictions
        // against: never among the probe's inputs.
        assert!(
            data.get("test_y").is_none(),
            "{case}: test labels in the inputs"
        );
        let test_y = &f["truth"]["train_classifier"]["test_predictions"];
        for key in ["raw_predictions", "features_predictions"] {
            assert_eq!(&f["truth"]["softmax_features"][key], test_y, "{case} {key}");
        }
        // The reconstruction is measured against the test digits themselves.
        assert_eq!(
            f["truth"]["train_autoencoder"]["test_reconstruction"], data["test_x"],
            "{case}"
        );
        for (part, x_key, labels) in [
            (train, "train_x", &data["train_y"]),
            (test, "test_x", test_y),
        ] {
            let x = &data[x_key];
            assert_eq!(x["shape"][0], 64, "{case}: one example per column");
            let m = x["shape"][1].as_u64().unwrap() as usize;
            let x = numbers(x);
            let y: Vec<usize> = numbers(labels).iter().map(|&v| v as usize).collect();
            assert_eq!(y.len(), m);
            // Column j is an image: find the first, then match all in order.
            let column = |j: usize| (0..64).map(|r| x[r * m + j]).collect::<Vec<f64>>();
            let start = part
                .iter()
                .position(|(px, _)| *px == column(0))
                .unwrap_or_else(|| panic!("{case} {x_key}: first column not in the set"));
            for (j, label) in y.iter().enumerate() {
                assert_eq!(part[start + j].0, column(j), "{case} {x_key} column {j}");
                assert_eq!(part[start + j].1, *label, "{case} {x_key} label {j}");
            }
        }
    }
}

#[test]
fn the_cases_hold_the_seeds_network_and_the_hard_inputs() {
    let seed = fixture(LAB, "seed_network");
    let net = &seed["inputs"]["network"];
    assert_eq!(net["w1"]["shape"], serde_json::json!([5, 8]));
    assert_eq!(net["w2"]["shape"], serde_json::json!([10, 5]));
    assert_eq!(net["x"]["shape"], serde_json::json!([8, 100]));
    for case in ANALYTIC {
        let f = fixture(LAB, case);
        let (inputs, expected) = (&f["inputs"], &f["expected"]);
        // A hidden unit past e^710 on the first example, and finite outputs.
        let z2 = &expected["forward"]["z2"];
        let m = z2["shape"][1].as_u64().unwrap() as usize;
        let z2 = numbers(z2);
        assert!(z2.iter().step_by(m).any(|&z| z > 710.0), "{case}");
        assert!(numbers(&expected["forward"]["a2"])
            .iter()
            .all(|v| v.is_finite()));
        // Softmax scores at ±800, finite probabilities summing to 1 by column.
        let z = numbers(&inputs["softmax"]["z"]);
        assert!(z.iter().any(|&v| v > 790.0) && z.iter().any(|&v| v < -790.0));
        let p = &expected["softmax"]["probabilities"];
        let (k, m) = (
            p["shape"][0].as_u64().unwrap() as usize,
            p["shape"][1].as_u64().unwrap() as usize,
        );
        let p = numbers(p);
        for j in 0..m {
            let sum: f64 = (0..k).map(|r| p[r * m + j]).sum();
            assert!((sum - 1.0).abs() < 1e-12, "{case} column {j}");
        }
        // The check's expected numerical gradient is the analytic one.
        assert_eq!(
            expected["numerical_gradient"]["numerical"],
            expected["backprop"]["grad"]
        );
        // diff on the fixed pair is the seed's formula, computed here
        // independently: ‖u − v‖ / ‖u + v‖, about 1e-7 (v agrees with u to
        // about 1e-6 per entry). The pair is random, not a gradient: no
        // expected value of another item is among the inputs.
        let (u, v) = (
            numbers(&inputs["gradient_check"]["u"]),
            numbers(&inputs["gradient_check"]["v"]),
        );
        assert_eq!(u.len(), numbers(&expected["backprop"]["grad"]).len());
        let norm = |f: &dyn Fn(usize) -> f64| (0..u.len()).map(|i| f(i) * f(i)).sum::<f64>().sqrt();
        let want = norm(&|i| u[i] - v[i]) / norm(&|i| u[i] + v[i]);
        let diff = expected["gradient_diff"]["diff"].as_f64().unwrap();
        assert!(
            (diff - want).abs() <= 1e-12 * want,
            "{case}: {diff} vs {want}"
        );
        assert!(diff > 1e-8 && diff < 1e-6, "{case}: {diff}");
        // The planted mistake (biases summed, not averaged) is far off.
        let planted = expected["gradient_diff"]["diff_planted"].as_f64().unwrap();
        assert!(planted > 0.1, "{case}: {planted}");
    }
}

#[test]
fn the_fixtures_agree_with_numpy() {
    // scripts/derive_lab3.py (numpy 2.4.6): the classifier's first and last
    // losses of both training runs, and the cost of the analytic cases.
    let close = |got: f64, want: f64| (got - want).abs() <= 1e-12 * want.abs();
    for (case, first, last) in [
        ("digits", 1.5770804604640734, 0.34314602102186975),
        (
            "digits_other_slice",
            1.3981130550224699,
            0.37994713155269483,
        ),
    ] {
        let h = numbers(&fixture(LAB, case)["expected"]["train_classifier"]["loss_history"]);
        assert_eq!(h.len(), 100, "{case}");
        assert!(close(h[0], first) && close(h[99], last), "{case}: {h:?}");
    }
    for (case, want) in [
        ("seed_network", 1.5569055141355261),
        ("other_sizes", 0.4687867594961932),
        ("wide_hidden", 0.466931232757213),
    ] {
        let got = fixture(LAB, case)["expected"]["cost"]["cost"]
            .as_f64()
            .unwrap();
        assert!(close(got, want), "{case}: {got}");
    }
}

#[test]
fn handout_scores_zero_and_says_not_implemented() {
    check_handout_scores_zero(LAB, std::time::Duration::from_secs(120));
}

#[test]
fn weights_are_the_documented_ones() {
    let max = max_scores(LAB);
    let total: f64 = max.iter().map(|(_, p)| p).sum();
    assert_eq!(total, 100.0);
    let part = |prefixes: &[&str]| -> f64 {
        max.iter()
            .filter(|(n, _)| prefixes.iter().any(|p| n.starts_with(p)))
            .map(|(_, p)| p)
            .sum()
    };
    assert_eq!(part(&["forward pass"]), 10.0);
    assert_eq!(part(&["cost:"]), 8.0);
    assert_eq!(part(&["backprop:"]), 10.0);
    assert_eq!(part(&["gradient ("]), 12.0);
    assert_eq!(part(&["gradient check"]), 12.0);
    assert_eq!(part(&["autoencoder cost", "autoencoder features"]), 12.0);
    assert_eq!(
        part(&[
            "stable softmax",
            "softmax cost",
            "softmax gradient",
            "softmax prediction"
        ]),
        18.0
    );
    assert_eq!(
        part(&[
            "classifier",
            "autoencoder training",
            "autoencoder held-out",
            "softmax training",
            "softmax held-out"
        ]),
        17.0
    );
    assert_eq!(part(&["prediction (argmax of the network"]), 1.0);
}

#[test]
fn mutant_cost_sum_not_mean() {
    check_mutant(LAB, "cost_sum_not_mean");
}

#[test]
fn mutant_cost_without_half() {
    check_mutant(LAB, "cost_without_half");
}

#[test]
fn mutant_backprop_cost_summed() {
    check_mutant(LAB, "backprop_cost_summed");
}

#[test]
fn mutant_delta2_w2_not_transposed() {
    check_mutant(LAB, "delta2_w2_not_transposed");
}

#[test]
fn mutant_sigmoid_overflows() {
    check_mutant(LAB, "sigmoid_overflows");
}

#[test]
fn mutant_forward_examples_as_rows() {
    check_mutant(LAB, "forward_examples_as_rows");
}

#[test]
fn mutant_numerical_gradient_forward_difference() {
    check_mutant(LAB, "numerical_gradient_forward_difference");
}

#[test]
fn mutant_numerical_gradient_divides_by_epsilon() {
    check_mutant(LAB, "numerical_gradient_divides_by_epsilon");
}

#[test]
fn mutant_gradient_diff_over_sum_of_norms() {
    check_mutant(LAB, "gradient_diff_over_sum_of_norms");
}

#[test]
fn mutant_softmax_without_max_shift() {
    check_mutant(LAB, "softmax_without_max_shift");
}

#[test]
fn mutant_softmax_cost_not_averaged() {
    check_mutant(LAB, "softmax_cost_not_averaged");
}

#[test]
fn mutant_predict_from_hidden_layer() {
    check_mutant(LAB, "predict_from_hidden_layer");
}

#[test]
fn mutant_gradient_descent_ascends() {
    check_mutant(LAB, "gradient_descent_ascends");
}

/// Each graded function is an item of its own: a panic in one costs the
/// tests of that function, and (as written) of what calls it, never the
/// outputs of a neighbour it does not call. Under isolated credit, what
/// calls it is graded with the reference's version and keeps its points.
#[test]
fn a_panic_in_one_softmax_function_costs_only_its_own_tests() {
    let solution = solution_source(LAB);
    for (function, anchor, lost, score) in [
        // softmax_cost calls softmax: it and the softmax training fail as
        // written and pass with the reference's softmax. 100 - 4 = 96.
        (
            "softmax",
            "    let mut p = z.clone();\n",
            vec!["stable softmax (scores at ±800)"],
            96.0,
        ),
        // The softmax training calls softmax_cost: credited. 100 - 5 - 6 = 89.
        (
            "softmax_cost",
            "    let z = params.w.dot(x) + params.b.view().insert_axis(Axis(1));\n    let m = x.ncols() as f64;\n",
            vec!["softmax cost", "softmax gradient"],
            89.0,
        ),
        // Nothing else calls softmax_predict. 100 - 3 = 97.
        (
            "softmax_predict",
            "    argmax_columns(&(params.w.dot(x) + params.b.view().insert_axis(Axis(1))))\n",
            vec!["softmax prediction (argmax)"],
            97.0,
        ),
    ] {
        assert_eq!(solution.matches(anchor).count(), 1, "{function}");
        let source = solution.replacen(
            anchor,
            &format!("    panic!(\"my {function} is unfinished\");\n    #[allow(unreachable_code)]\n{anchor}"),
            1,
        );
        let graded = grade_source(LAB, &source);
        assert_eq!(graded.failed(), lost, "{function}: {}", graded.results);
        assert_eq!(graded.score(), score, "{function}: {}", graded.results);
    }
}
