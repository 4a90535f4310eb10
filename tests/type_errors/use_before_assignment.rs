//! A variable read on a path where it has no value yet. `compile!` rejects this at build time
//! (tests/ui/use_before_assignment.rs); the run-time path reports it as `ErrorKind::Syntax`.

use super::{at, syntax_error};
use rumba::__private::{kernel, Source};
use rumba::IntoArg;

static SOURCE: Source = Source::new(
    "kernels.rs",
    "fn sign(x) -> f64 {
    let s;
    if x > 0.0 {
        s = 1.0;
    }
    s
}
",
);

#[test]
fn read_before_every_path_assigns() {
    let kernel = kernel(&SOURCE, "sign");
    let err = kernel.call(&[2.0f64.into_arg()]).unwrap_err();
    let (name, location, message) = syntax_error(&err);
    assert_eq!(name, "sign");
    assert_eq!(location.file, "kernels.rs");
    assert_eq!(at(location), (6, 5));
    assert_eq!(message, "used binding `s` is possibly-uninitialized");
    snapshot!("use_before_assignment", format!("{err:#}"));
}
