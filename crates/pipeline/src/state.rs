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
//! hashed on the next run.

use std::collections::HashMap;
use std::io::Read;
use std::path::Path;
use std::sync::OnceLock;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use polars::prelude::{Column, DataFrame};
use rayon::prelude::*;
use sha2::{Digest, Sha256};
use solieu_ingest::InputFile;
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

/// The inputs' keys, and how many were trusted from the state without being hashed.
pub struct Hashed {
    pub keys: Vec<Option<InputKey>>,
    pub trusted: usize,
}

/// Hashes every input (in parallel on the caller's pool), except those whose format, size and
/// modification time match `previous` (the last run's keys by input name): their key is the
/// last run's. `None` for one that cannot be read: it is never reused, so it is read again and
/// rejected again each run.
pub fn hash_inputs(files: &[InputFile], previous: Option<&HashMap<String, InputKey>>) -> Hashed {
    let now = SystemTime::now();
    let keys: Vec<(Option<InputKey>, bool)> = files
        .par_iter()
        .map(|f| {
            let Ok(meta) = std::fs::metadata(&f.path) else {
                return (None, false);
            };
            // Only regular files: opening a named pipe would wait for a writer forever.
            if !meta.is_file() {
                return (None, false);
            }
            let format = format!("{:?}", f.format).to_lowercase();
            let mtime = meta
                .modified()
                .ok()
                .filter(|t| now.duration_since(*t).is_ok_and(|age| age >= RACY))
                .and_then(|t| t.duration_since(UNIX_EPOCH).ok())
                .and_then(|d| i64::try_from(d.as_nanos()).ok());
            // The state keeps each input under its name (`InputFile::name`), which differs from
            // the path's display where the path is not UTF-8.
            if let Some(old) = previous.and_then(|p| p.get(&f.name())) {
                if mtime.is_some()
                    && old.mtime == mtime
                    && old.size == meta.len()
                    && old.format == format
                {
                    return (Some(old.clone()), true);
                }
            }
            (hash_file(f, format, mtime), false)
        })
        .collect();
    Hashed {
        trusted: keys.iter().filter(|(_, t)| *t).count(),
        keys: keys.into_iter().map(|(k, _)| k).collect(),
    }
}

fn hash_file(f: &InputFile, format: String, mtime: Option<i64>) -> Option<InputKey> {
    let mut file = std::fs::File::open(&f.path).ok()?;
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; 1 << 16];
    let mut size = 0u64;
    loop {
        let n = file.read(&mut buf).ok()?;
        if n == 0 {
            break;
        }
        size += n as u64;
        hasher.update(&buf[..n]);
    }
    Some(InputKey {
        format,
        size,
        sha256: format!("{:x}", hasher.finalize()),
        mtime,
    })
}

/// Starts hashing the program ([`build_id`]) on a thread of its own; [`config_fingerprint`]
/// waits for it, so a caller can do other work first.
pub fn hash_build_ahead() {
    // A thread that cannot start leaves the hash to the first caller.
    let _ = std::thread::Builder::new().spawn(|| {
        build_id();
    });
}

/// What identifies the running build: the sha256 of the program's own file. The version
/// string stays `0.1.0` across rebuilds, so a solieu rebuilt with new rules would otherwise
/// reuse the rows its old rules made from unchanged inputs. Read once per process; a program
/// that cannot read itself gets a fresh value each run, so its state is never reused.
fn build_id() -> &'static str {
    static ID: OnceLock<String> = OnceLock::new();
    ID.get_or_init(|| {
        let hashed = std::env::current_exe()
            .and_then(std::fs::File::open)
            .and_then(|mut exe| {
                let mut hasher = Sha256::new();
                std::io::copy(&mut exe, &mut hasher)?;
                Ok(format!("{:x}", hasher.finalize()))
            });
        hashed.unwrap_or_else(|e| {
            format!("unreadable build ({e}) {:?}", std::time::SystemTime::now())
        })
    })
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
