//! What a Nomad client does to a task's strings before the task sees them: `${...}`
//! interpolation of `config` and `env` values, and the `KEY=value` files of `template { env =
//! true }`.

use indexmap::IndexMap;
use serde_json::{Map, Value};

/// Nomad's `helper/args.ReplaceEnv`: `${NAME}` with NAME in the environment is replaced;
/// anything else is left as written.
pub fn replace_env(s: &str, env: &IndexMap<String, String>) -> String {
    let mut out = String::new();
    let mut rest = s;
    while let Some(i) = rest.find("${") {
        out.push_str(&rest[..i]);
        let after = &rest[i + 2..];
        let len = after
            .find(|c: char| !(c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.')))
            .unwrap_or(after.len());
        match env
            .get(&after[..len])
            .filter(|_| len > 0 && after[len..].starts_with('}'))
        {
            Some(v) => {
                out.push_str(v);
                rest = &after[len + 1..];
            }
            None => {
                out.push_str("${");
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

/// The client's pass over task `config`: strings are HCL templates whose variables are the
/// task's environment. `$${` and `%%{` are escapes; an unknown `${NAME}` fails the task.
pub fn interpolate(v: &Value, env: &IndexMap<String, String>) -> Result<Value, String> {
    Ok(match v {
        Value::String(s) => Value::String(interpolate_str(s, env)?),
        Value::Array(a) => Value::Array(
            a.iter()
                .map(|x| interpolate(x, env))
                .collect::<Result<_, _>>()?,
        ),
        Value::Object(m) => {
            let mut out = Map::new();
            for (k, x) in m {
                out.insert(k.clone(), interpolate(x, env)?);
            }
            Value::Object(out)
        }
        other => other.clone(),
    })
}

pub(super) fn interpolate_str(s: &str, env: &IndexMap<String, String>) -> Result<String, String> {
    let mut out = String::new();
    let mut i = 0;
    while i < s.len() {
        let rest = &s[i..];
        if rest.starts_with("$${") || rest.starts_with("%%{") {
            out.push_str(&rest[1..3]);
            i += 3;
        } else if rest.starts_with("${") {
            let end = rest
                .find('}')
                .ok_or_else(|| format!("unterminated `${{` in {s:?}"))?;
            let name = rest[2..end].trim();
            match env.get(name) {
                Some(v) => out.push_str(v),
                None => return Err(format!("There is no variable named \"{name}\"")),
            }
            i += end + 1;
        } else if rest.starts_with("%{") {
            return Err(format!("template directives are not allowed here: {s:?}"));
        } else {
            let ch = rest.chars().next().unwrap_or_default();
            out.push(ch);
            i += ch.len_utf8();
        }
    }
    Ok(out)
}

/// Parses an env file as Nomad's go-envparse does for our templates: `KEY=VALUE` lines, with
/// double-quoted values taking JSON escapes.
pub fn parse_env_file(text: &str) -> Result<Vec<(String, String)>, String> {
    let mut out = Vec::new();
    for (n, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let (k, v) = line
            .split_once('=')
            .ok_or_else(|| format!("line {}: no `=`", n + 1))?;
        let v = v.trim();
        let value = if v.starts_with('"') {
            serde_json::from_str::<String>(v)
                .map_err(|e| format!("line {}: bad quoted value: {e}", n + 1))?
        } else if let Some(inner) = v.strip_prefix('\'').and_then(|x| x.strip_suffix('\'')) {
            inner.to_owned()
        } else {
            v.split(" #").next().unwrap_or_default().to_owned()
        };
        out.push((k.trim().to_owned(), value));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    fn env() -> IndexMap<String, String> {
        IndexMap::from([("NOMAD_ALLOC_DIR".to_owned(), "/alloc".to_owned())])
    }

    #[test]
    fn config_interpolation_matches_the_client() {
        assert_eq!(
            interpolate_str("cd ${NOMAD_ALLOC_DIR} $${x} %%{y} $z", &env()),
            Ok("cd /alloc ${x} %{y} $z".to_owned())
        );
        assert_eq!(
            interpolate_str("${NOPE}", &env()),
            Err("There is no variable named \"NOPE\"".to_owned())
        );
    }

    #[test]
    fn env_replacement_leaves_unknown_names() {
        assert_eq!(
            replace_env("${NOMAD_ALLOC_DIR}/x ${OTHER} $${NOMAD_ALLOC_DIR}", &env()),
            "/alloc/x ${OTHER} $/alloc"
        );
    }

    #[test]
    fn env_files_take_json_quoted_values() {
        let vars = parse_env_file("A=\"x \\\"y\\\" \\u003c\\n\"\nB=plain\n").unwrap();
        assert_eq!(
            vars,
            vec![
                ("A".to_owned(), "x \"y\" <\n".to_owned()),
                ("B".to_owned(), "plain".to_owned())
            ]
        );
    }
}
