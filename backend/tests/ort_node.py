"""ONNX Runtime for the Python tests: Debian has no onnxruntime package, so the tests run exported models with
onnxruntime-node from the repository's own node_modules (the runtime the extension's pre-labeler uses)."""

import json
import os
import shutil
import subprocess
import tempfile
from typing import List

import numpy as np
import pytest

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
ORT_NODE = os.path.join(REPO, "node_modules", "onnxruntime-node")

#: skip marker for tests that need it, with the reason printed in pytest's summary
needs_ort_node = pytest.mark.skipif(
    shutil.which("node") is None or not os.path.isdir(ORT_NODE),
    reason="needs node and onnxruntime-node in the repository's node_modules (npm ci)",
)

# Reads float32 NCHW inputs (raw little-endian files), runs them one at a time, writes the logits next to them.
_SCRIPT = """
const fs = require('fs');
const ort = require(process.argv[1]);
const [model, jobFile] = process.argv.slice(2);
(async () => {
  const session = await ort.InferenceSession.create(model, { executionProviders: ['cpu'] });
  for (const { input, dims, output } of JSON.parse(fs.readFileSync(jobFile, 'utf8'))) {
    const bytes = fs.readFileSync(input);
    const data = new Float32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 4);
    const result = await session.run({ image: new ort.Tensor('float32', data, dims) });
    const logits = result.logits;
    fs.writeFileSync(output, Buffer.from(logits.data.buffer, logits.data.byteOffset, logits.data.byteLength));
    fs.writeFileSync(output + '.json', JSON.stringify(logits.dims));
  }
})().catch((e) => { console.error(e); process.exit(1); });
"""


def run_onnx(model_path: str, inputs: List[np.ndarray]) -> List[np.ndarray]:
    """Logits of the exported model for each float32 NCHW input, computed by onnxruntime-node's CPU provider."""
    with tempfile.TemporaryDirectory() as tmp:
        jobs = []
        for i, x in enumerate(inputs):
            path = os.path.join(tmp, f"in{i}.bin")
            np.ascontiguousarray(x, dtype="<f4").tofile(path)
            jobs.append({"input": path, "dims": list(x.shape), "output": os.path.join(tmp, f"out{i}.bin")})
        with open(os.path.join(tmp, "jobs.json"), "w") as f:
            json.dump(jobs, f)
        done = subprocess.run(
            ["node", "-e", _SCRIPT, ORT_NODE, model_path, f.name],
            capture_output=True,
            text=True,
            timeout=300,
            env={**os.environ, "ORT_DISABLE_TELEMETRY": "1"},
        )
        assert done.returncode == 0, f"onnxruntime-node failed: {done.stderr[-2000:]}"
        outputs = []
        for job in jobs:
            with open(job["output"] + ".json") as f:
                dims = json.load(f)
            outputs.append(np.fromfile(job["output"], dtype="<f4").reshape(dims))
        return outputs
