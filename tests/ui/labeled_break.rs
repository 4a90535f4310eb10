//! A labeled `break`.

rumba::compile! {
    fn find(x, v) -> i64 {
        let mut at = -1;
        'outer: for i in 0..x.len() {
            if x[i] == v {
                at = i as i64;
                break 'outer;
            }
        }
        at
    }
}

fn main() {}
