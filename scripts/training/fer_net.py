"""The FER network, shared by training (PyTorch) and export (Keras/TFLite).

A plain VGG-style stack: four stages of two 3x3 conv + BatchNorm + ReLU blocks,
2x2 max-pooling between stages, global average pooling, dropout and a linear layer.
Plain layers keep the PyTorch -> Keras weight copy exact and quantize well to int8.
"""

from __future__ import annotations

import itertools

import torch
from torch import nn

# (channels, conv blocks) per stage; input is 48x48x1, stages run at 48, 24, 12, 6 px.
STAGES: tuple[tuple[int, int], ...] = ((32, 2), (64, 2), (128, 2), (192, 2))
NUM_CLASSES = 7
DROPOUT = 0.4


def parse_stages(text: str) -> tuple[tuple[int, int], ...]:
    """``"32x2,64x2,128x2,192x2"`` -> ((32, 2), (64, 2), (128, 2), (192, 2))."""
    return tuple((int(width), int(blocks)) for width, blocks in (part.split("x") for part in text.split(",")))


def build_torch_net(stages: tuple[tuple[int, int], ...] = STAGES) -> nn.Sequential:
    """Return the PyTorch model (BatchNorm un-folded, for training)."""
    layers: list[nn.Module] = []
    channels = 1
    for index, (width, blocks) in enumerate(stages):
        for _ in range(blocks):
            layers += [
                nn.Conv2d(channels, width, 3, padding=1, bias=False),
                nn.BatchNorm2d(width),
                nn.ReLU(inplace=True),
            ]
            channels = width
        if index < len(stages) - 1:
            layers.append(nn.MaxPool2d(2))
    layers += [nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Dropout(DROPOUT), nn.Linear(channels, NUM_CLASSES)]
    return nn.Sequential(*layers)


def folded_conv_weights(net: nn.Sequential) -> list[tuple[torch.Tensor, torch.Tensor]]:
    """Return (weight, bias) per conv with its BatchNorm folded in, in order."""
    pairs = []
    modules = list(net)
    for conv, bn in itertools.pairwise(modules):
        if isinstance(conv, nn.Conv2d) and isinstance(bn, nn.BatchNorm2d):
            scale = bn.weight / torch.sqrt(bn.running_var + bn.eps)
            weight = conv.weight * scale[:, None, None, None]
            bias = bn.bias - bn.running_mean * scale
            pairs.append((weight.detach(), bias.detach()))
    return pairs
