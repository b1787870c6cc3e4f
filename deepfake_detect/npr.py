"""Former import path, kept for existing code: the family lives in `deepfake_detect.detectors.npr`."""
from .detectors.npr import *
