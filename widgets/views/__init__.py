"""Result views: the Scatter's interactive plot and its editor."""
