"""Turns the JSON lines of rumba-bench and numba_kernels.py into bench.sh's table.

Keeps the best time of each (kernel, implementation) over all rounds and processes, and writes
<out>/latest.md, <out>/latest.json and <out>/ratios.svg. Standard library only.

    python3 report.py RAW.jsonl --out DIR
"""
import json
import math
import sys
from pathlib import Path

KERNELS = ["saxpy", "dot", "dot_fastmath", "sum_ndarray", "dot_ndarray", "mandelbrot",
           "mandelbrot_complex", "mandelbrot_numba", "jacobi2d", "pairwise", "matmul", "matmul_2048", "matmul_dot",
           "black_scholes",
           "black_scholes_fastmath", "histogram", "cumsum", "chain", "selu", "sq_dist", "softmax_rows",
           "standardize_rows", "black_scholes_expr", "affine_new",
           "affine_into", "kmeans_d4", "kmeans_d8", "kmeans_d16", "floyd_warshall", "nbody", "blur5",
           "bubble_sort", "insertion_rows", "searchsorted", "scan_numbers", "median_sort", "running_max", "smooth3", "sum_last",
           "conv5", "digit_sums",
           "dot_par", "histogram_par", "mandelbrot_par", "matmul_par", "black_scholes_par"]
IMPLS = ["rumba", "numba", "rust"]
# The fusion rows (issue 15) with all their sides: rumba's fused expression, the same with a
# named temporary, rumba's hand loop and `vectorize` ufunc, ndarray's expression, Numba's NumPy
# expression, hand loop and `@vectorize` ufunc, JAX's `jit`; GB/s as a share of the best
# streaming kernel of the run.
FUSION = ["chain", "selu", "sq_dist", "softmax_rows", "standardize_rows", "black_scholes_expr"]
FUSION_SIDES = ["rumba", "rumba_fastmath", "rumba_unfused", "rumba_loop", "rumba_vectorize", "rust", "numba", "numba_loop",
                "numba_vectorize", "jax"]
STREAMING = ["saxpy", "affine_into", "cumsum"]
# The first-call cases (`rumba-bench latency`, `numba_kernels.py latency`), in bench.sh's order.
LATENCY = ["saxpy", "black_scholes", "kmeans", "nbody", "blur5", "mandelbrot", "floyd_warshall"]
# rumba's stages, as `rumba-bench latency` names them (`rumba::Step`), shown for the cold calls.
STAGES = ["lower", "types", "passes", "emit", "optimize", "codegen", "load"]


def load(path, speedups=None):
    """Reads raw.jsonl; `speedups` (a dict), when given, receives the `prange` speed-ups."""
    times, latency, overhead = {}, {}, {}
    for line in Path(path).read_text().splitlines():
        line = line.strip()
        if not line.startswith("{"):
            continue
        r = json.loads(line)
        if r["kind"] == "time":
            key = (r["kernel"], r["impl"])
            if key not in times or r["ms"] < times[key]["ms"]:
                times[key] = r
        elif r["kind"] == "latency" and "after" not in r:  # "after": not a fresh process
            key = (r["kernel"], r["impl"], r.get("cache", "cold"))
            if key not in latency or r["compile_ms"] < latency[key]["compile_ms"]:
                latency[key] = r
        elif r["kind"] == "speedup" and speedups is not None:
            if r["kernel"] not in speedups or r["parallel_ms"] < speedups[r["kernel"]]["parallel_ms"]:
                speedups[r["kernel"]] = r
        elif r["kind"] == "overhead":
            key = (r["case"], r["impl"])
            if key not in overhead or r["ns"] < overhead[key]["ns"]:
                overhead[key] = r
    return times, latency, overhead


def fmt(v, spec=".2f"):
    return "-" if v is None else format(v, spec)


def table(times, latency, overhead):
    rows = []
    for k in KERNELS:
        t = {i: times.get((k, i)) for i in IMPLS}
        if not t["rumba"]:
            continue
        ms = {i: (t[i]["ms"] if t[i] else None) for i in IMPLS}
        best_gbs = max((t[i]["gbs"] for i in IMPLS if t[i] and t[i].get("gbs")), default=None)
        rows.append({
            "kernel": k,
            "size": t["rumba"]["size"],
            "rumba_ms": ms["rumba"],
            "numba_ms": ms["numba"],
            "rust_ms": ms["rust"],
            "rumba_over_numba": ms["rumba"] / ms["numba"] if ms["numba"] else None,
            "rumba_over_rust": ms["rumba"] / ms["rust"] if ms["rust"] else None,
            "rumba_gbs": t["rumba"].get("gbs"),
            "best_gbs": best_gbs,
        })
    speedups = [r["numba_ms"] / r["rumba_ms"] for r in rows if r["numba_ms"]]
    geo = math.exp(sum(map(math.log, speedups)) / len(speedups)) if speedups else None
    lat = []
    for k in LATENCY:
        row = {"kernel": k, **{f"{i}_{c}_ms": (latency[(k, i, c)]["compile_ms"] if (k, i, c) in latency else None)
                               for i in ("rumba", "numba") for c in ("cold", "warm")}}
        cold = latency.get((k, "rumba", "cold"), {})
        row["rumba_cold_cpu_ms"] = cold.get("compile_cpu_ms")
        row["rumba_cold_stages_ms"] = cold.get("stages_ms", {})
        if row["rumba_cold_ms"] is not None or row["numba_cold_ms"] is not None:
            lat.append(row)
    # Wall ns, and the calling thread's CPU ns where the side measured it (rumba's).
    ovh = [{"case": c,
            **{f"{i}_{unit}": overhead.get((c, i), {}).get(unit) for i in ("rumba", "rumba_typed", "numba")
               for unit in ("ns", "cpu_ns")}}
           for c in ("saxpy_1", "add_scalars")]
    return rows, geo, lat, ovh


def markdown(rows, geo, lat, ovh, speedups=None):
    out = ["| kernel | size | rumba ms | Numba ms | Rust ms | rumba/Numba | rumba/Rust | rumba GB/s | best GB/s |",
           "|---|---|---:|---:|---:|---:|---:|---:|---:|"]
    for r in rows:
        out.append(f"| {r['kernel']} | {r['size']} | {fmt(r['rumba_ms'], '.3f')} | {fmt(r['numba_ms'], '.3f')} | "
                   f"{fmt(r['rust_ms'], '.3f')} | {fmt(r['rumba_over_numba'])} | {fmt(r['rumba_over_rust'])} | "
                   f"{fmt(r['rumba_gbs'], '.1f')} | {fmt(r['best_gbs'], '.1f')} |")
    out.append("")
    out.append(f"Geometric mean speed-up of rumba over Numba: {fmt(geo)}x (ratios below 1.00 mean rumba is faster).")
    out.append("")
    out.append("| first call: compile (or cache load) time | rumba cold ms | rumba cold CPU ms | rumba warm ms | "
               "Numba cold ms | Numba warm ms | rumba cold by stage, ms (" + ", ".join(STAGES) + ") |")
    out.append("|---|---:|---:|---:|---:|---:|---|")
    for l in lat:
        stages = " / ".join(fmt(l["rumba_cold_stages_ms"].get(st), ".1f") for st in STAGES)
        out.append(f"| {l['kernel']} | {fmt(l['rumba_cold_ms'], '.1f')} | {fmt(l['rumba_cold_cpu_ms'], '.1f')} | "
                   f"{fmt(l['rumba_warm_ms'], '.2f')} | {fmt(l['numba_cold_ms'], '.1f')} | "
                   f"{fmt(l['numba_warm_ms'], '.1f')} | {stages} |")
    out.append("")
    out.append("| per-call overhead | rumba ns | rumba CPU ns | rumba typed handle ns | typed handle CPU ns | Numba ns |")
    out.append("|---|---:|---:|---:|---:|---:|")
    for o in ovh:
        out.append(f"| {o['case']} | {fmt(o['rumba_ns'], '.1f')} | {fmt(o['rumba_cpu_ns'], '.1f')} | "
                   f"{fmt(o['rumba_typed_ns'], '.1f')} | {fmt(o['rumba_typed_cpu_ns'], '.1f')} | "
                   f"{fmt(o['numba_ns'], '.1f')} |")
    if speedups:
        out.append("")
        out.append("| `prange` kernel | threads | rumba serial ms | rumba parallel ms | speed-up |")
        out.append("|---|---:|---:|---:|---:|")
        for k, r in sorted(speedups.items()):
            out.append(f"| {k} | {r['threads']} | {fmt(r['serial_ms'], '.3f')} | {fmt(r['parallel_ms'], '.3f')} | "
                       f"{fmt(r['speedup'])}x |")
    return "\n".join(out) + "\n"


def fusion(times):
    """The fusion table (empty when the run has none of its rows)."""
    rows = [k for k in FUSION if (k, "rumba") in times]
    if not rows:
        return ""
    streams = [(t["gbs"], k) for (k, i), t in times.items() if k in STREAMING and t.get("gbs")]
    stream, by = max(streams, default=(None, None))
    sides = [i for i in FUSION_SIDES if any((k, i) in times for k in rows)]
    out = ["| fusion row | size | " + " | ".join(f"{i} ms" for i in sides) + " |",
           "|---|---|" + "---:|" * len(sides)]
    for k in rows:
        cells = []
        for i in sides:
            t = times.get((k, i))
            share = f" ({t['gbs'] / stream:.0%})" if t and stream and t.get("gbs") else ""
            cells.append(f"{t['ms']:.1f}{share}" if t else "-")
        out.append(f"| {k} | {times[(k, 'rumba')]['size']} | " + " | ".join(cells) + " |")
    out.append("")
    if stream:
        out.append(f"(In brackets: GB/s as a share of the best streaming kernel of the run, {by} at {stream:.1f} GB/s.)")
    return "\n".join(out) + "\n"


def peak_table(times):
    """matmul against the core's FMA peak (its `peak` side: the same number of operations as
    fused multiply-adds on registers only) and numpy's BLAS (empty when the run has no matmul)."""
    out = []
    for k in ["matmul", "matmul_2048"]:
        peak = times.get((k, "peak"))
        if not peak or (k, "rumba") not in times:
            continue
        sides = [i for i in ["rumba", "rumba_fastmath", "numba", "numba_fastmath", "rust", "blas"]
                 if (k, i) in times]
        out += ["| " + k + " " + times[(k, "rumba")]["size"] + " | " + " | ".join(sides) + " | peak |",
                "|---|" + "---:|" * (len(sides) + 1),
                "| ms | " + " | ".join(f"{times[(k, i)]['ms']:.2f}" for i in sides) + f" | {peak['ms']:.2f} |",
                "| share of peak | " + " | ".join(f"{peak['ms'] / times[(k, i)]['ms']:.0%}" for i in sides)
                + " | 100% |", ""]
    return "\n".join(out) + "\n" if out else ""


def svg(rows):
    """Horizontal bars of rumba's time relative to Numba and to plain Rust (1.0 = equal)."""
    w, bar, gap, left = 720, 10, 8, 190
    h = 40 + len(rows) * (2 * bar + gap) + 30
    scale = (w - left - 40) / 2.0  # ratio 2.0 spans the chart
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="{h}" font-family="sans-serif" font-size="11">',
             f'<text x="{left}" y="16">rumba time / other time (shorter is better for rumba; line = 1.0)</text>',
             '<rect x="10" y="24" width="10" height="10" fill="#3b7dd8"/><text x="24" y="33">vs Numba</text>',
             '<rect x="90" y="24" width="10" height="10" fill="#e07b39"/><text x="104" y="33">vs Rust</text>']
    y = 44
    for r in rows:
        parts.append(f'<text x="{left - 6}" y="{y + bar + 3}" text-anchor="end">{r["kernel"]}</text>')
        for ratio, color in ((r["rumba_over_numba"], "#3b7dd8"), (r["rumba_over_rust"], "#e07b39")):
            if ratio is not None:
                bw = min(ratio, 2.0) * scale
                parts.append(f'<rect x="{left}" y="{y}" width="{bw:.1f}" height="{bar}" fill="{color}"/>')
                parts.append(f'<text x="{left + bw + 4:.1f}" y="{y + bar - 1}">{ratio:.2f}</text>')
            y += bar
        y += gap
    x1 = left + scale
    parts.append(f'<line x1="{x1}" y1="40" x2="{x1}" y2="{y}" stroke="#333" stroke-dasharray="4,3"/>')
    parts.append("</svg>")
    return "\n".join(parts) + "\n"


def main():
    raw = sys.argv[1]
    out = Path(sys.argv[sys.argv.index("--out") + 1]) if "--out" in sys.argv else Path(".")
    out.mkdir(parents=True, exist_ok=True)
    speedups = {}
    times, latency, overhead = load(raw, speedups)
    rows, geo, lat, ovh = table(times, latency, overhead)
    md = markdown(rows, geo, lat, ovh, speedups) + "\n" + fusion(times) + "\n" + peak_table(times)
    (out / "latest.md").write_text(md)
    (out / "latest.json").write_text(json.dumps({"kernels": rows, "geomean_speedup_over_numba": geo, "latency": lat, "overhead": ovh,
                                                 "prange_speedups": speedups}, indent=2) + "\n")
    (out / "ratios.svg").write_text(svg(rows))
    print(md)


if __name__ == "__main__":
    main()
