"""Seconds per call of VGG16 (or lrp4j's small-cnn, --model small-cnn) forward, input gradient (autograd) or Zennit LRP on PyTorch, as `lrp4j bench`
prints them, for side-by-side runs with lrp4j (BENCHMARKS.md). Random weights, random normal input, the
predicted class of each image as the target; warm-up calls first, then the median of the timed calls.

    PYTHONPATH=/path/to/zennit-0.5.1/src /usr/bin/python3 torch_bench.py --method epsilon-plus-flat --threads 2

Methods: forward, gradient (torch.autograd.grad of the target logit w.r.t. the input only),
epsilon-plus-flat, epsilon-gamma-box (Zennit composites; no canonizer is needed, this VGG16 has no batch norm; the box of ImageNet-normalised
pixel values for gamma-box). Prints one JSON line.

Zennit 0.5.1 imports torchvision.models.resnet when loaded; without torchvision installed, a directory `tvshim`
holding torchvision/__init__.py, torchvision/models/__init__.py and torchvision/models/resnet.py with two empty
classes Bottleneck and BasicBlock on PYTHONPATH lets it load (only its ResNet canonizer uses them).
"""
import argparse
import json
import statistics
import time

import torch
from torch import nn

VGG16 = [64, 64, 'M', 128, 128, 'M', 256, 256, 256, 'M', 512, 512, 512, 'M', 512, 512, 512, 'M']


def vgg16(classes=1000):
    layers, c = [], 3
    for v in VGG16:
        if v == 'M':
            layers.append(nn.MaxPool2d(2, 2))
        else:
            layers += [nn.Conv2d(c, v, 3, padding=1), nn.ReLU()]
            c = v
    return nn.Sequential(*layers, nn.AdaptiveAvgPool2d(7), nn.Flatten(),
                         nn.Linear(512 * 49, 4096), nn.ReLU(), nn.Dropout(),
                         nn.Linear(4096, 4096), nn.ReLU(), nn.Dropout(),
                         nn.Linear(4096, classes)).eval()


def small_cnn(classes=10):
    """lrp4j's small-cnn (Architectures.cnn with 32, 64, 128) on 1x28x28 inputs."""
    return nn.Sequential(nn.Conv2d(1, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2, 2),
                         nn.Conv2d(32, 64, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2, 2), nn.Flatten(),
                         nn.Linear(64 * 7 * 7, 128), nn.ReLU(), nn.Linear(128, classes)).eval()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--method', default='forward')
    ap.add_argument('--model', default='vgg16', choices=['vgg16', 'small-cnn'])
    ap.add_argument('--batch', type=int, default=1)
    ap.add_argument('--warmup', type=int, default=3)
    ap.add_argument('--reps', type=int, default=9)
    ap.add_argument('--threads', type=int, default=2)
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(1)
    small = a.model == 'small-cnn'
    model = small_cnn() if small else vgg16()
    x = torch.randn(a.batch, 1, 28, 28) if small else torch.randn(a.batch, 3, 224, 224)
    with torch.no_grad():
        target = model(x).argmax(1)
    onehot = torch.eye(10 if small else 1000)[target]

    if a.method == 'forward':
        def call():
            with torch.no_grad():
                return model(x)
    elif a.method == 'gradient':
        def call():
            xi = x.clone().requires_grad_(True)
            out = model(xi)
            return torch.autograd.grad((out * onehot).sum(), xi)[0]
    else:
        from zennit.attribution import Gradient
        from zennit.composites import EpsilonGammaBox, EpsilonPlusFlat
        if a.method == 'epsilon-plus-flat':
            composite = EpsilonPlusFlat()
        elif a.method == 'epsilon-gamma-box':
            mean = torch.tensor([0.2860] if small else [0.485, 0.456, 0.406])[None, :, None, None]
            std = torch.tensor([0.3530] if small else [0.229, 0.224, 0.225])[None, :, None, None]
            low = ((0 - mean) / std).expand_as(x)
            high = ((1 - mean) / std).expand_as(x)
            composite = EpsilonGammaBox(low=low, high=high)
        else:
            raise SystemExit(f'unknown method {a.method}')
        attributor = Gradient(model=model, composite=composite)
        attributor.__enter__()

        def call():
            xi = x.clone().requires_grad_(True)
            return attributor(xi, onehot)[1]

    for _ in range(a.warmup):
        call()
    times = []
    for _ in range(a.reps):
        t0 = time.perf_counter()
        call()
        times.append(time.perf_counter() - t0)
    print(json.dumps({'impl': 'torch ' + torch.__version__, 'model': a.model, 'method': a.method, 'batch': a.batch,
                      'threads': a.threads, 'min_s': min(times), 'median_s': statistics.median(times)}))


if __name__ == '__main__':
    main()
