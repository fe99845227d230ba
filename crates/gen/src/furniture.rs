//! What the generator writes around the frames (`pipelines/gen/furniture.toml`): headlines,
//! the dateline, paragraph openers and page furniture, as templates with placeholders.

use std::path::Path;

use serde::Deserialize;

use crate::error::GenError;
use crate::format::{fmt_int, ROMAN};
use crate::rng::Rng;

/// A stretch of a template text: as written, or the inside of `{...}`.
pub(crate) enum Braced<'a> {
    Text(&'a str),
    Inside(&'a str),
}

/// Splits a template text at its `{...}`; an unclosed brace is an error.
pub(crate) fn braced(text: &str) -> Result<Vec<Braced<'_>>, String> {
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(open) = rest.find('{') {
        if open > 0 {
            out.push(Braced::Text(&rest[..open]));
        }
        let after = &rest[open + 1..];
        let close = after
            .find('}')
            .ok_or_else(|| format!("unclosed `{{` in `{text}`"))?;
        out.push(Braced::Inside(&after[..close]));
        rest = &after[close + 1..];
    }
    if !rest.is_empty() {
        out.push(Braced::Text(rest));
    }
    Ok(out)
}

/// One part of a template.
#[derive(Debug, Clone, PartialEq)]
enum Part {
    Text(String),
    /// A value the caller gives by name.
    Var(String),
    /// A number drawn from `lo..=hi`, written plainly or (`grouped`) the vi-VN way.
    Draw {
        lo: u64,
        hi: u64,
        grouped: bool,
    },
    /// A quarter in Roman numerals.
    Roman,
}

/// A text with placeholders, parsed when the furniture loads.
#[derive(Debug, Clone, PartialEq)]
pub struct Template(Vec<Part>);

impl Template {
    /// Parses `text`; a named placeholder must be one of `vars`.
    fn parse(text: &str, vars: &[&str]) -> Result<Template, String> {
        let parts = braced(text)?.into_iter().map(|b| {
            let inner = match b {
                Braced::Text(t) => return Ok(Part::Text(t.to_string())),
                Braced::Inside(inner) => inner,
            };
            let bad = || format!("unknown placeholder {{{inner}}} in `{text}`");
            Ok(match inner.split_once(':') {
                Some((kind @ ("n" | "int"), range)) => {
                    let (lo, hi) = range.split_once('-').ok_or_else(bad)?;
                    let lo = lo.trim().parse().map_err(|_| bad())?;
                    let hi = hi.trim().parse().map_err(|_| bad())?;
                    if lo > hi {
                        return Err(bad());
                    }
                    Part::Draw {
                        lo,
                        hi,
                        grouped: kind == "int",
                    }
                }
                Some(_) => return Err(bad()),
                None if inner == "roman" => Part::Roman,
                None if vars.contains(&inner) => Part::Var(inner.to_string()),
                None => return Err(bad()),
            })
        });
        Ok(Template(parts.collect::<Result<_, String>>()?))
    }

    /// The text with `vars` put in and the draws made, in the order they stand.
    pub fn fill(&self, vars: &[(&str, &str)], rng: &mut Rng) -> String {
        let mut out = String::new();
        for p in &self.0 {
            match p {
                Part::Text(t) => out.push_str(t),
                Part::Var(name) => {
                    let value = vars.iter().find(|(n, _)| n == name).map_or("", |v| v.1);
                    out.push_str(value);
                }
                Part::Draw { lo, hi, grouped } => {
                    let n = rng.range(*lo, *hi);
                    if *grouped {
                        out.push_str(&fmt_int(n, rng));
                    } else {
                        out.push_str(&n.to_string());
                    }
                }
                Part::Roman => out.push_str(ROMAN[rng.below(4) as usize]),
            }
        }
        out
    }
}

/// A paragraph opener and the period it sets.
#[derive(Debug, Clone)]
pub struct PeriodOpener {
    /// The period's text (the gold's `period`); none for the whole year.
    pub text: Option<Template>,
    /// What opens the paragraph (`{text}` is the period's text); none for no opener.
    pub opener: Option<Template>,
    /// The period's figures have no one year.
    pub spans_years: bool,
}

/// The furniture file as loaded.
#[derive(Debug, Clone)]
pub struct Furniture {
    pub cities: Vec<String>,
    pub place_city: String,
    pub place_province: String,
    /// Joins the last two items of a list.
    pub and: String,
    /// The word of a baseline that may open a sentence (`so với cùng kỳ`).
    pub comparison: String,
    pub titles: Vec<Template>,
    pub share: String,
    pub markers: Vec<String>,
    pub dateline: Template,
    pub footer: Template,
    pub first_paragraph_periods: u64,
    pub periods: Vec<PeriodOpener>,
    pub undated: Undated,
}

/// Documents that name no year of their own: the page's dateline decides their report year.
#[derive(Debug, Clone)]
pub struct Undated {
    /// The share of documents written this way.
    pub share: f64,
    /// Page datelines above the headline (`{pyear}`, `{pmonth}`, `{pday}`, `{weekday}`).
    pub page_datelines: Vec<Template>,
    /// The share of reports within their year printed without a page dateline: a comparison
    /// with the year before, after the opening sentence, implies their year.
    pub without_page_share: f64,
    pub comparison: Template,
    /// Weekday names from a Thursday (1970-01-01) on.
    pub weekdays: Vec<String>,
    pub titles: Vec<Template>,
    /// An annual review published in January or February of the year after.
    pub review: UndatedKind,
    /// A report published within the year it is about.
    pub current: UndatedKind,
}

/// One kind of undated report: its opening sentence and its paragraph openers, the first
/// `first_paragraph_periods` of which open the first paragraph.
#[derive(Debug, Clone)]
pub struct UndatedKind {
    pub dateline: Template,
    pub first_paragraph_periods: u64,
    pub periods: Vec<PeriodOpener>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct PeriodRow {
    text: Option<String>,
    opener: Option<String>,
    #[serde(default)]
    spans_years: bool,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct UndatedKindRow {
    dateline: String,
    first_paragraph_periods: u64,
    period: Vec<PeriodRow>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct UndatedRow {
    share: f64,
    page_datelines: Vec<String>,
    without_page_share: f64,
    comparison: String,
    weekdays: Vec<String>,
    titles: Vec<String>,
    review: UndatedKindRow,
    current: UndatedKindRow,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct FurnitureFile {
    cities: Vec<String>,
    place_city: String,
    place_province: String,
    and: String,
    comparison: String,
    titles: Vec<String>,
    share: String,
    markers: Vec<String>,
    dateline: String,
    footer: String,
    first_paragraph_periods: u64,
    period: Vec<PeriodRow>,
    undated: UndatedRow,
}

/// Placeholders of the document's own values.
const DOC_VARS: [&str; 5] = ["province", "place", "year", "year-1", "next_year"];

impl Furniture {
    /// Reads and checks the furniture file.
    pub fn load(path: &Path) -> Result<Furniture, GenError> {
        let text = std::fs::read_to_string(path).map_err(|source| GenError::Read {
            path: path.to_path_buf(),
            source,
        })?;
        let bad = |message: String| GenError::Frames {
            path: path.to_path_buf(),
            message,
        };
        let file: FurnitureFile = toml::from_str(&text).map_err(|e| bad(e.to_string()))?;
        let doc = |t: &str| Template::parse(t, &DOC_VARS).map_err(bad);
        let dateline_vars = [&DOC_VARS[..], &["marker", "day", "month"]].concat();
        let periods = parse_periods(&file.period).map_err(bad)?;
        let first = file.first_paragraph_periods;
        if file.titles.is_empty() || file.markers.is_empty() {
            return Err(bad("titles and markers need one entry each".into()));
        }
        check_first(first, &periods).map_err(bad)?;
        let u = &file.undated;
        if u.weekdays.len() != 7 || u.titles.is_empty() || u.page_datelines.is_empty() {
            return Err(bad(
                "[undated] needs 7 weekdays, titles and page_datelines".into()
            ));
        }
        let page_vars = ["pyear", "pmonth", "pday", "weekday"];
        let undated_kind = |k: &UndatedKindRow| -> Result<UndatedKind, GenError> {
            let periods = parse_periods(&k.period).map_err(bad)?;
            check_first(k.first_paragraph_periods, &periods).map_err(bad)?;
            Ok(UndatedKind {
                dateline: Template::parse(&k.dateline, &dateline_vars).map_err(bad)?,
                first_paragraph_periods: k.first_paragraph_periods,
                periods,
            })
        };
        let undated = Undated {
            share: u.share,
            page_datelines: u
                .page_datelines
                .iter()
                .map(|t| Template::parse(t, &page_vars).map_err(bad))
                .collect::<Result<_, _>>()?,
            without_page_share: u.without_page_share,
            comparison: doc(&u.comparison)?,
            weekdays: u.weekdays.clone(),
            titles: u.titles.iter().map(|t| doc(t)).collect::<Result<_, _>>()?,
            review: undated_kind(&u.review)?,
            current: undated_kind(&u.current)?,
        };
        Ok(Furniture {
            titles: file
                .titles
                .iter()
                .map(|t| doc(t))
                .collect::<Result<_, _>>()?,
            dateline: Template::parse(&file.dateline, &dateline_vars).map_err(bad)?,
            footer: doc(&file.footer)?,
            cities: file.cities,
            place_city: file.place_city,
            place_province: file.place_province,
            and: file.and,
            comparison: file.comparison,
            share: file.share,
            markers: file.markers,
            first_paragraph_periods: first,
            periods,
            undated,
        })
    }
}

/// Paragraph openers as loaded; a period text needs an opener to be written in.
fn parse_periods(rows: &[PeriodRow]) -> Result<Vec<PeriodOpener>, String> {
    let opener_vars = [&DOC_VARS[..], &["text"]].concat();
    let periods = rows
        .iter()
        .map(|p| {
            Ok(PeriodOpener {
                text: p
                    .text
                    .as_deref()
                    .map(|t| Template::parse(t, &DOC_VARS))
                    .transpose()?,
                opener: p
                    .opener
                    .as_deref()
                    .map(|o| Template::parse(o, &opener_vars))
                    .transpose()?,
                spans_years: p.spans_years,
            })
        })
        .collect::<Result<Vec<_>, String>>()?;
    if let Some(p) = periods
        .iter()
        .find(|p| p.text.is_some() && p.opener.is_none())
    {
        return Err(format!("period {:?} has a text but no opener", p.text));
    }
    Ok(periods)
}

/// The first paragraph draws among the first `first` openers: 1 to all of them.
fn check_first(first: u64, periods: &[PeriodOpener]) -> Result<(), String> {
    if first == 0 || first as usize > periods.len() {
        return Err(format!(
            "first_paragraph_periods = {first}: must be 1 to the number of [[period]]"
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_template_fills_names_and_draws_in_order() {
        let t = Template::parse("Quý {roman}/{year}: {n:2-2} và {int:1500-1500}", &["year"])
            .unwrap_or_else(|e| panic!("{e}"));
        let mut rng = Rng::new(1);
        assert_eq!(
            t.fill(&[("year", "2023")], &mut rng)
                .split_once('/')
                .map(|x| x.1),
            Some("2023: 2 và 1.500")
        );
        assert!(Template::parse("năm {nam}", &["year"]).is_err());
        assert!(Template::parse("{n:9-2}", &[]).is_err());
        assert!(Template::parse("{year", &["year"]).is_err());
    }
}
