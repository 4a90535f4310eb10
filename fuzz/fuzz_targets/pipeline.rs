//! Arbitrary kernel text and arbitrary argument types through the whole compiler: parse -> lower
//! -> type -> verify -> LLVM emit -> LLVM verify -> O3 (see `rumba_compiler::pipeline`). A panic,
//! a stack overflow, an abort or a reported `Bug` is a crash.

#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Err(bug) = rumba_compiler::pipeline::run_bytes(data) {
        panic!("compiler bug: {bug}");
    }
});
