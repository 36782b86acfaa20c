"""Python side of bench/train_step.sh: one me-vgs training step (forward + backward) at the paper's
configuration, with me-vgs's own TransformerPooling and CLIP loss code (tests/python/ref_me_vgs.py
holds them verbatim): B = 60 items x 12 pairs, so 720 audio sequences (20..40 frames, mean 30) of
WavLM's 768-d features and 720 images of 64 DINO ResNet-50 tokens of 2048-d, md towers (width 256,
one layer, embed 256), dropout 0.1 in train mode, logit scale max(exp(ln(1/0.07)), 100) = 100.

usage: bench_train_step.py [REPEATS]   prints one JSON line (the best step of REPEATS after a warm-up)
"""
import json
import os
import sys
import time

import torch

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "python"))
from ref_me_vgs import CLIPScore, TransformerPooling  # noqa: E402

ITEMS, PAIRS, AUDIO_DIM, IMAGE_DIM, IMAGE_TOKENS = 60, 12, 768, 2048, 64


def lengths_of(n):
    """The frame counts the C++ side uses too: 20..40, mean 30."""
    return torch.tensor([20 + (i * 8) % 21 for i in range(n)])


def main() -> None:
    repeats = int(sys.argv[1]) if len(sys.argv) > 1 else 3
    torch.manual_seed(0)
    n = ITEMS * PAIRS
    lengths = lengths_of(n)
    audio = torch.randn(n, int(lengths.max()), AUDIO_DIM)
    image = torch.randn(n, IMAGE_TOKENS, IMAGE_DIM)
    labels = torch.zeros(ITEMS, PAIRS)
    labels[:, 0] = 1

    audio_pool = TransformerPooling(AUDIO_DIM, 256, 256).train()
    image_pool = TransformerPooling(IMAGE_DIM, 256, 256).train()
    score = CLIPScore()
    params = list(audio_pool.parameters()) + list(image_pool.parameters()) + list(score.parameters())

    def step():
        for p in params:
            p.grad = None
        a = audio_pool(audio, lengths).view(ITEMS, PAIRS, -1, 1)  # B × N × E × 1, as CLIP.compute_loss
        i = image_pool(image).view(ITEMS, PAIRS, -1, 1)
        loss = score.loss_from_embeddings(a, i, labels)[0]
        loss.backward()
        return loss.item()

    step()  # warm-up
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        loss = step()
        times.append(time.perf_counter() - start)
    best = min(times)
    print(json.dumps({"threads": torch.get_num_threads(), "torch": torch.__version__, "seconds": best,
                      "ms_per_step": best * 1e3, "items_per_second": ITEMS / best, "loss": loss}))


if __name__ == "__main__":
    main()
