//! Go's `time.ParseDuration`, which Nomad uses for every duration in a jobspec.

/// Parses a Go duration (`"1h30m"`, `"1.5s"`, `"300ms"`, `"-2m"`, `"0"`) into nanoseconds.
pub fn parse(s: &str) -> Result<i64, String> {
    let bad = || format!("`{s}` is not a Go duration (e.g. `90s`, `45m`, `1h30m`)");
    let (neg, mut rest) = match s.as_bytes().first() {
        Some(b'-') => (true, &s[1..]),
        Some(b'+') => (false, &s[1..]),
        _ => (false, s),
    };
    if rest == "0" {
        return Ok(0);
    }
    if rest.is_empty() {
        return Err(bad());
    }
    let mut total: u128 = 0;
    while !rest.is_empty() {
        let int_len = rest.bytes().take_while(u8::is_ascii_digit).count();
        let int_part = &rest[..int_len];
        rest = &rest[int_len..];
        let mut frac_part = "";
        if let Some(r) = rest.strip_prefix('.') {
            let n = r.bytes().take_while(u8::is_ascii_digit).count();
            frac_part = &r[..n];
            rest = &r[n..];
        }
        if int_part.is_empty() && frac_part.is_empty() {
            return Err(bad());
        }
        let unit_len = rest.bytes().take_while(|c| !c.is_ascii_digit() && *c != b'.').count();
        let unit = &rest[..unit_len];
        rest = &rest[unit_len..];
        let scale: u128 = match unit {
            "ns" => 1,
            "us" | "µs" | "μs" => 1_000,
            "ms" => 1_000_000,
            "s" => 1_000_000_000,
            "m" => 60_000_000_000,
            "h" => 3_600_000_000_000,
            "" => return Err(format!("`{s}` has a number without a unit (ns, us, ms, s, m or h)")),
            other => return Err(format!("`{s}` has an unknown unit `{other}` (use ns, us, ms, s, m or h)")),
        };
        let whole: u128 = if int_part.is_empty() { 0 } else { int_part.parse().map_err(|_| bad())? };
        let mut v = whole.checked_mul(scale).ok_or_else(bad)?;
        if !frac_part.is_empty() {
            let digits = frac_part.len().min(30) as u32;
            let frac: u128 = frac_part[..digits as usize].parse().map_err(|_| bad())?;
            v += frac * scale / 10u128.pow(digits);
        }
        total = total.checked_add(v).ok_or_else(bad)?;
    }
    let total = i64::try_from(total).map_err(|_| format!("`{s}` is too long for a Go duration"))?;
    Ok(if neg { -total } else { total })
}

#[cfg(test)]
mod tests {
    use super::parse;

    #[test]
    fn parses_like_go() {
        assert_eq!(parse("1h30m"), Ok(5_400_000_000_000));
        assert_eq!(parse("1.5s"), Ok(1_500_000_000));
        assert_eq!(parse("300ms"), Ok(300_000_000));
        assert_eq!(parse("-1s"), Ok(-1_000_000_000));
        assert_eq!(parse("0"), Ok(0));
        assert_eq!(parse(".5h"), Ok(1_800_000_000_000));
        assert!(parse("5").is_err());
        assert!(parse("1d").is_err());
        assert!(parse("").is_err());
        assert!(parse("h").is_err());
        assert!(parse("3000000h").is_err());
    }
}
