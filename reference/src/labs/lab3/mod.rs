//! Lab 3 (`../shared/seeds/003_*`: backpropagation, gradient checking, an
//! autoencoder, a softmax classifier, batch gradient descent on digits): the
//! reference solution is the lab's own handout source with its solution
//! regions in place. The seed publishes no numbers, so every expected value
//! is the reference's, on inputs drawn from fixed seeds (the analytic items)
//! or on slices of the shipped digits (`crate::data`, the training items).

// The solution crate carries its own copy of `rng.rs` (a symlink to ours), exactly
// as students get it, so the same file is loaded twice on purpose.
#[allow(clippy::duplicate_mod)]
#[path = "../../../labs/lab3/src/lib.rs"]
pub mod solution;
use solution as lab;

#[path = "../../../labs/lab3/adapter.rs"]
pub mod adapter;

use super::{CaseSpec, LabReference};
use crate::data::{load_digits, Digits};
use crate::rng::RandomState;
use crate::wire::{from_tensor, from_usizes, from_vector};
use ndarray::Array2;
use serde_json::{json, Value};
use std::ops::Range;

pub const LAB: LabReference = LabReference {
    name: "lab3",
    items: adapter::ITEMS,
    call,
    cases,
};

/// The adapter, but for the gradient check's `numerical` output: its
/// expected value is the reference's **analytic** gradient (the student's
/// centred differences are compared with the true gradient, loosely). The
/// `diff` outputs stay the reference's own: the seed's formula on the same
/// numbers.
fn call(item: &str, inputs: &Value) -> Result<Value, String> {
    let mut out = adapter::call(item, inputs)?;
    if item == "numerical_gradient" {
        let analytic = adapter::call("backprop", inputs)?["grad"].clone();
        out["numerical"] = analytic;
    }
    Ok(out)
}

/// The items of the cases drawn from seeds.
pub const ANALYTIC_ITEMS: &[&str] = &[
    "forward",
    "cost",
    "backprop",
    "numerical_gradient",
    "gradient_diff",
    "autoencoder_cost",
    "encode",
    "softmax",
    "softmax_cost",
    "softmax_predict",
    "predict",
];

/// The items of the cases that train on the digits.
pub const TRAINING_ITEMS: &[&str] = &["train_classifier", "train_autoencoder", "softmax_features"];

/// The magnitude added to (even columns) or subtracted from (odd columns) the
/// softmax's scores: `e^800` overflows, so only a softmax that subtracts each
/// column's maximum stays finite.
pub const LARGE_SCORE: f64 = 800.0;

/// How closely the gradient check's fixed pair agrees (relative, per entry).
pub const PAIR_AGREEMENT: f64 = 1e-6;

/// The network's first example (column) is `+2000, -2000, +2000, ...`: its
/// hidden units saturate, so `e^z` overflows in a sigmoid that exponentiates
/// a large positive `z`.
pub const LARGE_INPUT: f64 = 2000.0;

/// A case drawn from a seed: network sizes `(input, hidden, output)`, batch
/// `m`, autoencoder `(input, hidden)`, softmax `(features, classes)`.
struct Analytic {
    id: &'static str,
    description: &'static str,
    seed: u32,
    network: (usize, usize, usize),
    m: usize,
    autoencoder: (usize, usize),
    softmax: (usize, usize),
}

const ANALYTIC: &[Analytic] = &[
    Analytic {
        id: "seed_network",
        description: "the seed's 8-5-10 network on a batch of 100; an 8-5-8 autoencoder; softmax over 10 classes of 8 features",
        seed: 1,
        network: (8, 5, 10),
        m: 100,
        autoencoder: (8, 5),
        softmax: (8, 10),
    },
    Analytic {
        id: "other_sizes",
        description: "a 6-3-4 network on a batch of 7; a 6-4-6 autoencoder; softmax over 4 classes of 5 features",
        seed: 2,
        network: (6, 3, 4),
        m: 7,
        autoencoder: (6, 4),
        softmax: (5, 4),
    },
    Analytic {
        id: "wide_hidden",
        description: "a 5-9-3 network on a batch of 13; a 7-3-7 autoencoder; softmax over 6 classes of 4 features",
        seed: 3,
        network: (5, 9, 3),
        m: 13,
        autoencoder: (7, 3),
        softmax: (4, 6),
    },
];

/// A case that trains on slices of the digits' fixed split.
struct Training {
    id: &'static str,
    description: &'static str,
    train_rows: Range<usize>,
    test_rows: Range<usize>,
    hidden: usize,
    seed: u32,
    iterations: usize,
    learning_rate: f64,
    autoencoder_hidden: usize,
    autoencoder_learning_rate: f64,
    softmax_iterations: usize,
    softmax_learning_rate: f64,
}

const TRAINING: &[Training] = &[
    Training {
        id: "digits",
        description: "200 training and 100 test digits: a 64-16-10 classifier, a 64-16-64 autoencoder, softmax on pixels and on 16 features",
        train_rows: 0..200,
        test_rows: 0..100,
        hidden: 16,
        seed: 3,
        iterations: 100,
        learning_rate: 2.0,
        autoencoder_hidden: 16,
        autoencoder_learning_rate: 2.0,
        softmax_iterations: 100,
        softmax_learning_rate: 0.5,
    },
    Training {
        id: "digits_other_slice",
        description: "150 other training and 100 other test digits: a 64-12-10 classifier, a 64-20-64 autoencoder, softmax on pixels and on 20 features",
        train_rows: 600..750,
        test_rows: 200..300,
        hidden: 12,
        seed: 7,
        iterations: 100,
        learning_rate: 2.0,
        autoencoder_hidden: 20,
        autoencoder_learning_rate: 2.0,
        softmax_iterations: 100,
        softmax_learning_rate: 0.5,
    },
];

fn cases() -> Vec<CaseSpec> {
    let digits = load_digits().unwrap_or_else(|e| panic!("{e}"));
    ANALYTIC
        .iter()
        .map(analytic)
        .chain(TRAINING.iter().map(|t| training(t, &digits)))
        .collect()
}

/// `W = 0.5 randn(out, in)`, `b = 0.1 randn(out)`, as `{"w1", "b1", ...}` names.
fn layer(
    rng: &mut RandomState,
    fan_in: usize,
    fan_out: usize,
) -> (Array2<f64>, ndarray::Array1<f64>) {
    let w = rng.randn(fan_out, fan_in) * 0.5;
    let b = rng.randn_vec(fan_out) * 0.1;
    (w, b)
}

fn labels(rng: &mut RandomState, classes: usize, m: usize) -> Vec<usize> {
    rng.randint_vec(0, classes as i64, m)
        .into_iter()
        .map(|c| c as usize)
        .collect()
}

fn analytic(a: &Analytic) -> CaseSpec {
    let mut rng = RandomState::new(a.seed);
    // Network: W1, b1, W2, b2 (layer), x = randn(in, m), y = one_hot(randint(0, out, m)).
    let (input, hidden, output) = a.network;
    let (w1, b1) = layer(&mut rng, input, hidden);
    let (w2, b2) = layer(&mut rng, hidden, output);
    let mut x = rng.randn(input, a.m);
    for (r, v) in x.column_mut(0).iter_mut().enumerate() {
        *v = if r % 2 == 0 {
            LARGE_INPUT
        } else {
            -LARGE_INPUT
        };
    }
    let y = lab::one_hot(&labels(&mut rng, output, a.m), output);
    // Autoencoder: W1, b1, W2, b2 (layer), x = rand(in, m).
    let (ae_in, ae_hidden) = a.autoencoder;
    let (aw1, ab1) = layer(&mut rng, ae_in, ae_hidden);
    let (aw2, ab2) = layer(&mut rng, ae_hidden, ae_in);
    let ax = rng.rand(ae_in, a.m);
    // Softmax: W = 0.5 randn(K, n), b = 0.1 randn(K), x = randn(n, m),
    // labels = randint(0, K, m), z = 3 randn(K, m) ± 800 by column.
    let (features, classes) = a.softmax;
    let (sw, sb) = layer(&mut rng, features, classes);
    let sx = rng.randn(features, a.m);
    let sy = labels(&mut rng, classes, a.m);
    let mut z = rng.randn(classes, a.m) * 3.0;
    for (j, mut col) in z.columns_mut().into_iter().enumerate() {
        col += if j % 2 == 0 {
            LARGE_SCORE
        } else {
            -LARGE_SCORE
        };
    }
    // The gradient check's fixed pair: u = randn(n), v = u ⊙ (1 + 1e-6
    // randn(n)), n the network's parameter count: two gradients that agree
    // to about 1e-6 (a diff near 1e-7). Random, so no expected value of
    // another item is among the inputs.
    let n = hidden * input + hidden + output * hidden + output;
    let u = rng.randn_vec(n);
    let noise = rng.randn_vec(n);
    let v = &u * &noise.mapv(|r| 1.0 + PAIR_AGREEMENT * r);
    CaseSpec {
        id: a.id.to_string(),
        description: a.description.to_string(),
        origin: json!({
            "draws": format!(
                "RandomState::new({}), in this order: network W1 = 0.5 * randn(hidden, in), \
                 b1 = 0.1 * randn(hidden), W2 = 0.5 * randn(out, hidden), b2 = 0.1 * randn(out), \
                 x = randn(in, m) with its first column +2000, -2000, ... by row, \
                 y = one_hot(randint(0, out, m)) (one column per example); \
                 autoencoder W1, b1, W2, b2 the same way, x = rand(in, m); softmax \
                 W = 0.5 * randn(K, n), b = 0.1 * randn(K), x = randn(n, m), \
                 labels = randint(0, K, m), z = 3 * randn(K, m) + 800 on even columns, \
                 - 800 on odd columns; gradient check pair u = randn(n), v = u * (1 + 1e-6 * \
                 randn(n)), n = hidden * in + hidden + out * hidden + out",
                a.seed
            ),
        }),
        inputs: json!({
            "network": {
                "w1": from_tensor(&w1), "b1": from_vector(&b1),
                "w2": from_tensor(&w2), "b2": from_vector(&b2),
                "x": from_tensor(&x), "y": from_tensor(&y),
            },
            "autoencoder": {
                "w1": from_tensor(&aw1), "b1": from_vector(&ab1),
                "w2": from_tensor(&aw2), "b2": from_vector(&ab2),
                "x": from_tensor(&ax),
            },
            "softmax": {
                "w": from_tensor(&sw), "b": from_vector(&sb),
                "x": from_tensor(&sx), "labels": from_usizes(&sy),
                "z": from_tensor(&z),
            },
            "gradient_check": {"u": from_vector(&u), "v": from_vector(&v)},
        }),
        items: Some(ANALYTIC_ITEMS),
        truth: Value::Null,
    }
}

fn training(t: &Training, digits: &Digits) -> CaseSpec {
    let train = digits.train().rows(t.train_rows.clone());
    let test = digits.test().rows(t.test_rows.clone());
    let (x, tx) = (
        from_tensor(&train.images.t().to_owned()),
        from_tensor(&test.images.t().to_owned()),
    );
    let (y, ty) = (from_usizes(&train.labels), from_usizes(&test.labels));
    CaseSpec {
        id: t.id.to_string(),
        description: t.description.to_string(),
        origin: json!({
            "data": format!(
                "reference/data/digits/digits.csv / 16, transposed to one example per column: \
                 training rows {:?} of the first 1347, test rows {:?} of the last 450",
                t.train_rows, t.test_rows
            ),
            "init": "init_params(input, hidden, output, seed): RandomState::new(seed), \
                     W1 = uniform(-r, r, (hidden, input)), W2 = uniform(-r, r, (output, hidden)), \
                     r = sqrt(6 / (fan_in + fan_out)) for each, biases 0; softmax from zeros",
        }),
        // The test labels and the originals are what the grader measures the
        // answers against: never among the inputs.
        truth: json!({
            "train_classifier": {"test_predictions": ty},
            "train_autoencoder": {"test_reconstruction": tx},
            "softmax_features": {"raw_predictions": ty, "features_predictions": ty},
        }),
        inputs: json!({
            "data": {"train_x": x, "train_y": y, "test_x": tx},
            "train_classifier": {
                "hidden": t.hidden, "seed": t.seed,
                "iterations": t.iterations, "learning_rate": t.learning_rate,
            },
            "train_autoencoder": {
                "hidden": t.autoencoder_hidden, "seed": t.seed,
                "iterations": t.iterations, "learning_rate": t.autoencoder_learning_rate,
            },
            "softmax_features": {
                "hidden": t.autoencoder_hidden, "seed": t.seed,
                "autoencoder_iterations": t.iterations,
                "autoencoder_learning_rate": t.autoencoder_learning_rate,
                "softmax_iterations": t.softmax_iterations,
                "softmax_learning_rate": t.softmax_learning_rate,
            },
        }),
        items: Some(TRAINING_ITEMS),
    }
}

#[cfg(test)]
mod tests;
