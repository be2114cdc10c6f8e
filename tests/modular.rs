//! The modular lab (CMU 10-701 HW3, section 5: PyTorch-like modules) end to
//! end, through the real binary: the fixtures hold what the seed asks of each
//! case (sigmoid at ±800, ReLU at 0, logits at ±800, a short last batch, the
//! shipped digits), the solution scores every point of the code, the handout
//! 0, and each realistic mutant exactly what the rubric says.
//! Its fixtures being fresh is `grade check-lab`'s (tests/check_lab.rs).

mod common;

use common::*;
use serde_json::Value;

const LAB: &str = "modular";
const CASES: [&str; 4] = ["small_batches", "single_example", "deep_relu", "tall_batch"];

#[test]
fn the_training_cases_are_slices_of_the_shipped_digits() {
    let all = shipped_digits();
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
fn solution_scores_every_point_of_code_and_answers() {
    let graded = grade_source(LAB, &solution_source(LAB));
    assert_eq!(graded.score(), 73.5, "{}", graded.results);
    assert!(graded.failed().is_empty());
    let stdout = String::from_utf8_lossy(&graded.output.stdout).into_owned();
    assert!(stdout.contains("73.50 / 73.50"), "{stdout}");
}

/// The solution's answers.toml with `edit` applied to its text.
fn answers_with(edit: impl Fn(&str) -> String) -> Graded {
    let source = solution_source(LAB);
    let answers = edit(&solution_answers(LAB).unwrap());
    let dir = tempfile::tempdir().unwrap();
    write_submission(LAB, &source, &dir.path().join("submission"));
    std::fs::write(dir.path().join("submission/answers.toml"), answers).unwrap();
    grade_dir(LAB, dir)
}

fn set(answers: &str, key: &str, value: &str) -> String {
    answers
        .lines()
        .map(|l| {
            if l.starts_with(&format!("{key} = ")) {
                format!("{key} = {value}")
            } else {
                l.to_string()
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn the_solutions_answers_are_the_seeds_printed_ones() {
    // The seed prints 1.9772, 0.5477, 2, 3, 3.9712, 209.4557, tanh, 0.001 and
    // -6: the solution crate's answers.toml (filled from the fixtures) says so.
    let answers = solution_answers(LAB).unwrap();
    for line in [
        "q1_4_beta21 = 1.9772",
        "q1_4_beta10 = 0.5477",
        "q1_4_alpha34 = 2.0000",
        "q1_4_class_after_many = 3",
        "q1_5b_regularised_loss = 3.9712",
        "q3_1_loss = 209.4557",
        "q3_2_activation = \"tanh\"",
        "q3_3_learning_rate = 0.001",
        "q4_4_j = -6",
    ] {
        assert!(
            answers.lines().any(|l| l.starts_with(line)),
            "{line}:\n{answers}"
        );
    }
}

#[test]
fn answers_truncated_instead_of_rounded_lose_exactly_those_questions() {
    // b2 = 4.09448…, ŷ2 = 0.479887…: truncated, 4.0944 and 0.4798 are more
    // than half a unit of the fourth decimal off; a1 = -3, z1 = 0.047425…
    // and the loss 2.691229… truncate to their rounded values. 73.5 - 0.5 - 0.5.
    let graded = answers_with(|a| set(&set(a, "q1_3_b2", "4.0944"), "q1_3_yhat2", "0.4798"));
    assert_eq!(graded.failed(), ["1.3(c) b2", "1.3(d) y-hat 2"]);
    assert_eq!(graded.score(), 72.5);
    // A hidden case: the key is named, its value never.
    let out = graded.test("1.3(c) b2")["output"].as_str().unwrap();
    assert!(out.contains("q1_3_b2: wrong value"), "{out}");
    assert!(!out.contains("4.094"), "{out}");
}

#[test]
fn a_swapped_pair_of_answers_fails_both() {
    // β2,1 and β1,0 swapped (published case: the expected values are shown).
    // 73.5 - 0.5 - 0.5.
    let graded = answers_with(|a| set(&set(a, "q1_4_beta21", "0.5477"), "q1_4_beta10", "1.9772"));
    assert_eq!(graded.failed(), ["1.4(a) beta 2,1", "1.4(b) beta 1,0"]);
    assert_eq!(graded.score(), 72.5);
    let out = graded.test("1.4(a) beta 2,1")["output"].as_str().unwrap();
    assert!(
        out.contains("q1_4_beta21: expected 1.9772 (to 4 decimals), got 0.5477"),
        "{out}"
    );
}

#[test]
fn a_choice_in_other_case_and_accuracies_within_a_point_pass() {
    // "TANH" is tanh; an accuracy 0.009 off the reference's passes (another
    // summation order may flip a prediction), 0.02 off does not: 73.5 - 1.
    let graded = answers_with(|a| {
        let a = set(a, "q3_2_activation", "\"TANH\"");
        let a = set(&a, "q5_6a_test_accuracy", "0.8467");
        set(&a, "q5_6a_train_accuracy", "0.8768")
    });
    assert_eq!(graded.failed(), ["5.6(a) train accuracy"]);
    assert_eq!(graded.score(), 72.5);
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
    let code: Vec<(String, f64)> = max.iter().take(6).cloned().collect();
    assert_eq!(code, want.map(|(n, p)| (n.to_string(), p)).to_vec());
    // The written answers: the seed's points, 23.5 in all.
    let written: f64 = max.iter().skip(6).map(|(_, p)| p).sum();
    assert_eq!(written, 23.5);
    let seed = [
        ("1.3(a) a1", 0.5),
        ("3.1 loss at iteration k", 2.0),
        ("3.2 activation", 4.0),
        ("3.3 learning rate", 4.0),
        ("4.4 convolution J", 2.0),
        ("5.6(a) train accuracy", 1.0),
        ("5.6(e) test accuracy", 0.5),
    ];
    for (name, points) in seed {
        assert!(max.contains(&(name.to_string(), points)), "{name}: {max:?}");
    }
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
