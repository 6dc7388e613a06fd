"""``BaseModule``, ``Sequential``, ``ModuleList``, ``ModuleDict``: mmcv 1.7.2's init_cfg-aware modules.

Compat note: ``init_weights`` follows mmcv 1.7.2 (``mmcv.runner.base_module``): the top-level call
records, per parameter, which initialiser last changed it (``_params_init_info``, shared by every
submodule during the call and deleted afterwards), applies ``init_cfg`` through the initialiser
registry, skips children after a ``Pretrained`` init, recurses into children otherwise, and logs
the summary on rank 0. The initialisers are mmengine's (``mmengine.model.weight_init``), which
implement mmcv's ``Constant``/``Xavier``/``Normal``/``TruncNormal``/``Uniform``/``Kaiming``/
``Caffe2Xavier``/``Pretrained`` the same way. Messages go to the stdlib logger ``'mmcv'``.
"""

from __future__ import annotations

import copy
import logging
import warnings
from abc import ABCMeta
from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from torch import nn

from bridge.legacy.dist_utils import master_only

__all__ = ["BaseModule", "ModuleDict", "ModuleList", "Sequential"]

_LOGGER_NAME = "mmcv"


def _check_init_cfg(init_cfg: object) -> None:
    ok = init_cfg is None or isinstance(init_cfg, dict)
    ok = ok or (isinstance(init_cfg, list) and all(isinstance(c, dict) for c in init_cfg))
    if not ok:
        raise TypeError(
            f"init_cfg must be None, a dict or a list of dicts, got {init_cfg!r}; "
            f"write e.g. init_cfg=dict(type='Kaiming', layer='Conv2d')"
        )


class BaseModule(nn.Module, metaclass=ABCMeta):
    """``nn.Module`` with an ``init_cfg`` applied by ``init_weights()`` (mmcv 1.7.2 semantics).

    Example::

        >>> class Net(BaseModule):
        ...     def __init__(self):
        ...         super().__init__(init_cfg=dict(type="Constant", layer="Linear", val=1.0))
        ...         self.fc = nn.Linear(2, 2)
        >>> net = Net(); net.init_weights()
        >>> float(net.fc.weight.sum()), net.is_init
        (4.0, True)
    """

    def __init__(self, init_cfg: dict[str, Any] | list[dict[str, Any]] | None = None) -> None:
        super().__init__()
        _check_init_cfg(init_cfg)
        self._is_init = False
        self.init_cfg = copy.deepcopy(init_cfg)

    @property
    def is_init(self) -> bool:
        return self._is_init

    def _start_init_info(self) -> None:
        info: defaultdict[Any, dict[str, Any]] = defaultdict(dict)
        for param in self.parameters():
            info[param]["init_info"] = (
                f"The value is the same before and after calling `init_weights` "
                f"of {type(self).__name__} "
            )
            info[param]["tmp_mean_value"] = param.data.mean()
        for module in self.modules():
            module._params_init_info = info  # type: ignore[assignment]

    def init_weights(self) -> None:
        """Apply ``init_cfg``, then the children's ``init_weights`` (unless ``Pretrained``)."""
        from mmengine.model.weight_init import update_init_info

        is_top_level = not hasattr(self, "_params_init_info")
        if is_top_level:
            self._start_init_info()
        if self._is_init:
            warnings.warn(
                f"init_weights of {type(self).__name__} has been called more than once.",
                stacklevel=2,
            )
        elif self._apply_init_cfg():
            for child in self.children():
                init = getattr(child, "init_weights", None)
                if init is not None:
                    init()
                    update_init_info(
                        child,
                        init_info=f"Initialized by user-defined `init_weights` in {type(child).__name__} ",
                    )
            self._is_init = True
        if is_top_level:
            self._dump_init_info(_LOGGER_NAME)
            for module in self.modules():
                del module._params_init_info

    def _apply_init_cfg(self) -> bool:
        """Apply ``init_cfg``; False when it was a ``Pretrained`` load (children are skipped)."""
        if not self.init_cfg:
            return True
        from mmengine.model.weight_init import initialize

        logging.getLogger(_LOGGER_NAME).info(
            "initialize %s with init_cfg %s", type(self).__name__, self.init_cfg
        )
        initialize(self, self.init_cfg)
        return not (isinstance(self.init_cfg, dict) and self.init_cfg["type"] == "Pretrained")

    @master_only
    def _dump_init_info(self, logger_name: str) -> None:
        """Write each parameter's init info to the logger's file handlers, else log it."""
        logger = logging.getLogger(logger_name)
        info: dict[Any, dict[str, Any]] = self._params_init_info  # type: ignore[assignment]
        file_handlers = [h for h in logger.handlers if isinstance(h, logging.FileHandler)]
        for handler in file_handlers:
            if handler.stream is None:  # a delayed FileHandler not opened yet
                handler.stream = handler._open()
            handler.stream.write("Name of parameter - Initialization information\n")
            for name, param in self.named_parameters():
                handler.stream.write(f"\n{name} - {param.shape}: \n{info[param]['init_info']} \n")
            handler.stream.flush()
        if not file_handlers:
            for name, param in self.named_parameters():
                logger.info("\n%s - %s: \n%s \n ", name, param.shape, info[param]["init_info"])

    def __repr__(self) -> str:
        text = super().__repr__()
        if self.init_cfg:
            text += f"\ninit_cfg={self.init_cfg}"
        return text


class Sequential(BaseModule, nn.Sequential):
    """``nn.Sequential`` with an ``init_cfg``."""

    def __init__(self, *args: nn.Module, init_cfg: dict[str, Any] | None = None) -> None:
        BaseModule.__init__(self, init_cfg)
        nn.Sequential.__init__(self, *args)


class ModuleList(BaseModule, nn.ModuleList):
    """``nn.ModuleList`` with an ``init_cfg``."""

    def __init__(
        self, modules: Iterable[nn.Module] | None = None, init_cfg: dict[str, Any] | None = None
    ) -> None:
        BaseModule.__init__(self, init_cfg)
        nn.ModuleList.__init__(self, modules)


class ModuleDict(BaseModule, nn.ModuleDict):
    """``nn.ModuleDict`` with an ``init_cfg``."""

    def __init__(
        self, modules: dict[str, nn.Module] | None = None, init_cfg: dict[str, Any] | None = None
    ) -> None:
        BaseModule.__init__(self, init_cfg)
        nn.ModuleDict.__init__(self, modules)
