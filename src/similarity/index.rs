//! Pairs from an inverted index of fingerprints: each fingerprint lists the
//! files holding it, and only files listed together are ever paired. The
//! work is the sum, over fingerprints, of the pairs among their holders; a
//! fingerprint held by more than a cap of files (see [`common_limit`]) is
//! the class's common code, and ignored, which also bounds that work. No
//! two files' texts are ever compared with each other.

use std::collections::{HashMap, HashSet};

/// One pair of files, by index, with `a < b`.
#[derive(Debug, Clone, PartialEq)]
pub struct Pair {
    pub a: usize,
    pub b: usize,
    /// Fingerprints both hold.
    pub matched: usize,
    /// The share of `a`'s fingerprints that `b` holds too, and the reverse.
    pub share_a: f64,
    pub share_b: f64,
    /// Both shares in one: matched fingerprints over the two files' mean
    /// count (the Dice coefficient, 0 to 1).
    pub score: f64,
}

/// What the index made of a class.
#[derive(Debug)]
pub struct Index {
    /// Each file's distinct fingerprints after subtraction, sorted.
    pub kept: Vec<Vec<u64>>,
    /// Fingerprints ignored as the class's common code.
    pub common: HashSet<u64>,
    /// The most files a fingerprint may be in and still count.
    pub limit: usize,
    pub pairs: Vec<Pair>,
}

/// A fingerprint in more files than this is common code: more than `share`
/// of the class, and more than [`MIN_COMMON_FILES`] (so that in a small
/// class a file copied five times is still found).
pub fn common_limit(files: usize, share: f64) -> usize {
    ((share * files as f64).floor() as usize).max(MIN_COMMON_FILES)
}

/// The cap of [`common_limit`] in any class (MOSS's default is 10 too).
pub const MIN_COMMON_FILES: usize = 10;

/// Indexes `files` (each file's fingerprint hashes), without what the
/// handout holds and what more than the limit of files share, and pairs
/// every two files sharing a fingerprint, highest score first.
pub fn build(files: &[Vec<u64>], handout: &HashSet<u64>, common_share: f64) -> Index {
    let limit = common_limit(files.len(), common_share);
    let mut postings: HashMap<u64, Vec<u32>> = HashMap::new();
    let mut distinct: Vec<Vec<u64>> = Vec::with_capacity(files.len());
    for (k, hashes) in files.iter().enumerate() {
        let mut mine: Vec<u64> = hashes
            .iter()
            .copied()
            .filter(|h| !handout.contains(h))
            .collect();
        mine.sort_unstable();
        mine.dedup();
        for &h in &mine {
            postings.entry(h).or_default().push(k as u32);
        }
        distinct.push(mine);
    }
    let common: HashSet<u64> = postings
        .iter()
        .filter(|(_, holders)| holders.len() > limit)
        .map(|(h, _)| *h)
        .collect();
    let kept: Vec<Vec<u64>> = distinct
        .into_iter()
        .map(|mine| mine.into_iter().filter(|h| !common.contains(h)).collect())
        .collect();
    let mut counts: HashMap<(u32, u32), u32> = HashMap::new();
    for holders in postings.values() {
        if holders.len() < 2 || holders.len() > limit {
            continue;
        }
        for (i, &a) in holders.iter().enumerate() {
            for &b in &holders[i + 1..] {
                *counts.entry((a, b)).or_default() += 1;
            }
        }
    }
    let mut pairs: Vec<Pair> = counts
        .into_iter()
        .map(|((a, b), m)| {
            let (a, b, m) = (a as usize, b as usize, m as usize);
            let (na, nb) = (kept[a].len() as f64, kept[b].len() as f64);
            Pair {
                a,
                b,
                matched: m,
                share_a: m as f64 / na,
                share_b: m as f64 / nb,
                score: 2.0 * m as f64 / (na + nb),
            }
        })
        .collect();
    pairs.sort_by(|p, q| {
        q.score
            .total_cmp(&p.score)
            .then(q.matched.cmp(&p.matched))
            .then((p.a, p.b).cmp(&(q.a, q.b)))
    });
    Index {
        kept,
        common,
        limit,
        pairs,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn handout_and_common_fingerprints_are_not_counted() {
        // Files 0 and 1 share 3 of their own; everyone holds 100 (common)
        // and 7 (the handout).
        let mut files: Vec<Vec<u64>> = (0..12).map(|k| vec![100, 7, 1000 + k]).collect();
        files[0].extend([1, 2, 3]);
        files[1].extend([1, 2, 3, 4]);
        files[2].extend([4]);
        let handout: HashSet<u64> = [7].into();
        let index = build(&files, &handout, 0.5);
        assert_eq!(index.limit, 10);
        assert!(index.common.contains(&100));
        assert_eq!(index.kept[0], vec![1, 2, 3, 1000]);
        let top = &index.pairs[0];
        assert_eq!((top.a, top.b, top.matched), (0, 1, 3));
        assert_eq!(top.share_a, 0.75);
        assert_eq!(top.share_b, 0.6);
        assert!((top.score - 6.0 / 9.0).abs() < 1e-12);
        assert_eq!(index.pairs.len(), 2, "{:?}", index.pairs);
        assert_eq!((index.pairs[1].a, index.pairs[1].b), (1, 2));
    }

    #[test]
    fn the_limit_follows_the_share_in_large_classes() {
        assert_eq!(common_limit(12, 0.1), 10);
        assert_eq!(common_limit(1000, 0.1), 100);
    }
}
