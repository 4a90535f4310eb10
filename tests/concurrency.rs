//! Many threads call the same kernels at once, with a mix of signatures, some of which do not
//! type-check and some of which fail at run time: no deadlock, no poisoned lock, each signature
//! compiled exactly once, and a failure leaves the process and every kernel working.

use ndarray::{Array1, Array2};
use rumba::{ErrorKind, IntoArg};
use std::sync::mpsc;
use std::sync::{Arc, Barrier};
use std::time::Duration;

rumba::compile! {
    fn scale(y, k) {
        for i in 0..y.len() {
            y[i] = y[i] * k;
        }
    }

    fn total(x) {
        let mut s = 0;
        for i in 0..x.len() {
            s += x[i];
        }
        s
    }

    fn at(x, i) {
        x[i]
    }
}

const THREADS: usize = 8;
const ROUNDS: usize = 40;

/// One thread's work: round `r` picks a signature by `(t + r) % 6`.
fn work(t: usize, r: usize) {
    match (t + r) % 6 {
        0 => {
            let mut y = Array1::from_vec(vec![1.0f64, 2.0, 3.0]);
            scale(&mut y, 2.0f64).unwrap();
            assert_eq!(y.to_vec(), vec![2.0, 4.0, 6.0]);
        }
        1 => {
            let mut y = Array1::from_vec(vec![1i32, 2, 3]);
            scale(&mut y, 3i32).unwrap();
            assert_eq!(y.to_vec(), vec![3, 6, 9]);
        }
        2 => {
            // Does not type-check: `f32 * f64`.
            let mut y = Array1::from_vec(vec![1.0f32]);
            let err = scale(&mut y, 2.0f64).unwrap_err();
            assert!(matches!(err.kind(), ErrorKind::Type { .. }), "{err:?}");
            assert_eq!(y[0], 1.0);
        }
        3 => {
            let x = Array2::from_shape_fn((4, 3), |(i, j)| (i * 3 + j) as i64);
            let column = x.column(1);
            assert_eq!(total::<i64>(column).unwrap(), 1 + 4 + 7 + 10);
            let f = Array1::from_vec(vec![0.5f64, 0.25]);
            // Does not type-check: `s` starts as an integer, the elements are `f64`.
            assert!(matches!(
                total::<f64>(&f).as_ref().map_err(rumba::Error::kind),
                Err(ErrorKind::Type { .. })
            ));
        }
        4 => {
            let x = Array1::from_vec(vec![5u8, 6, 7]);
            assert_eq!(at::<u8>(&x, 2usize).unwrap(), 7);
            // Fails at run time.
            let err = at::<u8>(&x, 3usize).unwrap_err();
            assert!(
                matches!(
                    err.kind(),
                    ErrorKind::OutOfBounds {
                        index: 3,
                        len: 3,
                        ..
                    }
                ),
                "{err:?}"
            );
        }
        _ => {
            // Does not type-check: the index is not `usize`.
            let x = Array1::from_vec(vec![5u8, 6, 7]);
            assert!(matches!(
                at::<u8>(&x, 2i32).map_err(rumba::Error::into_kind),
                Err(ErrorKind::Type { .. })
            ));
            // Wrong argument count through the kernel handle.
            assert!(matches!(
                at::kernel()
                    .call(&[(&x).into_arg()])
                    .as_ref()
                    .map_err(rumba::Error::kind),
                Err(ErrorKind::Argument { .. })
            ));
        }
    }
}

#[test]
fn many_threads_mixed_signatures() {
    let (done, finished) = mpsc::channel();
    let barrier = Arc::new(Barrier::new(THREADS));
    for t in 0..THREADS {
        let (barrier, done) = (barrier.clone(), done.clone());
        std::thread::spawn(move || {
            barrier.wait();
            let result = std::panic::catch_unwind(|| (0..ROUNDS).for_each(|r| work(t, r)));
            let _ = done.send(result.map_err(|p| {
                p.downcast_ref::<String>()
                    .cloned()
                    .or_else(|| p.downcast_ref::<&str>().map(|s| s.to_string()))
                    .unwrap_or_default()
            }));
        });
    }
    for _ in 0..THREADS {
        match finished.recv_timeout(Duration::from_secs(300)) {
            Ok(Ok(())) => {}
            Ok(Err(panic)) => panic!("a worker failed: {panic}"),
            Err(_) => panic!("deadlock: a worker did not finish within 300 s"),
        }
    }

    // Each signature was compiled exactly once, failures included: `scale` for (f64 array, f64),
    // (i32 array, i32), (f32 array, f64); `total` for i64 and f64 arrays; `at` for
    // (u8 array, usize), (u8 array, i32) and (u8 array) (the wrong argument count).
    assert_eq!(scale::kernel().compilations(), 3);
    assert_eq!(total::kernel().compilations(), 2);
    assert_eq!(at::kernel().compilations(), 3);
    assert_eq!(
        scale::kernel().signatures().len(),
        2,
        "failed signatures are cached, not listed"
    );

    // Everything still works after the failures, from this thread and from new ones.
    let mut y = Array1::from_vec(vec![1.0f64]);
    scale(&mut y, 4.0f64).unwrap();
    assert_eq!(y[0], 4.0);
    let handles: Vec<_> = (0..4)
        .map(|t| {
            std::thread::spawn(move || {
                let x = Array1::from_vec(vec![t as i64, 1, 2]);
                total::<i64>(&x).unwrap()
            })
        })
        .collect();
    let sums: Vec<i64> = handles.into_iter().map(|h| h.join().unwrap()).collect();
    assert_eq!(sums, vec![3, 4, 5, 6]);
    assert_eq!(scale::kernel().compilations(), 3);
}
