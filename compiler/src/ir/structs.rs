//! Struct syntax in the untyped IR: literals, field reads and field writes by name.
//!
//! In: what the front end makes of `Particle { x: 1.0, v }`, `p.x` and `p.x = v`. Out, in
//! `types`: the same values as tuples, the struct's type being a [`Tuple`](super::Tuple) with its
//! [`StructDef`]: a literal becomes `ExprKind::Tuple` of its fields in declaration order, a read
//! `ExprKind::Field` of the field's position, and a write a new tuple of the old fields with one
//! replaced. The front end never sees types, so only `types` knows which struct a value is and
//! where its field `x` lies; no stage after it knows structs.

use super::{ExprId, StructDef};

#[derive(Clone, Debug)]
pub enum StructOp {
    /// `Particle { x: 1.0, v }`: the fields' values, in declaration order.
    New {
        def: &'static StructDef,
        fields: Vec<ExprId>,
    },
    /// `p.x`.
    Get { base: ExprId, field: String },
    /// The struct that `base` holds with field `field` replaced by `value` (`p.x = v` assigns `p`
    /// this). `base` is a read of a local (`ExprKind::Local`), which `types` reads again for each
    /// field it keeps.
    With {
        base: ExprId,
        field: String,
        value: ExprId,
    },
}

impl StructOp {
    /// The expressions it reads, in evaluation order.
    pub fn operands(&self) -> Vec<ExprId> {
        match self {
            StructOp::New { fields, .. } => fields.clone(),
            StructOp::Get { base, .. } => vec![*base],
            StructOp::With { base, value, .. } => vec![*base, *value],
        }
    }
}
