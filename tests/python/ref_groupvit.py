"""Reference for tests/backbones/test_groupvit.cpp: transformers' GroupViTModel with random weights
AND random BatchNorm statistics in eval mode, its weights in both public layouts, and its outputs.

usage: ref_groupvit.py OUT_DIR [--config real|tiny] [--seed 0] [--sizes 224,160x208]
writes OUT_DIR/hf.safetensors  the HF layout (the whole GroupViTModel: text side included)
       OUT_DIR/nvlabs.pth      torch.save({'model': NVlabs state dict, 'epoch': 30, 'config': '...'}),
                               made with the inverse of HF's convert_groupvit_nvlab_to_hf.py (fused
                               qkv, Conv1d projector weights [out, in, 1]); for the real config its
                               img_* names and shapes are checked against the official key list
       OUT_DIR/cases.pt        per size S ("224", "160x208"): input_S [B,3,H,W], groups_S [B,8,D] (after
                               the final LayerNorm), projected_S [B,8,P], pooled_S [B,P], stage1_S
                               [B,64,D], stage2_S [B,8,D], soft{0,1}_S and hard{0,1}_S [B,G,N]; for
                               sizes other than the config's, position embeddings are interpolated with
                               HF's own embeddings.interpolate_pos_encoding
The hard maps are HF's own: hard_softmax's one-hot, recorded while HF runs.
"""
import argparse
import os
import re
import sys

import torch
from safetensors.torch import save_file
from transformers import GroupViTConfig, GroupViTModel
from transformers.models.groupvit import modeling_groupvit

KEY_LIST = os.path.join(os.path.dirname(__file__), "groupvit_state_dict_keys.txt")


def make_config(name: str) -> GroupViTConfig:
    if name == "real":
        return GroupViTConfig()  # the released models' numbers (384 wide, [6,3,3], 64/8 groups, 256)
    vision = dict(hidden_size=32, intermediate_size=128, depths=[1, 1, 1], num_group_tokens=[8, 4, 0],
                  num_output_groups=[8, 4, 4], num_attention_heads=2, num_hidden_layers=3)
    text = dict(hidden_size=16, intermediate_size=32, num_hidden_layers=1, num_attention_heads=2)
    return GroupViTConfig(text_config=text, vision_config=vision, projection_dim=32, projection_intermediate_dim=64)


def randomise(model: GroupViTModel, generator: torch.Generator) -> None:
    """Every parameter random (group tokens and position embeddings too, which HF leaves at zero) and
    the projector's BatchNorm statistics non-trivial: eval uses them."""
    with torch.no_grad():
        for name, p in model.named_parameters():
            if p.dim() >= 2:
                p.copy_(torch.randn(p.shape, generator=generator) * (p.shape[-1] ** -0.5))
            else:
                p.copy_(torch.randn(p.shape, generator=generator) * 0.1 + (1.0 if "norm" in name else 0.0))
        for bn in (model.visual_projection[1], model.text_projection[1]):
            n = bn.num_features
            bn.running_mean.copy_(torch.randn(n, generator=generator) * 0.1)
            bn.running_var.copy_(torch.rand(n, generator=generator) * 1.5 + 0.5)
            bn.num_batches_tracked.fill_(123)


def to_nvlabs(hf: dict, width: int) -> dict:
    """The inverse of HF's convert_groupvit_nvlab_to_hf.py for the image side."""
    out = {}
    fused = {}
    for key, value in hf.items():
        if not key.startswith(("vision_model.", "visual_projection.")):
            continue
        m = re.match(r"vision_model\.encoder\.stages\.(\d+)\.layers\.(\d+)\.self_attn\.([qkv])_proj\.(weight|bias)$", key)
        if m:
            fused.setdefault((m[1], m[2], m[4]), {})[m[3]] = value
            continue
        k = key
        k = k.replace("vision_model.embeddings.position_embeddings", "img_encoder.pos_embed")
        k = k.replace("vision_model.embeddings.patch_embeddings.projection", "img_encoder.patch_embed.proj")
        k = k.replace("vision_model.embeddings.layernorm", "img_encoder.patch_embed.norm")
        k = k.replace("vision_model.encoder.stages", "img_encoder.layers")
        k = re.sub(r"(img_encoder\.layers\.\d+)\.layers\.", r"\1.blocks.", k)
        k = k.replace("self_attn.out_proj", "attn.proj").replace("pre_assign_attn.attn.out_proj", "pre_assign_attn.attn.proj")
        k = k.replace("layer_norm1", "norm1").replace("layer_norm2", "norm2")
        k = k.replace("vision_model.layernorm", "img_encoder.norm")
        k = re.sub(r"^visual_projection\.([01])\.", r"img_projector.linear_hidden.\1.", k)
        k = k.replace("visual_projection.3.", "img_projector.linear_out.")
        if k.startswith("img_projector.") and k.endswith("weight") and value.dim() == 2:
            value = value.unsqueeze(-1)  # Conv1d(k=1)
        out[k] = value.clone()
    for (stage, block, kind), qkv in fused.items():
        out[f"img_encoder.layers.{stage}.blocks.{block}.attn.qkv.{kind}"] = torch.cat([qkv["q"], qkv["k"], qkv["v"]], 0)
    # text-side tensors the loader must ignore
    out["logit_scale"] = torch.tensor(2.6592)
    out["multi_label_logit_scale"] = torch.tensor(2.0)
    out["text_encoder.ln_final.weight"] = torch.ones(256)
    out["text_projector.linear_out.weight"] = torch.zeros(256, 64, 1)
    return out


def check_against_key_list(nvlabs: dict) -> None:
    expected = {}
    with open(KEY_LIST) as f:
        for line in f:
            name, shape = line.rstrip("\n").split("\t")
            if name.startswith(("img_encoder.", "img_projector.")):
                expected[name] = tuple(int(x) for x in re.findall(r"\d+", shape))
    ours = {k: tuple(v.shape) for k, v in nvlabs.items() if k.startswith(("img_encoder.", "img_projector."))}
    if ours != expected:
        missing = sorted(set(expected) - set(ours))
        extra = sorted(set(ours) - set(expected))
        shapes = sorted(k for k in set(ours) & set(expected) if ours[k] != expected[k])
        sys.exit(f"NVlabs layout differs from the official key list: missing {missing[:5]} extra {extra[:5]} shapes {shapes[:5]}")


class HardMaps:
    """Records the one-hot of every hard_softmax call (HF's eval-time assignment)."""

    def __init__(self):
        self.maps = []
        self.original = modeling_groupvit.hard_softmax

    def __enter__(self):
        def recording(logits, dim):
            y_soft = logits.softmax(dim)
            index = y_soft.max(dim, keepdim=True)[1]
            self.maps.append(torch.zeros_like(logits).scatter_(dim, index, 1.0))
            return self.original(logits, dim)

        modeling_groupvit.hard_softmax = recording
        return self

    def __exit__(self, *exc):
        modeling_groupvit.hard_softmax = self.original


def run(model: GroupViTModel, x: torch.Tensor, interpolate: bool) -> dict:
    vm = model.vision_model
    with torch.no_grad(), HardMaps() as hard:
        emb = vm.embeddings(x, interpolate_pos_encoding=interpolate)
        enc = vm.encoder(emb, output_hidden_states=True, output_attentions=True, return_dict=True)
        groups = vm.layernorm(enc.last_hidden_state)
        pooled = model.visual_projection(groups.mean(1))
        projected = model.visual_projection(groups.reshape(-1, groups.shape[-1])).reshape(groups.shape[0], groups.shape[1], -1)
    out = {"groups": groups, "projected": projected, "pooled": pooled,
           "stage1": enc.hidden_states[1], "stage2": enc.hidden_states[2]}
    for s, (soft, one_hot) in enumerate(zip(enc.attentions, hard.maps)):
        out[f"soft{s}"], out[f"hard{s}"] = soft, one_hot
    if not interpolate:  # the plain HF entry point gives the same embedding
        with torch.no_grad():
            assert torch.allclose(model.get_image_features(pixel_values=x).pooler_output, pooled, atol=1e-5)
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("out")
    parser.add_argument("--config", default="real", choices=["real", "tiny"])
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--sizes", default="224,160x208")
    parser.add_argument("--batch", type=int, default=2)
    args = parser.parse_args()

    torch.manual_seed(args.seed)
    generator = torch.Generator().manual_seed(args.seed)
    config = make_config(args.config)
    model = GroupViTModel(config)
    randomise(model, generator)
    model.eval()
    state = {k: v.contiguous() for k, v in model.state_dict().items()}
    save_file(state, os.path.join(args.out, "hf.safetensors"))
    nvlabs = to_nvlabs(state, config.vision_config.hidden_size)
    if args.config == "real":
        check_against_key_list(nvlabs)
    torch.save({"model": nvlabs, "epoch": 30, "config": "group_vit_gcc_yfcc_30e"}, os.path.join(args.out, "nvlabs.pth"))

    cases = {}
    base = config.vision_config.image_size
    for size in args.sizes.split(","):
        h, w = (int(v) for v in size.split("x")) if "x" in size else (int(size), int(size))
        x = torch.randn(args.batch, 3, h, w, generator=generator)
        cases[f"input_{size}"] = x
        for name, value in run(model, x, interpolate=(h, w) != (base, base)).items():
            cases[f"{name}_{size}"] = value.contiguous()
    torch.save(cases, os.path.join(args.out, "cases.pt"))
    print("scale", {k: round(float(v.abs().max()), 3) for k, v in cases.items() if k.startswith(("pooled", "groups"))})


if __name__ == "__main__":
    main()
