"""Reference for tests/losses/test_language_links.cpp: the language-links loss of me-vgs's CLIPTwoAudios,
(L(audio1, image) + L(audio2, image) + L(audio1, audio2)) / 3, where each L is me-vgs's CLIP loss
(CLIPScore.loss_from_embeddings in ref_me_vgs.py, verbatim me-vgs) and audio2 plays the image's part in
L(audio1, audio2). The scale is me-vgs's max(exp(ln(1/0.07)), 100) = 100, with no gradient.

usage: ref_language_links.py OUT_DIR [--dtype float32|float64] [--seed 0]
writes OUT_DIR/links.pt: audio1, audio2, image [B, 1 + K, E] (raw: the loss L2-normalises them), loss,
audio1_image, audio2_image, audio1_audio2, grad_audio1, grad_audio2, grad_image.
"""
import argparse
import math
import os

import torch

from ref_me_vgs import CLIPScore, contiguous


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("out")
    parser.add_argument("--dtype", default="float32", choices=["float32", "float64"])
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    dtype = getattr(torch, args.dtype)
    generator = torch.Generator().manual_seed(args.seed)
    B, N, E = 5, 4, 16
    leaves = {name: torch.randn(B, N, E, generator=generator, dtype=dtype).requires_grad_(True)
              for name in ("audio1", "audio2", "image")}
    score = CLIPScore().to(dtype)
    with torch.no_grad():
        score.logit_scale.copy_(torch.tensor(math.log(1 / 0.07), dtype=dtype))
    labels = torch.zeros(B, N)
    labels[:, 0] = 1
    # me-vgs's encoders return B·N × E × 1: the trailing 1 is what score_emb's mean(dim=-1) removes.
    as_me_vgs = lambda x: x.unsqueeze(-1)
    pair = lambda a, b: score.loss_from_embeddings(as_me_vgs(leaves[a]), as_me_vgs(leaves[b]), labels)[0]
    terms = {"audio1_image": pair("audio1", "image"), "audio2_image": pair("audio2", "image"),
             "audio1_audio2": pair("audio1", "audio2")}
    total = (terms["audio1_image"] + terms["audio2_image"] + terms["audio1_audio2"]) / 3
    total.backward()
    out = {**leaves, **terms, "loss": total}
    out.update({f"grad_{name}": leaf.grad for name, leaf in leaves.items()})
    torch.save(contiguous({k: v.detach() for k, v in out.items()}), os.path.join(args.out, "links.pt"))
    print({k: v.item() for k, v in terms.items()}, "loss", total.item())


if __name__ == "__main__":
    main()
