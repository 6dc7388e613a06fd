"""BRG203: ``train_step(self, data, optimizer)`` -> mmengine's ``(data, optim_wrapper)`` contract."""

from __future__ import annotations

import libcst as cst

from ._names import names_used, single_small
from .base import BridgeCodemod

_CONTRACT = (
    "train_step must take (data, optim_wrapper), call optim_wrapper.update_params(loss) and "
    "return log_vars; mmcv's OptimizerHook no longer steps"
)


def _dict_fields(node: cst.BaseExpression | None) -> dict[str, cst.BaseExpression] | None:
    if not (isinstance(node, cst.Call) and isinstance(node.func, cst.Name)):
        return None
    if node.func.value != "dict" or any(a.keyword is None for a in node.args):
        return None
    return {a.keyword.value: a.value for a in node.args if a.keyword is not None}


def _outputs(body: list[cst.BaseStatement]) -> tuple[dict[str, cst.BaseExpression], int] | None:
    """The ``dict(loss=..., log_vars=...)`` returned (directly or via a name) and its index."""
    ret = single_small(body[-1]) if body else None
    if not isinstance(ret, cst.Return):
        return None
    fields = _dict_fields(ret.value)
    if fields is not None:
        return fields, -1
    if not isinstance(ret.value, cst.Name):
        return None
    for index in range(len(body) - 2, -1, -1):
        small = single_small(body[index])
        if isinstance(small, cst.Assign) and len(small.targets) == 1:
            target = small.targets[0].target
            if isinstance(target, cst.Name) and target.value == ret.value.value:
                found = _dict_fields(small.value)
                return (found, index) if found is not None else None
    return None


class TrainStepCodemod(BridgeCodemod):
    """Recognises the classic mmcv ``train_step`` and rewrites it; otherwise leaves a TODO."""

    CODE = "BRG203"
    DESCRIPTION = "train_step(data, optimizer) returning dict(loss, log_vars) -> optim_wrapper."
    TRIGGERS = ("def train_step",)

    def leave_FunctionDef(
        self, original_node: cst.FunctionDef, updated_node: cst.FunctionDef
    ) -> cst.FunctionDef:
        params = list(updated_node.params.params)
        if updated_node.name.value != "train_step" or len(params) < 3:
            return updated_node
        if params[2].name.value != "optimizer":
            return updated_node
        if not isinstance(updated_node.body, cst.IndentedBlock):
            return updated_node
        body = list(updated_node.body.body)
        found = _outputs(body)
        uses = names_used(updated_node.body)["optimizer"]
        if found is None or uses or not {"loss", "log_vars"} <= set(found[0]):
            return self.todo(updated_node, _CONTRACT, origin=original_node)
        fields, index = found
        if index >= 0:
            del body[index]
        update = cst.SimpleStatementLine(
            [
                cst.Expr(
                    cst.parse_expression("optim_wrapper.update_params(_)").with_changes(
                        args=[cst.Arg(fields["loss"])]
                    )
                )
            ]
        )
        last = body[-1]
        lines = last.leading_lines if isinstance(last, cst.SimpleStatementLine) else ()
        body[-1] = cst.SimpleStatementLine([cst.Return(fields["log_vars"])], leading_lines=lines)
        body.insert(len(body) - 1, update)
        params[2] = params[2].with_changes(name=cst.Name("optim_wrapper"))
        self.mark_applied()
        if set(fields) - {"loss", "log_vars", "num_samples"}:
            self.warn(self.CODE, self.line_of(original_node), "extra train_step outputs dropped")
        return updated_node.with_changes(
            params=updated_node.params.with_changes(params=params),
            body=updated_node.body.with_changes(body=body),
        )
