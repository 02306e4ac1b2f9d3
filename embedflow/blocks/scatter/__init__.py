"""The Scatter block with its styling, PNG rendering and Projector export beside it."""
