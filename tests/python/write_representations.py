"""Writes two representations files for vgs-analyze's tests, the way docs/analysis.md tells users to
(h5py): model A with layers of 6 and 4 features for every audio item of a manifest, and model B whose
layer 0 is A's layer 0 rotated and scaled, rows in another order, so that CKA(A.0, B.0) = 1 only when
vgs matches rows by id; and with OUT_MISSING, model A without the row of the manifest's first item.
Usage: write_representations.py AUDIO_MANIFEST OUT_A OUT_B [OUT_MISSING]"""
import json
import sys

import h5py
import numpy as np

manifest, out_a, out_b = sys.argv[1:4]
ids = [json.loads(line)["id"] for line in open(manifest) if line.strip()]
rng = np.random.default_rng(0)
layer0 = rng.normal(size=(len(ids), 6))
layer1 = rng.normal(size=(len(ids), 4))
rotation, _ = np.linalg.qr(rng.normal(size=(6, 6)))
order = rng.permutation(len(ids))

with h5py.File(out_a, "w") as f:
    f.attrs["format"] = "vgs-representations"
    f.attrs["model"] = "model_a"
    f["ids"] = np.array(ids, dtype=h5py.string_dtype())
    f["layer_0"] = layer0.astype("float32")
    f["layer_1"] = layer1.astype("float32")

with h5py.File(out_b, "w") as f:
    f.attrs["format"] = "vgs-representations"
    f.attrs["model"] = "model_b"
    f["ids"] = np.array([ids[i] for i in order], dtype=h5py.string_dtype())
    f["layer_0"] = (3.0 * layer0 @ rotation)[order]
if len(sys.argv) > 4:
    with h5py.File(sys.argv[4], "w") as f:
        f.attrs["format"] = "vgs-representations"
        f["ids"] = np.array(ids[1:], dtype=h5py.string_dtype())
        f["layer_0"] = layer0[1:]
print(len(ids))
