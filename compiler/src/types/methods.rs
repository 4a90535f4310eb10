//! The typing rules of the numeric methods kernels may call, read from the intrinsics table
//! (`ir::intrinsic`).
//!
//! In: a method name and the receiver's scalar type. Out: the table's row for it, which gives
//! the [`Intrinsic`] it resolves to and the types of its other arguments and of its result,
//! exactly as in std.

use crate::ir::{Intrinsic, IntrinsicDesc, Receiver, Rel, Scalar};

/// Resolves `receiver.name(..)` for a receiver of type `ty`.
pub fn resolve(name: &str, ty: Scalar) -> Option<&'static IntrinsicDesc> {
    Intrinsic::from_name(name)
        .map(Intrinsic::desc)
        .filter(|d| d.accepts(ty))
}

/// Float methods whose arguments all have the receiver's type: for an unsuffixed literal
/// receiver, these take their type from the arguments.
pub fn args_share_receiver_type(name: &str) -> bool {
    Intrinsic::from_name(name).is_some_and(|op| {
        let d = op.desc();
        d.receivers.contains(&Receiver::Float)
            && !d.args.is_empty()
            && d.args.iter().all(|a| *a == Rel::Same)
    })
}
