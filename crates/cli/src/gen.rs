//! `solieu gen`: a synthetic corpus with known answers, from `solieu-gen`. This module only
//! parses the size, picks the writer and streams documents to disk in order, so a 1 GB corpus
//! never sits in memory.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::{Context, Result};
use clap::Args;
use polars::prelude::{Column, DataFrame, ParquetWriter};
use rayon::prelude::*;
use solieu_gen::{GenDoc, Generator, Templates};
use solieu_ingest::Lexicon;

use solieu_pipeline::Error;

pub const ABOUT: &str =
    "Generate a synthetic corpus of Vietnamese public-security reports with known answers.

Each document is composed from the sentence frames of pipelines/gen/frames.toml, drawing every \
word from the lexicon (verbs, units, topics, qualifiers, changes, multipliers, number words, \
baselines), with random figures in every vi-VN number format and distractors that are not \
statistics (dates, decree numbers, ages, ordinals, page furniture). --gold writes the rows the \
pipeline must output, one JSON line per document in the shape of corpus/dev/gold.jsonl, so \
score.py can score a run on it. The same seed always gives the same corpus; document i does \
not depend on how many are asked for. --size streams to disk: use it for 100 MB or 1 GB \
benchmark corpora.";

pub const EXAMPLES: &str = "Examples:
  solieu gen --docs 1000 --out /tmp/gen/txt --gold /tmp/gen/gold.jsonl
  solieu gen --size 100MB --format jsonl --out /tmp/gen/100mb.jsonl --seed 7
  solieu gen --size 1GB --format parquet --out /tmp/gen/1gb.parquet
  solieu run -i /tmp/gen/txt -o /tmp/gen/out --input-format txt && \\
    python3 ../shared/eval/score.py /tmp/gen/out /tmp/gen/gold.jsonl";

/// Options of `solieu gen`.
#[derive(Args, Debug, Clone)]
pub struct GenArgs {
    /// Number of documents (default 100 when --size is not given).
    #[arg(long, value_name = "N")]
    pub docs: Option<u64>,
    /// Approximate total size of the texts instead of a count: 100MB, 1GB, 64KiB.
    #[arg(long, value_name = "SIZE")]
    pub size: Option<String>,
    /// Seed of the generator: the same seed gives the same corpus.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// txt (a folder of .txt files), jsonl (one file: id, title, url, date, province, text) or
    /// parquet (one file with the same columns).
    #[arg(long, default_value = "txt", value_name = "FORMAT")]
    pub format: String,
    /// The folder (txt) or file (jsonl, parquet) to write.
    #[arg(long, short = 'o', value_name = "PATH")]
    pub out: PathBuf,
    /// Also write the gold rows, one JSON line per document (score.py's GOLD).
    #[arg(long, value_name = "FILE")]
    pub gold: Option<PathBuf>,
    /// Lexicon folder the vocabulary is drawn from.
    #[arg(long, default_value = "pipelines/lexicon", value_name = "DIR")]
    pub lexicon: PathBuf,
    /// Sentence frames file.
    #[arg(long, default_value = "pipelines/gen/frames.toml", value_name = "FILE")]
    pub frames: PathBuf,
    /// No summary line.
    #[arg(long, short = 'q')]
    pub quiet: bool,
}

/// Documents made in parallel per step; written in order.
const CHUNK: u64 = 1024;
/// Documents per Parquet row group.
const ROW_GROUP: usize = 8192;

fn config<E: std::fmt::Display>(e: E) -> anyhow::Error {
    Error::Config(e.to_string()).into()
}

/// `100MB`, `1GB`, `1.5G`, `64KiB`, `5000` (bytes): decimal units, `i` for binary ones.
pub fn parse_size(s: &str) -> Result<u64, String> {
    let t = s.trim();
    let split = t
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(t.len());
    let (num, unit) = t.split_at(split);
    let n: f64 = num
        .parse()
        .map_err(|_| format!("`{s}` is not a size such as 100MB or 1GB"))?;
    let factor: f64 = match unit.trim().to_ascii_lowercase().as_str() {
        "" | "b" => 1.0,
        "k" | "kb" => 1e3,
        "m" | "mb" => 1e6,
        "g" | "gb" => 1e9,
        "kib" => 1024.0,
        "mib" => 1024.0 * 1024.0,
        "gib" => 1024.0 * 1024.0 * 1024.0,
        other => {
            return Err(format!(
                "unknown size unit `{other}` in `{s}` (use kB, MB, GB)"
            ))
        }
    };
    Ok((n * factor) as u64)
}

/// Where documents go.
enum Sink {
    Txt(PathBuf),
    Jsonl(BufWriter<File>),
    Parquet {
        path: PathBuf,
        writer: Option<Box<polars::io::parquet::write::BatchedWriter<File>>>,
        file: Option<File>,
        pending: Vec<GenDoc>,
    },
}

fn create(path: &Path) -> Result<File> {
    if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent)
            .with_context(|| format!("cannot create {}", parent.display()))?;
    }
    File::create(path).with_context(|| format!("cannot create {}", path.display()))
}

fn frame(docs: &[GenDoc]) -> Result<DataFrame> {
    let col = |name: &str, f: fn(&GenDoc) -> &str| {
        Column::new(name.into(), docs.iter().map(f).collect::<Vec<_>>())
    };
    let url: Vec<String> = docs
        .iter()
        .map(|d| format!("https://example.org/gen/{}", d.doc_id))
        .collect();
    Ok(DataFrame::new(
        docs.len(),
        vec![
            col("id", |d| &d.doc_id),
            col("title", |d| &d.title),
            Column::new("url".into(), url),
            col("date", |d| &d.date),
            col("province", |d| &d.province),
            col("text", |d| &d.text),
        ],
    )?)
}

impl Sink {
    fn open(format: &str, out: &Path) -> Result<Sink> {
        match format {
            "txt" => {
                std::fs::create_dir_all(out)
                    .with_context(|| format!("cannot create folder {}", out.display()))?;
                Ok(Sink::Txt(out.to_path_buf()))
            }
            "jsonl" => Ok(Sink::Jsonl(BufWriter::new(create(out)?))),
            "parquet" => Ok(Sink::Parquet {
                path: out.to_path_buf(),
                writer: None,
                file: Some(create(out)?),
                pending: Vec::new(),
            }),
            other => Err(config(format!(
                "unknown --format `{other}` (expected txt, jsonl or parquet)"
            ))),
        }
    }

    fn write(&mut self, doc: GenDoc) -> Result<()> {
        match self {
            Sink::Txt(dir) => {
                let path = dir.join(format!("{}.txt", doc.doc_id));
                std::fs::write(&path, &doc.text)
                    .with_context(|| format!("cannot write {}", path.display()))?;
            }
            Sink::Jsonl(w) => {
                let line = serde_json::json!({
                    "id": doc.doc_id,
                    "title": doc.title,
                    "url": format!("https://example.org/gen/{}", doc.doc_id),
                    "date": doc.date,
                    "province": doc.province,
                    "text": doc.text,
                });
                writeln!(w, "{line}")?;
            }
            Sink::Parquet { pending, .. } => {
                pending.push(doc);
                if pending.len() >= ROW_GROUP {
                    self.flush_parquet()?;
                }
            }
        }
        Ok(())
    }

    fn flush_parquet(&mut self) -> Result<()> {
        if let Sink::Parquet {
            path,
            writer,
            file,
            pending,
        } = self
        {
            if pending.is_empty() {
                return Ok(());
            }
            let df = frame(pending)?;
            // The first batch opens the writer with its schema.
            if let Some(f) = file.take() {
                *writer = Some(Box::new(ParquetWriter::new(f).batched(df.schema())?));
            }
            if let Some(w) = writer.as_mut() {
                w.write_batch(&df)
                    .with_context(|| format!("cannot write {}", path.display()))?;
            }
            pending.clear();
        }
        Ok(())
    }

    fn finish(mut self) -> Result<()> {
        self.flush_parquet()?;
        match self {
            Sink::Txt(_) => {}
            Sink::Jsonl(mut w) => w.flush()?,
            Sink::Parquet { writer, file, .. } => {
                if let Some(w) = writer {
                    w.finish()?;
                } else if let Some(f) = file {
                    // No document at all: an empty file with the columns.
                    ParquetWriter::new(f).finish(&mut frame(&[])?)?;
                }
            }
        }
        Ok(())
    }
}

/// `solieu gen`.
pub fn main(args: &GenArgs) -> Result<()> {
    let started = Instant::now();
    let limit = match (&args.size, args.docs) {
        (Some(_), Some(_)) => return Err(config("give --docs or --size, not both")),
        (Some(s), None) => Limit::Bytes(parse_size(s).map_err(config)?),
        (None, n) => Limit::Docs(n.unwrap_or(100)),
    };
    let lexicon = Lexicon::load(&args.lexicon).map_err(config)?;
    let templates = Templates::load(&args.frames, &lexicon).map_err(config)?;
    let generator = Generator::new(templates, args.seed);
    let mut sink = Sink::open(&args.format, &args.out)?;
    let mut gold = match &args.gold {
        Some(p) => Some(BufWriter::new(create(p)?)),
        None => None,
    };

    let (mut docs, mut bytes, mut rows) = (0u64, 0u64, 0usize);
    let mut next = 0u64;
    'outer: loop {
        let end = match limit {
            Limit::Docs(n) => (next + CHUNK).min(n),
            Limit::Bytes(_) => next + CHUNK,
        };
        if next >= end {
            break;
        }
        let chunk: Vec<GenDoc> = (next..end)
            .into_par_iter()
            .map(|i| generator.doc(i))
            .collect();
        next = end;
        for doc in chunk {
            if matches!(limit, Limit::Bytes(max) if bytes >= max) {
                break 'outer;
            }
            bytes += doc.text.len() as u64;
            docs += 1;
            rows += doc.gold.observations.len();
            if let Some(g) = gold.as_mut() {
                writeln!(g, "{}", doc.gold.to_json_line())?;
            }
            sink.write(doc)?;
        }
    }
    sink.finish()?;
    if let Some(mut g) = gold {
        g.flush()?;
    }
    if !args.quiet {
        eprintln!(
            "solieu gen: {docs} documents, {:.1} MB of text, {rows} gold rows (seed {}) in {:.1} s -> {}",
            bytes as f64 / 1e6,
            args.seed,
            started.elapsed().as_secs_f64(),
            args.out.display()
        );
    }
    Ok(())
}

#[derive(Clone, Copy)]
enum Limit {
    Docs(u64),
    Bytes(u64),
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_read_as_people_write_them() {
        assert_eq!(parse_size("100MB"), Ok(100_000_000));
        assert_eq!(parse_size("1GB"), Ok(1_000_000_000));
        assert_eq!(parse_size("1.5g"), Ok(1_500_000_000));
        assert_eq!(parse_size("64KiB"), Ok(65_536));
        assert_eq!(parse_size("5000"), Ok(5000));
        assert!(parse_size("lots").is_err());
        assert!(parse_size("3 parsecs").is_err());
    }
}
