"""Python side of bench/groupvit.sh: transformers' GroupViTModel (the released config, random weights
and BatchNorm statistics) encoding 224x224 images in batches of 8 into projected group embeddings,
timed, with weights (HF layout), inputs and outputs saved so the C++ side runs the identical work and
checks it gives the same embeddings.

Usage: bench_groupvit.py OUT_DIR [REPEATS] [IMAGES]
"""
import json
import os
import sys
import time

import torch
from safetensors.torch import save_file

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "tests", "python"))
from ref_groupvit import make_config, randomise  # noqa: E402
from transformers import GroupViTModel  # noqa: E402

out_dir = sys.argv[1]
repeats = int(sys.argv[2]) if len(sys.argv) > 2 else 3
count = int(sys.argv[3]) if len(sys.argv) > 3 else 32
torch.manual_seed(0)
model = GroupViTModel(make_config("real"))
randomise(model, torch.Generator().manual_seed(0))
model.eval()
state = {k: v.contiguous() for k, v in model.state_dict().items() if k.startswith(("vision_model.", "visual_projection."))}
save_file(state, os.path.join(out_dir, "groupvit.safetensors"))
images = torch.randn(count, 3, 224, 224)


def encode(x):
    # the work vgs's backbone does: groups with both stages' assignment maps, then the projector per group
    out = model.vision_model(pixel_values=x, output_attentions=True)
    groups = out.last_hidden_state
    return model.visual_projection(groups.reshape(-1, groups.shape[-1])).reshape(groups.shape[0], groups.shape[1], -1)


def run():
    return torch.cat([encode(images[i : i + 8]) for i in range(0, count, 8)])


with torch.inference_mode():
    projected = run()  # warm-up
    best = 1e30
    for _ in range(repeats):
        start = time.perf_counter()
        run()
        best = min(best, time.perf_counter() - start)
torch.save({"images": images, "projected": projected}, os.path.join(out_dir, "groupvit_io.pt"))
print(json.dumps({"threads": torch.get_num_threads(), "torch": torch.__version__, "seconds": best, "images": count,
                  "images_per_second": count / best}))
