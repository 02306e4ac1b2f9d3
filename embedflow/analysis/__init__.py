"""Neighbours, approximate search, projections, clustering and classification."""
