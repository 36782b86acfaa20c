"""Reference for tests/metrics/test_reference.cpp: the geometry and translation metrics computed with
numpy and sklearn on the embeddings the test wrote.

usage: ref_metrics.py IN_FILE OUT_FILE [--k 3]
IN_FILE (safetensors, float64 unless said): x [N, E], labels int64 [N] (label k is the string "w<k>"),
test [M, E], test_labels int64 [M].
OUT_FILE (safetensors): pca_points [N, k] and pca_ratio [k] (sklearn PCA, full SVD, of x as given),
total_variance, within_class_variance (mean over labels with >= 2 rows), modality_gap (x against test)
(0-dim each, of the L2-normalised rows of x), predicted int64 [M]
(NearestCentroid fitted on x, centroids then L2-normalised, as in me-vgs's translation test).
"""
import argparse

import numpy as np
from safetensors.numpy import load_file, save_file
from sklearn.decomposition import PCA
from sklearn.neighbors import NearestCentroid


def unit(x):
    return x / np.linalg.norm(x, axis=1, keepdims=True)


def total_variance(x):
    """me-vgs's compute_var on the unit rows: trace of the covariance, ddof 1."""
    return np.trace(np.cov(unit(x).T))


def nearest_centroid(x, labels, test):
    names = lambda ks: np.array([f"w{k}" for k in ks])
    ncm = NearestCentroid().fit(x, names(labels))
    # sklearn >= 1.5 predicts with class priors unless they are uniform: the test keeps classes balanced.
    assert np.isclose(ncm.class_prior_, 1 / len(ncm.classes_)).all(), "classes must be balanced"
    ncm.centroids_ = unit(ncm.centroids_)
    return np.array([int(name[1:]) for name in ncm.predict(test)], dtype=np.int64)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("input")
    parser.add_argument("output")
    parser.add_argument("--k", type=int, default=3)
    args = parser.parse_args()
    data = load_file(args.input)
    x, labels, test = data["x"], data["labels"], data["test"]

    pca = PCA(n_components=args.k, svd_solver="full").fit(x)
    within = [total_variance(x[labels == k]) for k in np.unique(labels) if (labels == k).sum() >= 2]
    u = unit(x)
    out = {
        "pca_points": pca.transform(x),
        "pca_ratio": pca.explained_variance_ratio_,
        "total_variance": np.array(total_variance(x)),
        "within_class_variance": np.array(np.mean(within)),
        "modality_gap": np.array(np.linalg.norm(u.mean(0) - unit(test).mean(0))),
        "predicted": nearest_centroid(x, labels, test),
    }
    save_file({k: np.array(v, order="C") for k, v in out.items()}, args.output)
    print("pca ratio", pca.explained_variance_ratio_, "total variance", out["total_variance"])


if __name__ == "__main__":
    main()
