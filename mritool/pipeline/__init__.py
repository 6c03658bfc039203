"""The product's main job: screen every slice, segment the screened positives, merge, report."""
