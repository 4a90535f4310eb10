//! The 2-D heat equation on an N x N grid split by rows across MPI ranks (rsmpi on Open MPI), each
//! rank's update a rumba `prange` kernel: the compiled-loop layer inside an MPI program.
//!
//! Every rank holds its rows plus one halo row above and below (the fixed boundary at the edges of
//! the grid). A step posts the halo exchange with its neighbours (non-blocking), updates the rows
//! that need no halo meanwhile, waits, updates its first and last row, and takes the largest change
//! of a cell over all ranks with `all_reduce` (a maximum: exact in any order). At the end rank 0
//! gathers the grid, runs the same kernel on the whole grid in one process, and fails unless the
//! grid and every step's residual are equal bit for bit.
//!
//! Needs the `mpi` feature and an MPI library: `scripts/mpi.sh` installs Open MPI and runs it on 2
//! and 4 ranks; by hand, `cargo build --features mpi --example mpi_heat` then
//! `mpirun -n 4 target/debug/examples/mpi_heat`.
//!
//! `--rank0-first`: rank 0 compiles the kernel before the others start theirs (with a persistent
//! cache, they then load its code instead of compiling). Every rank reports its time from MPI's
//! start to the end of its first step; `scripts/mpi.sh --startup` tabulates it.

use std::error::Error;
use std::time::Instant;

use mpi::collective::SystemOperation;
use mpi::datatype::PartitionMut;
use mpi::request::WaitGuard;
use mpi::topology::SimpleCommunicator;
use mpi::traits::*;
use mpi::Count;
use ndarray::{s, Array2, ArrayView2, ArrayViewMut2};

rumba::compile! {
    /// One explicit step of u_t = Δu (r = dt/h², stable up to 0.25) on the rows 1..n-1 and the
    /// columns 1..m-1 of `u`, into `v`; the first and last row are boundary or halo. Returns the
    /// largest change of a cell.
    pub fn heat_step(u, v, r: f64) {
        let (n, m) = u.dim();
        let mut change = 0.0;
        for i in prange(1..n - 1) {
            for j in 1..m - 1 {
                let c = u[[i, j]];
                let around = u[[i - 1, j]] + u[[i + 1, j]] + u[[i, j - 1]] + u[[i, j + 1]];
                let next = c + r * (around - 4.0 * c);
                v[[i, j]] = next;
                change = change.max((next - c).abs());
            }
        }
        change
    }
}

const R: f64 = 0.2;

/// `--n N` (the grid's side, 256 by default), `--steps K` (200), `--rank0-first`.
fn options() -> Result<(usize, usize, bool), Box<dyn Error>> {
    let (mut n, mut steps, mut rank0_first) = (256, 200, false);
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--n" => n = args.next().ok_or("--n needs a value")?.parse()?,
            "--steps" => steps = args.next().ok_or("--steps needs a value")?.parse()?,
            "--rank0-first" => rank0_first = true,
            _ => {
                return Err(
                    format!("unknown argument `{arg}` (--n N, --steps K, --rank0-first)").into(),
                )
            }
        }
    }
    if steps == 0 {
        return Err("--steps must be at least 1".into());
    }
    Ok((n, steps, rank0_first))
}

/// Every call goes through here, so all calls share one signature (two C-contiguous views).
fn sweep(u: ArrayView2<f64>, v: ArrayViewMut2<f64>) -> Result<f64, rumba::Error> {
    heat_step(u, v, R)
}

/// The whole grid at time 0: the top edge held at 1, the other edges at 0, a hot square inside.
fn initial(n: usize) -> Array2<f64> {
    Array2::from_shape_fn((n, n), |(i, j)| {
        let hot = (n / 4..n / 2).contains(&i) && (n / 3..2 * n / 3).contains(&j);
        if i == 0 || hot {
            1.0
        } else {
            0.0
        }
    })
}

/// The interior rows 1..n-1 a rank owns: `[lo, hi)`, as even as the division allows.
fn rows(rank: usize, size: usize, n: usize) -> (usize, usize) {
    let (base, extra) = ((n - 2) / size, (n - 2) % size);
    let lo = 1 + rank * base + rank.min(extra);
    (lo, lo + base + usize::from(rank < extra))
}

/// One step of a rank's strip `u` (its k rows at 1..=k, halos at 0 and k+1) into `v`: the halo
/// exchange overlapped with the rows 2..k, then rows 1 and k. Returns the strip's largest change.
fn step(
    world: &SimpleCommunicator,
    u: &mut Array2<f64>,
    v: &mut Array2<f64>,
) -> Result<f64, rumba::Error> {
    let (rank, size) = (world.rank(), world.size());
    let (k, m) = (u.nrows() - 2, u.ncols());
    let data = u.as_slice_mut().expect("a strip is C-contiguous");
    let (top, rest) = data.split_at_mut(m);
    let (owned, bottom) = rest.split_at_mut(k * m);
    let owned = &*owned;
    let interior = mpi::request::scope(|scope| {
        let mut pending = Vec::new();
        if rank > 0 {
            let up = world.process_at_rank(rank - 1);
            pending.push(WaitGuard::from(up.immediate_receive_into(scope, &mut *top)));
            pending.push(WaitGuard::from(up.immediate_send(scope, &owned[..m])));
        }
        if rank + 1 < size {
            let down = world.process_at_rank(rank + 1);
            pending.push(WaitGuard::from(
                down.immediate_receive_into(scope, &mut *bottom),
            ));
            pending.push(WaitGuard::from(
                down.immediate_send(scope, &owned[(k - 1) * m..]),
            ));
        }
        // Rows 2..k read only owned rows; `pending` waits for the halos when it drops.
        let owned = ArrayView2::from_shape((k, m), owned).expect("k rows of m");
        sweep(owned, v.slice_mut(s![1..k + 1, ..]))
    })?;
    let first = sweep(u.slice(s![0..3, ..]), v.slice_mut(s![0..3, ..]))?;
    let last = if k >= 2 {
        sweep(
            u.slice(s![k - 1..k + 2, ..]),
            v.slice_mut(s![k - 1..k + 2, ..]),
        )?
    } else {
        first
    };
    Ok(interior.max(first).max(last))
}

fn main() -> Result<(), Box<dyn Error>> {
    env_logger::init();
    let (n, steps, rank0_first) = options()?;
    let (universe, _) = mpi::initialize_with_threading(mpi::Threading::Funneled)
        .ok_or("MPI is already initialized")?;
    let start = Instant::now();
    let world = universe.world();
    let (rank, size) = (world.rank() as usize, world.size() as usize);
    if n < size + 2 {
        return Err(format!("{size} ranks for {} interior rows", n.saturating_sub(2)).into());
    }
    let (lo, hi) = rows(rank, size, n);
    let mut u = initial(n).slice(s![lo - 1..hi + 1, ..]).to_owned();
    let mut v = u.clone();

    if rank0_first {
        // Rank 0 compiles on a 3 x 3 grid; the others wait, then do the same (loading its code
        // once a persistent cache exists).
        let warm_up = || {
            sweep(
                Array2::zeros((3, 3)).view(),
                Array2::zeros((3, 3)).view_mut(),
            )
        };
        if rank == 0 {
            warm_up()?;
        }
        world.barrier();
        if rank != 0 {
            warm_up()?;
        }
    }

    let mut residuals: Vec<f64> = Vec::with_capacity(steps);
    let mut first_step = 0.0f64;
    let mut timer = Instant::now();
    for t in 0..steps {
        let local = step(&world, &mut u, &mut v)?;
        let mut global = 0.0;
        world.all_reduce_into(&local, &mut global, SystemOperation::max());
        residuals.push(global);
        std::mem::swap(&mut u, &mut v);
        if t == 0 {
            first_step = start.elapsed().as_secs_f64();
            timer = Instant::now();
        }
    }
    // The steps after the first (which compiles).
    let per_step = timer.elapsed().as_secs_f64() / (steps - 1).max(1) as f64;

    let root = world.process_at_rank(0);
    let owned = u.slice(s![1..hi - lo + 1, ..]);
    let owned = owned.as_slice().expect("a strip is C-contiguous");
    let mut first_steps = vec![0.0; size];
    if rank != 0 {
        root.gather_into(&first_step);
        root.gather_varcount_into(owned);
        return Ok(());
    }
    root.gather_into_root(&first_step, &mut first_steps[..]);
    let mut grid = initial(n);
    {
        let counts: Vec<Count> = (0..size)
            .map(|r| {
                let (lo, hi) = rows(r, size, n);
                ((hi - lo) * n) as Count
            })
            .collect();
        let displs: Vec<Count> = counts
            .iter()
            .scan(0, |at, &c| Some(std::mem::replace(at, *at + c)))
            .collect();
        let interior = grid
            .slice_mut(s![1..n - 1, ..])
            .into_slice()
            .expect("C-contiguous");
        let mut partition = PartitionMut::new(interior, counts, &displs[..]);
        root.gather_varcount_into_root(owned, &mut partition);
    }

    // The same kernel on the whole grid in this one process.
    let mut a = initial(n);
    let mut b = a.clone();
    let mut serial = Vec::with_capacity(steps);
    for _ in 0..steps {
        serial.push(sweep(a.view(), b.view_mut())?);
        std::mem::swap(&mut a, &mut b);
    }
    let cells = grid
        .iter()
        .zip(&a)
        .filter(|(x, y)| x.to_bits() != y.to_bits())
        .count();
    let residuals_differing = residuals
        .iter()
        .zip(&serial)
        .filter(|(x, y)| x.to_bits() != y.to_bits())
        .count();

    let (min, max) = first_steps
        .iter()
        .fold((f64::INFINITY, 0.0f64), |(lo, hi), &t| {
            (lo.min(t), hi.max(t))
        });
    println!(
        "{n} x {n} grid, {steps} steps on {size} ranks ({} to {} rows each): residual {:.3e} \
         after the last step, {:.3} ms per step after the first",
        (n - 2) / size,
        (n - 2).div_ceil(size),
        residuals[steps - 1],
        per_step * 1e3,
    );
    println!(
        "time to the first step ({}): {:.1} ms on the slowest rank, {:.1} ms on the fastest",
        if rank0_first {
            "rank 0 compiles first"
        } else {
            "all ranks at once"
        },
        max * 1e3,
        min * 1e3,
    );
    if cells != 0 || residuals_differing != 0 {
        return Err(format!(
            "differs from the single-process run: {cells} of {} cells, {residuals_differing} of \
             {steps} residuals",
            n * n
        )
        .into());
    }
    println!("equals the single-process run bit for bit (every cell, every step's residual)");
    Ok(())
}
