"""Python side of bench/data_parallel.sh: me-vgs training steps (the md towers of tests/python/
ref_me_vgs.py, CLIP loss with sampled negatives, Adam) at the toy world's shapes: 32 items x 12 pairs,
fbank audio (~60 frames of 80), 64x64 images as 16 patches of 768, dropout 0.1. Run as one process,
or under `python -m torch.distributed.run --nproc_per_node N` as N DistributedDataParallel ranks
(Gloo) that split each global batch of 32 items.

usage: bench_data_parallel.py [STEPS]   rank 0 prints one JSON line: items/s over STEPS after a warm-up
"""
import json
import os
import sys
import time

import torch
import torch.distributed as dist

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "python"))
from ref_me_vgs import CLIPScore, TransformerPooling  # noqa: E402

ITEMS, PAIRS, AUDIO_DIM, IMAGE_DIM, IMAGE_TOKENS = 32, 12, 80, 768, 16


class Model(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.audio = TransformerPooling(AUDIO_DIM, 256, 256)
        self.image = TransformerPooling(IMAGE_DIM, 256, 256)
        self.score = CLIPScore()

    def forward(self, audio, lengths, image, labels):
        items = labels.shape[0]
        a = self.audio(audio, lengths).view(items, PAIRS, -1, 1)
        i = self.image(image).view(items, PAIRS, -1, 1)
        return self.score.loss_from_embeddings(a, i, labels)[0]


def main() -> None:
    steps = int(sys.argv[1]) if len(sys.argv) > 1 else 10
    ranks = int(os.environ.get("WORLD_SIZE", "1"))
    rank = int(os.environ.get("RANK", "0"))
    if ranks > 1:
        dist.init_process_group("gloo")
    torch.manual_seed(rank)
    items = ITEMS // ranks  # this rank's share of the global batch
    n = items * PAIRS
    lengths = torch.tensor([40 + (i * 7) % 41 for i in range(n)])  # 40..80 frames, mean 60
    audio = torch.randn(n, int(lengths.max()), AUDIO_DIM)
    image = torch.randn(n, IMAGE_TOKENS, IMAGE_DIM)
    labels = torch.zeros(items, PAIRS)
    labels[:, 0] = 1
    model = Model().train()
    if ranks > 1:
        model = torch.nn.parallel.DistributedDataParallel(model)
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-4)

    def step():
        optimizer.zero_grad()
        loss = model(audio, lengths, image, labels)
        loss.backward()
        optimizer.step()

    step()  # warm-up
    if ranks > 1:
        dist.barrier()
    start = time.perf_counter()
    for _ in range(steps):
        step()
    seconds = time.perf_counter() - start
    if rank == 0:
        print(json.dumps({"ranks": ranks, "threads": torch.get_num_threads(), "torch": torch.__version__,
                          "items_per_second": ITEMS * steps / seconds, "ms_per_step": 1e3 * seconds / steps}))
    if ranks > 1:
        dist.destroy_process_group()


if __name__ == "__main__":
    main()
