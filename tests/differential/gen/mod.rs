//! Random kernels for the differential tests: well-typed kernel source and arguments to call it.
//!
//! In: a seed. Out: a [`Case`]: the text of a `compile!` block whose kernel `k` takes 1 to 6
//! arguments (arrays of every dtype, 1-D to 3-D, read-only or writable; scalars of every type), and
//! a few argument sets for it ([`ArgSpec`]s: edge values, zero-length arrays, strided, reversed,
//! transposed and broadcast views). The kernels use every construct of the kernel language but
//! `prange` (see `for_stmt`): nested `for` loops over `a..b`, `a..=b`, `.rev()` and `.step_by(k)`,
//! `while` and `loop` with `break` and `continue`, early returns, `if`/`else` statements and expressions, blocks as values,
//! helper functions (with array parameters, calling each other; one recursive, one building and
//! copying a struct of the block), every operator, cast and numeric
//! method, shape queries, and loads and stores on arrays.
//!
//! Every scalar type is drawn, `i128` and `u128` included: a third of the kernels ("wide" ones,
//! [`WIDE_PERCENT`]) draw them among the integers, one integer type in six, for parameters (scalars
//! and array elements), locals, helper parameters and results, struct fields, loop counters,
//! `match` scrutinees (with arms near 2^63, 2^64, MIN and MAX, and a `u128` match covering every
//! value), casts, shift amounts and methods; their literals and arguments are edge values, those
//! around 2^63 and 2^64 and any 128 bits among them. The other kernels are the ones each seed
//! made before, and the other generators (`prange` ones run on the GPU, where 128-bit integers
//! are not) never draw them.
//!
//! Every kernel terminates: each loop's trip count is bounded by construction (literal bounds a few
//! apart, `% K` bounds, array extents, `while`/`loop` counters incremented before anything can
//! `continue`), whatever the values. Literals always carry their type suffix, so every expression
//! has one type and the kernels type-check for the types they are generated for.
//!
//! The generator is split along its seams: `rng` (the random source), `values` (random scalars
//! and literals), `args` (signatures and argument sets), `kernel` (the generator's state and
//! whole kernels), `stmt` (statements), `expr` (expressions and the method tables), and the
//! other kinds of cases, `prange` (parallel loops), `nest` (loop nests), `tile` (three-deep nests), `split`
//! (loops branching on where their counter lies) and `chain` (chains of array expressions).

mod args;
mod chain;
mod expr;
mod kernel;
mod nest;
mod prange;
mod rng;
mod split;
mod stmt;
mod tile;
mod values;

pub use args::{ArgSpec, ArraySpec, ViewOp};
pub use chain::chain_case;
pub use expr::exact_on_gpu;
pub use nest::nest_case;
pub use prange::parallel_case;
pub use rng::case_seed;
pub use split::split_case;
pub use tile::tile_case;

use args::{arguments, kernel_params};
use kernel::kernel_source;
use rng::Rng;

/// The percentage of the kernels of [`case`] that draw 128-bit integers among their types.
const WIDE_PERCENT: u64 = 35;

/// A generated kernel and the arguments to call it with.
#[derive(Clone, Debug)]
pub struct Case {
    pub source: String,
    pub arg_sets: Vec<Vec<ArgSpec>>,
    /// A `prange` kernel with an access that another iteration may conflict with: the compiler
    /// must reject it as a data race.
    pub race: bool,
}

/// Generates case number `index` of the run with seed `seed`.
pub fn case(seed: u64) -> Case {
    // Wide kernels (one in three) draw the 128-bit integers too. The choice comes from a stream
    // of its own, so the other kernels are the ones each seed made before 128-bit integers came.
    let wide = Rng::new(seed ^ 0x1_2800_0000).percent(WIDE_PERCENT);
    let mut rng = Rng::new(seed);
    let params = kernel_params(&mut rng, wide);
    let source = kernel_source(&mut rng, &params, wide);
    let sets = 1 + rng.below(3);
    let arg_sets = (0..sets).map(|_| arguments(&mut rng, &params)).collect();
    Case {
        source,
        arg_sets,
        race: false,
    }
}
