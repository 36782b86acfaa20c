"""Writes the torch.save files tests/io/test_torch_checkpoint.cpp reads, into the folder given:
for each <name>.pth a <name>.expected.safetensors (written by the safetensors library) with the
tensors vgs must load from it, flattened with '.', contiguous; and hostile or broken files that
vgs must refuse (made by hand: zip entries and pickle bytes written directly)."""
import argparse
import collections
import io
import os
import pickle
import struct
import sys
import zipfile

import torch
from safetensors.torch import save_file

from omegaconf_pickle import dict_config, standin_class

out = sys.argv[1]
torch.manual_seed(0)


def flatten(obj, prefix=""):
    if isinstance(obj, torch.Tensor):
        return {prefix: obj.detach().contiguous().clone()}
    items = {}
    if isinstance(obj, dict):
        for k, v in obj.items():
            items.update(flatten(v, f"{prefix}.{k}" if prefix else str(k)))
    elif isinstance(obj, (list, tuple)) and any(isinstance(v, torch.Tensor) for v in obj):
        for i, v in enumerate(obj):
            items.update(flatten(v, f"{prefix}.{i}" if prefix else str(i)))
    return items


def save_pair(name, obj, **kwargs):
    torch.save(obj, os.path.join(out, name + ".pth"), **kwargs)
    save_file(flatten(obj), os.path.join(out, name + ".expected.safetensors"))


# A module's state dict: an OrderedDict with _metadata, BatchNorm's int64 counter.
model = torch.nn.Sequential(torch.nn.Conv1d(2, 4, 3), torch.nn.BatchNorm1d(4), torch.nn.Linear(4, 3))
with torch.no_grad():
    model[1](torch.randn(5, 4, 7))  # non-trivial running stats and num_batches_tracked
save_pair("state_dict", model.state_dict())

# unilm's WavLM layout: {'cfg': {...}, 'model': OrderedDict}.
cfg = {"encoder_layers": 12, "dropout": 0.1, "activation_fn": "gelu", "layer_norm_first": True,
       "extractor_mode": "default", "normalize": False, "label_rate": None, "tiny": 1e-05, "huge": 1e20,
       "conv_feature_layers": "[(512,10,5)] + [(512,3,2)] * 4", "conv_pos": [128, 16], "pair": (3, "x"),
       "big": 2 ** 70, "negative": -7, "nested": {"depth": 2, "empty": {}}}
save_pair("unilm", {"cfg": cfg, "model": model.state_dict()})

# GroupViT's layout: {'model': ..., 'epoch': ...}, with Parameters.
groupvit = collections.OrderedDict()
groupvit["img_encoder.cls_token"] = torch.nn.Parameter(torch.randn(1, 1, 8))
groupvit["img_encoder.frozen"] = torch.nn.Parameter(torch.randn(3), requires_grad=False)
groupvit["logit_scale"] = torch.nn.Parameter(torch.tensor(2.6592))
save_pair("groupvit", {"model": groupvit, "epoch": 29})

# Every dtype vgs reads, a scalar and an empty tensor.
dtypes = {}
for dtype in [torch.float64, torch.float32, torch.float16, torch.bfloat16]:
    dtypes[str(dtype)[6:]] = torch.randn(3, 2).to(dtype)
for dtype in [torch.int64, torch.int32, torch.int16, torch.int8]:
    dtypes[str(dtype)[6:]] = torch.arange(-3, 3, dtype=dtype)
dtypes["uint8"] = torch.arange(250, 256, dtype=torch.uint8)
dtypes["bool"] = torch.tensor([True, False, True])
dtypes["scalar"] = torch.tensor(1.25)
dtypes["empty"] = torch.zeros(0, 3)
save_pair("dtypes", dtypes)

# Views: transposed, a slice with an offset, two views of one storage, an expanded (stride 0) view.
base = torch.arange(60.0).reshape(6, 10)
views = collections.OrderedDict()
views["transposed"] = base.t()
views["slice"] = base[2:5, 3:7]
views["row"] = base[4]
views["column"] = base[:, 9]
views["expanded"] = torch.arange(4.0).expand(3, 4)
views["half_t"] = torch.randn(3, 5).half().t()
views["permuted"] = torch.randn(2, 3, 4).permute(2, 0, 1)
save_pair("views", views)

# The same with pickle protocol 4 (FRAME, SHORT_BINUNICODE, MEMOIZE, ...).
save_pair("protocol4", {"cfg": {"n": 3, "name": "p4"}, "model": views}, pickle_protocol=4)

# Enough entries for LONG_BINPUT, and LONG_BINGET of objects first seen late (the HalfStorage type).
many = collections.OrderedDict((f"layers.{i}.weight", torch.full((2,), float(i))) for i in range(150))
many.update((f"half.{i}", torch.full((3,), i / 4).half()) for i in range(5))
save_pair("many", many)

# fairseq's layouts, with configuration objects beside the weights: an argparse.Namespace under
# 'args' (wav2vec_small.pt; fine-tuned models nest another as w2v_args), an omegaconf DictConfig
# under 'cfg'. vgs keeps the Namespace's attributes as metadata and leaves the DictConfig out.
args = argparse.Namespace(arch="wav2vec2", encoder_layers=12, layer_norm_first=False, dropout=0.1, labels=None,
                          conv_feature_layers="[(512, 10, 5)]", latent_temp=(2, 0.5, 0.999995),
                          w2v_args=argparse.Namespace(normalize=True))
save_pair("fairseq_args", {"args": args, "cfg": None, "model": model.state_dict()})
hydra_cfg = {"model": {"_name": "hubert", "encoder_layers": 12, "dropout": 0.1, "layer_norm_first": False},
             "task": {"labels": ["km"], "normalize": False, "label_rate": 50.0}}
save_pair("fairseq_dictconfig", {"args": None, "cfg": dict_config(hydra_cfg), "model": model.state_dict()})
save_pair("fairseq_dictconfig_p4", {"cfg": dict_config(hydra_cfg), "model": model.state_dict()}, pickle_protocol=4)

# Any other object still fails: fairseq's Dictionary (a stand-in with its module and class name).
Dictionary = standin_class("fairseq.data.dictionary", "Dictionary")
torch.save({"args": args, "task_state": {"dictionaries": [Dictionary()]}, "model": model.state_dict()},
           os.path.join(out, "fairseq_dictionary.pth"))

# --- hand-made archives ---


def write_archive(name, pickle_bytes, records, folder="archive", compress=zipfile.ZIP_STORED):
    with zipfile.ZipFile(os.path.join(out, name), "w", compress) as z:
        z.writestr(folder + "/data.pkl", pickle_bytes)
        z.writestr(folder + "/byteorder", "little")
        for key, data in records.items():
            z.writestr(f"{folder}/data/{key}", data)
        z.writestr(folder + "/version", "3\n")


def unicode_op(text):
    data = text.encode()
    return b"X" + struct.pack("<I", len(data)) + data


def call_pickle(module, name, argument):
    """{'model': module.name(argument)} as raw protocol 2 pickle bytes."""
    return (b"\x80\x02}q\x00" + unicode_op("model") + b"c" + module.encode() + b"\n" + name.encode() + b"\n" +
            unicode_op(argument) + b"\x85R" + b"s.")


pwned = os.path.join(out, "pwned")
write_archive("os_system.pth", call_pickle("os", "system", "touch " + pwned), {})
write_archive("eval.pth", call_pickle("builtins", "eval", "__import__('os').system('touch " + pwned + "')"), {})
# An allowed global that is not a callable a state dict uses: REDUCE of a storage type.
write_archive("reduce_storage.pth", call_pickle("torch", "FloatStorage", "x"), {})


class Storage:
    def __init__(self, key, storage_type, numel):
        self.key, self.storage_type, self.numel = key, storage_type, numel


class Tensor:
    def __init__(self, storage, offset, size, stride):
        self.args = (storage, offset, size, stride)

    def __reduce__(self):
        return torch._utils._rebuild_tensor_v2, self.args + (False, collections.OrderedDict())


class TorchLikePickler(pickle.Pickler):
    def persistent_id(self, obj):
        if isinstance(obj, Storage):
            return ("storage", obj.storage_type, obj.key, "cpu", obj.numel)
        return None


def tensor_pickle(obj):
    buffer = io.BytesIO()
    TorchLikePickler(buffer, protocol=2).dump(obj)
    return buffer.getvalue()


floats = struct.pack("<6f", *[0.5 * k for k in range(6)])
storage = Storage("0", torch.FloatStorage, 6)
# Valid, but not written by torch: another folder name and records at unaligned offsets.
write_archive("handmade.pth", tensor_pickle({"a": Tensor(storage, 1, (2, 2), (1, 2)), "b": Tensor(storage, 0, (6,), (1,))}),
              {"0": floats}, folder="my model")
# Offsets past the end of the record: 6 floats, but elements 4..7 asked for.
write_archive("offset_past_end.pth", tensor_pickle({"w": Tensor(storage, 4, (4,), (1,))}), {"0": floats})
# A record shorter than the storage it should hold.
write_archive("short_record.pth", tensor_pickle({"w": Tensor(Storage("0", torch.FloatStorage, 10), 0, (10,), (1,))}),
              {"0": floats})
write_archive("missing_record.pth", tensor_pickle({"w": Tensor(storage, 0, (6,), (1,))}), {})
write_archive("compressed.pth", tensor_pickle({"w": Tensor(storage, 0, (6,), (1,))}), {"0": floats},
              compress=zipfile.ZIP_DEFLATED)
# The pre-1.6 format.
torch.save({"w": torch.ones(2)}, os.path.join(out, "legacy.pth"), _use_new_zipfile_serialization=False)
print("wrote checkpoints into", out)
