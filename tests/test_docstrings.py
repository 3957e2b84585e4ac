"""Every public callable is documented with an example, and the examples run."""

import doctest
import importlib
import inspect
import pkgutil

import pytest

import kerasgan

MODULES = sorted(
    name for _, name, _ in pkgutil.walk_packages(kerasgan.__path__, "kerasgan.")
    if name != "kerasgan.cli"
)


# Keras hooks and overrides documented by Keras itself.
INHERITED_API = {"call", "build", "get_config", "from_config", "compute_output_shape",
                 "train_step", "metrics"}


def _public_callables(module):
    for name, obj in vars(module).items():
        if name.startswith("_") or getattr(obj, "__module__", None) != module.__name__:
            continue
        if inspect.isfunction(obj) or inspect.isclass(obj):
            yield name, obj
        if inspect.isclass(obj):
            for attr, member in vars(obj).items():
                if attr.startswith("_") or attr in INHERITED_API or attr.startswith("on_"):
                    continue
                if isinstance(member, property):
                    yield f"{name}.{attr}", member.fget
                elif isinstance(member, (classmethod, staticmethod)):
                    yield f"{name}.{attr}", member.__func__
                elif inspect.isfunction(member):
                    yield f"{name}.{attr}", member


@pytest.mark.parametrize("module_name", MODULES)
def test_public_names_have_docstrings_with_examples(module_name):
    module = importlib.import_module(module_name)
    missing = []
    for name, obj in _public_callables(module):
        doc = inspect.getdoc(obj) or ""
        if not doc:
            missing.append(f"{name}: no docstring")
        elif ">>>" not in doc and not issubclass_exception(obj):
            missing.append(f"{name}: no example")
    assert not missing, missing


def issubclass_exception(obj):
    return inspect.isclass(obj) and issubclass(obj, BaseException)


@pytest.mark.parametrize("module_name", MODULES)
def test_doctests_pass(module_name):
    module = importlib.import_module(module_name)
    result = doctest.testmod(
        module, optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE, verbose=False
    )
    assert result.failed == 0, f"{result.failed} doctest failures in {module_name}"
