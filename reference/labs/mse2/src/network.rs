//! Provided code: do not edit. The grader restores this file from the template.

use super::rng::RandomState;
use ndarray::{Array1, Array2};

/// The network's parameters (the notebook's `weights` dictionary), or the
/// gradients of the loss with respect to them (its `gradients` dictionary),
/// which have the same shapes.
#[derive(Clone, Debug, PartialEq)]
pub struct Weights {
    /// `W1`: `(hidden, inputs)`, `(3, 2)` in the lab; `Z1 = X · W1ᵀ + b1`.
    pub w1: Array2<f64>,
    /// `b1`: `(hidden)`.
    pub b1: Array1<f64>,
    /// `W2`: `(hidden)`; `Z2 = H · W2ᵀ + b2`.
    pub w2: Array1<f64>,
    /// `b2`: a number.
    pub b2: f64,
}

/// What `forward_propagation` returns, in the notebook's order `Y, Z2, H, Z1`.
#[derive(Clone, Debug, PartialEq)]
pub struct Forward {
    /// Output after the activation: `(N)`.
    pub y: Array1<f64>,
    /// Output before the activation: `(N)`.
    pub z2: Array1<f64>,
    /// Hidden layer after the activation: `(N, hidden)`.
    pub h: Array2<f64>,
    /// Hidden layer before the activation: `(N, hidden)`.
    pub z1: Array2<f64>,
}

/// The notebook's setup cell, for any sizes:
///
/// ```text
/// np.random.seed(seed)
/// weights = {'W1': np.random.randn(hidden, inputs), 'b1': np.zeros(hidden),
///            'W2': np.random.randn(hidden), 'b2': 0}
/// X = np.random.rand(points, inputs)
/// Y = np.random.randint(low=0, high=2, size=(points,))
/// ```
///
/// `lab_setup(0, 2, 3, 1000)` is the lab's own data, with the same numbers
/// numpy draws. Returns `(weights, X, Y)`.
pub fn lab_setup(
    seed: u32,
    inputs: usize,
    hidden: usize,
    points: usize,
) -> (Weights, Array2<f64>, Array1<f64>) {
    let mut rng = RandomState::new(seed);
    let w1 = rng.randn(hidden, inputs);
    let w2 = rng.randn_vec(hidden);
    let weights = Weights {
        w1,
        b1: Array1::zeros(hidden),
        w2,
        b2: 0.0,
    };
    let x = rng.rand(points, inputs);
    let y = rng
        .randint_vec(0, 2, points)
        .into_iter()
        .map(|v| v as f64)
        .collect();
    (weights, x, y)
}
