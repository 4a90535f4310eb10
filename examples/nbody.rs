//! A gravitational n-body simulation written with structs of the block: `Vec3` (with its
//! methods) and `Particle` (position, velocity, mass). The state is an `Array1<Particle>` built
//! in Rust; each step reads each particle (`p[i]`, `p[j].pos`), sums the softened forces on it
//! and writes it, moved, into a second array (`out[i] = q`), the particles in parallel
//! (`prange`). Every particle's update reads only the old state, so the result is the same on 1
//! thread and on 8, bit for bit (the example checks it, and that the energy is conserved).

use ndarray::Array1;

rumba::compile! {
    #[derive(Clone, Copy, Debug, PartialEq)]
    pub struct Vec3 {
        pub x: f64,
        pub y: f64,
        pub z: f64,
    }

    impl Vec3 {
        pub fn new(x: f64, y: f64, z: f64) -> Self {
            Self { x, y, z }
        }

        pub fn plus(self, o: Vec3) -> Vec3 {
            Vec3::new(self.x + o.x, self.y + o.y, self.z + o.z)
        }

        pub fn minus(self, o: Vec3) -> Vec3 {
            Vec3::new(self.x - o.x, self.y - o.y, self.z - o.z)
        }

        pub fn times(self, k: f64) -> Vec3 {
            Vec3::new(self.x * k, self.y * k, self.z * k)
        }

        pub fn dot(self, o: Vec3) -> f64 {
            self.x * o.x + self.y * o.y + self.z * o.z
        }
    }

    #[derive(Clone, Copy, Debug)]
    pub struct Particle {
        pub pos: Vec3,
        pub vel: Vec3,
        pub mass: f64,
    }

    impl Particle {
        pub fn kinetic(&self) -> f64 {
            0.5 * self.mass * self.vel.dot(self.vel)
        }
    }

    /// The acceleration of particle `i` (G = 1, Plummer softening `eps2`).
    fn accel(p: ArrayView1<Particle>, i: usize, eps2: f64) -> Vec3 {
        let here = p[i].pos;
        let mut a = Vec3::new(0.0, 0.0, 0.0);
        for j in 0..p.len() {
            if j != i {
                let d = p[j].pos.minus(here);
                let r2 = d.dot(d) + eps2;
                a = a.plus(d.times(p[j].mass / (r2 * r2.sqrt())));
            }
        }
        a
    }

    /// One symplectic Euler step from `p` into `out`: the new velocities, then the positions
    /// they move to.
    fn step(p: ArrayView1<Particle>, mut out: ArrayViewMut1<Particle>, dt: f64, eps2: f64) {
        for i in prange(0..p.len()) {
            let mut q = p[i];
            q.vel = q.vel.plus(accel(p, i, eps2).times(dt));
            q.pos = q.pos.plus(q.vel.times(dt));
            out[i] = q;
        }
    }

    /// Kinetic plus (softened) potential energy.
    fn energy(p: ArrayView1<Particle>, eps2: f64) -> f64 {
        let n = p.len();
        let mut e = 0.0;
        for i in 0..n {
            e += p[i].kinetic();
            for j in (i + 1)..n {
                let d = p[j].pos.minus(p[i].pos);
                e -= p[i].mass * p[j].mass / (d.dot(d) + eps2).sqrt();
            }
        }
        e
    }

    /// The system as one particle: total mass, centre of mass and its velocity.
    fn centre(p: ArrayView1<Particle>) -> Particle {
        let mut c = Particle { pos: Vec3::new(0.0, 0.0, 0.0), vel: Vec3::new(0.0, 0.0, 0.0), mass: 0.0 };
        for i in 0..p.len() {
            c.pos = c.pos.plus(p[i].pos.times(p[i].mass));
            c.vel = c.vel.plus(p[i].vel.times(p[i].mass));
            c.mass += p[i].mass;
        }
        c.pos = c.pos.times(1.0 / c.mass);
        c.vel = c.vel.times(1.0 / c.mass);
        c
    }
}

/// `n` particles on a perturbed shell, in slow rotation (deterministic).
fn initial(n: usize) -> Array1<Particle> {
    let golden = std::f64::consts::PI * (3.0 - 5f64.sqrt());
    Array1::from_shape_fn(n, |i| {
        let z = 1.0 - 2.0 * (i as f64 + 0.5) / n as f64;
        let r = (1.0 - z * z).sqrt() * (1.0 + 0.1 * (i as f64 * 1.3).cos());
        let phi = golden * i as f64;
        let pos = Vec3::new(r * phi.cos(), r * phi.sin(), z);
        Particle {
            pos,
            vel: Vec3::new(-0.3 * pos.y, 0.3 * pos.x, 0.0),
            mass: (1.0 + 0.5 * (i as f64 * 0.7).sin()) / n as f64,
        }
    })
}

fn simulate(n: usize, steps: usize) -> Result<Array1<Particle>, rumba::Error> {
    let mut p = initial(n);
    let mut next = p.clone();
    for _ in 0..steps {
        step(&p, &mut next, 1e-3, 1e-2)?;
        std::mem::swap(&mut p, &mut next);
    }
    Ok(p)
}

fn main() -> Result<(), rumba::Error> {
    let (n, steps) = (512, 20);
    let e0 = energy(&initial(n), 1e-2)?;
    let p = simulate(n, steps)?;
    let e1 = energy(&p, 1e-2)?;
    let c: Particle = centre(&p)?;
    println!("{n} particles, {steps} steps: energy {e0:.9} -> {e1:.9}");
    println!(
        "centre of mass {:?}, kinetic energy of its motion {:.3e}",
        c.pos,
        c.kinetic()
    );
    assert!(((e1 - e0) / e0).abs() < 1e-4, "energy drifts: {e0} -> {e1}");
    // The same state on one thread and on eight.
    let bits = |p: &Array1<Particle>| -> Vec<u64> {
        p.iter()
            .flat_map(|q| [q.pos.x, q.pos.y, q.pos.z, q.vel.x, q.vel.y, q.vel.z])
            .map(f64::to_bits)
            .collect()
    };
    for threads in [1, 8] {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .expect("a thread pool");
        let q = pool.install(|| simulate(n, steps))?;
        assert_eq!(bits(&q), bits(&p), "{threads} threads");
    }
    Ok(())
}
