//! A gravitational n-body simulation written with structs of the block: `Vec3` (with its
//! methods) and `Particle` (position, velocity, mass) as kernel values. The state lives in
//! arrays (positions and velocities n x 3, masses n); each step builds each particle's values,
//! sums the softened forces on it and writes its new position and velocity into new arrays, the
//! particles in parallel (`prange`). Every particle's update reads only the old state, so the
//! result is the same on 1 thread and on 8, bit for bit (the example checks it, and that the
//! energy is conserved).

use ndarray::{Array1, Array2};

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

    /// Row `i` of an n x 3 array.
    fn row3(a: ArrayView2<f64>, i: usize) -> Vec3 {
        Vec3::new(a[[i, 0]], a[[i, 1]], a[[i, 2]])
    }

    fn particle(pos: ArrayView2<f64>, vel: ArrayView2<f64>, mass: ArrayView1<f64>, i: usize) -> Particle {
        Particle { pos: row3(pos, i), vel: row3(vel, i), mass: mass[i] }
    }

    /// The acceleration of particle `i` (G = 1, Plummer softening `eps2`).
    fn accel(pos: ArrayView2<f64>, mass: ArrayView1<f64>, i: usize, eps2: f64) -> Vec3 {
        let here = row3(pos, i);
        let mut a = Vec3::new(0.0, 0.0, 0.0);
        for j in 0..mass.len() {
            if j != i {
                let d = row3(pos, j).minus(here);
                let r2 = d.dot(d) + eps2;
                a = a.plus(d.times(mass[j] / (r2 * r2.sqrt())));
            }
        }
        a
    }

    /// One symplectic Euler step: the new velocities, then the positions they move to.
    fn step(pos: ArrayView2<f64>, vel: ArrayView2<f64>, mass: ArrayView1<f64>, dt: f64, eps2: f64) -> (Array2<f64>, Array2<f64>) {
        let n = mass.len();
        let mut new_pos = Array2::<f64>::zeros((n, 3));
        let mut new_vel = Array2::<f64>::zeros((n, 3));
        for i in prange(0..n) {
            let mut p = particle(pos, vel, mass, i);
            p.vel = p.vel.plus(accel(pos, mass, i, eps2).times(dt));
            p.pos = p.pos.plus(p.vel.times(dt));
            new_pos[[i, 0]] = p.pos.x;
            new_pos[[i, 1]] = p.pos.y;
            new_pos[[i, 2]] = p.pos.z;
            new_vel[[i, 0]] = p.vel.x;
            new_vel[[i, 1]] = p.vel.y;
            new_vel[[i, 2]] = p.vel.z;
        }
        (new_pos, new_vel)
    }

    /// Kinetic plus (softened) potential energy.
    fn energy(pos: ArrayView2<f64>, vel: ArrayView2<f64>, mass: ArrayView1<f64>, eps2: f64) -> f64 {
        let n = mass.len();
        let mut e = 0.0;
        for i in 0..n {
            let p = particle(pos, vel, mass, i);
            e += p.kinetic();
            for j in (i + 1)..n {
                let q = particle(pos, vel, mass, j);
                let d = q.pos.minus(p.pos);
                e -= p.mass * q.mass / (d.dot(d) + eps2).sqrt();
            }
        }
        e
    }

    /// The system as one particle: total mass, centre of mass and its velocity.
    fn centre(pos: ArrayView2<f64>, vel: ArrayView2<f64>, mass: ArrayView1<f64>) -> Particle {
        let mut c = Particle { pos: Vec3::new(0.0, 0.0, 0.0), vel: Vec3::new(0.0, 0.0, 0.0), mass: 0.0 };
        for i in 0..mass.len() {
            let p = particle(pos, vel, mass, i);
            c.pos = c.pos.plus(p.pos.times(p.mass));
            c.vel = c.vel.plus(p.vel.times(p.mass));
            c.mass += p.mass;
        }
        c.pos = c.pos.times(1.0 / c.mass);
        c.vel = c.vel.times(1.0 / c.mass);
        c
    }
}

/// Positions (n x 3), velocities (n x 3) and masses.
type State = (Array2<f64>, Array2<f64>, Array1<f64>);

/// `n` particles on a perturbed shell, in slow rotation (deterministic).
fn initial(n: usize) -> State {
    let golden = std::f64::consts::PI * (3.0 - 5f64.sqrt());
    let mut pos = Array2::zeros((n, 3));
    let mut vel = Array2::zeros((n, 3));
    let mass = Array1::from_shape_fn(n, |i| (1.0 + 0.5 * (i as f64 * 0.7).sin()) / n as f64);
    for i in 0..n {
        let z = 1.0 - 2.0 * (i as f64 + 0.5) / n as f64;
        let r = (1.0 - z * z).sqrt() * (1.0 + 0.1 * (i as f64 * 1.3).cos());
        let phi = golden * i as f64;
        pos[[i, 0]] = r * phi.cos();
        pos[[i, 1]] = r * phi.sin();
        pos[[i, 2]] = z;
        vel[[i, 0]] = -0.3 * pos[[i, 1]];
        vel[[i, 1]] = 0.3 * pos[[i, 0]];
    }
    (pos, vel, mass)
}

fn simulate(n: usize, steps: usize) -> Result<State, rumba::Error> {
    let (mut pos, mut vel, mass) = initial(n);
    for _ in 0..steps {
        let (p, v) = step(&pos, &vel, &mass, 1e-3, 1e-2)?;
        pos = p;
        vel = v;
    }
    Ok((pos, vel, mass))
}

fn main() -> Result<(), rumba::Error> {
    let (n, steps) = (512, 20);
    let (pos0, vel0, mass) = initial(n);
    let e0 = energy(&pos0, &vel0, &mass, 1e-2)?;
    let (pos, vel, _) = simulate(n, steps)?;
    let e1 = energy(&pos, &vel, &mass, 1e-2)?;
    let c: Particle = centre(&pos, &vel, &mass)?;
    println!("{n} particles, {steps} steps: energy {e0:.9} -> {e1:.9}");
    println!(
        "centre of mass {:?}, kinetic energy of its motion {:.3e}",
        c.pos,
        c.kinetic()
    );
    assert!(((e1 - e0) / e0).abs() < 1e-4, "energy drifts: {e0} -> {e1}");
    // The same state on one thread and on eight.
    for threads in [1, 8] {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .expect("a thread pool");
        let (p, v, _) = pool.install(|| simulate(n, steps))?;
        assert!(
            p.iter().zip(&pos).all(|(a, b)| a.to_bits() == b.to_bits()),
            "{threads} threads"
        );
        assert!(
            v.iter().zip(&vel).all(|(a, b)| a.to_bits() == b.to_bits()),
            "{threads} threads"
        );
    }
    Ok(())
}
