//! Composing documents: a headline, an opening paragraph with the event date, paragraphs of
//! framed sentences under a period, distractor sentences and page furniture; and, as each
//! figure is written, its gold row.

use solieu_ingest::form_tokens;

use crate::format::{fmt_hundredths, fmt_int, ROMAN};
use crate::frames::{Number, Piece, Slot, Templates, VerbPlace};
use crate::furniture::{PeriodOpener, Template};
use crate::gold::{GoldDoc, Obs};
use crate::rng::Rng;

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

impl Period {
    /// The report's whole year.
    fn whole(year: i32) -> Period {
        Period {
            year: Some(year),
            text: None,
        }
    }
}

/// The paragraph openers a document draws from, and whether it may hold distractors.
struct Openers<'f> {
    periods: &'f [PeriodOpener],
    first: u64,
    distractors: bool,
}

/// What a document's paragraphs are written from: its year, province, placeholders, openers.
struct Body<'a> {
    year: i32,
    province: &'a str,
    vars: &'a [(&'a str, &'a str)],
    openers: Openers<'a>,
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
    /// The field named right after the figure (`{TF}`), which beats the sentence's.
    own_topic: Option<String>,
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

/// Short all-letter topic abbreviations are written in capitals (`TTXH`, `TNGT`).
fn topic_text(form: &str) -> String {
    if form.len() <= 5 && form.chars().all(|c| c.is_ascii_lowercase()) {
        form.to_ascii_uppercase()
    } else {
        form.to_string()
    }
}

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
        let f = &t.furniture;
        let place = if f.cities.contains(&province) {
            &f.place_city
        } else {
            &f.place_province
        };
        let (year_text, year_before, next_year) = (
            year.to_string(),
            (year - 1).to_string(),
            (year + 1).to_string(),
        );
        let vars = [
            ("province", province.as_str()),
            ("place", place.as_str()),
            ("year", year_text.as_str()),
            ("year-1", year_before.as_str()),
            ("next_year", next_year.as_str()),
        ];
        // A drawn share of documents names no year of its own: see `undated`.
        let undated = rng.chance(f.undated.share);
        if undated {
            return self.undated_doc(rng, doc_id, year, &province, &vars);
        }
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
        // Drawn even for a headline with figures, so the rest of the document stays the same.
        let k = rng.below(f.titles.len() as u64) as usize;
        let title = match headline {
            Some(h) => h.text,
            None => f.titles[k].fill(&vars, &mut rng),
        };
        let mut text = String::new();
        text.push_str(&title);
        if rng.chance(0.3) {
            text.push('\n');
            text.push_str(&f.share);
        }
        text.push_str("\n\n");
        text.push_str(&self.opening(&f.dateline, &vars, day, month, &mut rng));
        if rng.chance(0.5) {
            let d = self.distractor(&mut rng, year);
            if !d.is_empty() {
                text.push(' ');
                text.push_str(&d);
            }
        }
        let body = Body {
            year,
            province: &province,
            vars: &vars,
            openers: Openers {
                periods: &f.periods,
                first: f.first_paragraph_periods,
                distractors: true,
            },
        };
        self.body(&mut rng, &body, &mut text, &mut observations);
        assemble(doc_id, &province, year, date, title, text, observations)
    }

    /// A document that names no year of its own: a page dateline above the headline, an
    /// opening sentence with a day and month, paragraphs under openers without a year. Half are
    /// annual reviews published in January or February of the year after (`năm qua`), half
    /// reports published within their year (`từ đầu năm đến nay`); the dateline decides. Some
    /// of the latter have no page dateline: a comparison with the year before implies the year.
    /// Distractors and headlines with figures are left out: they name years.
    fn undated_doc(
        &self,
        mut rng: Rng,
        doc_id: String,
        year: i32,
        province: &str,
        vars: &[(&str, &str)],
    ) -> GenDoc {
        let f = &self.templates.furniture;
        let u = &f.undated;
        let review = rng.chance(0.5);
        let (kind, pyear, pmonth) = if review {
            (&u.review, year + 1, rng.range(1, 2) as u32)
        } else {
            (&u.current, year, rng.range(3, 12) as u32)
        };
        let pday = rng.range(5, 28) as u32;
        // The event is on or before the day the page was published, in the same month.
        let day = rng.range(1, pday as u64) as u32;
        let date = format!("{pyear}-{pmonth:02}-{day:02}");
        let weekday = solieu_ingest::Date::new(pyear, pmonth, pday)
            .map(|d| d.days_since_epoch().rem_euclid(7) as usize)
            .and_then(|k| u.weekdays.get(k))
            .cloned()
            .unwrap_or_default();
        let (py, pm, pd) = (
            pyear.to_string(),
            format!("{pmonth:02}"),
            format!("{pday:02}"),
        );
        let page_vars = [
            ("pyear", py.as_str()),
            ("pmonth", pm.as_str()),
            ("pday", pd.as_str()),
            ("weekday", weekday.as_str()),
        ];
        let page = rng
            .pick(&u.page_datelines)
            .map(|p| p.fill(&page_vars, &mut rng))
            .unwrap_or_default();
        let without_page = !review && rng.chance(u.without_page_share);
        let k = rng.below(u.titles.len() as u64) as usize;
        let title = u.titles[k].fill(vars, &mut rng);
        let mut text = if without_page {
            title.clone()
        } else {
            format!("{page}\n{title}")
        };
        text.push_str("\n\n");
        text.push_str(&self.opening(&kind.dateline, vars, day, pmonth, &mut rng));
        if without_page {
            text.push(' ');
            text.push_str(&u.comparison.fill(vars, &mut rng));
        }
        let body = Body {
            year,
            province,
            vars,
            openers: Openers {
                periods: &kind.periods,
                first: kind.first_paragraph_periods,
                distractors: false,
            },
        };
        let mut observations = Vec::new();
        self.body(&mut rng, &body, &mut text, &mut observations);
        assemble(doc_id, province, year, date, title, text, observations)
    }

    /// The opening sentence: when (a marker, the day and month) and where the report was given.
    fn opening(
        &self,
        template: &Template,
        vars: &[(&str, &str)],
        day: u32,
        month: u32,
        rng: &mut Rng,
    ) -> String {
        let marker = rng
            .pick(&self.templates.furniture.markers)
            .cloned()
            .unwrap_or_default();
        let (day_text, month_text) = (day.to_string(), month.to_string());
        let dateline_vars = [
            vars,
            &[
                ("marker", marker.as_str()),
                ("day", day_text.as_str()),
                ("month", month_text.as_str()),
            ],
        ]
        .concat();
        template.fill(&dateline_vars, rng)
    }

    /// The paragraphs and the page furniture after them, each figure's row added in order.
    fn body(&self, rng: &mut Rng, doc: &Body, text: &mut String, observations: &mut Vec<Obs>) {
        let f = &self.templates.furniture;
        let paragraphs = rng.range(2, 6);
        for p in 0..paragraphs {
            let (para, figs, period) = self.paragraph(rng, doc, p == 0);
            text.push_str("\n\n");
            let base = text.len();
            text.push_str(&para);
            for (at, f) in figs {
                let mut o = f.obs;
                o.span_start += base + at;
                o.span_end += base + at;
                o.year = period.year;
                o.period = period.text.clone();
                observations.push(o);
            }
        }
        if rng.chance(0.7) {
            text.push_str("\n\n");
            text.push_str(&f.footer.fill(doc.vars, rng));
        }
        text.push('\n');
    }

    /// A paragraph: an opener setting its period, one to three framed sentences (a frame
    /// that stands alone ends it) and sometimes a distractor; each figure with its byte offset
    /// in the paragraph.
    fn paragraph(
        &self,
        rng: &mut Rng,
        doc: &Body,
        first: bool,
    ) -> (String, Vec<(usize, Fig)>, Period) {
        let (year, province, openers) = (doc.year, doc.province, &doc.openers);
        let frames = &self.templates.frames;
        let (intro, period) = self.intro(rng, year, doc.vars, openers, first);
        let n_sentences = rng.range(1, 3);
        let mut para = String::new();
        let mut figs: Vec<(usize, Fig)> = Vec::new();
        for s in 0..n_sentences {
            let Some(fi) = rng.weighted(&self.weights) else {
                break;
            };
            let alone = frames[fi].alone;
            if alone && s > 0 {
                break;
            }
            let frame_intro = if s == 0 { intro.as_deref() } else { None };
            let sentence = self.sentence(&frames[fi].pieces, frame_intro, rng, year, province);
            if !para.is_empty() {
                para.push(' ');
            }
            let at = para.len();
            para.push_str(&sentence.text);
            figs.extend(sentence.figs.into_iter().map(|f| (at, f)));
            if alone {
                break;
            }
        }
        if rng.chance(0.3) && openers.distractors {
            let d = self.distractor(rng, year);
            if !d.is_empty() {
                para.push(' ');
                para.push_str(&d);
            }
        }
        (para, figs, period)
    }

    /// A paragraph opener and the period it sets. The first paragraph draws among the first
    /// openers, which set the report's own period.
    fn intro(
        &self,
        rng: &mut Rng,
        year: i32,
        vars: &[(&str, &str)],
        openers: &Openers,
        first: bool,
    ) -> (Option<String>, Period) {
        let choice = if first {
            rng.below(openers.first)
        } else {
            rng.below(openers.periods.len() as u64)
        };
        let Some(p) = openers.periods.get(choice as usize) else {
            return (None, Period::whole(year));
        };
        let Some(text) = &p.text else {
            let opener = p.opener.as_ref().map(|o| o.fill(vars, rng));
            return (opener, Period::whole(year));
        };
        let text = text.fill(vars, rng);
        let opener_vars = [vars, &[("text", text.as_str())]].concat();
        let opener = p.opener.as_ref().map(|o| o.fill(&opener_vars, rng));
        let period = Period {
            year: (!p.spans_years).then_some(year),
            text: Some(text),
        };
        (opener, period)
    }

    fn distractor(&self, rng: &mut Rng, year: i32) -> String {
        let Some(pieces) = rng.pick(&self.templates.distractors) else {
            return String::new();
        };
        self.sentence(pieces, None, rng, year, "").text
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
        let mut d = Draft::new(&self.templates, intro);
        for piece in pieces {
            match piece {
                Piece::Text(x) => {
                    d.write(x, false);
                    if x.ends_with(". ") || x.ends_with('\n') {
                        d.case = Case::Upper;
                    }
                }
                Piece::Slot { kind, args } => self.slot(&mut d, *kind, args, rng, year, province),
            }
        }
        d.finish()
    }

    /// Writes one slot of a frame.
    fn slot(
        &self,
        d: &mut Draft,
        kind: Slot,
        args: &[String],
        rng: &mut Rng,
        year: i32,
        province: &str,
    ) {
        let arg = |rng: &mut Rng| rng.pick(args).cloned().unwrap_or_default();
        match kind {
            Slot::Verb(place) => {
                let canon = arg(rng);
                d.verb(place, canon, rng);
            }
            Slot::Reading => {
                let form = arg(rng);
                d.reading_verb(form);
            }
            Slot::Figure(number) => {
                let unit = arg(rng);
                d.figure(number, unit, rng);
            }
            Slot::Change if args.first().is_some_and(|a| a == "percent") => {
                d.change_of_next_percent(rng)
            }
            Slot::Change => d.change(false, rng),
            Slot::ChangeNext => d.change(true, rng),
            Slot::ChangeShare => d.change_share(args, rng),
            Slot::ChangePercent => d.change_percent(rng),
            Slot::ChangeTimes => d.change_times(rng),
            Slot::ChangeRow => {
                let unit = arg(rng);
                d.change_row(unit, rng);
            }
            Slot::Baseline => d.baseline(args, rng, year),
            Slot::BaselineYear => {
                let compared = year - rng.range(1, 5) as i32;
                d.write(&compared.to_string(), true);
                d.baseline = Some(format!("year:{compared}"));
            }
            Slot::Topic => d.topic(args, rng),
            Slot::FigureTopic => d.figure_topic(args, rng),
            Slot::Topics => d.topics(args, rng),
            Slot::Fill => {
                let name = args.first().cloned().unwrap_or_default();
                let x = self.pick_fill(rng, &name);
                d.write(&x, true);
            }
            Slot::Year => d.write(&year.to_string(), true),
            Slot::Province => d.write(province, true),
            Slot::YearBefore => d.write(&(year - 1).to_string(), true),
            Slot::SmallNumber => d.write(&rng.range(2, 99).to_string(), true),
            Slot::Month => d.write(&rng.range(1, 12).to_string(), true),
            Slot::DayMonth => {
                let x = format!("{}/{}", rng.range(1, 28), rng.range(1, 12));
                d.write(&x, true);
            }
        }
    }
}

/// A sentence being written from a frame: its text, its figures so far, and the context their
/// rows take (the verb, the topic, the baseline, the latest change).
struct Draft<'t> {
    t: &'t Templates,
    s: String,
    case: Case,
    figs: Vec<Fig>,
    /// The verb before the figures: (canonical action, form).
    action: Option<(String, String)>,
    since_verb: usize,
    /// The figures a verb after them takes: the list right before it (`7 tập thể, 9 cá nhân`).
    run_start: usize,
    last_fig_end: Option<usize>,
    sentence_topic: Option<Option<String>>,
    baseline: Option<String>,
    /// The latest change: (direction, magnitude, target figure).
    last_change: Option<(String, u64, usize)>,
}

impl<'t> Draft<'t> {
    fn new(t: &'t Templates, intro: Option<&str>) -> Draft<'t> {
        let mut d = Draft {
            t,
            s: String::new(),
            case: Case::Upper,
            figs: Vec::new(),
            action: None,
            since_verb: 0,
            run_start: 0,
            last_fig_end: None,
            sentence_topic: None,
            baseline: None,
            last_change: None,
        };
        if let Some(i) = intro {
            d.s.push_str(i);
            d.case = Case::Lower;
        }
        d
    }

    /// Appends text, casing its first letter if it starts the sentence.
    fn write(&mut self, text: &str, is_slot: bool) {
        let c = if is_slot && self.case == Case::Lower {
            Case::AsIs
        } else {
            self.case
        };
        if !text.is_empty() {
            self.s.push_str(&recase(text, c));
            self.case = Case::AsIs;
        }
    }

    /// A verb form of action `canon`; the figures it governs take the action.
    fn verb(&mut self, place: VerbPlace, canon: String, rng: &mut Rng) {
        let forms = self.t.verbs_at(&canon, place);
        let form = rng.pick(&forms).map(|v| v.form.clone()).unwrap_or_default();
        self.write(&form, true);
        if place == VerbPlace::Before {
            self.action = Some((canon, form));
        } else {
            for f in &mut self.figs[self.run_start.max(self.since_verb)..] {
                f.obs.action = Some(canon.clone());
                f.verb_form = Some(form.clone());
            }
        }
        self.since_verb = self.figs.len();
    }

    /// `{AR:form}`: the verb as given; the figures after it take its action, or the one its
    /// reading gives for their unit (applied in `finish`, as for every verb).
    fn reading_verb(&mut self, form: String) {
        let canon = self.t.action_of_form(&form).unwrap_or_default().to_string();
        self.write(&form, true);
        self.action = Some((canon, form));
        self.since_verb = self.figs.len();
    }

    /// A qualifier form and its canonical value, one time in `chance`.
    fn qualifier(&self, rng: &mut Rng, chance: f64) -> Option<(String, String)> {
        if rng.chance(chance) {
            rng.pick(&self.t.qualifiers).cloned()
        } else {
            None
        }
    }

    /// The number of a figure as written, its value and its denominator.
    fn number(&self, number: Number, unit: &str, rng: &mut Rng) -> (String, f64, Option<f64>) {
        match number {
            Number::Words => {
                let (w, v) = rng.pick(&self.t.number_words).cloned().unwrap_or_default();
                (w, v, None)
            }
            Number::Multiplied => {
                let (m, mf) = rng.pick(&self.t.multipliers).cloned().unwrap_or_default();
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
            Number::Decimal => {
                let h = if unit == "percent" {
                    rng.range(1, 9999)
                } else {
                    rng.count(99_999)
                };
                (fmt_hundredths(h, rng), h as f64 / 100.0, None)
            }
            Number::Ratio => {
                let d = rng.count(2000).max(2);
                let n = if rng.chance(0.3) { d } else { rng.range(1, d) };
                (
                    format!("{}/{}", fmt_int(n, rng), fmt_int(d, rng)),
                    n as f64,
                    Some(d as f64),
                )
            }
            Number::Digits => {
                let n = rng.count(9999);
                (fmt_int(n, rng), n as f64, None)
            }
        }
    }

    /// A figure: maybe a qualifier, the number, a unit form; its level row.
    fn figure(&mut self, number: Number, unit: String, rng: &mut Rng) {
        let forms = self.t.units.get(&unit).map(Vec::as_slice).unwrap_or(&[]);
        let (unit_form, factor) = rng
            .pick(forms)
            .cloned()
            .unwrap_or_else(|| (unit.clone(), 1.0));
        let q_start = self.s.len();
        let mut qualifier = "exact".to_string();
        if !matches!(number, Number::Words | Number::Ratio) {
            if let Some((qf, q)) = self.qualifier(rng, 0.2) {
                self.write(&format!("{qf} "), true);
                qualifier = q;
            }
        }
        let (number, value, denominator) = self.number(number, &unit, rng);
        let joiners = [
            "",
            ",",
            &self.t.furniture.and,
            &format!(", {}", self.t.furniture.and),
        ];
        let joined = self
            .last_fig_end
            .is_some_and(|e| joiners.contains(&self.s[e.min(q_start)..q_start].trim()));
        if !joined {
            self.run_start = self.figs.len();
        }
        let start = self.s.len();
        self.write(&number, true);
        if unit_form != "%" {
            self.s.push(' ');
        }
        let unit_at = self.s.len();
        self.s.push_str(&unit_form);
        let obs = Obs {
            value: value * factor,
            unit: unit.clone(),
            measure: "level".into(),
            denominator,
            qualifier,
            topic: None,
            action: self.action.as_ref().map(|a| a.0.clone()),
            year: None,
            period: None,
            change_direction: None,
            change_value: None,
            change_unit: None,
            baseline: None,
            mention: self.s[start..].to_string(),
            span_start: start,
            span_end: self.s.len(),
        };
        self.last_fig_end = Some(self.s.len());
        self.push_figure(obs, unit_at, unit_form, true);
    }

    /// Records a figure whose unit words start at `unit_at`, under the verb before it.
    fn push_figure(&mut self, obs: Obs, unit_at: usize, unit_form: String, level: bool) {
        self.figs.push(Fig {
            obs,
            unit_at,
            unit_tokens: form_tokens(&unit_form).len(),
            unit_form,
            level,
            has_change: false,
            verb_form: self.action.as_ref().map(|a| a.1.clone()),
            own_topic: None,
        });
    }

    /// `{C}`: a change of the first level without one; `{C+}` (`next`): the same direction
    /// again for the next figure of a change list, no change word.
    fn change(&mut self, next: bool, rng: &mut Rng) {
        let Some(k) = self.figs.iter().position(|f| f.level && !f.has_change) else {
            return;
        };
        let v = self.figs[k].obs.value.max(2.0) as u64;
        let v = if next { v.max(2) } else { v };
        let (form, dir) = match (next, &self.last_change) {
            (true, Some((dir, _, _))) => (String::new(), dir.clone()),
            _ => {
                // An increase is smaller than the level, so its baseline is positive.
                let changes: Vec<_> = self
                    .t
                    .changes
                    .iter()
                    .filter(|c| v > 2 || c.1 == "decrease")
                    .collect();
                rng.pick(&changes).map(|&c| c.clone()).unwrap_or_default()
            }
        };
        let mag = rng.range(1, (v - 1).max(1));
        let num = fmt_int(mag, rng);
        if next {
            self.s.push_str(", ");
        } else {
            self.write(&format!("{form} "), true);
        }
        self.s
            .push_str(&format!("{num} {}", self.figs[k].unit_form));
        let f = &mut self.figs[k];
        f.has_change = true;
        f.obs.change_direction = Some(dir.clone());
        f.obs.change_value = Some(mag as f64);
        f.obs.change_unit = Some("count".into());
        self.last_change = Some((dir, mag, k));
    }

    /// `{C:percent}`: a percent change of the first level without one (`giảm 9%`, the quantity
    /// named after it by the frame: `số người chết`).
    fn change_of_next_percent(&mut self, rng: &mut Rng) {
        let Some(k) = self.figs.iter().position(|f| f.level && !f.has_change) else {
            return;
        };
        let (form, dir) = rng.pick(&self.t.changes).cloned().unwrap_or_default();
        let h = rng.range(1, 9999);
        let num = fmt_hundredths(h, rng);
        self.write(&format!("{form} {num}%"), true);
        self.set_change(k, dir, h as f64 / 100.0, "percent");
    }

    /// `{CS}`: the last change again in percent, bracketed or (`{CS:eq}`) after `=`.
    fn change_share(&mut self, args: &[String], rng: &mut Rng) {
        let Some((dir, mag, k)) = self.last_change.clone() else {
            return;
        };
        let v = self.figs[k].obs.value;
        let base = if dir == "decrease" {
            v + mag as f64
        } else {
            v - mag as f64
        };
        if base <= 0.0 {
            if self.s.ends_with(' ') {
                self.s.pop();
            }
            return;
        }
        let h = ((mag as f64 / base) * 10_000.0).round().max(1.0) as u64;
        let sign = if dir == "decrease" { "-" } else { "+" };
        let num = fmt_hundredths(h, rng);
        let equals = args.first().is_some_and(|a| a == "eq");
        if equals {
            self.s.push_str("= ");
        } else {
            self.s.push_str(&format!("({sign}"));
        }
        let start = self.s.len();
        self.s.push_str(&format!("{num}%"));
        let end = self.s.len();
        if !equals {
            self.s.push(')');
        }
        let value = h as f64 / 100.0;
        let mut obs = change_obs(value, "percent", &dir, &self.s[start..end], start, end);
        obs.action = self.figs[k].obs.action.clone();
        let verb_form = self.figs[k].verb_form.clone();
        self.figs.push(Fig {
            obs,
            unit_at: end - 1,
            unit_tokens: 1,
            unit_form: "%".into(),
            level: false,
            has_change: false,
            verb_form,
            own_topic: None,
        });
    }

    /// The last figure, when it is a level without a change yet.
    fn last_level(&self) -> Option<usize> {
        self.figs
            .len()
            .checked_sub(1)
            .filter(|&k| self.figs[k].level && !self.figs[k].has_change)
    }

    /// Marks figure `k` as changed by `value` in `unit`.
    fn set_change(&mut self, k: usize, dir: String, value: f64, unit: &str) {
        let f = &mut self.figs[k];
        f.has_change = true;
        f.obs.change_direction = Some(dir);
        f.obs.change_value = Some(value);
        f.obs.change_unit = Some(unit.into());
    }

    /// A unit form of `unit` (its name when the lexicon has none).
    fn unit_form(&self, unit: &str, rng: &mut Rng) -> String {
        self.t
            .units
            .get(unit)
            .and_then(|f| rng.pick(f).map(|x| x.0.clone()))
            .unwrap_or_else(|| unit.to_string())
    }

    /// Whether qualifier `qf` may follow change word `form`: not when the change word's end
    /// and the qualifier read as another qualifier (`ít hơn` + `gần` = `hơn gần`).
    fn may_follow(&self, form: &str, qf: &str) -> bool {
        let last = form.rsplit(' ').next().unwrap_or("");
        !self.t.qualifier_forms.contains(&format!("{last} {qf}"))
    }

    /// `{CT}`: the last level changed in times (`tăng gần 2 lần`).
    fn change_times(&mut self, rng: &mut Rng) {
        let Some(k) = self.last_level() else {
            return;
        };
        let (form, dir) = rng.pick(&self.t.changes).cloned().unwrap_or_default();
        self.s.push_str(&format!("{form} "));
        if let Some((qf, _)) = self.qualifier(rng, 0.4) {
            if self.may_follow(&form, &qf) {
                self.s.push_str(&format!("{qf} "));
            }
        }
        let h = rng.range(11, 60) * 10;
        let unit_form = self.unit_form("times", rng);
        self.s
            .push_str(&format!("{} {unit_form}", fmt_hundredths(h, rng)));
        self.set_change(k, dir, h as f64 / 100.0, "times");
    }

    /// `{CP}`: the last level changed in percent.
    fn change_percent(&mut self, rng: &mut Rng) {
        let Some(k) = self.last_level() else {
            return;
        };
        let (form, dir) = rng.pick(&self.t.changes).cloned().unwrap_or_default();
        let h = rng.range(1, 9999);
        let num = fmt_hundredths(h, rng);
        self.s.push_str(&format!("{form} {num}%"));
        self.set_change(k, dir, h as f64 / 100.0, "percent");
    }

    /// `{CR}`: a change with no level, a row of its own.
    fn change_row(&mut self, unit: String, rng: &mut Rng) {
        let (form, dir) = rng.pick(&self.t.changes).cloned().unwrap_or_default();
        self.write(&format!("{form} "), true);
        let mut qualifier = "exact".to_string();
        if let Some((qf, q)) = self.qualifier(rng, 0.3) {
            if self.may_follow(&form, &qf) {
                self.s.push_str(&format!("{qf} "));
                qualifier = q;
            }
        }
        let h = match unit.as_str() {
            "times" => rng.range(11, 60) * 10,
            "percent" => rng.range(1, 9999),
            _ => rng.count(999) * 100, // a count
        };
        let unit_form = self.unit_form(&unit, rng);
        let start = self.s.len();
        self.s.push_str(&fmt_hundredths(h, rng));
        if unit_form != "%" {
            self.s.push(' ');
        }
        let unit_at = self.s.len();
        self.s.push_str(&unit_form);
        let end = self.s.len();
        let mut obs = change_obs(
            h as f64 / 100.0,
            &unit,
            &dir,
            &self.s[start..end],
            start,
            end,
        );
        obs.qualifier = qualifier;
        obs.action = self.action.as_ref().map(|a| a.0.clone());
        // A change row is no item of a list: a verb after it (`9% số người chết`) is its own.
        self.run_start = self.figs.len();
        self.push_figure(obs, unit_at, unit_form, false);
    }

    /// `{B}`: a baseline phrase for the sentence's changes; `{B:so}` one that opens with the
    /// comparison word, to open a sentence (a bare `cùng kỳ năm 2022, ...` would read as a period).
    fn baseline(&mut self, args: &[String], rng: &mut Rng, year: i32) {
        let opening = args.first().is_some_and(|a| a == "so");
        let comparison = &self.t.furniture.comparison;
        let opens = |p: &str| {
            p.strip_prefix(comparison.as_str())
                .is_some_and(|r| r.starts_with(' '))
        };
        let patterns: Vec<_> = self
            .t
            .baselines
            .iter()
            .filter(|(p, _)| !opening || opens(p))
            .collect();
        let Some((pattern, canon)) = rng.pick(&patterns).map(|&b| b.clone()) else {
            return;
        };
        // One year: the year before; two (`giai đoạn {year}-{year}`): three years before to
        // the year before.
        let two = pattern.matches("{year}").count() > 1;
        let first_year = if two { year - 3 } else { year - 1 };
        let mut text = pattern.replacen("{year}", &first_year.to_string(), 1);
        text = text.replace("{year}", &(year - 1).to_string());
        text = text.replace("{n}", &rng.range(3, 9).to_string());
        text = text.replace("{roman}", ROMAN[rng.below(4) as usize]);
        self.write(&text, true);
        self.baseline = Some(canon.replace("{year}", &first_year.to_string()));
    }

    /// A topic phrase of `topic`.
    fn topic_phrase(&self, topic: &str, rng: &mut Rng) -> String {
        let forms = self.t.topics.get(topic).map(Vec::as_slice).unwrap_or(&[]);
        topic_text(rng.pick(forms).map(String::as_str).unwrap_or(""))
    }

    /// Writes a phrase of one topic of the group `args` names; returns the topic.
    fn group_topic(&mut self, args: &[String], rng: &mut Rng) -> String {
        let group = args.first().map(String::as_str).unwrap_or("");
        let topics = self
            .t
            .topic_groups
            .get(group)
            .map(Vec::as_slice)
            .unwrap_or(&[]);
        let topic = rng.pick(topics).cloned().unwrap_or_default();
        let text = self.topic_phrase(&topic, rng);
        self.write(&text, true);
        topic
    }

    /// `{T:group}`: one topic phrase; the sentence's figures take its topic.
    fn topic(&mut self, args: &[String], rng: &mut Rng) {
        let topic = self.group_topic(args, rng);
        self.sentence_topic = Some(Some(topic));
    }

    /// `{TF:group}`: a topic phrase naming the field of the figure right before it.
    fn figure_topic(&mut self, args: &[String], rng: &mut Rng) {
        let topic = self.group_topic(args, rng);
        if let Some(f) = self.figs.last_mut() {
            f.own_topic = Some(topic);
        }
    }

    /// `{TT:group}`: two or three topics joined; the clause has no topic.
    fn topics(&mut self, args: &[String], rng: &mut Rng) {
        let group = args.first().cloned().unwrap_or_default();
        let mut topics = self.t.topic_groups.get(&group).cloned().unwrap_or_default();
        let n = rng.range(2, 3).min(topics.len() as u64) as usize;
        let mut phrases = Vec::new();
        for _ in 0..n {
            let i = rng.below(topics.len() as u64) as usize;
            let topic = topics.remove(i);
            phrases.push(self.topic_phrase(&topic, rng));
        }
        let text = match phrases.split_last() {
            Some((last, rest)) if !rest.is_empty() => {
                format!("{} {} {last}", rest.join(", "), self.t.furniture.and)
            }
            _ => phrases.join(""),
        };
        self.write(&text, true);
        self.sentence_topic = Some(None);
    }

    /// The sentence with each figure's context: topic (a unit naming its own field, else the
    /// sentence's topic phrase, else the topic the verb names) and the baseline of a change.
    fn finish(self) -> Sentence {
        let (t, s) = (self.t, self.s);
        let mut figs = self.figs;
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
            f.obs.topic =
                f.own_topic
                    .clone()
                    .or(unit_topic)
                    .or_else(|| match &self.sentence_topic {
                        Some(topic) => topic.clone(),
                        None => f
                            .verb_form
                            .as_ref()
                            .and_then(|v| t.topic_named_in(&form_tokens(v), 0))
                            .map(|(_, topic, _)| topic.to_string()),
                    });
            if f.obs.change_direction.is_some() {
                f.obs.baseline = self.baseline.clone();
            }
            // What a figure counts decides some verbs' action (`bắt giữ 12,4 kg` seized).
            if let (Some(v), Some(_)) = (&f.verb_form, &f.obs.action) {
                if let Some(a) = t.reading(v, &f.obs.unit) {
                    f.obs.action = Some(a.to_string());
                }
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

/// A written document with its gold.
fn assemble(
    doc_id: String,
    province: &str,
    report_year: i32,
    date: String,
    title: String,
    text: String,
    observations: Vec<Obs>,
) -> GenDoc {
    let gold = GoldDoc {
        doc: doc_id.clone(),
        province: province.to_string(),
        report_year,
        event_date: date.clone(),
        title: title.clone(),
        observations,
    };
    GenDoc {
        doc_id,
        text,
        title,
        date,
        province: province.to_string(),
        gold,
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
    fn casing_touches_the_first_letter_only() {
        assert_eq!(recase("đã bắt", Case::Upper), "Đã bắt");
        assert_eq!(recase("Trên địa bàn", Case::Lower), "trên địa bàn");
        assert_eq!(recase("12 vụ", Case::Upper), "12 vụ");
    }
}
