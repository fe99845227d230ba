//! The context a figure inherits from how reports are written: the report's own year against
//! the years it compares with, the dateline, periods and baselines, changes apart from their
//! levels, topic and action by frame. Every sentence is written for the project.

mod common;

use common::{doc, ingest_with, record};
use solieu_ingest::{Date, DocDefaults, Measure, SmallText};

fn years(text: &str) -> Vec<Option<i32>> {
    doc(text).mentions.iter().map(|m| m.year).collect()
}

#[test]
fn a_year_compared_with_is_never_the_report_year() {
    let d = doc("6 tháng đầu năm 2024, toàn tỉnh xảy ra 120 vụ tai nạn giao thông, làm chết 40 người. So với cùng kỳ 6 tháng đầu năm 2023, tai nạn giao thông giảm 12 vụ.");
    assert_eq!(d.report_year, Some(2024));
    assert!(d.mentions.iter().all(|m| m.year == Some(2024)), "{d:?}");
    let d = doc("Năm 2021, lực lượng chức năng bắt 40 đối tượng, thu giữ 300 kg ma túy. Lượng ma túy thu giữ gấp 4 lần năm 2020.");
    assert_eq!(d.report_year, Some(2021));
    let times = d
        .mentions
        .iter()
        .find(|m| m.unit_raw == "lần")
        .expect("4 lần");
    assert_eq!(times.measure, Measure::Change);
    assert_eq!(
        times.change.as_ref().and_then(|c| c.baseline.as_deref()),
        Some("year:2020")
    );
    // `so cùng kỳ năm 2021` is one comparison, not a period of 2021.
    let d = doc("Trong 7 ngày nghỉ Tết, xảy ra 12 vụ cháy, giảm so cùng kỳ năm 2021.\nKhám phá 30 vụ, bắt 45 đối tượng.");
    assert!(d.mentions.iter().all(|m| m.year != Some(2021)), "{d:?}");
}

#[test]
fn the_dateline_names_the_year_when_the_text_names_none() {
    let d = doc(" date 2023-06 Từ đầu năm đến nay, Công an huyện bắt giữ 50 đối tượng.");
    assert_eq!(d.published_in_text, Date::new(2023, 6, 1));
    assert_eq!(d.report_year, Some(2023));
    assert_eq!(
        years(" date 2023-06 Từ đầu năm đến nay, Công an huyện bắt giữ 50 đối tượng."),
        vec![Some(2023)]
    );
    // A review published in January that speaks of the year just past is about that year.
    let d = doc(" date 2023-01 Trong năm qua, Công an tỉnh khởi tố 75 vụ, 120 bị can.");
    assert_eq!(d.report_year, Some(2022));
    let d = doc(" date 2023-12 Trong năm qua, Công an tỉnh khởi tố 75 vụ, 120 bị can.");
    assert_eq!(d.report_year, Some(2023));
    // The dateline is no figure and no period: `date 2024-01 Năm 2023` is about 2023.
    let d = doc(" date 2024-01 Năm 2023, Công an tỉnh khởi tố 75 vụ. Năm 2024, tỉnh sẽ tiếp tục.");
    assert_eq!(d.report_year, Some(2023));
    assert_eq!(d.mentions[0].year, Some(2023));
}

#[test]
fn a_page_header_dateline_is_the_publication_date_not_the_title() {
    let d = doc("Thứ Sáu, 20/01/2023, 10:39 [GMT+7]\nCông an huyện tổng kết công tác năm 2022\nNăm 2022, Công an huyện đã bắt giữ 35 đối tượng, khởi tố 20 vụ án về ma túy trên địa bàn.");
    assert_eq!(d.published_in_text, Date::new(2023, 1, 20));
    assert_eq!(
        d.title.as_deref(),
        Some("Công an huyện tổng kết công tác năm 2022")
    );
    let d = doc(" date 2025-08-19 Ngày 18-8, Công an tỉnh tặng 12 giấy khen.");
    assert_eq!(d.published_in_text, Date::new(2025, 8, 19));
    // A date that opens a sentence is the article's, not a dateline.
    let d = doc("20/01/2023, Công an huyện bắt giữ 35 đối tượng.");
    assert_eq!(d.published_in_text, None);
    // A dateline's time and zone, read after its date, are the dateline's too: the article
    // opens after them.
    let d = doc("Chủ Nhật, 14/09/2021, 15:46:00 (GMT+7) Công an huyện bắt giữ 35 đối tượng.");
    assert_eq!(d.published_in_text, Date::new(2021, 9, 14));
    assert_eq!(
        d.mentions[0].sentence,
        "Công an huyện bắt giữ 35 đối tượng."
    );
}

#[test]
fn a_cumulative_date_names_its_year() {
    let d = doc("Tính đến ngày 20-10-2021, lực lượng chức năng đã bắt giữ 86 vụ, 120 đối tượng.");
    assert_eq!(d.report_year, Some(2021));
    assert_eq!(
        years("Trong tháng 11-2025, Ban Chỉ đạo đã phát hiện 42 vụ buôn lậu."),
        vec![Some(2025)]
    );
}

#[test]
fn without_a_date_a_comparison_year_implies_the_year_after_it() {
    let d = doc("Từ đầu năm đến nay, xảy ra 30 vụ cháy, giảm 5 vụ so với cùng kỳ năm 2019.");
    assert_eq!(d.report_year, Some(2020));
    // With a dateline, the dateline decides.
    let d = doc(
        " date 2021-05 Từ đầu năm đến nay, xảy ra 30 vụ cháy, giảm 5 vụ so với cùng kỳ năm 2019.",
    );
    assert_eq!(d.report_year, Some(2021));
}

#[test]
fn a_period_spanning_years_leaves_the_year_empty() {
    assert_eq!(
        years("Từ 15/10/2016 đến 14/10/2021, toàn tỉnh xảy ra 520 vụ tai nạn giao thông."),
        vec![None]
    );
    assert_eq!(
        years("Trong những năm qua, Công an tỉnh tổ chức 900 đợt tuyên truyền."),
        vec![None]
    );
    // An anniversary is no period: the awards fall in the report's year.
    let d = doc(" date 2025-08-19 Lễ kỷ niệm 80 năm Ngày truyền thống. Dịp này, 12 tập thể được tặng bằng khen.");
    assert_eq!(d.mentions.len(), 1);
    assert_eq!(d.mentions[0].year, Some(2025));
}

#[test]
fn a_period_after_a_comparison_word_is_its_baseline() {
    let baselines = |text: &str| -> Vec<Option<String>> {
        doc(text)
            .mentions
            .iter()
            .map(|m| {
                m.change
                    .as_ref()
                    .and_then(|c| c.baseline.as_deref().map(str::to_string))
            })
            .collect()
    };
    assert_eq!(
        baselines("Trong tháng 5/2022, xảy ra 17 vụ ma túy. So với tháng 4, số vụ tăng 10 vụ."),
        vec![Some("previous_period".to_string())]
    );
    assert_eq!(
        baselines("6 tháng đầu năm 2024 xảy ra 17 vụ cháy, giảm 3 vụ so với 6 tháng đầu năm 2023."),
        vec![Some("same_period".to_string())]
    );
}

#[test]
fn a_number_before_a_campaign_word_stays_a_figure() {
    let d = doc("Năm 2022, Công an tỉnh triển khai 4 đợt cao điểm tấn công tội phạm.");
    assert_eq!(d.mentions.len(), 1);
    let d = ingest_with(
        &record("Trong đợt cao điểm, Công an tỉnh bắt 12 đối tượng."),
        &DocDefaults {
            province: None,
            report_year: Some(2024),
        },
    );
    assert_eq!(d.mentions[0].year, Some(2024));
}

/// (number, measure, change direction word, change number, baseline) of each row.
type ChangeRow = (
    SmallText,
    Measure,
    Option<SmallText>,
    Option<SmallText>,
    Option<SmallText>,
);

fn changes(text: &str) -> Vec<ChangeRow> {
    doc(text)
        .mentions
        .into_iter()
        .map(|m| {
            let c = m.change.as_ref();
            (
                m.number_raw.clone(),
                m.measure,
                c.map(|c| c.direction_raw.clone()),
                c.map(|c| c.number_raw.clone()),
                c.and_then(|c| c.baseline.clone()),
            )
        })
        .collect()
}

fn level(n: &str, change: Option<(&str, &str, &str)>) -> ChangeRow {
    (
        n.into(),
        Measure::Level,
        change.map(|c| c.0.into()),
        change.map(|c| c.1.into()),
        change.map(|c| c.2.into()),
    )
}

#[test]
fn a_comparison_after_a_caption_attaches_to_the_levels_before_it() {
    let text = "Trong quý I/2024, toàn tỉnh xảy ra 210 vụ tai nạn giao thông, làm chết 85 người, bị thương 140 người.\n\nLực lượng chức năng khám nghiệm hiện trường vụ tai nạn làm 1 người chết. Ảnh: Minh Châu\n\nSo với cùng kỳ năm 2023, tai nạn giao thông giảm 15 vụ, tăng 6 người chết và giảm 9 người bị thương.";
    assert_eq!(
        changes(text),
        vec![
            level("210", Some(("giảm", "15", "same_period"))),
            level("85", Some(("tăng", "6", "same_period"))),
            level("140", Some(("giảm", "9", "same_period"))),
            level("1", None),
        ]
    );
}

#[test]
fn a_percent_right_after_its_level_is_its_change() {
    assert_eq!(
        changes("Năm 2023, toàn tỉnh xảy ra 310 vụ TNGT (tăng 3% so với năm 2022), làm chết 120 người (giảm 8% so với năm 2022)."),
        vec![
            level("310", Some(("tăng", "3", "year:2022"))),
            level("120", Some(("giảm", "8", "year:2022"))),
        ]
    );
    assert_eq!(
        changes("Năm 2023, Công an tỉnh khởi tố 1.250 vụ án hình sự, tăng 12,5% so với năm 2022."),
        vec![level("1.250", Some(("tăng", "12,5", "year:2022")))]
    );
    assert_eq!(
        changes("Năm 2023, xảy ra 95 vụ phạm tội về trật tự xã hội, giảm 20% so với cùng kỳ."),
        vec![level("95", Some(("giảm", "20", "same_period")))]
    );
}

#[test]
fn a_percent_naming_its_quantity_finds_that_level() {
    assert_eq!(
        changes("Xảy ra 400 vụ, làm chết 120 người, bị thương 300 người; so với cùng kỳ số vụ tăng 5%, số người chết giảm 3% và số người bị thương tăng 7%."),
        vec![
            level("400", Some(("tăng", "5", "same_period"))),
            level("120", Some(("giảm", "3", "same_period"))),
            level("300", Some(("tăng", "7", "same_period"))),
        ]
    );
    // From the sentence after the levels, when its own states none.
    assert_eq!(
        changes("Trong 5 tháng, cả nước xảy ra 3.200 vụ tai nạn giao thông, làm chết 1.900 người. So với cùng kỳ năm 2022, số vụ tai nạn giao thông giảm 11,2%."),
        vec![
            level("3.200", Some(("giảm", "11,2", "same_period"))),
            level("1.900", None),
        ]
    );
    // A field named that the level is not about: the percent stays a row of its own.
    let rows = changes("Năm 2022, bắt giữ 300 vụ về ma túy. Qua đó, giảm 9% số vụ phạm tội về trật tự xã hội so với cùng kỳ.");
    assert_eq!(rows[0], level("300", None));
    assert_eq!(rows[1].1, Measure::Change);
}

#[test]
fn percents_listed_with_their_quantities_share_the_change_word() {
    let rows = changes("Tai nạn giao thông giảm hơn 11% số vụ, hơn 10% số người chết và hơn 21% số người bị thương.");
    assert_eq!(rows.len(), 3);
    assert!(
        rows.iter()
            .all(|r| r.1 == Measure::Change && r.2.as_deref() == Some("giảm")),
        "{rows:?}"
    );
}

#[test]
fn baselines_as_reports_write_them() {
    for (text, baseline) in [
        (
            "Số vụ phạm pháp hình sự giảm 36,5% so với thời gian liền kề.",
            "previous_period",
        ),
        (
            "Phạm pháp hình sự được kéo giảm 7,8% so với cùng kì.",
            "same_period",
        ),
        (
            "So với giai đoạn từ 2011 - 2015, tai nạn giao thông giảm 14%.",
            "previous_period",
        ),
        ("Số vụ cháy giảm 12% so với tháng trước.", "previous_period"),
        ("Số vụ trộm cắp giảm 8% so với kỳ trước.", "previous_period"),
        (
            "Số vụ trộm cắp giảm 8% so với năm trước.",
            "previous_period",
        ),
        (
            "Số vụ trộm cắp giảm 8% so với cùng kỳ năm 2022.",
            "same_period",
        ),
    ] {
        assert_eq!(changes(text)[0].4.as_deref(), Some(baseline), "{text}");
    }
}

fn action_topic(text: &str) -> Vec<(SmallText, Option<SmallText>, Option<SmallText>)> {
    doc(text)
        .mentions
        .into_iter()
        .map(|m| (m.number_raw, m.action_raw, m.topic_raw))
        .collect()
}

fn at(
    n: &str,
    action: Option<&str>,
    topic: Option<&str>,
) -> (SmallText, Option<SmallText>, Option<SmallText>) {
    (n.into(), action.map(Into::into), topic.map(Into::into))
}

#[test]
fn prosecution_beats_the_investigation_it_names() {
    assert_eq!(
        action_topic("Năm 2023, Công an tỉnh khởi tố điều tra 45 vụ, 80 bị can về ma túy."),
        vec![
            at("45", Some("khởi tố điều tra"), Some("ma túy")),
            at("80", Some("khởi tố điều tra"), Some("ma túy")),
        ]
    );
}

#[test]
fn a_percent_of_deaths_or_injuries_takes_that_outcome() {
    let rows = action_topic("So với cùng kỳ, tai nạn giao thông giảm 12% số vụ, giảm 9% số người chết và giảm 15% số người bị thương.");
    assert_eq!(rows[1].1.as_deref(), Some("chết"));
    assert_eq!(rows[2].1.as_deref(), Some("bị thương"));
}

#[test]
fn an_offence_beats_its_channel_as_the_documents_topic() {
    // The figures name no field; the document is about fraud committed online, which it names
    // with its channel, and then names the channel's technology twice more.
    let d = doc("Công an tỉnh triệt phá đường dây lừa đảo chiếm đoạt tài sản trên không gian mạng.\n\nCác đối tượng dùng mạng viễn thông, phương tiện điện tử để lừa đảo người dân.\n\nLực lượng chức năng bắt giữ 14 đối tượng, thu giữ 20 điện thoại.");
    assert!(
        d.mentions
            .iter()
            .all(|m| m.topic_raw.as_deref() == Some("lừa đảo chiếm đoạt tài sản")),
        "{:?}",
        d.mentions
    );
}

#[test]
fn criminal_cases_are_crime_in_general_criminal_offenders_social_order() {
    assert_eq!(
        action_topic("Tỷ lệ điều tra, khám phá án hình sự đạt 88%.")[0]
            .2
            .as_deref(),
        Some("án hình sự")
    );
    assert_eq!(
        action_topic("Năm 2022, tội phạm hình sự giảm 6%.")[0]
            .2
            .as_deref(),
        Some("tội phạm hình sự")
    );
}

#[test]
fn handling_cases_criminally_names_no_field() {
    // `xử lý hình sự` says how the cases were dealt with; the field is the clause's.
    assert_eq!(
        action_topic("Về tệ nạn xã hội, Công an huyện đã xử lý hình sự 5 vụ, 9 bị can."),
        vec![
            at("5", Some("xử lý"), Some("tệ nạn xã hội")),
            at("9", Some("xử lý"), Some("tệ nạn xã hội")),
        ]
    );
    // Written after the figures, the same words still name their field.
    assert_eq!(
        action_topic("Công an huyện đã khởi tố 5 vụ án hình sự.")[0]
            .2
            .as_deref(),
        Some("vụ án hình sự")
    );
}

#[test]
fn shares_of_what_is_had_take_the_verb_that_closes_them() {
    let rows = action_topic("Năm 2023, toàn huyện có 18/20 xã, thị trấn; 95/110 thôn, tổ dân phố đạt chuẩn an toàn về an ninh trật tự.");
    assert_eq!(rows.len(), 2, "{rows:?}");
    assert!(
        rows.iter().all(|r| r.1.as_deref() == Some("đạt chuẩn")),
        "{rows:?}"
    );
    // Counts of what is had keep their `có` when a describing verb follows.
    let rows = action_topic(
        "Toàn huyện có 40 mô hình, 300 tổ chức quần chúng tham gia giữ gìn an ninh trật tự.",
    );
    assert!(
        rows.iter().all(|r| r.1.as_deref() == Some("có")),
        "{rows:?}"
    );
}

#[test]
fn verbs_read_by_what_they_count_are_in_the_lexicon() {
    // `có 41 vụ phạm pháp hình sự` occurred; `bắt giữ 12,4 kg` seized (transform reads them).
    let lex = common::lexicon();
    let reads = |form: &str, unit: &str| {
        lex.action_reading_rows
            .iter()
            .find(|r| r.form == form && r.unit == unit)
            .map(|r| r.action.clone())
    };
    assert_eq!(reads("có", "case").as_deref(), Some("occurred"));
    assert_eq!(reads("bắt giữ", "kg").as_deref(), Some("seized"));
    assert_eq!(reads("bắt giữ", "pill").as_deref(), Some("seized"));
}

#[test]
fn what_a_place_has_keeps_its_verb_unless_a_passive_gives_another() {
    // `tham gia` only describes the models had: they are maintained.
    let rows = action_topic("Hiện nay, toàn huyện có 85 mô hình và 1.200 tổ chức quần chúng tham gia bảo vệ an ninh trật tự tại cơ sở.");
    assert_eq!(rows[0].1.as_deref(), Some("có"));
    // After a passive, the verb is theirs.
    let rows = action_topic("Tại hội nghị, có 12 tập thể, 30 cá nhân có thành tích xuất sắc được nhận Giấy khen của Giám đốc Công an tỉnh.");
    assert_eq!(rows[0].1.as_deref(), Some("nhận Giấy khen"));
}

#[test]
fn losing_ones_life_is_being_killed() {
    let rows = action_topic("Vụ tai nạn khiến 3 người thiệt mạng, 5 người bị thương.");
    assert_eq!(rows[0].1.as_deref(), Some("thiệt mạng"));
    let lex = common::lexicon();
    assert!(lex
        .quantity_rows
        .iter()
        .any(|q| q.form == "số người thiệt mạng" && q.action.as_deref() == Some("killed")));
}

#[test]
fn verbs_listed_after_a_passive_end_in_what_became_of_the_figures() {
    let rows = action_topic("Trong tháng, 40 đối tượng bị phát hiện, bắt giữ.");
    assert_eq!(rows[0].1.as_deref(), Some("bắt giữ"));
    let rows = action_topic("Toàn huyện có 12 tập thể được biểu dương và khen thưởng.");
    assert_eq!(rows[0].1.as_deref(), Some("khen thưởng"));
}

#[test]
fn an_audience_reached_or_listening_attended() {
    let rows = action_topic("Công an xã tổ chức 12 buổi tuyên truyền cho 1.500 lượt người nghe.");
    assert_eq!(rows[1].1.as_deref(), Some("nghe"));
    let rows = action_topic("Các buổi nói chuyện chuyên đề đã tiếp cận hơn 3.000 học sinh.");
    assert_eq!(rows[0].1.as_deref(), Some("tiếp cận"));
}

#[test]
fn commending_is_awarding() {
    let rows = action_topic("Năm 2023, đơn vị được Bộ Công an 2 lần biểu dương, khen thưởng.");
    assert_eq!(rows[0].1.as_deref(), Some("biểu dương"));
    // Like `khen thưởng`, the commendation is itself the field.
    assert_eq!(rows[0].2.as_deref(), Some("biểu dương"));
    let rows = action_topic("Hội nghị đã tuyên dương 15 tập thể, 40 cá nhân.");
    assert_eq!(rows[0].1.as_deref(), Some("tuyên dương"));
}

#[test]
fn offences_named_as_the_penal_code_names_them() {
    let rows = action_topic("Năm 2023, khởi tố 120 vụ, 118 bị can về tội vi phạm quy định về điều khiển phương tiện giao thông đường bộ.");
    assert_eq!(
        rows[0].2.as_deref(),
        Some("vi phạm quy định về điều khiển phương tiện giao thông đường bộ")
    );
    let rows = action_topic(
        "Cơ quan điều tra đã khởi tố 3 vụ, 17 bị can về tội nhận hối lộ trong hoạt động đăng kiểm.",
    );
    assert_eq!(rows[0].2.as_deref(), Some("nhận hối lộ"));
}

#[test]
fn a_change_of_the_whole_is_not_a_ratios_part() {
    let rows = changes("Năm 2020, cơ quan chức năng điều tra 341/360 vụ phạm tội về trật tự xã hội, khám phá 35 vụ rất nghiêm trọng. So với cùng kỳ năm 2019, số vụ án giảm 171 vụ.");
    assert_eq!(rows[0], level("341", None));
    assert_eq!(rows[1], level("35", None));
    assert_eq!(rows[2].1, Measure::Change);
}

#[test]
fn more_baselines_and_periods_as_reports_write_them() {
    for (text, baseline) in [
        (
            "Số vụ trộm cắp giảm 8% so với cùng thời điểm năm trước.",
            "same_period",
        ),
        (
            "Số vụ trộm cắp giảm 8% so với kỳ liền kề.",
            "previous_period",
        ),
        (
            "Số vụ cháy giảm 3 vụ so với Tết Nguyên đán 2023.",
            "same_period",
        ),
    ] {
        assert_eq!(changes(text)[0].4.as_deref(), Some(baseline), "{text}");
    }
    // A span of days inside one year keeps that year; the days of a holiday are no figure.
    assert_eq!(
        years("Từ ngày 1/1 đến ngày 15/6/2024, Công an tỉnh bắt giữ 80 đối tượng."),
        vec![Some(2024)]
    );
    let d = doc("Trong 7 ngày nghỉ Tết Nguyên đán, toàn tỉnh xảy ra 5 vụ tai nạn giao thông.");
    assert_eq!(d.mentions.len(), 1);
}

#[test]
fn a_long_sentence_is_cut_to_400_characters_around_the_mention() {
    let filler =
        "các lực lượng chức năng tiếp tục tuần tra kiểm soát trên các tuyến đường trọng điểm, ";
    let text = format!(
        "Năm 2023, {}Công an tỉnh bắt giữ 45 đối tượng, {}đảm bảo an ninh trật tự.",
        filler.repeat(8),
        filler.repeat(8)
    );
    let d = doc(&text);
    let m = &d.mentions[0];
    assert!(
        m.sentence.chars().count() <= 400,
        "{}",
        m.sentence.chars().count()
    );
    assert!(
        m.sentence.contains("bắt giữ 45 đối tượng"),
        "{}",
        m.sentence
    );
    assert!(
        m.sentence.starts_with('…') && m.sentence.ends_with('…'),
        "{}",
        m.sentence
    );
    // A short sentence is kept whole.
    let d = doc("Năm 2023, Công an tỉnh bắt giữ 45 đối tượng.");
    assert_eq!(
        d.mentions[0].sentence,
        "Năm 2023, Công an tỉnh bắt giữ 45 đối tượng."
    );
}

#[test]
fn the_days_of_a_named_holiday_keep_its_year() {
    let d = doc("Trong 3 ngày nghỉ Tết Dương lịch 2024 (30/12/2023-1/1/2024), cả nước xảy ra 70 vụ tai nạn giao thông.");
    assert_eq!(d.report_year, Some(2024));
    assert_eq!(d.mentions[0].year, Some(2024));
}

#[test]
fn clauses_listing_figures_share_the_field_that_closes_the_sentence() {
    let rows = action_topic("Năm 2023, Công an tỉnh khởi tố 120 vụ, 118 bị can; truy tố 110 vụ, 110 bị can và đưa ra xét xử 100 vụ, 102 bị cáo về tội vi phạm quy định về điều khiển phương tiện giao thông đường bộ.");
    assert_eq!(rows.len(), 6);
    for r in &rows {
        assert_eq!(
            r.2.as_deref(),
            Some("vi phạm quy định về điều khiển phương tiện giao thông đường bộ"),
            "{r:?}"
        );
    }
}

#[test]
fn a_headlines_change_takes_the_baseline_the_body_states() {
    let rows = changes("Số vụ cháy giảm 12,5%\nTheo Công an tỉnh, 6 tháng đầu năm 2024 xảy ra 35 vụ cháy. So với cùng kỳ năm 2023, số vụ cháy giảm 12,5%.");
    assert_eq!(rows[0].1, Measure::Change);
    assert_eq!(rows[0].4.as_deref(), Some("same_period"));
    // A body sentence keeps its own silence.
    let rows = changes("Theo Công an tỉnh, năm 2024 xảy ra 35 vụ cháy. Tội phạm ma túy giảm 8%. Số vụ cháy giảm 12,5% so với năm 2023.");
    assert_eq!(rows[1].4, None);
}

#[test]
fn a_passive_after_what_the_figures_are_gives_their_verb() {
    let rows = action_topic("Ngày 22-6, 19 đối tượng đá gà bị bắt quả tang tại khu đất trống.");
    assert_eq!(rows[0].1.as_deref(), Some("bắt quả tang"));
}

#[test]
fn handing_out_leaflets_is_providing_them() {
    let rows = action_topic("Năm 2023, Công an huyện cấp phát hơn 5.000 tài liệu tuyên truyền.");
    assert_eq!(rows[0].1.as_deref(), Some("cấp phát"));
}

#[test]
fn a_field_phrase_running_on_from_the_unit_names_the_figure() {
    // `vụ án hình sự` begins with the unit: the figure is about criminal cases in general, not
    // the fields named before it in the clause.
    let rows = action_topic("Trong bối cảnh án kinh tế, tham nhũng diễn biến phức tạp, toàn ngành đã khởi tố mới 9.400 vụ án hình sự, tăng 12% so với năm 2022.");
    assert_eq!(rows[0].2.as_deref(), Some("vụ án hình sự"));
    // A narrower field after it still wins.
    let rows = action_topic(
        "Năm 2024, Công an tỉnh khởi tố 3 vụ án hình sự liên quan đến lừa đảo chiếm đoạt tài sản.",
    );
    assert_eq!(rows[0].2.as_deref(), Some("lừa đảo chiếm đoạt tài sản"));
    // Drugs by their street names.
    let rows = action_topic("Khám xét nơi ở, lực lượng chức năng thu giữ 71 viên hồng phiến.");
    assert_eq!(rows[0].2.as_deref(), Some("hồng phiến"));
}

#[test]
fn a_field_named_after_linh_vuc_beats_the_procedure() {
    for text in [
        "Quý I/2024, Công an thành phố phát hiện 64 trường hợp vi phạm hành chính trong lĩnh vực môi trường.",
        "Năm 2024, lực lượng chức năng xử lý 18 vụ vi phạm hành chính thuộc lĩnh vực buôn lậu.",
    ] {
        let rows = action_topic(text);
        assert_ne!(rows[0].2.as_deref(), Some("vi phạm hành chính"), "{text}");
        assert!(
            matches!(rows[0].2.as_deref(), Some("môi trường" | "buôn lậu")),
            "{text}: {rows:?}"
        );
    }
}

#[test]
fn a_percent_after_a_field_introduced_by_lien_quan_den_is_its_levels_change() {
    assert_eq!(
        changes("Năm 2024, Công an huyện điều tra 56 vụ liên quan đến đánh bạc, giảm 7,5% so với năm 2023."),
        vec![level("56", Some(("giảm", "7,5", "year:2023")))]
    );
}
