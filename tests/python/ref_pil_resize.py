"""Reference preprocessing for tests/io/test_image_resize.cpp: every PNG in a folder through PIL and
torchvision as me-vgs (Resize((256, 256)), bilinear) and DINO's eval (Resize(256, bicubic) +
CenterCrop(224)) apply them, then ToTensor (and Normalize for one case).

Each case is made twice: by torchvision with the installed Pillow (whose pass order is Pillow 13's
from version 13 on), and as Pillow up to 12 resized, horizontal pass first, by asking PIL for one
axis at a time (PIL skips the pass of an axis whose size does not change).

Usage: ref_pil_resize.py FOLDER. Writes FOLDER/<stem>.<case>.f32 per image and case (three int32
C, H, W, then the C*H*W float32 values, little-endian, channel-major) and FOLDER/pass_order.txt,
the installed Pillow's order in vgs's words.
"""
import pathlib
import sys

import numpy as np
import PIL
import torchvision.transforms as T
from PIL import Image

BILINEAR = T.InterpolationMode.BILINEAR
BICUBIC = T.InterpolationMode.BICUBIC
PIL_FILTER = {BILINEAR: Image.BILINEAR, BICUBIC: Image.BICUBIC}
NORMALIZE = T.Normalize(mean=[0.485, 0.456, 0.406], std=[0.229, 0.224, 0.225])


def square(image):
    return 256, 256


def shorter_side(image):
    """torchvision's Resize(256) size, (width, height)."""
    w, h = image.size
    return (256, int(256 * h / w)) if w <= h else (int(256 * w / h), 256)


def horizontal_first(size_of, mode):
    def resize(image):
        w, h = size_of(image)
        if w != image.width:
            image = image.resize((w, image.height), PIL_FILTER[mode])
        if h != image.height:
            image = image.resize((w, h), PIL_FILTER[mode])
        return image
    return resize


CASES = {
    "square_bilinear": T.Compose([T.Resize((256, 256)), T.ToTensor()]),  # me-vgs (bilinear is the default)
    "square_bicubic": T.Compose([T.Resize((256, 256), interpolation=BICUBIC), T.ToTensor()]),
    "crop_bilinear": T.Compose([T.Resize(256, interpolation=BILINEAR), T.CenterCrop(224), T.ToTensor()]),
    "crop_bicubic": T.Compose([T.Resize(256, interpolation=BICUBIC), T.CenterCrop(224), T.ToTensor()]),  # DINO eval
    "square_bilinear_normalized": T.Compose([T.Resize((256, 256)), T.ToTensor(), NORMALIZE]),
    "square_bilinear_hfirst": T.Compose([horizontal_first(square, BILINEAR), T.ToTensor()]),
    "square_bicubic_hfirst": T.Compose([horizontal_first(square, BICUBIC), T.ToTensor()]),
    "crop_bilinear_hfirst": T.Compose([horizontal_first(shorter_side, BILINEAR), T.CenterCrop(224), T.ToTensor()]),
    "crop_bicubic_hfirst": T.Compose([horizontal_first(shorter_side, BICUBIC), T.CenterCrop(224), T.ToTensor()]),
}


def write_tensor(path, tensor):
    array = tensor.numpy().astype("<f4")
    with open(path, "wb") as out:
        out.write(np.array(array.shape, dtype="<i4").tobytes())
        out.write(array.tobytes())


def main():
    folder = pathlib.Path(sys.argv[1])
    pngs = sorted(folder.glob("*.png"))
    if not pngs:
        sys.exit(f"no PNG in {folder}")
    for png in pngs:
        image = Image.open(png).convert("RGB")
        for case, transform in CASES.items():
            write_tensor(folder / f"{png.stem}.{case}.f32", transform(image))
    major = int(PIL.__version__.split(".")[0])
    (folder / "pass_order.txt").write_text("pillow13" if major >= 13 else "horizontal_first")
    print(f"Pillow {PIL.__version__}: wrote {len(CASES)} references for each of {len(pngs)} images")


if __name__ == "__main__":
    main()
