//! Fingerprints by winnowing (Schleimer, Wilkerson and Aiken, "Winnowing:
//! local algorithms for document fingerprinting", SIGMOD 2003; what MOSS
//! does): hash every run of [`K`] consecutive tokens of a unit, then keep,
//! in every window of [`W`] consecutive hashes, the smallest (the rightmost
//! when tied), each position once.
//!
//! The guarantee: two files sharing a run of at least `W + K - 1 = 19`
//! normalised tokens inside one item share at least one fingerprint, and
//! nothing shorter than `K = 12` tokens (a line or two) counts.

use super::tokenize::Tokens;
use std::collections::HashSet;

/// Tokens per k-gram.
pub const K: usize = 12;
/// k-grams per winnowing window.
pub const W: usize = 8;

/// One kept k-gram: its hash, the unit it lies in, and its lines.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Fingerprint {
    pub hash: u64,
    pub unit: u32,
    pub first_line: u32,
    pub last_line: u32,
}

/// FNV-1a: a fixed, well-known hash, so fingerprints are the same on every
/// machine and every run (std's hasher promises neither).
fn token_hash(text: &str) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in text.bytes() {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    h
}

/// splitmix64's finaliser: spreads the k-gram hash, so that "smallest in the
/// window" picks positions evenly.
fn mix(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// Every k-gram of every unit: (hash, first token's index, unit).
fn kgrams(tokens: &Tokens) -> Vec<(u64, usize, u32)> {
    let hashes: Vec<u64> = tokens.tokens.iter().map(|t| token_hash(&t.text)).collect();
    let mut out = Vec::new();
    for (u, unit) in tokens.units.iter().enumerate() {
        if unit.len() < K {
            continue;
        }
        for start in unit.start..=unit.end - K {
            let h = hashes[start..start + K]
                .iter()
                .fold(0u64, |acc, &t| acc.wrapping_mul(0x9e37_79b9_7f4a_7c15) ^ t);
            out.push((mix(h), start, u as u32));
        }
    }
    out
}

/// Every k-gram hash of a file: what the handout holds is subtracted whole,
/// not only its winnowed part.
pub fn all_hashes(tokens: &Tokens) -> HashSet<u64> {
    kgrams(tokens).into_iter().map(|(h, _, _)| h).collect()
}

/// The winnowed fingerprints of a file, in file order.
pub fn fingerprints(tokens: &Tokens) -> Vec<Fingerprint> {
    let grams = kgrams(tokens);
    let mut out = Vec::new();
    let mut begin = 0;
    // Window by window within each unit (k-grams are in unit order).
    while begin < grams.len() {
        let unit = grams[begin].2;
        let end = grams[begin..]
            .iter()
            .position(|g| g.2 != unit)
            .map_or(grams.len(), |n| begin + n);
        for at in winnow(&grams[begin..end]) {
            let (hash, start, unit) = grams[begin + at];
            out.push(Fingerprint {
                hash,
                unit,
                first_line: tokens.tokens[start].line,
                last_line: tokens.tokens[start + K - 1].line,
            });
        }
        begin = end;
    }
    out
}

/// The positions winnowing keeps in one unit's k-grams: the rightmost
/// minimum of every window of `W`, each once; a unit shorter than a window
/// keeps its minimum.
fn winnow(grams: &[(u64, usize, u32)]) -> Vec<usize> {
    let width = W.min(grams.len());
    let mut kept: Vec<usize> = Vec::new();
    if width == 0 {
        return kept;
    }
    for start in 0..=grams.len() - width {
        let mut best = start;
        for k in start..start + width {
            if grams[k].0 <= grams[best].0 {
                best = k;
            }
        }
        if kept.last() != Some(&best) {
            kept.push(best);
        }
    }
    kept
}

#[cfg(test)]
mod tests {
    use super::super::tokenize::tokenize;
    use super::*;

    fn hashes(source: &str) -> Vec<u64> {
        fingerprints(&tokenize(source).unwrap())
            .into_iter()
            .map(|f| f.hash)
            .collect()
    }

    const F: &str =
        "fn f(a: &[f64]) -> f64 { let mut t = 0.0; for x in a { t += x * x; } t.sqrt() }";
    const G: &str = "fn g(m: &Vec<u8>) -> usize { m.iter().filter(|v| **v > 3).count() + m.len() }";

    #[test]
    fn windows_never_skip_more_than_w_kgrams() {
        let tokens = tokenize(F).unwrap();
        let grams = kgrams(&tokens);
        let kept = winnow(&grams);
        assert!(!kept.is_empty());
        for pair in kept.windows(2) {
            assert!(pair[1] > pair[0] && pair[1] - pair[0] <= W, "{kept:?}");
        }
        assert!(kept[0] < W && grams.len() - 1 - kept.last().unwrap() < W);
    }

    #[test]
    fn reordered_and_renamed_items_give_the_same_fingerprints() {
        let a = format!("{F}\n{G}\n");
        let b = format!(
            "{}\n// moved\n{}\n",
            G.replace('m', "list"),
            F.replace(" t ", " total ").replace("t.sqrt", "total.sqrt")
        );
        let mut ha = hashes(&a);
        let mut hb = hashes(&b);
        ha.sort();
        hb.sort();
        assert_eq!(ha, hb);
        // A different body shares nothing.
        let other = "fn f(a: &[f64]) -> f64 { a.iter().map(|x| x.powi(2)).sum::<f64>().sqrt() }";
        let ho: HashSet<u64> = hashes(other).into_iter().collect();
        assert!(hashes(F).iter().all(|h| !ho.contains(h)));
    }
}
