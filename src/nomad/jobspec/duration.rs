//! Go durations: [`parse_duration`] reads them exactly as Go's `time.ParseDuration` does.

/// An error from [`parse_duration`], worded like Go's `time.ParseDuration`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DurationError {
    /// Not of the form `[-+]?([0-9]*(\.[0-9]*)?[a-z]+)+`, or out of range.
    Invalid,
    /// A number without a unit (other than `0`).
    MissingUnit,
    /// A unit other than `ns`, `us`, `µs`, `μs`, `ms`, `s`, `m`, `h`.
    UnknownUnit(String),
}

impl std::fmt::Display for DurationError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            DurationError::Invalid => f.write_str("invalid duration"),
            DurationError::MissingUnit => f.write_str("missing unit in duration"),
            DurationError::UnknownUnit(u) => write!(f, "unknown unit `{u}` in duration"),
        }
    }
}

pub(super) const DURATION_HELP: &str =
    "a duration is numbers with units (`ns`, `us`, `ms`, `s`, `m`, `h`), \
                             like `30s`, `1.5h` or `1h30m`; a bare whole number is nanoseconds";

const NANOS_PER_HOUR: u64 = 3_600_000_000_000;
const LIMIT: u64 = 1 << 63;

/// Parses a duration exactly as Go's `time.ParseDuration` does (`"1h30m"`, `"1.5s"`,
/// `"-300ms"`, `"0"`), into nanoseconds.
pub fn parse_duration(text: &str) -> Result<i64, DurationError> {
    let mut s = text;
    let mut neg = false;
    if let Some(c) = s.chars().next() {
        if c == '-' || c == '+' {
            neg = c == '-';
            s = &s[1..];
        }
    }
    if s == "0" {
        return Ok(0);
    }
    if s.is_empty() {
        return Err(DurationError::Invalid);
    }
    let mut total: u64 = 0;
    while !s.is_empty() {
        let first = s.as_bytes()[0];
        if !(first == b'.' || first.is_ascii_digit()) {
            return Err(DurationError::Invalid);
        }
        let (mut v, rest) = leading_int(s).ok_or(DurationError::Invalid)?;
        let pre = rest.len() != s.len();
        s = rest;
        let mut f = 0u64;
        let mut scale = 1f64;
        let mut post = false;
        if let Some(rest) = s.strip_prefix('.') {
            let (frac, sc, rest2) = leading_fraction(rest);
            post = rest2.len() != rest.len();
            f = frac;
            scale = sc;
            s = rest2;
        }
        if !pre && !post {
            return Err(DurationError::Invalid);
        }
        let unit_len = s
            .bytes()
            .position(|c| c == b'.' || c.is_ascii_digit())
            .unwrap_or(s.len());
        if unit_len == 0 {
            return Err(DurationError::MissingUnit);
        }
        let (u, rest) = s.split_at(unit_len);
        s = rest;
        let unit: u64 = match u {
            "ns" => 1,
            "us" | "\u{b5}s" | "\u{3bc}s" => 1_000,
            "ms" => 1_000_000,
            "s" => 1_000_000_000,
            "m" => 60_000_000_000,
            "h" => NANOS_PER_HOUR,
            _ => return Err(DurationError::UnknownUnit(u.to_owned())),
        };
        if v > LIMIT / unit {
            return Err(DurationError::Invalid);
        }
        v *= unit;
        if f > 0 {
            // Go: float64 is needed to be nanosecond accurate for fractions of hours.
            #[allow(
                clippy::cast_precision_loss,
                clippy::cast_possible_truncation,
                clippy::cast_sign_loss
            )]
            let frac = (f as f64 * (unit as f64 / scale)) as u64;
            v += frac;
            if v > LIMIT {
                return Err(DurationError::Invalid);
            }
        }
        total += v;
        if total > LIMIT {
            return Err(DurationError::Invalid);
        }
    }
    if neg {
        // total <= 2^63, so this is exact (2^63 wraps to i64::MIN, as in Go).
        #[allow(clippy::cast_possible_wrap)]
        return Ok((total as i64).wrapping_neg());
    }
    i64::try_from(total).map_err(|_| DurationError::Invalid)
}

/// Go's `leadingInt`: the leading digits of `s`, or `None` on overflow.
fn leading_int(s: &str) -> Option<(u64, &str)> {
    let end = s
        .bytes()
        .position(|c| !c.is_ascii_digit())
        .unwrap_or(s.len());
    let mut x: u64 = 0;
    for c in s[..end].bytes() {
        if x > LIMIT / 10 {
            return None;
        }
        x = x * 10 + u64::from(c - b'0');
        if x > LIMIT {
            return None;
        }
    }
    Some((x, &s[end..]))
}

/// Go's `leadingFraction`: the leading digits of `s` as `x / scale`, losing precision rather
/// than overflowing.
fn leading_fraction(s: &str) -> (u64, f64, &str) {
    let end = s
        .bytes()
        .position(|c| !c.is_ascii_digit())
        .unwrap_or(s.len());
    let mut x: u64 = 0;
    let mut scale = 1f64;
    let mut overflow = false;
    for c in s[..end].bytes() {
        if overflow {
            continue;
        }
        if x > (LIMIT - 1) / 10 {
            overflow = true;
            continue;
        }
        let y = x * 10 + u64::from(c - b'0');
        if y > LIMIT {
            overflow = true;
            continue;
        }
        x = y;
        scale *= 10.0;
    }
    (x, scale, &s[end..])
}

#[cfg(test)]
mod tests {
    use super::*;

    const SEC: i64 = 1_000_000_000;

    #[test]
    fn durations_parse_like_go() {
        assert_eq!(parse_duration("1h30m"), Ok(5_400 * SEC));
        assert_eq!(parse_duration("1.5s"), Ok(1_500_000_000));
        assert_eq!(parse_duration("300ms"), Ok(300_000_000));
        assert_eq!(parse_duration("-1s"), Ok(-SEC));
        assert_eq!(parse_duration("+2m"), Ok(120 * SEC));
        assert_eq!(parse_duration("0"), Ok(0));
        assert_eq!(parse_duration("-0"), Ok(0));
        assert_eq!(parse_duration(".5h"), Ok(1_800 * SEC));
        assert_eq!(parse_duration("1.h"), Ok(3_600 * SEC));
        assert_eq!(parse_duration("1h0.5m1us"), Ok(3_630 * SEC + 1_000));
        assert_eq!(parse_duration("1\u{b5}s"), Ok(1_000));
        assert_eq!(parse_duration("1\u{3bc}s"), Ok(1_000));
        assert_eq!(parse_duration("2562047h47m16.854775807s"), Ok(i64::MAX));
        assert_eq!(parse_duration("-2562047h47m16.854775808s"), Ok(i64::MIN));
    }

    #[test]
    fn bad_durations_are_rejected_like_go() {
        assert_eq!(parse_duration("5"), Err(DurationError::MissingUnit));
        assert_eq!(parse_duration("1h5"), Err(DurationError::MissingUnit));
        assert_eq!(
            parse_duration("1d"),
            Err(DurationError::UnknownUnit("d".into()))
        );
        assert_eq!(
            parse_duration("1S"),
            Err(DurationError::UnknownUnit("S".into()))
        );
        assert_eq!(parse_duration(""), Err(DurationError::Invalid));
        assert_eq!(parse_duration("-"), Err(DurationError::Invalid));
        assert_eq!(parse_duration(".s"), Err(DurationError::Invalid));
        assert_eq!(
            parse_duration("1 s"),
            Err(DurationError::UnknownUnit(" s".into()))
        );
        assert_eq!(parse_duration("s"), Err(DurationError::Invalid));
        assert_eq!(
            parse_duration("2562047h47m16.854775808s"),
            Err(DurationError::Invalid)
        );
        assert_eq!(
            parse_duration("9223372036854775808ns"),
            Err(DurationError::Invalid)
        );
    }
}
