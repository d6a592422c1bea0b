"""How paramcount does on saved files: a varied corpus written here by real Keras 3 and tf-keras
(``.keras``, legacy ``.h5``, JSON + weights; custom layers, quantized models, recurrent layers,
nested models, applications), each counted by ``paramcount.count`` and compared with
``count_params()`` and the trainable count of the model that was saved.

    .venv/bin/python scripts/file_corpus.py [--keep DIR]

Each file is one of:

- **exact**: the total and the trainable split equal Keras';
- **open**: the total equals Keras', and the file leaves part of the split open (a custom
  layer's weights, whose trainability no file records); Keras' trainable count lies in that range;
- **refused**: paramcount says why it cannot count (the reason is printed);
- **wrong**: anything else (a bug: the script exits with status 1).

Not part of ``make test``: it takes a minute or two (building and saving every model).
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import warnings
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import paramcount  # noqa: E402


def _size(w) -> int:
    n = 1
    for d in w.shape:
        n *= int(d)
    return n


def keras_facts(model) -> tuple[int, int]:
    return int(model.count_params()), sum(_size(w) for w in model.trainable_weights)


# -- Keras 3 models -----------------------------------------------------------------------------

def keras3_models():
    import keras

    L = keras.layers

    class Scale(L.Layer):
        def build(self, shape):
            self.scale = self.add_weight(shape=(shape[-1],), name="scale")
            self.offset = self.add_weight(shape=(2, shape[-1]), name="offset", trainable=False)

        def call(self, x):
            return x * self.scale + self.offset[0]

    class Linear(L.Layer):
        def __init__(self, units=8, **kwargs):
            super().__init__(**kwargs)
            self.units = units

        def build(self, shape):
            self.w = self.add_weight(shape=(shape[-1], self.units), name="w")

        def call(self, x):
            return x @ self.w

        def get_config(self):
            return {**super().get_config(), "units": self.units}

    class Block(L.Layer):
        """A custom layer holding Keras layers of its own."""

        def __init__(self, **kwargs):
            super().__init__(**kwargs)
            self.inner = L.Dense(6)
            self.norm = L.LayerNormalization()

        def build(self, shape):
            self.inner.build(shape)
            self.norm.build((*shape[:-1], 6))

        def call(self, x):
            return self.norm(self.inner(x))

    class TwoDense(keras.Model):
        def __init__(self, **kwargs):
            super().__init__(**kwargs)
            self.a, self.b = L.Dense(5), L.Dense(2)

        def call(self, x):
            return self.b(self.a(x))

    models = {}
    models["mlp"] = keras.Sequential([keras.Input((20,)), L.Dense(16, activation="relu"),
                                      L.Dropout(0.2), L.Dense(3)])
    image = keras.Input((16, 16, 3))
    x = L.Conv2D(8, 3, padding="same")(image)
    x = L.BatchNormalization()(x)
    x = L.SeparableConv2D(8, 3)(L.MaxPooling2D()(x))
    x = L.DepthwiseConv2D(3)(x)
    models["cnn"] = keras.Model(image, L.Dense(4)(L.GlobalAveragePooling2D()(x)))
    seq = keras.Input((12, 5))
    r = L.Bidirectional(L.LSTM(6, return_sequences=True))(seq)
    r = L.GRU(4, return_sequences=True)(r)
    r = L.SimpleRNN(3)(r)
    models["recurrent"] = keras.Model(seq, L.Dense(2)(r))
    tokens = keras.Input((10,), dtype="int32")
    t = L.Embedding(50, 8)(tokens)
    t = L.TimeDistributed(L.Dense(4))(L.Conv1D(6, 3)(t))
    models["embedding conv1d"] = keras.Model(tokens, L.GlobalMaxPooling1D()(t))
    inner = keras.Sequential([L.Dense(6), L.LayerNormalization()], name="inner")
    inner_f_in = keras.Input((6,))
    inner_f = keras.Model(inner_f_in, L.Dense(3)(inner_f_in), name="inner_functional")
    nest_in = keras.Input((7,))
    models["nested"] = keras.Model(nest_in, inner_f(inner(nest_in)))
    att_in = keras.Input((6, 16))
    a = L.LayerNormalization()(att_in + L.MultiHeadAttention(2, 4)(att_in, att_in))
    models["transformer"] = keras.Model(att_in, L.Dense(16)(a))
    for mode in ("int8", "int4", "float8"):
        q_in = keras.Input((6, 16))
        q = L.LayerNormalization()(q_in + L.MultiHeadAttention(2, 4)(q_in, q_in))
        q = q + L.GroupQueryAttention(4, 4, 2)(q, q)
        q = L.EinsumDense("abc,cd->abd", output_shape=(None, 16), bias_axes="d")(
            L.Dense(24)(q))
        block = keras.Model(q_in, q, name=f"quantized_{mode}")
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            block.quantize(mode)
        models[f"quantized {mode}"] = block
        d_in = keras.Input((12,))
        dense = keras.Model(d_in, L.Dense(3)(L.Dense(8)(d_in)), name=f"dense_{mode}")
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            dense.quantize(mode)
        models[f"quantized dense {mode}"] = dense
    models["lora"] = keras.Sequential([keras.Input((9,)), L.Dense(6, lora_rank=2), L.Dense(2)])
    c_in = keras.Input((10, 6))
    c = L.Conv1D(4, 3)(c_in)
    c = Linear(12, name="linear")(c)
    c = L.LSTM(5, return_sequences=True)(c)
    c = L.BatchNormalization()(L.Conv1D(7, 2)(c))
    models["custom mid functional"] = keras.Model(c_in, L.Dense(3)(L.Flatten()(c)))
    models["custom mid sequential"] = keras.Sequential(
        [keras.Input((9,)), L.Dense(6), Linear(5, name="linear"), L.Dense(4), L.Dense(2)])
    s_in = keras.Input((6,))
    models["custom scale"] = keras.Model(s_in, L.Dense(2)(Scale(name="scale")(L.Dense(4)(s_in))))
    frozen = keras.Model(s_in, L.Dense(2)(Scale(name="frozen_scale")(L.Dense(4)(s_in))))
    frozen.get_layer("frozen_scale").trainable = False
    models["custom frozen"] = frozen
    b_in = keras.Input((5, 4))
    models["custom block"] = keras.Model(b_in, L.Dense(2)(Block(name="block")(b_in)))
    models["conv lstm"] = keras.Sequential([keras.Input((3, 8, 8, 2)), L.ConvLSTM2D(4, 3),
                                            L.GroupNormalization(2), L.Flatten(), L.Dense(2)])
    models["mobilenet v3 small"] = keras.applications.MobileNetV3Small(
        input_shape=(96, 96, 3), weights=None, classes=10)
    subclassed = TwoDense(name="two_dense")
    subclassed(keras.ops.ones((1, 4)))
    models["subclassed"] = subclassed
    return models


def tf_keras_models():
    import tensorflow as tf
    import tf_keras

    L = tf_keras.layers

    class Linear(L.Layer):
        def __init__(self, units=8, **kwargs):
            super().__init__(**kwargs)
            self.units = units

        def build(self, shape):
            self.w = self.add_weight(shape=(shape[-1], self.units), name="w")
            self.b = self.add_weight(shape=(self.units,), name="b", trainable=False)

        def call(self, x):
            return tf.matmul(x, self.w) + self.b

        def get_config(self):
            return {**super().get_config(), "units": self.units}

    models = {}
    models["mlp"] = tf_keras.Sequential([L.Dense(16, input_shape=(20,)), L.Dense(3)])
    image = tf_keras.Input((16, 16, 3))
    x = L.BatchNormalization()(L.Conv2D(8, 3)(image))
    x = L.SeparableConv2D(4, 3)(L.MaxPooling2D()(x))
    models["cnn"] = tf_keras.Model(image, L.Dense(4)(L.Flatten()(x)))
    models["recurrent"] = tf_keras.Sequential([
        L.Bidirectional(L.LSTM(6, return_sequences=True), input_shape=(12, 5)),
        L.GRU(4, return_sequences=True), L.SimpleRNN(3), L.Dense(2)])
    op_in = tf_keras.Input((6, 4))
    op = L.Dense(5)(tf.reduce_mean(op_in, axis=1)) + L.GRU(5)(op_in)
    models["tf ops"] = tf_keras.Model(op_in, L.Dense(2)(op))
    inner = tf_keras.Sequential([L.Dense(6, input_shape=(7,)), L.LayerNormalization()])
    nest_in = tf_keras.Input((7,))
    models["nested"] = tf_keras.Model(nest_in, L.Dense(2)(inner(nest_in)))
    att_in = tf_keras.Input((6, 16))
    models["transformer"] = tf_keras.Model(att_in, L.LayerNormalization()(
        L.MultiHeadAttention(2, 4)(att_in, att_in)))
    models["time distributed"] = tf_keras.Sequential([
        L.TimeDistributed(L.Dense(4), input_shape=(5, 3)), L.LSTM(2)])
    c_in = tf_keras.Input((10, 6))
    c = Linear(12, name="linear")(L.Conv1D(4, 3)(c_in))
    c = L.LSTM(5, return_sequences=True)(c)
    c = L.BatchNormalization()(L.Conv1D(7, 2)(c))
    models["custom mid functional"] = tf_keras.Model(c_in, L.Dense(3)(L.Flatten()(c)))
    models["custom mid sequential"] = tf_keras.Sequential(
        [L.Dense(6, input_shape=(9,)), Linear(5, name="linear"), L.Dense(4), L.Dense(2)])
    f_in = tf_keras.Input((6,))
    frozen = tf_keras.Model(f_in, L.Dense(2)(Linear(4, name="frozen_linear")(f_in)))
    frozen.trainable = False
    models["custom frozen model"] = frozen
    img = tf_keras.Input((16, 16, 3))
    y = Linear(3, name="linear")(img)  # a custom layer on an image: channels after it unknown
    y = L.Conv2D(4, 3)(y)
    models["custom before conv2d"] = tf_keras.Model(img, L.GlobalAveragePooling2D()(y))
    models["mobilenet v2"] = tf_keras.applications.MobileNetV2(
        input_shape=(96, 96, 3), alpha=0.35, weights=None, classes=10)
    return models


# -- saving and counting ------------------------------------------------------------------------

def save_all(tmp: Path):
    """(label, paramcount arguments, Keras' facts) for every file written."""
    files = []
    import keras

    keras.backend.clear_session()
    for name, model in keras3_models().items():
        facts = keras_facts(model)
        stem = tmp / ("k3_" + name.replace(" ", "_"))
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            model.save(f"{stem}.keras")
            files.append((f"Keras 3 {name} .keras", (f"{stem}.keras",), facts))
            if name == "subclassed":
                continue
            try:
                model.save(f"{stem}.h5")
                files.append((f"Keras 3 {name} .h5", (f"{stem}.h5",), facts))
            except Exception as e:  # Keras itself cannot write this one as HDF5
                print(f"  (Keras 3 cannot save {name} as .h5: {type(e).__name__})")
            Path(f"{stem}.json").write_text(model.to_json())
            model.save_weights(f"{stem}.weights.h5")
            files.append((f"Keras 3 {name} .json + .weights.h5",
                          (f"{stem}.json", f"{stem}.weights.h5"), facts))
    import tf_keras

    tf_keras.backend.clear_session()
    for name, model in tf_keras_models().items():
        facts = keras_facts(model)
        stem = tmp / ("tfk_" + name.replace(" ", "_"))
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            model.save(f"{stem}.h5")
            files.append((f"tf-keras {name} .h5", (f"{stem}.h5",), facts))
            model.save(f"{stem}.keras")
            files.append((f"tf-keras {name} .keras", (f"{stem}.keras",), facts))
            Path(f"{stem}.json").write_text(model.to_json())
            model.save_weights(f"{stem}_weights.h5")
            files.append((f"tf-keras {name} .json + weights .h5",
                          (f"{stem}.json", f"{stem}_weights.h5"), facts))
    return files


def judge(args, facts) -> tuple[str, str]:
    total, trainable = facts
    source, *weights = args
    try:
        got = paramcount.count(source, weights=weights[0] if weights else None)
    except paramcount.ParamcountError as e:
        return "refused", str(e)
    if got.total != total:
        return "wrong", f"total {got.total:,}, Keras {total:,}"
    if got.trainable_unknown == 0:
        if got.trainable == trainable:
            return "exact", ""
        return "wrong", f"trainable {got.trainable:,}, Keras {trainable:,}"
    if got.trainable <= trainable <= got.trainable + got.trainable_unknown:
        return "open", f"{got.trainable_unknown:,} of {total:,} with trainability not recorded"
    return "wrong", f"trainable {got.trainable:,} + {got.trainable_unknown:,} open, Keras {trainable:,}"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--keep", help="write the files here (kept) instead of a temporary folder")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        tmp = Path(args.keep or scratch)
        tmp.mkdir(parents=True, exist_ok=True)
        files = save_all(tmp)
        results = Counter()
        width = max(len(label) for label, _, _ in files)
        for label, paths, facts in files:
            verdict, detail = judge(paths, facts)
            results[verdict] += 1
            print(f"{label:<{width}}  {verdict:<7}  {detail}")
    print()
    print(f"{sum(results.values())} files: " + ", ".join(
        f"{results[v]} {v}" for v in ("exact", "open", "refused", "wrong")))
    return 1 if results["wrong"] else 0


if __name__ == "__main__":
    sys.exit(main())
