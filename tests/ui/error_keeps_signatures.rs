//! A block with an error still declares its kernels: the calls below (a unit kernel used as a
//! statement, a value kernel whose result type comes from the call, a handle) add no errors of
//! their own, so the one error shown is the kernel's.

rumba::compile! {
    fn scale(x, k) {
        for i in 0..x.len() {
            x[i] *= k;
        }
    }

    fn sum(x) {
        let mut s = 0.0;
        for i in 0..x.len() {
            s += x[i];
        }
        println!("{}", s);
        s
    }
}

fn main() -> Result<(), rumba::Error> {
    let mut x = vec![1.0f64; 4];
    scale(&mut x, 2.0)?;
    let s: f64 = sum(&x)?;
    println!("{s} {}", scale::kernel().compilations());
    Ok(())
}
