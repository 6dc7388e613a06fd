"""BRG202: custom ``Hook`` subclasses -> mmengine's method names and signatures."""

from __future__ import annotations

import libcst as cst

from ._names import dotted
from .base import BridgeCodemod

_ITER = ("batch_idx", "data_batch=None")
_SIGNATURES: dict[str, tuple[str, ...]] = {
    "before_train_iter": _ITER,
    "after_train_iter": (*_ITER, "outputs=None"),
    "before_val_iter": _ITER,
    "after_val_iter": (*_ITER, "outputs=None"),
    "after_val_epoch": ("metrics=None",),
}
_SPLIT = {
    "before_epoch": ("before_train_epoch", "before_val_epoch"),
    "after_epoch": ("after_train_epoch", "after_val_epoch"),
    "before_iter": ("before_train_iter", "before_val_iter"),
    "after_iter": ("after_train_iter", "after_val_iter"),
}
_HELPERS = {
    "every_n_iters": "every_n_train_iters",
    "is_last_iter": "is_last_train_iter",
    "is_last_epoch": "is_last_train_epoch",
}
_RUNNER_ATTRS = {"outputs": "outputs", "data_batch": "data_batch", "inner_iter": "batch_idx"}
_MANUAL = {
    "log_buffer": "runner.log_buffer is runner.message_hub (update_scalar/get_scalar)",
    "meta": "runner.meta['hook_msgs'] is runner.message_hub.runtime_info",
}


def _with_params(func: cst.FunctionDef, name: str) -> cst.FunctionDef:
    extra = ", ".join(_SIGNATURES.get(name, ()))
    runner = func.params.params[1].name.value
    head = cst.parse_statement(f"def {name}(self, {runner}{', ' + extra if extra else ''}): pass")
    if not isinstance(head, cst.FunctionDef):  # pragma: no cover - parsed from a def
        raise TypeError(f"expected a def, got {type(head).__name__}")
    return func.with_changes(name=cst.Name(name), params=head.params)


class HookMethodsCodemod(BridgeCodemod):
    """Only classes deriving from ``Hook`` directly; other mmcv hook bases get a TODO."""

    CODE = "BRG202"
    DESCRIPTION = "Hook subclasses: mmengine signatures, before/after_epoch split, runner.outputs."
    TRIGGERS = ("Hook)", "Hook,")  # a class deriving from Hook

    def __init__(self, context: cst.codemod.CodemodContext) -> None:
        super().__init__(context)
        self._classes: list[bool] = []
        self._params: list[set[str]] = []
        self._notes: list[str] = []

    def visit_ClassDef(self, node: cst.ClassDef) -> bool:
        bases = [dotted(b.value).rpartition(".")[2] for b in node.bases]
        self._classes.append("Hook" in bases)
        return True

    def leave_ClassDef(
        self, original_node: cst.ClassDef, updated_node: cst.ClassDef
    ) -> cst.ClassDef:
        self._classes.pop()
        return updated_node

    def _in_hook(self) -> bool:
        return bool(self._classes) and self._classes[-1]

    def visit_FunctionDef(self, node: cst.FunctionDef) -> bool:
        name = node.name.value
        if self._in_hook() and len(node.params.params) == 2:
            targets = _SPLIT.get(name, (name,))
            extra = {p.split("=")[0] for t in targets for p in _SIGNATURES.get(t, ())}
            both = all({p.split("=")[0] for p in _SIGNATURES.get(t, ())} >= extra for t in targets)
            self._params.append(extra if both else set())
        else:
            self._params.append(set())
        return True

    def leave_FunctionDef(
        self, original_node: cst.FunctionDef, updated_node: cst.FunctionDef
    ) -> cst.FunctionDef | cst.FlattenSentinel[cst.BaseStatement]:
        self._params.pop()
        name = updated_node.name.value
        if not self._in_hook() or len(updated_node.params.params) != 2:
            return updated_node
        if name in _SPLIT:
            self.mark_applied()
            return cst.FlattenSentinel([_with_params(updated_node, n) for n in _SPLIT[name]])
        if name in _SIGNATURES:
            self.mark_applied()
            return _with_params(updated_node, name)
        return updated_node

    def leave_Attribute(
        self, original_node: cst.Attribute, updated_node: cst.Attribute
    ) -> cst.BaseExpression:
        if not self._in_hook() or not isinstance(updated_node.value, cst.Name):
            return updated_node
        owner, attr = updated_node.value.value, updated_node.attr.value
        if owner != "runner":
            return updated_node
        local = _RUNNER_ATTRS.get(attr)
        if local is not None and self._params and local in self._params[-1]:
            self.mark_applied()
            return cst.Name(local)
        if attr == "optimizer":
            self.mark_applied()
            return cst.parse_expression("runner.optim_wrapper.optimizer")
        if attr == "data_loader":
            self.mark_applied()
            return cst.parse_expression("runner.train_dataloader")
        if local is not None or attr in _MANUAL:
            self._notes.append(
                _MANUAL.get(attr, f"runner.{attr} is only an argument of iter hooks")
            )
        return updated_node

    def leave_Call(self, original_node: cst.Call, updated_node: cst.Call) -> cst.BaseExpression:
        func = updated_node.func
        if not (self._in_hook() and isinstance(func, cst.Attribute)):
            return updated_node
        if dotted(func.value) == "self" and func.attr.value in _HELPERS:
            self.mark_applied()
            return updated_node.with_changes(
                func=func.with_changes(attr=cst.Name(_HELPERS[func.attr.value]))
            )
        if dotted(func.value) == "self" and func.attr.value in (
            "every_n_inner_iters",
            "end_of_epoch",
        ):
            self._notes.append(
                f"self.{func.attr.value}(...) takes (batch_idx, n) / (dataloader, batch_idx) now"
            )
        return updated_node

    def leave_SimpleStatementLine(
        self, original_node: cst.SimpleStatementLine, updated_node: cst.SimpleStatementLine
    ) -> cst.SimpleStatementLine:
        notes, self._notes = self._notes, []
        for note in dict.fromkeys(notes):
            self.warn(self.CODE, self.line_of(original_node), note)
            updated_node = self.add_todo(updated_node, note)
        return updated_node
