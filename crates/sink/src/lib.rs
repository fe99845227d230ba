//! `solieu-sink`: writing tables. Every table goes out as Parquet (zstd) and/or CSV (UTF-8,
//! header row, RFC 4180 quoting) into a temporary folder beside the dataset, which replaces the
//! dataset only once every file is complete: a reader never sees half a dataset, and a killed
//! run leaves the previous one in place.

use std::fs::{self, File};
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use polars::prelude::{
    CsvWriter, DataFrame, ParquetCompression, ParquetReader, ParquetWriter, PolarsError, SerReader,
    SerWriter,
};
use serde::Serialize;

/// Output formats of a dataset.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Format {
    Parquet,
    Csv,
}

impl std::str::FromStr for Format {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "parquet" => Ok(Format::Parquet),
            "csv" => Ok(Format::Csv),
            other => Err(format!(
                "unknown output format `{other}` (expected parquet or csv)"
            )),
        }
    }
}

/// A table that could not be written or read, with the path at fault.
#[derive(Debug, thiserror::Error)]
pub enum SinkError {
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{path}: {source}")]
    Polars {
        path: PathBuf,
        #[source]
        source: PolarsError,
    },
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> SinkError + '_ {
    move |source| SinkError::Io {
        path: path.to_path_buf(),
        source,
    }
}

fn pl(path: &Path) -> impl FnOnce(PolarsError) -> SinkError + '_ {
    move |source| SinkError::Polars {
        path: path.to_path_buf(),
        source,
    }
}

/// What a dataset folder holds besides its tables: enough to know what produced it.
#[derive(Debug, Clone, Serialize)]
pub struct Manifest {
    pub pipeline: String,
    pub solieu_version: String,
    pub inputs: Vec<String>,
    pub formats: Vec<Format>,
    /// Rows per table.
    pub rows: std::collections::BTreeMap<String, usize>,
    pub seconds: f64,
}

/// Writes one table as Parquet (zstd).
pub fn write_parquet(df: &mut DataFrame, path: &Path) -> Result<(), SinkError> {
    let file = File::create(path).map_err(io(path))?;
    ParquetWriter::new(BufWriter::new(file))
        .with_compression(ParquetCompression::Zstd(None))
        .finish(df)
        .map_err(pl(path))?;
    Ok(())
}

/// Writes one table as CSV.
pub fn write_csv(df: &mut DataFrame, path: &Path) -> Result<(), SinkError> {
    let file = File::create(path).map_err(io(path))?;
    let mut w = BufWriter::new(file);
    CsvWriter::new(&mut w)
        .include_header(true)
        .finish(df)
        .map_err(pl(path))?;
    w.flush().map_err(io(path))?;
    Ok(())
}

/// Reads one Parquet table (a staged stage output).
pub fn read_parquet(path: &Path) -> Result<DataFrame, SinkError> {
    let file = File::open(path).map_err(io(path))?;
    ParquetReader::new(file).finish().map_err(pl(path))
}

/// Writes named tables into `dir` atomically: into `dir`'s sibling temporary folder first, then
/// swapped into place. The manifest, when given, is written last as `manifest.json`.
pub fn write_dataset(
    dir: &Path,
    tables: &mut [(&str, &mut DataFrame)],
    formats: &[Format],
    manifest: Option<&Manifest>,
) -> Result<(), SinkError> {
    let parent = dir
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    fs::create_dir_all(parent).map_err(io(parent))?;
    let name = dir
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "dataset".into());
    let tmp = parent.join(format!(".{name}.tmp-{}", std::process::id()));
    if tmp.exists() {
        fs::remove_dir_all(&tmp).map_err(io(&tmp))?;
    }
    fs::create_dir_all(&tmp).map_err(io(&tmp))?;
    let written = (|| {
        for (table, df) in tables.iter_mut() {
            for f in formats {
                match f {
                    Format::Parquet => write_parquet(df, &tmp.join(format!("{table}.parquet")))?,
                    Format::Csv => write_csv(df, &tmp.join(format!("{table}.csv")))?,
                }
            }
        }
        if let Some(m) = manifest {
            let path = tmp.join("manifest.json");
            let json = serde_json::to_string_pretty(m)
                .map_err(|e| std::io::Error::other(e.to_string()))
                .map_err(io(&path))?;
            fs::write(&path, json + "\n").map_err(io(&path))?;
        }
        Ok(())
    })();
    if let Err(e) = written {
        let _ = fs::remove_dir_all(&tmp);
        return Err(e);
    }
    let old = parent.join(format!(".{name}.old-{}", std::process::id()));
    if dir.exists() {
        fs::rename(dir, &old).map_err(io(dir))?;
    }
    fs::rename(&tmp, dir).map_err(io(dir))?;
    if old.exists() {
        fs::remove_dir_all(&old).map_err(io(&old))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use polars::prelude::{df, DataType};

    fn table() -> DataFrame {
        let mut df = df!(
            "doc_id" => ["a", "b"],
            "value" => [1213.0, 17.3],
            "note" => [Some("có dấu phẩy, và \"ngoặc\""), None],
        )
        .unwrap_or_default();
        let year = polars::prelude::Column::new("year".into(), [Some(2022i32), None]);
        assert_eq!(year.dtype(), &DataType::Int32);
        let _ = df.with_column(year);
        df
    }

    #[test]
    fn parquet_round_trips_and_csv_quotes() {
        let tmp = std::env::temp_dir().join(format!("solieu-sink-{}", std::process::id()));
        let dir = tmp.join("ds");
        let mut t = table();
        let result = write_dataset(
            &dir,
            &mut [("t", &mut t)],
            &[Format::Parquet, Format::Csv],
            None,
        );
        assert!(result.is_ok(), "{result:?}");
        let back = read_parquet(&dir.join("t.parquet"));
        assert!(
            matches!(&back, Ok(df) if df.equals_missing(&table())),
            "{back:?}"
        );
        let csv = fs::read_to_string(dir.join("t.csv")).unwrap_or_default();
        assert_eq!(
            csv,
            "doc_id,value,note,year\na,1213.0,\"có dấu phẩy, và \"\"ngoặc\"\"\",2022\nb,17.3,,\n"
        );
        let _ = fs::remove_dir_all(&tmp);
    }

    #[test]
    fn a_new_dataset_replaces_the_old_one_whole() {
        let tmp = std::env::temp_dir().join(format!("solieu-sink-r-{}", std::process::id()));
        let dir = tmp.join("ds");
        let mut t = table();
        let first = write_dataset(&dir, &mut [("old", &mut t)], &[Format::Csv], None);
        assert!(first.is_ok());
        let second = write_dataset(&dir, &mut [("new", &mut t)], &[Format::Csv], None);
        assert!(second.is_ok());
        assert!(dir.join("new.csv").is_file());
        assert!(
            !dir.join("old.csv").exists(),
            "tables of the previous run are gone"
        );
        let leftovers: Vec<_> = fs::read_dir(&tmp)
            .map(|d| d.flatten().map(|e| e.file_name()).collect())
            .unwrap_or_default();
        assert_eq!(
            leftovers,
            vec![std::ffi::OsString::from("ds")],
            "no temporary folders left"
        );
        let _ = fs::remove_dir_all(&tmp);
    }
}
