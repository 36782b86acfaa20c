"""An omegaconf DictConfig for the weights-reader tests, as fairseq/hydra checkpoints pickle one under
'cfg'. With omegaconf installed, the real one; otherwise a stand-in whose classes carry omegaconf's
module and class names and whose instances pickle the way omegaconf 2.x's do (NEWOBJ of the class,
then BUILD with the attribute dict: _metadata, _parent, _content; node values in _val), so the
bytes name the same globals: omegaconf.dictconfig.DictConfig, omegaconf.listconfig.ListConfig,
omegaconf.base.ContainerMetadata and Metadata, omegaconf.nodes.*Node, typing.Any, builtin types and
collections.defaultdict.
"""
import collections
import sys
import types
import typing


def standin_class(module_name, name):
    """A class that pickles by reference as module_name.name (the module and its parents registered)."""
    parts = module_name.split(".")
    for k in range(1, len(parts) + 1):
        sys.modules.setdefault(".".join(parts[:k]), types.ModuleType(".".join(parts[:k])))
    cls = type(name, (), {"__module__": module_name})
    setattr(sys.modules[module_name], name, cls)
    return cls


def _standin_classes():
    return {name: standin_class(module_name, name)
            for module_name, names in {"omegaconf.base": ["ContainerMetadata", "Metadata"],
                                       "omegaconf.dictconfig": ["DictConfig"], "omegaconf.listconfig": ["ListConfig"],
                                       "omegaconf.nodes": ["AnyNode", "StringNode", "IntegerNode", "FloatNode",
                                                           "BooleanNode"]}.items()
            for name in names}


def _new(cls, **attributes):
    obj = cls()
    obj.__dict__.update(attributes)
    return obj


def _standin(values):
    c = _standin_classes()
    node_class = {str: "StringNode", int: "IntegerNode", float: "FloatNode", bool: "BooleanNode"}

    def container(value, parent, key):
        is_dict = isinstance(value, dict)
        meta = _new(c["ContainerMetadata"], ref_type=typing.Any, object_type=dict if is_dict else list, optional=True,
                    key=key, flags={}, flags_root=False, resolver_cache=collections.defaultdict(dict),
                    key_type=typing.Any, element_type=typing.Any if is_dict else int)
        obj = _new(c["DictConfig" if is_dict else "ListConfig"], _metadata=meta, _parent=parent)
        items = value.items() if is_dict else enumerate(value)
        content = {k: convert(v, obj, k) for k, v in items}
        obj._content = content if is_dict else list(content.values())
        return obj

    def convert(value, parent, key):
        if isinstance(value, (dict, list)):
            return container(value, parent, key)
        meta = _new(c["Metadata"], ref_type=typing.Any, object_type=None, optional=True, key=key, flags={})
        return _new(c[node_class.get(type(value), "AnyNode")], _metadata=meta, _parent=parent, _val=value)

    return container(values, None, None)


def dict_config(values):
    """`values` (nested dicts, lists and plain values) as a DictConfig."""
    try:
        from omegaconf import OmegaConf
    except ImportError:
        return _standin(values)
    return OmegaConf.create(values)
