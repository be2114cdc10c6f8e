//! Data sets shipped with the grader, for every lab: loaded from the
//! repository (never downloaded) and checked against their SHA-256 first.
//!
//! The digits (`reference/data/digits/`, its README says where it came from
//! and its licence): the UCI "Optical Recognition of Handwritten Digits" test
//! set as scikit-learn's `load_digits` bundles it, 1,797 images of 8 × 8
//! pixels with values 0–16, ten classes. The fixed split is the first 1,347
//! rows for training and the last 450 for testing; inputs are scaled to
//! `[0, 1]` (divided by 16).

use ndarray::{s, Array2};
use sha2::{Digest, Sha256};
use std::ops::Range;
use std::path::{Path, PathBuf};

/// SHA-256 of the shipped `digits.csv`.
pub const DIGITS_SHA256: &str = "6ebb3d2fee246a4e99363262ddf8a00a3c41bee6014c373ed9d9216ba7f651b8";
/// Images in the file.
pub const DIGITS_ROWS: usize = 1797;
/// Pixels per image (8 × 8).
pub const DIGITS_PIXELS: usize = 64;
/// Classes (the digits 0 to 9).
pub const DIGITS_CLASSES: usize = 10;
/// The largest pixel value; inputs are divided by it.
pub const DIGITS_MAX_PIXEL: f64 = 16.0;
/// Rows of the fixed training set (the first ones); the rest are the test set.
pub const DIGITS_TRAIN_ROWS: usize = 1347;

/// The shipped file, in this source tree.
pub fn digits_path() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("data/digits/digits.csv")
}

/// Images (one per row, scaled to `[0, 1]`) and their labels.
#[derive(Clone, Debug, PartialEq)]
pub struct Digits {
    /// `(n, 64)`, row-major pixels divided by 16.
    pub images: Array2<f64>,
    /// `n` labels in `0..10`.
    pub labels: Vec<usize>,
}

impl Digits {
    /// Rows `range` (of this set's rows).
    pub fn rows(&self, range: Range<usize>) -> Digits {
        Digits {
            images: self.images.slice(s![range.clone(), ..]).to_owned(),
            labels: self.labels[range].to_vec(),
        }
    }

    /// The fixed training set: the first [`DIGITS_TRAIN_ROWS`] rows.
    pub fn train(&self) -> Digits {
        self.rows(0..DIGITS_TRAIN_ROWS)
    }

    /// The fixed test set: the rows after the training set.
    pub fn test(&self) -> Digits {
        self.rows(DIGITS_TRAIN_ROWS..self.labels.len())
    }
}

/// The shipped digits, checked and scaled.
pub fn load_digits() -> Result<Digits, String> {
    load_digits_from(&digits_path())
}

/// The digits from `path`, which must be the shipped file byte for byte.
/// Errors are one line, with the fix.
pub fn load_digits_from(path: &Path) -> Result<Digits, String> {
    const FIX: &str = "restore it with `git checkout -- reference/data/digits/digits.csv` \
                       (reference/data/digits/README.md says where it comes from)";
    let bytes = std::fs::read(path).map_err(|e| {
        format!(
            "cannot read the digits data set {}: {e}; {FIX}",
            path.display()
        )
    })?;
    let digest = sha256_hex(&bytes);
    if digest != DIGITS_SHA256 {
        return Err(format!(
            "the digits data set {} was altered (SHA-256 {digest}, expected {DIGITS_SHA256}); {FIX}",
            path.display()
        ));
    }
    parse_digits(&bytes).map_err(|e| format!("{}: {e}; {FIX}", path.display()))
}

/// Lower-case hex SHA-256 of `bytes`.
pub fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Parses the CSV (64 pixels 0–16 and a label 0–9 per line), scaling pixels
/// to `[0, 1]`.
pub fn parse_digits(bytes: &[u8]) -> Result<Digits, String> {
    let text = std::str::from_utf8(bytes).map_err(|e| format!("not text: {e}"))?;
    let mut pixels = Vec::with_capacity(DIGITS_ROWS * DIGITS_PIXELS);
    let mut labels = Vec::with_capacity(DIGITS_ROWS);
    for (i, line) in text.lines().enumerate() {
        let values: Vec<&str> = line.split(',').collect();
        if values.len() != DIGITS_PIXELS + 1 {
            return Err(format!(
                "line {} has {} values, expected {}",
                i + 1,
                values.len(),
                DIGITS_PIXELS + 1
            ));
        }
        for (j, v) in values.iter().enumerate() {
            let n: u8 = v.trim().parse().map_err(|_| {
                format!(
                    "line {}, value {}: {v:?} is not a small integer",
                    i + 1,
                    j + 1
                )
            })?;
            if j < DIGITS_PIXELS {
                if f64::from(n) > DIGITS_MAX_PIXEL {
                    return Err(format!("line {}: pixel {} is {n}, above 16", i + 1, j + 1));
                }
                pixels.push(f64::from(n) / DIGITS_MAX_PIXEL);
            } else if usize::from(n) < DIGITS_CLASSES {
                labels.push(usize::from(n));
            } else {
                return Err(format!("line {}: label {n} is not a digit", i + 1));
            }
        }
    }
    let images =
        Array2::from_shape_vec((labels.len(), DIGITS_PIXELS), pixels).map_err(|e| e.to_string())?;
    Ok(Digits { images, labels })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A fresh folder under the system's temporary one, removed on drop.
    struct Scratch(PathBuf);
    impl Scratch {
        fn new(tag: &str) -> Scratch {
            let dir = std::env::temp_dir()
                .join(format!("grade-reference-data-{tag}-{}", std::process::id()));
            std::fs::create_dir_all(&dir).unwrap();
            Scratch(dir)
        }
    }
    impl Drop for Scratch {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }

    #[test]
    fn the_shipped_digits_load_with_the_documented_shape_and_split() {
        let d = load_digits().unwrap();
        assert_eq!(d.images.dim(), (DIGITS_ROWS, DIGITS_PIXELS));
        assert_eq!(d.labels.len(), DIGITS_ROWS);
        // The first image of scikit-learn's load_digits (a 0), scaled.
        let first: Vec<f64> = d.images.row(0).iter().take(8).copied().collect();
        assert_eq!(
            first,
            [0.0, 0.0, 5.0, 13.0, 9.0, 1.0, 0.0, 0.0].map(|v| v / 16.0)
        );
        assert_eq!(&d.labels[..10], &[0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
        assert!(d.images.iter().all(|&v| (0.0..=1.0).contains(&v)));
        assert_eq!(d.images.iter().fold(0.0f64, |m, &v| m.max(v)), 1.0);
        let (train, test) = (d.train(), d.test());
        assert_eq!(train.labels.len(), 1347);
        assert_eq!(test.labels.len(), 450);
        assert_eq!(test.images.row(0), d.images.row(1347));
        // Every digit is in both parts: 133..=137 in training, 41..=48 in test.
        for digit in 0..DIGITS_CLASSES {
            let count = |l: &[usize]| l.iter().filter(|&&x| x == digit).count();
            assert!((133..=137).contains(&count(&train.labels)), "{digit}");
            assert!((41..=48).contains(&count(&test.labels)), "{digit}");
        }
    }

    #[test]
    fn an_altered_file_is_refused_with_its_checksum_and_the_fix() {
        let scratch = Scratch::new("altered");
        let mut bytes = std::fs::read(digits_path()).unwrap();
        // One pixel changed, still a valid CSV.
        let at = bytes.iter().position(|&b| b == b'5').unwrap();
        bytes[at] = b'6';
        let path = scratch.0.join("digits.csv");
        std::fs::write(&path, &bytes).unwrap();
        let err = load_digits_from(&path).unwrap_err();
        assert!(!err.contains('\n'), "{err}");
        assert!(err.contains("was altered"), "{err}");
        assert!(err.contains(&sha256_hex(&bytes)), "{err}");
        assert!(err.contains(DIGITS_SHA256), "{err}");
        assert!(
            err.contains("git checkout -- reference/data/digits/digits.csv"),
            "{err}"
        );
        // The same bytes parse: only the checksum tells.
        assert!(parse_digits(&bytes).is_ok());
    }

    #[test]
    fn a_missing_file_is_named_with_the_fix() {
        let scratch = Scratch::new("missing");
        let path = scratch.0.join("digits.csv");
        let err = load_digits_from(&path).unwrap_err();
        assert!(!err.contains('\n'), "{err}");
        assert!(err.starts_with("cannot read the digits data set "), "{err}");
        assert!(err.contains(&path.display().to_string()), "{err}");
        assert!(err.contains("git checkout"), "{err}");
    }

    #[test]
    fn malformed_lines_are_named() {
        assert!(parse_digits(b"1,2,3\n")
            .unwrap_err()
            .contains("line 1 has 3 values"));
        let mut row = vec!["0"; 64];
        row[3] = "17";
        let line = format!("{},1\n", row.join(","));
        assert!(parse_digits(line.as_bytes())
            .unwrap_err()
            .contains("pixel 4 is 17"));
        let line = format!("{},10\n", vec!["0"; 64].join(","));
        assert!(parse_digits(line.as_bytes())
            .unwrap_err()
            .contains("label 10"));
    }
}
