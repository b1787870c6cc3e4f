"""Former import path, kept for existing code: the family lives in `deepfake_detect.detectors.ensemble`."""
from .detectors.ensemble import *
