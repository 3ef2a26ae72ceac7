"""Exploratory statistics of a series: the report's summary table."""

from __future__ import annotations

import pandas as pd


def summary_stats(frame: pd.DataFrame) -> dict:
    """rows, mean, std (ddof=1), min, quartiles, max, missing values, first and last timestamp."""
    values = frame["value"]
    return {
        "rows": int(len(frame)),
        "mean": float(values.mean()),
        "std": float(values.std()),
        "min": float(values.min()),
        "25%": float(values.quantile(0.25)),
        "50%": float(values.quantile(0.50)),
        "75%": float(values.quantile(0.75)),
        "max": float(values.max()),
        "missing_values": int(frame.isna().sum().sum()),
        "start": str(frame["timestamp"].iloc[0]),
        "end": str(frame["timestamp"].iloc[-1]),
    }


def format_stats(stats: dict) -> str:
    """Two-column text table; numbers with thousands separators and 2 decimals."""
    def fmt(v):
        if isinstance(v, int):
            return f"{v:,}"
        if isinstance(v, float):
            return f"{v:,.2f}"
        return str(v)

    width = max(map(len, stats))
    return "\n".join(f"{k:<{width}}  {fmt(v)}" for k, v in stats.items())
