"""Small random-weight segmentation models of each kind SegLab pre-labels, exported to ONNX with
dynamic height/width, plus PyTorch reference outputs for the TypeScript pipeline's tests.

Run with Debian's Python (torch 1.13, torchvision 0.14, onnx):
    /usr/bin/python3 scripts/models/build_test_models.py OUT_DIR [--only unet,fcn,...]

For each model M it writes M.onnx, a model card M.json in the trainer's format (except the
card-less one), and for each reference case K: M.K.rgb (uint8 HWC image), M.K.logits (float32
CHW logits at the image's size) and an entry in references.json. The reference pipeline is the
one SegLab implements: RGB/255, ImageNet mean/std, zero padding (bottom/right) to the model's
multiple-of, model, bilinear upsampling (align_corners=False) of the logits to the padded size,
crop to the image.

compat/ holds the compatibility suite (compat_models): tiny hand-written ONNX graphs, one per
model convention (sigmoid with and without the Sigmoid, argmax inside the graph as int64
[1,1,H,W] and int32 [1,H,W], NHWC, uint8, float16, fixed-size stretch, superset classes with a
class map, multi-label sigmoids) whose right prediction follows from the pixel values by hand; the
TypeScript tests hold those answers.
"""
import argparse
import hashlib
import json
import os
import sys

import torch
import torch.nn.functional as F
from torch import nn
from torchvision.models import segmentation as tvseg
from torchvision.models._utils import IntermediateLayerGetter

MEAN = (0.485, 0.456, 0.406)
STD = (0.229, 0.224, 0.225)
OPSET = 13


def conv_bn(cin, cout, stride=1, dilation=1):
    return nn.Sequential(nn.Conv2d(cin, cout, 3, stride, dilation, dilation, bias=False), nn.BatchNorm2d(cout), nn.ReLU())


class UNet(nn.Module):
    """Plain U-Net, depth 3, one logits output at full resolution."""

    def __init__(self, num_classes, base=8):
        super().__init__()
        c = [base, base * 2, base * 4, base * 8]
        self.downs = nn.ModuleList([nn.Sequential(conv_bn(i, o), conv_bn(o, o)) for i, o in zip([3] + c[:2], c[:3])])
        self.mid = nn.Sequential(conv_bn(c[2], c[3]), conv_bn(c[3], c[3]))
        self.ups = nn.ModuleList([nn.ConvTranspose2d(c[i + 1], c[i], 2, 2) for i in range(3)])
        self.decs = nn.ModuleList([nn.Sequential(conv_bn(c[i] * 2, c[i]), conv_bn(c[i], c[i])) for i in range(3)])
        self.head = nn.Conv2d(c[0], num_classes, 1)

    def forward(self, x):
        skips = []
        for d in self.downs:
            x = d(x)
            skips.append(x)
            x = F.max_pool2d(x, 2)
        x = self.mid(x)
        for i in reversed(range(3)):
            x = self.decs[i](torch.cat([self.ups[i](x), skips[i]], 1))
        return self.head(x)


class ASPP(nn.Module):
    def __init__(self, cin, cout, rates=(6, 12, 18)):
        super().__init__()
        self.branches = nn.ModuleList([nn.Sequential(nn.Conv2d(cin, cout, 1, bias=False), nn.BatchNorm2d(cout), nn.ReLU())]
                                      + [conv_bn(cin, cout, dilation=r) for r in rates])
        self.pool = nn.Sequential(nn.AdaptiveAvgPool2d(1), nn.Conv2d(cin, cout, 1), nn.ReLU())
        self.project = nn.Sequential(nn.Conv2d(cout * (len(rates) + 2), cout, 1, bias=False), nn.BatchNorm2d(cout), nn.ReLU())

    def forward(self, x):
        outs = [b(x) for b in self.branches]
        outs.append(F.interpolate(self.pool(x), size=x.shape[-2:], mode="bilinear", align_corners=False))
        return self.project(torch.cat(outs, 1))


class DeepLabV3Plus(nn.Module):
    """Backbone to 1/4 (low level) and 1/16 (ASPP), decoder, logits upsampled to the input."""

    def __init__(self, num_classes):
        super().__init__()
        self.low = nn.Sequential(conv_bn(3, 16, 2), conv_bn(16, 24, 2))
        self.high = nn.Sequential(conv_bn(24, 32, 2), conv_bn(32, 48, 2), conv_bn(48, 48, dilation=2))
        self.aspp = ASPP(48, 32)
        self.reduce = nn.Sequential(nn.Conv2d(24, 12, 1, bias=False), nn.BatchNorm2d(12), nn.ReLU())
        self.decoder = nn.Sequential(conv_bn(44, 32), conv_bn(32, 32))
        self.head = nn.Conv2d(32, num_classes, 1)

    def forward(self, x):
        size = x.shape[-2:]
        low = self.low(x)
        high = F.interpolate(self.aspp(self.high(low)), size=low.shape[-2:], mode="bilinear", align_corners=False)
        out = self.head(self.decoder(torch.cat([high, self.reduce(low)], 1)))
        return F.interpolate(out, size=size, mode="bilinear", align_corners=False)


class TinyBackbone(nn.Module):
    """Stands in for a ResNet in torchvision's FCN: `layer3` (aux) at 1/8, `layer4` (out) at 1/8, dilated."""

    def __init__(self):
        super().__init__()
        self.stem = nn.Sequential(conv_bn(3, 16, 2), conv_bn(16, 24, 2))
        self.layer3 = conv_bn(24, 32, 2)
        self.layer4 = conv_bn(32, 48, dilation=2)

    def forward(self, x):
        return self.layer4(self.layer3(self.stem(x)))


def small_fcn(num_classes):
    """torchvision's own FCN class (dict output `out` + `aux`) over a tiny backbone."""
    backbone = IntermediateLayerGetter(TinyBackbone(), return_layers={"layer4": "out", "layer3": "aux"})
    return tvseg.fcn.FCN(backbone, tvseg.fcn.FCNHead(48, num_classes), tvseg.fcn.FCNHead(32, num_classes))


class EfficientAttention(nn.Module):
    """SegFormer's attention with a spatial reduction of keys/values."""

    def __init__(self, dim, heads, sr):
        super().__init__()
        self.attn = nn.MultiheadAttention(dim, heads, batch_first=True)
        self.sr = nn.Conv2d(dim, dim, sr, sr)
        self.norm = nn.LayerNorm(dim)

    def forward(self, x, h, w):
        n, _, c = x.shape
        kv = self.sr(x.transpose(1, 2).reshape(n, c, h, w)).flatten(2).transpose(1, 2)
        kv = self.norm(kv)
        return self.attn(x, kv, kv, need_weights=False)[0]


class Stage(nn.Module):
    def __init__(self, cin, dim, stride, sr):
        super().__init__()
        self.embed = nn.Conv2d(cin, dim, stride * 2 - 1, stride, stride - 1)
        self.norm1 = nn.LayerNorm(dim)
        self.attn = EfficientAttention(dim, 1, sr)
        self.norm2 = nn.LayerNorm(dim)
        self.mlp = nn.Sequential(nn.Linear(dim, dim * 2), nn.GELU(), nn.Linear(dim * 2, dim))

    def forward(self, x):
        x = self.embed(x)
        n, c, h, w = x.shape
        t = x.flatten(2).transpose(1, 2)
        t = t + self.attn(self.norm1(t), h, w)
        t = t + self.mlp(self.norm2(t))
        return t.transpose(1, 2).reshape(n, c, h, w)


class SegFormerLike(nn.Module):
    """Two MiT-style stages (1/4, 1/8), all-MLP decoder; logits at 1/4 of the input, as HF exports them."""

    def __init__(self, num_classes):
        super().__init__()
        self.s1 = Stage(3, 16, 4, 4)
        self.s2 = Stage(16, 32, 2, 2)
        self.lin1 = nn.Conv2d(16, 32, 1)
        self.lin2 = nn.Conv2d(32, 32, 1)
        self.fuse = nn.Sequential(nn.Conv2d(64, 32, 1, bias=False), nn.BatchNorm2d(32), nn.ReLU())
        self.head = nn.Conv2d(32, num_classes, 1)

    def forward(self, x):
        f1 = self.s1(x)
        f2 = self.s2(f1)
        up = F.interpolate(self.lin2(f2), size=f1.shape[-2:], mode="bilinear", align_corners=False)
        return self.head(self.fuse(torch.cat([self.lin1(f1), up], 1)))


CLASSES = [{"id": 0, "name": "background", "color": [0, 0, 0]}, {"id": 1, "name": "cell", "color": [128, 0, 0]},
           {"id": 2, "name": "nucleus", "color": [0, 128, 0]}, {"id": 3, "name": "debris", "color": [128, 128, 0]}]

# name -> (builder, card architecture, output names, multiple of, stride, write a card)
MODELS = {
    "unet": (lambda: UNet(4), "unet", ["logits"], 8, 1, True),
    "deeplabv3plus": (lambda: DeepLabV3Plus(4), "deeplabv3plus", ["logits"], 16, 1, True),
    "deeplabv3_mnv3": (lambda: tvseg.deeplabv3_mobilenet_v3_large(weights=None, weights_backbone=None, num_classes=4, aux_loss=True),
                       "deeplabv3", ["out", "aux"], 16, 1, True),
    "fcn": (lambda: small_fcn(4), "fcn", ["out", "aux"], 8, 1, True),
    "segformer": (lambda: SegFormerLike(4), "segformer", ["logits"], 32, 4, True),
    "unet_nocard": (lambda: UNet(4), "unet", ["logits"], 8, 1, False),
}

# Benchmark-sized models (--bench): a U-Net of base 32 with 21 classes (VOC); no references.
BENCH_MODELS = {
    "unet32": (lambda: UNet(21, base=32), "unet", ["logits"], 8, 1, True),
}

# Reference cases: (height, width); 64x96 needs no padding, 70x90 is padded to the multiple-of.
CASES = {"even": (64, 96), "padded": (70, 90)}


def test_image(h, w, seed):
    """A deterministic image with edges and gradients, uint8 HWC."""
    g = torch.Generator().manual_seed(seed)
    yy, xx = torch.meshgrid(torch.arange(h), torch.arange(w), indexing="ij")
    base = torch.stack([(xx * 3 + yy) % 256, (yy * 5) % 256, ((xx // 8 + yy // 8) % 2) * 200 + 20], -1).float()
    noise = torch.randint(0, 40, (h, w, 3), generator=g).float()
    return (base * 0.8 + noise).clamp(0, 255).to(torch.uint8)


def reference_logits(model, rgb, multiple_of):
    h, w, _ = rgb.shape
    x = rgb.permute(2, 0, 1).float() / 255
    x = (x - torch.tensor(MEAN).view(3, 1, 1)) / torch.tensor(STD).view(3, 1, 1)
    hp, wp = -(-h // multiple_of) * multiple_of, -(-w // multiple_of) * multiple_of
    x = F.pad(x, (0, wp - w, 0, hp - h))[None]
    with torch.no_grad():
        out = model(x)
    out = out["out"] if isinstance(out, dict) else out
    if out.shape[-2:] != (hp, wp):
        out = F.interpolate(out, size=(hp, wp), mode="bilinear", align_corners=False)
    return out[0, :, :h, :w].contiguous()


class DictToTuple(nn.Module):
    """torch.onnx flattens a dict output in key order; naming the outputs keeps `out`/`aux`."""

    def __init__(self, model):
        super().__init__()
        self.model = model

    def forward(self, x):
        out = self.model(x)
        return (out["out"], out["aux"]) if isinstance(out, dict) else out


def export(model, path, outputs):
    axes = {"input": {0: "batch", 2: "height", 3: "width"}}
    axes.update({o: {0: "batch", 2: "h", 3: "w"} for o in outputs})
    tmp = path + ".tmp"
    with torch.no_grad():
        torch.onnx.export(DictToTuple(model).eval(), torch.randn(1, 3, 64, 64), tmp, input_names=["input"], output_names=outputs,
                          opset_version=OPSET, dynamic_axes=axes)
    model.eval()  # export restores the wrapper's mode, which would leave BatchNorm in training mode
    os.replace(tmp, path)


def sha256(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def card(name, arch, outputs, multiple_of, stride, onnx_path, num_classes):
    """The trainer's card format (backend/seglab_trainer/export.py: model_card)."""
    classes = CLASSES if num_classes == 4 else [{"id": i, "name": f"class{i}", "color": [i, i, i]} for i in range(num_classes)]
    return {
        "name": name,
        "architecture": {"arch": arch},
        "classes": classes,
        "input": {"name": "input", "mean": list(MEAN), "std": list(STD), "scale": 1 / 255, "order": "RGB", "layout": "NCHW",
                  "dynamic": True, "multipleOf": multiple_of},
        "output": {"name": outputs[0], "kind": "logits", "stride": stride},
        "onnx": {"file": os.path.basename(onnx_path), "sha256": sha256(onnx_path), "opset": OPSET, "bytes": os.path.getsize(onnx_path)},
        "sha256": sha256(onnx_path),
        "training": {"note": "random weights, made by scripts/models/build_test_models.py", "torch": torch.__version__},
        "metrics": {},
    }


def trainer_export(out, refs):
    """The trainer's own U-Net, exported by the trainer's own code (backend/seglab_trainer/export.py):
    the card contract between trainer and pre-labeler, tested end to end. Written to trainer/."""
    sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "backend"))
    try:
        from seglab_trainer.export import export_model_dir
        from seglab_trainer.models import build_model
    except Exception as e:  # reported by the TypeScript test that needs it
        refs["trainer"] = {"error": f"{type(e).__name__}: {e}"}
        return
    torch.manual_seed(7)
    model = build_model("unet", 4, base=8, depth=3).eval()
    folder = os.path.join(out, "trainer")
    os.makedirs(folder, exist_ok=True)
    export_model_dir(model, folder, dict(name="trainer-unet", arch="unet", options={"base": 8, "depth": 3}, classes=CLASSES,
                                         training={"arch": "unet"}, history=[], final=None))
    refs["trainer"] = {"multipleOf": model.multiple_of, "stride": 1, "outputs": ["logits"], "cases": {}}
    for k, (case, (h, w)) in enumerate(CASES.items()):
        rgb = test_image(h, w, k)
        logits = reference_logits(model, rgb, model.multiple_of)
        rgb.numpy().tofile(os.path.join(folder, f"model.{case}.rgb"))
        logits.numpy().astype("<f4").tofile(os.path.join(folder, f"model.{case}.logits"))
        refs["trainer"]["cases"][case] = {"height": h, "width": w, "channels": int(logits.shape[0])}


COMPAT_CLASSES = {c: {"id": i, "name": c, "color": [i * 60, i * 60, i * 60]} for i, c in enumerate(["background", "red", "green", "blue"])}
RGB_CLASSES = [{"id": i, "name": n, "color": [0, 0, 0]} for i, n in enumerate(["red", "green", "blue"])]
UNIT = {"mean": [0, 0, 0], "std": [1, 1, 1], "scale": 1 / 255}


def compat_models(out):
    """Known-answer models of each convention, as ONNX graphs written by hand (compat/<name>.onnx + .json)."""
    from onnx import TensorProto, helper, numpy_helper, save
    import numpy as np

    folder = os.path.join(out, "compat")
    os.makedirs(folder, exist_ok=True)
    f32, f16, u8, i64 = TensorProto.FLOAT, TensorProto.FLOAT16, TensorProto.UINT8, TensorProto.INT64
    const = lambda name, value, dtype=np.float32: numpy_helper.from_array(np.array(value, dtype=dtype), name)
    red = [helper.make_node("Slice", ["input", "c0", "c1", "axis1"], ["red"])]
    red_consts = [const("c0", [0], np.int64), const("c1", [1], np.int64), const("axis1", [1], np.int64)]
    nchw, nhwc = ["batch", 3, "height", "width"], ["batch", "height", "width", 3]

    def write(name, nodes, consts, in_type, in_shape, out_type, out_shape, classes, input_spec, output_spec, class_map=None):
        graph = helper.make_graph(nodes, name, [helper.make_tensor_value_info("input", in_type, in_shape)],
                                  [helper.make_tensor_value_info("output", out_type, out_shape)], consts)
        model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", OPSET)])
        model.ir_version = 7
        path = os.path.join(folder, f"{name}.onnx")
        save(model, path)
        card = {"name": name, "architecture": "other", "classes": classes, "input": {"name": "input", "order": "RGB", **input_spec},
                "output": {"name": "output", "stride": 1, **output_spec}, "sha256": sha256(path)}
        if class_map is not None:
            card["classMap"] = class_map
        with open(os.path.join(folder, f"{name}.json"), "w") as f:
            json.dump(card, f, indent=2)

    binary = [COMPAT_CLASSES["background"], COMPAT_CLASSES["red"]]
    logit = red + [helper.make_node("Sub", ["red", "half"], ["centred"]), helper.make_node("Mul", ["centred", "twenty"], ["z"])]
    logit_consts = red_consts + [const("half", 0.5), const("twenty", 20.0)]
    # sigmoid(20 (r - 0.5)) with r = R / 255: red where R > 127.5.
    write("sigmoid_applied", logit + [helper.make_node("Sigmoid", ["z"], ["output"])], logit_consts, f32, nchw, f32, ["batch", 1, "height", "width"],
          binary, UNIT, {"kind": "sigmoid", "activation": "applied"})
    # The same logit without the Sigmoid, threshold 0.7: red where R > 138.3.
    write("sigmoid_logits", [*logit[:-1], helper.make_node("Mul", ["centred", "twenty"], ["output"])], logit_consts, f32, nchw, f32,
          ["batch", 1, "height", "width"], binary, UNIT, {"kind": "sigmoid", "activation": "none", "threshold": 0.7})
    # argmax over R, G, B inside the graph (int64 [1,1,H,W]); model classes red/green/blue mapped by name.
    write("argmax_int64", [helper.make_node("ArgMax", ["input"], ["output"], axis=1, keepdims=1)], [], f32, nchw, i64, ["batch", 1, "height", "width"],
          RGB_CLASSES, UNIT, {"kind": "labels"}, "byName")
    # The same as an int32 [1,H,W] label map (no channel axis).
    write("argmax_int32_hw", [helper.make_node("ArgMax", ["input"], ["i"], axis=1, keepdims=0), helper.make_node("Cast", ["i"], ["output"], to=TensorProto.INT32)],
          [], f32, nchw, TensorProto.INT32, ["batch", "height", "width"], RGB_CLASSES, UNIT, {"kind": "labels"}, "byName")
    # NHWC in and out (a Keras export): logits 10 R, 10 G, 10 B.
    write("nhwc", [helper.make_node("Mul", ["input", "ten"], ["output"])], [const("ten", 10.0)], f32, nhwc, f32, ["batch", "height", "width", 3],
          RGB_CLASSES, {**UNIT, "layout": "NHWC"}, {"kind": "logits"}, "byName")
    # uint8 input, normalisation (v - 128) / 256 in the graph; logits (-r, r): red where R > 128.
    write("uint8", [helper.make_node("Cast", ["input"], ["f"], to=f32), helper.make_node("Sub", ["f", "c128"], ["g"]), helper.make_node("Div", ["g", "c256"], ["n"]),
                    helper.make_node("Slice", ["n", "c0", "c1", "axis1"], ["r"]), helper.make_node("Neg", ["r"], ["neg"]),
                    helper.make_node("Concat", ["neg", "r"], ["output"], axis=1)],
          [const("c128", 128.0), const("c256", 256.0), *red_consts[:3]], u8, nchw, f32, ["batch", 2, "height", "width"],
          binary, {"mean": [0, 0, 0], "std": [1, 1, 1], "scale": 1, "dtype": "uint8"}, {"kind": "logits"})
    # float16 in and out: logits 10 R, 10 G, 10 B.
    write("fp16", [helper.make_node("Mul", ["input", "ten"], ["output"])], [const("ten", 10.0, np.float16)], f16, nchw, f16, ["batch", 3, "height", "width"],
          RGB_CLASSES, UNIT, {"kind": "logits"}, "byName")
    # Fixed 32x32, stretched: class red on the tensor's top 16 rows whatever the image, background below.
    top = np.where(np.arange(32)[:, None] < 16, 1.0, -1.0).repeat(32, 1).reshape(1, 1, 32, 32).astype(np.float32)
    write("stretch", [*red, helper.make_node("Mul", ["red", "zero"], ["zeros"]), helper.make_node("Add", ["zeros", "top"], ["side"]),
                      helper.make_node("Concat", ["zeros", "side"], ["output"], axis=1)],
          [*red_consts, const("zero", 0.0), numpy_helper.from_array(top, "top")], f32, [1, 3, 32, 32], f32, [1, 2, 32, 32],
          binary, {**UNIT, "dynamic": False, "size": [32, 32], "resize": "stretch"}, {"kind": "logits"})
    # Five model classes (R, G, B logits, then "cat" and "dog" at -1): red -> 1, green -> 2; blue, cat, dog unmapped.
    write("superset", [*red, helper.make_node("Mul", ["red", "zero"], ["zeros"]), helper.make_node("Sub", ["zeros", "one"], ["low"]),
                       helper.make_node("Concat", ["input", "low", "low"], ["output"], axis=1)],
          [*red_consts, const("zero", 0.0), const("one", 1.0)], f32, nchw, f32, ["batch", 5, "height", "width"],
          RGB_CLASSES + [{"id": 3, "name": "cat", "color": [0, 0, 0]}, {"id": 4, "name": "dog", "color": [0, 0, 0]}], UNIT, {"kind": "logits"},
          {"0": 1, "1": 2})
    # One sigmoid logit per class, threshold 0.7: 20 (v - 0.5) for R, G, B, and -5 for the background channel (never
    # above): the most probable of R, G, B above 138.3, else background.
    write("multilabel", [helper.make_node("Sub", ["input", "half"], ["rgb"]), helper.make_node("Mul", ["rgb", "twenty"], ["z"]),
                         helper.make_node("Slice", ["z", "c0", "c1", "axis1"], ["z0"]), helper.make_node("Mul", ["z0", "zero"], ["zeros"]),
                         helper.make_node("Sub", ["zeros", "five"], ["bg"]), helper.make_node("Concat", ["bg", "z"], ["output"], axis=1)],
          [*logit_consts, const("zero", 0.0), const("five", 5.0)], f32, nchw, f32, ["batch", 4, "height", "width"],
          list(COMPAT_CLASSES.values()), UNIT, {"kind": "multilabel", "activation": "none", "threshold": 0.7})


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("out")
    p.add_argument("--only", help="comma-separated model names (default: all)")
    p.add_argument("--bench", action="store_true", help="write the benchmark-sized models instead")
    args = p.parse_args()
    os.makedirs(args.out, exist_ok=True)
    models = BENCH_MODELS if args.bench else MODELS
    names = args.only.split(",") if args.only else list(models)
    refs = {}
    for i, name in enumerate(names):
        build, arch, outputs, multiple_of, stride, with_card = models[name]
        torch.manual_seed(1000 + i)
        model = build().eval()
        path = os.path.join(args.out, f"{name}.onnx")
        export(model, path, outputs)
        if with_card:
            with open(os.path.join(args.out, f"{name}.json"), "w") as f:
                json.dump(card(name, arch, outputs, multiple_of, stride, path, 21 if args.bench else 4), f, indent=2)
        if args.bench:
            continue
        refs[name] = {"multipleOf": multiple_of, "stride": stride, "outputs": outputs, "cases": {}}
        for k, (case, (h, w)) in enumerate(CASES.items()):
            rgb = test_image(h, w, k)
            logits = reference_logits(model, rgb, multiple_of)
            rgb.numpy().tofile(os.path.join(args.out, f"{name}.{case}.rgb"))
            logits.numpy().astype("<f4").tofile(os.path.join(args.out, f"{name}.{case}.logits"))
            refs[name]["cases"][case] = {"height": h, "width": w, "channels": int(logits.shape[0])}
        print(f"{name}: {os.path.getsize(path) / 1e6:.2f} MB", file=sys.stderr)
    if not args.bench and not args.only:
        trainer_export(args.out, refs)
        compat_models(args.out)
    with open(os.path.join(args.out, "bench.json" if args.bench else "references.json"), "w") as f:
        json.dump(refs, f, indent=2)


if __name__ == "__main__":
    main()
