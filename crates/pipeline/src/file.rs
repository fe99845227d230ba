//! Pipeline files (`pipelines/<name>.toml`): named inputs, lexicon, output and document
//! defaults, in the manner of Vector's one-file pipelines. Unknown keys are errors, so a typo
//! never silently falls back to a default.

use std::path::{Path, PathBuf};

use serde::Deserialize;

/// A pipeline file as written.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Pipeline {
    /// Names the dataset; defaults to the file stem.
    pub name: Option<String>,
    pub input: InputSection,
    #[serde(default)]
    pub lexicon: LexiconSection,
    #[serde(default)]
    pub output: OutputSection,
    #[serde(default)]
    pub defaults: DefaultsSection,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct InputSection {
    /// Files, folders or globs, relative to the working directory.
    pub paths: Vec<String>,
    /// `auto` (by extension), `txt`, `jsonl`, `csv` or `parquet`.
    #[serde(default = "auto")]
    pub format: String,
    /// Largest document in bytes (a `.txt` file, or one record's text); larger ones become
    /// rejects unread. Default 16 MiB.
    pub max_document_bytes: Option<u64>,
    /// Read what symbolic links in an input folder point to outside it. Off by default: a
    /// link in a corpus folder must not bring in `/etc/passwd`.
    #[serde(default)]
    pub follow_symlinks: bool,
}

fn auto() -> String {
    "auto".into()
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LexiconSection {
    #[serde(default = "default_lexicon")]
    pub dir: PathBuf,
}

impl Default for LexiconSection {
    fn default() -> Self {
        LexiconSection {
            dir: default_lexicon(),
        }
    }
}

fn default_lexicon() -> PathBuf {
    PathBuf::from("pipelines/lexicon")
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OutputSection {
    /// The dataset folder; defaults to `data/out/<name>`.
    pub dir: Option<PathBuf>,
    /// Any of `parquet`, `csv`; defaults to both.
    pub formats: Option<Vec<String>>,
    /// The least share (0 to 1) of the replaced dataset's documents a run must find, else it
    /// stops and keeps the old dataset (an unmounted bucket, a wrong input format); default
    /// 0.5. `--allow-shrink` lets one run through.
    pub min_document_share: Option<f64>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DefaultsSection {
    /// Province for documents whose text and metadata name none.
    pub province: Option<String>,
    /// Year for documents that state none.
    pub report_year: Option<i32>,
}

/// A pipeline file that cannot be used: always names the file, and where it can, the line.
#[derive(Debug, thiserror::Error)]
pub enum PipelineError {
    #[error("{path}: cannot read pipeline file: {source}")]
    Read {
        path: String,
        #[source]
        source: std::io::Error,
    },
    #[error("{path}:{line}: {message}")]
    Parse {
        path: String,
        line: usize,
        message: String,
    },
    #[error("{path}: {message}")]
    Invalid { path: String, message: String },
}

impl Pipeline {
    /// Reads and checks a pipeline file.
    pub fn load(path: &Path) -> Result<Pipeline, PipelineError> {
        let shown = path.display().to_string();
        let text = std::fs::read_to_string(path).map_err(|source| PipelineError::Read {
            path: shown.clone(),
            source,
        })?;
        let pipeline: Pipeline = toml::from_str(&text).map_err(|e| {
            let line = e.span().map_or(1, |s| {
                text[..s.start.min(text.len())].matches('\n').count() + 1
            });
            PipelineError::Parse {
                path: shown.clone(),
                line,
                message: e.message().to_string(),
            }
        })?;
        if pipeline.input.paths.is_empty() {
            return Err(PipelineError::Invalid {
                path: shown,
                message: "input.paths is empty: name at least one file, folder or glob".into(),
            });
        }
        Ok(pipeline)
    }

    /// The dataset's name: `name`, else the file stem.
    pub fn name_or(&self, path: &Path) -> String {
        self.name.clone().unwrap_or_else(|| {
            path.file_stem()
                .map(|s| s.to_string_lossy().into_owned())
                .unwrap_or_else(|| "default".into())
        })
    }
}
