"""Reads a feature store written by tests/io/test_feature_store.cpp with h5py, as a user would."""
import sys

import h5py
import numpy as np

path = sys.argv[1]
with h5py.File(path, "r") as f:
    assert f.attrs["format"] == "vgs-feature-store", f.attrs["format"]
    assert f.attrs["complete"] == 1
    assert f.attrs["num_items"] == 2
    assert f.attrs["backbone"] == "wavlm_base_plus"
    assert list(f.attrs["layers"]) == [12]
    assert f.attrs["sample_rate"] == 16000
    assert f.attrs["dtype"] == "float16"
    keys = sorted(f["features"].keys())
    assert keys == ["a%25b", "utt%2F1"], keys
    utt = f["features"]["utt%2F1"]
    assert utt.dtype == np.float16, utt.dtype
    np.testing.assert_array_equal(utt[()], (np.arange(12, dtype=np.float32).reshape(3, 4) * 0.5).astype(np.float16))
    np.testing.assert_array_equal(f["features"]["a%25b"][()], np.ones((2, 2, 5), dtype=np.float16))
print("h5py read the vgs feature store")
