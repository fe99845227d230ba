//! The schema description against what it describes: `docs/DATA.md`, the tables `transform`
//! makes, and the values the lexicon writes.

use std::path::PathBuf;

use solieu_ingest::to_frames;
use solieu_ingest::Reject;
use solieu_transform::schema::{self, data_dictionary, vocabulary, TABLES};
use solieu_transform::transform;

mod common;
use common::{documents, lexicon};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

#[test]
fn data_md_is_generated_from_the_schema_description() {
    let path = root().join("docs/DATA.md");
    let want = data_dictionary();
    if std::env::var_os("SOLIEU_WRITE_DATA_MD").is_some() {
        let written = path
            .parent()
            .map_or(Ok(()), std::fs::create_dir_all)
            .and_then(|_| std::fs::write(&path, &want));
        assert!(written.is_ok(), "cannot write docs/DATA.md: {written:?}");
    }
    let got = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        got == want,
        "docs/DATA.md differs from crates/transform/src/schema.rs: regenerate it with \
         SOLIEU_WRITE_DATA_MD=1 cargo test --release -p solieu-transform --test schema"
    );
}

#[test]
fn transform_makes_the_described_columns_and_types() {
    let lex = lexicon();
    let docs = documents(
        &lex,
        &[
            ("a", "Năm 2022, Công an tỉnh Lai Châu bắt giữ 120 đối tượng về ma túy."),
            ("b", "Năm 2023, Công an tỉnh Lai Châu bắt giữ 150 đối tượng về ma túy, tăng 30 đối tượng so với năm 2022."),
        ],
    );
    let rejects = [Reject {
        source: "empty.txt".into(),
        reason: "empty".into(),
    }];
    let data = transform(to_frames(&docs, &rejects).expect("frames"), &lex).expect("transforms");
    for (name, df) in [
        ("documents", &data.documents),
        ("observations", &data.observations),
        ("deltas", &data.deltas),
        ("rejects", &data.rejects),
    ] {
        let table = schema::table(name).expect("described");
        assert_eq!(**df.schema(), table.schema(), "{name}");
        assert!(df.height() > 0, "{name} has rows to check nulls on");
        for c in table.columns.iter().filter(|c| !c.nullable) {
            let nulls = df.column(c.name).map_or(0, |s| s.null_count());
            assert_eq!(nulls, 0, "{name}.{} is described as never null", c.name);
        }
    }
    assert_eq!(
        TABLES.iter().map(|t| t.name).collect::<Vec<_>>(),
        ["documents", "observations", "deltas", "rejects"]
    );
}

#[test]
fn every_value_the_lexicon_writes_is_in_its_vocabulary() {
    let lex = lexicon();
    let values: [(&str, Vec<&String>); 5] = [
        (
            "unit",
            lex.unit_rows
                .iter()
                .map(|r| &r.unit)
                .chain(lex.unit_reading_rows.iter().map(|r| &r.unit))
                .collect(),
        ),
        ("topic", lex.topic_rows.iter().map(|r| &r.topic).collect()),
        (
            "action",
            lex.action_rows
                .iter()
                .map(|r| &r.action)
                .chain(lex.action_reading_rows.iter().map(|r| &r.action))
                .collect(),
        ),
        (
            "qualifier",
            lex.qualifier_rows.iter().map(|r| &r.qualifier).collect(),
        ),
        (
            "change_direction",
            lex.change_rows.iter().map(|r| &r.direction).collect(),
        ),
    ];
    for (name, written) in values {
        let v = vocabulary(name).expect("described");
        let unknown: Vec<_> = written.iter().filter(|w| !v.contains(w)).collect();
        assert!(
            unknown.is_empty(),
            "{name}: {unknown:?} not in schema.rs's vocabulary"
        );
    }
}

#[test]
fn every_vocabulary_a_column_names_is_described() {
    for t in TABLES {
        for c in t.columns {
            if let Some(v) = c.vocabulary {
                assert!(vocabulary(v).is_some(), "{}.{}: {v}", t.name, c.name);
            }
        }
    }
}
