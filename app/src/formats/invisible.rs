//! Invisible format characters in names and comments (plain data, any thread).
//!
//! Bidirectional controls (U+202A–U+202E, U+2066–U+2069), direction marks (U+200E, U+200F,
//! U+061C), zero-width characters (U+200B–U+200D, U+2060, U+FEFF) and similar format characters
//! (the soft hyphen, line and paragraph separators, invisible operators, …) show nothing
//! themselves but change how the text around them is shown: "Vox\u{202E}vaw.exe" reads as
//! "Voxexe.wav". Text in a session never holds them: where text enters (a dropped file's name,
//! the session name, a comment) and where a document is read (link, autosave, bundle) each one
//! is replaced by [`SHOWN_AS`], which is visible and one character long, so a document keeps
//! within its length limits and an old autosave that holds one still opens.
//!
//! The zero-width non-joiner and joiner (U+200C, U+200D) are kept where they join two visible
//! characters: Persian, Arabic and Indic spelling and emoji sequences (👩‍💻) need them there, and
//! there they hide nothing. Anywhere else (at an end, next to a space or another format
//! character) they are replaced like the rest.

use std::borrow::Cow;

/// What a hidden format character is replaced by: U+FFFD, the replacement character.
pub const SHOWN_AS: char = '\u{FFFD}';

/// The zero-width non-joiner and joiner, kept between two visible characters.
const JOINERS: [char; 2] = ['\u{200C}', '\u{200D}'];

/// True for a format character that is never kept in session text (the joiners count: whether
/// one is kept depends on its neighbours, see [`reveal_hidden`]).
pub fn is_hidden_format(c: char) -> bool {
    matches!(
        c,
        '\u{00AD}'              // soft hyphen
            | '\u{061C}'        // Arabic letter mark
            | '\u{180E}'        // Mongolian vowel separator
            | '\u{200B}'..='\u{200F}' // zero-width space, non-joiner, joiner; LRM, RLM
            | '\u{2028}'..='\u{202E}' // line and paragraph separators; embeddings, overrides
            | '\u{2060}'..='\u{2064}' // word joiner; invisible operators
            | '\u{2066}'..='\u{206F}' // isolates; deprecated format characters
            | '\u{FEFF}'        // zero-width no-break space (byte order mark)
            | '\u{FFF9}'..='\u{FFFB}' // interlinear annotation controls
            | '\u{1D173}'..='\u{1D17A}' // musical symbol format characters (begin beam …)
            | '\u{E0001}'       // language tag
    )
}

/// `text` with every hidden format character replaced by [`SHOWN_AS`] (a joiner between two
/// visible characters is kept). Borrowed when nothing is replaced. The result has as many
/// characters as `text`.
pub fn reveal_hidden(text: &str) -> Cow<'_, str> {
    if !text.chars().any(is_hidden_format) {
        return Cow::Borrowed(text);
    }
    let chars: Vec<char> = text.chars().collect();
    let visible = |i: Option<usize>| {
        i.and_then(|i| chars.get(i))
            .is_some_and(|c| !c.is_whitespace() && !c.is_control() && !is_hidden_format(*c))
    };
    let hidden = |i: usize| {
        let c = chars[i];
        is_hidden_format(c)
            && !(JOINERS.contains(&c) && visible(i.checked_sub(1)) && visible(Some(i + 1)))
    };
    if !(0..chars.len()).any(hidden) {
        return Cow::Borrowed(text);
    }
    let shown = (0..chars.len())
        .map(|i| if hidden(i) { SHOWN_AS } else { chars[i] })
        .collect();
    Cow::Owned(shown)
}

/// True when [`reveal_hidden`] would change `text`.
pub fn holds_hidden(text: &str) -> bool {
    matches!(reveal_hidden(text), Cow::Owned(_))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn direction_and_zero_width_characters_are_shown_and_joiners_in_words_are_kept() {
        assert_eq!(reveal_hidden("Vox\u{202E}vaw.exe"), "Vox\u{FFFD}vaw.exe");
        for c in [
            '\u{202A}', '\u{202B}', '\u{202C}', '\u{202D}', '\u{202E}', '\u{2066}', '\u{2067}',
            '\u{2068}', '\u{2069}', '\u{200E}', '\u{200F}', '\u{061C}', '\u{200B}', '\u{2060}',
            '\u{FEFF}', '\u{2028}', '\u{2029}', '\u{180E}', '\u{00AD}',
        ] {
            let text = format!("a{c}b");
            assert_eq!(reveal_hidden(&text), "a\u{FFFD}b", "U+{:04X}", c as u32);
            assert!(holds_hidden(&text));
        }
        // Joiners shape words and emoji; alone, at an end or next to a space they hide.
        let persian = "می\u{200C}خواهم";
        assert!(matches!(reveal_hidden(persian), Cow::Borrowed(_)));
        assert!(!holds_hidden(persian));
        let coder = "👩\u{200D}💻";
        assert_eq!(reveal_hidden(coder), coder);
        assert_eq!(reveal_hidden("\u{200D}Kick"), "\u{FFFD}Kick");
        assert_eq!(reveal_hidden("Kick \u{200C}"), "Kick \u{FFFD}");
        assert_eq!(reveal_hidden("a\u{200D}\u{200D}b"), "a\u{FFFD}\u{FFFD}b");
        // Ordinary text, including right-to-left scripts, is untouched and not copied.
        for plain in ["Lead Vox.wav", "שיר", "مزج نهائي", "bar 12: vox < gtr"] {
            assert!(matches!(reveal_hidden(plain), Cow::Borrowed(_)), "{plain}");
        }
    }

    proptest::proptest! {
        #[test]
        fn revealed_text_keeps_its_length_and_holds_nothing_hidden(
            text in "[a-z \u{200B}-\u{200F}\u{202A}-\u{202E}\u{2066}-\u{2069}\u{FEFF}ب]{0,40}"
        ) {
            let shown = reveal_hidden(&text);
            proptest::prop_assert_eq!(shown.chars().count(), text.chars().count());
            proptest::prop_assert!(!holds_hidden(&shown));
        }
    }
}
