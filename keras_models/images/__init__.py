"""Image classification data: a folder of class sub-folders, its split, recipes, pipelines.

Modules:
    folder:      list and check an image folder (`ImageFolder`); no TensorFlow.
    split:       the one seeded, stratified train/val/test split; no TensorFlow.
    recipe:      training recipes (`basic`, `vit`) and their flags; Keras only when used.
    data:        tf.data pipelines (image_dataset_from_directory, cache, augmentation, prefetch).
    experiment:  `runner.Job` for one model, and the comparison table row.
"""
