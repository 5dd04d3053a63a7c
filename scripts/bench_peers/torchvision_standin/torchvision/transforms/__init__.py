from torchvision.transforms import functional

__all__ = ["functional"]
