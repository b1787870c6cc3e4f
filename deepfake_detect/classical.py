"""Former import path, kept for existing code: the traces family lives in `deepfake_detect.detectors.traces`, its extraction in `deepfake_detect.loading`."""
from .detectors.traces import *
from .loading import extract, extract_folder, trace_config, TracePrep
