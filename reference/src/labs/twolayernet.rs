//! The two-layer network lab (`../shared/seeds/001_*`, cs231n's `TwoLayerNet`):
//! the reference solution is the lab's own handout source with its solution
//! regions in place.

// The solution crate carries its own copy of `rng.rs` (a symlink to ours), exactly
// as students get it, so the same file is loaded twice on purpose.
#[allow(clippy::duplicate_mod)]
#[path = "../../labs/twolayernet/src/lib.rs"]
pub mod solution;
use solution as lab;

#[path = "../../labs/twolayernet/adapter.rs"]
pub mod adapter;

use super::{CaseSpec, LabReference};
use crate::rng::RandomState;
use crate::wire::{from_tensor, from_usizes, from_vector};
use ndarray::Array2;
use serde_json::{json, Value};

pub const LAB: LabReference = LabReference {
    name: "twolayernet",
    items: adapter::ITEMS,
    call,
    cases,
};

/// The adapter, but for the gradient check: the expected value of both the
/// numerical and the analytic gradient is the reference's analytic gradient
/// (the true one), so the student's check is held to the truth.
fn call(item: &str, inputs: &Value) -> Result<Value, String> {
    let mut out = adapter::call(item, inputs)?;
    if item == "gradient_check" {
        let truth = adapter::call("loss", inputs)?;
        for name in adapter::PARAMS {
            out[format!("{name} numerical")] = truth[name].clone();
            out[format!("{name} analytic")] = truth[name].clone();
        }
    }
    Ok(out)
}

/// The toy model and data of the lab's notebook, exactly.
pub mod toy {
    pub const INPUT_SIZE: usize = 4;
    pub const HIDDEN_SIZE: usize = 10;
    pub const NUM_CLASSES: usize = 3;
    pub const NUM_INPUTS: usize = 5;
    pub const STD: f64 = 1e-1;
    /// `init_toy_model`: `np.random.seed(0)`.
    pub const MODEL_SEED: u32 = 0;
    /// `init_toy_data`: `np.random.seed(1)`; `X = 10 * np.random.randn(5, 4)`.
    pub const DATA_SEED: u32 = 1;
    pub const LABELS: [usize; 5] = [0, 1, 2, 2, 1];
    /// The regularisation of the notebook's loss check.
    pub const REG: f64 = 0.1;
    /// The notebook's training run on the toy data:
    /// `net.train(X, y, X, y, learning_rate=1e-1, reg=5e-6, num_iters=100)`,
    /// with the defaults `learning_rate_decay=0.95`, `batch_size=200`.
    pub const LEARNING_RATE: f64 = 1e-1;
    pub const LEARNING_RATE_DECAY: f64 = 0.95;
    pub const TRAIN_REG: f64 = 5e-6;
    pub const NUM_ITERS: usize = 100;
    pub const BATCH_SIZE: usize = 200;
}

/// A network, its data and a training run.
struct Scenario {
    id: &'static str,
    description: &'static str,
    input_size: usize,
    hidden_size: usize,
    num_classes: usize,
    std: f64,
    model_seed: u32,
    data_seed: u32,
    /// Rows of `X` (used for scores, loss, the gradient check, prediction and
    /// as the training set).
    num_inputs: usize,
    /// Rows of the validation set (drawn after `X`).
    num_val: usize,
    reg: f64,
    learning_rate: f64,
    learning_rate_decay: f64,
    train_reg: f64,
    num_iters: usize,
    batch_size: usize,
}

/// The notebook's toy model and run (batch larger than the data, so an epoch
/// is one iteration), and three others where an epoch is several iterations,
/// so when the learning rate decays matters.
const SCENARIOS: &[Scenario] = &[
    Scenario {
        id: "toy",
        description: "the notebook's toy model (4-10-3, seed 0) and toy data (seed 1)",
        input_size: toy::INPUT_SIZE,
        hidden_size: toy::HIDDEN_SIZE,
        num_classes: toy::NUM_CLASSES,
        std: toy::STD,
        model_seed: toy::MODEL_SEED,
        data_seed: toy::DATA_SEED,
        num_inputs: toy::NUM_INPUTS,
        num_val: 0,
        reg: toy::REG,
        learning_rate: toy::LEARNING_RATE,
        learning_rate_decay: toy::LEARNING_RATE_DECAY,
        train_reg: toy::TRAIN_REG,
        num_iters: toy::NUM_ITERS,
        batch_size: toy::BATCH_SIZE,
    },
    Scenario {
        id: "small_6_8_4",
        description: "6-8-4 network, 24 points, minibatches of 8 (3 per epoch)",
        input_size: 6,
        hidden_size: 8,
        num_classes: 4,
        std: 0.5,
        model_seed: 2,
        data_seed: 3,
        num_inputs: 24,
        num_val: 12,
        reg: 0.05,
        learning_rate: 0.1,
        learning_rate_decay: 0.9,
        train_reg: 1e-3,
        num_iters: 30,
        batch_size: 8,
    },
    Scenario {
        id: "wide_10_20_5",
        description: "10-20-5 network, 40 points, minibatches of 10 (4 per epoch)",
        input_size: 10,
        hidden_size: 20,
        num_classes: 5,
        std: 0.1,
        model_seed: 4,
        data_seed: 5,
        num_inputs: 40,
        num_val: 20,
        reg: 0.02,
        learning_rate: 0.2,
        learning_rate_decay: 0.8,
        train_reg: 1e-3,
        num_iters: 40,
        batch_size: 10,
    },
    Scenario {
        id: "narrow_16_12_5",
        description: "16-12-5 network, 48 points, minibatches of 16 (3 per epoch)",
        input_size: 16,
        hidden_size: 12,
        num_classes: 5,
        std: 0.2,
        model_seed: 6,
        data_seed: 7,
        num_inputs: 48,
        num_val: 16,
        reg: 0.01,
        learning_rate: 0.1,
        learning_rate_decay: 0.85,
        train_reg: 1e-2,
        num_iters: 24,
        batch_size: 16,
    },
];

fn cases() -> Vec<CaseSpec> {
    SCENARIOS.iter().map(case).collect()
}

/// `np.argmax` of each row: the first index of the row's maximum.
fn argmax_rows(a: &Array2<f64>) -> Vec<usize> {
    a.rows()
        .into_iter()
        .map(|row| {
            let mut best = 0;
            for (j, &v) in row.iter().enumerate() {
                if v > row[best] {
                    best = j;
                }
            }
            best
        })
        .collect()
}

fn case(s: &Scenario) -> CaseSpec {
    let net = lab::TwoLayerNet::new(
        s.input_size,
        s.hidden_size,
        s.num_classes,
        s.std,
        lab::RandomState::new(s.model_seed),
    );
    let mut rng = RandomState::new(s.data_seed);
    let (x, y, x_val, y_val, data_origin);
    if s.id == "toy" {
        x = rng.randn(s.num_inputs, s.input_size) * 10.0;
        y = toy::LABELS.to_vec();
        x_val = x.clone();
        y_val = y.clone();
        data_origin = format!(
            "init_toy_data: RandomState::new({}): X = 10 * randn({}, {}); y = {:?}; \
             training validates on X, y",
            s.data_seed,
            s.num_inputs,
            s.input_size,
            toy::LABELS
        );
    } else {
        // Labels from a random linear "teacher", so the data can be learnt.
        let teacher = rng.randn(s.input_size, s.num_classes);
        x = rng.randn(s.num_inputs, s.input_size);
        x_val = rng.randn(s.num_val, s.input_size);
        y = argmax_rows(&x.dot(&teacher));
        y_val = argmax_rows(&x_val.dot(&teacher));
        data_origin = format!(
            "RandomState::new({}): T = randn({}, {}); X = randn({}, {}); \
             X_val = randn({}, {}); y = argmax(X·T, axis=1); y_val = argmax(X_val·T, axis=1)",
            s.data_seed,
            s.input_size,
            s.num_classes,
            s.num_inputs,
            s.input_size,
            s.num_val,
            s.input_size
        );
    }
    let p = &net.params;
    let inputs = json!({
        "network": {
            "input_size": s.input_size,
            "hidden_size": s.hidden_size,
            "output_size": s.num_classes,
            "std": s.std,
            "seed": s.model_seed,
            "W1": from_tensor(&p.w1),
            "b1": from_vector(&p.b1),
            "W2": from_tensor(&p.w2),
            "b2": from_vector(&p.b2),
        },
        "X": from_tensor(&x),
        "y": from_usizes(&y),
        "reg": s.reg,
        "train": {
            "X": from_tensor(&x),
            "y": from_usizes(&y),
            "X_val": from_tensor(&x_val),
            "y_val": from_usizes(&y_val),
            "learning_rate": s.learning_rate,
            "learning_rate_decay": s.learning_rate_decay,
            "reg": s.train_reg,
            "num_iters": s.num_iters,
            "batch_size": s.batch_size,
        },
    });
    CaseSpec {
        id: s.id.to_string(),
        description: s.description.to_string(),
        origin: json!({
            "network": format!(
                "TwoLayerNet::new({}, {}, {}, {:e}, RandomState::new({})): \
                 W1 = std * randn(D, H), b1 = 0, W2 = std * randn(H, C), b2 = 0; \
                 train continues with that generator",
                s.input_size, s.hidden_size, s.num_classes, s.std, s.model_seed
            ),
            "data": data_origin,
        }),
        inputs,
        items: None,
        truth: Value::Null,
    }
}

#[cfg(test)]
mod tests {
    use super::{lab, toy, RandomState};

    fn toy_model_and_data() -> (lab::TwoLayerNet, ndarray::Array2<f64>) {
        let net = lab::TwoLayerNet::new(
            toy::INPUT_SIZE,
            toy::HIDDEN_SIZE,
            toy::NUM_CLASSES,
            toy::STD,
            lab::RandomState::new(toy::MODEL_SEED),
        );
        let x = RandomState::new(toy::DATA_SEED).randn(toy::NUM_INPUTS, toy::INPUT_SIZE) * 10.0;
        (net, x)
    }

    /// The notebook's published loss, straight from the reference (the fixture
    /// tests in `tests/twolayernet.rs` check it through the files).
    #[test]
    fn the_toy_model_gives_the_published_loss() {
        let (net, x) = toy_model_and_data();
        let (loss, _) = net.loss(&x, &toy::LABELS, toy::REG);
        assert!((loss - 1.30378789133).abs() < 1e-12, "{loss}");
    }

    /// The lab's `rel_error`: `max(|x - y| / max(1e-8, |x| + |y|))`.
    fn rel_error(x: &[f64], y: &[f64]) -> f64 {
        x.iter()
            .zip(y)
            .map(|(a, b)| (a - b).abs() / f64::max(1e-8, a.abs() + b.abs()))
            .fold(0.0, f64::max)
    }

    /// The reference passes its own gradient check as the notebook's does:
    /// "should be less than 1e-8 for each of W1, W2, b1, and b2", with the
    /// notebook's printed W2 3.440708e-09 and b1 2.738421e-09 digit for
    /// digit. (Its W1 4.090896e-09 and b2 4.447646e-11 are its own
    /// implementation's rounding noise: numpy's cs231n net in
    /// scripts/derive_twolayernet.py gives 3.561318e-09 and 4.447625e-11, as
    /// the reference does.)
    #[test]
    fn the_reference_passes_the_labs_gradient_check() {
        let (net, x) = toy_model_and_data();
        let numerical =
            super::adapter::numerical_gradient(&net, &x, &toy::LABELS, toy::REG).unwrap();
        let (_, analytic) = net.loss(&x, &toy::LABELS, toy::REG);
        let flat = |a: &[f64]| a.to_vec();
        let error = |name: &str| match name {
            "W1" => rel_error(
                &flat(numerical.w1.as_slice().unwrap()),
                analytic.w1.as_slice().unwrap(),
            ),
            "b1" => rel_error(
                &flat(numerical.b1.as_slice().unwrap()),
                analytic.b1.as_slice().unwrap(),
            ),
            "W2" => rel_error(
                &flat(numerical.w2.as_slice().unwrap()),
                analytic.w2.as_slice().unwrap(),
            ),
            _ => rel_error(
                &flat(numerical.b2.as_slice().unwrap()),
                analytic.b2.as_slice().unwrap(),
            ),
        };
        for p in super::adapter::PARAMS {
            assert!(error(p) < 1e-8, "{p}: {}", error(p));
        }
        assert_eq!(format!("{:.6e}", error("W2")), "3.440708e-9");
        assert_eq!(format!("{:.6e}", error("b1")), "2.738421e-9");
        assert_eq!(format!("{:.6e}", error("W1")), "3.561318e-9");
        assert_eq!(format!("{:.6e}", error("b2")), "4.447625e-11");
    }
}
