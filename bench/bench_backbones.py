"""Python side of bench/backbones.sh: the same extraction work with the implementations users run
today (transformers' WavLMModel, torchvision's resnet50), timed, with inputs, weights and outputs
saved so that the C++ side runs the identical work and checks it gives identical outputs.

Usage: bench_backbones.py OUT_DIR [REPEATS]
"""
import json
import sys
import time

import torch
import torchvision
from transformers import WavLMConfig, WavLMModel

out_dir = sys.argv[1]
repeats = int(sys.argv[2]) if len(sys.argv) > 2 else 3
torch.manual_seed(0)
results = {"threads": torch.get_num_threads(), "torch": torch.__version__}

# WavLM Base+: 8 utterances of 2.5 to 6 s, in batches of 4 (the same padding for both sides).
wavlm = WavLMModel(WavLMConfig()).eval()
lengths = [96000, 88000, 80000, 72000, 64000, 56000, 48000, 40000]
waves = [0.1 * torch.randn(n) for n in lengths]
batches = [waves[i : i + 4] for i in range(0, len(waves), 4)]


def pad(batch):
    x = torch.zeros(len(batch), max(len(w) for w in batch))
    mask = torch.zeros_like(x, dtype=torch.long)
    for i, w in enumerate(batch):
        x[i, : len(w)] = w
        mask[i, : len(w)] = 1
    return x, mask


def run_wavlm():
    outs = []
    for batch in batches:
        x, mask = pad(batch)
        outs.append(wavlm(x, attention_mask=mask).last_hidden_state)
    return outs


with torch.inference_mode():
    run_wavlm()  # warm-up
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        outs = run_wavlm()
        best = min(best, time.perf_counter() - start)
audio_seconds = sum(lengths) / 16000
results["wavlm_base_plus"] = {"seconds": best, "audio_seconds": audio_seconds, "rtf": best / audio_seconds}
torch.save(wavlm.state_dict(), f"{out_dir}/wavlm.pt")
# HF pads inside a batch, and WavLM Base's group norm then sees the padding; the reference output
# for each utterance is therefore computed alone (what vgs gives for every batch).
with torch.inference_mode():
    singles = {f"wavlm_out{i}": wavlm(w[None]).last_hidden_state[0] for i, w in enumerate(waves)}
torch.save({**{f"wave{i}": w for i, w in enumerate(waves)}, **singles}, f"{out_dir}/wavlm_io.pt")

# ResNet-50 at 256 x 256 (me-vgs), 32 images in batches of 8, layer4 map.
resnet = torchvision.models.resnet50().eval()
with torch.no_grad():
    for m in resnet.modules():
        if isinstance(m, torch.nn.BatchNorm2d):
            m.running_mean.normal_(0, 0.1)
            m.running_var.uniform_(0.5, 1.5)
images = torch.randn(32, 3, 256, 256)
trunk = torch.nn.Sequential(*list(resnet.children())[:-2])


def run_resnet():
    return [trunk(images[i : i + 8]) for i in range(0, 32, 8)]


with torch.inference_mode():
    run_resnet()
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        maps = run_resnet()
        best = min(best, time.perf_counter() - start)
results["resnet50"] = {"seconds": best, "images": 32, "images_per_second": 32 / best}
torch.save(resnet.state_dict(), f"{out_dir}/resnet.pt")
torch.save({"images": images, "maps": torch.cat(maps)}, f"{out_dir}/resnet_io.pt")
with open(f"{out_dir}/python.json", "w") as f:
    json.dump(results, f, indent=1)
print(json.dumps(results))
