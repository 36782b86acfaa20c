"""Reference for tests/backbones/test_resnet.cpp: a torchvision ResNet (Bottleneck) with random
weights AND random BatchNorm statistics, its state dict (fc included) and its stage maps on random
inputs, written with torch.save for the C++ test to compare against.

usage: ref_resnet.py OUT_DIR --blocks 3,4,6,3 --sizes 224,256 --batch 2 [--seed 0]
writes OUT_DIR/state.pt  (the state dict, a plain dict of tensors, with fc.* and num_batches_tracked)
       OUT_DIR/cases.pt  {"input_S": [B,3,S,S], "layer1_S".."layer4_S": [B,C,h,w], "pooled_S": [B,C]}
"""
import argparse
import os

import torch
from torchvision.models.resnet import Bottleneck, ResNet


def randomise(model: torch.nn.Module, generator: torch.Generator) -> None:
    """Kaiming convs from torchvision's init, then BatchNorm affine and running statistics made random
    (eval uses the running statistics, so a parity test must not leave them at 0 and 1)."""
    with torch.no_grad():
        for module in model.modules():
            if isinstance(module, torch.nn.BatchNorm2d):
                n = module.num_features
                module.weight.copy_(torch.rand(n, generator=generator) * 0.5 + 0.5)
                module.bias.copy_(torch.randn(n, generator=generator) * 0.1)
                module.running_mean.copy_(torch.randn(n, generator=generator) * 0.1)
                module.running_var.copy_(torch.rand(n, generator=generator) * 1.5 + 0.5)
                module.num_batches_tracked.fill_(int(torch.randint(1, 1000, (1,), generator=generator)))
            elif isinstance(module, torch.nn.Conv2d):
                torch.nn.init.kaiming_normal_(module.weight, mode="fan_out", nonlinearity="relu", generator=generator)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("out")
    parser.add_argument("--blocks", default="3,4,6,3")
    parser.add_argument("--sizes", default="224,256")
    parser.add_argument("--batch", type=int, default=2)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()

    torch.manual_seed(args.seed)
    generator = torch.Generator().manual_seed(args.seed)
    blocks = [int(b) for b in args.blocks.split(",")]
    model = ResNet(Bottleneck, blocks)  # resnet50() is ResNet(Bottleneck, [3, 4, 6, 3])
    randomise(model, generator)
    model.eval()
    torch.save({k: v.contiguous() for k, v in model.state_dict().items()}, os.path.join(args.out, "state.pt"))

    model.fc = torch.nn.Identity()  # as DINO's hubconf does: model(x) is then the pooled embedding
    cases = {}
    with torch.no_grad():
        for size in (int(s) for s in args.sizes.split(",")):
            x = torch.randn(args.batch, 3, size, size, generator=generator)
            h = model.maxpool(model.relu(model.bn1(model.conv1(x))))
            for stage in range(1, 5):
                h = getattr(model, f"layer{stage}")(h)
                cases[f"layer{stage}_{size}"] = h.contiguous()
            cases[f"input_{size}"] = x
            cases[f"pooled_{size}"] = model(x).contiguous()
            assert torch.allclose(cases[f"pooled_{size}"], h.mean((2, 3)), atol=1e-5)
    torch.save(cases, os.path.join(args.out, "cases.pt"))
    print("scale", {k: float(v.abs().max()) for k, v in cases.items() if k.startswith(("layer4", "pooled"))})


if __name__ == "__main__":
    main()
