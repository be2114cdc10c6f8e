//! Provided code: do not edit. The grader restores this file from the template.
//!
//! The data loader: the digits of `data/digits.csv` (the UCI "Optical
//! Recognition of Handwritten Digits" test set as scikit-learn's
//! `load_digits` has it: 1,797 images of 8 × 8 pixels with values 0–16, ten
//! classes; Alpaydin and Kaynak, 1998; CC BY 4.0), split and scaled as the
//! grader's reference does.

use ndarray::{s, Array2};
use std::path::Path;

/// Images in the file.
pub const DIGITS_ROWS: usize = 1797;
/// Pixels per image.
pub const DIGITS_PIXELS: usize = 64;
/// Rows of the fixed training set: the first 1,347; the last 450 are the test set.
pub const DIGITS_TRAIN_ROWS: usize = 1347;
/// The sum of every pixel of the shipped file, a cheap check that it is whole
/// (the grader's own loader checks its SHA-256).
pub const DIGITS_PIXEL_SUM: u64 = 561_718;

/// The seed's `dataset` dictionary: inputs one example per row, labels `0..10`.
#[derive(Clone, Debug, PartialEq)]
pub struct Dataset {
    pub train_x: Array2<f64>,
    pub train_y: Vec<usize>,
    pub test_x: Array2<f64>,
    pub test_y: Vec<usize>,
}

impl Dataset {
    /// The digits from the CSV at `path` (the handout's `data/digits.csv`):
    /// no shuffling, the first 1,347 rows for training and the last 450 for
    /// testing, every pixel divided by 16 so that inputs are in `[0, 1]`.
    pub fn load_digits(path: impl AsRef<Path>) -> Result<Dataset, String> {
        let path = path.as_ref();
        let hint =
            "it is data/digits.csv of the handout; run from the crate's folder or give its path";
        let text = std::fs::read_to_string(path)
            .map_err(|e| format!("cannot read {}: {e}; {hint}", path.display()))?;
        let mut pixels = Vec::with_capacity(DIGITS_ROWS * DIGITS_PIXELS);
        let mut labels = Vec::with_capacity(DIGITS_ROWS);
        let mut sum = 0u64;
        for (i, line) in text.lines().enumerate() {
            let values: Vec<u64> = line
                .split(',')
                .map(|v| v.trim().parse::<u64>())
                .collect::<Result<_, _>>()
                .map_err(|e| format!("{}: line {}: {e}; {hint}", path.display(), i + 1))?;
            let ok = values.len() == DIGITS_PIXELS + 1
                && values[..DIGITS_PIXELS].iter().all(|&v| v <= 16)
                && values[DIGITS_PIXELS] < 10;
            if !ok {
                return Err(format!(
                    "{}: line {} is not 64 pixels 0-16 and a label 0-9; {hint}",
                    path.display(),
                    i + 1
                ));
            }
            sum += values[..DIGITS_PIXELS].iter().sum::<u64>();
            pixels.extend(values[..DIGITS_PIXELS].iter().map(|&v| v as f64 / 16.0));
            labels.push(values[DIGITS_PIXELS] as usize);
        }
        if labels.len() != DIGITS_ROWS || sum != DIGITS_PIXEL_SUM {
            return Err(format!(
                "{} is not the shipped digits file ({} rows, pixel sum {sum}; expected {DIGITS_ROWS} \
                 and {DIGITS_PIXEL_SUM}); {hint}",
                path.display(),
                labels.len()
            ));
        }
        let x = Array2::from_shape_vec((DIGITS_ROWS, DIGITS_PIXELS), pixels)
            .map_err(|e| e.to_string())?;
        Ok(Dataset {
            train_x: x.slice(s![..DIGITS_TRAIN_ROWS, ..]).to_owned(),
            train_y: labels[..DIGITS_TRAIN_ROWS].to_vec(),
            test_x: x.slice(s![DIGITS_TRAIN_ROWS.., ..]).to_owned(),
            test_y: labels[DIGITS_TRAIN_ROWS..].to_vec(),
        })
    }
}
