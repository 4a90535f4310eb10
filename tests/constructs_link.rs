//! Calls across `compile!` blocks vs rustc: kernels calling functions of other blocks through a
//! `use` at the top of the block and through paths (`super::physics::cnd(x)`,
//! `crate::..::physics::cnd(x)`, `physics::cnd(x)` relative to the block's module), a chain of
//! calls through three blocks, three blocks each with a private helper of the same name, a generic
//! callee specialized to `f32` and `f64` by its callers, and the callee still a kernel of its own.
//! The plain Rust the kernels are compared with is the same code, in module `rs` (paths there
//! name `rs`'s functions). scripts/test.sh runs this suite again through the reference
//! interpreter (`RUMBA_DISABLE_JIT=1`).

use ndarray::Array1;

/// The callee block (C): a generic function, a function with a private helper.
pub mod physics {
    rumba::compile! {
        /// `x` scaled twice: generic, so a caller's types decide its instance.
        pub fn twice(x) {
            x + x
        }

        /// The standard normal distribution's CDF (Abramowitz and Stegun 26.2.17).
        pub fn cnd(x: f64) -> f64 {
            let k = 1.0 / (1.0 + 0.2316419 * x.abs());
            let p = k * (0.319381530 + k * (-0.356563782 + k * (1.781477937 + k * (-1.821255978 + k * 1.330274429))));
            let c = 1.0 - scale(-0.5 * x * x) * p;
            if x < 0.0 { 1.0 - c } else { c }
        }

        /// Without bounds checks: its callers in other blocks opt out too.
        #[rumba(unsafe(boundscheck = false))]
        pub fn first(x: &[f64]) -> f64 {
            x[0]
        }

        /// Element `i` (checked): an index out of bounds is an `Err` at this line.
        pub fn at(x: &[f64], i: usize) -> f64 {
            x[i]
        }

        /// With every fast-math flag: its callers in other blocks compile it so.
        #[rumba(fastmath)]
        pub fn fast_sum(x: &[f64]) -> f64 {
            let mut s = 0.0;
            for i in 0..x.len() {
                s += x[i];
            }
            s
        }

        /// Mutual recursion across two blocks.
        pub fn is_even(n: u32) -> bool {
            if n == 0 {
                true
            } else {
                super::stats::is_odd(n - 1)
            }
        }

        /// Generic, but only for floats: an integer is a type error here, at specialization.
        pub fn halve(x) {
            x / 2.0
        }

        /// Complex numbers and the generator, which its callers' blocks name nowhere: the
        /// prelude's functions come with it.
        pub fn modulus_and_draw(x: f64, y: f64, seed: u64) -> (f64, f64) {
            let mut r = Rng::new(seed, 7);
            (Complex::new(x, y).norm(), r.uniform_f64())
        }

        /// A helper named as those of the other blocks.
        fn scale(x: f64) -> f64 {
            x.exp() * 0.3989422804014327
        }
    }
}

/// The middle block (B): calls C, has its own `scale`.
pub mod stats {
    rumba::compile! {
        fn scale(x: f64) -> f64 {
            x * 3.0
        }

        pub fn tail(x: f64) -> f64 {
            scale(1.0 - super::physics::cnd(x))
        }

        pub fn is_odd(n: u32) -> bool {
            if n == 0 {
                false
            } else {
                super::physics::is_even(n - 1)
            }
        }
    }
}

/// The calling block (A): by `use`, by paths, through B to C, and its own `scale`.
pub mod pricing {
    rumba::compile! {
        use crate::constructs_link::physics::cnd;
        use super::physics::twice as double;

        fn scale(x: f64) -> f64 {
            x - 0.25
        }

        pub fn by_use(x: &Array1<f64>) -> f64 {
            let mut s = 0.0;
            for i in 0..x.len() {
                s += scale(cnd(x[i]));
            }
            s
        }

        pub fn by_paths(x: f64) -> f64 {
            super::physics::cnd(x) + crate::constructs_link::physics::cnd(-x)
        }

        pub fn chain(x: f64) -> f64 {
            super::stats::tail(x) * 2.0
        }

        pub fn generic(a: f32, b: f64, n: i64) -> (f32, f64, i64) {
            (double(a), super::physics::twice(b), double(n))
        }

        #[rumba(unsafe(boundscheck = false))]
        pub fn first_twice(x: &[f64]) -> f64 {
            super::physics::first(x) * 2.0
        }

        pub fn fast_total(x: &[f64]) -> f64 {
            super::physics::fast_sum(x)
        }

        /// Applied to each element of an array argument (its `into` module is one level down).
        #[rumba(vectorize)]
        pub fn cnd_each(x: f64) -> f64 {
            super::physics::cnd(x)
        }

        pub fn halve_int(n: i64) -> i64 {
            super::physics::halve(n)
        }

        pub fn last(x: &[f64], n: usize) -> f64 {
            super::physics::at(x, n)
        }

        pub fn prelude_of_a_callee(x: f64, y: f64, seed: u64) -> (f64, f64) {
            super::physics::modulus_and_draw(x, y, seed)
        }
    }
}

rumba::compile! {
    /// A path relative to the block's module.
    pub fn relative(x: &mut Array1<f64>) {
        for i in 0..x.len() {
            x[i] = physics::cnd(x[i]);
        }
    }
}

/// The same code in plain Rust.
mod rs {
    pub mod physics {
        pub fn twice<T: std::ops::Add<Output = T> + Copy>(x: T) -> T {
            x + x
        }

        #[allow(clippy::excessive_precision)]
        pub fn cnd(x: f64) -> f64 {
            let k = 1.0 / (1.0 + 0.2316419 * x.abs());
            let p = k
                * (0.319381530
                    + k * (-0.356563782
                        + k * (1.781477937 + k * (-1.821255978 + k * 1.330274429))));
            let c = 1.0 - scale(-0.5 * x * x) * p;
            if x < 0.0 {
                1.0 - c
            } else {
                c
            }
        }

        #[allow(clippy::excessive_precision)]
        fn scale(x: f64) -> f64 {
            x.exp() * 0.3989422804014327
        }
    }

    pub mod stats {
        fn scale(x: f64) -> f64 {
            x * 3.0
        }

        pub fn tail(x: f64) -> f64 {
            scale(1.0 - super::physics::cnd(x))
        }
    }

    pub mod pricing {
        use super::physics::cnd;
        use super::physics::twice as double;

        fn scale(x: f64) -> f64 {
            x - 0.25
        }

        #[allow(clippy::needless_range_loop)]
        pub fn by_use(x: &[f64]) -> f64 {
            let mut s = 0.0;
            for i in 0..x.len() {
                s += scale(cnd(x[i]));
            }
            s
        }

        pub fn by_paths(x: f64) -> f64 {
            super::physics::cnd(x) + super::physics::cnd(-x)
        }

        pub fn chain(x: f64) -> f64 {
            super::stats::tail(x) * 2.0
        }

        pub fn generic(a: f32, b: f64, n: i64) -> (f32, f64, i64) {
            (double(a), super::physics::twice(b), double(n))
        }
    }
}

const XS: [f64; 7] = [-3.5, -1.0, -0.25, 0.0, 0.3, 1.7, 6.0];

#[test]
fn a_helper_of_another_block_by_use() {
    let x = Array1::from(XS.to_vec());
    let got = pricing::by_use(&x).unwrap();
    assert_eq!(got.to_bits(), rs::pricing::by_use(&XS).to_bits());
}

#[test]
fn a_helper_of_another_block_by_paths() {
    for x in XS {
        let got = pricing::by_paths(x).unwrap();
        assert_eq!(got.to_bits(), rs::pricing::by_paths(x).to_bits(), "{x}");
    }
    let mut x = Array1::from(XS.to_vec());
    relative(&mut x).unwrap();
    let want: Vec<f64> = XS.iter().map(|&v| rs::physics::cnd(v)).collect();
    assert_eq!(x.to_vec(), want);
}

#[test]
fn a_chain_through_three_blocks_each_with_its_own_helper() {
    for x in XS {
        let got = pricing::chain(x).unwrap();
        assert_eq!(got.to_bits(), rs::pricing::chain(x).to_bits(), "{x}");
        assert_eq!(stats::tail(x).unwrap(), rs::stats::tail(x), "{x}");
    }
}

#[test]
fn a_generic_callee_is_specialized_to_each_caller() {
    let got = pricing::generic(1.25, 2.5, -7).unwrap();
    assert_eq!(got, rs::pricing::generic(1.25, 2.5, -7));
    // The callee, a kernel itself: called directly with yet other types.
    let direct: u8 = physics::twice(21u8).unwrap();
    assert_eq!(direct, rs::physics::twice(21u8));
}

#[test]
fn the_callee_is_a_kernel_of_its_own() {
    for x in XS {
        assert_eq!(physics::cnd(x).unwrap(), rs::physics::cnd(x), "{x}");
    }
}

#[test]
fn linked_functions_are_named_by_their_module() {
    let ir = pricing::chain::kernel()
        .typed_ir(&[rumba::IntoArg::into_arg(0.5f64)])
        .unwrap();
    assert!(ir.contains("constructs_link::stats::tail"), "{ir}");
    assert!(ir.contains("constructs_link::physics::cnd"), "{ir}");
    assert!(ir.contains("constructs_link::physics::scale"), "{ir}");
}

#[test]
fn an_unchecked_callee_makes_its_callers_unsafe() {
    let x = [1.5, 2.0];
    // SAFETY: index 0 is in bounds.
    let got = unsafe { pricing::first_twice(&x[..]) }.unwrap();
    assert_eq!(got, 3.0);
}

#[test]
fn a_failed_check_in_a_callee_points_at_its_line() {
    let x = [1.5, 2.0];
    assert_eq!(pricing::last(&x[..], 1).unwrap(), 2.0);
    let err = pricing::last(&x[..], 2).unwrap_err();
    let rumba::ErrorKind::OutOfBounds { location, .. } = err.kind() else {
        panic!("{err:?}");
    };
    let line = include_str!("constructs_link.rs")
        .lines()
        .position(|l| l.trim() == "x[i]")
        .unwrap()
        + 1;
    assert_eq!(
        (location.file, location.line),
        ("tests/constructs_link.rs", line as u32),
        "{err:#}"
    );
    assert!(format!("{err:#}").contains("x[i]"), "{err:#}");
}

#[test]
fn the_callee_keeps_its_options() {
    let x: Vec<f64> = (0..100).map(|i| i as f64 * 0.5).collect();
    assert_eq!(pricing::fast_total(&x[..]).unwrap(), 2475.0);
    let ir = pricing::fast_total::kernel()
        .typed_ir(&[rumba::IntoArg::into_arg(&x[..])])
        .unwrap();
    let callee = ir
        .lines()
        .find(|l| l.contains("fn it::constructs_link::physics::fast_sum("))
        .unwrap_or_else(|| panic!("{ir}"));
    assert!(
        callee.contains("#[fastmath=true, boundscheck=true]"),
        "{callee}"
    );
}

#[test]
fn mutual_recursion_across_two_blocks() {
    for n in [0, 1, 2, 7, 10, 1001] {
        assert_eq!(physics::is_even(n).unwrap(), n % 2 == 0, "{n}");
        assert_eq!(stats::is_odd(n).unwrap(), n % 2 == 1, "{n}");
    }
    // The sources link each other: printing one terminates.
    assert!(format!("{:?}", stats::is_odd::__LINK).contains("is_odd"));
}

#[test]
fn a_type_error_in_a_callee_points_at_its_line() {
    let err = pricing::halve_int(3).unwrap_err();
    let rumba::ErrorKind::Type { location, .. } = err.kind() else {
        panic!("{err:?}");
    };
    let line = include_str!("constructs_link.rs")
        .lines()
        .position(|l| l.trim() == "x / 2.0")
        .unwrap()
        + 1;
    assert_eq!(location.line, line as u32, "{err:#}");
    assert!(format!("{err:#}").contains("x / 2.0"), "{err:#}");
}

#[test]
fn a_vectorize_function_calls_another_block() {
    let one: f64 = pricing::cnd_each(0.3).unwrap();
    assert_eq!(one, rs::physics::cnd(0.3));
    let x = Array1::from(XS.to_vec());
    let got: Array1<f64> = pricing::cnd_each(&x).unwrap();
    assert_eq!(got, x.mapv(rs::physics::cnd));
}

#[test]
fn a_callee_using_complex_numbers_and_the_generator_brings_the_prelude() {
    for (x, y, seed) in [(3.0, 4.0, 1), (-0.5, 2.25, 99)] {
        let (modulus, draw) = pricing::prelude_of_a_callee(x, y, seed).unwrap();
        assert_eq!(
            modulus.to_bits(),
            num_complex::Complex64::new(x, y).norm().to_bits()
        );
        let (_, own) = physics::modulus_and_draw(x, y, seed).unwrap();
        assert_eq!(draw.to_bits(), own.to_bits(), "the callee's own draw");
    }
}
