// The hand-made peer: one #[test] per rubric test, over every fixture of the lab.
use mse2_lab::{back_propagation, forward_propagation, sigmoid, Weights};
use ndarray::{Array1, Array2};
use serde_json::Value;

fn cases() -> Vec<Value> {
    let dir = std::env::var("FIXTURES").expect("FIXTURES");
    let mut v: Vec<_> = std::fs::read_dir(dir).unwrap().map(|e| e.unwrap().path()).collect();
    v.sort();
    v.iter().map(|p| serde_json::from_str(&std::fs::read_to_string(p).unwrap()).unwrap()).collect()
}
fn t(v: &Value) -> Array2<f64> {
    let s: Vec<usize> = v["shape"].as_array().unwrap().iter().map(|x| x.as_u64().unwrap() as usize).collect();
    let d: Vec<f64> = v["data"].as_array().unwrap().iter().map(|x| x.as_f64().unwrap()).collect();
    Array2::from_shape_vec((s[0], s[1]), d).unwrap()
}
fn v(v: &Value) -> Array1<f64> { v.as_array().unwrap().iter().map(|x| x.as_f64().unwrap()).collect() }
fn close(a: f64, b: f64, rtol: f64) -> bool { (a - b).abs() <= 1e-12 + rtol * b.abs() }
fn same(a: &Array2<f64>, e: &Value, rtol: f64) -> bool {
    let e = t(e);
    a.dim() == e.dim() && a.iter().zip(e.iter()).all(|(x, y)| close(*x, *y, rtol))
}
fn same1(a: &Array1<f64>, e: &Value, rtol: f64) -> bool {
    let e = v(e);
    a.len() == e.len() && a.iter().zip(e.iter()).all(|(x, y)| close(*x, *y, rtol))
}
fn weights(i: &Value) -> Weights {
    let w = &i["weights"];
    Weights { w1: t(&w["W1"]), b1: v(&w["b1"]), w2: v(&w["W2"]), b2: w["b2"].as_f64().unwrap() }
}
fn grads(c: &Value) -> (Weights, f64) { let i = &c["inputs"]; back_propagation(&t(&i["X"]), &v(&i["Y_T"]), &weights(i)) }
#[test] fn t1_sigmoid() { for c in cases() { assert!(same(&sigmoid(&t(&c["inputs"]["z"])), &c["expected"]["sigmoid"]["value"], 1e-7)) } }
#[test] fn t2_forward_propagation() { for c in cases() { let i = &c["inputs"]; let f = forward_propagation(&t(&i["X"]), &weights(i)); let e = &c["expected"]["forward_propagation"];
    assert!(same1(&f.y, &e["Y"], 1e-7) && same1(&f.z2, &e["Z2"], 1e-7) && same(&f.h, &e["H"], 1e-7) && same(&f.z1, &e["Z1"], 1e-7)) } }
#[test] fn t3_1_back_propagation_loss() { for c in cases() { assert!(close(grads(&c).1, c["expected"]["back_propagation"]["L"].as_f64().unwrap(), 1e-7)) } }
#[test] fn t3_2_back_propagation_w1() { for c in cases() { assert!(same(&grads(&c).0.w1, &c["expected"]["back_propagation"]["W1"], 1e-7)) } }
#[test] fn t3_3_back_propagation_b1() { for c in cases() { assert!(same1(&grads(&c).0.b1, &c["expected"]["back_propagation"]["b1"], 1e-7)) } }
#[test] fn t3_4_back_propagation_w2() { for c in cases() { assert!(same1(&grads(&c).0.w2, &c["expected"]["back_propagation"]["W2"], 1e-7)) } }
#[test] fn t3_5_back_propagation_b2() { for c in cases() { assert!(close(grads(&c).0.b2, c["expected"]["back_propagation"]["b2"].as_f64().unwrap(), 1e-7)) } }
