//! Numbers as Vietnamese reports write them (SPEC "Number formats").

use std::collections::HashMap;

use solieu_ingest::fold;

/// Parses a vi-VN number: `.` groups thousands (`1.213` → 1213, `382.000` → 382000), `,` is the
/// decimal mark (`17,3` → 17.3), leading zeros drop (`07` → 7). A `.` that is not followed by
/// exactly three digits is read as a decimal point, the way English-style sources write it
/// (`2.5`). Words (`hai mươi`) are looked up in the lexicon's number words.
pub fn parse_number(raw: &str, words: &HashMap<String, f64>) -> Option<f64> {
    let raw = raw.trim();
    if !raw.starts_with(|c: char| c.is_ascii_digit()) {
        return words.get(&fold(raw)).copied();
    }
    let groups: Vec<&str> = raw.split('.').collect();
    let thousands = groups.len() > 1 && groups[1..].iter().all(|g| digits_then(g, 3));
    let mut s = String::with_capacity(raw.len());
    if thousands || groups.len() == 1 {
        s.push_str(&raw.replace('.', ""));
        if s.matches(',').count() > 1 {
            s = s.replace(',', ""); // `1,234,567`: commas grouping thousands
        } else {
            s = s.replace(',', ".");
        }
    } else {
        // `2.5` or `1.234,5` mixed forms: `.` as decimal mark, `,` dropped.
        s.push_str(&raw.replace(',', ""));
    }
    // A run of digits longer than any real figure (`99…9`, hundreds of digits) overflows to
    // infinity, which no reader can sum: such a number is no statistic.
    s.parse::<f64>().ok().filter(|v| v.is_finite())
}

/// `g` starts with exactly `n` digits and any decimal part follows a `,`.
fn digits_then(g: &str, n: usize) -> bool {
    let int = g.split(',').next().unwrap_or("");
    int.len() == n && int.bytes().all(|b| b.is_ascii_digit())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words() -> HashMap<String, f64> {
        [("hai mươi".to_string(), 20.0), ("một".to_string(), 1.0)]
            .into_iter()
            .collect()
    }

    #[test]
    fn reads_vietnamese_grouping_and_decimals() {
        let w = words();
        assert_eq!(parse_number("1.213", &w), Some(1213.0));
        assert_eq!(parse_number("382.000", &w), Some(382000.0));
        assert_eq!(parse_number("1.234.567", &w), Some(1234567.0));
        assert_eq!(parse_number("17,3", &w), Some(17.3));
        assert_eq!(parse_number("726,6", &w), Some(726.6));
        assert_eq!(parse_number("1.213,5", &w), Some(1213.5));
        assert_eq!(parse_number("07", &w), Some(7.0));
        assert_eq!(parse_number("2.5", &w), Some(2.5));
    }

    #[test]
    fn a_number_too_long_for_any_figure_is_not_read() {
        let w = words();
        assert_eq!(parse_number(&"9".repeat(400), &w), None);
        assert_eq!(parse_number(&"1.000".repeat(100), &w), None);
        assert!(parse_number(&"9".repeat(300), &w).is_some_and(f64::is_finite));
    }

    #[test]
    fn reads_number_words_from_the_lexicon() {
        let w = words();
        assert_eq!(parse_number("Hai mươi", &w), Some(20.0));
        assert_eq!(parse_number("một", &w), Some(1.0));
        assert_eq!(parse_number("mấy", &w), None);
    }
}
