"""Counts the activation elements autograd saves for one LLaMA decoder layer, the final norm and the loss.

Independent reference for SharpSpeed.Planning.ActivationMemory: a LLaMA block written directly in PyTorch
(RMSNorm as x * rsqrt(sum(x^2) / h + eps) * w, RoPE, SwiGLU, GQA through repeat_kv) whose attention core is a
fused-kernel stand-in that saves what flash/memory-efficient attention saves (q, k, v, output, fp32
log-sum-exp). Saved tensors are collected with torch.autograd.graph.saved_tensors_hooks and counted once per
storage; parameters, the shared RoPE tables and integer tensors (token ids, targets) are left out.
Run with Debian's torch: /usr/bin/python3 llama_saved_tensors.py  (prints one JSON object).
"""
import json
import math

import torch
import torch.nn.functional as F

torch.manual_seed(0)
B, S, H, A, KV, I, V = 2, 16, 64, 4, 2, 176, 100
D = H // A


class FusedAttention(torch.autograd.Function):
    """Causal attention that saves only q, k, v, the output and the fp32 log-sum-exp, like a flash kernel."""

    @staticmethod
    def forward(ctx, q, k, v):
        scores = q @ k.transpose(-1, -2) / math.sqrt(q.shape[-1])
        mask = torch.ones(q.shape[-2], k.shape[-2], dtype=torch.bool).triu(1)
        scores = scores.masked_fill(mask, float("-inf"))
        lse = torch.logsumexp(scores.float(), dim=-1)
        out = torch.exp(scores - lse.unsqueeze(-1)) @ v
        # Flash kernels lay the output out as (b, s, heads, d), so o_proj reads it through a view, not a copy.
        out = out.transpose(1, 2).contiguous().transpose(1, 2)
        ctx.save_for_backward(q, k, v, out, lse)
        return out

    @staticmethod
    def backward(ctx, grad):
        raise RuntimeError("only the forward's saved tensors are measured")


def rms_norm(x, w):
    # sum / H rather than mean: torch 1.13's mean() saves its input for backward, which fused norms never do.
    return x * torch.rsqrt(x.pow(2).sum(-1, keepdim=True) / x.shape[-1] + 1e-6) * w


def rotate_half(x):
    x1, x2 = x[..., : x.shape[-1] // 2], x[..., x.shape[-1] // 2:]
    return torch.cat((-x2, x1), dim=-1)


def params(*shape):
    return torch.nn.Parameter(torch.randn(*shape) * 0.02)


layer = {n: params(*s) for n, s in {
    "ln1": (H,), "q": (A * D, H), "k": (KV * D, H), "v": (KV * D, H), "o": (H, A * D),
    "ln2": (H,), "gate": (I, H), "up": (I, H), "down": (H, I)}.items()}
final_norm, lm_head = params(H), params(V, H)
inv_freq = 1.0 / (10000 ** (torch.arange(0, D, 2).float() / D))
freqs = torch.outer(torch.arange(S).float(), inv_freq)
cos, sin = torch.cat((freqs, freqs), -1).cos(), torch.cat((freqs, freqs), -1).sin()
excluded = {p.data_ptr() for p in list(layer.values()) + [final_norm, lm_head]} | {cos.data_ptr(), sin.data_ptr()}


def decoder_layer(x):
    h = rms_norm(x, layer["ln1"])
    q = F.linear(h, layer["q"]).view(B, S, A, D).transpose(1, 2)
    k = F.linear(h, layer["k"]).view(B, S, KV, D).transpose(1, 2)
    v = F.linear(h, layer["v"]).view(B, S, KV, D).transpose(1, 2)
    q = q * cos + rotate_half(q) * sin
    k = k * cos + rotate_half(k) * sin
    k = k[:, :, None].expand(B, KV, A // KV, S, D).reshape(B, A, S, D)
    v = v[:, :, None].expand(B, KV, A // KV, S, D).reshape(B, A, S, D)
    attn = FusedAttention.apply(q, k, v).transpose(1, 2).reshape(B, S, H)
    x = x + F.linear(attn, layer["o"])
    h = rms_norm(x, layer["ln2"])
    return x + F.linear(F.silu(F.linear(h, layer["gate"])) * F.linear(h, layer["up"]), layer["down"])


def saved_elements(fn, *args):
    """Float elements saved for backward by fn, once per storage; fp32 lse counted apart by its shape."""
    seen, counts = set(), {"activations": 0, "lse": 0}

    def pack(t):
        ptr = t.data_ptr()
        if t.is_floating_point() and ptr not in excluded and ptr not in seen:
            seen.add(ptr)
            key = "lse" if t.shape == (B, A, S) else "activations"
            counts[key] += t.untyped_storage().nbytes() // t.element_size() if hasattr(t, "untyped_storage") \
                else t.storage().size()
        return t

    with torch.autograd.graph.saved_tensors_hooks(pack, lambda t: t):
        out = fn(*args)
    return out, counts


x = torch.randn(B, S, H, requires_grad=True)
y, layer_counts = saved_elements(decoder_layer, x)
normed, norm_counts = saved_elements(lambda t: rms_norm(t, final_norm), y)
logits, head_counts = saved_elements(lambda t: F.linear(t, lm_head), normed)
_, loss_counts = saved_elements(
    lambda t: F.cross_entropy(t.float().view(-1, V), torch.randint(0, V, (B * S,))), logits)

print(json.dumps({
    "config": {"b": B, "s": S, "h": H, "a": A, "kv": KV, "I": I, "V": V},
    "layer_activation_elements": layer_counts["activations"],
    "layer_lse_elements": layer_counts["lse"],
    "final_norm_elements": norm_counts["activations"] + head_counts["activations"],
    "loss_elements": loss_counts["activations"],
}))
