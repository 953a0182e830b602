//! The module graph points one way where the design says it must: read from `src/**/*.rs`,
//! every `use crate::…`, `use super::…`, `use self::…` (with their `{…}` groups) and every
//! inline `crate::…`/`super::…` path is an edge to the longest module its path names.
//! Comments and `#[cfg(test)] mod tests { … }` blocks are left out.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// A module path without `crate`: `cluster::wait`, `duration`; the crate root is empty.
type Module = Vec<String>;

struct Graph {
    modules: BTreeSet<Module>,
    edges: BTreeMap<Module, BTreeSet<Module>>,
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.expect("directory entry").path())
        .collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            rust_files(&p, out);
        } else if p.extension().is_some_and(|e| e == "rs") {
            out.push(p);
        }
    }
}

fn module_of(src: &Path, file: &Path) -> Module {
    let rel = file.strip_prefix(src).expect("under src");
    let mut parts: Vec<String> = rel
        .iter()
        .map(|p| p.to_string_lossy().into_owned())
        .collect();
    let last = parts.pop().expect("a file name");
    match last.as_str() {
        "lib.rs" | "main.rs" | "mod.rs" => {}
        name => parts.push(name.trim_end_matches(".rs").to_owned()),
    }
    parts
}

/// The code of a file without comments and without its inline test module.
fn code(text: &str) -> String {
    let mut out = String::new();
    let mut lines = text.lines().peekable();
    while let Some(line) = lines.next() {
        let t = line.trim_start();
        if t == "#[cfg(test)]"
            && lines
                .peek()
                .is_some_and(|n| n.trim_start() == "mod tests {")
        {
            break;
        }
        let line = line.find("//").map_or(line, |i| &line[..i]);
        out.push_str(line);
        out.push('\n');
    }
    out
}

/// `a::{b, c::{self, d}}` → `a::b`, `a::c`, `a::c::d`.
fn expand(tree: &str) -> Vec<String> {
    let tree: String = tree.chars().filter(|c| !c.is_whitespace()).collect();
    let Some(open) = tree.find('{') else {
        return vec![tree];
    };
    let prefix = tree[..open].trim_end_matches("::");
    let inner = &tree[open + 1..tree.rfind('}').expect("a closing brace")];
    let mut items = Vec::new();
    let (mut depth, mut start) = (0, 0);
    for (i, c) in inner.char_indices() {
        match c {
            '{' => depth += 1,
            '}' => depth -= 1,
            ',' if depth == 0 => {
                items.push(&inner[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    items.push(&inner[start..]);
    items
        .into_iter()
        .filter(|i| !i.is_empty())
        .flat_map(expand)
        .map(|i| match i.as_str() {
            "self" => prefix.to_owned(),
            _ => format!("{prefix}::{i}"),
        })
        .collect()
}

/// A use tree without its `as name` renames.
fn without_aliases(tree: &str) -> String {
    let mut out = tree.to_owned();
    while let Some(i) = out.find(" as ") {
        let rest = &out[i + 4..];
        let end = rest
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
            .unwrap_or(rest.len());
        out.replace_range(i..i + 4 + end, "");
    }
    out
}

/// Every `crate`/`super`/`self` path the code names.
fn paths(code: &str) -> Vec<String> {
    let mut out = Vec::new();
    for stmt in code.split(';') {
        let s = stmt.trim_start();
        let s = s
            .strip_prefix("pub(crate) ")
            .or_else(|| s.strip_prefix("pub(super) "))
            .or_else(|| s.strip_prefix("pub "))
            .unwrap_or(s);
        if let Some(tree) = s.strip_prefix("use ") {
            out.extend(expand(&without_aliases(tree)));
        }
    }
    let bytes = code.as_bytes();
    for root in ["crate::", "super::"] {
        let mut from = 0;
        while let Some(i) = code[from..].find(root) {
            let at = from + i;
            from = at + root.len();
            let before = at.checked_sub(1).map(|b| bytes[b]);
            if before.is_some_and(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b':') {
                continue;
            }
            let end = code[at..]
                .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == ':'))
                .map_or(code.len(), |e| at + e);
            out.push(code[at..end].trim_end_matches(':').to_owned());
        }
    }
    out
}

fn resolve(from: &Module, path: &str, modules: &BTreeSet<Module>) -> Option<Module> {
    let mut segs = path.split("::").filter(|s| !s.is_empty());
    let mut base: Module = match segs.next()? {
        "crate" => Vec::new(),
        "self" => from.clone(),
        "super" => {
            let mut b = from.clone();
            b.pop();
            b
        }
        _ => return None,
    };
    let mut rest: Vec<&str> = Vec::new();
    for s in segs {
        if s == "super" && rest.is_empty() {
            base.pop();
        } else {
            rest.push(s);
        }
    }
    let mut best = base.clone();
    let mut cur = base;
    for s in rest {
        cur.push(s.to_owned());
        if modules.contains(&cur) {
            best.clone_from(&cur);
        }
    }
    Some(best)
}

fn graph() -> Graph {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    let modules: BTreeSet<Module> = files.iter().map(|f| module_of(&src, f)).collect();
    let mut edges: BTreeMap<Module, BTreeSet<Module>> = BTreeMap::new();
    for f in &files {
        let from = module_of(&src, f);
        let text = std::fs::read_to_string(f).unwrap_or_else(|e| panic!("{}: {e}", f.display()));
        for p in paths(&code(&text)) {
            if let Some(to) = resolve(&from, &p, &modules) {
                if to != from && !to.is_empty() {
                    edges.entry(from.clone()).or_default().insert(to);
                }
            }
        }
    }
    Graph { modules, edges }
}

impl Graph {
    /// The graph with every module cut to its first `depth` segments.
    fn collapse(&self, depth: usize) -> BTreeMap<Module, BTreeSet<Module>> {
        let cut = |m: &Module| m.iter().take(depth).cloned().collect::<Module>();
        let mut out: BTreeMap<Module, BTreeSet<Module>> = BTreeMap::new();
        for m in &self.modules {
            out.entry(cut(m)).or_default();
        }
        for (from, tos) in &self.edges {
            for to in tos {
                let (a, b) = (cut(from), cut(to));
                if a != b && !b.is_empty() && !a.is_empty() {
                    out.entry(a).or_default().insert(b);
                }
            }
        }
        out
    }
}

fn reachable(g: &BTreeMap<Module, BTreeSet<Module>>, from: &Module) -> BTreeSet<Module> {
    let mut seen = BTreeSet::new();
    let mut todo = vec![from.clone()];
    while let Some(m) = todo.pop() {
        for n in g.get(&m).into_iter().flatten() {
            if seen.insert(n.clone()) {
                todo.push(n.clone());
            }
        }
    }
    seen
}

/// The strongly connected components with more than one module.
fn cycles(g: &BTreeMap<Module, BTreeSet<Module>>) -> Vec<BTreeSet<Module>> {
    let reach: BTreeMap<&Module, BTreeSet<Module>> =
        g.keys().map(|m| (m, reachable(g, m))).collect();
    let mut done = BTreeSet::new();
    let mut out = Vec::new();
    for m in g.keys() {
        if done.contains(m) {
            continue;
        }
        let scc: BTreeSet<Module> = reach[m]
            .iter()
            .filter(|n| *n == m || reach.get(n).is_some_and(|r| r.contains(m)))
            .cloned()
            .collect();
        if scc.len() > 1 {
            done.extend(scc.iter().cloned());
            out.push(scc);
        }
    }
    out
}

fn show(scc: &BTreeSet<Module>) -> String {
    scc.iter()
        .map(|m| m.join("::"))
        .collect::<Vec<_>>()
        .join(" ↔ ")
}

fn starts(m: &Module, first: &str) -> bool {
    m.first().is_some_and(|f| f == first)
}

#[test]
fn the_reader_finds_use_trees_and_inline_paths() {
    let got = paths(&code(
        "use super::{api::{self, short}, client};\nuse crate::duration::human as h;\n\
         fn f() { crate::text::plural(1, \"x\"); } // crate::ignored::path\n\
         #[cfg(test)]\nmod tests {\n    use crate::cluster::wait;\n}\n",
    ));
    assert!(got.contains(&"super::api".to_owned()), "{got:?}");
    assert!(got.contains(&"super::api::short".to_owned()), "{got:?}");
    assert!(got.contains(&"super::client".to_owned()), "{got:?}");
    assert!(
        got.contains(&"crate::duration::human".to_owned()),
        "{got:?}"
    );
    assert!(got.contains(&"crate::text::plural".to_owned()), "{got:?}");
    assert!(
        !got.iter()
            .any(|p| p.contains("ignored") || p.contains("wait")),
        "{got:?}"
    );
    let g = graph();
    let wait = vec!["cluster".to_owned(), "wait".to_owned()];
    assert!(g.edges[&wait].contains(&vec!["cluster".to_owned(), "api".to_owned()]));
    let cycle: BTreeMap<Module, BTreeSet<Module>> = BTreeMap::from([
        (vec!["a".to_owned()], BTreeSet::from([vec!["b".to_owned()]])),
        (vec!["b".to_owned()], BTreeSet::from([vec!["a".to_owned()]])),
        (vec!["c".to_owned()], BTreeSet::from([vec!["a".to_owned()]])),
    ]);
    assert_eq!(cycles(&cycle).len(), 1);
    assert_eq!(cycles(&cycle)[0].len(), 2);
}

#[test]
fn no_cycle_among_cluster_modules() {
    let g = graph().collapse(2);
    let bad: Vec<String> = cycles(&g)
        .iter()
        .filter(|scc| scc.iter().filter(|m| starts(m, "cluster")).count() > 1)
        .map(show)
        .collect();
    assert!(bad.is_empty(), "cycles among cluster modules: {bad:#?}");
}

#[test]
fn placement_check_and_explain_do_not_import_each_other_in_a_circle() {
    let g = graph().collapse(2);
    let check = vec!["placement".to_owned(), "check".to_owned()];
    let explain = vec!["placement".to_owned(), "explain".to_owned()];
    let bad: Vec<String> = cycles(&g)
        .iter()
        .filter(|scc| scc.contains(&check) && scc.contains(&explain))
        .map(show)
        .collect();
    assert!(
        bad.is_empty(),
        "placement::check ↔ placement::explain: {bad:#?}"
    );
    assert!(
        !reachable(&g, &check).contains(&explain),
        "the offline checker reaches the explainer"
    );
}

#[test]
fn durations_and_text_are_leaves() {
    let g = graph();
    for leaf in ["duration", "text"] {
        let m = vec![leaf.to_owned()];
        assert_eq!(
            g.edges.get(&m),
            None,
            "`{leaf}` imports other modules of the crate"
        );
    }
    let by_top = g.collapse(1);
    let duration = vec!["duration".to_owned()];
    for scc in cycles(&by_top) {
        assert!(
            !scc.contains(&duration),
            "a cycle through duration: {}",
            show(&scc)
        );
    }
}

/// Modules under `commands/` that are not commands: printers the commands share.
const NOT_COMMANDS: &[&str] = &["terminal"];

#[test]
fn no_command_imports_another_command() {
    let g = graph().collapse(2);
    let command = |m: &Module| {
        starts(m, "commands") && m.len() == 2 && !NOT_COMMANDS.contains(&m[1].as_str())
    };
    let offenders: Vec<String> = g
        .iter()
        .filter(|(from, _)| command(from))
        .flat_map(|(from, tos)| {
            tos.iter()
                .filter(|to| command(to))
                .map(move |to| format!("{} → {}", from.join("::"), to.join("::")))
        })
        .collect();
    assert!(
        offenders.is_empty(),
        "commands import other commands (shared code belongs in the library, not in a command): \
         {offenders:#?}"
    );
}
