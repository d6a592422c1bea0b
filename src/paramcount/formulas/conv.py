"""Convolutions: Conv, ConvTranspose, DepthwiseConv, SeparableConv and ConvLSTM, in 1, 2 and 3-D.

A convolution's weights depend only on the kernel size, the input channels and the filters —
never on the height, width or length of the input, which only decide the output shape. The
kernel's shape is ``(*kernel_size, channels_in, channels_out)`` (Keras' layout, which a
transposed convolution swaps to ``(*kernel_size, filters, channels_in)``).

``data_format="channels_first"`` moves the channels from the last axis to axis 1: that is the
number the kernel is built from, so reading the wrong axis gives a wrong count.

The helpers here (data format, spatial axes, output lengths) are shared with ``pooling.py`` and
``reshaping_spatial.py``.
"""

from __future__ import annotations

from ..expr import Expr, Sym, product, total
from ..result import Shape
from .base import (
    KERNEL,
    SEQUENCE_OUTPUT,
    STEP_KERNEL,
    USE_BIAS,
    WINDOW,
    Ctx,
    Hidden,
    Setting,
    Spec,
    W,
    format_shape,
    layer,
    with_lora,
)
from .recurrent import LSTM_GATES

# --- helpers shared by every spatial layer --------------------------------------------------

_AXIS_NAMES = {1: ("length",), 2: ("height", "width"), 3: ("depth", "height", "width")}


def channels_first(ctx: Ctx) -> bool:
    """True for ``data_format="channels_first"``; Keras' default is channels_last."""
    value = ctx.option("data_format", None) or "channels_last"
    if value not in ("channels_last", "channels_first"):
        raise ctx.error(f"'data_format' must be 'channels_last' or 'channels_first', got {value!r}")
    return value == "channels_first"


def split_input(ctx: Ctx, n: int, first: bool, shape: Shape | None = None):
    """``(batch, spatial dims, channels)`` of an input with ``n`` spatial axes."""
    shape = ctx.input_shape if shape is None else shape
    ctx.rank(n + 2, shape=shape)
    if first:
        return shape[0], tuple(shape[2:]), shape[1]
    return shape[0], tuple(shape[1:-1]), shape[-1]


def join_output(batch, spatial, channels, first: bool) -> Shape:
    return (batch, channels, *spatial) if first else (batch, *spatial, channels)


def channels_symbol(ctx: Ctx, first: bool, shape: Shape | None = None) -> Sym:
    axis, where = (1, "axis 1, channels_first") if first else (-1, "last axis")
    value = ctx.dim(axis, "number of input channels", shape)
    return ctx.sym("c", value, f"input channels ({where} of the input)")


def padding(ctx: Ctx, allowed: tuple[str, ...] = ("valid", "same")) -> str:
    value = ctx.option("padding", "valid")
    if isinstance(value, str) and value.lower() in allowed:  # Keras lower-cases it
        return value.lower()
    raise ctx.error(f"'padding' must be one of {', '.join(map(repr, allowed))}, got {value!r}")


def strided_length(ctx: Ctx, size, window: int, stride: int, pad: str, what: str):
    """Keras' output length along one axis for a window sliding with a stride.

    ``window`` is the kernel's reach (dilated) or the pool size. "same" and "causal" pad so that
    the output is ceil(size / stride); "valid" fits only whole windows.
    """
    if size is None:
        return None
    if pad != "valid":
        return (size - 1) // stride + 1
    out = (size - window) // stride + 1
    if out <= 0:
        raise ctx.shape_error(f"a {what} of {window} with padding='valid' does not fit in an input of "
                        f"size {size} along a spatial axis (output size would be {out}); "
                        f"input shape {format_shape(ctx.input_shape)}")
    return out


def kernel_symbols(ctx: Ctx, n: int) -> tuple[Sym, ...]:
    """k (1-D) or k_1, k_2(, k_3): the kernel's extent along each spatial axis."""
    sizes = ctx.ints("kernel_size", n)
    if n == 1:
        return (ctx.sym("k", sizes[0], "kernel size"),)
    return tuple(ctx.sym(f"k_{i + 1}", v, f"kernel {axis}")
                 for i, (v, axis) in enumerate(zip(sizes, _AXIS_NAMES[n])))


def _window_options(ctx: Ctx, n: int, check_dilated_strides: bool = True):
    strides = ctx.ints("strides", n, 1)
    dilation = ctx.ints("dilation_rate", n, 1)
    if check_dilated_strides and max(strides) > 1 and max(dilation) > 1:
        raise ctx.error(f"strides {strides} > 1 together with dilation_rate {dilation} > 1 is "
                        "not supported by Keras")
    return strides, dilation


def conv_output(ctx: Ctx, n: int, kernel, filters: int, pad: str, first: bool,
                strides, dilation, shape: Shape | None = None) -> Shape:
    """The output shape of a convolution with ``filters`` channels out (Keras'
    ``compute_conv_output_shape``)."""
    batch, spatial, _ = split_input(ctx, n, first, shape)
    out = tuple(strided_length(ctx, size, d * (k - 1) + 1, s, pad, "kernel window")
                for size, k, s, d in zip(spatial, kernel, strides, dilation))
    return join_output(batch, out, filters, first)


def _size(shape) -> Expr:
    """A weight's element count without the literal 1s of a 1×1 kernel."""
    return product(d for d in shape if not (isinstance(d, int) and d == 1))


def spatial_rank(class_name: str) -> int:
    """The 2 of Conv2D, MaxPooling2D, ...: how many spatial axes the layer works on."""
    return int(next(ch for ch in class_name if ch.isdigit()))


def _filters(ctx: Ctx) -> Sym:
    return ctx.sym("f", ctx.integer("filters"), "filters (output channels)")


# --- Conv1D/2D/3D ------------------------------------------------------------------------------

@layer("Conv1D", "Conv2D", "Conv3D", "Convolution1D", "Convolution2D", "Convolution3D",
       page="formulas/conv.md",
       args=("filters", "kernel_size", "strides", "padding", "data_format", "dilation_rate",
             "groups", "activation", "use_bias"),
       hides=Hidden(settings=(KERNEL, USE_BIAS, *WINDOW), reads=("filters",), input="open"))
def conv(ctx: Ctx) -> Spec:
    n = spatial_rank(ctx.class_name)
    first = channels_first(ctx)
    pad = padding(ctx, ("valid", "same", "causal") if n == 1 else ("valid", "same"))
    notes = []
    # tf-keras takes extra leading axes as more batch axes (Conv1D on (batch, a, steps, c));
    # fold them into one and put them back on the output. Keras 3 wants exactly n + 2 axes.
    shape = ctx.input_shape
    lead: tuple = ()
    if ctx.keras_version < 3 and len(shape) > n + 2:
        lead, shape = shape[:len(shape) - n - 2], shape[len(shape) - n - 2:]
        notes.append(f"tf-keras treats the {len(lead) + 1} axes before the {n + 1} it convolves "
                     "over as batch axes")
    split_input(ctx, n, first, shape)
    c = channels_symbol(ctx, first, shape)
    f = _filters(ctx)
    ks = kernel_symbols(ctx, n)
    strides, dilation = _window_options(ctx, n)
    groups = ctx.integer("groups", 1)
    g = None
    if groups > 1:
        g = ctx.sym("g", groups, "groups (the input channels are split into g groups)")
        if c.value % groups:
            raise ctx.error(f"{c.value} input channels are not divisible by groups={groups}")
        if f.value % groups:
            raise ctx.error(f"filters={f.value} is not divisible by groups={groups}")
        notes.append(f"groups={groups}: each filter sees only c/g = {c.value // groups} "
                     "input channels")
    kernel = (*ks, c if g is None else c // g, f)
    weights = [W("kernel", kernel)]
    if ctx.flag("use_bias", True):
        weights.append(W("bias", (f,)))
    weights = with_lora(ctx, weights, kernel)

    def grouped(w: W) -> Expr:
        # Written (k·c·f)/g rather than k·c/g·f, which reads ambiguously.
        if g is None or len(w.shape) < 2 or w.shape[-2] is not kernel[-2]:
            return _size(w.shape)
        return product((*w.shape[:-2], c, w.shape[-1])) // g

    if pad == "causal":
        notes.append("padding='causal' pads the input on the left only; the output length is "
                     "the same as with padding='same'")
    out = conv_output(ctx, n, [k.value for k in ks], f.value, pad, first, strides, dilation,
                      shape)
    return Spec(weights, (*lead, *out), total(grouped(w) for w in weights), notes=notes)


# --- Conv1DTranspose/2DTranspose/3DTranspose --------------------------------------------------

def _transposed_length(size, k: int, stride: int, dilation: int, pad: str, extra):
    """Keras' output length of a transposed convolution along one axis (``extra`` is the
    output_padding, or None to let Keras choose)."""
    if size is None:
        return None
    k = (k - 1) * dilation + 1
    if pad == "valid":
        return (size - 1) * stride + k + (max(k, stride) - k if extra is None else extra)
    if extra is None:
        return size * stride
    return (size - 1) * stride + k % 2 + extra


_CONV = Hidden(settings=(KERNEL, USE_BIAS, *WINDOW), reads=("filters",), input="open")
_DEPTH = Setting("depth_multiplier", (1, 2, 3, 4, 6, 8))


@layer("Conv1DTranspose", "Conv2DTranspose", "Convolution1DTranspose", "Convolution2DTranspose",
       page="formulas/conv.md",
       args=("filters", "kernel_size", "strides", "padding", "output_padding", "data_format",
             "dilation_rate", "activation", "use_bias"), hides=_CONV)
@layer("Conv3DTranspose", "Convolution3DTranspose", page="formulas/conv.md",
       args=("filters", "kernel_size", "strides", "padding"), hides=_CONV)  # Keras 2 and 3 differ after these
def conv_transpose(ctx: Ctx) -> Spec:
    n = spatial_rank(ctx.class_name)
    first = channels_first(ctx)
    pad = padding(ctx)
    batch, spatial, _ = split_input(ctx, n, first)
    c = channels_symbol(ctx, first)
    f = _filters(ctx)
    ks = kernel_symbols(ctx, n)
    strides, dilation = _window_options(ctx, n)
    if ctx.keras_version < 3 and n == 2 and dilation[0] != dilation[1]:
        raise ctx.error(f"tf-keras' Conv2DTranspose needs equal dilation rates, got {dilation}")
    if ctx.option("groups", 1) != 1:  # tf-keras writes groups=1 into the config; Keras 3 none
        raise ctx.error("transposed convolutions have no groups")
    extra = ctx.option("output_padding", None)
    if extra is not None:
        extra = ctx.ints("output_padding", n, minimum=0)
        if any(e >= s for e, s in zip(extra, strides)):
            raise ctx.error(f"output_padding {extra} must be smaller than strides {strides}")
    weights = [W("kernel", (*ks, f, c))]
    if ctx.flag("use_bias", True):
        weights.append(W("bias", (f,)))
    out = tuple(_transposed_length(size, k.value, s, d, pad, None if extra is None else e)
                for size, k, s, d, e in zip(spatial, ks, strides, dilation,
                                             extra or (None,) * n))
    notes = ["the kernel is (kernel…, filters, channels): output channels come before input "
             "channels, the reverse of a forward convolution"]
    return Spec(weights, join_output(batch, out, f.value, first), notes=notes)


# --- DepthwiseConv1D/2D --------------------------------------------------------------------------

def _depth_multiplier(ctx: Ctx) -> Sym:
    return ctx.sym("d", ctx.integer("depth_multiplier", 1),
                   "depth_multiplier (output channels per input channel)")


@layer("DepthwiseConv1D", "DepthwiseConv2D", page="formulas/separable-depthwise.md",
       args=("kernel_size", "strides", "padding", "depth_multiplier", "data_format",
             "dilation_rate", "activation", "use_bias"),
       # the output's channels are the input's times depth_multiplier: both are solved for
       hides=Hidden(settings=(KERNEL, _DEPTH, USE_BIAS, *WINDOW), input="open"))
def depthwise_conv(ctx: Ctx) -> Spec:
    n = spatial_rank(ctx.class_name)
    first = channels_first(ctx)
    pad = padding(ctx)
    split_input(ctx, n, first)
    c = channels_symbol(ctx, first)
    ks = kernel_symbols(ctx, n)
    d = _depth_multiplier(ctx)
    # Keras 3 lets strides and dilation both exceed 1 here; tf-keras does not.
    strides, dilation = _window_options(ctx, n, check_dilated_strides=ctx.keras_version < 3)
    # Keras 3 calls the depthwise kernel just "kernel"; tf-keras "depthwise_kernel".
    name = "kernel" if ctx.keras_version >= 3 else "depthwise_kernel"
    weights = [W(name, (*ks, c, d))]
    if ctx.flag("use_bias", True):
        weights.append(W("bias", (c * d,)))
    out = conv_output(ctx, n, [k.value for k in ks], c.value * d.value, pad, first, strides,
                      dilation)
    return Spec(weights, out, notes=["each input channel gets its own d filters; channels are "
                                     "never mixed, so the output has c·d channels"])


# --- SeparableConv1D/2D --------------------------------------------------------------------------

@layer("SeparableConv1D", "SeparableConv2D", "SeparableConvolution1D", "SeparableConvolution2D",
       page="formulas/separable-depthwise.md",
       args=("filters", "kernel_size", "strides", "padding", "data_format", "dilation_rate",
             "depth_multiplier", "activation", "use_bias"),
       hides=Hidden(settings=(KERNEL, _DEPTH, USE_BIAS, *WINDOW), reads=("filters",),
                    input="open"))
def separable_conv(ctx: Ctx) -> Spec:
    n = spatial_rank(ctx.class_name)
    first = channels_first(ctx)
    # tf-keras also accepts padding="causal" on SeparableConv1D; Keras 3 does not.
    causal_ok = n == 1 and ctx.keras_version < 3
    pad = padding(ctx, ("valid", "same", "causal") if causal_ok else ("valid", "same"))
    split_input(ctx, n, first)
    c = channels_symbol(ctx, first)
    f = _filters(ctx)
    ks = kernel_symbols(ctx, n)
    d = _depth_multiplier(ctx)
    # Keras 3 lets strides and dilation both exceed 1 here; tf-keras does not.
    strides, dilation = _window_options(ctx, n, check_dilated_strides=ctx.keras_version < 3)
    weights = [W("depthwise_kernel", (*ks, c, d)), W("pointwise_kernel", (*(1,) * n, c * d, f))]
    if ctx.flag("use_bias", True):
        weights.append(W("bias", (f,)))
    out = conv_output(ctx, n, [k.value for k in ks], f.value, pad, first, strides, dilation)
    notes = ["a depthwise step (one k-sized filter per input channel, d per channel) then a "
             "1×1 pointwise step mixing the c·d channels into f; one bias of f"]
    return Spec(weights, out, total(_size(w.shape) for w in weights), notes=notes)


# --- ConvLSTM1D/2D/3D ----------------------------------------------------------------------------

@layer("ConvLSTM1D", "ConvLSTM2D", "ConvLSTM3D",
       args=("filters", "kernel_size", "strides", "padding", "data_format", "dilation_rate",
             "activation", "recurrent_activation", "use_bias"),
       page="formulas/convlstm.md", gates=LSTM_GATES, keras2_input="sequence", state_inputs=True,
       hides=Hidden(settings=(STEP_KERNEL, USE_BIAS, *WINDOW, *SEQUENCE_OUTPUT), reads=("filters",),
                    input="open", ranks=(1, 0)))
def conv_lstm(ctx: Ctx) -> Spec:
    n = spatial_rank(ctx.class_name)
    first = channels_first(ctx)
    pad = padding(ctx)
    ctx.rank(n + 3)
    batch, steps, *frame = ctx.input_shape
    frame = (batch, *frame)  # one timestep, as the cell sees it
    _, spatial, _ = split_input(ctx, n, first, frame)
    if None in spatial:
        raise ctx.shape_error("ConvLSTM needs every spatial size known (Keras refuses None there), "
                        f"got input shape {format_shape(ctx.input_shape)}")
    c = channels_symbol(ctx, first, frame)
    f = _filters(ctx)
    ks = kernel_symbols(ctx, n)
    strides, dilation = _window_options(ctx, n)
    gates = len(LSTM_GATES) * f  # i, f, c, o packed side by side, as in LSTM
    # Keras 3 keeps the weights in a cell named "conv_lstm_cell"; tf-keras on the layer itself.
    cell = "conv_lstm_cell/" if ctx.keras_version >= 3 else ""
    weights = [W(f"{cell}kernel", (*ks, c, gates)), W(f"{cell}recurrent_kernel", (*ks, f, gates))]
    use_bias = ctx.flag("use_bias", True)
    if use_bias:
        weights.append(W(f"{cell}bias", (gates,)))
    window = product(ks)
    formula = gates * (window * (c + f) + 1) if use_bias else gates * window * (c + f)
    state = conv_output(ctx, n, [k.value for k in ks], f.value, pad, first, strides, dilation,
                        frame)
    out = (batch, steps, *state[1:]) if ctx.flag("return_sequences", False) else state
    if ctx.flag("return_state", False):
        out = [out, state, state]
    notes = ["like LSTM's 4·u·(m + u + 1), with every matrix product replaced by a convolution: "
             "both the input and the recurrent kernel span the whole kernel window"]
    return Spec(weights, out, formula, notes=notes)



# --- LocallyConnected1D/2D (tf-keras only) ---------------------------------------------------------

@layer("LocallyConnected1D", "LocallyConnected2D",
       args=("filters", "kernel_size", "strides", "padding", "data_format", "activation",
             "use_bias"),
       # its weights grow with the output's positions: solved when the input is known; so its
       # strides change the count too, and are searched as a setting of their own
       hides=Hidden(settings=(KERNEL, USE_BIAS, Setting("strides", (1, 2, 3, 4)), WINDOW[0]),
                    reads=("filters",), input="open"))
def locally_connected(ctx: Ctx) -> Spec:
    """A convolution whose filters are not shared: every output position has its own kernel
    and its own bias, so the count grows with the output's size (Keras 2 only)."""
    n = spatial_rank(ctx.class_name)
    first = channels_first(ctx)
    mode = ctx.choice("implementation", (1, 2, 3), 1)
    pad = padding(ctx)
    if pad == "same" and mode == 1:
        raise ctx.error("padding='same' needs implementation=2 or 3 (got 1)")
    batch, spatial, _ = split_input(ctx, n, first)
    if None in spatial:
        raise ctx.shape_error("LocallyConnected needs every spatial size known: each position has its "
                        f"own weights; got input shape {format_shape(ctx.input_shape)}")
    c = channels_symbol(ctx, first)
    f = _filters(ctx)
    ks = kernel_symbols(ctx, n)
    strides = ctx.ints("strides", n, 1)
    lengths = [strided_length(ctx, size, k.value, s, pad, "kernel window")
               for size, k, s in zip(spatial, ks, strides)]
    axes = ("length",) if n == 1 else ("rows", "columns")
    names = ("o",) if n == 1 else ("o_1", "o_2")
    outs = tuple(ctx.sym(name, v, f"output {axis} (one kernel per output position)")
                 for name, v, axis in zip(names, lengths, axes))
    if mode == 1:
        kernel = (product(outs), product(ks) * c, f)
    elif mode == 2:  # dense over the input, masked to the window
        names = ("i",) if n == 1 else ("i_1", "i_2")
        ins = tuple(ctx.sym(name, v, f"input {axis}") for name, v, axis in zip(names, spatial, axes))
        kernel = (c, *ins, f, *outs) if first else (*ins, c, *outs, f)
    elif pad == "valid":  # sparse: one value per connected (output, input) pair
        kernel = (product((*outs, *ks, c, f)),)
    else:  # with "same", windows at the border reach past the input and connect fewer inputs
        pairs = 1
        for size, k, s in zip(spatial, ks, strides):
            pairs *= _connected_pairs(size, k.value, s)
        p = ctx.sym("p", pairs, "connected (output position, input position) pairs, "
                    "fewer at the borders with padding='same'")
        kernel = (p * c * f,)
    weights = [W("kernel", kernel)]
    if ctx.flag("use_bias", True):
        weights.append(W("bias", (*outs, f)))
    notes = ["no weight sharing: the kernel and the bias are repeated for every output position"]
    if mode == 2:
        notes.append("implementation=2 stores a full input × output kernel and masks it to each "
                     "window, so it counts far more parameters than implementation=1")
    out = join_output(batch, tuple(lengths), f.value, first)
    return Spec(weights, out, total(_size(w.shape) for w in weights), notes=notes)


def _connected_pairs(size: int, k: int, stride: int) -> int:
    """Along one axis, with padding="same": how many input positions each output position's
    window covers, summed (tf-keras' ``conv_connected_inputs``).

    Output position ``o`` covers inputs ``max(0, o·stride - left)`` to ``min(size, o·stride -
    left + k)``; both sums are of clipped arithmetic series, so this is a closed form, whatever
    the size.
    """
    outputs = (size - 1) // stride + 1
    left = k // 2
    return (_clipped_sum(k - left, stride, outputs, high=size)
            - _clipped_sum(-left, stride, outputs, low=0))


def _clipped_sum(start: int, step: int, n: int, *, low=None, high=None) -> int:
    """``sum(min(high, start + o·step))`` or ``sum(max(low, start + o·step))`` for o < n."""
    def series(first: int, count: int) -> int:  # start + o·step for o in [first, first + count)
        return count * start + step * (count * (2 * first + count - 1) // 2)

    if high is not None:  # terms below high: o < (high - start) / step
        below = min(n, max(0, -(-(high - start) // step)))
        return series(0, below) + (n - below) * high
    # terms at or below low: o ≤ (low - start) / step
    clipped = min(n, max(0, (low - start) // step + 1))
    return clipped * low + series(clipped, n - clipped)
