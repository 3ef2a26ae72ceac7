"""Thin command-line experiments: each parses flags and calls keras_models."""
