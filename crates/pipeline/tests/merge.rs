//! `transform --merge` streams its parts: merged a few records at a time, shards of one
//! large JSONL corpus (each part holding every third record of it) give the rows of one run.

use std::fs;
use std::path::{Path, PathBuf};

mod common;

use solieu_pipeline::{merge, run, tables, Overrides, Plan, Silent};

fn plan(dir: &Path, inputs: &[PathBuf], out: &Path, shard: Option<String>) -> Plan {
    let file = common::pipeline_file(dir);
    let o = Overrides {
        inputs: inputs.iter().map(|p| p.display().to_string()).collect(),
        out: Some(out.to_path_buf()),
        formats: Some(vec!["csv".into()]),
        shard,
        ..Overrides::default()
    };
    Plan::resolve(&file, &o).unwrap()
}

fn report(i: usize) -> String {
    let provinces = ["Hà Giang", "Sóc Trăng", "Quảng Ninh", "Đắk Lắk"];
    format!(
        "Năm {}, Công an tỉnh {} đã xử lý {} vụ vi phạm giao thông, tăng {} vụ so với năm trước.",
        2021 + i % 3,
        provinces[i % 4],
        40 + i,
        i % 5 + 1
    )
}

#[test]
fn parts_merged_a_few_records_at_a_time_give_the_rows_of_one_run() {
    // Windows of 3 records: every input is taken from the parts in many steps.
    std::env::set_var("SOLIEU_BATCH_DOCUMENTS", "3");
    let tmp = tempfile::tempdir().unwrap();
    let big = tmp.path().join("big.jsonl");
    let mut lines = String::new();
    for i in 0..40 {
        // Every tenth id repeats an earlier one: a duplicate, rejected wherever it lands.
        let id = if i % 10 == 9 { i - 5 } else { i };
        lines.push_str(&serde_json::json!({"id": format!("n{id}"), "text": report(i)}).to_string());
        lines.push('\n');
        if i == 17 {
            lines.push_str("not json\n");
        }
    }
    fs::write(&big, lines).unwrap();
    let small = tmp.path().join("n3.txt");
    fs::write(&small, report(50)).unwrap();
    let inputs = [big, small];

    let whole = tmp.path().join("whole");
    run(&plan(tmp.path(), &inputs, &whole, None), &Silent).unwrap();
    let parts: Vec<PathBuf> = (0..3)
        .map(|k| {
            let part = tmp.path().join(format!("part-{k}"));
            let p = plan(tmp.path(), &inputs, &part, Some(format!("{k}/3")));
            run(&p, &Silent).unwrap();
            part
        })
        .collect();
    let merged = tmp.path().join("merged");
    let summary = merge(&plan(tmp.path(), &inputs, &merged, None), &parts, &Silent).unwrap();
    assert_eq!(
        summary.rows_of(tables::DOCUMENTS),
        36,
        "n3.txt repeats an id too"
    );
    for t in tables::ALL {
        let csv = |o: &Path| fs::read_to_string(o.join(format!("{t}.csv"))).unwrap();
        assert_eq!(csv(&merged), csv(&whole), "{t}");
    }
}
