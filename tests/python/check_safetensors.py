"""Checks between vgs and the Python safetensors library (tests/io/test_safetensors.cpp and the
vgs-convert test in tests/io/test_torch_checkpoint.cpp):

  check_safetensors.py vgs-written FILE     FILE, written by vgs from the fixed tensors below, opens
                                            in safetensors with identical tensors and metadata, and
                                            is byte-identical to what the library writes
  check_safetensors.py write FILE           writes the fixed tensors with the library, for vgs to read
  check_safetensors.py converted FILE PTH   FILE (vgs-convert's output) holds PTH's tensors, and its
                                            cfg values as metadata

Exits non-zero with a message on the first difference."""
import sys

import torch
from safetensors import safe_open
from safetensors.torch import save, save_file

METADATA = {"format": "pt"}


def fixed_tensors():
    """The same tensors tests/io/test_safetensors.cpp builds (there some are non-contiguous views)."""
    t = {}
    t["f32"] = torch.arange(24, dtype=torch.float32).reshape(2, 3, 4) * 0.5
    t["f32_t"] = t["f32"].transpose(0, 2).contiguous()
    t["f64"] = torch.arange(5, dtype=torch.float64) / 3
    t["f16"] = torch.arange(6, dtype=torch.float16) * 0.25 - 0.5
    t["bf16"] = torch.arange(6, dtype=torch.bfloat16) * 1.5
    t["i64"] = torch.arange(-3, 3, dtype=torch.int64) * 1000000007
    t["i32"] = torch.arange(-4, 4, dtype=torch.int32)
    t["i16"] = torch.arange(-4, 4, dtype=torch.int16)
    t["i8"] = torch.arange(-4, 4, dtype=torch.int8)
    t["u8"] = torch.arange(250, 256, dtype=torch.uint8)
    t["bool"] = torch.tensor([True, False, True])
    t["scalar"] = torch.tensor(3.25)
    t["empty"] = torch.zeros(0, 4)
    t["slice"] = torch.arange(20, dtype=torch.float32).reshape(4, 5)[1:3, 2:].contiguous()
    t["expand"] = torch.arange(3, dtype=torch.float32).expand(2, 3).contiguous()
    t["caf\u00e9/\u00fcnicode"] = torch.ones(2)
    t['quote"back\\slash'] = torch.zeros(1, dtype=torch.int8)
    return t


def fail(message):
    print("check_safetensors.py:", message)
    sys.exit(1)


def read(path):
    with safe_open(path, framework="pt") as f:
        return {k: f.get_tensor(k) for k in f.keys()}, f.metadata() or {}


def compare(got, expected, what):
    if sorted(got) != sorted(expected):
        fail(f"{what}: names differ: {sorted(got)} vs {sorted(expected)}")
    for name, e in expected.items():
        g = got[name]
        if g.dtype != e.dtype or g.shape != e.shape or not torch.equal(g, e):
            fail(f"{what}: tensor {name!r} differs: {g.dtype} {tuple(g.shape)} vs {e.dtype} {tuple(e.shape)}")


def flatten(obj, prefix=""):
    if isinstance(obj, torch.Tensor):
        return {prefix: obj.contiguous()}
    items = {}
    if isinstance(obj, dict):
        for k, v in obj.items():
            items.update(flatten(v, f"{prefix}.{k}" if prefix else str(k)))
    return items


mode = sys.argv[1]
if mode == "vgs-written":
    tensors, metadata = read(sys.argv[2])
    compare(tensors, fixed_tensors(), "vgs-written file")
    if metadata != METADATA:
        fail(f"metadata {metadata} vs {METADATA}")
    with open(sys.argv[2], "rb") as f:
        if f.read() != save(fixed_tensors(), metadata=METADATA):
            fail("the file is not byte-identical to the safetensors library's")
    print("safetensors read the vgs file identically")
elif mode == "write":
    save_file(fixed_tensors(), sys.argv[2], metadata={"format": "pt", "source": "python \u00e9"})
elif mode == "converted":
    tensors, metadata = read(sys.argv[2])
    checkpoint = torch.load(sys.argv[3], weights_only=True)
    compare(tensors, flatten(checkpoint), "converted file")
    want = {"format": "pt", "cfg.encoder_layers": "12", "cfg.dropout": "0.1", "cfg.activation_fn": "gelu",
            "cfg.layer_norm_first": "true", "cfg.label_rate": "None", "cfg.conv_pos": "[128, 16]"}
    for key, value in want.items():
        if metadata.get(key) != value:
            fail(f"metadata {key!r} is {metadata.get(key)!r}, expected {value!r}")
    print("the converted file matches the checkpoint")
else:
    fail("unknown mode " + mode)
