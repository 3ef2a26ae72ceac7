"""Heartbeat classification data: MIT-BIH beats in the Kachuee et al. (2018) form.

Modules:
    beatset:  `BeatSet` (beats, AAMI labels, record ids) and the AAMI class table.
    beats:    build the beat set from the raw MIT-BIH Arrhythmia records (cached .npz).
    files:    read the Kaggle CSVs (mitbih_train.csv/mitbih_test.csv) and course parquet files.
    splits:   intra-patient (stratified) and inter-patient (de Chazal DS1/DS2) splits;
              1D (n, 192, 1) and 2D (n, 16, 12, 1) model views.
    balance:  class weights, random oversampling (semi/full) and SMOTE for the training split.

None of these modules imports TensorFlow or Keras.
"""
