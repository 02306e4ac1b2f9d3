"""Tests of embedflow.analysis: clustering, cluster labels and classification."""
