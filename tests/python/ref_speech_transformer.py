"""Reference outputs for the speech transformer parity tests, from HuggingFace transformers'
WavLMModel, Wav2Vec2Model and HubertModel.

Usage: ref_speech_transformer.py OUT_DIR WHICH [hf,torchaudio,unilm,fairseq_args]
  WHICH: wavlm_base_plus, wavlm_large, wavlm_tiny, wavlm_tiny_large, wav2vec2_base, wav2vec2_tiny,
         hubert_base, hubert_tiny

Builds the model with random weights (every parameter perturbed, so that gates, biases and norms
all matter), runs each utterance of a mixed-length batch ALONE (the ground truth a batched
implementation must reproduce), and writes with torch.save:
  OUT_DIR/hf.pt          the HF state dict (an OrderedDict, as save_pretrained's .bin holds)
  OUT_DIR/torchaudio.pt  the same weights in torchaudio's naming (import_huggingface_model)
  OUT_DIR/unilm.pt       the same weights in fairseq's {'cfg', 'model'} layout (unilm's for WavLM;
                         HuBERT's cfg nested under 'model' as fairseq's hydra checkpoints have it)
  OUT_DIR/fairseq_args.pt  fairseq's names again, in an older fairseq checkpoint's layout: the settings
                         in an argparse.Namespace under 'args' (as wav2vec_small.pt), the trainer's state beside
(the namings to write are the optional third argument; hf, torchaudio and unilm by default)
  OUT_DIR/io.pt          {'waveforms' [B, N] zero-padded, 'lengths' [B], 'item{i}_layer{l}' [T_i, D]}
It also checks that torchaudio's model, fed the same batch, agrees with HF (exit 1 otherwise).
"""
import argparse
import sys

import torch
from transformers import HubertConfig, HubertModel, Wav2Vec2Config, Wav2Vec2Model, WavLMConfig, WavLMModel
from torchaudio.models.wav2vec2.utils import import_huggingface_model

from speech_batch import mixed_length_batch

out_dir, which = sys.argv[1], sys.argv[2]
namings = sys.argv[3].split(",") if len(sys.argv) > 3 else ["hf", "torchaudio", "unilm"]
torch.manual_seed(0)

family, size = which.split("_", 1)
Config, Model = {"wavlm": (WavLMConfig, WavLMModel), "wav2vec2": (Wav2Vec2Config, Wav2Vec2Model),
                 "hubert": (HubertConfig, HubertModel)}[family]
tiny = dict(hidden_size=64, num_hidden_layers=2, num_attention_heads=4, intermediate_size=128, conv_dim=[32] * 7,
            num_conv_pos_embeddings=16, num_conv_pos_embedding_groups=4)
large = dict(feat_extract_norm="layer", conv_bias=True, do_stable_layer_norm=True)
if size == "large":  # the released WavLM Large (HF, torchaudio, unilm) has no conv biases
    config = Config(hidden_size=1024, num_hidden_layers=24, num_attention_heads=16, intermediate_size=4096,
                    **{**large, "conv_bias": False})
elif size == "tiny_large":  # Large's layout (LayerNorm convs with bias, pre-LN) at a small size
    config = Config(**tiny, **large)
elif size == "tiny":
    config = Config(**tiny)
else:  # base, base_plus: the HF defaults are the Base models
    config = Config()
config.layerdrop = 0.0
model = Model(config).eval()
with torch.no_grad():
    for name, p in model.named_parameters():
        if "masked_spec_embed" in name:
            continue
        scale = 0.3 if ("rel_attn_embed" in name or "gru_rel_pos" in name) else 0.05
        if p.dim() == 2 and size == "large":
            # Pre-LN keeps adding to the residual stream: at width 1024 and depth 24, weights this
            # size keep it near unit scale, where float32 rounding stays well below the 1e-4 bound.
            scale = 0.01
        p.add_(torch.randn_like(p) * scale)

waveforms, lengths = mixed_length_batch()

io = {"waveforms": waveforms, "lengths": lengths}
with torch.no_grad():
    for i, n in enumerate(lengths.tolist()):
        out = model(waveforms[i : i + 1, :n], output_hidden_states=True)
        states = list(out.hidden_states)
        assert len(states) == config.num_hidden_layers + 1, len(states)
        # The last hidden state is the model's output (after the final LayerNorm for pre-LN models).
        states[-1] = out.last_hidden_state
        for layer, h in enumerate(states):
            io[f"item{i}_layer{layer}"] = h[0].clone()
torch.save(io, f"{out_dir}/io.pt")

state = model.state_dict()
if "hf" in namings:
    torch.save(state, f"{out_dir}/hf.pt")

# torchaudio's own port, fed the same utterances, must agree with HF: then its naming is a fair test.
# (Its extract_features returns raw layer outputs: compare the last layer before any final LayerNorm.)
if "torchaudio" in namings:
    audio_model = import_huggingface_model(model).eval()
    last_raw = config.num_hidden_layers - (1 if config.do_stable_layer_norm else 0)
    with torch.no_grad():
        for i, n in enumerate(lengths.tolist()):
            layers, _ = audio_model.extract_features(waveforms[i : i + 1, :n])
            diff = (layers[last_raw - 1][0] - io[f"item{i}_layer{last_raw}"]).abs().max().item()
            if diff > 1e-4:
                print(f"torchaudio disagrees with HF on item {i}: {diff}")
                sys.exit(1)
    torch.save(audio_model.state_dict(), f"{out_dir}/torchaudio.pt")

# fairseq naming (unilm's wavlm/WavLM.py for WavLM), the inverse of transformers' conversion table.
def to_unilm(name):
    layer_norm_conv = config.feat_extract_norm == "layer"
    rules = [
        ("feature_projection.layer_norm.", "layer_norm."),
        ("feature_projection.projection.", "post_extract_proj."),
        ("encoder.pos_conv_embed.conv.parametrizations.weight.original0", "encoder.pos_conv.0.weight_g"),
        ("encoder.pos_conv_embed.conv.parametrizations.weight.original1", "encoder.pos_conv.0.weight_v"),
        ("encoder.pos_conv_embed.conv.weight_g", "encoder.pos_conv.0.weight_g"),
        ("encoder.pos_conv_embed.conv.weight_v", "encoder.pos_conv.0.weight_v"),
        ("encoder.pos_conv_embed.conv.bias", "encoder.pos_conv.0.bias"),
        (".attention.gru_rel_pos_const", ".self_attn.grep_a"),
        (".attention.gru_rel_pos_linear.", ".self_attn.grep_linear."),
        (".attention.rel_attn_embed.", ".self_attn.relative_attention_bias."),
        (".attention.", ".self_attn."),
        (".feed_forward.intermediate_dense.", ".fc1."),
        (".feed_forward.output_dense.", ".fc2."),
        ("masked_spec_embed", "mask_emb"),
    ]
    if name.startswith("encoder.layers.") and ".layer_norm." in name and "final" not in name:
        return name.replace(".layer_norm.", ".self_attn_layer_norm.")
    if name.startswith("feature_extractor.conv_layers."):
        name = name.replace(".conv.", ".0.")
        return name.replace(".layer_norm.", ".2.1." if layer_norm_conv else ".2.")
    for old, new in rules:
        if old in name:
            return name.replace(old, new)
    return name

cfg = {"encoder_layers": config.num_hidden_layers, "encoder_embed_dim": config.hidden_size,
       "encoder_ffn_embed_dim": config.intermediate_size, "encoder_attention_heads": config.num_attention_heads,
       "layer_norm_first": config.do_stable_layer_norm, "normalize": False, "extractor_mode":
       "layer_norm" if config.feat_extract_norm == "layer" else "default", "conv_bias": config.conv_bias,
       "dropout": 0.1, "conv_feature_layers": "[(512,10,5)] + [(512,3,2)] * 4 + [(512,2,2)] * 2"}
if family == "wavlm":
    cfg.update({"relative_position_embedding": True, "num_buckets": 320, "max_distance": 800, "gru_rel_pos": True})
if family == "hubert":  # fairseq's hydra checkpoints: {'cfg': {'model': {...}, 'task': {...}}}
    cfg = {"model": cfg, "task": {"normalize": False}}
# fairseq's pretraining heads, which a frozen extractor must leave out.
heads = {"wav2vec2": {"quantizer.vars": torch.zeros(1, 640, 128), "project_q.weight": torch.zeros(256, 256)},
         "hubert": {"label_embs_concat": torch.zeros(504, 256), "final_proj.weight": torch.zeros(256, config.hidden_size)}}
fairseq_state = {**{to_unilm(k): v for k, v in state.items()}, **heads.get(family, {})}
if "unilm" in namings:
    torch.save({"cfg": cfg, "model": fairseq_state}, f"{out_dir}/unilm.pt")
# fairseq's older checkpoints (wav2vec_small.pt): the settings in an argparse.Namespace under 'args',
# 'cfg' None, and the trainer's state beside the model (optimizer history, Adam's moments).
if "fairseq_args" in namings:
    flat = {**cfg.get("model", cfg), "arch": family, "lr": [0.0005], "latent_temp": (2, 0.5, 0.999995)}
    any_weight = next(iter(fairseq_state.values()))
    torch.save({"args": argparse.Namespace(**flat), "cfg": None, "model": fairseq_state,
                "optimizer_history": [{"criterion_name": "Wav2vecCriterion", "optimizer_name": "FairseqAdam",
                                       "lr_scheduler_state": {"best": 2.1}, "num_updates": 400000}],
                "extra_state": {"epoch": 3, "val_loss": 2.1},
                "last_optimizer_state": {"state": {0: {"step": 7, "exp_avg": torch.zeros_like(any_weight)}}}},
               f"{out_dir}/fairseq_args.pt")
print(f"wrote {which} references to {out_dir}")
