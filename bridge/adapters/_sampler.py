"""The legacy engine's train-loader order, drawn inside the mmengine Runner.

``bridge train --engine legacy`` loads with a torch ``DataLoader`` (``bridge.compat.train_api``):
``shuffle=data.train_dataloader.shuffle`` and, when the config has a ``seed``,
``generator=torch.Generator().manual_seed(seed)``; under ``--launcher pytorch`` a torch
``DistributedSampler(dataset, shuffle=shuffle)`` instead. Each pass over such a loader draws the
workers' base seed from the generator, then (shuffling) a permutation from the same generator.

mmengine's ``DefaultSampler`` draws another order, and a ``DataLoader`` built by mmengine without
a generator draws its base seed from torch's global RNG every pass, which moves every later
dropout mask. The mmengine engine therefore gets the very same pieces: :class:`LegacySampler`
(the sampler torch's ``DataLoader`` would make) and one :class:`LoaderGenerator` handed to both
the sampler and the ``DataLoader`` (mmengine's ``Runner.build_dataloader`` forwards the
``generator`` key), so the generator stream, the global RNG and the order advance as in the
legacy engine.

.. versionadded:: 0.1 registered in mmengine 0.10.7's ``DATA_SAMPLERS`` as
   ``'BridgeLegacySampler'`` and in ``FUNCTIONS`` as ``'bridge_legacy_worker_init'``.
"""

from __future__ import annotations

from collections.abc import Iterator, Sized
from typing import Any

import torch
from torch.utils.data import DistributedSampler, RandomSampler, Sampler, SequentialSampler

__all__ = ["LegacySampler", "LoaderGenerator", "legacy_worker_init", "loader_generator", "register"]


class LoaderGenerator(torch.Generator):
    """``torch.Generator().manual_seed(seed)`` that can sit in an mmengine config.

    mmengine deep-copies its config and dumps it as Python text: a copy keeps this class and the
    generator state, and ``repr`` is the expression that makes it.

    Example::

        >>> LoaderGenerator(3)
        torch.Generator().manual_seed(3)
    """

    def __new__(cls, seed: int) -> LoaderGenerator:
        # torch.Generator's only argument is the device: the seed is set below
        generator = super().__new__(cls, "cpu")  # type: ignore[call-arg]
        generator.manual_seed(int(seed))
        return generator

    def __repr__(self) -> str:
        return f"torch.Generator().manual_seed({self.initial_seed()})"

    def __deepcopy__(self, memo: dict[int, Any]) -> LoaderGenerator:
        twin = type(self)(self.initial_seed())
        twin.set_state(self.get_state())
        return twin

    def __reduce__(self) -> tuple[Any, ...]:
        return (_rebuilt, (self.initial_seed(), self.get_state()))


def _rebuilt(seed: int, state: torch.Tensor) -> LoaderGenerator:
    generator = LoaderGenerator(seed)
    generator.set_state(state)
    return generator


class LegacySampler(Sampler[int]):
    """The sampler torch's ``DataLoader`` makes for the legacy engine's train loader.

    ``RandomSampler(dataset, generator=generator)`` when shuffling, ``SequentialSampler``
    otherwise; inside a started process group a ``DistributedSampler(dataset, shuffle=shuffle)``
    (seed 0, the default the legacy engine keeps), whose ``set_epoch`` mmengine's
    ``DistSamplerSeedHook`` calls as the legacy one does. Elsewhere ``set_epoch`` does nothing:
    the generator alone moves the order from pass to pass.

    Args:
        dataset: the train dataset.
        shuffle: ``data.train_dataloader.shuffle``.
        generator: the :class:`LoaderGenerator` the ``DataLoader`` gets too (None: no ``seed``,
            torch's global RNG, as the legacy loader without a generator).
        seed: mmengine's default argument (the Runner's seed); unused, as in the legacy loader.

    Example::

        sampler=dict(type="BridgeLegacySampler", shuffle=True, generator=LoaderGenerator(0))
    """

    def __init__(
        self,
        dataset: Sized,
        shuffle: bool = False,
        generator: torch.Generator | None = None,
        seed: int | None = None,
    ) -> None:
        del seed
        if not isinstance(shuffle, bool):
            raise TypeError(f"shuffle must be True or False, got {shuffle!r}")
        if generator is not None and not isinstance(generator, torch.Generator):
            raise TypeError(f"generator must be a torch.Generator or None, got {generator!r}")
        self._sampler: Sampler[int]
        if torch.distributed.is_available() and torch.distributed.is_initialized():
            self._sampler = DistributedSampler(dataset, shuffle=shuffle)  # type: ignore[arg-type]
        elif shuffle:
            self._sampler = RandomSampler(dataset, generator=generator)
        else:
            self._sampler = SequentialSampler(dataset)

    @property
    def sampler(self) -> Sampler[int]:
        """The torch sampler drawing the order."""
        return self._sampler

    def __iter__(self) -> Iterator[int]:
        return iter(self._sampler)

    def __len__(self) -> int:
        return len(self._sampler)  # type: ignore[arg-type]

    def set_epoch(self, epoch: int) -> None:
        """Reseed a distributed order for ``epoch``; nothing to do otherwise."""
        if isinstance(self._sampler, DistributedSampler):
            self._sampler.set_epoch(epoch)


def legacy_worker_init(worker_id: int) -> None:
    """Leave torch's own worker seeding (from the loader's base seed) as the legacy loader does.

    Without a ``worker_init_fn`` mmengine reseeds every worker from the Runner's seed instead.
    """
    del worker_id


def loader_generator(seed: Any) -> LoaderGenerator | None:
    """The generator the legacy engine's loader gets for the config's ``seed`` (None: none)."""
    if seed is None:
        return None
    try:
        return LoaderGenerator(int(seed))
    except (TypeError, ValueError) as exc:
        raise TypeError(f"seed must be an int or None, got {seed!r}; write e.g. seed = 0") from exc


def register() -> None:
    """Register the sampler and the worker init in mmengine's registries (idempotent)."""
    from mmengine.registry import DATA_SAMPLERS, FUNCTIONS

    for registry, name, obj in (
        (DATA_SAMPLERS, "BridgeLegacySampler", LegacySampler),
        (FUNCTIONS, "bridge_legacy_worker_init", legacy_worker_init),
    ):
        existing = registry.module_dict.get(name)
        if existing is not obj:
            registry.register_module(name=name, module=obj, force=existing is not None)
