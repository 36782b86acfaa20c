"""Reference outputs for the torchaudio-layout tests of the speech transformers, from torchaudio's
own models (torchaudio.models), not from a conversion of HF's.

Usage: ref_torchaudio_speech.py OUT_DIR WHICH
  WHICH: wav2vec2_base, hubert_base, wavlm_base   the factory functions (full size), as the released
                                                  wav2vec2_fairseq_base_ls960.pth, hubert_fairseq_base_ls960.pth
                                                  and wavlm_base(_plus).pth were made
         wav2vec2_tiny_large, wavlm_tiny_large    wav2vec2_model / wavlm_model with the Large layout
                                                  (LayerNorm convs without bias, pre-LN, final LayerNorm),
                                                  64 wide, 2 layers: the same names at a small size
         wavlm_large_names                        torchaudio.models.wavlm_large(): names and shapes only

Every parameter is randomised (torchaudio starts some biases at 0 and norms at 1). Writes with
torch.save:
  OUT_DIR/torchaudio.pt  model.state_dict(); for the full-size factories with the positional
                         convolution's weight norm spelt weight_g / weight_v, as the released files
                         (saved by older torchaudio) have it; the tiny ones keep today's
                         parametrizations.weight.original0/1. wavlm_large_names: every tensor an
                         expanded one-element storage (right names and shapes, a few bytes).
  OUT_DIR/io.pt          {'waveforms' [B, N] zero-padded, 'lengths' [B], 'item{i}_layer{l}' [T_i, D]}
Hidden state 0 is the transformer's input after its pre-processing (positional convolution, and for
post-LN models the encoder LayerNorm: Transformer._preprocess); state l (1..L) is extract_features'
entry l-1, the raw output of layer l; the last state is the model's output, which for pre-LN models
adds the final LayerNorm that extract_features leaves out. Each utterance runs alone (with its
length given), the ground truth a batched implementation must reproduce. wav2vec 2.0 and HuBERT
also run the mixed-length batch with lengths; for the Large layout (no GroupNorm over time) every
item must agree with its run alone, for Base the longest. torchaudio's WavLM takes no lengths (its
attention asserts that no mask is given), so WavLM runs each utterance alone only.
"""
import sys

import torch
import torchaudio.models as ta

from speech_batch import mixed_length_batch

out_dir, which = sys.argv[1], sys.argv[2]
WAVLM = which.startswith("wavlm")
torch.manual_seed(0)

TINY = dict(extractor_conv_layer_config=[(32, 10, 5)] + [(32, 3, 2)] * 4 + [(32, 2, 2)] * 2, extractor_conv_bias=False,
            encoder_embed_dim=64, encoder_projection_dropout=0.0, encoder_pos_conv_kernel=16, encoder_pos_conv_groups=4,
            encoder_num_layers=2, encoder_num_heads=4, encoder_attention_dropout=0.0, encoder_ff_interm_features=128,
            encoder_ff_interm_dropout=0.0, encoder_dropout=0.0, encoder_layer_drop=0.0, aux_num_out=None)
LARGE_LAYOUT = dict(extractor_mode="layer_norm", encoder_layer_norm_first=True)


def build(which):
    if which in ("wav2vec2_base", "hubert_base", "wavlm_base"):
        return getattr(ta, which)()
    if which == "wav2vec2_tiny_large":
        return ta.wav2vec2_model(**TINY, **LARGE_LAYOUT)
    if which == "wavlm_tiny_large":
        return ta.wavlm_model(**TINY, **LARGE_LAYOUT, encoder_num_buckets=320, encoder_max_distance=800)
    if which == "wavlm_large_names":
        return ta.wavlm_large()
    raise SystemExit(f"unknown model {which}")


def randomise(model):
    with torch.no_grad():
        for name, p in model.named_parameters():
            scale = 0.3 if ("rel_attn_embed" in name or "gru_rel_pos" in name) else 0.05
            p.add_(torch.randn_like(p) * scale)


def legacy_weight_norm_names(state):
    """torch.nn.utils.weight_norm's names, which the released torchaudio files hold."""
    renamed = {}
    for name, t in state.items():
        name = name.replace("parametrizations.weight.original0", "weight_g")
        renamed[name.replace("parametrizations.weight.original1", "weight_v")] = t
    return renamed


def hidden_states(model, waveform, length):
    """Every hidden state of one utterance: [L + 1] tensors [T, D]. torchaudio's WavLM asserts that
    it gets no attention mask, so it is given no lengths (one utterance needs none)."""
    lengths = None if WAVLM else torch.tensor([length])
    features, frames = model.feature_extractor(waveform, lengths)
    x, _ = model.encoder._preprocess(features, frames)
    states = [model.encoder.transformer._preprocess(x)]
    layers, _ = model.extract_features(waveform, lengths)
    states += list(layers)
    final, _ = model(waveform, lengths)
    if not model.encoder.transformer.layer_norm_first:  # pre-LN: the output adds the final LayerNorm
        states[-1] = final
    elif (final - states[-1]).abs().max().item() > 1e-6:
        raise SystemExit("post-LN torchaudio model: forward() differs from the last extract_features entry")
    return [s[0].clone() for s in states]


def main():
    model = build(which)
    if which == "wavlm_large_names":
        state = {k: torch.zeros(1).expand(v.shape) for k, v in legacy_weight_norm_names(model.state_dict()).items()}
        torch.save(state, f"{out_dir}/torchaudio.pt")
        print(f"wrote {len(state)} torchaudio wavlm_large names")
        return
    randomise(model)
    model.eval()

    waveforms, lengths = mixed_length_batch()

    io = {"waveforms": waveforms, "lengths": lengths}
    with torch.no_grad():
        for i, n in enumerate(lengths.tolist()):
            for layer, h in enumerate(hidden_states(model, waveforms[i : i + 1, :n], n)):
                io[f"item{i}_layer{layer}"] = h
    worst = 0.0 if WAVLM else check_batched(model, waveforms, lengths, io)
    torch.save(io, f"{out_dir}/io.pt")
    state = model.state_dict()
    torch.save(state if "tiny" in which else legacy_weight_norm_names(state), f"{out_dir}/torchaudio.pt")
    print(f"wrote torchaudio {which} references to {out_dir} (torchaudio batched vs alone: {worst:.2e})")


def check_batched(model, waveforms, lengths, io):
    """torchaudio's own mixed-length batch (with lengths): the Base models' GroupNorm spans padding,
    so only the longest item (and, for the Large layout, every item) must equal its run alone."""
    with torch.no_grad():
        batched, frames = model.extract_features(waveforms, lengths)
    worst = 0.0
    for i, n in enumerate(frames.tolist()):
        for layer, h in enumerate(batched if model.encoder.transformer.layer_norm_first else batched[:-1]):
            diff = (h[i, :n] - io[f"item{i}_layer{layer + 1}"]).abs().max().item()
            if "large" in which or i == int(lengths.argmax()):
                worst = max(worst, diff)
    if worst > 1e-4:
        raise SystemExit(f"torchaudio's batched output differs from its per-item output by {worst}")
    return worst


main()
