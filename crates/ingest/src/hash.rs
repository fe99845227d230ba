//! The hash of folded words: FNV-1a, computed once per token and used both by the lexicon's
//! tables and by `--shard` (the same on every machine and every run). Its own module so that
//! `text` (which keys tokens) and `lexicon` (which looks keys up) need not import each other.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

/// FNV-1a: lexicon lookups hash every token of every text, and the words are short and come
/// from the project's own files, so a simple fast hash beats SipHash's flood resistance.
#[derive(Default)]
pub struct WordHasher(u64);

impl Hasher for WordHasher {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        let mut h = if self.0 == 0 {
            0xcbf2_9ce4_8422_2325
        } else {
            self.0
        };
        for &b in bytes {
            h ^= u64::from(b);
            h = h.wrapping_mul(0x0000_0100_0000_01b3);
        }
        self.0 = h;
    }
}

/// A folded word's FNV-1a hash, computed once per token (a token's `key`) so the
/// lexicon tables, looked up many times per token, never hash a word again.
pub fn word_key(folded: &str) -> u64 {
    let mut h = WordHasher::default();
    h.write(folded.as_bytes());
    h.finish()
}

/// Passes a [`word_key`] through as its own hash.
#[derive(Default)]
pub struct KeyHasher(u64);

impl Hasher for KeyHasher {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        // Only u64 keys are hashed; fold any other input in rather than drop it.
        let mut h = WordHasher(self.0);
        h.write(bytes);
        self.0 = h.finish();
    }

    fn write_u64(&mut self, n: u64) {
        self.0 = n;
    }
}

/// A map keyed by [`word_key`]s; a hit is confirmed by comparing the words themselves.
pub type KeyMap<V> = HashMap<u64, V, BuildHasherDefault<KeyHasher>>;

/// Which [`word_key`]s a table may hold, as one bit each in a small fixed set: most tokens
/// start no form of a given table, and testing a bit that stays in cache answers them without
/// probing the table's map (a miss there costs a cache miss per token per table).
#[derive(Debug, Clone)]
pub struct KeyFilter(Box<[u64; KeyFilter::WORDS]>);

impl KeyFilter {
    const WORDS: usize = 256;
    const BITS: usize = KeyFilter::WORDS * 64;

    #[inline]
    fn bit(key: u64) -> usize {
        ((key ^ (key >> 29)) as usize) % KeyFilter::BITS
    }

    pub fn insert(&mut self, key: u64) {
        let b = KeyFilter::bit(key);
        self.0[b / 64] |= 1 << (b % 64);
    }

    /// The keys of both filters: one test answers "in neither" for both.
    pub fn union(&self, other: &KeyFilter) -> KeyFilter {
        let mut both = self.clone();
        for (word, o) in both.0.iter_mut().zip(other.0.iter()) {
            *word |= o;
        }
        both
    }

    /// False only when no key inserted is `key`; true may be a neighbour's bit.
    #[inline]
    pub fn may_contain(&self, key: u64) -> bool {
        let b = KeyFilter::bit(key);
        self.0[b / 64] & (1 << (b % 64)) != 0
    }
}

impl Default for KeyFilter {
    fn default() -> KeyFilter {
        KeyFilter(Box::new([0; KeyFilter::WORDS]))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_filter_says_yes_to_every_key_it_holds_and_no_to_most_others() {
        let mut filter = KeyFilter::default();
        let held: Vec<u64> = ["ma túy", "vụ", "đối tượng"]
            .iter()
            .map(|w| word_key(w))
            .collect();
        held.iter().for_each(|&k| filter.insert(k));
        assert!(held.iter().all(|&k| filter.may_contain(k)));
        let others = (0..1000).filter(|n| filter.may_contain(word_key(&format!("từ{n}"))));
        assert!(others.count() < 10);
    }
}
