//! Assigning twice to `let x;` (deferred initialization, no `mut`).

rumba::compile! {
    fn pick(c) -> i64 {
        let x;
        x = 1;
        if c {
            x = 2;
        }
        x
    }
}

fn main() {}
