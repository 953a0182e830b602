use super::*;
use crate::load::{load as load_build, VarInputs};
use crate::rules;

/// The `n`-th `hcl` code block of a rule's docs.
fn block(r: &Rule, n: usize) -> String {
    let doc = r.doc_text();
    let after = doc.split("```hcl\n").nth(n + 1).expect("an hcl block");
    after.split("```").next().unwrap_or_default().to_owned()
}

fn policy(text: &str) -> Policy {
    match Policy::parse("policy.hcl", text) {
        Ok(p) => p,
        Err(e) => panic!("{e:?}"),
    }
}

/// The findings of `build` (a build.hcl) under `policy`.
fn check(policy: &Policy, build: &str) -> Vec<Finding> {
    let mut sources = Sources::default();
    let file = sources.add("build.hcl", build);
    let (loaded, findings) = load_build(&mut sources, file, &VarInputs::default());
    let loaded = loaded.unwrap_or_else(|| panic!("{findings:?}"));
    policy.check(&loaded, None)
}

#[test]
fn each_policy_rule_finds_its_own_example() {
    for r in [
        rules::policy_credentials::RULE,
        rules::policy_host_volume::RULE,
        rules::policy_image::RULE,
        rules::policy_namespace::RULE,
        rules::policy_node_pool::RULE,
        rules::policy_pipeline::RULE,
        rules::policy_privileged::RULE,
        rules::policy_vault_role::RULE,
    ] {
        let p = policy(&block(&r, 0));
        let found = check(&p, &block(&r, 1));
        assert!(found.iter().any(|f| f.rule == r.id), "{}: {found:?}", r.id);
        assert!(found.iter().all(Finding::is_error), "{}", r.id);
    }
    let p = policy(&block(&rules::policy_templates::RULE, 0));
    assert!(!p.allows_templates());
    assert!(policy("allow {\n  templates = true\n}\n").allows_templates());
    match Policy::parse("policy.hcl", &block(&rules::invalid_glob::RULE, 0)) {
        Err(PolicyError::Invalid(_, f)) => {
            assert_eq!(f.len(), 1, "{f:?}");
            assert_eq!(f[0].rule, rules::invalid_glob::RULE.id);
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn an_empty_policy_allows_what_the_file_says_but_no_secret() {
    let p = policy("");
    let ok =
        "pipeline \"app\" {\n  image {\n    repository = \"r.example/a\"\n  }\n  build {}\n}\n";
    assert_eq!(check(&p, ok), []);
    let r = rules::policy_credentials::RULE;
    let found = check(&p, &block(&r, 1));
    let ids: Vec<&str> = found.iter().map(|f| f.rule).collect();
    assert_eq!(ids, [r.id]);
    assert!(
        found[0].message.contains("has no `credentials"),
        "{found:?}"
    );
}

#[test]
fn globs_keep_star_within_a_segment() {
    let p = Patterns::new(&[
        "quay.io/buildah/*".to_owned(),
        "registry.example.com/**".to_owned(),
    ])
    .expect("patterns");
    assert!(p.matches("quay.io/buildah/stable:v1.38.1"));
    assert!(!p.matches("quay.io/buildah/x/y"));
    assert!(p.matches("registry.example.com/a/b/c:1"));
    assert!(!p.matches("registry.example.com.attacker.example/a"));
    assert!(!p.matches("QUAY.io/buildah/stable"));
    let hosts = Patterns::new(&["*.example.com".to_owned()]).expect("patterns");
    assert!(hosts.matches("registry.example.com"));
    assert!(!hosts.matches("registry.example.com:5000"));
    assert!(!hosts.matches("example.com"));
    assert!(Patterns::new(&[String::new()]).is_err());
    assert!(!Patterns::new(&[]).expect("empty").matches("anything"));
}
