//! The vocabulary, loaded from the CSV files of a pipeline's lexicon folder so an analyst can
//! extend it in a spreadsheet without recompiling. Every file has a header row; each form is
//! matched on whole tokens, case- and tone-placement-insensitively (see [`crate::text::fold`]).
//!
//! | file | columns | what it says |
//! |---|---|---|
//! | `units.csv` | form, unit, factor | unit words and their canonical unit (`gam` → `kg` × 0.001) |
//! | `multipliers.csv` | form, factor | `nghìn`, `triệu`, `tỷ` after a number |
//! | `number_words.csv` | form, value | counts written as words (`hai mươi` → 20) |
//! | `qualifiers.csv` | form, qualifier | the word before a number (`hơn` → `more_than`) |
//! | `changes.csv` | form, direction | `tăng`, `giảm`, `ít hơn` before a number |
//! | `actions.csv` | form, action, position | verbs; `position` is where the verb stands: `before` the figure, `after` it, `either`, or `weak` (before, but any other verb wins) |
//! | `topics.csv` | form, topic, rank | topic phrases; a higher rank is more specific and wins |
//! | `not_statistic.csv` | form, side | words that make a number a name, date or code (`side` `before`/`after`), or that cancel that (`allow`) |
//! | `baselines.csv` | pattern, baseline | `so với năm {year}` → `year:{year}` |
//! | `periods.csv` | pattern, kind | `{n} tháng đầu năm {year}` → `part_of_year` (also `whole_year`, `spans_years`, `range`) |
//! | `boilerplate.csv` | form, effect | page lines: `cut` ends the article, `drop` skips the line |
//! | `provinces.csv` | form, province, merged_into | place names, case-sensitive |
//! | `province_merger.csv` | effective | the date the merged names apply from |
//! | `quantities.csv` | form, unit, action | what a change compares (`số người chết` → person, killed) |
//! | `place_prefixes.csv`, `date_markers.csv`, `passives.csv`, `abbreviations.csv`, `list_joiners.csv`, `comparison_openers.csv`, `field_openers.csv`, `dateline_words.csv`, `caption_markers.csv`, `document_words.csv` | form | small word classes the rules use |
//!
//! Patterns take slots: `{n}` any number, `{year}` a year 1900–2100, `{month}` 1–12,
//! `{roman}` I–IV.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use serde::de::DeserializeOwned;
use serde::Deserialize;

use crate::hash::{word_key, KeyFilter, KeyMap};
use crate::text::{form_tokens, Token, TokenKind};

/// A lexicon file that could not be used, with the file and row at fault.
#[derive(Debug, thiserror::Error)]
pub enum LexiconError {
    #[error("lexicon file {path}: {source}")]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("lexicon file {path}, row {row}: {message}")]
    Row {
        path: PathBuf,
        row: u64,
        message: String,
    },
}

#[derive(Debug, Clone, Deserialize)]
pub struct UnitRow {
    pub form: String,
    pub unit: String,
    pub factor: f64,
}

#[derive(Debug, Clone, Deserialize)]
pub struct FactorRow {
    pub form: String,
    pub factor: f64,
}

#[derive(Debug, Clone, Deserialize)]
pub struct NumberWordRow {
    pub form: String,
    pub value: f64,
}

#[derive(Debug, Clone, Deserialize)]
pub struct QualifierRow {
    pub form: String,
    pub qualifier: String,
}

#[derive(Debug, Clone, Deserialize)]
pub struct ChangeRow {
    pub form: String,
    pub direction: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Position {
    Before,
    After,
    Either,
    /// A verb before the figure that yields to any verb after it (`có 5 tập thể ... được
    /// khen thưởng`) or to a stronger verb before it (`thu giữ 4 bánh ... có trọng lượng 1,4 kg`).
    Weak,
}

/// A unit word whose meaning depends on the action (`cung cấp 300 tin` counts tips, `đăng 300
/// tin` counts documents): `form` read with `action` is `unit`.
#[derive(Debug, Clone, Deserialize)]
pub struct UnitReadingRow {
    pub form: String,
    pub action: String,
    pub unit: String,
}

/// A verb whose meaning depends on what it counts (`tạm giữ 5 đối tượng` is an arrest, `tạm
/// giữ 113 xe` a seizure): `form` with a figure of `unit` is `action`.
#[derive(Debug, Clone, Deserialize)]
pub struct ActionReadingRow {
    pub form: String,
    pub unit: String,
    pub action: String,
}

#[derive(Debug, Clone, Deserialize)]
pub struct ActionRow {
    pub form: String,
    pub action: String,
    pub position: Position,
}

/// A quantity a change names (`số vụ tăng 18%`, `giảm 12% số người chết`): the level it
/// compares has this unit and, when given, this action.
#[derive(Debug, Clone, Deserialize)]
pub struct QuantityRow {
    pub form: String,
    pub unit: String,
    pub action: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct TopicRow {
    pub form: String,
    pub topic: String,
    pub rank: i32,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Side {
    Before,
    After,
    Allow,
}

#[derive(Debug, Clone, Deserialize)]
struct NotStatisticRow {
    form: String,
    side: Side,
}

#[derive(Debug, Clone, Deserialize)]
struct BaselineRow {
    pattern: String,
    baseline: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PeriodKind {
    WholeYear,
    PartOfYear,
    SpansYears,
    /// `từ tháng 10/2022 đến tháng 9/2023`: one year if both ends share it, else spans years.
    Range,
    /// `năm qua`: the whole year just past, which the publication date names (a review
    /// published in January says `năm qua` of the year before).
    PastYear,
    /// Looks like a period but is none (`kỷ niệm 80 năm`): read so its number is no figure
    /// and its years no period.
    NotAPeriod,
}

#[derive(Debug, Clone, Deserialize)]
struct PeriodRow {
    pattern: String,
    kind: PeriodKind,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Effect {
    Cut,
    Drop,
}

#[derive(Debug, Clone, Deserialize)]
struct BoilerplateRow {
    form: String,
    effect: Effect,
}

#[derive(Debug, Clone, Deserialize)]
pub struct ProvinceRow {
    pub form: String,
    pub province: String,
    pub merged_into: String,
}

#[derive(Debug, Clone, Deserialize)]
struct FormRow {
    form: String,
}

/// A form's folded words with their keys: a key compared first spares comparing the words.
type FormWords = Vec<(u64, String)>;

/// Forms as token sequences, found by longest match at a token position.
#[derive(Debug, Clone)]
pub struct PhraseTable<T> {
    by_first: KeyMap<Listed<T>>,
    firsts: KeyFilter,
    /// The keys of the forms' last words: a form ending before a token ends with the word
    /// before it (see [`PhraseTable::match_ending_at`]).
    lasts: KeyFilter,
    /// The most words any form has.
    longest: usize,
}

/// The forms that start with one word, longest first, and which words can come second.
#[derive(Debug, Clone)]
struct Listed<T> {
    forms: Vec<(FormWords, T)>,
    /// A bit per second word of the forms of two words and more ([`second_bit`]): a word
    /// after the first whose bit is not set ends every such form, and only the one-word
    /// forms, listed from `single`, are left to compare.
    seconds: u64,
    single: usize,
}

/// A word's bit in [`Listed::seconds`].
#[inline]
fn second_bit(key: u64) -> u64 {
    1 << (key % 64)
}

impl<T: Clone> PhraseTable<T> {
    fn new(entries: impl IntoIterator<Item = (String, T)>) -> Self {
        let mut by_first: KeyMap<Vec<(FormWords, T)>> = KeyMap::default();
        for (form, value) in entries {
            let toks: FormWords = form_tokens(&form)
                .into_iter()
                .map(|w| (word_key(&w), w))
                .collect();
            if let Some(&(first, _)) = toks.first() {
                by_first.entry(first).or_default().push((toks, value));
            }
        }
        let mut firsts = KeyFilter::default();
        let mut lasts = KeyFilter::default();
        let mut longest = 0;
        for (&key, list) in by_first.iter_mut() {
            firsts.insert(key);
            for (form, _) in list.iter() {
                if let Some(&(last, _)) = form.last() {
                    lasts.insert(last);
                }
            }
            list.sort_by_key(|entry| std::cmp::Reverse(entry.0.len()));
            longest = longest.max(list.first().map_or(0, |entry| entry.0.len()));
        }
        let by_first = by_first
            .into_iter()
            .map(|(key, forms)| {
                let seconds = forms
                    .iter()
                    .filter_map(|(form, _)| form.get(1))
                    .fold(0, |bits, &(second, _)| bits | second_bit(second));
                let single = forms.partition_point(|(form, _)| form.len() > 1);
                (
                    key,
                    Listed {
                        forms,
                        seconds,
                        single,
                    },
                )
            })
            .collect();
        PhraseTable {
            by_first,
            firsts,
            lasts,
            longest,
        }
    }

    /// How many tokens the longest form has: a reader that looks for a form at a line's start
    /// needs no more of the line to find it.
    pub fn longest_form(&self) -> usize {
        self.longest
    }

    /// The longest form starting at `tokens[at]`: its length in tokens and its value.
    // Inlined so that the usual answer (no form starts with this word: one bit tested) costs
    // the caller no call; the table is probed out of line.
    #[inline]
    pub fn match_at(&self, tokens: &[Token], at: usize) -> Option<(usize, &T)> {
        let first = tokens.get(at)?;
        if !self.firsts.may_contain(first.key) {
            return None;
        }
        self.match_listed(tokens, at, first.key)
    }

    fn match_listed(&self, tokens: &[Token], at: usize, key: u64) -> Option<(usize, &T)> {
        // The whole form is compared below, its first word too: two words sharing a key
        // never match each other.
        let listed = self.by_first.get(&key)?;
        let goes_on = tokens
            .get(at + 1)
            .is_some_and(|t| listed.seconds & second_bit(t.key) != 0);
        let forms = if goes_on {
            &listed.forms[..]
        } else {
            &listed.forms[listed.single..]
        };
        forms.iter().find_map(|(form, value)| {
            let end = at + form.len();
            let fits = end <= tokens.len()
                && form
                    .iter()
                    .zip(&tokens[at..end])
                    .all(|((key, f), t)| t.key == *key && t.folded == f.as_str());
            fits.then_some((form.len(), value))
        })
    }

    /// The longest form that ends right before `tokens[end]`: its start and value.
    pub fn match_ending_at(&self, tokens: &[Token], end: usize) -> Option<(usize, &T)> {
        // Most words end no form: one bit says so, instead of a probe at each of five starts.
        let before = tokens.get(end.checked_sub(1)?)?;
        if !self.lasts.may_contain(before.key) {
            return None;
        }
        let mut best: Option<(usize, &T)> = None;
        for start in end.saturating_sub(5)..end {
            if let Some((len, v)) = self.match_at(tokens, start) {
                if start + len == end && best.is_none() {
                    best = Some((start, v));
                }
            }
        }
        best
    }

    /// The keys of the first words of the table's forms: `may_contain` is false when no form
    /// starts with a word (true may be a neighbour's).
    pub(crate) fn first_words(&self) -> &KeyFilter {
        &self.firsts
    }

    /// Whether a form matches at `at` (any length).
    pub fn contains_at(&self, tokens: &[Token], at: usize) -> bool {
        self.match_at(tokens, at).is_some()
    }

    /// Every word of every form, folded.
    pub fn words(&self) -> impl Iterator<Item = &str> {
        self.by_first
            .values()
            .flat_map(|listed| &listed.forms)
            .flat_map(|(form, _)| form.iter().map(|(_, w)| w.as_str()))
    }
}

/// One piece of a pattern.
#[derive(Debug, Clone, PartialEq)]
pub enum Slot {
    Literal(String),
    Number,
    Year,
    Month,
    Roman,
}

/// A pattern from `baselines.csv` or `periods.csv`, with what it means.
#[derive(Debug, Clone)]
pub struct Pattern<T> {
    pub slots: Vec<Slot>,
    pub meaning: T,
}

/// What a pattern matched: its length in tokens and the years its slots captured.
#[derive(Debug, Clone, PartialEq)]
pub struct PatternMatch {
    pub len: usize,
    pub years: Vec<i32>,
}

fn parse_pattern(pattern: &str) -> Result<Vec<Slot>, String> {
    let mut slots = Vec::new();
    let mut rest = pattern;
    while !rest.is_empty() {
        if let Some(after) = rest.strip_prefix('{') {
            let close = after
                .find('}')
                .ok_or_else(|| format!("unclosed slot in pattern `{pattern}`"))?;
            slots.push(match &after[..close] {
                "n" => Slot::Number,
                "year" => Slot::Year,
                "month" => Slot::Month,
                "roman" => Slot::Roman,
                other => return Err(format!("unknown slot {{{other}}} in pattern `{pattern}`")),
            });
            rest = &after[close + 1..];
        } else {
            let next = rest.find('{').unwrap_or(rest.len());
            slots.extend(form_tokens(&rest[..next]).into_iter().map(Slot::Literal));
            rest = &rest[next..];
        }
    }
    if slots.is_empty() {
        return Err("empty pattern".into());
    }
    Ok(slots)
}

impl<T> Pattern<T> {
    /// Matches the pattern at `tokens[at]`.
    pub fn match_at(&self, tokens: &[Token], at: usize) -> Option<PatternMatch> {
        let mut years = Vec::new();
        for (k, slot) in self.slots.iter().enumerate() {
            let tok = tokens.get(at + k)?;
            let ok = match slot {
                Slot::Literal(w) => tok.folded == w.as_str(),
                Slot::Number => tok.kind == TokenKind::Number,
                Slot::Year => match year_of(tok) {
                    Some(y) => {
                        years.push(y);
                        true
                    }
                    None => false,
                },
                Slot::Month => small_number(tok).is_some_and(|m| (1..=12).contains(&m)),
                Slot::Roman => {
                    matches!(tok.folded.as_str(), "i" | "ii" | "iii" | "iv")
                        || small_number(tok).is_some_and(|q| (1..=4).contains(&q))
                }
            };
            if !ok {
                return None;
            }
        }
        Some(PatternMatch {
            len: self.slots.len(),
            years,
        })
    }
}

/// A short roman numeral in lower case (`ii`, `iv`, `xii`): a quarter, or a heading's number.
#[inline]
pub fn looks_roman(folded: &str) -> bool {
    // Byte by byte: the letters are ASCII, and every token asks.
    (1..=4).contains(&folded.len())
        && folded
            .bytes()
            .all(|b| matches!(b, b'i' | b'v' | b'x' | b'l'))
}

/// A token that reads as a calendar year.
pub fn year_of(tok: &Token) -> Option<i32> {
    if tok.kind != TokenKind::Number || tok.folded.len() != 4 {
        return None;
    }
    let y: i32 = tok.folded.parse().ok()?;
    (1900..=2100).contains(&y).then_some(y)
}

fn small_number(tok: &Token) -> Option<u32> {
    if tok.kind != TokenKind::Number || tok.folded.len() > 2 {
        return None;
    }
    tok.folded.parse().ok()
}

/// The patterns of one lexicon file, indexed by what can start them: every token of a text is
/// a candidate start, and most tokens start none, so only the patterns whose first literal is
/// the token (or whose first slot is a number) are tried, and of those only the ones whose
/// second word is the next token's (or whose second piece is a slot).
#[derive(Debug, Clone)]
pub struct PatternSet<T> {
    pub patterns: Vec<Pattern<T>>,
    by_first_literal: KeyMap<BySecond>,
    first_literals: KeyFilter,
    slot_first: BySecond,
}

/// Patterns sharing a first piece, by their second.
#[derive(Debug, Clone, Default)]
struct BySecond {
    literal: KeyMap<Vec<usize>>,
    /// A slot second, or no second piece.
    other: Vec<usize>,
}

impl BySecond {
    fn add(&mut self, second: Option<&Slot>, i: usize) {
        match second {
            Some(Slot::Literal(w)) => self.literal.entry(word_key(w)).or_default().push(i),
            _ => self.other.push(i),
        }
    }

    fn is_empty(&self) -> bool {
        self.literal.is_empty() && self.other.is_empty()
    }

    fn candidates(&self, next: Option<&Token>) -> impl Iterator<Item = usize> + '_ {
        let literal = next.and_then(|t| self.literal.get(&t.key));
        literal.into_iter().flatten().chain(&self.other).copied()
    }
}

impl<T> PatternSet<T> {
    fn new(patterns: Vec<Pattern<T>>) -> Self {
        let mut by_first_literal: KeyMap<BySecond> = KeyMap::default();
        let mut first_literals = KeyFilter::default();
        let mut slot_first = BySecond::default();
        for (i, p) in patterns.iter().enumerate() {
            let second = p.slots.get(1);
            match p.slots.first() {
                Some(Slot::Literal(w)) => {
                    first_literals.insert(word_key(w));
                    by_first_literal
                        .entry(word_key(w))
                        .or_default()
                        .add(second, i);
                }
                _ => slot_first.add(second, i),
            }
        }
        PatternSet {
            patterns,
            by_first_literal,
            first_literals,
            slot_first,
        }
    }

    /// The first literals of the set's patterns (see [`Lexicon::period_starts`]).
    pub(crate) fn first_words(&self) -> &KeyFilter {
        &self.first_literals
    }

    /// The longest pattern matching at `tokens[at]`, with its meaning (of equally long ones,
    /// the one listed last).
    // Inlined so that the usual answer (no pattern starts with this word) costs the caller
    // no call; the patterns are tried out of line.
    #[inline]
    pub fn longest_at(&self, tokens: &[Token], at: usize) -> Option<(PatternMatch, &T)> {
        let tok = tokens.get(at)?;
        let literal = self.first_literals.may_contain(tok.key);
        // Every slot matches numbers only, except a roman numeral (`quý II`).
        let slot_may_match = tok.kind == TokenKind::Number
            || (!self.slot_first.is_empty() && looks_roman(&tok.folded));
        if !literal && !slot_may_match {
            return None;
        }
        self.longest_tried(tokens, at, literal, slot_may_match)
    }

    fn longest_tried(
        &self,
        tokens: &[Token],
        at: usize,
        literal: bool,
        slot_may_match: bool,
    ) -> Option<(PatternMatch, &T)> {
        let tok = tokens.get(at)?;
        let next = tokens.get(at + 1);
        // Each pattern compares its literals to the tokens, the first two too.
        let literal = if literal {
            self.by_first_literal.get(&tok.key)
        } else {
            None
        };
        let slots = slot_may_match.then_some(&self.slot_first);
        let mut best: Option<(PatternMatch, usize)> = None;
        for level in literal.into_iter().chain(slots) {
            for i in level.candidates(next) {
                if let Some(m) = self.patterns[i].match_at(tokens, at) {
                    let better = match &best {
                        None => true,
                        Some((b, bi)) => m.len > b.len || (m.len == b.len && i > *bi),
                    };
                    if better {
                        best = Some((m, i));
                    }
                }
            }
        }
        best.map(|(m, i)| (m, &self.patterns[i].meaning))
    }
}

/// Everything the rules know about words, loaded from one lexicon folder.
#[derive(Debug, Clone)]
pub struct Lexicon {
    pub dir: PathBuf,
    pub unit_rows: Vec<UnitRow>,
    pub multiplier_rows: Vec<FactorRow>,
    pub number_word_rows: Vec<NumberWordRow>,
    pub qualifier_rows: Vec<QualifierRow>,
    pub change_rows: Vec<ChangeRow>,
    pub action_rows: Vec<ActionRow>,
    pub unit_reading_rows: Vec<UnitReadingRow>,
    pub action_reading_rows: Vec<ActionReadingRow>,
    pub topic_rows: Vec<TopicRow>,
    pub province_rows: Vec<ProvinceRow>,
    pub units: PhraseTable<usize>,
    pub multipliers: PhraseTable<f64>,
    pub number_words: PhraseTable<f64>,
    pub qualifiers: PhraseTable<usize>,
    pub changes: PhraseTable<usize>,
    pub actions: PhraseTable<usize>,
    pub topics: PhraseTable<usize>,
    pub not_statistic: PhraseTable<Side>,
    pub baselines: PatternSet<String>,
    pub periods: PatternSet<PeriodKind>,
    pub boilerplate: Boilerplate,
    pub place_prefixes: PhraseTable<()>,
    pub date_markers: PhraseTable<()>,
    pub passives: PhraseTable<()>,
    pub abbreviations: PhraseTable<()>,
    pub list_joiners: PhraseTable<()>,
    /// Words that may stand between a number and its unit (`tăng 1.231 số vụ`).
    pub unit_fillers: PhraseTable<()>,
    /// Words after which a period is the baseline of a comparison, not the figures' own
    /// (`so với 6 tháng đầu năm 2023`, `gấp 5 lần năm 2018`).
    pub comparison_openers: PhraseTable<()>,
    /// Words that introduce the field a figure is about (`trong lĩnh vực`, `liên quan đến`).
    pub field_openers: PhraseTable<()>,
    pub quantity_rows: Vec<QuantityRow>,
    pub quantities: PhraseTable<usize>,
    /// The label a photo caption ends with (`Ảnh: CTV`): such a paragraph is no level a
    /// change in the next paragraph compares with.
    pub caption_markers: PhraseTable<()>,
    /// Names of documents (`Nghị định`, `Kế hoạch`): a date right after one is the document's.
    pub document_words: PhraseTable<()>,
    /// Words a dateline opens with (`date 2019-12`, `Thứ Sáu, 20/01/2023`).
    pub dateline_words: PhraseTable<()>,
    /// The first words of every baseline, comparison opener and period: a paragraph is read
    /// for those at each token, and most tokens (neither a number nor a roman numeral) start
    /// none, which this one filter tells at once instead of three.
    pub(crate) period_starts: KeyFilter,
    /// The day the 2025 province mergers took effect (`province_merger.csv`): reports dated
    /// from it on use the merged names.
    pub merger_effective: (i32, u32, u32),
}

/// Page lines (`Tin cùng chuyên mục`, `Tác giả: ...`) and what each does to the article.
#[derive(Debug, Clone, Default)]
pub struct Boilerplate {
    effects: HashMap<String, Effect>,
    /// The most tokens a form has: a line or label with more words cannot be one, so the
    /// article's body lines are never tokenised for this check.
    max_tokens: usize,
    /// The keys of the forms' first tokens: a line or label whose first token is none of them
    /// is no form, and is not folded whole to be looked up.
    firsts: KeyFilter,
    /// A form with no token at all (an empty row) matches a line with no words, whatever
    /// starts it.
    has_empty: bool,
}

impl Boilerplate {
    fn new(rows: Vec<BoilerplateRow>) -> Boilerplate {
        let mut max_tokens = 0;
        let mut firsts = KeyFilter::default();
        let mut has_empty = false;
        let effects = rows
            .into_iter()
            .map(|r| {
                let tokens = form_tokens(&r.form);
                max_tokens = max_tokens.max(tokens.len());
                match tokens.first() {
                    Some(first) => firsts.insert(word_key(first)),
                    None => has_empty = true,
                }
                (tokens.join(" "), r.effect)
            })
            .collect();
        Boilerplate {
            effects,
            max_tokens,
            firsts,
            has_empty,
        }
    }

    /// Whether a form may be `text`'s [`folded_key`]: it starts with the same token.
    fn may_be_a_form(&self, text: &str, words_only: bool) -> bool {
        self.has_empty
            || crate::text::Tokens::new(text, 0)
                .find(|t| !words_only || t.kind == crate::text::TokenKind::Word)
                .is_some_and(|t| self.firsts.may_contain(t.key))
    }

    /// What `line` does to the article: its words are a form, or the label before its colon is.
    pub fn effect(&self, line: &str) -> Option<Effect> {
        // Every whitespace-separated word holding a letter gives at least one word token, and
        // every word gives at least one token, so these counts bound the keys. The first
        // token is asked first: it turns away nearly every line, and costs less than counting.
        let words_with_letters = || {
            line.split_whitespace()
                .filter(|w| w.chars().any(crate::text::is_letter))
                .take(self.max_tokens + 1)
                .count()
        };
        if self.may_be_a_form(line, true) && words_with_letters() <= self.max_tokens {
            if let Some(effect) = self.effects.get(&folded_key(line, true)) {
                return Some(*effect);
            }
        }
        // Every line asks: a vectorised search for the colon.
        let label = &line[..memchr::memchr(b':', line.as_bytes())?];
        if !self.may_be_a_form(label, false)
            || label.split_whitespace().nth(self.max_tokens).is_some()
        {
            return None;
        }
        self.effects.get(&folded_key(label, false)).copied()
    }
}

/// The folded tokens of `text` joined by spaces, its words only or every token.
fn folded_key(text: &str, words_only: bool) -> String {
    crate::text::tokenize(text, 0)
        .into_iter()
        .filter(|t| !words_only || t.kind == crate::text::TokenKind::Word)
        .map(|t| t.folded.to_string())
        .collect::<Vec<_>>()
        .join(" ")
}

fn read_rows<T: DeserializeOwned>(dir: &Path, name: &str) -> Result<Vec<T>, LexiconError> {
    let path = dir.join(name);
    let file = std::fs::File::open(&path).map_err(|source| LexiconError::Read {
        path: path.clone(),
        source,
    })?;
    let mut reader = csv::ReaderBuilder::new()
        .trim(csv::Trim::All)
        .from_reader(file);
    let mut rows = Vec::new();
    for (i, rec) in reader.deserialize::<T>().enumerate() {
        let row = rec.map_err(|e| LexiconError::Row {
            path: path.clone(),
            row: e.position().map_or(i as u64 + 2, |p| p.line()),
            message: e.to_string(),
        })?;
        rows.push(row);
    }
    Ok(rows)
}

fn forms(dir: &Path, name: &str) -> Result<PhraseTable<()>, LexiconError> {
    let rows: Vec<FormRow> = read_rows(dir, name)?;
    Ok(PhraseTable::new(rows.into_iter().map(|r| (r.form, ()))))
}

fn patterns<R, T>(
    dir: &Path,
    name: &str,
    split: impl Fn(R) -> (String, T),
) -> Result<PatternSet<T>, LexiconError>
where
    R: DeserializeOwned,
{
    let rows: Vec<R> = read_rows(dir, name)?;
    let patterns = rows
        .into_iter()
        .enumerate()
        .map(|(i, r)| {
            let (pattern, meaning) = split(r);
            let slots = parse_pattern(&pattern).map_err(|message| LexiconError::Row {
                path: dir.join(name),
                row: i as u64 + 2,
                message,
            })?;
            Ok(Pattern { slots, meaning })
        })
        .collect::<Result<Vec<_>, _>>()?;
    Ok(PatternSet::new(patterns))
}

#[derive(Debug, Clone, Deserialize)]
struct MergerRow {
    effective: String,
}

/// The one row of `province_merger.csv`: the date (`YYYY-MM-DD`) the merged names apply from.
fn merger_effective(dir: &Path) -> Result<(i32, u32, u32), LexiconError> {
    let name = "province_merger.csv";
    let rows: Vec<MergerRow> = read_rows(dir, name)?;
    let bad = |message: String| LexiconError::Row {
        path: dir.join(name),
        row: 2,
        message,
    };
    let row = rows
        .first()
        .ok_or_else(|| bad("no row: the merger date is missing".into()))?;
    let mut parts = row.effective.split('-').map(str::parse::<u32>);
    match (parts.next(), parts.next(), parts.next(), parts.next()) {
        (Some(Ok(y)), Some(Ok(m)), Some(Ok(d)), None)
            if (1900..=2100).contains(&y) && (1..=12).contains(&m) && (1..=31).contains(&d) =>
        {
            Ok((y as i32, m, d))
        }
        _ => Err(bad(format!(
            "`{}` is not a date (YYYY-MM-DD)",
            row.effective
        ))),
    }
}

impl Lexicon {
    /// Loads every lexicon file of `dir`; a missing file or a bad row is an error naming both.
    pub fn load(dir: &Path) -> Result<Lexicon, LexiconError> {
        let unit_rows: Vec<UnitRow> = read_rows(dir, "units.csv")?;
        let multiplier_rows: Vec<FactorRow> = read_rows(dir, "multipliers.csv")?;
        let number_word_rows: Vec<NumberWordRow> = read_rows(dir, "number_words.csv")?;
        let qualifier_rows: Vec<QualifierRow> = read_rows(dir, "qualifiers.csv")?;
        let change_rows: Vec<ChangeRow> = read_rows(dir, "changes.csv")?;
        let action_rows: Vec<ActionRow> = read_rows(dir, "actions.csv")?;
        let unit_reading_rows: Vec<UnitReadingRow> = read_rows(dir, "unit_readings.csv")?;
        let action_reading_rows: Vec<ActionReadingRow> = read_rows(dir, "action_readings.csv")?;
        let topic_rows: Vec<TopicRow> = read_rows(dir, "topics.csv")?;
        let province_rows: Vec<ProvinceRow> = read_rows(dir, "provinces.csv")?;
        let quantity_rows: Vec<QuantityRow> = read_rows(dir, "quantities.csv")?;
        let not_statistic: Vec<NotStatisticRow> = read_rows(dir, "not_statistic.csv")?;
        let boilerplate: Vec<BoilerplateRow> = read_rows(dir, "boilerplate.csv")?;
        let indexed = |forms: Vec<&String>| {
            PhraseTable::new(forms.into_iter().cloned().enumerate().map(|(i, f)| (f, i)))
        };
        let baselines = patterns(dir, "baselines.csv", |r: BaselineRow| {
            (r.pattern, r.baseline)
        })?;
        let periods = patterns(dir, "periods.csv", |r: PeriodRow| (r.pattern, r.kind))?;
        let comparison_openers = forms(dir, "comparison_openers.csv")?;
        let period_starts = baselines
            .first_words()
            .union(periods.first_words())
            .union(comparison_openers.first_words());
        Ok(Lexicon {
            dir: dir.to_path_buf(),
            units: indexed(unit_rows.iter().map(|r| &r.form).collect()),
            multipliers: PhraseTable::new(
                multiplier_rows.iter().map(|r| (r.form.clone(), r.factor)),
            ),
            number_words: PhraseTable::new(
                number_word_rows.iter().map(|r| (r.form.clone(), r.value)),
            ),
            qualifiers: indexed(qualifier_rows.iter().map(|r| &r.form).collect()),
            changes: indexed(change_rows.iter().map(|r| &r.form).collect()),
            actions: indexed(action_rows.iter().map(|r| &r.form).collect()),
            topics: indexed(topic_rows.iter().map(|r| &r.form).collect()),
            not_statistic: PhraseTable::new(not_statistic.into_iter().map(|r| (r.form, r.side))),
            baselines,
            periods,
            period_starts,
            boilerplate: Boilerplate::new(boilerplate),
            place_prefixes: forms(dir, "place_prefixes.csv")?,
            date_markers: forms(dir, "date_markers.csv")?,
            passives: forms(dir, "passives.csv")?,
            abbreviations: forms(dir, "abbreviations.csv")?,
            list_joiners: forms(dir, "list_joiners.csv")?,
            unit_fillers: forms(dir, "unit_fillers.csv")?,
            comparison_openers,
            field_openers: forms(dir, "field_openers.csv")?,
            quantities: indexed(quantity_rows.iter().map(|r| &r.form).collect()),
            quantity_rows,
            caption_markers: forms(dir, "caption_markers.csv")?,
            dateline_words: forms(dir, "dateline_words.csv")?,
            document_words: forms(dir, "document_words.csv")?,
            merger_effective: merger_effective(dir)?,
            unit_rows,
            multiplier_rows,
            number_word_rows,
            qualifier_rows,
            change_rows,
            action_rows,
            unit_reading_rows,
            action_reading_rows,
            topic_rows,
            province_rows,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_roman_numeral_is_one_to_four_of_i_v_x_l() {
        for yes in ["i", "ii", "iv", "xiii", "lxx"] {
            assert!(looks_roman(yes), "{yes}");
        }
        // `quý` is a word; `iiiii` is too long to number a quarter or a section; `ví` is a
        // Vietnamese word made of roman letters and a mark.
        for no in ["", "quý", "iiiii", "ví", "2", "mix"] {
            assert!(!looks_roman(no), "{no}");
        }
    }

    #[test]
    fn a_form_ending_before_a_token_is_the_longest_at_the_earliest_start() {
        let table = PhraseTable::new(
            ["tăng", "tăng thêm", "gia tăng", "thêm"].map(|f| (f.to_string(), f.to_string())),
        );
        let tokens = crate::text::tokenize("số vụ gia tăng thêm 12 vụ", 0);
        let ending = |end| {
            table
                .match_ending_at(&tokens, end)
                .map(|(s, v)| (s, v.as_str()))
        };
        // `gia tăng` starts earliest of the forms ending before `thêm`; before `12`, the
        // longest form at `tăng` (`tăng thêm`) ends there.
        assert_eq!(ending(4), Some((2, "gia tăng")));
        assert_eq!(ending(5), Some((3, "tăng thêm")));
        // No form ends with `vụ`, nor before the first token or past the last.
        assert_eq!(ending(2), None);
        assert_eq!(ending(0), None);
        assert_eq!(ending(9), None);
        // A form is found by its last word, which need start no form.
        let one = PhraseTable::new([("gia tăng".to_string(), ())]);
        assert_eq!(one.match_ending_at(&tokens, 4).map(|(s, _)| s), Some(2));
    }

    fn boilerplate() -> Boilerplate {
        let row = |form: &str, effect| BoilerplateRow {
            form: form.into(),
            effect,
        };
        Boilerplate::new(vec![
            row("tin liên quan", Effect::Cut),
            row("chia sẻ", Effect::Drop),
        ])
    }

    #[test]
    fn a_page_line_is_known_by_its_words_or_its_label() {
        let b = boilerplate();
        assert_eq!(b.effect("TIN LIÊN QUAN"), Some(Effect::Cut));
        // Numbers and marks around the words do not hide the line (`Tin liên quan (12)`).
        assert_eq!(b.effect("Tin liên quan (12) »"), Some(Effect::Cut));
        assert_eq!(b.effect("» 12 Tin liên quan"), Some(Effect::Cut));
        assert_eq!(
            b.effect("Chia sẻ: Facebook, Zalo, Twitter và nhiều mạng khác"),
            Some(Effect::Drop)
        );
    }

    #[test]
    fn a_form_without_words_is_a_line_without_words() {
        let b = Boilerplate::new(vec![BoilerplateRow {
            form: "".into(),
            effect: Effect::Drop,
        }]);
        assert_eq!(b.effect("12/5 -"), Some(Effect::Drop));
        assert_eq!(b.effect("Tin liên quan"), None);
    }

    #[test]
    fn a_sentence_holding_the_words_is_not_a_page_line() {
        let b = boilerplate();
        assert_eq!(b.effect("Các vụ án tin liên quan đã được khởi tố."), None);
        assert_eq!(
            b.effect("Ông chia sẻ thêm về kết quả: 12 vụ bị phát hiện"),
            None
        );
    }
}
