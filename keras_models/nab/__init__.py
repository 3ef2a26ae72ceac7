"""Numenta Anomaly Benchmark: data, windows, thresholds, window scoring, plots."""
