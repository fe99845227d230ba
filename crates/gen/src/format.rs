//! Numbers as vi-VN reports write them, the generator's one place for number formats.

use crate::rng::Rng;

/// Quarters as reports write them.
pub const ROMAN: [&str; 4] = ["I", "II", "III", "IV"];

/// `1.213`, `382.000`; small counts sometimes with a leading zero (`07`).
pub fn fmt_int(n: u64, rng: &mut Rng) -> String {
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
pub fn fmt_hundredths(hundredths: u64, rng: &mut Rng) -> String {
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
}
