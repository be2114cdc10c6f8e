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
use crate::rng::RandomState;
use crate::wire::{from_tensor, from_tensors};
use ndarray::Array2;
use serde_json::{json, Value};

pub const LAB: LabReference = LabReference {
    name: "cs240",
    items: adapter::ITEMS,
    call: adapter::call,
    cases,
};

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
    SCENARIOS.iter().map(case).collect()
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
        items: None,
    }
}
