"""What a trained map says: quality measures, summaries (U-matrix, hits) and plots."""
