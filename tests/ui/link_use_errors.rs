//! `use` of functions of other blocks: a name the block also defines, and a `use` inside a
//! function (only the top of the block links).

mod physics {
    rumba::compile! {
        pub fn cnd(x: f64) -> f64 {
            x
        }
    }
}

rumba::compile! {
    use crate::physics::cnd;

    fn cnd(x: f64) -> f64 {
        x
    }
}

rumba::compile! {
    fn k(x: f64) -> f64 {
        use crate::physics::cnd;
        cnd(x)
    }
}

fn main() {}
