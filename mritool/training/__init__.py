"""What both stages' training shares: the tf.data input, sampling, augmentation, the fit loop, its plots
and fine-tuning from a bundle."""
