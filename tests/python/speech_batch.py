"""The mixed-length batch the speech transformer references run: three utterances (1 s, 0.56 s,
0.77 s at 16 kHz) of a tone plus noise from torch's global generator, zero-padded to the longest."""
import torch


def mixed_length_batch():
    """(waveforms [3, 16000], lengths [3])."""
    lengths = torch.tensor([16000, 9000, 12345])
    waveforms = torch.zeros(len(lengths), int(lengths.max()))
    for i, n in enumerate(lengths.tolist()):
        t = torch.arange(n) / 16000.0
        waveforms[i, :n] = 0.3 * torch.sin(2 * torch.pi * (150 + 70 * i) * t) + 0.05 * torch.randn(n)
    return waveforms, lengths
