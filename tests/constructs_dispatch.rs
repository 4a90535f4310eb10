//! Dispatch: each new signature (dtype, ndim, layout, writability of every argument) is compiled
//! once and reused; contiguous, strided, read-only and writable arrays are distinct signatures;
//! many threads calling at once compile each signature exactly once.

use ndarray::prelude::*;
use ndarray::s;
use rumba_compiler::ir::{ArrayType, Layout, Scalar, Type};
use std::collections::HashSet;
use std::sync::{Arc, Barrier};

rumba::compile! {
    fn total(x) {
        let mut s = 0.0;
        for i in 0..x.len() {
            s += x[i];
        }
        s
    }

    fn scale(x, k) {
        for i in 0..x.len() {
            x[i] *= k;
        }
    }

    fn concurrent(x, k) {
        let mut s = 0;
        for i in 0..x.len() {
            s += x[i] * k;
        }
        s
    }
}

fn arr(elem: Scalar, layout: Layout, writable: bool) -> Type {
    Type::Array(ArrayType::view(elem, 1, layout, writable))
}

#[test]
fn each_signature_is_compiled_once() {
    let k = total::kernel();
    assert_eq!(k.compilations(), 0);
    let a = Array1::from_vec(vec![1.0, 2.0, 3.0, 4.0]);
    let v = vec![1.0, 2.0];
    let s: f64 = total(&a).unwrap();
    assert_eq!(s, 10.0);
    assert_eq!(k.compilations(), 1);
    // Same signature: another contiguous read-only f64 array, a `&Vec`, a slice, a view.
    let _: f64 = total(&v).unwrap();
    let _: f64 = total(&v[..]).unwrap();
    let _: f64 = total(a.view()).unwrap();
    let _: f64 = total(a.slice(s![1..3])).unwrap();
    assert_eq!(k.compilations(), 1);
    // Strided (stepped, reversed): one new signature for both.
    let s: f64 = total(a.slice(s![..;2])).unwrap();
    assert_eq!(s, 4.0);
    let s: f64 = total(a.slice(s![..;-1])).unwrap();
    assert_eq!(s, 10.0);
    assert_eq!(k.compilations(), 2);
    // Writable is a different signature from read-only.
    let mut b = a.clone();
    let _: f64 = total(&mut b).unwrap();
    let _: f64 = total(b.slice_mut(s![..;-1])).unwrap();
    assert_eq!(k.compilations(), 4);
    // Another dtype.
    let s: f32 = total(&[1.5f32, 2.0][..]).unwrap();
    assert_eq!(s, 3.5);
    assert_eq!(k.compilations(), 5);
    // Reused again.
    for _ in 0..10 {
        let _: f64 = total(&a).unwrap();
        let _: f64 = total(a.slice(s![..;3])).unwrap();
    }
    assert_eq!(k.compilations(), 5);
    let sigs: HashSet<Vec<Type>> = k.signatures().iter().map(|s| s.types().to_vec()).collect();
    let expect: HashSet<Vec<Type>> = [
        vec![arr(Scalar::F64, Layout::Contig, false)],
        vec![arr(Scalar::F64, Layout::Strided, false)],
        vec![arr(Scalar::F64, Layout::Contig, true)],
        vec![arr(Scalar::F64, Layout::Strided, true)],
        vec![arr(Scalar::F32, Layout::Contig, false)],
    ]
    .into_iter()
    .collect();
    assert_eq!(sigs, expect);
}

#[test]
fn scalar_types_are_part_of_the_signature() {
    let k = scale::kernel();
    let mut x = vec![1.0f64, 2.0];
    scale(&mut x, 2.0f64).unwrap();
    scale(&mut x, 0.5f64).unwrap();
    assert_eq!(x, vec![1.0, 2.0]);
    assert_eq!(k.compilations(), 1);
    let mut y = vec![3i32, 4];
    scale(&mut y, -2i32).unwrap();
    assert_eq!(y, vec![-6, -8]);
    assert_eq!(k.compilations(), 2);
    // A type error is a compilation too, cached like a success, and not listed as a signature.
    let e = scale(&mut x, 2i32).unwrap_err();
    assert!(matches!(e.kind(), rumba::ErrorKind::Type { .. }), "{e}");
    let e2 = scale(&mut x, 2i32).unwrap_err();
    assert_eq!(e, e2);
    assert_eq!(k.compilations(), 3);
    assert_eq!(k.signatures().len(), 2);
    // Read-only where the kernel writes: an error for that signature only.
    let e = scale(&x, 2.0f64).unwrap_err();
    assert!(matches!(e.kind(), rumba::ErrorKind::Type { .. }), "{e}");
    scale(&mut x, 2.0f64).unwrap();
    assert_eq!(x, vec![2.0, 4.0]);
    assert_eq!(k.compilations(), 4);
}

#[test]
fn concurrent_calls_compile_each_signature_once() {
    const THREADS: usize = 8;
    let barrier = Arc::new(Barrier::new(THREADS));
    let handles: Vec<_> = (0..THREADS)
        .map(|t| {
            let barrier = barrier.clone();
            std::thread::spawn(move || {
                let a = Array1::from_shape_fn(16, |i| i as i64);
                let b = Array1::from_shape_fn(16, |i| i as i32);
                barrier.wait();
                for round in 0..20 {
                    let r: i64 = concurrent(&a, 2i64).unwrap();
                    assert_eq!(r, 240);
                    let r: i32 = concurrent(b.slice(s![..;-1]), 3i32).unwrap();
                    assert_eq!(r, 360);
                    if (t + round) % 2 == 0 {
                        let r: i64 = concurrent(a.slice(s![..;2]), 1i64).unwrap();
                        assert_eq!(r, 56);
                    }
                }
            })
        })
        .collect();
    for h in handles {
        h.join().unwrap();
    }
    let k = concurrent::kernel();
    assert_eq!(k.compilations(), 3);
    assert_eq!(k.signatures().len(), 3);
}
