//! Every error of a block is reported, each at its own tokens.

rumba::compile! {
    fn a(x) -> f64 {
        let f = move |v| v;
        x
    }

    fn b(x) {
        println!("{}", x);
    }

    fn c(x) -> f64 {
        undefined(x)
    }
}

fn main() {}
