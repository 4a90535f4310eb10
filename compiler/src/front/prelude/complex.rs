// rumba kernel source, not a Rust module: `front::prelude` compiles it once with `T = f32` and
// once with `T = f64` (functions `complex32::*`, `complex64::*`). Each function computes what
// num-complex 0.4 computes, with the same float operations in the same order, so that results
// equal num-complex's bit for bit. `types` calls them for complex operators and methods.

fn add(a: Complex<T>, b: Complex<T>) -> Complex<T> {
    Complex::new(a.re + b.re, a.im + b.im)
}

fn sub(a: Complex<T>, b: Complex<T>) -> Complex<T> {
    Complex::new(a.re - b.re, a.im - b.im)
}

fn mul(a: Complex<T>, b: Complex<T>) -> Complex<T> {
    Complex::new(a.re * b.re - a.im * b.im, a.re * b.im + a.im * b.re)
}

fn div(a: Complex<T>, b: Complex<T>) -> Complex<T> {
    let n = norm_sqr(b);
    Complex::new((a.re * b.re + a.im * b.im) / n, (a.im * b.re - a.re * b.im) / n)
}

fn add_real(a: Complex<T>, r: T) -> Complex<T> {
    Complex::new(a.re + r, a.im)
}

fn sub_real(a: Complex<T>, r: T) -> Complex<T> {
    Complex::new(a.re - r, a.im)
}

fn mul_real(a: Complex<T>, r: T) -> Complex<T> {
    Complex::new(a.re * r, a.im * r)
}

fn div_real(a: Complex<T>, r: T) -> Complex<T> {
    Complex::new(a.re / r, a.im / r)
}

fn real_add(r: T, b: Complex<T>) -> Complex<T> {
    Complex::new(r + b.re, b.im)
}

fn real_sub(r: T, b: Complex<T>) -> Complex<T> {
    Complex::new(r - b.re, 0.0 - b.im)
}

fn real_mul(r: T, b: Complex<T>) -> Complex<T> {
    Complex::new(r * b.re, r * b.im)
}

fn real_div(r: T, b: Complex<T>) -> Complex<T> {
    let n = norm_sqr(b);
    Complex::new(r * b.re / n, 0.0 - r * b.im / n)
}

fn neg(a: Complex<T>) -> Complex<T> {
    Complex::new(-a.re, -a.im)
}

fn eq(a: Complex<T>, b: Complex<T>) -> bool {
    a.re == b.re && a.im == b.im
}

fn ne(a: Complex<T>, b: Complex<T>) -> bool {
    a.re != b.re || a.im != b.im
}

fn norm_sqr(z: Complex<T>) -> T {
    z.re * z.re + z.im * z.im
}

fn norm(z: Complex<T>) -> T {
    z.re.hypot(z.im)
}

fn arg(z: Complex<T>) -> T {
    z.im.atan2(z.re)
}

fn conj(z: Complex<T>) -> Complex<T> {
    Complex::new(z.re, -z.im)
}

fn inv(z: Complex<T>) -> Complex<T> {
    let n = norm_sqr(z);
    Complex::new(z.re / n, -z.im / n)
}

fn scale(z: Complex<T>, t: T) -> Complex<T> {
    Complex::new(z.re * t, z.im * t)
}

fn unscale(z: Complex<T>, t: T) -> Complex<T> {
    Complex::new(z.re / t, z.im / t)
}

fn from_polar(r: T, theta: T) -> Complex<T> {
    Complex::new(r * theta.cos(), r * theta.sin())
}

fn exp(z: Complex<T>) -> Complex<T> {
    let re = z.re;
    let mut im = z.im;
    if re.is_infinite() {
        if re < 0.0 {
            if !im.is_finite() {
                return Complex::<T>::new(0.0, 0.0);
            }
        } else if im == 0.0 || !im.is_finite() {
            if im.is_infinite() {
                im = T::NAN;
            }
            return Complex::new(re, im);
        }
    } else if re.is_nan() && im == 0.0 {
        return z;
    }
    from_polar(re.exp(), im)
}

fn ln(z: Complex<T>) -> Complex<T> {
    Complex::new(norm(z).ln(), arg(z))
}

fn sqrt(z: Complex<T>) -> Complex<T> {
    if z.im == 0.0 {
        if z.re.is_sign_positive() {
            Complex::new(z.re.sqrt(), z.im)
        } else {
            let re: T = 0.0;
            let im = (-z.re).sqrt();
            if z.im.is_sign_positive() {
                Complex::new(re, im)
            } else {
                Complex::new(re, -im)
            }
        }
    } else if z.re == 0.0 {
        let two: T = 2.0;
        let x = (z.im.abs() / two).sqrt();
        if z.im.is_sign_positive() {
            Complex::new(x, x)
        } else {
            Complex::new(x, -x)
        }
    } else {
        let two: T = 2.0;
        from_polar(norm(z).sqrt(), arg(z) / two)
    }
}

fn powi(z: Complex<T>, n: i32) -> Complex<T> {
    if n < 0 {
        powu(inv(z), n.wrapping_neg() as u32)
    } else {
        powu(z, n as u32)
    }
}

fn powu(z: Complex<T>, n: u32) -> Complex<T> {
    let mut exp = n;
    if exp == 0 {
        return Complex::<T>::new(1.0, 0.0);
    }
    let mut base = z;
    while exp & 1 == 0 {
        base = mul(base, base);
        exp >>= 1;
    }
    if exp == 1 {
        return base;
    }
    let mut acc = base;
    while exp > 1 {
        exp >>= 1;
        base = mul(base, base);
        if exp & 1 == 1 {
            acc = mul(acc, base);
        }
    }
    acc
}

fn powf(z: Complex<T>, e: T) -> Complex<T> {
    if e == 0.0 {
        return Complex::<T>::new(1.0, 0.0);
    }
    from_polar(norm(z).powf(e), arg(z) * e)
}
