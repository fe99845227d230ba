//! Incremental runs. The dataset keeps, in its `.state/` folder, each input's path, format,
//! size and sha256 (`inputs.parquet`) and that input's ingest rows keyed by input
//! (`documents`, `mentions`, `rejects`; keyed as the `keyed` module describes). The next
//! run reads again only inputs that are new or changed, reuses the rows of the others, drops
//! those of inputs that are gone, and transforms everything: the result is the full run's.
//! The state lives inside the dataset folder, so it is swapped in with the tables it produced
//! and can never describe another dataset.
//!
//! Hashing every input costs more than a rerun's other work on a folder of many small files,
//! so the state keeps each input's modification time too: an input whose size and time match
//! is trusted without being read. A time too close to the hashing is not kept (a file written
//! again within the file system's time resolution could keep its time), and such an input is
//! hashed on the next run. An input that is new or changed in size is read whatever its hash,
//! and is hashed as it is read: a night's new corpus is read from disk once.

use std::collections::HashMap;
use std::io::{Read, Seek};
use std::path::Path;
use std::sync::OnceLock;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use polars::prelude::{Column, DataFrame};
use rayon::prelude::*;
use sha2::{Digest, Sha256};
use solieu_ingest::{FileDigest, InputFile, InputFormatKey};
use solieu_sink::{read_parquet, write_parquet};

use crate::error::{Context, Result};

/// The state folder inside a dataset.
pub const STATE_DIR: &str = ".state";
/// Bumped when the cached rows change shape: an older state is then not reused.
const STATE_VERSION: u32 = 3;

/// What identifies one input's content, and the modification time that lets the next run
/// trust it without hashing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InputKey {
    pub format: String,
    pub size: u64,
    pub sha256: String,
    /// Nanoseconds since the epoch; `None` when unknown or too recent to be trusted.
    pub mtime: Option<i64>,
}

impl InputKey {
    /// Whether two keys name the same content (the time aside: a file touched but not
    /// changed is still the same input).
    pub fn same_content(&self, other: &InputKey) -> bool {
        self.format == other.format && self.size == other.size && self.sha256 == other.sha256
    }
}

/// A modification time this close to the check (or after it) is not trusted: coarse file
/// systems keep times in whole seconds, and some in two.
const RACY: Duration = Duration::from_secs(2);

/// What a run knows of an input before it reads anything (see [`hash_inputs`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Known {
    /// Its key, trusted from the last run by size and time, or hashed now.
    Key(InputKey),
    /// New, or changed in size or format since the last run: it is read whatever its hash, so
    /// its key is made as it is read (see [`Unread::key`]).
    Unread(Unread),
    /// It cannot be read: it is never reused, so it is read again and rejected again each run.
    Unreadable,
}

impl Known {
    /// The key, when it is known before the input is read.
    pub fn key(&self) -> Option<&InputKey> {
        match self {
            Known::Key(k) => Some(k),
            Known::Unread(_) | Known::Unreadable => None,
        }
    }

    /// The input's size on disk as the run found it; 0 when it cannot be read.
    pub fn size(&self) -> u64 {
        match self {
            Known::Key(k) => k.size,
            Known::Unread(u) => u.size,
            Known::Unreadable => 0,
        }
    }
}

/// An input's key before its hash, which the reading makes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unread {
    format: String,
    size: u64,
    /// The time the key keeps: `None` when too recent to be trusted (see [`RACY`]).
    mtime: Option<i64>,
    /// The time as the run found it, trusted or not: what tells a file changed since.
    seen: Option<i64>,
}

impl Unread {
    /// The input's key: from `digest`, what the reader saw of it. A file that changed size
    /// while it was read keeps no time, so the next run hashes it again.
    ///
    /// Without a digest (a file never opened, as one refused by its name, one whose end could
    /// not be read, or one written to while it was read) it is hashed now, after its rows were
    /// read: it keeps a key only when its size and time are still those seen before the run
    /// (trusted or not), or the next run could match its new bytes and reuse rows read from
    /// the old ones. Without a key it is read again next run.
    pub fn key(self, f: &InputFile, digest: Option<FileDigest>) -> Option<InputKey> {
        let Some(d) = digest else {
            let unchanged = || {
                let meta = std::fs::metadata(&f.path).ok();
                self.seen.is_some()
                    && meta.as_ref().map(|m| (m.len(), modified_nanos(m)))
                        == Some((self.size, self.seen))
            };
            if !unchanged() {
                return None;
            }
            let key = hash_file(f, self.format, self.mtime)?;
            return (key.size == self.size && unchanged()).then_some(key);
        };
        Some(InputKey {
            format: self.format,
            mtime: self.mtime.filter(|_| d.size == self.size),
            size: d.size,
            sha256: d.sha256,
        })
    }
}

/// A file's modification time in nanoseconds since the epoch, when the system gives one.
fn modified_nanos(meta: &std::fs::Metadata) -> Option<i64> {
    meta.modified()
        .ok()
        .and_then(|t| t.duration_since(UNIX_EPOCH).ok())
        .and_then(|d| i64::try_from(d.as_nanos()).ok())
}

/// The inputs' keys, and how many were trusted from the state without being hashed.
pub struct Hashed {
    pub keys: Vec<Known>,
    pub trusted: usize,
}

/// Hashes the inputs whose hash decides whether they are read (in parallel on the caller's
/// pool): those the last run read at the same size and format. One whose modification time
/// matches `previous` too (the last run's keys by input name) is trusted without hashing. The
/// others are read in any case, and hashed as they are read ([`Known::Unread`]): a night's new
/// corpus is read once, not twice.
///
/// `names` are the files' names (`InputFile::name`, in the same order), which the caller has
/// already made: a folder of 60,000 reports would otherwise make each again.
pub fn hash_inputs(
    files: &[InputFile],
    names: &[String],
    previous: Option<&HashMap<String, InputKey>>,
) -> Hashed {
    let now = SystemTime::now();
    let keys: Vec<(Known, bool)> = files
        .par_iter()
        .zip(names)
        .map(|(f, name)| {
            let Ok(meta) = std::fs::metadata(&f.path) else {
                return (Known::Unreadable, false);
            };
            // Only regular files: opening a named pipe would wait for a writer forever.
            if !meta.is_file() {
                return (Known::Unreadable, false);
            }
            let format = format!("{:?}", f.format).to_lowercase();
            let settled = meta
                .modified()
                .is_ok_and(|t| now.duration_since(t).is_ok_and(|age| age >= RACY));
            let mtime = modified_nanos(&meta).filter(|_| settled);
            // The state keeps each input under its name (`InputFile::name`), which differs from
            // the path's display where the path is not UTF-8.
            let old = previous
                .and_then(|p| p.get(name))
                .filter(|old| old.size == meta.len() && old.format == format);
            match old {
                Some(old) if mtime.is_some() && old.mtime == mtime => {
                    (Known::Key(old.clone()), true)
                }
                // Polars reads a Parquet file by seeking about it, so no reader sees its bytes
                // in order: it is hashed here, on the pool, with the others.
                None if f.format != InputFormatKey::Parquet => {
                    let unread = Unread {
                        format,
                        size: meta.len(),
                        mtime,
                        seen: modified_nanos(&meta),
                    };
                    (Known::Unread(unread), false)
                }
                _ => match hash_file(f, format, mtime) {
                    Some(key) => (Known::Key(key), false),
                    None => (Known::Unreadable, false),
                },
            }
        })
        .collect();
    Hashed {
        trusted: keys.iter().filter(|(_, t)| *t).count(),
        keys: keys.into_iter().map(|(k, _)| k).collect(),
    }
}

fn hash_file(f: &InputFile, format: String, mtime: Option<i64>) -> Option<InputKey> {
    let d = FileDigest::of(std::fs::File::open(&f.path).ok()?).ok()?;
    Some(InputKey {
        format,
        size: d.size,
        sha256: d.sha256,
        mtime,
    })
}

/// Starts reading the program's identity ([`build_id`]) on a thread of its own;
/// [`config_fingerprint`] waits for it, so a caller can do other work first.
pub fn hash_build_ahead() {
    // A thread that cannot start leaves the hash to the first caller.
    let _ = std::thread::Builder::new().spawn(|| {
        build_id();
    });
}

/// What identifies the running build. The version string stays `0.1.0` across rebuilds, so a
/// solieu rebuilt with new rules would otherwise reuse the rows its old rules made from
/// unchanged inputs. The linker's build ID (`NT_GNU_BUILD_ID`) when the program has one: the
/// linkers Rust uses on Linux (GNU ld, lld) write it as a hash of the linked program, so any
/// change to the program changes it; hashing the whole program instead reads about 100 MB,
/// 50–70 ms of CPU on every run, most of an unchanged rerun. (A program linked with a fixed
/// `--build-id=0x…`, or patched after linking, keeps its ID: build it with the linker's
/// default.) Otherwise the sha256 of the program's file. Read once per process; a program that
/// cannot read itself gets a fresh value each run, so its state is never reused.
fn build_id() -> &'static str {
    static ID: OnceLock<String> = OnceLock::new();
    ID.get_or_init(|| {
        let identified =
            std::env::current_exe().and_then(|exe| identify(&mut std::fs::File::open(exe)?));
        identified.unwrap_or_else(|e| {
            format!("unreadable build ({e}) {:?}", std::time::SystemTime::now())
        })
    })
}

/// A program's identity (see [`build_id`]): its build ID note, else the sha256 of its bytes.
fn identify(program: &mut (impl Read + Seek)) -> std::io::Result<String> {
    if let Some(id) = elf_build_id(program) {
        return Ok(format!("elf build id {}", hex(&id)));
    }
    // The notes were looked for: the hash starts again from the first byte.
    program.seek(std::io::SeekFrom::Start(0))?;
    Ok(FileDigest::of(program)?.sha256)
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The GNU build ID note of a 64-bit little-endian ELF program (what Linux builds on x86-64
/// and ARM64 are), found through its program headers; `None` for anything else or anything
/// that does not read as such a file, so the caller hashes the whole file instead.
fn elf_build_id(file: &mut (impl Read + Seek)) -> Option<Vec<u8>> {
    use std::io::SeekFrom;
    const PT_NOTE: u32 = 4;
    // Nothing in a sane header or note is larger: a damaged file is not read at length.
    const MOST: u64 = 1 << 16;
    let u16_at = |b: &[u8], at: u64| Some(u16::from_le_bytes(field(b, at)?));
    let u32_at = |b: &[u8], at: u64| Some(u32::from_le_bytes(field(b, at)?));
    let u64_at = |b: &[u8], at: u64| Some(u64::from_le_bytes(field(b, at)?));
    let mut read_at = |offset: u64, len: u64| -> Option<Vec<u8>> {
        if len > MOST {
            return None;
        }
        file.seek(SeekFrom::Start(offset)).ok()?;
        let mut buf = vec![0u8; usize::try_from(len).ok()?];
        file.read_exact(&mut buf).ok()?;
        Some(buf)
    };
    let header = read_at(0, 64)?;
    // ELF magic, 64-bit, little-endian.
    if header.get(..6)? != b"\x7fELF\x02\x01" {
        return None;
    }
    let (phoff, phentsize, phnum) = (
        u64_at(&header, 0x20)?,
        u16_at(&header, 0x36)?,
        u16_at(&header, 0x38)?,
    );
    if phentsize < 56 {
        return None;
    }
    let headers = read_at(phoff, u64::from(phentsize) * u64::from(phnum))?;
    // A note segment that does not read is passed over: the build ID may be in another.
    headers
        .chunks_exact(usize::from(phentsize))
        .filter(|ph| u32_at(ph, 0) == Some(PT_NOTE))
        .find_map(|ph| {
            let (offset, size, align) = (u64_at(ph, 8)?, u64_at(ph, 32)?, u64_at(ph, 48)?);
            build_id_note(&read_at(offset, size)?, align)
        })
}

/// The description of the GNU build ID note among `notes` (a note segment aligned to
/// `align`). Each note: name size, description size, type, then the name and the description,
/// each padded to the segment's alignment (4 or 8). Sizes are added as `u64`: a damaged size
/// ends the search, never overflows.
fn build_id_note(notes: &[u8], align: u64) -> Option<Vec<u8>> {
    const NT_GNU_BUILD_ID: u32 = 3;
    let word = |at: u64| Some(u64::from(u32::from_le_bytes(field(notes, at)?)));
    let a = if align == 8 { 8 } else { 4 };
    let pad = |n: u64| n.div_ceil(a) * a;
    let mut at = 0u64;
    while at + 12 <= notes.len() as u64 {
        let (namesz, descsz, kind) = (word(at)?, word(at + 4)?, word(at + 8)?);
        let name = span(notes, at + 12, namesz)?;
        let desc_at = at + 12 + pad(namesz);
        let desc = span(notes, desc_at, descsz)?;
        if kind == u64::from(NT_GNU_BUILD_ID) && name == b"GNU\0" && !desc.is_empty() {
            return Some(desc.to_vec());
        }
        at = desc_at + pad(descsz);
    }
    None
}

/// `bytes[from..from + len]`, `None` when any of it lies past the end (offsets from a file
/// are trusted for nothing).
fn span(bytes: &[u8], from: u64, len: u64) -> Option<&[u8]> {
    let from = usize::try_from(from).ok()?;
    bytes.get(from..from.checked_add(usize::try_from(len).ok()?)?)
}

/// The `N` bytes of `bytes` at `at`, for a little-endian number of that size.
fn field<const N: usize>(bytes: &[u8], at: u64) -> Option<[u8; N]> {
    span(bytes, at, N as u64)?.try_into().ok()
}

/// A hash of everything besides the inputs that shapes ingest rows: solieu's version and
/// build, the lexicon files, the document defaults and the size limit. A state made under
/// another one is not reused.
pub fn config_fingerprint(lexicon_dir: &Path, extra: &[String]) -> Result<String> {
    let mut hasher = Sha256::new();
    hasher.update(format!(
        "solieu {} build {} state {STATE_VERSION}\n",
        env!("CARGO_PKG_VERSION"),
        build_id()
    ));
    for e in extra {
        hasher.update(e.as_bytes());
        hasher.update(b"\n");
    }
    let mut files: Vec<_> = std::fs::read_dir(lexicon_dir)
        .with_context(|| format!("cannot list lexicon folder {}", lexicon_dir.display()))?
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.is_file())
        .collect();
    files.sort();
    for f in files {
        let bytes = std::fs::read(&f)
            .with_context(|| format!("cannot read lexicon file {}", f.display()))?;
        hasher.update(
            f.file_name()
                .map(|n| n.as_encoded_bytes())
                .unwrap_or_default(),
        );
        hasher.update((bytes.len() as u64).to_le_bytes());
        hasher.update(&bytes);
    }
    Ok(format!("{:x}", hasher.finalize()))
}

/// The last run's state: what each input was. Its keyed rows stay on disk, read back in
/// chunks by the stream's `Cached`.
pub struct Previous {
    pub inputs: HashMap<String, InputKey>,
}

/// Reads the state of the dataset at `out`, if it was made under `fingerprint`; otherwise
/// says why not (the reason goes into the manifest).
pub fn load(out: &Path, fingerprint: &str) -> Result<Previous, String> {
    let dir = out.join(STATE_DIR);
    let stamp = std::fs::read_to_string(dir.join("fingerprint"))
        .map_err(|_| "no state from an earlier run".to_string())?;
    if stamp.trim() != fingerprint {
        return Err("the lexicon, pipeline defaults or solieu build changed".into());
    }
    let read = |name: &str| {
        read_parquet(&dir.join(format!("{name}.parquet")))
            .map_err(|e| format!("the state is unreadable ({e})"))
    };
    let table = read("inputs")?;
    let inputs = inputs_from(&table).map_err(|e| format!("the state is unreadable ({e})"))?;
    Ok(Previous { inputs })
}

/// The inputs the state of the dataset at `out` was made from (path, format, size, sha256),
/// whatever its fingerprint: what a merge compares across shards.
pub fn inputs_of(out: &Path) -> Result<HashMap<String, InputKey>> {
    let path = out.join(STATE_DIR).join("inputs.parquet");
    let table = read_parquet(&path)?;
    inputs_from(&table).with_context(|| format!("cannot read {}", path.display()))
}

fn inputs_from(df: &DataFrame) -> polars::prelude::PolarsResult<HashMap<String, InputKey>> {
    let input = df.column("input")?.str()?;
    let format = df.column("format")?.str()?;
    let size = df.column("size")?.i64()?;
    let sha = df.column("sha256")?.str()?;
    // A state written before times were kept has no such column: every input is hashed.
    let mtime = match df.column("mtime") {
        Ok(c) => Some(c.i64()?),
        Err(_) => None,
    };
    let mut out = HashMap::new();
    for i in 0..df.height() {
        if let (Some(p), Some(f), Some(n), Some(h)) =
            (input.get(i), format.get(i), size.get(i), sha.get(i))
        {
            let key = InputKey {
                format: f.to_string(),
                size: u64::try_from(n).unwrap_or(u64::MAX),
                sha256: h.to_string(),
                mtime: mtime.and_then(|m| m.get(i)),
            };
            out.insert(p.to_string(), key);
        }
    }
    Ok(out)
}

/// Writes the inputs table and, last, the fingerprint that makes the state trusted; the keyed
/// tables are already in `dir`'s state folder (a streamed run writes them batch by batch).
pub fn write_inputs(dir: &Path, fingerprint: &str, inputs: &[(String, InputKey)]) -> Result<()> {
    let state = dir.join(STATE_DIR);
    std::fs::create_dir_all(&state)
        .with_context(|| format!("cannot create {}", state.display()))?;
    write_parquet(&mut inputs_table(inputs)?, &state.join("inputs.parquet"))?;
    // Written last: a state folder without it is never trusted.
    let stamp = state.join("fingerprint");
    std::fs::write(&stamp, format!("{fingerprint}\n"))
        .with_context(|| format!("cannot write {}", stamp.display()))?;
    Ok(())
}

/// Replaces the inputs table of the dataset at `out` in place, for a run that left the tables
/// untouched but hashed an input again (a file touched, its content the same): its new time
/// spares the next run that hash. One rename, so a reader sees the old table or the new one.
pub fn refresh_inputs(out: &Path, inputs: &[(String, InputKey)]) -> Result<()> {
    let state = out.join(STATE_DIR);
    let tmp = state.join("inputs.parquet.tmp");
    write_parquet(&mut inputs_table(inputs)?, &tmp)?;
    let path = state.join("inputs.parquet");
    std::fs::rename(&tmp, &path).with_context(|| format!("cannot replace {}", path.display()))?;
    Ok(())
}

fn inputs_table(inputs: &[(String, InputKey)]) -> Result<DataFrame> {
    Ok(DataFrame::new(
        inputs.len(),
        vec![
            Column::new(
                "input".into(),
                inputs.iter().map(|(p, _)| p.as_str()).collect::<Vec<_>>(),
            ),
            Column::new(
                "format".into(),
                inputs
                    .iter()
                    .map(|(_, k)| k.format.as_str())
                    .collect::<Vec<_>>(),
            ),
            Column::new(
                "size".into(),
                inputs
                    .iter()
                    .map(|(_, k)| i64::try_from(k.size).unwrap_or(i64::MAX))
                    .collect::<Vec<_>>(),
            ),
            Column::new(
                "sha256".into(),
                inputs
                    .iter()
                    .map(|(_, k)| k.sha256.as_str())
                    .collect::<Vec<_>>(),
            ),
            Column::new(
                "mtime".into(),
                inputs.iter().map(|(_, k)| k.mtime).collect::<Vec<_>>(),
            ),
        ],
    )?)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A file's key as a run sees it before reading: the pre-read half of [`hash_inputs`].
    fn unread(path: &Path) -> (InputFile, Unread) {
        let f = InputFile::new(path.to_path_buf(), InputFormatKey::Jsonl);
        let meta = std::fs::metadata(path).unwrap();
        let seen = Unread {
            format: "jsonl".into(),
            size: meta.len(),
            mtime: modified_nanos(&meta),
            seen: modified_nanos(&meta),
        };
        (f, seen)
    }

    fn digest_of(bytes: &[u8]) -> FileDigest {
        let Ok(digest) = FileDigest::of(bytes) else {
            panic!("bytes in memory hash");
        };
        digest
    }

    #[test]
    fn an_input_read_once_is_keyed_by_the_bytes_its_rows_came_from() {
        let tmp = tempfile::tempdir().unwrap();
        let path = tmp.path().join("a.jsonl");
        let (old, new) = (b"{\"id\":\"a\"}\n".to_vec(), b"{\"id\":\"b\"}\n\n".to_vec());
        std::fs::write(&path, &old).unwrap();
        let (f, seen) = unread(&path);
        // Replaced after it was read, before the state is written: the key is still the one
        // of the bytes read, and the size change drops the time, so the next run hashes it,
        // finds other bytes and reads it again.
        std::fs::write(&path, &new).unwrap();
        let key = seen.clone().key(&f, Some(digest_of(&old))).unwrap();
        assert_eq!(
            (key.size, key.sha256),
            (old.len() as u64, digest_of(&old).sha256)
        );
        let grown = Some(digest_of(&new));
        assert_eq!(seen.clone().key(&f, grown).unwrap().mtime, None);
        // With no digest (its end never read), hashing it now would key the new bytes to the
        // old rows: it keeps no key at all, and the next run reads it again.
        assert_eq!(seen.key(&f, None), None);
        // Unchanged since the run looked at it: hashed now, keyed as it is.
        let (f, seen) = unread(&path);
        let key = seen.clone().key(&f, None).unwrap();
        assert_eq!(
            (key.size, key.sha256),
            (new.len() as u64, digest_of(&new).sha256)
        );
        assert_eq!(key.mtime, seen.mtime);
        // A time too recent to trust (or in the future) still tells it unchanged: it keeps a
        // key without the time, so the next run hashes it and can reuse its rows.
        let recent = Unread {
            mtime: None,
            ..seen
        };
        let key = recent.key(&f, None).unwrap();
        assert_eq!((key.sha256, key.mtime), (digest_of(&new).sha256, None));
    }

    /// A note: its type, name and description.
    type Note<'a> = (u32, &'a [u8], &'a [u8]);

    /// A 64-bit little-endian ELF file of one `PT_NOTE` segment holding `notes`, each padded
    /// to 4 bytes as a note segment aligned to 4 is.
    fn elf_with_notes(notes: &[Note]) -> Vec<u8> {
        elf_with_segments(&[Some(notes)])
    }

    /// [`elf_with_notes`] with a `PT_NOTE` segment per item; `None` is one that points past
    /// the end of the file.
    fn elf_with_segments(segments: &[Option<&[Note]>]) -> Vec<u8> {
        let pad = |v: &mut Vec<u8>| v.resize(v.len().div_ceil(4) * 4, 0);
        let mut bodies = Vec::new();
        for notes in segments {
            let mut body = Vec::new();
            for &(kind, name, desc) in notes.unwrap_or_default() {
                for n in [name.len() as u32, desc.len() as u32, kind] {
                    body.extend(n.to_le_bytes());
                }
                body.extend(name);
                pad(&mut body);
                body.extend(desc);
                pad(&mut body);
            }
            bodies.push((notes.is_some(), body));
        }
        let mut file = vec![0u8; 64];
        file[..6].copy_from_slice(b"\x7fELF\x02\x01");
        file[0x20..0x28].copy_from_slice(&64u64.to_le_bytes()); // program headers at 64
        file[0x36..0x38].copy_from_slice(&56u16.to_le_bytes());
        file[0x38..0x3a].copy_from_slice(&(segments.len() as u16).to_le_bytes());
        let mut offset = 64 + 56 * segments.len() as u64;
        for (readable, body) in &bodies {
            let mut header = vec![0u8; 56];
            header[..4].copy_from_slice(&4u32.to_le_bytes()); // PT_NOTE
            let at = if *readable { offset } else { 1 << 40 };
            header[8..16].copy_from_slice(&at.to_le_bytes());
            header[32..40].copy_from_slice(&(body.len().max(12) as u64).to_le_bytes());
            header[48..56].copy_from_slice(&4u64.to_le_bytes());
            file.extend(header);
            offset += body.len() as u64;
        }
        for (_, body) in bodies {
            file.extend(body);
        }
        file
    }

    #[test]
    fn a_build_id_is_found_past_a_note_segment_that_does_not_read() {
        let id: &[u8] = &[1, 2, 3, 4];
        let file = elf_with_segments(&[None, Some(&[(3, b"GNU\0", id)])]);
        let read = elf_build_id(&mut std::io::Cursor::new(&file));
        assert_eq!(read.as_deref(), Some(id));
    }

    #[test]
    fn a_build_id_note_aligned_to_eight_is_read_past_its_padding() {
        // Name size 4 (padded to 8), then the description.
        let mut notes = Vec::new();
        for n in [4u32, 3, 3] {
            notes.extend(n.to_le_bytes());
        }
        notes.extend(b"GNU\0\0\0\0\0");
        notes.extend([0xaa, 0xbb, 0xcc, 0, 0, 0, 0, 0]);
        assert_eq!(build_id_note(&notes, 8), Some(vec![0xaa, 0xbb, 0xcc]));
        // Read as aligned to 4, the description would start at the name's padding.
        assert_eq!(build_id_note(&notes, 4), Some(vec![0, 0, 0]));
        // Sizes past the segment end the search.
        let mut huge = notes.clone();
        huge[..4].copy_from_slice(&u32::MAX.to_le_bytes());
        assert_eq!(build_id_note(&huge, 8), None);
    }

    #[test]
    fn a_program_is_known_by_its_linker_build_id_note() {
        let id: &[u8] = &[0xde, 0xad, 0xbe, 0xef, 1, 2, 3, 4, 5];
        let file = elf_with_notes(&[(1, b"GNU\0", &[3, 0, 0, 0]), (3, b"GNU\0", id)]);
        let read = elf_build_id(&mut std::io::Cursor::new(&file));
        assert_eq!(read.as_deref(), Some(id));
    }

    #[test]
    fn a_program_without_a_build_id_is_known_by_the_hash_of_all_its_bytes() {
        let script = b"#!/bin/sh\necho solieu\n";
        let id = identify(&mut std::io::Cursor::new(script));
        assert_eq!(id.ok(), Some(format!("{:x}", Sha256::digest(script))));
        let id: &[u8] = &[0xab, 0xcd];
        let program = elf_with_notes(&[(3, b"GNU\0", id)]);
        let id = identify(&mut std::io::Cursor::new(program));
        assert_eq!(id.ok().as_deref(), Some("elf build id abcd"));
    }

    #[test]
    fn a_program_without_a_build_id_note_is_known_by_nothing_it_cannot_read() {
        // Another note type, another vendor's note, a file cut short, and no ELF at all.
        let other = elf_with_notes(&[(1, b"GNU\0", &[3, 0, 0, 0])]);
        let vendor = elf_with_notes(&[(3, b"Go\0\0", &[9; 8])]);
        let mut cut = elf_with_notes(&[(3, b"GNU\0", &[7; 20])]);
        cut.truncate(cut.len() - 8);
        for file in [other, vendor, cut, b"#!/bin/sh\necho solieu\n".to_vec()] {
            assert_eq!(elf_build_id(&mut std::io::Cursor::new(&file)), None);
        }
    }
}
