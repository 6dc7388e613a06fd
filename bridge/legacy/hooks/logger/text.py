"""TextLoggerHook: mmcv 1.7.2's text log lines and ``<timestamp>.log.json`` lines, unchanged.

Log-analysis scripts written for mmcv (``analyze_logs.py`` and friends) parse these files, so the
line format, key order, rounding (floats to 5 digits in JSON, 4 in text) and the first JSON line
(``runner.meta``) follow mmcv 1.7.2 exactly.
"""

from __future__ import annotations

import datetime
import json
import os
import os.path as osp
import shutil
from collections import OrderedDict
from typing import Any

import numpy as np
import torch

from ...dist_utils import get_dist_info
from ...registry import HOOKS
from .base import LoggerHook

__all__ = ["TextLoggerHook"]

_NOT_IN_TEXT = ("mode", "Epoch", "iter", "lr", "time", "data_time", "memory", "epoch")


def _json_default(obj: Any) -> Any:
    if isinstance(obj, (set, range)):
        return list(obj)
    if isinstance(obj, np.ndarray):
        return obj.tolist()
    if isinstance(obj, np.generic):
        return obj.item()
    raise TypeError(f"{type(obj)!r} cannot be written to the .log.json file")


def _round_float(items: Any) -> Any:
    if isinstance(items, list):
        return [_round_float(item) for item in items]
    if isinstance(items, float):
        return round(items, 5)
    return items


def _lr_text(lr: Any) -> str:
    if isinstance(lr, dict):
        return " ".join(f"lr_{k}: {val:.3e}" for k, val in lr.items())
    return f"lr: {lr:.3e}"


@HOOKS.register_module()
class TextLoggerHook(LoggerHook):
    """Log to ``runner.logger`` and append JSON lines to ``<work_dir>/<timestamp>.log.json``.

    Args:
        by_epoch, interval, ignore_last, reset_flag: as :class:`LoggerHook`.
        interval_exp_name: log ``Exp name: ...`` (from ``runner.meta['exp_name']``) this often.
        out_dir: a local directory to copy the logs (``out_suffix`` files) into after the run.
        keep_local: keep the work-dir copies after copying them to ``out_dir``.

    Example::

        >>> hook = TextLoggerHook(interval=50)
    """

    def __init__(
        self,
        by_epoch: bool = True,
        interval: int = 10,
        ignore_last: bool = True,
        reset_flag: bool = False,
        interval_exp_name: int = 1000,
        out_dir: str | None = None,
        out_suffix: str | tuple[str, ...] = (".log.json", ".log", ".py"),
        keep_local: bool = True,
        file_client_args: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(interval, ignore_last, reset_flag, by_epoch)
        if out_dir is not None and not isinstance(out_dir, str):
            raise TypeError(f"out_dir must be None or a directory path (str), got {out_dir!r}")
        if file_client_args is not None:
            raise ValueError(
                f"file_client_args={file_client_args!r} is not supported by bridge: only local "
                "out_dir is; remove it"
            )
        self.time_sec_tot = 0.0
        self.interval_exp_name = interval_exp_name
        self.out_dir = out_dir
        self.out_suffix = out_suffix
        self.keep_local = keep_local
        self.file_client_args = file_client_args

    def before_run(self, runner: Any) -> None:
        super().before_run(runner)
        if self.out_dir is not None:
            basename = osp.basename(str(runner.work_dir).rstrip(osp.sep))
            self.out_dir = osp.join(self.out_dir, basename)
            runner.logger.info(
                f"Text logs will be saved to {self.out_dir} by LocalBackend after the "
                "training process."
            )
        self.start_iter = runner.iter
        self.json_log_path = osp.join(str(runner.work_dir), f"{runner.timestamp}.log.json")
        if runner.meta is not None:
            self._dump_log(runner.meta, runner)

    def _get_max_memory(self, runner: Any) -> int:
        device = getattr(runner.model, "output_device", None)
        mem = torch.cuda.max_memory_allocated(device=device)
        mem_mb = torch.tensor([int(mem) // (1024 * 1024)], dtype=torch.int, device=device)
        if runner.world_size > 1:
            torch.distributed.reduce(mem_mb, 0, op=torch.distributed.ReduceOp.MAX)
        return int(mem_mb.item())

    def _train_prefix(self, log_dict: dict[str, Any], runner: Any) -> str:
        if self.by_epoch:
            head = f"Epoch [{log_dict['epoch']}][{log_dict['iter']}/{len(runner.data_loader)}]\t"
        else:
            head = f"Iter [{log_dict['iter']}/{runner.max_iters}]\t"
        head += f"{_lr_text(log_dict['lr'])}, "
        if "time" in log_dict:
            self.time_sec_tot += log_dict["time"] * self.interval
            time_sec_avg = self.time_sec_tot / (runner.iter - self.start_iter + 1)
            eta_sec = time_sec_avg * (runner.max_iters - runner.iter - 1)
            head += f"eta: {datetime.timedelta(seconds=int(eta_sec))}, "
            head += f"time: {log_dict['time']:.3f}, data_time: {log_dict['data_time']:.3f}, "
            if torch.cuda.is_available():
                head += f"memory: {log_dict['memory']}, "
        return head

    def _log_info(self, log_dict: dict[str, Any], runner: Any) -> None:
        has_name = runner.meta is not None and "exp_name" in runner.meta
        if has_name and (
            self.every_n_iters(runner, self.interval_exp_name)
            or (self.by_epoch and self.end_of_epoch(runner))
        ):
            runner.logger.info(f"Exp name: {runner.meta['exp_name']}")
        if log_dict["mode"] == "train":
            log_str = self._train_prefix(log_dict, runner)
        elif self.by_epoch:
            log_str = f"Epoch({log_dict['mode']}) [{log_dict['epoch']}][{log_dict['iter']}]\t"
        else:
            log_str = f"Iter({log_dict['mode']}) [{log_dict['iter']}]\t"
        items = [
            f"{name}: {f'{val:.4f}' if isinstance(val, float) else val}"
            for name, val in log_dict.items()
            if name not in _NOT_IN_TEXT
        ]
        runner.logger.info(log_str + ", ".join(items))

    def _dump_log(self, log_dict: dict[str, Any], runner: Any) -> None:
        if runner.rank != 0:
            return
        json_log = OrderedDict((k, _round_float(v)) for k, v in log_dict.items())
        # the same text as mmcv's json.dump to the file, made by json's C encoder in one piece
        # (json.dump writes piece by piece from the pure-Python one) and written at once
        line = json.dumps(json_log, default=_json_default) + "\n"
        with open(self.json_log_path, "a+", encoding="utf-8") as fh:
            fh.write(line)

    def log(self, runner: Any) -> OrderedDict[str, Any]:
        if "eval_iter_num" in runner.log_buffer.output:
            cur_iter = runner.log_buffer.output.pop("eval_iter_num")
        else:
            cur_iter = self.get_iter(runner, inner_iter=True)
        log_dict: OrderedDict[str, Any] = OrderedDict(
            mode=self.get_mode(runner), epoch=self.get_epoch(runner), iter=cur_iter
        )
        cur_lr = runner.current_lr()
        if isinstance(cur_lr, dict):
            log_dict["lr"] = {k: lr[0] for k, lr in cur_lr.items()}
        else:
            log_dict["lr"] = cur_lr[0]
        if "time" in runner.log_buffer.output and torch.cuda.is_available():
            log_dict["memory"] = self._get_max_memory(runner)
        log_dict = OrderedDict(log_dict, **runner.log_buffer.output)
        self._log_info(log_dict, runner)
        self._dump_log(log_dict, runner)
        return log_dict

    def after_run(self, runner: Any) -> None:
        if self.out_dir is None or get_dist_info()[0] != 0:
            return
        os.makedirs(self.out_dir, exist_ok=True)
        suffixes = (self.out_suffix,) if isinstance(self.out_suffix, str) else self.out_suffix
        work_dir = str(runner.work_dir)
        for filename in sorted(os.listdir(work_dir)):
            local = osp.join(work_dir, filename)
            if not osp.isfile(local) or not filename.endswith(tuple(suffixes)):
                continue
            shutil.copyfile(local, osp.join(self.out_dir, filename))
            runner.logger.info(f"The file {local} has been uploaded to {self.out_dir}.")
            if not self.keep_local:
                os.remove(local)
                runner.logger.info(f"{local} was removed due to the `self.keep_local=False`")
