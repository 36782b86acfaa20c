"""Reference for tests/models/test_text_grouping.cpp: the text grouping model transcribed in PyTorch
from GroupViT's code (NVlabs/GroupViT models/group_vit.py: Mlp, Attention, CrossAttnBlock,
AssignAttention, GroupingBlock; a padding mask added), PyTorch's nn.TransformerEncoderLayer and
nn.MultiheadAttention for the transformer layers, run in eval mode (no Gumbel noise, no dropout) on
weights and inputs written by the C++ test.

usage: ref_text_grouping.py DIR
reads DIR/model.safetensors (the C++ model's state dict; metadata: width, heads, groups, pooling,
tie_output, decoder_heads, assign_eps, reconstruction_weight) and DIR/inputs.safetensors (ids [B, L]
int64, keep [B, L] bool, image_groups [B, G, D]); writes DIR/reference.pt: groups, pooled, hard, soft,
recon_losses [B, L - 1], reconstruction, contrastive, loss, and grad.<name> for every parameter.
"""
import math
import os
import sys

import torch
import torch.nn as nn
import torch.nn.functional as F
from safetensors import safe_open
from safetensors.torch import load_file


class Mlp(nn.Module):  # GroupViT's Mlp (drop 0)
    def __init__(self, in_features, hidden_features, out_features):
        super().__init__()
        self.fc1 = nn.Linear(in_features, hidden_features)
        self.act = nn.GELU()
        self.fc2 = nn.Linear(hidden_features, out_features)

    def forward(self, x):
        return self.fc2(self.act(self.fc1(x)))


class Attention(nn.Module):  # GroupViT's Attention, cross-attention form, plus a key padding mask
    def __init__(self, dim, num_heads, kdim=None):
        super().__init__()
        kdim = kdim or dim
        self.num_heads = num_heads
        self.scale = (dim // num_heads) ** -0.5
        self.q_proj = nn.Linear(dim, dim)
        self.k_proj = nn.Linear(kdim, dim)
        self.v_proj = nn.Linear(kdim, dim)
        self.proj = nn.Linear(dim, dim)

    def forward(self, query, key, keep=None):
        B, N, C = query.shape
        S = key.shape[1]
        h = self.num_heads
        q = self.q_proj(query).reshape(B, N, h, C // h).permute(0, 2, 1, 3)
        k = self.k_proj(key).reshape(B, S, h, C // h).permute(0, 2, 1, 3)
        v = self.v_proj(key).reshape(B, S, h, C // h).permute(0, 2, 1, 3)
        attn = (q @ k.transpose(-2, -1)) * self.scale
        if keep is not None:
            attn = attn.masked_fill(~keep[:, None, None, :], float("-inf"))
        attn = attn.softmax(dim=-1)
        out = (attn @ v).transpose(1, 2).reshape(B, N, C)
        return self.proj(out)


class CrossAttnBlock(nn.Module):  # post_norm=True: norm_q, norm_k are identities
    def __init__(self, dim, num_heads):
        super().__init__()
        self.attn = Attention(dim, num_heads)
        self.norm2 = nn.LayerNorm(dim)
        self.mlp = Mlp(dim, 4 * dim, dim)
        self.norm_post = nn.LayerNorm(dim)

    def forward(self, query, key, keep):
        x = query
        x = x + self.attn(query, key, keep)
        x = x + self.mlp(self.norm2(x))
        return self.norm_post(x)


def hard_softmax(logits, dim):  # GroupViT's, eval mode
    y_soft = logits.softmax(dim)
    index = y_soft.max(dim, keepdim=True)[1]
    y_hard = torch.zeros_like(logits).scatter_(dim, index, 1.0)
    return y_hard - y_soft.detach() + y_soft, y_hard


class AssignAttention(nn.Module):  # one head, hard=True, eval (no Gumbel noise); padding in no group
    def __init__(self, dim, assign_eps):
        super().__init__()
        self.scale = dim ** -0.5
        self.q_proj = nn.Linear(dim, dim)
        self.k_proj = nn.Linear(dim, dim)
        self.v_proj = nn.Linear(dim, dim)
        self.proj = nn.Linear(dim, dim)
        self.assign_eps = assign_eps

    def forward(self, query, key, keep):
        raw = (self.q_proj(query) @ self.k_proj(key).transpose(-2, -1)) * self.scale  # [B, K, S]
        attn, y_hard = hard_softmax(raw, dim=-2)
        kept = keep[:, None, :].to(attn.dtype)
        attn = attn * kept
        soft = F.softmax(raw, dim=-2) * kept
        attn = attn / (attn.sum(dim=-1, keepdim=True) + self.assign_eps)
        out = self.proj(attn @ self.v_proj(key))
        return out, (y_hard * kept).detach(), soft.detach()


class GroupingBlock(nn.Module):
    def __init__(self, dim, num_heads, num_group_token, assign_eps):
        super().__init__()
        self.norm_tokens = nn.LayerNorm(dim)
        self.mlp_inter = Mlp(num_group_token, dim // 2, num_group_token)
        self.norm_post_tokens = nn.LayerNorm(dim)
        self.norm_x = nn.LayerNorm(dim)
        self.pre_assign_attn = CrossAttnBlock(dim, num_heads)
        self.assign = AssignAttention(dim, assign_eps)
        self.norm_new_x = nn.LayerNorm(dim)
        self.mlp_channels = Mlp(dim, 4 * dim, dim)

    def forward(self, x, group_tokens, keep):
        group_tokens = self.norm_tokens(group_tokens)
        x = self.norm_x(x)
        projected = self.norm_post_tokens(self.mlp_inter(group_tokens.transpose(1, 2)).transpose(1, 2))
        projected = self.pre_assign_attn(projected, x, keep)
        new_x, hard, soft = self.assign(projected, x, keep)
        new_x = new_x + projected
        new_x = new_x + self.mlp_channels(self.norm_new_x(new_x))
        return new_x, hard, soft


class Decoder(nn.Module):
    def __init__(self, width, memory_dim, max_len, heads):
        super().__init__()
        self.positional_embedding = nn.Parameter(torch.zeros(max_len, width))
        self.self_attn = nn.MultiheadAttention(width, heads, batch_first=True)
        self.cross_attn = Attention(width, heads, kdim=memory_dim)
        self.linear1 = nn.Linear(width, 4 * width)
        self.linear2 = nn.Linear(4 * width, width)
        self.norm1, self.norm2, self.norm3, self.ln_final = (nn.LayerNorm(width) for _ in range(4))

    def forward(self, embedded, keep, groups):
        S = embedded.shape[1]
        x = embedded + self.positional_embedding[:S]
        causal = torch.ones(S, S, dtype=torch.bool).triu(1)  # True: not allowed
        h = self.norm1(x)
        x = x + self.self_attn(h, h, h, attn_mask=causal, key_padding_mask=~keep, need_weights=False)[0]
        x = x + self.cross_attn(self.norm2(x), groups)
        x = x + self.linear2(F.gelu(self.linear1(self.norm3(x))))
        return self.ln_final(x)


class TextGrouping(nn.Module):
    def __init__(self, m, state):
        super().__init__()
        V, W = state["token_embedding.weight"].shape
        K, D = state["group_token"].shape[0], state["projection.weight"].shape[0]
        heads, L = int(m["heads"]), state["positional_embedding"].shape[0]
        count = lambda prefix: len({k.split(".")[1] for k in state if k.startswith(prefix)})
        self.pooling, self.tie_output = m["pooling"], m["tie_output"] == "true"
        self.token_embedding = nn.Embedding(V, W)
        self.positional_embedding = nn.Parameter(torch.zeros(L, W))
        self.group_token = nn.Parameter(torch.zeros(K, W))
        layer = lambda: nn.TransformerEncoderLayer(W, heads, 4 * W, dropout=0.0, activation="gelu",
                                                   batch_first=True, norm_first=True)
        self.layers = nn.ModuleList(layer() for _ in range(count("layers.")))
        self.grouping = GroupingBlock(W, heads, K, float(m["assign_eps"]))
        self.group_layers = nn.ModuleList(layer() for _ in range(count("group_layers.")))
        self.ln_final = nn.LayerNorm(W)
        self.projection = nn.Linear(W, D, bias=False)
        self.decoder = Decoder(W, D, L, int(m["decoder_heads"]))
        if not self.tie_output:
            self.output = nn.Linear(W, V)
        self.logit_scale = nn.Parameter(torch.zeros(()))

    def forward(self, ids, keep):
        B, L = ids.shape
        K = self.group_token.shape[0]
        x = self.token_embedding(ids) + self.positional_embedding[:L]
        h = torch.cat([x, self.group_token.expand(B, -1, -1)], dim=1)
        padding = torch.cat([~keep, torch.zeros(B, K, dtype=torch.bool)], dim=1)
        for layer in self.layers:
            h = layer(h, src_key_padding_mask=padding)
        g, hard, soft = self.grouping(h[:, :L], h[:, L:], keep)
        for layer in self.group_layers:
            g = layer(g)
        groups = F.normalize(self.projection(self.ln_final(g)), dim=-1)
        pooled = groups.mean(1) if self.pooling == "mean" else groups.max(1)[0]
        return groups, F.normalize(pooled, dim=-1), hard, soft

    def reconstruction_losses(self, ids, keep, groups):
        hidden = self.decoder(self.token_embedding(ids[:, :-1]), keep[:, :-1], groups)
        logits = hidden @ self.token_embedding.weight.T if self.tie_output else self.output(hidden)
        targets = ids[:, 1:].masked_fill(~keep[:, 1:], -100)
        return F.cross_entropy(logits.transpose(1, 2), targets, reduction="none")  # 0 where ignored


def main():
    out = sys.argv[1]
    torch.set_default_dtype(torch.float64)
    path = os.path.join(out, "model.safetensors")
    state = load_file(path)
    with safe_open(path, framework="pt") as f:
        meta = f.metadata()
    model = TextGrouping(meta, state).double()
    missing, unexpected = model.load_state_dict(state, strict=False)
    assert not unexpected, unexpected
    assert missing == [] or (missing == ["logit_scale"] and "logit_scale" not in state), missing
    model.eval()
    inputs = load_file(os.path.join(out, "inputs.safetensors"))
    ids, keep, image_groups = inputs["ids"], inputs["keep"], inputs["image_groups"].double()

    groups, pooled, hard, soft = model(ids, keep)
    recon_losses = model.reconstruction_losses(ids, keep, groups)
    reconstruction = recon_losses.sum() / keep[:, 1:].sum()
    image = F.normalize(image_groups.mean(1), dim=-1)
    scale = model.logit_scale.exp()
    labels = torch.arange(ids.shape[0])
    contrastive = (F.cross_entropy(scale * pooled @ image.T, labels) + F.cross_entropy(scale * image @ pooled.T, labels)) / 2
    loss = contrastive + float(meta["reconstruction_weight"]) * reconstruction
    loss.backward()
    result = {"groups": groups, "pooled": pooled, "hard": hard, "soft": soft, "recon_losses": recon_losses,
              "reconstruction": reconstruction, "contrastive": contrastive, "loss": loss}
    for name, p in model.named_parameters():
        if name in state:
            result["grad." + name] = p.grad if p.grad is not None else torch.zeros_like(p)
    torch.save({k: v.detach().contiguous() for k, v in result.items()}, os.path.join(out, "reference.pt"))
    print("text grouping reference: loss", loss.item(), "reconstruction", reconstruction.item())


if __name__ == "__main__":
    main()
