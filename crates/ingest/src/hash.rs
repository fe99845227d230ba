//! The keys of folded words, computed once per token and looked up by the lexicon's tables,
//! and the hash `--shard` assigns documents by (FNV-1a, the same on every machine and every
//! run). Its own module so that `text` (which keys tokens) and `lexicon` (which looks keys up)
//! need not import each other.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

/// FNV-1a, a byte at a time: [`shard_key`], and any non-key input of a [`KeyMap`].
#[derive(Default)]
struct WordHasher(u64);

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

/// A folded word's key, computed once per token (a token's `key`) so the lexicon tables,
/// looked up many times per token, never hash a word again. Tokenising keys every word of
/// every text, so a word is read in at most two overlapping loads (words are a few bytes)
/// and mixed by one wide multiply, as wyhash does for short inputs, instead of a byte at a
/// time. The keys live only in memory: nothing stores them (see [`shard_key`] for the hash
/// that must stay the same across runs).
#[inline]
pub fn word_key(folded: &str) -> u64 {
    let b = folded.as_bytes();
    let n = b.len();
    let (lo, hi) = if n >= 8 {
        // Longer words are rare: the leading bytes are folded in eight at a time.
        let mut acc = 0u64;
        let mut chunks = b[..n - 8].chunks_exact(8);
        for c in &mut chunks {
            acc = mix(acc ^ load8(c), KEY_SEEDS[2]);
        }
        let rest = chunks.remainder();
        (acc ^ load_le(rest), load8(&b[n - 8..]))
    } else if n >= 4 {
        (u64::from(load4(&b[..4])), u64::from(load4(&b[n - 4..])))
    } else if n > 0 {
        let three = (u64::from(b[0]) << 16) | (u64::from(b[n / 2]) << 8) | u64::from(b[n - 1]);
        (three, 0)
    } else {
        (0, 0)
    };
    mix(lo ^ KEY_SEEDS[0], hi ^ KEY_SEEDS[1] ^ n as u64)
}

/// wyhash's constants.
const KEY_SEEDS: [u64; 3] = [
    0xa076_1d64_78bd_642f,
    0xe703_7ed1_a0b4_28db,
    0x8ebc_6af0_9c88_c6e3,
];

/// The high and low halves of the 128-bit product, folded together.
#[inline]
fn mix(a: u64, b: u64) -> u64 {
    let p = u128::from(a) * u128::from(b);
    (p as u64) ^ ((p >> 64) as u64)
}

#[inline]
fn load8(b: &[u8]) -> u64 {
    let mut w = [0u8; 8];
    w.copy_from_slice(&b[..8]);
    u64::from_le_bytes(w)
}

#[inline]
fn load4(b: &[u8]) -> u32 {
    let mut w = [0u8; 4];
    w.copy_from_slice(&b[..4]);
    u32::from_le_bytes(w)
}

/// Up to seven bytes, little-endian.
#[inline]
fn load_le(b: &[u8]) -> u64 {
    b.iter()
        .rev()
        .fold(0u64, |acc, &x| (acc << 8) | u64::from(x))
}

/// The FNV-1a hash of `key`'s bytes: which shard a document goes to (`--shard K/N`). It is
/// part of the contract between runs and machines, so it never changes with the tokeniser.
pub fn shard_key(key: &str) -> u64 {
    let mut h = WordHasher::default();
    h.write(key.as_bytes());
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

    /// A key's own low bits: [`word_key`] ends in a wide multiply, so they are as mixed as
    /// its high ones (FNV-1a's needed folding first).
    #[inline]
    fn bit(key: u64) -> usize {
        (key as usize) % KeyFilter::BITS
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
    fn words_that_differ_have_different_keys_at_every_length() {
        // Lengths 1 to 24 cover the three ways a word is loaded (under 4 bytes, 4 to 7, 8 on).
        let words: Vec<String> = (1..=24)
            .flat_map(|n| ["a", "ư", "đ"].map(|c| c.repeat(n)))
            .chain((1..=24).map(|n| format!("{}b", "a".repeat(n))))
            .chain(["ma túy", "ma tuý", "vụ", "vũ", "án", "ấn", "tháng", "thang"].map(String::from))
            .collect();
        let mut keys: Vec<u64> = words.iter().map(|w| word_key(w)).collect();
        assert!(words.iter().all(|w| word_key(w) == word_key(&w.clone())));
        keys.sort_unstable();
        keys.dedup();
        assert_eq!(keys.len(), words.len());
    }

    #[test]
    fn the_shard_hash_is_fnv_1a() {
        // Published FNV-1a 64 values: a shard assignment must not move between releases.
        assert_eq!(shard_key(""), 0xcbf2_9ce4_8422_2325);
        assert_eq!(shard_key("a"), 0xaf63_dc4c_8601_ec8c);
        assert_eq!(shard_key("foobar"), 0x8594_4171_f739_67e8);
    }

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
