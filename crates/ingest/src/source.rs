//! Reading inputs: a folder or glob of `.txt` files (one document each), JSONL, CSV and Parquet
//! corpora (one document a record: `id`, `text`, optional `url`, `title`, `date`, `province`).
//! What cannot be read becomes a [`Reject`]; it never stops the batch.

use std::collections::HashSet;
use std::fs::File;
use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::str::FromStr;

use sha2::{Digest, Sha256};

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

/// How an input file's bytes are compressed, from its last extension.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Compression {
    /// `.gz`
    Gzip,
    /// `.zst`, `.zstd`
    Zstd,
}

impl Compression {
    fn of_path(path: &Path) -> Option<Compression> {
        let ext = path.extension()?.to_str()?.to_ascii_lowercase();
        match ext.as_str() {
            "gz" => Some(Compression::Gzip),
            "zst" | "zstd" => Some(Compression::Zstd),
            _ => None,
        }
    }

    fn name(self) -> &'static str {
        match self {
            Compression::Gzip => "gzip",
            Compression::Zstd => "zstd",
        }
    }
}

/// An input file with the format its records are read in.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct InputFile {
    pub path: PathBuf,
    pub format: InputFormatKey,
    /// Read through a decoder: `r.txt.gz` is the text file `r.txt`.
    pub compression: Option<Compression>,
    /// Why a file an input folder holds is not read ([`InputFormatKey::Refused`]): it becomes
    /// one reject saying so, since no file may vanish from a run without a trace.
    pub refused: Option<String>,
}

impl InputFile {
    /// A file read in `format`, uncompressed.
    pub fn new(path: PathBuf, format: InputFormatKey) -> InputFile {
        InputFile {
            path,
            format,
            compression: None,
            refused: None,
        }
    }

    fn refused(path: PathBuf, why: String) -> InputFile {
        InputFile {
            path,
            format: InputFormatKey::Refused,
            compression: None,
            refused: Some(why),
        }
    }

    /// The file's name as the run's tables and state know it: its path, with each byte that
    /// is not UTF-8 written `\xNN`. Two names that differ only in such bytes stay two inputs;
    /// shown lossily, both would read `�` and their rows would be taken for one input's.
    pub fn name(&self) -> String {
        path_name(&self.path)
    }

    /// The path without its compression extension: what the file holds.
    fn inner_path(&self) -> PathBuf {
        inner_path(&self.path, self.compression)
    }
}

/// `r.txt.gz` is read as `r.txt`.
fn inner_path(path: &Path, compression: Option<Compression>) -> PathBuf {
    match compression {
        Some(_) => path.with_extension(""),
        None => path.to_path_buf(),
    }
}

/// A path as text that tells every path apart: a UTF-8 path as it is, any other byte as
/// `\xNN` (see [`InputFile::name`]).
pub fn path_name(path: &Path) -> String {
    if let Some(s) = path.to_str() {
        return s.to_string();
    }
    let mut out = String::new();
    for chunk in path.as_os_str().as_encoded_bytes().utf8_chunks() {
        out.push_str(chunk.valid());
        for b in chunk.invalid() {
            out.push_str(&format!("\\x{b:02X}"));
        }
    }
    out
}

/// A resolved (never `Auto`) input format, ordered so file lists sort deterministically.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum InputFormatKey {
    Text,
    Jsonl,
    Csv,
    Parquet,
    /// Listed only to be rejected: see [`InputFile::refused`].
    Refused,
}

/// How discovery treats what it finds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DiscoverOptions {
    pub format: InputFormat,
    /// Read files that symbolic links inside an input folder point to outside it. Off by
    /// default: a link in a corpus folder must not bring in `/etc/passwd`.
    pub follow_symlinks: bool,
}

impl DiscoverOptions {
    /// Files of `format`, links kept within their folder.
    pub fn new(format: InputFormat) -> DiscoverOptions {
        DiscoverOptions {
            format,
            follow_symlinks: false,
        }
    }
}

/// One document as read, before decoding: the raw bytes of its text and its metadata.
#[derive(Debug, Clone, PartialEq)]
pub struct Record {
    pub doc_id: String,
    pub source: String,
    pub bytes: RecordText,
    pub url: Option<String>,
    pub title: Option<String>,
    pub date: Option<String>,
    pub province: Option<String>,
}

/// A record's text as read, which reads as its raw bytes either way: bytes whose encoding is
/// still to be found (a text file), or text a corpus format has already decoded and checked as
/// UTF-8 (a JSONL, CSV or Parquet field), which ingest then does not check a second time.
#[derive(Debug, Clone)]
pub enum RecordText {
    Bytes(Vec<u8>),
    Utf8(String),
}

impl RecordText {
    /// The text when it is known to be UTF-8 already.
    pub fn as_utf8(&self) -> Option<&str> {
        match self {
            RecordText::Bytes(_) => None,
            RecordText::Utf8(text) => Some(text),
        }
    }
}

impl std::ops::Deref for RecordText {
    type Target = [u8];

    fn deref(&self) -> &[u8] {
        match self {
            RecordText::Bytes(bytes) => bytes,
            RecordText::Utf8(text) => text.as_bytes(),
        }
    }
}

/// Two texts are equal when their bytes are, whichever way they were read.
impl PartialEq for RecordText {
    fn eq(&self, other: &RecordText) -> bool {
        **self == **other
    }
}

impl From<Vec<u8>> for RecordText {
    fn from(bytes: Vec<u8>) -> RecordText {
        RecordText::Bytes(bytes)
    }
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

/// Expands input paths (files, folders, globs) into a sorted list of files to read, with
/// [`DiscoverOptions::new`].
pub fn discover(inputs: &[String], format: InputFormat) -> Result<Vec<InputFile>, SourceError> {
    discover_with(inputs, &DiscoverOptions::new(format))
}

/// Expands input paths (files, folders, globs) into a sorted list of files to read. Every file
/// a folder or a glob yields is listed: one of a format it cannot read, or a link leaving the
/// folder, is listed as refused and becomes a reject. A path that matches nothing is an error,
/// because a nightly run that silently reads nothing is worse than one that stops.
pub fn discover_with(
    inputs: &[String],
    options: &DiscoverOptions,
) -> Result<Vec<InputFile>, SourceError> {
    let mut files = Vec::new();
    for input in inputs {
        let path = PathBuf::from(input);
        if input.contains(['*', '?', '[']) {
            let paths = glob::glob(input).map_err(|e| SourceError::BadGlob {
                pattern: input.clone(),
                message: e.to_string(),
            })?;
            let root = Root::of(&glob_base(input), options);
            let before = files.len();
            for p in paths.flatten() {
                if let Some(why) = root.leaves(&p) {
                    files.push(InputFile::refused(p, why));
                } else if p.is_file() || (p.is_symlink() && !p.is_dir()) {
                    // A broken symlink is kept so that it becomes a reject, not a silent gap.
                    push_file(&mut files, p, options.format, false)?;
                }
            }
            if files.len() == before {
                return Err(SourceError::Missing(input.clone()));
            }
        } else if path.is_dir() {
            let root = Root::of(&path, options);
            walk_once(
                &path,
                options.format,
                &root,
                &mut files,
                &mut HashSet::new(),
            )?;
        } else if path.exists() || path.symlink_metadata().is_ok() {
            push_file(&mut files, path, options.format, true)?;
        } else {
            return Err(SourceError::Missing(input.clone()));
        }
    }
    files.sort();
    files.dedup();
    Ok(files)
}

/// The folder links may not leave: an input folder, or the fixed part of a glob.
struct Root {
    /// `None` when links are followed anywhere (or the folder cannot be resolved).
    real: Option<PathBuf>,
}

impl Root {
    fn of(dir: &Path, options: &DiscoverOptions) -> Root {
        Root {
            real: (!options.follow_symlinks)
                .then(|| std::fs::canonicalize(dir).ok())
                .flatten(),
        }
    }

    /// Why `path` is not read, when it is a symbolic link to something outside the root. A
    /// broken link is not judged here: it becomes its own reject when read.
    fn leaves(&self, path: &Path) -> Option<String> {
        let root = self.real.as_ref()?;
        if !path.symlink_metadata().ok()?.file_type().is_symlink() {
            return None;
        }
        let target = std::fs::canonicalize(path).ok()?;
        (!target.starts_with(root)).then(|| {
            format!(
                "symlink leaves the input folder: points to `{}`, outside `{}`; links out of an input folder are not followed",
                target.display(),
                root.display()
            )
        })
    }
}

/// The folder a glob pattern starts from: its components before the first wildcard.
fn glob_base(pattern: &str) -> PathBuf {
    let fixed: PathBuf = Path::new(pattern)
        .components()
        .take_while(|c| !c.as_os_str().to_string_lossy().contains(['*', '?', '[']))
        .collect();
    if fixed.as_os_str().is_empty() {
        PathBuf::from(".")
    } else {
        fixed
    }
}

/// Walks a folder tree; a folder reached again through a symlink (a link to a parent makes a
/// loop) is walked once only, and a link out of the input folder is listed as refused.
fn walk_once(
    dir: &Path,
    format: InputFormat,
    root: &Root,
    files: &mut Vec<InputFile>,
    seen: &mut HashSet<PathBuf>,
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
    // The listing says what each entry is (no `stat` per file, which a folder of 60,000
    // reports would pay twice); only a link, or a file system that does not say, is asked.
    let mut paths: Vec<(PathBuf, Option<std::fs::FileType>)> = entries
        .flatten()
        .map(|e| (e.path(), e.file_type().ok()))
        .collect();
    // The entries of one folder share all but their last component, a plain name: their bytes
    // sort them in path order, without parsing every pair's components (a folder of 60,000
    // reports is a million comparisons).
    paths.sort_unstable_by(|a, b| a.0.as_os_str().cmp(b.0.as_os_str()));
    for (p, kind) in paths {
        let plain = kind.filter(|k| !k.is_symlink());
        // Only a link (or an entry of unknown type) can lead out of the root.
        let leaves = if plain.is_none() {
            root.leaves(&p)
        } else {
            None
        };
        if let Some(why) = leaves {
            files.push(InputFile::refused(p, why));
        } else if plain.map_or_else(|| p.is_dir(), |k| k.is_dir()) {
            walk_once(&p, format, root, files, seen)?;
        } else {
            push_file(files, p, format, false)?;
        }
    }
    Ok(())
}

/// Every extension solieu reads, for the reason a file of another kind is refused.
const KNOWN_EXTENSIONS: &str = ".txt, .jsonl, .ndjson, .csv, .parquet (each also as .gz or .zst)";

fn push_file(
    files: &mut Vec<InputFile>,
    path: PathBuf,
    format: InputFormat,
    named: bool,
) -> Result<(), SourceError> {
    let compression = Compression::of_path(&path);
    let inner = inner_path(&path, compression);
    let by_name = InputFormat::of_path(&inner);
    let resolved = match format {
        InputFormat::Auto => by_name,
        f => by_name
            .filter(|g| *g == f)
            .or((named || by_name.is_none() && f == InputFormat::Text).then_some(f)),
    };
    let key = match resolved {
        Some(InputFormat::Text) => InputFormatKey::Text,
        Some(InputFormat::Jsonl) => InputFormatKey::Jsonl,
        Some(InputFormat::Csv) => InputFormatKey::Csv,
        Some(InputFormat::Parquet) => InputFormatKey::Parquet,
        Some(InputFormat::Auto) | None if named => {
            return Err(SourceError::UnknownFormat(path.display().to_string()))
        }
        _ => {
            // A file of another kind inside a folder: listed, so that it is a reject.
            let ext = |p: &Path| {
                p.extension()
                    .map(|e| format!("`.{}`", e.to_string_lossy()))
                    .unwrap_or_else(|| "no extension".into())
            };
            let why = match by_name {
                Some(_) => format!(
                    "not read: a {} file, and the input format is {} (--input-format or input.format)",
                    ext(&inner),
                    format_name(format)
                ),
                None => format!(
                    "not an input: {} is none of the formats solieu reads: {KNOWN_EXTENSIONS}",
                    ext(&inner)
                ),
            };
            files.push(InputFile::refused(path, why));
            return Ok(());
        }
    };
    files.push(InputFile {
        path,
        format: key,
        compression,
        refused: None,
    });
    Ok(())
}

fn format_name(format: InputFormat) -> &'static str {
    match format {
        InputFormat::Auto => "auto",
        InputFormat::Text => "txt",
        InputFormat::Jsonl => "jsonl",
        InputFormat::Csv => "csv",
        InputFormat::Parquet => "parquet",
    }
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

/// The longest record id, in bytes: as long as a file name may be on common file systems (a
/// `.txt` file's id is its name).
pub const MAX_ID_BYTES: usize = 255;

/// The longest record title, in bytes: ten times a long Vietnamese headline.
pub const MAX_TITLE_BYTES: usize = 4096;

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
    visit_with(file, limits, false, visit);
}

/// [`visit_records`], hashing the file's bytes as they are read: the incremental state keys
/// an input by its [`FileDigest`], and a file read once need not be read again to hash it.
/// When the records end before the file does (a reject for the whole file, a stream that
/// fails to decompress), the rest of the open file is read for the digest, so the digest is
/// of the very bytes the records came from. `None` when the file was never opened, could not
/// be read to its end, or is a Parquet file (polars reads it by seeking): the caller hashes
/// such a file itself.
pub fn visit_records_hashed(
    file: &InputFile,
    limits: &ReadLimits,
    visit: &mut dyn FnMut(Result<Record, Reject>),
) -> Option<FileDigest> {
    visit_with(file, limits, true, visit)
}

fn visit_with(
    file: &InputFile,
    limits: &ReadLimits,
    hash: bool,
    visit: &mut dyn FnMut(Result<Record, Reject>),
) -> Option<FileDigest> {
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
    let digest = read_each(file, limits, hash, &mut emit);
    if count == 0 {
        // A corpus file with no records would otherwise vanish without a trace.
        visit(Err(Reject {
            source: file.name(),
            reason: "empty: the file holds no records".into(),
        }));
    }
    digest
}

/// The SHA-256 of a file's bytes as they lie on disk (before any decompression), and how many
/// there were: what [`visit_records`] saw while it read them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileDigest {
    pub size: u64,
    /// Lower-case hex.
    pub sha256: String,
}

/// Counts and hashes (when asked) the bytes read through it, and notes whether the end was
/// reached: a digest of part of a file must never stand for the whole.
struct HashingReader<R> {
    inner: R,
    hasher: Option<Sha256>,
    size: u64,
    at_end: bool,
}

impl<R: Read> HashingReader<R> {
    fn new(inner: R, hash: bool) -> HashingReader<R> {
        HashingReader {
            inner,
            hasher: hash.then(Sha256::new),
            size: 0,
            at_end: false,
        }
    }

    /// The digest of every byte, the rest read now when the reading stopped before the end.
    /// A read error leaves the end unseen: no digest.
    fn digest(mut self) -> Option<FileDigest> {
        self.hasher.as_ref()?;
        self.read_to_end_unkept().ok()?;
        let hasher = self.hasher?;
        Some(FileDigest {
            size: self.size,
            sha256: format!("{:x}", hasher.finalize()),
        })
    }

    /// Reads on to the end, keeping nothing but the count and the hash (a large buffer: a
    /// file may be hashed whole here).
    fn read_to_end_unkept(&mut self) -> std::io::Result<()> {
        // Most readings reach the end themselves: no buffer for them.
        if self.at_end {
            return Ok(());
        }
        let mut buf = vec![0u8; 1 << 16];
        while !self.at_end {
            match self.read(&mut buf) {
                Ok(_) => {}
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        }
        Ok(())
    }
}

impl FileDigest {
    /// The digest of everything `read` gives, to its end: how the state hashes an input it
    /// does not read for records, and the program it runs as.
    pub fn of(read: impl Read) -> std::io::Result<FileDigest> {
        let mut hashing = HashingReader::new(read, true);
        hashing.read_to_end_unkept()?;
        hashing
            .digest()
            .ok_or_else(|| std::io::Error::other("the end was read but gave no digest"))
    }
}

impl<R: Read> Read for HashingReader<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        if n == 0 && !buf.is_empty() {
            self.at_end = true;
        }
        if let Some(h) = &mut self.hasher {
            h.update(&buf[..n]);
        }
        self.size += n as u64;
        Ok(n)
    }
}

/// A reject of the whole of the input named `source`.
fn file_reject(source: &str, reason: String) -> Result<Record, Reject> {
    Err(Reject {
        source: source.to_string(),
        reason,
    })
}

/// Reads `file`'s records into `emit`; with `hash`, the digest of the file (see
/// [`visit_records_hashed`]).
fn read_each(
    file: &InputFile,
    limits: &ReadLimits,
    hash: bool,
    emit: &mut dyn FnMut(Result<Record, Reject>),
) -> Option<FileDigest> {
    let source = file.name();
    let reject = |reason: String| file_reject(&source, reason);
    if let Some(why) = &file.refused {
        emit(reject(why.clone()));
        return None;
    }
    // Opening a named pipe would wait for a writer forever: look before opening.
    if let Ok(meta) = std::fs::metadata(&file.path) {
        if !meta.is_file() {
            emit(reject(
                "not a regular file (a named pipe, socket or device)".into(),
            ));
            return None;
        }
    }
    let opened = match File::open(&file.path) {
        Ok(f) => f,
        Err(e) => {
            emit(reject(unreadable(&file.path, &e)));
            return None;
        }
    };
    let compression = file.compression;
    if file.format == InputFormatKey::Parquet {
        if compression.is_some() {
            emit(reject(
                "compressed Parquet: a Parquet file compresses its own columns; store it uncompressed"
                    .into(),
            ));
            return None;
        }
        // Read by seeking about the file: its digest is made apart.
        if let Err(reason) = read_parquet_guarded(opened, &source, emit) {
            emit(reject(reason));
        }
        return None;
    }
    // The open file's own size: a second look up of its path would cost a folder of reports
    // one more `stat` each, and could find another file.
    let before = opened.metadata().ok().map(|m| (m.len(), m.modified().ok()));
    let on_disk = before.map_or(0, |(len, _)| len);
    let mut hashing = HashingReader::new(&opened, hash);
    read_opened((file, &source), &mut hashing, (on_disk, limits), emit);
    let digest = hashing.digest()?;
    // Written to in place while it was read (`>`, `cp` onto it): the digest may hold bytes
    // the records never came from, so it stands for nothing.
    let after = opened.metadata().ok().map(|m| (m.len(), m.modified().ok()));
    (before.is_some() && after == before).then_some(digest)
}

/// The records of an open JSONL, CSV or text `file` (named `source`, `on_disk` bytes long)
/// from `read`.
fn read_opened(
    (file, source): (&InputFile, &str),
    read: &mut impl Read,
    (on_disk, limits): (u64, &ReadLimits),
    emit: &mut dyn FnMut(Result<Record, Reject>),
) {
    let reject = |reason: String| file_reject(source, reason);
    let read = match decoder(read, file.compression) {
        Ok(r) => r,
        Err(e) => return emit(reject(format!("unreadable: {e}"))),
    };
    match file.format {
        InputFormatKey::Text => read_text((file, source), (read, on_disk), limits, emit),
        InputFormatKey::Jsonl | InputFormatKey::Csv => {
            let mut reader = BufReader::new(read);
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
                jsonl_records(reader, source, limits, emit);
            } else {
                csv_records(reader, source, emit);
            }
        }
        // Read before opening, and refused before opening.
        InputFormatKey::Parquet | InputFormatKey::Refused => {}
    }
}

/// A `.txt` file (named `source`) as one record, read from `read` (the file, `on_disk` bytes
/// long, through its decoder).
fn read_text(
    (file, source): (&InputFile, &str),
    (read, on_disk): (impl Read, u64),
    limits: &ReadLimits,
    emit: &mut dyn FnMut(Result<Record, Reject>),
) {
    let reject = |reason: String| file_reject(source, reason);
    let compression = file.compression;
    // A compressed file's size says nothing of its text: its limit is checked as it is read.
    let size = match compression {
        None => on_disk,
        Some(_) => 0,
    };
    if let Some(reason) = limits.too_large(size) {
        return emit(reject(reason));
    }
    let mut bytes = Vec::with_capacity(usize::try_from(size).unwrap_or(0));
    // `take` keeps a file that grows while it is read within the limit too.
    match read
        .take(limits.max_document_bytes.saturating_add(1))
        .read_to_end(&mut bytes)
    {
        Ok(_) if compression.is_some() && limits.too_large(bytes.len() as u64).is_some() => {
            let reason = format!(
                "too large: over the limit of {} bytes once decompressed (input.max_document_bytes)",
                limits.max_document_bytes
            );
            emit(reject(reason))
        }
        Ok(_) => emit(Ok(text_record(
            file.inner_path()
                .file_stem()
                .map(|s| s.to_string_lossy().into_owned())
                .unwrap_or_default(),
            source.to_string(),
            bytes,
        ))),
        Err(e) => emit(reject(format!("unreadable: {e}"))),
    }
}

/// The file's bytes as they were before compression.
fn decoder<'r>(
    file: impl Read + 'r,
    compression: Option<Compression>,
) -> std::io::Result<Box<dyn Read + 'r>> {
    let Some(compression) = compression else {
        return Ok(Box::new(file));
    };
    let inner: Box<dyn Read + 'r> = match compression {
        // Multi-member: `cat a.gz b.gz` is a valid gzip file of both.
        Compression::Gzip => Box::new(flate2::read::MultiGzDecoder::new(BufReader::new(file))),
        Compression::Zstd => Box::new(zstd::stream::read::Decoder::new(file)?),
    };
    Ok(Box::new(NamedDecodeErrors { inner, compression }))
}

/// Says which decoder failed: "corrupt deflate stream" alone does not name the file's kind.
struct NamedDecodeErrors<'r> {
    inner: Box<dyn Read + 'r>,
    compression: Compression,
}

impl Read for NamedDecodeErrors<'_> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        self.inner.read(buf).map_err(|e| {
            if e.kind() == std::io::ErrorKind::Interrupted {
                return e;
            }
            let kind = self.compression.name();
            std::io::Error::new(e.kind(), format!("corrupt {kind} data: {e}"))
        })
    }
}

#[cfg(feature = "polars")]
/// Reads a Parquet corpus; a reader panic on a corrupt file (the Parquet decoder trusts
/// lengths in the file) becomes that file's reject instead of ending the batch.
fn read_parquet_guarded(
    file: File,
    source: &str,
    emit: &mut dyn FnMut(Result<Record, Reject>),
) -> Result<(), String> {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        read_parquet(file, source, emit)
    }))
    .unwrap_or_else(|_| Err("corrupt Parquet: the reader failed on this file".into()))
}

/// Built without polars (the fuzz target): Parquet inputs cannot be read.
#[cfg(not(feature = "polars"))]
fn read_parquet_guarded(
    _: File,
    _: &str,
    _: &mut dyn FnMut(Result<Record, Reject>),
) -> Result<(), String> {
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
        InputFormatKey::Text => vec![Ok(text_record(
            "doc".into(),
            source.to_string(),
            bytes.to_vec(),
        ))],
        InputFormatKey::Parquet => vec![Err(Reject {
            source: source.to_string(),
            reason: "Parquet is read from files only".into(),
        })],
        InputFormatKey::Refused => vec![Err(Reject {
            source: source.to_string(),
            reason: "not read".into(),
        })],
    }
}

/// A text file's one record: all of its bytes, and no metadata.
fn text_record(doc_id: String, source: String, bytes: Vec<u8>) -> Record {
    Record {
        doc_id,
        source,
        bytes: RecordText::Bytes(bytes),
        url: None,
        title: None,
        date: None,
        province: None,
    }
}

/// The fields of a corpus record that solieu reads (JSONL keys, CSV and Parquet columns).
const RECORD_FIELDS: [&str; 7] = ["id", "doc_id", "text", "url", "title", "date", "province"];

/// Where `name` stands in [`RECORD_FIELDS`].
fn record_field(name: &str) -> Option<usize> {
    RECORD_FIELDS.iter().position(|f| *f == name)
}

/// The fields of a JSONL record that solieu reads, in [`RECORD_FIELDS`] order, each a string
/// or a number (written as JSON writes it); any other value counts as absent. The line's other
/// fields are skipped unparsed: a scraped corpus often carries the page's HTML beside its text,
/// and building them into a JSON tree cost the reader as much as the text itself. A field given
/// twice counts as its last value, as in a JSON object read whole.
#[derive(Debug, Default)]
struct JsonRecord([Option<String>; RECORD_FIELDS.len()]);

impl JsonRecord {
    /// Takes the field `name` out of the record ([`record_from_fields`] asks for each once).
    fn take(&mut self, name: &str) -> Option<String> {
        self.0[record_field(name)?].take()
    }
}

impl<'de> serde::Deserialize<'de> for JsonRecord {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<JsonRecord, D::Error> {
        d.deserialize_any(JsonRecordVisitor)
    }
}

/// A line that is not an object is a record with no fields (its reject says what is missing).
struct JsonRecordVisitor;

impl<'de> serde::de::Visitor<'de> for JsonRecordVisitor {
    type Value = JsonRecord;

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("a JSON value")
    }

    fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<JsonRecord, A::Error> {
        let mut r = JsonRecord::default();
        while let Some(JsonKey(key)) = map.next_key()? {
            match key {
                Some(i) => r.0[i] = map.next_value::<JsonText>()?.0,
                None => {
                    map.next_value::<serde::de::IgnoredAny>()?;
                }
            }
        }
        Ok(r)
    }

    fn visit_seq<A: serde::de::SeqAccess<'de>>(self, seq: A) -> Result<JsonRecord, A::Error> {
        serde::de::IgnoredAny.visit_seq(seq)?;
        Ok(JsonRecord::default())
    }

    fn visit_bool<E>(self, _: bool) -> Result<JsonRecord, E> {
        Ok(JsonRecord::default())
    }

    fn visit_i64<E>(self, _: i64) -> Result<JsonRecord, E> {
        Ok(JsonRecord::default())
    }

    fn visit_u64<E>(self, _: u64) -> Result<JsonRecord, E> {
        Ok(JsonRecord::default())
    }

    fn visit_f64<E>(self, _: f64) -> Result<JsonRecord, E> {
        Ok(JsonRecord::default())
    }

    fn visit_str<E>(self, _: &str) -> Result<JsonRecord, E> {
        Ok(JsonRecord::default())
    }

    fn visit_unit<E>(self) -> Result<JsonRecord, E> {
        Ok(JsonRecord::default())
    }
}

/// A key of a JSONL record: where it stands in [`RECORD_FIELDS`], or `None` for a field solieu
/// does not read; read without a copy.
struct JsonKey(Option<usize>);

impl<'de> serde::Deserialize<'de> for JsonKey {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<JsonKey, D::Error> {
        d.deserialize_identifier(JsonKeyVisitor)
    }
}

struct JsonKeyVisitor;

impl serde::de::Visitor<'_> for JsonKeyVisitor {
    type Value = JsonKey;

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("a field name")
    }

    fn visit_str<E>(self, key: &str) -> Result<JsonKey, E> {
        Ok(JsonKey(record_field(key)))
    }
}

/// A field's value as text: a string as it is, a number as JSON writes it (`7`, `2.5`);
/// `None` for anything else (`null`, `true`, an object, a list).
struct JsonText(Option<String>);

impl<'de> serde::Deserialize<'de> for JsonText {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<JsonText, D::Error> {
        d.deserialize_any(JsonTextVisitor)
    }
}

struct JsonTextVisitor;

impl<'de> serde::de::Visitor<'de> for JsonTextVisitor {
    type Value = JsonText;

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("a JSON value")
    }

    fn visit_str<E>(self, v: &str) -> Result<JsonText, E> {
        Ok(JsonText(Some(v.to_string())))
    }

    fn visit_string<E>(self, v: String) -> Result<JsonText, E> {
        Ok(JsonText(Some(v)))
    }

    fn visit_u64<E>(self, v: u64) -> Result<JsonText, E> {
        Ok(JsonText(Some(serde_json::Number::from(v).to_string())))
    }

    fn visit_i64<E>(self, v: i64) -> Result<JsonText, E> {
        Ok(JsonText(Some(serde_json::Number::from(v).to_string())))
    }

    fn visit_f64<E>(self, v: f64) -> Result<JsonText, E> {
        Ok(JsonText(
            serde_json::Number::from_f64(v).map(|n| n.to_string()),
        ))
    }

    fn visit_bool<E>(self, _: bool) -> Result<JsonText, E> {
        Ok(JsonText(None))
    }

    fn visit_unit<E>(self) -> Result<JsonText, E> {
        Ok(JsonText(None))
    }

    fn visit_map<A: serde::de::MapAccess<'de>>(self, map: A) -> Result<JsonText, A::Error> {
        serde::de::IgnoredAny.visit_map(map)?;
        Ok(JsonText(None))
    }

    fn visit_seq<A: serde::de::SeqAccess<'de>>(self, seq: A) -> Result<JsonText, A::Error> {
        serde::de::IgnoredAny.visit_seq(seq)?;
        Ok(JsonText(None))
    }
}

fn read_jsonl(reader: impl BufRead, source: &str) -> Vec<Result<Record, Reject>> {
    let mut out = Vec::new();
    jsonl_records(reader, source, &ReadLimits::default(), &mut |r| out.push(r));
    out
}

impl ReadLimits {
    /// The longest JSONL line kept: a record within the document limit, written with every
    /// character escaped (`\u00e1` is six bytes for two), plus room for its other fields.
    fn max_line_bytes(&self) -> u64 {
        self.max_document_bytes
            .saturating_mul(3)
            .saturating_add(1 << 20)
    }
}

/// Reads one line (without its `\n`) into `line`, keeping at most `cap` bytes of it; returns
/// the line's whole length, or `None` at the end of the input. A line longer than the cap is
/// read through without being held, so one runaway line cannot exhaust memory.
fn read_line_capped(
    reader: &mut impl BufRead,
    line: &mut Vec<u8>,
    cap: u64,
) -> std::io::Result<Option<u64>> {
    line.clear();
    let mut total = 0u64;
    loop {
        let buf = match reader.fill_buf() {
            Ok(b) => b,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        if buf.is_empty() {
            return Ok((total > 0).then_some(total));
        }
        let (chunk, used, done) = match memchr::memchr(b'\n', buf) {
            Some(i) => (&buf[..i], i + 1, true),
            None => (buf, buf.len(), false),
        };
        let room = usize::try_from(cap.saturating_sub(line.len() as u64)).unwrap_or(usize::MAX);
        line.extend_from_slice(&chunk[..chunk.len().min(room)]);
        // The newline counts, so that an empty line is a line and not the end of the input.
        total += used as u64;
        reader.consume(used);
        if done {
            return Ok(Some(total - 1));
        }
    }
}

/// The records of a JSONL corpus, one at a time, as the reader yields lines.
fn jsonl_records(
    mut reader: impl BufRead,
    source: &str,
    limits: &ReadLimits,
    emit: &mut dyn FnMut(Result<Record, Reject>),
) {
    let cap = limits.max_line_bytes();
    let mut buf = Vec::new();
    for i in 0usize.. {
        let at = format!("{source}:{}", i + 1);
        let len = match read_line_capped(&mut reader, &mut buf, cap) {
            Ok(Some(len)) => len,
            Ok(None) => break,
            Err(e) => {
                emit(Err(Reject {
                    source: at,
                    reason: format!("unreadable: {e}"),
                }));
                break;
            }
        };
        if len > cap {
            emit(Err(Reject {
                source: at,
                reason: format!(
                    "too large: a line of {len} bytes, longer than any record within the limit of {} bytes can be (input.max_document_bytes)",
                    limits.max_document_bytes
                ),
            }));
            continue;
        }
        // A UTF-8 byte-order mark, as Windows editors write, is not part of the first object.
        let line = match buf.strip_prefix(b"\xEF\xBB\xBF") {
            Some(rest) if i == 0 => rest,
            _ => &buf[..],
        };
        if line.iter().all(u8::is_ascii_whitespace) {
            continue;
        }
        // A line is checked as UTF-8 in one vectorised pass, and serde_json then takes its
        // strings as they are: checking each string on its own was over half the reader's
        // time. A line with bad bytes is read string by string, so that bad bytes in a field
        // solieu does not read still leave the record readable.
        let parsed = match simdutf8::basic::from_utf8(line) {
            Ok(line) => serde_json::from_str(line),
            Err(_) => serde_json::from_slice(line),
        };
        let mut record: JsonRecord = match parsed {
            Ok(r) => r,
            Err(e) => {
                emit(Err(Reject {
                    source: at,
                    reason: format!("bad JSON line: {e}"),
                }));
                continue;
            }
        };
        let text = record.take("text");
        // `doc_id`, the name of the column solieu writes, is read as the id too.
        let id = record.take("id").or_else(|| record.take("doc_id"));
        emit(record_from_fields(at, id, text, |k| record.take(k)));
    }
}

fn record_from_fields(
    source: String,
    id: Option<String>,
    text: Option<String>,
    mut field: impl FnMut(&str) -> Option<String>,
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
    // Each field is asked for once, so a reader may hand it over instead of a copy.
    let mut nonempty = |k: &str| field(k).filter(|s| !s.trim().is_empty());
    let title = nonempty("title");
    // Both are repeated on every row of the document: a runaway value would multiply the
    // output, and cutting it would silently change a key.
    for (what, value, max) in [
        ("id", Some(&doc_id), MAX_ID_BYTES),
        ("title", title.as_ref(), MAX_TITLE_BYTES),
    ] {
        if let Some(v) = value.filter(|v| v.len() > max) {
            return Err(Reject {
                source,
                reason: format!(
                    "{what} too long: {} bytes, over the limit of {max}",
                    v.len()
                ),
            });
        }
    }
    Ok(Record {
        doc_id,
        source,
        bytes: RecordText::Utf8(text),
        url: nonempty("url"),
        title,
        date: nonempty("date"),
        province: nonempty("province"),
    })
}

fn read_csv(reader: impl Read, source: &str) -> Vec<Result<Record, Reject>> {
    let mut out = Vec::new();
    csv_records(reader, source, &mut |r| out.push(r));
    out
}

/// What a CSV reader's quoting tracker has seen inside a quoted field.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Quoting {
    /// At the start of a field.
    FieldStart,
    /// In a field that does not start with a quote.
    Plain,
    /// In a quoted field.
    Quoted,
    /// A quote in a quoted field: the field's end, or half of a doubled quote.
    QuoteInQuoted,
}

/// Passes a CSV file's bytes through unchanged while checking its quotes as RFC 4180 has them,
/// which the `csv` crate forgives: a quoted field must end at its closing quote, and the file
/// must not end inside one. Both mistakes make the parser read on into the next records and
/// fold them into one field; the offsets of the opening quotes of such fields are kept so
/// that the record holding one is rejected instead.
struct QuoteCheck<R> {
    inner: R,
    state: Quoting,
    /// Offset of the next byte read.
    at: u64,
    /// Offset of the opening quote of the field being read.
    opened: u64,
    /// Opening quotes of fields that were not closed properly, in file order.
    bad: Vec<(u64, &'static str)>,
}

impl<R: Read> QuoteCheck<R> {
    fn new(inner: R) -> Self {
        QuoteCheck {
            inner,
            state: Quoting::FieldStart,
            at: 0,
            opened: 0,
            bad: Vec::new(),
        }
    }

    /// Why the record spanning bytes `start..end` is malformed, if it is. Checked records
    /// are forgotten.
    fn problem_in(&mut self, start: u64, end: u64) -> Option<&'static str> {
        let found = self
            .bad
            .iter()
            .find(|(at, _)| (start..end).contains(at))
            .map(|(_, why)| *why);
        self.bad.retain(|(at, _)| *at >= end);
        found
    }

    fn track(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.state = match (self.state, b) {
                (Quoting::FieldStart, b'"') => {
                    self.opened = self.at;
                    Quoting::Quoted
                }
                (Quoting::FieldStart | Quoting::Plain, b',' | b'\n' | b'\r') => Quoting::FieldStart,
                (Quoting::FieldStart | Quoting::Plain, _) => Quoting::Plain,
                (Quoting::Quoted, b'"') => Quoting::QuoteInQuoted,
                (Quoting::Quoted, _) => Quoting::Quoted,
                (Quoting::QuoteInQuoted, b'"') => Quoting::Quoted,
                (Quoting::QuoteInQuoted, b',' | b'\n' | b'\r') => Quoting::FieldStart,
                (Quoting::QuoteInQuoted, _) => {
                    self.bad.push((
                        self.opened,
                        "a quoted field goes on after its closing quote (a quote inside it is not doubled, or a quote is missing)",
                    ));
                    Quoting::Plain
                }
            };
            self.at += 1;
        }
    }
}

impl<R: Read> Read for QuoteCheck<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        if n == 0 && !buf.is_empty() && self.state == Quoting::Quoted {
            self.bad.push((
                self.opened,
                "a quoted field is never closed: the file ends inside it",
            ));
            self.state = Quoting::Plain;
        }
        self.track(&buf[..n]);
        Ok(n)
    }
}

/// The records of a CSV corpus, one at a time.
fn csv_records(reader: impl Read, source: &str, emit: &mut dyn FnMut(Result<Record, Reject>)) {
    let mut rdr = csv::ReaderBuilder::new()
        .flexible(true)
        .from_reader(QuoteCheck::new(reader));
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
    // The column of each of solieu's fields, found once.
    let columns = RECORD_FIELDS.map(col);
    if col("text").is_none() {
        emit(Err(Reject {
            source: source.to_string(),
            reason: "CSV has no `text` column".into(),
        }));
        return;
    }
    // Records are read as bytes and only the fields solieu reads must be UTF-8, as in a JSONL
    // line: a column of page HTML costs no check, and broken bytes there lose nothing.
    let mut rec = csv::ByteRecord::new();
    for i in 0usize.. {
        let at = format!("{source}:{}", i + 1);
        match rdr.read_byte_record(&mut rec) {
            Ok(false) => break,
            Ok(true) => {
                let start = rec.position().map_or(0, |p| p.byte());
                let end = rdr.position().byte();
                if let Some(why) = rdr.get_mut().problem_in(start, end) {
                    emit(Err(Reject {
                        source: at,
                        reason: format!(
                            "bad CSV record: {why}; this record and any it swallowed are not read"
                        ),
                    }));
                    continue;
                }
                // Each of solieu's fields as text, the first that is not UTF-8 named.
                let mut fields: [Option<&str>; RECORD_FIELDS.len()] = Default::default();
                let broken = (0..RECORD_FIELDS.len()).find(|&k| {
                    let Some(bytes) = columns[k].and_then(|c| rec.get(c)) else {
                        return false;
                    };
                    fields[k] = simdutf8::basic::from_utf8(bytes).ok();
                    fields[k].is_none()
                });
                if let Some(k) = broken {
                    emit(Err(Reject {
                        source: at,
                        reason: format!(
                            "bad CSV record: its `{}` field is not UTF-8",
                            RECORD_FIELDS[k]
                        ),
                    }));
                    continue;
                }
                let get = |k: &str| record_field(k).and_then(|i| fields[i]).map(str::to_string);
                let id = get("id").or_else(|| get("doc_id"));
                emit(record_from_fields(at, id, get("text"), get));
            }
            Err(e) => {
                let stop = matches!(e.kind(), csv::ErrorKind::Io(_));
                emit(Err(Reject {
                    source: at,
                    reason: format!("bad CSV record: {e}"),
                }));
                if stop {
                    break;
                }
            }
        }
    }
}

/// Rows of a Parquet corpus decoded at once.
#[cfg(feature = "polars")]
const PARQUET_SLICE_ROWS: usize = 4096;

#[cfg(feature = "polars")]
/// The records of a Parquet corpus, [`PARQUET_SLICE_ROWS`] rows at a time: a corpus of
/// millions of documents is never held whole (it was, and its decoded text with it). Rows
/// that cannot be decoded are one reject naming them; the slices around them are read.
fn read_parquet(
    file: File,
    source: &str,
    emit: &mut dyn FnMut(Result<Record, Reject>),
) -> Result<(), String> {
    let corrupt = |e: polars::prelude::PolarsError| format!("corrupt Parquet: {e}");
    let reader = || -> Result<ParquetReader<File>, String> {
        let file = file.try_clone().map_err(|e| format!("unreadable: {e}"))?;
        Ok(ParquetReader::new(file))
    };
    let mut first = reader()?;
    let schema = first.schema().map_err(corrupt)?;
    let metadata = first.get_metadata().map_err(corrupt)?.clone();
    // Only the columns solieu reads are decoded: a corpus may hold the pages' HTML beside them.
    let columns: Vec<String> = RECORD_FIELDS
        .into_iter()
        .filter(|k| schema.contains(k))
        .map(str::to_string)
        .collect();
    if !columns.iter().any(|c| c == "text") {
        return Err("Parquet file has no `text` column".into());
    }
    // Slices within a group bound memory whatever size the writer gave its groups (pyarrow
    // writes up to a million rows to one); no slice spans two groups.
    let mut slices = Vec::new();
    let mut group_start = 0;
    for group in &metadata.row_groups {
        let rows = group.num_rows();
        let mut at = 0;
        while at < rows {
            let n = (rows - at).min(PARQUET_SLICE_ROWS);
            slices.push((group_start + at, n));
            at += n;
        }
        group_start += rows;
    }
    for (start, rows) in slices {
        let mut read = reader()?;
        read.set_metadata(metadata.clone());
        let read = read
            .with_columns(Some(columns.clone()))
            .with_slice(Some((start, rows)));
        // The decoder trusts lengths in the file, and a damaged block can make it panic.
        let df = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| read.finish()))
            .unwrap_or_else(|_| {
                Err(polars::prelude::PolarsError::ComputeError(
                    "the reader failed on these rows".into(),
                ))
            });
        match df {
            Ok(df) => parquet_records(&df, source, start, emit)?,
            Err(e) => emit(Err(Reject {
                source: format!("{source}:{}-{}", start + 1, start + rows),
                reason: corrupt(e),
            })),
        }
    }
    Ok(())
}

/// The records of `df`, rows of a Parquet corpus from row `start` (0-based) on; an error
/// when its `text` column cannot be read as text (the same for every slice of the file).
#[cfg(feature = "polars")]
fn parquet_records(
    df: &polars::prelude::DataFrame,
    source: &str,
    start: usize,
    emit: &mut dyn FnMut(Result<Record, Reject>),
) -> Result<(), String> {
    let column = |name: &str| -> Option<Vec<Option<String>>> {
        let c = df.column(name).ok()?.cast(&DataType::String).ok()?;
        let s = c.str().ok()?.clone();
        Some(s.iter().map(|v| v.map(str::to_string)).collect())
    };
    let texts = column("text").ok_or("Parquet file has no `text` column")?;
    let mut ids = column("id")
        .or_else(|| column("doc_id"))
        .unwrap_or_else(|| vec![None; texts.len()]);
    // The metadata columns: the fields of [`RECORD_FIELDS`] after the id and the text.
    let mut meta: Vec<(&str, Option<Vec<Option<String>>>)> =
        RECORD_FIELDS[3..].iter().map(|&k| (k, column(k))).collect();
    for (i, text) in texts.into_iter().enumerate() {
        // Each row is read once, so its values are handed over, not copied.
        let field = |k: &str| -> Option<String> {
            meta.iter_mut()
                .find(|(name, _)| *name == k)
                .and_then(|(_, c)| c.as_mut()?.get_mut(i)?.take())
        };
        emit(record_from_fields(
            format!("{source}:{}", start + i + 1),
            ids.get_mut(i).and_then(Option::take),
            text,
            field,
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_corpus_field_arrives_checked_as_utf8_and_a_text_file_as_bytes() {
        let text = |format, data: &str| match parse_records(format, data.as_bytes(), "t") {
            rows if rows.len() == 1 => rows[0]
                .as_ref()
                .ok()
                .map(|r| r.bytes.as_utf8().map(str::to_string)),
            _ => None,
        };
        let jsonl = r#"{"id": "a", "text": "Bắt 3 vụ."}"#;
        assert_eq!(
            text(InputFormatKey::Jsonl, jsonl),
            Some(Some("Bắt 3 vụ.".into()))
        );
        assert_eq!(
            text(InputFormatKey::Csv, "id,text\na,Bắt 3 vụ.\n"),
            Some(Some("Bắt 3 vụ.".into()))
        );
        // A text file's encoding is ingest's to find.
        assert_eq!(text(InputFormatKey::Text, "Bắt 3 vụ."), Some(None));
    }

    #[test]
    fn jsonl_fields_solieu_does_not_read_are_skipped() {
        // A scraped line: the page's HTML, tags and counters beside the text; a title given
        // twice (the last counts); a number as the id; a null url; a date that is an object.
        let line = concat!(
            r#"{"html": "<p>Bắt 3 vụ.</p>", "id": 2.50, "tags": ["an ninh", {"a": [1, null]}], "#,
            r#""title": "Cũ", "text": "Bắt 3 vụ.", "title": "Mới", "url": null, "#,
            r#""date": {"y": 2024}, "province": "Huế", "views": 12e3}"#,
            "\n",
            r#"{"doc_id": "b", "id": null, "text": "Bắt 5 vụ."}"#,
            "\n",
            r#"[{"id": "c", "text": "Bắt 7 vụ."}]"#,
            "\n",
        );
        let rows = read_jsonl(line.as_bytes(), "c.jsonl");
        let first = rows[0].as_ref().ok();
        assert_eq!(first.map(|r| r.doc_id.as_str()), Some("2.5"));
        assert_eq!(first.map(|r| r.bytes.len()), Some("Bắt 3 vụ.".len()));
        assert_eq!(first.and_then(|r| r.title.as_deref()), Some("Mới"));
        assert_eq!(
            first.map(|r| (r.url.is_none(), r.date.is_none())),
            Some((true, true))
        );
        assert_eq!(first.and_then(|r| r.province.as_deref()), Some("Huế"));
        // A null id leaves `doc_id` to name the record.
        assert_eq!(rows[1].as_ref().map(|r| r.doc_id.as_str()), Ok("b"));
        // A line that is not an object has no text.
        assert_eq!(
            rows[2].as_ref().err().map(|r| r.reason.as_str()),
            Some("missing text field")
        );
    }

    #[test]
    fn jsonl_text_must_be_utf8_but_an_unread_field_need_not_be() {
        // Broken bytes in a field solieu does not read lose nothing: the record is kept. In
        // the text they are a bad line.
        let data = b"{\"id\": \"a\", \"raw\": \"\xff\xfe\", \"text\": \"x\"}\n{\"id\": \"b\", \"text\": \"\xff\"}\n";
        let rows = read_jsonl(&data[..], "c.jsonl");
        assert_eq!(rows[0].as_ref().map(|r| r.doc_id.as_str()), Ok("a"));
        let reason = rows[1].as_ref().err().map(|r| r.reason.as_str());
        assert!(
            reason.is_some_and(|r| r.starts_with("bad JSON line")),
            "{reason:?}"
        );
    }

    #[test]
    fn csv_text_must_be_utf8_but_an_unread_column_need_not_be() {
        let data = b"id,html,text\na,\xff\xfe,B\xe1\xba\xaft 3 v\xe1\xbb\xa5.\nb,<p>,\xff\n";
        let rows = read_csv(&data[..], "c.csv");
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[0].as_ref().map(|r| r.doc_id.as_str()), Ok("a"));
        assert_eq!(
            rows[0].as_ref().map(|r| r.bytes.len()),
            Ok("Bắt 3 vụ.".len())
        );
        assert_eq!(
            rows[1]
                .as_ref()
                .err()
                .map(|r| (r.source.as_str(), r.reason.as_str())),
            Some(("c.csv:2", "bad CSV record: its `text` field is not UTF-8"))
        );
    }

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
            r.map(|r| &*r.bytes),
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
        read_records_with(&InputFile::new(path.to_path_buf(), format), limits)
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

    #[cfg(feature = "polars")]
    #[test]
    fn a_parquet_corpus_is_read_for_its_own_columns_only() {
        // Beside solieu's columns, the page's HTML and a counter no record has a use for.
        let tmp = tempfile::tempdir().unwrap();
        let mut df = polars::prelude::df!(
            "html" => ["<p>Bắt 5 vụ</p>"],
            "text" => ["Bắt 5 vụ"],
            "views" => [12i64],
            "doc_id" => ["a"],
            "province" => ["Huế"],
            "title" => ["Tin"],
            "date" => ["2024-01-05"],
            "url" => ["https://tin.example/a"],
        )
        .unwrap();
        let path = tmp.path().join("c.parquet");
        polars::prelude::ParquetWriter::new(File::create(&path).unwrap())
            .finish(&mut df)
            .unwrap();
        let rows = one(&path, InputFormatKey::Parquet, &ReadLimits::default());
        let r = match rows.as_slice() {
            [Ok(r)] => r,
            other => panic!("not one record: {other:?}"),
        };
        assert_eq!(r.doc_id, "a");
        assert_eq!(r.bytes.len(), "Bắt 5 vụ".len());
        assert_eq!(r.province.as_deref(), Some("Huế"));
        assert_eq!(r.title.as_deref(), Some("Tin"));
        assert_eq!(r.date.as_deref(), Some("2024-01-05"));
        assert_eq!(r.url.as_deref(), Some("https://tin.example/a"));
        assert_eq!(r.source, format!("{}:1", path.display()));
    }

    #[cfg(feature = "polars")]
    #[test]
    fn a_parquet_text_column_that_is_not_text_rejects_the_file() {
        // Every row must become a record or a reject: none may be lost without a word.
        let tmp = tempfile::tempdir().unwrap();
        let path = tmp.path().join("c.parquet");
        // A binary column of bytes that are no UTF-8 cannot be read as text.
        let text = <polars::prelude::Series as polars::prelude::NamedFrom<_, _>>::new(
            "text".into(),
            [&b"B\xe1\xba\xaft \xff"[..]],
        );
        let mut df = polars::prelude::df!("id" => ["a"]).unwrap();
        df.with_column(text.into()).unwrap();
        polars::prelude::ParquetWriter::new(File::create(&path).unwrap())
            .finish(&mut df)
            .unwrap();
        let rows = one(&path, InputFormatKey::Parquet, &ReadLimits::default());
        let reasons: Vec<&str> = rows
            .iter()
            .map(|r| r.as_ref().err().map_or("a record", |r| r.reason.as_str()))
            .collect();
        assert_eq!(reasons, ["Parquet file has no `text` column"]);
    }

    /// A Parquet corpus of `n` reports in row groups of `group` rows.
    #[cfg(feature = "polars")]
    fn parquet_corpus(path: &Path, n: usize, group: usize) {
        let ids: Vec<String> = (0..n).map(|i| format!("r{i}")).collect();
        let texts: Vec<String> = (0..n)
            .map(|i| format!("Bắt {i} vụ, {} đối tượng.", i % 7))
            .collect();
        let mut df = polars::prelude::df!("id" => ids, "text" => texts).unwrap();
        polars::prelude::ParquetWriter::new(File::create(path).unwrap())
            .with_row_group_size(Some(group))
            .finish(&mut df)
            .unwrap();
    }

    #[cfg(feature = "polars")]
    #[test]
    fn a_parquet_corpus_is_read_in_slices_in_order() {
        // Two row groups, the first longer than a slice: every row once, in order, numbered.
        let tmp = tempfile::tempdir().unwrap();
        let path = tmp.path().join("c.parquet");
        let n = PARQUET_SLICE_ROWS * 2 + 808;
        parquet_corpus(&path, n, PARQUET_SLICE_ROWS + 1904);
        let rows = one(&path, InputFormatKey::Parquet, &ReadLimits::default());
        assert_eq!(rows.len(), n);
        for (i, r) in rows.iter().enumerate() {
            let r = r.as_ref().unwrap_or_else(|e| panic!("row {i}: {e:?}"));
            assert_eq!(r.doc_id, format!("r{i}"));
            assert_eq!(r.source, format!("{}:{}", path.display(), i + 1));
        }
    }

    #[cfg(feature = "polars")]
    #[test]
    fn a_damaged_parquet_slice_is_one_reject_and_the_rest_is_read() {
        // Three row groups; bytes in the middle one overwritten, the footer intact.
        let tmp = tempfile::tempdir().unwrap();
        let path = tmp.path().join("c.parquet");
        parquet_corpus(&path, 3000, 1000);
        let mut bytes = std::fs::read(&path).unwrap();
        let (from, to) = (bytes.len() * 45 / 100, bytes.len() * 55 / 100);
        bytes[from..to].fill(0xff);
        std::fs::write(&path, &bytes).unwrap();
        let rows = one(&path, InputFormatKey::Parquet, &ReadLimits::default());
        let rejects: Vec<&Reject> = rows.iter().filter_map(|r| r.as_ref().err()).collect();
        let kept = rows.iter().filter(|r| r.is_ok()).count();
        assert_eq!(rejects.len(), 1, "{rejects:?}");
        assert_eq!(rejects[0].source, format!("{}:1001-2000", path.display()));
        assert!(
            rejects[0].reason.starts_with("corrupt Parquet"),
            "{rejects:?}"
        );
        assert_eq!(kept, 2000);
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

    #[test]
    fn an_unclosed_csv_quote_is_a_reject_not_a_swallowed_record() {
        // The quote opened in a's text closes inside b's line: b is folded into a.
        let rows = read_csv(
            "id,text\na,\"Bắt 5 vụ, chưa đóng\nb,\"Bắt 7 vụ\"\nc,Bắt 9 vụ\n".as_bytes(),
            "q.csv",
        );
        assert_eq!(rows.len(), 2, "{rows:?}");
        assert!(
            matches!(&rows[0], Err(r) if r.source == "q.csv:1" && r.reason.starts_with("bad CSV record: a quoted field goes on")),
            "{rows:?}"
        );
        assert!(matches!(&rows[1], Ok(r) if r.doc_id == "c"), "{rows:?}");
        // A quote still open when the file ends takes every record after it.
        let rows = read_csv(
            "id,text\na,Bắt 5 vụ\nb,\"Bắt 7 vụ\nc,Bắt 9 vụ\n".as_bytes(),
            "e.csv",
        );
        assert_eq!(rows.len(), 2, "{rows:?}");
        assert!(matches!(&rows[0], Ok(r) if r.doc_id == "a"), "{rows:?}");
        assert!(
            matches!(&rows[1], Err(r) if r.reason.contains("never closed")),
            "{rows:?}"
        );
        // Doubled quotes and separators inside quotes are fine.
        let rows = read_csv(
            "id,text\na,\"Dòng \"\"một\"\", hai\r\nba\"\r\nb,x\r\n".as_bytes(),
            "ok.csv",
        );
        assert!(rows.iter().all(Result::is_ok), "{rows:?}");
    }

    #[test]
    fn a_jsonl_line_too_long_for_any_record_is_a_reject_and_reading_goes_on() {
        let limits = ReadLimits {
            max_document_bytes: 1000,
        };
        let huge = "x".repeat(usize::try_from(limits.max_line_bytes()).unwrap() + 10);
        let data =
            format!("{{\"id\":\"a\",\"text\":\"{huge}\"}}\n{{\"id\":\"b\",\"text\":\"ngắn\"}}\n");
        let mut rows = Vec::new();
        jsonl_records(data.as_bytes(), "big.jsonl", &limits, &mut |r| rows.push(r));
        assert_eq!(rows.len(), 2);
        assert!(
            matches!(&rows[0], Err(r) if r.source == "big.jsonl:1" && r.reason.starts_with("too large: a line of")),
            "{:?}",
            rows[0].as_ref().err()
        );
        assert!(matches!(&rows[1], Ok(r) if r.doc_id == "b"));
        // Lines are cut where they end, whatever the reader's buffer holds.
        let mut line = Vec::new();
        let mut r = BufReader::with_capacity(3, &b"ab\n\ncdefg"[..]);
        let mut got = Vec::new();
        while let Some(n) = read_line_capped(&mut r, &mut line, 4).unwrap() {
            got.push((n, String::from_utf8_lossy(&line).into_owned()));
        }
        assert_eq!(
            got,
            [(2, "ab".into()), (0, String::new()), (5, "cdef".into())]
        );
    }

    #[test]
    fn compressed_inputs_are_read_as_what_they_hold() {
        use std::io::Write;
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path();
        let mut gz = flate2::write::GzEncoder::new(
            File::create(dir.join("r1.txt.gz")).unwrap(),
            flate2::Compression::default(),
        );
        gz.write_all("Bắt 5 vụ.".as_bytes()).unwrap();
        gz.finish().unwrap();
        let jsonl = "{\"id\":\"z1\",\"text\":\"Bắt 7 vụ.\"}\n";
        std::fs::write(
            dir.join("c.jsonl.zst"),
            zstd::encode_all(jsonl.as_bytes(), 0).unwrap(),
        )
        .unwrap();
        std::fs::write(dir.join("cut.txt.gz"), b"\x1f\x8b\x08\x00garbage").unwrap();
        let found = discover(&[dir.display().to_string()], InputFormat::Auto).unwrap();
        let formats: Vec<_> = found.iter().map(|f| (f.format, f.compression)).collect();
        assert_eq!(
            formats,
            [
                (InputFormatKey::Jsonl, Some(Compression::Zstd)),
                (InputFormatKey::Text, Some(Compression::Gzip)),
                (InputFormatKey::Text, Some(Compression::Gzip)),
            ]
        );
        let read: Vec<_> = found.iter().flat_map(read_records).collect();
        assert!(
            matches!(&read[0], Ok(r) if r.doc_id == "z1" && &*r.bytes == "Bắt 7 vụ.".as_bytes())
        );
        assert!(
            matches!(&read[1], Err(r) if r.reason.starts_with("unreadable: corrupt gzip data")),
            "{:?}",
            read[1]
        );
        assert!(
            matches!(&read[2], Ok(r) if r.doc_id == "r1" && &*r.bytes == "Bắt 5 vụ.".as_bytes())
        );
        // The size limit holds for what the file unpacks to.
        let limits = ReadLimits {
            max_document_bytes: 4,
        };
        let small = read_records_with(&found[2], &limits);
        assert!(matches!(&small[..], [Err(r)] if r.reason.starts_with("too large")));
    }

    #[test]
    fn a_hashed_reading_gives_the_digest_of_the_file_as_it_lies_on_disk() {
        use std::io::Write;
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path();
        // A bad line is a reject, and the lines after it are still read.
        let jsonl = "{\"id\":\"a\",\"text\":\"Bắt 7 vụ.\"}\nnot json\n{\"id\":\"b\",\"text\":\"Thu 2 kg.\"}\n";
        std::fs::write(dir.join("c.jsonl"), jsonl).unwrap();
        std::fs::write(dir.join("r.txt"), "Khởi tố 12 bị can.").unwrap();
        std::fs::write(
            dir.join("s.jsonl.zst"),
            zstd::encode_all(jsonl.as_bytes(), 0).unwrap(),
        )
        .unwrap();
        let mut utf16 = vec![0xff, 0xfe];
        utf16.extend("{}".encode_utf16().flat_map(u16::to_le_bytes));
        std::fs::write(dir.join("w.jsonl"), utf16).unwrap();
        let mut gz = flate2::write::GzEncoder::new(
            File::create(dir.join("z.txt.gz")).unwrap(),
            flate2::Compression::default(),
        );
        gz.write_all("Bắt 5 vụ.".as_bytes()).unwrap();
        gz.finish().unwrap();
        let found = discover(&[dir.display().to_string()], InputFormat::Auto).unwrap();
        let hashed = |f: &InputFile, limits: &ReadLimits| {
            let mut records = 0;
            let d = visit_records_hashed(f, limits, &mut |_| records += 1);
            (d, records)
        };
        let of_file = |name: &str| Some(digest_of(&std::fs::read(dir.join(name)).unwrap()));
        let limits = ReadLimits::default();
        let names: Vec<_> = found.iter().map(|f| f.name()).collect();
        assert!(
            names[0].ends_with("c.jsonl") && names[4].ends_with("z.txt.gz"),
            "{names:?}"
        );
        assert_eq!(hashed(&found[0], &limits), (of_file("c.jsonl"), 3));
        assert_eq!(hashed(&found[1], &limits), (of_file("r.txt"), 1));
        // A compressed file's digest is of its compressed bytes: what the next run compares.
        assert_eq!(hashed(&found[2], &limits), (of_file("s.jsonl.zst"), 3));
        assert_eq!(hashed(&found[4], &limits), (of_file("z.txt.gz"), 1));
        // Refused before its end was read: the rest is read for the digest, which is then of
        // the bytes the reject came from.
        assert_eq!(
            hashed(&found[3], &limits),
            (of_file("w.jsonl"), 1),
            "UTF-16"
        );
        let small = ReadLimits {
            max_document_bytes: 4,
        };
        assert_eq!(
            hashed(&found[1], &small),
            (of_file("r.txt"), 1),
            "too large"
        );
    }

    #[test]
    fn a_file_written_to_while_it_is_read_gives_no_digest() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path();
        let long = "Bắt 5 vụ, thu 3 kg ma túy. ".repeat(8);
        std::fs::write(dir.join("a.txt"), &long).unwrap();
        let jsonl = "{\"id\":\"a\",\"text\":\"Bắt 7 vụ.\"}\n".repeat(3);
        std::fs::write(dir.join("b.jsonl"), &jsonl).unwrap();
        let found = discover(&[dir.display().to_string()], InputFormat::Auto).unwrap();
        // Each rewritten in place (the same file, as `>` or `cp` onto it writes) as soon as
        // its first record or reject is out: an over-limit text's reject comes from its size,
        // before a byte of it is read.
        let small = ReadLimits {
            max_document_bytes: 40,
        };
        for (f, limits, new) in [
            (&found[0], &small, "Khởi tố 2 bị can."),
            (&found[1], &ReadLimits::default(), "{}\n"),
        ] {
            let mut written = false;
            let digest = visit_records_hashed(f, limits, &mut |_| {
                if !written {
                    std::fs::write(&f.path, new).unwrap();
                    written = true;
                }
            });
            assert_eq!(digest, None, "{}", f.name());
            // Left alone, the same file gives its digest.
            assert!(visit_records_hashed(f, limits, &mut |_| {}).is_some());
        }
    }

    /// Gives `data`, then fails: a disk error in the middle of a file.
    struct FailsAfter<'a>(&'a [u8]);

    impl Read for FailsAfter<'_> {
        fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
            if self.0.is_empty() {
                return Err(std::io::Error::other("bad sector"));
            }
            let n = buf.len().min(self.0.len());
            buf[..n].copy_from_slice(&self.0[..n]);
            self.0 = &self.0[n..];
            Ok(n)
        }
    }

    /// The digest of `bytes`, made apart from [`HashingReader`].
    fn digest_of(bytes: &[u8]) -> FileDigest {
        FileDigest {
            size: bytes.len() as u64,
            sha256: format!("{:x}", Sha256::digest(bytes)),
        }
    }

    #[test]
    fn a_digest_stands_only_for_bytes_read_to_the_end() {
        let data = b"{\"id\":\"a\"}\n".repeat(5);
        // Read in part, then left: the rest is read for the digest.
        let mut r = HashingReader::new(&data[..], true);
        let mut head = [0u8; 7];
        r.read_exact(&mut head).unwrap();
        assert_eq!(r.digest(), Some(digest_of(&data)));
        // An error before the end: no digest, however much was read.
        let mut r = HashingReader::new(FailsAfter(&data), true);
        let mut all = Vec::new();
        assert!(r.read_to_end(&mut all).is_err());
        assert_eq!(all, data);
        assert_eq!(r.digest(), None);
        // Not asked to hash: no digest, and the end still reached.
        let mut r = HashingReader::new(&data[..], false);
        r.read_to_end(&mut all).unwrap();
        assert!(r.at_end);
        assert_eq!(r.digest(), None);
    }

    #[test]
    fn every_file_an_input_folder_holds_is_a_document_or_a_reject() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path();
        for name in ["a.txt", "notes.md", "b.jsonl", "c.parquet.gz"] {
            std::fs::write(dir.join(name), "Bắt 5 vụ").unwrap();
        }
        let input = [dir.display().to_string()];
        let reasons = |format| -> Vec<String> {
            discover(&input, format)
                .unwrap()
                .iter()
                .flat_map(read_records)
                .map(|r| match r {
                    Ok(r) => format!("doc {}", r.doc_id),
                    Err(r) => r.reason,
                })
                .collect()
        };
        let auto = reasons(InputFormat::Auto);
        assert_eq!(auto.len(), 4, "{auto:?}");
        assert_eq!(auto[0], "doc a");
        assert!(auto[1].starts_with("bad JSON line"), "{auto:?}");
        assert!(auto[2].starts_with("compressed Parquet"), "{auto:?}");
        assert!(auto[3].starts_with("not an input: `.md`"), "{auto:?}");
        let txt = reasons(InputFormat::Text);
        assert!(
            txt[1].starts_with("not read: a `.jsonl` file, and the input format is txt"),
            "{txt:?}"
        );
        assert_eq!(
            txt[3], "doc notes",
            "a txt run takes files without a known extension"
        );
    }

    #[cfg(unix)]
    #[test]
    fn a_symlink_out_of_an_input_folder_is_refused_unless_asked() {
        let tmp = tempfile::tempdir().unwrap();
        let (dir, outside) = (tmp.path().join("in"), tmp.path().join("secret.txt"));
        std::fs::create_dir_all(dir.join("sub")).unwrap();
        std::fs::write(&outside, "Bắt 5 vụ").unwrap();
        std::fs::write(dir.join("sub/a.txt"), "Bắt 6 vụ").unwrap();
        std::os::unix::fs::symlink(&outside, dir.join("leak.txt")).unwrap();
        std::os::unix::fs::symlink(tmp.path(), dir.join("up")).unwrap();
        std::os::unix::fs::symlink(dir.join("sub/a.txt"), dir.join("alias.txt")).unwrap();
        let input = [dir.display().to_string()];
        let found = discover(&input, InputFormat::Auto).unwrap();
        let refused: Vec<_> = found
            .iter()
            .filter(|f| f.format == InputFormatKey::Refused)
            .map(|f| f.path.file_name().unwrap().to_string_lossy().into_owned())
            .collect();
        assert_eq!(refused, ["leak.txt", "up"], "{found:?}");
        let why = reason(&read_records(&found[1]));
        assert!(why.starts_with("symlink leaves the input folder"), "{why}");
        assert_eq!(
            found.len(),
            4,
            "a link inside the folder is read: {found:?}"
        );
        let glob = [format!("{}/*.txt", dir.display())];
        let by_glob = discover(&glob, InputFormat::Auto).unwrap();
        assert!(by_glob.iter().any(|f| f.format == InputFormatKey::Refused));

        let follow = DiscoverOptions {
            follow_symlinks: true,
            ..DiscoverOptions::new(InputFormat::Auto)
        };
        let found = discover_with(&input, &follow).unwrap();
        assert!(
            found.iter().all(|f| f.format != InputFormatKey::Refused),
            "{found:?}"
        );
    }

    #[test]
    fn ids_and_titles_over_their_caps_are_rejects_not_cut() {
        let long_id = "i".repeat(MAX_ID_BYTES + 1);
        let long_title = "t".repeat(MAX_TITLE_BYTES + 1);
        let data = format!(
            "{{\"id\":\"{long_id}\",\"text\":\"x\"}}\n{{\"id\":\"b\",\"title\":\"{long_title}\",\"text\":\"x\"}}\n{{\"id\":\"{}\",\"text\":\"x\"}}\n",
            "i".repeat(MAX_ID_BYTES)
        );
        let rows = read_jsonl(data.as_bytes(), "c.jsonl");
        assert!(
            matches!(&rows[0], Err(r) if r.reason == format!("id too long: {} bytes, over the limit of {MAX_ID_BYTES}", MAX_ID_BYTES + 1))
        );
        assert!(matches!(&rows[1], Err(r) if r.reason.starts_with("title too long")));
        assert!(rows[2].is_ok(), "an id at the cap is kept");
    }
}
