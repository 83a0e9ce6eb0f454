//! Golden fixtures of format 1: a share link, an autosave record and a session bundle written by
//! the build that introduced format 1, checked in under `app/tests/fixtures/v1/` and opened here
//! with today's code. The tests assert the values inside, so they fail when the wire shape of
//! version 1 changes (or its migration loses something); the last one fails when the writer's
//! shape drifts from the newest version's fixtures.
//!
//! The fixtures were made once by [`write_v1_fixtures`] (ignored; it refuses to run once
//! [`FORMAT_VERSION`] is past 1) and must never be regenerated or edited: they stand for the
//! links, autosaves and bundles people already have.

use std::path::PathBuf;

use dsp_worklet::params::ParamId;

use crate::browser::hashing::{hex, sha256};
use crate::formats::bundle;
use crate::formats::bundle_document::{bundle_document_json, parse_bundle_document};
use crate::formats::document::{
    Comment, FORMAT_VERSION, SessionDoc, StemIdentity, TargetDoc, shareable_name,
};
use crate::formats::share_link::{self, LinkError};
use crate::formats::versions::v1::SessionDocV1;
use crate::formats::versions::v2::SessionDocV2;
use crate::model::session::{Mix, NewTrack};
use crate::model::targets::{PRESETS, Target};

/// The fixtures of format `version`.
fn fixtures(version: u8) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(format!("tests/fixtures/v{version}"))
}

fn read(version: u8, name: &str) -> Vec<u8> {
    let path = fixtures(version).join(name);
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

const LINK: &str = "share_link.txt";
const AUTOSAVE: &str = "autosave.bin";
const BUNDLE: &str = "session_bundle.zip";

/// The studio session behind the link and autosave fixtures, made with the model's own edits
/// as a user would: six stems dropped (one removed again), strips and master mixed, a custom
/// target, a loop, comments (one deleted), monitoring switched (not stored).
fn studio_session() -> Mix {
    let mut m = Mix::new_session(0x5ec0_4d0e_a2b1_7c39);
    m.sample_rate = 48_000.0;
    m.name = shareable_name("Late Night Demo – v3 (Café mix)");
    let stems = [
        ("Kick.wav", 1, 44_100.0, 213.4),
        ("Snare.wav", 1, 44_100.0, 213.4),
        ("Scratch Gtr.wav", 2, 48_000.0, 180.0),
        ("Bass DI.wav", 1, 48_000.0, 213.4),
        ("Lead Vox.wav", 2, 96_000.0, 205.25),
        ("Pad <wide>.wav", 2, 44_100.0, 213.4),
    ];
    let ids: Vec<u32> = stems
        .iter()
        .map(|(name, channels, rate, seconds)| {
            m.add_track(NewTrack {
                file_name: shareable_name(name),
                channels: *channels,
                frames: (seconds * 48_000.0_f64).round() as u64,
                source_rate: *rate,
                overview: Vec::new(),
                sha256: sha256(format!("second ear fixture stem: {name}").as_bytes()),
            })
        })
        .collect();
    let [kick, snare, scratch, bass, vox, pad] = ids[..] else {
        unreachable!()
    };
    m.remove_track(scratch);
    for (id, settings) in [
        (
            kick,
            &[
                (ParamId::Gain, -3.5),
                (ParamId::HpOn, 1.0),
                (ParamId::HpFreq, 35.0),
                (ParamId::Eq1Freq, 60.0),
                (ParamId::Eq1Gain, 3.0),
                (ParamId::CompOn, 1.0),
                (ParamId::CompThreshold, -20.0),
                (ParamId::CompRatio, 5.0),
            ][..],
        ),
        (
            snare,
            &[
                (ParamId::Gain, -6.0),
                (ParamId::Pan, -12.0),
                (ParamId::GateOn, 1.0),
                (ParamId::GateThreshold, -40.0),
                (ParamId::Send1Level, -18.0),
            ][..],
        ),
        (
            bass,
            &[
                (ParamId::Gain, -4.25),
                (ParamId::Eq2Freq, 250.0),
                (ParamId::Eq2Gain, -2.5),
                (ParamId::SatOn, 1.0),
                (ParamId::SatDrive, 9.0),
            ][..],
        ),
        (
            vox,
            &[
                (ParamId::Gain, -1.5),
                (ParamId::Eq3Freq, 3_500.0),
                (ParamId::Eq3Gain, 2.0),
                (ParamId::CompOn, 1.0),
                (ParamId::CompThreshold, -24.0),
                (ParamId::CompRatio, 3.0),
                (ParamId::Send1Level, -12.0),
                (ParamId::Send2Level, -20.0),
            ][..],
        ),
        (
            pad,
            &[
                (ParamId::Pan, 35.0),
                (ParamId::Mute, 1.0),
                (ParamId::LpOn, 1.0),
                (ParamId::LpFreq, 8_000.0),
            ][..],
        ),
    ] {
        for (param, value) in settings {
            m.set_track_param(id, *param, *value);
        }
    }
    m.set_master_param(ParamId::MasterGain, -1.5);
    m.set_master_param(ParamId::ReverbReturn, -10.0);
    m.set_master_param(ParamId::DelayFeedback, 45.0);
    m.set_master_param(ParamId::DelayReturn, -14.0);
    m.set_master_param(ParamId::Mono, 1.0);
    m.target = Target::custom(-11.5, -0.8);
    m.set_loop(true, 62.5, 78.25);
    let note = |id: u64, start_s: f64, end_s: Option<f64>, author: &str, text: &str| Comment {
        id,
        start_s,
        end_s,
        author: author.into(),
        text: text.into(),
    };
    m.add_comment(note(
        0x0c0f_fee0_0000_0001,
        12.5,
        None,
        "Alex",
        "kick is too boomy here",
    ));
    m.add_comment(note(
        0x0c0f_fee0_0000_0002,
        62.5,
        Some(78.25),
        "Sam",
        "chorus: vox < gtr, lift it 1 dB",
    ));
    m.add_comment(note(
        0x0c0f_fee0_0000_0003,
        150.0,
        None,
        "Sam",
        "love the delay throw 👌\nkeep it",
    ));
    let gone = m.add_comment(note(
        0x0c0f_fee0_0000_0004,
        30.0,
        None,
        "Alex",
        "scratch gtr can go",
    ));
    m.remove_comment(gone);
    m
}

/// Two tiny real WAV files for the bundle fixture: a 20 ms mono click at 44.1 kHz and a 10 ms
/// stereo 1 kHz tone at 48 kHz, 16-bit.
fn bundle_stems() -> [(&'static str, Vec<u8>); 2] {
    let wav = |channels: u16, rate: u32, frames: u32, sample: &dyn Fn(u32, u16) -> f64| {
        let spec = hound::WavSpec {
            channels,
            sample_rate: rate,
            bits_per_sample: 16,
            sample_format: hound::SampleFormat::Int,
        };
        let mut out = std::io::Cursor::new(Vec::new());
        let mut w = hound::WavWriter::new(&mut out, spec).expect("wav");
        for i in 0..frames {
            for c in 0..channels {
                w.write_sample((sample(i, c) * 32_767.0).round() as i16)
                    .expect("sample");
            }
        }
        w.finalize().expect("finalize");
        out.into_inner()
    };
    let click = wav(1, 44_100, 882, &|i, _| {
        (-(i as f64) / 40.0).exp() * if i % 2 == 0 { 0.9 } else { -0.9 }
    });
    let tone = wav(2, 48_000, 480, &|i, c| {
        let gain = if c == 0 { 0.25 } else { 0.2 };
        gain * (2.0 * std::f64::consts::PI * 1_000.0 * i as f64 / 48_000.0).sin()
    });
    [("Click.wav", click), ("Tone.wav", tone)]
}

/// The session in the bundle fixture: its two stems, as decoded at 48 kHz.
fn bundle_session(stems: &[(&str, Vec<u8>)]) -> Mix {
    let mut m = Mix::new_session(0xb0b0_1e55_0dd5_0002);
    m.sample_rate = 48_000.0;
    m.name = shareable_name("Bundle Demo");
    let click = m.add_track(NewTrack {
        file_name: stems[0].0.into(),
        channels: 1,
        frames: 960,
        source_rate: 44_100.0,
        overview: Vec::new(),
        sha256: sha256(&stems[0].1),
    });
    let tone = m.add_track(NewTrack {
        file_name: stems[1].0.into(),
        channels: 2,
        frames: 480,
        source_rate: 48_000.0,
        overview: Vec::new(),
        sha256: sha256(&stems[1].1),
    });
    m.set_track_param(click, ParamId::Gain, -2.0);
    m.set_track_param(click, ParamId::Pan, -30.0);
    m.set_track_param(tone, ParamId::Gain, -9.5);
    m.set_track_param(tone, ParamId::Eq2Gain, -4.0);
    m.set_master_param(ParamId::MasterGain, -0.5);
    m.target = PRESETS[1];
    m.set_loop(false, 0.005, 0.015);
    m.add_comment(Comment {
        id: 0x0c0f_fee0_0000_0010,
        start_s: 0.01,
        end_s: None,
        author: "Kim".into(),
        text: "tone is a bit harsh".into(),
    });
    m
}

/// Writes the version-1 fixtures with the app's own writers: the link text after `#s=`
/// (`share_link::encode`), the autosave record (`share_link::to_checked_bytes`, what
/// `storage::save_session` stores) and a bundle (`bundle_document_json` + `bundle::write`, as
/// "Download session" does). Run once: `cargo test -p app --lib write_v1_fixtures -- --ignored`.
#[test]
#[ignore = "writes the checked-in version-1 fixtures; never run again"]
fn write_v1_fixtures() {
    assert_eq!(
        FORMAT_VERSION, 1,
        "today's writers write another version; version-1 fixtures are frozen"
    );
    let dir = fixtures(1);
    std::fs::create_dir_all(&dir).expect("fixture folder");
    let doc = studio_session().to_doc();
    std::fs::write(dir.join(LINK), share_link::encode(&doc)).expect("link");
    let record = share_link::to_checked_bytes(&doc).expect("writable");
    std::fs::write(dir.join(AUTOSAVE), record).expect("autosave");
    let stems = bundle_stems();
    let doc = bundle_session(&stems).to_doc();
    share_link::to_checked_bytes(&doc).expect("writable");
    let refs: Vec<(&str, &[u8])> = stems.iter().map(|(n, b)| (*n, b.as_slice())).collect();
    let zip = bundle::write(&bundle_document_json(&doc), &refs).expect("bundle");
    std::fs::write(dir.join(BUNDLE), zip).expect("bundle");
}

/// The version-2 studio session: the version-1 one with automation (a fader ride with every
/// curve on the lead vocal, a mute lane turned off on the snare, a master fader fade-out).
fn studio_session_v2() -> Mix {
    use dsp_worklet::automation::Curve;
    let mut m = studio_session();
    let rate = m.sample_rate as u64;
    let vox = m
        .tracks
        .iter_mut()
        .find(|t| t.name == "Lead Vox")
        .expect("vox");
    let lane = crate::model::automation::find_or_add(&mut vox.lanes, ParamId::Gain).expect("lane");
    lane.add_point(0, -3.0, Curve::Linear);
    lane.add_point(10 * rate, 1.5, Curve::Slow);
    lane.add_point(20 * rate, -6.0, Curve::Fast);
    lane.add_point(30 * rate, -6.0, Curve::Linear);
    let snare = m
        .tracks
        .iter_mut()
        .find(|t| t.name == "Snare")
        .expect("snare");
    let lane =
        crate::model::automation::find_or_add(&mut snare.lanes, ParamId::Mute).expect("lane");
    lane.add_point(5 * rate, 1.0, Curve::Linear);
    lane.add_point(7 * rate, 0.0, Curve::Linear);
    lane.mode = crate::model::automation::LaneMode::Off;
    let lane = crate::model::automation::find_or_add(&mut m.master_lanes, ParamId::MasterGain)
        .expect("lane");
    lane.add_point(60 * rate, 0.0, Curve::Linear);
    lane.add_point(64 * rate, -60.0, Curve::Slow);
    m
}

/// Writes the version-2 fixtures, as [`write_v1_fixtures`] did for version 1, from
/// [`studio_session_v2`] and the version-1 bundle session with a pan lane. Run once: `cargo
/// test -p app --lib write_v2_fixtures -- --ignored`.
#[test]
#[ignore = "writes the checked-in version-2 fixtures; never run again"]
fn write_v2_fixtures() {
    assert_eq!(
        FORMAT_VERSION, 2,
        "today's writers write another version; version-2 fixtures are frozen"
    );
    let dir = fixtures(2);
    assert!(!dir.join(LINK).exists(), "version-2 fixtures are frozen");
    std::fs::create_dir_all(&dir).expect("fixture folder");
    let doc = studio_session_v2().to_doc();
    std::fs::write(dir.join(LINK), share_link::encode(&doc)).expect("link");
    let record = share_link::to_checked_bytes(&doc).expect("writable");
    std::fs::write(dir.join(AUTOSAVE), record).expect("autosave");
    let stems = bundle_stems();
    let mut mix = bundle_session(&stems);
    let lane = crate::model::automation::find_or_add(&mut mix.tracks[0].lanes, ParamId::Pan)
        .expect("lane");
    lane.add_point(0, -40.0, dsp_worklet::automation::Curve::Linear);
    lane.add_point(480, 40.0, dsp_worklet::automation::Curve::Fast);
    let doc = mix.to_doc();
    share_link::to_checked_bytes(&doc).expect("writable");
    let refs: Vec<(&str, &[u8])> = stems.iter().map(|(n, b)| (*n, b.as_slice())).collect();
    let zip = bundle::write(&bundle_document_json(&doc), &refs).expect("bundle");
    std::fs::write(dir.join(BUNDLE), zip).expect("bundle");
}

/// The version-2 studio session's lanes, as stored: grid steps from the previous point, and
/// the value's travel step · 4 + the curve.
fn assert_studio_lanes(d: &SessionDoc) {
    use crate::model::automation::value_step as travel_step;
    let g = |p: ParamId, v: f32, curve: u16| travel_step(p, v) << 2 | curve;
    let vox = d
        .tracks
        .iter()
        .find(|t| t.stem.file_name.starts_with("Lead Vox"))
        .expect("vox");
    assert_eq!(vox.lanes.len(), 1);
    assert_eq!(vox.lanes[0].param, ParamId::Gain as u16);
    assert_eq!(vox.lanes[0].mode, 1, "read");
    let gain = ParamId::Gain;
    assert_eq!(
        vox.lanes[0].points,
        vec![
            (0, g(gain, -3.0, 0)),
            (15_000, g(gain, 1.5, 1)),
            (15_000, g(gain, -6.0, 2)),
            (15_000, g(gain, -6.0, 0))
        ]
    );
    let snare = d
        .tracks
        .iter()
        .find(|t| t.stem.file_name.starts_with("Snare"))
        .expect("snare");
    assert_eq!(snare.lanes[0].param, ParamId::Mute as u16);
    assert_eq!(snare.lanes[0].mode, 0, "off");
    assert_eq!(snare.lanes[0].points, vec![(7_500, 1 << 2), (3_000, 0)]);
    assert_eq!(d.master_lanes.len(), 1);
    let master = ParamId::MasterGain;
    assert_eq!(
        d.master_lanes[0].points,
        vec![(90_000, g(master, 0.0, 0)), (6_000, g(master, -60.0, 1))]
    );
}

#[test]
fn v2_share_link_and_autosave_open_with_their_lanes() {
    let text = String::from_utf8(read(2, LINK)).expect("link text");
    let doc = share_link::decode(&text).expect("a version-2 link opens");
    assert_studio_lanes(&doc);
    let record = read(2, AUTOSAVE);
    assert_eq!(record[0], 2, "the version byte");
    let saved = share_link::from_bytes(&record).expect("a version-2 autosave opens");
    assert_eq!(saved, doc);
    // The frozen shape reads the body exactly, and writes it back byte for byte.
    let raw = miniz_oxide::inflate::decompress_to_vec(&record[1..]).expect("deflated");
    let v2: SessionDocV2 = postcard::from_bytes(&raw).expect("the version-2 shape");
    assert_eq!(postcard::to_allocvec(&v2).expect("encodes"), raw);
    assert_eq!(SessionDoc::from(v2), doc);
    // Reopened as a session (at 44.1 kHz: the lanes' frames follow the rate), and back.
    let mix = Mix::from_doc(&doc, 48_000.0);
    assert_eq!(mix.to_doc(), doc);
    let there = Mix::from_doc(&doc, 44_100.0);
    let vox = there
        .tracks
        .iter()
        .find(|t| t.name == "Lead Vox")
        .expect("vox");
    assert_eq!(vox.lanes[0].points[1].frame, 440_992);
    assert_eq!(there.master_lanes[0].points[0].frame, 2_646_016);
}

#[test]
fn v2_session_bundle_opens_with_its_lanes() {
    let contents = bundle::read(&read(2, BUNDLE)).expect("a version-2 bundle opens");
    let json: serde_json::Value = serde_json::from_slice(&contents.document).expect("session.json");
    assert_eq!(json["version"], 2);
    let d = parse_bundle_document(&contents.document).expect("its session opens");
    assert_eq!(d.name, "Bundle Demo");
    assert_eq!(d.tracks[0].lanes.len(), 1);
    assert_eq!(d.tracks[0].lanes[0].param, ParamId::Pan as u16);
    let pan = |v| crate::model::automation::value_step(ParamId::Pan, v);
    assert_eq!(
        d.tracks[0].lanes[0].points,
        vec![(0, pan(-40.0) << 2), (15, pan(40.0) << 2 | 2)]
    );
    assert_eq!(contents.stems.len(), 2);
}

#[test]
fn a_version_1_document_opens_without_lanes() {
    let doc = share_link::from_bytes(&read(1, AUTOSAVE)).expect("opens");
    assert!(doc.master_lanes.is_empty() && doc.tracks.iter().all(|t| t.lanes.is_empty()));
}

/// Everything in the studio session fixture.
fn assert_studio_session(d: &SessionDoc) {
    assert_eq!(d.lineage, 0x5ec0_4d0e_a2b1_7c39);
    assert_eq!(d.name, "Late Night Demo – v3 (Café mix)");
    assert_eq!(d.sample_rate, 48_000.0);
    assert_eq!(
        d.target,
        TargetDoc {
            name: "Custom".into(),
            lufs: -11.5,
            ceiling: -0.8
        }
    );
    assert_eq!(d.loop_region, Some((3_000_000, 3_756_000)));
    assert!(d.loop_on);
    let stems: Vec<(u32, &StemIdentity)> = d.tracks.iter().map(|t| (t.id, &t.stem)).collect();
    let stem = |file_name: &str, channels, sample_rate, duration_s: f64| StemIdentity {
        file_name: file_name.into(),
        duration_s,
        channels,
        sample_rate,
        sha256: sha256(format!("second ear fixture stem: {file_name}").as_bytes()),
    };
    assert_eq!(
        stems,
        vec![
            (1, &stem("Kick.wav", 1, 44_100.0, 213.4)),
            (2, &stem("Snare.wav", 1, 44_100.0, 213.4)),
            (4, &stem("Bass DI.wav", 1, 48_000.0, 213.4)),
            (5, &stem("Lead Vox.wav", 2, 96_000.0, 205.25)),
            (6, &stem("Pad <wide>.wav", 2, 44_100.0, 213.4)),
        ]
    );
    assert_eq!(
        hex(&d.tracks[0].stem.sha256),
        "df644e3b4121e5ade7902947b9a099b82c13ac71aee6e5e28dd9341ab9433012"
    );
    let p = |id: ParamId, v: f32| (id as u16, v);
    let params: Vec<&[(u16, f32)]> = d.tracks.iter().map(|t| t.params.as_slice()).collect();
    assert_eq!(
        params,
        vec![
            &[
                p(ParamId::Gain, -3.5),
                p(ParamId::HpOn, 1.0),
                p(ParamId::HpFreq, 35.0),
                p(ParamId::Eq1Freq, 60.0),
                p(ParamId::Eq1Gain, 3.0),
                p(ParamId::CompOn, 1.0),
                p(ParamId::CompThreshold, -20.0),
                p(ParamId::CompRatio, 5.0),
            ][..],
            &[
                p(ParamId::Gain, -6.0),
                p(ParamId::Pan, -12.0),
                p(ParamId::GateOn, 1.0),
                p(ParamId::GateThreshold, -40.0),
                p(ParamId::Send1Level, -18.0),
            ][..],
            &[
                p(ParamId::Gain, -4.25),
                p(ParamId::Eq2Freq, 250.0),
                p(ParamId::Eq2Gain, -2.5),
                p(ParamId::SatOn, 1.0),
                p(ParamId::SatDrive, 9.0),
            ][..],
            &[
                p(ParamId::Gain, -1.5),
                p(ParamId::Eq3Freq, 3_500.0),
                p(ParamId::Eq3Gain, 2.0),
                p(ParamId::CompOn, 1.0),
                p(ParamId::CompThreshold, -24.0),
                p(ParamId::CompRatio, 3.0),
                p(ParamId::Send1Level, -12.0),
                p(ParamId::Send2Level, -20.0),
            ][..],
            &[
                p(ParamId::Pan, 35.0),
                p(ParamId::Mute, 1.0),
                p(ParamId::LpOn, 1.0),
                p(ParamId::LpFreq, 8_000.0),
            ][..],
        ]
    );
    assert_eq!(
        d.master,
        vec![
            p(ParamId::MasterGain, -1.5),
            p(ParamId::ReverbReturn, -10.0),
            p(ParamId::DelayFeedback, 45.0),
            p(ParamId::DelayReturn, -14.0),
        ],
        "monitoring (mono) is not stored"
    );
    let comments: Vec<(u64, f64, Option<f64>, &str, &str)> = d
        .comments
        .iter()
        .map(|c| (c.id, c.start_s, c.end_s, c.author.as_str(), c.text.as_str()))
        .collect();
    assert_eq!(
        comments,
        vec![
            (
                0x0c0f_fee0_0000_0001,
                12.5,
                None,
                "Alex",
                "kick is too boomy here"
            ),
            (
                0x0c0f_fee0_0000_0002,
                62.5,
                Some(78.25),
                "Sam",
                "chorus: vox < gtr, lift it 1 dB"
            ),
            (
                0x0c0f_fee0_0000_0003,
                150.0,
                None,
                "Sam",
                "love the delay throw 👌\nkeep it"
            ),
        ]
    );
    assert_eq!(d.deleted_comments, vec![0x0c0f_fee0_0000_0004]);
    assert_eq!(d.validate(), Ok(()));
    assert_eq!(d.app_target(), Target::custom(-11.5, -0.8));
}

#[test]
fn v1_share_link_opens_with_every_setting() {
    let text = String::from_utf8(read(1, LINK)).expect("link text");
    let doc = share_link::decode(&text).expect("a version-1 link opens");
    assert_studio_session(&doc);
    // The link a user pastes: the page's address, then `#s=`.
    let url = format!(
        "https://second-ear.example/{}{text}",
        share_link::FRAGMENT_PREFIX
    );
    let hash = &url[url.find('#').expect("fragment")..];
    assert_eq!(
        share_link::decode(share_link::payload_of(hash).expect("a share link")),
        Ok(doc)
    );
}

#[test]
fn v1_autosave_record_opens_with_every_setting() {
    let record = read(1, AUTOSAVE);
    assert_eq!(record[0], 1, "the version byte");
    let doc = share_link::from_bytes(&record).expect("a version-1 autosave opens");
    assert_studio_session(&doc);
    assert_eq!(
        share_link::from_bytes_for_recovery(&record),
        Ok(doc.clone())
    );
    // The frozen shape reads the body exactly, and writes it back byte for byte.
    let raw = miniz_oxide::inflate::decompress_to_vec(&record[1..]).expect("deflated");
    let v1: SessionDocV1 = postcard::from_bytes(&raw).expect("the version-1 shape");
    assert_eq!(postcard::to_allocvec(&v1).expect("encodes"), raw);
    assert_eq!(SessionDoc::from(SessionDocV2::from(v1)), doc);
    // Reopened as a session: the strips wait for their files, with their settings.
    let mix = Mix::from_doc(&doc, 48_000.0);
    let names: Vec<&str> = mix.tracks.iter().map(|t| t.name.as_str()).collect();
    assert_eq!(
        names,
        ["Kick", "Snare", "Bass DI", "Lead Vox", "Pad <wide>"]
    );
    assert_eq!(mix.track(5).map(|t| t.value(ParamId::CompRatio)), Some(3.0));
    assert_eq!(mix.loop_seconds(), Some((62.5, 78.25)));
    assert_eq!(mix.to_doc(), doc);
}

#[test]
fn v1_session_bundle_opens_with_its_stems() {
    let zip = read(1, BUNDLE);
    assert!(zip.len() < 8 * 1024, "a few KB: {} bytes", zip.len());
    let contents = bundle::read(&zip).expect("a version-1 bundle opens");
    let json: serde_json::Value = serde_json::from_slice(&contents.document).expect("session.json");
    assert_eq!(json["format"], "second-ear-session");
    assert_eq!(json["version"], 1);
    let d = parse_bundle_document(&contents.document).expect("its session opens");
    assert_eq!(d.lineage, 0xb0b0_1e55_0dd5_0002);
    assert_eq!(d.name, "Bundle Demo");
    assert_eq!(d.sample_rate, 48_000.0);
    assert_eq!(
        d.target,
        TargetDoc {
            name: "Apple Music".into(),
            lufs: -16.0,
            ceiling: -1.0
        }
    );
    assert_eq!(d.app_target(), PRESETS[1]);
    assert_eq!((d.loop_region, d.loop_on), (Some((240, 720)), false));
    assert_eq!(d.master, vec![(ParamId::MasterGain as u16, -0.5)]);
    /// Id, file name, channels, file rate (Hz), length (s), stored parameters.
    type Strip<'a> = (u32, &'a str, u8, f32, f64, &'a [(u16, f32)]);
    let tracks: Vec<Strip> = d
        .tracks
        .iter()
        .map(|t| {
            (
                t.id,
                t.stem.file_name.as_str(),
                t.stem.channels,
                t.stem.sample_rate,
                t.stem.duration_s,
                t.params.as_slice(),
            )
        })
        .collect();
    assert_eq!(
        tracks,
        vec![
            (
                1,
                "Click.wav",
                1,
                44_100.0,
                0.02,
                &[(ParamId::Gain as u16, -2.0), (ParamId::Pan as u16, -30.0)][..]
            ),
            (
                2,
                "Tone.wav",
                2,
                48_000.0,
                0.01,
                &[
                    (ParamId::Gain as u16, -9.5),
                    (ParamId::Eq2Gain as u16, -4.0)
                ][..]
            ),
        ]
    );
    assert_eq!(
        d.comments,
        vec![Comment {
            id: 0x0c0f_fee0_0000_0010,
            start_s: 0.01,
            end_s: None,
            author: "Kim".into(),
            text: "tone is a bit harsh".into(),
        }]
    );
    assert!(d.deleted_comments.is_empty());
    // The stems are the files the document names: same bytes (hash), channels, rate, length.
    let names: Vec<&str> = contents
        .stems
        .iter()
        .map(|s| s.file_name.as_str())
        .collect();
    assert_eq!(names, ["Click.wav", "Tone.wav"]);
    for (stem, track) in contents.stems.iter().zip(&d.tracks) {
        assert_eq!(sha256(&stem.bytes), track.stem.sha256, "{}", stem.file_name);
        let wav = hound::WavReader::new(std::io::Cursor::new(&stem.bytes)).expect("a WAV");
        let spec = wav.spec();
        assert_eq!(spec.channels as u8, track.stem.channels);
        assert_eq!(spec.sample_rate as f32, track.stem.sample_rate);
        let seconds = wav.duration() as f64 / spec.sample_rate as f64;
        assert!((seconds - track.stem.duration_s).abs() < 1e-9, "{seconds}");
    }
    assert_eq!(
        [hex(&d.tracks[0].stem.sha256), hex(&d.tracks[1].stem.sha256)],
        [
            "a4bdd7f95f067168cb9c27b36505bf4a99c368fa63d497e0e40fa904ecece297",
            "35dfd276d3f4d1bf18c7bfea9e65f016c2a987f617d8347378b84c6054cc07da"
        ]
    );
}

/// The writer writes what the newest version's fixtures hold: the same postcard body for the
/// same document, the same `session.json`. Fails when [`SessionDoc`] changes without a new
/// format version, and when a new version has no fixtures yet.
#[test]
fn the_writer_writes_the_shape_of_the_current_versions_fixtures() {
    let version = FORMAT_VERSION;
    assert!(
        fixtures(version).is_dir(),
        "format {version} has no fixtures: see `formats::versions` on adding a version"
    );
    let record = read(version, AUTOSAVE);
    let doc = share_link::from_bytes(&record).expect("opens");
    let raw = miniz_oxide::inflate::decompress_to_vec(&record[1..]).expect("deflated");
    assert_eq!(postcard::to_allocvec(&doc).expect("encodes"), raw);
    let written = share_link::to_checked_bytes(&doc).expect("writable");
    assert_eq!(written[0], version);
    assert_eq!(share_link::from_bytes(&written), Ok(doc.clone()));
    let contents = bundle::read(&read(version, BUNDLE)).expect("bundle");
    let stored: serde_json::Value = serde_json::from_slice(&contents.document).expect("json");
    let doc = parse_bundle_document(&contents.document).expect("opens");
    let rewritten: serde_json::Value =
        serde_json::from_slice(&bundle_document_json(&doc)).expect("json");
    assert_eq!(rewritten, stored);
}

/// A document from a newer build is recognised by its version alone, whatever follows.
#[test]
fn a_newer_version_is_named_not_misread() {
    let mut record = read(1, AUTOSAVE);
    record[0] = FORMAT_VERSION + 1;
    let e = share_link::from_bytes(&record).unwrap_err();
    assert_eq!(
        e,
        LinkError::FutureVersion {
            version: FORMAT_VERSION + 1
        }
    );
    let named = format!(
        "was made by a newer version of Second Ear (session format {};",
        FORMAT_VERSION + 1
    );
    assert!(e.to_string().starts_with(&named), "{e}");
}
