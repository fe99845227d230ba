//! SPEC "What is a statistic": each kind of number that is not one, written before a word that
//! would otherwise read as its unit, so every test fails if its rule goes. Each text also holds
//! one real figure, so an extractor that finds nothing cannot pass. Sentences are written for the
//! project, in the reports' style.

mod common;

use common::doc;

/// The mentions found, as written.
fn found(text: &str) -> Vec<String> {
    doc(text)
        .mentions
        .into_iter()
        .map(|m| m.mention.into())
        .collect()
}

const REAL: &str = " Công an huyện bắt giữ 3 đối tượng.";

fn only_the_real_figure(distractor: &str) {
    assert_eq!(
        found(&format!("{distractor}{REAL}")),
        vec!["3 đối tượng".to_string()],
        "in: {distractor}"
    );
}

#[test]
fn digit_runs_longer_than_any_figure() {
    only_the_real_figure("Hệ thống ghi nhận mã 12345678901234567890 đối tượng truy cập.");
    only_the_real_figure(&format!("Tệp lỗi ghi {} đối tượng.", "9".repeat(400)));
    // Sixteen digits is still a figure: a sum of money written out in full.
    assert_eq!(
        found("Thu hồi 1.234.567.890.123.456 đồng."),
        vec!["1.234.567.890.123.456 đồng".to_string()]
    );
}

#[test]
fn dates_in_every_form() {
    for d in [
        "Ngày 22/1/2019 người dân trình báo.",
        "Chiều 10/2 người dân trình báo.",
        "Sáng 11-1 người dân trình báo.",
        "Đêm 10.2 người dân trình báo.",
        "Từ tháng 10/2022 người dân trình báo.",
    ] {
        only_the_real_figure(d);
    }
}

#[test]
fn times() {
    for d in [
        "Lúc 19:44:00 người dân trình báo.",
        "Khoảng 21 giờ 30 người dân trình báo.",
    ] {
        only_the_real_figure(d);
    }
}

#[test]
fn years() {
    only_the_real_figure("Năm 2023 người dân tích cực trình báo.");
}

#[test]
fn numbers_of_decrees_plans_and_directives() {
    for d in [
        "Thực hiện Nghị định 100/2019/NĐ-CP người dân chấp hành.",
        "Theo Chỉ thị 48-CT/TW người dân chấp hành.",
        "Theo Quyết định số 1234 người dân chấp hành.",
        "Theo Kế hoạch 15 người dân chấp hành.",
    ] {
        only_the_real_figure(d);
    }
}

#[test]
fn names_of_bodies_with_numbers() {
    for d in [
        "Ban Chỉ đạo 138 tỉnh họp phiên thường kỳ.",
        "Đề án 06 người dân hưởng ứng.",
        "Đại hội khóa 12 người dân theo dõi.",
    ] {
        only_the_real_figure(d);
    }
}

#[test]
fn ordinals() {
    only_the_real_figure("Đây là lần thứ 3 vụ việc tái diễn.");
}

#[test]
fn ages_and_birth_years() {
    let d = doc("Đối tượng Trần Văn B, sinh năm 1993, cùng đồng bọn bị bắt giữ 3 đối tượng.");
    let years: Vec<_> = d.mentions.iter().map(|m| m.year).collect();
    assert_eq!(years, vec![None], "a birth year is not the figure's year");
}

#[test]
fn code_names_and_phone_numbers() {
    for d in [
        "Chuyên án 222L người dân phối hợp.",
        "Chuyên án 01 đối tượng cầm đầu.",
        "Gọi đường dây nóng 113 người dân được hỗ trợ.",
        "Liên hệ số 0912 345 678 người dân được hỗ trợ.",
        "Liên hệ 0912345678 người dân được hỗ trợ.",
    ] {
        only_the_real_figure(d);
    }
}

#[test]
fn page_furniture() {
    only_the_real_figure("Đang online: 12 người\nLượt xem: 1.234 lượt\n");
}

#[test]
fn approximate_words_without_a_number() {
    only_the_real_figure("Xảy ra hàng chục vụ, hàng trăm người bị ảnh hưởng, nhiều vụ khác.");
}

#[test]
fn programme_durations() {
    let d = doc("Trong 2 năm thực hiện Chương trình, lực lượng chức năng bắt giữ 3 đối tượng.");
    let m: Vec<_> = d
        .mentions
        .iter()
        .map(|m| (m.mention.as_str(), m.year, m.period.as_deref()))
        .collect();
    assert_eq!(m, vec![("3 đối tượng", None, Some("2 năm thực hiện"))]);
}

#[test]
fn text_cut_off_at_the_end_of_the_file() {
    // `5 đ` is what is left of `5 đối tượng` (or `5 đồng`) when a scrape stops mid-word.
    assert_eq!(
        found("Công an huyện bắt giữ 3 đối tượng, tạm giữ 5 đ"),
        vec!["3 đối tượng".to_string()]
    );
    // A last line that ends on a whole unit word is not cut short.
    assert_eq!(
        found("Công an huyện bắt giữ 3 đối tượng"),
        vec!["3 đối tượng".to_string()]
    );
}
