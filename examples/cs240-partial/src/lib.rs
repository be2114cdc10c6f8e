//! An example CS240 submission for trying `grade`: a student who got the
//! activation functions right, hard-coded the lab's three weight layers in
//! forward_pass, forgot the ½ in the cost, and has not started training.

pub mod rng;
mod network;

pub use network::{Example, Gradients, NeuralNetwork};
pub use rng::RandomState;

use ndarray::Array2;

pub fn sigmoid(z: &Array2<f64>) -> Array2<f64> {
    let mut out = z.clone();
    for v in out.iter_mut() {
        *v = 1.0 / (1.0 + (-*v).exp());
    }
    out
}

pub fn sigmoid_derivative(z: &Array2<f64>) -> Array2<f64> {
    sigmoid(z).mapv(|s| s * (1.0 - s))
}

pub fn cost_derivative(output_activations: &Array2<f64>, y: &Array2<f64>) -> Array2<f64> {
    output_activations - y
}

impl NeuralNetwork {
    pub fn forward_pass(&self, x: &Array2<f64>) -> Array2<f64> {
        println!("forward pass with {} layers", self.sizes.len());
        let h1 = sigmoid(&(self.weights[0].t().dot(x) + &self.biases[0]));
        let h2 = sigmoid(&(self.weights[1].t().dot(&h1) + &self.biases[1]));
        sigmoid(&(self.weights[2].t().dot(&h2) + &self.biases[2]))
    }

    pub fn cost(&self, data: &[Example]) -> f64 {
        let mut total = 0.0;
        for (x, y) in data {
            let err = self.forward_pass(x) - y;
            total += err.iter().map(|e| e * e).sum::<f64>();
        }
        total / data.len() as f64
    }

    pub fn back_propagation(&self, x: &Array2<f64>, y: &Array2<f64>) -> Gradients {
        let n = self.weights.len();
        let mut zs = Vec::new();
        let mut acts = vec![x.clone()];
        for l in 0..n {
            let z = self.weights[l].t().dot(&acts[l]) + &self.biases[l];
            acts.push(sigmoid(&z));
            zs.push(z);
        }
        let mut dc_db = vec![Array2::zeros((0, 0)); n];
        let mut dc_dw = vec![Array2::zeros((0, 0)); n];
        let mut delta = cost_derivative(&acts[n], y) * sigmoid_derivative(&zs[n - 1]);
        for l in (0..n).rev() {
            dc_dw[l] = acts[l].dot(&delta.t());
            dc_db[l] = delta.clone();
            if l > 0 {
                delta = self.weights[l].dot(&delta) * sigmoid_derivative(&zs[l - 1]);
            }
        }
        Gradients { dc_db, dc_dw }
    }

    pub fn mini_batch_gd(
        &mut self,
        training_data: &mut [Example],
        epochs: usize,
        mini_batch_size: usize,
        eta: f64,
    ) -> Vec<f64> {
        let _ = (training_data, epochs, mini_batch_size, eta);
        todo!("train the network")
    }
}
