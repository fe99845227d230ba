//! What the pipeline's test files share.

use std::fs;
use std::path::{Path, PathBuf};

/// A pipeline file in `dir` whose lexicon path does not depend on the working directory; the
/// tests give inputs, output and formats as overrides.
pub fn pipeline_file(dir: &Path) -> PathBuf {
    let file = dir.join("test.toml");
    let lexicon = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../pipelines/lexicon");
    fs::write(
        &file,
        format!(
            "[input]\npaths = [\"unused\"]\n[lexicon]\ndir = {:?}\n",
            lexicon.display().to_string()
        ),
    )
    .unwrap();
    file
}
