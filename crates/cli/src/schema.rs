//! `solieu schema`: the data dictionary of the tables this solieu writes.

use std::io::Write;

use anyhow::Result;
use clap::Args;

pub const ABOUT: &str = "Print the data dictionary in Markdown: every table, column, type, \
meaning and vocabulary of the dataset this solieu writes (the same text as docs/DATA.md, and \
as the descriptions in each Parquet file's metadata).";

/// Options of `solieu schema` (none).
#[derive(Args, Debug, Clone)]
pub struct SchemaArgs {}

pub fn main(_: &SchemaArgs) -> Result<()> {
    let text = solieu_transform::schema::data_dictionary();
    match std::io::stdout().lock().write_all(text.as_bytes()) {
        // `solieu schema | head` closes the pipe early: not an error.
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        written => Ok(written?),
    }
}
