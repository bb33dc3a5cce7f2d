"""The configuration engine: pure Python, no Django. See docs/engine.md.

>>> compiled = compile_model(model)            # once per published version; pickles
>>> configurator = Configurator(compiled)      # one per thread
>>> guidance = configurator.guide(configurator.parse_selections({"frame": "steel"}))
"""

from .analysis import analyse, count_configurations
from .compile import CompiledModel, compile_model
from .errors import EngineError, ExpressionError, ModelError, NotBlockedError, SelectionError
from .facade import Configurator
from .selections import parse_selections

__all__ = [
    "CompiledModel",
    "Configurator",
    "EngineError",
    "ExpressionError",
    "ModelError",
    "NotBlockedError",
    "SelectionError",
    "analyse",
    "compile_model",
    "count_configurations",
    "parse_selections",
]
