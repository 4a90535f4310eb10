//! The `?` operator in a closure (a helper returning an `Option` may use it).

rumba::compile! {
    fn halve(x) {
        x.map_inplace(|v| *v = v.checked_div(2)?);
    }
}

fn main() {}
