"""Writes the seed corpus of the weight-parser fuzzers (tests/fuzz_corpus/{safetensors,pickle,zip}):
small valid files made by the reference libraries plus edge cases, each under 4 KB.
Run again only to refresh the seeds:  .venv/bin/python tests/python/make_weights_fuzz_corpus.py"""
import collections
import io
import json
import os
import pickle
import struct
import sys
import zipfile

import torch
from safetensors.torch import save

root = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "..", "fuzz_corpus")


def put(kind, name, data):
    assert len(data) < 4096, (kind, name, len(data))
    os.makedirs(os.path.join(root, kind), exist_ok=True)
    with open(os.path.join(root, kind, name), "wb") as f:
        f.write(data)


def raw_safetensors(header, data=b""):
    text = json.dumps(header, separators=(",", ":")).encode() if not isinstance(header, bytes) else header
    return struct.pack("<Q", len(text)) + text + data


# --- safetensors ---
put("safetensors", "all_dtypes", save({d: torch.ones(2, dtype=getattr(torch, t)) for d, t in [
    ("F64", "float64"), ("F32", "float32"), ("F16", "float16"), ("BF16", "bfloat16"), ("I64", "int64"),
    ("I32", "int32"), ("I16", "int16"), ("I8", "int8"), ("U8", "uint8"), ("BOOL", "bool")]}))
put("safetensors", "metadata", save({"w": torch.arange(6.0).reshape(2, 3)}, metadata={"format": "pt", "n": "12"}))
put("safetensors", "scalar_and_empty", save({"s": torch.tensor(1.5), "e": torch.zeros(0, 3)}))
put("safetensors", "empty_header", raw_safetensors({}))
put("safetensors", "unicode_names", save({"caf\u00e9.\u00fcber": torch.ones(1), "a\"b\\c": torch.ones(1)}))
put("safetensors", "unknown_field", raw_safetensors({"x": {"dtype": "U8", "shape": [2], "data_offsets": [0, 2],
                                                           "extra": [1, {"a": None}, 2.5e3, True]}}, b"\1\2"))
put("safetensors", "escapes", raw_safetensors(b'{"\\u00e9\\ud83d\\ude00\\n":{"dtype":"U8","shape":[1],"data_offsets":[0,1]}}', b"\7"))
put("safetensors", "offsets_past_end", raw_safetensors({"x": {"dtype": "F32", "shape": [4], "data_offsets": [0, 16]}}, b"\0" * 8))
put("safetensors", "overlap", raw_safetensors({"a": {"dtype": "U8", "shape": [2], "data_offsets": [0, 2]},
                                               "b": {"dtype": "U8", "shape": [2], "data_offsets": [1, 3]}}, b"\0" * 3))
put("safetensors", "header_too_long", struct.pack("<Q", 1000) + b'{"a":1}')
put("safetensors", "null_metadata", raw_safetensors(b'{"__metadata__":null}'))

# --- pickle and zip: real torch.save output ---
sd = collections.OrderedDict()
sd["w"] = torch.arange(6.0).reshape(2, 3)
sd["t"] = sd["w"].t()
sd["h"] = torch.ones(3, dtype=torch.float16)
sd["b"] = torch.ones(2, dtype=torch.bfloat16)
sd["p"] = torch.nn.Parameter(torch.ones(2))
sd["n"] = torch.tensor(7)
sd["e"] = torch.ones(3).expand(2, 3)
cfg = {"a": 1, "f": 0.1, "s": "gelu", "b": True, "n": None, "l": [1, 2], "t": (3, "x"), "big": 2 ** 70, "neg": -5,
       "d": {"inner": 2.5}}


def torch_zip(obj, **kwargs):
    buffer = io.BytesIO()
    torch.save(obj, buffer, **kwargs)
    return buffer.getvalue()


def data_pkl(zip_bytes):
    with zipfile.ZipFile(io.BytesIO(zip_bytes)) as z:
        return z.read(next(n for n in z.namelist() if n.endswith("/data.pkl")))


module = torch.nn.Sequential(torch.nn.Linear(2, 2), torch.nn.BatchNorm1d(2))
for name, obj, kwargs in [("state_dict", sd, {}), ("unilm_layout", {"cfg": cfg, "model": sd}, {}),
                          ("module_state_dict", module.state_dict(), {}),
                          ("protocol4", {"cfg": cfg, "model": sd}, {"pickle_protocol": 4})]:
    z = torch_zip(obj, **kwargs)
    put("pickle", name, data_pkl(z))
    if len(z) < 4096:
        put("zip", name, z)


class Call:
    """A pickled call of func(*args): what a hostile file does."""
    def __init__(self, func, *args):
        self.func, self.args = func, args

    def __reduce__(self):
        return self.func, self.args


put("pickle", "os_system", pickle.dumps({"model": Call(os.system, "true")}, protocol=2))
put("pickle", "builtins_eval", pickle.dumps(Call(eval, "1+1"), protocol=2))
put("pickle", "truncated", data_pkl(torch_zip(sd))[:200])
small = torch_zip({"x": torch.ones(2)})
put("zip", "truncated", small[: len(small) // 2])
print("wrote seeds under", os.path.abspath(root))
