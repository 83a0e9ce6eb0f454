//! A device short of memory: every large buffer the engine allocates (a stem's samples, a
//! streamed track's ring, an export's premix recording) is refused with
//! `EngineError::OutOfMemory` instead of aborting the engine, and the engine goes on playing what
//! it already had, sample for sample. A global allocator that fails every allocation over
//! [`LIMIT`] bytes while armed stands in for a wasm memory that cannot grow.

mod common;
use common::{render, sine};

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;

use dsp_worklet::{Command, Engine, EngineError};

/// Largest allocation granted while armed, bytes.
const LIMIT: usize = 1 << 20;

struct Scarce;

thread_local! {
    static ARMED: Cell<bool> = const { Cell::new(false) };
}

fn refused(layout: Layout) -> bool {
    ARMED.try_with(Cell::get).unwrap_or(false) && layout.size() > LIMIT
}

unsafe impl GlobalAlloc for Scarce {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        if refused(layout) {
            return std::ptr::null_mut();
        }
        unsafe { System.alloc(layout) }
    }
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        if refused(layout) {
            return std::ptr::null_mut();
        }
        unsafe { System.alloc_zeroed(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        if ARMED.try_with(Cell::get).unwrap_or(false) && new_size > LIMIT {
            return std::ptr::null_mut();
        }
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static ALLOC: Scarce = Scarce;

fn scarce<R>(f: impl FnOnce() -> R) -> R {
    ARMED.with(|a| a.set(true));
    let r = f();
    ARMED.with(|a| a.set(false));
    r
}

const RATE: f32 = 48_000.0;
const SONG: usize = 48_000 * 2;

fn playing() -> Engine {
    let mut e = Engine::new(RATE);
    e.add_track(1, vec![sine(440.0, 0.5, SONG)]).unwrap();
    e.apply(Command::Play).unwrap();
    e
}

#[test]
fn large_buffers_are_refused_and_the_engine_plays_on_unchanged() {
    let mut twin = playing();
    let mut e = playing();
    let (a, _) = render(&mut e, 4096, 128);
    let (b, _) = render(&mut twin, 4096, 128);
    assert_eq!(a, b);

    // A 10 s stereo ring (3.8 MB), a 60 s resident stem, a 60 s premix: all over the limit.
    let ring = scarce(|| e.add_streamed_track(2, 2, SONG * 30, 480_000));
    assert_eq!(ring, Err(EngineError::OutOfMemory));
    let stem = scarce(|| e.begin_track(3, 2, 48_000 * 60));
    assert_eq!(stem, Err(EngineError::OutOfMemory));
    let premix = scarce(|| e.record_premix(48_000 * 60));
    assert_eq!(premix, Err(EngineError::OutOfMemory));
    let replay = scarce(|| e.replay_premix(48_000 * 60));
    assert_eq!(replay, Err(EngineError::OutOfMemory));

    // Nothing was added, nothing is being recorded or replayed, and the sound is the twin's.
    assert_eq!(e.tracks().len(), 1);
    assert!(e.recorded_premix()[0].is_empty());
    assert!(e.premix_channel_mut(0).is_none());
    let (a, ar) = render(&mut e, 48_000, 128);
    let (b, br) = render(&mut twin, 48_000, 128);
    assert!(a.iter().zip(&b).all(|(x, y)| x.to_bits() == y.to_bits()));
    assert!(ar.iter().zip(&br).all(|(x, y)| x.to_bits() == y.to_bits()));

    // With memory back, the same track goes in under the same id.
    e.add_streamed_track(2, 2, SONG * 30, 480_000).unwrap();
    assert_eq!(e.tracks().len(), 2);
}
