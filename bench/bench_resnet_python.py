"""The Python side of the front-end speed comparison (not a test): torchvision resnet50 images/s at
256x256 for batch 1 and 8 (NCHW and channels-last, no_grad and inference_mode), and torchaudio's
kaldi fbank real-time factor, at a fixed thread count. Each figure is the best of --rounds rounds,
so that a shared machine's busy moments do not count.

usage: .venv/bin/python bench/bench_resnet_python.py [--threads 2] [--rounds 3] [--only resnet|fbank]
"""
import argparse
import time

import torch
import torchaudio.compliance.kaldi as kaldi
from torchvision.models import resnet50


def images_per_second(model, x: torch.Tensor, reps: int, inference_mode: bool) -> float:
    guard = torch.inference_mode if inference_mode else torch.no_grad
    with guard():
        model(x).sum().item()  # warm-up (oneDNN primitive creation)
        start = time.perf_counter()
        for _ in range(reps):
            model(x).sum().item()
        return x.size(0) * reps / (time.perf_counter() - start)


def bench_resnet(rounds: int) -> None:
    models = {}
    for channels_last in (True, False):
        model = resnet50().eval()
        model.fc = torch.nn.Identity()
        models[channels_last] = model.to(memory_format=torch.channels_last) if channels_last else model
    best = {}
    for _ in range(rounds):
        for channels_last, model in models.items():
            for inference_mode in (False, True):
                for batch in (1, 8):
                    x = torch.randn(batch, 3, 256, 256)
                    if channels_last:
                        x = x.contiguous(memory_format=torch.channels_last)
                    key = (channels_last, inference_mode, batch)
                    ips = images_per_second(model, x, 4 if batch == 1 else 1, inference_mode)
                    best[key] = max(best.get(key, 0.0), ips)
    for (channels_last, inference_mode, batch), ips in sorted(best.items()):
        layout = "cl" if channels_last else "nchw"
        mode = "inference" if inference_mode else "no_grad"
        print(f"torchvision resnet50 256 {layout} {mode} batch {batch}: {ips:.2f} images/s")


def bench_fbank(rounds: int) -> None:
    wav = torch.randn(1, 16000 * 10) * 3000
    options = dict(num_mel_bins=80, sample_frequency=16000, dither=0.0)
    kaldi.fbank(wav, **options)
    best = float("inf")
    for _ in range(rounds):
        start = time.perf_counter()
        for _ in range(10):
            kaldi.fbank(wav, **options)
        best = min(best, (time.perf_counter() - start) / 10)
    print(f"torchaudio fbank 10 s utterance: {best * 1000:.2f} ms, RTF {best / 10:.6f}")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--only", choices=["resnet", "fbank"])
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    print("threads", torch.get_num_threads())
    if args.only != "fbank":
        bench_resnet(args.rounds)
    if args.only != "resnet":
        bench_fbank(args.rounds)


if __name__ == "__main__":
    main()
