//! Finding mentions: every number that counts or measures something, with the raw words around
//! it that say what (SPEC "What is a statistic" and its context rules). Nothing here maps words
//! to canonical values beyond what the structure needs; `transform` does that by joining the
//! lexicon.

use crate::lexicon::{looks_roman, Lexicon, PeriodKind, Position, Side};
use crate::text::{tokenize, Token, TokenKind};

/// Whether a row states a level (a count or amount) or only a change.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Measure {
    Level,
    Change,
}

impl Measure {
    pub fn as_str(self) -> &'static str {
        match self {
            Measure::Level => "level",
            Measure::Change => "change",
        }
    }
}

/// A short piece of text (a mention's number, unit, verb, field, period or baseline), kept
/// inline up to 24 bytes: nearly every one fits, and a dense report has thousands of them.
pub type SmallText = compact_str::CompactString;

/// A change attached to a level (`324 vụ ..., giảm 9 vụ so với năm 2022`), as written.
#[derive(Debug, Clone, PartialEq)]
pub struct ChangeParts {
    /// The direction word as written (`giảm`, `ít hơn`, `-`).
    pub direction_raw: SmallText,
    pub number_raw: SmallText,
    pub multiplier_raw: Option<SmallText>,
    pub unit_raw: SmallText,
    /// Resolved baseline (`year:2022`, `same_period`, `previous_period`).
    pub baseline: Option<SmallText>,
}

/// One statistic found in a document, with its raw parts: the row `transform` normalises.
#[derive(Debug, Clone, PartialEq)]
pub struct Mention {
    /// Byte offsets into the normalised text.
    pub span_start: usize,
    pub span_end: usize,
    pub mention: SmallText,
    pub sentence: String,
    pub measure: Measure,
    /// The number as written: digits (`1.213`) or number words (`hai mươi`).
    pub number_raw: SmallText,
    pub denominator_raw: Option<SmallText>,
    pub multiplier_raw: Option<SmallText>,
    pub unit_raw: SmallText,
    pub qualifier_raw: Option<SmallText>,
    pub action_raw: Option<SmallText>,
    pub topic_raw: Option<SmallText>,
    /// The year the text states for this figure; `None` leaves it to the document's year.
    pub year: Option<i32>,
    /// The period as written when it is not one whole calendar year.
    pub period: Option<SmallText>,
    /// The period spans more than one calendar year, so `year` must stay empty.
    pub period_spans_years: bool,
    pub change: Option<ChangeParts>,
}

/// A number followed by a unit: the candidate every rule below works on.
#[derive(Debug, Clone)]
struct Figure {
    /// Token range of the whole mention (qualifier and change word excluded).
    /// The number's first token; the figure starts there.
    first: usize,
    last: usize,
    number_len: usize,
    denominator: Option<usize>,
    multiplier: Option<(usize, usize)>,
    unit: (usize, usize),
    unit_idx: usize,
    qualifier: Option<(usize, usize)>,
    change_word: Option<(usize, usize)>,
    sentence: usize,
}

struct Sentence {
    first: usize,
    /// One past the last token.
    end: usize,
}

struct PeriodMention {
    first: usize,
    len: usize,
    kind: PeriodKind,
    years: Vec<i32>,
}

struct BaselineMention {
    first: usize,
    baseline: SmallText,
    /// The year compared with, when the phrase names one.
    year: Option<i32>,
}

/// A paragraph being read: its tokens and what each stretch of them has been found to be (its
/// [`ParagraphTables`], which it reads as its own fields).
struct Paragraph<'a> {
    text: &'a str,
    tokens: &'a [Token<'a>],
    tables: ParagraphTables,
    /// The document's last paragraph, stopping on a word with no closing mark: a scrape cut
    /// short, so its last word may be the start of a longer one (`5 đ` of `5 đối tượng`).
    cut_off: bool,
}

/// What each token of a [`Paragraph`] has been found to be, one table per question, a slot
/// per token. A thread keeps a document's tables for its next one, as it keeps its [`Jumps`],
/// so that most documents' paragraphs allocate none of their own.
#[derive(Default)]
struct ParagraphTables {
    sentences: Vec<Sentence>,
    /// Tokens inside a baseline or period phrase: never a figure, never a year context.
    consumed: Vec<bool>,
    /// Tokens inside a topic phrase: never read as a verb (`tội phạm có tổ chức`).
    in_topic: Vec<bool>,
    /// For a token inside brackets, the index of the innermost `(` that opens them: a verb,
    /// topic or year said in an aside (`(năm 2020: 1.318 vụ)`) belongs to the aside only.
    /// This, `verbs` and `change_starts` are read ([`read_clauses`]) once the paragraph is
    /// found to state a figure, and are empty until then.
    aside: Vec<Option<usize>>,
    /// The verb form starting at each token (length, action row), looked up once: the rules
    /// scan a sentence for verbs once per figure.
    verbs: Vec<Option<(usize, usize)>>,
    /// Whether a change word starts at each token.
    change_starts: Vec<bool>,
    topics: Vec<(usize, usize, usize)>,
    periods: Vec<PeriodMention>,
    baselines: Vec<BaselineMention>,
}

/// A paragraph's tables read as its fields (`para.topics`): the rules ask them everywhere.
impl std::ops::Deref for Paragraph<'_> {
    type Target = ParagraphTables;

    fn deref(&self) -> &ParagraphTables {
        &self.tables
    }
}

impl std::ops::DerefMut for Paragraph<'_> {
    fn deref_mut(&mut self) -> &mut ParagraphTables {
        &mut self.tables
    }
}

/// What the extraction finds in a document: its mentions, and the years it states.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct Extraction {
    pub mentions: Vec<Mention>,
    /// Years stated as whole years in the body, in text order (for the document's year).
    pub stated_years: Vec<i32>,
    /// Years the text compares with (`so với cùng kỳ năm 2019`), in text order: the report is
    /// about a later one.
    pub comparison_years: Vec<i32>,
    /// The text speaks of `năm qua`, the year just past.
    pub says_past_year: bool,
}

/// Finds every mention in the given paragraphs (byte ranges of `text`).
pub fn extract(text: &str, paragraphs: &[(usize, usize)], lex: &Lexicon) -> Extraction {
    let tokens: Vec<Vec<Token>> = paragraphs
        .iter()
        .map(|&(start, end)| tokenize(&text[start..end], start))
        .collect();
    let tokens: Vec<&[Token]> = tokens.iter().map(Vec::as_slice).collect();
    extract_tokens(text, paragraphs, &tokens, lex)
}

/// [`extract`] over paragraphs already tokenised (`tokens[k]` is paragraph `k`'s), as the
/// document reader has them: a text is tokenised once.
pub(crate) fn extract_tokens(
    text: &str,
    paragraphs: &[(usize, usize)],
    tokens: &[&[Token]],
    lex: &Lexicon,
) -> Extraction {
    let mut out = Extraction::default();
    // The tables of the thread's last document (see [`ParagraphTables`]).
    let mut spare = LAST_PARAGRAPHS.take();
    let mut paras: Vec<Paragraph> = paragraphs
        .iter()
        .zip(tokens)
        .map(|(&(start, end), tokens)| {
            let tables = spare.pop().unwrap_or_default();
            read_paragraph(text, start, end, tokens, lex, tables)
        })
        .collect();
    if let Some(last) = paras.last_mut() {
        // Only a last word that is the start of a longer unit word can have been cut short.
        last.cut_off = last.tokens.last().is_some_and(|t| {
            t.kind == TokenKind::Word
                && lex
                    .units
                    .words()
                    .any(|w| w.len() > t.folded.len() && w.starts_with(t.folded.as_str()))
        });
    }
    let doc_topic = document_topic(&paras, lex);
    let doc_span = document_span(&paras);
    let mut section: Option<SmallText> = None;
    let mut keys: Vec<MentionKey> = Vec::new();
    // The jump tables of the thread's last document: their buffers are reused (see
    // [`Jumps::keep`]). A document that panics takes them along; the next starts afresh.
    let mut jumps = LAST_JUMPS.take();
    // The mentions of the last paragraph with figures that is no caption.
    let mut levels_before = 0..0;
    // The headline lines that open the document (at most two), and where their mentions end.
    let mut headlines = 0;
    let mut headline_end = 0;
    for (pi, para) in paras.iter_mut().enumerate() {
        for p in &para.periods {
            match p.kind {
                PeriodKind::WholeYear => out.stated_years.extend(p.years.iter().copied()),
                PeriodKind::PastYear => out.says_past_year = true,
                _ => {}
            }
        }
        out.comparison_years
            .extend(para.baselines.iter().filter_map(|b| b.year));
        if is_heading(para) {
            section = heading_topic(para, lex);
        }
        let context = DocContext {
            topic: section.as_deref().or(doc_topic.as_deref()),
            span: doc_span.as_deref(),
        };
        let first = out.mentions.len();
        let first_key = keys.len();
        extract_paragraph(
            para,
            lex,
            &context,
            &mut jumps,
            &mut out.mentions,
            &mut keys,
        );
        attach_across_paragraphs(&mut out.mentions, &mut keys, levels_before.clone(), first);
        debug_assert_eq!(first_key, first);
        if out.mentions.len() > first && !is_caption(para, lex) {
            levels_before = first..out.mentions.len();
        }
        // Every paragraph before this one was a headline.
        if headlines == pi && pi < 2 && is_headline(para) {
            headlines += 1;
            headline_end = out.mentions.len();
        }
    }
    baselines_from_the_body(&mut out.mentions, headline_end, lex);
    jumps.keep();
    ParagraphTables::keep(spare, paras);
    out
}

/// A headline: the first lines when each is one sentence with no closing full stop.
fn is_headline(para: &Paragraph) -> bool {
    para.sentences.len() == 1
        && para.tokens.len() <= 50
        && !punct_is(para, para.tokens.len().saturating_sub(1), b".")
}

/// A headline's change says no baseline (`Số vụ tai nạn giao thông giảm 15,7%`): the body
/// states the comparison it sums up, so it takes the baseline of the body's first change of
/// the same direction and kind (percent or count).
fn baselines_from_the_body(mentions: &mut [Mention], headline_end: usize, lex: &Lexicon) {
    let (head, body) = mentions.split_at_mut(headline_end.min(mentions.len()));
    let open = |m: &Mention| m.change.as_ref().is_some_and(|c| c.baseline.is_none());
    if !head.iter().any(open) {
        return;
    }
    // The lexicon's forms folded once, and each body change read once, rather than both again
    // for every headline change compared with every body change.
    let directions: Vec<(String, &str)> = lex
        .change_rows
        .iter()
        .map(|r| (crate::text::fold(&r.form), r.direction.as_str()))
        .collect();
    let percents: Vec<String> = lex
        .unit_rows
        .iter()
        .filter(|r| r.unit == "percent")
        .map(|r| crate::text::fold(&r.form))
        .collect();
    let kind = |c: &ChangeParts| {
        let raw = crate::text::fold(&c.direction_raw);
        let direction = directions.iter().find(|(f, _)| *f == raw).map(|(_, d)| *d);
        (
            direction,
            percents.contains(&crate::text::fold(&c.unit_raw)),
        )
    };
    let stated: Vec<_> = body
        .iter()
        .filter_map(|m| {
            let b = m.change.as_ref()?;
            Some((kind(b), b.baseline.as_ref()?))
        })
        .collect();
    for m in head.iter_mut() {
        let Some(c) = m.change.as_mut().filter(|c| c.baseline.is_none()) else {
            continue;
        };
        let k = kind(c);
        if let Some((_, baseline)) = stated.iter().find(|(b, _)| *b == k) {
            c.baseline = Some((*baseline).clone());
        }
    }
}

/// What a row compares or is compared by, kept beside each mention while a document is read
/// (names borrowed from the lexicon: nothing is copied per figure).
struct MentionKey<'l> {
    unit: &'l str,
    action: Option<&'l str>,
    topic: Option<&'l str>,
    /// A level row with no change of its own yet.
    free_level: bool,
    /// A change whose paragraph states no level before it: the quantity (unit, action) it
    /// compares, looked for in the paragraph before.
    compares: Option<(&'l str, Option<&'l str>)>,
}

/// A photo caption (`... Ảnh: CTV`): a short paragraph with a caption label before a colon.
fn is_caption(para: &Paragraph, lex: &Lexicon) -> bool {
    para.tokens.len() <= 60
        && (0..para.tokens.len()).any(|i| {
            lex.caption_markers
                .match_at(para.tokens, i)
                .is_some_and(|(len, _)| punct_is(para, i + len, b":"))
        })
}

/// A comparison opening a paragraph (`So với cùng kỳ, tai nạn giao thông tăng 1.800 vụ, giảm
/// 700 người chết`) attaches to the levels of the paragraph before it (a caption between
/// aside): same unit, same action and topic when it names them, the latest such level first.
fn attach_across_paragraphs(
    mentions: &mut Vec<Mention>,
    keys: &mut Vec<MentionKey>,
    before: std::ops::Range<usize>,
    first: usize,
) {
    // Whether each of this paragraph's mentions went to a level before it.
    let mut gone = vec![false; mentions.len() - first];
    for o in first..mentions.len() {
        let Some((unit, action)) = keys[o].compares else {
            continue;
        };
        let topic = keys[o].topic;
        let fits = |k: &MentionKey| {
            k.free_level
                && k.unit == unit
                && action.is_none_or(|a| k.action.is_none_or(|b| a == b))
                && topic.is_none_or(|a| k.topic.is_none_or(|b| a == b))
        };
        if let Some(l) = before.clone().rev().find(|&l| fits(&keys[l])) {
            mentions[l].change = mentions[o].change.take();
            keys[l].free_level = false;
            gone[o - first] = true;
        }
    }
    // Most paragraphs attach nothing: the document's mentions so far are walked only when one
    // does, once each, not one shift of the tail per attached change.
    if gone.contains(&true) {
        remove_marked(mentions, first, &gone);
        remove_marked(keys, first, &gone);
    }
}

/// Removes the items from `first` on whose mark (`gone[i - first]`) is set, in one pass.
fn remove_marked<T>(items: &mut Vec<T>, first: usize, gone: &[bool]) {
    let mut i = 0;
    items.retain(|_| {
        i += 1;
        i <= first || !gone[i - 1 - first]
    });
}

/// A numbered or colon-ended short line (`2. Số vụ phạm tội về trật tự quản lý kinh tế:`,
/// `II. Công tác đấu tranh`) that opens a section of a long report.
fn is_heading(para: &Paragraph) -> bool {
    let t = &para.tokens;
    let numbered = t.len() > 2
        && (t[0].kind == TokenKind::Number || looks_roman(&t[0].folded))
        && punct_is(para, 1, b".)");
    let colon_ended = punct_is(para, t.len().saturating_sub(1), b":");
    t.len() <= 30 && para.sentences.len() <= 2 && (numbered || colon_ended)
}

/// The most specific field a heading names: its section's topic.
fn heading_topic(para: &Paragraph, lex: &Lexicon) -> Option<SmallText> {
    para.topics
        .iter()
        .filter(|&&(_, _, idx)| lex.topic_rows[idx].rank >= 1)
        .max_by_key(|&&(s, _, idx)| (lex.topic_rows[idx].rank, std::cmp::Reverse(s)))
        .map(|&(s, l, _)| stretch_text(para, (s, l)))
}

/// What the whole document says that a figure falls back on.
struct DocContext<'a> {
    /// The topic of the section the figure is in (see [`is_heading`]), else the document's
    /// main topic (see [`document_topic`]).
    topic: Option<&'a str>,
    /// A period spanning years that the document opens with (`giai đoạn 2016 – 2021`): figures
    /// with no period of their own fall in it, so their year stays empty.
    span: Option<&'a str>,
}

/// The first period the document states, when it spans more than one calendar year.
fn document_span(paras: &[Paragraph]) -> Option<SmallText> {
    let (para, p) = paras.iter().find_map(|para| {
        para.periods
            .iter()
            .find(|p| p.kind != PeriodKind::NotAPeriod)
            .map(|p| (para, p))
    })?;
    let spans = match p.kind {
        PeriodKind::SpansYears => true,
        PeriodKind::Range => matches!(p.years.as_slice(), [a, b] if a != b),
        _ => false,
    };
    spans.then(|| stretch_text(para, (p.first, p.len)))
}

/// The topic a document is about: the specific topic (rank ≥ 1) it names most often; ties go
/// to the one named first. Figures whose own clause and paragraph name none fall back to it.
fn document_topic(paras: &[Paragraph], lex: &Lexicon) -> Option<SmallText> {
    // (topic, specific?, times named, first phrase): a general topic (`tình hình tội phạm`)
    // counts only when the document names no specific one.
    let mut counts: Vec<(&str, bool, usize, SmallText)> = Vec::new();
    for para in paras {
        for (ti, &(s, l, idx)) in para.topics.iter().enumerate() {
            let row = &lex.topic_rows[idx];
            // A unit word (`8 khẩu súng`) says what one figure counts, not what the text is about.
            let after_number = s > 0 && para.tokens[s - 1].kind == TokenKind::Number;
            if after_number {
                continue;
            }
            // Fields named one right after another (`lừa đảo chiếm đoạt tài sản trên không gian
            // mạng`) name one offence: only the most specific of them counts, the first of
            // equals (an offence beats its channel).
            let best = topic_group(para, ti)
                .max_by_key(|&g| (lex.topic_rows[para.topics[g].2].rank, std::cmp::Reverse(g)));
            if row.rank >= 1 && best != Some(ti) {
                continue;
            }
            match counts.iter_mut().find(|c| c.0 == row.topic) {
                Some(c) => c.2 += 1,
                None => counts.push((&row.topic, row.rank >= 1, 1, stretch_text(para, (s, l)))),
            }
        }
    }
    let best = counts.iter().map(|c| (c.1, c.2)).max()?;
    counts.into_iter().find(|c| (c.1, c.2) == best).map(|c| c.3)
}

/// The run of topic phrases around `paragraph.topics[ti]` that follow each other in one clause
/// with at most two tokens between (`... trên không gian mạng`), as indices into `para.topics`.
fn topic_group(para: &Paragraph, ti: usize) -> std::ops::Range<usize> {
    let close = |a: usize, b: usize| {
        let (s, l, _) = para.topics[a];
        let next = para.topics[b].0;
        next <= s + l + 2 && !(s + l..next).any(|i| punct_is(para, i, b".;:()"))
    };
    let mut first = ti;
    while first > 0 && close(first - 1, first) {
        first -= 1;
    }
    let mut end = ti + 1;
    while end < para.topics.len() && close(end - 1, end) {
        end += 1;
    }
    first..end
}

thread_local! {
    /// The paragraph tables a thread's documents are read with, between two documents.
    static LAST_PARAGRAPHS: std::cell::Cell<Vec<ParagraphTables>> =
        const { std::cell::Cell::new(Vec::new()) };
}

/// The most paragraphs whose tables a thread keeps: a report has a few dozen.
const KEPT_PARAGRAPHS: usize = 256;

impl ParagraphTables {
    /// Hands the tables of a document's paragraphs (and the spares it did not use) back for
    /// the thread's next document, as many as fit in [`KEPT_TOKENS`] tokens in all: a report's
    /// paragraphs do, and a document of megabytes (the limit is 16 MiB) leaves no more behind.
    fn keep(mut spare: Vec<ParagraphTables>, paras: Vec<Paragraph>) {
        spare.extend(paras.into_iter().map(|p| p.tables));
        let mut room = KEPT_TOKENS;
        spare.retain(|t| {
            let tokens = t.consumed.capacity();
            let fits = tokens <= room;
            if fits {
                room -= tokens;
            }
            fits
        });
        // Paragraphs of no token fit any room: their number is bounded too, and a document of
        // thousands of lines gives back the slots it held them in.
        spare.truncate(KEPT_PARAGRAPHS);
        spare.shrink_to(KEPT_PARAGRAPHS);
        LAST_PARAGRAPHS.set(spare);
    }

    /// Empty tables for a paragraph of `n` tokens, in these tables' buffers.
    fn cleared(mut self, n: usize) -> ParagraphTables {
        self.sentences.clear();
        refill(&mut self.consumed, n, false);
        refill(&mut self.in_topic, n, false);
        // Read only for a paragraph with figures ([`read_clauses`]); empty until then.
        self.aside.clear();
        self.verbs.clear();
        self.change_starts.clear();
        self.topics.clear();
        self.periods.clear();
        self.baselines.clear();
        self
    }
}

fn read_paragraph<'a>(
    text: &'a str,
    start: usize,
    end: usize,
    tokens: &'a [Token<'a>],
    lex: &Lexicon,
    tables: ParagraphTables,
) -> Paragraph<'a> {
    debug_assert!(tokens.first().is_none_or(|t| t.start >= start));
    debug_assert!(tokens.last().is_none_or(|t| t.end <= end));
    let n = tokens.len();
    let mut para = Paragraph {
        text,
        tokens,
        tables: tables.cleared(n),
        cut_off: false,
    };
    split_sentences(tokens, text, lex, &mut para.tables.sentences);
    let mut i = 0;
    while i < n {
        let tok = &para.tokens[i];
        if tok.kind != TokenKind::Number
            && !lex.period_starts.may_contain(tok.key)
            && !looks_roman(&tok.folded)
        {
            i += 1;
            continue;
        }
        if let Some((m, baseline)) = lex.baselines.longest_at(para.tokens, i) {
            // A period right after the baseline is the period compared with (`so với cùng kỳ 6
            // tháng đầu năm 2023`), never the figures' own.
            let compared = lex.periods.longest_at(para.tokens, i + m.len);
            let len = m.len + compared.as_ref().map_or(0, |(p, _)| p.len);
            let year = m
                .years
                .first()
                .or_else(|| compared.as_ref().and_then(|(p, _)| p.years.first()))
                .copied();
            let baseline = match year {
                Some(y) => SmallText::from(baseline.replace("{year}", &y.to_string())),
                None => SmallText::from(baseline.as_str()),
            };
            para.baselines.push(BaselineMention {
                first: i,
                baseline,
                year,
            });
            para.consumed[i..i + len].fill(true);
            i += len;
            continue;
        }
        if let Some(found) = compared_period(para.tokens, i, lex) {
            let (opener, len, baseline) = found;
            para.baselines.push(BaselineMention {
                first: i + opener,
                year: baseline.1,
                baseline: baseline.0.into(),
            });
            // The opener may be a figure's unit (`gấp 5 lần năm 2018`): only the period is read.
            para.consumed[i + opener..i + opener + len].fill(true);
            i += opener + len;
            continue;
        }
        if let Some((m, kind)) = lex.periods.longest_at(para.tokens, i) {
            if !is_birth_year(para.tokens, i, lex) {
                para.periods.push(PeriodMention {
                    first: i,
                    len: m.len,
                    kind: *kind,
                    years: m.years,
                });
                para.consumed[i..i + m.len].fill(true);
                i += m.len;
                continue;
            }
        }
        i += 1;
    }
    let mut i = 0;
    while i < n {
        if let Some((len, &idx)) = lex.topics.match_at(para.tokens, i) {
            para.topics.push((i, len, idx));
            para.in_topic[i..i + len].fill(true);
            i += len;
        } else {
            i += 1;
        }
    }
    para
}

/// What only a paragraph with figures is asked (see [`Paragraph::verbs`]): its asides, verbs
/// and change words. Half the paragraphs of a report state no figure; they are not read for
/// these.
fn read_clauses(para: &mut Paragraph, lex: &Lexicon) {
    let tokens = para.tokens;
    let n = tokens.len();
    // Empty since the paragraph was read ([`ParagraphTables::cleared`]).
    let tables = &mut para.tables;
    asides(tokens, &mut tables.aside);
    tables
        .verbs
        .extend((0..n).map(|i| lex.actions.match_at(tokens, i).map(|(l, &idx)| (l, idx))));
    tables
        .change_starts
        .extend((0..n).map(|i| lex.changes.contains_at(tokens, i)));
}

/// A period right after a comparison word (`so với 6 tháng đầu năm 2023`, `gấp 5 lần năm
/// 2018`): the opener's length, the period's length, and the baseline with its year. A whole
/// year named is that year; a period without its year (`tháng 4`, `năm qua`) is the one just
/// before; a part of a named year is the same period of that year.
fn compared_period(
    tokens: &[Token],
    i: usize,
    lex: &Lexicon,
) -> Option<(usize, usize, (String, Option<i32>))> {
    let (opener, _) = lex.comparison_openers.match_at(tokens, i)?;
    let (p, kind) = lex.periods.longest_at(tokens, i + opener)?;
    let year = p.years.first().copied();
    let baseline = match (kind, year) {
        (PeriodKind::WholeYear, Some(y)) => format!("year:{y}"),
        // `so với tháng 4` in a report on May: the period just before.
        (PeriodKind::WholeYear | PeriodKind::PastYear | PeriodKind::PartOfYear, None) => {
            "previous_period".to_string()
        }
        (PeriodKind::PartOfYear | PeriodKind::Range, _) => "same_period".to_string(),
        _ => return None,
    };
    Some((opener, p.len, (baseline, year)))
}

/// The innermost open bracket of each token (see [`Paragraph::aside`]); an unclosed `(` runs
/// to the end of its sentence at most, which the callers bound anyway.
fn asides(tokens: &[Token], out: &mut Vec<Option<usize>>) {
    let mut open: Vec<usize> = Vec::new();
    out.extend(tokens.iter().enumerate().map(|(i, tok)| {
        if tok.kind == TokenKind::Punct {
            match tok.folded.as_str() {
                "(" => {
                    let outer = open.last().copied();
                    open.push(i);
                    return outer;
                }
                ")" => {
                    open.pop();
                    return open.last().copied();
                }
                "." | "!" | "?" => open.clear(),
                _ => {}
            }
        }
        open.last().copied()
    }));
}

impl Paragraph<'_> {
    /// Whether token `i` sits in an aside that does not also hold token `at`.
    fn in_other_aside(&self, i: usize, at: usize) -> bool {
        self.aside[i].is_some() && self.aside[i] != self.aside[at]
    }
}

/// `sinh năm 1993` is a birth year, not the period the figures fall in.
fn is_birth_year(tokens: &[Token], at: usize, lex: &Lexicon) -> bool {
    lex.not_statistic
        .match_ending_at(tokens, at + 1)
        .is_some_and(|(start, side)| start < at && *side == Side::Before)
}

/// The sentences of a paragraph as byte ranges of `text` (for benchmarks and audits; the
/// extraction itself works on tokens).
pub fn sentence_spans(text: &str, lex: &Lexicon) -> Vec<(usize, usize)> {
    let tokens = tokenize(text, 0);
    let mut sentences = Vec::new();
    split_sentences(&tokens, text, lex, &mut sentences);
    sentences
        .iter()
        .map(|s| (tokens[s.first].start, tokens[s.end - 1].end))
        .collect()
}

/// Sentences end at `.`, `!`, `?` or `…` unless the mark closes an abbreviation (`TP.`) or an
/// initial; a `.` between digits never reaches here because it is part of the number. The
/// sentences are added to `sentences` (empty: see [`ParagraphTables::cleared`]).
fn split_sentences(tokens: &[Token], text: &str, lex: &Lexicon, sentences: &mut Vec<Sentence>) {
    let mut first = 0;
    for (i, tok) in tokens.iter().enumerate() {
        let is_end = tok.kind == TokenKind::Punct
            && matches!(&text[tok.start..tok.end], "." | "!" | "?" | "…");
        if !is_end || i + 1 >= tokens.len() {
            continue;
        }
        // A one-letter unit after a number (`5,9 triệu đ.`) is no initial.
        let unit_after_number = i >= 2
            && lex.units.match_at(tokens, i - 1).is_some()
            && (tokens[i - 2].kind == TokenKind::Number
                || lex.multipliers.match_at(tokens, i - 2).is_some());
        let prev_abbrev = i > 0
            && tokens[i - 1].end == tok.start
            && (lex.abbreviations.match_ending_at(tokens, i).is_some()
                || (tokens[i - 1].kind == TokenKind::Word
                    && !unit_after_number
                    && text[tokens[i - 1].start..tokens[i - 1].end].chars().count() == 1));
        let next_continues =
            tokens[i + 1].start == tok.end && tokens[i + 1].kind != TokenKind::Punct;
        if prev_abbrev || next_continues {
            continue;
        }
        sentences.push(Sentence { first, end: i + 1 });
        first = i + 1;
    }
    if first < tokens.len() {
        sentences.push(Sentence {
            first,
            end: tokens.len(),
        });
    }
}

fn adjacent(tokens: &[Token], a: usize, b: usize) -> bool {
    tokens[a].end == tokens[b].start
}

/// Whether token `i` is one of `marks`, each an ASCII mark (a byte): a mark token is one
/// character, so it is told by its one byte, without comparing strings.
fn punct_is(para: &Paragraph, i: usize, marks: &[u8]) -> bool {
    para.tokens.get(i).is_some_and(|t| {
        t.kind == TokenKind::Punct && matches!(t.folded.as_bytes(), [b] if marks.contains(b))
    })
}

/// Whether the number at `i` is part of a date, time, code or document number: glued to another
/// number or word by `/`, `-`, `:` or `.` on either side.
fn glued_to_code(para: &Paragraph, i: usize) -> bool {
    let t = &para.tokens;
    if i >= 2
        && punct_is(para, i - 1, b"/-:.")
        && adjacent(t, i - 1, i)
        && adjacent(t, i - 2, i - 1)
        && t[i - 2].kind != TokenKind::Punct
    {
        // `899 vụ/2.446 bị can`: a unit word before the slash starts a new figure.
        let unit_before = t[i - 1].folded == "/" && t[i - 2].kind == TokenKind::Word;
        if !unit_before {
            return true;
        }
    }
    if i + 2 < t.len()
        && punct_is(para, i + 1, b"-:.")
        && adjacent(t, i, i + 1)
        && adjacent(t, i + 1, i + 2)
        && t[i + 2].kind != TokenKind::Punct
    {
        return true;
    }
    false
}

/// vi-VN writes `1.213` and `17,3`: a `.` always separates groups of three digits. Anything
/// else with a dot (`10.2`, `1.5.2023`) is a date or a code, never a count.
fn grouped_by_thousands(number: &str) -> bool {
    let whole = number.split(',').next().unwrap_or(number);
    let mut groups = whole.split('.');
    let first_ok = groups.next().is_some_and(|g| (1..=3).contains(&g.len()));
    !whole.contains('.') || (first_ok && groups.all(|g| g.len() == 3))
}

/// More whole digits than any figure a report states (a quadrillion đồng is 16): a run of digits
/// like that is a code, an identifier or noise, and as a value it would lose its digits or
/// overflow to infinity.
fn beyond_any_figure(number: &str) -> bool {
    const MOST_DIGITS: usize = 16;
    let whole = number.split(',').next().unwrap_or(number);
    whole.bytes().filter(u8::is_ascii_digit).count() > MOST_DIGITS
}

/// `0912 345 678`, `024 3826 9999`, `0912345678`: a number starting with a 0 and three or more
/// digits opens a phone number, and the groups written after it belong to it.
fn in_phone_number(t: &[Token], i: usize) -> bool {
    let opens = |tok: &Token| tok.folded.len() >= 3 && tok.folded.starts_with('0');
    let mut first = i;
    while first > 0 && t[first - 1].kind == TokenKind::Number {
        first -= 1;
    }
    opens(&t[first])
        && (first < i
            || t[i].folded.len() >= 9
            || t.get(i + 1).is_some_and(|n| n.kind == TokenKind::Number))
}

/// `a/b` is a day and month rather than a ratio when a date word comes before it (`Chiều 10/2`).
fn is_day_month(para: &Paragraph, lex: &Lexicon, a: usize, b: usize) -> bool {
    let t = &para.tokens;
    let (Ok(day), Ok(month)) = (t[a].folded.parse::<u32>(), t[b].folded.parse::<u32>()) else {
        return false;
    };
    (1..=31).contains(&day)
        && (1..=12).contains(&month)
        && lex.date_markers.match_ending_at(t, a).is_some()
}

fn find_figures(para: &Paragraph, lex: &Lexicon) -> Vec<Figure> {
    let t = &para.tokens;
    let mut figures: Vec<Figure> = Vec::new();
    let mut sentence = 0;
    let mut i = 0;
    while i < t.len() {
        if para.consumed[i] {
            i += 1;
            continue;
        }
        let (number_len, is_word) = match t[i].kind {
            TokenKind::Number => (1, false),
            TokenKind::Word => match lex.number_words.match_at(t, i) {
                Some((len, _)) if i == 0 || t[i - 1].kind != TokenKind::Number => (len, true),
                _ => {
                    i += 1;
                    continue;
                }
            },
            TokenKind::Punct => {
                i += 1;
                continue;
            }
        };
        if !is_word
            && (glued_to_code(para, i)
                || !grouped_by_thousands(&t[i].folded)
                || beyond_any_figure(&t[i].folded)
                || in_phone_number(t, i))
        {
            i += 1;
            continue;
        }
        let mut j = i + number_len;
        let mut denominator = None;
        if !is_word && punct_is(para, j, b"/") && adjacent(t, j - 1, j) {
            match t.get(j + 1) {
                Some(d) if d.kind == TokenKind::Number && adjacent(t, j, j + 1) => {
                    if punct_is(para, j + 2, b"/-.") && adjacent(t, j + 1, j + 2) {
                        i = j + 2;
                        continue; // a date such as 22/1/2019
                    }
                    if is_day_month(para, lex, i, j + 1) {
                        i = j + 2;
                        continue; // a date such as `Chiều 10/2`
                    }
                    // `(206/113 vụ)` restates a level against its comparison count: more than
                    // the whole is no share, so it keeps no denominator.
                    let whole = |k: usize| t[k].folded.replace('.', "").parse::<u64>().ok();
                    if whole(i) <= whole(j + 1) {
                        denominator = Some(j + 1);
                    }
                    j += 2;
                }
                _ => {}
            }
        }
        let multiplier = lex.multipliers.match_at(t, j).map(|(len, _)| {
            let m = (j, len);
            j += len;
            m
        });
        if !is_word {
            if let Some((len, _)) = lex.unit_fillers.match_at(t, j) {
                if lex.units.match_at(t, j + len).is_some() {
                    j += len;
                }
            }
        }
        let Some((unit_len, &unit_idx)) = lex.units.match_at(t, j) else {
            i += 1;
            continue;
        };
        if para.cut_off && j + unit_len == t.len() {
            break;
        }
        if para.consumed[j] {
            i += 1;
            continue;
        }
        // A number glued to letters that are not a unit is a code (`222L`).
        if !is_word
            && denominator.is_none()
            && multiplier.is_none()
            && adjacent(t, i, i + 1)
            && t[i + 1].kind == TokenKind::Word
            && j != i + 1
        {
            i += 1;
            continue;
        }
        if let Some((_, Side::Before)) = lex.not_statistic.match_ending_at(t, i) {
            i += 1;
            continue;
        }
        if let Some((_, Side::After)) = lex.not_statistic.match_at(t, i + number_len) {
            i += 1;
            continue;
        }
        let (qualifier, change_word) = qualifier_and_change(para, lex, i);
        let unit = (j, unit_len);
        // The sentence is found only for a figure: most tokens are none, and `i` only grows.
        while sentence + 1 < para.sentences.len() && para.sentences[sentence].end <= i {
            sentence += 1;
        }
        figures.push(Figure {
            first: i,
            last: j + unit_len - 1,
            number_len,
            denominator,
            multiplier,
            unit,
            unit_idx,
            qualifier,
            change_word,
            sentence,
        });
        i = j + unit_len;
    }
    inherit_changes(para, lex, &mut figures);
    figures
}

/// A figure listed right after a change figure shares its change word: `giảm 9 vụ, 12 đối
/// tượng`; so does a percent in brackets or after `=` (`ít hơn 03 vụ = 1,6%`).
fn inherit_changes(para: &Paragraph, lex: &Lexicon, figures: &mut [Figure]) {
    for k in 1..figures.len() {
        let (prev, this) = (&figures[k - 1], &figures[k]);
        if this.change_word.is_some()
            || prev.change_word.is_none()
            || prev.sentence != this.sentence
        {
            continue;
        }
        let start = this.qualifier.map_or(this.first, |q| q.0);
        // `giảm 11% số vụ, 10% số người chết`: the quantity a percent names is no gap.
        let after_quantity = lex
            .quantities
            .match_at(para.tokens, prev.last + 1)
            .map_or(prev.last + 1, |(len, _)| prev.last + 1 + len);
        let gap = after_quantity..start;
        let is_percent = lex.unit_rows[this.unit_idx].unit == "percent";
        let joined = gap
            .clone()
            .all(|i| lex.list_joiners.contains_at(para.tokens, i));
        let bracketed = is_percent && gap.clone().all(|i| punct_is(para, i, b"(=,"));
        if (joined && !gap.is_empty()) || bracketed {
            let word = prev.change_word;
            figures[k].change_word = word;
        }
    }
}

/// The qualifier right before the number and the change word before that (`tăng gần 2 lần`);
/// a change form that ends at the number wins over a qualifier inside it (`ít hơn 24 vụ`).
type Stretch = Option<(usize, usize)>;
fn qualifier_and_change(para: &Paragraph, lex: &Lexicon, i: usize) -> (Stretch, Stretch) {
    let t = &para.tokens;
    let change_at = |end: usize| -> Stretch {
        let (start, _) = lex.changes.match_ending_at(t, end)?;
        let sign = t[start].kind == TokenKind::Punct;
        // A sign counts only when glued to the number and not to anything before it.
        let glued_before =
            start > 0 && adjacent(t, start - 1, start) && t[start - 1].kind != TokenKind::Punct;
        if sign && (!adjacent(t, start, end) || glued_before) {
            return None;
        }
        Some((start, end - start))
    };
    let qualifier = lex
        .qualifiers
        .match_ending_at(t, i)
        .map(|(start, _)| (start, i - start));
    // `giảm thiệt hại 78,72 tỷ đồng`: a verb may stand between the change word and the number.
    let change = change_at(i).or_else(|| {
        let (a, _) = lex.actions.match_ending_at(t, i)?;
        change_at(a)
    });
    match (qualifier, change) {
        (Some(q), Some(c)) if c.0 <= q.0 => (None, Some(c)),
        (Some(q), _) => match change_at(q.0) {
            Some(c) => (Some(q), Some(c)),
            // `ít hơn gần 34%`: the change word takes the `hơn` a longer qualifier began with.
            None => (q.0 + 1..i)
                .find_map(|start| {
                    let shorter = lex.qualifiers.match_at(t, start)?;
                    (start + shorter.0 == i)
                        .then(|| change_at(start).map(|c| (Some((start, i - start)), Some(c))))?
                })
                .unwrap_or((Some(q), None)),
        },
        (None, c) => (None, c),
    }
}

/// The most characters of a sentence a row carries (SPEC `sentence`).
const EVIDENCE_CHARS: usize = 400;

/// The sentence `(start, end)` as a row's evidence: whole when it is short, else cut to
/// [`EVIDENCE_CHARS`] characters around the mention `(m0, m1)`, `…` marking each cut. Only
/// the characters kept are walked, so a paragraph-long sentence with thousands of figures
/// costs no more per figure than a short one.
fn evidence(text: &str, (start, end): (usize, usize), (m0, m1): (usize, usize)) -> String {
    let sentence = &text[start..end];
    // A character is at most four bytes: a sentence of more bytes than that holds more
    // characters than the limit, and a shorter one is counted by its bytes, not decoded.
    let short = sentence.len() <= EVIDENCE_CHARS
        || (sentence.len() <= 4 * (EVIDENCE_CHARS + 1)
            && sentence.chars().count() <= EVIDENCE_CHARS);
    if short {
        return sentence.to_string();
    }
    let mention = text[m0..m1].chars().count();
    let room = EVIDENCE_CHARS.saturating_sub(mention + 2);
    let (_, before) = chars_back(text, m0, start, room);
    let (_, after) = chars_forward(text, m1, end, room);
    // Half the room each side; a side with less to show leaves the rest to the other.
    let right = after.min(room - before.min(room / 2));
    let left = before.min(room - right);
    let (from, _) = chars_back(text, m0, start, left);
    let (to, _) = chars_forward(text, m1, end, right);
    cut_out(text, (start, end), (from, to))
}

/// `text[from..to]`, the part kept of the sentence `(start, end)`, with `…` where it was cut.
fn cut_out(text: &str, (start, end): (usize, usize), (from, to): (usize, usize)) -> String {
    let mut out = String::with_capacity(to - from + 6);
    if from > start {
        out.push('…');
    }
    out.push_str(&text[from..to]);
    if to < end {
        out.push('…');
    }
    out
}

/// Where `n` characters before `at` start, going no further back than `floor`, and how many
/// characters that is (fewer than `n` at the floor). Counted by the bytes that start a
/// character: nothing is decoded.
fn chars_back(text: &str, at: usize, floor: usize, n: usize) -> (usize, usize) {
    let bytes = text.as_bytes();
    let (mut i, mut count) = (at, 0);
    while count < n && i > floor {
        i -= 1;
        if !is_continuation(bytes[i]) {
            count += 1;
        }
    }
    (i, count)
}

/// Where the character `n` characters after `at` starts, going no further than `ceiling`,
/// and how many characters were passed.
fn chars_forward(text: &str, at: usize, ceiling: usize, n: usize) -> (usize, usize) {
    let bytes = text.as_bytes();
    let (mut i, mut count) = (at, 0);
    while count < n && i < ceiling {
        i += 1;
        while i < ceiling && is_continuation(bytes[i]) {
            i += 1;
        }
        count += 1;
    }
    (i, count)
}

/// A UTF-8 byte that continues a character.
fn is_continuation(b: u8) -> bool {
    b & 0xc0 == 0x80
}

fn span_text(para: &Paragraph, first: usize, last: usize) -> SmallText {
    SmallText::from(&para.text[para.tokens[first].start..para.tokens[last].end])
}

/// The text of a (first token, token count) stretch.
fn stretch_text(para: &Paragraph, (first, len): (usize, usize)) -> SmallText {
    span_text(para, first, first + len - 1)
}

/// Where the nearest token or figure of each kind stands, seen from every token: the rules
/// read for each figure jump to it instead of walking the paragraph, so a paragraph costs time
/// linear in its figures (a verbless list of thousands of figures is one sentence). Each table
/// has one entry past the last token; `n` (the token count) there means "none after". The
/// token tables are filled only over [`rule_windows`]: the sentences with figures.
#[derive(Default)]
struct Jumps {
    /// The nearest token before each one that starts a verb form.
    prev_verb: Vec<Option<usize>>,
    /// The first token at or after each one that starts a verb form.
    next_verb: Vec<usize>,
    prev_semicolon: Vec<Option<usize>>,
    next_semicolon: Vec<usize>,
    next_passive: Vec<usize>,
    next_close: Vec<usize>,
    /// The first mark at or after each token that is not a comma, `;` or a ratio's `/`.
    next_break: Vec<usize>,
    /// The first token at or after each one that ends a figure's clause for its field (see
    /// [`find_topic`]), whatever the figure.
    next_clause_stop: Vec<usize>,
    /// The nearest token before each one that starts a verb form that is not weak.
    prev_strong_verb: Vec<Option<usize>>,
    /// For each topic index, the first topic at or after it that names a field (rank ≥ 1);
    /// the topic count when none does.
    next_field: Vec<usize>,
    /// For each rank and each topic index, the nearest earlier topic of that rank.
    prev_of_rank: Vec<Vec<Option<usize>>>,
    /// For each figure, the last figure of the list it opens (figures joined by list words).
    list_last: Vec<usize>,
    /// For each figure, the nearest earlier level (no change word) of the same unit.
    prev_level_same_unit: Vec<Option<usize>>,
    /// For each figure, how many figures before it are levels.
    levels_before: Vec<usize>,
    /// For each period, the year of the nearest earlier period that states one.
    year_before_period: Vec<Option<i32>>,
    /// Whether a figure (or its qualifier) starts at each token, and whether a topic phrase
    /// starting at each token ends right where one does (the clause stops there): what
    /// `next_clause_stop` is made from, kept only so their buffers are reused.
    starts_figure: Vec<bool>,
    names_next: Vec<bool>,
}

thread_local! {
    /// The jump tables a thread's documents are read with, between two documents.
    static LAST_JUMPS: std::cell::Cell<Jumps> = std::cell::Cell::new(Jumps::default());
}

/// The most tokens' worth of tables a thread keeps between documents, for its jump tables
/// (about 100 bytes a token) and, apart, for its paragraphs' tables (about 45): a few MB at
/// most, while a report's paragraphs (a few thousand tokens) all fit.
const KEPT_TOKENS: usize = 1 << 15;

impl Jumps {
    /// Hands the tables back for the thread's next document, which then starts with tables
    /// as large as this one's instead of growing its own paragraph by paragraph.
    fn keep(self) {
        if self.next_verb.capacity() <= KEPT_TOKENS {
            LAST_JUMPS.set(self);
        }
    }

    /// Fills the tables for `figures` of `para`, in the buffers of the paragraph read before:
    /// a document's paragraphs are read one after another, and each would otherwise allocate
    /// and clear a dozen tables of its length.
    fn read(&mut self, para: &Paragraph, lex: &Lexicon, figures: &[Figure]) {
        let Jumps {
            prev_verb,
            next_verb,
            prev_semicolon,
            next_semicolon,
            next_passive,
            next_close,
            next_break,
            next_clause_stop,
            prev_strong_verb,
            next_field,
            prev_of_rank,
            list_last,
            prev_level_same_unit,
            levels_before,
            year_before_period,
            starts_figure,
            names_next,
        } = self;
        let t = &para.tokens;
        let n = t.len();
        let windows = rule_windows(para, figures);
        let is_verb = |i: usize| para.verbs[i].is_some();
        let semicolon = |i: usize| punct_is(para, i, b";");
        // A field written right before a figure names that figure (see [`find_topic`]).
        refill(starts_figure, n + 1, false);
        for g in figures {
            starts_figure[g.qualifier.map_or(g.first, |q| q.0)] = true;
        }
        refill(names_next, n, false);
        for &(s, l, _) in &para.topics {
            names_next[s] = starts_figure[s + l];
        }
        let names_next = &*names_next;
        let clause_stop = |i: usize| {
            let strong_verb = !para.in_topic[i]
                && para.verbs[i]
                    .is_some_and(|(_, idx)| lex.action_rows[idx].position != Position::Weak);
            let change =
                para.change_starts[i] && t.get(i + 1).is_some_and(|x| x.kind == TokenKind::Number);
            punct_is(para, i, b";(:") || strong_verb || change || names_next[i] || para.consumed[i]
        };
        let rank = |ti: usize| lex.topic_rows[para.topics[ti].2].rank;
        let topic_count = para.topics.len();
        refill(next_field, topic_count + 1, topic_count);
        for ti in (0..topic_count).rev() {
            next_field[ti] = if rank(ti) >= 1 {
                ti
            } else {
                next_field[ti + 1]
            };
        }
        let top_rank = (0..topic_count).map(rank).max().unwrap_or(0);
        // The rules ask for the topics of a rank from 0 up (`find_topic`).
        let ranks = usize::try_from(top_rank).map_or(0, |r| r + 1);
        prev_of_rank.resize_with(ranks, Vec::new);
        for (r, of_rank) in (0..).zip(prev_of_rank.iter_mut()) {
            let mut last = None;
            of_rank.clear();
            of_rank.extend((0..=topic_count).map(|ti| {
                let before = last;
                if ti < topic_count && rank(ti) == r {
                    last = Some(ti);
                }
                before
            }));
        }
        list_last.clear();
        list_last.extend(0..figures.len());
        for k in (0..figures.len().saturating_sub(1)).rev() {
            let (f, g) = (&figures[k], &figures[k + 1]);
            let joined = g.sentence == f.sentence
                && (f.last + 1..g.first.min(g.qualifier.map_or(g.first, |q| q.0)))
                    .all(|i| lex.list_joiners.contains_at(t, i));
            if joined {
                list_last[k] = list_last[k + 1];
            }
        }
        // The latest level of each unit so far: a paragraph names a few units at most.
        let mut latest_level: Vec<(&str, usize)> = Vec::new();
        prev_level_same_unit.clear();
        levels_before.clear();
        let mut levels = 0;
        for (k, g) in figures.iter().enumerate() {
            let unit = lex.unit_rows[g.unit_idx].unit.as_str();
            let latest = latest_level.iter_mut().find(|(u, _)| *u == unit);
            prev_level_same_unit.push(latest.as_ref().map(|(_, l)| *l));
            levels_before.push(levels);
            if g.change_word.is_none() {
                match latest {
                    Some(l) => l.1 = k,
                    None => latest_level.push((unit, k)),
                }
                levels += 1;
            }
        }
        let mut year = None;
        year_before_period.clear();
        year_before_period.extend(para.periods.iter().map(|q| {
            let before = year;
            let has_year = !matches!(q.kind, PeriodKind::SpansYears | PeriodKind::NotAPeriod);
            if let Some(&y) = q.years.first().filter(|_| has_year) {
                year = Some(y);
            }
            before
        }));
        backward(prev_verb, &windows, n, is_verb);
        backward(prev_strong_verb, &windows, n, |i| {
            para.verbs[i].is_some_and(|(_, idx)| {
                matches!(
                    lex.action_rows[idx].position,
                    Position::Before | Position::Either
                )
            })
        });
        forward(next_verb, &windows, n, is_verb);
        backward(prev_semicolon, &windows, n, semicolon);
        forward(next_semicolon, &windows, n, semicolon);
        forward(next_passive, &windows, n, |i| {
            lex.passives.contains_at(t, i)
        });
        forward(next_close, &windows, n, |i| punct_is(para, i, b")"));
        forward(next_break, &windows, n, |i| {
            t[i].kind == TokenKind::Punct && !punct_is(para, i, b",;/")
        });
        forward(next_clause_stop, &windows, n, clause_stop);
    }
}

/// Fills `table` (one entry per token of `n`, and one past them) with the nearest token
/// before each that `hit`s, within each window; outside the windows a table says "none":
/// every rule bounds what it reads by its figure's sentence, so a jump past the window is
/// filtered as one past the sentence is. Generic over `hit`, so each table's test is inlined
/// into its loop.
fn backward(
    table: &mut Vec<Option<usize>>,
    windows: &[(usize, usize)],
    n: usize,
    hit: impl Fn(usize) -> bool,
) {
    refill(table, n + 1, None);
    for &(from, to) in windows {
        let mut last = None;
        for (i, slot) in table.iter_mut().enumerate().take(to + 1).skip(from) {
            *slot = last;
            if i < to && hit(i) {
                last = Some(i);
            }
        }
    }
}

/// [`backward`]'s other direction: the first token at or after each that `hit`s, `n` for
/// none.
fn forward(
    table: &mut Vec<usize>,
    windows: &[(usize, usize)],
    n: usize,
    hit: impl Fn(usize) -> bool,
) {
    refill(table, n + 1, n);
    for &(from, to) in windows {
        let mut next = n;
        for i in (from..to).rev() {
            if hit(i) {
                next = i;
            }
            table[i] = next;
        }
    }
}

/// `table` as `len` copies of `value`, in its own buffer when that is large enough. A longer
/// table gets a new buffer rather than a grown one: growing would copy the old contents,
/// which are about to be overwritten.
fn refill<T: Clone>(table: &mut Vec<T>, len: usize, value: T) {
    table.clear();
    if table.capacity() < len {
        *table = Vec::with_capacity(len.max(2 * table.capacity()));
    }
    table.resize(len, value);
}

/// How many tokens before a figure's sentence the jump tables are still filled. The closest
/// a rule reads before its sentence: [`find_action`] steps back to three tokens after the
/// nearest verb that is not weak, which may end the sentence before. No rule's answer depends
/// on what it finds there today (a review checked margins 0 to 3 on every corpus: the same
/// rows); the margin keeps a rule that reaches just before its sentence right.
const WINDOW_MARGIN: usize = 3;

/// The token ranges ([`Jumps`]) the rules ask about: each sentence holding a figure, from
/// [`WINDOW_MARGIN`] tokens before it, overlapping ones merged. Sentences without figures, most
/// of a long paragraph's, are never looked at.
fn rule_windows(para: &Paragraph, figures: &[Figure]) -> Vec<(usize, usize)> {
    let mut windows: Vec<(usize, usize)> = Vec::new();
    let mut last_sentence = None;
    for f in figures {
        if last_sentence == Some(f.sentence) {
            continue;
        }
        last_sentence = Some(f.sentence);
        let s = &para.sentences[f.sentence];
        let from = s.first.saturating_sub(WINDOW_MARGIN);
        match windows.last_mut() {
            Some(w) if from <= w.1 => w.1 = w.1.max(s.end),
            _ => windows.push((from, s.end)),
        }
    }
    windows
}

/// The topics whose first token lies in `from..to`, as a range of indices into `para.topics`
/// (topics never overlap, so they are sorted by start and by end).
fn topics_starting_in(para: &Paragraph, from: usize, to: usize) -> std::ops::Range<usize> {
    let lo = para.topics.partition_point(|tp| tp.0 < from);
    let hi = para.topics.partition_point(|tp| tp.0 < to);
    lo..hi.max(lo)
}

fn extract_paragraph<'l>(
    para: &mut Paragraph,
    lex: &'l Lexicon,
    doc: &DocContext,
    jumps: &mut Jumps,
    out: &mut Vec<Mention>,
    keys: &mut Vec<MentionKey<'l>>,
) {
    let figures = find_figures(para, lex);
    if figures.is_empty() {
        return;
    }
    read_clauses(para, lex);
    let para = &*para;
    let t = &para.tokens;
    jumps.read(para, lex, &figures);
    let jumps = &*jumps;
    let mut last_topic: Option<usize> = None;
    let mut resolved: Vec<Resolved> = Vec::with_capacity(figures.len());
    let mut bracket_of: Vec<Option<usize>> = vec![None; figures.len()];
    for (k, f) in figures.iter().enumerate() {
        let mut action = find_action(para, lex, &figures, jumps, k);
        // A percent in brackets right after a figure shares its verb (`giảm 34 người chết (-25,56%)`).
        let bracketed = k > 0
            && lex.unit_rows[f.unit_idx].unit == "percent"
            && figures[k - 1].sentence == f.sentence
            && (figures[k - 1].last + 1..f.qualifier.map_or(f.first, |q| q.0)).all(|i| {
                let within = |st: Stretch| st.is_some_and(|(s, l)| (s..s + l).contains(&i));
                punct_is(para, i, b"(-+") || within(resolved[k - 1].action) || within(f.change_word)
            })
            && f.first > figures[k - 1].last + 1;
        if bracketed {
            action = resolved[k - 1].action;
            bracket_of[k] = Some(k - 1);
        }
        // ... and its field: `trộm cắp tài sản 53 vụ (29,44%)`.
        let found = if bracketed {
            match resolved[k - 1].topic {
                Some(ti) => TopicFound::Topic(ti),
                None if resolved[k - 1].several_topics => TopicFound::Several,
                None => TopicFound::Nothing,
            }
        } else {
            find_topic(para, lex, &figures, jumps, k, action)
        };
        let several_topics = matches!(found, TopicFound::Several);
        let topic = match found {
            TopicFound::Topic(ti) => Some(ti),
            TopicFound::Several => None,
            TopicFound::Nothing => last_topic,
        };
        // A field named by the unit itself (`633 băng, nhóm`) is that figure's alone.
        // (A phrase that runs on past the unit, `2.341 tổ chức quần chúng`, is said of the
        // clause like any field after the figure.)
        let named_by_unit = topic.is_some_and(|ti| {
            let (s, l, _) = para.topics[ti];
            (f.first..=f.last).contains(&s) && s + l <= f.last + 1
        });
        if topic.is_some() && !named_by_unit {
            last_topic = topic;
        }
        let (year, period, spans) = match find_period(para, jumps, f) {
            (None, None, false) if doc.span.is_some() => {
                (None, doc.span.map(SmallText::from), true)
            }
            found => found,
        };
        resolved.push(Resolved {
            action,
            several_topics,
            topic,
            year,
            period,
            spans,
        });
    }

    // Changes: attach each to the level it compares, or keep it as a row of its own.
    let mut attached_to: Vec<Option<usize>> = vec![None; figures.len()];
    let mut has_change = vec![false; figures.len()];
    for (c, f) in figures.iter().enumerate() {
        if f.change_word.is_none() {
            continue;
        }
        if let Some(level) = level_for_change(para, lex, &figures, jumps, &resolved, &has_change, c)
        {
            attached_to[c] = Some(level);
            has_change[level] = true;
        }
    }
    // A figure whose sentence has no verb for it continues an earlier one of the same unit in
    // its paragraph (`Xảy ra 180 vụ ... Các loại tội phạm như trộm cắp tài sản 53 vụ`).
    // A change stated of its own (`Tội phạm về ma túy giảm 17,3%`) has no verb to continue.
    // The latest figure of each unit in the sentences before the one being read.
    let mut latest: std::collections::HashMap<&str, usize> = Default::default();
    let mut sentence_from = 0;
    for k in 0..figures.len() {
        if figures[k].sentence != figures[sentence_from].sentence {
            for (e, g) in figures.iter().enumerate().take(k).skip(sentence_from) {
                latest.insert(&lex.unit_rows[g.unit_idx].unit, e);
            }
            sentence_from = k;
        }
        if resolved[k].action.is_some() || figures[k].change_word.is_some() {
            continue;
        }
        if let Some(&e) = latest.get(lex.unit_rows[figures[k].unit_idx].unit.as_str()) {
            resolved[k].action = resolved[e].action;
        }
    }
    // A percent of a quantity that is itself an outcome (`giảm 16% số người chết`) takes that
    // outcome's verb.
    for k in 0..figures.len() {
        if attached_to[k].is_some() || figures[k].change_word.is_none() {
            continue;
        }
        if let Some((_, (qs, ql))) = quantity_phrase(para, lex, &figures, k) {
            if let Some(i) = (qs..qs + ql).find(|&i| para.verbs[i].is_some()) {
                resolved[k].action = para.verbs[i].map(|(len, _)| (i, len));
            }
        }
    }
    // A percent bracketed after a change with no verb of its own (`So với cùng kỳ, giảm 3.009
    // vụ (-24,25%)`) takes the verb of the level that change compares.
    for k in 0..figures.len() {
        if resolved[k].action.is_none() {
            if let Some(level) = bracket_of[k].and_then(|p| attached_to[p]) {
                resolved[k].action = resolved[level].action;
            }
        }
    }

    let action_of = |k: usize| action_name(para, lex, &resolved[k]);
    // A change before any level of its paragraph, in a sentence that opens with its baseline
    // and states no period of its own (`So với cùng kỳ, tai nạn giao thông tăng 1.800 vụ`),
    // compares the paragraph before.
    let opening_changes = figures
        .iter()
        .take_while(|f| f.change_word.is_some())
        .count();
    let comparison_frame = |k: usize| {
        let sentence = &para.sentences[figures[k].sentence];
        let b = para.baselines.partition_point(|b| b.first < sentence.first);
        let opens = para
            .baselines
            .get(b)
            .is_some_and(|b| b.first == sentence.first);
        let p = para.periods.partition_point(|p| p.first < sentence.first);
        let own_period = para.periods.get(p).is_some_and(|p| p.first < sentence.end);
        opens && !own_period
    };
    let compares = |k: usize| -> Option<(&str, Option<&str>)> {
        if k >= opening_changes || attached_to[k].is_some() || !comparison_frame(k) {
            return None;
        }
        let unit = &lex.unit_rows[figures[k].unit_idx].unit;
        if unit == "percent" || unit == "times" {
            let row = &lex.quantity_rows[quantity_named(para, lex, &figures, k)?];
            return Some((&row.unit, row.action.as_deref()));
        }
        Some((unit, action_of(k)))
    };

    // The first change attached to each level.
    let mut change_of_level: Vec<Option<usize>> = vec![None; figures.len()];
    for (c, a) in attached_to.iter().enumerate() {
        if let Some(level) = *a {
            change_of_level[level].get_or_insert(c);
        }
    }
    for (k, f) in figures.iter().enumerate() {
        if attached_to[k].is_some() {
            continue;
        }
        let r = &resolved[k];
        let sentence = &para.sentences[f.sentence];
        let change_of = |c: usize| -> ChangeParts {
            let cf = &figures[c];
            let (cs, cl) = cf.change_word.unwrap_or((cf.first, 0));
            ChangeParts {
                direction_raw: span_text(para, cs, cs + cl.max(1) - 1),
                number_raw: stretch_text(para, (cf.first, cf.number_len)),
                multiplier_raw: cf.multiplier.map(|st| stretch_text(para, st)),
                unit_raw: stretch_text(para, cf.unit),
                baseline: find_baseline(para, jumps, cf),
            }
        };
        let (measure, change) = if f.change_word.is_some() {
            (Measure::Change, Some(change_of(k)))
        } else {
            (Measure::Level, change_of_level[k].map(change_of))
        };
        keys.push(MentionKey {
            unit: &lex.unit_rows[f.unit_idx].unit,
            action: action_of(k),
            topic: topic_name(para, lex, r),
            free_level: measure == Measure::Level && change.is_none(),
            compares: compares(k),
        });
        out.push(Mention {
            span_start: t[f.first].start,
            span_end: t[f.last].end,
            mention: span_text(para, f.first, f.last),
            sentence: evidence(
                para.text,
                (t[sentence.first].start, t[sentence.end - 1].end),
                (t[f.first].start, t[f.last].end),
            ),
            measure,
            number_raw: stretch_text(para, (f.first, f.number_len)),
            denominator_raw: f.denominator.map(|d| SmallText::from(t[d].folded.as_str())),
            multiplier_raw: f.multiplier.map(|st| stretch_text(para, st)),
            unit_raw: stretch_text(para, f.unit),
            qualifier_raw: f.qualifier.map(|st| stretch_text(para, st)),
            action_raw: r.action.map(|st| stretch_text(para, st)),
            topic_raw: match r.topic {
                Some(ti) => {
                    let (s, l, _) = para.topics[ti];
                    Some(stretch_text(para, (s, l)))
                }
                None if !r.several_topics => doc.topic.map(SmallText::from),
                None => None,
            },
            year: r.year,
            period: r.period.clone(),
            period_spans_years: r.spans,
            change,
        });
    }
}

struct Resolved {
    action: Stretch,
    /// The clause names several fields (`tham nhũng, kinh tế, buôn lậu`): no topic at all.
    several_topics: bool,
    topic: Option<usize>,
    year: Option<i32>,
    period: Option<SmallText>,
    spans: bool,
}

/// The action a figure's verb names (`actions.csv`).
fn action_name<'l>(para: &Paragraph, lex: &'l Lexicon, r: &Resolved) -> Option<&'l str> {
    r.action
        .and_then(|(s, _)| lex.actions.match_at(para.tokens, s))
        .map(|(_, &idx)| lex.action_rows[idx].action.as_str())
}

/// The field a figure was found to be about (`topics.csv`).
fn topic_name<'l>(para: &Paragraph, lex: &'l Lexicon, r: &Resolved) -> Option<&'l str> {
    r.topic
        .map(|ti| lex.topic_rows[para.topics[ti].2].topic.as_str())
}

/// The verb of a figure: one right after it (`38 người chết`), the verb after a passive
/// (`7 tập thể được ... tặng Bằng khen`), else the verb nearest before it in the sentence.
fn find_action(
    para: &Paragraph,
    lex: &Lexicon,
    figures: &[Figure],
    jumps: &Jumps,
    k: usize,
) -> Stretch {
    let t = &para.tokens;
    let f = &figures[k];
    let sentence = &para.sentences[f.sentence];
    let is_verb = |i: usize, allowed: &[Position]| -> Option<usize> {
        if para.consumed[i] || para.in_other_aside(i, f.first) {
            return None;
        }
        let (len, idx) = para.verbs[i]?;
        // Inside a topic phrase a verb counts only when it is the whole phrase (`khen thưởng`),
        // never a part of one (`tổ chức` in `tội phạm có tổ chức`).
        if para.in_topic[i] {
            let whole = para.topics.iter().any(|&(s, l, _)| s == i && len >= l);
            if !whole {
                return None;
            }
        }
        allowed
            .contains(&lex.action_rows[idx].position)
            .then_some(len)
    };
    let after = f.last + 1;
    if after < sentence.end {
        if let Some(len) = is_verb(after, &[Position::After, Position::Either]) {
            return Some((after, len));
        }
        // A verb right after the figure is its verb even when it opens a field's phrase
        // (`147/150 thôn đạt chuẩn an toàn`).
        if let Some((len, &idx)) = lex.actions.match_at(t, after) {
            let position = lex.action_rows[idx].position;
            if !para.consumed[after] && matches!(position, Position::After | Position::Either) {
                return Some((after, len));
            }
        }
    }
    // The end of the list this figure belongs to, for a passive that follows the list.
    let list_end = figures[jumps.list_last[k]].last;
    // The passive may follow the words that say what the figures are (`19 đối tượng đá gà bị
    // bắt quả tang`): up to three words, no verb or mark between.
    let passive = (list_end + 1..sentence.end.min(list_end + 5))
        .take_while(|&i| {
            t[i].kind == TokenKind::Word && (para.verbs[i].is_none() || para.in_topic[i])
        })
        .find(|&i| lex.passives.contains_at(t, i));
    // Verbs listed after a passive (`bị phát hiện, làm rõ`) end in the one that says what
    // became of the figures, as a list of verbs before a figure does (`phát hiện, xử lý 87 vụ`).
    let last_of_list = |(mut i, mut len): (usize, usize), allowed: &[Position]| {
        while let Some((jl, _)) = lex.list_joiners.match_at(t, i + len) {
            if i + len + jl >= sentence.end {
                break;
            }
            match is_verb(i + len + jl, allowed) {
                Some(next) => (i, len) = (i + len + jl, next),
                None => break,
            }
        }
        Some((i, len))
    };
    if let Some(p) = passive {
        let allowed = [Position::After, Position::Either, Position::Before];
        for i in p + 1..sentence.end {
            if punct_is(para, i, b";.") {
                break;
            }
            if let Some(len) = is_verb(i, &allowed) {
                return last_of_list((i, len), &allowed);
            }
        }
    }
    let start_of_figure = f.qualifier.map_or(f.first, |q| q.0);
    let all = [
        Position::Before,
        Position::Either,
        Position::After,
        Position::Weak,
    ];
    // A comparison clause takes no verb from the clause before it (`bị thương 28 người;
    // so với cùng kỳ, giảm 5 vụ`): the search stops at the last `;` before the latest
    // comparison phrase that precedes the figure.
    let latest_baseline = para.baselines[..para
        .baselines
        .partition_point(|b| b.first < start_of_figure)]
        .last()
        .map(|b| b.first);
    let floor = latest_baseline
        .and_then(|b| jumps.prev_semicolon[b])
        .filter(|&s| s >= sentence.first);
    let mut weak: Stretch = None;
    let mut below = start_of_figure;
    while let Some(i) = jumps.prev_verb[below] {
        if i < sentence.first || floor.is_some_and(|s| i <= s) {
            break;
        }
        below = i;
        let Some(len) = is_verb(i, &[Position::Before, Position::Either, Position::Weak]) else {
            continue;
        };
        if i + len > start_of_figure {
            continue;
        }
        // A longer verb that ends here too (`triệt phá` over `phá`) is the verb.
        let (mut s, mut l) = (i, len);
        for back in (sentence.first..i).rev().take(2) {
            if let Some(bl) = is_verb(back, &[Position::Before, Position::Either]) {
                if back + bl >= i + len && back + bl <= start_of_figure {
                    (s, l) = (back, bl);
                }
            }
        }
        let weak_verb = lex
            .actions
            .match_at(t, s)
            .is_some_and(|(_, &idx)| lex.action_rows[idx].position == Position::Weak);
        if weak_verb {
            if weak.is_none() {
                weak = Some((s, l));
                // `có 9 tập thể ... được nhận Giấy khen`: the verb after a passive; a verb of
                // a phrase that only describes the things had (`có 127 mô hình ... tham gia
                // bảo đảm an ninh trật tự`) is not theirs.
                let passive = Some(jumps.next_passive[list_end + 1]).filter(|&p| p < sentence.end);
                if let Some(p) = passive {
                    let mut j = jumps.next_verb[p + 1];
                    while j < sentence.end {
                        if let Some(len) = is_verb(j, &all) {
                            return last_of_list((j, len), &all);
                        }
                        j = jumps.next_verb[j + 1];
                    }
                }
                // A share of what is had (`có 217/220 xã; 1.512/1.757 khu dân cư đạt chuẩn`)
                // counts the things that meet what follows them: the verb written after the
                // shares, with only their nouns, commas and other shares between, is theirs.
                if f.denominator.is_some() {
                    let v = jumps.next_verb[f.last + 1];
                    let after_verb = para.verbs[..]
                        .get(v)
                        .copied()
                        .flatten()
                        .filter(|&(_, idx)| lex.action_rows[idx].position == Position::After);
                    if let Some((len, _)) = after_verb {
                        if v < sentence.end && jumps.next_break[f.last + 1] > v && !para.consumed[v]
                        {
                            return Some((v, len));
                        }
                    }
                }
            }
            below = s;
            // Only a verb that is not weak, or a weak one that such a verb one or two tokens
            // before it overlaps, can end the search: the weak ones in between are skipped.
            match jumps.prev_strong_verb[below] {
                Some(strong) => below = below.min(strong + 3),
                None => break,
            }
            continue;
        }
        return Some((s, l));
    }
    weak.or_else(|| subject_verb(para, f, sentence, |i| is_verb(i, &all)))
}

/// The verb of a figure that is the subject of its sentence (`83 vụ tai nạn giao thông (TNGT)
/// xảy ra`): the first word after the figure, its field and any aside.
fn subject_verb(
    para: &Paragraph,
    f: &Figure,
    sentence: &Sentence,
    is_verb: impl Fn(usize) -> Option<usize>,
) -> Stretch {
    let mut j = f.last + 1;
    while j < sentence.end {
        let at = para.topics.partition_point(|tp| tp.0 < j);
        if let Some(&(s, l, _)) = para.topics.get(at).filter(|tp| tp.0 == j) {
            j = s + l;
        } else if punct_is(para, j, b"(") {
            let close = (j..sentence.end).find(|&i| punct_is(para, i, b")"))?;
            j = close + 1;
        } else {
            break;
        }
    }
    (j < sentence.end).then(|| is_verb(j).map(|len| (j, len)))?
}

/// The topic of a figure: the most specific topic phrase after it in its clause, else the most
/// specific (then nearest) before it in the sentence. A clause naming several fields of the
/// same rank has none.
enum TopicFound {
    Topic(usize),
    Several,
    Nothing,
}

fn find_topic(
    para: &Paragraph,
    lex: &Lexicon,
    figures: &[Figure],
    jumps: &Jumps,
    k: usize,
    own_action: Stretch,
) -> TopicFound {
    let t = &para.tokens;
    let f = &figures[k];
    let sentence = &para.sentences[f.sentence];
    let rank = |ti: usize| lex.topic_rows[para.topics[ti].2].rank;
    let topic_of = |ti: usize| &lex.topic_rows[para.topics[ti].2].topic;
    // A unit that names its own field (`8 khẩu súng`, `10 kíp nổ`) is about that field.
    if let Some(ti) = topics_starting_in(para, f.unit.0, f.last + 1).find(|&ti| rank(ti) >= 2) {
        return TopicFound::Topic(ti);
    }
    // A verb that is itself a field (`tặng giấy khen`, `khen thưởng`) names the figure's.
    if let Some(ti) = own_action.and_then(|(s, l)| {
        topics_starting_in(para, s, s + l).find(|&ti| {
            let (ts, tl, _) = para.topics[ti];
            ts + tl <= s + l && rank(ti) >= 1
        })
    }) {
        return TopicFound::Topic(ti);
    }
    // The clause ends at a mark, a verb that is not weak (`có hành vi` does not end the
    // clause that names the field), a change, a field written right before a number (it names
    // that next figure: `trộm cắp tài sản 53 vụ, đánh bạc 33 vụ`) or a phrase already read.
    // The figure's own verb after it (`được ... tặng Bằng khen`) does not end its clause.
    let own = own_action.filter(|(s, _)| *s > f.last);
    let mut stop = jumps.next_clause_stop[f.last + 1];
    while let Some((s, l)) = own.filter(|&(s, l)| (s..s + l).contains(&stop)) {
        stop = jumps.next_clause_stop[(stop + 1).min(s + l)];
    }
    // A figure in an aside is about the aside: its clause ends where the aside does.
    if para.aside[f.first].is_some() {
        stop = stop.min(jumps.next_close[f.last + 1]);
    }
    let stop = stop.min(sentence.end);
    // A unit that names its field (`2 khẩu súng`) is another figure's, never this one's.
    let in_other_figure = |s: usize| {
        let g = figures.partition_point(|g| g.first <= s);
        g > 0 && s <= figures[g - 1].last
    };
    let fits_after = |ti: usize| {
        let s = para.topics[ti].0;
        !para.in_other_aside(s, f.first) && !in_other_figure(s)
    };
    let after_from =
        |from: usize| topics_starting_in(para, from, stop).filter(move |&ti| fits_after(ti));
    let after_first = after_from(f.last + 1).next();
    let first_field_after = {
        let range = topics_starting_in(para, f.last + 1, stop);
        let mut ti = jumps.next_field[range.start];
        while ti < range.end && !fits_after(ti) {
            ti = jumps.next_field[ti + 1];
        }
        Some(ti).filter(|&ti| ti < range.end)
    };
    if let Some(chosen) = first_field_after {
        let next_after = after_from(para.topics[chosen].0 + 1).next();
        // `tội phạm về kinh tế, tham nhũng, môi trường`: several fields, no topic.
        if let Some(other) = next_after {
            let (s, l, _) = para.topics[chosen];
            let between_is_list =
                (s + l..para.topics[other].0).all(|i| lex.list_joiners.contains_at(t, i));
            if between_is_list && topic_of(other) != topic_of(chosen) && rank(other) >= 1 {
                return TopicFound::Several;
            }
        }
        // A more specific topic right after a general one (`tội phạm ma túy`, `vi phạm pháp
        // luật về môi trường`), or a field the words after it introduce (`vi phạm hành chính
        // trong lĩnh vực kinh tế`): the field beats the procedure, however long its opener.
        let (cs, cl, _) = para.topics[chosen];
        let reach = lex
            .field_openers
            .match_at(t, cs + cl)
            .map_or(2, |(len, _)| len.max(2));
        let best = after_from(cs)
            .take_while(|&ti| para.topics[ti].0 <= cs + cl + reach)
            .max_by_key(|&ti| rank(ti));
        return TopicFound::Topic(best.unwrap_or(chosen));
    }
    // A field phrase that begins with the unit and runs on past it (`98.466 vụ án hình sự`)
    // names the figure's field when nothing after it names a narrower one.
    if let Some(ti) = topics_starting_in(para, f.unit.0, f.last + 1).find(|&ti| {
        let (s, l, _) = para.topics[ti];
        s + l > f.last + 1 && rank(ti) >= 1
    }) {
        return TopicFound::Topic(ti);
    }
    let start_of_figure = f.qualifier.map_or(f.first, |q| q.0);
    // A broad field written between the figure's verb and the figures it governs (`xử lý
    // hình sự 2 vụ, 3 bị can`) says how they were dealt with (criminally), not their field.
    let manner = |ti: usize| {
        let (s, l, _) = para.topics[ti];
        let g = figures.partition_point(|g| g.qualifier.map_or(g.first, |q| q.0) < s + l);
        rank(ti) <= 1
            && own_action.is_some_and(|(a, al)| a + al == s)
            && figures
                .get(g)
                .is_some_and(|g| g.qualifier.map_or(g.first, |q| q.0) == s + l)
    };
    // The most specific topic before the figure from `from` on, the latest of equals: each
    // rank's topics are walked back from the figure, the highest rank first.
    let before_from = |from: usize| {
        let range = topics_starting_in(para, from, start_of_figure);
        let fits = |ti: usize| {
            let (s, l, _) = para.topics[ti];
            s + l <= start_of_figure && !para.in_other_aside(s, f.first) && !manner(ti)
        };
        jumps.prev_of_rank.iter().rev().find_map(|of_rank| {
            let mut ti = of_rank[range.end];
            while let Some(c) = ti.filter(|&c| c >= range.start) {
                if fits(c) {
                    return Some(c);
                }
                ti = of_rank[c];
            }
            None
        })
    };
    // The field written right before the number is the figure's (`đánh bạc 33 vụ`).
    let ending_at_figure = para
        .topics
        .partition_point(|&(s, l, _)| s + l < start_of_figure);
    if let Some(ti) = Some(ending_at_figure).filter(|&ti| {
        para.topics
            .get(ti)
            .is_some_and(|&(s, l, _)| s + l == start_of_figure && rank(ti) >= 1 && !manner(ti))
    }) {
        return TopicFound::Topic(ti);
    }
    // Before the figure, its own clause first; an earlier clause of the sentence only when
    // nothing after the figure names a field at all.
    let clause_start = jumps.prev_semicolon[start_of_figure]
        .filter(|&i| i >= sentence.first)
        .map_or(sentence.first, |i| i + 1);
    let in_clause = before_from(clause_start);
    let in_sentence = before_from(sentence.first);
    let chosen = match (in_clause, in_sentence) {
        (Some(ti), _) if rank(ti) >= 1 => Some(ti),
        (_, Some(ti)) if rank(ti) >= 1 && after_first.is_none() => Some(ti),
        _ => after_first.or(in_clause).or(in_sentence).or_else(|| {
            // Else a unit that is itself a broad field (`117 mô hình`).
            topics_starting_in(para, f.unit.0, f.unit.0 + 1).find(|&ti| rank(ti) >= 1)
        }),
    };
    // Clauses of one sentence listing figures share the field that closes the last list
    // (`khởi tố 247 vụ, 238 bị can; truy tố 240 vụ; xét xử 264 vụ, 267 bị cáo về tội ...`):
    // a field a few words after a later figure of the sentence.
    let closing = || {
        topics_starting_in(para, stop, sentence.end).find(|&ti| {
            let s = para.topics[ti].0;
            let g = figures.partition_point(|g| g.last < s);
            rank(ti) >= 1
                && g > k + 1
                && figures[g - 1].sentence == f.sentence
                && s <= figures[g - 1].last + 3
        })
    };
    let most_specific = |ti: usize| {
        topic_group(para, ti)
            .filter(|&g| para.topics[g].0 >= para.topics[ti].0)
            .max_by_key(|&g| (rank(g), std::cmp::Reverse(g)))
            .unwrap_or(ti)
    };
    match chosen.or_else(|| closing().map(most_specific)) {
        Some(ti) => TopicFound::Topic(ti),
        None => TopicFound::Nothing,
    }
}

/// Year and period for a figure: the period its sentence states (nearest before it, else the
/// first after it), else the nearest stated earlier in the paragraph.
fn find_period(
    para: &Paragraph,
    jumps: &Jumps,
    f: &Figure,
) -> (Option<i32>, Option<SmallText>, bool) {
    let sentence = &para.sentences[f.sentence];
    let starting_before = |at: usize| para.periods.partition_point(|p| p.first < at);
    let own = |&pi: &usize| {
        let p = &para.periods[pi];
        p.kind != PeriodKind::NotAPeriod && !para.in_other_aside(p.first, f.first)
    };
    let (sentence_from, sentence_to) = (
        starting_before(sentence.first),
        starting_before(sentence.end),
    );
    let chosen = (sentence_from..starting_before(f.first))
        .rev()
        .find(own)
        .or_else(|| (starting_before(f.last + 1)..sentence_to).find(own))
        .or_else(|| (0..sentence_from).rev().find(own));
    let Some(pi) = chosen else {
        return (None, None, false);
    };
    let p = &para.periods[pi];
    let text = stretch_text(para, (p.first, p.len));
    // A period without its own year takes the nearest year stated before it.
    let inherited = || jumps.year_before_period[pi];
    match p.kind {
        PeriodKind::WholeYear => (p.years.first().copied(), None, false),
        PeriodKind::PartOfYear => (
            p.years.first().copied().or_else(inherited),
            Some(text),
            false,
        ),
        PeriodKind::SpansYears => (None, Some(text), true),
        // The document's year, which the publication date names.
        PeriodKind::PastYear | PeriodKind::NotAPeriod => (None, None, false),
        PeriodKind::Range => match p.years.as_slice() {
            [a, b] if a != b => (None, Some(text), true),
            [a, ..] => (Some(*a), Some(text), false),
            [] => (inherited(), Some(text), false),
        },
    }
}

/// The baseline of a change: the nearest baseline phrase after it in its clause, else the
/// nearest before it in its sentence.
fn find_baseline(para: &Paragraph, jumps: &Jumps, f: &Figure) -> Option<SmallText> {
    let sentence = &para.sentences[f.sentence];
    let clause_end = jumps.next_semicolon[f.last + 1].min(sentence.end);
    let after = para.baselines.partition_point(|b| b.first <= f.last);
    let before = para.baselines.partition_point(|b| b.first < f.first);
    para.baselines
        .get(after)
        .filter(|b| b.first < clause_end)
        .or_else(|| {
            before
                .checked_sub(1)
                .map(|b| &para.baselines[b])
                .filter(|b| b.first >= sentence.first)
        })
        .map(|b| b.baseline.clone())
}

/// The quantity a change names (`số vụ`, `số người chết`; see `quantities.csv`): right after
/// the change figure, else the nearest before its change word in its clause with no other
/// figure between.
fn quantity_named(para: &Paragraph, lex: &Lexicon, figures: &[Figure], c: usize) -> Option<usize> {
    quantity_phrase(para, lex, figures, c).map(|(q, _)| q)
}

/// [`quantity_named`] with where its phrase stands: (row, (first token, length)).
fn quantity_phrase(
    para: &Paragraph,
    lex: &Lexicon,
    figures: &[Figure],
    c: usize,
) -> Option<(usize, (usize, usize))> {
    let t = &para.tokens;
    let cf = &figures[c];
    if let Some((len, &q)) = lex.quantities.match_at(t, cf.last + 1) {
        return Some((q, (cf.last + 1, len)));
    }
    let (cw, _) = cf.change_word?;
    let sentence = &para.sentences[cf.sentence];
    let floor = figures[..c]
        .iter()
        .rev()
        .find(|g| g.sentence == cf.sentence)
        .map_or(sentence.first, |g| g.last + 1);
    (floor..cw)
        .rev()
        .take_while(|&i| !punct_is(para, i, b";:"))
        .find_map(|i| lex.quantities.match_at(t, i).map(|(len, &q)| (q, (i, len))))
}

/// The level row a change figure belongs to, if any (SPEC: one statement, one row). In its own
/// sentence: the nearest level of the same unit, preferring one of the same action. From a
/// comparison sentence that states no level of its own (`So với cùng kỳ, giảm 9 vụ`): the
/// levels of the sentence before, in order, again preferring the same action.
fn level_for_change(
    para: &Paragraph,
    lex: &Lexicon,
    figures: &[Figure],
    jumps: &Jumps,
    resolved: &[Resolved],
    has_change: &[bool],
    c: usize,
) -> Option<usize> {
    let t = &para.tokens;
    let cf = &figures[c];
    let unit = &lex.unit_rows[cf.unit_idx].unit;
    let is_level = |k: usize| figures[k].change_word.is_none() && !has_change[k];
    let action_of = |k: usize| action_name(para, lex, &resolved[k]);
    let topic_of = |k: usize| topic_name(para, lex, &resolved[k]);
    // A change that names its field compares a level of that field.
    // In its own sentence a level without a field of its own may be the one compared; in the
    // sentence before, the level must name the change's field.
    let same_topic = |k: usize| {
        topic_of(c).is_none_or(|a| {
            topic_of(k) == Some(a) || (topic_of(k).is_none() && figures[k].sentence == cf.sentence)
        })
    };
    // The figures of the change's sentence before it, and of the sentence before.
    let sentence_from = figures.partition_point(|g| g.sentence < cf.sentence);
    let sentence_has_level = jumps.levels_before[c] > jumps.levels_before[sentence_from];
    let prev_sentence = sentence_from.checked_sub(1).map(|k| figures[k].sentence);
    let prev_from = prev_sentence.map_or(0, |s| figures.partition_point(|g| g.sentence < s));
    if unit == "percent" || unit == "times" {
        let (cw, _) = cf.change_word?;
        // A percent that names its quantity (`số vụ tăng 18%`, `tăng 20% số vụ`) compares the
        // latest level of it: in its sentence, else in the sentence before when its own states
        // no level.
        if let Some(q) = quantity_named(para, lex, figures, c) {
            let row = &lex.quantity_rows[q];
            let fits = |k: usize| {
                is_level(k)
                    && same_topic(k)
                    && lex.unit_rows[figures[k].unit_idx].unit == row.unit
                    && row
                        .action
                        .as_deref()
                        .is_none_or(|a| action_of(k).is_none_or(|b| a == b))
            };
            let here = (sentence_from..c).rev().find(|&k| fits(k));
            if here.is_some() || sentence_has_level {
                return here;
            }
            return (prev_from..sentence_from).rev().find(|&k| fits(k));
        }
        // `x vụ TNGT (tăng 2% so với năm 2022)`, `x vụ phạm tội về trật tự xã hội, giảm 20%`:
        // right after its level, nothing but its field, a word or two and commas between.
        let k = c.checked_sub(1)?;
        if cw <= figures[k].last {
            return None;
        }
        let gap = figures[k].last + 1..cw;
        // The words that introduce the field (`liên quan đến ma túy`) belong to it.
        let mut in_field = para.in_topic[gap.clone()].to_vec();
        for i in gap.clone() {
            if let Some((len, _)) = lex.field_openers.match_at(t, i) {
                if i + len < cw && para.in_topic[i + len] {
                    in_field[i - gap.start..i - gap.start + len].fill(true);
                }
            }
        }
        let in_field = |i: usize| in_field[i - gap.start];
        let plain_word =
            |i: usize| t[i].kind == TokenKind::Word && !in_field(i) && para.verbs[i].is_none();
        let between_ok = gap.clone().filter(|&i| !in_field(i)).count() <= 4
            && gap.clone().filter(|&i| plain_word(i)).count() <= 2
            && gap
                .clone()
                .all(|i| punct_is(para, i, b",(") || in_field(i) || plain_word(i));
        return (is_level(k) && figures[k].sentence == cf.sentence && between_ok).then_some(k);
    }
    let same_unit = |k: usize| lex.unit_rows[figures[k].unit_idx].unit == *unit;
    let change_action = action_of(c);
    // The first candidate of the change's action, else the only candidate; with no action,
    // the first. Candidates are walked lazily: a long list must not be gathered per change.
    let pick = |candidates: &mut dyn Iterator<Item = usize>| -> Option<usize> {
        let first = candidates.next()?;
        let Some(a) = change_action else {
            return Some(first);
        };
        if action_of(first) == Some(a) {
            return Some(first);
        }
        let mut more = false;
        for k in candidates {
            if action_of(k) == Some(a) {
                return Some(k);
            }
            more = true;
        }
        (!more).then_some(first)
    };
    // The levels of the same unit before the change in its sentence, nearest first.
    let mut here = std::iter::successors(jumps.prev_level_same_unit[c], |&k| {
        jumps.prev_level_same_unit[k]
    })
    .take_while(|&k| k >= sentence_from)
    .filter(|&k| is_level(k))
    .peekable();
    if here.peek().is_some() {
        return pick(&mut here);
    }
    if sentence_has_level || cf.sentence == 0 {
        return None;
    }
    // In text order, so the n-th change of a comparison sentence meets the n-th level.
    let mut before = (prev_from..sentence_from).filter(|&k| same_unit(k) && is_level(k));
    // A ratio's level is a part (`điều tra 341/360 vụ`): the change speaks of its whole, which
    // has no level row of its own, so the change stays a row.
    pick(&mut before).filter(|&k| figures[k].denominator.is_none())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The evidence as it was cut before counting went by bytes: decoding every character.
    fn evidence_by_chars(
        text: &str,
        (start, end): (usize, usize),
        (m0, m1): (usize, usize),
    ) -> String {
        let sentence = &text[start..end];
        if sentence.chars().take(EVIDENCE_CHARS + 1).count() <= EVIDENCE_CHARS {
            return sentence.to_string();
        }
        let mention = text[m0..m1].chars().count();
        let room = EVIDENCE_CHARS.saturating_sub(mention + 2);
        let before = text[start..m0].chars().rev().take(room).count();
        let after = text[m1..end].chars().take(room).count();
        let right = after.min(room - before.min(room / 2));
        let left = before.min(room - right);
        let from = match left {
            0 => m0,
            n => text[start..m0]
                .char_indices()
                .rev()
                .nth(n - 1)
                .map_or(start, |(i, _)| start + i),
        };
        let to = text[m1..end]
            .char_indices()
            .nth(right)
            .map_or(end, |(i, _)| m1 + i);
        cut_out(text, (start, end), (from, to))
    }

    fn bundled_lexicon() -> Lexicon {
        let dir =
            std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../pipelines/lexicon");
        let Ok(lex) = Lexicon::load(&dir) else {
            panic!("the bundled lexicon loads");
        };
        lex
    }

    #[test]
    fn jump_tables_cover_the_sentences_with_figures_and_a_margin_before_each() {
        let lex = bundled_lexicon();
        let text = "Công an tỉnh mở đợt cao điểm trấn áp tội phạm trong dịp Tết. \
                    Lực lượng chức năng bắt 5 đối tượng. Công tác tuần tra được tăng cường ở \
                    các địa bàn trọng điểm. Thu giữ 3 khẩu súng.";
        let tokens = tokenize(text, 0);
        let at = |word: &str| tokens.iter().position(|t| t.folded == word);
        let mut para = read_paragraph(
            text,
            0,
            text.len(),
            &tokens,
            &lex,
            ParagraphTables::default(),
        );
        let figures = find_figures(&para, &lex);
        assert_eq!(figures.len(), 2);
        let sentence = |k: usize| {
            let s = &para.sentences[figures[k].sentence];
            (s.first, s.end)
        };
        let (second, fourth) = (sentence(0), sentence(1));
        assert_eq!((Some(second.0), fourth.1), (at("lực"), tokens.len()));
        assert_eq!(
            rule_windows(&para, &figures),
            [
                (second.0 - WINDOW_MARGIN, second.1),
                (fourth.0 - WINDOW_MARGIN, fourth.1)
            ]
        );
        read_clauses(&mut para, &lex);
        let mut jumps = Jumps::default();
        jumps.read(&para, &lex, &figures);
        // Inside a window a table reads as it always did ...
        assert_eq!(jumps.prev_verb[figures[0].first], at("bắt"));
        // ... and outside every window it says "none", in both directions, though the first
        // sentence holds verbs (`mở`, `trấn áp`).
        assert!((0..second.0).any(|i| para.verbs[i].is_some()));
        assert_eq!(jumps.prev_verb[second.0 - WINDOW_MARGIN - 1], None);
        assert_eq!(jumps.next_verb[0], tokens.len());
    }

    #[test]
    fn a_document_reads_the_same_after_a_longer_one_on_its_thread() {
        let lex = bundled_lexicon();
        let long = (1..=40)
            .map(|k| {
                let month = k % 12 + 1;
                format!(
                    "Trong tháng {month}, bắt {k} đối tượng, thu giữ {k} khẩu súng (năm 2020: \
                     {k} khẩu); tăng {k}% so với cùng kỳ."
                )
            })
            .collect::<Vec<_>>()
            .join(" ");
        let short = "Năm 2023, Công an huyện bắt 7 vụ, 9 đối tượng về ma túy, tăng 2 vụ, 3 đối \
                     tượng so với năm 2022; xử phạt 12 trường hợp vi phạm giao thông.";
        let read = |text: &str| extract(text, &[(0, text.len())], &lex);
        let Ok(fresh) = std::thread::scope(|s| s.spawn(|| read(short)).join()) else {
            panic!("a fresh thread reads the sentence");
        };
        read(&long);
        // The long paragraph's tables are what the short one is read in.
        let room = tokenize(short, 0).len() + 1;
        let jumps = LAST_JUMPS.take();
        assert!(jumps.next_verb.capacity() > room);
        LAST_JUMPS.set(jumps);
        let tables = LAST_PARAGRAPHS.take();
        assert!(tables.iter().any(|t| t.consumed.capacity() > room));
        LAST_PARAGRAPHS.set(tables);
        let after = read(short);
        assert_eq!(after.mentions.len(), 3);
        assert_eq!(after.comparison_years, [2022]);
        assert_eq!(after, fresh);
    }

    #[test]
    fn a_thread_keeps_tables_for_a_bounded_number_of_tokens() {
        let lex = bundled_lexicon();
        // Sixty paragraphs of about a thousand tokens each: far more than a thread keeps.
        let paragraph = "Bắt 12 đối tượng, thu giữ 3 khẩu súng trên địa bàn huyện. ".repeat(80);
        let text = paragraph.repeat(60);
        let spans: Vec<(usize, usize)> = (0..60)
            .map(|k| (k * paragraph.len(), (k + 1) * paragraph.len() - 1))
            .collect();
        extract(&text, &spans, &lex);
        let kept = LAST_PARAGRAPHS.take();
        let tokens: usize = kept.iter().map(|t| t.consumed.capacity()).sum();
        assert!(!kept.is_empty());
        assert!(tokens <= KEPT_TOKENS, "{tokens} tokens kept");
        // A thousand one-word lines: fewer tables kept, and no room for the rest.
        let lines = "Tin.\n".repeat(1000);
        let spans: Vec<(usize, usize)> = (0..1000).map(|k| (k * 5, k * 5 + 4)).collect();
        extract(&lines, &spans, &lex);
        let kept = LAST_PARAGRAPHS.take();
        assert_eq!(kept.len(), KEPT_PARAGRAPHS);
        assert!(
            kept.capacity() <= 2 * KEPT_PARAGRAPHS,
            "{}",
            kept.capacity()
        );
    }

    proptest::proptest! {
        #[test]
        fn evidence_counted_by_bytes_is_evidence_counted_by_characters(
            words in proptest::collection::vec("[a-zđạệữ𝔸 ]{1,12}", 1..300),
            at in 0usize..300,
            len in 1usize..4,
        ) {
            let text: String = words.concat();
            let starts: Vec<usize> = text.char_indices().map(|(i, _)| i).chain([text.len()]).collect();
            let m0 = starts[at.min(starts.len() - 1)];
            let m1 = starts[(at + len).min(starts.len() - 1)];
            proptest::prop_assert_eq!(
                evidence(&text, (0, text.len()), (m0, m1)),
                evidence_by_chars(&text, (0, text.len()), (m0, m1))
            );
        }
    }
}
