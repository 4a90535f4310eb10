//! Arbitrary kernel text and arbitrary argument types through the whole compiler: parse -> lower
//! -> type -> passes and verifier -> LLVM emit -> LLVM verify -> O3 (the driver, see
//! `rumba_compiler::driver::fuzz`). A panic, a stack overflow, an abort or an internal compiler
//! error is a crash.

#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(
    init: catch_stack_overflows(),
    |data: &[u8]| {
        if let Err(bug) = rumba_compiler::driver::fuzz::run_bytes(data) {
            panic!("compiler bug: {bug}");
        }
    }
);

/// libFuzzer's SIGSEGV handler runs on the overflowing stack (and so dies without a word) unless
/// the handler it replaces asked for an alternate stack: ask for one, and give the main thread
/// one, so that a stack overflow is reported, with its input saved, like any other crash.
fn catch_stack_overflows() {
    const SIZE: usize = 1 << 18;
    let stack: &'static mut [u8] = Box::leak(vec![0u8; SIZE].into_boxed_slice());
    let alt = libc::stack_t {
        ss_sp: stack.as_mut_ptr().cast(),
        ss_flags: 0,
        ss_size: SIZE,
    };
    // SAFETY: the alternate stack is leaked, so it lives as long as the process; the actions
    // installed are the default ones, with SA_ONSTACK, which libFuzzer keeps when it installs its
    // own handlers right after this.
    unsafe {
        libc::sigaltstack(&alt, std::ptr::null_mut());
        let mut action: libc::sigaction = std::mem::zeroed();
        action.sa_sigaction = libc::SIG_DFL;
        action.sa_flags = libc::SA_ONSTACK;
        libc::sigaction(libc::SIGSEGV, &action, std::ptr::null_mut());
        libc::sigaction(libc::SIGBUS, &action, std::ptr::null_mut());
    }
}
