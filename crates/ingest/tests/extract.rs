//! Exact mentions from sentences written in the reports' style (not copied from any report).

mod common;

use common::doc;
use solieu_ingest::{Measure, SmallText};

/// (number, unit words, action words, topic words, year) of each mention.
type Row = (
    SmallText,
    SmallText,
    Option<SmallText>,
    Option<SmallText>,
    Option<i32>,
);

fn rows(text: &str) -> Vec<Row> {
    doc(text)
        .mentions
        .into_iter()
        .map(|m| (m.number_raw, m.unit_raw, m.action_raw, m.topic_raw, m.year))
        .collect()
}

fn row(n: &str, u: &str, a: Option<&str>, t: Option<&str>, y: Option<i32>) -> Row {
    (n.into(), u.into(), a.map(Into::into), t.map(Into::into), y)
}

#[test]
fn a_list_shares_its_verb_and_topic() {
    assert_eq!(
        rows("Năm 2022, lực lượng chức năng đã khởi tố 580 vụ, 1.230 bị can liên quan đến tội phạm về trật tự an toàn xã hội."),
        vec![
            row("580", "vụ", Some("khởi tố"), Some("trật tự an toàn xã hội"), Some(2022)),
            row("1.230", "bị can", Some("khởi tố"), Some("trật tự an toàn xã hội"), Some(2022)),
        ]
    );
}

#[test]
fn nearest_verb_of_several_wins_and_topic_before_counts() {
    assert_eq!(
        rows("Về ma túy, Công an tỉnh phát hiện, đấu tranh, xử lý 93 vụ; bắt giữ 41 đối tượng."),
        vec![
            row("93", "vụ", Some("xử lý"), Some("ma túy"), None),
            row("41", "đối tượng", Some("bắt giữ"), Some("ma túy"), None),
        ]
    );
}

#[test]
fn a_change_beside_its_level_is_one_row() {
    let d = doc(
        "Trong năm 2023, toàn tỉnh xảy ra 215 vụ phạm pháp hình sự, giảm 12 vụ so với năm 2022.",
    );
    assert_eq!(d.mentions.len(), 1);
    let m = &d.mentions[0];
    assert_eq!((m.number_raw.as_str(), m.measure), ("215", Measure::Level));
    let c = m.change.as_ref().expect("change attached");
    assert_eq!(
        (c.direction_raw.as_str(), c.number_raw.as_str()),
        ("giảm", "12")
    );
    assert_eq!(c.baseline.as_deref(), Some("year:2022"));
    assert_eq!(m.year, Some(2023));
    assert_eq!(d.report_year, Some(2023));
}

#[test]
fn a_change_without_level_is_a_change_row() {
    let d = doc("Năm 2021, tội phạm về trật tự xã hội giảm 6,4% so với cùng kỳ.");
    let m = &d.mentions[0];
    assert_eq!(
        (m.number_raw.as_str(), m.unit_raw.as_str(), m.measure),
        ("6,4", "%", Measure::Change)
    );
    assert_eq!(m.topic_raw.as_deref(), Some("trật tự xã hội"));
    assert_eq!(
        m.change.as_ref().and_then(|c| c.baseline.as_deref()),
        Some("same_period")
    );
}

#[test]
fn a_bracketed_change_attaches_to_the_level_of_its_unit() {
    let d = doc("Phát hiện, bắt giữ 140 vụ, 190 đối tượng phạm tội về ma túy (so với năm 2021, ít hơn 20 vụ, nhiều hơn 15 đối tượng).");
    let got: Vec<(&str, Option<&str>)> = d
        .mentions
        .iter()
        .map(|m| {
            (
                m.number_raw.as_str(),
                m.change.as_ref().map(|c| c.number_raw.as_str()),
            )
        })
        .collect();
    assert_eq!(got, vec![("140", Some("20")), ("190", Some("15"))]);
}

#[test]
fn passive_takes_the_verb_after_the_list() {
    assert_eq!(
        rows("Tại hội nghị, 5 tập thể, 8 cá nhân được Bộ Công an tặng Bằng khen."),
        vec![
            row(
                "5",
                "tập thể",
                Some("tặng Bằng khen"),
                Some("Bằng khen"),
                None
            ),
            row(
                "8",
                "cá nhân",
                Some("tặng Bằng khen"),
                Some("Bằng khen"),
                None
            ),
        ]
    );
}

#[test]
fn ratios_money_and_qualifiers() {
    let d = doc("Lực lượng chức năng triệt xóa 14/14 ổ nhóm, thu giữ hơn 2,5 tỷ đồng và gần 300 viên ma túy tổng hợp.");
    let got: Vec<_> = d
        .mentions
        .iter()
        .map(|m| {
            (
                m.number_raw.as_str(),
                m.denominator_raw.as_deref(),
                m.multiplier_raw.as_deref(),
                m.unit_raw.as_str(),
                m.qualifier_raw.as_deref(),
            )
        })
        .collect();
    assert_eq!(
        got,
        vec![
            ("14", Some("14"), None, "ổ nhóm", None),
            ("2,5", None, Some("tỷ"), "đồng", Some("hơn")),
            ("300", None, None, "viên", Some("gần")),
        ]
    );
}

#[test]
fn traffic_verbs_after_the_figure() {
    assert_eq!(
        rows("Năm 2024, trên địa bàn xảy ra 31 vụ tai nạn giao thông, làm 19 người chết, 24 người bị thương."),
        vec![
            row("31", "vụ", Some("xảy ra"), Some("tai nạn giao thông"), Some(2024)),
            row("19", "người", Some("chết"), Some("tai nạn giao thông"), Some(2024)),
            row("24", "người", Some("bị thương"), Some("tai nạn giao thông"), Some(2024)),
        ]
    );
}

#[test]
fn dates_codes_bodies_and_ages_are_not_statistics() {
    let d = doc("Sáng 18/1, thực hiện Chỉ thị 09-CT/TW, Kết luận 44-KL/TW ngày 22/1/2019, Ban Chỉ đạo 138 tỉnh họp lúc 19:44:00. Đối tượng Nguyễn Văn A, sinh năm 1993, 31 tuổi, trong Chuyên án 222L, gọi số 0912 345 678. Đang online: 1");
    assert_eq!(d.mentions, vec![]);
}

#[test]
fn period_shorter_than_a_year_keeps_its_year() {
    let d = doc("6 tháng đầu năm 2023, Công an tỉnh tiếp nhận 412 tin báo về tội phạm.");
    let m = &d.mentions[0];
    assert_eq!(
        (m.year, m.period.as_deref()),
        (Some(2023), Some("6 tháng đầu năm 2023"))
    );
}

#[test]
fn period_spanning_years_has_no_year() {
    let d = doc("Năm 2023 là năm bản lề. Trong 2 năm thực hiện Chương trình, toàn tỉnh xây dựng 120 mô hình tự quản.");
    let m = &d.mentions[0];
    assert_eq!(
        (m.year, m.period.as_deref()),
        (None, Some("2 năm thực hiện"))
    );
}

#[test]
fn spans_cut_on_character_boundaries() {
    let text = "Công an tỉnh thu giữ 2,3 kg ma túy đá.";
    let d = doc(text);
    let m = &d.mentions[0];
    assert_eq!(&text[m.span_start..m.span_end], "2,3 kg");
    assert_eq!(m.mention, "2,3 kg");
}

#[test]
fn province_comes_from_the_text() {
    let d = doc("Công an tỉnh Thanh Hoá tổng kết năm 2023.\nTỉnh Thanh Hóa xảy ra 12 vụ cháy.");
    assert_eq!(d.province.as_deref(), Some("Thanh Hóa"));
}

#[test]
fn page_navigation_ends_the_article() {
    let d = doc("Công an tỉnh tổng kết công tác năm 2023\nCông an tỉnh bắt giữ 12 đối tượng.\nTin cùng chuyên mục\nBắt 99 đối tượng trộm cắp");
    assert_eq!(d.mentions.len(), 1);
    assert_eq!(
        d.title.as_deref(),
        Some("Công an tỉnh tổng kết công tác năm 2023")
    );
}

/// (number, measure, the attached change's (direction, number)) of each mention.
type ChangeRow = (SmallText, Measure, Option<(SmallText, SmallText)>);

fn changes(text: &str) -> Vec<ChangeRow> {
    doc(text)
        .mentions
        .into_iter()
        .map(|m| {
            let c = m.change.map(|c| (c.direction_raw, c.number_raw));
            (m.number_raw, m.measure, c)
        })
        .collect()
}

fn ch(n: &str, m: Measure, c: Option<(&str, &str)>) -> ChangeRow {
    (n.into(), m, c.map(|(d, v)| (d.into(), v.into())))
}

#[test]
fn a_comparison_sentence_attaches_to_the_levels_before_it_by_action() {
    assert_eq!(
        changes("Năm 2024 xảy ra 120 vụ tai nạn giao thông, làm chết 80 người, bị thương 95 người. So với cùng kỳ, giảm 14 vụ (-10,45%), giảm 6 người chết và tăng 3 người bị thương."),
        vec![
            ch("120", Measure::Level, Some(("giảm", "14"))),
            ch("80", Measure::Level, Some(("giảm", "6"))),
            ch("95", Measure::Level, Some(("tăng", "3"))),
            ch("10,45", Measure::Change, Some(("-", "10,45"))),
        ]
    );
}

#[test]
fn a_listed_figure_shares_the_change_word_before_it() {
    assert_eq!(
        changes("Xảy ra 20 vụ tai nạn giao thông, làm chết 12 người, so với cùng kỳ ít hơn 02 vụ, 03 người chết."),
        vec![
            ch("20", Measure::Level, Some(("ít hơn", "02"))),
            ch("12", Measure::Level, Some(("ít hơn", "03"))),
        ]
    );
}

#[test]
fn a_bracketed_percent_after_a_change_is_a_change_row() {
    assert_eq!(
        changes("Toàn tỉnh phát hiện 210 vụ vi phạm, so với cùng kỳ nhiều hơn 10 vụ (5%)."),
        vec![
            ch("210", Measure::Level, Some(("nhiều hơn", "10"))),
            ch("5", Measure::Change, Some(("nhiều hơn", "5"))),
        ]
    );
}

#[test]
fn page_header_navigation_does_not_end_the_article() {
    let d = doc("Thống kê truy cập\nĐang online: 3\nTiêu đề bài\n\nNăm 2023, lực lượng Công an đã bắt giữ 45 đối tượng phạm tội về ma túy trên địa bàn toàn tỉnh.\nTin cùng chuyên mục\nBắt 9 đối tượng");
    assert_eq!(d.mentions.len(), 1);
    assert_eq!(d.mentions[0].number_raw, "45");
}

#[test]
fn a_unit_that_names_its_field_gives_the_topic_and_weak_verbs_yield() {
    assert_eq!(
        rows("Tang vật thu giữ gồm 3 khẩu súng tự chế, 120 viên ma túy tổng hợp."),
        vec![
            row("3", "khẩu súng", Some("thu giữ"), Some("khẩu súng"), None),
            row(
                "120",
                "viên",
                Some("thu giữ"),
                Some("ma túy tổng hợp"),
                None
            ),
        ]
    );
    assert_eq!(
        rows("Tổ công tác thu giữ 4 bánh heroin có trọng lượng khoảng 1,4kg."),
        vec![
            row("4", "bánh", Some("thu giữ"), Some("heroin"), None),
            row("1,4", "kg", Some("thu giữ"), Some("heroin"), None),
        ]
    );
}

#[test]
fn a_document_opening_with_a_multi_year_period_keeps_later_years_empty() {
    let d = doc("Giai đoạn 2018 - 2022, tình hình tội phạm diễn biến phức tạp.\n\nToàn ngành đã thụ lý 4.210 vụ, 6.035 bị can.");
    let got: Vec<_> = d
        .mentions
        .iter()
        .map(|m| (m.year, m.period.as_deref()))
        .collect();
    assert_eq!(
        got,
        vec![
            (None, Some("Giai đoạn 2018 - 2022")),
            (None, Some("Giai đoạn 2018 - 2022"))
        ]
    );
}

#[test]
fn from_the_end_of_a_year_until_now_spans_years() {
    let d = doc("Từ cuối năm 2022 đến nay, Công an huyện đã tiếp nhận 14 tin báo về lừa đảo.");
    assert_eq!(
        (d.mentions[0].year, d.mentions[0].period_spans_years),
        (None, true)
    );
}

#[test]
fn an_aside_keeps_its_verb_topic_and_year_to_itself() {
    assert_eq!(
        rows("Năm 2023, lực lượng chức năng bắt giữ 20 vụ buôn lậu (riêng quý I phát hiện 4 vụ) và 15 vụ liên quan đến ma túy."),
        vec![
            row("20", "vụ", Some("bắt giữ"), Some("buôn lậu"), Some(2023)),
            row("4", "vụ", Some("phát hiện"), Some("buôn lậu"), Some(2023)),
            row("15", "vụ", Some("bắt giữ"), Some("ma túy"), Some(2023)),
        ]
    );
    let d = doc("Giai đoạn 2018 – 2022, số án tăng qua các năm (năm 2019: 100 vụ; năm 2021: 140 vụ). Toàn ngành đã giải quyết 500 vụ.");
    let years: Vec<_> = d.mentions.iter().map(|m| m.year).collect();
    assert_eq!(years, vec![Some(2019), Some(2021), None]);
}

#[test]
fn a_field_written_before_the_number_is_the_figures_and_its_percent_shares_it() {
    assert_eq!(
        rows("Các vụ phạm pháp chủ yếu là trộm cắp tài sản 20 vụ (40%), đánh bạc 10 vụ (20%)."),
        vec![
            row("20", "vụ", None, Some("trộm cắp tài sản"), None),
            row("40", "%", None, Some("trộm cắp tài sản"), None),
            row("10", "vụ", None, Some("đánh bạc"), None),
            row("20", "%", None, Some("đánh bạc"), None),
        ]
    );
}

#[test]
fn an_earlier_clause_gives_way_to_a_field_named_after_the_figure() {
    assert_eq!(
        rows("Tội phạm về ma túy giảm mạnh; 100% tin báo tội phạm đều được tiếp nhận."),
        vec![row("100", "%", None, Some("tội phạm"), None)]
    );
}

#[test]
fn a_verb_that_names_a_field_gives_the_topic() {
    assert_eq!(
        rows("Giám đốc Công an tỉnh tặng giấy khen cho 5 tập thể có thành tích trong phong trào bảo vệ an ninh Tổ quốc."),
        vec![row("5", "tập thể", Some("tặng giấy khen"), Some("giấy khen"), None)]
    );
}

#[test]
fn a_weak_verb_does_not_end_the_clause_that_names_the_field() {
    assert_eq!(
        rows("Bắt giữ 15 đối tượng có hành vi mua bán trái phép chất ma túy."),
        vec![row(
            "15",
            "đối tượng",
            Some("Bắt giữ"),
            Some("chất ma túy"),
            None
        )]
    );
}

#[test]
fn a_field_named_by_a_unit_does_not_carry_to_later_figures() {
    assert_eq!(
        rows("Năm 2023, triệt phá 12 băng, nhóm. So với năm 2022, tăng 3 vụ (+2,5%)."),
        vec![
            row(
                "12",
                "băng, nhóm",
                Some("triệt phá"),
                Some("băng, nhóm"),
                Some(2023)
            ),
            row("3", "vụ", None, None, Some(2023)),
            row("2,5", "%", None, None, Some(2023)),
        ]
    );
}

#[test]
fn a_filler_word_between_number_and_unit_and_a_restated_level() {
    let d = doc("Năm 2023, khám phá 300 vụ. So với năm 2022, tăng 25 số vụ khám phá.");
    assert_eq!(d.mentions.len(), 1);
    let change = d.mentions[0]
        .change
        .as_ref()
        .expect("the change attaches to 300 vụ");
    assert_eq!(
        (change.number_raw.as_str(), change.unit_raw.as_str()),
        ("25", "vụ")
    );
    // `(206/113 vụ)` restates 206 against the comparison count: no share, no denominator.
    let d = doc("Năm 2023 khởi tố 206 vụ, tăng 93 vụ (206/113 vụ).");
    let last = d.mentions.last().expect("the restated level is a row");
    assert_eq!(
        (last.number_raw.as_str(), last.denominator_raw.as_deref()),
        ("206", None)
    );
}

#[test]
fn a_general_field_is_the_documents_topic_when_it_names_no_other() {
    assert_eq!(
        rows("Tình hình tội phạm diễn biến phức tạp. Cơ quan điều tra đã thụ lý 50 vụ."),
        vec![row("50", "vụ", Some("thụ lý"), Some("tội phạm"), None)]
    );
}

#[test]
fn a_percent_after_a_verbless_change_takes_the_verb_of_its_level() {
    assert_eq!(
        rows("Năm 2023, xảy ra 120 vụ tai nạn giao thông. So với năm 2022, giảm 30 vụ (-20%)."),
        vec![
            row(
                "120",
                "vụ",
                Some("xảy ra"),
                Some("tai nạn giao thông"),
                Some(2023)
            ),
            row(
                "20",
                "%",
                Some("xảy ra"),
                Some("tai nạn giao thông"),
                Some(2023)
            ),
        ]
    );
}

#[test]
fn a_verbless_figure_continues_the_last_of_its_unit_and_a_subject_takes_the_verb_after_it() {
    assert_eq!(
        rows("Năm 2023, xảy ra 180 vụ phạm pháp hình sự. Các loại tội phạm chiếm tỷ lệ cao như trộm cắp tài sản 53 vụ, đánh bạc 33 vụ."),
        vec![
            row("180", "vụ", Some("xảy ra"), Some("phạm pháp hình sự"), Some(2023)),
            row("53", "vụ", Some("xảy ra"), Some("trộm cắp tài sản"), Some(2023)),
            row("33", "vụ", Some("xảy ra"), Some("đánh bạc"), Some(2023)),
        ]
    );
    assert_eq!(
        rows("Trong dịp Tết, 83 vụ tai nạn giao thông (TNGT) xảy ra trên cả nước."),
        vec![row(
            "83",
            "vụ",
            Some("xảy ra"),
            Some("tai nạn giao thông"),
            None
        )]
    );
}

#[test]
fn a_numbered_heading_gives_its_section_a_topic() {
    assert_eq!(
        rows("1. Tội phạm về ma túy:\n\nToàn tỉnh bắt giữ 40 vụ.\n\n2. Tội phạm về trật tự quản lý kinh tế:\n\nToàn tỉnh phát hiện 12 vụ."),
        vec![
            row("40", "vụ", Some("bắt giữ"), Some("ma túy"), None),
            row("12", "vụ", Some("phát hiện"), Some("trật tự quản lý kinh tế"), None),
        ]
    );
}

#[test]
fn the_field_of_a_figure_stops_at_the_next_figure_and_reaches_past_a_general_one() {
    assert_eq!(
        rows("Thu giữ 1 bộ dụng cụ sử dụng ma túy, 2 khẩu súng."),
        vec![
            row("1", "bộ", Some("Thu giữ"), Some("ma túy"), None),
            row("2", "khẩu súng", Some("Thu giữ"), Some("khẩu súng"), None),
        ]
    );
    assert_eq!(
        rows("Phát hiện 48 vụ vi phạm pháp luật về môi trường. Toàn tỉnh có 117 mô hình tham gia bảo vệ an ninh trật tự."),
        vec![
            row("48", "vụ", Some("Phát hiện"), Some("môi trường"), None),
            row("117", "mô hình", Some("tham gia"), Some("mô hình"), None),
        ]
    );
}

#[test]
fn a_comparison_clause_takes_no_verb_from_the_clause_before() {
    assert_eq!(
        rows("Năm 2024, xảy ra 45 vụ tai nạn giao thông, bị thương 28 người; so với năm 2023, giảm 5 vụ (-10%)."),
        vec![
            row("45", "vụ", Some("xảy ra"), Some("tai nạn giao thông"), Some(2024)),
            row("28", "người", Some("bị thương"), Some("tai nạn giao thông"), Some(2024)),
            row("10", "%", Some("xảy ra"), Some("tai nạn giao thông"), Some(2024)),
        ]
    );
}
