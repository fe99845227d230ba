//! The plan: a pipeline file with the caller's overrides applied and checked, so every stage
//! starts from the same resolved values and a configuration problem is found before any work.

use std::path::{Path, PathBuf};

use solieu_ingest::{
    discover_with, DiscoverOptions, DocDefaults, Gazetteer, InputFile, InputFormat, Lexicon,
    ReadLimits, DEFAULT_MAX_DOCUMENT_BYTES,
};
use solieu_sink::lock::{describe, DatasetLock, LockError};
use solieu_sink::{clean_stale, dataset_path, Format};
use solieu_transform::validate_lexicon;

use crate::error::{config, Context, Result};
use crate::file::Pipeline;
use crate::progress::Progress;
use crate::state;
use crate::stream::Shard;

/// What a caller may set over the pipeline file: each `Some` (or non-empty list) replaces the
/// file's value. The CLI fills it from its flags; a program sets what it needs.
#[derive(Debug, Clone, Default)]
pub struct Overrides {
    /// Input files, folders or globs; replaces `input.paths`.
    pub inputs: Vec<String>,
    /// `auto`, `txt`, `jsonl`, `csv` or `parquet`; replaces `input.format`.
    pub input_format: Option<String>,
    /// The dataset folder; replaces `output.dir`.
    pub out: Option<PathBuf>,
    /// `parquet`, `csv`; replaces `output.formats`.
    pub formats: Option<Vec<String>>,
    /// Worker threads (default: all cores).
    pub threads: Option<usize>,
    /// Replaces `input.max_document_bytes`.
    pub max_document_bytes: Option<u64>,
    /// Read every input again, ignoring the last run's state.
    pub full_refresh: bool,
    /// `K/N`: process only shard K of N.
    pub shard: Option<String>,
    /// Replace the dataset even when the run found far fewer documents than it holds.
    pub allow_shrink: bool,
}

/// The default `output.min_document_share`: a run finding under half the documents of the
/// dataset it replaces stops.
pub const DEFAULT_MIN_DOCUMENT_SHARE: f64 = 0.5;

/// Everything a stage needs, from the pipeline file with the overrides applied.
pub struct Plan {
    /// The pipeline file the plan came from.
    pub file: PathBuf,
    pub name: String,
    pub inputs: Vec<String>,
    pub input_format: InputFormat,
    pub out: PathBuf,
    pub formats: Vec<Format>,
    pub lexicon: Lexicon,
    pub defaults: DocDefaults,
    pub threads: Option<usize>,
    pub limits: ReadLimits,
    pub full_refresh: bool,
    pub shard: Option<Shard>,
    /// Follow links out of input folders (`input.follow_symlinks`).
    pub follow_symlinks: bool,
    /// The least share of the replaced dataset's documents a run must find
    /// (`output.min_document_share`); `None` with `--allow-shrink`.
    pub min_document_share: Option<f64>,
}

/// The lexicon of a pipeline file, loaded and checked against SPEC's vocabularies.
pub(crate) fn lexicon_of(pipeline: &Pipeline) -> Result<Lexicon> {
    let lexicon = Lexicon::load(&pipeline.lexicon.dir).map_err(config)?;
    validate_lexicon(&lexicon).map_err(config)?;
    Ok(lexicon)
}

/// The pipeline file's defaults for documents that state no province or year. A default
/// province the lexicon does not know is refused here: every document without a province of
/// its own would otherwise carry the misspelt name into `documents.province`.
pub(crate) fn defaults_of(
    pipeline: &Pipeline,
    file: &Path,
    lexicon: &Lexicon,
) -> Result<DocDefaults> {
    if let Some(p) = &pipeline.defaults.province {
        if !Gazetteer::new(lexicon).knows(p) {
            return Err(config(format!(
                "{}: defaults.province: `{p}` is not a province of the lexicon ({}); \
                 give a name or spelling listed there",
                file.display(),
                pipeline.lexicon.dir.join("provinces.csv").display()
            )));
        }
    }
    Ok(DocDefaults {
        province: pipeline.defaults.province.clone(),
        report_year: pipeline.defaults.report_year,
    })
}

impl Plan {
    /// Reads the pipeline file at `file` and applies `o`; every problem is a configuration
    /// error naming the file or the value.
    pub fn resolve(file: &Path, o: &Overrides) -> Result<Plan> {
        let pipeline = Pipeline::load(file).map_err(config)?;
        let name = pipeline.name_or(file);
        let inputs = if o.inputs.is_empty() {
            pipeline.input.paths.clone()
        } else {
            o.inputs.clone()
        };
        let input_format = o
            .input_format
            .as_deref()
            .unwrap_or(&pipeline.input.format)
            .parse::<InputFormat>()
            .map_err(|e| config(format!("{}: input.format: {e}", file.display())))?;
        let out = o
            .out
            .clone()
            .or(pipeline.output.dir.clone())
            .unwrap_or_else(|| PathBuf::from("data/out").join(&name));
        // `out/` and `out` are one dataset: its stage folders, lock and link must agree.
        let out =
            dataset_path(&out).map_err(|e| config(format!("output `{}`: {e}", out.display())))?;
        let share = pipeline
            .output
            .min_document_share
            .unwrap_or(DEFAULT_MIN_DOCUMENT_SHARE);
        if !(0.0..=1.0).contains(&share) {
            return Err(config(format!(
                "{}: output.min_document_share must be between 0 and 1, not {share}",
                file.display()
            )));
        }
        let formats = o
            .formats
            .clone()
            .or(pipeline.output.formats.clone())
            .unwrap_or_else(|| vec!["parquet".into(), "csv".into()])
            .iter()
            .map(|f| f.trim().parse::<Format>())
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| match &o.formats {
                // The flag was wrong, not the file; `--format jsonl` most likely meant the
                // inputs' format.
                Some(_) => config(format!(
                    "--format: {e}; for the format of the inputs, use --input-format"
                )),
                None => config(format!("{}: output.formats: {e}", file.display())),
            })?;
        if formats.is_empty() {
            return Err(config("no output format: give parquet, csv or both"));
        }
        let lexicon = lexicon_of(&pipeline)?;
        let defaults = defaults_of(&pipeline, file, &lexicon)?;
        if o.threads == Some(0) {
            return Err(config("--threads must be at least 1"));
        }
        let max_document_bytes = o
            .max_document_bytes
            .or(pipeline.input.max_document_bytes)
            .unwrap_or(DEFAULT_MAX_DOCUMENT_BYTES);
        if max_document_bytes == 0 {
            return Err(config(format!(
                "{}: input.max_document_bytes must be at least 1",
                file.display()
            )));
        }
        Ok(Plan {
            file: file.to_path_buf(),
            name,
            inputs,
            input_format,
            out,
            formats,
            lexicon,
            defaults,
            threads: o.threads,
            limits: ReadLimits { max_document_bytes },
            full_refresh: o.full_refresh,
            follow_symlinks: pipeline.input.follow_symlinks,
            min_document_share: (!o.allow_shrink).then_some(share),
            shard: o
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
    pub(crate) fn lock(&self, progress: &dyn Progress) -> Result<DatasetLock> {
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
            progress.warn(&format!(
                "took over lock {} from a run that is gone ({}); it was killed or crashed",
                lock.path().display(),
                describe(holder)
            ));
        }
        for dir in [
            self.out.clone(),
            self.stage_dir("ingest"),
            self.stage_dir("transform"),
        ] {
            let removed = clean_stale(&dir)
                .with_context(|| format!("cannot clean up beside {}", dir.display()))?;
            if !removed.is_empty() {
                progress.note(&format!(
                    "removed {} leftover(s) of an interrupted run beside {}",
                    removed.len(),
                    dir.display()
                ));
            }
        }
        Ok(lock)
    }

    pub(crate) fn pool(&self) -> Result<rayon::ThreadPool> {
        rayon::ThreadPoolBuilder::new()
            .num_threads(self.threads.unwrap_or(0))
            .build()
            .context("cannot start worker threads")
    }

    /// What, besides the inputs, shapes the ingest rows an incremental run reuses.
    pub(crate) fn fingerprint(&self) -> Result<String> {
        state::config_fingerprint(
            &self.lexicon.dir,
            &[
                format!("province={:?}", self.defaults.province),
                format!("report_year={:?}", self.defaults.report_year),
                format!("max_document_bytes={}", self.limits.max_document_bytes),
                format!("shard={:?}", self.shard.map(|s| s.to_string())),
                format!("follow_symlinks={}", self.follow_symlinks),
            ],
        )
    }

    /// Where stage `stage` keeps its output: `<out>.stage/<stage>`.
    pub fn stage_dir(&self, stage: &str) -> PathBuf {
        let mut s = self.out.clone().into_os_string();
        s.push(".stage");
        PathBuf::from(s).join(stage)
    }

    /// The input files the plan names, in input order.
    pub fn files(&self) -> Result<Vec<InputFile>> {
        let options = DiscoverOptions {
            follow_symlinks: self.follow_symlinks,
            ..DiscoverOptions::new(self.input_format)
        };
        discover_with(&self.inputs, &options).map_err(config)
    }

    /// Refuses to replace the dataset at the output with one of `documents` documents when
    /// that is none, or under the plan's share of what the dataset holds now: an unmounted
    /// bucket or a wrong input format must not replace a good dataset with an empty one.
    pub(crate) fn check_shrink(&self, documents: usize) -> Result<()> {
        let Some(share) = self.min_document_share else {
            return Ok(());
        };
        let before = solieu_sink::read_manifest(&self.out)
            .and_then(|m| m.rows.get(solieu_sink::tables::DOCUMENTS).copied());
        let too_few = match before {
            _ if documents == 0 => true,
            Some(before) => (documents as f64) < share * before as f64,
            None => false,
        };
        if !too_few {
            return Ok(());
        }
        let had = before.map_or(String::new(), |b| {
            format!(" where the dataset it would replace has {b}")
        });
        Err(config(format!(
            "the run found {documents} documents{had} (output.min_document_share is {share}): kept `{}` as it was; check the inputs and --input-format, or pass --allow-shrink if the drop is intended",
            self.out.display()
        )))
    }
}
