//! Durations as users and Nomad write them: [`parse`] reads Go's `time.ParseDuration` syntax
//! (build.hcl, jobspecs, `--placement-timeout`), [`parse_setting`] the simpler form of the
//! environment settings, and [`human`] and [`seconds`] write them back for people.

use std::time::Duration;

/// An error from [`parse`], worded like Go's `time.ParseDuration`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum DurationError {
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

pub(crate) const DURATION_HELP: &str =
    "a duration is numbers with units (`ns`, `us`, `ms`, `s`, `m`, `h`), \
                             like `30s`, `1.5h` or `1h30m`; a bare whole number is nanoseconds";

const NANOS_PER_HOUR: u64 = 3_600_000_000_000;
const LIMIT: u64 = 1 << 63;

/// Parses a duration exactly as Go's `time.ParseDuration` does (`"1h30m"`, `"1.5s"`,
/// `"-300ms"`, `"0"`), into nanoseconds.
pub(crate) fn parse(text: &str) -> Result<i64, DurationError> {
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

/// `90` (seconds), `500ms`, `30s`, `2m`: the form of the environment settings; `None` for
/// anything else or zero.
pub(crate) fn parse_setting(v: &str) -> Option<Duration> {
    let v = v.trim();
    let (num, unit) = match v.find(|c: char| !c.is_ascii_digit()) {
        Some(i) => v.split_at(i),
        None => (v, "s"),
    };
    let n: u64 = num.parse().ok()?;
    let d = match unit {
        "ms" => Duration::from_millis(n),
        "s" => Duration::from_secs(n),
        "m" => Duration::from_secs(n.checked_mul(60)?),
        _ => return None,
    };
    (!d.is_zero()).then_some(d)
}

/// A duration as a user would write it (and [`parse`] reads it back): `20m`, `1h30m`, `3s`,
/// `1.5s`, `250ms`, `7µs`, `0s`.
pub(crate) fn human(d: Duration) -> String {
    if d.is_zero() {
        return "0s".to_owned();
    }
    if d < Duration::from_millis(1) {
        return format!("{}µs", d.as_micros());
    }
    if d < Duration::from_secs(1) {
        return format!("{}ms", d.as_millis());
    }
    let total = d.as_secs();
    let (h, m, s) = (total / 3600, total / 60 % 60, total % 60);
    let millis = d.subsec_millis();
    let mut out = String::new();
    if h > 0 {
        out.push_str(&format!("{h}h"));
    }
    if m > 0 {
        out.push_str(&format!("{m}m"));
    }
    if millis > 0 {
        let frac = format!("{millis:03}");
        out.push_str(&format!("{s}.{}s", frac.trim_end_matches('0')));
    } else if s > 0 {
        out.push_str(&format!("{s}s"));
    }
    out
}

/// An elapsed time in seconds with one decimal, as the summary tables show it: `3.2s`.
pub(crate) fn seconds(d: Duration) -> String {
    format!("{:.1}s", d.as_secs_f64())
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
        assert_eq!(parse("1h30m"), Ok(5_400 * SEC));
        assert_eq!(parse("1.5s"), Ok(1_500_000_000));
        assert_eq!(parse("300ms"), Ok(300_000_000));
        assert_eq!(parse("-1s"), Ok(-SEC));
        assert_eq!(parse("+2m"), Ok(120 * SEC));
        assert_eq!(parse("0"), Ok(0));
        assert_eq!(parse("-0"), Ok(0));
        assert_eq!(parse(".5h"), Ok(1_800 * SEC));
        assert_eq!(parse("1.h"), Ok(3_600 * SEC));
        assert_eq!(parse("1h0.5m1us"), Ok(3_630 * SEC + 1_000));
        assert_eq!(parse("1\u{b5}s"), Ok(1_000));
        assert_eq!(parse("1\u{3bc}s"), Ok(1_000));
        assert_eq!(parse("2562047h47m16.854775807s"), Ok(i64::MAX));
        assert_eq!(parse("-2562047h47m16.854775808s"), Ok(i64::MIN));
    }

    #[test]
    fn bad_durations_are_rejected_like_go() {
        assert_eq!(parse("5"), Err(DurationError::MissingUnit));
        assert_eq!(parse("1h5"), Err(DurationError::MissingUnit));
        assert_eq!(parse("1d"), Err(DurationError::UnknownUnit("d".into())));
        assert_eq!(parse("1S"), Err(DurationError::UnknownUnit("S".into())));
        assert_eq!(parse(""), Err(DurationError::Invalid));
        assert_eq!(parse("-"), Err(DurationError::Invalid));
        assert_eq!(parse(".s"), Err(DurationError::Invalid));
        assert_eq!(parse("1 s"), Err(DurationError::UnknownUnit(" s".into())));
        assert_eq!(parse("s"), Err(DurationError::Invalid));
        assert_eq!(
            parse("2562047h47m16.854775808s"),
            Err(DurationError::Invalid)
        );
        assert_eq!(parse("9223372036854775808ns"), Err(DurationError::Invalid));
    }

    #[test]
    fn settings_parse() {
        assert_eq!(parse_setting("90"), Some(Duration::from_secs(90)));
        assert_eq!(parse_setting(" 500ms "), Some(Duration::from_millis(500)));
        assert_eq!(parse_setting("2m"), Some(Duration::from_secs(120)));
        assert_eq!(parse_setting("0"), None);
        assert_eq!(parse_setting("1h"), None);
        assert_eq!(parse_setting("-1s"), None);
    }

    #[test]
    fn durations_print_as_users_write_them() {
        let ms = |ms| human(Duration::from_millis(ms));
        assert_eq!(ms(300_000), "5m");
        assert_eq!(ms(90_000), "1m30s");
        assert_eq!(ms(2_000), "2s");
        assert_eq!(ms(1_500), "1.5s");
        assert_eq!(ms(7_200_000), "2h");
        assert_eq!(ms(3_601_000), "1h1s");
        assert_eq!(ms(61_250), "1m1.25s");
        assert_eq!(ms(250), "250ms");
        assert_eq!(ms(0), "0s");
        assert_eq!(human(Duration::from_micros(7)), "7µs");
        for text in [
            "5m", "1m30s", "1.5s", "2h", "1h1s", "1m1.25s", "250ms", "7µs", "0s",
        ] {
            let ns = parse(text).unwrap_or_else(|e| panic!("{text}: {e}"));
            assert_eq!(human(Duration::from_nanos(ns.unsigned_abs())), text);
        }
        assert_eq!(seconds(Duration::from_millis(3_240)), "3.2s");
    }
}
