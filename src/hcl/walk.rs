//! Walking a body: its attributes and blocks by name, against the [`Layout`] of the place the
//! body is at, with the structural checks both decoders make (unknown names, the wrong form,
//! the wrong number of labels, a single-use name used twice, a label used twice, a required
//! name missing). The decoder says which rule reports each problem ([`Dialect::RULES`]) and
//! how it is worded (the other methods of [`Dialect`]); the walker decides when.

use std::collections::{HashMap, HashSet};
use std::ops::Range;

use hcl_edit::structure::{Attribute, Block, Body, Structure};

use super::{header_span, span};
use crate::diag::{FileId, Finding};
use crate::rules::{
    attribute_expected, block_expected, duplicate_attribute, duplicate_block, duplicate_label,
    extra_label, missing_label, missing_required, unknown_attribute, unknown_block, Rule,
};

/// How a name is written in a body.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Form {
    /// `name = value`.
    Attribute,
    /// `name "label" ... { ... }`.
    Block,
}

impl Form {
    /// `attribute` or `block`.
    pub(crate) fn noun(self) -> &'static str {
        match self {
            Form::Attribute => "attribute",
            Form::Block => "block",
        }
    }
}

/// An attribute or a block of a body.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Item<'b> {
    /// `name = value`.
    Attribute(&'b Attribute),
    /// `name "label" ... { ... }`.
    Block(&'b Block),
}

impl<'b> Item<'b> {
    /// The attribute's name or the block's type.
    pub(crate) fn name(self) -> &'b str {
        match self {
            Item::Attribute(a) => a.key.as_str(),
            Item::Block(b) => b.ident.as_str(),
        }
    }

    /// How it is written.
    pub(crate) fn form(self) -> Form {
        match self {
            Item::Attribute(_) => Form::Attribute,
            Item::Block(_) => Form::Block,
        }
    }

    /// The span of the attribute's name or of the block's type.
    pub(crate) fn key_span(self) -> Range<usize> {
        match self {
            Item::Attribute(a) => span(&a.key),
            Item::Block(b) => span(&b.ident),
        }
    }

    /// The span of the attribute's name or of the block's header (type and labels).
    pub(crate) fn head_span(self) -> Range<usize> {
        match self {
            Item::Attribute(a) => span(&a.key),
            Item::Block(b) => header_span(b),
        }
    }
}

/// A name that a place holds, as its [`Layout`] describes it.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Field<T> {
    /// What the decoder decodes it with.
    pub(crate) data: T,
    /// Whether it may be written as an attribute.
    pub(crate) attribute: bool,
    /// Whether it may be written as a block.
    pub(crate) block: bool,
    /// How many labels its blocks take.
    pub(crate) labels: usize,
    /// Whether it may be given only once, in either form.
    pub(crate) once: bool,
    /// Whether no two of its blocks may have the same (first) label.
    pub(crate) unique: bool,
    /// Whether the place needs it.
    pub(crate) required: bool,
}

impl<T> Field<T> {
    /// `name = value`, once.
    pub(crate) fn attribute(data: T) -> Self {
        Field {
            data,
            attribute: true,
            block: false,
            labels: 0,
            once: true,
            unique: false,
            required: false,
        }
    }

    /// `name { ... }` with `labels` labels, repeatable.
    pub(crate) fn blocks(data: T, labels: usize) -> Self {
        Field {
            data,
            attribute: false,
            block: true,
            labels,
            once: false,
            unique: false,
            required: false,
        }
    }

    /// `name { ... }`, once.
    pub(crate) fn block(data: T) -> Self {
        Field {
            once: true,
            ..Field::blocks(data, 0)
        }
    }

    /// Also (or only) written as an attribute.
    #[must_use]
    pub(crate) fn or_attribute(self) -> Self {
        Field {
            attribute: true,
            ..self
        }
    }

    /// Labels unique among its blocks.
    #[must_use]
    pub(crate) fn unique(self) -> Self {
        Field {
            unique: true,
            ..self
        }
    }

    /// Required when `required` is true.
    #[must_use]
    pub(crate) fn required(self, required: bool) -> Self {
        Field { required, ..self }
    }
}

/// What one place (one kind of block, or the top level) holds.
pub(crate) trait Layout {
    /// What a field is decoded with.
    type Data: Copy;

    /// The field `name`, if the place has one.
    fn field(&self, name: &str) -> Option<Field<Self::Data>>;

    /// The names of every field, in the order help texts list them.
    fn names(&self) -> Vec<&str>;
}

/// The rules a decoder reports structural problems with, one per problem.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Rules {
    /// An attribute whose name the place does not have.
    pub(crate) unknown_attribute: Rule,
    /// A block whose type the place does not have.
    pub(crate) unknown_block: Rule,
    /// A block's name written as an attribute.
    pub(crate) block_expected: Rule,
    /// An attribute's name written as a block.
    pub(crate) attribute_expected: Rule,
    /// A single-use name given twice, the second time as an attribute.
    pub(crate) duplicate_attribute: Rule,
    /// A single-use name given twice, the second time as a block.
    pub(crate) duplicate_block: Rule,
    /// Two blocks with the same label where labels are unique.
    pub(crate) duplicate_label: Rule,
    /// A required name not given.
    pub(crate) missing: Rule,
    /// A block with fewer labels than it takes.
    pub(crate) missing_label: Rule,
    /// A block with more labels than it takes.
    pub(crate) extra_label: Rule,
}

impl Rules {
    /// The rules of a file a person writes (build.hcl, the operator policy): each problem
    /// has a rule of its own.
    pub(crate) const AUTHORED: Rules = Rules {
        unknown_attribute: unknown_attribute::RULE,
        unknown_block: unknown_block::RULE,
        block_expected: block_expected::RULE,
        attribute_expected: attribute_expected::RULE,
        duplicate_attribute: duplicate_attribute::RULE,
        duplicate_block: duplicate_block::RULE,
        duplicate_label: duplicate_label::RULE,
        missing: missing_required::RULE,
        missing_label: missing_label::RULE,
        extra_label: extra_label::RULE,
    };
}

/// [`Dialect::wrong_form`] for a file a person writes: `item`, a name of file `file`, is
/// written as an attribute where it is a block, or the other way round.
pub(crate) fn wrong_form(file: FileId, rule: &Rule, item: Item<'_>) -> Finding {
    let name = item.name();
    match item {
        Item::Attribute(_) => rule
            .finding(
                file,
                item.key_span(),
                format!("`{name}` is a block, not an attribute"),
            )
            .label("written as an attribute")
            .help(format!("write `{name} {{ ... }}` without `=`")),
        Item::Block(_) => rule
            .finding(
                file,
                item.head_span(),
                format!("`{name}` is an attribute, not a block"),
            )
            .label("written as a block")
            .help(format!("write `{name} = ...`")),
    }
}

/// How one decoder reports what the walker finds. Each method makes the finding of one
/// problem with the rule it is given (the matching one of [`Dialect::RULES`]); `place` is how
/// the decoder names the place in messages.
pub(crate) trait Dialect<L: Layout> {
    /// The rule of each problem.
    const RULES: Rules;

    /// `item`'s name is not a field of `layout`.
    fn unknown(&self, rule: &Rule, item: Item<'_>, layout: &L, place: &str) -> Finding;

    /// `item` is a field written in the form it does not take.
    fn wrong_form(&self, rule: &Rule, item: Item<'_>, place: &str) -> Finding;

    /// `block` has fewer or more labels than `field` takes.
    fn labels(&self, rule: &Rule, block: &Block, field: &Field<L::Data>) -> Finding;

    /// `item` gives a single-use name that `first` gave already.
    fn duplicate(&self, rule: &Rule, item: Item<'_>, first: Item<'_>, place: &str) -> Finding;

    /// `block` has the label of `first`, where labels are unique.
    fn duplicate_label(&self, rule: &Rule, block: &Block, first: &Block, place: &str) -> Finding;

    /// The required `name` is not given in the body of `place`, whose header is at `head`.
    fn missing(
        &self,
        rule: &Rule,
        name: &str,
        field: &Field<L::Data>,
        head: Range<usize>,
        place: &str,
    ) -> Finding;
}

/// Walks `body`, the body of `place` (whose header is at `head`), laid out as `layout`.
///
/// Returns the attributes and blocks to decode, in order, each with its field: those of a
/// field of `layout`, written in a form the field takes, with the labels it takes, and not a
/// second use of a single-use name nor a second block with the same label where labels are
/// unique. Every other item is reported to `out` through `dialect`, once, for what is wrong
/// with it, and is not a use: it neither makes a later item a second use nor leaves a required
/// name missing, which is reported last.
pub(crate) fn walk<'b, L: Layout, D: Dialect<L>>(
    dialect: &D,
    body: &'b Body,
    layout: &L,
    place: &str,
    head: Range<usize>,
    out: &mut Vec<Finding>,
) -> Vec<(Item<'b>, Field<L::Data>)> {
    let rules = D::RULES;
    let mut items = Vec::new();
    let mut present: HashSet<&str> = HashSet::new();
    let mut first: HashMap<&str, Item<'b>> = HashMap::new();
    let mut labelled: HashMap<(&str, &str), &'b Block> = HashMap::new();
    for s in body {
        let item = match s {
            Structure::Attribute(a) => Item::Attribute(a),
            Structure::Block(b) => Item::Block(b),
        };
        let name = item.name();
        present.insert(name);
        let Some(field) = layout.field(name) else {
            let rule = match item.form() {
                Form::Attribute => &rules.unknown_attribute,
                Form::Block => &rules.unknown_block,
            };
            out.push(dialect.unknown(rule, item, layout, place));
            continue;
        };
        match item {
            Item::Attribute(_) if !field.attribute => {
                out.push(dialect.wrong_form(&rules.block_expected, item, place));
                continue;
            }
            Item::Block(_) if !field.block => {
                out.push(dialect.wrong_form(&rules.attribute_expected, item, place));
                continue;
            }
            Item::Block(b) => {
                if let Some(f) = labels(dialect, b, &field) {
                    out.push(f);
                    continue;
                }
            }
            Item::Attribute(_) => {}
        }
        if field.once {
            if let Some(prev) = first.get(name) {
                let rule = match item.form() {
                    Form::Attribute => &rules.duplicate_attribute,
                    Form::Block => &rules.duplicate_block,
                };
                out.push(dialect.duplicate(rule, item, *prev, place));
                continue;
            }
            first.insert(name, item);
        }
        if let (true, Item::Block(b)) = (field.unique, item) {
            if let Some(label) = b.labels.first() {
                if let Some(prev) = labelled.get(&(name, label.as_str())) {
                    out.push(dialect.duplicate_label(&rules.duplicate_label, b, prev, place));
                    continue;
                }
                labelled.insert((name, label.as_str()), b);
            }
        }
        items.push((item, field));
    }
    for name in layout.names() {
        match layout.field(name) {
            Some(field) if field.required && !present.contains(name) => {
                out.push(dialect.missing(&rules.missing, name, &field, head.clone(), place));
            }
            _ => {}
        }
    }
    items
}

/// The finding for `block` when it does not have the number of labels `field` takes.
pub(crate) fn labels<L: Layout, D: Dialect<L>>(
    dialect: &D,
    block: &Block,
    field: &Field<L::Data>,
) -> Option<Finding> {
    let rules = D::RULES;
    let n = block.labels.len();
    match n.cmp(&field.labels) {
        std::cmp::Ordering::Equal => None,
        std::cmp::Ordering::Less => Some(dialect.labels(&rules.missing_label, block, field)),
        std::cmp::Ordering::Greater => Some(dialect.labels(&rules.extra_label, block, field)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::{
        attribute_expected, block_expected, duplicate_attribute, duplicate_block, duplicate_label,
        extra_label, missing_label, missing_required, unknown_attribute, unknown_block,
    };

    /// A layout of `(name, field)` pairs; findings say which problem and name they are about.
    struct Fields(Vec<(&'static str, Field<()>)>);

    impl Layout for Fields {
        type Data = ();

        fn field(&self, name: &str) -> Option<Field<()>> {
            self.0.iter().find(|(n, _)| *n == name).map(|(_, f)| *f)
        }

        fn names(&self) -> Vec<&str> {
            self.0.iter().map(|(n, _)| *n).collect()
        }
    }

    struct Plain;

    impl Dialect<Fields> for Plain {
        const RULES: Rules = Rules::AUTHORED;

        fn unknown(&self, rule: &Rule, item: Item<'_>, _: &Fields, _: &str) -> Finding {
            rule.finding(0, item.key_span(), item.name())
        }

        fn wrong_form(&self, rule: &Rule, item: Item<'_>, _: &str) -> Finding {
            rule.finding(0, item.key_span(), item.name())
        }

        fn labels(&self, rule: &Rule, block: &Block, _: &Field<()>) -> Finding {
            rule.finding(0, header_span(block), block.ident.as_str())
        }

        fn duplicate(&self, rule: &Rule, item: Item<'_>, first: Item<'_>, _: &str) -> Finding {
            rule.finding(0, item.key_span(), item.name())
                .also(first.key_span(), "first")
        }

        fn duplicate_label(&self, rule: &Rule, block: &Block, _: &Block, _: &str) -> Finding {
            rule.finding(0, header_span(block), block.ident.as_str())
        }

        fn missing(
            &self,
            rule: &Rule,
            name: &str,
            _: &Field<()>,
            head: Range<usize>,
            _: &str,
        ) -> Finding {
            rule.finding(0, head, name)
        }
    }

    fn run(src: &str) -> (Vec<String>, Vec<(&'static str, String)>) {
        let layout = Fields(vec![
            ("a", Field::attribute(()).required(true)),
            ("one", Field::block(()).required(true)),
            ("many", Field::blocks((), 0)),
            ("named", Field::blocks((), 1).unique()),
            ("map", Field::block(()).or_attribute()),
        ]);
        let body = hcl_edit::parser::parse_body(src).unwrap();
        let mut out = Vec::new();
        let items = walk(&Plain, &body, &layout, "here", 0..0, &mut out);
        let names = items.iter().map(|(i, _)| i.name().to_owned()).collect();
        let found = out.into_iter().map(|f| (f.rule, f.message)).collect();
        (names, found)
    }

    #[test]
    fn well_formed_items_are_yielded_in_order() {
        let (names, found) = run("one {}\na = 1\nmany {}\nmany {}\nnamed \"x\" {}\nmap = {}\n");
        assert_eq!(names, ["one", "a", "many", "many", "named", "map"]);
        assert!(found.is_empty(), "{found:?}");
    }

    #[test]
    fn each_malformed_item_is_reported_once_and_is_not_a_use() {
        let (names, found) = run(concat!(
            "b = 1\n",
            "c {}\n",
            "one = 1\n",
            "a {}\n",
            "one \"x\" {}\n",
            "named {}\n",
            "named \"x\" \"y\" {}\n",
            "one {}\n",
            "one {}\n",
            "named \"x\" {}\n",
            "named \"x\" {}\n",
            "map {}\n",
            "map = {}\n",
        ));
        assert_eq!(names, ["one", "named", "map"]);
        let want = [
            (unknown_attribute::RULE.id, "b"),
            (unknown_block::RULE.id, "c"),
            (block_expected::RULE.id, "one"),
            (attribute_expected::RULE.id, "a"),
            (extra_label::RULE.id, "one"),
            (missing_label::RULE.id, "named"),
            (extra_label::RULE.id, "named"),
            (duplicate_block::RULE.id, "one"),
            (duplicate_label::RULE.id, "named"),
            (duplicate_attribute::RULE.id, "map"),
        ];
        let found: Vec<(&str, &str)> = found.iter().map(|(r, m)| (*r, m.as_str())).collect();
        assert_eq!(found, want);
    }

    #[test]
    fn required_names_are_missing_only_when_not_written_at_all() {
        let (_, found) = run("one \"x\" {}\n");
        assert_eq!(found.len(), 2, "{found:?}");
        assert_eq!(found[0].0, extra_label::RULE.id);
        assert_eq!(
            (found[1].0, found[1].1.as_str()),
            (missing_required::RULE.id, "a")
        );
    }
}
