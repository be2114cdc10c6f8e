//! Provided code: do not edit. The grader restores this file from the template.
//!
//! The modules' state (the seed's "variables already defined for you"), the
//! `Module` trait, the network that chains modules, its initialisation, and
//! small helpers. You implement the modules' methods in `lib.rs`.

use super::rng::RandomState;
use ndarray::{Array1, Array2};

/// The number of classes of the digits data set (`0` to `9`).
pub const NUM_CLASSES: usize = 10;

/// The seed `define_network` is called with in the lab's written questions
/// (section 5.6: "keep the seed ... as the default value (10701)").
pub const DEFAULT_SEED: u32 = 10701;

/// A layer with a forward and a backward pass (PyTorch's convention).
///
/// Batches are matrices with **one example per row**. `forward` saves what
/// `backward` needs (in the module's own fields); `backward` takes the
/// gradient of the loss with respect to the output of the **last** `forward`,
/// stores the gradients of the parameters (if any) in the module, and returns
/// the gradient with respect to that `forward`'s input.
///
/// `Linear`, `Sigmoid` and `ReLU` implement it here by calling the inherent
/// methods you write in `lib.rs` (`Linear::forward`, ...): write those, not
/// an `impl Module`.
pub trait Module {
    fn forward(&mut self, x: &Array2<f64>) -> Array2<f64>;
    fn backward(&mut self, grad_output: &Array2<f64>) -> Array2<f64>;
}

/// A fully connected layer: `output = x · Wᵀ + b` for a batch `x` of shape
/// `(batch, input_size)`.
#[derive(Clone, Debug, PartialEq)]
pub struct Linear {
    /// `W`: `(output_size, input_size)`, as in the seed's `y = W x + b`.
    pub weights: Array2<f64>,
    /// `b`: `(output_size)`.
    pub bias: Array1<f64>,
    /// `∂L/∂W` after `backward`: shaped like `weights`.
    pub d_weights: Array2<f64>,
    /// `∂L/∂b` after `backward`: shaped like `bias`.
    pub d_bias: Array1<f64>,
    /// The input of the last `forward`, for `backward`.
    pub input: Option<Array2<f64>>,
}

impl Linear {
    /// A layer with these parameters; gradients zero, nothing saved.
    pub fn new(weights: Array2<f64>, bias: Array1<f64>) -> Linear {
        assert_eq!(
            weights.nrows(),
            bias.len(),
            "weights (output_size, input_size) and bias (output_size) disagree"
        );
        Linear {
            d_weights: Array2::zeros(weights.raw_dim()),
            d_bias: Array1::zeros(bias.raw_dim()),
            weights,
            bias,
            input: None,
        }
    }

    /// `input_size` (columns of `weights`).
    pub fn input_size(&self) -> usize {
        self.weights.ncols()
    }

    /// `output_size` (rows of `weights`).
    pub fn output_size(&self) -> usize {
        self.weights.nrows()
    }
}

/// The logistic sigmoid, element-wise.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Sigmoid {
    /// The output of the last `forward` (`σ(x)`), for `backward`.
    pub output: Option<Array2<f64>>,
}

/// The rectified linear unit, element-wise: `max(0, x)`.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ReLU {
    /// The input of the last `forward`, for `backward`.
    pub input: Option<Array2<f64>>,
}

/// Softmax followed by the average cross-entropy over the batch, fused in
/// one loss layer. Not a `Module`: its `forward` also takes the labels and
/// returns a number, and its `backward` takes nothing.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct CrossEntropyLoss {
    /// The softmax probabilities of the last `forward`: `(batch, classes)`.
    pub probs: Option<Array2<f64>>,
    /// The one-hot labels of the last `forward`: `(batch, classes)`.
    pub labels: Option<Array2<f64>>,
}

impl CrossEntropyLoss {
    pub fn new() -> CrossEntropyLoss {
        CrossEntropyLoss::default()
    }
}

/// Plain gradient descent with a fixed learning rate.
#[derive(Clone, Debug, PartialEq)]
pub struct GradientDescentOptimizer {
    pub learning_rate: f64,
}

impl GradientDescentOptimizer {
    pub fn new(learning_rate: f64) -> GradientDescentOptimizer {
        GradientDescentOptimizer { learning_rate }
    }
}

/// One layer of a [`MultiLayerPerceptron`].
// A network has a handful of layers: boxing `Linear` would only add noise.
#[allow(clippy::large_enum_variant)]
#[derive(Clone, Debug, PartialEq)]
pub enum Layer {
    Linear(Linear),
    Sigmoid(Sigmoid),
    ReLU(ReLU),
}

/// The hidden layers' activation.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Activation {
    Sigmoid,
    ReLU,
}

impl Module for Linear {
    fn forward(&mut self, x: &Array2<f64>) -> Array2<f64> {
        Linear::forward(self, x)
    }
    fn backward(&mut self, grad_output: &Array2<f64>) -> Array2<f64> {
        Linear::backward(self, grad_output)
    }
}

impl Module for Sigmoid {
    fn forward(&mut self, x: &Array2<f64>) -> Array2<f64> {
        Sigmoid::forward(self, x)
    }
    fn backward(&mut self, grad_output: &Array2<f64>) -> Array2<f64> {
        Sigmoid::backward(self, grad_output)
    }
}

impl Module for ReLU {
    fn forward(&mut self, x: &Array2<f64>) -> Array2<f64> {
        ReLU::forward(self, x)
    }
    fn backward(&mut self, grad_output: &Array2<f64>) -> Array2<f64> {
        ReLU::backward(self, grad_output)
    }
}

impl Module for Layer {
    fn forward(&mut self, x: &Array2<f64>) -> Array2<f64> {
        match self {
            Layer::Linear(m) => Linear::forward(m, x),
            Layer::Sigmoid(m) => Sigmoid::forward(m, x),
            Layer::ReLU(m) => ReLU::forward(m, x),
        }
    }
    fn backward(&mut self, grad_output: &Array2<f64>) -> Array2<f64> {
        match self {
            Layer::Linear(m) => Linear::backward(m, grad_output),
            Layer::Sigmoid(m) => Sigmoid::backward(m, grad_output),
            Layer::ReLU(m) => ReLU::backward(m, grad_output),
        }
    }
}

/// Layers applied in order (the seed's `MultiLayerPerceptron(layers)`); its
/// output is the logits the loss layer takes.
#[derive(Clone, Debug, PartialEq)]
pub struct MultiLayerPerceptron {
    pub layers: Vec<Layer>,
}

impl MultiLayerPerceptron {
    pub fn new(layers: Vec<Layer>) -> MultiLayerPerceptron {
        MultiLayerPerceptron { layers }
    }

    /// The seed's `define_network`: `Linear` layers of sizes
    /// `input_size → hidden[0] → … → num_classes`, with `activation` after
    /// every one but the last, initialised by [`init_params`] from one
    /// generator `RandomState::new(seed)`, layer after layer.
    pub fn define_network(
        input_size: usize,
        hidden: &[usize],
        num_classes: usize,
        activation: Activation,
        seed: u32,
    ) -> MultiLayerPerceptron {
        let mut rng = RandomState::new(seed);
        let mut sizes = vec![input_size];
        sizes.extend_from_slice(hidden);
        sizes.push(num_classes);
        let mut layers = Vec::new();
        for (i, pair) in sizes.windows(2).enumerate() {
            let (weights, bias) = init_params(pair[0], pair[1], &mut rng);
            layers.push(Layer::Linear(Linear::new(weights, bias)));
            if i + 2 < sizes.len() {
                layers.push(match activation {
                    Activation::Sigmoid => Layer::Sigmoid(Sigmoid::default()),
                    Activation::ReLU => Layer::ReLU(ReLU::default()),
                });
            }
        }
        MultiLayerPerceptron { layers }
    }
}

impl Module for MultiLayerPerceptron {
    /// Every layer's `forward`, first to last.
    fn forward(&mut self, x: &Array2<f64>) -> Array2<f64> {
        let mut out = x.clone();
        for layer in &mut self.layers {
            out = layer.forward(&out);
        }
        out
    }

    /// Every layer's `backward`, last to first; the gradient with respect to
    /// the network's input.
    fn backward(&mut self, grad_output: &Array2<f64>) -> Array2<f64> {
        let mut grad = grad_output.clone();
        for layer in self.layers.iter_mut().rev() {
            grad = layer.backward(&grad);
        }
        grad
    }
}

/// The parameters of a `Linear(input_size → output_size)` layer, as a numpy
/// user writes it (Glorot/Xavier uniform weights, zero biases):
///
/// ```python
/// bound = np.sqrt(6.0 / (input_size + output_size))
/// weights = rng.uniform(-bound, bound, size=(output_size, input_size))
/// bias = np.zeros(output_size)
/// ```
///
/// with `rng = np.random.RandomState(seed)`, drawn row by row, bit for bit
/// as numpy (`uniform` is `low + (high - low) * random_sample()`).
pub fn init_params(
    input_size: usize,
    output_size: usize,
    rng: &mut RandomState,
) -> (Array2<f64>, Array1<f64>) {
    let bound = (6.0 / (input_size + output_size) as f64).sqrt();
    let (low, high) = (-bound, bound);
    let weights = Array2::from_shape_simple_fn((output_size, input_size), || {
        low + (high - low) * rng.random_sample()
    });
    (weights, Array1::zeros(output_size))
}

/// One-hot rows: `(labels.len(), num_classes)`, a 1 in column `labels[i]` of row `i`.
pub fn one_hot(labels: &[usize], num_classes: usize) -> Array2<f64> {
    let mut y = Array2::zeros((labels.len(), num_classes));
    for (i, &c) in labels.iter().enumerate() {
        y[[i, c]] = 1.0;
    }
    y
}

/// `np.argmax(a, axis=1)`: the column of each row's largest value (the first
/// one on a tie).
pub fn argmax_rows(a: &Array2<f64>) -> Vec<usize> {
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

/// What `train_network` returns: per epoch (after its updates), the average
/// cross-entropy and the error rate (the fraction of wrong predictions) on the
/// training and the test set, and the predictions after the last epoch.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct TrainingHistory {
    pub train_losses: Vec<f64>,
    pub test_losses: Vec<f64>,
    pub train_errors: Vec<f64>,
    pub test_errors: Vec<f64>,
    /// The predicted class of every training example, after the last epoch.
    pub train_predictions: Vec<usize>,
    /// The predicted class of every test example, after the last epoch.
    pub test_predictions: Vec<usize>,
}
