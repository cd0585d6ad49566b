//! A lexical pass over the document text that bounds bracket nesting before the parser
//! (which recurses once per level of `{`, `[` and `(`) ever sees it. It is a loop over
//! bytes: no recursion, no allocation, linear in the text.

/// The deepest nesting of `{`, `[` and `(` outside strings and comments, stopping as soon
/// as it passes `max`. Unbalanced or odd text is left for the parser to report.
pub fn nesting(text: &str, max: usize) -> Result<usize, usize> {
    let bytes = text.as_bytes();
    let (mut depth, mut deepest, mut i) = (0usize, 0usize, 0usize);
    while i < bytes.len() {
        match bytes[i] {
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
                    return Err(depth);
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
    use super::nesting;

    #[test]
    fn counts_brackets_of_every_kind() {
        assert_eq!(nesting("{ a(x: [[1]]) { b } }", 100), Ok(4));
        assert_eq!(nesting("{ a }", 100), Ok(1));
    }

    #[test]
    fn stops_past_the_limit() {
        let deep = format!("{{ __typename(x: {}1{}) }}", "[".repeat(2000), "]".repeat(2000));
        assert_eq!(nesting(&deep, 32), Err(33));
    }

    #[test]
    fn ignores_brackets_in_strings_and_comments() {
        let text = "{ a(x: \"[[[{\\\"[\") # [[[[\n b(y: \"\"\"[[[ \\\"\"\" [[\"\"\") }";
        assert_eq!(nesting(text, 3), Ok(2));
    }

    #[test]
    fn unterminated_strings_end_the_scan() {
        assert_eq!(nesting("{ a(x: \"[[[[", 2), Ok(2));
        assert_eq!(nesting("{ a(x: \"\"\"[[[[", 2), Ok(2));
    }
}
