#!/usr/bin/env python3
"""The classical sparse-feature pipeline on a 7-Scenes-layout folder (what `dsac synth` writes), as the reference
the scene-coordinate pipeline is compared with: OpenCV SIFT on the training frames, each keypoint lifted to 3D
with its depth and pose; per test frame, FLANN 2-NN matches with Lowe's ratio test and OpenCV's P3P RANSAC.
Prints and writes (--json) the summary keys of `dsac test --json`.

    .venv-peers/bin/python Benchmarks/peers/sift_baseline.py --dataset room [--features 1500] [--train-step 2]
        [--ratio 0.8] [--iterations 1000] [--threshold 8] [--json FILE]
"""
import argparse
import glob
import json
import os
import time

import cv2
import numpy as np


def frames(root, sequence):
    return sorted(glob.glob(os.path.join(root, sequence, "frame-*.color.png")))


def world_from_cam(colour_file):
    return np.loadtxt(colour_file.replace(".color.png", ".pose.txt"))


def lift(points, colour_file, K):
    """Keypoints (N × 2 pixels) to world points with the frame's depth (mm PNG) and pose; and which are valid."""
    depth = cv2.imread(colour_file.replace(".color.png", ".depth.png"), cv2.IMREAD_UNCHANGED).astype(np.float64) / 1e3
    u = np.round(points[:, 0]).astype(int).clip(0, depth.shape[1] - 1)
    v = np.round(points[:, 1]).astype(int).clip(0, depth.shape[0] - 1)
    z = depth[v, u]
    x = (points[:, 0] - K[0, 2]) / K[0, 0] * z
    y = (points[:, 1] - K[1, 2]) / K[1, 1] * z
    camera = np.stack([x, y, z, np.ones_like(z)], 1)
    return (world_from_cam(colour_file) @ camera.T).T[:, :3], (z > 0.1) & (z < 10)


def pose_error(rvec, tvec, truth_world_from_cam):
    R, _ = cv2.Rodrigues(rvec)
    truth = np.linalg.inv(truth_world_from_cam)
    angle = np.degrees(np.arccos(np.clip((np.trace(R @ truth[:3, :3].T) - 1) / 2, -1, 1)))
    centre = -R.T @ tvec.reshape(3)
    return angle, 100 * np.linalg.norm(centre - truth_world_from_cam[:3, 3])


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--dataset", required=True)
    ap.add_argument("--features", type=int, default=1500)
    ap.add_argument("--train-step", type=int, default=2, help="use every N-th training frame")
    ap.add_argument("--ratio", type=float, default=0.8)
    ap.add_argument("--iterations", type=int, default=1000)
    ap.add_argument("--threshold", type=float, default=8.0, help="RANSAC inlier threshold, pixels")
    ap.add_argument("--json")
    a = ap.parse_args()
    cv2.setRNGSeed(1)
    K = np.loadtxt(os.path.join(a.dataset, "camera-intrinsics.txt"))
    sift = cv2.SIFT_create(nfeatures=a.features)
    descriptors, points = [], []
    for f in frames(a.dataset, "seq-01")[:: a.train_step]:
        keypoints, d = sift.detectAndCompute(cv2.imread(f, cv2.IMREAD_GRAYSCALE), None)
        if d is None:
            continue
        world, ok = lift(np.array([k.pt for k in keypoints]), f, K)
        descriptors.append(d[ok])
        points.append(world[ok])
    descriptors, points = np.concatenate(descriptors), np.concatenate(points)
    matcher = cv2.FlannBasedMatcher(dict(algorithm=1, trees=4), dict(checks=64))
    matcher.add([descriptors])
    matcher.train()
    results = []
    for f in frames(a.dataset, "seq-02"):
        start = time.perf_counter()
        keypoints, d = sift.detectAndCompute(cv2.imread(f, cv2.IMREAD_GRAYSCALE), None)
        error, inliers = (1e9, 1e9), 0
        if d is not None and len(keypoints) >= 6:
            good = [(m.queryIdx, m.trainIdx) for m, n in matcher.knnMatch(d, k=2) if m.distance < a.ratio * n.distance]
            if len(good) >= 6:
                image = np.array([keypoints[i].pt for i, _ in good])
                world = points[[j for _, j in good]]
                ok, rvec, tvec, inl = cv2.solvePnPRansac(world, image, K, None, iterationsCount=a.iterations,
                                                         reprojectionError=a.threshold, flags=cv2.SOLVEPNP_P3P)
                if ok and inl is not None:
                    error, inliers = pose_error(rvec, tvec, world_from_cam(f)), len(inl)
        results.append(dict(name=os.path.basename(f), rot_err_deg=error[0], trans_err_cm=error[1], inliers=inliers,
                            ms_total=1e3 * (time.perf_counter() - start)))
    r = np.array([x["rot_err_deg"] for x in results])
    t = np.array([x["trans_err_cm"] for x in results])
    summary = dict(frames=len(results), database_features=len(points),
                   pct_within_5cm_5deg=100 * np.mean((r <= 5) & (t <= 5)),
                   pct_within_2cm_2deg=100 * np.mean((r <= 2) & (t <= 2)),
                   pct_within_1cm_1deg=100 * np.mean((r <= 1) & (t <= 1)),
                   median_rot_deg=float(np.median(r)), median_trans_cm=float(np.median(t)),
                   median_ms_total=float(np.median([x["ms_total"] for x in results])))
    print(json.dumps(summary))
    if a.json:
        with open(a.json, "w") as out:
            json.dump(dict(summary=summary, frames=results), out, indent=1)


if __name__ == "__main__":
    main()
