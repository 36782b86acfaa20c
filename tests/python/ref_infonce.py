"""Reference for tests/losses/test_infonce.cpp: CLIP's in-batch contrastive loss with the semantics of
open_clip's ClipLoss (src/open_clip/loss.py, one process: world_size 1), on fixed L2-normalised
embeddings, with its gradients.

usage: ref_infonce.py OUT_DIR [--dtype float32|float64] [--batch 6] [--dim 16] [--seed 0]
writes OUT_DIR/in_batch.pt: audio, image [B, E] (unit rows), logit_scale (0-dim, ln(1/0.07) + 1, so the
scale exp(logit_scale) is 38.9), loss, audio_to_image, image_to_audio, grad_audio, grad_image,
grad_logit_scale. Audio plays open_clip's text: audio_to_image is CE(logit_scale * audio @ image.T),
image_to_audio CE(logit_scale * image @ audio.T).
"""
import argparse
import math
import os

import torch
import torch.nn.functional as F


def clip_loss(image_features, text_features, logit_scale):
    """ClipLoss.forward for world_size 1, verbatim apart from returning the two halves too."""
    logits_per_image = logit_scale * image_features @ text_features.T
    logits_per_text = logit_scale * text_features @ image_features.T
    labels = torch.arange(logits_per_image.shape[0], device=image_features.device, dtype=torch.long)
    image_to_text = F.cross_entropy(logits_per_image, labels)
    text_to_image = F.cross_entropy(logits_per_text, labels)
    total_loss = (image_to_text + text_to_image) / 2
    return total_loss, text_to_image, image_to_text


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("out")
    parser.add_argument("--dtype", default="float32", choices=["float32", "float64"])
    parser.add_argument("--batch", type=int, default=6)
    parser.add_argument("--dim", type=int, default=16)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    dtype = getattr(torch, args.dtype)
    generator = torch.Generator().manual_seed(args.seed)
    unit = lambda x: x / x.norm(dim=-1, keepdim=True)
    audio = unit(torch.randn(args.batch, args.dim, generator=generator, dtype=dtype)).requires_grad_(True)
    image = unit(torch.randn(args.batch, args.dim, generator=generator, dtype=dtype)).requires_grad_(True)
    logit_scale = torch.tensor(math.log(1 / 0.07) + 1, dtype=dtype, requires_grad=True)
    # open_clip passes model.logit_scale.exp() as logit_scale.
    total, audio_to_image, image_to_audio = clip_loss(image, audio, logit_scale.exp())
    total.backward()
    out = {"audio": audio, "image": image, "logit_scale": logit_scale, "loss": total,
           "audio_to_image": audio_to_image, "image_to_audio": image_to_audio,
           "grad_audio": audio.grad, "grad_image": image.grad, "grad_logit_scale": logit_scale.grad}
    torch.save({k: v.detach().contiguous() for k, v in out.items()}, os.path.join(args.out, "in_batch.pt"))
    print("in-batch loss", total.item(), "logit_scale grad", logit_scale.grad.item())


if __name__ == "__main__":
    main()
