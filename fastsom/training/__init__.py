"""Training: the plan of a fit, schedules, initial maps, and the drivers that run the kernels."""
