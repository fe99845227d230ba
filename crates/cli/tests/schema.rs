//! `solieu schema` prints the data dictionary, which is docs/DATA.md and what a run writes.

use std::path::{Path, PathBuf};
use std::process::Command;

use polars::prelude::*;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn solieu(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_solieu"))
        .args(args)
        .current_dir(root())
        .output()
        .expect("solieu runs")
}

fn read(path: &Path) -> DataFrame {
    let file = std::fs::File::open(path).expect("written");
    ParquetReader::new(file).finish().expect("reads")
}

#[test]
fn schema_prints_docs_data_md() {
    let o = solieu(&["schema"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let data_md = std::fs::read_to_string(root().join("docs/DATA.md")).unwrap_or_default();
    assert!(
        String::from_utf8_lossy(&o.stdout) == data_md,
        "`solieu schema` and docs/DATA.md differ"
    );
}

#[test]
fn the_tables_a_run_writes_are_those_schema_describes() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let out = tmp.path().join("out");
    let o = solieu(&["run", "-o", out.to_str().unwrap_or_default(), "-q"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let dictionary = String::from_utf8_lossy(&solieu(&["schema"]).stdout).into_owned();
    for table in solieu_transform::schema::TABLES {
        let df = read(&out.join(format!("{}.parquet", table.name)));
        assert_eq!(**df.schema(), table.schema(), "{}", table.name);
        for (name, dtype) in df.schema().iter() {
            let c = table.column(name).expect("described");
            let row = format!("| `{name}` | {} |", c.ty.name());
            assert!(dictionary.contains(&row), "{}: {row} ({dtype})", table.name);
        }
    }
}
