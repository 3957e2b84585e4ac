"""`NETS`: every network builder of kerasgan, registered where it is defined.

A builder is a function returning a `keras.Model`; it registers itself with
`@register_net(role=..., test_args={...})`:

* `role`: `"generator"`, `"discriminator"`, `"translator"` or `"classifier"`;
* `test_args`: small constructor arguments for a fast test variant (the shared
  net test harness builds every registered net from them).

Configs name nets by builder (`{"builder": "dcgan_generator", "args": {...}}`);
`build_net(spec)` builds one.

Example:
>>> "dcgan_generator" in NETS, NETS.metadata("dcgan_generator")["role"]
(True, 'generator')
>>> build_net({"builder": "mlp_generator", "args": {"latent_dim": 4}}).output_shape
(None, 2)
"""

from kerasgan.core.registry import Registry

__all__ = ["NETS", "ROLES", "build_net", "register_net"]

#: What a network does in a model.
ROLES = ("generator", "discriminator", "translator", "classifier")

#: Network builders by name (metadata: `role`, `test_args`).
NETS = Registry("network builder")


def register_net(name=None, *, role, test_args=None, **metadata):
    """Decorator: register a network builder in `NETS`.

    Args:
        name: the builder's name in configs (default: the function's name).
        role: one of `ROLES`.
        test_args: keyword arguments of a tiny, fast variant for tests.
        **metadata: anything else to record with the builder.

    Example:
    >>> import keras
    >>> @register_net("toy_doctest_generator", role="generator", test_args={"latent_dim": 2})
    ... def toy(latent_dim=8, name="generator"):
    ...     z = keras.Input((latent_dim,))
    ...     return keras.Model(z, keras.layers.Dense(2, activation="tanh")(z), name=name)
    >>> build_net({"builder": "toy_doctest_generator", "args": {"latent_dim": 3}}).input_shape
    (None, 3)
    >>> NETS.remove("toy_doctest_generator")
    """
    if role not in ROLES:
        raise ValueError(f"role must be one of {ROLES}; got {role!r}.")
    return NETS.register(name, role=role, test_args=dict(test_args or {}), **metadata)


def build_net(spec, **overrides):
    """Build the network a `{"builder": name, "args": {...}}` spec describes.

    Args:
        spec: a dict with the builder's registered name and its keyword
            arguments (`args` may be omitted).
        **overrides: keyword arguments added to (and replacing) `args`, e.g.
            `name=` for the network's role in a model.

    Raises:
        ValueError: an unknown builder ("Unknown network builder 'x'. Expected
            one of: ...", the closest names first).

    Example:
    >>> build_net({"builder": "dcgan_discriminator", "args": {"base_filters": 4}},
    ...           name="critic").name
    'critic'
    >>> build_net({"builder": "dcgan_generatr"})
    Traceback (most recent call last):
    ...
    ValueError: Unknown network builder 'dcgan_generatr'. Expected one of: 'dcgan_generator', ...
    """
    builder = NETS.get(spec["builder"])
    return builder(**{**dict(spec.get("args") or {}), **overrides})
