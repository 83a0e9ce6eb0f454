//! An allocator for one wasm instance that can be told to stop growing: the system allocator,
//! refusing any allocation that would take the live total past a cap set by [`set_headroom`]
//! (none by default). The global allocator of wasm32 builds with the `budget-allocator` feature
//! (the engine's instance, through `wasm-shell`, and the app's decode Worker), it lets a test stand in for a device short of
//! memory through the same paths as a real `memory.grow` failure: a `try_reserve` that fails
//! (the engine refuses the buffer), or an allocation that fails (the Worker dies, as it would).
//! Nothing caps it in normal use. One instance, one thread: the counters need no ordering
//! beyond `Relaxed`.

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering::Relaxed};

static LIMIT: AtomicUsize = AtomicUsize::new(usize::MAX);
static LIVE: AtomicUsize = AtomicUsize::new(0);

/// From now on the heap may grow by at most `bytes` more than what is live now (a whole number
/// of bytes; ≤ 0 or not finite: no cap).
pub fn set_headroom(bytes: f64) {
    let cap = if bytes.is_finite() && bytes > 0.0 {
        LIVE.load(Relaxed).saturating_add(bytes as usize)
    } else {
        usize::MAX
    };
    LIMIT.store(cap, Relaxed);
}

/// The allocator (see the module's documentation).
pub struct Budget;

#[cfg(all(target_arch = "wasm32", feature = "budget-allocator"))]
#[global_allocator]
static ALLOC: Budget = Budget;

fn grant(size: usize) -> bool {
    let live = LIVE.load(Relaxed);
    if live.saturating_add(size) > LIMIT.load(Relaxed) {
        return false;
    }
    LIVE.store(live + size, Relaxed);
    true
}

// SAFETY: every call is passed to the system allocator unchanged, or refused with null (which
// `GlobalAlloc` allows); the counters only decide which.
unsafe impl GlobalAlloc for Budget {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        if !grant(layout.size()) {
            return core::ptr::null_mut();
        }
        let p = unsafe { System.alloc(layout) };
        if p.is_null() {
            LIVE.fetch_sub(layout.size(), Relaxed);
        }
        p
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        LIVE.fetch_sub(layout.size(), Relaxed);
        unsafe { System.dealloc(ptr, layout) }
    }
}
