//! The document row: province (text, then record metadata, then the pipeline default, with the
//! 2025 merged names for reports after 1 July 2025), report year, event date and title.
//! Reports are written for the project.

mod common;

use std::collections::BTreeSet;

use common::{doc, ingest_with, lexicon, record};
use solieu_ingest::{Date, DocDefaults};

#[test]
fn the_lexicon_knows_all_63_provinces_and_the_34_after_the_2025_merger() {
    let lex = lexicon();
    let before: BTreeSet<&str> = lex
        .province_rows
        .iter()
        .map(|r| r.province.as_str())
        // Huế became a centrally run city in 2025; it is a name of its own, not a 64th province.
        .filter(|p| *p != "Huế")
        .collect();
    let after: BTreeSet<&str> = lex
        .province_rows
        .iter()
        .map(|r| r.merged_into.as_str())
        .collect();
    assert_eq!(before.len(), 63, "{before:?}");
    assert_eq!(after.len(), 34, "{after:?}");
}

#[test]
fn province_from_the_text_in_its_common_spellings() {
    for (text, province) in [
        (
            "Công an tỉnh Lai Châu tổng kết năm 2023.\nBắt giữ 12 đối tượng.",
            "Lai Châu",
        ),
        (
            "Năm 2023, tỉnh Tuyên Quang xảy ra 40 vụ cháy.",
            "Tuyên Quang",
        ),
        ("Công an TP.HCM vừa triệt phá 3 băng nhóm.", "Hồ Chí Minh"),
        ("Công an Tp.HCM vừa triệt phá 3 băng nhóm.", "Hồ Chí Minh"),
        ("Công an tỉnh Khánh Hoà bắt 7 đối tượng.", "Khánh Hòa"),
        ("CÔNG AN TỈNH ĐẮK LẮK BẮT 7 ĐỐI TƯỢNG.", "Đắk Lắk"),
        ("Công an tỉnh BR-VT bắt 7 đối tượng.", "Bà Rịa - Vũng Tàu"),
    ] {
        assert_eq!(doc(text).province.as_deref(), Some(province), "{text}");
    }
}

#[test]
fn province_names_counted_where_words_join_overlap_or_are_furniture() {
    for (text, province, why) in [
        (
            "Xe khách tuyến Hà Nội-Hải Phòng bị lật, 3 người chết.\nTrên cao tốc Quảng Ninh-Hải Phòng, cảnh sát xử lý 12 vụ.",
            "Hải Phòng",
            "a route joins two names into one token (`nội-hải`): the name after the hyphen counts",
        ),
        (
            "Công an bắt giữ 12 đối tượng ở Hà Nội.\nChia sẻ: Công an Lai Châu\nCông an Lai Châu khởi tố 3 vụ.",
            "Lai Châu",
            "a sharing line is dropped from the article, but its name still says where the report is from",
        ),
        (
            "Sau khi gây án, đối tượng bỏ trốn về quê nhà Nam Định thì bị bắt.",
            "Nam Định",
            "`hà Nam` from inside `nhà` is no name, and does not hide the one that starts at a word",
        ),
        (
            "Công an Lai Châu khởi tố 3 vụ; 2023Hà Nội có 5 vụ, 2024Hà Nội có 2 vụ.",
            "Lai Châu",
            "a name glued to a number is not read",
        ),
        (
            "Công an Lai Châu khởi tố 3 vụ, năm 2023 Hà Nội có 5 vụ, Hà Nội có 2 vụ.",
            "Hà Nội",
            "the same names apart from the numbers are",
        ),
    ] {
        assert_eq!(doc(text).province.as_deref(), Some(province), "{why}");
    }
}

#[test]
fn a_report_after_the_merger_uses_the_merged_province() {
    let mut r = record("Công an tỉnh Hà Giang bắt giữ 12 đối tượng.");
    r.date = Some("2025-09-02".into());
    assert_eq!(
        ingest_with(&r, &DocDefaults::default()).province.as_deref(),
        Some("Tuyên Quang")
    );
    r.date = Some("2025-03-02".into());
    assert_eq!(
        ingest_with(&r, &DocDefaults::default()).province.as_deref(),
        Some("Hà Giang")
    );
}

#[test]
fn province_falls_back_to_metadata_then_to_the_pipeline_default() {
    let text = "Lực lượng chức năng bắt giữ 12 đối tượng.";
    let defaults = DocDefaults {
        province: Some("Nghệ An".into()),
        report_year: Some(2024),
    };
    let mut r = record(text);
    assert_eq!(
        ingest_with(&r, &defaults).province.as_deref(),
        Some("Nghệ An")
    );
    r.province = Some("Thanh Hoá".into());
    assert_eq!(
        ingest_with(&r, &defaults).province.as_deref(),
        Some("Thanh Hóa")
    );
    let named = record("Công an tỉnh Lai Châu bắt giữ 12 đối tượng.");
    assert_eq!(
        ingest_with(&named, &defaults).province.as_deref(),
        Some("Lai Châu"),
        "the text wins over metadata and defaults"
    );
    assert_eq!(ingest_with(&r, &defaults).report_year, Some(2024));
}

#[test]
fn report_year_event_date_and_title() {
    let d = doc("Công an tỉnh tổng kết công tác năm 2023\n\nSáng 18/1, Công an tỉnh tổ chức hội nghị tổng kết. Năm 2023, lực lượng chức năng bắt giữ 120 đối tượng, khởi tố 80 vụ.");
    assert_eq!(d.report_year, Some(2023));
    // `Sáng 18/1`, the review of the whole year 2023, is held in the January after it.
    assert_eq!(d.event_date, Date::new(2024, 1, 18));
    assert_eq!(
        d.title.as_deref(),
        Some("Công an tỉnh tổng kết công tác năm 2023")
    );
}

#[test]
fn a_name_after_a_spelling_that_folds_shorter_is_found_without_panic() {
    // `Quỳnh` folds to `qùynh` and `khoẽ` to `khõe`, a byte shorter each: the province named
    // after them must still be read at its own offsets (a name ending in `ế` once panicked).
    let d =
        doc("Xã Quỳnh Lưu, người dân khoẽ mạnh. Công an tỉnh Thừa Thiên Huế bắt giữ 12 đối tượng.");
    assert_eq!(d.province.as_deref(), Some("Thừa Thiên Huế"));
    let d = doc("Ở xã Quỳnh Đôi, Công an tỉnh Nghệ An bắt giữ 12 đối tượng.");
    assert_eq!(d.province.as_deref(), Some("Nghệ An"));
}

#[test]
fn metadata_provinces_in_every_spelling_before_and_after_the_merger() {
    let before = "2024-05-10";
    let after = "2025-08-20";
    for (name, date, province) in [
        ("Hồ Chí Minh", before, "Hồ Chí Minh"),
        ("Hồ Chí Minh", after, "Hồ Chí Minh"),
        ("TP.HCM", before, "Hồ Chí Minh"),
        ("Thành phố Hồ Chí Minh", before, "Hồ Chí Minh"),
        ("Lào Cai", before, "Lào Cai"),
        ("Yên Bái", before, "Yên Bái"),
        ("Yên Bái", after, "Lào Cai"),
        ("Bắc Ninh", before, "Bắc Ninh"),
        ("Bắc Giang", before, "Bắc Giang"),
        ("Bắc Giang", after, "Bắc Ninh"),
        ("Ha Noi", before, "Hà Nội"),
        ("tỉnh Thanh Hoá", before, "Thanh Hóa"),
        ("TP. Hà Nội", before, "Hà Nội"),
        ("Bà Rịa-Vũng Tàu", before, "Bà Rịa - Vũng Tàu"),
        ("Bà Rịa-Vũng Tàu", after, "Hồ Chí Minh"),
        ("BRVT", before, "Bà Rịa - Vũng Tàu"),
        ("Dak Nong", before, "Đắk Nông"),
        ("Dak Nong", after, "Lâm Đồng"),
        ("Đắc Nông", before, "Đắk Nông"),
        ("Kontum", after, "Quảng Ngãi"),
        ("Quang Nam", before, "Quảng Nam"),
        ("Hải Dương", after, "Hải Phòng"),
        ("Kiên Giang", before, "Kiên Giang"),
        ("Kiên Giang", after, "An Giang"),
        ("  An Giang  ", before, "An Giang"),
        ("Thừa Thiên - Huế", before, "Thừa Thiên Huế"),
        ("Tỉnh Hà Nam", before, "Hà Nam"),
        ("Atlantis", before, "Atlantis"),
    ] {
        let mut r = record("Lực lượng chức năng bắt giữ 12 đối tượng.");
        r.province = Some(name.into());
        r.date = Some(date.into());
        assert_eq!(
            ingest_with(&r, &DocDefaults::default()).province.as_deref(),
            Some(province),
            "{name} on {date}"
        );
    }
}

#[test]
fn the_pipeline_default_province_is_read_like_metadata() {
    let defaults = DocDefaults {
        province: Some("Ha Noi".into()),
        report_year: Some(2023),
    };
    let d = ingest_with(
        &record("Lực lượng chức năng bắt giữ 12 đối tượng."),
        &defaults,
    );
    assert_eq!(d.province.as_deref(), Some("Hà Nội"));
}

#[test]
fn event_date_is_never_a_cited_documents_date_or_a_periods_end() {
    let d = doc("Thực hiện Nghị định số 94/2016/NĐ-CP ngày 01/7/2016 của Chính phủ, Bộ Công an công bố số liệu năm 2022 (từ ngày 15/12/2021 đến ngày 14/12/2022). Năm 2022, lực lượng chức năng bắt 50 đối tượng.");
    assert_eq!(d.event_date, None);
    assert_eq!(d.report_year, Some(2022));
}

#[test]
fn event_date_written_with_a_dot_and_resolved_against_the_publication() {
    let d = doc(
        " date 2022-12 Ngày 8.12, tại kỳ họp HĐND tỉnh, Công an tỉnh báo cáo đã khởi tố 47 vụ án.",
    );
    assert_eq!(d.event_date, Date::new(2022, 12, 8));
    // A day in a later month than the publication is of the year before.
    let d = doc(" date 2023-01 Ngày 28.12, Công an tỉnh tổ chức hội nghị, khởi tố 47 vụ án.");
    assert_eq!(d.event_date, Date::new(2022, 12, 28));
}

#[test]
fn a_sites_name_or_page_furniture_is_no_title() {
    let d = doc("Dân Việt\nSơn La: Bắt giữ hơn 100 đối tượng phạm tội về ma túy trong 6 tháng\nTrong 6 tháng đầu năm 2023, Công an tỉnh bắt giữ 100 đối tượng phạm tội về ma túy trên địa bàn.");
    assert_eq!(
        d.title.as_deref(),
        Some("Sơn La: Bắt giữ hơn 100 đối tượng phạm tội về ma túy trong 6 tháng")
    );
    let d = doc("image banner\nCông an huyện tổng kết công tác phòng chống ma túy\nNăm 2023, Công an huyện bắt giữ 35 đối tượng phạm tội về ma túy trên địa bàn huyện.");
    assert_eq!(
        d.title.as_deref(),
        Some("Công an huyện tổng kết công tác phòng chống ma túy")
    );
    // A date and time printed after the headline is the publication date, not the title's.
    let d = doc("Công an tỉnh khám phá 80 vụ tội phạm về trật tự xã hội 29/07/2025 10:53\nTừ đầu năm đến nay, Công an tỉnh đã điều tra khám phá 80 vụ tội phạm về trật tự xã hội.");
    assert_eq!(
        d.title.as_deref(),
        Some("Công an tỉnh khám phá 80 vụ tội phạm về trật tự xã hội")
    );
    assert_eq!(d.published_in_text, Date::new(2025, 7, 29));
    assert_eq!(d.report_year, Some(2025));
}
