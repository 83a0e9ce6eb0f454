//! Fallible allocation of the engine's large buffers (message handler only, never `process`).
//!
//! A stem's samples, a streamed track's ring and an export's premix recording grow with the
//! session: on a device short of memory they are where an allocation fails. `vec!` aborts the
//! whole engine on failure (the AudioWorklet dies and every stem goes quiet without a word);
//! these helpers return [`EngineError::OutOfMemory`] instead, so the caller refuses that one
//! track or recording and the engine keeps playing everything it already has.

use crate::EngineError;

/// `len` zeroed samples, or [`EngineError::OutOfMemory`].
pub fn zeroed(len: usize) -> Result<Vec<f32>, EngineError> {
    let mut v = Vec::new();
    v.try_reserve_exact(len)
        .map_err(|_| EngineError::OutOfMemory)?;
    v.resize(len, 0.0);
    Ok(v)
}

/// `channels` buffers of `len` zeroed samples each, or [`EngineError::OutOfMemory`] (nothing is
/// kept when one of them fails).
pub fn zeroed_channels(channels: usize, len: usize) -> Result<Vec<Vec<f32>>, EngineError> {
    let mut out = Vec::new();
    out.try_reserve_exact(channels)
        .map_err(|_| EngineError::OutOfMemory)?;
    for _ in 0..channels {
        out.push(zeroed(len)?);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_impossible_size_is_refused_not_aborted() {
        assert_eq!(zeroed(usize::MAX / 2), Err(EngineError::OutOfMemory));
        assert_eq!(
            zeroed_channels(2, usize::MAX / 8),
            Err(EngineError::OutOfMemory)
        );
        let ok = zeroed_channels(2, 64).unwrap();
        assert_eq!((ok.len(), ok[1].len()), (2, 64));
        assert!(ok.iter().flatten().all(|&s| s == 0.0));
    }
}
