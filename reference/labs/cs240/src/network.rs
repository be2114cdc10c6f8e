//! Provided code: do not edit. The grader restores this file from the template.

use super::rng::RandomState;
use ndarray::Array2;

/// One training example: an input column `x` of shape `(sizes[0], 1)` and a
/// target column `y` of shape `(sizes[last], 1)`.
pub type Example = (Array2<f64>, Array2<f64>);

/// Layer-by-layer gradients of the cost, shaped like the network's biases and
/// weights.
#[derive(Clone, Debug, PartialEq)]
pub struct Gradients {
    /// `dc_db[l]` has the shape of `biases[l]`: `(sizes[l + 1], 1)`.
    pub dc_db: Vec<Array2<f64>>,
    /// `dc_dw[l]` has the shape of `weights[l]`: `(sizes[l], sizes[l + 1])`.
    pub dc_dw: Vec<Array2<f64>>,
}

/// The choices of section 1.2 (hyperparameter tuning): the grader builds
/// `NeuralNetwork::new(&[64, hidden_layers.., 10], 0)`, trains it with your
/// `mini_batch_gd(training_data, epochs, mini_batch_size, eta)` on the digits'
/// training set, and reports its accuracy on the test set.
#[derive(Clone, Debug, PartialEq)]
pub struct Hyperparameters {
    /// Neurons of each hidden layer, first to last, e.g. `vec![8, 8]`.
    pub hidden_layers: Vec<usize>,
    /// The learning rate η.
    pub eta: f64,
    /// Examples per mini-batch.
    pub mini_batch_size: usize,
    /// Passes over the training set.
    pub epochs: usize,
}

/// A fully connected sigmoid network, as in the Python lab.
#[derive(Clone, Debug)]
pub struct NeuralNetwork {
    /// Neurons per layer, input layer first, e.g. `[784, 8, 8, 10]`.
    pub sizes: Vec<usize>,
    /// `biases[l]`: `(sizes[l + 1], 1)`.
    pub biases: Vec<Array2<f64>>,
    /// `weights[l]`: `(sizes[l], sizes[l + 1])`; `z = weights[l]^T a + biases[l]`.
    pub weights: Vec<Array2<f64>>,
    /// The generator `mini_batch_gd` shuffles with; numpy-exact.
    pub rng: RandomState,
}

impl NeuralNetwork {
    /// `np.random.seed(seed)`, then biases `[randn(y, 1) for y in sizes[1:]]`,
    /// then weights `[randn(x, y) for x, y in zip(sizes[:-1], sizes[1:])]`.
    pub fn new(sizes: &[usize], seed: u32) -> Self {
        assert!(sizes.len() >= 2, "a network needs at least two layers");
        let mut rng = RandomState::new(seed);
        let biases = sizes[1..].iter().map(|&y| rng.randn(y, 1)).collect();
        let weights = sizes.windows(2).map(|w| rng.randn(w[0], w[1])).collect();
        NeuralNetwork {
            sizes: sizes.to_vec(),
            biases,
            weights,
            rng,
        }
    }

    /// Shuffles the training data in place exactly as `np.random.shuffle` would
    /// with this network's generator.
    pub fn shuffle(&mut self, training_data: &mut [Example]) {
        self.rng.shuffle(training_data);
    }
}
