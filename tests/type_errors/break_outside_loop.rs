//! `break` and `continue` outside a loop. `compile!` rejects these at build time
//! (tests/ui/break_outside_loop.rs); the run-time path reports them as `ErrorKind::Syntax`.

use super::{at, syntax_error};
use rumba::__private::{kernel, Source};
use rumba::IntoArg;

static SOURCE: Source = Source::new(
    "kernels.rs",
    "fn stop(x) -> f64 {
    if x > 0.0 {
        break;
    }
    x
}
",
);

#[test]
fn break_in_an_if_outside_any_loop() {
    let kernel = kernel(&SOURCE, "stop");
    let err = kernel.call(&[1.0f64.into_arg()]).unwrap_err();
    let (name, location, message) = syntax_error(&err);
    assert_eq!(name, "stop");
    assert_eq!(at(location), (3, 9));
    assert_eq!(message, "`break` outside of a loop");
    snapshot!("break_outside_loop", format!("{err:#}"));
}
