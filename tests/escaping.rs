//! Checks `nomad_build::escape` against the parsers of each layer: hcl-edit and HashiCorp's own
//! HCL parser for HCL strings, a simulator of the Nomad client's `config` pass, `/bin/sh`, and a
//! simulator of the Go `text/template` lexer that consul-template uses.

use std::path::{Path, PathBuf};
use std::process::Command;

use hcl_edit::expr::Expression;
use hcl_edit::template::Element;
use nomad_build::escape::{
    consul_template_text, go_string, hcl_quote, nomad_config_escape, nomad_config_unescape_sim,
    shell_quote,
};
use proptest::prelude::*;
use proptest::strategy::ValueTree;
use proptest::test_runner::TestRunner;
use unicode_normalization::UnicodeNormalization;

// ---------------------------------------------------------------------------------------------
// Strategies
// ---------------------------------------------------------------------------------------------

/// Pieces that are special in at least one layer.
const TRICKY: &[&str] = &[
    "$", "${", "$${", "$$", "%", "%{", "%%{", "{", "{{", "{{{", "}", "}}", "~", "-", "\"", "\\",
    "'", "\n", "\r", "\t", "\u{0}", "\u{7f}", "\u{85}", "é", "e\u{301}", "\u{212b}", "😀", " ",
];

/// Strings built mostly from [`TRICKY`] pieces, mixed with arbitrary characters and short words.
fn biased_string() -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        4 => prop::sample::select(TRICKY).prop_map(str::to_owned),
        1 => any::<char>().prop_map(String::from),
        1 => "[a-z]{1,3}",
    ];
    prop::collection::vec(piece, 0..20).prop_map(|pieces| pieces.concat())
}

/// Biased strings and plain arbitrary strings.
fn test_string() -> impl Strategy<Value = String> {
    prop_oneof![3 => biased_string(), 1 => any::<String>()]
}

// ---------------------------------------------------------------------------------------------
// HCL with hcl-edit, and the Nomad client's `config` pass
// ---------------------------------------------------------------------------------------------

/// Parses `a = <quoted>` with hcl-edit and returns the string value, or an error if the value is
/// not a string made only of literal parts.
fn hcl_edit_value(quoted: &str) -> Result<String, String> {
    let src = format!("a = {quoted}\n");
    let body = hcl_edit::parser::parse_body(&src).map_err(|e| format!("{src:?}: {e}"))?;
    let attr = body
        .get_attribute("a")
        .ok_or_else(|| format!("{src:?}: no attribute `a`"))?;
    match &attr.value {
        Expression::String(s) => Ok(s.value().clone()),
        Expression::StringTemplate(template) => template
            .iter()
            .map(|element| match element {
                Element::Literal(lit) => Ok(lit.value().as_str()),
                other => Err(format!("{src:?}: not a literal: {other:?}")),
            })
            .collect(),
        other => Err(format!("{src:?}: not a string: {other:?}")),
    }
}

#[test]
fn hcl_quote_examples() {
    // HCL reads `$$` before `{` as a literal `$`: `"x $$${Q}"` is the literal `x $${Q}`.
    assert_eq!(hcl_quote("x $${Q}"), r#""x $$${Q}""#);
    assert_eq!(hcl_edit_value(r#""x $$${Q}""#).as_deref(), Ok("x $${Q}"));
    // A literal `${NAME}` for a task's `config`: `$${NAME}` in JSON, `$$${NAME}` in HCL.
    assert_eq!(nomad_config_escape("${NAME}"), "$${NAME}");
    assert_eq!(hcl_quote(&nomad_config_escape("${NAME}")), r#""$$${NAME}""#);
    assert_eq!(hcl_quote(""), r#""""#);
    assert_eq!(hcl_quote("%%{"), r#""%%%{""#);
    assert_eq!(hcl_quote("${~"), r#""$${~""#);
    assert_eq!(hcl_quote("$"), r#""$""#);
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(1024))]

    #[test]
    fn hcl_quote_parses_back_with_hcl_edit(s in test_string()) {
        prop_assert_eq!(hcl_edit_value(&hcl_quote(&s)), Ok(s));
    }

    #[test]
    fn nomad_config_layer_round_trips(s in test_string()) {
        let escaped = nomad_config_escape(&s);
        // The HCL jobspec carries the escaped value...
        prop_assert_eq!(hcl_edit_value(&hcl_quote(&escaped)), Ok(escaped.clone()));
        // ...and the client's second pass turns it back into `s`.
        prop_assert_eq!(nomad_config_unescape_sim(&escaped), Ok(s));
    }

    #[test]
    fn unescaped_template_openers_fail_the_config_pass(a in test_string(), b in test_string()) {
        for opener in ["${", "%{"] {
            // The space keeps a trailing `$` or `%` of `a` from turning the opener into an escape.
            let raw = format!("{} {opener}{}", nomad_config_escape(&a), nomad_config_escape(&b));
            prop_assert!(nomad_config_unescape_sim(&raw).is_err(), "{:?}", raw);
        }
    }
}

// ---------------------------------------------------------------------------------------------
// HCL with HashiCorp's parser (npm @cdktf/hcl2json: hclsyntax compiled to WebAssembly)
// ---------------------------------------------------------------------------------------------

fn hcl2json_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/hcl2json")
}

/// Runs `node tests/hcl2json/parse.mjs <file>` and returns the parsed JSON.
///
/// Panics, never skips, when Node.js or the npm package is missing.
fn hcl2json(file: &Path) -> serde_json::Value {
    const SETUP: &str = "run `npm ci --prefix tests/hcl2json`";
    let dir = hcl2json_dir();
    assert!(
        dir.join("node_modules/@cdktf/hcl2json/package.json")
            .is_file(),
        "tests/hcl2json/node_modules is missing: {SETUP}"
    );
    let output = Command::new("node")
        .arg(dir.join("parse.mjs"))
        .arg(file)
        .output()
        .unwrap_or_else(|e| panic!("cannot run `node` ({e}): install Node.js and {SETUP}"));
    assert!(
        output.status.success(),
        "parse.mjs failed ({}): {}",
        output.status,
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).expect("parse.mjs prints JSON")
}

/// Hand-picked strings, then strings from [`biased_string`] and [`test_string`] with proptest's
/// fixed-seed RNG, so every run parses the same file.
fn hcl2json_corpus() -> Vec<String> {
    let mut corpus: Vec<String> = [
        "",
        "plain",
        "${",
        "$${",
        "$$${",
        "%{",
        "%%{",
        "%%%{",
        "${~",
        "%{~",
        "$",
        "%",
        "$$",
        "x $${Q}",
        "${NAME}",
        "$%{",
        "%${",
        "a\"b\\c\nd\re\tf",
        "\u{0}\u{1}\u{1f}\u{7f}\u{80}\u{85}\u{9f}",
        "é ✓ 😀",
        "e\u{301}",
        "\u{212b}",
    ]
    .iter()
    .map(|s| (*s).to_owned())
    .collect();
    let mut runner = TestRunner::deterministic();
    let biased = biased_string();
    let any_string = test_string();
    for i in 0..280 {
        let s = if i % 2 == 0 {
            biased.new_tree(&mut runner).map(|tree| tree.current())
        } else {
            any_string.new_tree(&mut runner).map(|tree| tree.current())
        };
        corpus.push(s.expect("strategy generates"));
    }
    corpus
}

/// HashiCorp's parser agrees with [`hcl_quote`], up to the NFC normalization that it applies to
/// every string.
///
/// What hcl2json returns for a quoted string, found by experiment and confirmed in its source
/// (the wasm embeds github.com/tmccombs/hcl2json v0.6.5, `convert/convert.go` `escapeLiteral`):
/// it evaluates the literal with `hclsyntax` (backslash escapes decoded, `$${` → `${`, `%%{` →
/// `%{`) and then escapes the value again as template source, replacing every `${` with `$${`
/// and then every `%{` with `%%{`. Backslash escapes are not re-encoded; JSON encodes the decoded
/// characters. Examples: `"x $$${Q}"` → `x $$${Q}`, `"$\u007B"` → `$${`, `"%\u0025{"` → `%%%{`,
/// `"a\nb"` → `a` LF `b`. So the output is `nomad_config_escape(value)`, and replacing `$${` with
/// `${` and then `%%{` with `%{` recovers the value.
///
/// The value is the NFC form of the string, not the string itself: go-cty's `cty.StringVal`
/// normalizes every string to NFC, even characters written as `\u` escapes. `"e\u0301"` gives `é`
/// (U+00E9), `"\u212B"` (ANGSTROM SIGN) gives `Å` (U+00C5). Nomad's jobspec2 uses the same
/// parser and library, so this is what Nomad reads from an HCL jobspec too.
#[test]
fn hcl_quote_parses_back_with_hashicorp_hcl() {
    let corpus = hcl2json_corpus();
    let mut hcl = String::new();
    for (i, s) in corpus.iter().enumerate() {
        hcl.push_str(&format!("a{i} = {}\n", hcl_quote(s)));
        hcl.push_str(&format!("b{i} = {}\n", hcl_quote(&nomad_config_escape(s))));
    }
    let dir = tempfile::tempdir().expect("temp dir");
    let file = dir.path().join("escaping.hcl");
    std::fs::write(&file, &hcl).expect("write HCL file");
    let json = hcl2json(&file);

    let undo = |out: &str| out.replace("$${", "${").replace("%%{", "%{");
    let mut not_nfc = 0;
    for (i, s) in corpus.iter().enumerate() {
        let nfc: String = s.nfc().collect();
        if nfc != *s {
            not_nfc += 1;
        }
        let a = json[format!("a{i}")]
            .as_str()
            .unwrap_or_else(|| panic!("a{i} missing for {s:?}"));
        assert_eq!(a, nomad_config_escape(&nfc), "a{i} for {s:?}");
        assert_eq!(undo(a), nfc, "a{i} for {s:?}");
        // The combined layer: the jobspec value is the `config`-escaped string.
        let b = json[format!("b{i}")]
            .as_str()
            .unwrap_or_else(|| panic!("b{i} missing for {s:?}"));
        let b_value = undo(b);
        assert_eq!(b_value, nomad_config_escape(&nfc), "b{i} for {s:?}");
        assert_eq!(
            nomad_config_unescape_sim(&b_value),
            Ok(nfc),
            "b{i} for {s:?}"
        );
    }
    // The corpus must exercise the normalization, or the NFC comparison above proves nothing.
    assert!(not_nfc >= 2, "only {not_nfc} non-NFC strings in the corpus");
}

// ---------------------------------------------------------------------------------------------
// POSIX sh
// ---------------------------------------------------------------------------------------------

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn shell_quote_survives_sh(s in test_string().prop_map(|s| s.replace('\0', ""))) {
        let quoted = shell_quote(&s);
        let output = Command::new("/bin/sh")
            .arg("-c")
            .arg(format!("printf %s {quoted}"))
            .output()
            .expect("run /bin/sh");
        prop_assert!(output.status.success(), "{:?}", String::from_utf8_lossy(&output.stderr));
        prop_assert_eq!(String::from_utf8_lossy(&output.stdout), s);
    }
}

#[test]
fn shell_quote_examples() {
    assert_eq!(shell_quote("ghcr.io/org/app:1.2"), "ghcr.io/org/app:1.2");
    assert_eq!(shell_quote("--build-arg=A=b"), "--build-arg=A=b");
    assert_eq!(shell_quote(""), "''");
    assert_eq!(shell_quote("a b"), "'a b'");
    assert_eq!(shell_quote("it's"), r"'it'\''s'");
    assert_eq!(shell_quote("$HOME ${X} `id` ~ *"), "'$HOME ${X} `id` ~ *'");
}

// ---------------------------------------------------------------------------------------------
// Go text/template (consul-template)
// ---------------------------------------------------------------------------------------------

/// Reads a Go interpreted string literal at the start of `src`, as `text/template`'s `lexQuote`
/// and then `strconv.Unquote` do. Returns the value and the number of bytes read.
fn go_unquote(src: &str) -> Result<(String, usize), String> {
    let body = src
        .strip_prefix('"')
        .ok_or_else(|| format!("no string literal at {src:?}"))?;
    let mut out = String::new();
    let mut chars = body.char_indices();
    while let Some((i, c)) = chars.next() {
        match c {
            '"' => return Ok((out, 1 + i + 1)),
            // lexQuote: "unterminated quoted string".
            '\n' => return Err(format!("newline in string literal {src:?}")),
            '\\' => {
                let (_, e) = chars.next().ok_or("unterminated escape")?;
                let simple = match e {
                    'a' => Some('\u{7}'),
                    'b' => Some('\u{8}'),
                    'f' => Some('\u{c}'),
                    'n' => Some('\n'),
                    'r' => Some('\r'),
                    't' => Some('\t'),
                    'v' => Some('\u{b}'),
                    '\\' => Some('\\'),
                    '"' => Some('"'),
                    _ => None,
                };
                if let Some(c) = simple {
                    out.push(c);
                    continue;
                }
                let digits = match e {
                    'x' => 2,
                    'u' => 4,
                    'U' => 8,
                    '0'..='7' => 2,
                    _ => return Err(format!("unknown escape \\{e} in {src:?}")),
                };
                let mut num = String::new();
                if e.is_ascii_digit() {
                    num.push(e);
                }
                for _ in 0..digits {
                    num.push(chars.next().ok_or("short escape")?.1);
                }
                let radix = if e.is_ascii_digit() { 8 } else { 16 };
                let n = u32::from_str_radix(&num, radix).map_err(|e| e.to_string())?;
                // `\x` and octal escapes are bytes in Go; only ASCII ones are whole characters.
                if matches!(e, 'x' | '0'..='7') && n >= 0x80 {
                    return Err(format!("byte escape \\{e}{num} is not a character"));
                }
                out.push(char::from_u32(n).ok_or_else(|| format!("bad character {n:#x}"))?);
            }
            c => out.push(c),
        }
    }
    Err(format!("unterminated string literal {src:?}"))
}

/// Renders a template in the subset of Go `text/template` that [`consul_template_text`] emits:
/// text up to `{{` is copied (`lexText`), and an action must be one string constant between
/// optional spaces (`{{ "..." }}`), which prints its value. Anything else in an action (trim
/// markers, comments, pipelines) is an error here.
fn render_template_subset(template: &str) -> Result<String, String> {
    let is_space = |c: char| matches!(c, ' ' | '\t' | '\r' | '\n');
    let mut out = String::new();
    let mut rest = template;
    while let Some(open) = rest.find("{{") {
        out.push_str(&rest[..open]);
        let action = &rest[open + 2..];
        if action.starts_with('-') || action.starts_with("/*") {
            return Err(format!("unsupported action at {action:?}"));
        }
        let action = action.trim_start_matches(is_space);
        let (value, used) = go_unquote(action)?;
        out.push_str(&value);
        rest = action[used..]
            .trim_start_matches(is_space)
            .strip_prefix("}}")
            .ok_or_else(|| format!("expected `}}}}` after the string in {action:?}"))?;
    }
    out.push_str(rest);
    Ok(out)
}

#[test]
fn go_string_table() {
    let cases = [
        // Plain paths need nothing.
        ("kv/data/x", r#""kv/data/x""#),
        // strconv.Unquote: `\"` is a quote; lexQuote skips the character after `\`, so it does not
        // end the string.
        (r#"a"b"#, r#""a\"b""#),
        (r"a\b", r#""a\\b""#),
        // lexQuote stops with "unterminated quoted string" at a raw newline.
        ("a\nb", r#""a\nb""#),
        ("\r\t", r#""\r\t""#),
        // Other controls: `\u` escapes. `\x85` would be one byte, invalid UTF-8 on its own.
        ("\u{7}\u{0}", r#""\u0007\u0000""#),
        ("\u{85}", r#""\u0085""#),
        // Go source is UTF-8; strconv.Unquote keeps non-ASCII characters as they are.
        ("é ✓ 😀", r#""é ✓ 😀""#),
        // Inside a string literal `}}` does not end the action (lexQuote reads to the closing
        // quote before lexInsideAction looks for the right delimiter again).
        ("}}{{", r#""}}{{""#),
        ("", r#""""#),
    ];
    for (input, expected) in cases {
        assert_eq!(go_string(input), expected, "{input:?}");
        assert_eq!(go_unquote(expected), Ok((input.to_owned(), expected.len())));
    }
}

#[test]
fn consul_template_text_table() {
    let cases = [
        // lexText copies everything up to the left delimiter `{{`.
        ("plain text", "plain text"),
        // `}}` is only a delimiter inside an action; in text it is plain.
        ("a}}b", "a}}b"),
        // A single `{` followed by another character is not `{{`.
        ("a{b}", "a{b}"),
        // `{{` would start an action; print it from a string constant instead.
        ("{{", r#"{{ "{{" }}"#),
        ("{{ .Data.x }}", r#"{{ "{{" }} .Data.x }}"#),
        // `{{-` and `{{/*` are trim markers and comments only right after a real `{{`.
        ("a {{- x -}} b", r#"a {{ "{{" }}- x -}} b"#),
        ("{{/* c */}}", r#"{{ "{{" }}/* c */}}"#),
        // A run of three: escaping the first pair would leave `{` before the action's own `{{`,
        // so lexText would find `{{` one character earlier. The whole run goes in one constant.
        ("x{{{y}}}", r#"x{{ "{{{" }}y}}}"#),
        ("{{{{", r#"{{ "{{{{" }}"#),
        // A trailing `{` would join a `{{` that follows the result.
        ("a{", r#"a{{ "{" }}"#),
        ("{", r#"{{ "{" }}"#),
        // `"` and `\` in text are plain; the constants never contain them.
        (r#""{{\"#, r#""{{ "{{" }}\"#),
        ("", ""),
    ];
    for (input, expected) in cases {
        assert_eq!(consul_template_text(input), expected, "{input:?}");
        assert_eq!(render_template_subset(expected).as_deref(), Ok(input));
    }
    // The trailing `{` is safe to follow with an action.
    assert_eq!(
        render_template_subset(&format!("{}{}", consul_template_text("a{"), r#"{{ "b" }}"#)),
        Ok("a{b".to_owned())
    );
}

#[test]
fn template_simulator_rejects_what_it_does_not_model() {
    assert!(render_template_subset("{{ .Data }}").is_err());
    assert!(render_template_subset("{{- \"x\" }}").is_err());
    assert!(render_template_subset("{{ \"x\" -}}").is_err());
    assert!(render_template_subset("{{ \"a\nb\" }}").is_err());
    assert!(render_template_subset("a{{{").is_err());
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(1024))]

    #[test]
    fn go_string_round_trips(s in test_string()) {
        let quoted = go_string(&s);
        prop_assert!(!quoted.contains('\n'));
        prop_assert_eq!(go_unquote(&quoted), Ok((s, quoted.len())));
    }

    #[test]
    fn consul_template_text_renders_to_itself(s in test_string()) {
        prop_assert_eq!(render_template_subset(&consul_template_text(&s)), Ok(s));
    }

    #[test]
    fn consul_template_text_can_be_followed_by_an_action(s in test_string()) {
        let template = format!("{}{{{{ \"!\" }}}}", consul_template_text(&s));
        prop_assert_eq!(render_template_subset(&template), Ok(format!("{s}!")));
    }
}
