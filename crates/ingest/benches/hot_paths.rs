//! The hot paths of ingest, one criterion group each: number scanning (tokenising), lexicon
//! matching, sentence splitting, and a whole paragraph's extraction. The text is a paragraph
//! written for the project in the reports' style, repeated to a realistic length. End-to-end
//! throughput is measured by `just bench`; these say which part moved. The figure-dense lists
//! (one verbless sentence of n figures) show extraction staying linear: 8k figures should cost
//! twice what 4k cost, not four times (issue 14 item 6).

use std::hint::black_box;
use std::path::PathBuf;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use solieu_ingest::Lexicon;
use solieu_ingest::{extract, fold, normalize, sentence_spans, tokenize};

const PARAGRAPH: &str = "Năm 2023, Công an tỉnh đã phát hiện, bắt giữ 1.213 vụ, 2.046 đối tượng phạm tội về ma túy, thu giữ 12,5 kg ma túy tổng hợp, 3.120 viên hồng phiến; khởi tố 677 vụ, 1.102 bị can. So với cùng kỳ năm 2022, giảm 17,3% số vụ phạm tội về trật tự xã hội (ít hơn 141 vụ). Sáng 18/1, tại hội nghị tổng kết, Giám đốc Công an tỉnh tặng Giấy khen cho 26 tập thể và 19 cá nhân. Tai nạn giao thông xảy ra 95 vụ, làm chết 61 người, bị thương 48 người, thiệt hại tài sản ước tính 2,3 tỷ đồng. ";

fn lexicon() -> Lexicon {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../pipelines/lexicon");
    Lexicon::load(&dir).expect("the project's lexicon loads")
}

fn text() -> String {
    normalize(&PARAGRAPH.repeat(8))
}

fn hot_paths(c: &mut Criterion) {
    let lex = lexicon();
    let text = text();
    let tokens = tokenize(&text, 0);
    let mut group = c.benchmark_group("ingest");
    group.throughput(Throughput::Bytes(text.len() as u64));
    group.bench_function("tokenize (number scanning)", |b| {
        b.iter(|| tokenize(black_box(&text), 0))
    });
    group.bench_function("fold", |b| {
        b.iter(|| {
            text.split_whitespace()
                .map(|w| fold(black_box(w)).len())
                .sum::<usize>()
        })
    });
    group.bench_function("lexicon matching (units, actions, topics)", |b| {
        b.iter(|| {
            (0..tokens.len())
                .filter(|&i| {
                    lex.units.match_at(black_box(&tokens), i).is_some()
                        || lex.actions.match_at(&tokens, i).is_some()
                        || lex.topics.match_at(&tokens, i).is_some()
                        || lex.periods.longest_at(&tokens, i).is_some()
                })
                .count()
        })
    });
    group.bench_function("sentence splitting", |b| {
        b.iter(|| sentence_spans(black_box(&text), &lex))
    });
    group.bench_function("extract a paragraph", |b| {
        b.iter(|| {
            extract(black_box(&text), &[(0, text.len())], &lex)
                .mentions
                .len()
        })
    });
    group.finish();
    let mut dense = c.benchmark_group("ingest figure-dense list");
    dense.sample_size(10);
    for n in [4_000usize, 8_000] {
        let list: Vec<String> = (0..n).map(|i| format!("{} vụ", 1000 + i % 9000)).collect();
        let text = normalize(&format!("Năm 2023, bắt giữ {}.", list.join(", ")));
        dense.throughput(Throughput::Elements(n as u64));
        dense.bench_function(format!("extract a verbless list of {n} figures"), |b| {
            b.iter(|| {
                extract(black_box(&text), &[(0, text.len())], &lex)
                    .mentions
                    .len()
            })
        });
    }
    dense.finish();
}

criterion_group!(benches, hot_paths);
criterion_main!(benches);
