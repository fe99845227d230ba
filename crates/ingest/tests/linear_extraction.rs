//! Extraction is linear in a paragraph's figures (issue 14 item 6): a list of hundreds of
//! thousands of figures, and as many short sentences in one paragraph, are read whole and right.
//! The sizes are chosen so that rules walking the paragraph once per figure would take many
//! minutes, while reading it once takes a second or two.

mod common;

use common::lexicon;
use solieu_ingest::{extract, normalize, Measure};

/// One paragraph of `text`, extracted.
fn mentions(text: &str) -> Vec<solieu_ingest::Mention> {
    let text = normalize(text);
    extract(&text, &[(0, text.len())], &lexicon()).mentions
}

#[test]
fn a_verbless_list_of_200k_figures_shares_its_verb_year_and_field() {
    let n = 200_000;
    let list: Vec<String> = (0..n).map(|i| format!("{} vụ", 1000 + i % 9000)).collect();
    let text = format!(
        "Năm 2023, lực lượng chức năng bắt giữ {} về ma túy.",
        list.join(", ")
    );
    let found = mentions(&text);
    assert_eq!(found.len(), n);
    for (i, m) in found.iter().enumerate() {
        assert_eq!(m.number_raw, (1000 + i % 9000).to_string(), "figure {i}");
        assert_eq!(m.unit_raw, "vụ");
        assert_eq!(m.measure, Measure::Level);
        assert_eq!(m.action_raw.as_deref(), Some("bắt giữ"), "figure {i}");
        assert_eq!(m.topic_raw.as_deref(), Some("ma túy"), "figure {i}");
        assert_eq!(m.year, Some(2023), "figure {i}");
        assert!(m.change.is_none());
        // The evidence is bounded whatever the sentence's length.
        assert!(m.sentence.chars().count() <= 400);
    }
}

#[test]
fn a_paragraph_of_100k_short_sentences_keeps_each_sentence_apart() {
    let n = 100_000;
    let text: String = (0..n)
        .map(|i| {
            format!(
                "Năm {}, khởi tố {} vụ trộm cắp tài sản, giảm {} vụ so với cùng kỳ. ",
                2001 + i % 20,
                10 + i % 90,
                1 + i % 9
            )
        })
        .collect();
    let found = mentions(&text);
    assert_eq!(found.len(), n);
    for (i, m) in found.iter().enumerate() {
        assert_eq!(m.number_raw, (10 + i % 90).to_string(), "sentence {i}");
        assert_eq!(m.action_raw.as_deref(), Some("khởi tố"), "sentence {i}");
        assert_eq!(
            m.topic_raw.as_deref(),
            Some("trộm cắp tài sản"),
            "sentence {i}"
        );
        assert_eq!(m.year, Some(2001 + (i % 20) as i32), "sentence {i}");
        let change = m
            .change
            .as_ref()
            .expect("the decrease is the level's change");
        assert_eq!(change.number_raw, (1 + i % 9).to_string(), "sentence {i}");
        assert_eq!(
            change.baseline.as_deref(),
            Some("same_period"),
            "sentence {i}"
        );
    }
}

#[test]
fn a_list_of_100k_figures_each_with_its_general_field_or_weak_verb_is_read_right() {
    let n = 100_000;
    // Each figure names the general field after it: no figure looks past its own.
    let list: Vec<String> = (0..n)
        .map(|i| format!("{} vụ về tội phạm", 10 + i % 90))
        .collect();
    let found = mentions(&format!("{}.", list.join(", ")));
    assert_eq!(found.len(), n);
    for (i, m) in found.iter().enumerate() {
        assert_eq!(m.number_raw, (10 + i % 90).to_string(), "figure {i}");
        assert_eq!(m.topic_raw.as_deref(), Some("tội phạm"), "figure {i}");
    }
    // Each figure has its own weak verb: no figure walks back over the others'.
    let list: Vec<String> = (0..n).map(|i| format!("có {} vụ", 10 + i % 90)).collect();
    let found = mentions(&format!("{}.", list.join(", ")));
    assert_eq!(found.len(), n);
    for (i, m) in found.iter().enumerate() {
        assert_eq!(m.action_raw.as_deref(), Some("có"), "figure {i}");
        assert_eq!(
            m.span_start,
            found[0].span_start + i * (found[1].span_start - found[0].span_start),
            "figure {i}"
        );
    }
}
