"""Random small models around one layer class, built in Keras 3 or tf-keras from a seeded
``random.Random``: the reconciler is measured on their real ``summary()`` text.

``BUILDERS`` holds one builder per registered class that holds weights and that a Keras pinned
here has under ``keras.layers``; ``NOT_BUILT`` says why the others are not built. A builder returns
the input shape (no batch axis) and a function from the input tensor to the output tensor; the
model around it (a layer before, weightless layers and a Dense after, Sequential or functional)
is drawn by :func:`build`.
"""

from __future__ import annotations

import random

# Registered classes with weights that no builder makes, and why.
NOT_BUILT = {
    "ReversibleEmbedding": "KerasHub's class, not under keras.layers",
    "LayerScale": "a class inside keras.applications' ConvNeXt, not under keras.layers",
    "SyncBatchNormalization": "tf-keras' experimental class: its summary row is BatchNormalization's",
    "GroupedQueryAttention": "the name tf-keras' era used; Keras 3 builds GroupQueryAttention",
    "GRUCell": "a cell: a row of its own only as RNN(cell), which is built",
    "LSTMCell": "a cell: a row of its own only as RNN(cell), which is built",
    "SimpleRNNCell": "a cell: a row of its own only as RNN(cell), which is built",
    "StackedRNNCells": "inside an RNN only",
    "TFOpLambda": "tf-keras' wrapper of a TensorFlow op, with no weights",
    "SlicingOpLambda": "tf-keras' wrapper of a TensorFlow op, with no weights",
    "Functional": "a model: nested models are tested on their own",
    "Sequential": "a model: nested models are tested on their own",
    "Model": "a model: nested models are tested on their own",
}
# KerasHub's classes are registered as "keras_hub>Name"; its summary rows print "Name", which the
# reconciler completes to them. keras_hub's models are too heavy for this measure: small ones are
# reconciled in test_reconcile_kerashub.py.
HUB = "keras_hub>"
# Keras' aliases: the summary prints the class, which is built under its own name.
ALIASES = {"Convolution1D", "Convolution2D", "Convolution3D", "Convolution1DTranspose",
           "Convolution2DTranspose", "Convolution3DTranspose", "SeparableConvolution1D",
           "SeparableConvolution2D"}


def _spatial(r: random.Random, n: int, low: int = 4, high: int = 9) -> tuple:
    return tuple(r.randint(low, high) for _ in range(n))


def _kernel(r: random.Random, n: int) -> tuple:
    return tuple(r.choice([1, 2, 3, 3, 3, 5]) for _ in range(n))


def _conv(name: str, n: int):
    def build(L, r, keras3):
        shape = (*_spatial(r, n, 6, 10), r.randint(1, 6))
        kw = {"padding": r.choice(["same", "valid"]), "strides": r.choice([1, 1, 2]),
              "use_bias": r.random() < 0.7}
        kernel = _kernel(r, n)
        if name.startswith("Depthwise"):
            layer = getattr(L, name)(kernel, depth_multiplier=r.choice([1, 1, 2, 3]), **kw)
        elif name.startswith("Separable"):
            layer = getattr(L, name)(r.randint(1, 12), kernel,
                                     depth_multiplier=r.choice([1, 1, 2]), **kw)
        elif name.startswith("LocallyConnected"):
            kw.pop("padding")
            layer = getattr(L, name)(r.randint(1, 6), kernel, **kw)
        else:
            layer = getattr(L, name)(r.randint(1, 12), kernel, **kw)
        return shape, layer
    return build


def _conv_lstm(n: int):
    def build(L, r, keras3):
        shape = (r.randint(2, 4), *_spatial(r, n, 4, 7), r.randint(1, 4))
        return shape, getattr(L, f"ConvLSTM{n}D")(
            r.randint(1, 6), _kernel(r, n)[:1] * n, padding=r.choice(["same", "valid"]),
            return_sequences=r.random() < 0.5, use_bias=r.random() < 0.7)
    return build


def _rnn_kw(r, cls):
    kw = {"use_bias": r.random() < 0.7}
    if cls == "GRU":
        kw["reset_after"] = r.random() < 0.7
    return kw


def _recurrent(cls: str):
    def build(L, r, keras3):
        shape = (r.choice([None, r.randint(2, 12)]), r.randint(1, 20))
        return shape, getattr(L, cls)(r.randint(1, 24), return_sequences=r.random() < 0.5,
                                      **_rnn_kw(r, cls))
    return build


def _rnn(L, r, keras3):
    cls = r.choice(["SimpleRNN", "LSTM", "GRU"])
    cell = getattr(L, f"{cls}Cell")(r.randint(1, 16), **_rnn_kw(r, cls))
    return (r.randint(2, 9), r.randint(1, 12)), L.RNN(cell, return_sequences=r.random() < 0.5)


def _bidirectional(L, r, keras3):
    cls = r.choice(["SimpleRNN", "LSTM", "GRU"])
    inner = getattr(L, cls)(r.randint(1, 16), return_sequences=r.random() < 0.5, **_rnn_kw(r, cls))
    return (r.choice([None, r.randint(2, 9)]), r.randint(1, 12)), L.Bidirectional(
        inner, merge_mode=r.choice(["concat", "concat", "sum", "mul", "ave"]))


def _time_distributed(L, r, keras3):
    if r.random() < 0.7:
        return (r.randint(2, 6), r.randint(1, 16)), L.TimeDistributed(
            L.Dense(r.randint(1, 16), use_bias=r.random() < 0.7))
    return (r.randint(2, 4), *_spatial(r, 2, 5, 8), r.randint(1, 4)), L.TimeDistributed(
        L.Conv2D(r.randint(1, 8), _kernel(r, 2), use_bias=r.random() < 0.7))


def _embedding(L, r, keras3):
    return (r.choice([None, r.randint(2, 12)]),), L.Embedding(r.randint(2, 500), r.randint(1, 16))


def _normalization(cls: str):
    def build(L, r, keras3):
        shape = r.choice([(r.randint(1, 30),), (r.randint(2, 6), r.randint(1, 16)),
                          (*_spatial(r, 2), r.choice([4, 8, 16]))])
        kw = {}
        if cls in ("BatchNormalization", "LayerNormalization", "GroupNormalization"):
            kw = {"center": r.random() < 0.7, "scale": r.random() < 0.7}
        if cls == "GroupNormalization":
            shape = (*shape[:-1], r.choice([4, 8, 16]))
            kw["groups"] = r.choice([1, 2, 4])
        if cls == "LayerNormalization" and keras3 and r.random() < 0.2:
            kw = {"rms_scaling": True}
        return shape, getattr(L, cls)(**kw)
    return build


def _spectral(L, r, keras3):
    if r.random() < 0.5:
        return (r.randint(1, 20),), L.SpectralNormalization(L.Dense(r.randint(1, 16)))
    return (*_spatial(r, 2), r.randint(1, 4)), L.SpectralNormalization(
        L.Conv2D(r.randint(1, 8), _kernel(r, 2)))


def _prelu(L, r, keras3):
    if r.random() < 0.5:
        return (r.randint(1, 20),), L.PReLU()
    return (*_spatial(r, 2), r.randint(1, 4)), L.PReLU(shared_axes=r.choice([None, [1, 2]]))


def _mha(L, r, keras3):
    heads, key_dim = r.randint(1, 4), r.randint(1, 8)
    layer = L.MultiHeadAttention(heads, key_dim, use_bias=r.random() < 0.8)
    cross = r.random() < 0.4
    other = r.randint(1, 12)

    def call(x, k):
        value = k.layers.Dense(other)(x) if cross else x
        return layer(x, value)
    return (r.randint(2, 8), r.randint(1, 16)), call


def _gqa(L, r, keras3):
    kv = r.choice([1, 2])
    layer = L.GroupQueryAttention(r.randint(1, 8), kv * r.choice([1, 2]), kv,
                                    use_bias=r.random() < 0.8)
    return (r.randint(2, 6), r.randint(1, 12)), lambda x, k: layer(x, x)


def _attention(cls: str):
    def build(L, r, keras3):
        kw = {"use_scale": r.random() < 0.5}
        if cls == "Attention" and keras3:
            kw["score_mode"] = r.choice(["dot", "concat"])
        layer = getattr(L, cls)(**kw)
        return (r.randint(2, 6), r.randint(1, 12)), lambda x, k: layer([x, x])
    return build


def _einsum(L, r, keras3):
    if r.random() < 0.5:
        n = r.randint(1, 12)
        return (r.randint(1, 12),), L.EinsumDense("ab,bc->ac", output_shape=n,
                                                  bias_axes=r.choice([None, "c"]))
    t, h, d = r.randint(2, 6), r.randint(1, 3), r.randint(1, 6)
    return (t, r.randint(1, 12)), L.EinsumDense("abc,cde->abde", output_shape=(None, h, d),
                                                bias_axes=r.choice([None, "de"]))


BUILDERS = {
    "Dense": lambda L, r, k3: ((r.randint(1, 30),), L.Dense(r.randint(1, 30),
                                                            use_bias=r.random() < 0.7)),
    **{f"Conv{n}D": _conv(f"Conv{n}D", n) for n in (1, 2, 3)},
    **{f"Conv{n}DTranspose": _conv(f"Conv{n}DTranspose", n) for n in (1, 2, 3)},
    **{f"DepthwiseConv{n}D": _conv(f"DepthwiseConv{n}D", n) for n in (1, 2)},
    **{f"SeparableConv{n}D": _conv(f"SeparableConv{n}D", n) for n in (1, 2)},
    **{f"LocallyConnected{n}D": _conv(f"LocallyConnected{n}D", n) for n in (1, 2)},
    **{f"ConvLSTM{n}D": _conv_lstm(n) for n in (1, 2, 3)},
    **{cls: _recurrent(cls) for cls in ("SimpleRNN", "LSTM", "GRU")},
    "RNN": _rnn,
    "Bidirectional": _bidirectional,
    "TimeDistributed": _time_distributed,
    "Embedding": _embedding,
    **{cls: _normalization(cls) for cls in ("BatchNormalization", "LayerNormalization",
                                            "GroupNormalization", "RMSNormalization",
                                            "Normalization")},
    "SpectralNormalization": _spectral,
    "PReLU": _prelu,
    "MultiHeadAttention": _mha,
    "GroupQueryAttention": _gqa,
    "Attention": _attention("Attention"),
    "AdditiveAttention": _attention("AdditiveAttention"),
    "EinsumDense": _einsum,
}


# Built in Keras 3 only: tf-keras' class of the same name cannot wrap these layers.
KERAS3_ONLY = {"SpectralNormalization"}


def available(k, class_name: str) -> bool:
    if class_name in KERAS3_ONLY and k.__name__ != "keras":
        return False
    return hasattr(k.layers, class_name)


def _around(k, r, shape, rank_after: int) -> tuple[list, list]:
    """Layers before (a Dense, so that the table shows the measured layer's input) and after
    (weightless layers and maybe a Dense) the measured layer."""
    L = k.layers
    before = []
    if shape[-1] is not None and r.random() < 0.4:
        before.append(L.Dense(shape[-1], use_bias=r.random() < 0.8))
    after = []
    if r.random() < 0.3:
        after.append(L.Dropout(0.1))
    if rank_after > 2 and r.random() < 0.3:
        after.append(L.Flatten())
    if r.random() < 0.5:
        after.append(L.Dense(r.randint(1, 8), use_bias=r.random() < 0.8))
    return before, after


def build(k, class_name: str, r: random.Random):
    """A model around one ``class_name`` layer, Sequential (no Connected to in its table) or
    functional; a layer called on several inputs makes it functional."""
    k.backend.clear_session()
    shape, target = BUILDERS[class_name](k.layers, r, k.__name__ == "keras")
    dtype = "int32" if class_name == "Embedding" else "float32"
    single = isinstance(target, k.layers.Layer)
    before, after = _around(k, r, shape if class_name != "Embedding" else (None,), len(shape) + 1)
    if single and r.random() < 0.5:
        return k.Sequential([k.Input(shape, dtype=dtype), *before, target, *after])
    inp = k.Input(shape, dtype=dtype)
    x = inp
    for layer in before:
        x = layer(x)
    x = target(x) if single else target(x, k)
    if isinstance(x, (list, tuple)):
        x = x[0]
    for layer in after:
        x = layer(x)
    return k.Model(inp, x)
