//! The transform stage on documents ingested from sentences written for the test.

use std::path::PathBuf;

use polars::prelude::*;
use solieu_ingest::{ingest, to_frames, DocDefaults, Gazetteer, Lexicon, Record};
use solieu_transform::transform;

fn lexicon() -> Lexicon {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../pipelines/lexicon");
    Lexicon::load(&dir).expect("the project's lexicon loads")
}

fn record(id: &str, text: &str) -> Record {
    Record {
        doc_id: id.into(),
        source: format!("{id}.txt"),
        bytes: text.as_bytes().to_vec(),
        url: None,
        title: None,
        date: None,
        province: None,
    }
}

fn floats(df: &DataFrame, name: &str) -> Vec<Option<f64>> {
    df.column(name).unwrap().f64().unwrap().iter().collect()
}

fn strs(df: &DataFrame, name: &str) -> Vec<Option<String>> {
    df.column(name)
        .unwrap()
        .str()
        .unwrap()
        .iter()
        .map(|s| s.map(str::to_string))
        .collect()
}

#[test]
fn values_units_changes_and_deltas() {
    let lex = lexicon();
    let gaz = Gazetteer::new(&lex);
    let texts = [
        ("a", "Năm 2022, Công an tỉnh Lai Châu bắt giữ 120 đối tượng về ma túy, thu giữ 350 gam heroin và khoảng 1,5 tỷ đồng."),
        ("b", "Năm 2023, Công an tỉnh Lai Châu bắt giữ 150 đối tượng về ma túy, tăng 30 đối tượng so với năm 2022."),
        ("c", "Năm 2023, tội phạm về trật tự xã hội giảm 12,5% so với cùng kỳ."),
    ];
    let docs: Vec<_> = texts
        .iter()
        .map(|(id, t)| ingest(&record(id, t), &lex, &gaz, &DocDefaults::default()).unwrap())
        .collect();
    let data = transform(to_frames(&docs, &[]).unwrap(), &lex).unwrap();
    let obs = &data.observations;
    assert_eq!(
        floats(obs, "value"),
        vec![
            Some(120.0),
            Some(0.35),
            Some(1.5e9),
            Some(150.0),
            Some(12.5)
        ]
    );
    assert_eq!(
        strs(obs, "unit"),
        ["suspect", "kg", "vnd", "suspect", "percent"].map(|s| Some(s.to_string()))
    );
    assert_eq!(strs(obs, "qualifier")[2].as_deref(), Some("about"));
    // 150, tăng 30 so với năm 2022: baseline 120, +25 %.
    assert_eq!(floats(obs, "baseline_value")[3], Some(120.0));
    assert_eq!(floats(obs, "pct_change")[3], Some(25.0));
    // A change row: its value is the change, signed in pct_change.
    assert_eq!(strs(obs, "measure")[4].as_deref(), Some("change"));
    assert_eq!(floats(obs, "change_value")[4], Some(12.5));
    assert_eq!(floats(obs, "pct_change")[4], Some(-12.5));
    assert_eq!(strs(obs, "baseline")[4].as_deref(), Some("same_period"));

    let d = &data.deltas;
    let arrested: Vec<(Option<String>, Option<f64>, Option<bool>)> = strs(d, "doc_id")
        .into_iter()
        .zip(floats(d, "prev_value"))
        .zip(d.column("consistent").unwrap().bool().unwrap().iter())
        .filter(|((id, _), _)| id.as_deref() == Some("b"))
        .map(|((id, p), c)| (id, p, c))
        .collect();
    assert_eq!(arrested, vec![(Some("b".into()), Some(120.0), Some(true))]);
    assert_eq!(
        data.documents
            .column("n_observations")
            .unwrap()
            .i32()
            .unwrap()
            .iter()
            .collect::<Vec<_>>(),
        vec![Some(3), Some(1), Some(1)]
    );
}

#[test]
fn a_word_is_read_by_its_context() {
    let lex = lexicon();
    let gaz = Gazetteer::new(&lex);
    let text = "Năm 2023, người dân cung cấp 300 tin về tội phạm; báo đăng tải 120 tin bài. Lực lượng chức năng tạm giữ 113 xe, 5 đối tượng.";
    let doc = ingest(&record("a", text), &lex, &gaz, &DocDefaults::default()).unwrap();
    let data = transform(to_frames(&[doc], &[]).unwrap(), &lex).unwrap();
    let obs = &data.observations;
    assert_eq!(
        strs(obs, "unit"),
        ["tip", "document", "vehicle", "suspect"].map(|s| Some(s.to_string()))
    );
    assert_eq!(
        strs(obs, "action")[2..],
        ["seized", "arrested"].map(|s| Some(s.to_string()))
    );
}

#[test]
fn a_series_with_many_reports_a_year_meets_one_previous_point_each() {
    let lex = lexicon();
    let gaz = Gazetteer::new(&lex);
    let docs: Vec<_> = (0..6)
        .map(|i| {
            let year = 2022 + i / 3;
            let text = format!(
                "Năm {year}, Công an tỉnh Lai Châu bắt giữ {} đối tượng về ma túy.",
                100 + i
            );
            ingest(
                &record(&format!("d{i}"), &text),
                &lex,
                &gaz,
                &DocDefaults::default(),
            )
            .unwrap()
        })
        .collect();
    let data = transform(to_frames(&docs, &[]).unwrap(), &lex).unwrap();
    let d = &data.deltas;
    // Six points, six rows: never 3 × 3 for the three 2023 reports against the three of 2022.
    assert_eq!(d.height(), 6, "{d:?}");
    let prev: Vec<_> = strs(d, "prev_doc_id").into_iter().flatten().collect();
    assert_eq!(prev, ["d0", "d0", "d0"]);
}
