import torch
from torchvision.models import resnet50

from rpvt_tracker.models.backbone import BACKBONES, BackboneFeatures, ResNet50Trunk


def test_trunk_levels_and_strides():
    trunk = ResNet50Trunk().eval()
    with torch.inference_mode():
        feats = trunk(torch.randn(1, 3, 384, 384))
    assert isinstance(feats, BackboneFeatures)
    assert [tuple(f.shape) for f in feats] == [(1, 64, 192, 192), (1, 256, 96, 96), (1, 512, 48, 48), (1, 1024, 24, 24)]
    # conv1 is taken after bn1 + ReLU, before the max-pool: non-negative, and not pooled.
    assert float(feats.conv1.min()) >= 0.0


def test_trunk_uses_torchvision_names_without_layer4_and_fc():
    ours = set(ResNet50Trunk().state_dict())
    full = {k for k in resnet50(weights=None).state_dict() if not k.startswith(("layer4.", "fc."))}
    assert ours == full


def test_torchvision_weights_load_into_trunk_and_give_its_layer3():
    reference = resnet50(weights=None).eval()
    trunk = ResNet50Trunk().eval()
    missing, unexpected = trunk.load_state_dict(reference.state_dict(), strict=False)
    assert missing == [] and sorted({k.split(".")[0] for k in unexpected}) == ["fc", "layer4"]
    x = torch.randn(1, 3, 128, 128)
    with torch.inference_mode():
        expected = reference.layer3(reference.layer2(reference.layer1(reference.maxpool(reference.relu(reference.bn1(reference.conv1(x)))))))
        assert torch.equal(trunk(x).layer3, expected)


def test_registry_lists_resnet50_widths():
    assert BACKBONES["resnet50"].channels == (64, 256, 512, 1024)
