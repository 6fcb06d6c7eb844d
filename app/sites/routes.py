"""Admin screens for buildings and checkpoints, and checkpoint QR labels."""
