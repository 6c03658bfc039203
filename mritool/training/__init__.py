"""What both stages' training shares: the model card, the tf.data input, augmentation and the fit loop."""
