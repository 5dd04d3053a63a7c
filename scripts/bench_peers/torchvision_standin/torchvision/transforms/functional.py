"""torchvision.transforms.functional.to_tensor for HxWxC arrays (facenet-pytorch's extract_face)."""

import numpy as np
import torch


def to_tensor(picture: np.ndarray) -> torch.Tensor:
    array = np.asarray(picture)
    tensor = torch.from_numpy(np.ascontiguousarray(array.transpose(2, 0, 1)))
    return tensor.float().div(255) if array.dtype == np.uint8 else tensor
