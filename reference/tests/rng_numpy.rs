//! `RandomState` against numpy: the published figures, written out by
//! hand, and the vectors `scripts/gen_rng_vectors.py` recorded from numpy 2.4.6.
//! Floats are compared bit for bit.

use ndarray::Array2;
use reference::rng::RandomState;
use serde::Deserialize;

fn assert_bits(got: &[f64], want: &[f64], what: &str) {
    assert_eq!(got.len(), want.len(), "{what}: length");
    for (i, (g, w)) in got.iter().zip(want).enumerate() {
        assert_eq!(
            g.to_bits(),
            w.to_bits(),
            "{what}[{i}]: got {g:?}, numpy {w:?}"
        );
    }
}

#[test]
fn seed_0_randn_5() {
    let got = RandomState::new(0).randn_vec(5).to_vec();
    let want = [
        1.764052345967664,
        0.4001572083672233,
        0.9787379841057392,
        2.240893199201458,
        1.8675579901499675,
    ];
    assert_bits(&got, &want, "randn(5)");
}

#[test]
fn seed_0_rand_5() {
    let got = RandomState::new(0).rand_vec(5).to_vec();
    let want = [
        0.5488135039273248,
        0.7151893663724195,
        0.6027633760716439,
        0.5448831829968969,
        0.4236547993389047,
    ];
    assert_bits(&got, &want, "rand(5)");
}

#[test]
fn seed_1_randint_0_10() {
    let got = RandomState::new(1).randint_vec(0, 10, 10);
    assert_eq!(got, vec![5, 8, 9, 5, 0, 0, 1, 7, 6, 9]);
}

#[test]
fn seed_0_permutation_and_shuffle_agree_with_numpy() {
    let want = vec![2, 8, 4, 9, 1, 6, 7, 3, 0, 5];
    assert_eq!(RandomState::new(0).permutation(10), want);
    let mut items: Vec<usize> = (0..10).collect();
    RandomState::new(0).shuffle(&mut items);
    assert_eq!(items, want);
}

#[test]
fn seed_42_randn_2_3_is_c_order() {
    let got = RandomState::new(42).randn(2, 3);
    let want = Array2::from_shape_vec(
        (2, 3),
        vec![
            0.4967141530112327,
            -0.13826430117118466,
            0.6476885381006925,
            1.5230298564080254,
            -0.23415337472333597,
            -0.23413695694918055,
        ],
    )
    .unwrap();
    assert_bits(
        got.as_slice().unwrap(),
        want.as_slice().unwrap(),
        "randn(2,3)",
    );
}

#[test]
fn the_cached_normal_survives_uniform_draws() {
    let mut rs = RandomState::new(0);
    assert_bits(
        &rs.randn_vec(3).to_vec(),
        &[1.764052345967664, 0.4001572083672233, 0.9787379841057392],
        "randn(3)",
    );
    assert_bits(
        &rs.rand_vec(2).to_vec(),
        &[0.4236547993389047, 0.6458941130666561],
        "rand(2)",
    );
    assert_bits(
        &rs.randn_vec(2).to_vec(),
        &[2.240893199201458, 0.9500884175255894],
        "randn(2)",
    );
}

#[test]
fn raw_stream_matches_the_rand_mt_crate() {
    for seed in [0u32, 1, 5489, 0xffff_ffff] {
        let mut ours = RandomState::new(seed);
        let mut theirs = rand_mt::Mt::new(seed);
        for i in 0..2000 {
            assert_eq!(ours.next_u32(), theirs.next_u32(), "seed {seed}, draw {i}");
        }
    }
}

#[derive(Deserialize)]
struct VectorFile {
    numpy: String,
    vectors: Vec<Vector>,
}

#[derive(Deserialize)]
struct Vector {
    seed: u32,
    steps: Vec<Step>,
}

#[derive(Deserialize)]
struct Step {
    call: String,
    args: Vec<serde_json::Value>,
    values: Vec<serde_json::Number>,
}

fn int_arg(step: &Step, i: usize) -> i64 {
    step.args[i].as_i64().expect("integer argument")
}

fn usize_arg(step: &Step, i: usize) -> usize {
    step.args[i].as_u64().expect("size argument") as usize
}

/// Replays one recorded numpy call on `rs`; floats come back as f64, integers as i128.
enum Drawn {
    Floats(Vec<f64>),
    Ints(Vec<i128>),
}

fn replay(rs: &mut RandomState, step: &Step) -> Drawn {
    let n = |i| usize_arg(step, i);
    let floats = |a: Array2<f64>| Drawn::Floats(a.iter().copied().collect());
    let indices = |v: Vec<usize>| Drawn::Ints(v.into_iter().map(|x| x as i128).collect());
    match step.call.as_str() {
        "randn" if step.args.len() == 2 => floats(rs.randn(n(0), n(1))),
        "randn" => Drawn::Floats(rs.randn_vec(n(0)).to_vec()),
        "rand" if step.args.len() == 2 => floats(rs.rand(n(0), n(1))),
        "rand" => Drawn::Floats(rs.rand_vec(n(0)).to_vec()),
        "standard_normal" => Drawn::Floats(vec![rs.standard_normal()]),
        "random_sample" => Drawn::Floats(vec![rs.random_sample()]),
        "randint" => {
            let (low, high) = (int_arg(step, 0), int_arg(step, 1));
            Drawn::Ints(
                rs.randint_vec(low, high, n(2))
                    .into_iter()
                    .map(i128::from)
                    .collect(),
            )
        }
        "raw_u32" => Drawn::Ints((0..n(0)).map(|_| i128::from(rs.next_u32())).collect()),
        "permutation" => indices(rs.permutation(n(0))),
        "shuffle" => {
            let mut items: Vec<usize> = (0..n(0)).collect();
            rs.shuffle(&mut items);
            indices(items)
        }
        "shuffle_rows" => {
            // Shuffle whole rows of a matrix the way the labs shuffle (x, y) pairs.
            let mut rows: Vec<[usize; 3]> =
                (0..n(0)).map(|r| [3 * r, 3 * r + 1, 3 * r + 2]).collect();
            rs.shuffle(&mut rows);
            indices(rows.iter().map(|row| row[0] / 3).collect())
        }
        "choice" => {
            let replace = step.args[2].as_bool().expect("replace flag");
            indices(rs.choice(n(0), n(1), replace))
        }
        other => panic!("unknown call {other} in rng_vectors.json"),
    }
}

#[test]
fn every_recorded_numpy_vector_replays_bit_for_bit() {
    let text = include_str!("data/rng_vectors.json");
    let file: VectorFile = serde_json::from_str(text).expect("rng_vectors.json parses");
    assert!(
        file.vectors.len() >= 20,
        "vectors from numpy {}",
        file.numpy
    );
    let mut checked = 0;
    for vector in &file.vectors {
        let mut rs = RandomState::new(vector.seed);
        for (k, step) in vector.steps.iter().enumerate() {
            let what = format!("seed {} step {k} {}{:?}", vector.seed, step.call, step.args);
            match replay(&mut rs, step) {
                Drawn::Floats(got) => {
                    let want: Vec<f64> = step.values.iter().map(|v| v.as_f64().unwrap()).collect();
                    assert_bits(&got, &want, &what);
                    checked += got.len();
                }
                Drawn::Ints(got) => {
                    let want: Vec<i128> = step
                        .values
                        .iter()
                        .map(|v| {
                            v.as_i64()
                                .map(i128::from)
                                .or_else(|| v.as_u64().map(i128::from))
                                .expect("integer value")
                        })
                        .collect();
                    assert_eq!(got, want, "{what}");
                    checked += got.len();
                }
            }
        }
    }
    assert!(checked > 15000, "only {checked} values checked");
}
