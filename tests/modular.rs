//! The modular lab (CMU 10-701 HW3, section 5: PyTorch-like modules) end to
//! end, through the real binary: the fixtures hold what the seed asks of each
//! case (sigmoid at ±800, ReLU at 0, logits at ±800, a short last batch, the
//! shipped digits), the solution scores every point of the code, the handout
//! 0, and each realistic mutant exactly what the rubric says.

mod common;

use common::*;
use serde_json::Value;

const LAB: &str = "modular";
const CASES: [&str; 4] = ["small_batches", "single_example", "deep_relu", "tall_batch"];

/// The shipped digits, read here without the reference: (pixels / 16, label) per row.
fn digits() -> Vec<(Vec<f64>, usize)> {
    let path =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("reference/data/digits/digits.csv");
    std::fs::read_to_string(path)
        .unwrap()
        .lines()
        .map(|line| {
            let v: Vec<u32> = line.split(',').map(|x| x.parse().unwrap()).collect();
            (
                v[..64].iter().map(|&p| f64::from(p) / 16.0).collect(),
                v[64] as usize,
            )
        })
        .collect()
}

#[test]
fn the_training_cases_are_slices_of_the_shipped_digits() {
    let all = digits();
    assert_eq!(all.len(), 1797);
    let (train, test) = all.split_at(1347);
    for case in CASES {
        let t = &fixture(LAB, case)["inputs"]["train_network"];
        let x = numbers(&t["train_x"]);
        let y: Vec<usize> = numbers(&t["train_y"]).iter().map(|&v| v as usize).collect();
        // Find the slice's first row in the training part, then match all.
        let start = train
            .iter()
            .position(|(px, _)| px[..] == x[..64])
            .unwrap_or_else(|| panic!("{case}: first row not in the training set"));
        for (i, label) in y.iter().enumerate() {
            assert_eq!(
                train[start + i].0[..],
                x[i * 64..(i + 1) * 64],
                "{case} row {i}"
            );
            assert_eq!(train[start + i].1, *label, "{case} row {i}");
        }
        let tx = numbers(&t["test_x"]);
        assert!(
            test.windows(tx.len() / 64).any(|w| w
                .iter()
                .flat_map(|(p, _)| p.iter().copied())
                .eq(tx.iter().copied())),
            "{case}: test rows are not a slice of the test set"
        );
    }
}

#[test]
fn the_fixtures_agree_with_numpy() {
    // scripts/derive_modular.py (numpy 2.4.6): the per-epoch training losses
    // of two runs, and the last call's loss of two loss cases.
    let close = |got: f64, want: f64| (got - want).abs() <= 1e-12 * want.abs();
    for (case, want) in [
        (
            "small_batches",
            &[2.2351514280314992, 2.2039042701094043, 2.1762425814386956][..],
        ),
        (
            "tall_batch",
            &[
                2.208023987215023,
                2.1607275694568857,
                2.1054939654731166,
                2.0357212861854364,
                1.9541566375721977,
            ][..],
        ),
    ] {
        let got = numbers(&fixture(LAB, case)["expected"]["train_network"]["train_losses"]);
        assert_eq!(got.len(), want.len(), "{case}");
        for (g, w) in got.iter().zip(want) {
            assert!(close(*g, *w), "{case}: {got:?}");
        }
    }
    for (case, want) in [
        ("small_batches", 1.5255853820677014),
        ("deep_relu", 7.382088746609251),
    ] {
        let got = fixture(LAB, case)["expected"]["cross_entropy"]["loss"]
            .as_f64()
            .unwrap();
        assert!(close(got, want), "{case}: {got}");
    }
}

#[test]
fn the_cases_hold_the_seeds_hard_inputs() {
    let mut short = 0;
    for case in CASES {
        let f = fixture(LAB, case);
        let (inputs, expected) = (&f["inputs"], &f["expected"]);
        // Sigmoid at ±800, ±30 and 0: saturated, finite, exactly 1/2 at 0.
        let s = numbers(&expected["sigmoid"]["sigmoid"]);
        assert_eq!(&s[..2], &[1.0, 0.0], "{case}");
        assert_eq!(s[4], 0.5, "{case}");
        let x = numbers(&inputs["sigmoid"]["calls"][1]["x"]);
        assert_eq!(&x[..5], &[800.0, -800.0, 30.0, -30.0, 0.0], "{case}");
        // ReLU: exact zeros in, zero gradient out there.
        let x = numbers(&inputs["relu"]["calls"][1]["x"]);
        let g = numbers(&expected["relu"]["grad_input"]);
        let g_out = numbers(&inputs["relu"]["calls"][1]["grad_output"]);
        for i in (0..x.len()).step_by(3) {
            assert_eq!((x[i], g[i]), (0.0, 0.0), "{case} {i}");
            assert_ne!(g_out[i], 0.0);
        }
        // The loss is finite, and its gradient rows sum to zero.
        let loss = expected["cross_entropy"]["loss"].as_f64().unwrap();
        assert!(loss.is_finite() && loss > 0.0, "{case}: {loss}");
        let grad = &expected["cross_entropy"]["grad_logits"];
        let cols = grad["shape"][1].as_u64().unwrap() as usize;
        for row in numbers(grad).chunks(cols) {
            assert!(row.iter().sum::<f64>().abs() < 1e-15, "{case}: {row:?}");
        }
        // Training: one statistic per epoch, a prediction per example.
        let t = &inputs["train_network"];
        let epochs = t["num_epochs"].as_u64().unwrap() as usize;
        let n = numbers(&t["train_y"]).len();
        let batch = t["batch_size"].as_u64().unwrap() as usize;
        if !n.is_multiple_of(batch) {
            short += 1;
        }
        let h = &expected["train_network"];
        for key in ["train_losses", "test_losses", "train_errors", "test_errors"] {
            assert_eq!(numbers(&h[key]).len(), epochs, "{case} {key}");
        }
        assert_eq!(numbers(&h["train_predictions"]).len(), n, "{case}");
        // Error rates are fractions of the set's size.
        for e in numbers(&h["train_errors"]) {
            assert_eq!((e * n as f64).round() / n as f64, e, "{case}");
        }
    }
    assert_eq!(short, 3, "three cases end an epoch with a short batch");
    let large = fixture(LAB, "small_batches");
    let logits = numbers(&large["inputs"]["cross_entropy"]["calls"][1]["logits"]);
    assert!(logits.iter().any(|&z| z > 790.0) && logits.iter().any(|&z| z < -790.0));
    let single = fixture(LAB, "single_example");
    assert_eq!(single["inputs"]["linear"]["calls"][1]["x"]["shape"][0], 1);
}

#[test]
fn the_modules_are_graded_after_a_first_call_of_another_size() {
    for case in CASES {
        let f = fixture(LAB, case);
        for item in ["linear", "sigmoid", "relu"] {
            let calls = f["inputs"][item]["calls"].as_array().unwrap();
            assert_eq!(calls.len(), 2);
            assert_ne!(
                calls[0]["x"]["shape"][0], calls[1]["x"]["shape"][0],
                "{case} {item}"
            );
        }
    }
}

#[test]
fn fixtures_are_what_the_reference_produces() {
    let out = run(grade_bin().args(["fixtures", "--check", "--lab", LAB]));
    assert!(out.status.success(), "{}", text(&out));
}

#[test]
fn solution_scores_every_point_of_the_code() {
    let graded = grade_source(LAB, &solution_source(LAB));
    assert_eq!(graded.score(), 50.0, "{}", graded.results);
    assert!(graded.failed().is_empty());
    let stdout = String::from_utf8_lossy(&graded.output.stdout).into_owned();
    assert!(stdout.contains("50 / 50"), "{stdout}");
}

#[test]
fn handout_scores_zero_and_says_not_implemented() {
    check_handout_scores_zero(LAB, std::time::Duration::from_secs(120));
}

#[test]
fn weights_are_the_seeds() {
    let max = max_scores(LAB);
    let want = [
        ("Linear", 5.0),
        ("GradientDescentOptimizer", 5.0),
        ("Sigmoid", 5.0),
        ("ReLU", 5.0),
        ("CrossEntropyLoss", 10.0),
        ("train_network", 20.0),
    ];
    assert_eq!(max, want.map(|(n, p)| (n.to_string(), p)).to_vec());
}

#[test]
fn a_module_that_saves_nothing_fails_with_its_own_panic() {
    let (_, source) = mutant_source(LAB, "relu_saves_nothing");
    let graded = grade_source(LAB, &source);
    let out = graded.test("ReLU")["output"].as_str().unwrap().to_string();
    assert!(out.contains("0 of 4 cases passed."), "{out}");
    assert!(out.contains("ReLU::backward before forward"), "{out}");
    let v: Value = graded.test("Linear")["status"].clone();
    assert_eq!(v, "passed");
}

#[test]
fn mutant_linear_bias_gradient_averaged() {
    check_mutant(LAB, "linear_bias_gradient_averaged");
}

#[test]
fn mutant_linear_keeps_first_input() {
    check_mutant(LAB, "linear_keeps_first_input");
}

#[test]
fn mutant_linear_d_weights_transposed() {
    check_mutant(LAB, "linear_d_weights_transposed");
}

#[test]
fn mutant_sigmoid_backward_from_saved_input() {
    check_mutant(LAB, "sigmoid_backward_from_saved_input");
}

#[test]
fn mutant_sigmoid_overflows() {
    check_mutant(LAB, "sigmoid_overflows");
}

#[test]
fn mutant_sigmoid_naive_is_no_mistake() {
    check_mutant(LAB, "sigmoid_naive_is_no_mistake");
}

#[test]
fn mutant_relu_gradient_one_at_zero() {
    check_mutant(LAB, "relu_gradient_one_at_zero");
}

#[test]
fn mutant_relu_saves_nothing() {
    check_mutant(LAB, "relu_saves_nothing");
}

#[test]
fn mutant_softmax_without_max_shift() {
    check_mutant(LAB, "softmax_without_max_shift");
}

#[test]
fn mutant_cross_entropy_averaged_twice() {
    check_mutant(LAB, "cross_entropy_averaged_twice");
}

#[test]
fn mutant_optimizer_skips_bias() {
    check_mutant(LAB, "optimizer_skips_bias");
}

#[test]
fn mutant_training_shuffles() {
    check_mutant(LAB, "training_shuffles");
}

#[test]
fn mutant_training_evaluates_before_updates() {
    check_mutant(LAB, "training_evaluates_before_updates");
}

#[test]
fn mutant_training_drops_short_last_batch() {
    check_mutant(LAB, "training_drops_short_last_batch");
}

#[test]
fn mutant_error_rate_is_accuracy() {
    check_mutant(LAB, "error_rate_is_accuracy");
}
