"""BRG204: ``@auto_fp16``/``@force_fp32`` are removed (mmengine's AmpOptimWrapper autocasts)."""

from __future__ import annotations

import libcst as cst

from ._names import dotted
from .base import BridgeCodemod


def _decorator_name(dec: cst.Decorator) -> str:
    node = dec.decorator.func if isinstance(dec.decorator, cst.Call) else dec.decorator
    return dotted(node).rpartition(".")[2]


class Fp16DecoratorsCodemod(BridgeCodemod):
    """``auto_fp16`` goes silently-safe; ``force_fp32`` goes with a TODO (numerics can change)."""

    CODE = "BRG204"
    DESCRIPTION = "@auto_fp16/@force_fp32 removed: AmpOptimWrapper (optim_wrapper) autocasts."
    TRIGGERS = ("auto_fp16", "force_fp32")

    def leave_FunctionDef(
        self, original_node: cst.FunctionDef, updated_node: cst.FunctionDef
    ) -> cst.FunctionDef:
        names = [_decorator_name(d) for d in updated_node.decorators]
        if not {"auto_fp16", "force_fp32"} & set(names):
            return updated_node
        kept = [
            d
            for d, n in zip(updated_node.decorators, names, strict=True)
            if n not in ("auto_fp16", "force_fp32")
        ]
        self.mark_applied()
        if kept:
            kept[0] = kept[0].with_changes(leading_lines=updated_node.decorators[0].leading_lines)
            fresh = updated_node.with_changes(decorators=kept)
        else:
            lines = [*updated_node.leading_lines, *updated_node.decorators[0].leading_lines]
            fresh = updated_node.with_changes(decorators=kept, leading_lines=lines)
        if "force_fp32" not in names:
            return fresh
        why = (
            f"@force_fp32 removed from {updated_node.name.value}: under AmpOptimWrapper run this "
            "body in `with torch.autocast(device_type=..., enabled=False):` on float() inputs"
        )
        return self.todo(fresh, why, origin=original_node)
