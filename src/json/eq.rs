//! Semantic JSON equality.
//!
//! With serde_json's `arbitrary_precision` feature a number keeps its source text, so `1`,
//! `1.0` and `1e0` are different `Value`s under `==`. RFC 6902 `test` and our diff need
//! "same JSON value" instead: numbers equal by numeric value, objects equal regardless of key
//! order. Numbers are compared exactly as decimals, never through `f64`, so two 30-digit
//! integers that round to the same double are still told apart.

use serde_json::{Number, Value};

/// Deep equality of two JSON values: numbers by exact numeric value (`1 == 1.0 == 1e0`,
/// `-0 == 0`), object key order ignored, array order significant.
///
/// Recursion depth equals the nesting depth of the inputs, the same as serde_json's own
/// `Clone`/`Drop`/serializer; parsed documents are limited to 128 levels by serde_json.
pub fn json_eq(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Null, Value::Null) => true,
        (Value::Bool(x), Value::Bool(y)) => x == y,
        (Value::String(x), Value::String(y)) => x == y,
        (Value::Number(x), Value::Number(y)) => number_eq(x, y),
        (Value::Array(x), Value::Array(y)) => x.len() == y.len() && x.iter().zip(y).all(|(p, q)| json_eq(p, q)),
        (Value::Object(x), Value::Object(y)) => {
            // Keys are unique within a map, so equal sizes plus "every key of x is in y with
            // an equal value" is full equality.
            x.len() == y.len() && x.iter().all(|(k, v)| y.get(k).is_some_and(|w| json_eq(v, w)))
        }
        _ => false,
    }
}

/// Numeric equality of two JSON numbers, exact for any size or precision.
pub fn number_eq(a: &Number, b: &Number) -> bool {
    let (sa, sb) = (a.as_str(), b.as_str());
    if sa == sb {
        return true;
    }
    match (Decimal::parse(sa), Decimal::parse(sb)) {
        (Some(x), Some(y)) => x == y,
        // Only reachable for text serde_json itself would not produce (e.g. via its hidden
        // `from_string_unchecked`) or exponents beyond 36 digits. The texts already differ,
        // so answer "not equal" rather than guess; it is never a false "equal".
        _ => false,
    }
}

/// A JSON number in canonical form: `value = (-1)^neg * digits * 10^exp`, where `digits` has
/// no leading or trailing zeros. Zero is `digits == ""` with `neg == false` and `exp == 0`,
/// so `-0`, `0.0` and `0e7` all normalize to the same thing.
#[derive(Debug, PartialEq, Eq)]
struct Decimal {
    neg: bool,
    digits: String,
    exp: i128,
}

impl Decimal {
    /// Parses JSON number text (`-?int(.frac)?([eE][+-]?exp)?`). Returns `None` on anything
    /// else, or when the exponent does not fit the canonical form's `i128`.
    fn parse(text: &str) -> Option<Decimal> {
        let (neg, rest) = match text.strip_prefix('-') {
            Some(r) => (true, r),
            None => (false, text),
        };
        let (mantissa, exp_text) = match rest.find(['e', 'E']) {
            Some(i) => (rest.get(..i)?, Some(rest.get(i + 1..)?)),
            None => (rest, None),
        };
        let (int_part, frac_part) = match mantissa.split_once('.') {
            Some((i, f)) => (i, f),
            None => (mantissa, ""),
        };
        let all_digits = |s: &str| s.bytes().all(|c| c.is_ascii_digit());
        if int_part.is_empty()
            || !all_digits(int_part)
            || !all_digits(frac_part)
            || (mantissa.contains('.') && frac_part.is_empty())
        {
            return None;
        }
        let exp = match exp_text {
            Some(e) => parse_exponent(e)?,
            None => 0,
        };

        // Significant digits: int then frac, leading zeros dropped (they carry no value),
        // trailing zeros folded into the exponent.
        let joined = format!("{int_part}{frac_part}");
        let trimmed_start = joined.trim_start_matches('0');
        let digits = trimmed_start.trim_end_matches('0');
        if digits.is_empty() {
            return Some(Decimal {
                neg: false,
                digits: String::new(),
                exp: 0,
            });
        }
        let trailing = i128::try_from(trimmed_start.len() - digits.len()).ok()?;
        let frac_len = i128::try_from(frac_part.len()).ok()?;
        let exp = exp.checked_sub(frac_len)?.checked_add(trailing)?;
        Some(Decimal {
            neg,
            digits: digits.to_owned(),
            exp,
        })
    }
}

/// Parses `[+-]?digits`. Exponents longer than 36 significant digits are refused rather than
/// rounded, so that two different huge exponents are never declared equal.
fn parse_exponent(e: &str) -> Option<i128> {
    let (neg, digits) = match e.as_bytes().first() {
        Some(b'-') => (true, e.get(1..)?),
        Some(b'+') => (false, e.get(1..)?),
        _ => (false, e),
    };
    if digits.is_empty() || !digits.bytes().all(|c| c.is_ascii_digit()) {
        return None;
    }
    let significant = digits.trim_start_matches('0');
    if significant.len() > 36 {
        return None;
    }
    let magnitude: i128 = if significant.is_empty() {
        0
    } else {
        significant.parse().ok()?
    };
    Some(if neg { -magnitude } else { magnitude })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn v(text: &str) -> Value {
        serde_json::from_str(text).unwrap_or(Value::Null)
    }

    #[test]
    fn numbers_by_value() {
        let same = [
            ("1", "1.0"),
            ("1", "1e0"),
            ("1", "1E+0"),
            ("1", "10e-1"),
            ("100", "1e2"),
            ("100", "1.00e2"),
            ("0", "-0"),
            ("0", "0.000"),
            ("0", "-0e10"),
            ("0.5", "5e-1"),
            ("-12.50", "-1.25e1"),
            ("123456789012345678901234567890", "1.2345678901234567890123456789e29"),
            ("1e00000000000000000000000000000000000000000005", "100000"),
        ];
        for (a, b) in same {
            assert!(json_eq(&v(a), &v(b)), "{a} should equal {b}");
        }
        let different = [
            ("1", "2"),
            ("1", "-1"),
            ("0.1", "1"),
            ("10", "1"),
            ("1e2", "1e3"),
            // These round to the same f64 but are different decimals.
            ("123456789012345678901", "123456789012345678902"),
            ("9007199254740993", "9007199254740992"),
            ("0.1000000000000000000001", "0.1"),
        ];
        for (a, b) in different {
            assert!(!json_eq(&v(a), &v(b)), "{a} should differ from {b}");
        }
    }

    #[test]
    fn huge_exponents_do_not_panic() {
        let a = v("1e999999999999999999999999999999999999999999");
        let b = v("1e999999999999999999999999999999999999999998");
        assert!(json_eq(&a, &a));
        assert!(!json_eq(&a, &b));
        let c = v("1e-170141183460469231731687303715884105728");
        assert!(!json_eq(&c, &v("0")));
    }

    #[test]
    fn malformed_number_text_falls_back() {
        let bad = Number::from_string_unchecked("1.2.3".into());
        let also_bad = Number::from_string_unchecked("abc".into());
        assert!(number_eq(&bad, &bad));
        assert!(!number_eq(&bad, &also_bad));
        assert!(!number_eq(&Number::from_string_unchecked("".into()), &Number::from(0)));
        assert!(!number_eq(
            &Number::from_string_unchecked("1.".into()),
            &Number::from(1)
        ));
        assert!(!number_eq(
            &Number::from_string_unchecked("1e".into()),
            &Number::from(1)
        ));
    }

    #[test]
    fn structures() {
        assert!(json_eq(
            &json!({"a": 1, "b": [1, {"c": null}]}),
            &v(r#"{"b": [1.0, {"c": null}], "a": 1e0}"#)
        ));
        assert!(!json_eq(&json!({"a": 1}), &json!({"a": 1, "b": 2})));
        assert!(!json_eq(&json!({"a": 1, "b": 2}), &json!({"a": 1, "c": 2})));
        assert!(!json_eq(&json!([1, 2]), &json!([2, 1])));
        assert!(!json_eq(&json!([1]), &json!([1, 1])));
        assert!(!json_eq(&json!(null), &json!(false)));
        assert!(!json_eq(&json!("1"), &json!(1)));
        assert!(!json_eq(&json!({}), &json!([])));
    }
}
