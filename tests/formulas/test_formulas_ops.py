"""Ops in functional graphs (formulas/ops.py): Keras 3's ops and tf-keras' TFOpLambda and
SlicingOpLambda hold no weights; each op's shape rule must agree with Keras, with the shapes Keras
records removed from the config."""

import json

import pytest

import paramcount
from keras_compare import assert_matches_keras, strip_build_config, strip_recorded_shapes

pytestmark = pytest.mark.keras
keras = pytest.importorskip("keras")
tf_keras = pytest.importorskip("tf_keras")
tf = pytest.importorskip("tensorflow")


def consumer_input_shapes(config):
    """paramcount's input shape of each Dense named 'probe_*' (they sit after the op tested)."""
    return {layer.name: layer.input_shape for layer in paramcount.count(config).layers
            if layer.name.startswith("probe")}


OPS_KERAS3 = {
    "add": lambda x: x + x[:, :1], "scalar": lambda x: 2 - x, "relu": lambda x: keras.ops.relu(x),
    "reshape": lambda x: keras.ops.reshape(x, (-1, 2, 12)),
    "transpose": lambda x: keras.ops.transpose(x, (0, 2, 1)),
    "expand_dims": lambda x: keras.ops.expand_dims(x, 1),
    "squeeze": lambda x: keras.ops.squeeze(x[:, :1], axis=1),
    "mean": lambda x: keras.ops.mean(x, axis=1), "sum": lambda x: keras.ops.sum(x, -1, True),
    "matmul": lambda x: keras.ops.matmul(x, keras.ops.transpose(x, (0, 2, 1))),
    "concatenate": lambda x: keras.ops.concatenate([x, x], axis=1),
    "stack": lambda x: keras.ops.stack([x, x], axis=2),
    "split": lambda x: keras.ops.split(x, 2, axis=-1)[1],
    "slice": lambda x: x[:, 1:3, ::2], "index": lambda x: x[..., 0, None],
    "einsum": lambda x: keras.ops.einsum("bij,bkj->bik", x, x),
    "tile": lambda x: keras.ops.tile(x, (1, 2, 1)),
    "pad": lambda x: keras.ops.pad(x, ((0, 0), (1, 2), (0, 0))),
    "one_hot": lambda x: keras.ops.one_hot(keras.ops.argmax(x, axis=-1), 5),
    "where": lambda x: keras.ops.where(x > 0, x, 0.0), "cast": lambda x: keras.ops.cast(x, "int32"),
    "softmax": lambda x: keras.ops.softmax(x, axis=1),
}


def test_op_shapes_keras3():
    """Each op's shape rule agrees with Keras, with the recorded shapes removed from the config:
    a Dense after each op shows the shape paramcount worked out."""
    keras.backend.clear_session()
    inp = keras.Input((4, 6))
    outs = {op: make(inp) for op, make in OPS_KERAS3.items()}
    probes = [keras.layers.Dense(3, name=f"probe_{op}")(keras.ops.cast(out, "float32"))
              for op, out in outs.items()]
    model = keras.Model(inp, probes)
    assert_matches_keras(model)
    config = strip_recorded_shapes(strip_build_config(json.loads(model.to_json())))
    assert consumer_input_shapes(config) == {f"probe_{op}": tuple(out.shape)
                                             for op, out in outs.items()}


OPS_TF = {
    "add": lambda x: x + x[:, :1], "relu": lambda x: tf.nn.relu(x),
    "reshape": lambda x: tf.reshape(x, (-1, 2, 12)), "transpose": lambda x: tf.transpose(x, (0, 2, 1)),
    "expand_dims": lambda x: tf.expand_dims(x, 1), "mean": lambda x: tf.reduce_mean(x, axis=1),
    "sum": lambda x: tf.reduce_sum(x, -1, keepdims=True), "concat": lambda x: tf.concat([x, x], 1),
    "stack": lambda x: tf.stack([x, x], axis=2), "slice": lambda x: x[:, 1:3, ::2],
    "matmul": lambda x: tf.matmul(x, x, transpose_b=True), "tile": lambda x: tf.tile(x, (1, 2, 1)),
    "multiply": lambda x: x * 2.0, "constant_first": lambda x: tf.add(3.0, x),
}


def test_op_shapes_tf_keras():
    tf_keras.backend.clear_session()
    inp = tf_keras.Input((4, 6))
    outs = {op: make(inp) for op, make in OPS_TF.items()}
    model = tf_keras.Model(inp, [tf_keras.layers.Dense(3, name=f"probe_{op}")(out)
                                 for op, out in outs.items()])
    assert_matches_keras(model)
    config = strip_build_config(json.loads(model.to_json()))
    assert consumer_input_shapes(config) == {f"probe_{op}": tuple(out.shape)
                                             for op, out in outs.items()}
