//! Numbers as people read them in feedback: exact where a student must be
//! able to compare digits, rounded where a figure is only read. Used by
//! comparing, measuring and scoring alike.

/// A number as the student reads it: the shortest text that reads back as
/// the same f64, in scientific notation below 1e-4 or from 1e10 in magnitude.
pub fn num(x: f64) -> String {
    let a = x.abs();
    if x == 0.0 || !x.is_finite() || (1e-4..1e10).contains(&a) {
        format!("{x}")
    } else {
        format!("{x:e}")
    }
}

/// Four significant digits: a measure read by people, not compared. Through
/// text, so that 0.07 is 0.07 and not 0.07000000000000001, and any finite
/// number stays finite (tiny and huge ones too).
pub fn round_for_people(x: f64) -> f64 {
    if x == 0.0 || !x.is_finite() {
        return x;
    }
    match format!("{x:.3e}").parse::<f64>() {
        Ok(r) if r.is_finite() => r,
        // Rounded up past the largest f64.
        _ => x,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_for_people_have_four_significant_digits() {
        assert_eq!(round_for_people(0.06999999999999999), 0.07);
        assert_eq!(round_for_people(1.2571234), 1.257);
        assert_eq!(round_for_people(0.000123456), 0.0001235);
        assert_eq!(round_for_people(1.234567891e-310), 1.235e-310);
        assert_eq!(round_for_people(f64::MAX), f64::MAX);
    }

    #[test]
    fn a_number_reads_back_as_itself() {
        assert_eq!(num(0.1), "0.1");
        assert_eq!(num(1.5e-7), "1.5e-7");
        assert_eq!(num(1.5e-7).parse::<f64>().unwrap(), 1.5e-7);
    }
}
