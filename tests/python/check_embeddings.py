"""Reads a vgs-eval --export-embeddings file with h5py and prints what a user would look at.

Usage: check_embeddings.py FILE.h5 -> "runs N" and per run "audio (N, E) langs" / "image (N, E)";
exits non-zero when the layout is not the documented one (docs/evaluation.md).
"""
import sys

import h5py
import numpy as np

with h5py.File(sys.argv[1], "r") as f:
    assert f.attrs["format"] == "vgs-embeddings", f.attrs["format"]
    runs = f["runs"]
    print("runs", len(runs))
    for key in sorted(runs, key=int):
        run = runs[key]
        assert run.attrs["name"] and run.attrs["checkpoint"], dict(run.attrs)
        for modality in ("audio", "image"):
            g = run[modality]
            e = g["embeddings"][()]
            ids = g["ids"].asstr()[()]
            words = g["words"].asstr()[()]
            groups = g["groups"].asstr()[()]
            novel = g["novel"][()]
            assert e.dtype == np.float32 and e.shape[0] == len(ids) == len(words) == len(groups) == len(novel)
            assert np.allclose(np.linalg.norm(e, axis=1), 1, atol=1e-5), "embeddings are not unit vectors"
            assert set(novel.tolist()) <= {0, 1}
            extra = " " + ",".join(sorted(set(groups))) if modality == "audio" else ""
            print(f"{modality} {e.shape}{extra}")
