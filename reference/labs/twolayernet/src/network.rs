//! Provided code: do not edit. The grader restores this file from the template.

use super::rng::RandomState;
use ndarray::{Array1, Array2};

/// The network's parameters (the Python lab's `self.params`), or the gradients
/// of the loss with respect to them (its `grads`), which have the same shapes.
#[derive(Clone, Debug, PartialEq)]
pub struct Params {
    /// First layer weights `W1`: `(D, H)`.
    pub w1: Array2<f64>,
    /// First layer biases `b1`: `(H)`.
    pub b1: Array1<f64>,
    /// Second layer weights `W2`: `(H, C)`.
    pub w2: Array2<f64>,
    /// Second layer biases `b2`: `(C)`.
    pub b2: Array1<f64>,
}

/// A two-layer fully-connected network: input dimension `D`, hidden layer
/// dimension `H`, `C` classes. Architecture: affine - ReLU - affine - softmax,
/// trained with a softmax (cross-entropy) loss and L2 regularisation of the
/// weight matrices. The outputs of the second affine layer are the class scores.
#[derive(Clone, Debug)]
pub struct TwoLayerNet {
    pub params: Params,
    /// The generator `train` samples its minibatches with: numpy's global
    /// generator in the Python lab, here owned by the network.
    pub rng: RandomState,
}

impl TwoLayerNet {
    /// `TwoLayerNet(input_size, hidden_size, output_size, std)` after
    /// `np.random.seed(seed)`: `W1 = std * randn(D, H)`, `b1 = zeros(H)`,
    /// `W2 = std * randn(H, C)`, `b2 = zeros(C)`, drawn from `rng` in that
    /// order. The network keeps `rng` for `train`, so
    /// `TwoLayerNet::new(4, 10, 3, 1e-1, RandomState::new(0))` is the lab's toy
    /// model and trains on the same minibatches as numpy.
    pub fn new(
        input_size: usize,
        hidden_size: usize,
        output_size: usize,
        std: f64,
        mut rng: RandomState,
    ) -> Self {
        let w1 = rng.randn(input_size, hidden_size) * std;
        let b1 = Array1::zeros(hidden_size);
        let w2 = rng.randn(hidden_size, output_size) * std;
        let b2 = Array1::zeros(output_size);
        TwoLayerNet {
            params: Params { w1, b1, w2, b2 },
            rng,
        }
    }
}

/// `train`'s settings, with the Python lab's defaults.
#[derive(Clone, Debug, PartialEq)]
pub struct TrainOptions {
    /// Learning rate for the SGD steps.
    pub learning_rate: f64,
    /// Factor the learning rate is multiplied by after each epoch.
    pub learning_rate_decay: f64,
    /// Regularisation strength.
    pub reg: f64,
    /// Number of SGD steps.
    pub num_iters: usize,
    /// Number of training examples per minibatch.
    pub batch_size: usize,
    /// Print the loss every 100 iterations.
    pub verbose: bool,
}

impl Default for TrainOptions {
    fn default() -> Self {
        TrainOptions {
            learning_rate: 1e-3,
            learning_rate_decay: 0.95,
            reg: 5e-6,
            num_iters: 100,
            batch_size: 200,
            verbose: false,
        }
    }
}

/// What `train` returns (the Python lab's `stats` dictionary).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Stats {
    /// The minibatch loss of every iteration, before its update.
    pub loss_history: Vec<f64>,
    /// Accuracy on the epoch's last minibatch, once per epoch.
    pub train_acc_history: Vec<f64>,
    /// Accuracy on the validation set, once per epoch.
    pub val_acc_history: Vec<f64>,
}

/// `(predicted == y).mean()`: the fraction of labels predicted right.
pub fn accuracy(predicted: &[usize], y: &[usize]) -> f64 {
    assert_eq!(
        predicted.len(),
        y.len(),
        "predict returned {} labels for {} rows",
        predicted.len(),
        y.len()
    );
    let right = predicted.iter().zip(y).filter(|(p, t)| p == t).count();
    right as f64 / y.len() as f64
}
