//! Writing a generated corpus to disk: a folder of `.txt` files, one JSONL file or one Parquet
//! file, with the gold rows beside it. Documents are made in parallel a chunk at a time and
//! written in order, so a 1 GB corpus never sits in memory.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use polars::prelude::{Column, DataFrame, ParquetWriter, PolarsError};
use rayon::prelude::*;

use crate::compose::{GenDoc, Generator};

/// Documents made in parallel per step; written in order.
const CHUNK: u64 = 1024;
/// Documents per Parquet row group.
const ROW_GROUP: usize = 8192;

/// A corpus file or folder that could not be written.
#[derive(Debug, thiserror::Error)]
pub enum WriteError {
    #[error("cannot write {path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("cannot write {path}: {source}")]
    Parquet {
        path: PathBuf,
        #[source]
        source: PolarsError,
    },
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> WriteError + '_ {
    move |source| WriteError::Io {
        path: path.to_path_buf(),
        source,
    }
}

fn pq(path: &Path) -> impl FnOnce(PolarsError) -> WriteError + '_ {
    move |source| WriteError::Parquet {
        path: path.to_path_buf(),
        source,
    }
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

/// How much to generate.
#[derive(Debug, Clone, Copy)]
pub enum Limit {
    Docs(u64),
    /// About this many bytes of text.
    Bytes(u64),
}

/// The corpus's shape on disk.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CorpusFormat {
    Txt,
    Jsonl,
    Parquet,
}

impl std::str::FromStr for CorpusFormat {
    type Err = String;

    fn from_str(s: &str) -> Result<CorpusFormat, String> {
        match s {
            "txt" => Ok(CorpusFormat::Txt),
            "jsonl" => Ok(CorpusFormat::Jsonl),
            "parquet" => Ok(CorpusFormat::Parquet),
            other => Err(format!(
                "unknown --format `{other}` (expected txt, jsonl or parquet)"
            )),
        }
    }
}

/// Where documents go.
enum Sink {
    Txt(PathBuf),
    Jsonl(PathBuf, BufWriter<File>),
    Parquet {
        path: PathBuf,
        writer: Option<Box<polars::io::parquet::write::BatchedWriter<File>>>,
        file: Option<File>,
        pending: Vec<GenDoc>,
    },
}

fn create(path: &Path) -> Result<File, WriteError> {
    if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent).map_err(io(parent))?;
    }
    File::create(path).map_err(io(path))
}

fn url(doc: &GenDoc) -> String {
    format!("https://example.org/gen/{}", doc.doc_id)
}

fn frame(docs: &[GenDoc]) -> Result<DataFrame, PolarsError> {
    let col = |name: &str, f: fn(&GenDoc) -> &str| {
        Column::new(name.into(), docs.iter().map(f).collect::<Vec<_>>())
    };
    let url: Vec<String> = docs.iter().map(url).collect();
    DataFrame::new(
        docs.len(),
        vec![
            col("id", |d| &d.doc_id),
            col("title", |d| &d.title),
            Column::new("url".into(), url),
            col("date", |d| &d.date),
            col("province", |d| &d.province),
            col("text", |d| &d.text),
        ],
    )
}

impl Sink {
    fn open(format: CorpusFormat, out: &Path) -> Result<Sink, WriteError> {
        match format {
            CorpusFormat::Txt => {
                std::fs::create_dir_all(out).map_err(io(out))?;
                Ok(Sink::Txt(out.to_path_buf()))
            }
            CorpusFormat::Jsonl => Ok(Sink::Jsonl(out.to_path_buf(), BufWriter::new(create(out)?))),
            CorpusFormat::Parquet => Ok(Sink::Parquet {
                path: out.to_path_buf(),
                writer: None,
                file: Some(create(out)?),
                pending: Vec::new(),
            }),
        }
    }

    fn write(&mut self, doc: GenDoc) -> Result<(), WriteError> {
        match self {
            Sink::Txt(dir) => {
                let path = dir.join(format!("{}.txt", doc.doc_id));
                std::fs::write(&path, &doc.text).map_err(io(&path))?;
            }
            Sink::Jsonl(path, w) => {
                let line = serde_json::json!({
                    "id": doc.doc_id,
                    "title": doc.title,
                    "url": url(&doc),
                    "date": doc.date,
                    "province": doc.province,
                    "text": doc.text,
                });
                writeln!(w, "{line}").map_err(io(path))?;
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

    fn flush_parquet(&mut self) -> Result<(), WriteError> {
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
            let df = frame(pending).map_err(pq(path))?;
            // The first batch opens the writer with its schema.
            if let Some(f) = file.take() {
                let w = ParquetWriter::new(f)
                    .batched(df.schema())
                    .map_err(pq(path))?;
                *writer = Some(Box::new(w));
            }
            if let Some(w) = writer.as_mut() {
                w.write_batch(&df).map_err(pq(path))?;
            }
            pending.clear();
        }
        Ok(())
    }

    fn finish(mut self) -> Result<(), WriteError> {
        self.flush_parquet()?;
        match self {
            Sink::Txt(_) => {}
            Sink::Jsonl(path, mut w) => w.flush().map_err(io(&path))?,
            Sink::Parquet {
                path, writer, file, ..
            } => {
                if let Some(w) = writer {
                    w.finish().map_err(pq(&path))?;
                } else if let Some(f) = file {
                    // No document at all: an empty file with the columns.
                    let mut empty = frame(&[]).map_err(pq(&path))?;
                    ParquetWriter::new(f)
                        .finish(&mut empty)
                        .map_err(pq(&path))?;
                }
            }
        }
        Ok(())
    }
}

/// What was written.
#[derive(Debug, Clone, Copy, Default)]
pub struct Written {
    pub documents: u64,
    /// Bytes of text.
    pub bytes: u64,
    pub gold_rows: usize,
}

/// Writes `limit`'s worth of `generator`'s documents at `out` in `format`, and their gold
/// rows (one JSON line per document) at `gold`.
pub fn write_corpus(
    generator: &Generator,
    limit: Limit,
    format: CorpusFormat,
    out: &Path,
    gold: Option<&Path>,
) -> Result<Written, WriteError> {
    let mut sink = Sink::open(format, out)?;
    let mut gold = match gold {
        Some(p) => Some((p, BufWriter::new(create(p)?))),
        None => None,
    };
    let mut written = Written::default();
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
            if matches!(limit, Limit::Bytes(max) if written.bytes >= max) {
                break 'outer;
            }
            written.bytes += doc.text.len() as u64;
            written.documents += 1;
            written.gold_rows += doc.gold.observations.len();
            if let Some((path, g)) = gold.as_mut() {
                writeln!(g, "{}", doc.gold.to_json_line()).map_err(io(path))?;
            }
            sink.write(doc)?;
        }
    }
    sink.finish()?;
    if let Some((path, mut g)) = gold {
        g.flush().map_err(io(path))?;
    }
    Ok(written)
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
