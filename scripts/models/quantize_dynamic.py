"""A decoder quantized as SAM's official export script writes its `--quantize-out` model:
onnxruntime.quantization.quantize_dynamic(per_channel=False, reduce_range=False,
weight_type=QuantType.QUInt8), with its defaults for dynamic mode (MatMul only where B is a
constant). onnxruntime's Python package is not installable here (no Debian package, no PyPI), so
this writes the same graph with onnx and numpy, for the operators SAM-family decoders have:

- MatMul with a constant B: DynamicQuantizeLinear of A (shared by the MatMuls that read the same
  tensor), MatMulInteger with B as uint8, Cast to float, Mul of the two scales, Mul;
- Conv with constant weights: the same with ConvInteger, and the bias added after (Reshape, Add).

Weights are quantized per tensor, asymmetric, to uint8 over [min(w, 0), max(w, 0)]:
scale = (max - min) / 255, zero point = round(-min / scale), q = clip(round(w / scale) + zero
point, 0, 255) (numpy rounding, half to even, as onnxruntime's quantize_data). Gemm, ConvTranspose
and the rest stay float32, as quantize_dynamic leaves them. Not done: the old `optimize_model=True`
pre-pass (ONNX Runtime's basic graph optimisations, which ONNX Runtime applies at load anyway).

Run with Debian's Python (onnx, numpy):
    /usr/bin/python3 scripts/models/quantize_dynamic.py OUT_DIR MODEL.onnx
writes OUT_DIR/<MODEL>.quant.onnx.
"""
import argparse
import os

import numpy as np
import onnx
import onnx.checker
from onnx import helper, numpy_helper
from onnx import TensorProto  # pyright: ignore[reportAttributeAccessIssue]


def quantize_weight(w):
    """onnxruntime's quantize_data for QUInt8, symmetric=False, reduce_range=False."""
    rmin, rmax = min(float(w.min()), 0.0), max(float(w.max()), 0.0)
    scale = np.float32((rmax - rmin) / 255.0) if rmax > rmin else np.float32(1.0)
    zero = np.uint8(np.clip(np.round(-rmin / scale), 0, 255))
    q = np.clip(np.round(w / scale) + int(zero), 0, 255).astype(np.uint8)
    return q, scale, zero


class Quantizer:
    def __init__(self, model):
        self.graph = model.graph
        self.weights = {i.name: i for i in self.graph.initializer}
        self.activations = {}
        self.quantized = {}
        self.new_initializers = []

    def weight(self, name):
        """The uint8 weight, its scale and zero point (initializer names as quantize_dynamic's)."""
        if name not in self.quantized:
            q, scale, zero = quantize_weight(numpy_helper.to_array(self.weights[name]))
            names = (name + "_quantized", name + "_scale", name + "_zero_point")
            for n, value in zip(names, (q, np.array(scale), np.array(zero))):
                self.new_initializers.append(numpy_helper.from_array(value, n))
            self.quantized[name] = names
        return self.quantized[name]

    def activation(self, name, nodes):
        """DynamicQuantizeLinear of a float tensor, once per tensor."""
        if name not in self.activations:
            outs = [name + "_quantized", name + "_scale", name + "_zero_point"]
            nodes.append(
                helper.make_node(
                    "DynamicQuantizeLinear", [name], outs, name + "_QuantizeLinear"
                )
            )
            self.activations[name] = outs
        return self.activations[name]

    def integer_op(self, node, op, attributes):
        """`op` (MatMulInteger, ConvInteger) on the quantized inputs, rescaled to float32."""
        nodes = []
        x, x_scale, x_zero = self.activation(node.input[0], nodes)
        w, w_scale, w_zero = self.weight(node.input[1])
        out = node.output[0]
        integer = out + "_output_quantized"
        nodes.append(
            helper.make_node(
                op,
                [x, w, x_zero, w_zero],
                [integer],
                node.name + "_quant",
                **attributes
            )
        )
        nodes.append(
            helper.make_node(
                "Cast",
                [integer],
                [integer + "_cast_output"],
                integer + "_cast",
                to=TensorProto.FLOAT,
            )
        )
        scales = node.name + "_quant_scales_mul"
        nodes.append(
            helper.make_node("Mul", [x_scale, w_scale], [scales + ":0"], scales)
        )
        bias = node.input[2] if len(node.input) > 2 else None
        scaled = out + "quant_scaled_output" if bias else out
        nodes.append(
            helper.make_node(
                "Mul",
                [integer + "_cast_output", scales + ":0"],
                [scaled],
                node.name + "_quant_output_scale_mul",
            )
        )
        if bias:
            shape = np.ones(len(self.weights[node.input[1]].dims), np.int64)
            shape[1] = -1
            self.new_initializers.append(
                numpy_helper.from_array(shape, out + "_bias_reshape_shape")
            )
            reshaped = out + "_bias_reshape_output"
            nodes.append(
                helper.make_node(
                    "Reshape", [bias, out + "_bias_reshape_shape"], [reshaped]
                )
            )
            nodes.append(
                helper.make_node("Add", [scaled, reshaped], [out], out + "_bias_add")
            )
        return nodes

    def float_weight(self, name):
        w = self.weights.get(name)
        return w is not None and w.data_type == TensorProto.FLOAT

    def run(self):
        nodes = []
        for node in self.graph.node:
            if node.op_type == "MatMul" and self.float_weight(node.input[1]):
                nodes += self.integer_op(node, "MatMulInteger", {})
            elif node.op_type == "Conv" and self.float_weight(node.input[1]):
                attributes = {
                    a.name: helper.get_attribute_value(a) for a in node.attribute
                }
                nodes += self.integer_op(node, "ConvInteger", attributes)
            else:
                nodes.append(node)
        del self.graph.node[:]
        self.graph.node.extend(nodes)
        used = {name for n in nodes for name in n.input}
        kept = [i for i in self.graph.initializer if i.name in used]
        del self.graph.initializer[:]
        self.graph.initializer.extend(kept + self.new_initializers)


def main():
    p = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    p.add_argument("out")
    p.add_argument("model")
    args = p.parse_args()
    os.makedirs(args.out, exist_ok=True)
    model = onnx.load(args.model)
    Quantizer(model).run()
    onnx.checker.check_model(model)
    stem = os.path.basename(args.model)[: -len(".onnx")]
    onnx.save(model, os.path.join(args.out, stem + ".quant.onnx"))


if __name__ == "__main__":
    main()
