"""BRG201: the classic mmcv train script -> ``Runner.from_cfg(cfg)`` + ``runner.train()``."""

from __future__ import annotations

from collections.abc import Sequence
from typing import cast

import libcst as cst

from ._names import call_name, dotted, names_used, single_small
from .base import BridgeCodemod

_BUILDERS = ("build_runner", "EpochBasedRunner", "IterBasedRunner")
_HOOK_CALLS = [
    "register_training_hooks",
    "register_lr_hook",
    "register_momentum_hook",
    "register_optimizer_hook",
    "register_checkpoint_hook",
    "register_timer_hook",
    "register_logger_hooks",
    "register_custom_hooks",
    "register_profiler_hook",
]
_LOAD_CALLS = ("resume", "load_checkpoint")
_Line = cst.SimpleStatementLine | cst.BaseCompoundStatement
_FROM_CFG = (
    "Runner.from_cfg builds the model, dataloaders, optim_wrapper, schedulers and hooks from "
    "the migrated config (bridge migrate configs/): drop the manual building above"
)


def _cfg_name(call: cst.Call) -> str:
    for arg in call.args:
        head = dotted(arg.value).partition(".")[0]
        if "." in dotted(arg.value) and head:
            return head
    return "cfg"


def _runner_var(stmt: cst.BaseStatement) -> tuple[str, cst.Call] | None:
    small = single_small(stmt)
    if isinstance(small, cst.Assign) and len(small.targets) == 1:
        target = small.targets[0].target
        call = small.value
        if (
            isinstance(target, cst.Name)
            and isinstance(call, cst.Call)
            and call_name(call) in _BUILDERS
        ):
            return target.value, call
    return None


def _method_call(stmt: cst.BaseStatement, var: str) -> str:
    small = single_small(stmt)
    if isinstance(small, cst.Expr) and isinstance(small.value, cst.Call):
        func = small.value.func
        if isinstance(func, cst.Attribute) and dotted(func.value) == var:
            return func.attr.value
    return ""


def _only_loads(stmt: cst.If, var: str) -> bool:
    branch: cst.If | cst.Else | None = stmt
    while branch is not None:
        body = branch.body.body if isinstance(branch.body, cst.IndentedBlock) else ()
        if not body or any(_method_call(s, var) not in _LOAD_CALLS for s in body):
            return False
        branch = branch.orelse if isinstance(branch, cst.If) else None
    return True


class TrainScriptCodemod(BridgeCodemod):
    """Works on one block at a time: the runner variable is tracked from its construction."""

    CODE = "BRG201"
    DESCRIPTION = "build_runner/EpochBasedRunner + register_*_hooks + run() -> Runner.from_cfg."
    TRIGGERS = ("build_runner(", "EpochBasedRunner(", "IterBasedRunner(")  # calls, not type=

    def leave_IndentedBlock(
        self, original_node: cst.IndentedBlock, updated_node: cst.IndentedBlock
    ) -> cst.IndentedBlock:
        body = self._rewrite(original_node.body, cast(list[_Line], list(updated_node.body)))
        return updated_node if body is None else updated_node.with_changes(body=body)

    def leave_Module(self, original_node: cst.Module, updated_node: cst.Module) -> cst.Module:
        body = self._rewrite(original_node.body, list(updated_node.body))
        return updated_node if body is None else updated_node.with_changes(body=body)

    def _rewrite(
        self, original: Sequence[cst.BaseStatement], body: list[_Line]
    ) -> list[_Line] | None:
        found = next(((i, v) for i, s in enumerate(body) if (v := _runner_var(s))), None)
        if found is None:
            return None
        index, (var, call) = found
        out: list[_Line] = []
        for pos, stmt in enumerate(body):
            if pos == index:
                new = cst.parse_statement(f"{var} = Runner.from_cfg({_cfg_name(call)})\n")
                new = new.with_changes(leading_lines=stmt.leading_lines)
                self.warn(self.CODE, self.line_of(original[pos]), _FROM_CFG)
                out.append(self.add_todo(new, _FROM_CFG))
            elif pos > index:
                out.extend(self._after(stmt, var))
            else:
                out.append(stmt)
        self.add_needed_import("mmengine.runner", "Runner")
        self.mark_applied()
        return self._drop_unused_optimizer(out)

    def _after(self, stmt: _Line, var: str) -> list[_Line]:
        method = _method_call(stmt, var)
        if method in _HOOK_CALLS or method in _LOAD_CALLS:
            return []  # default_hooks/custom_hooks and load_from/resume live in the config now
        if isinstance(stmt, cst.If) and _only_loads(stmt, var):
            return []
        if method == "run":
            return [
                cst.parse_statement(f"{var}.train()\n").with_changes(
                    leading_lines=stmt.leading_lines
                )
            ]
        small = single_small(stmt)
        if isinstance(small, cst.Assign) and isinstance(stmt, cst.SimpleStatementLine):
            target = small.targets[0].target
            if isinstance(target, cst.Attribute) and dotted(target.value) == var:
                why = (
                    f"{var}.{target.attr.value} = ...: mmengine's Runner sets it itself (read-only)"
                )
                self.warn(self.CODE, None, why)
                return [self.add_todo(stmt, why)]
        if method == "register_hook" and isinstance(stmt, cst.SimpleStatementLine):
            why = "register_hook: eval hooks become val_dataloader/val_evaluator/val_cfg"
            self.warn(self.CODE, None, why)
            return [self.add_todo(stmt, why)]
        return [stmt]

    def _drop_unused_optimizer(self, body: list[_Line]) -> list[_Line]:
        kept: list[_Line] = []
        for pos, stmt in enumerate(body):
            small = single_small(stmt)
            if isinstance(small, cst.Assign) and call_name(small.value) == "build_optimizer":
                target = small.targets[0].target
                rest = cst.Module(body=body[pos + 1 :])
                if isinstance(target, cst.Name) and not names_used(rest)[target.value]:
                    continue
            kept.append(stmt)
        return kept
