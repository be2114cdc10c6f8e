//! CS240 Week 7 (`../shared/seeds/000_*`): the reference solution is the lab's
//! own handout source with its solution regions in place.

// The solution crate carries its own copy of `rng.rs` (a symlink to ours), exactly
// as students get it, so the same file is loaded twice on purpose.
#[allow(clippy::duplicate_mod)]
#[path = "../../labs/cs240/src/lib.rs"]
pub mod solution;
use solution as lab;

#[path = "../../labs/cs240/adapter.rs"]
pub mod adapter;

use super::{CaseSpec, LabReference};
use crate::data::{load_digits, Digits, DIGITS_CLASSES, DIGITS_MAX_PIXEL, DIGITS_PIXELS};
use crate::rng::RandomState;
use crate::wire::{from_tensor, from_tensors, from_usizes};
use ndarray::Array2;
use serde_json::{json, Value};

pub const LAB: LabReference = LabReference {
    name: "cs240",
    items: adapter::ITEMS,
    call,
    cases,
};

/// The items of the cases drawn from seeds: all but the tuning run, which
/// the adapter lists last.
pub const ANALYTIC_ITEMS: &[&str] = match adapter::ITEMS.split_last() {
    Some((_, analytic)) => analytic,
    None => &[],
};

/// The case of section 1.2 (hyperparameter tuning) on the shipped digits.
pub const TUNING_CASE: &str = "digits_tuning";

/// The adapter, but for the tuning run: what it is graded against is the
/// test images' true labels, not the reference's own predictions (the
/// student's accuracy is the share of labels they get right).
fn call(item: &str, inputs: &Value) -> Result<Value, String> {
    if item == "tuning" {
        let digits = load_digits()?;
        return Ok(json!({ "predicted": from_usizes(&digits.test().labels) }));
    }
    adapter::call(item, inputs)
}

/// A network shape and the training run graded on it.
struct Scenario {
    id: &'static str,
    description: &'static str,
    sizes: &'static [usize],
    network_seed: u32,
    data_seed: u32,
    examples: usize,
    epochs: usize,
    mini_batch_size: usize,
    eta: f64,
}

/// The lab's own network, a one-hidden-layer net, and two with more than two
/// hidden layers (so a hard-coded three-layer answer fails). Example counts are
/// not multiples of the batch size, so the last, shorter batch is exercised.
const SCENARIOS: &[Scenario] = &[
    Scenario {
        id: "lab_784_8_8_10",
        description: "the lab's network [784, 8, 8, 10]",
        sizes: &[784, 8, 8, 10],
        network_seed: 0,
        data_seed: 100,
        examples: 12,
        epochs: 3,
        mini_batch_size: 5,
        eta: 3.0,
    },
    Scenario {
        id: "small_3_5_2",
        description: "one hidden layer [3, 5, 2]",
        sizes: &[3, 5, 2],
        network_seed: 1,
        data_seed: 101,
        examples: 25,
        epochs: 4,
        mini_batch_size: 10,
        eta: 3.0,
    },
    Scenario {
        id: "deep_6_7_5_4_3",
        description: "three hidden layers [6, 7, 5, 4, 3]",
        sizes: &[6, 7, 5, 4, 3],
        network_seed: 2,
        data_seed: 102,
        examples: 20,
        epochs: 3,
        mini_batch_size: 6,
        eta: 2.0,
    },
    Scenario {
        id: "deep_5_4_4_4_4_2",
        description: "four hidden layers [5, 4, 4, 4, 4, 2]",
        sizes: &[5, 4, 4, 4, 4, 2],
        network_seed: 3,
        data_seed: 103,
        examples: 17,
        epochs: 2,
        mini_batch_size: 4,
        eta: 1.5,
    },
];

fn cases() -> Vec<CaseSpec> {
    let mut cases: Vec<CaseSpec> = SCENARIOS.iter().map(case).collect();
    cases.push(tuning_case());
    cases
}

/// The digits' fixed split (`crate::data`), pixels as the file's integers
/// 0–16 (the adapter divides by 16), the test set without its labels: the
/// student's network is trained on the first 1,347 images and classifies
/// the last 450.
fn tuning_case() -> CaseSpec {
    let digits = load_digits().expect("the shipped digits (reference/data/digits)");
    let pixels = |d: &Digits| -> Vec<usize> {
        d.images
            .iter()
            .map(|&v| (v * DIGITS_MAX_PIXEL).round() as usize)
            .collect()
    };
    let (train, test) = (digits.train(), digits.test());
    CaseSpec {
        id: TUNING_CASE.to_string(),
        description: "the digits: train on 1,347 images, classify 450".to_string(),
        origin: json!({
            "data": "reference/data/digits/digits.csv: rows 1-1347 train, rows 1348-1797 test \
                     (their labels are the expected output, never given to the probe)",
            "network": "NeuralNetwork::new(&[64, hidden_layers.., 10], network_seed) with the \
                        student's hyperparameters()",
        }),
        inputs: json!({
            "pixels": DIGITS_PIXELS,
            "pixel_max": DIGITS_MAX_PIXEL as usize,
            "classes": DIGITS_CLASSES,
            "network_seed": 0,
            "train_pixels": from_usizes(&pixels(&train)),
            "train_labels": from_usizes(&train.labels),
            "test_pixels": from_usizes(&pixels(&test)),
        }),
        items: Some(&["tuning"]),
        truth: Value::Null,
    }
}

fn case(s: &Scenario) -> CaseSpec {
    let net = lab::NeuralNetwork::new(s.sizes, s.network_seed);
    let inputs_dim = s.sizes[0];
    let classes = *s.sizes.last().expect("at least two layers");
    let mut rng = RandomState::new(s.data_seed);
    // Inputs scaled by 2/sqrt(n) keep first-layer pre-activations near unit
    // size, so no layer saturates and every gradient is far from zero.
    let scale = 2.0 / (inputs_dim as f64).sqrt();
    let example = |rng: &mut RandomState| {
        let x = rng.rand(inputs_dim, 1) * scale;
        let label = rng.randint(0, classes as i64) as usize;
        let mut y = Array2::zeros((classes, 1));
        y[[label, 0]] = 1.0;
        json!({ "x": from_tensor(&x), "y": from_tensor(&y) })
    };
    let mut z = rng.randn(s.sizes[1], 4) * 4.0;
    // Large magnitudes catch formulas that overflow to NaN.
    z[[0, 0]] = 30.0;
    z[[0, 1]] = -30.0;
    let output_activations = rng.rand(classes, 1);
    let single = example(&mut rng);
    let data: Vec<Value> = (0..s.examples).map(|_| example(&mut rng)).collect();
    let inputs = json!({
        "network": {
            "sizes": s.sizes,
            "seed": s.network_seed,
            "biases": from_tensors(&net.biases),
            "weights": from_tensors(&net.weights),
        },
        "z": from_tensor(&z),
        "output_activations": from_tensor(&output_activations),
        "x": single["x"],
        "y": single["y"],
        "data": data,
        "epochs": s.epochs,
        "mini_batch_size": s.mini_batch_size,
        "eta": s.eta,
    });
    CaseSpec {
        id: s.id.to_string(),
        description: s.description.to_string(),
        origin: json!({
            "network": format!("NeuralNetwork::new({:?}, {})", s.sizes, s.network_seed),
            "data": format!(
                "RandomState::new({}): z = randn({}, 4) * 4 with z[0,0] = 30, z[0,1] = -30; \
                 output_activations = rand({classes}, 1); then {} examples (the first is x, y; \
                 the rest are data), each x = rand({inputs_dim}, 1) * {scale:e}, \
                 y = one_hot(randint(0, {classes}))",
                s.data_seed,
                s.sizes[1],
                s.examples + 1
            ),
        }),
        inputs,
        items: Some(ANALYTIC_ITEMS),
        truth: Value::Null,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The share of the test images the reference's network, trained with the
    /// solution's `hyperparameters()`, classifies right.
    fn solution_accuracy() -> f64 {
        let case = tuning_case();
        let got = adapter::call("tuning", &case.inputs).expect("trains");
        let truth = call("tuning", &case.inputs).expect("labels");
        let (got, truth) = (&got["predicted"], &truth["predicted"]);
        let right = (0..truth.as_array().unwrap().len())
            .filter(|&i| got[i] == truth[i])
            .count();
        right as f64 / truth.as_array().unwrap().len() as f64
    }

    #[test]
    fn the_solutions_hyperparameters_reach_the_seeds_excellent_band() {
        // Section 1.2: "greater than 92 %: excellent".
        let accuracy = solution_accuracy();
        assert!(accuracy > 0.92, "{accuracy}");
    }

    #[test]
    fn the_tuning_run_is_the_adapters_last_item() {
        assert_eq!(adapter::ITEMS.last(), Some(&"tuning"));
        assert!(!ANALYTIC_ITEMS.contains(&"tuning"));
        assert_eq!(ANALYTIC_ITEMS.len(), 7);
    }

    #[test]
    fn the_tuning_case_never_gives_the_test_labels_to_the_probe() {
        let case = tuning_case();
        let keys: Vec<&String> = case.inputs.as_object().unwrap().keys().collect();
        assert!(!keys.iter().any(|k| k.contains("test_labels")), "{keys:?}");
        assert_eq!(
            case.inputs["test_pixels"].as_array().unwrap().len(),
            450 * 64
        );
    }
}
