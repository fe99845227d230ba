//! A run as a stream, so memory does not grow with the corpus. Three stages overlap, handing
//! batches on in order: a reader thread reads the inputs one at a time (a JSONL or CSV corpus
//! line by line) into batches of a few thousand documents, preparing each record's text when
//! the pool is small; the pool ingests a batch, each worker a chunk; the thread that started
//! the pool keys the batch's rows; a writer thread transforms it and writes it as Parquet row
//! groups and CSV rows, the state's rows beside. What outlives a batch: the `doc_id`s seen (a
//! duplicate is rejected across batches too), the points `deltas` needs, and nothing else.
//! Rows come out in input order, so the batches laid end to end are the rows of the whole.
//!
//! `--shard K/N` keeps the documents whose `doc_id` hashes to K (a reject, by its source), so
//! N machines can each run one shard and `solieu transform --merge` join their parts.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::str::FromStr;

use polars::prelude::{CsvReadOptions, CsvWriter, DataFrame, IdxCa, IdxSize, SerReader, SerWriter};
use rayon::prelude::*;
use solieu_ingest::{
    shard_key, visit_records, visit_records_hashed, FileDigest, IngestedDocument, InputFile,
    InputFormatKey, Lexicon, Prepared, ReadLimits, Record, Reject, Staged,
};
use solieu_sink::tables::{DELTAS, DOCUMENTS, MENTIONS, OBSERVATIONS, REJECTS};
use solieu_sink::{Format, ParquetRows, TableStream};
use solieu_transform::{deltas_of_points, Transformer};

use crate::error::{Context, Error, Result};
use crate::ingest::{Ingestor, INTERNAL_ERROR};
use crate::keyed::{
    append, combine_after, in_input_order, to_keyed_parts, InputPart, SeenIds, DOC_SEQ, INPUT,
    RECORD,
};
use crate::progress::Progress;
use crate::state::STATE_DIR;

/// Documents per batch, and text bytes: a batch is what memory holds at once. The
/// `SOLIEU_BATCH_DOCUMENTS` environment variable overrides the count (tests cut small batches;
/// a machine short of memory can too).
const BATCH_DOCS: usize = 4096;
const BATCH_BYTES: usize = 32 << 20;
/// Text bytes of the first batch, and under which a batch is never cut early at the end of
/// a run (see [`Batch::full`]).
const EDGE_BYTES: usize = 1 << 20;

fn batch_docs() -> usize {
    std::env::var("SOLIEU_BATCH_DOCUMENTS")
        .ok()
        .and_then(|v| v.parse().ok())
        .filter(|&n| n > 0)
        .unwrap_or(BATCH_DOCS)
}

/// One slice of the documents, for running one corpus on N machines (`--shard K/N`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shard {
    pub index: u64,
    pub count: u64,
}

impl FromStr for Shard {
    type Err = String;

    fn from_str(s: &str) -> Result<Shard, String> {
        let bad = || format!("--shard `{s}`: expected K/N with 0 <= K < N, such as 0/4");
        let (k, n) = s.split_once('/').ok_or_else(bad)?;
        let index: u64 = k.trim().parse().map_err(|_| bad())?;
        let count: u64 = n.trim().parse().map_err(|_| bad())?;
        if count == 0 || index >= count {
            return Err(bad());
        }
        Ok(Shard { index, count })
    }
}

impl std::fmt::Display for Shard {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", self.index, self.count)
    }
}

impl Shard {
    /// Whether a document (by its `doc_id`) or a reject (by its source) is this shard's. The
    /// hash is FNV-1a of the bytes ([`shard_key`]): the same on every machine and every run.
    pub fn holds(&self, key: &str) -> bool {
        shard_key(key) % self.count == self.index
    }
}

/// Rows of the last run's state read at once: a run of small reused inputs is served from one
/// read, and a slice of mentions stays a few megabytes.
const STATE_SLICE_ROWS: usize = 16_384;

/// One table of the last run's state, kept on disk: where each input's rows are, and the last
/// slice read (reads mostly go forward, input after input).
struct StateTable {
    rows: ParquetRows,
    /// Input → (first row, rows).
    ranges: HashMap<String, (usize, usize)>,
    slice: DataFrame,
    slice_start: usize,
    /// The column numbering each row's record: a large input is cut into chunks by it.
    record: &'static str,
}

impl StateTable {
    /// Indexes the table by reading its input column a slice at a time; rows of one input that
    /// are not together mean a state this version did not write, which the caller treats as no
    /// state.
    fn open(path: &Path, record: &'static str) -> Result<StateTable> {
        let rows = ParquetRows::open(path)?;
        let mut ranges: HashMap<String, (usize, usize)> = HashMap::new();
        let mut current: Option<String> = None;
        let mut start = 0;
        while start < rows.len() {
            let part = rows.read(start, STATE_SLICE_ROWS, Some(&[INPUT]))?;
            if part.height() == 0 {
                break;
            }
            for (k, input) in part.column(INPUT)?.str()?.iter().enumerate() {
                let input = input.context("state row without input")?;
                if current.as_deref() == Some(input) {
                    if let Some(r) = ranges.get_mut(input) {
                        r.1 += 1;
                    }
                    continue;
                }
                if ranges.contains_key(input) {
                    return Err(Error::Failed(format!(
                        "the state's rows of `{input}` are not together"
                    )));
                }
                ranges.insert(input.to_string(), (start + k, 1));
                current = Some(input.to_string());
            }
            start += part.height();
        }
        // No rows yet, but the columns: an input without rows in this table gets an empty frame.
        let slice = rows.read(0, 0, None)?;
        Ok(StateTable {
            rows,
            ranges,
            slice,
            slice_start: 0,
            record,
        })
    }

    fn range_of(&self, input: &str) -> (usize, usize) {
        self.ranges.get(input).copied().unwrap_or((0, 0))
    }

    /// Rows `start..start + len`, from the slice held when it has them.
    fn rows(&mut self, start: usize, len: usize) -> Result<DataFrame> {
        // No rows is the table's columns alone, wherever it is asked (an input with no
        // mentions has the range (0, 0)): reading a slice for it moved the held slice back to
        // the table's start, and the next input read its slice again, two reads per such input.
        if len == 0 {
            return Ok(self.slice.clear());
        }
        let held = self.slice_start..self.slice_start + self.slice.height();
        if start >= held.start && start + len <= held.end {
            return Ok(self.slice.slice((start - held.start) as i64, len));
        }
        if len >= STATE_SLICE_ROWS {
            return Ok(self.rows.read(start, len, None)?);
        }
        self.slice = self.rows.read(start, STATE_SLICE_ROWS, None)?;
        self.slice_start = start;
        Ok(self.slice.slice(0, len))
    }

    /// Rows from `start` (before `end`) while their record is at most `last`; all of them when
    /// `last` is `None`. An input's rows are in record order.
    fn rows_through(&mut self, start: usize, end: usize, last: Option<u32>) -> Result<DataFrame> {
        let Some(last) = last else {
            return self.rows(start, end - start);
        };
        let mut taken = self.rows(start, 0)?;
        let mut pos = start;
        while pos < end {
            let want = (end - pos).min(STATE_SLICE_ROWS);
            let part = self.rows(pos, want)?;
            let n = part
                .column(self.record)?
                .u32()?
                .iter()
                .take_while(|r| r.is_some_and(|r| r <= last))
                .count();
            taken.vstack_mut(&part.slice(0, n))?;
            pos += n;
            if n < want {
                break;
            }
        }
        Ok(taken)
    }
}

/// The previous run's ingest rows, found by input and read back in chunks: an incremental run
/// over a large corpus reuses millions of rows and holds only the batch it is writing.
pub struct Cached {
    tables: [StateTable; 3],
}

impl Cached {
    /// Opens the keyed tables of the state folder `dir`.
    pub fn open(dir: &Path) -> Result<Cached> {
        let table =
            |name: &str, record| StateTable::open(&dir.join(format!("{name}.parquet")), record);
        Ok(Cached {
            tables: [
                table(DOCUMENTS, RECORD)?,
                table(MENTIONS, DOC_SEQ)?,
                table(REJECTS, RECORD)?,
            ],
        })
    }

    /// The rows of an input (its [`Cached::ranges`]), at most `max_docs` documents at a time
    /// with their mentions and the rejects among their records, in record order. A read that
    /// fails is an [`Error::State`].
    fn for_each_chunk(
        &mut self,
        [(ds, dn), (ms, mn), (rs, rn)]: [(usize, usize); 3],
        max_docs: usize,
        mut chunk: impl FnMut(Staged) -> Result<()>,
    ) -> Result<()> {
        let unreadable = |e: Error| Error::State(e.to_string());
        let [docs, mentions, rejects] = &mut self.tables;
        let (mut d, mut m, mut r) = (0, ms, rs);
        loop {
            let take = (dn - d).min(max_docs.max(1));
            let documents = docs.rows(ds + d, take).map_err(unreadable)?;
            d += take;
            let last = if d < dn {
                let record = documents.column(RECORD).map_err(Error::from);
                record
                    .and_then(|c| Ok(c.u32()?.last()))
                    .map_err(unreadable)?
            } else {
                None
            };
            let mentions = mentions
                .rows_through(m, ms + mn, last)
                .map_err(unreadable)?;
            m += mentions.height();
            let rejects = rejects.rows_through(r, rs + rn, last).map_err(unreadable)?;
            r += rejects.height();
            chunk(Staged {
                documents,
                mentions,
                rejects,
            })?;
            if d >= dn {
                return Ok(());
            }
        }
    }
}

/// Where one input's rows are in each table of a [`Cached`] (documents, mentions, rejects):
/// the next row to take and the end of the input's range.
struct Cursor {
    next: [usize; 3],
    end: [usize; 3],
}

impl Cursor {
    fn done(&self) -> bool {
        self.next.iter().zip(&self.end).all(|(n, e)| n >= e)
    }
}

impl Cached {
    /// Where `input`'s rows are in each table (documents, mentions, rejects): first row and
    /// count, `(0, 0)` when it has none there.
    fn ranges(&self, input: &str) -> [(usize, usize); 3] {
        [0, 1, 2].map(|i| self.tables[i].range_of(input))
    }

    /// The rows of whole inputs, given by their [`Cached::ranges`], read with one read per
    /// stretch of them that lies together in a table (the state keeps inputs in the order the
    /// last run read them, and a rerun reads them in the same order): a folder of small files
    /// reused from the last run cost a read and three frames per file.
    fn rows_of(&mut self, inputs: &[[(usize, usize); 3]]) -> Result<Staged> {
        let unreadable = |e: Error| Error::State(e.to_string());
        let mut read = |t: usize| -> Result<DataFrame> {
            let table = &mut self.tables[t];
            let mut rows = table.rows(0, 0)?;
            let mut stretch: Option<(usize, usize)> = None;
            for &(start, len) in inputs.iter().map(|r| &r[t]).filter(|r| r.1 > 0) {
                stretch = match stretch {
                    Some((first, n)) if first + n == start => Some((first, n + len)),
                    Some((first, n)) => {
                        rows.vstack_mut(&table.rows(first, n)?)?;
                        Some((start, len))
                    }
                    None => Some((start, len)),
                };
            }
            if let Some((first, n)) = stretch {
                rows.vstack_mut(&table.rows(first, n)?)?;
            }
            Ok(rows)
        };
        Ok(Staged {
            documents: read(0).map_err(unreadable)?,
            mentions: read(1).map_err(unreadable)?,
            rejects: read(2).map_err(unreadable)?,
        })
    }

    /// A cursor at the first of `input`'s rows.
    fn cursor(&self, input: &str) -> Cursor {
        let ranges = self.ranges(input);
        Cursor {
            next: ranges.map(|(start, _)| start),
            end: ranges.map(|(start, len)| start + len),
        }
    }

    /// The cursor's rows whose record is at most `last` (with the mentions of those
    /// documents), the cursor moved past them.
    fn take_through(&mut self, c: &mut Cursor, last: u32) -> Result<Staged> {
        let [documents, mentions, rejects] = [0, 1, 2].map(|i| {
            let rows = self.tables[i].rows_through(c.next[i], c.end[i], Some(last));
            if let Ok(r) = &rows {
                c.next[i] += r.height();
            }
            rows
        });
        Ok(Staged {
            documents: documents?,
            mentions: mentions?,
            rejects: rejects?,
        })
    }
}

/// `transform --merge`: the state rows of the shard datasets `parts` (each part's keyed rows,
/// as [`Cached`]) combined in input order and written into the dataset folder `dir` as a
/// streamed run writes its batches. Each input's rows are taken from every part a window of
/// records at a time, so memory holds about a batch of documents whatever the number and size
/// of the parts.
pub fn merge_parts(
    lexicon: &Lexicon,
    parts: &mut [Cached],
    order: &[String],
    formats: &[Format],
    dir: &Path,
) -> Result<Totals> {
    let mut out = Outputs::new(dir, formats, false)?;
    // The lexicon is checked once for the whole merge, not once per window.
    let transformer = &Transformer::new(lexicon)?;
    let window = u32::try_from(batch_docs()).unwrap_or(u32::MAX);
    // Inputs in order, each once, and their rows from the parts.
    let mut batch: (Vec<String>, Vec<Staged>) = (Vec::new(), Vec::new());
    let mut docs = 0;
    // Outputs without state: a batch is only transformed and written.
    let write = |(inputs, cached): (Vec<String>, Vec<Staged>), out: &mut Outputs| {
        let fresh = to_keyed_parts(&[]).context("cannot build ingest tables")?;
        let batch = Ingested::new(inputs, fresh, cached)?;
        write_batch(transformer, batch, out, "cannot combine the parts")
    };
    for input in order {
        let mut cursors: Vec<Cursor> = parts.iter().map(|p| p.cursor(input)).collect();
        let mut last = window.saturating_sub(1);
        let mut taken_all = false;
        while cursors.iter().any(|c| !c.done()) {
            if taken_all {
                return Err(Error::Failed(format!(
                    "the parts' rows of `{input}` are not in record order"
                )));
            }
            for (part, c) in parts.iter_mut().zip(&mut cursors) {
                let rows = part.take_through(c, last)?;
                docs += rows.documents.height() + rows.rejects.height();
                batch.1.push(rows);
            }
            if batch.0.last() != Some(input) {
                batch.0.push(input.clone());
            }
            taken_all = last == u32::MAX;
            last = last.saturating_add(window);
            if docs >= window as usize {
                write(std::mem::take(&mut batch), &mut out)?;
                docs = 0;
            }
        }
    }
    // The last batch, and always one: a merge of empty parts still writes its tables.
    write(batch, &mut out)?;
    out.finish(None)
}

/// What a streamed run needs besides its inputs.
pub struct Stream<'a> {
    pub ingestor: &'a Ingestor<'a>,
    pub limits: &'a ReadLimits,
    pub shard: Option<Shard>,
    pub pool: &'a rayon::ThreadPool,
    pub formats: &'a [Format],
    pub progress: &'a dyn Progress,
}

/// Rows written to each table.
#[derive(Debug, Default, Clone, Copy)]
pub struct Totals {
    pub documents: usize,
    pub observations: usize,
    pub deltas: usize,
    pub rejects: usize,
    /// Rejects of documents extraction panicked on.
    pub internal_errors: usize,
}

/// The most pool threads for which the reader prepares each record as it reads it
/// ([`Ingestor::prepare`]: decoding, normalising, hashing). Preparing costs about a tenth of
/// a record's extraction, so the reader keeps up with this many workers with time to spare,
/// and a small pool is left extraction alone; a larger pool prepares on its workers, where the
/// work divides, so the one reader never bounds the run.
const READER_PREPARES_UP_TO: usize = 4;

/// A record as read: prepared already when the reader prepares ([`READER_PREPARES_UP_TO`]).
enum Incoming {
    Raw(Record),
    Prepared(Prepared),
}

/// A record as read, with its record number in its input.
type Numbered = (u32, Result<Incoming, Reject>);

/// Records of one input waiting in a batch, with their record numbers.
struct Part {
    input: String,
    records: Vec<Numbered>,
}

struct Batch {
    /// Most documents before the batch is flushed.
    max_docs: usize,
    /// Inputs in order, each once.
    inputs: Vec<String>,
    fresh: Vec<Part>,
    cached: Vec<Staged>,
    /// Reused inputs whose rows are still to be read from the state, each as its ranges in
    /// the state's tables (see [`Cached::rows_of`]).
    pending: Vec<[(usize, usize); 3]>,
    docs: usize,
    bytes: usize,
    /// Documents of the batches before this one, for the progress count.
    docs_before: usize,
    /// Batches before this one.
    index: usize,
}

impl Batch {
    fn new(max_docs: usize) -> Batch {
        Batch {
            max_docs,
            inputs: Vec::new(),
            fresh: Vec::new(),
            cached: Vec::new(),
            pending: Vec::new(),
            docs: 0,
            bytes: 0,
            docs_before: 0,
            index: 0,
        }
    }

    /// Whether the batch goes to the pool now. The first batch holds [`EDGE_BYTES`]: the pool
    /// waits while it is read, the first thing a run does. `left` is about the bytes of input
    /// still to be read, when known: near the end of a run a batch is cut once it holds as
    /// much as is left, so batches halve down to [`EDGE_BYTES`]; the writer's work on the last
    /// batch is what nothing overlaps. Batches are cut by the input alone, never by timing, so
    /// the output does not depend on the threads.
    fn full(&self, left: Option<u64>) -> bool {
        let first = self.index == 0 && self.bytes >= EDGE_BYTES;
        self.docs >= self.max_docs
            || self.bytes >= BATCH_BYTES
            || first
            || left.is_some_and(|left| self.bytes >= EDGE_BYTES && self.bytes as u64 >= left)
    }

    /// This batch, leaving an empty one of the same size in its place.
    fn take(&mut self) -> Batch {
        let mut next = Batch::new(self.max_docs);
        next.docs_before = self.docs_before + self.docs;
        next.index = self.index + 1;
        std::mem::replace(self, next)
    }

    fn enter(&mut self, input: &str) {
        if self.inputs.last().map(String::as_str) != Some(input) {
            self.inputs.push(input.to_string());
        }
    }
}

/// The tables a streamed run writes, and what it keeps for `deltas`.
struct Outputs {
    /// The dataset folder.
    dir: PathBuf,
    formats: Vec<Format>,
    documents: TableStream,
    observations: TableStream,
    rejects: TableStream,
    /// The keyed ingest rows, for a run that keeps its state.
    state: Option<[TableStream; 3]>,
    seen: SeenIds,
    /// The points `deltas` reads, spilled to disk by province as batches pass: a series never
    /// crosses provinces, so each province's file is worked apart from other provinces' at the
    /// end. Each file is numbered in the order its province came, and open only while a batch
    /// is appended; its rows are counted.
    points_dir: PathBuf,
    points: BTreeMap<String, (usize, usize)>,
    /// An empty frame with the points' columns: `deltas` of a run with no point at all, and
    /// the columns and types the spilled points are read back with.
    empty_points: Option<DataFrame>,
    internal_errors: usize,
}

/// A run's input files, with what it knows of each before reading: looked up once (a folder
/// of 60,000 reports would otherwise be `stat`ed once more by every step that asks).
pub struct Inputs<'a> {
    pub files: &'a [InputFile],
    /// Each file's name ([`InputFile::name`]).
    pub names: &'a [String],
    /// Each file's size on disk; 0 when it cannot be read.
    pub sizes: &'a [u64],
    /// The inputs whose rows the last run's state gives: not read.
    pub reuse: &'a HashSet<String>,
    /// The files to hash as they are read ([`visit_records_hashed`]).
    pub hash: &'a [bool],
}

/// Streams the inputs into the dataset folder `dir` (a [`solieu_sink::PendingDataset`]'s), the
/// rows of `reuse` inputs taken from `cached` instead of read. Writes the state's keyed rows
/// too; the caller writes the inputs table and the manifest. Gives the tables' totals and, for
/// each file that `hash` marks, the digest its reading made ([`read_batches`]).
pub fn stream_dataset(
    s: &Stream,
    inputs: &Inputs,
    cached: Option<&mut Cached>,
    dir: &Path,
) -> Result<(Totals, Vec<Option<FileDigest>>)> {
    let out = Outputs::new(dir, s.formats, true)?;
    // The lexicon is checked once per run, not per batch.
    let transformer = &Transformer::new(s.ingestor.lexicon)?;
    // Batches are ingested on the pool while the batch before is transformed and written on a
    // writer thread: that part is serial, and would otherwise leave the pool idle. The channel
    // holds no batch (a hand-over), so two batches are alive at most, in order.
    let (out, digests) = std::thread::scope(|scope| -> Result<_> {
        let (to_writer, batches) = std::sync::mpsc::sync_channel::<Ingested>(0);
        let writer = scope.spawn(move || -> Result<Outputs> {
            let mut out = out;
            for b in batches {
                write_batch(transformer, b, &mut out, "cannot build ingest tables")?;
            }
            Ok(out)
        });
        let read = read_batches(s, inputs, cached, &mut |b| {
            to_writer
                .send(b)
                .map_err(|_| Error::Failed("the writer stopped".into()))
        });
        drop(to_writer);
        // The writer's error first: it is why a send failed.
        let out = writer
            .join()
            .map_err(|_| Error::Failed("the writer thread panicked".into()))??;
        Ok((out, read?))
    })?;

    Ok((out.finish(Some(s.pool))?, digests))
}

impl Outputs {
    /// The tables of a dataset folder `dir`, and the state's keyed tables when `keep_state`.
    fn new(dir: &Path, formats: &[Format], keep_state: bool) -> Result<Outputs> {
        let state = if keep_state {
            let state_dir = dir.join(STATE_DIR);
            std::fs::create_dir_all(&state_dir)
                .with_context(|| format!("cannot create {}", state_dir.display()))?;
            Some([
                TableStream::scratch(&state_dir, DOCUMENTS),
                TableStream::scratch(&state_dir, MENTIONS),
                TableStream::scratch(&state_dir, REJECTS),
            ])
        } else {
            None
        };
        let points_dir = dir.join(".points");
        std::fs::create_dir_all(&points_dir)
            .with_context(|| format!("cannot create {}", points_dir.display()))?;
        Ok(Outputs {
            dir: dir.to_path_buf(),
            formats: formats.to_vec(),
            documents: TableStream::new(dir, DOCUMENTS, formats),
            observations: TableStream::new(dir, OBSERVATIONS, formats),
            rejects: TableStream::new(dir, REJECTS, formats),
            state,
            seen: SeenIds::default(),
            points_dir,
            points: BTreeMap::new(),
            empty_points: None,
            internal_errors: 0,
        })
    }

    /// Works `deltas` out of the spilled points (on `pool` when given) and closes every table.
    fn finish(self, pool: Option<&rayon::ThreadPool>) -> Result<Totals> {
        let Outputs {
            dir,
            formats,
            documents,
            observations,
            rejects,
            state,
            points_dir,
            points,
            empty_points,
            internal_errors,
            ..
        } = self;
        // The other tables' footers are written and synced while `deltas` is worked: neither
        // needs the other, and both come after the last batch, when nothing else runs.
        let (closed, deltas) = std::thread::scope(|scope| {
            let closed = scope.spawn(move || -> Result<[usize; 3]> {
                let rows = [
                    documents.finish()?,
                    observations.finish()?,
                    rejects.finish()?,
                ];
                for t in state.into_iter().flatten() {
                    t.finish()?;
                }
                Ok(rows)
            });
            let spilled = Spilled {
                dir: &points_dir,
                files: points,
                empty: empty_points.as_ref(),
            };
            let deltas = write_deltas(&dir, &formats, spilled, pool);
            (closed.join(), deltas)
        });
        let deltas = deltas?;
        let [documents, observations, rejects] =
            closed.map_err(|_| Error::Failed("closing the tables panicked".into()))??;
        Ok(Totals {
            documents,
            observations,
            deltas,
            rejects,
            internal_errors,
        })
    }
}

/// Writes staged tables, whole, into the dataset folder `dir` the way a streamed run writes a
/// batch: the `transform --merge` of shards and the `transform` stage, so `deltas` has one
/// path whichever command made the dataset.
pub fn write_staged(
    lexicon: &Lexicon,
    staged: Staged,
    formats: &[Format],
    dir: &Path,
) -> Result<Totals> {
    let mut out = Outputs::new(dir, formats, false)?;
    write_transformed(&Transformer::new(lexicon)?, staged, &mut out)?;
    out.finish(None)
}

/// Reads `files` a batch at a time (the rows of `reuse` inputs from `cached` instead), ingests
/// each batch in parallel on the pool and hands it to `deliver`, in input order. A streamed
/// run delivers to its writer thread, the `ingest` stage to its staged tables.
///
/// Three steps overlap, each a batch apart: the reader thread reads and parses batch k + 2
/// (done between the batches on the thread that waits for the pool, it left the workers
/// idle), the pool ingests batch k + 1, and this thread keys batch k's rows and waits for
/// `deliver` to take them. With the keying and the hand-over between two batches instead, a
/// 1-thread run's one worker sat idle for each (and keyed on the workers, it was a twelfth of
/// their time). The reader's channel holds no batch (a hand-over), so four batches are alive
/// at most, the writer's included.
///
/// Gives, for each file that `hash` marks, the digest of its bytes as the reader saw them (see
/// [`visit_records_hashed`]); `None` for the others, and for one whose digest it could not make.
pub fn read_batches(
    s: &Stream,
    inputs: &Inputs,
    cached: Option<&mut Cached>,
    deliver: &mut dyn FnMut(Ingested) -> Result<()>,
) -> Result<Vec<Option<FileDigest>>> {
    std::thread::scope(|scope| {
        let (to_pool, batches) = std::sync::mpsc::sync_channel::<Batch>(0);
        let reader = scope.spawn(move || read_into(s, inputs, cached, &to_pool));
        let mut rejects = 0;
        let mut ingested = Ok(());
        // The batch the pool finished last, still to be handed on.
        let mut waiting: Option<IngestedChunks> = None;
        for batch in batches.iter() {
            let mut done = None;
            let mut handed = Ok(());
            // The pool's work is spawned from this thread, which hands the batch before on
            // meanwhile and then waits for the pool, not taking any of its work.
            s.pool.in_place_scope(|pool| {
                pool.spawn(|_| done = Some(ingest_batch(s, batch)));
                if let Some(before) = waiting.take() {
                    handed = hand_over(s, before, &mut rejects, deliver);
                }
            });
            let next = handed.and_then(|()| {
                done.ok_or_else(|| Error::Failed("a batch was not ingested".into()))
            });
            match next {
                Ok(next) => waiting = Some(next),
                Err(e) => {
                    ingested = Err(e);
                    break;
                }
            }
        }
        if let (Ok(()), Some(last)) = (&ingested, waiting) {
            ingested = hand_over(s, last, &mut rejects, deliver);
        }
        // A reader still sending learns that nobody takes its batches, and stops.
        drop(batches);
        let read = reader
            .join()
            .map_err(|_| Error::Failed("the reader thread panicked".into()))?;
        // The pool's or the writer's error first: it is why the reader stopped.
        ingested?;
        read
    })
}

/// The reader of [`read_batches`]: the input files gathered into batches, each sent to the
/// pool.
fn read_into(
    s: &Stream,
    inputs: &Inputs,
    mut cached: Option<&mut Cached>,
    to_pool: &std::sync::mpsc::SyncSender<Batch>,
) -> Result<Vec<Option<FileDigest>>> {
    let Inputs {
        files,
        names,
        sizes,
        reuse,
        hash,
    } = *inputs;
    let mut digests = vec![None; files.len()];
    let mut batch = Batch::new(batch_docs());
    let mut failure: Option<Error> = None;
    // Bytes of the current input already told to the progress.
    let mut told = 0u64;
    // A small pool is left extraction alone; the reader has time to spare for the rest.
    let prepare_here = s.pool.current_num_threads() <= READER_PREPARES_UP_TO;
    // The bytes of the inputs after each one, when all of them are read as they lie on disk
    // (a compressed or Parquet file's size says little of its text, and a reused input is not
    // read): what [`Batch::full`] compares a batch with near the end of the run.
    let plain = |i: usize| {
        files[i].compression.is_none()
            && files[i].format != InputFormatKey::Parquet
            && !reuse.contains(&names[i])
    };
    let mut after: Vec<Option<u64>> = vec![Some(0); files.len()];
    for i in (0..files.len().saturating_sub(1)).rev() {
        after[i] = after[i + 1]
            .filter(|_| plain(i + 1))
            .map(|a| a + sizes[i + 1]);
    }
    for (i, file) in files.iter().enumerate() {
        let name = &names[i];
        let size = sizes[i];
        let after = after[i].filter(|_| plain(i));
        if reuse.contains(name) {
            if let Some(c) = cached.as_deref_mut() {
                let ranges = c.ranges(name);
                if ranges[0].1 <= batch.max_docs.max(1) {
                    // An input read in one chunk (every small file) waits in the batch, to be
                    // read with the reused inputs around it when the batch is shipped.
                    batch.docs += ranges[0].1 + ranges[2].1;
                    batch.enter(name);
                    batch.pending.push(ranges);
                } else {
                    // A larger one is read chunk by chunk, each chunk shipped as it fills a
                    // batch: what is pending is read first, so those batches hold none.
                    read_pending(&mut batch, c)?;
                    c.for_each_chunk(ranges, batch.max_docs, |rows| {
                        batch.docs += rows.documents.height() + rows.rejects.height();
                        batch.enter(name);
                        batch.cached.push(rows);
                        if batch.full(None) {
                            ship(&mut batch, None, to_pool)?;
                        }
                        Ok(())
                    })?;
                }
            }
        } else {
            let mut record = 0u32;
            let mut part = Part {
                input: name.clone(),
                records: Vec::new(),
            };
            batch.enter(name);
            let visit = match hash.get(i) {
                Some(true) => visit_records_hashed,
                _ => |f: &InputFile, l: &ReadLimits, v: &mut dyn FnMut(_)| {
                    visit_records(f, l, v);
                    None
                },
            };
            digests[i] = visit(file, s.limits, &mut |r| {
                let n = record;
                record += 1;
                if failure.is_some() {
                    return;
                }
                // A single large corpus moves the bar as it is read, not only at its end.
                if let Ok(rec) = &r {
                    let at = (told + record_bytes(rec)).min(size.saturating_sub(1));
                    if at > told {
                        s.progress.advance(at - told);
                        told = at;
                    }
                }
                let keep = s.shard.is_none_or(|sh| match &r {
                    Ok(rec) => sh.holds(&rec.doc_id),
                    Err(e) => sh.holds(&e.source),
                });
                if !keep {
                    return;
                }
                batch.bytes += r.as_ref().map_or(0, |rec| rec.bytes.len());
                batch.docs += 1;
                let r = r.and_then(|rec| {
                    if prepare_here {
                        s.ingestor.prepare(rec).map(Incoming::Prepared)
                    } else {
                        Ok(Incoming::Raw(rec))
                    }
                });
                part.records.push((n, r));
                let left = after.map(|a| a + size.saturating_sub(told));
                if batch.full(left) {
                    let rest = Part {
                        input: part.input.clone(),
                        records: Vec::new(),
                    };
                    batch.fresh.push(std::mem::replace(&mut part, rest));
                    if let Err(e) = ship(&mut batch, cached.as_deref_mut(), to_pool) {
                        failure = Some(e);
                    }
                    batch.enter(&part.input);
                }
            });
            batch.fresh.push(part);
        }
        if let Some(e) = failure.take() {
            return Err(e);
        }
        if batch.full(after) {
            ship(&mut batch, cached.as_deref_mut(), to_pool)?;
        }
        s.progress.advance(size.saturating_sub(told));
        told = 0;
    }
    // The last batch, and always one: an empty run still writes its tables with their columns.
    if !batch.inputs.is_empty() || batch.index == 0 {
        ship(&mut batch, cached, to_pool)?;
    }
    Ok(digests)
}

/// Sends the batch to the pool, its pending reused inputs read first (see [`read_pending`]),
/// and leaves the next, empty batch in its place.
fn ship(
    batch: &mut Batch,
    cached: Option<&mut Cached>,
    to_pool: &std::sync::mpsc::SyncSender<Batch>,
) -> Result<()> {
    match cached {
        Some(c) => read_pending(batch, c)?,
        None => debug_assert!(batch.pending.is_empty(), "a batch shipped unread"),
    }
    to_pool
        .send(batch.take())
        .map_err(|_| Error::Failed("the ingest stopped".into()))
}

/// Reads the rows of the batch's pending reused inputs (see [`Cached::rows_of`]) into it.
fn read_pending(batch: &mut Batch, cached: &mut Cached) -> Result<()> {
    if !batch.pending.is_empty() {
        let rows = cached.rows_of(&batch.pending)?;
        batch.pending.clear();
        batch.cached.push(rows);
    }
    Ok(())
}

/// About the bytes a record took in its file: its fields, and a little for the JSON keys or
/// CSV separators around them.
fn record_bytes(r: &Record) -> u64 {
    let fields = [&r.url, &r.title, &r.date, &r.province];
    let len = r.bytes.len()
        + r.doc_id.len()
        + fields
            .iter()
            .filter_map(|f| f.as_ref())
            .map(|f| f.len() + 12)
            .sum::<usize>()
        + 20;
    len as u64
}

/// Records ingested together by one worker: a slice of a batch small enough that the workers
/// share a batch evenly.
const CHUNK_DOCS: usize = 64;

/// A record's number in its input, and what ingesting it gave.
type Results = Vec<(u32, Result<IngestedDocument, Reject>)>;

/// One chunk of a batch after its worker: each piece's results, by the number of its input
/// among the batch's fresh inputs, and the warning lines of the documents extraction panicked
/// on.
struct Chunk {
    pieces: Vec<(usize, Results)>,
    panics: Vec<String>,
}

/// One batch ingested, on its way to the writer.
pub struct Ingested {
    inputs: Vec<String>,
    /// The batch's rows keyed by input, the cached ones among them, each input's rows together
    /// in input order: what the state keeps and what [`combine_after`] reads.
    pub keyed: Staged,
}

impl Ingested {
    /// A batch of `inputs` (in order, each once) from the keyed rows of its fresh records, in
    /// record order, and the rows of its `cached` inputs.
    fn new(inputs: Vec<String>, fresh: Staged, cached: Vec<Staged>) -> Result<Ingested> {
        let mut keyed = fresh;
        if !cached.is_empty() {
            for c in &cached {
                keyed = append(keyed, c).context("cannot reuse the last run's rows")?;
            }
            // The state keeps each input's rows together, in input order, for the next run to
            // find.
            keyed = in_input_order(keyed, &inputs).context("cannot reuse the last run's rows")?;
        }
        // One chunk per column: the writer then reads and writes contiguous arrays.
        for df in [
            &mut keyed.documents,
            &mut keyed.mentions,
            &mut keyed.rejects,
        ] {
            df.rechunk_mut_par();
        }
        Ok(Ingested { inputs, keyed })
    }
}

/// Ingests the records of one chunk. A chunk is pieces of one or more inputs (a folder of
/// `.txt` files gives one record per input). The rows are keyed later, a batch at once, by the
/// thread that hands the batch on: the pool then does extraction alone, and a 1-thread run's
/// one worker is not also building frames.
fn ingest_chunk(s: &Stream, pieces: &[(usize, &[Numbered])]) -> Chunk {
    let pieces: Vec<(usize, Results)> = pieces
        .iter()
        .map(|&(input, records)| {
            let results = records
                .iter()
                .map(|(n, r)| {
                    let result = r.as_ref().map_err(Clone::clone).and_then(|rec| match rec {
                        Incoming::Prepared(p) => s.ingestor.document(p),
                        Incoming::Raw(rec) => s.ingestor.document_and_text(rec).map(|(d, _)| d),
                    });
                    (*n, result)
                })
                .collect();
            (input, results)
        })
        .collect();
    let mut panics = Vec::new();
    for (_, r) in pieces.iter().flat_map(|(_, rs)| rs) {
        if let Err(r) = r {
            if r.reason.starts_with(INTERNAL_ERROR) {
                panics.push(format!("{}: {}", r.source, r.reason));
            }
        }
    }
    Chunk { pieces, panics }
}

/// A batch's fresh records cut into chunks of [`CHUNK_DOCS`], in order: an input's records may
/// span chunks, and a chunk may hold several inputs' records.
fn chunks_of(parts: &[Part]) -> Vec<Vec<(usize, &[Numbered])>> {
    let mut chunks: Vec<Vec<(usize, &[Numbered])>> = Vec::new();
    let mut room = 0;
    for (i, p) in parts.iter().enumerate() {
        let mut records = p.records.as_slice();
        while !records.is_empty() {
            if room == 0 {
                chunks.push(Vec::new());
                room = CHUNK_DOCS;
            }
            let (piece, rest) = records.split_at(room.min(records.len()));
            room -= piece.len();
            if let Some(chunk) = chunks.last_mut() {
                chunk.push((i, piece));
            }
            records = rest;
        }
    }
    chunks
}

/// Ingests a batch's fresh records on the pool (the caller's scope is on it), a chunk at a
/// time. The records are freed here, on the pool.
fn ingest_batch(s: &Stream, batch: Batch) -> IngestedChunks {
    let chunks = chunks_of(&batch.fresh);
    let done: Vec<Chunk> = chunks
        .par_iter()
        .map(|pieces| ingest_chunk(s, pieces))
        .collect();
    IngestedChunks {
        inputs: batch.inputs,
        fresh: batch.fresh.into_iter().map(|p| p.input).collect(),
        done,
        cached: batch.cached,
        docs: batch.docs_before + batch.docs,
    }
}

/// A batch as the pool leaves it: each chunk's results, not yet keyed.
struct IngestedChunks {
    inputs: Vec<String>,
    /// The inputs of the batch's fresh records, in order: what a [`Chunk`]'s pieces number.
    fresh: Vec<String>,
    done: Vec<Chunk>,
    cached: Vec<Staged>,
    /// Documents of this batch and every one before it, for the progress count.
    docs: usize,
}

/// Counts and tells a batch's rejects and panics, keys its chunks' rows and gives them to
/// `deliver`; `rejects` counts the run's rejects so far (duplicate ids aside, found later by
/// the writer) for the progress.
fn hand_over(
    s: &Stream,
    batch: IngestedChunks,
    rejects: &mut usize,
    deliver: &mut dyn FnMut(Ingested) -> Result<()>,
) -> Result<()> {
    let IngestedChunks {
        inputs,
        fresh,
        done,
        cached,
        docs,
    } = batch;
    let parts: Vec<InputPart> = (done.iter().flat_map(|c| &c.pieces))
        .map(|(i, results)| InputPart {
            input: &fresh[*i],
            results,
        })
        .collect();
    let keyed = to_keyed_parts(&parts).context("cannot build ingest tables")?;
    drop(parts);
    // Every reject, read now or reused, is a row of a `rejects` frame.
    *rejects += std::iter::once(&keyed)
        .chain(&cached)
        .map(|k| k.rejects.height())
        .sum::<usize>();
    s.progress.rejects(*rejects);
    s.progress.documents(docs);
    // A panic is one line per document, whatever the batch's size or the threads.
    for line in done.iter().flat_map(|c| &c.panics) {
        s.progress.warn(line);
    }
    // The documents are freed before the wait for the writer, not after it.
    drop(done);
    deliver(Ingested::new(inputs, keyed, cached)?)
}

/// Transforms and writes one ingested batch, and its keyed rows into the state when `out`
/// keeps one; `combining` says what failed when the batch's rows do not combine.
fn write_batch(
    transformer: &Transformer,
    batch: Ingested,
    out: &mut Outputs,
    combining: &str,
) -> Result<()> {
    let mut keyed = batch.keyed;
    let staged = combine_after(&keyed, &batch.inputs, &mut out.seen).context(combining)?;
    let Some(mut state) = out.state.take() else {
        return write_transformed(transformer, staged, out);
    };
    // The state's rows are written beside the transform, not before it: both are serial work
    // of the writer, which bounds a run once extraction is fast.
    let (kept, written) = std::thread::scope(|scope| {
        let kept = scope.spawn(move || -> Result<[TableStream; 3]> {
            state[0].write(&mut keyed.documents)?;
            state[1].write(&mut keyed.mentions)?;
            state[2].write(&mut keyed.rejects)?;
            Ok(state)
        });
        let written = write_transformed(transformer, staged, out);
        (kept.join(), written)
    });
    out.state = Some(kept.map_err(|_| Error::Failed("the state writer panicked".into()))??);
    written
}

/// Transforms staged rows and writes them, spilling what `deltas` needs.
fn write_transformed(transformer: &Transformer, staged: Staged, out: &mut Outputs) -> Result<()> {
    let mut data = transformer.batch(staged)?;
    out.internal_errors += data
        .rejects
        .column("reason")?
        .str()?
        .iter()
        .filter(|r| r.is_some_and(|r| r.starts_with(INTERNAL_ERROR)))
        .count();
    spill_points(&data.points, out)?;
    out.documents.write(&mut data.documents)?;
    out.observations.write(&mut data.observations)?;
    out.rejects.write(&mut data.rejects)?;
    Ok(())
}

/// Spills what `deltas` reads of a batch, each document's points with its province and dates
/// ([`solieu_transform::document_points`]), to one file per province.
fn spill_points(placed: &DataFrame, out: &mut Outputs) -> Result<()> {
    if out.empty_points.is_none() {
        out.empty_points = Some(placed.clear());
    }
    // Each province's rows, in order, from one pass over the column.
    let mut by_province: BTreeMap<&str, Vec<IdxSize>> = BTreeMap::new();
    for (row, name) in placed.column("province")?.str()?.iter().enumerate() {
        if let Some(name) = name {
            by_province.entry(name).or_default().push(row as IdxSize);
        }
    }
    for (name, rows) in by_province {
        let mut rows = placed.take(&IdxCa::from_vec("idx".into(), rows))?;
        let next = out.points.len();
        let (file, new) = match out.points.get_mut(name) {
            Some((i, n)) => {
                *n += rows.height();
                (*i, false)
            }
            None => {
                out.points.insert(name.to_string(), (next, rows.height()));
                (next, true)
            }
        };
        append_points(&points_file(&out.points_dir, file), &mut rows, new)?;
    }
    Ok(())
}

fn points_file(dir: &Path, i: usize) -> PathBuf {
    dir.join(format!("{i}.csv"))
}

/// Appends one batch's points of a province to its file, opened and closed again: one file
/// held open per province ran out of file handles ("Too many open files") on a corpus whose
/// metadata names thousands of provinces. CSV, not Parquet: a Parquet writer keeps metadata
/// for every row group it has written, and each province gets a small one per batch. Written
/// as they are (solieu reads them back), not neutralised for spreadsheets.
fn append_points(path: &Path, rows: &mut DataFrame, header: bool) -> Result<()> {
    let file = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
        .with_context(|| format!("cannot write {}", path.display()))?;
    let mut w = BufWriter::new(file);
    CsvWriter::new(&mut w)
        .include_header(header)
        .finish(rows)
        .with_context(|| format!("cannot write {}", path.display()))?;
    w.flush()
        .with_context(|| format!("cannot write {}", path.display()))
}

/// The points a run spilled for `deltas`: the folder, each province's file number and rows
/// (by province), and an empty frame with their columns.
struct Spilled<'a> {
    dir: &'a Path,
    files: BTreeMap<String, (usize, usize)>,
    empty: Option<&'a DataFrame>,
}

/// Points worked in one `deltas` query: neighbouring provinces are worked together up to this
/// many rows, since a query costs about a millisecond whatever its size and a run meets a few
/// dozen provinces; a larger province is worked alone, as before.
const DELTAS_GROUP_ROWS: usize = 50_000;

/// Works the spilled points into the `deltas` table of the dataset folder `dir`, neighbouring
/// provinces together (`deltas` sorts by province first, so the rows are those of one
/// province at a time); returns its rows. With a `pool`, a few groups are worked at once on it,
/// and written in order.
fn write_deltas(
    dir: &Path,
    formats: &[Format],
    spilled: Spilled,
    pool: Option<&rayon::ThreadPool>,
) -> Result<usize> {
    // Provinces in sorted order, each sorted within by `deltas`: the whole table's order.
    let mut table = TableStream::new(dir, DELTAS, formats);
    let schema = spilled.empty.map(|p| p.schema().clone());
    let deltas_of = |files: &Vec<usize>| -> Result<DataFrame> {
        let mut points: Option<DataFrame> = None;
        for &i in files {
            let path = points_file(spilled.dir, i);
            let read = CsvReadOptions::default()
                .with_has_header(true)
                .with_schema(schema.clone())
                .try_into_reader_with_file_path(Some(path.clone()))
                .and_then(|r| r.finish())
                .with_context(|| format!("cannot read back {}", path.display()))?;
            points = Some(match points {
                Some(mut p) => {
                    p.vstack_mut(&read)?;
                    p
                }
                None => read,
            });
        }
        let points = points.context("a group of no province")?;
        deltas_of_points(&points).context("cannot compute deltas")
    };
    let mut groups: Vec<Vec<usize>> = Vec::new();
    let mut group_rows = 0;
    for (file, rows) in spilled.files.into_values() {
        match groups.last_mut() {
            Some(g) if group_rows + rows <= DELTAS_GROUP_ROWS => g.push(file),
            _ => {
                groups.push(vec![file]);
                group_rows = 0;
            }
        }
        group_rows += rows;
    }
    // A window of groups at a time: memory holds a few groups' points, not all.
    let window = pool.map_or(1, |p| p.current_num_threads());
    for window in groups.chunks(window) {
        let worked: Vec<Result<DataFrame>> = match pool {
            Some(p) if window.len() > 1 => p.install(|| window.par_iter().map(deltas_of).collect()),
            _ => window.iter().map(deltas_of).collect(),
        };
        for d in worked {
            table.write(&mut d?)?;
        }
    }
    // No group at all: the table still goes out, with its columns.
    if groups.is_empty() {
        if let Some(points) = spilled.empty {
            let mut d = deltas_of_points(points).context("cannot compute deltas")?;
            table.write(&mut d)?;
        }
    }
    let rows = table.finish()?;
    std::fs::remove_dir_all(spilled.dir)
        .with_context(|| format!("cannot remove {}", spilled.dir.display()))?;
    Ok(rows)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chunks_gather_the_records_of_small_inputs_and_cut_large_ones() {
        let part = |input: &str, n: u32| Part {
            input: input.to_string(),
            records: (0..n)
                .map(|k| {
                    let reject = Reject {
                        source: input.to_string(),
                        reason: String::new(),
                    };
                    (k, Err(reject))
                })
                .collect(),
        };
        // A folder of one-record files: 200 inputs are four chunks, not 200.
        let files: Vec<Part> = (0..200).map(|i| part(&format!("f{i}.txt"), 1)).collect();
        let chunks = chunks_of(&files);
        let sizes: Vec<usize> = chunks
            .iter()
            .map(|c| c.iter().map(|(_, r)| r.len()).sum())
            .collect();
        assert_eq!(sizes, [64, 64, 64, 8]);
        let order: Vec<&str> = (chunks.iter().flatten())
            .map(|(input, _)| files[*input].input.as_str())
            .collect();
        let names: Vec<String> = (0..200).map(|i| format!("f{i}.txt")).collect();
        assert_eq!(order, names);
        // A corpus file is cut across chunks, and the next input fills the last one up.
        let corpus = [part("a.jsonl", 100), part("b.jsonl", 30)];
        let pieces: Vec<Vec<(&str, usize)>> = chunks_of(&corpus)
            .iter()
            .map(|c| {
                c.iter()
                    .map(|(i, r)| (corpus[*i].input.as_str(), r.len()))
                    .collect()
            })
            .collect();
        assert_eq!(
            pieces,
            [
                vec![("a.jsonl", 64)],
                vec![("a.jsonl", 36), ("b.jsonl", 28)],
                vec![("b.jsonl", 2)]
            ]
        );
    }

    #[test]
    fn the_first_batch_is_small_and_batches_halve_toward_the_end_of_the_input() {
        let mb = 1 << 20;
        let batch = |index, bytes| Batch {
            index,
            bytes,
            ..Batch::new(4096)
        };
        // The first batch goes at 1 MB, a later one only when full.
        assert!(batch(0, mb).full(None));
        assert!(!batch(1, mb).full(None));
        assert!(batch(1, BATCH_BYTES).full(None));
        // Near the end, a batch goes once it holds what is left, never under 1 MB.
        let left = 6 * mb as u64;
        assert!(!batch(3, 5 * mb).full(Some(left)));
        assert!(batch(3, 6 * mb).full(Some(left)));
        assert!(!batch(3, mb / 2).full(Some(0)));
        assert!(batch(3, mb).full(Some(0)));
    }

    #[test]
    fn a_shard_is_read_from_k_slash_n_and_splits_ids_evenly() {
        assert_eq!("1/4".parse::<Shard>(), Ok(Shard { index: 1, count: 4 }));
        for bad in ["4/4", "1", "a/b", "0/0", "-1/3"] {
            assert!(bad.parse::<Shard>().is_err(), "{bad}");
        }
        let shards: Vec<Shard> = (0..4).map(|k| Shard { index: k, count: 4 }).collect();
        let mut sizes = [0usize; 4];
        for i in 0..4000 {
            let id = format!("doc-{i}");
            let holders: Vec<_> = shards.iter().filter(|s| s.holds(&id)).collect();
            assert_eq!(holders.len(), 1, "every id in exactly one shard");
            sizes[holders[0].index as usize] += 1;
        }
        assert!(sizes.iter().all(|&n| (800..1200).contains(&n)), "{sizes:?}");
    }
}
