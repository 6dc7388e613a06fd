"""Shared pieces of the GPU scripts: a small convnet, synthetic images, process-group set-up.

Every script runs on CPU (gloo) or CUDA (NCCL), one process per device, launched by torchrun
(``--nproc_per_node 1`` or ``2``); ``--device cpu`` lets the same scripts be checked without a GPU.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import torch
from torch import nn

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

NUM_CLASSES = 10


def parser(doc: str | None) -> argparse.ArgumentParser:
    """Arguments every script takes: ``--device``, ``--out``, sizes of the synthetic data."""
    p = argparse.ArgumentParser(description=(doc or "").splitlines()[0])
    p.add_argument("--device", choices=("cpu", "cuda"), default="cuda")
    p.add_argument("--out", required=True, help="folder for results (JSON, checkpoints)")
    p.add_argument("--global-batch", type=int, default=32, help="samples per step, all ranks")
    p.add_argument("--samples", type=int, default=256)
    p.add_argument("--image", type=int, default=32, help="side of the square images")
    p.add_argument("--width", type=int, default=32, help="channels of the first conv")
    return p


def quiet() -> None:
    warnings.simplefilter("ignore")
    logging.getLogger().setLevel(logging.WARNING)


def init(device: str) -> tuple[int, int]:
    """Join torchrun's process group (NCCL on CUDA, gloo on CPU); returns ``(rank, world)``."""
    from bridge.legacy import get_dist_info, init_dist

    if device == "cuda":
        # exact fp32 so 1-GPU and 2-GPU runs compare at float tolerance
        torch.backends.cudnn.allow_tf32 = False
        torch.backends.cuda.matmul.allow_tf32 = False
        torch.backends.cudnn.deterministic = True
        torch.backends.cudnn.benchmark = False
    init_dist("pytorch", backend="nccl" if device == "cuda" else "gloo")
    if device == "cuda" and torch.cuda.current_device() != int(os.environ["LOCAL_RANK"]):
        raise RuntimeError(
            f"init_dist left rank {os.environ['LOCAL_RANK']} on cuda:{torch.cuda.current_device()}"
        )
    return get_dist_info()


def finish() -> None:
    torch.distributed.barrier()
    torch.distributed.destroy_process_group()


def device_of(device: str) -> torch.device:
    if device == "cuda":
        return torch.device("cuda", torch.cuda.current_device())
    return torch.device("cpu")


class ConvNet(nn.Module):
    """Four 3x3 convs, global pooling, a linear head; seeded (all runs start alike).

    ``forward(img, gt_label, return_loss=True)`` and ``train_step(data, optimizer)`` follow mmcv
    1.x; ``forward`` is ``auto_fp16`` so ``Fp16OptimizerHook`` runs it under autocast.
    """

    def __init__(self, width: int = 32, bn: bool = False, seed: int = 0) -> None:
        super().__init__()
        self.fp16_enabled = False
        widths = (3, width, 2 * width, 4 * width, 4 * width)
        layers: list[nn.Module] = []
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(seed)
            for i, (cin, cout) in enumerate(zip(widths[:-1], widths[1:], strict=True)):
                layers.append(nn.Conv2d(cin, cout, 3, stride=2 if i in (1, 2) else 1, padding=1))
                if bn:
                    layers.append(nn.BatchNorm2d(cout))
                layers.append(nn.ReLU(inplace=True))
            self.backbone = nn.Sequential(*layers, nn.AdaptiveAvgPool2d(1), nn.Flatten())
            self.head = nn.Linear(widths[-1], NUM_CLASSES)

    def logits(self, img: torch.Tensor) -> torch.Tensor:
        return self.head(self.backbone(img))

    def forward(self, img: torch.Tensor, gt_label: torch.Tensor, return_loss: bool = True) -> Any:
        return _fp16_forward(self, img, gt_label)

    def train_step(self, data: dict[str, torch.Tensor], optimizer: Any = None) -> dict[str, Any]:
        loss = self(**data)["loss"]
        return {
            "loss": loss,
            "log_vars": {"loss": float(loss.item())},
            "num_samples": int(data["img"].shape[0]),
        }


def _make_fp16_forward() -> Any:
    from bridge.legacy import auto_fp16

    @auto_fp16(apply_to=("img",))
    def forward(self: ConvNet, img: torch.Tensor, gt_label: torch.Tensor) -> dict[str, Any]:
        logits = self.logits(img).float()
        return {"loss": nn.functional.cross_entropy(logits, gt_label)}

    return forward


_fp16_forward = _make_fp16_forward()


def engine_model(width: int, bn: bool = False) -> nn.Module:
    """The same convnet behind mmengine's ``BaseModel`` contract (``forward(..., mode)``)."""
    from mmengine.model import BaseModel

    class EngineConvNet(BaseModel):  # type: ignore[misc]
        def __init__(self) -> None:
            super().__init__()
            self.net = ConvNet(width, bn=bn)

        def forward(self, img: Any, gt_label: Any = None, mode: str = "tensor") -> Any:
            if mode == "loss":
                logits = self.net.logits(img).float()
                return {"loss": nn.functional.cross_entropy(logits, gt_label)}
            return self.net.logits(img)

    return EngineConvNet()


class Images(torch.utils.data.Dataset[dict[str, torch.Tensor]]):
    """``samples`` random images with labels from a fixed random linear teacher."""

    def __init__(self, samples: int, image: int, seed: int = 0) -> None:
        gen = torch.Generator().manual_seed(seed)
        self.img = torch.randn(samples, 3, image, image, generator=gen)
        teacher = torch.randn(3, NUM_CLASSES, generator=gen)
        self.gt_label = (self.img.mean(dim=(2, 3)) @ teacher).argmax(dim=1)

    def __len__(self) -> int:
        return int(self.img.shape[0])

    def __getitem__(self, index: int) -> dict[str, torch.Tensor]:
        return {"img": self.img[index], "gt_label": self.gt_label[index]}


def loader(args: argparse.Namespace, rank: int, world: int) -> torch.utils.data.DataLoader[Any]:
    """This rank's share of every global batch: rank r takes samples r, r+world, ... in order.

    Step k of every world size then sees the same samples as step k of one process.
    """
    from torch.utils.data import DataLoader, DistributedSampler

    if args.global_batch % world:
        raise ValueError(f"--global-batch {args.global_batch} must divide by world size {world}")
    data = Images(args.samples, args.image)
    sampler = DistributedSampler(data, num_replicas=world, rank=rank, shuffle=False)
    return DataLoader(data, batch_size=args.global_batch // world, sampler=sampler)


def cycle(batches: list[Any]) -> Iterator[Any]:
    while True:
        yield from batches


def state_on_cpu(model: nn.Module) -> dict[str, torch.Tensor]:
    inner = getattr(model, "module", model)
    return {k: v.detach().float().cpu() for k, v in inner.state_dict().items()}


def write_json(out: str, name: str, payload: Any) -> None:
    Path(out).mkdir(parents=True, exist_ok=True)
    (Path(out) / name).write_text(json.dumps(payload, indent=1, sort_keys=True))


def say(rank: int, *parts: object) -> None:
    print(f"[rank {rank}]", *parts, flush=True)
