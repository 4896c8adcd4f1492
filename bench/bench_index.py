"""Index benchmark: embedding throughput (int8 ONNX vs a NumPy fp32 reference of the same model),
ingest time for the shipped knowledge, and query latency at 10,000 chunks.

Prints figures and ratios measured in this run; asserts nothing about time.
Run: .venv/bin/python bench/bench_index.py [--chunks 256] [--queries 200]
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
ROOT = Path(__file__).resolve().parent.parent

WORDS = ("model gradient feature data training loss validation error bias variance learning network "
         "layer weight regularization metric precision recall embedding vector matrix probability sample "
         "distribution cluster tree ensemble boosting serving latency drift monitoring pipeline").split()


def hundred_word_chunks(n: int, seed: int = 0) -> list[str]:
    rng = random.Random(seed)
    return [" ".join(rng.choice(WORDS) for _ in range(100)) + "." for _ in range(n)]


def pct(values: list[float], q: float) -> float:
    return float(np.percentile(values, q))


def bench_throughput(n: int) -> None:
    from interviewbot.embeddings import Embedder

    texts = hundred_word_chunks(n)
    emb = Embedder(batch_size=32)
    emb.embed(texts[:32])  # warm-up
    t = time.perf_counter()
    fast = emb.embed(texts)
    int8_rate = n / (time.perf_counter() - t)
    print(f"embedding throughput (int8 ONNX, batch 32, 100-word chunks): {int8_rate:7.1f} chunks/s  (n={n})")
    try:
        from fp32_reference import Fp32MiniLM
    except ImportError as exc:
        print(f"fp32 reference unavailable: {exc}")
        return
    ref = Fp32MiniLM()
    m = min(n, 128)
    ref.embed(texts[:8])
    t = time.perf_counter()
    slow = ref.embed(texts[:m])
    fp32_rate = m / (time.perf_counter() - t)
    cos = float(np.mean(np.sum(fast[:m] * slow, axis=1)))
    print(f"embedding throughput (fp32 NumPy reference, same model):    {fp32_rate:7.1f} chunks/s  (n={m})")
    print(f"ratio int8/fp32: {int8_rate / fp32_rate:.2f}x   mean cosine(int8, fp32) = {cos:.4f}")


def bench_ingest() -> None:
    from interviewbot.config import load_settings
    from interviewbot.embeddings import get_embedder
    from interviewbot.index import KnowledgeIndex

    with tempfile.TemporaryDirectory() as home:
        os.environ["INTERVIEWBOT_HOME"] = home
        index = KnowledgeIndex(load_settings(), embedder=get_embedder())
        t = time.perf_counter()
        report = index.ingest()
        first = time.perf_counter() - t
        t = time.perf_counter()
        again = index.ingest()
        second = time.perf_counter() - t
    print(f"ingest shipped knowledge: {report.guides.total} guide chunks + {report.questions.total} questions "
          f"in {first:.2f} s; re-ingest unchanged: {second:.2f} s ({again.embedded} embedded)")


def bench_queries(n_chunks: int, n_queries: int) -> None:
    import chromadb
    from chromadb.config import Settings as ChromaSettings

    from interviewbot.embeddings import get_embedder

    emb = get_embedder()
    base = emb.embed(hundred_word_chunks(256, seed=1))
    rng = np.random.default_rng(0)
    # 10k realistic vectors: real embeddings jittered, re-normalised (embedding 10k texts would take minutes)
    vecs = base[rng.integers(0, len(base), n_chunks)] + rng.normal(0, 0.05, (n_chunks, base.shape[1])).astype(np.float32)
    vecs /= np.linalg.norm(vecs, axis=1, keepdims=True)
    with tempfile.TemporaryDirectory() as path:
        client = chromadb.PersistentClient(path=path, settings=ChromaSettings(anonymized_telemetry=False))
        col = client.create_collection("bench", metadata={"hnsw:space": "cosine"}, embedding_function=None)
        for s in range(0, n_chunks, 5000):
            col.add(ids=[f"c{i}" for i in range(s, min(s + 5000, n_chunks))], embeddings=vecs[s : s + 5000],
                    documents=["chunk"] * len(vecs[s : s + 5000]), metadatas=[{"source": "bench"}] * len(vecs[s : s + 5000]))
        queries = [f"how does {a} relate to {b} in {c}" for a, b, c in
                   (random.Random(i).sample(WORDS, 3) for i in range(n_queries))]
        embed_ms, search_ms, total_ms = [], [], []
        for q in queries[:10]:
            col.query(query_embeddings=[emb.embed_one(q)], n_results=4)
        for q in queries:
            t0 = time.perf_counter()
            v = emb.embed_one(q)
            t1 = time.perf_counter()
            col.query(query_embeddings=[v], n_results=4, include=["documents", "metadatas", "distances"])
            t2 = time.perf_counter()
            embed_ms.append((t1 - t0) * 1e3)
            search_ms.append((t2 - t1) * 1e3)
            total_ms.append((t2 - t0) * 1e3)
    print(f"query latency at {n_chunks:,} chunks (embed + Chroma top-4, {n_queries} queries): "
          f"p50 {pct(total_ms, 50):.1f} ms, p95 {pct(total_ms, 95):.1f} ms")
    print(f"  of which embedding the query: p50 {pct(embed_ms, 50):.1f} ms; Chroma search: p50 "
          f"{pct(search_ms, 50):.1f} ms, p95 {pct(search_ms, 95):.1f} ms")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--chunks", type=int, default=256, help="chunks for the throughput test")
    parser.add_argument("--index-size", type=int, default=10_000)
    parser.add_argument("--queries", type=int, default=200)
    args = parser.parse_args()
    print(f"interviewbot index benchmark ({os.cpu_count()} cores)")
    bench_throughput(args.chunks)
    bench_ingest()
    bench_queries(args.index_size, args.queries)


if __name__ == "__main__":
    main()
