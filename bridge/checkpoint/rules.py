"""The table of named checkpoint rewrite rules, with their status in each direction.

Each :class:`Rule` names where a value lives in the mmcv 1.x layout (``legacy``) and in the
mmengine layout (``engine``), what happens to it going to mmengine (``to_engine``) and coming
back (``to_legacy``), and why. :mod:`bridge.checkpoint.convert` implements every rule by name
(a test checks that no rule lacks an implementation) and ``docs/checkpoints.md`` embeds
:func:`markdown_table` (a test checks that the document matches it).

Values a rule drops are kept in ``meta['bridge_convert']`` so that converting back is lossless.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

__all__ = ["RULES", "Rule", "Status", "markdown_table", "rule_named"]


class Status(str, enum.Enum):
    """What a rule does to a value in one direction."""

    RENAMED = "RENAMED"  # same value, new key
    MOVED = "MOVED"  # same value, new place in the tree
    REWRITTEN = "REWRITTEN"  # same key, value recomputed for the target's meaning
    ADDED = "ADDED"  # the target needs it; bridge synthesises it
    DROPPED = "DROPPED"  # the target has no place for it (kept in meta['bridge_convert'])
    UNSUPPORTED = "UNSUPPORTED"  # not converted; reported as a warning
    KEPT = "KEPT"  # same key and value: the target reads it as it is


@dataclass(frozen=True, kw_only=True)
class Rule:
    """One named rewrite between the two layouts."""

    name: str
    legacy: str
    engine: str
    to_engine: Status
    to_legacy: Status
    why: str


RULES: tuple[Rule, ...] = (
    Rule(
        name="version",
        legacy="meta.mmcv_version",
        engine="meta.mmengine_version (Runner) / meta.mmengine (FlexibleRunner)",
        to_engine=Status.RENAMED,
        to_legacy=Status.RENAMED,
        why="each runner records its library version under its own key",
    ),
    Rule(
        name="config",
        legacy="meta.config",
        engine="meta.cfg",
        to_engine=Status.RENAMED,
        to_legacy=Status.RENAMED,
        why="mmengine 0.10.7 raises on resume when meta.config lists gpu_ids of another count",
    ),
    Rule(
        name="exp-name",
        legacy="meta.exp_name",
        engine="meta.experiment_name",
        to_engine=Status.RENAMED,
        to_legacy=Status.RENAMED,
        why="renamed by mmengine",
    ),
    Rule(
        name="classes",
        legacy="meta.CLASSES",
        engine="meta.dataset_meta.classes",
        to_engine=Status.MOVED,
        to_legacy=Status.MOVED,
        why="mmengine compares dataset_meta on resume; other dataset_meta keys stay in meta",
    ),
    Rule(
        name="hook-msgs",
        legacy="meta.hook_msgs.{last_ckpt,best_score,best_ckpt}",
        engine="message_hub.runtime_info.{last_ckpt,best_score,best_ckpt}",
        to_engine=Status.MOVED,
        to_legacy=Status.MOVED,
        why="mmengine's CheckpointHook reads them from the message hub",
    ),
    Rule(
        name="fp16-scaler",
        legacy="meta.fp16.loss_scaler",
        engine="optimizer.loss_scaler",
        to_engine=Status.MOVED,
        to_legacy=Status.MOVED,
        why="AmpOptimWrapper keeps the GradScaler state in the optimizer state",
    ),
    Rule(
        name="iter-count",
        legacy="meta.iter (IterBasedRunner: completed iterations - 1)",
        engine="meta.iter (completed iterations)",
        to_engine=Status.REWRITTEN,
        to_legacy=Status.KEPT,
        why="mmcv's iter_N.pth holds N-1 and its resume repeats one iteration; mmengine's holds "
        "N. Going to mmcv, N is kept so the resumed run does not repeat an iteration, and also "
        "written to meta.bridge.iter, which bridge's IterBasedRunner reads first",
    ),
    Rule(
        name="iter-epoch",
        legacy="meta.epoch (IterBasedRunner: loader epoch + 1)",
        engine="meta.epoch (IterBasedTrainLoop: always 0)",
        to_engine=Status.REWRITTEN,
        to_legacy=Status.KEPT,
        why="mmengine's iteration loop has no epochs (mmcv's value is kept in meta.bridge); "
        "mmcv's IterBasedRunner only logs it",
    ),
    Rule(
        name="world-size",
        legacy="meta.iter with meta.config gpu_ids",
        engine="meta.iter",
        to_engine=Status.REWRITTEN,
        to_legacy=Status.DROPPED,
        why="mmcv rescales iter by len(gpu_ids)/world_size on resume, mmengine never does; "
        "--world-size applies mmcv's rule when going to mmengine",
    ),
    Rule(
        name="message-hub",
        legacy="(none)",
        engine="message_hub",
        to_engine=Status.ADDED,
        to_legacy=Status.DROPPED,
        why="mmengine's resume needs log_scalars/runtime_info/resumed_keys; mmcv has no hub",
    ),
    Rule(
        name="param-schedulers",
        legacy="lr_config/momentum_config in meta.config (or --config)",
        engine="param_schedulers",
        to_engine=Status.ADDED,
        to_legacy=Status.DROPPED,
        why="mmengine restores scheduler state; mmcv recomputes lr from lr_config every step",
    ),
    Rule(
        name="optimizer-lr",
        legacy="optimizer.param_groups[*].lr/momentum/betas (the last step's)",
        engine="optimizer.param_groups[*].lr/momentum/betas (the next step's)",
        to_engine=Status.REWRITTEN,
        to_legacy=Status.REWRITTEN,
        why="mmcv sets the lr before a step, mmengine steps schedulers after it",
    ),
    Rule(
        name="module-prefix",
        legacy="state_dict keys with 'module.'",
        engine="state_dict keys without it",
        to_engine=Status.RENAMED,
        to_legacy=Status.RENAMED,
        why="a DDP/DataParallel wrapper's prefix; both runners load unwrapped keys",
    ),
    Rule(
        name="ema",
        legacy="ema_* buffers inside state_dict",
        engine="ema_state_dict (swapped with state_dict)",
        to_engine=Status.UNSUPPORTED,
        to_legacy=Status.UNSUPPORTED,
        why="the two EMAHooks store and swap EMA weights differently; kept as they are",
    ),
    Rule(
        name="sharded",
        legacy="(none)",
        engine="FSDP/DeepSpeed/ColossalAI checkpoint directories",
        to_engine=Status.UNSUPPORTED,
        to_legacy=Status.UNSUPPORTED,
        why="sharded states need the strategy that wrote them to gather",
    ),
)


def rule_named(name: str) -> Rule:
    """The rule called ``name``.

    Example::

        >>> rule_named("config").engine
        'meta.cfg'
    """
    for rule in RULES:
        if rule.name == name:
            return rule
    raise ValueError(f"no checkpoint rule named {name!r}; known: {[r.name for r in RULES]!r}")


def markdown_table() -> str:
    """The rule table as Markdown (embedded in ``docs/checkpoints.md``)."""
    lines = [
        "| Rule | mmcv 1.x | mmengine | to mmengine | to mmcv | Why |",
        "|---|---|---|---|---|---|",
    ]
    for r in RULES:
        cells = [
            f"`{r.name}`",
            r.legacy,
            r.engine,
            r.to_engine.value,
            r.to_legacy.value,
            r.why,
        ]
        lines.append("| " + " | ".join(c.replace("|", "\\|") for c in cells) + " |")
    return "\n".join(lines) + "\n"
