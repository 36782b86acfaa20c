"""References from me-vgs (github.com/danoneata/me-vgs, mevgs/model.py at 353710d) for the C++ tests of
vgs/models (PoolingTower, TwoTower) and vgs/losses (infonce_sampled, infonce_sampled_shared).

usage: ref_me_vgs.py OUT_DIR tower --input-dim 48 --width 128 --embed-dim 32 --batch 4 --frames 7
                                   [--lengths 7,3,1,5] [--depth 1] [--input-layers 1] [--seed 0]
       ref_me_vgs.py OUT_DIR clip [--seed 0]
       ref_me_vgs.py OUT_DIR loss [--dtype float32|float64] [--seed 0]

tower: me-vgs's TransformerPooling (verbatim below) with every parameter made random, or, with
  --depth > 1 or --input-layers > 1, the same tower generalised as vgs builds it (layers.<i>, softmax
  input-layer mixing). Writes OUT_DIR/state.pt (the state dict under the module's own names: the
  verbatim tower has `layer.`) and OUT_DIR/io.pt:
    features [B, T, D] or [B, L, T, D], lengths [B] (absent for --lengths none),
    eval_fast [B, E]   eval mode under no_grad (PyTorch's fused encoder-layer path), L2-normalised,
    eval_slow [B, E]   eval mode with autograd on (nn.MultiheadAttention's path),
    train [B, E]       train mode with every dropout at 0, probe [B, E], and grad.<param> / grad.features,
                       the gradients of (train * probe).sum().
clip: a small me-vgs CLIP (audio 24-d, image 40-d on 3x3 maps, width 128, embed 32, batch 3 x 4 pairs) in
  train mode with dropout 0: OUT_DIR/state.pt (CLIP's names: audio_enc.pool.*, image_enc.pool.*,
  logit_scale) and OUT_DIR/io.pt: audio [B, N, D, T], audio_length [B, N], image [B, N, D, 3, 3],
  loss, grad.<param> (CLIP's names).
loss: CLIP.forward's loss on fixed embeddings, in the cases
    fixed      raw embeddings, logit_scale ln(1/0.07): the scale is max(14.3, 100) = 100 with no gradient
    learnable  raw embeddings, logit_scale ln(150): the scale is exp(logit_scale), gradient included
    direct     L2-normalised leaves with l2_normalize made the identity, logit_scale ln(150)
    shared     [B, E] leaves, negatives gathered by index (negative_images, negative_audios [B, K])
  each <case>.{audio, image, logit_scale, loss, audio_to_image, image_to_audio, grad_audio, grad_image,
  grad_logit_scale} in OUT_DIR/loss.pt.
"""
import argparse
import math
import os

import torch
import torch.nn as nn
from torch.nn import functional as F


# ---- me-vgs mevgs/model.py, verbatim ----------------------------------------------------------------
def _expand_token(token, batch_size: int):
    return token.view(1, 1, -1).expand(batch_size, -1, -1)


class TransformerPooling(nn.Module):
    def __init__(self, input_dim, width, output_dim):
        super(TransformerPooling, self).__init__()
        # transformer hyperparameters
        assert width % 64 == 0
        nhead = width // 64
        dim_feedforward = 4 * width

        self.proj_in = nn.Linear(input_dim, width)
        self.class_embedding = nn.Parameter(input_dim**-0.5 * torch.randn(width))
        self.layer = nn.TransformerEncoderLayer(
            d_model=width,
            nhead=nhead,
            dim_feedforward=dim_feedforward,
            batch_first=True,
            norm_first=True,
            activation="gelu",
        )
        self.ln_out = nn.LayerNorm(width)
        self.proj_out = nn.Linear(width, output_dim, bias=False)

    def forward(self, x, lengths=None):
        # x: B × T × D
        B, T, _ = x.shape
        x = self.proj_in(x)
        x = torch.cat([_expand_token(self.class_embedding, B), x], dim=1)
        if lengths is not None:
            mask = torch.arange(1 + T).expand(B, -1).to(x.device)
            mask = mask >= (lengths + 1).unsqueeze(1)
        else:
            mask = None
        out = self.layer(x, src_key_padding_mask=mask)
        out = out[:, 0]
        out = self.ln_out(out)
        out = self.proj_out(out)
        return out.unsqueeze(-1)


class AudioEncoderTransformer(nn.Module):
    def __init__(self, input_dim, width, output_dim):
        super(AudioEncoderTransformer, self).__init__()
        self.pool = TransformerPooling(input_dim, width, output_dim)

    def forward(self, x, lengths):
        # x: B × D × T
        x = x.permute(0, 2, 1)
        return self.pool(x, lengths)


class CLIPScore(nn.Module):
    """CLIP's logit_scale, l2_normalize and score_emb, verbatim, and compute_loss after the encoders."""

    def __init__(self):
        super().__init__()
        self.logit_scale = nn.Parameter(torch.log(torch.tensor(1 / 0.07)))

    def l2_normalize(self, x, dim):
        return x / x.norm(dim=dim, keepdim=True)

    def score_emb(self, audio_emb, image_emb, type):
        EINSUM_OP = {
            "pair": "bd,bd->b",
            "cross": "xd,yd->xy",
            "pair-and-cross": "bnd,bmd->bnm",
        }
        audio_emb = audio_emb.mean(dim=-1)
        audio_emb = self.l2_normalize(audio_emb, dim=-1)

        image_emb = image_emb.mean(dim=-1)
        image_emb = self.l2_normalize(image_emb, dim=-1)

        sim = torch.einsum(EINSUM_OP[type], audio_emb, image_emb)
        τ = torch.maximum(self.logit_scale.exp(), torch.tensor(100.0))
        # τ = 1

        return τ * sim

    def loss_from_embeddings(self, audio_emb, image_emb, labels):
        """compute_loss from `audio_emb = audio_emb.view(B, N, ...)` on; also returns the two halves."""
        B = audio_emb.shape[0]
        # assume one positive per batch and all positives are in first position
        assert labels.sum() == B
        assert labels[:, 0].sum() == B
        assert labels[:, 1:].sum() == 0

        sim1 = self.score_emb(audio_emb[:, :1], image_emb, "pair-and-cross")
        sim1 = sim1.squeeze(1)
        sim2 = self.score_emb(audio_emb, image_emb[:, :1], "pair-and-cross")
        sim2 = sim2.squeeze(2)

        pred = torch.cat([sim1, sim2], dim=0)

        true = torch.zeros(2 * B).to(labels.device).long()
        return F.cross_entropy(pred, true), F.cross_entropy(sim1, true[:B]), F.cross_entropy(sim2, true[B:])


class CLIPScoreNoNormalise(CLIPScore):
    """For gradients with respect to already normalised embeddings: the normalisation is left out."""

    def l2_normalize(self, x, dim):
        return x


class MiniCLIP(CLIPScore):
    """me-vgs CLIP with the image backbone replaced by its precomputed feature maps (backbone_type
    "identity" in the paper configs): ImageEncoder.forward's reshape, then TransformerPooling."""

    def __init__(self, audio_dim, image_dim, width, embed_dim):
        super().__init__()
        self.audio_enc = AudioEncoderTransformer(audio_dim, width, embed_dim)
        self.image_enc = nn.Module()
        self.image_enc.pool = TransformerPooling(image_dim, width, embed_dim)

    def encode_image(self, x):
        B, D, _, _ = x.shape
        x = x.view(B, D, -1)  # B × D × (WH)
        x = x.permute(0, 2, 1)  # B × (WH) × D
        return self.image_enc.pool(x)

    def compute_loss(self, audio, audio_length, image, labels):
        B, N, *_ = audio.shape
        audio = audio.view(B * N, *audio.shape[2:])
        audio_length = audio_length.view(B * N)
        audio_emb = self.audio_enc(audio, audio_length)
        audio_emb = audio_emb.view(B, N, *audio_emb.shape[1:])

        image = image.view(B * N, *image.shape[2:])
        image_emb = self.encode_image(image)
        image_emb = image_emb.view(B, N, *image_emb.shape[1:])
        return self.loss_from_embeddings(audio_emb, image_emb, labels)[0]


# ---- the tower generalised as vgs builds it ---------------------------------------------------------
class GeneralPooling(nn.Module):
    """TransformerPooling with `depth` encoder layers (layers.<i>) and, for [B, L, T, D] inputs, a
    softmax-weighted sum over L (input_layer_weights)."""

    def __init__(self, input_dim, width, output_dim, depth, input_layers):
        super().__init__()
        if input_layers > 1:
            self.input_layer_weights = nn.Parameter(torch.zeros(input_layers))
        self.proj_in = nn.Linear(input_dim, width)
        self.class_embedding = nn.Parameter(input_dim**-0.5 * torch.randn(width))
        self.layers = nn.ModuleList(
            nn.TransformerEncoderLayer(d_model=width, nhead=max(1, width // 64), dim_feedforward=4 * width,
                                       batch_first=True, norm_first=True, activation="gelu")
            for _ in range(depth))
        self.ln_out = nn.LayerNorm(width)
        self.proj_out = nn.Linear(width, output_dim, bias=False)

    def forward(self, x, lengths=None):
        if x.dim() == 4:
            x = torch.einsum("l,bltd->btd", self.input_layer_weights.softmax(0), x)
        B, T, _ = x.shape
        x = torch.cat([_expand_token(self.class_embedding, B), self.proj_in(x)], dim=1)
        mask = None if lengths is None else torch.arange(1 + T).expand(B, -1) >= (lengths + 1).unsqueeze(1)
        for layer in self.layers:
            x = layer(x, src_key_padding_mask=mask)
        return self.proj_out(self.ln_out(x[:, 0])).unsqueeze(-1)


# ---- helpers ----------------------------------------------------------------------------------------
def randomise(module: nn.Module, generator: torch.Generator) -> None:
    """Every parameter perturbed (zero biases and unit LayerNorm weights would hide mistakes)."""
    with torch.no_grad():
        for name, p in module.named_parameters():
            p.add_(torch.randn(p.shape, generator=generator) * (0.3 if p.dim() < 2 else 0.05))


def no_dropout(module: nn.Module) -> None:
    for m in module.modules():
        if isinstance(m, nn.Dropout):
            m.p = 0.0
        if isinstance(m, nn.MultiheadAttention):
            m.dropout = 0.0


def embed(pool, x, lengths):
    """A tower's L2-normalised embedding, as score_emb computes it: mean over the trailing 1, normalise."""
    out = pool(x, lengths).mean(dim=-1)
    return out / out.norm(dim=-1, keepdim=True)


def contiguous(d):
    return {k: v.detach().contiguous() for k, v in d.items()}


# ---- modes ------------------------------------------------------------------------------------------
def tower(args, generator):
    verbatim = args.depth == 1 and args.input_layers == 1
    if verbatim:
        pool = TransformerPooling(args.input_dim, args.width, args.embed_dim)
    else:
        pool = GeneralPooling(args.input_dim, args.width, args.embed_dim, args.depth, args.input_layers)
    randomise(pool, generator)
    shape = [args.batch] + ([args.input_layers] if args.input_layers > 1 else []) + [args.frames, args.input_dim]
    features = torch.randn(shape, generator=generator)
    lengths = None if args.lengths == "none" else torch.tensor([int(n) for n in args.lengths.split(",")])
    io = {"features": features}
    if lengths is not None:
        io["lengths"] = lengths

    pool.eval()
    with torch.no_grad():
        io["eval_fast"] = embed(pool, features, lengths)
    io["eval_slow"] = embed(pool, features, lengths)
    gap = (io["eval_fast"] - io["eval_slow"]).abs().max().item()
    assert gap < 1e-5, f"PyTorch's fused and plain encoder-layer paths differ by {gap}"

    pool.train()
    no_dropout(pool)
    x = features.clone().requires_grad_(True)
    io["train"] = embed(pool, x, lengths)
    io["probe"] = torch.randn(io["train"].shape, generator=generator)
    (io["train"] * io["probe"]).sum().backward()
    io["grad.features"] = x.grad
    for name, p in pool.named_parameters():
        io["grad." + name] = p.grad
    torch.save(contiguous(pool.state_dict()), os.path.join(args.out, "state.pt"))
    torch.save(contiguous(io), os.path.join(args.out, "io.pt"))
    print("fast vs slow path", gap)


def clip(args, generator):
    B, N, T, A, I, S = 3, 4, 6, 24, 40, 3
    model = MiniCLIP(A, I, 128, 32)
    randomise(model, generator)
    with torch.no_grad():
        model.logit_scale.fill_(math.log(1 / 0.07))  # as me-vgs initialises it
    model.train()
    no_dropout(model)
    audio = torch.randn(B, N, A, T, generator=generator)
    audio_length = torch.randint(1, T + 1, (B, N), generator=generator)
    image = torch.randn(B, N, I, S, S, generator=generator)
    labels = torch.zeros(B, N)
    labels[:, 0] = 1
    loss = model.compute_loss(audio, audio_length, image, labels)
    loss.backward()
    io = {"audio": audio, "audio_length": audio_length, "image": image, "loss": loss}
    for name, p in model.named_parameters():
        io["grad." + name] = p.grad
    torch.save(contiguous(model.state_dict()), os.path.join(args.out, "state.pt"))
    torch.save(contiguous(io), os.path.join(args.out, "io.pt"))
    print("clip loss", loss.item(), "logit_scale grad", model.logit_scale.grad.item())


def loss(args, generator):
    dtype = getattr(torch, args.dtype)
    B, N, E = 5, 4, 16
    out = {}

    def run(case, score, audio, image, logit_scale, literal_shape):
        audio = audio.clone().requires_grad_(True)
        image = image.clone().requires_grad_(True)
        with torch.no_grad():
            score.logit_scale.copy_(torch.tensor(logit_scale, dtype=dtype))
        score.zero_grad()
        a, i = literal_shape(audio), literal_shape(image)
        labels = torch.zeros(a.shape[0], a.shape[1])
        labels[:, 0] = 1
        total, a2i, i2a = score.loss_from_embeddings(a, i, labels)
        total.backward()
        out.update({f"{case}.audio": audio, f"{case}.image": image, f"{case}.logit_scale": score.logit_scale,
                    f"{case}.loss": total, f"{case}.audio_to_image": a2i, f"{case}.image_to_audio": i2a,
                    f"{case}.grad_audio": audio.grad, f"{case}.grad_image": image.grad,
                    f"{case}.grad_logit_scale": score.logit_scale.grad})

    # me-vgs's encoders return B·N × E × 1: the trailing 1 is what score_emb's mean(dim=-1) removes.
    as_me_vgs = lambda x: x.unsqueeze(-1)
    audio = torch.randn(B, N, E, generator=generator, dtype=dtype)
    image = torch.randn(B, N, E, generator=generator, dtype=dtype)
    run("fixed", CLIPScore().to(dtype), audio, image, math.log(1 / 0.07), as_me_vgs)
    run("learnable", CLIPScore().to(dtype), audio, image, math.log(150), as_me_vgs)
    unit = lambda x: x / x.norm(dim=-1, keepdim=True)
    run("direct", CLIPScoreNoNormalise().to(dtype), unit(audio), unit(image), math.log(150), as_me_vgs)

    K = N - 1
    negative_images = torch.randint(0, B, (B, K), generator=generator)
    negative_audios = torch.randint(0, B, (B, K), generator=generator)
    gather = lambda x, negatives: torch.cat([x[:, None], x[negatives]], dim=1).unsqueeze(-1)  # B × (1+K) × E × 1
    shared_audio = unit(torch.randn(B, E, generator=generator, dtype=dtype))
    shared_image = unit(torch.randn(B, E, generator=generator, dtype=dtype))
    score = CLIPScoreNoNormalise().to(dtype)
    audio_leaf = shared_audio.clone().requires_grad_(True)
    image_leaf = shared_image.clone().requires_grad_(True)
    with torch.no_grad():
        score.logit_scale.copy_(torch.tensor(math.log(150), dtype=dtype))
    labels = torch.zeros(B, 1 + K)
    labels[:, 0] = 1
    total, a2i, i2a = score.loss_from_embeddings(gather(audio_leaf, negative_audios), gather(image_leaf, negative_images), labels)
    total.backward()
    out.update({"shared.audio": audio_leaf, "shared.image": image_leaf, "shared.logit_scale": score.logit_scale,
                "shared.negative_images": negative_images, "shared.negative_audios": negative_audios,
                "shared.loss": total, "shared.audio_to_image": a2i, "shared.image_to_audio": i2a,
                "shared.grad_audio": audio_leaf.grad, "shared.grad_image": image_leaf.grad,
                "shared.grad_logit_scale": score.logit_scale.grad})
    torch.save(contiguous(out), os.path.join(args.out, "loss.pt"))
    print({k: float(v.detach()) for k, v in out.items() if k.endswith((".loss", "grad_logit_scale"))})


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("out")
    parser.add_argument("mode", choices=["tower", "clip", "loss"])
    parser.add_argument("--input-dim", type=int, default=48)
    parser.add_argument("--width", type=int, default=128)
    parser.add_argument("--embed-dim", type=int, default=32)
    parser.add_argument("--batch", type=int, default=4)
    parser.add_argument("--frames", type=int, default=7)
    parser.add_argument("--lengths", default="none")
    parser.add_argument("--depth", type=int, default=1)
    parser.add_argument("--input-layers", type=int, default=1)
    parser.add_argument("--dtype", default="float32", choices=["float32", "float64"])
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    torch.manual_seed(args.seed)
    generator = torch.Generator().manual_seed(args.seed)
    {"tower": tower, "clip": clip, "loss": loss}[args.mode](args, generator)


if __name__ == "__main__":
    main()
