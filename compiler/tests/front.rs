//! The front end's entry points on text (the run-time path).

use rumba_compiler::front::{lower_source, lower_source_for};

const BLOCK: &str = "
fn kernel(x) -> f64 {
    helper(x) + 1.0
}

fn helper(x) -> f64 {
    twice(x[0])
}

fn twice(v: f64) -> f64 {
    v * 2.0
}

fn unrelated(y) {
    for i in 0..y.len() {
        y[i] = 0.0;
    }
}
";

/// A kernel's first call lowers the kernel and what it calls, directly or not; the other functions
/// keep their names (so `FuncId`s and lookups are those of the whole block) and empty bodies.
#[test]
fn lowering_for_a_kernel_skips_unreachable_functions() {
    let all = lower_source(BLOCK).unwrap();
    let some = lower_source_for(BLOCK, "kernel").unwrap();
    assert_eq!(all.functions.len(), some.functions.len());
    for (a, s) in all.functions.iter().zip(&some.functions) {
        assert_eq!(a.name, s.name);
        assert_eq!(a.sig_span, s.sig_span);
        if a.name == "unrelated" {
            assert!(s.body.stmts.is_empty() && s.exprs.is_empty() && s.params.is_empty());
        } else {
            assert_eq!(a.exprs.len(), s.exprs.len(), "`{}` lowered alike", a.name);
            assert_eq!(a.params.len(), s.params.len());
        }
    }
    assert_eq!(some.find("unrelated"), all.find("unrelated"));
}
