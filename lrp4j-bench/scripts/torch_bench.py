"""Seconds per call of VGG16 (or ResNet50, --model resnet50, or lrp4j's small-cnn, --model small-cnn) forward, input gradient (autograd) or Zennit LRP on PyTorch, as `lrp4j bench`
prints them, for side-by-side runs with lrp4j (BENCHMARKS.md). Random weights, random normal input, the
predicted class of each image as the target; warm-up calls first, then the median of the timed calls.

    PYTHONPATH=/path/to/zennit-0.5.1/src /usr/bin/python3 torch_bench.py --method epsilon-plus-flat --threads 2

Methods: forward, train (one training step: training mode, cross-entropy on random labels, backward, Adam at
lr 1e-3, as `lrp4j bench --method train`), gradient (torch.autograd.grad of the target logit w.r.t. the input only),
epsilon-plus-flat, epsilon-gamma-box (Zennit composites; VGG16 and the small CNN have no batch norm and need no
canonizer, ResNet50 gets Zennit's ResNetCanonizer, which merges batch norm and gives the residual sums the Norm rule,
as lrp4j does; the box of ImageNet-normalised pixel values for gamma-box). Prints one JSON line.

Zennit 0.5.1 imports torchvision.models.resnet when loaded, and its ResNet canonizer recognises torchvision's
Bottleneck class. Debian has no torchvision for its PyTorch 1.13, so when torchvision is missing this script
registers a stand-in module torchvision.models.resnet whose Bottleneck and BasicBlock are the blocks defined here
(same attribute names and forward as torchvision's), before Zennit is imported.
"""
import argparse
import json
import statistics
import sys
import time
import types

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


class Bottleneck(nn.Module):
    """torchvision's ResNet v1.5 bottleneck: stride on the 3x3 convolution, convolutions without bias."""
    expansion = 4

    def __init__(self, inplanes, planes, stride=1, downsample=None):
        super().__init__()
        width = planes
        self.conv1 = nn.Conv2d(inplanes, width, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(width)
        self.conv2 = nn.Conv2d(width, width, 3, stride, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(width)
        self.conv3 = nn.Conv2d(width, planes * 4, 1, bias=False)
        self.bn3 = nn.BatchNorm2d(planes * 4)
        self.relu = nn.ReLU(inplace=True)
        self.downsample = downsample
        self.stride = stride

    def forward(self, x):
        identity = x
        out = self.relu(self.bn1(self.conv1(x)))
        out = self.relu(self.bn2(self.conv2(out)))
        out = self.bn3(self.conv3(out))
        if self.downsample is not None:
            identity = self.downsample(x)
        out += identity
        return self.relu(out)


class BasicBlock(nn.Module):
    expansion = 1


def resnet50(classes=1000):
    """torchvision's ResNet50 (bottleneck blocks [3, 4, 6, 3]), as lrp4j's Architectures.resnet builds it."""
    layers, inplanes = [nn.Conv2d(3, 64, 7, 2, 3, bias=False), nn.BatchNorm2d(64), nn.ReLU(inplace=True),
                        nn.MaxPool2d(3, 2, 1)], 64
    for stage, blocks in enumerate([3, 4, 6, 3]):
        planes = 64 << stage
        for k in range(blocks):
            stride = 2 if stage > 0 and k == 0 else 1
            downsample = None
            if stride != 1 or inplanes != planes * 4:
                downsample = nn.Sequential(nn.Conv2d(inplanes, planes * 4, 1, stride, bias=False),
                                           nn.BatchNorm2d(planes * 4))
            layers.append(Bottleneck(inplanes, planes, stride, downsample))
            inplanes = planes * 4
    model = nn.Sequential(*layers, nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(2048, classes))
    with torch.no_grad():
        for m in model.modules():
            if isinstance(m, nn.BatchNorm2d):  # trained-looking statistics, so merging them is real work
                m.running_mean.uniform_(-0.1, 0.1)
                m.running_var.uniform_(0.5, 1.5)
                m.weight.uniform_(0.5, 1.5)
                m.bias.uniform_(-0.1, 0.1)
    return model.eval()


def torchvision_stand_in():
    """Registers this script's blocks as torchvision.models.resnet when torchvision is not installed."""
    try:
        import torchvision.models.resnet  # noqa: F401
    except ImportError:
        tv, models, resnet = (types.ModuleType(n) for n in
                              ('torchvision', 'torchvision.models', 'torchvision.models.resnet'))
        resnet.Bottleneck, resnet.BasicBlock = Bottleneck, BasicBlock
        tv.models, models.resnet = models, resnet
        sys.modules.update({'torchvision': tv, 'torchvision.models': models, 'torchvision.models.resnet': resnet})


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--method', default='forward')
    ap.add_argument('--model', default='vgg16', choices=['vgg16', 'resnet50', 'small-cnn'])
    ap.add_argument('--batch', type=int, default=1)
    ap.add_argument('--warmup', type=int, default=3)
    ap.add_argument('--reps', type=int, default=9)
    ap.add_argument('--threads', type=int, default=2)
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(1)
    small = a.model == 'small-cnn'
    model = small_cnn() if small else resnet50() if a.model == 'resnet50' else vgg16()
    x = torch.randn(a.batch, 1, 28, 28) if small else torch.randn(a.batch, 3, 224, 224)
    with torch.no_grad():
        target = model(x).argmax(1)
    onehot = torch.eye(10 if small else 1000)[target]

    if a.method == 'train':
        # one step of lrp4j's `train` (bench --method train): training mode, cross-entropy on random labels, Adam
        model.train()
        labels = torch.randint(0, onehot.shape[1], (a.batch,), generator=torch.Generator().manual_seed(2))
        optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
        loss_fn = nn.CrossEntropyLoss()

        def call():
            optimizer.zero_grad()
            loss = loss_fn(model(x), labels)
            loss.backward()
            optimizer.step()
            return loss
    elif a.method == 'forward':
        def call():
            with torch.no_grad():
                return model(x)
    elif a.method == 'gradient':
        def call():
            xi = x.clone().requires_grad_(True)
            out = model(xi)
            return torch.autograd.grad((out * onehot).sum(), xi)[0]
    else:
        torchvision_stand_in()
        from zennit.attribution import Gradient
        from zennit.composites import EpsilonGammaBox, EpsilonPlusFlat
        from zennit.torchvision import ResNetCanonizer
        canonizers = [ResNetCanonizer()] if a.model == 'resnet50' else []
        if a.method == 'epsilon-plus-flat':
            composite = EpsilonPlusFlat(canonizers=canonizers)
        elif a.method == 'epsilon-gamma-box':
            mean = torch.tensor([0.2860] if small else [0.485, 0.456, 0.406])[None, :, None, None]
            std = torch.tensor([0.3530] if small else [0.229, 0.224, 0.225])[None, :, None, None]
            low = ((0 - mean) / std).expand_as(x)
            high = ((1 - mean) / std).expand_as(x)
            composite = EpsilonGammaBox(low=low, high=high, canonizers=canonizers)
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
