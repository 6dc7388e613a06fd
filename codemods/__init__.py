"""libcst codemods that rewrite mmcv 1.x code to mmengine (shipped as ``bridge.codemods``).

This package never imports torch.
"""

__all__: list[str] = []
