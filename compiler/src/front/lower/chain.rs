//! Iterator chains, as std's adapters run them: `x.iter().map(|v| v * v).sum::<f64>()`,
//! `x.iter().zip(y.iter()).map(|(a, b)| a * b).sum()`, `(0..n).filter(|i| i % 3 == 0).count()`,
//! `x.iter().position(|&v| v > t)`, and `for (i, v) in x.iter().enumerate().filter(..)`.
//!
//! In: a chain in `syn` (a source, adapters, and a consumer or a `for` loop). Out: the syntax of
//! the loop it is, which the rest of the front end lowers as written (as `lanes` does for
//! `x.rows()`): the closures bound with `let` before the loop (so they capture where the chain
//! is written, as Rust builds the adapters there), one item per iteration threaded through the
//! adapters in order, the consumer's accumulator in a hidden local that the block ends with.
//!
//! Sources: `x.iter()` (also `.copied()` / `.cloned()`, `into_iter`), ranges `a..b` (any
//! `for` range), views (`x.windows(k)`, `m.rows()`, `m.columns()`, `m.outer_iter()`,
//! `m.axis_iter(Axis(k))`: a `for` loop over them, which `lanes` rewrites), and `zip` of 1-D
//! arrays and half-open ranges, which walk by index up to the shorter length. `collect` fills
//! an array of the chain's length, or, after a `filter` or from views, pushes onto a
//! `Vec::new()` (which `growable` rewrites). Adapters: `map`, `filter`, `enumerate`, `copied`, `cloned`, `zip`, `skip`,
//! `take`, `step_by` (counted where they stand; walked by index, in a `zip` or before a `rev`,
//! `skip`/`take`/`rev` right after `iter()` pick the index read, `take` also anywhere), `rev`
//! (of a 1-D array, walked by index).
//! Consumers: `sum`, `product` (from std's identity, `-0.0` for floats), `fold`, `count`,
//! `min`, `max`, `max_by`, `min_by` (comparators `partial_cmp(..).unwrap()`, `total_cmp` or
//! `cmp`, as closures or paths: `f64::total_cmp`),
//! `max_by_key`, `min_by_key` (`Option`s; on a tie the `max`es keep the last item, the `min`s
//! the first, as std),
//! `any`, `all`, `position`, `find`, `for_each`. `x.iter_mut().for_each(|v| ..)` is the walk
//! `for v in x.iter_mut()`.

use super::syntax::strip_parens;
use super::{FrontError, R};
use proc_macro2::{Span, TokenStream};
use quote::{format_ident, quote, quote_spanned, ToTokens};
use syn::spanned::Spanned;

/// The consumers a chain can end in.
const CONSUMERS: &[&str] = &[
    "sum",
    "product",
    "fold",
    "count",
    "min",
    "max",
    "any",
    "all",
    "position",
    "find",
    "for_each",
    "collect",
    "max_by",
    "min_by",
    "max_by_key",
    "min_by_key",
];

/// A chain's start.
#[derive(Clone, Copy)]
enum Source<'a> {
    /// `x.iter()`: the array expression.
    Array(&'a syn::Expr),
    /// `a..b` (or any `for` range).
    Range(&'a syn::Expr),
    /// `x.rows()`, `x.columns()`, `x.outer_iter()`, `x.axis_iter(Axis(k))`, `x.windows(k)`: the
    /// views a `for` loop over the call walks (`lanes`), one per item.
    Lanes(&'a syn::Expr),
}

/// One adapter.
enum Stage<'a> {
    Map(&'a syn::Expr),
    Filter(&'a syn::Expr),
    Enumerate,
    /// `zip(other)`: the other chain.
    Zip(Chain<'a>),
    /// `skip(n)`, `take(n)`, `step_by(k)`: which items go on, counted where the adapter is.
    Skip(&'a syn::Expr),
    Take(&'a syn::Expr),
    StepBy(&'a syn::Expr),
    /// `rev()` of a 1-D array's items (right after `iter()`, `skip` and `take`): walked by index.
    Rev(&'a syn::Expr),
}

impl Stage<'_> {
    /// Whether the stage only picks positions of the source (`skip`, `take`, `rev`), which a
    /// walk by index applies to the index.
    fn positional(&self) -> bool {
        matches!(self, Stage::Skip(_) | Stage::Take(_) | Stage::Rev(_))
    }
}

/// A source and its adapters, in order.
struct Chain<'a> {
    source: Source<'a>,
    stages: Vec<Stage<'a>>,
}

impl Chain<'_> {
    /// Whether a `filter` decides which items go on (in this chain or one it zips): the number
    /// of items is then known only once they are walked.
    fn filters(&self) -> bool {
        self.stages.iter().any(|s| match s {
            Stage::Filter(_) => true,
            Stage::Zip(other) => other.filters(),
            _ => false,
        })
    }
}

/// Whether `mc` consumes an iterator chain that [`consume`] rewrites (the front end asks
/// `syntax::is_fold` first: a plain `x.iter().sum()` is a walk of its own, `iter::iter_fold`).
pub(super) fn is_consumer(mc: &syn::ExprMethodCall) -> bool {
    CONSUMERS.contains(&mc.method.to_string().as_str()) && parse(&mc.receiver).is_some()
}

/// Whether a `for` loop iterates a chain with adapters.
pub(super) fn is_adapted(e: &syn::Expr) -> bool {
    parse(e).is_some_and(|c| !c.stages.is_empty())
}

/// The chain `e` is, if it is one (a source, possibly adapted).
fn parse(e: &syn::Expr) -> Option<Chain<'_>> {
    let e = strip_parens(e);
    if is_range(e) {
        return Some(Chain {
            source: Source::Range(e),
            stages: Vec::new(),
        });
    }
    let syn::Expr::MethodCall(mc) = e else {
        return None;
    };
    let name = mc.method.to_string();
    let mut chain = match (name.as_str(), mc.args.len()) {
        ("iter", 0) => {
            return Some(Chain {
                source: Source::Array(&mc.receiver),
                stages: Vec::new(),
            })
        }
        ("rows" | "columns" | "outer_iter", 0) | ("axis_iter" | "windows", 1) => {
            return Some(Chain {
                source: Source::Lanes(e),
                stages: Vec::new(),
            })
        }
        ("into_iter" | "copied" | "cloned", 0) => return parse(&mc.receiver),
        ("map" | "filter" | "enumerate" | "zip" | "skip" | "take" | "step_by", _) => {
            parse(&mc.receiver)?
        }
        ("rev", 0) => {
            let mut chain = parse(&mc.receiver)?;
            chain.stages.push(Stage::Rev(e));
            return Some(chain);
        }
        _ => return None,
    };
    let stage = match (name.as_str(), &mc.args.iter().collect::<Vec<_>>()[..]) {
        ("skip", [n]) => Stage::Skip(n),
        ("take", [n]) => Stage::Take(n),
        ("step_by", [k]) => Stage::StepBy(k),
        ("map", [f]) => Stage::Map(f),
        ("filter", [p]) => Stage::Filter(p),
        ("enumerate", []) => Stage::Enumerate,
        ("zip", [other]) => Stage::Zip(zip_operand(other)?),
        _ => return None,
    };
    chain.stages.push(stage);
    Some(chain)
}

/// Whether `e` is a range a `for` loop takes: `a..b`, `a..=b`, with `.rev()` and `.step_by(k)`.
fn is_range(e: &syn::Expr) -> bool {
    match strip_parens(e) {
        syn::Expr::Range(_) => true,
        syn::Expr::MethodCall(mc) if mc.method == "rev" || mc.method == "step_by" => {
            is_range(&mc.receiver)
        }
        _ => false,
    }
}

/// The other side of `zip(..)`: a chain, or an array borrowed or named (`zip(&y)`, `zip(y)`).
fn zip_operand(e: &syn::Expr) -> Option<Chain<'_>> {
    if let Some(c) = parse(e) {
        return Some(c);
    }
    let array = match strip_parens(e) {
        syn::Expr::Reference(r) if r.mutability.is_none() => &*r.expr,
        e @ syn::Expr::Path(_) => e,
        _ => return None,
    };
    Some(Chain {
        source: Source::Array(array),
        stages: Vec::new(),
    })
}

/// The error for views (`x.rows()`, `x.windows(k)`) where items are walked by index.
fn lanes_by_index(l: &syn::Expr) -> FrontError {
    FrontError::new(l, "`zip` or `rev` of views (rows, windows, subviews) is not supported")
        .hint("loop over the views and index the other array by position: `for (i, row) in x.rows().into_iter().enumerate() { .. y[i] .. }`")
}

/// The error for a `filter` where items are walked by index.
fn filter_before_zip(p: &syn::Expr) -> FrontError {
    FrontError::new(p, "`filter` before `zip` is not supported")
        .hint("zip first, then filter the pairs: `x.iter().zip(y.iter()).filter(|(a, b)| ..)`")
}

/// Builds the syntax of a chain's loop; `span` is the chain's, given to every token it adds.
struct Gen {
    span: Span,
    /// Statements before the loop.
    setup: TokenStream,
    next: usize,
    /// The array expressions already bound to a name, by address (each is evaluated once).
    arrays: Vec<(*const syn::Expr, TokenStream)>,
}

impl Gen {
    fn new(span: Span) -> Gen {
        Gen {
            span,
            setup: TokenStream::new(),
            next: 0,
            arrays: Vec::new(),
        }
    }

    fn name(&mut self, what: &str) -> syn::Ident {
        self.next += 1;
        format_ident!("__rumba_{}{}", what, self.next, span = self.span)
    }

    /// The call of the function `f` an adapter or consumer takes, on `args`: a closure is
    /// bound with `let` before the loop (where the chain builds it), a path is called by name.
    fn call(&mut self, f: &syn::Expr, args: TokenStream) -> TokenStream {
        let span = self.span;
        match strip_parens(f) {
            syn::Expr::Path(p) => quote_spanned!(span=> #p(#args)),
            f => {
                let name = self.name("f");
                self.setup
                    .extend(quote_spanned!(span=> let mut #name = #f;));
                quote_spanned!(span=> #name(#args))
            }
        }
    }

    /// An array expression as a name the loop can index (bound first unless it is a name).
    fn array(&mut self, e: &syn::Expr) -> TokenStream {
        match strip_parens(e) {
            syn::Expr::Path(p) if p.path.get_ident().is_some() => p.to_token_stream(),
            e => {
                let key: *const syn::Expr = e;
                if let Some((_, name)) = self.arrays.iter().find(|(k, _)| *k == key) {
                    return name.clone();
                }
                let name = self.name("src");
                let span = self.span;
                self.setup.extend(quote_spanned!(span=> let #name = #e;));
                self.arrays.push((key, name.to_token_stream()));
                name.to_token_stream()
            }
        }
    }

    /// The number of items of the range `lo..hi` (`lo..=hi`), set up once: the names of the count
    /// (a `usize`) and of the start. The distance is `abs_diff`, in the unsigned type of the
    /// bounds' width (`-128i8..127` has 255 items, which `hi - lo` in `i8` would wrap); an
    /// inclusive range of `usize::MAX + 1` items fails as Rust's `collect` does.
    fn range_len(
        &mut self,
        lo: &syn::Expr,
        hi: &syn::Expr,
        inclusive: bool,
    ) -> (syn::Ident, syn::Ident) {
        let span = self.span;
        let (lo_n, hi_n, len) = (self.name("lo"), self.name("hi"), self.name("len"));
        self.setup
            .extend(quote_spanned!(span=> let #lo_n = #lo; let #hi_n = #hi;));
        if inclusive {
            let (full, d) = (self.name("full"), self.name("d"));
            self.setup.extend(quote_spanned!(span=>
                let #full = #hi_n >= #lo_n;
                let #d: usize = if #full { #hi_n.abs_diff(#lo_n) as usize } else { 0 };
                assert!(!#full || #d != usize::MAX, "capacity overflow");
                let #len: usize = if #full { #d + 1 } else { 0 };
            ));
        } else {
            self.setup.extend(quote_spanned!(span=>
                let #len: usize = if #hi_n > #lo_n { #hi_n.abs_diff(#lo_n) as usize } else { 0 };
            ));
        }
        (len, lo_n)
    }

    /// The number of items of a chain without `filter` ([`Chain::filters`]), for `collect`
    /// (ranges `a..b` only).
    fn length(&mut self, chain: &Chain) -> R<TokenStream> {
        let span = self.span;
        let mut len = match chain.source {
            Source::Array(a) => {
                let a = self.array(a);
                quote_spanned!(span=> #a.len())
            }
            Source::Lanes(l) => return Err(lanes_by_index(l)),
            Source::Range(r) => match strip_parens(r) {
                syn::Expr::Range(syn::ExprRange {
                    start: Some(lo),
                    limits,
                    end: Some(hi),
                    ..
                }) => {
                    let inclusive = matches!(limits, syn::RangeLimits::Closed(_));
                    self.range_len(lo, hi, inclusive).0.to_token_stream()
                }
                r => {
                    return Err(FrontError::new(r, "`collect` of this range is not supported")
                        .hint("collect a range with both ends, `a..b` or `a..=b`, or allocate the array and fill it in a loop"))
                }
            },
        };
        for stage in &chain.stages {
            match stage {
                Stage::Filter(_) => unreachable!("a filtered chain collects into a vector"),
                Stage::Zip(other) => {
                    let other = self.length(other)?;
                    let both = self.name("len");
                    self.setup.extend(quote_spanned!(span=>
                        let #both = if #len < #other { #len } else { #other };
                    ));
                    len = both.to_token_stream();
                }
                Stage::Skip(n) | Stage::Take(n) | Stage::StepBy(n) => {
                    let (n_n, next) = (self.name("n"), self.name("len"));
                    let step_zero = syn::LitStr::new("assertion failed: step != 0", span);
                    self.setup.extend(match stage {
                        Stage::Skip(_) => quote_spanned!(span=>
                            let #n_n: usize = #n;
                            let #next = if #len > #n_n { #len - #n_n } else { 0 };
                        ),
                        Stage::Take(_) => quote_spanned!(span=>
                            let #n_n: usize = #n;
                            let #next = if #len < #n_n { #len } else { #n_n };
                        ),
                        _ => quote_spanned!(span=>
                            let #n_n: usize = #n;
                            assert!(#n_n != 0, #step_zero);
                            let #next = (#len + #n_n - 1) / #n_n;
                        ),
                    });
                    len = next.to_token_stream();
                }
                Stage::Map(_) | Stage::Enumerate | Stage::Rev(_) => {}
            }
        }
        Ok(len)
    }

    /// `source` and its adapters `stages`, walked by index `k` (up to and with a `zip`): the
    /// length, the statements giving the item at `k`, and the item's name.
    fn indexed(
        &mut self,
        source: Source,
        stages: &[Stage],
        k: &syn::Ident,
    ) -> R<(TokenStream, TokenStream, syn::Ident)> {
        let span = self.span;
        let mut item = self.name("item");
        let len = self.name("len");
        // `skip`, `take` and `rev` right after `x.iter()` pick the index of the item read:
        // `skip(n)` reads `k + n`, `rev()` `len - 1 - k`, in the order they are written.
        let picks = stages.iter().take_while(|s| s.positional()).count();
        let (picked, stages) = stages.split_at(picks);
        let mut code = match source {
            Source::Array(a) => {
                let a = self.array(a);
                let mut index: Box<dyn Fn(TokenStream) -> TokenStream> = Box::new(|k| k);
                let mut cur = quote_spanned!(span=> #a.len());
                for s in picked {
                    let (n, next) = (self.name("n"), self.name("len"));
                    let prev = index;
                    match s {
                        Stage::Skip(m) => {
                            self.setup.extend(quote_spanned!(span=>
                                let #n: usize = #m;
                                let #next = if #cur > #n { #cur - #n } else { 0 };
                            ));
                            index = Box::new(move |k| prev(quote_spanned!(span=> (#k + #n))));
                        }
                        Stage::Take(m) => {
                            self.setup.extend(quote_spanned!(span=>
                                let #n: usize = #m;
                                let #next = if #cur < #n { #cur } else { #n };
                            ));
                            index = prev;
                        }
                        _ => {
                            self.setup.extend(quote_spanned!(span=> let #next = #cur;));
                            let len = next.clone();
                            index = Box::new(move |k| prev(quote_spanned!(span=> (#len - 1 - #k))));
                        }
                    }
                    cur = next.to_token_stream();
                }
                self.setup.extend(quote_spanned!(span=> let #len = #cur;));
                let at = index(k.to_token_stream());
                quote_spanned!(span=> let #item = #a[#at];)
            }
            Source::Lanes(l) => return Err(lanes_by_index(l)),
            Source::Range(r) if !picked.is_empty() => {
                return Err(FrontError::new(
                    r,
                    "`skip`, `take` or `rev` of a range walked by index is not supported",
                )
                .hint("write the range itself: `(a + n)..b`, `(a..b).rev()`"))
            }
            Source::Range(r) => {
                let syn::Expr::Range(syn::ExprRange {
                    start: Some(lo),
                    limits,
                    end: Some(hi),
                    ..
                }) = strip_parens(r)
                else {
                    return Err(FrontError::new(r, "`zip` of this range is not supported")
                        .hint("zip ranges with both ends, `a..b` or `a..=b`, and arrays"));
                };
                let inclusive = matches!(limits, syn::RangeLimits::Closed(_));
                let (count, lo_n) = self.range_len(lo, hi, inclusive);
                let cur = self.name("cur");
                self.setup.extend(quote_spanned!(span=>
                    let #len = #count;
                    let mut #cur = #lo_n;
                ));
                // The last item's `+= 1` may wrap past the range's end (`..=u8::MAX`), unread.
                quote_spanned!(span=> let #item = #cur; #cur = #cur.wrapping_add(1);)
            }
        };
        let mut len = len.to_token_stream();
        for stage in stages {
            let next = self.name("item");
            match stage {
                Stage::Map(f) => {
                    let call = self.call(f, item.to_token_stream());
                    code.extend(quote_spanned!(span=> let #next = #call;));
                }
                Stage::Enumerate => code.extend(quote_spanned!(span=> let #next = (#k, #item);)),
                Stage::Zip(other) => {
                    let (other_len, other_code, other_item) =
                        self.indexed(other.source, &other.stages, k)?;
                    let both = self.name("len");
                    self.setup.extend(quote_spanned!(span=>
                        let #both = if #len < #other_len { #len } else { #other_len };
                    ));
                    len = both.to_token_stream();
                    code.extend(other_code);
                    code.extend(quote_spanned!(span=> let #next = (#item, #other_item);));
                }
                Stage::Take(n) => {
                    let taken = self.name("len");
                    self.setup.extend(quote_spanned!(span=>
                        let #taken = if #len < #n { #len } else { #n };
                    ));
                    len = taken.to_token_stream();
                    code.extend(quote_spanned!(span=> let #next = #item;));
                }
                Stage::Filter(p) => return Err(filter_before_zip(p)),
                Stage::Skip(p) | Stage::StepBy(p) | Stage::Rev(p) => return Err(FrontError::new(
                    *p,
                    "this adapter before a `zip` is not supported",
                )
                .hint("zip first, then adapt the pairs; `skip(n)` may come right after `iter()`")),
            }
            item = next;
        }
        Ok((len, code, item))
    }

    /// The loop over `chain` (labelled `label`), whose body, given the item's name, is `body`.
    fn walk(
        &mut self,
        chain: &Chain,
        label: Option<&syn::Label>,
        body: impl FnOnce(&mut Gen, &syn::Ident) -> R<TokenStream>,
    ) -> R<TokenStream> {
        let span = self.span;
        // Walked by index up to the last `zip`; the adapters after it run on each item.
        let last_zip = chain
            .stages
            .iter()
            .rposition(|s| matches!(s, Stage::Zip(_)));
        // `rev()` is walked by index too, with the positions picked before it.
        let rev = chain.stages.iter().position(|s| matches!(s, Stage::Rev(_)));
        let by_index = last_zip.map(|z| z + 1).max(rev.map(|r| r + 1));
        let (head, rest) = chain.stages.split_at(by_index.unwrap_or(0));
        // Checks before the iteration pulls its item (`take`).
        let mut top = TokenStream::new();
        let (header, mut code, mut item) = if by_index.is_some() {
            let k = self.name("k");
            let (len, code, item) = self.indexed(chain.source, head, &k)?;
            (quote_spanned!(span=> for #k in 0..#len), code, item)
        } else {
            let v = self.name("item");
            let header = match chain.source {
                Source::Array(a) => {
                    let a = self.array(a);
                    quote_spanned!(span=> for &#v in #a.iter())
                }
                Source::Range(r) | Source::Lanes(r) => quote_spanned!(span=> for #v in #r),
            };
            (header, TokenStream::new(), v)
        };
        for stage in rest {
            let next = self.name("item");
            match stage {
                Stage::Map(f) => {
                    let call = self.call(f, item.to_token_stream());
                    code.extend(quote_spanned!(span=> let #next = #call;));
                }
                Stage::Filter(p) => {
                    let call = self.call(p, item.to_token_stream());
                    code.extend(
                        quote_spanned!(span=> if !(#call) { continue; } let #next = #item;),
                    );
                }
                Stage::Enumerate => {
                    let count = self.name("count");
                    self.setup
                        .extend(quote_spanned!(span=> let mut #count: usize = 0;));
                    code.extend(quote_spanned!(span=> let #next = (#count, #item); #count += 1;));
                }
                Stage::Skip(n) => {
                    let (n_n, c) = (self.name("n"), self.name("count"));
                    self.setup.extend(
                        quote_spanned!(span=> let #n_n: usize = #n; let mut #c: usize = 0;),
                    );
                    code.extend(quote_spanned!(span=>
                        if #c < #n_n { #c += 1; continue; }
                        let #next = #item;
                    ));
                }
                Stage::Take(n) => {
                    // Checked before the item is pulled, as `Take` stops pulling after `n`.
                    let (n_n, c) = (self.name("n"), self.name("count"));
                    self.setup.extend(
                        quote_spanned!(span=> let #n_n: usize = #n; let mut #c: usize = 0;),
                    );
                    top.extend(quote_spanned!(span=> if #c >= #n_n { break; }));
                    code.extend(quote_spanned!(span=> #c += 1; let #next = #item;));
                }
                Stage::StepBy(k) => {
                    let (k_n, c) = (self.name("n"), self.name("count"));
                    let step_zero = syn::LitStr::new("assertion failed: step != 0", span);
                    self.setup.extend(quote_spanned!(span=>
                        let #k_n: usize = #k;
                        assert!(#k_n != 0, #step_zero);
                        let mut #c: usize = 0;
                    ));
                    code.extend(quote_spanned!(span=>
                        let __rumba_keep = #c % #k_n == 0;
                        #c += 1;
                        if !__rumba_keep { continue; }
                        let #next = #item;
                    ));
                }
                Stage::Rev(_) | Stage::Zip(_) => unreachable!("walked by index above"),
            }
            item = next;
        }
        code.extend(body(self, &item)?);
        Ok(quote_spanned!(span=> #label #header { #top #code }))
    }
}

/// `x.iter_mut().for_each(|v| body)` (also `.enumerate()`d) as the walk it is,
/// `for v in x.iter_mut() { body }`; `None` for any other call.
pub(super) fn for_each_mut(mc: &syn::ExprMethodCall) -> Option<syn::Expr> {
    let walk = &mc.receiver;
    let mutable = |e: &syn::Expr| matches!(strip_parens(e), syn::Expr::MethodCall(m) if m.method == "iter_mut" && m.args.is_empty());
    let ok = match strip_parens(walk) {
        syn::Expr::MethodCall(m) if m.method == "enumerate" && m.args.is_empty() => {
            mutable(&m.receiver)
        }
        e => mutable(e),
    };
    let [syn::Expr::Closure(c)] = &mc.args.iter().collect::<Vec<_>>()[..] else {
        return None;
    };
    if mc.method != "for_each" || !ok || c.inputs.len() != 1 {
        return None;
    }
    // A closure parameter's type (`|v: &mut f64|`) has no place in a `for` pattern.
    let pat = match &c.inputs[0] {
        syn::Pat::Type(t) => &*t.pat,
        p => p,
    };
    let body = &c.body;
    Some(syn::parse_quote_spanned!(mc.method.span()=> for #pat in #walk { #body; }))
}

/// The block a consumed chain is: `{ setup; loop; accumulator }` (no value for `for_each`).
pub(super) fn consume(mc: &syn::ExprMethodCall) -> R<syn::Expr> {
    let chain = parse(&mc.receiver).expect("checked by `is_consumer`");
    let name = mc.method.to_string();
    let mut g = Gen::new(mc.method.span());
    let span = g.span;
    let acc = g.name("acc");
    let args: Vec<&syn::Expr> = mc.args.iter().collect();
    let arity = |n: usize| -> R<()> {
        if args.len() == n {
            return Ok(());
        }
        Err(FrontError::new(
            mc,
            format!(
                "`{name}` takes {n} argument{}",
                if n == 1 { "" } else { "s" }
            ),
        ))
    };
    let turbofish = match &mc.turbofish {
        Some(t) if matches!(name.as_str(), "sum" | "product") => {
            let ty = t.args.to_token_stream();
            quote_spanned!(span=> : #ty)
        }
        Some(t) if name == "collect" => {
            // `Vec<T>`, `Array1<T>`: a 1-D array of `T` (`_`: inferred).
            let elem = match t.args.iter().collect::<Vec<_>>()[..] {
                [syn::GenericArgument::Type(syn::Type::Path(p))] => {
                    let last = p
                        .path
                        .segments
                        .last()
                        .filter(|s| s.ident == "Vec" || s.ident == "Array1");
                    match last.map(|s| &s.arguments) {
                        Some(syn::PathArguments::AngleBracketed(a)) => a.args.first().cloned(),
                        _ => None,
                    }
                }
                _ => None,
            };
            let Some(elem) = elem else {
                return Err(FrontError::new(t, "`collect` makes a `Vec<T>` or an `Array1<T>` in kernels")
                    .hint("write `.collect::<Vec<f64>>()` or annotate `let y: Array1<f64> = ..collect();`"));
            };
            quote_spanned!(span=> ::<#elem>)
        }
        Some(t) => {
            return Err(FrontError::new(
                t,
                format!("turbofish `::<>` is not supported on `{name}`"),
            ))
        }
        None => TokenStream::new(),
    };
    let body = |g: &mut Gen, it: &syn::Ident| -> R<TokenStream> {
        Ok(match name.as_str() {
            "sum" | "product" => {
                arity(0)?;
                let (start, op) = match name.as_str() {
                    "sum" => (quote!(__rumba_identity_sum), quote!(+)),
                    _ => (quote!(__rumba_identity_product), quote!(*)),
                };
                g.setup
                    .extend(quote_spanned!(span=> let mut #acc #turbofish = #start;));
                quote_spanned!(span=> #acc = #acc #op #it;)
            }
            "fold" => {
                arity(2)?;
                let init = args[0];
                g.setup.extend(quote_spanned!(span=> let mut #acc = #init;));
                let call = g.call(args[1], quote_spanned!(span=> #acc, #it));
                quote_spanned!(span=> #acc = #call;)
            }
            "count" => {
                arity(0)?;
                g.setup
                    .extend(quote_spanned!(span=> let mut #acc: usize = 0;));
                quote_spanned!(span=> #acc += 1;)
            }
            "min" | "max" => {
                arity(0)?;
                g.setup.extend(quote_spanned!(span=> let mut #acc = None;));
                let best = g.name("best");
                // std needs `Ord` (no floats), keeps the first of equal items for `min` and the
                // last for `max`.
                let ord = syn::Ident::new(crate::ir::REQUIRE_ORD, span);
                let better = match name.as_str() {
                    "min" => quote_spanned!(span=> #it.#ord() < #best),
                    _ => quote_spanned!(span=> #it.#ord() >= #best),
                };
                quote_spanned!(span=>
                    #acc = if let Some(#best) = #acc {
                        if #better { Some(#it) } else { Some(#best) }
                    } else {
                        Some(#it)
                    };
                )
            }
            "max_by_key" | "min_by_key" | "max_by" | "min_by" => {
                arity(1)?;
                g.setup.extend(quote_spanned!(span=> let mut #acc = None;));
                let best = g.name("best");
                let (x, y) = (g.name("x"), g.name("y"));
                // std: `max_by` keeps the current best only when it compares greater than the
                // new item (so the last of equals wins), `min_by` unless it compares greater.
                let (compare, nan_panics) = if name.ends_with("_key") {
                    let kb = g.call(args[0], best.to_token_stream());
                    let ki = g.call(args[0], it.to_token_stream());
                    (quote_spanned!(span=> let #x = #kb; let #y = #ki;), false)
                } else {
                    let (pair, order) = comparison(args[0])?;
                    let partial = order == Order::Partial;
                    let f = g.name("f");
                    g.setup.extend(quote_spanned!(span=> let mut #f = #pair;));
                    (
                        quote_spanned!(span=> let (#x, #y) = #f(#best, #it);),
                        partial,
                    )
                };
                let unwrap = syn::LitStr::new("called `Option::unwrap()` on a `None` value", span);
                let nan = nan_panics.then(|| {
                    quote_spanned!(span=>
                        if !(#x < #y || #x == #y || #x > #y) {
                            let __rumba_none: Option<u8> = None;
                            __rumba_none.expect(#unwrap);
                        }
                    )
                });
                let keep = if name.starts_with("max") {
                    quote_spanned!(span=> #x > #y)
                } else {
                    quote_spanned!(span=> !(#x > #y))
                };
                // The first item is the best so far; the `Option`'s type is known before the
                // comparator reads the best one's fields.
                quote_spanned!(span=>
                    if #acc.is_none() {
                        #acc = Some(#it);
                    } else {
                        let #best = #acc.unwrap_or(#it);
                        #compare
                        #nan
                        if !(#keep) {
                            #acc = Some(#it);
                        }
                    }
                )
            }
            "any" | "all" | "position" | "find" => {
                arity(1)?;
                let test = g.call(args[0], it.to_token_stream());
                match name.as_str() {
                    "any" => {
                        g.setup.extend(quote_spanned!(span=> let mut #acc = false;));
                        quote_spanned!(span=> if #test { #acc = true; break; })
                    }
                    "all" => {
                        g.setup.extend(quote_spanned!(span=> let mut #acc = true;));
                        quote_spanned!(span=> if !(#test) { #acc = false; break; })
                    }
                    "find" => {
                        g.setup.extend(quote_spanned!(span=> let mut #acc = None;));
                        quote_spanned!(span=> if #test { #acc = Some(#it); break; })
                    }
                    _ => {
                        let pos = g.name("pos");
                        g.setup.extend(quote_spanned!(span=>
                            let mut #acc = None;
                            let mut #pos: usize = 0;
                        ));
                        quote_spanned!(span=> if #test { #acc = Some(#pos); break; } #pos += 1;)
                    }
                }
            }
            // After a `filter`, or from views, the items are pushed onto a growable vector
            // (`growable` rewrites the block this makes, as it would a `Vec::new()` the user
            // pushes onto).
            "collect" if chain.filters() || matches!(chain.source, Source::Lanes(_)) => {
                arity(0)?;
                g.setup
                    .extend(quote_spanned!(span=> let mut #acc = Vec #turbofish ::new();));
                quote_spanned!(span=> #acc.push(#it);)
            }
            "collect" => {
                arity(0)?;
                let len = g.length(&chain)?;
                let k = g.name("k");
                g.setup.extend(quote_spanned!(span=>
                    let mut #acc = Array1 #turbofish ::zeros(#len);
                    let mut #k: usize = 0;
                ));
                quote_spanned!(span=> #acc[#k] = #it; #k += 1;)
            }
            _ => {
                arity(1)?;
                let call = g.call(args[0], it.to_token_stream());
                quote_spanned!(span=> #call;)
            }
        })
    };
    let walk = g.walk(&chain, None, body)?;
    let setup = &g.setup;
    let value = (name != "for_each").then(|| acc.to_token_stream());
    Ok(syn::parse_quote_spanned!(span=> { #setup #walk #value }))
}

/// `for pat in chain { body }` as the loop over the chain's items, each bound to `pat` (its
/// `&` patterns dropped: items are values).
pub(super) fn for_loop(f: &syn::ExprForLoop) -> R<syn::Expr> {
    let chain = parse(&f.expr).expect("checked by `is_adapted`");
    let mut g = Gen::new(f.expr.span());
    let span = g.span;
    let pat = values(&f.pat);
    let user = &f.body;
    let walk = g.walk(&chain, f.label.as_ref(), |_, it| {
        Ok(quote_spanned!(span=> let #pat = #it; #user))
    })?;
    let setup = &g.setup;
    super::syntax::reparse(quote_spanned!(span=> { #setup #walk }), f)
}

/// Which order a comparator compares in.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum Order {
    /// `partial_cmp(..).unwrap()`: a NaN panics.
    Partial,
    /// `total_cmp`: floats, in IEEE 754's total order.
    Total,
    /// `cmp`: integers.
    Cmp,
}

/// The comparator of `max_by` / `min_by` / `sort_by` as a closure giving the two values it
/// compares: `|a, b| X.partial_cmp(Y).unwrap()` (also `&Y`), `|a, b| X.cmp(Y)` (integers) as
/// `|a, b| (X, Y)`, `|a, b| X.total_cmp(Y)` as the pair of their total-order keys; a path
/// (`f64::total_cmp`, `Ord::cmp`) as the closure calling it.
pub(super) fn comparison(f: &syn::Expr) -> R<(syn::Expr, Order)> {
    let bad = || {
        FrontError::new(f, "unsupported comparator")
            .hint("compare with `|a, b| a.partial_cmp(b).unwrap()`, `a.total_cmp(b)` (or `f64::total_cmp`) or `a.cmp(b)`, or use `max_by_key`")
    };
    // A method named by its path (`f64::total_cmp`, `Ord::cmp`, `std::cmp::Ord::cmp`) is the
    // closure calling it.
    if let syn::Expr::Path(p) = strip_parens(f) {
        let method = p.path.segments.last().filter(|_| p.path.segments.len() > 1);
        if let Some(method) = method {
            if method.arguments.is_none() && (method.ident == "total_cmp" || method.ident == "cmp")
            {
                let m = &method.ident;
                let closure: syn::Expr = syn::parse_quote_spanned!(m.span()=>
                    |__rumba_l, __rumba_r| __rumba_l.#m(__rumba_r)
                );
                return comparison(&closure);
            }
        }
    }
    let syn::Expr::Closure(c) = strip_parens(f) else {
        return Err(bad());
    };
    let mut body = strip_parens(&c.body);
    if let syn::Expr::Block(b) = body {
        match &b.block.stmts[..] {
            [syn::Stmt::Expr(e, None)] => body = strip_parens(e),
            _ => return Err(bad()),
        }
    }
    let (call, order) = match body {
        syn::Expr::MethodCall(u) if u.method == "unwrap" && u.args.is_empty() => {
            match strip_parens(&u.receiver) {
                syn::Expr::MethodCall(m) if m.method == "partial_cmp" => (m, Order::Partial),
                _ => return Err(bad()),
            }
        }
        syn::Expr::MethodCall(m) if m.method == "cmp" => (m, Order::Cmp),
        syn::Expr::MethodCall(m) if m.method == "total_cmp" => (m, Order::Total),
        _ => return Err(bad()),
    };
    let [y] = &call.args.iter().collect::<Vec<_>>()[..] else {
        return Err(bad());
    };
    let y = match strip_parens(y) {
        syn::Expr::Reference(r) => &*r.expr,
        y => y,
    };
    let x = &call.receiver;
    let inputs = &c.inputs;
    if order == Order::Total {
        // IEEE 754's total order as the order of unsigned keys, whatever the float's width: a
        // negative number's bits flipped, a positive one's with the sign bit set.
        let key = |v: &syn::Expr| -> TokenStream {
            quote!({
                let __rumba_v = #v;
                let __rumba_u = __rumba_v.to_bits();
                if __rumba_v.is_sign_negative() {
                    !__rumba_u
                } else {
                    __rumba_u | !(!(__rumba_u ^ __rumba_u) >> 1)
                }
            })
        };
        let (kx, ky) = (key(x), key(y));
        return Ok((syn::parse_quote!(|#inputs| (#kx, #ky)), order));
    }
    Ok((syn::parse_quote!(|#inputs| (#x, #y)), order))
}

/// `p` with every `&` pattern replaced by what it matches (`(i, &v)` binds `(i, v)`).
pub(super) fn values(p: &syn::Pat) -> syn::Pat {
    match p {
        syn::Pat::Reference(r) => values(&r.pat),
        syn::Pat::Paren(q) => values(&q.pat),
        syn::Pat::Tuple(t) => {
            let mut t = t.clone();
            for e in t.elems.iter_mut() {
                *e = values(e);
            }
            syn::Pat::Tuple(t)
        }
        p => p.clone(),
    }
}
