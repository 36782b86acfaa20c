"""Reference for t-SNE (tests/metrics/test_tsne.cpp): sklearn's joint probabilities, its exact t-SNE's
final KL divergence, and the trustworthiness of an embedding, on the matrices the test wrote.

usage: ref_tsne.py IN_FILE OUT_FILE
IN_FILE (safetensors, float64):
  x [N, E], perplexity (0-dim), cosine (0-dim, 1: cosine distances, else euclidean)
  -> p [N, N]: squareform(_joint_probabilities(distances, perplexity, 0)) with the distances sklearn's
     TSNE(method='exact') computes (euclidean: squared; cosine: the cosine distance squared)
  with fit (0-dim, 1) also:
  -> kl, kl_barnes_hut (0-dim): TSNE(init='pca', random_state=0, method='exact' / default).kl_divergence_
  -> sklearn_trustworthiness (0-dim): trustworthiness(x, the exact embedding)
  with embedding [N, 2] also:
  -> trustworthiness (0-dim): sklearn.manifold.trustworthiness(x, embedding)
"""
import argparse

import numpy as np
from safetensors.numpy import load_file, save_file
from scipy.spatial.distance import squareform
from sklearn.manifold import TSNE, trustworthiness
from sklearn.manifold._t_sne import _joint_probabilities
from sklearn.metrics import pairwise_distances


def joint(x, perplexity, metric):
    if metric == "euclidean":
        distances = pairwise_distances(x, metric=metric, squared=True)
    else:
        distances = pairwise_distances(x, metric=metric) ** 2
    return squareform(_joint_probabilities(distances, perplexity, 0))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("input")
    parser.add_argument("output")
    args = parser.parse_args()
    data = load_file(args.input)
    x, perplexity = data["x"], float(data["perplexity"])
    metric = "cosine" if int(data["cosine"]) == 1 else "euclidean"
    out = {"p": joint(x, perplexity, metric)}
    if "fit" in data:
        exact = TSNE(init="pca", random_state=0, method="exact", perplexity=perplexity, metric=metric)
        embedding = exact.fit_transform(x)
        out["kl"] = np.array(exact.kl_divergence_)
        out["sklearn_trustworthiness"] = np.array(trustworthiness(x, embedding))
        out["kl_barnes_hut"] = np.array(
            TSNE(init="pca", random_state=0, perplexity=perplexity, metric=metric).fit(x).kl_divergence_)
    if "embedding" in data:
        out["trustworthiness"] = np.array(trustworthiness(x, data["embedding"]))
    save_file({k: np.array(v, dtype=np.float64, order="C") for k, v in out.items()}, args.output)
    print({k: float(v) for k, v in out.items() if np.ndim(v) == 0})


if __name__ == "__main__":
    main()
