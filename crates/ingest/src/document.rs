//! One record in, one ingested document out: normalised text, boilerplate removed, document
//! fields (title, province, years, event date) and its mentions.

use aho_corasick::{AhoCorasick, AhoCorasickKind, Anchored, Input, Match, MatchKind, StartKind};
use sha2::{Digest, Sha256};

use crate::extract::{extract_tokens, Mention};
use crate::hash::{word_key, KeyFilter};
use crate::lexicon::{Effect, Lexicon};
use crate::source::{Record, RecordText, Reject};
use crate::text::{
    decode, decode_str, floor_char_boundary, fold, form_tokens, normalize, normalize_owned,
    tokenize_folded, tokens_folded, DecodeProblem, FoldedText, Token, TokenFold, TokenKind, Tokens,
    TOKEN_BYTES,
};

/// A calendar date (`event_date`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Date {
    pub year: i32,
    pub month: u32,
    pub day: u32,
}

impl Date {
    pub fn new(year: i32, month: u32, day: u32) -> Option<Date> {
        let leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
        let days = match month {
            1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
            4 | 6 | 9 | 11 => 30,
            2 if leap => 29,
            2 => 28,
            _ => return None,
        };
        (1900..=2100)
            .contains(&year)
            .then_some(())
            .filter(|_| (1..=days).contains(&day))
            .map(|_| Date { year, month, day })
    }

    /// Days since 1970-01-01, the representation of Arrow's `date32`.
    pub fn days_since_epoch(self) -> i32 {
        // Howard Hinnant's days_from_civil.
        let y = if self.month <= 2 {
            self.year - 1
        } else {
            self.year
        };
        let era = if y >= 0 { y } else { y - 399 } / 400;
        let yoe = y - era * 400;
        let m = self.month as i32;
        let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + self.day as i32 - 1;
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
        era * 146097 + doe - 719468
    }

    /// `YYYY-MM-DD`, as in ISO 8601.
    pub fn parse_iso(s: &str) -> Option<Date> {
        let mut parts = s.get(..10)?.split('-');
        let y = parts.next()?.parse().ok()?;
        let m = parts.next()?.parse().ok()?;
        let d = parts.next()?.parse().ok()?;
        Date::new(y, m, d)
    }
}

/// Document fields the pipeline file supplies when neither text nor metadata do.
#[derive(Debug, Clone, Default)]
pub struct DocDefaults {
    pub province: Option<String>,
    pub report_year: Option<i32>,
}

/// The `ingest` stage's row for a document: its fields and its mentions.
#[derive(Debug, Clone, PartialEq)]
pub struct IngestedDocument {
    pub doc_id: String,
    pub source: String,
    pub sha256: String,
    pub title: Option<String>,
    /// The date of the dateline the text opens with (` date 2019-12` → 2019-12-01,
    /// `Thứ Sáu, 20/01/2023, 10:39 [GMT+7]` → 2023-01-20).
    pub published_in_text: Option<Date>,
    pub event_date: Option<Date>,
    pub report_year: Option<i32>,
    pub province: Option<String>,
    pub n_chars: i64,
    /// The record's `url` (corpus inputs; none for a `.txt` file).
    pub url: Option<String>,
    /// When the report was published (SPEC `documents.published`): the record's `date`, else
    /// the dateline the text opens with ([`IngestedDocument::published_in_text`]).
    pub published: Option<Date>,
    pub mentions: Vec<Mention>,
}

/// Matches province names in text and reads them in metadata; built once per lexicon.
pub struct Gazetteer {
    matcher: Option<AhoCorasick>,
    /// The keys of the names' first words: the article is searched for a name only from a
    /// word among them (see [`Gazetteer::find`]).
    first_words: KeyFilter,
    /// For each pattern: (province, merged_into).
    names: Vec<(String, String)>,
    /// Every name a province goes by, as (kind, folded tokens, the same without tone or vowel
    /// marks, row in `names`), kinds in the order a metadata name is tried: 0 the province's
    /// own name, 1 another spelling or an abbreviation (`TP.HCM`), 2 its merged name.
    spellings: Vec<(u8, String, String, usize)>,
    place_prefixes: crate::lexicon::PhraseTable<()>,
}

impl Gazetteer {
    pub fn new(lex: &Lexicon) -> Gazetteer {
        let mut rows: Vec<_> = lex.province_rows.iter().collect();
        rows.sort_by_key(|r| std::cmp::Reverse(r.form.len()));
        // A DFA: a few hundred names make a small one. Searched from a word (anchored) in the
        // article, and through the text (unanchored) elsewhere.
        let matcher = AhoCorasick::builder()
            .match_kind(MatchKind::LeftmostLongest)
            .kind(Some(AhoCorasickKind::DFA))
            .start_kind(StartKind::Both)
            .build(rows.iter().map(|r| fold(&r.form)))
            .ok();
        let mut first_words = KeyFilter::default();
        for r in &rows {
            if let Some(w) = form_tokens(&r.form).first() {
                first_words.insert(word_key(w));
            }
        }
        let mut spellings = Vec::new();
        for (i, r) in rows.iter().enumerate() {
            for (kind, name) in [(0, &r.province), (1, &r.form), (2, &r.merged_into)] {
                let key = name_key(name);
                spellings.push((kind, bare(&key), key, i));
            }
        }
        spellings.sort_by_key(|s| s.0);
        Gazetteer {
            matcher,
            first_words,
            names: rows
                .iter()
                .map(|r| (r.province.clone(), r.merged_into.clone()))
                .collect(),
            spellings,
            place_prefixes: lex.place_prefixes.clone(),
        }
    }

    /// The canonical name for a name given in metadata or the pipeline file, read through the
    /// same table as the text: a province's own name first (`Hồ Chí Minh` before the merger
    /// is Hồ Chí Minh, not the province merged into it), then its spellings and abbreviations
    /// (`TP.HCM`, `Thanh Hoá`), then its merged name; `tỉnh`/`thành phố` aside, and without
    /// marks (`Ha Noi`) when that names one province only. Unknown names pass as written.
    pub fn canonical(&self, name: &str, merged: bool) -> String {
        self.lookup(name, merged)
            .unwrap_or_else(|| name.trim().to_string())
    }

    /// Whether `name` is a province the lexicon knows, under any of its spellings: a pipeline
    /// file's default province is checked with it, so a misspelt one is a configuration error
    /// instead of a column of unknown names.
    pub fn knows(&self, name: &str) -> bool {
        self.lookup(name, false).is_some()
    }

    /// [`Gazetteer::canonical`], or `None` for a name the lexicon does not know.
    fn lookup(&self, name: &str, merged: bool) -> Option<String> {
        let pick = |i: usize| {
            let (p, m) = &self.names[i];
            if merged {
                m.clone()
            } else {
                p.clone()
            }
        };
        let full = name_key(name);
        let toks = crate::text::tokenize(&full, 0);
        let unprefixed = self
            .place_prefixes
            .match_at(&toks, 0)
            .filter(|(len, _)| *len < toks.len())
            .map(|(len, _)| {
                toks[len..]
                    .iter()
                    .map(|t| t.folded.as_str())
                    .collect::<Vec<_>>()
                    .join(" ")
            });
        for key in std::iter::once(full).chain(unprefixed) {
            if let Some(s) = self.spellings.iter().find(|s| s.2 == key) {
                return Some(pick(s.3));
            }
            let b = bare(&key);
            let mut found = self
                .spellings
                .iter()
                .filter(|s| s.1 == b)
                .map(|s| pick(s.3));
            if let Some(first) = found.next() {
                if found.all(|other| other == first) {
                    return Some(first);
                }
            }
        }
        None
    }

    /// The province the text is about: the name it states most often, a name after a place
    /// word (`tỉnh`, `Công an tỉnh`) counting three times.
    /// `folded` is `text` folded (see [`FoldedText`]); `lines` are the article's lines in
    /// `text`, in order, and `tokens` their tokens.
    ///
    /// Names are found as one leftmost-longest search through the fold would find them, whole
    /// words only, without scanning every byte: in the article a name can only start at a word
    /// that starts one (a bit in [`Gazetteer::first_words`]), or after the hyphen or apostrophe
    /// inside a joined word (`Hà Nội-Hải Phòng` is one token from `nội-hải`), and is searched
    /// from there. A scan of every byte was a twentieth of extracting a document. It found the
    /// same names, but for one case: a match inside a word, rejected, hid any name overlapping
    /// it, which is now found when it starts at a word.
    fn find(
        &self,
        text: &str,
        folded: &FoldedText,
        lines: &[(usize, usize)],
        tokens: &[&[Token]],
        lex: &Lexicon,
    ) -> Option<usize> {
        let matcher = self.matcher.as_ref()?;
        // The fold: case and tone placement aside (`CÔNG AN TỈNH KHÁNH HOÀ`).
        let hay = folded.folded.as_str();
        let mut found = Vec::new();
        if self
            .search_from_words(matcher, text, folded, lines, tokens, &mut found)
            .is_none()
        {
            // A text whose words cannot all be placed in the fold is searched through.
            found.clear();
            found.extend(matcher.find_iter(hay));
        }
        let mut score: Vec<(usize, usize, usize)> = Vec::new(); // (pattern name idx, score, first)
        for m in found {
            let (start, end) = folded.source_span(m.start(), m.end());
            let before = text[..start].chars().next_back();
            let after = text[end..].chars().next();
            if before.is_some_and(char::is_alphanumeric) || after.is_some_and(char::is_alphanumeric)
            {
                continue;
            }
            let window_start = floor_char_boundary(text, start.saturating_sub(40));
            let toks = tokenize_folded(&text[window_start..start], window_start, folded);
            let prefixed = lex
                .place_prefixes
                .match_ending_at(&toks, toks.len())
                .is_some();
            let name = &self.names[m.pattern().as_usize()].0;
            let idx = self.names.iter().position(|(p, _)| p == name).unwrap_or(0);
            let weight = if prefixed { 3 } else { 1 };
            match score.iter_mut().find(|s| s.0 == idx) {
                Some(s) => s.1 += weight,
                None => score.push((idx, weight, start)),
            }
        }
        score
            .into_iter()
            .max_by(|a, b| a.1.cmp(&b.1).then(b.2.cmp(&a.2)))
            .map(|s| s.0)
    }

    /// Every name [`Gazetteer::find`] looks for, in text order, into `found`; `None`, part way,
    /// when a word's place in the fold is not known.
    fn search_from_words(
        &self,
        matcher: &AhoCorasick,
        text: &str,
        folded: &FoldedText,
        lines: &[(usize, usize)],
        tokens: &[&[Token]],
        found: &mut Vec<Match>,
    ) -> Option<()> {
        let hay = folded.folded.as_str();
        // Names do not overlap: the next starts where the last one ended, at the least.
        let mut free = 0;
        let mut search = |range: std::ops::Range<usize>, anchored: Anchored, free: &mut usize| {
            let mut input = Input::new(hay).range(range).anchored(anchored);
            while let Ok(Some(m)) = matcher.try_find(input.clone()) {
                *free = m.end();
                found.push(m);
                if anchored == Anchored::Yes {
                    break;
                }
                input.set_start(m.end());
            }
        };
        // Where the text before the next article line starts: page furniture between lines
        // (and a dateline cut from a line's start) is searched through.
        let mut read_to = 0;
        for (&(s, e), tokens) in lines.iter().zip(tokens) {
            if s > read_to {
                let (from, to) = (folded.folded_offset(read_to)?, folded.folded_offset(s)?);
                search(from.max(free)..to.max(free), Anchored::No, &mut free);
            }
            read_to = e;
            // Hyphens and apostrophes, which join two words into one token.
            let mut joints = memchr::memchr2_iter(b'-', b'\'', &text.as_bytes()[s..e])
                .map(|k| s + k)
                .peekable();
            for t in *tokens {
                let joined = joints.peek().is_some_and(|&j| j < t.end);
                if !joined && !self.first_words.may_contain(t.key) {
                    continue;
                }
                let TokenFold::Read(word) = t.folded else {
                    return None;
                };
                let at = folded.offset_of(word)?;
                if at >= free {
                    search(at..hay.len(), Anchored::Yes, &mut free);
                }
                // A name may start after a joint inside a word.
                while let Some(j) = joints.next_if(|&j| j < t.end) {
                    if j < t.start || t.kind != TokenKind::Word {
                        continue;
                    }
                    let after = folded.folded_offset(j + 1)?;
                    if after >= free {
                        search(after..hay.len(), Anchored::Yes, &mut free);
                    }
                }
            }
        }
        Some(())
    }
}

/// A name's folded tokens joined by single spaces: `TP. HCM`, `TP.HCM` and `tp.hcm` agree.
fn name_key(name: &str) -> String {
    crate::text::form_tokens(name.trim()).join(" ")
}

/// A folded name without tone and vowel marks (`hà nội` → `ha noi`), as names are written
/// where Vietnamese letters are not at hand.
fn bare(key: &str) -> String {
    use unicode_normalization::UnicodeNormalization;
    key.nfd()
        .filter(|&c| !crate::text::is_mark(c))
        .map(|c| if c == 'đ' { 'd' } else { c })
        .collect()
}

/// Lines that are the article, as byte ranges of `text`: page furniture dropped, and nothing
/// after a line that starts the page's navigation (`Tin cùng chuyên mục`).
fn article_lines(text: &str, lex: &Lexicon) -> Vec<(usize, usize)> {
    // A navigation block before any body text is page header (`Thống kê truy cập` above the
    // article): skip it and the short lines after it instead of ending the article there.
    const BODY_WORDS: usize = 15;
    let mut lines = Vec::new();
    let mut seen_body = false;
    let mut in_header_block = false;
    let mut start = 0;
    for line in crate::text::split_lines(text) {
        let end = start + line.len();
        // Counted only as far as the test needs (body lines are long), and only while the
        // body has not begun: once it has, no line's length is asked.
        let is_short = || line.split_whitespace().take(BODY_WORDS).count() < BODY_WORDS;
        match lex.boilerplate.effect(line) {
            Some(Effect::Cut) if seen_body => break,
            Some(Effect::Cut) => in_header_block = true,
            Some(Effect::Drop) => {}
            None if line.trim().is_empty() => {}
            None if in_header_block && is_short() => {}
            None => {
                in_header_block = false;
                seen_body = seen_body || !is_short();
                lines.push((start, end));
            }
        }
        start = end + 1;
    }
    lines
}

/// A dateline the text opens with (` date 2019-12`, `date 2025-08-19`, `Thứ Sáu, 20/01/2023,
/// 10:39 [GMT+7]`): its date (the first of the month when no day is given) and the byte
/// offset where it ends. It is page furniture, not the article's first words.
fn opening_dateline(
    text: &str,
    lines: &[(usize, usize)],
    lex: &Lexicon,
) -> Option<(Date, usize, usize)> {
    if let Some(found) = lines.first().and_then(|&l| dateline_at(text, l, lex)) {
        return Some((found.0, found.1, 0));
    }
    // Under the headline, a line that is only a dateline (`THỨ BA, 14/09/2021 15:46:00`).
    let &(s, e) = lines.get(1)?;
    dateline_at(text, (s, e), lex)
        .filter(|&(_, end)| text[end..e].trim().is_empty())
        .map(|(date, end)| (date, end, 1))
}

/// A `-` glued between the token before it and a number right after it (`2019-12`): how a
/// dateline writes its year, month and day.
fn glued_dash(toks: &[Token], k: usize) -> bool {
    k > 0
        && toks
            .get(k)
            .is_some_and(|t| t.folded == "-" && toks[k - 1].end == t.start)
        && toks
            .get(k + 1)
            .is_some_and(|n| n.start == toks[k].end && n.kind == TokenKind::Number)
}

/// The most tokens of a line a dateline is read from: a dateline word, a date, a time and a
/// bracketed zone take under 30; of any tokens after those, only whether there are some is
/// asked.
const DATELINE_TOKENS: usize = 40;

/// Tokens after a dateline word that tell whether a date follows: a comma, then a date's
/// five (`20/01/2023`, `2019-12-05`), and one more.
const DATE_OPENING_TOKENS: usize = 7;

/// The number token `k` reads as, if it reads as one.
fn number_at(toks: &[Token], k: usize) -> Option<u32> {
    toks.get(k).and_then(|t| t.folded.parse::<u32>().ok())
}

/// A dateline at the start of the line `(s, e)`: its date and where it ends.
fn dateline_at(text: &str, (s, e): (usize, usize), lex: &Lexicon) -> Option<(Date, usize)> {
    // Most lines open with neither a dateline word nor a date: their first token tells, and
    // nothing more of them is tokenised (a body line can be a whole article long).
    let mut line = Tokens::new(&text[s..e], s);
    let opens = line.next()?;
    if opens.kind != TokenKind::Number
        && opens.folded != ","
        && !lex.dateline_words.first_words().may_contain(opens.key)
    {
        return None;
    }
    // Whether the line opens with a date is told by its first few tokens (a dateline word, a
    // comma and the five of a date); most lines that open with a number do not, and the rest
    // of their 40 tokens would be folded for nothing. The rest is read once a date is found.
    let first = (lex.dateline_words.longest_form() + DATE_OPENING_TOKENS).min(DATELINE_TOKENS);
    let mut toks: Vec<Token> = std::iter::once(opens)
        .chain(line.by_ref().take(first - 1))
        .collect();
    let mut i = lex
        .dateline_words
        .match_at(&toks, 0)
        .map_or(0, |(len, _)| len);
    if toks.get(i).is_some_and(|t| t.folded == ",") {
        i += 1;
    }
    let (date, mut end) = if let Some(year) = toks.get(i).and_then(crate::lexicon::year_of) {
        // `2019-12`, `2025-08-19`
        if !glued_dash(&toks, i + 1) {
            return None;
        }
        let month = number_at(&toks, i + 2)?;
        if glued_dash(&toks, i + 3) {
            (Date::new(year, month, number_at(&toks, i + 4)?)?, i + 5)
        } else {
            (Date::new(year, month, 1)?, i + 3)
        }
    } else {
        let (day, month, year) = date_at(&toks, i)?;
        (Date::new(year?, month, day)?, i + 5)
    };
    let read = toks.len();
    toks.extend(line.take(DATELINE_TOKENS - read));
    let number = |k: usize| number_at(&toks, k);
    // `, 10:39 [GMT+7]` after a full date.
    let time_at = |k: usize| {
        number(k).is_some()
            && toks.get(k + 1).is_some_and(|t| t.folded == ":")
            && number(k + 2).is_some()
    };
    let comma = usize::from(toks.get(end).is_some_and(|t| t.folded == ","));
    if time_at(end + comma) {
        end += comma + 3;
        // `15:46:00`
        if toks.get(end).is_some_and(|t| t.folded == ":") && number(end + 1).is_some() {
            end += 2;
        }
    }
    if toks
        .get(end)
        .is_some_and(|t| t.folded == "[" || t.folded == "(")
    {
        if let Some(close) =
            (end..toks.len().min(end + 8)).find(|&k| toks[k].folded == "]" || toks[k].folded == ")")
        {
            end = close + 1;
        }
    }
    // A date that runs on into a sentence (`20/01/2023, Công an tỉnh ...`) opens the article.
    if i == 0 && end < toks.len() && date_at(&toks, 0).is_some() {
        return None;
    }
    Some((date, toks[end - 1].end))
}

/// The page's own date (a dateline such as `date 2020-10`, `10/02/2023 - 19:44:00`) in the
/// first lines, as (year, month): no reader asks for its day.
fn find_dateline(lines: &[&[Token]], lex: &Lexicon) -> Option<(i32, u32)> {
    for toks in lines.iter().take(3) {
        for i in 0..toks.len() {
            if let Some(y) = crate::lexicon::year_of(&toks[i]) {
                if glued_dash(toks, i + 1) {
                    let month: u32 = toks[i + 2].folded.parse().ok()?;
                    if (1..=12).contains(&month) {
                        return Some((y, month));
                    }
                }
            }
            if let Some((_, month, Some(year))) = date_at(toks, i) {
                if !cites_document(toks, i, lex) {
                    return Some((year, month));
                }
            }
        }
    }
    None
}

/// The event date: a date marker with a day and month (`Sáng 18/1`, `Chiều nay 10/2`, `Ngày
/// 8.12`), never the date of a cited decree or plan. Its year: the one written with it
/// (`18/1/2023`); else the publication's (a day in a later month than the publication is of the
/// year before); else the first full date's; else the report's year, or the year after it for
/// a review of a whole year held in January or February.
fn find_event_date(
    lines: &[&[Token]],
    lex: &Lexicon,
    published: Option<(i32, u32)>,
    report_year: Option<i32>,
    annual_review: bool,
) -> Option<Date> {
    let mut marked: Option<(u32, u32, Option<i32>)> = None;
    let mut first_full_year = None;
    for toks in lines.iter().take(6) {
        for i in 0..toks.len() {
            let Some((day, month, year)) = date_at(toks, i) else {
                continue;
            };
            // A cited document's date, or an end of a period (`từ ngày 15/12/2021 đến ngày
            // 14/12/2022`), is no event.
            let in_period = (i.saturating_sub(3)..=i).any(|j| {
                lex.periods
                    .longest_at(toks, j)
                    .is_some_and(|(m, _)| j + m.len > i)
            });
            if cites_document(toks, i, lex) || in_period {
                continue;
            }
            if first_full_year.is_none() {
                first_full_year = year;
            }
            let marker = lex.date_markers.match_ending_at(toks, i).is_some();
            if marker && marked.is_none() {
                marked = Some((day, month, year));
            }
        }
        if marked.is_some() {
            break;
        }
    }
    let (day, month, year) = marked?;
    let year = match (year, published) {
        (Some(y), _) => y,
        (None, Some((y, m))) if month > m => y - 1,
        (None, Some((y, _))) => y,
        (None, None) => first_full_year.or_else(|| {
            report_year.map(|y| {
                if annual_review && month <= 2 {
                    y + 1
                } else {
                    y
                }
            })
        })?,
    };
    Date::new(year, month, day)
}

/// Whether the date at token `i` is a cited document's (`Nghị định 94/2016/NĐ-CP ngày
/// 01/7/2016`, `Kế hoạch số 86/KH-UBND ngày 4/4/2016`): a document name shortly before it in
/// its sentence.
fn cites_document(toks: &[crate::text::Token], i: usize, lex: &Lexicon) -> bool {
    (i.saturating_sub(12)..i)
        .rev()
        .take_while(|&j| !matches!(toks[j].folded.as_str(), "." | ";"))
        .any(|j| lex.document_words.match_at(toks, j).is_some())
}

/// `d/m`, `d-m`, `d/m/yyyy` at token `i`.
// Inlined so that the readers asking at every token pay no call for the words: a date starts
// with a number.
#[inline(always)]
fn date_at(toks: &[crate::text::Token], i: usize) -> Option<(u32, u32, Option<i32>)> {
    if toks.get(i)?.kind != TokenKind::Number {
        return None;
    }
    number_date_at(toks, i)
}

#[inline(never)]
fn number_date_at(toks: &[crate::text::Token], i: usize) -> Option<(u32, u32, Option<i32>)> {
    let num = |k: usize| -> Option<u32> {
        let t = toks.get(k)?;
        (t.kind == TokenKind::Number).then(|| t.folded.parse().ok())?
    };
    let sep = |k: usize| {
        toks.get(k)
            .is_some_and(|t| (t.folded == "/" || t.folded == "-") && toks[k - 1].end == t.start)
            && toks.get(k + 1).is_some_and(|n| n.start == toks[k].end)
    };
    // `8.12` reads as one number token: a day and a month, as many papers write them.
    // Asked of every number: its bytes are searched, not its characters.
    if let Some((d, m)) = toks
        .get(i)
        .filter(|t| t.kind == TokenKind::Number)
        .and_then(|t| {
            let dot = t.folded.bytes().position(|b| b == b'.')?;
            Some((&t.folded[..dot], &t.folded[dot + 1..]))
        })
    {
        let (Ok(day), Ok(month)) = (d.parse::<u32>(), m.parse::<u32>()) else {
            return None;
        };
        let ok = m.len() <= 2 && (1..=31).contains(&day) && (1..=12).contains(&month);
        return ok.then_some((day, month, None));
    }
    let day = num(i)?;
    if !sep(i + 1) {
        return None;
    }
    let month = num(i + 2)?;
    let year = if sep(i + 3) {
        num(i + 4).map(|y| y as i32)
    } else {
        None
    };
    ((1..=31).contains(&day) && (1..=12).contains(&month)).then_some((day, month, year))
}

fn first_full_date_year(lines: &[&[Token]]) -> Option<i32> {
    lines
        .iter()
        .find_map(|toks| (0..toks.len()).find_map(|i| date_at(toks, i).and_then(|d| d.2)))
}

/// The headline: the first line when it reads as one (5 to 40 words, no closing full stop),
/// else the second under a shorter first (a site's name, a menu line such as `Chỉ đạo, Điều
/// hành`), without
/// the date and time some pages print after it (`... 29/07/2025 10:53`), which is returned as
/// the publication date.
fn headline(
    text: &str,
    lines: &[(usize, usize)],
    tokens: &[&[Token]],
    lex: &Lexicon,
) -> Option<(String, Option<Date>)> {
    if lines.len() < 2 {
        return None;
    }
    // The second line only under a first that is too short to be one (a site's name).
    // Words are counted only as far as each test needs: a text without a headline opens with
    // a paragraph, whose words are many and each decoded to find the spaces.
    let short = |&(s, e): &(usize, usize)| text[s..e].split_whitespace().nth(4).is_none();
    let candidates = if short(&lines[0]) { 2 } else { 1 };
    lines
        .iter()
        .zip(tokens)
        .take(candidates)
        .find_map(|(&(s, e), toks)| {
            // A trailing `dd/mm/yyyy hh:mm`.
            let tail = toks.len().checked_sub(8).and_then(|i| {
                let (day, month, year) = date_at(toks, i)?;
                let time = toks[i + 6].folded == ":" && toks[i + 5].kind == TokenKind::Number;
                time.then(|| (toks[i].start, year.and_then(|y| Date::new(y, month, day))))
            });
            let (end, date) = tail.map_or((e, None), |(at, date)| (at, date));
            let title = text[s..end].trim();
            let words = title.split_whitespace().take(41).count();
            let furniture = lex.boilerplate.effect(title).is_some();
            ((5..=40).contains(&words) && !title.ends_with('.') && !furniture)
                .then(|| (title.to_string(), date))
        })
}

/// Turns one record into an ingested document, or says why it cannot be one.
pub fn ingest(
    record: &Record,
    lex: &Lexicon,
    gazetteer: &Gazetteer,
    defaults: &DocDefaults,
) -> Result<IngestedDocument, Reject> {
    ingest_keeping_text(record, lex, gazetteer, defaults).map(|(doc, _)| doc)
}

/// [`ingest`], also handing back the normalised text its mentions' spans point into, so an
/// audit (`solieu explain`) shows exactly the text ingest read.
pub fn ingest_keeping_text(
    record: &Record,
    lex: &Lexicon,
    gazetteer: &Gazetteer,
    defaults: &DocDefaults,
) -> Result<(IngestedDocument, String), Reject> {
    // The copy is the one normalising a borrowed text would make: a normal text is kept.
    let prepared = prepare(record.clone())?;
    let doc = ingest_prepared(&prepared, lex, gazetteer, defaults)?;
    Ok((doc, prepared.text))
}

/// A record made ready for extraction: its text decoded and normalised, the one step that
/// reads its raw bytes, and their SHA-256. Preparing is apart from extraction
/// ([`ingest_prepared`]) so the two can run on different threads: a streamed run with a small
/// pool prepares each record on the thread that reads it, leaving the workers extraction
/// alone, and the raw bytes are freed there.
///
/// Only [`prepare`] makes one (it is `non_exhaustive`): [`ingest_prepared`] relies on its text
/// being normalised.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct Prepared {
    pub doc_id: String,
    pub source: String,
    /// The normalised text ([`normalize`]) the mentions' spans point into.
    pub text: String,
    /// The SHA-256 of the record's bytes as read, in lower-case hex (`documents.sha256`).
    pub sha256: String,
    pub url: Option<String>,
    pub title: Option<String>,
    pub date: Option<String>,
    pub province: Option<String>,
}

/// Decodes and normalises a record's text ([`decode`], [`normalize`]); a text that cannot be
/// decoded, or is empty, is the record's reject.
pub fn prepare(record: Record) -> Result<Prepared, Reject> {
    let Record {
        doc_id,
        source,
        bytes,
        url,
        title,
        date,
        province,
    } = record;
    let sha256 = hex_sha256(&bytes);
    let text = match bytes {
        // A corpus string that decodes as it is (no byte-order mark for `decode_str` to drop,
        // no NUL, not empty) is normalised in place: most are normal already, and are kept,
        // not copied. One with a mark takes the path below, the mark dropped as it always was.
        RecordText::Utf8(text) if decode_str(&text).is_ok_and(|body| body.len() == text.len()) => {
            Ok(normalize_owned(text))
        }
        bytes => text_of(&bytes),
    };
    match text {
        Ok(text) => Ok(Prepared {
            doc_id,
            source,
            text,
            sha256,
            url,
            title,
            date,
            province,
        }),
        Err(p) => Err(Reject {
            source,
            reason: p.to_string(),
        }),
    }
}

/// The normalised text of a record's bytes: a corpus field is UTF-8 already, a file's bytes
/// are decoded.
fn text_of(bytes: &RecordText) -> Result<String, DecodeProblem> {
    let raw = match bytes.as_utf8() {
        Some(text) => decode_str(text),
        None => decode(bytes),
    };
    raw.map(|raw| normalize(&raw))
}

/// Extraction proper: a [`Prepared`] record's document fields and mentions.
pub fn ingest_prepared(
    record: &Prepared,
    lex: &Lexicon,
    gazetteer: &Gazetteer,
    defaults: &DocDefaults,
) -> Result<IngestedDocument, Reject> {
    let text = record.text.as_str();
    let mut lines = article_lines(text, lex);
    let published_in_text = opening_dateline(text, &lines, lex).map(|(date, end, line)| {
        // The article starts after its dateline; a line that is only a dateline goes.
        let rest = text[end..lines[line].1].trim_start();
        if rest.is_empty() {
            lines.remove(line);
        } else {
            lines[line].0 = lines[line].1 - rest.len();
        }
        date
    });
    if lines.is_empty() {
        return Err(Reject {
            source: record.source.clone(),
            reason: "empty: no article text after removing page furniture".into(),
        });
    }
    // The body is folded once, here: the province finder reads the fold, and every line is
    // tokenised once from it; the readers below and the extraction share the tokens.
    let body_end = lines.last().map_or(0, |l| l.1);
    let folded_body = FoldedText::new(&text[..body_end]);
    // Every line's tokens in one buffer, sized for the body (see [`TOKEN_BYTES`]): one
    // allocation per document, not one per line.
    let mut body_tokens: Vec<Token> = Vec::with_capacity(body_end / TOKEN_BYTES + 16);
    let mut line_tokens = Vec::with_capacity(lines.len());
    for &(s, e) in &lines {
        let first = body_tokens.len();
        body_tokens.extend(tokens_folded(&text[s..e], s, &folded_body));
        line_tokens.push(first..body_tokens.len());
    }
    let tokens: Vec<&[Token]> = line_tokens.into_iter().map(|r| &body_tokens[r]).collect();
    let headline = headline(text, &lines, &tokens, lex);
    let published_in_text = published_in_text.or(headline.as_ref().and_then(|h| h.1));
    let title = record.title.clone().or(headline.map(|h| h.0));
    let extraction = extract_tokens(text, &lines, &tokens, lex);
    let mut mentions = extraction.mentions;

    let meta_date = record.date.as_deref().and_then(Date::parse_iso);
    let published = meta_date.or(published_in_text);
    let dateline = published
        .map(|d| (d.year, d.month))
        .or_else(|| find_dateline(&tokens, lex));
    // The year most figures state (comparisons are baselines, never the figures' year); else
    // the year the text names most; else the publication's year (a review published in
    // January or February that speaks of `năm qua` is about the year before); else the year
    // after the one compared with; else the first full date; else the pipeline's default.
    let published_year = dateline.map(|(year, month)| {
        if extraction.says_past_year && month <= 2 {
            year - 1
        } else {
            year
        }
    });
    let report_year = mode(mentions.iter().filter_map(|m| m.year))
        .or_else(|| mode(extraction.stated_years.iter().copied()))
        .or(published_year)
        .or_else(|| extraction.comparison_years.iter().max().map(|y| y + 1))
        .or_else(|| first_full_date_year(&tokens))
        .or(defaults.report_year);
    for m in &mut mentions {
        if m.year.is_none() && !m.period_spans_years {
            m.year = report_year;
        }
    }

    let annual_review = report_year.is_some_and(|y| extraction.stated_years.contains(&y));
    let event_date = find_event_date(&tokens, lex, dateline, report_year, annual_review);
    let (y, m, d) = lex.merger_effective;
    let merger = Date {
        year: y,
        month: m,
        day: d,
    };
    // As of the report's date; with only its year, merged when the whole year is after.
    let merged = published.or(event_date).map_or(
        report_year.is_some_and(|y| Date::new(y, 1, 1).is_some_and(|start| start >= merger)),
        |d| d >= merger,
    );
    let province = gazetteer
        .find(&text[..body_end], &folded_body, &lines, &tokens, lex)
        .map(|i| {
            let (p, m) = &gazetteer.names[i];
            if merged {
                m.clone()
            } else {
                p.clone()
            }
        })
        .or_else(|| {
            record
                .province
                .as_deref()
                .map(|p| gazetteer.canonical(p, merged))
        })
        .or_else(|| {
            defaults
                .province
                .as_deref()
                .map(|p| gazetteer.canonical(p, merged))
        });

    let doc = IngestedDocument {
        doc_id: record.doc_id.clone(),
        source: record.source.clone(),
        sha256: record.sha256.clone(),
        title,
        published_in_text,
        event_date,
        report_year,
        province,
        n_chars: text.chars().count() as i64,
        url: record.url.clone(),
        published,
        mentions,
    };
    Ok(doc)
}

/// The most frequent value; ties go to the one seen first.
fn mode(values: impl Iterator<Item = i32>) -> Option<i32> {
    let mut counts: Vec<(i32, usize)> = Vec::new();
    for v in values {
        match counts.iter_mut().find(|c| c.0 == v) {
            Some(c) => c.1 += 1,
            None => counts.push((v, 1)),
        }
    }
    let best = counts.iter().map(|c| c.1).max()?;
    counts.iter().find(|c| c.1 == best).map(|c| c.0)
}

fn hex_sha256(bytes: &[u8]) -> String {
    format!("{:x}", Sha256::digest(bytes))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_convert_to_arrow_days() {
        assert_eq!(Date::new(1970, 1, 1).map(Date::days_since_epoch), Some(0));
        assert_eq!(
            Date::new(2023, 2, 10).map(Date::days_since_epoch),
            Some(19398)
        );
        assert_eq!(Date::new(2023, 2, 29), None);
        assert_eq!(Date::parse_iso("2024-02-29"), Date::new(2024, 2, 29));
    }

    #[test]
    fn a_document_hash_is_the_sha256_in_lower_case_hex() {
        assert_eq!(
            hex_sha256(b"abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }

    #[test]
    fn mode_prefers_first_on_ties() {
        assert_eq!(mode([2023, 2022, 2022, 2023].into_iter()), Some(2023));
        assert_eq!(mode([2021, 2022, 2022].into_iter()), Some(2022));
        assert_eq!(mode(std::iter::empty()), None);
    }
}
