"""Face detection (MediaPipe), emotion classification (LiteRT) and the per-frame analyzer."""
