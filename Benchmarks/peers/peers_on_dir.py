#!/usr/bin/env python3
"""Time the peers (PoseLib, OpenCV) on a DSACPNP1 problem folder written by anything (peers_bench.py or
`dsac-bench make-problems`), with the same settings as ../shared/peers/peers_bench.py: it imports that script's
reader, methods and metrics rather than repeating them.

    .venv-peers/bin/python Benchmarks/peers/peers_on_dir.py --problems DIR [--methods poselib,cv2_P3P_1t]
        [--reps 3] [--peers ../shared/peers] [--json FILE]
"""
import argparse
import json
import os
import sys
import time

import numpy as np


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--problems", required=True, help="folder with manifest.json and the problem files")
    ap.add_argument("--peers", default=os.path.join(os.path.dirname(__file__), "..", "..", "..", "shared", "peers"))
    ap.add_argument("--methods", default="poselib,cv2_P3P_1t")
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--json")
    args = ap.parse_args()
    sys.path.insert(0, os.path.abspath(args.peers))
    import peers_bench as pb

    manifest = json.load(open(os.path.join(args.problems, "manifest.json")))
    methods = pb.make_methods(argparse.Namespace(usac=False, colmap=False))
    methods = {k: v for k, v in methods.items() if k in set(args.methods.split(","))}
    busy0, own0 = pb.cpu_busy_s(), pb.own_cpu_s()
    rows = {m: {} for m in methods}
    for entry in manifest["problems"]:
        p = pb.read_problem(os.path.join(args.problems, entry["file"]))
        q = pb.prepare(p)
        key = "%.2f" % entry["outlier_fraction"]
        for name, fn in methods.items():
            fn(q)  # warm-up
            ts = []
            for _ in range(args.reps):
                t0 = time.perf_counter()
                R_e, t_e, extra = fn(q)
                ts.append(time.perf_counter() - t0)
            r_deg, t_cm = pb.pose_errors(R_e, None if t_e is None else np.asarray(t_e, float), p["R"], p["t"])
            rows[name].setdefault(key, []).append(
                {"ms": float(np.median(ts)) * 1e3, "r_deg": r_deg, "t_cm": t_cm, "extra": extra})
    results = {m: {k: pb.summarize(v) for k, v in per.items()} for m, per in rows.items()}
    busy1, own1 = pb.cpu_busy_s(), pb.own_cpu_s()
    foreign = None if busy0 is None else max(0.0, (busy1 - busy0) - (own1 - own0))
    print("%-14s %5s %9s %8s %8s %6s" % ("method", "outl", "med ms", "rot deg", "tr cm", "ok %"))
    for name, per in results.items():
        for k in sorted(per):
            s = per[k]
            print("%-14s %5s %9.2f %8.3f %8.2f %6.1f" % (name, k, s["median_ms"], s["median_rot_deg"],
                                                          s["median_trans_cm"], s["pct_within_5cm_5deg"]))
    print("CPU s used by other processes meanwhile: %s" % ("?" if foreign is None else "%.1f" % foreign))
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"problems": args.problems, "ransac": results, "foreign_cpu_s": foreign}, f, indent=1,
                      default=float)


if __name__ == "__main__":
    main()
