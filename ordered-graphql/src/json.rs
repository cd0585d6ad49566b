//! Answers written as JSON text as they are resolved, not kept as a tree of maps.
//!
//! An object's answer is an `IndexMap` (a key hashed per field, two allocations per
//! object), serialized once the whole answer is done and dropped after: for a nested
//! read's thousands of objects, a quarter of its time. A request marked `JsonAnswers`
//! gets its objects' answers as their JSON text instead (`Value::Binary`, written by
//! `objects::resolve_each` when the request has no error so far), which its parent writes
//! into its own, up to the root; `write_json` writes the whole answer. An answer never
//! has to be taken apart again: the document selects no key twice in a selection set
//! (`keys_selected_once`: nothing is merged), and an error after an object was written
//! cannot reach into it (its fields had all answered; a `null` only goes up).
//!
//! Only for an answer written by `write_json` (orgraph's HTTP answers): serde would write
//! a `Value::Binary` as a list of numbers (WebSocket answers are never marked).
//!
//! A parent does not copy a child's text of `SHARED_FROM` bytes or more, nor a child that
//! is a rope: it keeps the child itself where it goes (`write_shared`, taking the child's
//! answer), and its own answer is then a rope: its own text in pieces with those children
//! between them (a `Value::List` marked by its first item, `ROPE`; only `write_json`,
//! `json_size` and `write_shared` read one, and nothing else takes a written answer
//! apart). Copied into every level above it, a nested read's deepest text was copied about
//! ten times (a sixth of its instructions); now about twice, and once more by `write_json`
//! into the answer. A rope holds its children's ropes whole, so each level handles its
//! own children only, however many pieces lie below them.

use async_graphql::Value;
use async_graphql::parser::types::{ExecutableDocument, Selection, SelectionSet};
use bytes::Bytes;
use std::collections::HashSet;

/// Request data: the request's answer is written by `write_json` and its document
/// selects every key once (`keys_selected_once`); its objects may answer as JSON text.
pub struct JsonAnswers;

/// `value` as JSON, byte for byte as serde_json writes it (compact), a `Value::Binary`
/// being JSON text already (an object answered under `JsonAnswers`).
pub fn write_json(out: &mut Vec<u8>, value: &Value) {
    match value {
        Value::Null => out.extend_from_slice(b"null"),
        Value::Number(n) => write_serde(out, n),
        Value::String(s) => write_json_str(out, s),
        Value::Enum(e) => write_json_str(out, e),
        Value::Boolean(b) => out.extend_from_slice(if *b { b"true" } else { b"false" }),
        Value::Binary(json) => out.extend_from_slice(json),
        Value::List(items) if is_rope(items) => items[1..].iter().for_each(|piece| write_json(out, piece)),
        Value::List(items) => {
            out.push(b'[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                write_json(out, item);
            }
            out.push(b']');
        }
        Value::Object(map) => {
            out.push(b'{');
            for (i, (key, value)) in map.iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                write_entry(out, key, value);
            }
            out.push(b'}');
        }
    }
}

/// About how many bytes `write_json` writes for `value` (exactly, for JSON text and for
/// strings with nothing to escape): what to reserve before writing it.
pub fn json_size(value: &Value) -> usize {
    match value {
        Value::Binary(json) => json.len(),
        Value::List(items) if is_rope(items) => items[1..].iter().map(json_size).sum(),
        Value::String(s) => s.len() + 2,
        Value::Enum(e) => e.len() + 2,
        Value::List(items) => 2 + items.iter().map(|v| json_size(v) + 1).sum::<usize>(),
        Value::Object(map) => 2 + map.iter().map(|(k, v)| k.len() + 4 + json_size(v)).sum::<usize>(),
        Value::Null | Value::Boolean(_) | Value::Number(_) => 8,
    }
}

/// The first item of a rope (a `Value::List` of JSON text, `Value::Binary`, and ropes):
/// not JSON text (its first byte is never one of UTF-8's), so no piece can be taken for it.
const ROPE: Bytes = Bytes::from_static(b"\xffrope");

/// A child's JSON text this long or longer is kept by its parent's rope, not copied; a
/// shorter one is cheaper to copy than to keep a piece for.
const SHARED_FROM: usize = 1024;

fn is_rope(items: &[Value]) -> bool {
    matches!(items.first(), Some(Value::Binary(mark)) if *mark == ROPE)
}

/// Whether a parent keeps `value` in its rope (`write_shared`) instead of copying it.
fn kept(value: &Value) -> bool {
    match value {
        Value::Binary(text) => text.len() >= SHARED_FROM,
        Value::List(items) => is_rope(items),
        _ => false,
    }
}

/// The children a parent's text (`out`, being written) keeps instead of copies, each with
/// its place in `out`, in order (`write_shared`).
pub(crate) type Shared = Vec<(usize, Value)>;

/// How many bytes `write_shared` copies for `value` (about, as `json_size`).
pub(crate) fn copied_size(value: &Value) -> usize {
    if kept(value) { 0 } else { json_size(value) }
}

/// Writes `value` at the end of `out` as `write_json` does, or keeps it in `shared` at its
/// place when it is long JSON text or a rope.
pub(crate) fn write_shared(out: &mut Vec<u8>, shared: &mut Shared, value: Value) {
    if kept(&value) {
        shared.push((out.len(), value));
    } else {
        write_json(out, &value);
    }
}

/// The text `out` with the children `shared` keeps in their places: JSON text
/// (`Value::Binary`) when it keeps none, else a rope.
pub(crate) fn joined(out: Vec<u8>, shared: Shared) -> Value {
    if shared.is_empty() {
        return Value::Binary(out.into());
    }
    let own = Bytes::from(out);
    let mut pieces = Vec::with_capacity(2 * shared.len() + 2);
    pieces.push(Value::Binary(ROPE));
    let mut from = 0;
    for (at, child) in shared {
        if at > from {
            pieces.push(Value::Binary(own.slice(from..at)));
        }
        pieces.push(child);
        from = at;
    }
    if own.len() > from {
        pieces.push(Value::Binary(own.slice(from..)));
    }
    Value::List(pieces)
}

/// `text` as a JSON string, escaped as serde_json escapes it: only `"`, `\` and the
/// control characters below U+0020. A text with none of them (most names and keys) is
/// copied between its quotes, checked eight bytes at a time (`plain`).
pub fn write_json_str(out: &mut Vec<u8>, text: &str) {
    if plain(text.as_bytes()) {
        out.reserve(text.len() + 2);
        out.push(b'"');
        out.extend_from_slice(text.as_bytes());
        out.push(b'"');
    } else {
        write_serde(out, text);
    }
}

/// Whether `bytes` hold no `"`, `\` or control character (below 0x20): eight bytes at a
/// time, each test true when some byte of the word is one (exact: a borrow only runs on
/// from a byte that is one). A byte at a time, a name cost about twelve
/// instructions a byte, a twentieth of a nested read's.
fn plain(bytes: &[u8]) -> bool {
    const ONES: u64 = u64::from_ne_bytes([1; 8]);
    const HIGH: u64 = ONES * 0x80;
    let below = |word: u64, n: u8| word.wrapping_sub(ONES * u64::from(n)) & !word & HIGH != 0;
    let special = |eight: [u8; 8]| {
        let word = u64::from_ne_bytes(eight);
        below(word, 0x20) || below(word ^ (ONES * u64::from(b'"')), 1) || below(word ^ (ONES * u64::from(b'\\')), 1)
    };
    let mut words = bytes.chunks_exact(8);
    for word in &mut words {
        let mut eight = [0; 8];
        eight.copy_from_slice(word);
        if special(eight) {
            return false;
        }
    }
    // The rest as one word too: the text's last eight bytes (some checked twice), or its
    // few bytes filled out with spaces.
    let rest = words.remainder();
    let mut eight = [b' '; 8];
    match bytes.len() {
        _ if rest.is_empty() => return true,
        n if n >= 8 => eight.copy_from_slice(&bytes[n - 8..]),
        n => eight[..n].copy_from_slice(bytes),
    }
    !special(eight)
}

/// `"key":value`.
pub(crate) fn write_entry(out: &mut Vec<u8>, key: &str, value: &Value) {
    write_json_str(out, key);
    out.push(b':');
    write_json(out, value);
}

/// A string or number as serde_json writes it (its escaping, its number formats).
fn write_serde<T: serde::Serialize + ?Sized>(out: &mut Vec<u8>, value: &T) {
    // Writing into a `Vec` does not fail, and neither does a string or a number.
    let _ = serde_json::to_writer(out, value);
}

/// Whether no selection set of `doc` selects a response key twice, counting the fields of
/// the fragments it spreads and of its inline fragments whatever their type conditions and
/// directives (so more documents than merge anything answer false): no value of its
/// answer is ever merged from two.
pub fn keys_selected_once(doc: &ExecutableDocument) -> bool {
    // Each selection set once: an operation's, a fragment's, and every field's in them.
    let mut sets: Vec<&SelectionSet> = doc.operations.iter().map(|(_, op)| &op.node.selection_set.node).collect();
    sets.extend(doc.fragments.values().map(|f| &f.node.selection_set.node));
    while let Some(set) = sets.pop() {
        let (mut keys, mut spread) = (HashSet::new(), HashSet::new());
        if !level_once(set, doc, &mut keys, &mut spread, &mut sets) {
            return false;
        }
    }
    true
}

/// Adds the keys `set` selects at its level to `keys` (false at one already there, or at a
/// fragment spread twice), and the selection sets of its own fields to `nested`.
fn level_once<'a>(
    set: &'a SelectionSet,
    doc: &'a ExecutableDocument,
    keys: &mut HashSet<&'a str>,
    spread: &mut HashSet<&'a str>,
    nested: &mut Vec<&'a SelectionSet>,
) -> bool {
    for selection in &set.items {
        let ok = match &selection.node {
            Selection::Field(field) => {
                nested.push(&field.node.selection_set.node);
                keys.insert(field.node.response_key().node.as_str())
            }
            // A fragment's own fields' selection sets are checked with the fragment.
            Selection::FragmentSpread(s) => match doc.fragments.get(&s.node.fragment_name.node) {
                Some(f) => {
                    spread.insert(s.node.fragment_name.node.as_str())
                        && level_once(&f.node.selection_set.node, doc, keys, spread, &mut Vec::new())
                }
                None => true,
            },
            Selection::InlineFragment(f) => level_once(&f.node.selection_set.node, doc, keys, spread, nested),
        };
        if !ok {
            return false;
        }
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;
    use async_graphql::{Name, Number, indexmap::IndexMap};

    #[test]
    fn writes_what_serde_json_writes() {
        let text = "q\"b\\s/n\nt\tr\rc\u{1}\u{1f}d\u{7f}é😀\u{2028}";
        let mut inner = IndexMap::new();
        inner.insert(Name::new("s"), Value::String(text.into()));
        inner.insert(Name::new("e"), Value::Enum(Name::new("ADMIN")));
        inner.insert(Name::new("n"), Value::Null);
        inner.insert(Name::new("empty"), Value::Object(IndexMap::new()));
        let numbers = [
            Number::from(0),
            Number::from(-7),
            Number::from(u64::MAX),
            Number::from_f64(1.5e-7).expect("finite"),
            Number::from_f64(-0.0).expect("finite"),
        ];
        let mut map = IndexMap::new();
        map.insert(Name::new("list"), Value::List(numbers.into_iter().map(Value::Number).collect()));
        map.insert(Name::new("b"), Value::List(vec![Value::Boolean(true), Value::Boolean(false), Value::List(vec![])]));
        map.insert(Name::new(text), Value::Object(inner));
        let value = Value::Object(map);
        let mut out = Vec::new();
        write_json(&mut out, &value);
        assert_eq!(String::from_utf8(out).expect("utf-8"), serde_json::to_string(&value).expect("json"));
    }

    #[test]
    fn every_string_is_escaped_as_serde_json_escapes_it() {
        let mut texts: Vec<String> = (0u8..=0x7f).map(|b| format!("a{}b", b as char)).collect();
        // Every special byte at every place of texts of every length up to past two words.
        for b in (0u8..0x20).chain([b'"', b'\\', b'!', b'#', b'[', b']', 0x7f]) {
            for len in 1..=19 {
                for at in 0..len {
                    let mut text = "0123456789abcdefghi"[..len].to_string();
                    text.replace_range(at..at + 1, &(b as char).to_string());
                    texts.push(text);
                }
            }
        }
        texts.extend(
            ["é😀\u{2028}é😀\u{2028}é😀\u{2028}", "Dataset 1.4.2.3.5", "ÿ\u{ff}\u{100}\u{7ff}\u{800}\u{ffff}\u{10ffff}"]
                .map(String::from),
        );
        texts.extend(["", "name", "Dataset 7", "é😀\u{2028}\u{7f}/<tag>&amp;", "\"", "\\", "x\u{1f}"].map(String::from));
        for text in texts {
            let mut out = Vec::new();
            write_json_str(&mut out, &text);
            assert_eq!(String::from_utf8(out).expect("utf-8"), serde_json::to_string(&text).expect("json"), "{text:?}");
        }
    }

    #[test]
    fn binary_is_json_text_written_as_it_is() {
        let value = Value::List(vec![Value::Binary(br#"{"id":"a\"b"}"#.to_vec().into()), Value::Null]);
        let mut out = Vec::new();
        write_json(&mut out, &value);
        assert_eq!(out, br#"[{"id":"a\"b"},null]"#);
    }

    fn text(value: &Value) -> String {
        let mut out = Vec::new();
        write_json(&mut out, value);
        if matches!(value, Value::Binary(_)) || kept(value) {
            assert_eq!(out.len(), json_size(value), "the size of a text or rope is exact");
        }
        String::from_utf8(out).expect("utf-8")
    }

    /// `[values…]` written as a parent writes its children's answers.
    fn list_of(values: &[&Value]) -> Value {
        let (mut out, mut shared) = (vec![b'['], Shared::new());
        for (i, value) in values.iter().enumerate() {
            if i > 0 {
                out.push(b',');
            }
            write_shared(&mut out, &mut shared, (*value).clone());
        }
        out.push(b']');
        joined(out, shared)
    }

    #[test]
    fn long_texts_and_ropes_are_kept_where_they_go_not_copied() {
        let long = |c: char| Value::Binary(format!("\"{}\"", c.to_string().repeat(SHARED_FROM)).into_bytes().into());
        let (a, b, short) = (long('a'), long('b'), Value::Binary(br#"{"s":1}"#.to_vec().into()));
        let inner = list_of(&[&a, &short, &b, &Value::Null]);
        let outer = list_of(&[&short, &inner, &Value::String("x".into()), &inner]);
        let (ta, tb) = (text(&a), text(&b));
        let ti = format!(r#"[{ta},{{"s":1}},{tb},null]"#);
        assert_eq!(text(&inner), ti);
        assert_eq!(text(&outer), format!(r#"[{{"s":1}},{ti},"x",{ti}]"#));
        let mut map = async_graphql::indexmap::IndexMap::new();
        map.insert(Name::new("k"), outer.clone());
        assert_eq!(text(&Value::Object(map)), format!(r#"{{"k":{}}}"#, text(&outer)));
        // The long texts are held, not copied, at every level: `a` by the inner rope, which
        // the outer holds twice.
        let Value::Binary(a_text) = &a else { unreachable!() };
        let holds_a = |rope: &Value| match rope {
            Value::List(items) if is_rope(items) => {
                items.iter().filter(|p| matches!(p, Value::Binary(t) if t.as_ptr() == a_text.as_ptr())).count()
            }
            _ => 0,
        };
        assert_eq!(holds_a(&inner), 1);
        let Value::List(pieces) = &outer else { panic!("a rope") };
        assert_eq!(pieces.iter().filter(|p| holds_a(p) == 1).count(), 2);
        assert!(matches!(list_of(&[&short, &short]), Value::Binary(_)), "short texts are copied");
        assert_eq!(copied_size(&outer), 0);
        assert_eq!(copied_size(&short), 7);
    }

    fn once(query: &str) -> bool {
        keys_selected_once(&async_graphql::parser::parse_query(query).expect("a query"))
    }

    #[test]
    fn a_key_selected_twice_anywhere_is_found() {
        assert!(once("{ a b { a b c: a } ... on Query { d } ...F } fragment F on Query { e { x } f: e { x } }"));
        assert!(once("query Q { a } query R { a }"));
        assert!(!once("{ a a }"));
        assert!(!once("{ a b: a c { x { y y } } }"), "nested");
        assert!(!once("{ c: a b { x } c }"), "aliased");
        assert!(!once("{ a ... on Query { a } }"), "inline fragment");
        assert!(!once("{ a ... @include(if: false) { a } }"), "whatever the directives");
        assert!(!once("{ ...F ...G } fragment F on Query { a } fragment G on Query { a }"), "two fragments");
        assert!(!once("{ ...F ...F } fragment F on Query { a }"), "one fragment twice");
        assert!(!once("{ b ...F } fragment F on Query { x { ...G ...G } } fragment G on X { y }"), "in a fragment");
        assert!(!once("{ b ... on Query { c { ...G } } } fragment G on X { y ... { y } }"), "in a fragment's own level");
        assert!(!once("{ x { ... on A { y } ... on B { y } } }"), "other type conditions too");
    }
}
