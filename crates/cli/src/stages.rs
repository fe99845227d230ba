//! The stages as the CLI runs them: a plan from the pipeline file and flags, then ingest
//! (parallel over input files), transform and sink. `run` does all three in memory; the stage
//! commands stage their output as Parquet in `<out>.stage/` so each can be rerun alone.

use std::collections::HashSet;
use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::{Context, Result};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use rayon::prelude::*;
use solieu_ingest::frames::{append, combine, to_keyed_frames, InputResults, Staged};
use solieu_ingest::{
    discover, read_records_with, DocDefaults, Gazetteer, InputFile, InputFormat, Lexicon,
    ReadLimits, DEFAULT_MAX_DOCUMENT_BYTES,
};
use solieu_sink::lock::{describe, DatasetLock, LockError};
use solieu_sink::{
    clean_stale, read_parquet, write_dataset, Format, Incremental, Manifest, PendingDataset,
};
use solieu_transform::{transform, validate_lexicon, Dataset};

use crate::pipeline::Pipeline;
use crate::state::{self, InputKey};
use crate::stream::{self, ingest_guarded, Cached, Shard, Stream, Totals};
use crate::RunArgs;

/// A usage or configuration problem: the run never started (exit status 2).
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct ConfigError(pub String);

fn config<E: std::fmt::Display>(e: E) -> anyhow::Error {
    anyhow::Error::new(ConfigError(e.to_string()))
}

/// Everything a stage needs, from the pipeline file with the flags applied.
struct Plan {
    name: String,
    inputs: Vec<String>,
    input_format: InputFormat,
    out: PathBuf,
    formats: Vec<Format>,
    lexicon: Lexicon,
    defaults: DocDefaults,
    threads: Option<usize>,
    quiet: bool,
    limits: ReadLimits,
    full_refresh: bool,
    shard: Option<Shard>,
}

impl Plan {
    fn new(args: &RunArgs) -> Result<Plan> {
        let pipeline = Pipeline::load(&args.pipeline).map_err(config)?;
        let name = pipeline.name_or(&args.pipeline);
        let inputs = if args.inputs.is_empty() {
            pipeline.input.paths.clone()
        } else {
            args.inputs.clone()
        };
        let input_format = args
            .input_format
            .as_deref()
            .unwrap_or(&pipeline.input.format)
            .parse::<InputFormat>()
            .map_err(|e| config(format!("{}: input.format: {e}", args.pipeline.display())))?;
        let out = args
            .out
            .clone()
            .or(pipeline.output.dir.clone())
            .unwrap_or_else(|| PathBuf::from("data/out").join(&name));
        let formats = args
            .format
            .clone()
            .or(pipeline.output.formats.clone())
            .unwrap_or_else(|| vec!["parquet".into(), "csv".into()])
            .iter()
            .map(|f| f.trim().parse::<Format>())
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| config(format!("{}: output.formats: {e}", args.pipeline.display())))?;
        if formats.is_empty() {
            return Err(config("no output format: give parquet, csv or both"));
        }
        let lexicon = Lexicon::load(&pipeline.lexicon.dir).map_err(config)?;
        validate_lexicon(&lexicon).map_err(config)?;
        if args.threads == Some(0) {
            return Err(config("--threads must be at least 1"));
        }
        let max_document_bytes = args
            .max_document_bytes
            .or(pipeline.input.max_document_bytes)
            .unwrap_or(DEFAULT_MAX_DOCUMENT_BYTES);
        if max_document_bytes == 0 {
            return Err(config(format!(
                "{}: input.max_document_bytes must be at least 1",
                args.pipeline.display()
            )));
        }
        Ok(Plan {
            name,
            inputs,
            input_format,
            out,
            formats,
            lexicon,
            defaults: DocDefaults {
                province: pipeline.defaults.province,
                report_year: pipeline.defaults.report_year,
            },
            threads: args.threads,
            quiet: args.quiet,
            limits: ReadLimits { max_document_bytes },
            full_refresh: args.full_refresh,
            shard: args
                .shard
                .as_deref()
                .map(str::parse::<Shard>)
                .transpose()
                .map_err(config)?,
        })
    }

    /// Takes the dataset's lock, so no other run writes it meanwhile, and removes what killed
    /// runs left beside it. An output path that cannot be written is a configuration error:
    /// better said before hours of work than after.
    fn lock(&self) -> Result<DatasetLock> {
        if self.out.exists() && !self.out.is_dir() {
            return Err(config(format!(
                "output `{}` exists and is not a folder",
                self.out.display()
            )));
        }
        let lock = DatasetLock::acquire(&self.out).map_err(|e| match e {
            LockError::Io { .. } => config(format!(
                "output folder `{}` is not writable: {e}",
                self.out.display()
            )),
            held => config(held),
        })?;
        if let Some(holder) = &lock.taken_over {
            eprintln!(
                "solieu: warning: took over lock {} from a run that is gone ({}); it was killed or crashed",
                lock.path().display(),
                describe(holder)
            );
        }
        for dir in [
            self.out.clone(),
            self.stage_dir("ingest"),
            self.stage_dir("transform"),
        ] {
            let removed = clean_stale(&dir)
                .with_context(|| format!("cannot clean up beside {}", dir.display()))?;
            if !removed.is_empty() && !self.quiet {
                eprintln!(
                    "solieu: removed {} leftover(s) of an interrupted run beside {}",
                    removed.len(),
                    dir.display()
                );
            }
        }
        Ok(lock)
    }

    fn pool(&self) -> Result<rayon::ThreadPool> {
        rayon::ThreadPoolBuilder::new()
            .num_threads(self.threads.unwrap_or(0))
            .build()
            .context("cannot start worker threads")
    }

    /// What, besides the inputs, shapes the ingest rows an incremental run reuses.
    fn fingerprint(&self) -> Result<String> {
        state::config_fingerprint(
            &self.lexicon.dir,
            &[
                format!("province={:?}", self.defaults.province),
                format!("report_year={:?}", self.defaults.report_year),
                format!("max_document_bytes={}", self.limits.max_document_bytes),
                format!("shard={:?}", self.shard.map(|s| s.to_string())),
            ],
        )
    }

    fn stage_dir(&self, stage: &str) -> PathBuf {
        let mut s = self.out.clone().into_os_string();
        s.push(".stage");
        PathBuf::from(s).join(stage)
    }

    fn files(&self) -> Result<Vec<InputFile>> {
        discover(&self.inputs, self.input_format).map_err(config)
    }
}

fn progress(total_bytes: u64, quiet: bool) -> ProgressBar {
    let bar = ProgressBar::new(total_bytes);
    if quiet || !std::io::stderr().is_terminal() {
        bar.set_draw_target(ProgressDrawTarget::hidden());
    }
    if let Ok(style) = ProgressStyle::with_template(
        "{spinner} [{elapsed_precise}] [{wide_bar}] {bytes}/{total_bytes} {bytes_per_sec} ETA {eta} {msg}",
    ) {
        bar.set_style(style.progress_chars("=> "));
    }
    bar
}

/// Reads and ingests input files, in parallel across files; results come back in input order
/// whatever the thread count. A document whose extraction panics (a bug meeting odd text)
/// becomes a reject, so one document never stops the batch.
fn ingest_files(
    plan: &Plan,
    pool: &rayon::ThreadPool,
    files: &[InputFile],
) -> Result<Vec<InputResults>> {
    let total: u64 = files
        .iter()
        .map(|f| std::fs::metadata(&f.path).map_or(0, |m| m.len()))
        .sum();
    let bar = progress(total, plan.quiet);
    let gazetteer = Gazetteer::new(&plan.lexicon);
    let docs_done = std::sync::atomic::AtomicUsize::new(0);
    let per_file: Vec<InputResults> = pool.install(|| {
        files
            .par_iter()
            .map(|file| {
                let out: Vec<_> = read_records_with(file, &plan.limits)
                    .into_iter()
                    .map(|rec| {
                        rec.and_then(|r| {
                            ingest_guarded(&r, &plan.lexicon, &gazetteer, &plan.defaults)
                        })
                    })
                    .collect();
                let n = docs_done.fetch_add(out.len(), std::sync::atomic::Ordering::Relaxed);
                bar.set_message(format!("{} documents", n + out.len()));
                bar.inc(std::fs::metadata(&file.path).map_or(0, |m| m.len()));
                (file.path.display().to_string(), out)
            })
            .collect()
    });
    bar.finish_and_clear();
    Ok(per_file)
}

fn input_names(files: &[InputFile]) -> Vec<String> {
    files.iter().map(|f| f.path.display().to_string()).collect()
}

/// Ingests every input afresh: the staged tables, and the keyed rows they came from.
fn ingest_all(plan: &Plan, files: &[InputFile]) -> Result<(Staged, Staged)> {
    let pool = plan.pool()?;
    let per_file = ingest_files(plan, &pool, files)?;
    let keyed = to_keyed_frames(&per_file).context("cannot build ingest tables")?;
    let staged = combine(&keyed, &input_names(files)).context("cannot build ingest tables")?;
    Ok((staged, keyed))
}

fn totals_of(data: &Dataset) -> Totals {
    Totals {
        documents: data.documents.height(),
        observations: data.observations.height(),
        deltas: data.deltas.height(),
        rejects: data.rejects.height(),
    }
}

fn summary(plan: &Plan, rows: &Totals, started: Instant, to: &Path, inc: Option<&Incremental>) {
    if !plan.quiet {
        let inputs = inc
            .map(|i| {
                format!(
                    " ({} inputs read, {} reused, {} removed{})",
                    i.processed,
                    i.reused,
                    i.removed,
                    i.full_refresh
                        .as_deref()
                        .map(|w| format!("; full run: {w}"))
                        .unwrap_or_default()
                )
            })
            .unwrap_or_default();
        eprintln!(
            "solieu: {} documents, {} observations, {} rejects{inputs} in {:.1} s -> {}",
            rows.documents,
            rows.observations,
            rows.rejects,
            started.elapsed().as_secs_f64(),
            to.display()
        );
    }
}

fn manifest(
    plan: &Plan,
    inputs: &[String],
    formats: &[Format],
    rows: &[(&str, usize)],
    started: Instant,
) -> Manifest {
    Manifest {
        pipeline: plan.name.clone(),
        solieu_version: env!("CARGO_PKG_VERSION").into(),
        inputs: inputs.to_vec(),
        formats: formats.to_vec(),
        rows: rows.iter().map(|(t, n)| (t.to_string(), *n)).collect(),
        seconds: (started.elapsed().as_secs_f64() * 1000.0).round() / 1000.0,
        incremental: None,
        shard: None,
    }
}

fn dataset_manifest(plan: &Plan, inputs: &[String], data: &Dataset, started: Instant) -> Manifest {
    let rows = [
        ("documents", data.documents.height()),
        ("observations", data.observations.height()),
        ("deltas", data.deltas.height()),
        ("rejects", data.rejects.height()),
    ];
    manifest(plan, inputs, &plan.formats, &rows, started)
}

fn tables(data: &mut Dataset) -> [(&str, &mut polars::prelude::DataFrame); 4] {
    [
        ("documents", &mut data.documents),
        ("observations", &mut data.observations),
        ("deltas", &mut data.deltas),
        ("rejects", &mut data.rejects),
    ]
}

fn write(plan: &Plan, mut data: Dataset, manifest: &Manifest) -> Result<()> {
    write_dataset(
        &plan.out,
        &mut tables(&mut data),
        &plan.formats,
        Some(manifest),
    )
    .with_context(|| format!("cannot write dataset {}", plan.out.display()))
}

/// `solieu run`: all stages in memory, incrementally. Inputs whose path, size and sha256 match
/// the last run's state are not read again; their cached ingest rows are reused, and the
/// transform runs over everything, so the dataset is the one a full run would write.
pub fn run(args: &RunArgs) -> Result<()> {
    let started = Instant::now();
    let plan = Plan::new(args)?;
    let files = plan.files()?;
    let _lock = plan.lock()?;
    let order = input_names(&files);
    let pool = plan.pool()?;
    let keys = pool.install(|| state::hash_inputs(&files));
    let fingerprint = plan.fingerprint()?;
    let previous = if plan.full_refresh {
        Err("--full-refresh".to_string())
    } else {
        state::load(&plan.out, &fingerprint)
    };

    let mut reuse: HashSet<String> = HashSet::new();
    let mut fresh = Vec::new();
    for ((file, name), key) in files.iter().zip(&order).zip(&keys) {
        let same = previous
            .as_ref()
            .ok()
            .and_then(|p| p.inputs.get(name))
            .is_some_and(|old| Some(old) == key.as_ref());
        if same {
            reuse.insert(name.clone());
        } else {
            fresh.push(file.clone());
        }
    }
    let mut inc = Incremental {
        processed: fresh.len(),
        reused: reuse.len(),
        removed: 0,
        full_refresh: previous.as_ref().err().cloned(),
    };
    let mut cached = match previous {
        Ok(prev) => {
            let current: HashSet<&String> = order.iter().collect();
            inc.removed = prev.inputs.keys().filter(|k| !current.contains(k)).count();
            match Cached::open(&plan.out.join(state::STATE_DIR)) {
                Ok(c) => Some(c),
                Err(e) => {
                    // A state that cannot be read back: read those inputs too rather than fail
                    // the night. (`{e}`: a Parquet error already ends with its cause.)
                    eprintln!(
                        "solieu: warning: cannot reuse the last run's rows ({e}); reading every input"
                    );
                    reuse.clear();
                    inc.processed = files.len();
                    inc.reused = 0;
                    inc.full_refresh = Some(format!("the state is unreadable ({e})"));
                    None
                }
            }
        }
        Err(_) => None,
    };

    let total: u64 = files
        .iter()
        .map(|f| std::fs::metadata(&f.path).map_or(0, |m| m.len()))
        .sum();
    let bar = progress(total, plan.quiet);
    let pending = PendingDataset::create(&plan.out)?;
    let stream = Stream {
        lexicon: &plan.lexicon,
        defaults: &plan.defaults,
        limits: &plan.limits,
        shard: plan.shard,
        pool: &pool,
        formats: &plan.formats,
        bar: &bar,
    };
    let totals = stream::write_dataset(&stream, &files, &reuse, cached.as_mut(), pending.path())
        .with_context(|| format!("cannot write dataset {}", plan.out.display()))?;
    bar.finish_and_clear();
    let state_inputs: Vec<(String, InputKey)> = order
        .iter()
        .zip(keys)
        .filter_map(|(name, key)| Some((name.clone(), key?)))
        .collect();
    state::write_inputs(pending.path(), &fingerprint, &state_inputs)?;
    let rows = [
        ("documents", totals.documents),
        ("observations", totals.observations),
        ("deltas", totals.deltas),
        ("rejects", totals.rejects),
    ];
    let mut m = manifest(&plan, &order, &plan.formats, &rows, started);
    m.incremental = Some(inc);
    m.shard = plan.shard.map(|s| s.to_string());
    summary(&plan, &totals, started, &plan.out, m.incremental.as_ref());
    pending.write_manifest(&m)?;
    pending.commit()?;
    Ok(())
}

const STAGED_INGEST: [&str; 3] = ["documents", "mentions", "rejects"];
const STAGED_TRANSFORM: [&str; 4] = ["documents", "observations", "deltas", "rejects"];

fn read_stage(dir: &Path, names: &[&str]) -> Result<Vec<polars::prelude::DataFrame>> {
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
            read_parquet(&path).map_err(anyhow::Error::from)
        })
        .collect()
}

/// `solieu ingest`: inputs to staged mentions.
pub fn ingest_stage(args: &RunArgs) -> Result<()> {
    let started = Instant::now();
    let plan = Plan::new(args)?;
    let files = plan.files()?;
    let _lock = plan.lock()?;
    let (mut staged, _) = ingest_all(&plan, &files)?;
    let dir = plan.stage_dir("ingest");
    let inputs = input_names(&files);
    let rows = [
        ("documents", staged.documents.height()),
        ("mentions", staged.mentions.height()),
        ("rejects", staged.rejects.height()),
    ];
    let m = manifest(&plan, &inputs, &[Format::Parquet], &rows, started);
    let mut tables = [
        ("documents", &mut staged.documents),
        ("mentions", &mut staged.mentions),
        ("rejects", &mut staged.rejects),
    ];
    write_dataset(&dir, &mut tables, &[Format::Parquet], Some(&m))?;
    if !plan.quiet {
        eprintln!(
            "solieu ingest: {} documents, {} mentions, {} rejects in {:.1} s -> {}",
            rows[0].1,
            rows[1].1,
            rows[2].1,
            started.elapsed().as_secs_f64(),
            dir.display()
        );
    }
    Ok(())
}

/// `solieu transform --merge PART...`: the datasets of `run --shard K/N` joined into the one
/// dataset a single run writes. Each part keeps its ingest rows keyed by input in its state
/// folder, and its manifest lists every input in order; the rows of all parts are combined in
/// that order (a `doc_id` lives in one shard only, so duplicates resolve as in one run), then
/// transformed together, so `deltas` spans the shards.
fn merge(plan: &Plan, parts: &[PathBuf], started: Instant) -> Result<()> {
    let mut order: Option<Vec<String>> = None;
    let mut keyed: Option<Staged> = None;
    let mut shards = Vec::new();
    for part in parts {
        let manifest_path = part.join("manifest.json");
        let text = std::fs::read_to_string(&manifest_path).map_err(|e| {
            config(format!(
                "{}: not a dataset of `solieu run --shard` ({e})",
                part.display()
            ))
        })?;
        let m: serde_json::Value = serde_json::from_str(&text)
            .map_err(|e| config(format!("{}: {e}", manifest_path.display())))?;
        let inputs: Vec<String> = m["inputs"]
            .as_array()
            .map(|a| {
                a.iter()
                    .filter_map(|v| v.as_str().map(String::from))
                    .collect()
            })
            .unwrap_or_default();
        shards.push(m["shard"].as_str().unwrap_or("none").to_string());
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
        let mut frames = read_stage(&dir, &STAGED_INGEST)?.into_iter();
        let (Some(documents), Some(mentions), Some(rejects)) =
            (frames.next(), frames.next(), frames.next())
        else {
            anyhow::bail!("{}: incomplete state", dir.display());
        };
        let rows = Staged {
            documents,
            mentions,
            rejects,
        };
        keyed = Some(match keyed {
            Some(k) => {
                append(k, &rows).with_context(|| format!("cannot merge {}", part.display()))?
            }
            None => rows,
        });
    }
    let (Some(order), Some(keyed)) = (order, keyed) else {
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
    let staged = combine(&keyed, &order).context("cannot combine the parts")?;
    let data = transform(staged, &plan.lexicon)?;
    let m = dataset_manifest(plan, &order, &data, started);
    summary(plan, &totals_of(&data), started, &plan.out, None);
    write(plan, data, &m)
}

/// `solieu transform`: staged mentions to staged SPEC tables.
pub fn transform_stage(args: &RunArgs) -> Result<()> {
    let started = Instant::now();
    let plan = Plan::new(args)?;
    let _lock = plan.lock()?;
    if !args.merge.is_empty() {
        return merge(&plan, &args.merge, started);
    }
    let mut frames = read_stage(&plan.stage_dir("ingest"), &STAGED_INGEST)?.into_iter();
    let (Some(documents), Some(mentions), Some(rejects)) =
        (frames.next(), frames.next(), frames.next())
    else {
        anyhow::bail!("staged ingest output is incomplete");
    };
    let mut data = transform(
        Staged {
            documents,
            mentions,
            rejects,
        },
        &plan.lexicon,
    )?;
    let dir = plan.stage_dir("transform");
    summary(&plan, &totals_of(&data), started, &dir, None);
    let mut tables = [
        ("documents", &mut data.documents),
        ("observations", &mut data.observations),
        ("deltas", &mut data.deltas),
        ("rejects", &mut data.rejects),
    ];
    write_dataset(&dir, &mut tables, &[Format::Parquet], None)?;
    Ok(())
}

/// `solieu sink`: staged SPEC tables to the dataset.
pub fn sink_stage(args: &RunArgs) -> Result<()> {
    let started = Instant::now();
    let plan = Plan::new(args)?;
    let _lock = plan.lock()?;
    let mut frames = read_stage(&plan.stage_dir("transform"), &STAGED_TRANSFORM)?.into_iter();
    let (Some(documents), Some(observations), Some(deltas), Some(rejects)) =
        (frames.next(), frames.next(), frames.next(), frames.next())
    else {
        anyhow::bail!("staged transform output is incomplete");
    };
    let data = Dataset {
        documents,
        observations,
        deltas,
        rejects,
    };
    // The inputs are those the ingest stage read, from its manifest.
    let inputs: Vec<String> =
        std::fs::read_to_string(plan.stage_dir("ingest").join("manifest.json"))
            .ok()
            .and_then(|t| serde_json::from_str::<serde_json::Value>(&t).ok())
            .and_then(|v| {
                v.get("inputs")?.as_array().map(|a| {
                    a.iter()
                        .filter_map(|i| i.as_str().map(String::from))
                        .collect()
                })
            })
            .unwrap_or_default();
    let m = dataset_manifest(&plan, &inputs, &data, started);
    summary(&plan, &totals_of(&data), started, &plan.out, None);
    write(&plan, data, &m)
}

/// `solieu validate`: the pipeline file, its lexicon and its inputs, without running.
pub fn validate(args: &RunArgs) -> Result<()> {
    let plan = Plan::new(args)?;
    let files = plan.files()?;
    println!(
        "{}: ok (pipeline `{}`, {} input files, lexicon {}, output {})",
        args.pipeline.display(),
        plan.name,
        files.len(),
        plan.lexicon.dir.display(),
        plan.out.display()
    );
    Ok(())
}
