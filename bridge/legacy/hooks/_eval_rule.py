"""How EvalHook decides whether a bigger or a smaller metric is better (mmcv 1.7.2's rule)."""

from __future__ import annotations

from collections.abc import Sequence

RULES = ("greater", "less")

# mmcv 1.7.2's defaults: a metric whose name equals or contains one of these is "greater"/"less".
DEFAULT_KEYS: dict[str, tuple[str, ...]] = {
    "greater": ("acc", "top", "AR@", "auc", "precision", "mAP", "mDice", "mIoU", "mAcc", "aAcc"),
    "less": ("loss",),
}


def check_rule(rule: object) -> None:
    """Raise ValueError unless ``rule`` is None, ``'greater'`` or ``'less'``."""
    if rule is not None and rule not in RULES:
        raise ValueError(
            f"rule must be one of {RULES!r} or None (inferred from the save_best key), got {rule!r}"
        )


def key_list(name: str, keys: str | Sequence[str] | None, default: str) -> list[str]:
    """``greater_keys``/``less_keys`` as a list of str (a single str is one key)."""
    if keys is None:
        return list(DEFAULT_KEYS[default])
    if isinstance(keys, str):
        return [keys]
    if not isinstance(keys, (list, tuple)) or not all(isinstance(k, str) for k in keys):
        raise TypeError(f"{name} must be a str or a list/tuple of str, got {keys!r}")
    return list(keys)


def infer_rule(
    rule: str | None, key: str, greater_keys: Sequence[str], less_keys: Sequence[str]
) -> str | None:
    """The rule for ``key``: ``rule`` if given; else an exact, then a substring, name match.

    ``key == 'auto'`` with no rule stays None until the first evaluation names the metric.
    """
    check_rule(rule)
    if rule is not None or key == "auto":
        return rule
    lowered = key.lower()
    greater = [k.lower() for k in greater_keys]
    less = [k.lower() for k in less_keys]
    if lowered in greater:
        return "greater"
    if lowered in less:
        return "less"
    if any(k in lowered for k in greater):
        return "greater"
    if any(k in lowered for k in less):
        return "less"
    raise ValueError(
        f"cannot infer whether a greater or a smaller {key!r} is better (it matches none of "
        f"greater_keys={list(greater_keys)!r} or less_keys={list(less_keys)!r}); pass "
        "rule='greater' or rule='less'"
    )
