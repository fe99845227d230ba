//! The floor `tests/bench.sh` measures solieu against: what a bare script does with a JSONL
//! corpus. Each line's JSON parsed, its text checked for NFC (composed when it is not), every
//! "number + unit word" found by one regex, one CSV row written per match. No context, no
//! tables, no state: the cost of reading the bytes and finding figures, nothing more.
//!
//! cargo run --release -p solieu-pipeline --example bare_regex -- CORPUS.jsonl OUT.csv \
//!     [--threads N] [--units pipelines/lexicon/units.csv]

use std::error::Error;
use std::fs::File;
use std::io::{BufRead, BufReader, BufWriter};

use rayon::prelude::*;
use regex::Regex;
use unicode_normalization::{is_nfc_quick, IsNormalized, UnicodeNormalization};

/// Lines handed to the pool at once.
const CHUNK: usize = 4096;

struct Args {
    corpus: String,
    out: String,
    threads: usize,
    units: String,
}

fn args() -> Result<Args, String> {
    let usage = "usage: bare_regex CORPUS.jsonl OUT.csv [--threads N] [--units UNITS.csv]";
    let mut positional = Vec::new();
    let mut threads = 1;
    let mut units = "pipelines/lexicon/units.csv".to_string();
    let mut it = std::env::args().skip(1);
    while let Some(a) = it.next() {
        match a.as_str() {
            "--threads" => {
                threads = it
                    .next()
                    .and_then(|n| n.parse().ok())
                    .ok_or_else(|| usage.to_string())?
            }
            "--units" => units = it.next().ok_or_else(|| usage.to_string())?,
            _ => positional.push(a),
        }
    }
    let [corpus, out] = <[String; 2]>::try_from(positional).map_err(|_| usage.to_string())?;
    Ok(Args {
        corpus,
        out,
        threads,
        units,
    })
}

/// One alternation of every unit form of the lexicon, longest first so "vụ án" wins over
/// "vụ"; the words stay in the lexicon file. Forms match as the lexicon writes them (lower
/// case): a case-insensitive regex made the baseline a third slower for the rare capitalised
/// unit, which would flatter solieu.
fn figure_regex(units: &str) -> Result<Regex, Box<dyn Error>> {
    let mut reader = csv::Reader::from_path(units)?;
    let mut forms: Vec<String> = Vec::new();
    for row in reader.records() {
        if let Some(form) = row?.get(0) {
            forms.push(regex::escape(form.trim()));
        }
    }
    forms.sort_by_key(|f| std::cmp::Reverse(f.len()));
    let pattern = format!(r"(\d+(?:[.,]\d+)*)\s+({})\b", forms.join("|"));
    Ok(Regex::new(&pattern)?)
}

/// The fields of a corpus line the baseline reads; the others are skipped unparsed.
#[derive(serde::Deserialize)]
struct Line {
    #[serde(default)]
    id: String,
    text: Option<String>,
}

/// A line's rows: (doc_id, number, unit, byte offset in the text); a bad line gives none.
fn figures(re: &Regex, line: &[u8]) -> Vec<(String, String, String, usize)> {
    let Ok(Line {
        id,
        text: Some(text),
    }) = serde_json::from_slice::<Line>(line)
    else {
        return Vec::new();
    };
    let composed;
    let text = if is_nfc_quick(text.chars()) == IsNormalized::Yes {
        text.as_str()
    } else {
        composed = text.nfc().collect::<String>();
        composed.as_str()
    };
    re.captures_iter(text)
        .filter_map(|c| {
            let (number, unit) = (c.get(1)?, c.get(2)?);
            Some((
                id.clone(),
                number.as_str().to_string(),
                unit.as_str().to_string(),
                number.start(),
            ))
        })
        .collect()
}

fn main() -> Result<(), Box<dyn Error>> {
    let a = args()?;
    let re = figure_regex(&a.units)?;
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(a.threads)
        .build()?;
    let mut out = csv::Writer::from_writer(BufWriter::new(File::create(&a.out)?));
    out.write_record(["doc_id", "number", "unit", "offset"])?;
    let mut lines = BufReader::new(File::open(&a.corpus)?).split(b'\n');
    let mut rows = 0usize;
    loop {
        let chunk: Vec<Vec<u8>> = lines.by_ref().take(CHUNK).collect::<Result<_, _>>()?;
        if chunk.is_empty() {
            break;
        }
        let found: Vec<_> = pool.install(|| chunk.par_iter().map(|l| figures(&re, l)).collect());
        for (id, number, unit, offset) in found.into_iter().flatten() {
            out.write_record([id, number, unit, offset.to_string()])?;
            rows += 1;
        }
    }
    out.flush()?;
    eprintln!("bare_regex: {rows} figures -> {}", a.out);
    Ok(())
}
