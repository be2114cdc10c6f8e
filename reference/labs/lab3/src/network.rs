//! Provided code: do not edit. The grader restores this file from the template.
//!
//! The parameters of the one-hidden-layer network and of the softmax
//! classifier, their flat vectors (the order the gradients are returned in),
//! their seeded initialisation, and the training recipes of parts 2, 4 and 6,
//! which call the functions you write in `lib.rs`.
//!
//! Convention: as in the seed's `z = W x + b`, a batch is a matrix with **one
//! example per column**: `x` is `(features, m)`, `y` is `(outputs, m)`.

use super::rng::RandomState;
use ndarray::{s, Array1, Array2};

/// The number of classes of the digits (`0` to `9`).
pub const NUM_CLASSES: usize = 10;

/// The step of the centred differences of the gradient check (the seed's
/// `epsilon = 1e-4`).
pub const EPSILON: f64 = 1e-4;

/// The network `input → hidden → output`, sigmoid on both layers.
#[derive(Clone, Debug, PartialEq)]
pub struct Params {
    /// `W⁽¹⁾`: `(hidden, input)`.
    pub w1: Array2<f64>,
    /// `b⁽¹⁾`: `(hidden)`.
    pub b1: Array1<f64>,
    /// `W⁽²⁾`: `(output, hidden)`.
    pub w2: Array2<f64>,
    /// `b⁽²⁾`: `(output)`.
    pub b2: Array1<f64>,
}

impl Params {
    /// `(input, hidden, output)`.
    pub fn sizes(&self) -> (usize, usize, usize) {
        (self.w1.ncols(), self.w1.nrows(), self.w2.nrows())
    }

    /// Every parameter in one vector, in this order: `W1` row by row, `b1`,
    /// `W2` row by row, `b2`. Gradients are returned in the same order.
    pub fn flatten(&self) -> Array1<f64> {
        self.w1
            .iter()
            .chain(self.b1.iter())
            .chain(self.w2.iter())
            .chain(self.b2.iter())
            .copied()
            .collect()
    }

    /// The inverse of [`Params::flatten`] for these sizes.
    pub fn unflatten(theta: &Array1<f64>, input: usize, hidden: usize, output: usize) -> Params {
        let n1 = hidden * input;
        let n2 = output * hidden;
        assert_eq!(
            theta.len(),
            n1 + hidden + n2 + output,
            "a flat parameter vector of the wrong length"
        );
        let part = |a: usize, b: usize| theta.slice(s![a..b]).to_owned();
        Params {
            w1: part(0, n1).into_shape_with_order((hidden, input)).unwrap(),
            b1: part(n1, n1 + hidden),
            w2: part(n1 + hidden, n1 + hidden + n2)
                .into_shape_with_order((output, hidden))
                .unwrap(),
            b2: part(n1 + hidden + n2, theta.len()),
        }
    }
}

/// The forward pass's variables, each `(units, m)`.
#[derive(Clone, Debug, PartialEq)]
pub struct Forward {
    pub z2: Array2<f64>,
    pub a2: Array2<f64>,
    pub z3: Array2<f64>,
    pub a3: Array2<f64>,
}

/// What backpropagation gives for a batch.
#[derive(Clone, Debug, PartialEq)]
pub struct Backprop {
    /// `J`, as [`super::cost`] computes it.
    pub cost: f64,
    /// `δ⁽³⁾`: `(output, m)`, one column per example.
    pub delta3: Array2<f64>,
    /// `δ⁽²⁾`: `(hidden, m)`.
    pub delta2: Array2<f64>,
    /// `∂J/∂θ`, averaged over the batch, in [`Params::flatten`]'s order.
    pub grad: Array1<f64>,
}

/// The softmax classifier `p = softmax(W x + b)`.
#[derive(Clone, Debug, PartialEq)]
pub struct SoftmaxParams {
    /// `(classes, features)`.
    pub w: Array2<f64>,
    /// `(classes)`.
    pub b: Array1<f64>,
}

impl SoftmaxParams {
    /// `W` row by row, then `b`.
    pub fn flatten(&self) -> Array1<f64> {
        self.w.iter().chain(self.b.iter()).copied().collect()
    }

    /// The inverse of [`SoftmaxParams::flatten`].
    pub fn unflatten(theta: &Array1<f64>, features: usize, classes: usize) -> SoftmaxParams {
        let n = classes * features;
        assert_eq!(
            theta.len(),
            n + classes,
            "a flat parameter vector of the wrong length"
        );
        SoftmaxParams {
            w: theta
                .slice(s![..n])
                .to_owned()
                .into_shape_with_order((classes, features))
                .unwrap(),
            b: theta.slice(s![n..]).to_owned(),
        }
    }
}

/// The seeded initialisation: `RandomState::new(seed)`, then `W1 =
/// uniform(-r1, r1, (hidden, input))` and `W2 = uniform(-r2, r2, (output,
/// hidden))` with `r = sqrt(6 / (fan_in + fan_out))`; biases zero.
pub fn init_params(input: usize, hidden: usize, output: usize, seed: u32) -> Params {
    let mut rng = RandomState::new(seed);
    let mut uniform = |rows: usize, cols: usize| {
        let r = (6.0 / (rows + cols) as f64).sqrt();
        Array2::from_shape_simple_fn((rows, cols), || -r + 2.0 * r * rng.random_sample())
    };
    let w1 = uniform(hidden, input);
    let w2 = uniform(output, hidden);
    Params {
        w1,
        b1: Array1::zeros(hidden),
        w2,
        b2: Array1::zeros(output),
    }
}

/// `(classes, m)`: column `i` is 1 in row `labels[i]`.
pub fn one_hot(labels: &[usize], classes: usize) -> Array2<f64> {
    let mut y = Array2::zeros((classes, labels.len()));
    for (i, &c) in labels.iter().enumerate() {
        y[[c, i]] = 1.0;
    }
    y
}

/// The fraction of `predictions` equal to `labels`.
pub fn accuracy(predictions: &[usize], labels: &[usize]) -> f64 {
    let right = predictions
        .iter()
        .zip(labels)
        .filter(|(p, y)| p == y)
        .count();
    right as f64 / labels.len() as f64
}

/// Part 2: the classifier network `init_params(input, hidden, 10, seed)`
/// trained with [`super::gradient_descent`] on [`super::backprop`] against
/// the one-hot labels. Returns the trained network and the loss history.
pub fn train_classifier(
    x: &Array2<f64>,
    labels: &[usize],
    hidden: usize,
    seed: u32,
    iterations: usize,
    learning_rate: f64,
) -> (Params, Vec<f64>) {
    let input = x.nrows();
    let y = one_hot(labels, NUM_CLASSES);
    let theta = init_params(input, hidden, NUM_CLASSES, seed).flatten();
    let (theta, history) = super::gradient_descent(
        |t| {
            let b = super::backprop(&Params::unflatten(t, input, hidden, NUM_CLASSES), x, &y);
            (b.cost, b.grad)
        },
        &theta,
        iterations,
        learning_rate,
    );
    (
        Params::unflatten(&theta, input, hidden, NUM_CLASSES),
        history,
    )
}

/// Parts 3 and 4: the autoencoder `init_params(input, hidden, input, seed)`
/// trained with [`super::gradient_descent`] on [`super::autoencoder_cost`].
pub fn train_autoencoder(
    x: &Array2<f64>,
    hidden: usize,
    seed: u32,
    iterations: usize,
    learning_rate: f64,
) -> (Params, Vec<f64>) {
    let input = x.nrows();
    let theta = init_params(input, hidden, input, seed).flatten();
    let (theta, history) = super::gradient_descent(
        |t| super::autoencoder_cost(&Params::unflatten(t, input, hidden, input), x),
        &theta,
        iterations,
        learning_rate,
    );
    (Params::unflatten(&theta, input, hidden, input), history)
}

/// Part 6: the softmax classifier, from zero parameters, trained with
/// [`super::gradient_descent`] on [`super::softmax_cost`].
pub fn train_softmax(
    x: &Array2<f64>,
    labels: &[usize],
    iterations: usize,
    learning_rate: f64,
) -> (SoftmaxParams, Vec<f64>) {
    let features = x.nrows();
    let theta = Array1::zeros(NUM_CLASSES * features + NUM_CLASSES);
    let (theta, history) = super::gradient_descent(
        |t| {
            super::softmax_cost(
                &SoftmaxParams::unflatten(t, features, NUM_CLASSES),
                x,
                labels,
            )
        },
        &theta,
        iterations,
        learning_rate,
    );
    (
        SoftmaxParams::unflatten(&theta, features, NUM_CLASSES),
        history,
    )
}
