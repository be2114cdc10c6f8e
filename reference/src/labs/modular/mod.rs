//! The modular network lab (`../shared/seeds/004_*`, CMU 10-701 HW3 section 5:
//! PyTorch-like modules, an optimizer, batch gradient descent on digits): the
//! reference solution is the lab's own handout source with its solution
//! regions in place; its cases come from fixed seeds and from slices of the
//! shipped digits (`crate::data`).

// The solution crate carries its own copy of `rng.rs` (a symlink to ours), exactly
// as students get it, so the same file is loaded twice on purpose.
#[allow(clippy::duplicate_mod)]
#[path = "../../../labs/modular/src/lib.rs"]
pub mod solution;
use solution as lab;

#[path = "../../../labs/modular/adapter.rs"]
pub mod adapter;

pub use lab::Activation;

use super::{CaseSpec, LabReference};
use crate::data::{load_digits, Digits, DIGITS_CLASSES, DIGITS_PIXELS};
use crate::rng::RandomState;
use crate::wire::{from_tensor, from_usizes, from_vector};
use ndarray::{Array1, Array2};
use serde_json::{json, Value};
use std::ops::Range;

pub mod written;

pub const LAB: LabReference = LabReference {
    name: "modular",
    items: adapter::ITEMS,
    call,
    cases,
};

/// The adapter, and the written answers' item, which only the reference
/// serves (students answer it in `answers.toml`, which the grader reads).
fn call(item: &str, inputs: &Value) -> Result<Value, String> {
    if item == written::ITEM {
        return written::answers(inputs, &|c: &written::Config| {
            let activation = match c.activation.as_str() {
                "sigmoid" => Activation::Sigmoid,
                "relu" => Activation::ReLU,
                other => return Err(format!("unknown activation {other}")),
            };
            Ok(train_accuracies(
                &c.hidden,
                activation,
                c.learning_rate,
                c.batch_size,
                c.epochs,
            ))
        });
    }
    adapter::call(item, inputs)
}

/// The sigmoid inputs every case puts first in its batches: overflow bait
/// and the point where σ is exactly 1/2.
pub const SIGMOID_SPECIALS: [f64; 5] = [800.0, -800.0, 30.0, -30.0, 0.0];

/// The magnitude added to (even rows) or subtracted from (odd rows) the
/// logits of cases with `large_logits`: `e^800` overflows, so only a softmax
/// that subtracts each row's maximum stays finite.
pub const LARGE_LOGIT: f64 = 800.0;

/// One case: module inputs from a seed, and a short training run on a slice
/// of the digits.
struct Scenario {
    id: &'static str,
    description: &'static str,
    /// `RandomState::new(seed)` draws every module input, in the order of
    /// [`case`].
    seed: u32,
    /// `Linear(input → output)` and the batch size of each call.
    linear: (usize, usize, &'static [usize]),
    /// Width of the activations' batches, and the batch size of each call.
    activation: (usize, &'static [usize]),
    /// Classes of the loss, the batch size of each call, and whether the
    /// logits are shifted to ±800.
    loss: (usize, &'static [usize], bool),
    /// The optimizer's network: layer sizes, activation, learning rate.
    optimizer: (&'static [usize], Activation, f64),
    /// The training run: hidden sizes, activation, `define_network` seed,
    /// rows of the fixed training set, rows of the fixed test set, epochs,
    /// learning rate, batch size.
    train: Train,
}

struct Train {
    hidden: &'static [usize],
    activation: Activation,
    init_seed: u32,
    train_rows: Range<usize>,
    test_rows: Range<usize>,
    num_epochs: usize,
    learning_rate: f64,
    batch_size: usize,
}

const SCENARIOS: &[Scenario] = &[
    Scenario {
        id: "small_batches",
        description: "Linear and CrossEntropyLoss on batches of 2 then 4, Sigmoid and ReLU on batches of 3 then 4; loss at ±800 over 3 classes; a 64-10-10 sigmoid network trained 3 epochs on 40 digits in batches of 16 (the last one 8)",
        seed: 1,
        linear: (5, 3, &[2, 4]),
        activation: (5, &[3, 4]),
        loss: (3, &[2, 4], true),
        optimizer: (&[4, 3, 2], Activation::Sigmoid, 0.1),
        train: Train {
            hidden: &[10],
            activation: Activation::Sigmoid,
            init_seed: 10701,
            train_rows: 0..40,
            test_rows: 0..16,
            num_epochs: 3,
            learning_rate: 0.5,
            batch_size: 16,
        },
    },
    Scenario {
        id: "single_example",
        description: "Linear and CrossEntropyLoss on batches of 3 then 1, Sigmoid and ReLU on batches of 2 then 1; ordinary logits over 10 classes; a 64-8-10 ReLU network trained 4 epochs on 32 digits in batches of 16 (no short batch)",
        seed: 2,
        linear: (4, 6, &[3, 1]),
        activation: (6, &[2, 1]),
        loss: (10, &[3, 1], false),
        optimizer: (&[6, 4, 3], Activation::ReLU, 0.5),
        train: Train {
            hidden: &[8],
            activation: Activation::ReLU,
            init_seed: 2,
            train_rows: 64..96,
            test_rows: 32..48,
            num_epochs: 4,
            learning_rate: 0.2,
            batch_size: 16,
        },
    },
    Scenario {
        id: "deep_relu",
        description: "Linear and CrossEntropyLoss on batches of 1 then 7, Sigmoid and ReLU on batches of 1 then 6; loss at ±800 over 10 classes; a 64-12-8-10 ReLU network trained 3 epochs on 36 digits in batches of 16 (the last one 4)",
        seed: 3,
        linear: (8, 5, &[1, 7]),
        activation: (7, &[1, 6]),
        loss: (10, &[1, 7], true),
        optimizer: (&[5, 4, 3, 2], Activation::ReLU, 0.05),
        train: Train {
            hidden: &[12, 8],
            activation: Activation::ReLU,
            init_seed: 3,
            train_rows: 300..336,
            test_rows: 100..116,
            num_epochs: 3,
            learning_rate: 0.3,
            batch_size: 16,
        },
    },
    Scenario {
        id: "tall_batch",
        description: "Linear and CrossEntropyLoss on batches of 5 then 9, Sigmoid and ReLU on batches of 4 then 9; loss at ±800 over 4 classes; a 64-6-10 sigmoid network trained 5 epochs on 30 digits in batches of 12 (the last one 6)",
        seed: 4,
        linear: (3, 2, &[5, 9]),
        activation: (5, &[4, 9]),
        loss: (4, &[5, 9], true),
        optimizer: (&[3, 5, 4], Activation::Sigmoid, 1.0),
        train: Train {
            hidden: &[6],
            activation: Activation::Sigmoid,
            init_seed: 4,
            train_rows: 700..730,
            test_rows: 200..216,
            num_epochs: 5,
            learning_rate: 1.0,
            batch_size: 12,
        },
    },
];

fn cases() -> Vec<CaseSpec> {
    let digits = load_digits().unwrap_or_else(|e| panic!("{e}"));
    let mut cases: Vec<CaseSpec> = SCENARIOS.iter().map(|s| case(s, &digits)).collect();
    cases.extend(written::cases());
    cases
}

fn activation_kind(a: Activation) -> &'static str {
    match a {
        Activation::Sigmoid => "sigmoid",
        Activation::ReLU => "relu",
    }
}

/// A network's layers as the adapter reads them.
fn layers_json(model: &lab::MultiLayerPerceptron) -> Value {
    Value::Array(
        model
            .layers
            .iter()
            .map(|l| match l {
                lab::Layer::Linear(m) => json!({
                    "kind": "linear",
                    "weights": from_tensor(&m.weights),
                    "bias": from_vector(&m.bias),
                }),
                lab::Layer::Sigmoid(_) => json!({"kind": "sigmoid"}),
                lab::Layer::ReLU(_) => json!({"kind": "relu"}),
            })
            .collect(),
    )
}

fn case(s: &Scenario, digits: &Digits) -> CaseSpec {
    let mut rng = RandomState::new(s.seed);

    // Linear: W = 0.5 randn(out, in), b = randn(out); per call x = 2 randn(B, in),
    // grad_output = randn(B, out).
    let (input, output, batches) = s.linear;
    let weights = rng.randn(output, input) * 0.5;
    let bias = rng.randn_vec(output);
    let linear_calls: Vec<Value> = batches
        .iter()
        .map(|&b| {
            let x = rng.randn(b, input) * 2.0;
            let g = rng.randn(b, output);
            json!({"x": from_tensor(&x), "grad_output": from_tensor(&g)})
        })
        .collect();

    // Sigmoid: per call x = 4 randn(B, w) with its first values replaced by
    // SIGMOID_SPECIALS (row-major), grad_output = randn(B, w).
    let (width, batches) = s.activation;
    let sigmoid_calls: Vec<Value> = batches
        .iter()
        .map(|&b| {
            let mut x = rng.randn(b, width) * 4.0;
            for (v, &special) in x.iter_mut().zip(SIGMOID_SPECIALS.iter()) {
                *v = special;
            }
            let g = rng.randn(b, width);
            json!({"x": from_tensor(&x), "grad_output": from_tensor(&g)})
        })
        .collect();

    // ReLU: per call x = randn(B, w) with every third value (row-major, from
    // the first) exactly 0, grad_output = randn(B, w).
    let relu_calls: Vec<Value> = batches
        .iter()
        .map(|&b| {
            let mut x = rng.randn(b, width);
            for v in x.iter_mut().step_by(3) {
                *v = 0.0;
            }
            let g = rng.randn(b, width);
            json!({"x": from_tensor(&x), "grad_output": from_tensor(&g)})
        })
        .collect();

    // Cross-entropy: per call logits = 3 randn(B, K) (+800 on even rows, -800
    // on odd rows when large), labels = one_hot(randint(0, K, B)).
    let (classes, batches, large) = s.loss;
    let loss_calls: Vec<Value> = batches
        .iter()
        .map(|&b| {
            let mut logits = rng.randn(b, classes) * 3.0;
            if large {
                for (i, mut row) in logits.rows_mut().into_iter().enumerate() {
                    row += if i % 2 == 0 {
                        LARGE_LOGIT
                    } else {
                        -LARGE_LOGIT
                    };
                }
            }
            let labels: Vec<usize> = rng
                .randint_vec(0, classes as i64, b)
                .into_iter()
                .map(|c| c as usize)
                .collect();
            json!({
                "logits": from_tensor(&logits),
                "labels": from_tensor(&lab::one_hot(&labels, classes)),
            })
        })
        .collect();

    // Optimizer: per Linear layer W = randn(out, in), b = randn(out),
    // d_weights = randn(out, in), d_bias = randn(out); the activation between.
    let (sizes, activation, learning_rate) = s.optimizer;
    let mut optimizer_layers = Vec::new();
    for (i, pair) in sizes.windows(2).enumerate() {
        let (fan_in, fan_out) = (pair[0], pair[1]);
        let w: Array2<f64> = rng.randn(fan_out, fan_in);
        let b: Array1<f64> = rng.randn_vec(fan_out);
        let dw: Array2<f64> = rng.randn(fan_out, fan_in);
        let db: Array1<f64> = rng.randn_vec(fan_out);
        optimizer_layers.push(json!({
            "kind": "linear",
            "weights": from_tensor(&w),
            "bias": from_vector(&b),
            "d_weights": from_tensor(&dw),
            "d_bias": from_vector(&db),
        }));
        if i + 2 < sizes.len() {
            optimizer_layers.push(json!({"kind": activation_kind(activation)}));
        }
    }

    // Training: define_network's initialisation, the digits' slices.
    let t = &s.train;
    let model = lab::MultiLayerPerceptron::define_network(
        DIGITS_PIXELS,
        t.hidden,
        DIGITS_CLASSES,
        t.activation,
        t.init_seed,
    );
    let train = digits.train().rows(t.train_rows.clone());
    let test = digits.test().rows(t.test_rows.clone());

    let inputs = json!({
        "linear": {
            "weights": from_tensor(&weights),
            "bias": from_vector(&bias),
            "calls": linear_calls,
        },
        "sigmoid": {"calls": sigmoid_calls},
        "relu": {"calls": relu_calls},
        "cross_entropy": {"calls": loss_calls},
        "optimizer": {"learning_rate": learning_rate, "layers": optimizer_layers},
        "train_network": {
            "layers": layers_json(&model),
            "train_x": from_tensor(&train.images),
            "train_y": from_usizes(&train.labels),
            "test_x": from_tensor(&test.images),
            "test_y": from_usizes(&test.labels),
            "num_epochs": t.num_epochs,
            "learning_rate": t.learning_rate,
            "batch_size": t.batch_size,
        },
    });
    let mut net_sizes = vec![DIGITS_PIXELS];
    net_sizes.extend_from_slice(t.hidden);
    net_sizes.push(DIGITS_CLASSES);
    CaseSpec {
        id: s.id.to_string(),
        description: s.description.to_string(),
        origin: json!({
            "modules": format!(
                "RandomState::new({}), in this order: Linear W = 0.5 * randn(out, in), \
                 b = randn(out), per call x = 2 * randn(B, in), grad_output = randn(B, out); \
                 Sigmoid per call x = 4 * randn(B, w) with its first values {SIGMOID_SPECIALS:?}, \
                 grad_output = randn(B, w); ReLU per call x = randn(B, w) with x.flat[::3] = 0, \
                 grad_output = randn(B, w); CrossEntropyLoss per call logits = 3 * randn(B, K){}, \
                 labels = one_hot(randint(0, K, B)); optimizer per Linear layer W = randn(out, in), \
                 b = randn(out), d_weights = randn(out, in), d_bias = randn(out)",
                s.seed,
                if large {
                    " + 800 on even rows, - 800 on odd rows"
                } else {
                    ""
                }
            ),
            "network": format!(
                "define_network({net_sizes:?}, {}, seed {}): RandomState::new(seed), per Linear \
                 layer in order weights = uniform(-sqrt(6 / (in + out)), +sqrt(6 / (in + out)), \
                 (out, in)), bias = 0",
                activation_kind(t.activation),
                t.init_seed
            ),
            "data": format!(
                "reference/data/digits/digits.csv / 16: training rows {:?} of the first 1347, \
                 test rows {:?} of the last 450",
                t.train_rows, t.test_rows
            ),
        }),
        inputs,
        items: None,
        truth: Value::Null,
    }
}

/// The digits' fixed split as the lab's `Dataset`.
pub fn digits_dataset(digits: &Digits) -> lab::Dataset {
    let (train, test) = (digits.train(), digits.test());
    lab::Dataset {
        train_x: train.images,
        train_y: train.labels,
        test_x: test.images,
        test_y: test.labels,
    }
}

/// Section 5.6 of the seed: trains `define_network(64, hidden, 10,
/// activation, 10701)` with the reference's `train_network` on the full
/// fixed split of the shipped digits (1,347 training, 450 test images) and
/// returns the final (after the last epoch) training and test accuracies,
/// `1 - error`. Panics with the loader's one-line message when the data set
/// is missing or altered.
pub fn train_accuracies(
    hidden: &[usize],
    activation: Activation,
    learning_rate: f64,
    batch_size: usize,
    epochs: usize,
) -> (f64, f64) {
    let digits = load_digits().unwrap_or_else(|e| panic!("{e}"));
    let dataset = digits_dataset(&digits);
    let mut model = lab::MultiLayerPerceptron::define_network(
        DIGITS_PIXELS,
        hidden,
        DIGITS_CLASSES,
        activation,
        lab::DEFAULT_SEED,
    );
    let h = lab::train_network(&mut model, &dataset, epochs, learning_rate, batch_size);
    let last = |errors: &[f64]| 1.0 - errors.last().copied().unwrap_or(1.0);
    (last(&h.train_errors), last(&h.test_errors))
}

#[cfg(test)]
mod tests;
