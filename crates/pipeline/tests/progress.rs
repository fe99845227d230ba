//! What a caller's progress display sees: bytes within a single corpus file as it is read,
//! and the documents and rejects so far.

use std::fs;
use std::sync::Mutex;

mod common;

use solieu_pipeline::{run, Overrides, Plan, Progress};

/// Every call a run makes, in order.
#[derive(Default)]
struct Recording {
    advances: Mutex<Vec<u64>>,
    documents: Mutex<Vec<usize>>,
    rejects: Mutex<Vec<usize>>,
}

impl Progress for Recording {
    fn advance(&self, bytes: u64) {
        self.advances.lock().unwrap().push(bytes);
    }
    fn documents(&self, documents: usize) {
        self.documents.lock().unwrap().push(documents);
    }
    fn rejects(&self, rejects: usize) {
        self.rejects.lock().unwrap().push(rejects);
    }
}

#[test]
fn a_single_jsonl_corpus_moves_the_progress_as_it_is_read() {
    let tmp = tempfile::tempdir().unwrap();
    let corpus = tmp.path().join("corpus.jsonl");
    let mut lines = String::new();
    for i in 0..40 {
        let text = format!(
            "Năm 2024, Công an huyện {i} đã phát hiện {} vụ buôn lậu, thu giữ {} tấn đường.",
            3 + i,
            10 + i
        );
        lines.push_str(&serde_json::json!({"id": format!("d{i}"), "text": text}).to_string());
        lines.push('\n');
        if i % 10 == 9 {
            lines.push_str("{not json\n");
        }
    }
    fs::write(&corpus, &lines).unwrap();
    let size = lines.len() as u64;

    let file = common::pipeline_file(tmp.path());
    let o = Overrides {
        inputs: vec![corpus.display().to_string()],
        out: Some(tmp.path().join("out")),
        formats: Some(vec!["csv".into()]),
        ..Overrides::default()
    };
    let recording = Recording::default();
    run(&Plan::resolve(&file, &o).unwrap(), &recording).unwrap();

    let advances = recording.advances.lock().unwrap();
    let positions: Vec<u64> = advances
        .iter()
        .scan(0, |at, b| {
            *at += b;
            Some(*at)
        })
        .collect();
    assert!(
        positions.len() >= 40,
        "a call per record at least: {positions:?}"
    );
    assert!(positions.windows(2).all(|w| w[0] < w[1]), "{positions:?}");
    assert!(positions[positions.len() / 2] < size, "{positions:?}");
    assert_eq!(positions.last(), Some(&size), "the whole file in the end");

    assert_eq!(recording.documents.lock().unwrap().last(), Some(&44));
    assert_eq!(recording.rejects.lock().unwrap().last(), Some(&4));
}
