//! The reference against independent derivations: centred differences for
//! every analytic gradient, the flat order the handout fixes, and the cases'
//! promises (softmax scores at ±800, seeded training that learns).

use super::{cases, lab, ANALYTIC_ITEMS, TRAINING_ITEMS};
use ndarray::{array, Array1};

fn central(f: impl Fn(&Array1<f64>) -> f64, theta: &Array1<f64>) -> Array1<f64> {
    let h = 1e-6;
    Array1::from_shape_fn(theta.len(), |i| {
        let (mut p, mut m) = (theta.clone(), theta.clone());
        p[i] += h;
        m[i] -= h;
        (f(&p) - f(&m)) / (2.0 * h)
    })
}

fn close(a: &Array1<f64>, b: &Array1<f64>, tol: f64) {
    assert_eq!(a.len(), b.len());
    for (x, y) in a.iter().zip(b) {
        assert!((x - y).abs() <= tol * (1.0 + y.abs()), "{x} vs {y}");
    }
}

#[test]
fn flatten_is_w1_b1_w2_b2_row_major() {
    let p = lab::Params {
        w1: array![[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]],
        b1: array![7.0, 8.0],
        w2: array![[9.0, 10.0]],
        b2: array![11.0],
    };
    let flat = p.flatten();
    assert_eq!(flat.to_vec(), (1..=11).map(f64::from).collect::<Vec<_>>());
    assert_eq!(lab::Params::unflatten(&flat, 3, 2, 1), p);
}

#[test]
fn backprop_and_softmax_gradients_are_the_centred_differences() {
    for case in cases().iter().filter(|c| c.items == Some(ANALYTIC_ITEMS)) {
        let n = &case.inputs["network"];
        let p = lab::Params {
            w1: crate::wire::tensor_field(n, "w1").unwrap(),
            b1: crate::wire::vector_field(n, "b1").unwrap(),
            w2: crate::wire::tensor_field(n, "w2").unwrap(),
            b2: crate::wire::vector_field(n, "b2").unwrap(),
        };
        let x = crate::wire::tensor_field(n, "x").unwrap();
        let y = crate::wire::tensor_field(n, "y").unwrap();
        let (i, h, o) = p.sizes();
        let b = lab::backprop(&p, &x, &y);
        let num = central(
            |t| lab::cost(&lab::Params::unflatten(t, i, h, o), &x, &y),
            &p.flatten(),
        );
        close(&b.grad, &num, 1e-7);
        assert_eq!(b.cost, lab::cost(&p, &x, &y));
        // The student's check, on the reference: diff far below the rubric's 1e-7.
        let diff = lab::gradient_diff(
            &lab::numerical_gradient(
                |t| lab::cost(&lab::Params::unflatten(t, i, h, o), &x, &y),
                &p.flatten(),
                lab::EPSILON,
            ),
            &b.grad,
        );
        assert!(diff < 1e-8, "{}: diff {diff}", case.id);

        let s = &case.inputs["softmax"];
        let sp = lab::SoftmaxParams {
            w: crate::wire::tensor_field(s, "w").unwrap(),
            b: crate::wire::vector_field(s, "b").unwrap(),
        };
        let sx = crate::wire::tensor_field(s, "x").unwrap();
        let labels = crate::wire::usizes_field(s, "labels").unwrap();
        let (k, f) = sp.w.dim();
        let (_, g) = lab::softmax_cost(&sp, &sx, &labels);
        let num = central(
            |t| lab::softmax_cost(&lab::SoftmaxParams::unflatten(t, f, k), &sx, &labels).0,
            &sp.flatten(),
        );
        close(&g, &num, 1e-7);
        // Scores at ±800: finite, columns sum to 1.
        let probs = lab::softmax(&crate::wire::tensor_field(s, "z").unwrap());
        for col in probs.columns() {
            assert!(col.iter().all(|v| v.is_finite()));
            assert!((col.sum() - 1.0).abs() < 1e-12);
        }
    }
}

#[test]
fn the_training_cases_learn() {
    for case in cases().iter().filter(|c| c.items == Some(TRAINING_ITEMS)) {
        // The share of predictions equal to the truth's labels (the grader
        // counts them the same way, outside the probe).
        let accuracy = |item: &str, key: &str, out: &serde_json::Value| {
            let labels = crate::wire::usizes_field(&case.truth[item], key).unwrap();
            let predicted = crate::wire::usizes_field(out, key).unwrap();
            assert_eq!(predicted.len(), labels.len());
            let right = predicted
                .iter()
                .zip(&labels)
                .filter(|(p, y)| p == y)
                .count();
            right as f64 / labels.len() as f64
        };
        let out = super::call("train_classifier", &case.inputs).unwrap();
        let h = crate::wire::to_vector(&out["loss_history"]).unwrap();
        assert!(h[h.len() - 1] < 0.8 * h[0], "{}: {h}", case.id);
        let acc = accuracy("train_classifier", "test_predictions", &out);
        assert!(acc > 0.3, "{}: test accuracy {acc}", case.id);
        // Part 6: both softmax classifiers learn far past chance (0.1).
        let out = super::call("softmax_features", &case.inputs).unwrap();
        for key in ["raw_predictions", "features_predictions"] {
            let acc = accuracy("softmax_features", key, &out);
            assert!(acc > 0.5, "{}: {key} {acc}", case.id);
        }
        // Part 4: the autoencoder's loss falls, and it reconstructs the test
        // digits far better than their mean (every pixel's variance).
        let out = super::call("train_autoencoder", &case.inputs).unwrap();
        let h = crate::wire::to_vector(&out["loss_history"]).unwrap();
        assert!(h[h.len() - 1] < 0.5 * h[0], "{}: {h}", case.id);
        let original =
            crate::wire::tensor_field(&case.truth["train_autoencoder"], "test_reconstruction")
                .unwrap();
        let rebuilt = crate::wire::tensor_field(&out, "test_reconstruction").unwrap();
        let mse = (&rebuilt - &original).mapv(|d| d * d).mean().unwrap();
        let variance = original.var(0.0);
        eprintln!("{}: reconstruction mse {mse}, variance {variance}", case.id);
        assert!(
            mse < 0.5 * variance,
            "{}: mse {mse}, variance {variance}",
            case.id
        );
    }
}

#[test]
fn every_network_case_saturates_a_hidden_unit_past_overflow() {
    for case in cases().iter().filter(|c| c.items == Some(ANALYTIC_ITEMS)) {
        let n = &case.inputs["network"];
        let w1 = crate::wire::tensor_field(n, "w1").unwrap();
        let b1 = crate::wire::vector_field(n, "b1").unwrap();
        let x = crate::wire::tensor_field(n, "x").unwrap();
        let z2 = w1.dot(&x.column(0)) + &b1;
        // e^z overflows past 709.78: a naive e^z / (1 + e^z) gives NaN there.
        assert!(z2.iter().any(|&z| z > 710.0), "{}: {z2}", case.id);
        let a2 = lab::sigmoid(&z2.insert_axis(ndarray::Axis(1)));
        assert!(a2.iter().all(|v| v.is_finite()));
    }
}
