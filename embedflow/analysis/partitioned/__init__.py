"""Kernels for tables held as parts on a cluster: each computes where the parts live, through a `Cluster`.

A kernel gets a `core.cluster.Cluster` and plain arguments (no block, no context); the functions it
submits are module-level, so a worker imports them. The blocks name their kernel in
`NodeSpec(execution=Execution(on_cluster=...))` and word the messages from what it returns.
"""
