//! Which strip a dropped file belongs to (plain data): placeholder strips from a link or bundle
//! take files by SHA-256 first, then by name. A name match with other bytes is accepted but
//! flagged, because the mix may then not sound as the sender heard it.

/// Where one dropped file goes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Placement {
    /// Into this placeholder: same bytes as the link's file.
    Fill(u32),
    /// Into this placeholder by name, but the bytes differ from the link's file.
    FillDifferent(u32),
    /// A new strip.
    New,
}

/// A placeholder strip waiting for its file.
#[derive(Clone, Debug, PartialEq)]
pub struct Waiting<'a> {
    pub id: u32,
    pub file_name: &'a str,
    pub sha256: [u8; 32],
}

/// A dropped file, hashed.
#[derive(Clone, Debug, PartialEq)]
pub struct Arrived<'a> {
    pub file_name: &'a str,
    pub sha256: [u8; 32],
}

/// Places every file of one drop: hash matches first, over the whole drop (so a renamed copy is
/// not beaten to its strip by a different file with the old name), then name matches (exact,
/// then ignoring case) among the placeholders left. Each placeholder takes at most one file.
pub fn place(waiting: &[Waiting], files: &[Arrived]) -> Vec<Placement> {
    let mut taken = vec![false; waiting.len()];
    let mut out = vec![Placement::New; files.len()];
    for (f, slot) in files.iter().zip(out.iter_mut()) {
        if let Some(i) = (0..waiting.len()).find(|&i| !taken[i] && waiting[i].sha256 == f.sha256) {
            taken[i] = true;
            *slot = Placement::Fill(waiting[i].id);
        }
    }
    let name_rules: [fn(&str, &str) -> bool; 2] =
        [|a, b| a == b, |a, b| a.to_lowercase() == b.to_lowercase()];
    for same_name in name_rules {
        for (f, slot) in files.iter().zip(out.iter_mut()) {
            if *slot != Placement::New {
                continue;
            }
            if let Some(i) = (0..waiting.len())
                .find(|&i| !taken[i] && same_name(waiting[i].file_name, f.file_name))
            {
                taken[i] = true;
                *slot = Placement::FillDifferent(waiting[i].id);
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn w(id: u32, name: &'static str, h: u8) -> Waiting<'static> {
        Waiting {
            id,
            file_name: name,
            sha256: [h; 32],
        }
    }

    fn a(name: &'static str, h: u8) -> Arrived<'static> {
        Arrived {
            file_name: name,
            sha256: [h; 32],
        }
    }

    #[test]
    fn hash_beats_name_and_names_flag_different_bytes() {
        let waiting = [w(1, "Kick.wav", 1), w(2, "Bass.wav", 2), w(3, "Vox.wav", 3)];
        // A renamed copy of Kick, a different file called Kick.wav, Bass by name with other
        // bytes, an unrelated file.
        let files = [
            a("Kick.wav", 9),
            a("kick renamed.wav", 1),
            a("BASS.WAV", 7),
            a("Pad.wav", 4),
        ];
        assert_eq!(
            place(&waiting, &files),
            vec![
                Placement::New,
                Placement::Fill(1),
                Placement::FillDifferent(2),
                Placement::New
            ]
        );
    }

    #[test]
    fn each_placeholder_takes_one_file() {
        let waiting = [w(1, "Kick.wav", 1)];
        let files = [a("x.wav", 1), a("y.wav", 1), a("Kick.wav", 5)];
        assert_eq!(
            place(&waiting, &files),
            vec![Placement::Fill(1), Placement::New, Placement::New]
        );
        assert_eq!(place(&[], &files), vec![Placement::New; 3]);
    }
}
