//! Composing documents: a headline, an opening paragraph with the event date, paragraphs of
//! framed sentences under a period, distractor sentences and page furniture; and, as each
//! figure is written, its gold row.

use solieu_ingest::text::form_tokens;

use crate::frames::{Piece, Templates};
use crate::rng::Rng;
use crate::{GoldDoc, Obs};

/// One generated document: the text, the metadata a corpus record carries, and its gold.
#[derive(Debug, Clone)]
pub struct GenDoc {
    pub doc_id: String,
    pub text: String,
    pub title: String,
    /// The event date, `YYYY-MM-DD`.
    pub date: String,
    pub province: String,
    pub gold: GoldDoc,
}

/// Makes documents from templates; document `i` of seed `s` is always the same.
#[derive(Debug, Clone)]
pub struct Generator {
    templates: Templates,
    seed: u64,
    weights: Vec<u32>,
}

/// The period a paragraph's figures fall in.
#[derive(Debug, Clone)]
struct Period {
    year: Option<i32>,
    text: Option<String>,
}

/// A figure as written in a sentence, before its context is resolved.
#[derive(Debug, Clone)]
struct Fig {
    obs: Obs,
    /// Byte offset (in the sentence) where the unit words start, and their token count.
    unit_at: usize,
    unit_tokens: usize,
    unit_form: String,
    /// A level that may carry a change; false for a change row.
    level: bool,
    has_change: bool,
    verb_form: Option<String>,
}

struct Sentence {
    text: String,
    figs: Vec<Fig>,
}

/// How the first letter of the next text written is cased.
#[derive(Clone, Copy, PartialEq)]
enum Case {
    Upper,
    Lower,
    AsIs,
}

fn recase(text: &str, case: Case) -> String {
    let mut chars = text.chars();
    match (case, chars.next()) {
        (Case::Upper, Some(c)) => c.to_uppercase().chain(chars).collect(),
        (Case::Lower, Some(c)) => c.to_lowercase().chain(chars).collect(),
        _ => text.to_string(),
    }
}

/// `1.213`, `382.000`; small counts sometimes with a leading zero (`07`).
fn fmt_int(n: u64, rng: &mut Rng) -> String {
    if n < 10 && rng.chance(0.15) {
        return format!("0{n}");
    }
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push('.');
        }
        out.push(c);
    }
    out
}

/// `hundredths` / 100 as vi-VN (`1.213,5`, `17,3`, `8`), shortest form.
fn fmt_hundredths(hundredths: u64, rng: &mut Rng) -> String {
    let int = hundredths / 100;
    let frac = hundredths % 100;
    let mut s = fmt_int(int, rng);
    if s.starts_with('0') && s.len() > 1 {
        s = int.to_string();
    }
    if frac == 0 {
        s
    } else if frac.is_multiple_of(10) {
        format!("{s},{}", frac / 10)
    } else {
        format!("{s},{frac:02}")
    }
}

/// Short all-letter topic abbreviations are written in capitals (`TTXH`, `TNGT`).
fn topic_text(form: &str) -> String {
    if form.len() <= 5 && form.chars().all(|c| c.is_ascii_lowercase()) {
        form.to_ascii_uppercase()
    } else {
        form.to_string()
    }
}

const ROMAN: [&str; 4] = ["I", "II", "III", "IV"];

impl Generator {
    pub fn new(templates: Templates, seed: u64) -> Generator {
        let weights = templates.frames.iter().map(|f| f.weight).collect();
        Generator {
            templates,
            seed,
            weights,
        }
    }

    pub fn templates(&self) -> &Templates {
        &self.templates
    }

    /// Document `index` of this generator's seed.
    pub fn doc(&self, index: u64) -> GenDoc {
        let mut rng = Rng::for_item(self.seed, index);
        let t = &self.templates;
        let doc_id = format!("gen-{:x}-{index:07}", self.seed);
        let year = 2016 + rng.below(9) as i32; // 2016..=2024: events before the 2025 mergers
        let province = rng.pick(&t.provinces).cloned().unwrap_or_default();
        let city = matches!(
            province.as_str(),
            "Hà Nội" | "Hồ Chí Minh" | "Hải Phòng" | "Đà Nẵng" | "Cần Thơ"
        );
        let place = if city { "thành phố" } else { "tỉnh" };
        let day = rng.range(5, 28) as u32;
        let month = rng.range(1, 2) as u32;
        let date = format!("{}-{month:02}-{day:02}", year + 1);

        // Sometimes a headline that states figures: its rows come first.
        let mut observations = Vec::new();
        let headline = if rng.chance(0.25) {
            rng.pick(&t.headlines).cloned()
        } else {
            None
        }
        .map(|pieces| self.sentence(&pieces, None, &mut rng, year, &province));
        if let Some(h) = &headline {
            for f in &h.figs {
                let mut o = f.obs.clone();
                o.year = Some(year);
                observations.push(o);
            }
        }
        let title = match rng.below(3) {
            _ if headline.is_some() => headline.map(|h| h.text).unwrap_or_default(),
            0 => format!("Công an {place} {province} tổng kết công tác năm {year}"),
            1 => format!("{province}: Kết quả bảo đảm an ninh, trật tự năm {year}"),
            _ => format!(
                "Nhìn lại công tác đấu tranh phòng, chống tội phạm năm {year} tại {province}"
            ),
        };
        let mut text = String::new();
        text.push_str(&title);
        if rng.chance(0.3) {
            text.push_str("\nChia sẻ");
        }
        let marker = rng
            .pick(&["Sáng", "Chiều", "Ngày"])
            .copied()
            .unwrap_or("Sáng");
        text.push_str(&format!(
            "\n\n{marker} {day}/{month}/{}, Công an {place} {province} tổ chức Hội nghị tổng kết công tác năm {year}, triển khai nhiệm vụ năm {}.",
            year + 1,
            year + 1
        ));
        if rng.chance(0.5) {
            let d = self.distractor(&mut rng, year);
            if !d.is_empty() {
                text.push(' ');
                text.push_str(&d);
            }
        }

        let paragraphs = rng.range(2, 6);
        for p in 0..paragraphs {
            let (intro, period) = self.intro(&mut rng, year, p == 0);
            let n_sentences = rng.range(1, 3);
            let mut para = String::new();
            let mut para_figs: Vec<(usize, Fig)> = Vec::new();
            for s in 0..n_sentences {
                let Some(fi) = rng.weighted(&self.weights) else {
                    break;
                };
                let alone = t.frames[fi].alone;
                if alone && s > 0 {
                    break;
                }
                let frame_intro = if s == 0 { intro.as_deref() } else { None };
                let sentence =
                    self.sentence(&t.frames[fi].pieces, frame_intro, &mut rng, year, &province);
                if !para.is_empty() {
                    para.push(' ');
                }
                let at = para.len();
                para.push_str(&sentence.text);
                para_figs.extend(sentence.figs.into_iter().map(|f| (at, f)));
                if alone {
                    break;
                }
            }
            if rng.chance(0.3) {
                let d = self.distractor(&mut rng, year);
                if !d.is_empty() {
                    para.push(' ');
                    para.push_str(&d);
                }
            }
            text.push_str("\n\n");
            let base = text.len();
            text.push_str(&para);
            for (at, f) in para_figs {
                let mut o = f.obs;
                o.span_start += base + at;
                o.span_end += base + at;
                o.year = period.year;
                o.period = period.text.clone();
                observations.push(o);
            }
        }
        if rng.chance(0.7) {
            text.push_str(&format!(
                "\n\nTin cùng chuyên mục\nCông an {place} {province}: bắt giữ {} đối tượng trong {} vụ trộm cắp tài sản\nĐang online: {}\nHôm nay: {}",
                rng.range(2, 40),
                rng.range(2, 9),
                rng.range(1, 300),
                fmt_int(rng.range(100, 9000), &mut rng)
            ));
        }
        text.push('\n');
        let gold = GoldDoc {
            doc: doc_id.clone(),
            province: province.clone(),
            report_year: year,
            event_date: date.clone(),
            title: title.clone(),
            observations,
        };
        GenDoc {
            doc_id,
            text,
            title,
            date,
            province,
            gold,
        }
    }

    /// A paragraph opener and the period it sets. The first paragraph always names the year.
    fn intro(&self, rng: &mut Rng, year: i32, first: bool) -> (Option<String>, Period) {
        let whole = Period {
            year: Some(year),
            text: None,
        };
        let choice = if first { rng.below(2) } else { rng.below(11) };
        let part = |text: String| {
            (
                Some(format!("{text}, ")),
                Period {
                    year: Some(year),
                    text: Some(text),
                },
            )
        };
        match choice {
            0 => (Some(format!("Năm {year}, ")), whole),
            1 => (Some(format!("Trong năm {year}, ")), whole),
            2 => part(format!("{} tháng đầu năm {year}", rng.range(2, 11))),
            3 => part(format!("Quý {}/{year}", ROMAN[rng.below(4) as usize])),
            4 => part(format!("Từ đầu năm {year} đến nay")),
            5 => {
                let m = rng.range(1, 12);
                let text = format!("tháng {m}/{year}");
                (
                    Some(format!("Trong {text}, ")),
                    Period {
                        year: Some(year),
                        text: Some(text),
                    },
                )
            }
            6 => {
                let text = format!("{} năm thực hiện", rng.range(2, 5));
                (
                    Some(format!("Trong {text} Chương trình, ")),
                    Period {
                        year: None,
                        text: Some(text),
                    },
                )
            }
            7 => {
                let text = format!(
                    "Từ tháng {}/{} đến tháng {}/{year}",
                    rng.range(7, 12),
                    year - 1,
                    rng.range(1, 9)
                );
                (
                    Some(format!("{text}, ")),
                    Period {
                        year: None,
                        text: Some(text),
                    },
                )
            }
            8 => (
                Some(format!(
                    "Năm {year} (từ ngày 15/12/{} đến ngày 14/12/{year}), ",
                    year - 1
                )),
                whole,
            ),
            // No opener: the figures fall in the report's year.
            _ => (None, whole),
        }
    }

    fn distractor(&self, rng: &mut Rng, year: i32) -> String {
        let Some(pieces) = rng.pick(&self.templates.distractors).cloned() else {
            return String::new();
        };
        self.sentence(&pieces, None, rng, year, "").text
    }

    fn pick_fill(&self, rng: &mut Rng, name: &str) -> String {
        self.templates
            .fill
            .get(name)
            .and_then(|v| rng.pick(v).cloned())
            .unwrap_or_default()
    }

    /// Writes one sentence from a frame, recording each figure's row as it goes.
    fn sentence(
        &self,
        pieces: &[Piece],
        intro: Option<&str>,
        rng: &mut Rng,
        year: i32,
        province: &str,
    ) -> Sentence {
        let t = &self.templates;
        let mut s = String::new();
        let mut case = Case::Upper;
        if let Some(i) = intro {
            s.push_str(i);
            case = Case::Lower;
        }
        let mut figs: Vec<Fig> = Vec::new();
        let mut action: Option<(String, String)> = None; // (canonical, form)
        let mut since_verb = 0usize;
        // The figures a verb after them takes: the list right before it (`7 tập thể, 9 cá nhân`).
        let mut run_start = 0usize;
        let mut last_fig_end: Option<usize> = None;
        let mut sentence_topic: Option<Option<String>> = None;
        let mut baseline: Option<String> = None;
        // The latest {C}: (direction, its form, magnitude, target figure).
        let mut last_change: Option<(String, u64, usize)> = None;

        // Appends text, casing its first letter if it starts the sentence.
        let write = |s: &mut String, text: &str, case: &mut Case, is_slot: bool| {
            let c = if is_slot && *case == Case::Lower {
                Case::AsIs
            } else {
                *case
            };
            if !text.is_empty() {
                s.push_str(&recase(text, c));
                *case = Case::AsIs;
            }
        };

        for piece in pieces {
            let (kind, args) = match piece {
                Piece::Text(x) => {
                    write(&mut s, x, &mut case, false);
                    if x.ends_with(". ") {
                        case = Case::Upper;
                    }
                    continue;
                }
                Piece::Slot { kind, args } => (kind.as_str(), args.as_slice()),
            };
            let arg = |rng: &mut Rng| rng.pick(args).cloned().unwrap_or_default();
            match kind {
                "A" | "AP" | "AV" => {
                    let canon = arg(rng);
                    let forms = match kind {
                        "AV" => t.verbs_any(&canon),
                        _ => t.verbs_for(&canon, kind == "AP"),
                    };
                    let form = rng.pick(&forms).map(|v| v.form.clone()).unwrap_or_default();
                    write(&mut s, &form, &mut case, true);
                    if kind != "A" {
                        for f in &mut figs[run_start.max(since_verb)..] {
                            f.obs.action = Some(canon.clone());
                            f.verb_form = Some(form.clone());
                        }
                    } else {
                        action = Some((canon, form));
                    }
                    since_verb = figs.len();
                }
                "F" | "FW" | "FM" | "FD" | "R" => {
                    let unit = arg(rng);
                    let forms = t.units.get(&unit).cloned().unwrap_or_default();
                    let (unit_form, factor) = rng
                        .pick(&forms)
                        .cloned()
                        .unwrap_or_else(|| (unit.clone(), 1.0));
                    let q_start = s.len();
                    let mut qualifier = "exact".to_string();
                    if kind != "FW" && kind != "R" && rng.chance(0.2) {
                        if let Some((qf, q)) = rng.pick(&t.qualifiers).cloned() {
                            write(&mut s, &format!("{qf} "), &mut case, true);
                            qualifier = q;
                        }
                    }
                    let (number, value, denominator) = match kind {
                        "FW" => {
                            let (w, v) = rng
                                .pick(&t.number_words)
                                .cloned()
                                .unwrap_or(("hai".into(), 2.0));
                            (w, v, None)
                        }
                        "FM" => {
                            let (m, mf) = rng
                                .pick(&t.multipliers)
                                .cloned()
                                .unwrap_or(("triệu".into(), 1e6));
                            let h = if rng.chance(0.5) {
                                rng.count(999) * 100
                            } else {
                                rng.range(11, 999) * 10
                            };
                            (
                                format!("{} {m}", fmt_hundredths(h, rng)),
                                h as f64 / 100.0 * mf,
                                None,
                            )
                        }
                        "FD" => {
                            let h = if unit == "percent" {
                                rng.range(1, 9999)
                            } else {
                                rng.count(99_999)
                            };
                            (fmt_hundredths(h, rng), h as f64 / 100.0, None)
                        }
                        "R" => {
                            let d = rng.count(2000).max(2);
                            let n = if rng.chance(0.3) { d } else { rng.range(1, d) };
                            (
                                format!("{}/{}", fmt_int(n, rng), fmt_int(d, rng)),
                                n as f64,
                                Some(d as f64),
                            )
                        }
                        _ => {
                            let n = rng.count(9999);
                            (fmt_int(n, rng), n as f64, None)
                        }
                    };
                    let joined = last_fig_end.is_some_and(|e| {
                        matches!(s[e.min(q_start)..q_start].trim(), "" | "," | "và" | ", và")
                    });
                    if !joined {
                        run_start = figs.len();
                    }
                    let start = s.len();
                    write(&mut s, &number, &mut case, true);
                    if unit_form != "%" {
                        s.push(' ');
                    }
                    let unit_at = s.len();
                    s.push_str(&unit_form);
                    let obs = Obs {
                        value: value * factor,
                        unit: unit.clone(),
                        measure: "level".into(),
                        denominator,
                        qualifier,
                        topic: None,
                        action: action.as_ref().map(|a| a.0.clone()),
                        year: None,
                        period: None,
                        change_direction: None,
                        change_value: None,
                        change_unit: None,
                        baseline: None,
                        mention: s[start..].to_string(),
                        span_start: start,
                        span_end: s.len(),
                    };
                    last_fig_end = Some(s.len());
                    figs.push(Fig {
                        obs,
                        unit_at,
                        unit_tokens: form_tokens(&unit_form).len(),
                        unit_form,
                        level: true,
                        has_change: false,
                        verb_form: action.as_ref().map(|a| a.1.clone()),
                    });
                }
                "C" | "C+" => {
                    let Some(k) = figs.iter().position(|f| f.level && !f.has_change) else {
                        continue;
                    };
                    let v = figs[k].obs.value.max(2.0) as u64;
                    let v = if kind == "C+" { v.max(2) } else { v };
                    let (form, dir) = match (kind, &last_change) {
                        ("C+", Some((dir, _, _))) => (String::new(), dir.clone()),
                        _ => {
                            // An increase is smaller than the level, so its baseline is positive.
                            let changes: Vec<_> = t
                                .changes
                                .iter()
                                .filter(|c| v > 2 || c.1 == "decrease")
                                .cloned()
                                .collect();
                            rng.pick(&changes)
                                .cloned()
                                .unwrap_or(("giảm".into(), "decrease".into()))
                        }
                    };
                    let mag = rng.range(1, (v - 1).max(1));
                    let num = fmt_int(mag, rng);
                    if kind == "C+" {
                        s.push_str(", ");
                    } else {
                        write(&mut s, &format!("{form} "), &mut case, true);
                    }
                    s.push_str(&format!("{num} {}", figs[k].unit_form));
                    let f = &mut figs[k];
                    f.has_change = true;
                    f.obs.change_direction = Some(dir.clone());
                    f.obs.change_value = Some(mag as f64);
                    f.obs.change_unit = Some("count".into());
                    last_change = Some((dir, mag, k));
                }
                "CS" => {
                    let Some((dir, mag, k)) = last_change.clone() else {
                        continue;
                    };
                    let v = figs[k].obs.value;
                    let base = if dir == "decrease" {
                        v + mag as f64
                    } else {
                        v - mag as f64
                    };
                    if base <= 0.0 {
                        if s.ends_with(' ') {
                            s.pop();
                        }
                        continue;
                    }
                    let h = ((mag as f64 / base) * 10_000.0).round().max(1.0) as u64;
                    let sign = if dir == "decrease" { "-" } else { "+" };
                    let num = fmt_hundredths(h, rng);
                    let equals = args.first().is_some_and(|a| a == "eq");
                    if equals {
                        s.push_str("= ");
                    } else {
                        s.push_str(&format!("({sign}"));
                    }
                    let start = s.len();
                    s.push_str(&format!("{num}%"));
                    let end = s.len();
                    if !equals {
                        s.push(')');
                    }
                    let value = h as f64 / 100.0;
                    let mut obs = change_obs(value, "percent", &dir, &s[start..end], start, end);
                    obs.action = figs[k].obs.action.clone();
                    let verb_form = figs[k].verb_form.clone();
                    figs.push(Fig {
                        obs,
                        unit_at: end - 1,
                        unit_tokens: 1,
                        unit_form: "%".into(),
                        level: false,
                        has_change: false,
                        verb_form,
                    });
                }
                "CT" => {
                    let Some(k) = figs
                        .len()
                        .checked_sub(1)
                        .filter(|&k| figs[k].level && !figs[k].has_change)
                    else {
                        continue;
                    };
                    let (form, dir) = rng
                        .pick(&t.changes)
                        .cloned()
                        .unwrap_or(("tăng".into(), "increase".into()));
                    s.push_str(&format!("{form} "));
                    if rng.chance(0.4) {
                        if let Some((qf, _)) = rng.pick(&t.qualifiers).cloned() {
                            let last = form.rsplit(' ').next().unwrap_or("");
                            if !t.qualifier_forms.contains(&format!("{last} {qf}")) {
                                s.push_str(&format!("{qf} "));
                            }
                        }
                    }
                    let h = rng.range(11, 60) * 10;
                    let unit_form = t
                        .units
                        .get("times")
                        .and_then(|f| rng.pick(f).map(|x| x.0.clone()))
                        .unwrap_or_else(|| "lần".into());
                    s.push_str(&format!("{} {unit_form}", fmt_hundredths(h, rng)));
                    let f = &mut figs[k];
                    f.has_change = true;
                    f.obs.change_direction = Some(dir);
                    f.obs.change_value = Some(h as f64 / 100.0);
                    f.obs.change_unit = Some("times".into());
                }
                "CP" => {
                    let Some(k) = figs
                        .len()
                        .checked_sub(1)
                        .filter(|&k| figs[k].level && !figs[k].has_change)
                    else {
                        continue;
                    };
                    let (form, dir) = rng
                        .pick(&t.changes)
                        .cloned()
                        .unwrap_or(("tăng".into(), "increase".into()));
                    let h = rng.range(1, 9999);
                    let num = fmt_hundredths(h, rng);
                    s.push_str(&format!("{form} {num}%"));
                    let f = &mut figs[k];
                    f.has_change = true;
                    f.obs.change_direction = Some(dir);
                    f.obs.change_value = Some(h as f64 / 100.0);
                    f.obs.change_unit = Some("percent".into());
                }
                "CR" => {
                    let unit = arg(rng);
                    let (form, dir) = rng
                        .pick(&t.changes)
                        .cloned()
                        .unwrap_or(("giảm".into(), "decrease".into()));
                    write(&mut s, &format!("{form} "), &mut case, true);
                    let mut qualifier = "exact".to_string();
                    if rng.chance(0.3) {
                        if let Some((qf, q)) = rng.pick(&t.qualifiers).cloned() {
                            // Not when the change word's end and the qualifier read as another
                            // qualifier (`ít hơn` + `gần` = `hơn gần`): see the report's list.
                            let last = form.rsplit(' ').next().unwrap_or("");
                            let fused = format!("{last} {qf}");
                            if !t.qualifier_forms.contains(&fused) {
                                s.push_str(&format!("{qf} "));
                                qualifier = q;
                            }
                        }
                    }
                    let h = match unit.as_str() {
                        "times" => rng.range(11, 60) * 10,
                        "percent" => rng.range(1, 9999),
                        _ => rng.count(999) * 100, // a count
                    };
                    let unit_form = t
                        .units
                        .get(&unit)
                        .and_then(|f| rng.pick(f).map(|x| x.0.clone()))
                        .unwrap_or_else(|| unit.clone());
                    let start = s.len();
                    s.push_str(&fmt_hundredths(h, rng));
                    if unit_form != "%" {
                        s.push(' ');
                    }
                    let unit_at = s.len();
                    s.push_str(&unit_form);
                    let end = s.len();
                    let mut obs =
                        change_obs(h as f64 / 100.0, &unit, &dir, &s[start..end], start, end);
                    obs.qualifier = qualifier;
                    obs.action = action.as_ref().map(|a| a.0.clone());
                    figs.push(Fig {
                        obs,
                        unit_at,
                        unit_tokens: form_tokens(&unit_form).len(),
                        unit_form,
                        level: false,
                        has_change: false,
                        verb_form: action.as_ref().map(|a| a.1.clone()),
                    });
                }
                "B" => {
                    let Some((pattern, canon)) = rng.pick(&t.baselines).cloned() else {
                        continue;
                    };
                    // One year: the year before; two (`giai đoạn {year}-{year}`): three years
                    // before to the year before.
                    let two = pattern.matches("{year}").count() > 1;
                    let first_year = if two { year - 3 } else { year - 1 };
                    let mut text = pattern.replacen("{year}", &first_year.to_string(), 1);
                    text = text.replace("{year}", &(year - 1).to_string());
                    text = text.replace("{n}", &rng.range(3, 9).to_string());
                    text = text.replace("{roman}", ROMAN[rng.below(4) as usize]);
                    write(&mut s, &text, &mut case, true);
                    baseline = Some(canon.replace("{year}", &first_year.to_string()));
                }
                "T" => {
                    let group = args.first().cloned().unwrap_or_default();
                    let topics = t.topic_groups.get(&group).cloned().unwrap_or_default();
                    let topic = rng.pick(&topics).cloned().unwrap_or_default();
                    let forms = t.topics.get(&topic).cloned().unwrap_or_default();
                    let form = rng.pick(&forms).cloned().unwrap_or_default();
                    write(&mut s, &topic_text(&form), &mut case, true);
                    sentence_topic = Some(Some(topic));
                }
                "TT" => {
                    let group = args.first().cloned().unwrap_or_default();
                    let mut topics = t.topic_groups.get(&group).cloned().unwrap_or_default();
                    let n = rng.range(2, 3).min(topics.len() as u64) as usize;
                    let mut phrases = Vec::new();
                    for _ in 0..n {
                        let i = rng.below(topics.len() as u64) as usize;
                        let topic = topics.remove(i);
                        let forms = t.topics.get(&topic).cloned().unwrap_or_default();
                        phrases.push(topic_text(&rng.pick(&forms).cloned().unwrap_or_default()));
                    }
                    let text = match phrases.split_last() {
                        Some((last, rest)) if !rest.is_empty() => {
                            format!("{} và {last}", rest.join(", "))
                        }
                        _ => phrases.join(""),
                    };
                    write(&mut s, &text, &mut case, true);
                    sentence_topic = Some(None);
                }
                "fill" => {
                    let name = args.first().cloned().unwrap_or_default();
                    let x = self.pick_fill(rng, &name);
                    write(&mut s, &x, &mut case, true);
                }
                "Y" => write(&mut s, &year.to_string(), &mut case, true),
                "province" => write(&mut s, province, &mut case, true),
                "Y-1" => write(&mut s, &(year - 1).to_string(), &mut case, true),
                "n" => write(&mut s, &rng.range(2, 99).to_string(), &mut case, true),
                "m" => write(&mut s, &rng.range(1, 12).to_string(), &mut case, true),
                "dm" => {
                    let x = format!("{}/{}", rng.range(1, 28), rng.range(1, 12));
                    write(&mut s, &x, &mut case, true);
                }
                _ => {}
            }
        }

        // Context: topic (a unit naming its own field, else the sentence's topic phrase, else
        // the topic the verb names) and baseline of every change.
        for f in &mut figs {
            // A topic phrase starting inside the unit words, read on a few words from there.
            let rest: String = s[f.unit_at..]
                .split(' ')
                .take(f.unit_tokens + 6)
                .collect::<Vec<_>>()
                .join(" ");
            let rest = form_tokens(&rest);
            let unit_topic = t
                .topic_named_in(&rest, 2)
                .filter(|(i, _, _)| *i < f.unit_tokens)
                .map(|(_, topic, _)| topic.to_string());
            f.obs.topic = unit_topic.or_else(|| match &sentence_topic {
                Some(topic) => topic.clone(),
                None => f
                    .verb_form
                    .as_ref()
                    .and_then(|v| t.topic_named_in(&form_tokens(v), 0))
                    .map(|(_, topic, _)| topic.to_string()),
            });
            if f.obs.change_direction.is_some() {
                f.obs.baseline = baseline.clone();
            }
        }
        Sentence {
            text: s,
            figs: figs
                .into_iter()
                .filter(|f| !f.unit_form.is_empty())
                .collect(),
        }
    }
}

fn change_obs(value: f64, unit: &str, dir: &str, mention: &str, start: usize, end: usize) -> Obs {
    Obs {
        value,
        unit: unit.to_string(),
        measure: "change".into(),
        denominator: None,
        qualifier: "exact".into(),
        topic: None,
        action: None,
        year: None,
        period: None,
        change_direction: Some(dir.to_string()),
        change_value: Some(value),
        change_unit: Some(if unit == "percent" || unit == "times" {
            unit.to_string()
        } else {
            "count".into()
        }),
        baseline: None,
        mention: mention.to_string(),
        span_start: start,
        span_end: end,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_are_written_the_vietnamese_way() {
        let mut r = Rng::new(3);
        assert_eq!(fmt_int(1213, &mut r), "1.213");
        assert_eq!(fmt_int(382_000, &mut r), "382.000");
        assert_eq!(fmt_int(45, &mut r), "45");
        assert_eq!(fmt_hundredths(1730, &mut r), "17,3");
        assert_eq!(fmt_hundredths(895, &mut r), "8,95");
        assert_eq!(fmt_hundredths(121_350, &mut r), "1.213,5");
        assert_eq!(fmt_hundredths(800, &mut r), "8");
    }

    #[test]
    fn casing_touches_the_first_letter_only() {
        assert_eq!(recase("đã bắt", Case::Upper), "Đã bắt");
        assert_eq!(recase("Trên địa bàn", Case::Lower), "trên địa bàn");
        assert_eq!(recase("12 vụ", Case::Upper), "12 vụ");
    }
}
