//! Changes resolved into numbers (SPEC `observations`): the change's unit, the baseline value
//! it implies, and the signed `delta` and `pct_change`. Each is one polars expression over the
//! columns the lexicon lookups add.

use polars::prelude::*;

fn null_f64() -> Expr {
    lit(NULL).cast(DataType::Float64)
}

/// |e|.
pub(crate) fn absolute(e: Expr) -> Expr {
    when(e.clone().lt(lit(0.0)))
        .then(lit(0.0) - e.clone())
        .otherwise(e)
}

/// A number with its multiplier and unit factor applied: `value` for the empty prefix, the
/// change's size for `change_` (the lexicon lookups name the change's columns so).
pub(crate) fn scaled(prefix: &str) -> Expr {
    let c = |name: &str| col(format!("{prefix}{name}"));
    c("number") * c("multiplier").fill_null(lit(1.0)) * c("unit_factor").fill_null(lit(1.0))
        / c("unit_divisor").fill_null(lit(1.0))
}

/// `change_unit`: `percent` and `times` by name, any other unit counts in the level's unit.
pub(crate) fn change_unit() -> Expr {
    when(col("change_unit_canonical").eq(lit("percent")))
        .then(lit("percent"))
        .when(col("change_unit_canonical").eq(lit("times")))
        .then(lit("times"))
        .when(col("change_unit_canonical").is_not_null())
        .then(lit("count"))
        .otherwise(lit(NULL).cast(DataType::String))
}

fn is_level() -> Expr {
    col("measure").eq(lit("level"))
}

fn direction(d: &str) -> Expr {
    col("change_direction").eq(lit(d))
}

/// A level row whose change is in `unit` and goes in `dir`.
fn level_changed(unit: &str, dir: &str) -> Expr {
    is_level()
        .and(col("change_unit").eq(lit(unit)))
        .and(direction(dir))
}

/// `baseline_value`: what the level was before the change (`324, giảm 9` → 333;
/// `x, tăng 20,4%` → x / 1.204; `x, tăng 2 lần` → x / 2; unchanged → x).
pub(crate) fn baseline_value() -> Expr {
    let (v, cv) = (col("value"), col("change_value"));
    when(level_changed("count", "increase"))
        .then(v.clone() - cv.clone())
        .when(level_changed("count", "decrease"))
        .then(v.clone() + cv.clone())
        .when(level_changed("percent", "increase"))
        .then(v.clone() / (lit(1.0) + cv.clone() / lit(100.0)))
        .when(level_changed("percent", "decrease"))
        .then(v.clone() / (lit(1.0) - cv.clone() / lit(100.0)))
        .when(level_changed("times", "increase"))
        .then(v.clone() / cv)
        .when(is_level().and(direction("unchanged")))
        .then(v)
        .otherwise(null_f64())
}

/// The change with its sign: negative for a decrease.
fn signed_change() -> Expr {
    when(direction("decrease"))
        .then(lit(-1.0) * col("change_value"))
        .otherwise(col("change_value"))
}

/// `delta`: value − baseline; for a `change` row in the same unit, the signed change itself.
pub(crate) fn delta() -> Expr {
    when(col("baseline_value").is_not_null())
        .then(col("value") - col("baseline_value"))
        .when(is_level().not().and(col("change_unit").eq(lit("count"))))
        .then(signed_change())
        .otherwise(null_f64())
}

/// `pct_change`: against the baseline; for a `change` row in percent, the signed change itself.
pub(crate) fn pct_change() -> Expr {
    when(
        col("baseline_value")
            .is_not_null()
            .and(col("baseline_value").neq(lit(0.0))),
    )
    .then(lit(100.0) * (col("value") - col("baseline_value")) / col("baseline_value"))
    .when(is_level().not().and(col("change_unit").eq(lit("percent"))))
    .then(signed_change())
    .otherwise(null_f64())
}
