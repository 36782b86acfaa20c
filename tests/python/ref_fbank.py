"""Reference for tests/backbones/test_fbank.cpp: torchaudio.compliance.kaldi.fbank (80 mel bins,
otherwise its defaults, dither 0) on a random waveform and on a sine, at float and int16 scale.

usage: ref_fbank.py OUT_DIR [--seed 0]
writes OUT_DIR/cases.pt {"<case>": waveform [N], "<case>_fbank": [T, 80]}
"""
import argparse
import math
import os

import torch
import torchaudio.compliance.kaldi as kaldi

SAMPLE_RATE = 16000


def fbank(waveform: torch.Tensor, **options) -> torch.Tensor:
    # torchaudio wants [channels, N]; dither=0 so that the result is deterministic.
    return kaldi.fbank(waveform.unsqueeze(0), num_mel_bins=80, sample_frequency=SAMPLE_RATE, dither=0.0, **options)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("out")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    generator = torch.Generator().manual_seed(args.seed)

    noise = torch.randn(3 * SAMPLE_RATE + 123, generator=generator) * 0.1  # float scale, [-1, 1]
    t = torch.arange(int(1.7 * SAMPLE_RATE), dtype=torch.float64) / SAMPLE_RATE
    sine = (0.5 * torch.sin(2 * math.pi * 440.0 * t) + 0.2 * torch.sin(2 * math.pi * 3000.0 * t)).float()
    cases = {
        "noise": noise,
        "noise_int16": (noise * 32768).round(),  # Kaldi's usual scale
        "sine": sine,
        "sine_int16": (sine * 32768).round(),
        "one_window": torch.randn(400, generator=generator),
        "noise_double": noise.double(),
    }
    out = {}
    for name, waveform in cases.items():
        out[name] = waveform.contiguous()
        out[name + "_fbank"] = fbank(waveform).contiguous()
    out["noise_nosnip_fbank"] = fbank(noise, snip_edges=False).contiguous()
    out["noise_cmn_fbank"] = fbank(noise, subtract_mean=True).contiguous()
    torch.save(out, os.path.join(args.out, "cases.pt"))
    print({k: tuple(v.shape) for k, v in out.items()})


if __name__ == "__main__":
    main()
