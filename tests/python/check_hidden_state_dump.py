"""Reads a vgs-extract --dump-hidden-states file with h5py: ITEMS inputs, LAYERS states of width DIM."""
import sys

import h5py

path, items, layers, dim = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
with h5py.File(path, "r") as f:
    assert f.attrs["format"] == "vgs-hidden-states"
    assert f.attrs["backbone"] == "wavlm_tiny"
    groups = sorted(f["items"].keys())
    assert groups == [f"{i:06d}" for i in range(items)], groups
    for g in groups:
        item = f["items"][g]
        assert item.attrs["path"].endswith(".flac")
        names = sorted(item.keys())
        assert names == [f"layer_{l}" for l in range(layers)], names
        frames = item["layer_0"].shape[0]
        for n in names:
            assert item[n].shape == (frames, dim), item[n].shape
print("hidden-state dump ok")
