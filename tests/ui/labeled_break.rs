//! A `break` to a label that no enclosing loop has.
rumba::compile! {
    fn find(x, v) -> i64 {
        let mut at = -1;
        'outer: for i in 0..x.len() {
            if x[i] == v {
                at = i as i64;
                break 'inner;
            }
        }
        at
    }
}

fn main() {}
