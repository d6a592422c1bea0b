"""Counting a whole model: the pipeline (:mod:`.model`), the graph walk (:mod:`.graph`) over the
calls Keras records (:mod:`.nodes`), the stored weights as a second witness (:mod:`.witness`), and
measuring with Keras itself for ``--keras`` (:mod:`.measure`, the only module that imports it)."""

from .model import count_model
from .optimizer import attach_optimizer

__all__ = ["count_model", "attach_optimizer"]
