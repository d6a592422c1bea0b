"""EinsumDense: a kernel whose shape is read off an einsum equation such as ``abc,cd->abd``.

Each letter of the kernel's part of the equation is one kernel axis. A letter that also appears
in the input takes the input's size there; a letter of the output takes the size given in
``output_shape``. The bias spans the output from the first letter of ``bias_axes`` to the end,
with size 1 on the letters not listed. This mirrors Keras' ``_analyze_einsum_string``.
"""

from __future__ import annotations

import re

from ..expr import Sym, product, total
from ..records import record
from .base import Ctx, Hidden, Setting, Spec, W, format_shape, layer, with_lora
from .quantized import einsum_int8_scale, einsum_rows, float8_extras, int4_kernel, quantization

# The three forms Keras accepts, tried in its order: no ellipsis, ellipsis on the left, on the
# right ("..." is first replaced by "0"). Like Keras, a match need only cover the start.
_FORMS = (
    (re.compile(r"([a-zA-Z]+),([a-zA-Z]+)->([a-zA-Z]+)"), False),
    (re.compile(r"0([a-zA-Z]+),([a-zA-Z]+)->0([a-zA-Z]+)"), True),
    (re.compile(r"([a-zA-Z]{2,})0,([a-zA-Z]+)->([a-zA-Z]+)0"), False),
)


@record
class Einsum:
    """What the equation says about one call: kernel, bias and output shapes (batch included)."""

    kernel: list[tuple[str, int | None]]  # (letter, size) per kernel axis
    bias: list[tuple[str, int | None]] | None  # (letter or "", size); "" for the padded 1s
    output: list[int | None]  # what Keras 3 reports (output_shape's None stays None)
    actual_output: list[int | None]  # what the einsum computes (what tf-keras reports)


def analyze_einsum(ctx: Ctx, equation, bias_axes, input_shape, partial_output) -> Einsum:
    if not isinstance(equation, str):
        raise ctx.error(f"'equation' must be a string, got {equation!r}")
    dotted = equation.replace("...", "0")
    match, left_elided = next(((m, left) for pattern, left in _FORMS
                               if (m := pattern.match(dotted))), (None, False))
    if match is None:
        raise ctx.error(f"invalid einsum equation {equation!r}: it must look like "
                        "'ab,bc->ac', '...b,bc->...c' or 'ab...,bc->ac...'")
    input_spec, weight_spec, output_spec = match.groups()
    has_ellipsis = "0" in dotted[:match.end()]
    elided = len(input_shape) - len(input_spec)
    if elided < 0 or (elided and not has_ellipsis and ctx.keras_version < 3):
        raise ctx.shape_error(f"equation {equation!r} expects an input of rank {len(input_spec)}, "
                        f"got shape {format_shape(input_shape)}")

    output = [input_shape[0], *_partial(ctx, partial_output)]
    if left_elided:
        for i in range(1, elided):
            output.insert(1, input_shape[i])
        in_axis = {d: i + elided - len(input_shape) for i, d in enumerate(input_spec)}
        out_axis = {d: i + elided for i, d in enumerate(output_spec)}
    else:
        output += list(input_shape[len(input_shape) - elided:])
        in_axis = {d: i for i, d in enumerate(input_spec)}
        out_axis = {d: i for i, d in enumerate(output_spec)}
    if len(output) != len(output_spec) + elided:
        raise ctx.error(f"'output_shape' {partial_output!r} does not fit the output "
                        f"'{output_spec}' of equation {equation!r}")

    for d in input_spec:
        if d in out_axis and output[out_axis[d]] is not None \
                and output[out_axis[d]] != input_shape[in_axis[d]]:
            raise ctx.error(f"input and output_shape disagree on axis '{d}': input has "
                            f"{input_shape[in_axis[d]]}, output_shape {output[out_axis[d]]}")
    for d in output_spec:
        if d not in input_spec and d not in weight_spec:
            raise ctx.error(f"output axis '{d}' of {equation!r} is in neither the input nor "
                            "the kernel")

    kernel = []
    for d in weight_spec:
        # A letter in both: Keras 3 reads its size from output_shape, tf-keras from the input.
        if d in out_axis and (d not in in_axis or ctx.keras_version >= 3):
            kernel.append((d, output[out_axis[d]]))
        elif d in in_axis:
            kernel.append((d, input_shape[in_axis[d]]))
        else:
            raise ctx.error(f"kernel axis '{d}' of {equation!r} is in neither the input nor "
                            "the output")

    bias = None
    if bias_axes is not None:
        if not isinstance(bias_axes, str) or not bias_axes:
            raise ctx.error(f"'bias_axes' must be letters of the output, got {bias_axes!r}")
        offset = elided if left_elided else 0
        for d in bias_axes:
            if d not in output_spec:
                raise ctx.error(f"bias axis '{d}' is not in the output '{output_spec}'")
        first = min(output_spec.find(d) for d in bias_axes)
        bias = [(d, output[i + offset]) if d in bias_axes else ("", 1)
                for i, d in enumerate(output_spec) if i >= first]
        if not left_elided:
            bias += [("", 1)] * elided

    # What the einsum computes: letters the input has keep the input's sizes, whatever
    # output_shape says, and elided axes keep their order (Keras 3's reported shape lists
    # several left-elided axes in reverse).
    sizes = {**{d: size for d, size in kernel}, **{d: input_shape[i] for d, i in in_axis.items()}}
    letters = [sizes[d] for d in output_spec]
    if left_elided:
        actual = [*input_shape[:elided], *letters]
    else:
        actual = [*letters, *input_shape[len(input_shape) - elided:]]
    return Einsum(kernel, bias, output, actual)


def _partial(ctx: Ctx, value) -> list:
    if isinstance(value, int) and not isinstance(value, bool):
        value = [value]
    if not isinstance(value, (list, tuple)) or not all(
            d is None or (isinstance(d, int) and not isinstance(d, bool) and d > 0) for d in value):
        raise ctx.error(f"'output_shape' must be a positive integer or a list of positive "
                        f"integers and None, got {value!r}")
    return list(value)


def letter_symbols(ctx: Ctx, dims: list[tuple[str, int | None]], where: str,
                   symbols: dict[str, Sym]) -> tuple:
    """One symbol per equation letter (its size); size-1 padding stays the number 1."""
    shape = []
    for letter, size in dims:
        if not letter:
            shape.append(1)
            continue
        if size is None:
            raise ctx.error(f"the size of axis '{letter}' of the {where} is unknown: give it in "
                            "'output_shape' or in the input shape")
        if letter not in symbols:
            symbols[letter] = ctx.sym(letter, size, f"size of einsum axis '{letter}'")
        shape.append(symbols[letter])
    return tuple(shape)


# The equations Keras' own layers write (Dense-like projections, and attention's heads in and out).
_EQUATIONS = ("ab,bc->ac", "abc,cd->abd", "abcd,de->abce", "abc,cde->abde", "abcd,cde->abe")


@layer("EinsumDense", page="formulas/dense.md", args=("equation", "output_shape", "activation", "bias_axes"),
       quantizable=True,
       hides=Hidden(settings=(Setting("equation", _EQUATIONS, required=True),
                              Setting("bias_axes", (None, "c", "d", "e", "de"))),
                    shape_key="output_shape", input="open", ranks=(0, -1, 1)))
def einsum_dense(ctx: Ctx) -> Spec:
    q = quantization(ctx)
    ctx.rank(1, 99)
    equation = ctx.option("equation")
    found = analyze_einsum(ctx, equation, ctx.option("bias_axes", None),
                           ctx.input_shape, ctx.option("output_shape"))
    symbols: dict[str, Sym] = {}
    kernel = letter_symbols(ctx, found.kernel, "kernel", symbols)
    weights = [W("kernel", kernel)] if q is None or q.mode == "float8" else \
        _quantized_kernel(ctx, q, equation, kernel, set(symbols))
    if found.bias is not None:
        weights.append(W("bias", letter_symbols(ctx, found.bias, "bias", symbols)))
    weights = with_lora(ctx, weights, kernel)
    if q is not None and q.mode == "float8":
        weights += float8_extras(ctx, q)
    output = found.output if ctx.keras_version >= 3 else found.actual_output
    sizes = [product(d for d in w.shape if not isinstance(d, int)) for w in weights]
    return Spec(weights, output_shape=tuple(output), formula=total(sizes))


def _quantized_kernel(ctx: Ctx, q, equation: str, kernel: tuple, letters: set[str]) -> list[W]:
    """The int8 or int4 kernel and its scales (see :mod:`.quantized`)."""
    if "..." in equation:
        raise ctx.error(f"Keras 3.15 cannot build a {q.mode} EinsumDense whose equation has "
                        "'...' (its quantization analysis fails), so there is no count to give")
    if q.mode == "int8":
        try:
            scale = einsum_int8_scale(equation, kernel)
        except IndexError:
            raise ctx.error(f"Keras 3.15 cannot lay out the int8 scale of equation "
                            f"{equation!r}") from None
        return [W("kernel", kernel, trainable=False, dtype="int8"),
                W("kernel_scale", scale, trainable=False)]
    rows, columns = einsum_rows(equation, kernel)
    names = tuple(n if n not in letters else f"{n}_q" for n in ("p", "g"))
    return int4_kernel(ctx, q, product(rows), product(columns), names=names)
