"""``DefaultOptimizerConstructor``: mmcv 1.7.2's per-parameter optimizer settings (``paramwise_cfg``).

Compat note: groups, their order and their keys follow mmcv 1.7.2 exactly (one group per parameter
when ``paramwise_cfg`` is non-empty, a single group otherwise). Two deliberate differences: bad
``paramwise_cfg`` values raise a ``TypeError``/``ValueError`` naming the key, and
``dcn_offset_lr_mult`` on a model without deformable convolutions is an error instead of being
ignored silently. Deformable convolutions are recognised by class name (``DeformConv2d``,
``ModulatedDeformConv2d`` anywhere in the class's MRO), since bridge ships no compiled ops.
"""

from __future__ import annotations

import warnings
from typing import Any

import torch
from torch import nn

from bridge.legacy.optimizer.builder import OPTIMIZER_BUILDERS, OPTIMIZERS
from bridge.legacy.registry import build_from_cfg

__all__ = ["DefaultOptimizerConstructor"]

_MULT_KEYS = (
    "bias_lr_mult",
    "bias_decay_mult",
    "norm_decay_mult",
    "dwconv_decay_mult",
    "dcn_offset_lr_mult",
)
_DECAY_KEYS = ("bias_decay_mult", "norm_decay_mult", "dwconv_decay_mult")
_CUSTOM_KEY_FIELDS = ("lr_mult", "decay_mult")
_NORM_TYPES = (
    nn.modules.batchnorm._BatchNorm,
    nn.modules.instancenorm._InstanceNorm,
    nn.GroupNorm,
    nn.LayerNorm,
)
_DCN_NAMES = frozenset({"DeformConv2d", "ModulatedDeformConv2d"})


def _is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _is_dcn(module: nn.Module) -> bool:
    return any(cls.__name__ in _DCN_NAMES for cls in type(module).__mro__)


def _check_custom_keys(custom_keys: object, base_wd: object) -> None:
    if not isinstance(custom_keys, dict):
        raise TypeError(
            f"paramwise_cfg['custom_keys'] must be a dict of {{name_substring: dict(lr_mult=..., "
            f"decay_mult=...)}}, got {custom_keys!r}"
        )
    for key, spec in custom_keys.items():
        if not isinstance(key, str) or not isinstance(spec, dict):
            raise TypeError(
                f"paramwise_cfg['custom_keys'] entries must map a str to a dict, got {key!r}: {spec!r}; "
                f"write e.g. custom_keys={{'backbone': dict(lr_mult=0.1)}}"
            )
        for field in _CUSTOM_KEY_FIELDS:
            if field in spec and not _is_number(spec[field]):
                raise TypeError(
                    f"paramwise_cfg['custom_keys'][{key!r}][{field!r}] must be a number, "
                    f"got {spec[field]!r}"
                )
        if "decay_mult" in spec and base_wd is None:
            raise ValueError(
                f"paramwise_cfg['custom_keys'][{key!r}] sets decay_mult={spec['decay_mult']!r} but the "
                f"optimizer config has no weight_decay; add weight_decay=... or drop decay_mult"
            )


class DefaultOptimizerConstructor:
    """Build an optimizer whose param groups follow ``paramwise_cfg`` (mmcv 1.7.2 semantics).

    ``paramwise_cfg`` keys: ``custom_keys`` (``{substring: dict(lr_mult=, decay_mult=)}``; the
    longest matching key wins, ties broken alphabetically, and it overrides every other rule),
    ``bias_lr_mult``, ``bias_decay_mult``, ``norm_decay_mult``, ``dwconv_decay_mult``,
    ``dcn_offset_lr_mult`` and ``bypass_duplicate``. Other keys are left for subclasses.

    Example::

        >>> model = torch.nn.Sequential(torch.nn.Conv2d(3, 4, 1), torch.nn.BatchNorm2d(4))
        >>> constructor = DefaultOptimizerConstructor(
        ...     dict(type="SGD", lr=0.1, weight_decay=1e-4), dict(norm_decay_mult=0.0))
        >>> [group["weight_decay"] for group in constructor(model).param_groups]
        [0.0001, 0.0001, 0.0, 0.0]
    """

    def __init__(self, optimizer_cfg: dict[str, Any], paramwise_cfg: dict[str, Any] | None = None):
        if not isinstance(optimizer_cfg, dict):
            raise TypeError(
                f"optimizer_cfg must be a dict such as dict(type='SGD', lr=0.01), got {optimizer_cfg!r}"
            )
        self.optimizer_cfg = optimizer_cfg
        self.paramwise_cfg: dict[str, Any] = {} if paramwise_cfg is None else paramwise_cfg
        self.base_lr: Any = optimizer_cfg.get("lr")
        self.base_wd = optimizer_cfg.get("weight_decay")
        self._validate_cfg()

    def _validate_cfg(self) -> None:
        cfg = self.paramwise_cfg
        if not isinstance(cfg, dict):
            raise TypeError(f"paramwise_cfg must be None or a dict, got {cfg!r}")
        if "custom_keys" in cfg:
            _check_custom_keys(cfg["custom_keys"], self.base_wd)
        for key in _MULT_KEYS:
            if key in cfg and not _is_number(cfg[key]):
                raise TypeError(f"paramwise_cfg[{key!r}] must be a number, got {cfg[key]!r}")
        if "bypass_duplicate" in cfg and not isinstance(cfg["bypass_duplicate"], bool):
            raise TypeError(
                f"paramwise_cfg['bypass_duplicate'] must be True or False, got {cfg['bypass_duplicate']!r}"
            )
        used = [key for key in _DECAY_KEYS if key in cfg]
        if used and self.base_wd is None:
            raise ValueError(
                f"paramwise_cfg sets {used!r} but the optimizer config has no weight_decay; "
                f"add weight_decay=... to the optimizer config or drop those keys"
            )
        if cfg and self.base_lr is None:
            raise ValueError(
                f"paramwise_cfg {cfg!r} needs the optimizer config to set lr, got {self.optimizer_cfg!r}"
            )

    def _is_in(self, param_group: dict[str, Any], param_group_list: list[dict[str, Any]]) -> bool:
        seen: set[torch.Tensor] = set()
        for group in param_group_list:
            seen.update(group["params"])
        return not seen.isdisjoint(param_group["params"])

    def _custom_settings(self, full_name: str) -> dict[str, float] | None:
        custom_keys: dict[str, dict[str, float]] = self.paramwise_cfg.get("custom_keys", {})
        for key in sorted(sorted(custom_keys), key=len, reverse=True):
            if key in full_name:
                spec = custom_keys[key]
                out = {"lr": self.base_lr * spec.get("lr_mult", 1.0)}
                if self.base_wd is not None:
                    out["weight_decay"] = self.base_wd * spec.get("decay_mult", 1.0)
                return out
        return None

    def _rule_settings(
        self, module: nn.Module, name: str, prefix: str, is_dcn_module: bool | None
    ) -> dict[str, float]:
        cfg = self.paramwise_cfg
        is_norm = isinstance(module, _NORM_TYPES)
        is_dwconv = isinstance(module, nn.Conv2d) and module.in_channels == module.groups
        out: dict[str, float] = {}
        if name == "bias" and not (is_norm or is_dcn_module):
            out["lr"] = self.base_lr * cfg.get("bias_lr_mult", 1.0)
        if "conv_offset" in prefix and is_dcn_module and isinstance(module, nn.Conv2d):
            out["lr"] = self.base_lr * cfg.get("dcn_offset_lr_mult", 1.0)
        if self.base_wd is not None:
            if is_norm:
                out["weight_decay"] = self.base_wd * cfg.get("norm_decay_mult", 1.0)
            elif is_dwconv:
                out["weight_decay"] = self.base_wd * cfg.get("dwconv_decay_mult", 1.0)
            elif name == "bias" and not is_dcn_module:
                out["weight_decay"] = self.base_wd * cfg.get("bias_decay_mult", 1.0)
        return out

    def add_params(
        self,
        params: list[dict[str, Any]],
        module: nn.Module,
        prefix: str = "",
        is_dcn_module: bool | None = None,
    ) -> None:
        """Append one group per parameter of ``module`` (recursively) to ``params``, in place."""
        bypass_duplicate = self.paramwise_cfg.get("bypass_duplicate", False)
        for name, param in module.named_parameters(recurse=False):
            param_group: dict[str, Any] = {"params": [param]}
            if not param.requires_grad:
                params.append(param_group)
                continue
            if bypass_duplicate and self._is_in(param_group, params):
                warnings.warn(
                    f"{prefix} is duplicate. It is skipped since bypass_duplicate={bypass_duplicate}",
                    stacklevel=2,
                )
                continue
            settings = self._custom_settings(f"{prefix}.{name}")
            if settings is None:
                settings = self._rule_settings(module, name, prefix, is_dcn_module)
            param_group.update(settings)
            params.append(param_group)
        child_is_dcn = _is_dcn(module)
        for child_name, child in module.named_children():
            child_prefix = f"{prefix}.{child_name}" if prefix else child_name
            self.add_params(params, child, prefix=child_prefix, is_dcn_module=child_is_dcn)

    def _check_dcn(self, model: nn.Module) -> None:
        if "dcn_offset_lr_mult" not in self.paramwise_cfg:
            return
        has_offset = any(
            _is_dcn(module) and "conv_offset" in dict(module.named_children())
            for module in model.modules()
        )
        if not has_offset:
            raise ValueError(
                f"paramwise_cfg['dcn_offset_lr_mult']={self.paramwise_cfg['dcn_offset_lr_mult']!r} "
                f"but {type(model).__name__} has no deformable convolution with a 'conv_offset' "
                f"layer (DeformConv2d/ModulatedDeformConv2d); drop the key"
            )

    def __call__(self, model: nn.Module) -> torch.optim.Optimizer:
        wrapped = getattr(model, "module", None)
        if isinstance(wrapped, nn.Module):
            model = wrapped
        optimizer_cfg = self.optimizer_cfg.copy()
        if not self.paramwise_cfg:
            optimizer_cfg["params"] = model.parameters()
            return _build(optimizer_cfg)
        self._check_dcn(model)
        params: list[dict[str, Any]] = []
        self.add_params(params, model)
        optimizer_cfg["params"] = params
        return _build(optimizer_cfg)


def _build(cfg: dict[str, Any]) -> torch.optim.Optimizer:
    optimizer: torch.optim.Optimizer = build_from_cfg(cfg, OPTIMIZERS)
    return optimizer


OPTIMIZER_BUILDERS.register_module(module=DefaultOptimizerConstructor)
