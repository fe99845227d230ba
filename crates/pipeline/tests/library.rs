//! The pipeline driven as a library, without the binary: a run, an incremental rerun, shards
//! joined by a merge, and errors a caller can tell apart.

use std::fs;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

mod common;

use solieu_pipeline::{
    ingest_stage, merge, run, sink_stage, tables, transform_stage, Overrides, Plan, Progress,
    Silent,
};

/// Reports written for these tests: three provinces, three years, a change each.
fn write_reports(dir: &Path, n: usize) {
    fs::create_dir_all(dir).unwrap();
    let provinces = ["Lai Châu", "Nghệ An", "Cà Mau"];
    for i in 0..n {
        let (province, year) = (provinces[i % 3], 2021 + (i % 3));
        let text = format!(
            "Năm {year}, Công an tỉnh {province} đã khởi tố {} vụ, {} bị can về ma túy, giảm {} vụ so với năm {}.\n",
            100 + i,
            150 + 2 * i,
            i % 7 + 1,
            year - 1
        );
        fs::write(dir.join(format!("r{i:02}.txt")), text).unwrap();
    }
}

fn plan(file: &Path, input: &Path, out: &Path, shard: Option<&str>) -> Plan {
    let o = Overrides {
        inputs: vec![input.display().to_string()],
        input_format: Some("txt".into()),
        out: Some(out.to_path_buf()),
        formats: Some(vec!["csv".into()]),
        shard: shard.map(String::from),
        ..Overrides::default()
    };
    Plan::resolve(file, &o).unwrap()
}

fn csv(out: &Path, table: &str) -> String {
    fs::read_to_string(out.join(format!("{table}.csv"))).unwrap()
}

/// Counts the bytes a run reports, as a caller's progress display would.
#[derive(Default)]
struct Bytes(AtomicU64);

impl Progress for Bytes {
    fn advance(&self, bytes: u64) {
        self.0.fetch_add(bytes, Ordering::Relaxed);
    }
}

#[test]
fn a_program_runs_the_pipeline_and_reruns_only_what_changed() {
    let tmp = tempfile::tempdir().unwrap();
    let (input, out) = (tmp.path().join("in"), tmp.path().join("out"));
    write_reports(&input, 6);
    let file = common::pipeline_file(tmp.path());
    let p = plan(&file, &input, &out, None);

    let bytes = Bytes::default();
    let first = run(&p, &bytes).unwrap();
    assert_eq!(first.rows_of(tables::DOCUMENTS), 6);
    assert_eq!(first.rows_of(tables::OBSERVATIONS), 12);
    assert!(first.rows_of(tables::DELTAS) > 0);
    let total: u64 = (0..6)
        .map(|i| {
            fs::metadata(input.join(format!("r{i:02}.txt")))
                .unwrap()
                .len()
        })
        .sum();
    assert_eq!(bytes.0.load(Ordering::Relaxed), total);

    // One report changed: one input read again, the others reused, the same tables as a
    // full run of the new inputs.
    fs::write(
        input.join("r01.txt"),
        "Năm 2022, Công an tỉnh Nghệ An đã khởi tố 7 vụ về ma túy.\n",
    )
    .unwrap();
    let again = run(&p, &Silent).unwrap();
    let inc = again.incremental.clone().unwrap();
    assert_eq!((inc.processed, inc.reused, inc.removed), (1, 5, 0));
    let full_out = tmp.path().join("full");
    run(&plan(&file, &input, &full_out, None), &Silent).unwrap();
    for t in tables::ALL {
        assert_eq!(csv(&out, t), csv(&full_out, t), "{t}");
    }
}

#[test]
fn shards_merged_by_the_library_give_the_rows_of_one_run() {
    let tmp = tempfile::tempdir().unwrap();
    let input = tmp.path().join("in");
    write_reports(&input, 9);
    let file = common::pipeline_file(tmp.path());
    let whole = tmp.path().join("whole");
    run(&plan(&file, &input, &whole, None), &Silent).unwrap();
    let parts: Vec<PathBuf> = (0..3)
        .map(|k| {
            let part = tmp.path().join(format!("part-{k}"));
            let shard = format!("{k}/3");
            run(&plan(&file, &input, &part, Some(&shard)), &Silent).unwrap();
            part
        })
        .collect();
    let merged = tmp.path().join("merged");
    merge(&plan(&file, &input, &merged, None), &parts, &Silent).unwrap();
    for t in tables::ALL {
        assert_eq!(csv(&whole, t), csv(&merged, t), "{t}");
    }
    // A part given twice is a configuration error, which a scheduler does not retry.
    let twice = [parts[0].clone(), parts[0].clone()];
    let err = merge(&plan(&file, &input, &merged, None), &twice, &Silent).unwrap_err();
    assert!(err.is_config(), "{err}");
}

#[test]
fn a_missing_input_is_a_configuration_error_before_any_work() {
    let tmp = tempfile::tempdir().unwrap();
    let file = common::pipeline_file(tmp.path());
    let out = tmp.path().join("out");
    let p = plan(&file, &tmp.path().join("absent"), &out, None);
    let err = run(&p, &Silent).unwrap_err();
    assert!(err.is_config(), "{err}");
    assert!(!out.exists());
}

#[test]
fn a_default_province_the_lexicon_does_not_know_is_a_configuration_error() {
    let tmp = tempfile::tempdir().unwrap();
    let file = common::pipeline_file(tmp.path());
    let with_default = |province: &str| {
        let text = fs::read_to_string(&file).unwrap();
        let path = tmp.path().join("with-default.toml");
        fs::write(
            &path,
            format!("{text}[defaults]\nprovince = {province:?}\n"),
        )
        .unwrap();
        Plan::resolve(&path, &Overrides::default())
    };
    // Spellings and abbreviations of a known province are accepted as they are.
    for known in ["Bac Giang", "TP.HCM", "tỉnh Thanh Hoá", "Hồ Chí Minh"] {
        assert!(with_default(known).is_ok(), "{known}");
    }
    let err = with_default("Xứ Đoài Xa")
        .err()
        .expect("an unknown province is refused");
    assert!(err.is_config(), "{err}");
    assert!(err.to_string().contains("defaults.province"), "{err}");
    assert!(err.to_string().contains("Xứ Đoài Xa"), "{err}");
}

#[test]
fn a_corpus_cut_into_batches_gives_the_tables_of_the_stages_which_take_it_whole() {
    // About 2.5 MB of text in one JSONL file: a run cuts a small first batch and halves its
    // batches toward the end; the stages transform everything at once.
    let tmp = tempfile::tempdir().unwrap();
    let corpus = tmp.path().join("corpus.jsonl");
    let provinces = ["Lai Châu", "Nghệ An", "Cà Mau", "Sơn La", "Điện Biên"];
    let mut lines = String::new();
    for i in 0..1600 {
        let (province, year) = (provinces[i % 5], 2019 + (i % 6));
        let sentence = format!(
            "Năm {year}, Công an tỉnh {province} đã khởi tố {} vụ, {} bị can về ma túy, giảm {} vụ so với năm {}. ",
            100 + i % 37,
            150 + i % 41,
            i % 7 + 1,
            year - 1
        );
        let text = sentence.repeat(12);
        lines.push_str(&serde_json::json!({"id": format!("d{i}"), "text": text}).to_string());
        lines.push('\n');
    }
    fs::write(&corpus, &lines).unwrap();
    assert!(lines.len() > 2 << 20, "{} bytes", lines.len());
    let file = common::pipeline_file(tmp.path());
    let jsonl = |out: &Path| {
        let o = Overrides {
            inputs: vec![corpus.display().to_string()],
            input_format: Some("jsonl".into()),
            out: Some(out.to_path_buf()),
            formats: Some(vec!["csv".into()]),
            ..Overrides::default()
        };
        Plan::resolve(&file, &o).unwrap()
    };
    let (streamed, staged) = (tmp.path().join("run"), tmp.path().join("stages"));
    run(&jsonl(&streamed), &Silent).unwrap();
    let p = jsonl(&staged);
    ingest_stage(&p, &Silent).unwrap();
    transform_stage(&p, &Silent).unwrap();
    sink_stage(&p, &Silent).unwrap();
    for t in tables::ALL {
        assert_eq!(csv(&streamed, t), csv(&staged, t), "{t}");
    }
}
