//! A lexical pass over the document text that bounds bracket nesting before the parser
//! (which recurses once per level of `{`, `[` and `(`) ever sees it, and the length of
//! names. It is a loop over bytes: no recursion, no allocation, linear in the text.

/// Characters of a name (field, alias, argument, variable, fragment, operation, type,
/// directive, enum value). An error's `path` repeats the aliases above it: 60 errors under
/// one 250,000-character alias made a 252 KB request answer 15 MB (a reviewer's find).
pub const MAX_NAME: usize = 256;

/// What the scan refuses.
#[derive(Debug, PartialEq, Eq)]
pub enum Refusal {
    /// Brackets nested this deep (past the limit).
    Nesting(usize),
    /// A name longer than `MAX_NAME`.
    Name,
}

/// The deepest nesting of `{`, `[` and `(` outside strings and comments, stopping as soon
/// as it passes `max` or meets a name longer than `MAX_NAME`. Unbalanced or odd text is
/// left for the parser to report.
pub fn scan(text: &str, max: usize) -> Result<usize, Refusal> {
    let bytes = text.as_bytes();
    let (mut depth, mut deepest, mut i) = (0usize, 0usize, 0usize);
    let word = |b: u8| b.is_ascii_alphanumeric() || b == b'_';
    while i < bytes.len() {
        match bytes[i] {
            // A name starts with a letter or `_` (a run starting with a digit is a number).
            b if (b.is_ascii_alphabetic() || b == b'_') && (i == 0 || !word(bytes[i - 1])) => {
                let start = i;
                while i + 1 < bytes.len() && word(bytes[i + 1]) {
                    i += 1;
                }
                if i + 1 - start > MAX_NAME {
                    return Err(Refusal::Name);
                }
            }
            b'#' => {
                while i < bytes.len() && bytes[i] != b'\n' && bytes[i] != b'\r' {
                    i += 1;
                }
            }
            b'"' if bytes[i..].starts_with(b"\"\"\"") => {
                i += 3;
                while i < bytes.len() && !bytes[i..].starts_with(b"\"\"\"") {
                    // `\"""` is an escaped triple quote inside a block string.
                    i += if bytes[i..].starts_with(b"\\\"\"\"") { 4 } else { 1 };
                }
                i += 2;
            }
            b'"' => {
                i += 1;
                while i < bytes.len() && bytes[i] != b'"' && bytes[i] != b'\n' {
                    i += if bytes[i] == b'\\' { 2 } else { 1 };
                }
            }
            b'{' | b'[' | b'(' => {
                depth += 1;
                if depth > max {
                    return Err(Refusal::Nesting(depth));
                }
                deepest = deepest.max(depth);
            }
            b'}' | b']' | b')' => depth = depth.saturating_sub(1),
            _ => {}
        }
        i += 1;
    }
    Ok(deepest)
}

#[cfg(test)]
mod tests {
    use super::{MAX_NAME, Refusal, scan as nesting};

    #[test]
    fn counts_brackets_of_every_kind() {
        assert_eq!(nesting("{ a(x: [[1]]) { b } }", 100), Ok(4));
        assert_eq!(nesting("{ a }", 100), Ok(1));
    }

    #[test]
    fn stops_past_the_limit() {
        let deep = format!("{{ __typename(x: {}1{}) }}", "[".repeat(2000), "]".repeat(2000));
        assert_eq!(nesting(&deep, 32), Err(Refusal::Nesting(33)));
    }

    #[test]
    fn ignores_brackets_in_strings_and_comments() {
        let text = "{ a(x: \"[[[{\\\"[\") # [[[[\n b(y: \"\"\"[[[ \\\"\"\" [[\"\"\") }";
        assert_eq!(nesting(text, 3), Ok(2));
    }

    #[test]
    fn names_are_bounded_outside_strings_and_comments() {
        let long = "a".repeat(MAX_NAME + 1);
        assert_eq!(nesting(&format!("{{ {long} }}"), 32), Err(Refusal::Name));
        assert_eq!(nesting(&format!("query(${long}: Int) {{ a }}"), 32), Err(Refusal::Name));
        assert_eq!(nesting(&format!("{{ a(x: \"{long}\") # {long}\n }}"), 32), Ok(2));
        assert_eq!(nesting(&format!("{{ {} }}", "a".repeat(MAX_NAME)), 32), Ok(1));
        assert_eq!(nesting(&format!("{{ a(x: {}) }}", "1".repeat(1000)), 32), Ok(2), "a number is no name");
    }

    #[test]
    fn unterminated_strings_end_the_scan() {
        assert_eq!(nesting("{ a(x: \"[[[[", 2), Ok(2));
        assert_eq!(nesting("{ a(x: \"\"\"[[[[", 2), Ok(2));
    }
}
