//! Parsed item inputs (STYLE.md "parse at the edge"): the service never sees a raw name,
//! size or content type.

use crate::error::AppError;

/// An item name: trimmed, NFC-normalized, 1–255 characters, no control or invisible
/// characters but the zero-width joiners (as every other name: `\u{202E}gnp.exe` shows as
/// `exe.png`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ItemName(String);

impl ItemName {
    pub fn parse(field: &str, raw: &str) -> Result<Self, AppError> {
        const MAX: usize = 255;
        let length = || AppError::bad_input(field, "an item name is 1-255 characters after trimming");
        if raw.len() > 16 * MAX {
            return Err(length());
        }
        let name = crate::domain::nfc(raw.trim());
        let len = name.chars().count();
        if len == 0 || len > MAX {
            return Err(length());
        }
        if name.chars().any(char::is_control) {
            return Err(AppError::bad_input(field, "an item name cannot contain control characters"));
        }
        // Joiners stay: file names in Persian and Indic scripts need the zero-width
        // non-joiner, emoji sequences the joiner.
        if name.chars().any(|c| crate::domain::is_invisible(c) && !matches!(c, '\u{200C}' | '\u{200D}')) {
            return Err(AppError::bad_input(field, "an item name cannot contain invisible or direction-changing characters"));
        }
        Ok(Self(name))
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
    pub fn into_string(self) -> String {
        self.0
    }
}

/// A byte count given as a GraphQL `Float`: a whole number from 0 to 2^53 − 1, the range
/// in which a double (and a JavaScript number) is exact.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ByteSize(i64);

/// 2^53 − 1 (`Number.MAX_SAFE_INTEGER`).
pub const MAX_EXACT: i64 = (1 << 53) - 1;

/// A total of byte counts, held at `MAX_EXACT` as the database's sums are
/// (`item::loader::size_sum`): never an overflow.
pub fn total_bytes(sizes: impl Iterator<Item = i64>) -> i64 {
    sizes.fold(0i64, i64::saturating_add).min(MAX_EXACT)
}

impl ByteSize {
    pub fn parse(field: &str, raw: f64) -> Result<Self, AppError> {
        if !raw.is_finite() || raw.fract() != 0.0 || raw < 0.0 || raw > MAX_EXACT as f64 {
            return Err(AppError::bad_input(field, format!("a size is a whole number of bytes from 0 to {MAX_EXACT}")));
        }
        Ok(Self(raw as i64))
    }
    pub fn get(self) -> i64 {
        self.0
    }
}

/// A media type `type/subtype` (RFC 6838 names, no parameters), stored lowercase:
/// `image/png`, `application/vnd.ms-excel`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ContentType(String);

impl ContentType {
    pub fn parse(field: &str, raw: &str) -> Result<Self, AppError> {
        let text = raw.trim().to_ascii_lowercase();
        // RFC 6838 §4.2: a name starts with a letter or digit, then up to 126 of these.
        let name = |s: &str| {
            let mut bytes = s.bytes();
            s.len() <= 127
                && bytes.next().is_some_and(|b| b.is_ascii_alphanumeric())
                && bytes.all(|b| b.is_ascii_alphanumeric() || b"!#$&-^_.+".contains(&b))
        };
        match text.split_once('/') {
            Some((kind, sub)) if name(kind) && name(sub) => Ok(Self(text)),
            _ => Err(AppError::bad_input(field, "a content type is a media type such as image/png")),
        }
    }
    pub fn into_string(self) -> String {
        self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn item_values() {
        assert_eq!(ItemName::parse("n", " a.png ").expect("valid").as_str(), "a.png");
        assert!(ItemName::parse("n", " ").is_err());
        assert!(ItemName::parse("n", &"é".repeat(255)).is_ok());
        assert!(ItemName::parse("n", &"a".repeat(256)).is_err());
        assert!(ItemName::parse("n", "a\nb").is_err());
        assert_eq!(ByteSize::parse("s", 0.0).expect("zero").get(), 0);
        assert_eq!(ByteSize::parse("s", 9_007_199_254_740_991.0).expect("max").get(), MAX_EXACT);
        for bad in [-1.0, 1.5, f64::NAN, f64::INFINITY, 9_007_199_254_740_992.0] {
            assert!(ByteSize::parse("s", bad).is_err(), "{bad}");
        }
        assert_eq!(ContentType::parse("c", "Image/PNG").expect("valid").into_string(), "image/png");
        assert!(ContentType::parse("c", "application/vnd.ms-excel").is_ok());
        for bad in ["", "image", "image/", "/png", "image/png; charset=x", "image/p ng", "a/b/c"] {
            assert!(ContentType::parse("c", bad).is_err(), "{bad}");
        }
    }
}
