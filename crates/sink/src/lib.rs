//! `solieu-sink`: writing tables. Every table goes out as Parquet (zstd; LZ4 for the state
//! only solieu reads back) and/or CSV (UTF-8, header row, RFC 4180 quoting) into a temporary
//! folder beside the dataset, which replaces the dataset only once every file is complete and
//! on disk: a reader never sees half a dataset, and a killed run leaves the previous one in
//! place ([`PendingDataset`]). [`lock`] keeps two runs from writing one dataset at once.

use std::borrow::Cow;
use std::fs::{self, File};
use std::io::{BufWriter, Write};
use std::path::{Component, Path, PathBuf};
use std::sync::{Arc, Mutex};

use polars::io::parquet::write::{KeyValueMetadata, StatisticsOptions};
use polars::prelude::{
    ChunkApply, CompatLevel, CsvWriter, DataFrame, IntoColumn, ParquetCompression, ParquetReader,
    ParquetWriter, PlSmallStr, PolarsError, Schema, SchemaExt, SerReader, SerWriter,
};
use polars_parquet::write::{schema_to_metadata_key, KeyValue};
use serde::{Deserialize, Serialize};

pub mod lock;

/// The dataset's tables (SPEC), named once: in the order they are written and listed.
pub mod tables {
    pub const DOCUMENTS: &str = "documents";
    pub const OBSERVATIONS: &str = "observations";
    pub const DELTAS: &str = "deltas";
    pub const REJECTS: &str = "rejects";
    pub const ALL: [&str; 4] = [DOCUMENTS, OBSERVATIONS, DELTAS, REJECTS];
    /// The ingest stage's tables, staged and kept in an incremental run's state.
    pub const MENTIONS: &str = "mentions";
    pub const STAGED_INGEST: [&str; 3] = [DOCUMENTS, MENTIONS, REJECTS];
}

/// The file beside the tables that says what produced them ([`Manifest`]).
pub const MANIFEST: &str = "manifest.json";

/// Output formats of a dataset.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Format {
    Parquet,
    Csv,
}

impl Format {
    /// The extension of a table file in this format, as `--format` names it.
    pub fn extension(self) -> &'static str {
        match self {
            Format::Parquet => "parquet",
            Format::Csv => "csv",
        }
    }
}

impl std::str::FromStr for Format {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "parquet" => Ok(Format::Parquet),
            "csv" => Ok(Format::Csv),
            other => Err(format!(
                "unknown output format `{other}` (expected parquet or csv)"
            )),
        }
    }
}

/// A table that could not be written or read, with the path at fault.
#[derive(Debug, thiserror::Error)]
pub enum SinkError {
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{path}: {source}")]
    Polars {
        path: PathBuf,
        #[source]
        source: PolarsError,
    },
    #[error("output `{}` {why}", .path.display())]
    NotADataset { path: PathBuf, why: String },
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> SinkError + '_ {
    move |source| SinkError::Io {
        path: path.to_path_buf(),
        source,
    }
}

fn pl(path: &Path) -> impl FnOnce(PolarsError) -> SinkError + '_ {
    move |source| SinkError::Polars {
        path: path.to_path_buf(),
        source,
    }
}

/// What a dataset folder holds besides its tables: enough to know what produced it. Read
/// back by the stages that continue a dataset (`sink`, `transform --merge`).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Manifest {
    /// [`DATASET_FORMAT`]: marks the folder as a dataset solieu wrote, which a run may
    /// replace ([`is_dataset`]). 0 when read from a manifest written before the mark.
    #[serde(default)]
    pub dataset_format: u32,
    pub pipeline: String,
    pub solieu_version: String,
    pub inputs: Vec<String>,
    pub formats: Vec<Format>,
    /// Rows per table.
    pub rows: std::collections::BTreeMap<String, usize>,
    pub seconds: f64,
    /// For an incremental run: how many inputs were read and how many reused.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub incremental: Option<Incremental>,
    /// For a run of one shard (`--shard K/N`): `K/N`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub shard: Option<String>,
}

/// What an incremental run did with its inputs (the manifest's `incremental`).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Incremental {
    /// Inputs read and ingested by this run: new, changed or unreadable ones.
    pub processed: usize,
    /// Inputs whose path, size and sha256 match the last run: their rows were reused.
    pub reused: usize,
    /// Inputs of the last run that are gone: their rows were dropped.
    pub removed: usize,
    /// Why every input was read, when the last run's state could not be used.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub full_refresh: Option<String>,
    /// Inputs whose size and modification time matched the last run: not even hashed.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub trusted: usize,
    /// Nothing changed since the run that wrote the tables: they were left as they were.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub unchanged: bool,
    /// When that was found (`YYYY-MM-DDTHH:MM:SSZ`), for an unchanged run.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub checked_at: Option<String>,
}

fn is_zero(n: &usize) -> bool {
    *n == 0
}

/// The first error a file's writes met, kept for the report. polars' Parquet writer turns a
/// write that fails inside a page header or the footer into "Invalid thrift: transport error",
/// which hides a full disk; the kept error says "No space left on device".
#[derive(Debug, Clone, Default)]
struct FirstWriteError(Arc<Mutex<Option<std::io::Error>>>);

impl FirstWriteError {
    fn keep(&self, e: &std::io::Error) {
        if e.kind() == std::io::ErrorKind::Interrupted {
            return; // retried by the writer
        }
        if let Ok(mut first) = self.0.lock() {
            first.get_or_insert_with(|| match e.raw_os_error() {
                Some(code) => std::io::Error::from_raw_os_error(code),
                None => std::io::Error::new(e.kind(), e.to_string()),
            });
        }
    }

    /// A failed write as the operator should read it: the operating system's error when a
    /// write failed, else polars' own.
    fn explain(&self, path: &Path, e: PolarsError) -> SinkError {
        match self.0.lock().ok().and_then(|mut first| first.take()) {
            Some(source) => SinkError::Io {
                path: path.to_path_buf(),
                source,
            },
            None => pl(path)(e),
        }
    }
}

/// A writer that keeps its first error in a [`FirstWriteError`].
struct Watched<W> {
    inner: W,
    failure: FirstWriteError,
}

impl<W: Write> Watched<W> {
    fn new(inner: W, failure: &FirstWriteError) -> Self {
        Watched {
            inner,
            failure: failure.clone(),
        }
    }
}

impl<W: Write> Write for Watched<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.inner.write(buf).inspect_err(|e| self.failure.keep(e))
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.inner.flush().inspect_err(|e| self.failure.keep(e))
    }
}

/// Writes one table as Parquet (zstd), flushed to disk before it returns. The file's stem names
/// the table whose description goes into its metadata ([`table_metadata`]).
pub fn write_parquet(df: &mut DataFrame, path: &Path) -> Result<(), SinkError> {
    let failure = FirstWriteError::default();
    let file = File::create(path).map_err(io(path))?;
    let mut w = BufWriter::new(Watched::new(file, &failure));
    let table = path.file_stem().and_then(|s| s.to_str()).unwrap_or("");
    ParquetWriter::new(&mut w)
        .with_compression(ParquetCompression::Zstd(None))
        .with_key_value_metadata(Some(table_metadata(table, df.schema())))
        .finish(df)
        .map_err(|e| failure.explain(path, e))?;
    finish_file(w, path)
}

/// Writes one table as CSV, flushed to disk before it returns. Text cells a spreadsheet would
/// run as a formula are neutralised ([`csv_safe`]).
pub fn write_csv(df: &mut DataFrame, path: &Path) -> Result<(), SinkError> {
    let file = File::create(path).map_err(io(path))?;
    let mut w = BufWriter::new(Watched::new(file, &FirstWriteError::default()));
    let mut safe = csv_safe(df).map_err(pl(path))?.into_owned();
    CsvWriter::new(&mut w)
        .include_header(true)
        .finish(&mut safe)
        .map_err(pl(path))?;
    finish_file(w, path)
}

/// How a text cell may begin that a spreadsheet takes for a formula (OWASP, "CSV Injection").
const FORMULA_STARTS: [char; 6] = ['=', '+', '-', '@', '\t', '\r'];

/// The frame as an analyst's CSV shows it: a text cell beginning with `=`, `+`, `-`, `@`, tab
/// or carriage return gets a leading `'`, as OWASP advises, so that opening the file in a
/// spreadsheet never runs a title or a sentence as a formula. Only text columns: a negative
/// number in a numeric column is a number, not a formula. Parquet keeps the text as it is.
pub fn csv_safe(df: &DataFrame) -> Result<Cow<'_, DataFrame>, PolarsError> {
    let risky = |s: &str| s.starts_with(FORMULA_STARTS);
    let mut safe: Option<DataFrame> = None;
    for (i, column) in df.columns().iter().enumerate() {
        let Ok(text) = column.str() else {
            continue;
        };
        if !text.iter().flatten().any(risky) {
            continue;
        }
        let quoted = text.apply_values(|s| {
            if risky(s) {
                Cow::Owned(format!("'{s}"))
            } else {
                Cow::Borrowed(s)
            }
        });
        safe.get_or_insert_with(|| df.clone())
            .replace_column(i, quoted.into_column())?;
    }
    Ok(safe.map_or(Cow::Borrowed(df), Cow::Owned))
}

/// The key-value metadata of a Parquet table for analysts:
/// - `ARROW:schema` with text as plain `large_string`: polars writes Arrow string views, which
///   pyarrow before 15 and readers built on older Arrow cannot open. The pages are the same
///   UTF-8 byte arrays either way; only the type readers restore differs.
/// - `solieu.schema_version`, and when the columns are those of a table of
///   [`solieu_transform::schema`], `solieu.table` and a `solieu.column.<name>` description per
///   column (also as each Arrow field's `description`).
pub fn table_metadata(table: &str, schema: &Schema) -> KeyValueMetadata {
    use solieu_transform::schema;
    let described = schema::table(table).filter(|t| {
        t.columns
            .iter()
            .map(|c| c.name)
            .eq(schema.iter_names().map(|n| n.as_str()))
    });
    let mut arrow = schema.to_arrow(CompatLevel::oldest());
    if let Some(t) = described {
        for (column, field) in t.columns.iter().zip(arrow.iter_values_mut()) {
            let description = (
                PlSmallStr::from_static("description"),
                PlSmallStr::from_static(column.meaning),
            );
            field.metadata = Some(std::sync::Arc::new([description].into_iter().collect()));
        }
    }
    let pair = |key: String, value: &str| KeyValue {
        key,
        value: Some(value.to_string()),
    };
    let mut pairs = vec![
        schema_to_metadata_key(&arrow),
        pair("solieu.schema_version".into(), schema::SCHEMA_VERSION),
    ];
    if let Some(t) = described {
        pairs.push(pair("solieu.table".into(), t.name));
        pairs.extend(
            t.columns
                .iter()
                .map(|c| pair(format!("solieu.column.{}", c.name), c.meaning)),
        );
    }
    KeyValueMetadata::Static(pairs)
}

/// Flushes and syncs a written file: a dataset is only swapped in once its bytes are on disk.
fn finish_file(w: BufWriter<Watched<File>>, path: &Path) -> Result<(), SinkError> {
    let file = w.into_inner().map_err(|e| SinkError::Io {
        path: path.to_path_buf(),
        source: e.into_error(),
    })?;
    file.inner.sync_all().map_err(io(path))
}

/// One table written batch by batch, as the pipeline streams: each batch becomes a Parquet
/// row group and CSV rows appended, so no table is ever held whole. The files are created on
/// the first batch, which fixes the schema; [`TableStream::finish`] flushes and syncs them.
pub struct TableStream {
    dir: PathBuf,
    name: String,
    formats: Vec<Format>,
    parquet: Option<polars::io::parquet::write::BatchedWriter<BufWriter<Watched<File>>>>,
    parquet_failure: FirstWriteError,
    csv: Option<polars::io::csv::write::BatchedWriter<BufWriter<File>>>,
    rows: usize,
    /// Read back only by solieu (a run's state): cheaper to write than a table for analysts.
    scratch: bool,
}

impl TableStream {
    /// A table `name` in `dir` (`<name>.parquet`, `<name>.csv`), not yet created.
    pub fn new(dir: &Path, name: &str, formats: &[Format]) -> TableStream {
        TableStream {
            dir: dir.to_path_buf(),
            name: name.to_string(),
            formats: formats.to_vec(),
            parquet: None,
            parquet_failure: FirstWriteError::default(),
            csv: None,
            rows: 0,
            scratch: false,
        }
    }

    /// A Parquet table only solieu reads back, by row slices (the incremental state): LZ4
    /// instead of zstd and no column statistics, since no reader filters it by value. Its
    /// rows are written for every document of every run, on the writer thread that bounds a
    /// run's speed, so they should cost little.
    pub fn scratch(dir: &Path, name: &str) -> TableStream {
        TableStream {
            scratch: true,
            ..TableStream::new(dir, name, &[Format::Parquet])
        }
    }

    fn path(&self, ext: &str) -> PathBuf {
        self.dir.join(format!("{}.{ext}", self.name))
    }

    /// Appends a batch (every batch has the first batch's columns).
    pub fn write(&mut self, df: &mut DataFrame) -> Result<(), SinkError> {
        df.align_chunks();
        if self.parquet.is_none() && self.csv.is_none() {
            for f in self.formats.clone() {
                match f {
                    Format::Parquet => {
                        let path = self.path("parquet");
                        let file = File::create(&path).map_err(io(&path))?;
                        let file = Watched::new(file, &self.parquet_failure);
                        let w = ParquetWriter::new(BufWriter::new(file));
                        let w = if self.scratch {
                            w.with_compression(ParquetCompression::Lz4Raw)
                                .with_statistics(StatisticsOptions::empty())
                        } else {
                            w.with_compression(ParquetCompression::Zstd(None))
                                .with_key_value_metadata(Some(table_metadata(
                                    &self.name,
                                    df.schema(),
                                )))
                        };
                        let w = w.batched(df.schema()).map_err(pl(&path))?;
                        self.parquet = Some(w);
                    }
                    Format::Csv => {
                        let path = self.path("csv");
                        let file = File::create(&path).map_err(io(&path))?;
                        let w = CsvWriter::new(BufWriter::new(file))
                            .include_header(true)
                            .batched(df.schema())
                            .map_err(pl(&path))?;
                        self.csv = Some(w);
                    }
                }
            }
        }
        let df: &DataFrame = df;
        let parquet_path = self.path("parquet");
        let csv_path = self.path("csv");
        let failure = &self.parquet_failure;
        let parquet = self.parquet.as_mut().map(|w| {
            move || {
                w.write_batch(df)
                    .map_err(|e| failure.explain(&parquet_path, e))
            }
        });
        let csv = self.csv.as_mut().map(|w| {
            move || {
                let safe = csv_safe(df).map_err(pl(&csv_path))?;
                w.write_batch(&safe).map_err(pl(&csv_path))
            }
        });
        // The two files of a table are encoded side by side: each is one writer's serial work.
        match (parquet, csv) {
            (Some(mut parquet), Some(csv)) => std::thread::scope(|scope| {
                let csv = scope.spawn(csv);
                let parquet = parquet();
                let csv = csv.join().unwrap_or_else(|p| std::panic::resume_unwind(p));
                parquet.and(csv)
            })?,
            (Some(mut parquet), None) => parquet()?,
            (None, Some(mut csv)) => csv()?,
            (None, None) => {}
        }
        self.rows += df.height();
        Ok(())
    }

    /// Finishes the files (footer, flush, sync); returns the rows written. A stream that saw no
    /// batch writes nothing: write an empty batch first for empty files with a header.
    pub fn finish(self) -> Result<usize, SinkError> {
        let (parquet_path, csv_path) = (self.path("parquet"), self.path("csv"));
        // The writers own the files: each is reopened to sync what it wrote.
        let sync = |path: &Path| {
            File::open(path)
                .and_then(|f| f.sync_all())
                .map_err(io(path))
        };
        if let Some(w) = self.parquet {
            w.finish()
                .map_err(|e| self.parquet_failure.explain(&parquet_path, e))?;
            drop(w);
            sync(&parquet_path)?;
        }
        if let Some(mut w) = self.csv {
            w.finish().map_err(pl(&csv_path))?;
            drop(w);
            sync(&csv_path)?;
        }
        Ok(self.rows)
    }
}

/// Reads one Parquet table (a staged stage output).
pub fn read_parquet(path: &Path) -> Result<DataFrame, SinkError> {
    let file = File::open(path).map_err(io(path))?;
    ParquetReader::new(file).finish().map_err(pl(path))
}

/// A Parquet file read a slice of rows at a time, as a streamed run rereads a table too large
/// to hold: only the row groups a slice overlaps are decoded, and the footer is parsed once.
/// Modelled on a database cursor over a heap file: random access by row number, cheap when
/// reads go forward.
pub struct ParquetRows {
    path: PathBuf,
    metadata: polars::io::parquet::metadata::FileMetadataRef,
}

impl ParquetRows {
    /// Opens `path` and reads its footer.
    pub fn open(path: &Path) -> Result<ParquetRows, SinkError> {
        let file = File::open(path).map_err(io(path))?;
        let mut reader = ParquetReader::new(file);
        let metadata = reader.get_metadata().map_err(pl(path))?.clone();
        Ok(ParquetRows {
            path: path.to_path_buf(),
            metadata,
        })
    }

    /// Rows in the file.
    pub fn len(&self) -> usize {
        self.metadata.num_rows
    }

    /// Whether the file has no rows.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Rows `start..start + len` (fewer at the end of the file), all columns or only `columns`.
    pub fn read(
        &self,
        start: usize,
        len: usize,
        columns: Option<&[&str]>,
    ) -> Result<DataFrame, SinkError> {
        let file = File::open(&self.path).map_err(io(&self.path))?;
        let mut reader = ParquetReader::new(file);
        reader.set_metadata(self.metadata.clone());
        let reader = reader
            .with_slice(Some((start, len)))
            .with_columns(columns.map(|c| c.iter().map(|s| s.to_string()).collect()));
        // The decoder trusts lengths in the file, and a damaged block can make it panic: that
        // is a corrupt file, for the caller to handle like any other.
        std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| reader.finish()))
            .unwrap_or_else(|_| {
                Err(PolarsError::ComputeError(
                    "corrupt Parquet: the reader failed on this file".into(),
                ))
            })
            .map_err(pl(&self.path))
    }
}

/// Writes named tables into `dir` atomically (see [`PendingDataset`]). The manifest, when
/// given, is written last as `manifest.json`.
pub fn write_dataset(
    dir: &Path,
    tables: &mut [(&str, &mut DataFrame)],
    formats: &[Format],
    manifest: Option<&Manifest>,
) -> Result<(), SinkError> {
    let pending = PendingDataset::create(dir)?;
    pending.write_tables(tables, formats)?;
    if let Some(m) = manifest {
        pending.write_manifest(m)?;
    }
    pending.commit()
}

/// The key of `manifest.json` that marks a folder as a dataset solieu wrote, and the version
/// of the dataset layout it holds.
pub const DATASET_FORMAT_KEY: &str = "dataset_format";
pub const DATASET_FORMAT: u32 = 1;

/// A dataset path as its lock and its link are derived from it. `out/`, `out/.` and `out`
/// are one dataset: the lock `out.lock` and the link `out` must not land inside it, where two
/// runs would not exclude each other and the link could not be read. A path ending in `..`
/// (or `.` alone) names its folder only once resolved.
pub fn dataset_path(dir: &Path) -> std::io::Result<PathBuf> {
    let clean: PathBuf = dir.components().collect();
    if let Some(Component::Normal(_)) = clean.components().next_back() {
        return Ok(clean);
    }
    let real = fs::canonicalize(&clean)?;
    if real.file_name().is_none() {
        return Err(std::io::Error::new(
            std::io::ErrorKind::InvalidInput,
            format!("`{}` names no folder a dataset can take", dir.display()),
        ));
    }
    Ok(real)
}

/// The manifest of the dataset at `dir`, when it has one that reads.
pub fn read_manifest(dir: &Path) -> Option<Manifest> {
    let text = fs::read_to_string(dir.join(MANIFEST)).ok()?;
    serde_json::from_str(&text).ok()
}

/// Whether `dir` holds a `manifest.json` solieu wrote: one with [`DATASET_FORMAT_KEY`], or,
/// written before that key existed, with `solieu_version` and `rows`.
pub fn is_dataset(dir: &Path) -> bool {
    let Ok(text) = fs::read_to_string(dir.join(MANIFEST)) else {
        return false;
    };
    let Ok(serde_json::Value::Object(m)) = serde_json::from_str(&text) else {
        return false;
    };
    m.get(DATASET_FORMAT_KEY).is_some_and(|v| v.is_u64())
        || (m.get("solieu_version").is_some_and(|v| v.is_string())
            && m.get("rows").is_some_and(|v| v.is_object()))
}

/// Refuses to replace what is at `dir` unless it is nothing, an empty folder, a dataset
/// solieu wrote, or the link to one of its version folders: a run must never move aside and
/// delete a folder of someone else's files (an input folder given as `--out` by mistake).
pub fn check_replaceable(dir: &Path) -> Result<(), SinkError> {
    let refuse = |why: String| SinkError::NotADataset {
        path: dir.to_path_buf(),
        why,
    };
    let meta = match fs::symlink_metadata(dir) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(refuse(format!("cannot be inspected: {e}"))),
        Ok(m) => m,
    };
    if meta.file_type().is_symlink() {
        let (_, name) = parent_and_name(dir);
        if fs::read_link(dir).is_ok_and(|t| is_version_of(&name, &t)) {
            return Ok(());
        }
    }
    match fs::metadata(dir) {
        Ok(m) if m.is_dir() => {}
        Ok(_) => return Err(refuse("exists and is not a folder".into())),
        Err(e) => return Err(refuse(format!("is a link that cannot be followed ({e})"))),
    }
    let empty = fs::read_dir(dir).is_ok_and(|mut d| d.next().is_none());
    if empty || is_dataset(dir) {
        return Ok(());
    }
    Err(refuse(
        "holds files but no solieu manifest.json: it is not a dataset solieu wrote, and a run replaces only those; choose another output or move it away".into(),
    ))
}

/// Whether a link target is one of dataset `name`'s version folders beside it (and nothing
/// else: a link an operator made to a folder elsewhere is never taken for one).
fn is_version_of(name: &str, target: &Path) -> bool {
    target.components().count() == 1
        && target
            .to_str()
            .is_some_and(|t| t.starts_with(&format!(".{name}.v-")))
}

/// The folder holding `dir` and `dir`'s file name, for the sibling temporary names.
fn parent_and_name(dir: &Path) -> (PathBuf, String) {
    let parent = dir
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."))
        .to_path_buf();
    let name = dir
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "dataset".into());
    (parent, name)
}

/// A name no other run, and no earlier call of this run, has used: pid and clock.
fn unique_suffix() -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    format!("{}-{nanos}", std::process::id())
}

/// A dataset being written: tables go into a temporary sibling folder `.<name>.tmp-<pid>-<t>`
/// that [`PendingDataset::commit`] swaps into place. Dropped without a commit (an error on the
/// way), the temporary folder is removed; a killed run's is removed by [`clean_stale`].
///
/// On Unix the dataset path is a symbolic link to a complete, versioned sibling folder
/// `.<name>.v-<pid>-<t>`, and a commit replaces the link with one `rename`: at every moment the
/// path names either the previous dataset or the new one, never nothing and never a mix.
#[derive(Debug)]
pub struct PendingDataset {
    dir: PathBuf,
    parent: PathBuf,
    name: String,
    tmp: PathBuf,
    committed: bool,
}

impl PendingDataset {
    /// Creates the temporary folder beside `dir` (and `dir`'s parent folders).
    pub fn create(dir: &Path) -> Result<PendingDataset, SinkError> {
        let dir = &dataset_path(dir).map_err(io(dir))?;
        let (parent, name) = parent_and_name(dir);
        fs::create_dir_all(&parent).map_err(io(&parent))?;
        if let Ok(meta) = fs::metadata(dir) {
            if !meta.is_dir() {
                return Err(SinkError::Io {
                    path: dir.to_path_buf(),
                    source: std::io::Error::other("exists and is not a folder"),
                });
            }
        }
        check_replaceable(dir)?;
        let tmp = parent.join(format!(".{name}.tmp-{}", unique_suffix()));
        fs::create_dir(&tmp).map_err(io(&tmp))?;
        Ok(PendingDataset {
            dir: dir.to_path_buf(),
            parent,
            name,
            tmp,
            committed: false,
        })
    }

    /// The temporary folder, for files beyond the tables (a state subfolder).
    pub fn path(&self) -> &Path {
        &self.tmp
    }

    /// Writes each table in each format.
    pub fn write_tables(
        &self,
        tables: &mut [(&str, &mut DataFrame)],
        formats: &[Format],
    ) -> Result<(), SinkError> {
        for (table, df) in tables.iter_mut() {
            for f in formats {
                match f {
                    Format::Parquet => {
                        write_parquet(df, &self.tmp.join(format!("{table}.parquet")))?
                    }
                    Format::Csv => write_csv(df, &self.tmp.join(format!("{table}.csv")))?,
                }
            }
        }
        Ok(())
    }

    /// Writes `manifest.json`.
    pub fn write_manifest(&self, m: &Manifest) -> Result<(), SinkError> {
        let path = self.tmp.join(MANIFEST);
        let json = serde_json::to_string_pretty(m)
            .map_err(|e| std::io::Error::other(e.to_string()))
            .map_err(io(&path))?;
        let mut f = File::create(&path).map_err(io(&path))?;
        f.write_all((json + "\n").as_bytes()).map_err(io(&path))?;
        f.sync_all().map_err(io(&path))
    }

    /// Swaps the written folder into place and removes the previous dataset.
    pub fn commit(mut self) -> Result<(), SinkError> {
        self.swap()?;
        self.committed = true;
        Ok(())
    }

    #[cfg(unix)]
    fn swap(&self) -> Result<(), SinkError> {
        let version = format!(".{}.v-{}", self.name, unique_suffix());
        let version_path = self.parent.join(&version);
        fs::rename(&self.tmp, &version_path).map_err(io(&version_path))?;
        sync_dir(&self.parent);
        let link = self
            .parent
            .join(format!(".{}.link-{}", self.name, unique_suffix()));
        std::os::unix::fs::symlink(&version, &link).map_err(io(&link))?;
        let mut legacy = None;
        let previous = match fs::symlink_metadata(&self.dir) {
            Ok(m) if m.file_type().is_symlink() => fs::read_link(&self.dir).ok(),
            Ok(m) if m.is_dir() => {
                // Checked again at the last moment: only a dataset or an empty folder is
                // ever moved aside (and then removed).
                check_replaceable(&self.dir)?;
                // A plain folder (written before datasets were links): it must move aside
                // first, the one moment the path is missing. Later swaps are atomic.
                let aside = format!(".{}.v-legacy-{}", self.name, unique_suffix());
                fs::rename(&self.dir, self.parent.join(&aside)).map_err(io(&self.dir))?;
                legacy = Some(self.parent.join(&aside));
                Some(PathBuf::from(aside))
            }
            _ => None,
        };
        if let Err(e) = fs::rename(&link, &self.dir) {
            let _ = fs::remove_file(&link);
            if let Some(aside) = legacy {
                let _ = fs::rename(aside, &self.dir);
            }
            let _ = fs::rename(&version_path, &self.tmp); // let Drop clean it up
            return Err(SinkError::Io {
                path: self.dir.clone(),
                source: e,
            });
        }
        sync_dir(&self.parent);
        if let Some(prev) = previous.filter(|p| is_version_of(&self.name, p)) {
            let prev = self.parent.join(prev);
            fs::remove_dir_all(&prev).map_err(io(&prev))?;
        }
        Ok(())
    }

    #[cfg(not(unix))]
    fn swap(&self) -> Result<(), SinkError> {
        // Without symbolic links: move the old folder aside, then the new one in. A run killed
        // between the two renames leaves the old dataset in `.<name>.old-*`.
        let old = self
            .parent
            .join(format!(".{}.old-{}", self.name, unique_suffix()));
        if self.dir.exists() {
            fs::rename(&self.dir, &old).map_err(io(&self.dir))?;
        }
        fs::rename(&self.tmp, &self.dir).map_err(io(&self.dir))?;
        if old.exists() {
            fs::remove_dir_all(&old).map_err(io(&old))?;
        }
        Ok(())
    }
}

impl Drop for PendingDataset {
    fn drop(&mut self) {
        if !self.committed {
            let _ = fs::remove_dir_all(&self.tmp);
        }
    }
}

/// Makes renames in a folder durable (best effort: not every platform syncs folders).
#[cfg(unix)]
fn sync_dir(dir: &Path) {
    if let Ok(d) = File::open(dir) {
        let _ = d.sync_all();
    }
}

/// Removes what killed runs left beside `dir`: temporary folders and links, and version
/// folders the dataset link does not point to. If the dataset path itself is missing because
/// a run was killed in the one non-atomic step (moving a plain folder aside, here or in an
/// older solieu), that folder is put back first, never removed. A path missing while only
/// ordinary versions remain was deleted on purpose (`rm -rf out` removes the link): those
/// versions are leftovers, and the next run starts afresh rather than resuming a dataset
/// its operator removed. Call it only while holding the dataset's [`lock::DatasetLock`], or
/// it may remove the folder a running writer is filling. Returns the paths removed.
pub fn clean_stale(dir: &Path) -> Result<Vec<PathBuf>, SinkError> {
    let dir = &dataset_path(dir).map_err(io(dir))?;
    let (parent, name) = parent_and_name(dir);
    let Ok(entries) = fs::read_dir(&parent) else {
        return Ok(Vec::new());
    };
    let names: Vec<String> = entries
        .flatten()
        .filter_map(|e| e.file_name().to_str().map(String::from))
        .collect();
    if fs::symlink_metadata(dir).is_err() {
        restore_moved_aside(dir, &parent, &name, &names)?;
    }
    let Ok(entries) = fs::read_dir(&parent) else {
        return Ok(Vec::new());
    };
    let current = fs::read_link(dir).ok();
    // The live dataset, however its link spells the target, is never a leftover.
    let live = fs::canonicalize(dir).ok();
    let prefixes = ["tmp-", "link-", "old-", "v-"].map(|k| format!(".{name}.{k}"));
    let mut removed = Vec::new();
    for entry in entries.flatten() {
        let file_name = entry.file_name();
        let Some(n) = file_name.to_str() else {
            continue;
        };
        if !prefixes.iter().any(|p| n.starts_with(p.as_str()))
            || current.as_deref() == Some(Path::new(n))
        {
            continue;
        }
        let path = entry.path();
        let is_dir = entry.file_type().is_ok_and(|t| t.is_dir());
        if is_dir && live.is_some() && fs::canonicalize(&path).ok() == live {
            continue;
        }
        let done = if is_dir {
            fs::remove_dir_all(&path)
        } else {
            fs::remove_file(&path)
        };
        done.map_err(io(&path))?;
        removed.push(path);
    }
    removed.sort();
    Ok(removed)
}

/// Puts back a dataset that a killed run had moved aside from a missing `dir`: a plain
/// folder moved aside by a swap (`.<name>.v-legacy-*`) or by a cleanup that was restoring it
/// (`.<name>.v-restored-*`), else one an older solieu moved aside (`.<name>.old-*`). Ordinary
/// versions are not candidates: a swap replaces the link in one rename, so a missing link
/// beside them was removed by hand. Temporary folders may be half written and are never
/// restored.
fn restore_moved_aside(
    dir: &Path,
    parent: &Path,
    name: &str,
    names: &[String],
) -> Result<(), SinkError> {
    // The stamp ends every name: `<pid>-<nanoseconds>`.
    let stamp = |n: &str| -> u128 {
        n.rsplit('-')
            .next()
            .and_then(|t| t.parse().ok())
            .unwrap_or(0)
    };
    let newest = |prefix: &str| {
        names
            .iter()
            .filter(|n| n.starts_with(prefix) && parent.join(n).is_dir())
            .max_by_key(|n| stamp(n))
    };
    let Some(found) = newest(&format!(".{name}.v-legacy-"))
        .into_iter()
        .chain(newest(&format!(".{name}.v-restored-")))
        .max_by_key(|n| stamp(n))
        .or_else(|| newest(&format!(".{name}.old-")))
    else {
        return Ok(());
    };
    let found_path = parent.join(found);
    #[cfg(unix)]
    {
        let mut target = found.clone();
        if !found.starts_with(&format!(".{name}.v-")) {
            target = format!(".{name}.v-restored-{}", unique_suffix());
            fs::rename(&found_path, parent.join(&target)).map_err(io(&found_path))?;
        }
        let link = parent.join(format!(".{name}.link-{}", unique_suffix()));
        std::os::unix::fs::symlink(&target, &link).map_err(io(&link))?;
        fs::rename(&link, dir).map_err(io(dir))?;
        sync_dir(parent);
    }
    #[cfg(not(unix))]
    fs::rename(&found_path, dir).map_err(io(dir))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use polars::prelude::{df, DataType};

    #[test]
    fn a_scratch_table_is_read_back_by_row_slices_across_its_row_groups() {
        let dir = std::env::temp_dir().join(format!("solieu-sink-s-{}", std::process::id()));
        fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("{e}"));
        let batch = |from: i64| {
            let ids: Vec<String> = (from..from + 3).map(|i| format!("d{i}")).collect();
            df!("doc_id" => ids, "record" => (from..from + 3).collect::<Vec<_>>())
                .unwrap_or_default()
        };
        let mut t = TableStream::scratch(&dir, "mentions");
        for from in [0, 3, 6] {
            t.write(&mut batch(from)).unwrap_or_else(|e| panic!("{e}"));
        }
        assert_eq!(t.finish().unwrap_or_else(|e| panic!("{e}")), 9);
        let rows =
            ParquetRows::open(&dir.join("mentions.parquet")).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(rows.len(), 9);
        // Rows 2..6 cross from the first batch written into the second.
        let slice = rows.read(2, 4, None).unwrap_or_else(|e| panic!("{e}"));
        let ids = slice.column("doc_id").unwrap().str().unwrap();
        assert_eq!(
            ids.iter().flatten().collect::<Vec<_>>(),
            ["d2", "d3", "d4", "d5"]
        );
        let one = rows
            .read(8, 5, Some(&["record"]))
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(one.get_column_names(), ["record"]);
        assert_eq!(
            one.height(),
            1,
            "a slice past the end stops at the last row"
        );
        let _ = fs::remove_dir_all(&dir);
    }

    fn table() -> DataFrame {
        let mut df = df!(
            "doc_id" => ["a", "b"],
            "value" => [1213.0, 17.3],
            "note" => [Some("có dấu phẩy, và \"ngoặc\""), None],
        )
        .unwrap_or_default();
        let year = polars::prelude::Column::new("year".into(), [Some(2022i32), None]);
        assert_eq!(year.dtype(), &DataType::Int32);
        let _ = df.with_column(year);
        df
    }

    #[test]
    fn parquet_round_trips_and_csv_quotes() {
        let tmp = std::env::temp_dir().join(format!("solieu-sink-{}", std::process::id()));
        let dir = tmp.join("ds");
        let mut t = table();
        let result = write_dataset(
            &dir,
            &mut [("t", &mut t)],
            &[Format::Parquet, Format::Csv],
            None,
        );
        assert!(result.is_ok(), "{result:?}");
        let back = read_parquet(&dir.join("t.parquet"));
        assert!(
            matches!(&back, Ok(df) if df.equals_missing(&table())),
            "{back:?}"
        );
        let csv = fs::read_to_string(dir.join("t.csv")).unwrap_or_default();
        assert_eq!(
            csv,
            "doc_id,value,note,year\na,1213.0,\"có dấu phẩy, và \"\"ngoặc\"\"\",2022\nb,17.3,,\n"
        );
        let _ = fs::remove_dir_all(&tmp);
    }

    /// Readers restore types from `ARROW:schema`: plain large strings there (no string views,
    /// which pyarrow before 15 cannot read), and the table's description beside it.
    #[test]
    fn a_table_for_analysts_declares_plain_strings_and_describes_its_columns() {
        let tmp = std::env::temp_dir().join(format!("solieu-sink-k-{}", std::process::id()));
        fs::create_dir_all(&tmp).unwrap_or_else(|e| panic!("{e}"));
        let mut rejects = df!("source" => ["a.txt"], "reason" => ["empty"]).unwrap_or_default();
        let mut other = df!("source" => ["a.txt"]).unwrap_or_default();
        let path = tmp.join("rejects.parquet");
        write_parquet(&mut rejects, &path).unwrap_or_else(|e| panic!("{e}"));
        let mut stream = TableStream::new(&tmp, "other", &[Format::Parquet]);
        stream.write(&mut other).unwrap_or_else(|e| panic!("{e}"));
        stream.finish().unwrap_or_else(|e| panic!("{e}"));

        let metadata = |path: &Path| {
            let mut file = File::open(path).unwrap_or_else(|e| panic!("{e}"));
            polars_parquet::read::read_metadata(&mut file).unwrap_or_else(|e| panic!("{e}"))
        };
        let meta = metadata(&path);
        // polars reads strings back as views whatever the file says, so the type pyarrow sees
        // is checked by tests/check_readers.py; here, that the file's Arrow schema is not the
        // string-view one polars writes by default.
        let arrow_key = |compat| schema_to_metadata_key(&rejects.schema().to_arrow(compat)).value;
        let written = meta
            .key_value_metadata()
            .iter()
            .flatten()
            .find(|kv| kv.key == "ARROW:schema")
            .and_then(|kv| kv.value.clone());
        assert!(written.is_some() && written != arrow_key(CompatLevel::newest()));
        let arrow = polars_parquet::read::infer_schema(&meta).unwrap_or_else(|e| panic!("{e}"));
        let described = arrow
            .get("reason")
            .and_then(|f| f.metadata.as_ref())
            .and_then(|m| m.get("description").cloned());
        assert!(described.is_some_and(|d| d.contains("could not be read")));
        let kv: Vec<(String, Option<String>)> = meta
            .key_value_metadata()
            .iter()
            .flatten()
            .filter(|kv| kv.key.starts_with("solieu."))
            .map(|kv| (kv.key.clone(), kv.value.clone()))
            .collect();
        let keys: Vec<&str> = kv.iter().map(|(k, _)| k.as_str()).collect();
        assert_eq!(
            keys,
            [
                "solieu.schema_version",
                "solieu.table",
                "solieu.column.source",
                "solieu.column.reason"
            ]
        );
        assert_eq!(
            kv[0].1.as_deref(),
            Some(solieu_transform::schema::SCHEMA_VERSION)
        );

        // A table that is not one of the four (a stage's raw parts): plain strings and the
        // version, no descriptions that would not fit it.
        let meta = metadata(&tmp.join("other.parquet"));
        let keys: Vec<String> = meta
            .key_value_metadata()
            .iter()
            .flatten()
            .map(|kv| kv.key.clone())
            .collect();
        assert_eq!(keys, ["ARROW:schema", "solieu.schema_version"]);
        let _ = fs::remove_dir_all(&tmp);
    }

    #[test]
    fn a_new_dataset_replaces_the_old_one_whole() {
        let tmp = std::env::temp_dir().join(format!("solieu-sink-r-{}", std::process::id()));
        let dir = tmp.join("ds");
        let mut t = table();
        let first = write_dataset(&dir, &mut [("old", &mut t)], &[Format::Csv], None);
        assert!(first.is_ok());
        let second = write_dataset(&dir, &mut [("new", &mut t)], &[Format::Csv], None);
        assert!(second.is_ok());
        assert!(dir.join("new.csv").is_file());
        assert!(
            !dir.join("old.csv").exists(),
            "tables of the previous run are gone"
        );
        let mut leftovers: Vec<String> = fs::read_dir(&tmp)
            .map(|d| {
                d.flatten()
                    .map(|e| e.file_name().to_string_lossy().into_owned())
                    .collect()
            })
            .unwrap_or_default();
        leftovers.sort();
        assert_eq!(leftovers.len(), 2, "{leftovers:?}");
        assert_eq!(leftovers[1], "ds");
        assert!(
            leftovers[0].starts_with(".ds.v-"),
            "the link's one version folder, no temporary folders: {leftovers:?}"
        );
        let _ = fs::remove_dir_all(&tmp);
    }

    /// The dataset path is never missing: it is a link replaced by one rename, and a run
    /// killed before its rename leaves only a temporary folder that `clean_stale` removes.
    #[cfg(unix)]
    #[test]
    fn the_dataset_is_a_link_swapped_in_one_rename() {
        let tmp = std::env::temp_dir().join(format!("solieu-sink-l-{}", std::process::id()));
        let dir = tmp.join("ds");
        let mut t = table();
        // A plain folder from an older solieu (its manifest says so) is moved aside once.
        let _ = fs::create_dir_all(&dir);
        let _ = fs::write(dir.join("legacy.csv"), "x\n");
        let _ = fs::write(
            dir.join("manifest.json"),
            r#"{"solieu_version": "0.1.0", "rows": {}}"#,
        );
        assert!(write_dataset(&dir, &mut [("a", &mut t)], &[Format::Csv], None).is_ok());
        assert!(fs::symlink_metadata(&dir).is_ok_and(|m| m.file_type().is_symlink()));
        assert!(dir.join("a.csv").is_file() && !dir.join("legacy.csv").exists());
        let first_target = fs::read_link(&dir).ok();

        // What a killed run leaves: a half-written temporary folder, a link, an orphan version.
        let pending = PendingDataset::create(&dir);
        assert!(pending.is_ok());
        let killed_tmp = pending.as_ref().map(|p| p.path().to_path_buf()).ok();
        std::mem::forget(pending); // as if killed: no Drop
        let _ = fs::create_dir(tmp.join(".ds.v-999-1"));
        let _ = std::os::unix::fs::symlink(".ds.v-999-1", tmp.join(".ds.link-999-1"));
        let removed = clean_stale(&dir).unwrap_or_default();
        assert_eq!(removed.len(), 3, "{removed:?}");
        assert!(killed_tmp.is_some_and(|p| !p.exists()));
        assert_eq!(
            fs::read_link(&dir).ok(),
            first_target,
            "the dataset is kept"
        );
        assert!(dir.join("a.csv").is_file());

        assert!(write_dataset(&dir, &mut [("b", &mut t)], &[Format::Csv], None).is_ok());
        assert!(dir.join("b.csv").is_file() && !dir.join("a.csv").exists());
        let versions = fs::read_dir(&tmp).map_or(0, |d| d.count());
        assert_eq!(versions, 2, "the link and its one version folder");
        let _ = fs::remove_dir_all(&tmp);
    }

    #[test]
    fn a_path_that_is_a_file_is_refused() {
        let tmp = std::env::temp_dir().join(format!("solieu-sink-f-{}", std::process::id()));
        let _ = fs::create_dir_all(&tmp);
        let file = tmp.join("plain");
        let _ = fs::write(&file, "x");
        let mut t = table();
        let err = write_dataset(&file.join("ds"), &mut [("a", &mut t)], &[Format::Csv], None);
        assert!(err.is_err());
        let err = write_dataset(&file, &mut [("a", &mut t)], &[Format::Csv], None);
        assert!(err.is_err());
        assert_eq!(fs::read_to_string(&file).ok().as_deref(), Some("x"));
        let _ = fs::remove_dir_all(&tmp);
    }

    /// A run killed after moving a plain folder aside (or an older solieu killed between its
    /// two renames) left no dataset at the path: the next cleanup puts it back.
    #[cfg(unix)]
    #[test]
    fn a_dataset_moved_aside_by_a_killed_run_is_put_back() {
        let tmp = std::env::temp_dir().join(format!("solieu-sink-m-{}", std::process::id()));
        let _ = fs::remove_dir_all(&tmp);
        let dir = tmp.join("ds");
        for aside in [".ds.v-legacy-12-5", ".ds.old-12"] {
            let _ = fs::create_dir_all(tmp.join(aside));
            let _ = fs::write(tmp.join(aside).join("a.csv"), "x\n");
            let _ = fs::create_dir_all(tmp.join(".ds.tmp-12-9")); // half written: never restored
            let removed = clean_stale(&dir).unwrap_or_default();
            assert_eq!(
                fs::read_to_string(dir.join("a.csv")).ok().as_deref(),
                Some("x\n"),
                "{aside} restored"
            );
            assert_eq!(removed, vec![tmp.join(".ds.tmp-12-9")]);
            let _ = fs::remove_dir_all(&tmp);
        }
    }

    struct FailAfter(usize);
    impl Write for FailAfter {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            if self.0 == 0 {
                return Err(std::io::Error::from_raw_os_error(28));
            }
            let n = buf.len().min(self.0);
            self.0 -= n;
            Ok(n)
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    /// A full disk says so: polars' Parquet writer turns a write that fails inside a page
    /// header or the footer into "Invalid thrift: transport error", naming neither the disk
    /// nor the cause. Here the disk fills after 4 bytes, inside the first page header.
    #[test]
    fn a_full_disk_is_reported_as_no_space_left() {
        let mut df = df!("doc_id" => ["a", "b"]).unwrap_or_default();
        let failure = FirstWriteError::default();
        let mut w = Watched::new(FailAfter(4), &failure);
        let polars = ParquetWriter::new(&mut w).finish(&mut df);
        let Err(e) = polars else {
            panic!("the write cannot succeed");
        };
        assert!(e.to_string().contains("thrift"), "polars alone: {e}");
        let told = failure.explain(Path::new("t.parquet"), e).to_string();
        assert!(
            told.starts_with("t.parquet: No space left on device"),
            "{told}"
        );
    }
}
