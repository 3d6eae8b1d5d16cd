"""Loading the bench group's reference libraries for cross-checks, skipping when absent."""

import importlib
import importlib.util
import os
import sys
import types

import pytest


def nltk_metrics() -> tuple[types.ModuleType, types.ModuleType]:
    """nltk's agreement and distance modules, without nltk's 6-second package import.

    `import nltk` pulls in scipy.stats and more; empty stand-ins for the two parent packages let
    the two small modules load alone. The stand-ins are removed again afterwards.
    """
    spec = importlib.util.find_spec("nltk")
    if spec is None or not spec.submodule_search_locations:
        pytest.skip("nltk (bench group) is not installed")
    root = spec.submodule_search_locations[0]
    saved = {k: v for k, v in sys.modules.items() if k == "nltk" or k.startswith("nltk.")}
    try:
        for name, sub in (("nltk", ""), ("nltk.metrics", "metrics")):
            package = types.ModuleType(name)
            package.__path__ = [os.path.join(root, sub)]
            sys.modules[name] = package
        agreement = importlib.import_module("nltk.metrics.agreement")
        distance = importlib.import_module("nltk.metrics.distance")
    finally:
        for key in [k for k in sys.modules if k == "nltk" or k.startswith("nltk.")]:
            del sys.modules[key]
        sys.modules.update(saved)
    return agreement, distance
