//! Shared code of the fuzz targets: the checks live in [`harness`] (plain Rust, also compiled into
//! the main workspace's `rmcp/tests/fuzz_regressions.rs`), the fuzz targets are one line each.
//!
//! This crate also installs a counting global allocator: [`harness::no_alloc`] arms it around
//! every call into the code under test and fails when that code allocated.
use std::alloc::{GlobalAlloc, Layout, System};

pub mod harness;

pub use libfuzzer_sys;

/// Counts allocations made while [`harness::no_alloc`] is armed, then defers to the system.
struct CountingAlloc;

// SAFETY: every call is forwarded unchanged to `System`; the counter has no effect on memory.
unsafe impl GlobalAlloc for CountingAlloc {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        harness::count_alloc();
        // SAFETY: same contract as ours.
        unsafe { System.alloc(layout) }
    }
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        harness::count_alloc();
        // SAFETY: same contract as ours.
        unsafe { System.alloc_zeroed(layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        harness::count_alloc();
        // SAFETY: same contract as ours.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: same contract as ours.
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static ALLOC: CountingAlloc = CountingAlloc;

/// Fails at start-up unless the counting allocator is installed and counts: otherwise
/// [`harness::no_alloc`] would pass vacuously.
pub fn check_allocator() {
    let (_, n) = harness::allocations_during(|| drop(std::hint::black_box(Box::new(7u64))));
    assert_eq!(n, 1, "the counting allocator does not count");
}

/// Declares a fuzz target that feeds its input to `harness::<name>`.
#[macro_export]
macro_rules! target {
    ($name:ident) => {
        $crate::libfuzzer_sys::fuzz_target!(init: $crate::check_allocator(), |data: &[u8]| {
            $crate::harness::$name(data);
        });
    };
}
