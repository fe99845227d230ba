//! Reading inputs: a folder or glob of `.txt` files (one document each), JSONL, CSV and Parquet
//! corpora (one document a record: `id`, `text`, optional `url`, `title`, `date`, `province`).
//! What cannot be read becomes a [`Reject`]; it never stops the batch.

use std::fs::File;
use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::str::FromStr;

use polars::prelude::{DataType, ParquetReader, SerReader};

/// How the records of an input file are laid out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InputFormat {
    /// By file extension: `.txt`, `.jsonl`/`.ndjson`, `.csv`, `.parquet`.
    Auto,
    Text,
    Jsonl,
    Csv,
    Parquet,
}

impl FromStr for InputFormat {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "auto" => Ok(InputFormat::Auto),
            "txt" | "text" => Ok(InputFormat::Text),
            "jsonl" | "ndjson" => Ok(InputFormat::Jsonl),
            "csv" => Ok(InputFormat::Csv),
            "parquet" => Ok(InputFormat::Parquet),
            other => Err(format!(
                "unknown input format `{other}` (expected auto, txt, jsonl, csv or parquet)"
            )),
        }
    }
}

impl InputFormat {
    fn of_path(path: &Path) -> Option<InputFormat> {
        let ext = path.extension()?.to_str()?.to_ascii_lowercase();
        match ext.as_str() {
            "txt" => Some(InputFormat::Text),
            "jsonl" | "ndjson" => Some(InputFormat::Jsonl),
            "csv" => Some(InputFormat::Csv),
            "parquet" => Some(InputFormat::Parquet),
            _ => None,
        }
    }
}

/// An input file with the format its records are read in.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct InputFile {
    pub path: PathBuf,
    pub format: InputFormatKey,
}

/// A resolved (never `Auto`) input format, ordered so file lists sort deterministically.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum InputFormatKey {
    Text,
    Jsonl,
    Csv,
    Parquet,
}

/// One document as read, before decoding: the raw bytes of its text and its metadata.
#[derive(Debug, Clone, PartialEq)]
pub struct Record {
    pub doc_id: String,
    pub source: String,
    pub bytes: Vec<u8>,
    pub url: Option<String>,
    pub title: Option<String>,
    pub date: Option<String>,
    pub province: Option<String>,
}

/// An input that did not become a document, and why (the `rejects` table's row).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Reject {
    pub source: String,
    pub reason: String,
}

/// An input path that names nothing, or a glob that cannot be read.
#[derive(Debug, thiserror::Error)]
pub enum SourceError {
    #[error("input `{0}` does not exist")]
    Missing(String),
    #[error("input `{pattern}` is not a valid glob: {message}")]
    BadGlob { pattern: String, message: String },
    #[error("input `{0}`: cannot tell its format from the extension; pass --format")]
    UnknownFormat(String),
    #[error("input folder `{path}` cannot be listed: {source}")]
    List {
        path: String,
        #[source]
        source: std::io::Error,
    },
}

/// Expands input paths (files, folders, globs) into a sorted list of files to read. Inside a
/// folder only files with a known extension are taken; a path that matches nothing is an error,
/// because a nightly run that silently reads nothing is worse than one that stops.
pub fn discover(inputs: &[String], format: InputFormat) -> Result<Vec<InputFile>, SourceError> {
    let mut files = Vec::new();
    for input in inputs {
        let path = PathBuf::from(input);
        if input.contains(['*', '?', '[']) {
            let paths = glob::glob(input).map_err(|e| SourceError::BadGlob {
                pattern: input.clone(),
                message: e.to_string(),
            })?;
            let before = files.len();
            for p in paths.flatten() {
                if p.is_file() {
                    push_file(&mut files, p, format, false)?;
                }
            }
            if files.len() == before {
                return Err(SourceError::Missing(input.clone()));
            }
        } else if path.is_dir() {
            walk(&path, format, &mut files)?;
        } else if path.exists() || path.symlink_metadata().is_ok() {
            push_file(&mut files, path, format, true)?;
        } else {
            return Err(SourceError::Missing(input.clone()));
        }
    }
    files.sort();
    files.dedup();
    Ok(files)
}

fn walk(dir: &Path, format: InputFormat, files: &mut Vec<InputFile>) -> Result<(), SourceError> {
    let entries = std::fs::read_dir(dir).map_err(|source| SourceError::List {
        path: dir.display().to_string(),
        source,
    })?;
    let mut paths: Vec<PathBuf> = entries.flatten().map(|e| e.path()).collect();
    paths.sort();
    for p in paths {
        if p.is_dir() {
            walk(&p, format, files)?;
        } else {
            push_file(files, p, format, false)?;
        }
    }
    Ok(())
}

fn push_file(
    files: &mut Vec<InputFile>,
    path: PathBuf,
    format: InputFormat,
    named: bool,
) -> Result<(), SourceError> {
    let resolved = match format {
        InputFormat::Auto => InputFormat::of_path(&path),
        f => InputFormat::of_path(&path).filter(|g| *g == f).or((named
            || InputFormat::of_path(&path).is_none() && f == InputFormat::Text)
            .then_some(f)),
    };
    let key = match resolved {
        Some(InputFormat::Text) => InputFormatKey::Text,
        Some(InputFormat::Jsonl) => InputFormatKey::Jsonl,
        Some(InputFormat::Csv) => InputFormatKey::Csv,
        Some(InputFormat::Parquet) => InputFormatKey::Parquet,
        Some(InputFormat::Auto) | None if named => {
            return Err(SourceError::UnknownFormat(path.display().to_string()))
        }
        _ => return Ok(()), // a file of another kind inside a folder: not an input
    };
    files.push(InputFile { path, format: key });
    Ok(())
}

/// Reads every record of one input file. Problems with the whole file give one reject; a bad
/// record gives a reject for that record and the others are still read.
pub fn read_records(file: &InputFile) -> Vec<Result<Record, Reject>> {
    let source = file.path.display().to_string();
    let reject = |reason: String| {
        vec![Err(Reject {
            source: source.clone(),
            reason,
        })]
    };
    match file.format {
        InputFormatKey::Text => match std::fs::read(&file.path) {
            Ok(bytes) => vec![Ok(Record {
                doc_id: file
                    .path
                    .file_stem()
                    .map(|s| s.to_string_lossy().into_owned())
                    .unwrap_or_default(),
                source,
                bytes,
                url: None,
                title: None,
                date: None,
                province: None,
            })],
            Err(e) => reject(format!("unreadable: {e}")),
        },
        InputFormatKey::Jsonl => match File::open(&file.path) {
            Ok(f) => read_jsonl(BufReader::new(f), &source),
            Err(e) => reject(format!("unreadable: {e}")),
        },
        InputFormatKey::Csv => match File::open(&file.path) {
            Ok(f) => read_csv(f, &source),
            Err(e) => reject(format!("unreadable: {e}")),
        },
        InputFormatKey::Parquet => match File::open(&file.path) {
            Ok(f) => read_parquet(f, &source).unwrap_or_else(reject),
            Err(e) => reject(format!("unreadable: {e}")),
        },
    }
}

fn json_string(v: &serde_json::Value) -> Option<String> {
    match v {
        serde_json::Value::String(s) => Some(s.clone()),
        serde_json::Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

fn read_jsonl(reader: impl BufRead, source: &str) -> Vec<Result<Record, Reject>> {
    let mut out = Vec::new();
    for (i, line) in reader.split(b'\n').enumerate() {
        let at = format!("{source}:{}", i + 1);
        let line = match line {
            Ok(l) => l,
            Err(e) => {
                out.push(Err(Reject {
                    source: at,
                    reason: format!("unreadable: {e}"),
                }));
                break;
            }
        };
        if line.iter().all(u8::is_ascii_whitespace) {
            continue;
        }
        let value: serde_json::Value = match serde_json::from_slice(&line) {
            Ok(v) => v,
            Err(e) => {
                out.push(Err(Reject {
                    source: at,
                    reason: format!("bad JSON line: {e}"),
                }));
                continue;
            }
        };
        let field = |k: &str| value.get(k).and_then(json_string);
        out.push(record_from_fields(at, field("id"), field("text"), |k| {
            field(k)
        }));
    }
    out
}

fn record_from_fields(
    source: String,
    id: Option<String>,
    text: Option<String>,
    field: impl Fn(&str) -> Option<String>,
) -> Result<Record, Reject> {
    let Some(text) = text else {
        return Err(Reject {
            source,
            reason: "missing text field".into(),
        });
    };
    let Some(doc_id) = id.filter(|s| !s.trim().is_empty()) else {
        return Err(Reject {
            source,
            reason: "missing id field".into(),
        });
    };
    let nonempty = |k: &str| field(k).filter(|s| !s.trim().is_empty());
    Ok(Record {
        doc_id,
        source,
        bytes: text.into_bytes(),
        url: nonempty("url"),
        title: nonempty("title"),
        date: nonempty("date"),
        province: nonempty("province"),
    })
}

fn read_csv(reader: impl Read, source: &str) -> Vec<Result<Record, Reject>> {
    let mut rdr = csv::ReaderBuilder::new().flexible(true).from_reader(reader);
    let headers = match rdr.headers() {
        Ok(h) => h.clone(),
        Err(e) => {
            return vec![Err(Reject {
                source: source.to_string(),
                reason: format!("bad CSV header: {e}"),
            })]
        }
    };
    let col = |name: &str| headers.iter().position(|h| h.trim() == name);
    if col("text").is_none() {
        return vec![Err(Reject {
            source: source.to_string(),
            reason: "CSV has no `text` column".into(),
        })];
    }
    let mut out = Vec::new();
    for (i, rec) in rdr.records().enumerate() {
        let at = format!("{source}:{}", i + 1);
        match rec {
            Ok(rec) => {
                let get = |k: &str| col(k).and_then(|c| rec.get(c)).map(str::to_string);
                out.push(record_from_fields(at, get("id"), get("text"), get));
            }
            Err(e) => out.push(Err(Reject {
                source: at,
                reason: format!("bad CSV record: {e}"),
            })),
        }
    }
    out
}

fn read_parquet(file: File, source: &str) -> Result<Vec<Result<Record, Reject>>, String> {
    let df = ParquetReader::new(file)
        .finish()
        .map_err(|e| format!("unreadable Parquet: {e}"))?;
    let column = |name: &str| -> Option<Vec<Option<String>>> {
        let c = df.column(name).ok()?.cast(&DataType::String).ok()?;
        let s = c.str().ok()?.clone();
        Some(s.iter().map(|v| v.map(str::to_string)).collect())
    };
    let texts = column("text").ok_or("Parquet file has no `text` column")?;
    let ids = column("id").unwrap_or_else(|| vec![None; texts.len()]);
    let meta: Vec<(&str, Option<Vec<Option<String>>>)> = ["url", "title", "date", "province"]
        .into_iter()
        .map(|k| (k, column(k)))
        .collect();
    Ok(texts
        .into_iter()
        .enumerate()
        .map(|(i, text)| {
            let field = |k: &str| -> Option<String> {
                meta.iter()
                    .find(|(name, _)| *name == k)
                    .and_then(|(_, c)| c.as_ref()?.get(i).cloned().flatten())
            };
            record_from_fields(
                format!("{source}:{}", i + 1),
                ids.get(i).cloned().flatten(),
                text,
                field,
            )
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn jsonl_bad_line_is_rejected_and_others_kept() {
        let data = b"{\"id\": \"a\", \"text\": \"x\"}\nnot json\n\n{\"id\": 7, \"text\": \"y\", \"province\": \"Hu\xe1\xba\xbf\"}\n{\"id\": \"c\"}\n";
        let rows = read_jsonl(&data[..], "c.jsonl");
        assert_eq!(rows.len(), 4);
        assert_eq!(rows[0].as_ref().map(|r| r.doc_id.as_str()), Ok("a"));
        assert_eq!(
            rows[1].as_ref().err().map(|r| r.source.as_str()),
            Some("c.jsonl:2")
        );
        let r = rows[2].as_ref().ok();
        assert_eq!(r.map(|r| r.doc_id.as_str()), Some("7"));
        assert_eq!(r.and_then(|r| r.province.as_deref()), Some("Huế"));
        assert_eq!(
            rows[3].as_ref().err().map(|r| r.reason.as_str()),
            Some("missing text field")
        );
    }

    #[test]
    fn csv_without_text_column_is_one_reject() {
        let rows = read_csv(&b"id,body\n1,abc\n"[..], "x.csv");
        assert_eq!(
            rows,
            vec![Err(Reject {
                source: "x.csv".into(),
                reason: "CSV has no `text` column".into()
            })]
        );
    }

    #[test]
    fn csv_reads_quoted_multiline_text() {
        let rows = read_csv(
            "id,text,title\nk1,\"Dòng 1, \"\"trích\"\"\nDòng 2\",Tin\n".as_bytes(),
            "y.csv",
        );
        let r = rows[0].as_ref().ok();
        assert_eq!(
            r.map(|r| r.bytes.as_slice()),
            Some("Dòng 1, \"trích\"\nDòng 2".as_bytes())
        );
        assert_eq!(r.and_then(|r| r.title.as_deref()), Some("Tin"));
    }

    #[test]
    fn missing_input_is_an_error() {
        let err = discover(&["/no/such/folder".into()], InputFormat::Auto);
        assert!(matches!(err, Err(SourceError::Missing(p)) if p == "/no/such/folder"));
    }
}
