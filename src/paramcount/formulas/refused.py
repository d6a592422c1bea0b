"""Layer classes of ``keras.layers`` (Keras 3.15) that paramcount has no formula for, each with
the reason it refuses them. A file that stores their weights still gets them counted from those
(see :mod:`paramcount.counting.witness`). ``tests/formulas/test_formulas_applications.py``
checks that every class of the installed ``keras.layers`` is either registered with a formula or
listed here."""

from __future__ import annotations

_PREPROCESSING = ("a preprocessing layer whose output shape paramcount has not yet checked "
                  "against Keras (it has no weights)")

REFUSED: dict[str, str] = {
    "Layer": "the base class: a layer of this class alone is a custom layer",
    "Wrapper": "the base class of wrappers: a subclass of it is a custom layer",
    "InputLayer": "not a layer to count: it is the model's input (0 parameters)",
    "JaxLayer": "its parameters are a JAX pytree made by code the config does not describe",
    "FlaxLayer": "its parameters are made by a Flax module's code, which is never run",
    "TorchModuleWrapper": "its parameters are made by a PyTorch module's code, never run",
    "TFSMLayer": "it loads a TensorFlow SavedModel from disk; its variables are not in the config",
    "Pipeline": "a list of preprocessing layers, not yet read by paramcount",
    "STFTSpectrogram": "its Fourier kernels depend on settings paramcount does not model yet",
    "MelSpectrogram": _PREPROCESSING,
    "HashedCrossing": _PREPROCESSING,
    "MaxNumBoundingBoxes": _PREPROCESSING,
    **{name: _PREPROCESSING for name in (
        "AugMix", "ContrastLimitedAdaptiveHistogramEqualization", "CutMix", "MixUp",
        "RandAugment", "RandomColorJitter", "RandomElasticTransform", "RandomErasing",
        "RandomGrayscale", "RandomPerspective")},
}


_KERAS_HUB = "keras_hub>"
_HUB_PREPROCESSING = ("a KerasHub preprocessing layer (images, audio, video or token ids in, "
                      "outside the backbone): no formula yet; a saved file's stored weights count "
                      "it, or --keras measures it")
_HUB_OTHER = ("a KerasHub layer with no formula yet (the transformer layers have one); a saved "
              "file's stored weights count it, or --keras measures it")


def reason(class_name: str) -> str:
    """Why paramcount has no formula for ``class_name``."""
    if class_name.startswith(_KERAS_HUB) and class_name not in REFUSED:
        name = class_name[len(_KERAS_HUB):]
        preprocessing = name.endswith(("Converter", "Packer")) or name in (
            "MaskedLMMaskGenerator", "RandomDeletion", "RandomSwap")
        return _HUB_PREPROCESSING if preprocessing else _HUB_OTHER
    return REFUSED.get(class_name, "paramcount has no formula for it (custom layers are counted "
                                   "from a file's stored weights, or measured with --keras)")


def stored_weights_only(class_name: str) -> bool:
    """Whether a file's stored weights are what counts ``class_name`` (no formula, and not
    refused outright): made by code paramcount never runs, or KerasHub's without a formula."""
    return class_name in STORED_WEIGHTS_ONLY or class_name.startswith(_KERAS_HUB)


# Classes whose weights only their own code makes (a user's subclass, a JAX/Flax/PyTorch module, a
# SavedModel, STFT kernels computed from settings): a saved file's stored weights count them.
STORED_WEIGHTS_ONLY = frozenset({"Layer", "Wrapper", "JaxLayer", "FlaxLayer", "TorchModuleWrapper",
                                 "TFSMLayer", "STFTSpectrogram"})
