//! Assigning twice to a binding without `mut`, including through shadowing and deferred
//! initialization. `compile!` rejects these at build time (tests/ui/assign_immutable*.rs); the
//! run-time path reports them as `ErrorKind::Syntax`.

use super::{at, syntax_error};
use rumba::__private::{kernel, Source};
use rumba::IntoArg;

static SHADOWED: Source = Source::new(
    "shadowed.rs",
    "fn shadowed(n) -> i64 {
    let mut s = 0;
    let s = s + n;
    s += 1;
    s
}
",
);

static DEFERRED: Source = Source::new(
    "deferred.rs",
    "fn deferred(c) -> i64 {
    let x;
    x = 1;
    if c {
        x = 2;
    }
    x
}
",
);

static INNER: Source = Source::new(
    "inner.rs",
    "fn inner_scope(n) -> i64 {
    let s = 0;
    {
        let mut s = 1;
        s += n;
    }
    s = n;
    s
}
",
);

static IN_LOOP: Source = Source::new(
    "in_loop.rs",
    "fn last(n) -> i64 {
    let x;
    for i in 0..n {
        x = i;
    }
    0
}
",
);

static FRESH: Source = Source::new(
    "fresh.rs",
    "fn fresh_each_iteration(n) -> i64 {
    let mut s = 0;
    for i in 0..n {
        let x;
        if i > 2 {
            x = i;
        } else {
            x = 0;
        }
        s += x;
    }
    s
}
",
);

#[test]
fn shadowing_drops_mut() {
    let kernel = kernel(&SHADOWED, "shadowed");
    let err = kernel.call(&[1i64.into_arg()]).unwrap_err();
    let (name, location, message) = syntax_error(&err);
    assert_eq!(name, "shadowed");
    assert_eq!(location.file, "shadowed.rs");
    assert_eq!(at(location), (4, 5));
    assert_eq!(message, "cannot assign twice to immutable variable `s`");
    snapshot!("immutable_binding_shadowed", format!("{err:#}"));
}

#[test]
fn deferred_initialization_assigned_twice() {
    let kernel = kernel(&DEFERRED, "deferred");
    let err = kernel.call(&[true.into_arg()]).unwrap_err();
    let (_, location, message) = syntax_error(&err);
    assert_eq!(at(location), (5, 9));
    assert_eq!(message, "cannot assign twice to immutable variable `x`");
    snapshot!("immutable_binding_deferred", format!("{err:#}"));
}

#[test]
fn inner_mut_shadow_does_not_leak() {
    let kernel = kernel(&INNER, "inner_scope");
    let err = kernel.call(&[1i64.into_arg()]).unwrap_err();
    let (_, location, message) = syntax_error(&err);
    assert_eq!(at(location), (7, 5));
    assert_eq!(message, "cannot assign twice to immutable variable `s`");
}

#[test]
fn deferred_initialization_in_a_loop() {
    let kernel = kernel(&IN_LOOP, "last");
    let err = kernel.call(&[3i64.into_arg()]).unwrap_err();
    let (_, location, message) = syntax_error(&err);
    assert_eq!(at(location), (4, 9));
    assert_eq!(message, "cannot assign twice to immutable variable `x`");
}

#[test]
fn a_let_in_a_loop_body_is_fresh_each_iteration() {
    let kernel = kernel(&FRESH, "fresh_each_iteration");
    assert_eq!(kernel.call_as::<i64>(&[5i64.into_arg()]).unwrap(), 3 + 4);
}
