"""CheckpointHook: save every ``interval`` epochs/iterations, keep the newest few, record the path.

Compatible with mmcv 1.7.2's ``mmcv.runner.hooks.checkpoint`` for local directories: the same file
names (``epoch_{}.pth`` / ``iter_{}.pth`` or ``filename_tmpl``), ``latest.pth`` symlink, deletion
order of ``max_keep_ckpts`` and ``runner.meta['hook_msgs']['last_ckpt']``, which is set *after*
saving, so each checkpoint file names the previous one.
"""

from __future__ import annotations

import os
import os.path as osp
from typing import Any

from ..dist_utils import master_only
from ..registry import HOOKS
from .hook import Hook
from .sync_buffer import sync_buffers

__all__ = ["CheckpointHook"]


def _check_int(name: str, value: object, hint: str) -> None:
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{name} must be an int, got {value!r}; {hint}")


@HOOKS.register_module()
class CheckpointHook(Hook):
    """Save checkpoints with ``runner.save_checkpoint``.

    Args:
        interval: save every ``interval`` epochs (``by_epoch``) or iterations; ``<= 0`` saves
            only the last one (when ``save_last``).
        by_epoch: count epochs (True) or iterations (False).
        save_optimizer: also save the optimizer state.
        out_dir: where to save; default ``runner.work_dir``. Another directory gets the work
            dir's base name appended, as mmcv does.
        max_keep_ckpts: keep only the newest N regular checkpoints; ``<= 0`` keeps all.
        save_last: always save at the end of training.
        sync_buffer: average the model buffers over ranks before saving.
        **kwargs: passed to ``runner.save_checkpoint`` (``filename_tmpl``, ``create_symlink``,
            ``meta``).

    Example::

        >>> hook = CheckpointHook(interval=1, max_keep_ckpts=2)
    """

    def __init__(
        self,
        interval: int = -1,
        by_epoch: bool = True,
        save_optimizer: bool = True,
        out_dir: str | None = None,
        max_keep_ckpts: int = -1,
        save_last: bool = True,
        sync_buffer: bool = False,
        file_client_args: dict[str, Any] | None = None,
        **kwargs: Any,
    ) -> None:
        _check_int("interval", interval, "use e.g. interval=1 (<= 0: only the last checkpoint)")
        _check_int("max_keep_ckpts", max_keep_ckpts, "use e.g. max_keep_ckpts=3 (<= 0: keep all)")
        if out_dir is not None and not isinstance(out_dir, str):
            raise TypeError(f"out_dir must be a directory path (str) or None, got {out_dir!r}")
        if file_client_args is not None:
            raise ValueError(
                f"file_client_args={file_client_args!r} is not supported by bridge: only local "
                "directories are; remove file_client_args and give a local out_dir"
            )
        self.interval = interval
        self.by_epoch = by_epoch
        self.save_optimizer = save_optimizer
        self.out_dir = out_dir
        self.max_keep_ckpts = max_keep_ckpts
        self.save_last = save_last
        self.args = kwargs
        self.sync_buffer = sync_buffer
        self.file_client_args = file_client_args

    def before_run(self, runner: Any) -> None:
        work_dir = str(runner.work_dir)
        if not self.out_dir:
            self.out_dir = work_dir
        if self.out_dir != work_dir:
            self.out_dir = osp.join(self.out_dir, osp.basename(work_dir.rstrip(osp.sep)))
        runner.logger.info(f"Checkpoints will be saved to {self.out_dir} by LocalBackend.")
        self.args.setdefault("create_symlink", True)

    def after_train_epoch(self, runner: Any) -> None:
        if not self.by_epoch:
            return
        if self.every_n_epochs(runner, self.interval) or (
            self.save_last and self.is_last_epoch(runner)
        ):
            runner.logger.info(f"Saving checkpoint at {runner.epoch + 1} epochs")
            self._save(runner)

    def after_train_iter(self, runner: Any) -> None:
        if self.by_epoch:
            return
        if self.every_n_iters(runner, self.interval) or (
            self.save_last and self.is_last_iter(runner)
        ):
            runner.logger.info(f"Saving checkpoint at {runner.iter + 1} iterations")
            self._save(runner)

    def _save(self, runner: Any) -> None:
        if self.sync_buffer:
            sync_buffers(runner.model)
        self._save_checkpoint(runner)

    def _current(self, runner: Any) -> tuple[str, int]:
        """The default name template and the number of the checkpoint being saved."""
        if self.by_epoch:
            return "epoch_{}.pth", int(runner.epoch) + 1
        return "iter_{}.pth", int(runner.iter) + 1

    @master_only
    def _save_checkpoint(self, runner: Any) -> None:
        assert self.out_dir is not None  # set in before_run
        runner.save_checkpoint(self.out_dir, save_optimizer=self.save_optimizer, **self.args)
        default_tmpl, current = self._current(runner)
        filename_tmpl = str(self.args.get("filename_tmpl", default_tmpl))
        if runner.meta is not None:
            hook_msgs = runner.meta.setdefault("hook_msgs", {})
            hook_msgs["last_ckpt"] = osp.join(self.out_dir, filename_tmpl.format(current))
        if self.max_keep_ckpts > 0 and self.interval > 0:
            self._remove_old(filename_tmpl, current)

    def _remove_old(self, filename_tmpl: str, current: int) -> None:
        # Walk back from the newest checkpoint that falls out of the window; stop at the first gap,
        # as mmcv does (older files were deleted earlier or never written).
        assert self.out_dir is not None
        first = current - self.max_keep_ckpts * self.interval
        for step in range(first, 0, -self.interval):
            path = osp.join(self.out_dir, filename_tmpl.format(step))
            if not osp.isfile(path):
                break
            os.remove(path)
