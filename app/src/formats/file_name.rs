//! The one file-name sanitiser: names that become files (a bundle's stem entries, exported WAVs,
//! downloaded bundles) lose what a file system would refuse or hide. Plain data, any thread.

/// Characters Windows, macOS or Linux refuse in a file name (besides control characters).
const REFUSED: &[char] = &['/', '\\', ':', '*', '?', '"', '<', '>', '|'];

/// What becomes of a refused character.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Refused {
    /// Left out (a stem's entry name keeps its letters together: `c:d.wav` → `cd.wav`).
    Drop,
    /// Replaced (a session name keeps its shape: `A/B` → `A-B`).
    Replace(char),
}

/// `name` fit to be a file name: control characters and `/ \ : * ? " < > |` dropped or replaced,
/// surrounding whitespace and leading dots (hidden files) trimmed; `fallback` when nothing is
/// left. The caller strips any directory part first where the name may be a path.
pub fn safe_file_name(name: &str, refused: Refused, fallback: &str) -> String {
    let cleaned: String = name
        .chars()
        .filter_map(|c| {
            if c.is_control() || REFUSED.contains(&c) {
                match refused {
                    Refused::Drop => None,
                    Refused::Replace(r) => Some(r),
                }
            } else {
                Some(c)
            }
        })
        .collect();
    let trimmed = cleaned.trim().trim_start_matches('.').trim_start();
    if trimmed.is_empty() {
        fallback.to_owned()
    } else {
        trimmed.to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refused_characters_are_dropped_or_replaced_and_hidden_names_shown() {
        assert_eq!(
            safe_file_name("c:d\u{7}e\n.wav", Refused::Drop, "stem"),
            "cde.wav"
        );
        assert_eq!(
            safe_file_name("A/B: take 2?", Refused::Replace('-'), "x"),
            "A-B- take 2-"
        );
        assert_eq!(
            safe_file_name("  .hidden.wav ", Refused::Drop, "stem"),
            "hidden.wav"
        );
        assert_eq!(safe_file_name("..", Refused::Drop, "stem"), "stem");
        assert_eq!(
            safe_file_name(" \t ", Refused::Replace('-'), "Untitled"),
            "-"
        );
        assert_eq!(
            safe_file_name("   ", Refused::Replace('-'), "Untitled"),
            "Untitled"
        );
    }
}
