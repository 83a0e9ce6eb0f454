//! Waveform overview for the UI (main thread, when a stem is added).

/// Min and max of all channels in each of `columns` equal slices of the stem: what a waveform
/// overview draws. Values are linear sample values (−1…1 for in-range audio). Empty input or zero
/// columns gives an empty vector; a stem shorter than `columns` gives one column per frame.
pub fn waveform_overview(channels: &[&[f32]], columns: usize) -> Vec<(f32, f32)> {
    let frames = channels.iter().map(|c| c.len()).max().unwrap_or(0);
    let columns = columns.min(frames);
    (0..columns)
        .map(|col| {
            let start = col * frames / columns;
            let end = ((col + 1) * frames / columns).max(start + 1);
            let mut lo = f32::INFINITY;
            let mut hi = f32::NEG_INFINITY;
            for ch in channels {
                for &x in ch.get(start..end.min(ch.len())).unwrap_or(&[]) {
                    if x.is_finite() {
                        lo = lo.min(x);
                        hi = hi.max(x);
                    }
                }
            }
            if lo > hi { (0.0, 0.0) } else { (lo, hi) }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn overview_takes_min_and_max_across_channels() {
        let l = [0.0, 0.5, -0.25, 0.1];
        let r = [0.0, -0.75, 0.0, 0.2];
        assert_eq!(
            waveform_overview(&[&l, &r], 2),
            vec![(-0.75, 0.5), (-0.25, 0.2)]
        );
        assert_eq!(waveform_overview(&[&l], 10).len(), 4);
        assert!(waveform_overview(&[], 10).is_empty());
        assert_eq!(waveform_overview(&[&[f32::NAN, 0.3]], 1), vec![(0.3, 0.3)]);
    }
}
