//! A parameter written with a struct of the block, passed a value (or an array) of another
//! struct: an argument error naming both, never the bytes of one read as the other.

use super::{at, rendered_alternate};
use rumba::{ErrorKind, IntoArg};

mod other {
    rumba::compile! {
        #[derive(Clone, Copy)]
        pub struct Body {
            pub m: f32,
            pub x: f64,
        }
    }
}

rumba::compile! {
    #[derive(Clone, Copy)]
    struct Body {
        m: f64,
        x: f64,
    }

    fn weight(b: &[Body]) -> f64 {
        let mut s = 0.0;
        for i in 0..b.len() {
            s += b[i].m;
        }
        s
    }
}

#[test]
fn a_struct_of_another_layout_is_a_type_error_naming_both() {
    let b = vec![other::Body { m: 1.0, x: 2.0 }; 2];
    let err = weight::kernel()
        .call(&[b.as_slice().into_arg()])
        .unwrap_err();
    let ErrorKind::Argument {
        kernel, message, ..
    } = err.kind()
    else {
        panic!("expected ErrorKind::Argument, got {err:?}")
    };
    rendered_alternate(&err);
    assert_eq!(kernel, "weight");
    assert_eq!(err.location().map(at), Some((24, 15)));
    assert_eq!(
        message,
        "argument `b` of `weight` is declared with struct `Body { m: f64, x: f64 }`, but the call passed struct `Body { m: f32, x: f64 }`"
    );
    snapshot!("struct_args_layout", format!("{err:#}"));
    // The failure is cached; the right struct still runs.
    assert!(weight::kernel().call(&[b.as_slice().into_arg()]).is_err());
    assert_eq!(weight(&[Body { m: 1.5, x: 0.0 }; 2][..]).unwrap(), 3.0);
}
