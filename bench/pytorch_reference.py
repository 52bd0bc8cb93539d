#!/usr/bin/python3
"""PyTorch reference for `sharpspeed bench train`: the same tiny LLaMA, batch, optimizer and thread budget in plain torch.

Run by Debian's python3 (python3-torch 1.13, no transformers). The model is HF's LlamaForCausalLM math written out:
token embedding, per layer RMSNorm -> attention with rotary embeddings (rotate_half on split halves) and a causal
softmax -> residual, RMSNorm -> SwiGLU MLP down(silu(gate(x)) * up(x)) -> residual, final RMSNorm, untied lm_head;
weights N(0, 0.02), norms 1. Loss: mean cross-entropy of the shifted labels. AdamW (lr 1e-3, betas 0.9/0.999,
eps 1e-8, no weight decay), gradient norm clipped to 1.0, fp32. Several ranks: torch.multiprocessing processes with
DistributedDataParallel over gloo (torch's defaults: 25 MB buckets), each on its own seeded batch.

Prints one JSON object with the fields of `sharpspeed bench train --json` (rank 0); the log goes to stderr.
    /usr/bin/python3 bench/pytorch_reference.py --nproc 2 --threads 1
"""
import argparse
import json
import math
import os
import resource
import sys
import time

import torch
import torch.distributed as dist
import torch.multiprocessing as mp
import torch.nn.functional as F
from torch import nn


class RMSNorm(nn.Module):
    def __init__(self, hidden, eps):
        super().__init__()
        self.weight = nn.Parameter(torch.ones(hidden))
        self.eps = eps

    def forward(self, x):
        variance = x.pow(2).mean(-1, keepdim=True)
        return self.weight * (x * torch.rsqrt(variance + self.eps))


def rotate_half(x):
    half = x.shape[-1] // 2
    return torch.cat((-x[..., half:], x[..., :half]), dim=-1)


class Attention(nn.Module):
    def __init__(self, hidden, heads):
        super().__init__()
        self.heads, self.head_dim = heads, hidden // heads
        self.q_proj = nn.Linear(hidden, hidden, bias=False)
        self.k_proj = nn.Linear(hidden, hidden, bias=False)
        self.v_proj = nn.Linear(hidden, hidden, bias=False)
        self.o_proj = nn.Linear(hidden, hidden, bias=False)

    def forward(self, x, cos, sin, causal_mask):
        batch, length, hidden = x.shape
        shape = (batch, length, self.heads, self.head_dim)
        q = self.q_proj(x).view(shape).transpose(1, 2)
        k = self.k_proj(x).view(shape).transpose(1, 2)
        v = self.v_proj(x).view(shape).transpose(1, 2)
        q = q * cos + rotate_half(q) * sin
        k = k * cos + rotate_half(k) * sin
        scores = torch.matmul(q, k.transpose(2, 3)) / math.sqrt(self.head_dim)
        scores = scores.masked_fill(causal_mask, float("-inf"))
        weights = torch.softmax(scores, dim=-1, dtype=torch.float32).to(q.dtype)
        out = torch.matmul(weights, v).transpose(1, 2).reshape(batch, length, hidden)
        return self.o_proj(out)


class Mlp(nn.Module):
    def __init__(self, hidden, intermediate):
        super().__init__()
        self.gate_proj = nn.Linear(hidden, intermediate, bias=False)
        self.up_proj = nn.Linear(hidden, intermediate, bias=False)
        self.down_proj = nn.Linear(intermediate, hidden, bias=False)

    def forward(self, x):
        return self.down_proj(F.silu(self.gate_proj(x)) * self.up_proj(x))


class DecoderLayer(nn.Module):
    def __init__(self, hidden, heads, intermediate, eps):
        super().__init__()
        self.input_layernorm = RMSNorm(hidden, eps)
        self.self_attn = Attention(hidden, heads)
        self.post_attention_layernorm = RMSNorm(hidden, eps)
        self.mlp = Mlp(hidden, intermediate)

    def forward(self, x, cos, sin, causal_mask):
        x = x + self.self_attn(self.input_layernorm(x), cos, sin, causal_mask)
        return x + self.mlp(self.post_attention_layernorm(x))


class TinyLlama(nn.Module):
    def __init__(self, vocab, hidden, layers, heads, intermediate, eps=1e-6, theta=10000.0, std=0.02):
        super().__init__()
        self.embed_tokens = nn.Embedding(vocab, hidden)
        self.layers = nn.ModuleList(DecoderLayer(hidden, heads, intermediate, eps) for _ in range(layers))
        self.norm = RMSNorm(hidden, eps)
        self.lm_head = nn.Linear(hidden, vocab, bias=False)
        head_dim = hidden // heads
        self.register_buffer("inv_freq", 1.0 / theta ** (torch.arange(0, head_dim, 2, dtype=torch.float32) / head_dim), persistent=False)
        for module in self.modules():
            if isinstance(module, (nn.Linear, nn.Embedding)):
                module.weight.data.normal_(0.0, std)

    def forward(self, ids):
        length = ids.shape[1]
        # HF recomputes the rotary table every forward from the positions; so does this reference.
        freqs = torch.outer(torch.arange(length, dtype=torch.float32), self.inv_freq)
        angles = torch.cat((freqs, freqs), dim=-1)
        cos, sin = angles.cos(), angles.sin()
        causal_mask = torch.ones(length, length, dtype=torch.bool).triu(1)
        x = self.embed_tokens(ids)
        for layer in self.layers:
            x = layer(x, cos, sin, causal_mask)
        return self.lm_head(self.norm(x))


def parameter_count(a):
    layer = 4 * a.hidden_size ** 2 + 3 * a.hidden_size * a.intermediate_size + 2 * a.hidden_size
    return 2 * a.vocab_size * a.hidden_size + a.num_layers * layer + a.hidden_size


def flops_per_token(a):
    """PaLM appendix B, as SharpSpeed's ComputeBudget: 6 x (N without the input embedding) + 12 x layers x hidden x seq."""
    return 6.0 * (parameter_count(a) - a.vocab_size * a.hidden_size) + 12.0 * a.num_layers * a.hidden_size * a.seq_length


def matmul_peak(size=512, repeats=8):
    """fp32 FLOP/s of square matmuls on this process's threads, best of 3 (SharpSpeed's ComputeBudget.MeasureMatmulPeak)."""
    with torch.no_grad():
        a, b = torch.randn(size, size), torch.randn(size, size)
        a.matmul(b)
        best = float("inf")
        for _ in range(3):
            start = time.perf_counter()
            for _ in range(repeats):
                a.matmul(b)
            best = min(best, time.perf_counter() - start)
    return 2.0 * size ** 3 * repeats / best


def run(rank, a, queue):
    torch.set_num_threads(a.threads)
    world = a.nproc
    if world > 1:
        os.environ.setdefault("MASTER_ADDR", "127.0.0.1")
        os.environ.setdefault("MASTER_PORT", str(a.port))
        dist.init_process_group("gloo", rank=rank, world_size=world)
    torch.manual_seed(a.seed)
    model = TinyLlama(a.vocab_size, a.hidden_size, a.num_layers, a.num_heads, a.intermediate_size)
    trained = nn.parallel.DistributedDataParallel(model) if world > 1 else model
    optimizer = torch.optim.AdamW(model.parameters(), lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0)
    generator = torch.Generator().manual_seed(a.seed + rank)
    ids = torch.randint(a.vocab_size, (a.batch_size, a.seq_length), generator=generator)

    peak = torch.tensor([matmul_peak()])
    if world > 1:
        dist.barrier()
        dist.all_reduce(peak)
    if rank == 0:
        print(f"pytorch reference: {world} rank(s) [{'gloo' if world > 1 else 'single'}], {torch.get_num_threads()} thread(s) per rank, "
              f"{parameter_count(a):,} parameters, batch {a.batch_size} x seq {a.seq_length} per rank; torch {torch.__version__}; "
              f"{a.warmup} warm-up + {a.steps} timed steps", file=sys.stderr)

    forward_ms = backward_ms = optimizer_ms = 0.0
    first_loss = last_loss = float("nan")
    start = time.perf_counter()
    for step in range(a.warmup + a.steps):
        if step == a.warmup:
            if world > 1:
                dist.barrier()
            start = time.perf_counter()
        t0 = time.perf_counter()
        logits = trained(ids)
        loss = F.cross_entropy(logits[:, :-1].reshape(-1, a.vocab_size), ids[:, 1:].reshape(-1))
        t1 = time.perf_counter()
        loss.backward()  # DDP all-reduces (averages) the gradients in buckets during backward
        t2 = time.perf_counter()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        optimizer.step()
        optimizer.zero_grad(set_to_none=False)
        t3 = time.perf_counter()
        last_loss = loss.item()
        if step == 0:
            first_loss = last_loss
        if step >= a.warmup:
            forward_ms += (t1 - t0) * 1000
            backward_ms += (t2 - t1) * 1000
            optimizer_ms += (t3 - t2) * 1000
    if world > 1:
        dist.barrier()
    elapsed = time.perf_counter() - start
    if rank == 0:
        tokens = a.steps * a.batch_size * a.seq_length * world
        tokens_per_s = tokens / elapsed
        queue.put({
            "implementation": "pytorch", "torch": torch.__version__,
            "tokens_per_s": round(tokens_per_s, 1), "step_ms": round(elapsed * 1000 / a.steps, 3),
            "forward_ms": round(forward_ms / a.steps, 3), "backward_ms": round(backward_ms / a.steps, 3),
            "optimizer_ms": round(optimizer_ms / a.steps, 3),
            "mfu": round(tokens_per_s * flops_per_token(a) / peak.item(), 6), "peak_flops": round(peak.item()),
            "flops_per_token": flops_per_token(a), "world_size": world, "threads_per_rank": torch.get_num_threads(),
            "backend": "gloo" if world > 1 else "single", "params": parameter_count(a), "zero_stage": 0, "dtype": "float32",
            "hidden_size": a.hidden_size, "num_layers": a.num_layers, "num_heads": a.num_heads,
            "intermediate_size": a.intermediate_size, "vocab_size": a.vocab_size, "seq_length": a.seq_length,
            "batch_size": a.batch_size, "steps": a.steps, "warmup": a.warmup, "tokens": tokens, "elapsed_s": elapsed,
            "loss_first": round(first_loss, 5), "loss_last": round(last_loss, 5),
            "peak_rss_bytes": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024,
        })
    if world > 1:
        dist.destroy_process_group()


def profile_ops(a):
    """The parts `sharpspeed bench train --ops` times, in the same order and on the same shapes: forward and backward
    (of the output's sum) of each part alone, medians of --steps runs after 3 warm-up runs; then AdamW's step over the
    model's parameter count and one 1-element add_ (the framework's cost per operation)."""
    torch.set_num_threads(a.threads)
    torch.manual_seed(7)
    model = TinyLlama(a.vocab_size, a.hidden_size, a.num_layers, a.num_heads, a.intermediate_size)
    layer = model.layers[0]
    rows = a.batch_size * a.seq_length
    ids = torch.randint(a.vocab_size, (a.batch_size, a.seq_length), generator=torch.Generator().manual_seed(11))
    x = torch.randn(a.batch_size, a.seq_length, a.hidden_size)
    freqs = torch.outer(torch.arange(a.seq_length, dtype=torch.float32), model.inv_freq)
    angles = torch.cat((freqs, freqs), dim=-1)
    cos, sin = angles.cos(), angles.sin()
    causal_mask = torch.ones(a.seq_length, a.seq_length, dtype=torch.bool).triu(1)
    q_shaped = nn.Linear(a.hidden_size, a.hidden_size, bias=False)
    gate_shaped = nn.Linear(a.hidden_size, a.intermediate_size, bias=False)
    tokens = rows - a.batch_size
    leaf = lambda: x.detach().requires_grad_(True)
    parts = [
        ("whole model + loss, no engine", lambda: F.cross_entropy(model(ids)[:, :-1].reshape(-1, a.vocab_size),
                                                                  ids[:, 1:].reshape(-1), reduction="sum") / tokens),
        ("embedding", lambda: model.embed_tokens(ids)),
        ("rmsnorm", lambda: layer.input_layernorm(leaf())),
        ("attention (projections + rotary + softmax)", lambda: layer.self_attn(leaf(), cos, sin, causal_mask)),
        ("mlp (gate, up, SiLU, down)", lambda: layer.mlp(leaf())),
        ("lm_head + cross-entropy", lambda: F.cross_entropy(model.lm_head(leaf())[:, :-1].reshape(-1, a.vocab_size),
                                                            ids[:, 1:].reshape(-1), reduction="sum") / tokens),
        (f"GEMM {rows}x{a.hidden_size} -> {a.hidden_size} (q_proj)", lambda: q_shaped(leaf())),
        (f"GEMM {rows}x{a.hidden_size} -> {a.intermediate_size} (gate_proj)", lambda: gate_shaped(leaf())),
    ]
    median = lambda values: sorted(values)[len(values) // 2]
    rows_out = []
    for name, forward in parts:
        forward_ms, backward_ms = [], []
        for i in range(3 + a.steps):
            t0 = time.perf_counter()
            out = forward()
            t1 = time.perf_counter()
            out.sum().backward()
            t2 = time.perf_counter()
            if i >= 3:
                forward_ms.append((t1 - t0) * 1000)
                backward_ms.append((t2 - t1) * 1000)
        rows_out.append({"part": name, "forward_ms": round(median(forward_ms), 4), "backward_ms": round(median(backward_ms), 4)})
    count = parameter_count(a)
    weights = nn.Parameter(torch.randn(count))
    weights.grad = torch.randn(count)
    optimizer = torch.optim.AdamW([weights], lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0)
    times = []
    for i in range(3 + a.steps):
        t0 = time.perf_counter()
        optimizer.step()
        if i >= 3:
            times.append((time.perf_counter() - t0) * 1000)
    rows_out.append({"part": f"AdamW step over {count:,} parameters", "forward_ms": round(median(times), 4), "backward_ms": 0})
    one, other = torch.zeros(1), torch.ones(1)
    for _ in range(100):
        one.add_(other)
    t0 = time.perf_counter()
    for _ in range(10000):
        one.add_(other)
    rows_out.append({"part": "one 1-element add_ (framework overhead per op)",
                     "forward_ms": round((time.perf_counter() - t0) * 1000 / 10000, 4), "backward_ms": 0})
    return {"implementation": "pytorch", "torch": torch.__version__, "threads": torch.get_num_threads(),
            "hidden_size": a.hidden_size, "seq_length": a.seq_length, "batch_size": a.batch_size, "parts": rows_out}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--hidden_size", type=int, default=128)
    parser.add_argument("--num_layers", type=int, default=2)
    parser.add_argument("--num_heads", type=int, default=4)
    parser.add_argument("--intermediate_size", type=int, default=512)
    parser.add_argument("--vocab_size", type=int, default=512)
    parser.add_argument("--seq_length", type=int, default=128)
    parser.add_argument("--batch_size", type=int, default=4, help="rows per rank per step")
    parser.add_argument("--steps", type=int, default=20)
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--nproc", type=int, default=1, help="ranks (processes, DDP over gloo when > 1)")
    parser.add_argument("--threads", type=int, default=0, help="threads per rank (default: cores / ranks)")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--port", type=int, default=29517)
    parser.add_argument("--ops", action="store_true", help="profile the model's parts instead of training (1 rank)")
    a = parser.parse_args()
    if a.hidden_size % a.num_heads:
        parser.error(f"--hidden_size {a.hidden_size} must be a multiple of --num_heads {a.num_heads}")
    if a.threads <= 0:
        a.threads = max(1, os.cpu_count() // a.nproc)
    if a.ops:
        print(json.dumps(profile_ops(a)))
        return
    context = mp.get_context("spawn")
    queue = context.SimpleQueue()
    if a.nproc == 1:
        run(0, a, queue)
    else:
        mp.start_processes(run, args=(a, queue), nprocs=a.nproc, join=True, start_method="spawn")
    print(json.dumps(queue.get()))


if __name__ == "__main__":
    main()
