//! A bit-exact port of numpy's legacy generator, `numpy.random.RandomState`
//! (what `np.random.seed` drives), so that a lab's Python original and its Rust
//! port draw the same numbers to the last bit.
//!
//! Matched against numpy 1.17 through 2.4 (the legacy stream is frozen by NEP 19);
//! the committed test vectors come from numpy 2.4.6 on x86_64 Linux.
//!
//! This file depends on `std` and `ndarray` only: it is copied verbatim into
//! student handouts.
//!
//! The MT19937 core is written here rather than taken from a crate because the
//! handout must build with no extra dependency; the `rand_mt` crate, which
//! reproduces the raw stream, is used as a cross-check in the tests.
//!
//! One line per algorithm (numpy source in brackets):
//! - `new`: reference MT19937 integer seeding, `init_genrand` [`mt19937_seed`];
//!   it also clears the cached normal.
//! - `next_u64`: two 32-bit draws, the first is the HIGH word [`mt19937_next64`].
//! - `random_sample`: `((a >> 5) * 2^26 + (b >> 6)) / 2^53`, `a` drawn first [`legacy_double`].
//! - `standard_normal`: polar Box-Muller; returns `f*x2` and caches `f*x1` for the
//!   next call; only seeding clears the cache [`legacy_gauss`].
//! - `randint`: masked rejection on `high - low - 1`, one 32-bit draw per try when
//!   that range fits in 32 bits, else 64-bit draws; a one-value range draws nothing
//!   [`random_bounded_uint64_fill`, `use_masked=True`].
//! - `shuffle` / `permutation`: Fisher-Yates from the last index down to 1, `j`
//!   drawn in `[0, i]` by the same masked rejection [`_shuffle_raw`, `random_interval`].
//! - `choice`: with replacement `randint(0, n, size)`; without, the first `size`
//!   items of `permutation(n)` [`RandomState.choice`, `p=None`].

use ndarray::{Array1, Array2};

const STATE_LEN: usize = 624;
const SHIFT: usize = 397;
const MATRIX_A: u32 = 0x9908_b0df;
const UPPER_MASK: u32 = 0x8000_0000;
const LOWER_MASK: u32 = 0x7fff_ffff;

/// numpy's `RandomState`: the MT19937 state plus the cached second normal.
#[derive(Clone, Debug, PartialEq)]
pub struct RandomState {
    key: [u32; STATE_LEN],
    pos: usize,
    cached_gauss: Option<f64>,
}

impl RandomState {
    /// `np.random.seed(seed)` / `np.random.RandomState(seed)`.
    pub fn new(seed: u32) -> Self {
        let mut key = [0u32; STATE_LEN];
        key[0] = seed;
        for i in 1..STATE_LEN {
            let prev = key[i - 1];
            key[i] = 1_812_433_253u32
                .wrapping_mul(prev ^ (prev >> 30))
                .wrapping_add(i as u32);
        }
        RandomState {
            key,
            pos: STATE_LEN,
            cached_gauss: None,
        }
    }

    fn regenerate(&mut self) {
        for i in 0..STATE_LEN {
            let y = (self.key[i] & UPPER_MASK) | (self.key[(i + 1) % STATE_LEN] & LOWER_MASK);
            let mut next = self.key[(i + SHIFT) % STATE_LEN] ^ (y >> 1);
            if y & 1 == 1 {
                next ^= MATRIX_A;
            }
            self.key[i] = next;
        }
        self.pos = 0;
    }

    /// One raw tempered 32-bit MT19937 output.
    pub fn next_u32(&mut self) -> u32 {
        if self.pos >= STATE_LEN {
            self.regenerate();
        }
        let mut y = self.key[self.pos];
        self.pos += 1;
        y ^= y >> 11;
        y ^= (y << 7) & 0x9d2c_5680;
        y ^= (y << 15) & 0xefc6_0000;
        y ^ (y >> 18)
    }

    /// One 64-bit draw as numpy makes it: high word first.
    pub fn next_u64(&mut self) -> u64 {
        let high = u64::from(self.next_u32());
        (high << 32) | u64::from(self.next_u32())
    }

    /// `np.random.random_sample()`: uniform on [0, 1) with 53 random bits.
    pub fn random_sample(&mut self) -> f64 {
        let a = f64::from(self.next_u32() >> 5);
        let b = f64::from(self.next_u32() >> 6);
        (a * 67_108_864.0 + b) / 9_007_199_254_740_992.0
    }

    /// `np.random.standard_normal()`, legacy polar method with its cache.
    pub fn standard_normal(&mut self) -> f64 {
        if let Some(cached) = self.cached_gauss.take() {
            return cached;
        }
        loop {
            let x1 = 2.0 * self.random_sample() - 1.0;
            let x2 = 2.0 * self.random_sample() - 1.0;
            let r2 = x1 * x1 + x2 * x2;
            if r2 < 1.0 && r2 != 0.0 {
                let f = (-2.0 * r2.ln() / r2).sqrt();
                self.cached_gauss = Some(f * x1);
                return f * x2;
            }
        }
    }

    /// A value in `[0, max]` by masked rejection (numpy's `random_interval`).
    fn interval(&mut self, max: u64) -> u64 {
        if max == 0 {
            return 0;
        }
        let mut mask = max;
        for shift in [1, 2, 4, 8, 16, 32] {
            mask |= mask >> shift;
        }
        if max <= 0xffff_ffff {
            loop {
                let value = u64::from(self.next_u32()) & mask;
                if value <= max {
                    return value;
                }
            }
        }
        loop {
            let value = self.next_u64() & mask;
            if value <= max {
                return value;
            }
        }
    }

    /// `np.random.randint(low, high)`: an int64 in `[low, high)`.
    ///
    /// Panics when `low >= high`, as numpy raises `ValueError`.
    pub fn randint(&mut self, low: i64, high: i64) -> i64 {
        assert!(low < high, "randint: low >= high ({low} >= {high})");
        let range = (i128::from(high) - i128::from(low) - 1) as u64;
        (i128::from(low) + i128::from(self.interval(range))) as i64
    }

    /// `np.random.shuffle(x)` on a list or on an array's first axis.
    pub fn shuffle<T>(&mut self, items: &mut [T]) {
        for i in (1..items.len()).rev() {
            let j = self.interval(i as u64) as usize;
            items.swap(i, j);
        }
    }

    /// `np.random.permutation(n)`.
    pub fn permutation(&mut self, n: usize) -> Vec<usize> {
        let mut order: Vec<usize> = (0..n).collect();
        self.shuffle(&mut order);
        order
    }

    /// `np.random.randn(rows, cols)`, filled in C order.
    pub fn randn(&mut self, rows: usize, cols: usize) -> Array2<f64> {
        Array2::from_shape_simple_fn((rows, cols), || self.standard_normal())
    }

    /// `np.random.rand(rows, cols)`, filled in C order.
    pub fn rand(&mut self, rows: usize, cols: usize) -> Array2<f64> {
        Array2::from_shape_simple_fn((rows, cols), || self.random_sample())
    }

    /// `np.random.randn(n)`.
    pub fn randn_vec(&mut self, n: usize) -> Array1<f64> {
        Array1::from_shape_simple_fn(n, || self.standard_normal())
    }

    /// `np.random.rand(n)`.
    pub fn rand_vec(&mut self, n: usize) -> Array1<f64> {
        Array1::from_shape_simple_fn(n, || self.random_sample())
    }

    /// `np.random.randint(low, high, size=n)`.
    pub fn randint_vec(&mut self, low: i64, high: i64, n: usize) -> Vec<i64> {
        assert!(low < high, "randint: low >= high ({low} >= {high})");
        (0..n).map(|_| self.randint(low, high)).collect()
    }

    /// `np.random.choice(n, size, replace)` with uniform probabilities.
    ///
    /// Panics when `replace` is false and `size > n`, as numpy raises `ValueError`.
    pub fn choice(&mut self, n: usize, size: usize, replace: bool) -> Vec<usize> {
        assert!(n > 0 || size == 0, "choice: population is empty");
        if replace {
            (0..size)
                .map(|_| self.interval(n as u64 - 1) as usize)
                .collect()
        } else {
            assert!(
                size <= n,
                "choice: cannot take a larger sample than the population without replacement"
            );
            let mut order = self.permutation(n);
            order.truncate(size);
            order
        }
    }
}

#[cfg(test)]
mod tests {
    use super::RandomState;

    #[test]
    fn a_one_value_range_draws_nothing() {
        let mut a = RandomState::new(7);
        let mut b = RandomState::new(7);
        assert_eq!(a.randint(3, 4), 3);
        assert_eq!(a.next_u32(), b.next_u32());
    }
}
