"""Reference for the representation-analysis measures (tests/metrics/test_*.cpp): silhouette,
leave-one-out LDA and t-SNE with sklearn, RDMs, Spearman, Pearson and Procrustes with scipy, and
linear CKA (plain and debiased) transcribed in numpy, on the matrices the test wrote.

usage: ref_measures.py IN_FILE OUT_FILE
IN_FILE (safetensors, float64 matrices, int64 labels; label k is the string "w<k>"); each group of
keys present is computed, the others skipped:
  sil_x [N, E], sil_labels [N]  -> sil_{cosine,euclidean}_samples [N], sil_{cosine,euclidean} (0-dim)
  lda_x [N, E], lda_labels [N]  -> lda_predicted int64 [N] (cross_val_predict with LeaveOneOut),
                                   lda_accuracy (0-dim), lda_projection [N, k] (n_components=2, fitted
                                   on all rows)
  cka_x [N, D1], cka_y [N, D2]  -> cka_linear, cka_unbiased (0-dim)
  rsa_x [N, E], rsa_y [N, E]    -> rdm_{correlation,cosine,euclidean} [N, N] (of rsa_x),
                                   rsa_{correlation,cosine,euclidean} (0-dim: spearmanr of the pdist
                                   vectors of rsa_x and rsa_y), rsa_rounded (the same on the correlation
                                   distances rounded to 1 decimal: many ties)
  vec_a [M], vec_b [M]          -> spearman, pearson (0-dim)
  pro_x [N, D], pro_y [N, D]    -> pro_rotation [D, D], pro_residual, pro_disparity (0-dim)
  tsne_x [N, E], tsne_perplexity, tsne_cosine (0-dim; 1: cosine distances, else euclidean)
                                -> tsne_p [N, N]: squareform(_joint_probabilities(distances, perplexity, 0))
                                   of the distances TSNE(method='exact') computes (euclidean: squared;
                                   cosine: the cosine distance squared)
    with tsne_fit (0-dim)       -> tsne_kl, tsne_kl_barnes_hut (0-dim): TSNE(init='pca', random_state=0,
                                   method='exact' / its default).kl_divergence_; tsne_sklearn_trustworthiness
                                   (0-dim): trustworthiness(x, the exact method's embedding)
    with tsne_embedding [N, 2]  -> tsne_trustworthiness (0-dim): trustworthiness(x, embedding)
"""
import argparse

import numpy as np
from safetensors.numpy import load_file, save_file
from scipy.linalg import orthogonal_procrustes
from scipy.spatial import procrustes
from scipy.spatial.distance import pdist, squareform
from scipy.stats import pearsonr, spearmanr
from sklearn.discriminant_analysis import LinearDiscriminantAnalysis
from sklearn.manifold import TSNE, trustworthiness
from sklearn.manifold._t_sne import _joint_probabilities
from sklearn.metrics import pairwise_distances, silhouette_samples, silhouette_score
from sklearn.model_selection import LeaveOneOut, cross_val_predict


def names(labels):
    return np.array([f"w{k}" for k in labels])


def indices(names_):
    return np.array([int(name[1:]) for name in names_], dtype=np.int64)


def silhouettes(x, labels):
    out = {}
    for metric in ("cosine", "euclidean"):
        out[f"sil_{metric}_samples"] = silhouette_samples(x, names(labels), metric=metric)
        out[f"sil_{metric}"] = np.array(silhouette_score(x, names(labels), metric=metric))
    return out


def lda(x, labels):
    y = names(labels)
    predicted = cross_val_predict(LinearDiscriminantAnalysis(), x, y, cv=LeaveOneOut())
    projection = LinearDiscriminantAnalysis(n_components=2).fit(x, y).transform(x)
    return {
        "lda_predicted": indices(predicted),
        "lda_accuracy": np.array(np.mean(predicted == y)),
        "lda_projection": projection,
    }


def linear_cka(x, y):
    """Kornblith et al. 2019, eq. of the feature space form."""
    x = x - x.mean(0)
    y = y - y.mean(0)
    return np.linalg.norm(y.T @ x) ** 2 / (np.linalg.norm(x.T @ x) * np.linalg.norm(y.T @ y))


def hsic1(k, l):
    """Song et al. 2012's unbiased HSIC (Nguyen et al. 2021, eq. 3), on Gram matrices as given."""
    n = k.shape[0]
    k = k.copy()
    l = l.copy()
    np.fill_diagonal(k, 0)
    np.fill_diagonal(l, 0)
    ones = np.ones(n)
    return (np.trace(k @ l) + (ones @ k @ ones) * (ones @ l @ ones) / ((n - 1) * (n - 2))
            - 2 / (n - 2) * ones @ k @ l @ ones) / (n * (n - 3))


def unbiased_cka(x, y):
    """On the raw (uncentred) Gram matrices: the estimator ignores a shift of the rows."""
    k, l = x @ x.T, y @ y.T
    return hsic1(k, l) / np.sqrt(hsic1(k, k) * hsic1(l, l))


def kornblith_debiased_cka(x, y):
    """Kornblith's CKA notebook (center_gram(unbiased=True), cka(debiased=True)): a second route."""
    def center(gram):
        gram = gram.copy()
        n = gram.shape[0]
        np.fill_diagonal(gram, 0)
        means = gram.sum(0) / (n - 2)
        means -= means.sum() / (2 * (n - 1))
        gram -= means[:, None]
        gram -= means[None, :]
        np.fill_diagonal(gram, 0)
        return gram
    k, l = center(x @ x.T), center(y @ y.T)
    return k.ravel() @ l.ravel() / (np.linalg.norm(k) * np.linalg.norm(l))


def ckas(x, y):
    unbiased = unbiased_cka(x, y)
    assert abs(unbiased - kornblith_debiased_cka(x, y)) < 1e-10, "the two debiased CKA routes disagree"
    return {"cka_linear": np.array(linear_cka(x, y)), "cka_unbiased": np.array(unbiased)}


def rsas(x, y):
    out = {}
    for metric in ("correlation", "cosine", "euclidean"):
        out[f"rdm_{metric}"] = squareform(pdist(x, metric))
        out[f"rsa_{metric}"] = np.array(spearmanr(pdist(x, metric), pdist(y, metric)).statistic)
    rounded = [np.round(pdist(m, "correlation"), 1) for m in (x, y)]
    out["rsa_rounded"] = np.array(spearmanr(*rounded).statistic)
    return out


def procrustes_reference(x, y):
    rotation, _ = orthogonal_procrustes(x, y)
    _, _, disparity = procrustes(x, y)
    return {
        "pro_rotation": rotation,
        "pro_residual": np.array(np.linalg.norm(x @ rotation - y) / np.linalg.norm(y)),
        "pro_disparity": np.array(disparity),
    }


def tsne(data):
    x, perplexity = data["tsne_x"], float(data["tsne_perplexity"])
    metric = "cosine" if int(data["tsne_cosine"]) == 1 else "euclidean"
    if metric == "euclidean":
        distances = pairwise_distances(x, metric=metric, squared=True)
    else:
        distances = pairwise_distances(x, metric=metric) ** 2
    out = {"tsne_p": squareform(_joint_probabilities(distances, perplexity, 0))}
    if "tsne_fit" in data:
        exact = TSNE(init="pca", random_state=0, method="exact", perplexity=perplexity, metric=metric)
        embedding = exact.fit_transform(x)
        out["tsne_kl"] = np.array(exact.kl_divergence_)
        out["tsne_sklearn_trustworthiness"] = np.array(trustworthiness(x, embedding))
        barnes_hut = TSNE(init="pca", random_state=0, perplexity=perplexity, metric=metric).fit(x)
        out["tsne_kl_barnes_hut"] = np.array(barnes_hut.kl_divergence_)
    if "tsne_embedding" in data:
        out["tsne_trustworthiness"] = np.array(trustworthiness(x, data["tsne_embedding"]))
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("input")
    parser.add_argument("output")
    args = parser.parse_args()
    data = load_file(args.input)
    out = {}
    if "sil_x" in data:
        out.update(silhouettes(data["sil_x"], data["sil_labels"]))
    if "lda_x" in data:
        out.update(lda(data["lda_x"], data["lda_labels"]))
    if "cka_x" in data:
        out.update(ckas(data["cka_x"], data["cka_y"]))
    if "rsa_x" in data:
        out.update(rsas(data["rsa_x"], data["rsa_y"]))
    if "vec_a" in data:
        out["spearman"] = np.array(spearmanr(data["vec_a"], data["vec_b"]).statistic)
        out["pearson"] = np.array(pearsonr(data["vec_a"], data["vec_b"]).statistic)
    if "pro_x" in data:
        out.update(procrustes_reference(data["pro_x"], data["pro_y"]))
    if "tsne_x" in data:
        out.update(tsne(data))
    save_file({k: np.array(v, order="C") for k, v in out.items()}, args.output)
    print({k: v for k, v in out.items() if v.ndim == 0})


if __name__ == "__main__":
    main()
