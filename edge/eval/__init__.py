"""Scoring a pipeline against labels: matching rules, pooled rates with bootstrap intervals,
whole-split reports, and overlays for looking at the result.
"""
