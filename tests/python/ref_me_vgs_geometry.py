"""Reference for tests/metrics/test_reference.cpp: me-vgs's embedding-geometry figures, transcribed in
numpy from github.com/danoneata/me-vgs (mevgs/scripts/show_explain_me.py: compute_spread and
compute_features' compute_modality_distance; show_interspeech25_sec42.py:
compute_average_similarity_per_modality's compute_average_sim), on the embeddings the test wrote.

usage: ref_me_vgs_geometry.py IN_FILE OUT_FILE
IN_FILE (safetensors): audio [N, E] and image [M, E] float64, not unit length; audio_labels int64 [N]
and image_labels int64 [M] (label k is word k).
OUT_FILE (safetensors, float64): audio_sim_mean, audio_sim_std, image_sim_mean, image_sim_std (0-dim),
and, for the words 0..W-1 (W = 1 + the largest label), distance [W], spread_audio [W], spread_image [W].

me-vgs's embeddings are the model's L2-normalised outputs, so the rows are normalised first; the
formulas then follow me-vgs.
"""
import argparse

import numpy as np
from safetensors.numpy import load_file, save_file


def unit(x):
    return x / np.linalg.norm(x, axis=1, keepdims=True)


def average_sim(embs):
    """compute_average_sim: mean and std of the cosine matrix with a zeroed diagonal, over N^2."""
    sims = embs @ embs.T
    np.fill_diagonal(sims, 0)
    return sims.mean(), sims.std()


def spread(embs_word):
    """compute_spread: mean distance of the rows to their normalised mean."""
    embs_mean = np.mean(embs_word, axis=0)
    embs_mean = embs_mean / np.linalg.norm(embs_mean)
    return np.mean(np.linalg.norm(embs_word - embs_mean, axis=1))


def modality_distance(embs_audio, embs_image):
    """compute_modality_distance: distance between the normalised audio and image means."""
    mean_audio = np.mean(embs_audio, axis=0)
    mean_image = np.mean(embs_image, axis=0)
    mean_audio = mean_audio / np.linalg.norm(mean_audio)
    mean_image = mean_image / np.linalg.norm(mean_image)
    return np.linalg.norm(mean_audio - mean_image)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("input")
    parser.add_argument("output")
    args = parser.parse_args()
    data = load_file(args.input)
    audio, image = unit(data["audio"]), unit(data["image"])
    audio_labels, image_labels = data["audio_labels"], data["image_labels"]
    words = range(int(max(audio_labels.max(), image_labels.max())) + 1)

    out = {}
    for name, embs in (("audio", audio), ("image", image)):
        out[f"{name}_sim_mean"], out[f"{name}_sim_std"] = average_sim(embs)
    out["distance"] = [modality_distance(audio[audio_labels == w], image[image_labels == w]) for w in words]
    out["spread_audio"] = [spread(audio[audio_labels == w]) for w in words]
    out["spread_image"] = [spread(image[image_labels == w]) for w in words]
    save_file({k: np.array(v, dtype=np.float64, order="C") for k, v in out.items()}, args.output)
    print("distance", out["distance"])


if __name__ == "__main__":
    main()
