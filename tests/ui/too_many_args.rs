//! A kernel takes at most 16 arguments: more is a build error, not an error at every call.

rumba::compile! {
    fn wide(a, b, c, d, e, f, g, h, i, j, k, l, m, n, o, p, q) -> f64 {
        a + b + c + d + e + f + g + h + i + j + k + l + m + n + o + p + q
    }
}

fn main() {}
