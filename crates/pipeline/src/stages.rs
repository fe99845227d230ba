//! The stages: `run` does ingest, transform and sink in one streamed pass; the stage commands
//! stage their output as Parquet in `<out>.stage/` so each can be rerun alone; `merge` joins
//! the datasets of `run --shard`.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::time::Instant;

use polars::prelude::DataFrame;
use solieu_ingest::{FileDigest, InputFile, Staged};
use solieu_sink::tables::{ALL, DELTAS, DOCUMENTS, MENTIONS, OBSERVATIONS, REJECTS, STAGED_INGEST};
use solieu_sink::{
    read_parquet, write_dataset, Format, Incremental, Manifest, PendingDataset, MANIFEST,
};
use solieu_transform::Dataset;

use crate::error::{config, Context, Error, Result};
use crate::ingest::Ingestor;
use crate::keyed::{append, combine};
use crate::plan::Plan;
use crate::progress::Progress;
use crate::state::{self, InputKey, Known};
use crate::stream::{self, read_batches, Cached, Inputs, Shard, Stream, Totals};

/// What a stage wrote, for its summary line.
#[derive(Debug, Clone)]
pub struct Summary {
    /// Rows per table, in the order the stage writes them.
    pub rows: Vec<(&'static str, usize)>,
    /// What an incremental run did with its inputs.
    pub incremental: Option<Incremental>,
    /// The folder written.
    pub dest: PathBuf,
    pub started: Instant,
    /// Documents extraction panicked on: each a reject, and a warning line as it happened.
    pub internal_errors: usize,
}

impl Summary {
    /// Rows of `table`, 0 when the stage wrote no such table.
    pub fn rows_of(&self, table: &str) -> usize {
        self.rows
            .iter()
            .find(|(t, _)| *t == table)
            .map_or(0, |(_, n)| *n)
    }
}

/// Each file's size on disk; 0 for one that cannot be read.
fn sizes_of(files: &[InputFile]) -> Vec<u64> {
    files
        .iter()
        .map(|f| std::fs::metadata(&f.path).map_or(0, |m| m.len()))
        .collect()
}

fn input_names(files: &[InputFile]) -> Vec<String> {
    files.iter().map(InputFile::name).collect()
}

/// Rows of the four SPEC tables, counted in the order of [`ALL`].
fn table_rows(counts: [usize; 4]) -> Vec<(&'static str, usize)> {
    ALL.into_iter().zip(counts).collect()
}

fn dataset_rows(data: &Dataset) -> Vec<(&'static str, usize)> {
    table_rows([
        data.documents.height(),
        data.observations.height(),
        data.deltas.height(),
        data.rejects.height(),
    ])
}

fn manifest(
    plan: &Plan,
    inputs: &[String],
    formats: &[Format],
    rows: &[(&str, usize)],
    started: Instant,
) -> Manifest {
    Manifest {
        dataset_format: solieu_sink::DATASET_FORMAT,
        pipeline: plan.name.clone(),
        solieu_version: env!("CARGO_PKG_VERSION").into(),
        inputs: inputs.to_vec(),
        formats: formats.to_vec(),
        rows: rows.iter().map(|(t, n)| (t.to_string(), *n)).collect(),
        seconds: seconds_since(started),
        incremental: None,
        shard: None,
    }
}

/// A manifest's `seconds`: to the millisecond.
fn seconds_since(started: Instant) -> f64 {
    (started.elapsed().as_secs_f64() * 1000.0).round() / 1000.0
}

fn tables(data: &mut Dataset) -> [(&str, &mut DataFrame); 4] {
    [
        (DOCUMENTS, &mut data.documents),
        (OBSERVATIONS, &mut data.observations),
        (DELTAS, &mut data.deltas),
        (REJECTS, &mut data.rejects),
    ]
}

/// Writes a whole dataset at the plan's output, with its manifest.
fn write(plan: &Plan, inputs: &[String], mut data: Dataset, started: Instant) -> Result<Summary> {
    let rows = dataset_rows(&data);
    let m = manifest(plan, inputs, &plan.formats, &rows, started);
    write_dataset(&plan.out, &mut tables(&mut data), &plan.formats, Some(&m))
        .with_context(|| format!("cannot write dataset {}", plan.out.display()))?;
    Ok(Summary {
        rows,
        incremental: None,
        dest: plan.out.clone(),
        started,
        internal_errors: 0,
    })
}

/// The inputs to read again and those whose rows the last run's state gives, with what the
/// manifest says of it.
struct Reuse {
    reuse: HashSet<String>,
    cached: Option<Cached>,
    inc: Incremental,
}

/// Decides which inputs an incremental run reads: those whose path, format, size and sha256
/// match the last run's state are reused.
fn plan_reuse(
    order: &[String],
    keys: &[Known],
    previous: &std::result::Result<state::Previous, String>,
) -> (HashSet<String>, Incremental) {
    let mut reuse: HashSet<String> = HashSet::new();
    let mut processed = 0;
    for (name, key) in order.iter().zip(keys) {
        let same = previous
            .as_ref()
            .ok()
            .and_then(|p| p.inputs.get(name))
            .zip(key.key())
            .is_some_and(|(old, new)| old.same_content(new));
        if same {
            reuse.insert(name.clone());
        } else {
            processed += 1;
        }
    }
    let removed = previous.as_ref().map_or(0, |prev| {
        let current: HashSet<&String> = order.iter().collect();
        prev.inputs.keys().filter(|k| !current.contains(k)).count()
    });
    let inc = Incremental {
        processed,
        reused: reuse.len(),
        removed,
        full_refresh: previous.as_ref().err().cloned(),
        ..Incremental::default()
    };
    (reuse, inc)
}

/// Opens the last run's keyed rows for the inputs to reuse.
fn open_cached(
    plan: &Plan,
    order: &[String],
    (mut reuse, mut inc): (HashSet<String>, Incremental),
    progress: &dyn Progress,
) -> Reuse {
    if inc.full_refresh.is_some() {
        return Reuse {
            reuse,
            cached: None,
            inc,
        };
    }
    let cached = match Cached::open(&plan.out.join(state::STATE_DIR)) {
        Ok(c) => Some(c),
        Err(e) => {
            // A state that cannot be read back: read those inputs too rather than fail
            // the night. (`{e}`: a Parquet error already ends with its cause.)
            progress.warn(&format!(
                "cannot reuse the last run's rows ({e}); reading every input"
            ));
            reuse.clear();
            inc.processed = order.len();
            inc.reused = 0;
            inc.full_refresh = Some(format!("the state is unreadable ({e})"));
            None
        }
    };
    Reuse { reuse, cached, inc }
}

/// The dataset's manifest, when nothing the tables depend on changed since it was written:
/// every input reused, none removed, the same inputs in the same order, formats and shard,
/// every table file there and the state's footers readable. The state's fingerprint already
/// vouched for the rest.
fn unchanged_manifest(plan: &Plan, order: &[String], inc: &Incremental) -> Option<Manifest> {
    if inc.full_refresh.is_some() || inc.processed > 0 || inc.removed > 0 {
        return None;
    }
    let m = solieu_sink::read_manifest(&plan.out)?;
    let same = m.inputs == order
        && m.formats == plan.formats
        && m.pipeline == plan.name
        && m.solieu_version == env!("CARGO_PKG_VERSION")
        && m.shard == plan.shard.map(|s| s.to_string())
        && ALL.iter().all(|t| {
            plan.formats
                .iter()
                .all(|f| plan.out.join(format!("{t}.{}", f.extension())).is_file())
        })
        // A damaged state is rebuilt by a full run now rather than found on a later night.
        && STAGED_INGEST.iter().all(|t| {
            let path = plan.out.join(state::STATE_DIR).join(format!("{t}.parquet"));
            solieu_sink::ParquetRows::open(&path).is_ok()
        });
    same.then_some(m)
}

/// Says in the manifest that nothing changed, and keeps the inputs' new times; the tables are
/// not touched. Each file is replaced by one rename.
fn record_unchanged(
    plan: &Plan,
    mut m: Manifest,
    mut inc: Incremental,
    state_inputs: &[(String, InputKey)],
    previous: &state::Previous,
    started: Instant,
) -> Result<Summary> {
    let retimed = state_inputs
        .iter()
        .any(|(name, key)| previous.inputs.get(name) != Some(key));
    if retimed {
        state::refresh_inputs(&plan.out, state_inputs)?;
    }
    inc.unchanged = true;
    inc.checked_at = Some(solieu_sink::lock::utc_now());
    m.incremental = Some(inc);
    m.seconds = seconds_since(started);
    let path = plan.out.join(MANIFEST);
    let tmp = plan.out.join(format!("{MANIFEST}.tmp"));
    let json = serde_json::to_string_pretty(&m)
        .map_err(|e| Error::Failed(format!("cannot write {}: {e}", path.display())))?;
    std::fs::write(&tmp, json + "\n").with_context(|| format!("cannot write {}", tmp.display()))?;
    std::fs::rename(&tmp, &path).with_context(|| format!("cannot replace {}", path.display()))?;
    let rows = table_rows(ALL.map(|t| m.rows.get(t).copied().unwrap_or(0)));
    Ok(Summary {
        rows,
        incremental: m.incremental,
        dest: plan.out.clone(),
        started,
        internal_errors: 0,
    })
}

/// `run`: all stages in one streamed pass, incrementally. Inputs whose path, size and sha256
/// match the last run's state are not read again; their cached ingest rows are reused, and the
/// transform runs over everything, so the dataset is the one a full run would write. When no
/// input changed at all, the tables are left as they are.
pub fn run(plan: &Plan, progress: &dyn Progress) -> Result<Summary> {
    let started = Instant::now();
    let files = plan.files()?;
    let _lock = plan.lock(progress)?;
    let order = input_names(&files);
    let pool = plan.pool()?;
    let (previous, fingerprint) = if plan.full_refresh {
        // The fingerprint reads the program's build ID, or hashes the whole program when it
        // has none (about 0.07 s): a full refresh needs it only at the end, and has its inputs
        // read meanwhile.
        state::hash_build_ahead();
        (Err("--full-refresh".to_string()), None)
    } else {
        let fingerprint = plan.fingerprint()?;
        (state::load(&plan.out, &fingerprint), Some(fingerprint))
    };
    let hashed = pool
        .install(|| state::hash_inputs(&files, &order, previous.as_ref().ok().map(|p| &p.inputs)));
    let keys = hashed.keys;
    let (reuse, mut inc) = plan_reuse(&order, &keys, &previous);
    inc.trusted = hashed.trusted;
    if let (Some(m), Ok(prev)) = (unchanged_manifest(plan, &order, &inc), &previous) {
        let state_inputs = known_keys(&order, keys, &files, Vec::new());
        return record_unchanged(plan, m, inc, &state_inputs, prev, started);
    }
    let Reuse {
        reuse,
        mut cached,
        mut inc,
    } = open_cached(plan, &order, (reuse, inc), progress);

    // The inputs read in any case are hashed as they are read.
    let hash: Vec<bool> = keys.iter().map(|k| matches!(k, Known::Unread(_))).collect();
    let sizes: Vec<u64> = keys.iter().map(Known::size).collect();
    progress.start(sizes.iter().sum());
    let mut pending = PendingDataset::create(&plan.out)?;
    let ingestor = Ingestor::new(&plan.lexicon, &plan.defaults);
    let stream = Stream {
        ingestor: &ingestor,
        limits: &plan.limits,
        shard: plan.shard,
        pool: &pool,
        formats: &plan.formats,
        progress,
    };
    let inputs = |reuse| Inputs {
        files: &files,
        names: &order,
        sizes: &sizes,
        reuse,
        hash: &hash,
    };
    let mut streamed =
        stream::stream_dataset(&stream, &inputs(&reuse), cached.as_mut(), pending.path());
    if let Err(Error::State(why)) = &streamed {
        // Damage found inside the state while reusing it: the night's run is done in full,
        // and its new state replaces the damaged one.
        progress.warn(&format!(
            "cannot reuse the last run's rows ({why}); reading every input"
        ));
        inc = Incremental {
            processed: order.len(),
            reused: 0,
            full_refresh: Some(format!("the state is unreadable ({why})")),
            ..inc
        };
        drop(pending);
        pending = PendingDataset::create(&plan.out)?;
        streamed = stream::stream_dataset(&stream, &inputs(&HashSet::new()), None, pending.path());
    }
    let (totals, digests) =
        streamed.with_context(|| format!("cannot write dataset {}", plan.out.display()))?;
    progress.finish();
    let state_inputs = pool.install(|| known_keys(&order, keys, &files, digests));
    let fingerprint = match fingerprint {
        Some(f) => f,
        None => plan.fingerprint()?,
    };
    state::write_inputs(pending.path(), &fingerprint, &state_inputs)?;
    let rows = totals_rows(&totals);
    let mut m = manifest(plan, &order, &plan.formats, &rows, started);
    m.incremental = Some(inc);
    m.shard = plan.shard.map(|s| s.to_string());
    plan.check_shrink(totals.documents)?;
    pending.write_manifest(&m)?;
    pending.commit()?;
    Ok(Summary {
        rows,
        incremental: m.incremental,
        dest: plan.out.clone(),
        started,
        internal_errors: totals.internal_errors,
    })
}

/// Each input's key for the state, by name: known before the run, or made from what the run
/// read (`digests`, by file; see [`Known::Unread`]), in parallel on the caller's pool: an input
/// without a digest is hashed now. An unreadable input has none, so the next run reads it again.
fn known_keys(
    order: &[String],
    keys: Vec<Known>,
    files: &[InputFile],
    mut digests: Vec<Option<FileDigest>>,
) -> Vec<(String, InputKey)> {
    use rayon::prelude::*;
    digests.resize(keys.len(), None);
    keys.into_par_iter()
        .zip(digests)
        .zip(order.par_iter().zip(files))
        .filter_map(|((known, digest), (name, f))| {
            let key = match known {
                Known::Key(k) => k,
                Known::Unread(u) => u.key(f, digest)?,
                Known::Unreadable => return None,
            };
            Some((name.clone(), key))
        })
        .collect()
}

fn totals_rows(t: &Totals) -> Vec<(&'static str, usize)> {
    table_rows([t.documents, t.observations, t.deltas, t.rejects])
}

fn read_stage(dir: &Path, names: &[&str]) -> Result<Vec<DataFrame>> {
    names
        .iter()
        .map(|n| {
            let path = dir.join(format!("{n}.parquet"));
            if !path.exists() {
                return Err(config(format!(
                    "{} is missing: run the previous stage first",
                    path.display()
                )));
            }
            Ok(read_parquet(&path)?)
        })
        .collect()
}

/// Staged ingest tables (documents, mentions, rejects) from a folder of them.
fn read_staged(dir: &Path, incomplete: &str) -> Result<Staged> {
    let mut frames = read_stage(dir, &STAGED_INGEST)?.into_iter();
    let (Some(documents), Some(mentions), Some(rejects)) =
        (frames.next(), frames.next(), frames.next())
    else {
        return Err(Error::Failed(incomplete.into()));
    };
    Ok(Staged {
        documents,
        mentions,
        rejects,
    })
}

/// The `ingest` stage: inputs to staged mentions in `<out>.stage/ingest`. Reads as a streamed
/// run does, batch by batch, but keeps every row to stage them.
pub fn ingest_stage(plan: &Plan, progress: &dyn Progress) -> Result<Summary> {
    let started = Instant::now();
    let files = plan.files()?;
    let _lock = plan.lock(progress)?;
    let pool = plan.pool()?;
    let names = input_names(&files);
    let sizes = sizes_of(&files);
    progress.start(sizes.iter().sum());
    let ingestor = Ingestor::new(&plan.lexicon, &plan.defaults);
    let stream = Stream {
        ingestor: &ingestor,
        limits: &plan.limits,
        shard: None,
        pool: &pool,
        formats: &[Format::Parquet],
        progress,
    };
    let mut keyed: Option<Staged> = None;
    let inputs = Inputs {
        files: &files,
        names: &names,
        sizes: &sizes,
        reuse: &HashSet::new(),
        hash: &[],
    };
    read_batches(&stream, &inputs, None, &mut |batch| {
        let rows = batch.keyed;
        keyed = Some(match keyed.take() {
            Some(k) => append(k, &rows).context("cannot build ingest tables")?,
            None => rows,
        });
        Ok(())
    })?;
    progress.finish();
    let keyed = keyed.context("no batch was read")?;
    let mut staged = combine(&keyed, &names).context("cannot build ingest tables")?;
    let dir = plan.stage_dir("ingest");
    let rows = vec![
        (DOCUMENTS, staged.documents.height()),
        (MENTIONS, staged.mentions.height()),
        (REJECTS, staged.rejects.height()),
    ];
    let m = manifest(plan, &names, &[Format::Parquet], &rows, started);
    let mut tables = [
        (DOCUMENTS, &mut staged.documents),
        (MENTIONS, &mut staged.mentions),
        (REJECTS, &mut staged.rejects),
    ];
    write_dataset(&dir, &mut tables, &[Format::Parquet], Some(&m))?;
    Ok(Summary {
        rows,
        incremental: None,
        dest: dir,
        started,
        internal_errors: 0,
    })
}

/// `transform --merge PART...`: the datasets of `run --shard K/N` joined into the one dataset
/// a single run writes. Each part keeps its ingest rows keyed by input in its state folder,
/// and its manifest lists every input in order; the rows of all parts are combined in that
/// order (a `doc_id` lives in one shard only, so duplicates resolve as in one run) and
/// streamed through transform and write in batches, as a run's are, so memory stays bounded
/// and `deltas` spans the shards.
pub fn merge(plan: &Plan, parts: &[PathBuf], progress: &dyn Progress) -> Result<Summary> {
    let started = Instant::now();
    let _lock = plan.lock(progress)?;
    let mut order: Option<Vec<String>> = None;
    let mut cached = Vec::new();
    let mut shards = Vec::new();
    let manifests = check_parts(parts)?;
    for (part, m) in parts.iter().zip(manifests) {
        let inputs = m.inputs;
        shards.push(m.shard.unwrap_or_else(|| "none".into()));
        match &order {
            Some(o) if *o != inputs => {
                return Err(config(format!(
                    "{}: its inputs differ from {}'s: merge shards of one corpus",
                    part.display(),
                    parts[0].display()
                )))
            }
            Some(_) => {}
            None => order = Some(inputs),
        }
        let dir = part.join(state::STATE_DIR);
        if let Some(t) = STAGED_INGEST
            .iter()
            .find(|t| !dir.join(format!("{t}.parquet")).is_file())
        {
            return Err(config(format!(
                "{}: incomplete state ({t}.parquet is missing)",
                dir.display()
            )));
        }
        cached
            .push(Cached::open(&dir).with_context(|| format!("cannot merge {}", part.display()))?);
    }
    let Some(order) = order else {
        return Err(config("--merge needs at least one dataset"));
    };
    let mut sorted = shards.clone();
    sorted.sort();
    sorted.dedup();
    if sorted.len() != shards.len() {
        return Err(config(format!(
            "--merge: a shard is given twice ({})",
            shards.join(", ")
        )));
    }
    let pending = PendingDataset::create(&plan.out)?;
    let totals = stream::merge_parts(
        &plan.lexicon,
        &mut cached,
        &order,
        &plan.formats,
        pending.path(),
    )
    .with_context(|| format!("cannot write dataset {}", plan.out.display()))?;
    let rows = totals_rows(&totals);
    plan.check_shrink(totals.documents)?;
    pending.write_manifest(&manifest(plan, &order, &plan.formats, &rows, started))?;
    pending.commit()?;
    Ok(Summary {
        rows,
        incremental: None,
        dest: plan.out.clone(),
        started,
        internal_errors: totals.internal_errors,
    })
}

/// Refuses a set of parts that is not one whole run split in shards: a part not written by
/// `run --shard`, shards of different splits (`0/3` beside `1/4`), a missing shard (a failed
/// pod behind a `part-*` glob), or parts made from different inputs or input contents.
/// Returns the parts' manifests, in order.
fn check_parts(parts: &[PathBuf]) -> Result<Vec<Manifest>> {
    let mut split: Option<(u64, &Path)> = None;
    let mut have = HashSet::new();
    let mut inputs: Option<(HashMap<String, InputKey>, &Path)> = None;
    let mut manifests = Vec::with_capacity(parts.len());
    for part in parts {
        let Some(m) = solieu_sink::read_manifest(part) else {
            return Err(config(format!(
                "{}: not a dataset of `solieu run --shard` (no manifest that reads)",
                part.display()
            )));
        };
        let shard = m.shard.as_deref().map(str::parse::<Shard>);
        let Some(Ok(shard)) = shard else {
            return Err(config(format!(
                "{}: not a part of `solieu run --shard K/N` (its manifest names no shard)",
                part.display()
            )));
        };
        match split {
            Some((n, first)) if n != shard.count => {
                return Err(config(format!(
                    "{} is shard {shard} but {} is of {n} shards: merge the parts of one split",
                    part.display(),
                    first.display()
                )))
            }
            Some(_) => {}
            None => split = Some((shard.count, part)),
        }
        have.insert(shard.index);
        let keys = state::inputs_of(part)
            .map_err(|e| config(format!("{}: no readable state ({e})", part.display())))?;
        match &inputs {
            Some((first, name)) if *first != keys => {
                return Err(config(format!(
                    "{}: its inputs or their contents differ from {}'s: the inputs changed between the shard runs; run every shard again",
                    part.display(),
                    name.display()
                )))
            }
            Some(_) => {}
            None => inputs = Some((keys, part)),
        }
        manifests.push(m);
    }
    if let Some((n, _)) = split {
        let missing: Vec<String> = (0..n)
            .filter(|k| !have.contains(k))
            .map(|k| format!("{k}/{n}"))
            .collect();
        if !missing.is_empty() && have.len() == parts.len() {
            return Err(config(format!(
                "--merge: the parts are incomplete, shard {} missing: a merge of some shards would be a partial dataset",
                missing.join(", ")
            )));
        }
    }
    Ok(manifests)
}

/// The `transform` stage: staged mentions to staged SPEC tables in `<out>.stage/transform`.
pub fn transform_stage(plan: &Plan, progress: &dyn Progress) -> Result<Summary> {
    let started = Instant::now();
    let _lock = plan.lock(progress)?;
    let staged = read_staged(
        &plan.stage_dir("ingest"),
        "staged ingest output is incomplete",
    )?;
    let dir = plan.stage_dir("transform");
    let pending = PendingDataset::create(&dir)?;
    let totals = stream::write_staged(&plan.lexicon, staged, &[Format::Parquet], pending.path())?;
    pending.commit()?;
    let rows = totals_rows(&totals);
    Ok(Summary {
        rows,
        incremental: None,
        dest: dir,
        started,
        internal_errors: totals.internal_errors,
    })
}

/// The `sink` stage: staged SPEC tables to the dataset.
pub fn sink_stage(plan: &Plan, progress: &dyn Progress) -> Result<Summary> {
    let started = Instant::now();
    let _lock = plan.lock(progress)?;
    let mut frames = read_stage(&plan.stage_dir("transform"), &ALL)?.into_iter();
    let (Some(documents), Some(observations), Some(deltas), Some(rejects)) =
        (frames.next(), frames.next(), frames.next(), frames.next())
    else {
        return Err(Error::Failed(
            "staged transform output is incomplete".into(),
        ));
    };
    let data = Dataset {
        documents,
        observations,
        deltas,
        rejects,
    };
    // The inputs are those the ingest stage read, from its manifest.
    let inputs = solieu_sink::read_manifest(&plan.stage_dir("ingest"))
        .map(|m| m.inputs)
        .unwrap_or_default();
    write(plan, &inputs, data, started)
}

/// What `validate` found: the plan holds, and this many input files.
pub fn validate(plan: &Plan) -> Result<usize> {
    Ok(plan.files()?.len())
}
