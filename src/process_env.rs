//! The process environment, read without panicking on entries that are not UTF-8.
//!
//! `std::env::vars()` panics on the first entry whose name or value is not valid UTF-8, and any
//! process may be started with one. Every reader of the whole environment goes through
//! [`vars`] instead, which leaves such entries out; the first time it leaves out one that
//! nomad-build would read (`NOMAD_*`, `VAULT_*`, which includes `NOMAD_BUILD_VAR_*`), it warns
//! on standard error, naming the variable, never its value.

use std::ffi::OsStr;
use std::sync::Once;

/// The prefixes of the variables nomad-build reads.
const READ: &[&str] = &["NOMAD_", "VAULT_"];

/// Every environment entry whose name and value are UTF-8, in the environment's order.
/// Entries left out are warned about (once a process) when nomad-build would read them.
pub(crate) fn vars() -> Vec<(String, String)> {
    static WARNED: Once = Once::new();
    let (vars, skipped) = split(std::env::vars_os());
    if !skipped.is_empty() {
        WARNED.call_once(|| {
            for name in &skipped {
                eprintln!("{}", warning(name));
            }
        });
    }
    vars
}

/// The UTF-8 entries of `env`, and the names (shown lossily) of the entries nomad-build would
/// read but that are not UTF-8.
fn split(
    env: impl IntoIterator<Item = (std::ffi::OsString, std::ffi::OsString)>,
) -> (Vec<(String, String)>, Vec<String>) {
    let mut vars = Vec::new();
    let mut skipped = Vec::new();
    for (k, v) in env {
        match (k.to_str(), v.to_str()) {
            (Some(k), Some(v)) => vars.push((k.to_owned(), v.to_owned())),
            _ if is_read(&k) => {
                skipped.push(crate::diag::escape_controls(&k.to_string_lossy()).into_owned());
            }
            _ => {}
        }
    }
    (vars, skipped)
}

/// Whether nomad-build reads a variable named `name`.
fn is_read(name: &OsStr) -> bool {
    let bytes = name.as_encoded_bytes();
    READ.iter().any(|p| bytes.starts_with(p.as_bytes()))
}

/// The warning for a variable left out.
fn warning(name: &str) -> String {
    format!("warning: the environment variable `{name}` is not valid UTF-8; nomad-build ignores it")
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;
    use std::ffi::OsString;
    use std::os::unix::ffi::OsStringExt;

    fn os(b: &[u8]) -> OsString {
        OsString::from_vec(b.to_vec())
    }

    #[test]
    fn entries_that_are_not_utf8_are_left_out_and_named_when_read() {
        let (vars, skipped) = split([
            (os(b"A"), os(b"1")),
            (os(b"JUNK"), os(b"\xff")),
            (os(b"NOMAD_TOKEN"), os(b"s\xffecret")),
            (os(b"NOMAD_BUILD_VAR_\xff"), os(b"x")),
            (os(b"VAULT_ADDR"), os(b"\xfe")),
            (os(b"B"), os(b"2")),
        ]);
        assert_eq!(
            vars,
            [("A".into(), "1".into()), ("B".into(), "2".into())] as [(String, String); 2]
        );
        assert_eq!(
            skipped,
            ["NOMAD_TOKEN", "NOMAD_BUILD_VAR_\u{fffd}", "VAULT_ADDR"]
        );
        assert_eq!(
            warning(&skipped[0]),
            "warning: the environment variable `NOMAD_TOKEN` is not valid UTF-8; nomad-build \
             ignores it"
        );
    }
}
