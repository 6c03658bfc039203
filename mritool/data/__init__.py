"""What both stages share before any model: the slice table of a folder, a labelled data set held as
volumes, patient splits, preprocessing, per-volume input statistics and synthetic phantoms."""
