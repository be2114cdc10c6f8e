//! Homework 4, part 1 (`../shared/seeds/002_*`): a 2-3-1 sigmoid network with
//! MSE loss, batch form. The reference solution is the lab's own handout
//! source with its solution regions in place.

// The solution crate carries its own copy of `rng.rs` (a symlink to ours), exactly
// as students get it, so the same file is loaded twice on purpose.
#[allow(clippy::duplicate_mod)]
#[path = "../../labs/mse2/src/lib.rs"]
pub mod solution;
use solution as lab;

#[path = "../../labs/mse2/adapter.rs"]
pub mod adapter;

use super::{CaseSpec, LabReference};
use crate::rng::RandomState;
use crate::wire::{from_f64, from_tensor, from_vector};
use ndarray::Array2;
use serde_json::{json, Value};

pub const LAB: LabReference = LabReference {
    name: "mse2",
    items: adapter::ITEMS,
    call: adapter::call,
    cases,
};

/// How a case's weights and data are drawn.
enum Draw {
    /// The notebook's own cell: `lab_setup(seed, inputs, hidden, points)`,
    /// biases zero.
    Lab,
    /// The same draws, then non-zero biases `b1 = randn(hidden)`,
    /// `b2 = randn()`, so a forward pass that drops a bias fails.
    Biased,
}

struct Scenario {
    id: &'static str,
    description: &'static str,
    draw: Draw,
    seed: u32,
    inputs: usize,
    hidden: usize,
    points: usize,
}

/// The lab's exact data (published loss and gradients), the same network with
/// biases on a small batch, a single point, and other widths.
const SCENARIOS: &[Scenario] = &[
    Scenario {
        id: "lab_seed0_n1000",
        description: "the notebook's data: seed 0, 2-3-1, 1000 points, zero biases",
        draw: Draw::Lab,
        seed: 0,
        inputs: 2,
        hidden: 3,
        points: 1000,
    },
    Scenario {
        id: "biased_seed1_n50",
        description: "seed 1, 2-3-1, 50 points, non-zero biases",
        draw: Draw::Biased,
        seed: 1,
        inputs: 2,
        hidden: 3,
        points: 50,
    },
    Scenario {
        id: "biased_seed2_n1",
        description: "seed 2, 2-3-1, a single point, non-zero biases",
        draw: Draw::Biased,
        seed: 2,
        inputs: 2,
        hidden: 3,
        points: 1,
    },
    Scenario {
        id: "wide_seed3_4_5_1_n20",
        description: "seed 3, 4-5-1, 20 points, non-zero biases",
        draw: Draw::Biased,
        seed: 3,
        inputs: 4,
        hidden: 5,
        points: 20,
    },
];

fn cases() -> Vec<CaseSpec> {
    SCENARIOS.iter().map(case).collect()
}

fn case(s: &Scenario) -> CaseSpec {
    let (mut weights, x, y_t) = lab::lab_setup(s.seed, s.inputs, s.hidden, s.points);
    // Everything else comes from a second generator, so the notebook's draws
    // above stay exactly the notebook's.
    let mut rng = RandomState::new(1000 + s.seed);
    let biases = match s.draw {
        Draw::Lab => "zero (as in the notebook)".to_string(),
        Draw::Biased => {
            weights.b1 = rng.randn_vec(s.hidden);
            weights.b2 = rng.standard_normal();
            format!(
                "RandomState::new({}): b1 = randn({}), b2 = randn()",
                1000 + s.seed,
                s.hidden
            )
        }
    };
    // Sigmoid inputs: moderate values, and large ones that overflow a
    // formula written as e^z / (1 + e^z).
    let mut z: Array2<f64> = rng.randn(4, 6) * 4.0;
    for (j, v) in [800.0, -800.0, 30.0, -30.0, 0.0].into_iter().enumerate() {
        z[[0, j]] = v;
    }
    let inputs = json!({
        "weights": {
            "W1": from_tensor(&weights.w1),
            "b1": from_vector(&weights.b1),
            "W2": from_vector(&weights.w2),
            "b2": from_f64(weights.b2),
        },
        "X": from_tensor(&x),
        "Y_T": from_vector(&y_t),
        "z": from_tensor(&z),
    });
    CaseSpec {
        id: s.id.to_string(),
        description: s.description.to_string(),
        origin: json!({
            "weights_and_data": format!(
                "lab_setup({}, {}, {}, {}): np.random.seed({}); W1 = randn({}, {}); \
                 b1 = zeros({}); W2 = randn({}); b2 = 0; X = rand({}, {}); \
                 Y_T = randint(0, 2, size={})",
                s.seed, s.inputs, s.hidden, s.points, s.seed, s.hidden, s.inputs,
                s.hidden, s.hidden, s.points, s.inputs, s.points
            ),
            "biases": biases,
            "z": "then, from the same second generator: z = 4 * randn(4, 6), \
                  with z[0, 0..5] = [800, -800, 30, -30, 0]",
        }),
        inputs,
        items: None,
        truth: Value::Null,
    }
}

#[cfg(test)]
mod tests {
    use super::lab;

    /// The notebook's printed loss and `b2`, straight from the reference
    /// (the fixture tests in `tests/mse2.rs` check the same through the files).
    #[test]
    fn the_notebook_setup_gives_the_published_loss() {
        let (w, x, y) = lab::lab_setup(0, 2, 3, 1000);
        let (g, loss) = lab::back_propagation(&x, &y, &w);
        assert!((loss - 0.1332476222330792).abs() <= 1e-15, "{loss}");
        assert!((g.b2 - 0.029249230265318685).abs() <= 1e-15, "{}", g.b2);
    }

    #[test]
    fn sigmoid_works_on_vectors_and_matrices() {
        let v = ndarray::array![0.0, 800.0, -800.0];
        assert_eq!(lab::sigmoid(&v), ndarray::array![0.5, 1.0, 0.0]);
        let m: ndarray::Array2<f64> = ndarray::Array2::zeros((2, 2));
        assert_eq!(lab::sigmoid(&m), ndarray::Array2::from_elem((2, 2), 0.5));
    }
}
