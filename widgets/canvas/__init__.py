"""The canvas: a QGraphicsScene of node, link and annotation items, and the view that shows it."""
