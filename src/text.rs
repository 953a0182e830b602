//! Text for people: aligned tables, counted nouns and lists in prose.

use std::fmt::Display;

/// Rows as columns aligned to their widest cell, two spaces apart, each line without trailing
/// spaces. The first row is usually the header.
pub(crate) fn table<R: AsRef<[String]>>(rows: &[R]) -> String {
    let columns = rows.iter().map(|r| r.as_ref().len()).max().unwrap_or(0);
    let widths: Vec<usize> = (0..columns)
        .map(|i| {
            rows.iter()
                .filter_map(|r| r.as_ref().get(i))
                .map(|c| c.chars().count())
                .max()
                .unwrap_or(0)
        })
        .collect();
    let mut out = String::new();
    for r in rows {
        let cells: Vec<String> = r
            .as_ref()
            .iter()
            .zip(&widths)
            .map(|(c, w)| format!("{c:<w$}"))
            .collect();
        out.push_str(cells.join("  ").trim_end());
        out.push('\n');
    }
    out
}

/// `word`, or `words` unless there is one: `node`, `nodes`.
pub(crate) fn plural_word<N: Copy + PartialEq + From<u8>>(n: N, word: &str) -> String {
    if n == N::from(1) {
        word.to_owned()
    } else {
        format!("{word}s")
    }
}

/// A count and its noun: `1 error`, `3 errors`, `0 files`.
pub(crate) fn plural<N: Copy + Display + PartialEq + From<u8>>(n: N, word: &str) -> String {
    format!("{n} {}", plural_word(n, word))
}

/// `a`, `a and b`, `a, b and c`.
pub(crate) fn and_list(items: &[String]) -> String {
    join_list(items, "and")
}

/// `a`, `a or b`, `a, b or c`.
pub(crate) fn or_list(items: &[String]) -> String {
    join_list(items, "or")
}

fn join_list(items: &[String], conjunction: &str) -> String {
    match items {
        [] => String::new(),
        [one] => one.clone(),
        [init @ .., last] => format!("{} {conjunction} {last}", init.join(", ")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tables_align_and_trim() {
        let rows = [
            ["PHASE".to_owned(), "TASK".to_owned(), "EXIT".to_owned()],
            [
                "build".to_owned(),
                "buildah-build".to_owned(),
                String::new(),
            ],
        ];
        assert_eq!(
            table(&rows),
            "PHASE  TASK           EXIT\nbuild  buildah-build\n"
        );
        assert_eq!(table::<[String; 0]>(&[]), "");
    }

    #[test]
    fn counts_and_lists() {
        assert_eq!(plural(1, "node"), "1 node");
        assert_eq!(plural(0u64, "node"), "0 nodes");
        assert_eq!(plural_word(2, "error"), "errors");
        let l = |v: &[&str]| v.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>();
        assert_eq!(and_list(&l(&["a"])), "a");
        assert_eq!(and_list(&l(&["a", "b"])), "a and b");
        assert_eq!(or_list(&l(&["a", "b", "c"])), "a, b or c");
    }
}
