//! Text as scrapers deliver it: the same report, dirtied one way at a time, gives exactly the
//! rows of the clean one. Each test fails if the normalisation it names goes. The report is
//! written for the project, in the style of a provincial police bulletin.

mod common;

use common::{doc, doc_bytes, record};
use sha2::{Digest, Sha256};
use solieu_ingest::{fold, normalize, prepare, IngestedDocument, RecordText};
use unicode_normalization::UnicodeNormalization;

const CLEAN: &str = "Công an tỉnh Hòa Bình tổng kết công tác năm 2023\n\nNăm 2023, Công an tỉnh Hòa Bình đã bắt giữ 152 vụ, 231 đối tượng phạm tội về ma túy, thu giữ 2,5 kg ma túy tổng hợp.\nLực lượng chức năng khởi tố 48 vụ trộm cắp tài sản, giảm 7 vụ so với năm 2022.";

/// What each row says, compared through the lexicon's folding (case and tone placement).
type Row = (
    String,
    String,
    Option<String>,
    Option<String>,
    Option<i32>,
    bool,
);

fn rows(d: &IngestedDocument) -> Vec<Row> {
    d.mentions
        .iter()
        .map(|m| {
            (
                m.number_raw.to_string(),
                fold(&m.unit_raw),
                m.action_raw.as_deref().map(fold),
                m.topic_raw.as_deref().map(fold),
                m.year,
                m.change.is_some(),
            )
        })
        .collect()
}

fn same_as_clean(dirty: &str) {
    let clean = doc(CLEAN);
    assert_eq!(
        rows(&clean).len(),
        4,
        "the clean report gives its four rows"
    );
    let d = doc(dirty);
    assert_eq!(rows(&d), rows(&clean), "dirty text: {dirty:?}");
    assert_eq!(d.province, clean.province);
    // Spans point into the normalised text the rows were read from.
    let text = normalize(dirty);
    for m in &d.mentions {
        assert!(text.is_char_boundary(m.span_start) && text.is_char_boundary(m.span_end));
        assert_eq!(&text[m.span_start..m.span_end], m.mention);
    }
}

#[test]
fn nfd_input() {
    same_as_clean(&CLEAN.nfd().collect::<String>());
}

#[test]
fn both_tone_mark_placements() {
    same_as_clean(&CLEAN.replace("Hòa", "Hoà").replace("túy", "tuý"));
}

#[test]
fn upper_case_lines() {
    let upper: String = CLEAN
        .lines()
        .map(|l| {
            if l.starts_with("Năm 2023") {
                l.to_uppercase()
            } else {
                l.to_string()
            }
        })
        .collect::<Vec<_>>()
        .join("\n");
    let clean = doc(CLEAN);
    let d = doc(&upper);
    // The figures of an upper-case line are the same figures, whatever their case.
    assert_eq!(rows(&d), rows(&clean));
}

#[test]
fn html_entities_and_leftover_tags() {
    let html = CLEAN
        .replace("Năm 2023, Công an", "<p>Năm 2023,&nbsp;Công an")
        .replace("ma túy tổng hợp.", "ma t&uacute;y tổng hợp.</p><br/>")
        .replace("Lực lượng", "<div class=\"x\">Lực lượng")
        + "</div>";
    same_as_clean(&html);
}

#[test]
fn crlf_line_ends() {
    same_as_clean(&CLEAN.replace('\n', "\r\n"));
}

#[test]
fn zero_width_and_non_breaking_spaces() {
    same_as_clean(
        &CLEAN
            .replace("152 vụ", "152\u{a0}vụ")
            .replace("231 đối", "231\u{200b} đối")
            .replace("2,5 kg", "2,5\u{202f}kg")
            .replace("bắt giữ", "bắt\u{feff} giữ"),
    );
}

#[test]
fn a_utf8_byte_order_mark() {
    let mut bytes = vec![0xEF, 0xBB, 0xBF];
    bytes.extend_from_slice(CLEAN.as_bytes());
    assert_eq!(rows(&doc_bytes(&bytes)), rows(&doc(CLEAN)));
}

#[test]
fn runs_of_blank_lines() {
    same_as_clean(&CLEAN.replace('\n', "\n\n \n\t\n"));
}

#[test]
fn navigation_lines_around_the_article() {
    let page = format!(
        "Trang chủ\nXem thêm\n{CLEAN}\nTin cùng chuyên mục\nBắt giữ 99 đối tượng trộm cắp tài sản\nXem thêm\nĐang online: 12"
    );
    same_as_clean(&page);
}

/// Preparing a record (the step a streamed run takes on its reader thread) gives the
/// normalised text whichever way the record was read, and the hash of its bytes as they came:
/// two copies of a report that differ only in spacing keep different `sha256`s.
#[test]
fn a_record_is_prepared_alike_from_a_corpus_string_or_file_bytes() {
    let variants = [
        CLEAN.to_string(),
        format!("\u{feff}{CLEAN}"),
        format!("\u{feff}\u{feff}{CLEAN}"),
        format!("  {CLEAN}\n\n"),
        CLEAN.replace("Năm 2023,", "<p>Năm&nbsp;2023,"),
    ];
    let mut hashes = std::collections::HashSet::new();
    for raw in &variants {
        let from_file = prepare(record(raw)).expect("prepares");
        let mut corpus = record("");
        corpus.bytes = RecordText::Utf8(raw.clone());
        let from_corpus = prepare(corpus).expect("prepares");
        assert_eq!(from_corpus, from_file, "{raw:?}");
        assert_eq!(from_corpus.text, normalize(raw), "{raw:?}");
        assert_eq!(
            from_corpus.sha256,
            format!("{:x}", Sha256::digest(raw.as_bytes()))
        );
        hashes.insert(from_corpus.sha256);
    }
    assert_eq!(hashes.len(), variants.len());
    // A NUL makes it binary however it was read: a corpus string too is checked as it is kept.
    for bytes in [
        RecordText::Bytes(b"B\xe1\xba\xaft 3 v\xe1\xbb\xa5\0".to_vec()),
        RecordText::Utf8("Bắt 3 vụ\0".to_string()),
    ] {
        let mut nul = record("");
        nul.bytes = bytes;
        let reject = prepare(nul).expect_err("a NUL is binary, not text");
        assert_eq!(reject.source, "t.txt");
        assert!(reject.reason.starts_with("binary"), "{}", reject.reason);
    }
}
