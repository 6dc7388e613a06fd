# An mmcv-1.x IterBasedRunner config with a linear lr warmup and a per-iteration momentum schedule.
model = dict(type="BridgeToyModel", in_channels=8, hidden=16, num_classes=4)
data = dict(
    samples_per_gpu=4,
    workers_per_gpu=0,
    train=dict(type="BridgeToyDataset", num_samples=20, seed=0),
)
optimizer = dict(type="SGD", lr=0.05, momentum=0.9, weight_decay=0.0001)
optimizer_config = dict(grad_clip=dict(max_norm=5.0))
lr_config = dict(
    policy="CosineAnnealing",
    min_lr_ratio=0.01,
    by_epoch=False,
    warmup="linear",
    warmup_iters=4,
    warmup_ratio=0.1,
)
momentum_config = dict(policy="CosineAnnealing", min_momentum_ratio=0.85 / 0.9, by_epoch=False)
runner = dict(type="IterBasedRunner", max_iters=12)
checkpoint_config = dict(interval=6, by_epoch=False)
log_config = dict(interval=1, hooks=[dict(type="TextLoggerHook", by_epoch=False)])
workflow = [("train", 1)]
seed = 0
