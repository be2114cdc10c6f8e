//! The reference against independent derivations: numpy's draws for
//! `init_params`, centred differences for every module's backward pass, the
//! grader's checksummed loader for the handout's, and the cases' promises.

use super::{lab, load_digits, Activation, SCENARIOS};
use crate::data::digits_path;
use crate::rng::RandomState;
use ndarray::Array2;

/// `np.random.RandomState(10701)`, then `uniform(-b, b, size=(3, 4))` with
/// `b = sqrt(6 / 7)` and `uniform(-b, b, size=(2, 3))` with `b = sqrt(6 / 5)`
/// (numpy 2.4.6).
#[test]
fn init_params_draws_what_numpy_draws() {
    let mut rng = lab::RandomState::new(10701);
    let (w1, b1) = lab::init_params(4, 3, &mut rng);
    let (w2, b2) = lab::init_params(3, 2, &mut rng);
    let numpy1 = [
        -0.04626533341764083,
        -0.17741041702931004,
        0.4730077968459052,
        0.7160007334485188,
        -0.4586872531731172,
        0.6679333767737603,
        -0.7972118639174717,
        0.9137387406371791,
        0.6822069328123306,
        -0.03774606781628864,
        -0.7016410775858708,
        0.33047591041356683,
    ];
    let numpy2 = [
        -0.055808643248010936,
        -0.1347660084216422,
        -0.9987778635218191,
        0.10459103504831058,
        -0.28228950255375174,
        0.4970489715806006,
    ];
    assert_eq!(w1.shape(), [3, 4]);
    assert_eq!(w1.iter().copied().collect::<Vec<_>>(), numpy1);
    assert_eq!(w2.iter().copied().collect::<Vec<_>>(), numpy2);
    assert!(b1.iter().chain(b2.iter()).all(|&b| b == 0.0));
    // define_network draws the layers from one generator, in order.
    let net = lab::MultiLayerPerceptron::define_network(4, &[3], 2, Activation::ReLU, 10701);
    assert_eq!(net.layers.len(), 3);
    assert!(matches!(&net.layers[0], lab::Layer::Linear(l) if l.weights == w1));
    assert!(matches!(net.layers[1], lab::Layer::ReLU(_)));
    assert!(matches!(&net.layers[2], lab::Layer::Linear(l) if l.weights == w2));
}

/// `Σ output ⊙ g` through a module, and its gradient by centred differences
/// in every input (and, given, parameter) entry.
fn numeric_gradient(mut f: impl FnMut(&Array2<f64>) -> f64, x: &Array2<f64>) -> Array2<f64> {
    let h = 1e-6;
    let mut grad = Array2::zeros(x.raw_dim());
    for idx in 0..x.len() {
        let (r, c) = (idx / x.ncols(), idx % x.ncols());
        let mut plus = x.clone();
        plus[[r, c]] += h;
        let mut minus = x.clone();
        minus[[r, c]] -= h;
        grad[[r, c]] = (f(&plus) - f(&minus)) / (2.0 * h);
    }
    grad
}

fn assert_close(a: &Array2<f64>, b: &Array2<f64>, tol: f64) {
    assert_eq!(a.shape(), b.shape());
    for (x, y) in a.iter().zip(b) {
        assert!((x - y).abs() <= tol * (1.0 + y.abs()), "{a}\n!=\n{b}");
    }
}

#[test]
fn every_backward_pass_agrees_with_centred_differences() {
    let mut rng = RandomState::new(99);
    let x = rng.randn(4, 5);
    let g = rng.randn(4, 3);
    let w = rng.randn(3, 5);
    let b = rng.randn_vec(3);
    let weighted = |out: &Array2<f64>, g: &Array2<f64>| (out * g).sum();

    let mut linear = lab::Linear::new(w.clone(), b.clone());
    linear.forward(&x);
    let dx = linear.backward(&g);
    let fx = |x: &Array2<f64>| weighted(&lab::Linear::new(w.clone(), b.clone()).forward(x), &g);
    assert_close(&dx, &numeric_gradient(fx, &x), 1e-6);
    let fw = |w: &Array2<f64>| weighted(&lab::Linear::new(w.clone(), b.clone()).forward(&x), &g);
    assert_close(&linear.d_weights, &numeric_gradient(fw, &w), 1e-6);
    let b_row = b.clone().insert_axis(ndarray::Axis(0));
    let fb = |b: &Array2<f64>| {
        weighted(
            &lab::Linear::new(w.clone(), b.row(0).to_owned()).forward(&x),
            &g,
        )
    };
    let db = numeric_gradient(fb, &b_row);
    assert_close(
        &linear.d_bias.clone().insert_axis(ndarray::Axis(0)),
        &db,
        1e-6,
    );

    let g5 = rng.randn(4, 5);
    let mut s = lab::Sigmoid::default();
    s.forward(&x);
    let fs = |x: &Array2<f64>| weighted(&lab::sigmoid(x), &g5);
    assert_close(&s.backward(&g5), &numeric_gradient(fs, &x), 1e-6);

    let mut r = lab::ReLU::default();
    r.forward(&x);
    let fr = |x: &Array2<f64>| weighted(&x.mapv(|v| v.max(0.0)), &g5);
    assert_close(&r.backward(&g5), &numeric_gradient(fr, &x), 1e-6);

    let logits = rng.randn(4, 3) * 3.0;
    let labels = lab::one_hot(&[2, 0, 1, 2], 3);
    let mut loss = lab::CrossEntropyLoss::new();
    loss.forward(&logits, &labels);
    let fl = |z: &Array2<f64>| lab::CrossEntropyLoss::new().forward(z, &labels);
    assert_close(&loss.backward(), &numeric_gradient(fl, &logits), 1e-6);
}

#[test]
fn the_loss_is_stable_and_sigmoid_saturates_without_overflow() {
    let z = ndarray::array![[800.0, 795.0, 790.0], [-800.0, -790.0, -805.0]];
    let y = lab::one_hot(&[1, 0], 3);
    let mut loss = lab::CrossEntropyLoss::new();
    let l = loss.forward(&z, &y);
    // Row 1: -log softmax = log(1 + e^5 + e^-5) - (-5)... computed shifted.
    let row = |z: [f64; 3], k: usize| {
        let m = z.iter().fold(f64::NEG_INFINITY, |a, &b| a.max(b));
        let s: f64 = z.iter().map(|v| (v - m).exp()).sum();
        -(z[k] - m - s.ln())
    };
    let want = (row([0.0, -5.0, -10.0], 1) + row([0.0, 10.0, -5.0], 0)) / 2.0;
    assert!((l - want).abs() < 1e-12, "{l} {want}");
    assert!(loss.backward().iter().all(|v| v.is_finite()));
    let s = lab::sigmoid(&ndarray::array![[800.0, -800.0, 0.0]]);
    assert_eq!(s, ndarray::array![[1.0, 0.0, 0.5]]);
}

#[test]
fn the_handouts_loader_reads_what_the_checksummed_loader_reads() {
    let handout = lab::Dataset::load_digits(digits_path()).unwrap();
    let reference = super::digits_dataset(&load_digits().unwrap());
    assert_eq!(handout, reference);
    assert_eq!(handout.train_x.nrows(), 1347);
    assert_eq!(handout.test_y.len(), 450);
    let err = lab::Dataset::load_digits("no/such/digits.csv").unwrap_err();
    assert!(err.starts_with("cannot read no/such/digits.csv"), "{err}");
}

#[test]
fn the_cases_hold_what_the_rubric_promises() {
    // The code's cases first, then the written questions' (written.rs).
    let cases = super::cases();
    assert_eq!(cases.len(), SCENARIOS.len() + 2);
    assert!(cases[SCENARIOS.len()..]
        .iter()
        .all(|c| c.items == Some(&[super::written::ITEM][..])));
    let mut short_last_batch = 0;
    for (c, s) in cases.iter().zip(SCENARIOS) {
        let t = &c.inputs["train_network"];
        let n = t["train_y"].as_array().unwrap().len();
        let batch = t["batch_size"].as_u64().unwrap() as usize;
        assert_eq!(n, s.train.train_rows.len());
        if !n.is_multiple_of(batch) {
            short_last_batch += 1;
        }
        // Two calls of different batch sizes for every module.
        for item in ["linear", "sigmoid", "relu", "cross_entropy"] {
            let calls = c.inputs[item]["calls"].as_array().unwrap();
            assert_eq!(calls.len(), 2, "{item}");
        }
        let x = &c.inputs["relu"]["calls"][1]["x"]["data"];
        assert!(x
            .as_array()
            .unwrap()
            .iter()
            .any(|v| v.as_f64() == Some(0.0)));
        let x = &c.inputs["sigmoid"]["calls"][1]["x"]["data"];
        assert_eq!(x[0], 800.0);
        assert_eq!(x[1], -800.0);
    }
    assert_eq!(short_last_batch, 3);
    // Batch size 1 in the compared call of `single_example`.
    let single = &cases[1].inputs;
    assert_eq!(single["linear"]["calls"][1]["x"]["shape"][0], 1);
    assert_eq!(single["cross_entropy"]["calls"][1]["logits"]["shape"][0], 1);
}

#[test]
fn training_on_the_digits_learns() {
    // A small network, 5 epochs on the full split: far above chance (10 %).
    let (train, test) = super::train_accuracies(&[32], Activation::ReLU, 0.1, 50, 5);
    assert!(train > 0.8 && test > 0.75, "{train} {test}");
    assert_eq!(
        (train, test),
        super::train_accuracies(&[32], Activation::ReLU, 0.1, 50, 5)
    );
}
