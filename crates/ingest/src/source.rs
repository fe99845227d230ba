//! Reading inputs: a folder or glob of `.txt` files (one document each), JSONL, CSV and Parquet
//! corpora (one document a record: `id`, `text`, optional `url`, `title`, `date`, `province`).
//! What cannot be read becomes a [`Reject`]; it never stops the batch.

use std::fs::File;
use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::str::FromStr;

#[cfg(feature = "polars")]
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
    #[error("input `{0}`: cannot tell its format from the extension; pass --input-format or set input.format")]
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
                // A broken symlink is kept so that it becomes a reject, not a silent gap.
                if p.is_file() || (p.is_symlink() && !p.is_dir()) {
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
    walk_once(dir, format, files, &mut std::collections::HashSet::new())
}

/// Walks a folder tree; a folder reached again through a symlink (a link to a parent makes a
/// loop) is walked once only.
fn walk_once(
    dir: &Path,
    format: InputFormat,
    files: &mut Vec<InputFile>,
    seen: &mut std::collections::HashSet<PathBuf>,
) -> Result<(), SourceError> {
    if let Ok(real) = std::fs::canonicalize(dir) {
        if !seen.insert(real) {
            return Ok(());
        }
    }
    let entries = std::fs::read_dir(dir).map_err(|source| SourceError::List {
        path: dir.display().to_string(),
        source,
    })?;
    let mut paths: Vec<PathBuf> = entries.flatten().map(|e| e.path()).collect();
    paths.sort();
    for p in paths {
        if p.is_dir() {
            walk_once(&p, format, files, seen)?;
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

/// Limits on what one input may hand to the batch.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReadLimits {
    /// Largest document in bytes: a `.txt` file, or one record's text. Larger ones are
    /// rejected before they are read, so one runaway file cannot exhaust memory at night.
    pub max_document_bytes: u64,
}

/// The default document limit: 16 MiB, a hundred times a long report.
pub const DEFAULT_MAX_DOCUMENT_BYTES: u64 = 16 << 20;

impl Default for ReadLimits {
    fn default() -> Self {
        ReadLimits {
            max_document_bytes: DEFAULT_MAX_DOCUMENT_BYTES,
        }
    }
}

impl ReadLimits {
    fn too_large(&self, size: u64) -> Option<String> {
        (size > self.max_document_bytes).then(|| {
            format!(
                "too large: {size} bytes, over the limit of {} bytes (input.max_document_bytes)",
                self.max_document_bytes
            )
        })
    }
}

/// Reads every record of one input file with the default [`ReadLimits`].
pub fn read_records(file: &InputFile) -> Vec<Result<Record, Reject>> {
    read_records_with(file, &ReadLimits::default())
}

/// Why a file cannot be opened, in words an analyst can act on: a symlink whose target is
/// gone says so rather than "No such file".
fn unreadable(path: &Path, e: &std::io::Error) -> String {
    if std::fs::metadata(path).is_err() {
        if let Ok(target) = std::fs::read_link(path) {
            return format!(
                "broken symlink: points to `{}`, which cannot be opened ({e})",
                target.display()
            );
        }
    }
    format!("unreadable: {e}")
}

/// Reads every record of one input file. Problems with the whole file give one reject; a bad
/// record gives a reject for that record and the others are still read. Never panics on what
/// the file holds.
pub fn read_records_with(file: &InputFile, limits: &ReadLimits) -> Vec<Result<Record, Reject>> {
    let mut out = Vec::new();
    visit_records(file, limits, &mut |r| out.push(r));
    out
}

/// [`read_records_with`], one record at a time: a JSONL or CSV corpus is read as it is
/// parsed, so a corpus larger than memory streams through. The records and rejects are those
/// `read_records_with` returns, in the same order.
pub fn visit_records(
    file: &InputFile,
    limits: &ReadLimits,
    visit: &mut dyn FnMut(Result<Record, Reject>),
) {
    let mut count = 0usize;
    let mut emit = |r: Result<Record, Reject>| {
        count += 1;
        visit(match r {
            Ok(rec) => match limits.too_large(rec.bytes.len() as u64) {
                Some(reason) => Err(Reject {
                    source: rec.source,
                    reason,
                }),
                None => Ok(rec),
            },
            Err(e) => Err(e),
        })
    };
    read_each(file, limits, &mut emit);
    if count == 0 {
        // A corpus file with no records would otherwise vanish without a trace.
        visit(Err(Reject {
            source: file.path.display().to_string(),
            reason: "empty: the file holds no records".into(),
        }));
    }
}

fn read_each(file: &InputFile, limits: &ReadLimits, emit: &mut dyn FnMut(Result<Record, Reject>)) {
    let source = file.path.display().to_string();
    let reject = |reason: String| {
        Err(Reject {
            source: source.clone(),
            reason,
        })
    };
    // Opening a named pipe would wait for a writer forever: look before opening.
    if let Ok(meta) = std::fs::metadata(&file.path) {
        if !meta.is_file() {
            return emit(reject(
                "not a regular file (a named pipe, socket or device)".into(),
            ));
        }
    }
    let opened = match File::open(&file.path) {
        Ok(f) => f,
        Err(e) => return emit(reject(unreadable(&file.path, &e))),
    };
    let records = match file.format {
        InputFormatKey::Text => {
            let size = opened.metadata().map_or(0, |m| m.len());
            if let Some(reason) = limits.too_large(size) {
                return emit(reject(reason));
            }
            let mut bytes = Vec::with_capacity(usize::try_from(size).unwrap_or(0));
            // `take` keeps a file that grows while it is read within the limit too.
            match opened
                .take(limits.max_document_bytes.saturating_add(1))
                .read_to_end(&mut bytes)
            {
                Ok(_) => vec![Ok(Record {
                    doc_id: file
                        .path
                        .file_stem()
                        .map(|s| s.to_string_lossy().into_owned())
                        .unwrap_or_default(),
                    source: source.clone(),
                    bytes,
                    url: None,
                    title: None,
                    date: None,
                    province: None,
                })],
                Err(e) => return emit(reject(format!("unreadable: {e}"))),
            }
        }
        InputFormatKey::Jsonl | InputFormatKey::Csv => {
            let mut reader = BufReader::new(opened);
            // A corpus saved as UTF-16 would give a reject per line; say it once instead.
            if let Ok(head) = reader.fill_buf() {
                if crate::encoding::Utf16::from_bom(head).is_some() {
                    return emit(reject(
                        "UTF-16 (byte-order mark): JSONL and CSV corpora must be UTF-8; save it as UTF-8"
                            .into(),
                    ));
                }
            }
            if file.format == InputFormatKey::Jsonl {
                jsonl_records(reader, &source, emit);
            } else {
                csv_records(reader, &source, emit);
            }
            return;
        }
        InputFormatKey::Parquet => match read_parquet_guarded(opened, &source) {
            Ok(records) => records,
            Err(reason) => return emit(reject(reason)),
        },
    };
    for r in records {
        emit(r);
    }
}

#[cfg(feature = "polars")]
/// Reads a Parquet corpus; a reader panic on a corrupt file (the Parquet decoder trusts
/// lengths in the file) becomes that file's reject instead of ending the batch.
fn read_parquet_guarded(file: File, source: &str) -> Result<Vec<Result<Record, Reject>>, String> {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| read_parquet(file, source)))
        .unwrap_or_else(|_| Err("corrupt Parquet: the reader failed on this file".into()))
}

/// Built without polars (the fuzz target): Parquet inputs cannot be read.
#[cfg(not(feature = "polars"))]
fn read_parquet_guarded(_: File, _: &str) -> Result<Vec<Result<Record, Reject>>, String> {
    Err("Parquet support is not built into this solieu".into())
}

/// Parses the records of a JSONL or CSV corpus held in memory (a text "file" is one record
/// with id `doc`). For the fuzz target and for callers that already hold the bytes.
pub fn parse_records(
    format: InputFormatKey,
    bytes: &[u8],
    source: &str,
) -> Vec<Result<Record, Reject>> {
    match format {
        InputFormatKey::Jsonl => read_jsonl(bytes, source),
        InputFormatKey::Csv => read_csv(bytes, source),
        InputFormatKey::Text => vec![Ok(Record {
            doc_id: "doc".into(),
            source: source.to_string(),
            bytes: bytes.to_vec(),
            url: None,
            title: None,
            date: None,
            province: None,
        })],
        InputFormatKey::Parquet => vec![Err(Reject {
            source: source.to_string(),
            reason: "Parquet is read from files only".into(),
        })],
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
    jsonl_records(reader, source, &mut |r| out.push(r));
    out
}

/// The records of a JSONL corpus, one at a time, as the reader yields lines.
fn jsonl_records(reader: impl BufRead, source: &str, emit: &mut dyn FnMut(Result<Record, Reject>)) {
    for (i, line) in reader.split(b'\n').enumerate() {
        let at = format!("{source}:{}", i + 1);
        let line = match line {
            Ok(l) => l,
            Err(e) => {
                emit(Err(Reject {
                    source: at,
                    reason: format!("unreadable: {e}"),
                }));
                break;
            }
        };
        // A UTF-8 byte-order mark, as Windows editors write, is not part of the first object.
        let line = match line.strip_prefix(b"\xEF\xBB\xBF") {
            Some(rest) if i == 0 => rest.to_vec(),
            _ => line,
        };
        if line.iter().all(u8::is_ascii_whitespace) {
            continue;
        }
        let value: serde_json::Value = match serde_json::from_slice(&line) {
            Ok(v) => v,
            Err(e) => {
                emit(Err(Reject {
                    source: at,
                    reason: format!("bad JSON line: {e}"),
                }));
                continue;
            }
        };
        let field = |k: &str| value.get(k).and_then(json_string);
        // `doc_id`, the name of the column solieu writes, is read as the id too.
        let id = field("id").or_else(|| field("doc_id"));
        emit(record_from_fields(at, id, field("text"), |k| field(k)));
    }
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
    let mut out = Vec::new();
    csv_records(reader, source, &mut |r| out.push(r));
    out
}

/// The records of a CSV corpus, one at a time.
fn csv_records(reader: impl Read, source: &str, emit: &mut dyn FnMut(Result<Record, Reject>)) {
    let mut rdr = csv::ReaderBuilder::new().flexible(true).from_reader(reader);
    let headers = match rdr.headers() {
        Ok(h) => h.clone(),
        Err(e) => {
            emit(Err(Reject {
                source: source.to_string(),
                reason: format!("bad CSV header: {e}"),
            }));
            return;
        }
    };
    let col = |name: &str| headers.iter().position(|h| h.trim() == name);
    if col("text").is_none() {
        emit(Err(Reject {
            source: source.to_string(),
            reason: "CSV has no `text` column".into(),
        }));
        return;
    }
    for (i, rec) in rdr.records().enumerate() {
        let at = format!("{source}:{}", i + 1);
        match rec {
            Ok(rec) => {
                let get = |k: &str| col(k).and_then(|c| rec.get(c)).map(str::to_string);
                let id = get("id").or_else(|| get("doc_id"));
                emit(record_from_fields(at, id, get("text"), get));
            }
            Err(e) => emit(Err(Reject {
                source: at,
                reason: format!("bad CSV record: {e}"),
            })),
        }
    }
}

#[cfg(feature = "polars")]
fn read_parquet(file: File, source: &str) -> Result<Vec<Result<Record, Reject>>, String> {
    let df = ParquetReader::new(file)
        .finish()
        .map_err(|e| format!("corrupt Parquet: {e}"))?;
    let column = |name: &str| -> Option<Vec<Option<String>>> {
        let c = df.column(name).ok()?.cast(&DataType::String).ok()?;
        let s = c.str().ok()?.clone();
        Some(s.iter().map(|v| v.map(str::to_string)).collect())
    };
    let texts = column("text").ok_or("Parquet file has no `text` column")?;
    let ids = column("id")
        .or_else(|| column("doc_id"))
        .unwrap_or_else(|| vec![None; texts.len()]);
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
    fn doc_id_is_read_as_the_id_too() {
        let jsonl = read_jsonl(&b"{\"doc_id\": \"a\", \"text\": \"x\"}\n"[..], "c.jsonl");
        assert_eq!(jsonl[0].as_ref().map(|r| r.doc_id.as_str()), Ok("a"));
        let csv = read_csv(&b"doc_id,text\nb,y\n"[..], "c.csv");
        assert_eq!(csv[0].as_ref().map(|r| r.doc_id.as_str()), Ok("b"));
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

    fn one(
        path: &Path,
        format: InputFormatKey,
        limits: &ReadLimits,
    ) -> Vec<Result<Record, Reject>> {
        read_records_with(
            &InputFile {
                path: path.to_path_buf(),
                format,
            },
            limits,
        )
    }

    fn reason(rows: &[Result<Record, Reject>]) -> String {
        match rows {
            [Err(r)] => r.reason.clone(),
            other => format!("not one reject: {other:?}"),
        }
    }

    #[test]
    fn a_file_over_the_limit_is_rejected_unread() {
        let tmp = tempfile::tempdir().unwrap();
        let big = tmp.path().join("big.txt");
        std::fs::write(&big, "Bắt 5 đối tượng. ".repeat(100)).unwrap();
        let limits = ReadLimits {
            max_document_bytes: 1000,
        };
        let why = reason(&one(&big, InputFormatKey::Text, &limits));
        assert!(
            why.starts_with("too large:") && why.contains("1000 bytes"),
            "{why}"
        );
        // A record's text is held to the same limit; its neighbours are kept.
        let jsonl = tmp.path().join("c.jsonl");
        let long = "x".repeat(1001);
        std::fs::write(
            &jsonl,
            format!("{{\"id\":\"a\",\"text\":\"{long}\"}}\n{{\"id\":\"b\",\"text\":\"ngắn\"}}\n"),
        )
        .unwrap();
        let rows = one(&jsonl, InputFormatKey::Jsonl, &limits);
        assert!(
            matches!(&rows[0], Err(r) if r.reason.starts_with("too large") && r.source.ends_with(":1"))
        );
        assert!(matches!(&rows[1], Ok(r) if r.doc_id == "b"));
    }

    #[cfg(unix)]
    #[test]
    fn broken_and_looping_symlinks_are_rejects() {
        let tmp = tempfile::tempdir().unwrap();
        let broken = tmp.path().join("broken.txt");
        std::os::unix::fs::symlink(tmp.path().join("gone.txt"), &broken).unwrap();
        let why = reason(&one(&broken, InputFormatKey::Text, &ReadLimits::default()));
        assert!(
            why.starts_with("broken symlink: points to") && why.contains("gone.txt"),
            "{why}"
        );
        // A loop cannot be read at all.
        let a = tmp.path().join("a.txt");
        let b = tmp.path().join("b.txt");
        std::os::unix::fs::symlink(&b, &a).unwrap();
        std::os::unix::fs::symlink(&a, &b).unwrap();
        let why = reason(&one(&a, InputFormatKey::Text, &ReadLimits::default()));
        assert!(
            why.contains("symlink") || why.starts_with("unreadable"),
            "{why}"
        );
        // A glob keeps the broken link, so it is not silently skipped.
        let pattern = format!("{}/*.txt", tmp.path().display());
        let found = discover(&[pattern], InputFormat::Auto).unwrap_or_default();
        assert!(found.iter().any(|f| f.path == broken), "{found:?}");
    }

    #[cfg(feature = "polars")]
    #[test]
    fn corrupt_parquet_and_parquet_without_text_are_one_reject_each() {
        let tmp = tempfile::tempdir().unwrap();
        let corrupt = tmp.path().join("corrupt.parquet");
        std::fs::write(&corrupt, b"PAR1 this is not really parquet PAR1").unwrap();
        let why = reason(&one(
            &corrupt,
            InputFormatKey::Parquet,
            &ReadLimits::default(),
        ));
        assert!(why.starts_with("corrupt Parquet"), "{why}");

        let mut df = polars::prelude::df!("id" => ["a"], "body" => ["Bắt 5 vụ"]).unwrap();
        let good = tmp.path().join("notext.parquet");
        polars::prelude::ParquetWriter::new(File::create(&good).unwrap())
            .finish(&mut df)
            .unwrap();
        let why = reason(&one(&good, InputFormatKey::Parquet, &ReadLimits::default()));
        assert_eq!(why, "Parquet file has no `text` column");

        // The same file cut in half, as a killed copy leaves it.
        let bytes = std::fs::read(&good).unwrap();
        let cut = tmp.path().join("cut.parquet");
        std::fs::write(&cut, &bytes[..bytes.len() / 2]).unwrap();
        let why = reason(&one(&cut, InputFormatKey::Parquet, &ReadLimits::default()));
        assert!(why.starts_with("corrupt Parquet"), "{why}");
    }

    #[test]
    fn corpus_files_that_hold_nothing_or_utf16_are_one_reject() {
        let tmp = tempfile::tempdir().unwrap();
        let limits = ReadLimits::default();
        for (name, format, bytes) in [
            ("empty.jsonl", InputFormatKey::Jsonl, &b""[..]),
            ("blank.jsonl", InputFormatKey::Jsonl, &b"\n  \n"[..]),
            ("header.csv", InputFormatKey::Csv, &b"id,text\n"[..]),
        ] {
            let path = tmp.path().join(name);
            std::fs::write(&path, bytes).unwrap();
            let why = reason(&one(&path, format, &limits));
            assert_eq!(why, "empty: the file holds no records", "{name}");
        }
        let path = tmp.path().join("wide.jsonl");
        let wide: Vec<u8> = [0xFF, 0xFE]
            .into_iter()
            .chain(
                "{\"id\":\"a\",\"text\":\"x\"}\n"
                    .encode_utf16()
                    .flat_map(u16::to_le_bytes),
            )
            .collect();
        std::fs::write(&path, wide).unwrap();
        let why = reason(&one(&path, InputFormatKey::Jsonl, &limits));
        assert!(why.starts_with("UTF-16"), "{why}");
    }

    #[test]
    fn a_jsonl_file_may_start_with_a_utf8_bom() {
        let rows = read_jsonl(
            &b"\xEF\xBB\xBF{\"id\": \"a\", \"text\": \"x\"}\n"[..],
            "b.jsonl",
        );
        assert!(matches!(&rows[..], [Ok(r)] if r.doc_id == "a"), "{rows:?}");
    }

    #[cfg(unix)]
    #[test]
    fn a_named_pipe_is_rejected_without_waiting_for_a_writer() {
        let tmp = tempfile::tempdir().unwrap();
        let fifo = tmp.path().join("pipe.txt");
        let made = std::process::Command::new("mkfifo").arg(&fifo).status();
        if !made.is_ok_and(|s| s.success()) {
            return; // no mkfifo here
        }
        let why = reason(&one(&fifo, InputFormatKey::Text, &ReadLimits::default()));
        assert!(why.starts_with("not a regular file"), "{why}");
    }

    #[cfg(unix)]
    #[test]
    fn a_symlink_loop_between_folders_is_walked_once() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("in");
        std::fs::create_dir_all(dir.join("sub")).unwrap();
        std::fs::write(dir.join("sub/a.txt"), "Bắt 5 vụ").unwrap();
        std::os::unix::fs::symlink(&dir, dir.join("sub/up")).unwrap();
        let found = discover(&[dir.display().to_string()], InputFormat::Auto).unwrap();
        assert_eq!(found.len(), 1, "{found:?}");
    }
}
