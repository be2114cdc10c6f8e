// The hand-made peer: one #[test] per rubric test, over every fixture of the lab.
use ndarray::{Array1, Array2};
use serde_json::Value;
use twolayernet_lab::{Params, RandomState, TrainOptions, TwoLayerNet};

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
fn labels(v: &Value) -> Vec<usize> { v.as_array().unwrap().iter().map(|x| x.as_u64().unwrap() as usize).collect() }
fn close(a: f64, b: f64, rtol: f64) -> bool { (a - b).abs() <= 1e-12 + rtol * b.abs() }
fn same(a: &Array2<f64>, e: &Value, rtol: f64) -> bool {
    let e = t(e);
    a.dim() == e.dim() && a.iter().zip(e.iter()).all(|(x, y)| close(*x, *y, rtol))
}
fn list(a: &[f64], e: &Value, rtol: f64) -> bool {
    let e = v(e);
    a.len() == e.len() && a.iter().zip(e.iter()).all(|(x, y)| close(*x, *y, rtol))
}
fn net(i: &Value) -> TwoLayerNet {
    let n = &i["network"];
    let u = |k: &str| n[k].as_u64().unwrap() as usize;
    let mut net = TwoLayerNet::new(u("input_size"), u("hidden_size"), u("output_size"), n["std"].as_f64().unwrap(), RandomState::new(u("seed") as u32));
    net.params = Params { w1: t(&n["W1"]), b1: v(&n["b1"]), w2: t(&n["W2"]), b2: v(&n["b2"]) };
    net
}
fn loss(c: &Value) -> (f64, Params) { let i = &c["inputs"]; net(i).loss(&t(&i["X"]), &labels(&i["y"]), i["reg"].as_f64().unwrap()) }
// The lab's gradient check: centred differences (h = 1e-5) through the student's own loss, against its own gradients.
fn parts(p: &mut Params) -> [&mut [f64]; 4] {
    [p.w1.as_slice_mut().unwrap(), p.b1.as_slice_mut().unwrap(), p.w2.as_slice_mut().unwrap(), p.b2.as_slice_mut().unwrap()]
}
#[test] fn t1_scores() { for c in cases() { let i = &c["inputs"]; assert!(same(&net(i).scores(&t(&i["X"])), &c["expected"]["scores"]["scores"], 1e-7)) } }
#[test] fn t2_loss() { for c in cases() { assert!(close(loss(&c).0, c["expected"]["loss"]["loss"].as_f64().unwrap(), 1e-7)) } }
#[test] fn t3_1_gradient_w1() { for c in cases() { assert!(same(&loss(&c).1.w1, &c["expected"]["loss"]["W1"], 1e-7)) } }
#[test] fn t3_2_gradient_b1() { for c in cases() { assert!(list(&loss(&c).1.b1.to_vec(), &c["expected"]["loss"]["b1"], 1e-7)) } }
#[test] fn t3_3_gradient_w2() { for c in cases() { assert!(same(&loss(&c).1.w2, &c["expected"]["loss"]["W2"], 1e-7)) } }
#[test] fn t3_4_gradient_b2() { for c in cases() { assert!(list(&loss(&c).1.b2.to_vec(), &c["expected"]["loss"]["b2"], 1e-7)) } }
#[test] fn t3_5_gradient_check() { for c in cases() { let i = &c["inputs"]; let (x, y, reg) = (t(&i["X"]), labels(&i["y"]), i["reg"].as_f64().unwrap());
    let mut n = net(i); let (_, g) = n.loss(&x, &y, reg); let h = 1e-5;
    assert!(g.w1.dim() == n.params.w1.dim() && g.b1.dim() == n.params.b1.dim() && g.w2.dim() == n.params.w2.dim() && g.b2.dim() == n.params.b2.dim());
    for (k, a) in [g.w1.iter().copied().collect::<Vec<f64>>(), g.b1.to_vec(), g.w2.iter().copied().collect(), g.b2.to_vec()].iter().enumerate() {
        for j in 0..a.len() { let old = parts(&mut n.params)[k][j];
            parts(&mut n.params)[k][j] = old + h; let plus = n.loss(&x, &y, reg).0;
            parts(&mut n.params)[k][j] = old - h; let minus = n.loss(&x, &y, reg).0;
            parts(&mut n.params)[k][j] = old; let num = (plus - minus) / (2.0 * h);
            assert!((num - a[j]).abs() / (num.abs() + a[j].abs()).max(1e-8) <= 1e-5) } } } }
#[test] fn t4_train() { for c in cases() { let r = &c["inputs"]["train"]; let (f, u) = (|k: &str| r[k].as_f64().unwrap(), |k: &str| r[k].as_u64().unwrap() as usize);
    let o = TrainOptions { learning_rate: f("learning_rate"), learning_rate_decay: f("learning_rate_decay"), reg: f("reg"), num_iters: u("num_iters"), batch_size: u("batch_size"), verbose: false };
    let s = net(&c["inputs"]).train(&t(&r["X"]), &labels(&r["y"]), &t(&r["X_val"]), &labels(&r["y_val"]), &o); let e = &c["expected"]["train"];
    assert!(list(&s.loss_history, &e["loss_history"], 1e-6) && list(&s.train_acc_history, &e["train_acc_history"], 1e-6) && list(&s.val_acc_history, &e["val_acc_history"], 1e-6)) } }
#[test] fn t5_predict() { for c in cases() { let i = &c["inputs"]; assert_eq!(net(i).predict(&t(&i["X"])), labels(&c["expected"]["predict"]["labels"])) } }
