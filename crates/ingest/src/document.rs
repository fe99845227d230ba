//! One record in, one ingested document out: normalised text, boilerplate removed, document
//! fields (title, province, years, event date) and its mentions.

use aho_corasick::{AhoCorasick, MatchKind};
use sha2::{Digest, Sha256};

use crate::extract::{extract, Mention};
use crate::lexicon::{Effect, Lexicon};
use crate::source::{Record, Reject};
use crate::text::{decode, fold, normalize, tokenize, TokenKind};

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
    pub event_date: Option<Date>,
    pub report_year: Option<i32>,
    pub province: Option<String>,
    pub n_chars: i64,
    pub mentions: Vec<Mention>,
}

/// Matches province names in text; built once per lexicon.
pub struct Gazetteer {
    matcher: Option<AhoCorasick>,
    /// For each pattern: (province, merged_into).
    names: Vec<(String, String)>,
}

impl Gazetteer {
    pub fn new(lex: &Lexicon) -> Gazetteer {
        let mut rows: Vec<_> = lex.province_rows.iter().collect();
        rows.sort_by_key(|r| std::cmp::Reverse(r.form.len()));
        let matcher = AhoCorasick::builder()
            .match_kind(MatchKind::LeftmostLongest)
            .build(rows.iter().map(|r| fold(&r.form)))
            .ok();
        Gazetteer {
            matcher,
            names: rows
                .iter()
                .map(|r| (r.province.clone(), r.merged_into.clone()))
                .collect(),
        }
    }

    /// The canonical name for a name given in metadata or the pipeline file.
    pub fn canonical(&self, name: &str, merged: bool) -> String {
        let key = fold(name.trim());
        let pick = |(p, m): &(String, String)| if merged { m.clone() } else { p.clone() };
        self.names
            .iter()
            .find(|(p, m)| fold(p) == key || fold(m) == key)
            .map(pick)
            .unwrap_or_else(|| name.trim().to_string())
    }

    /// The province the text is about: the name it states most often, a name after a place
    /// word (`tỉnh`, `Công an tỉnh`) counting three times.
    fn find(&self, text: &str, lex: &Lexicon) -> Option<usize> {
        let matcher = self.matcher.as_ref()?;
        let mut score: Vec<(usize, usize, usize)> = Vec::new(); // (pattern name idx, score, first)
                                                                // Case and tone placement aside (`CÔNG AN TỈNH KHÁNH HOÀ`); offsets stay those of `text`.
        let folded = crate::text::fold_keeping_offsets(text);
        for m in matcher.find_iter(&folded) {
            let before = text[..m.start()].chars().next_back();
            let after = text[m.end()..].chars().next();
            if before.is_some_and(char::is_alphanumeric) || after.is_some_and(char::is_alphanumeric)
            {
                continue;
            }
            let window_start = floor_char_boundary(text, m.start().saturating_sub(40));
            let toks = tokenize(&text[window_start..m.start()], window_start);
            let prefixed = lex
                .place_prefixes
                .match_ending_at(&toks, toks.len())
                .is_some();
            let name = self.names[m.pattern().as_usize()].0.clone();
            let idx = self.names.iter().position(|(p, _)| *p == name).unwrap_or(0);
            let weight = if prefixed { 3 } else { 1 };
            match score.iter_mut().find(|s| s.0 == idx) {
                Some(s) => s.1 += weight,
                None => score.push((idx, weight, m.start())),
            }
        }
        score
            .into_iter()
            .max_by(|a, b| a.1.cmp(&b.1).then(b.2.cmp(&a.2)))
            .map(|s| s.0)
    }
}

fn floor_char_boundary(s: &str, mut i: usize) -> usize {
    while i > 0 && !s.is_char_boundary(i) {
        i -= 1;
    }
    i
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
    for line in text.split('\n') {
        let end = start + line.len();
        // Counted only as far as the test needs: body lines are long.
        let words = line.split_whitespace().take(BODY_WORDS).count();
        match lex.boilerplate.effect(line) {
            Some(Effect::Cut) if seen_body => break,
            Some(Effect::Cut) => in_header_block = true,
            Some(Effect::Drop) => {}
            None if line.trim().is_empty() => {}
            None if in_header_block && words < BODY_WORDS => {}
            None => {
                in_header_block = false;
                seen_body |= words >= BODY_WORDS;
                lines.push((start, end));
            }
        }
        start = end + 1;
    }
    lines
}

/// The page's own date (a dateline such as `date 2020-10`, `10/02/2023 - 19:44:00`) in the
/// first lines, as (year, month, day if given).
fn find_dateline(text: &str, lines: &[(usize, usize)]) -> Option<(i32, u32, Option<u32>)> {
    for &(s, e) in lines.iter().take(3) {
        let toks = tokenize(&text[s..e], s);
        for i in 0..toks.len() {
            if let Some(y) = crate::lexicon::year_of(&toks[i]) {
                let glued = |k: usize| {
                    toks.get(k)
                        .is_some_and(|t| t.folded == "-" && toks[k - 1].end == t.start)
                        && toks
                            .get(k + 1)
                            .is_some_and(|n| n.start == toks[k].end && n.kind == TokenKind::Number)
                };
                if glued(i + 1) {
                    let month: u32 = toks[i + 2].folded.parse().ok()?;
                    let day = glued(i + 3)
                        .then(|| toks[i + 4].folded.parse().ok())
                        .flatten();
                    if (1..=12).contains(&month) {
                        return Some((y, month, day));
                    }
                }
            }
            if let Some((day, month, Some(year))) = date_at(&toks, i) {
                return Some((year, month, Some(day)));
            }
        }
    }
    None
}

/// The event date: a date marker with a day and month (`Sáng 18/1`, `Chiều nay 10/2`), its
/// year from the text (`18/1/2023`), else the page's dateline, else `fallback_year`.
fn find_event_date(
    text: &str,
    lines: &[(usize, usize)],
    lex: &Lexicon,
    mut dateline_year: Option<i32>,
    fallback_year: Option<i32>,
) -> Option<Date> {
    let mut marked: Option<(u32, u32, Option<i32>)> = None;
    for &(s, e) in lines.iter().take(6) {
        let toks = tokenize(&text[s..e], s);
        for i in 0..toks.len() {
            let Some((day, month, year)) = date_at(&toks, i) else {
                continue;
            };
            if dateline_year.is_none() {
                dateline_year = year;
            }
            let marker = lex.date_markers.match_ending_at(&toks, i).is_some();
            if marker && marked.is_none() {
                marked = Some((day, month, year));
            }
        }
        if marked.is_some() {
            break;
        }
    }
    let (day, month, year) = marked?;
    Date::new(year.or(dateline_year).or(fallback_year)?, month, day)
}

/// `d/m`, `d-m`, `d/m/yyyy` at token `i`.
fn date_at(toks: &[crate::text::Token], i: usize) -> Option<(u32, u32, Option<i32>)> {
    let num = |k: usize| -> Option<u32> {
        let t = toks.get(k)?;
        (t.kind == TokenKind::Number).then(|| t.folded.parse().ok())?
    };
    let sep = |k: usize| {
        toks.get(k)
            .is_some_and(|t| (t.folded == "/" || t.folded == "-") && toks[k - 1].end == t.start)
            && toks.get(k + 1).is_some_and(|n| n.start == toks[k].end)
    };
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

fn first_full_date_year(text: &str, lines: &[(usize, usize)]) -> Option<i32> {
    lines.iter().find_map(|&(s, e)| {
        let toks = tokenize(&text[s..e], s);
        (0..toks.len()).find_map(|i| date_at(&toks, i).and_then(|d| d.2))
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
    let raw = decode(&record.bytes).map_err(|p| Reject {
        source: record.source.clone(),
        reason: p.to_string(),
    })?;
    let text = normalize(&raw);
    let lines = article_lines(&text, lex);
    if lines.is_empty() {
        return Err(Reject {
            source: record.source.clone(),
            reason: "empty: no article text after removing page furniture".into(),
        });
    }
    let extraction = extract(&text, &lines, lex);
    let mut mentions = extraction.mentions;

    let meta_date = record.date.as_deref().and_then(Date::parse_iso);
    let dateline = find_dateline(&text, &lines);
    // The year most figures state; else the year the text names most; else the page's date;
    // else the first full date in the text; else the pipeline's default.
    let report_year = mode(mentions.iter().filter_map(|m| m.year))
        .or_else(|| mode(extraction.stated_years.iter().copied()))
        .or(dateline.map(|d| d.0))
        .or(meta_date.map(|d| d.year))
        .or_else(|| first_full_date_year(&text, &lines))
        .or(defaults.report_year);
    for m in &mut mentions {
        if m.year.is_none() && !m.period_spans_years {
            m.year = report_year;
        }
    }

    let event_date = find_event_date(
        &text,
        &lines,
        lex,
        dateline.map(|d| d.0),
        meta_date.map(|d| d.year).or(report_year),
    );
    let merged = event_date
        .or(meta_date)
        .map_or(report_year.is_some_and(|y| y >= 2026), |d| {
            d >= Date {
                year: 2025,
                month: 7,
                day: 1,
            }
        });
    let body_end = lines.last().map_or(0, |l| l.1);
    let province = gazetteer
        .find(&text[..body_end], lex)
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

    let title = record.title.clone().or_else(|| {
        let (s, e) = lines[0];
        let first = &text[s..e];
        let words = first.split_whitespace().count();
        (lines.len() > 1 && words <= 30 && !first.ends_with('.')).then(|| first.to_string())
    });

    let doc = IngestedDocument {
        doc_id: record.doc_id.clone(),
        source: record.source.clone(),
        sha256: hex_sha256(&record.bytes),
        title,
        event_date,
        report_year,
        province,
        n_chars: text.chars().count() as i64,
        mentions,
    };
    Ok((doc, text))
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
    let digest = Sha256::digest(bytes);
    let mut s = String::with_capacity(64);
    for b in digest {
        s.push_str(&format!("{b:02x}"));
    }
    s
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
    fn mode_prefers_first_on_ties() {
        assert_eq!(mode([2023, 2022, 2022, 2023].into_iter()), Some(2023));
        assert_eq!(mode([2021, 2022, 2022].into_iter()), Some(2022));
        assert_eq!(mode(std::iter::empty()), None);
    }
}
