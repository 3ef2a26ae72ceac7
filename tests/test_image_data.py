"""Image folders: listing and checks, the shared split, recipes, and the tf.data pipelines."""

from __future__ import annotations

import numpy as np
import pytest

from conftest import IMAGE_CLASS_LEVELS, write_image_folder
from keras_models.errors import UserError
from keras_models.images import folder as folders
from keras_models.images import recipe, split
from keras_models.images.config import Config

CLASSES = tuple(IMAGE_CLASS_LEVELS)


# Listing ------------------------------------------------------------------------------

def test_scan_lists_classes_and_images_like_keras(image_folder):
    (image_folder / "dogs" / "nested").mkdir()
    write_image_folder(image_folder / "dogs" / "nested", classes=("deep",), per_class=2)  # nested/deep/*.jpg|png
    (image_folder / "dogs" / "notes.txt").write_text("not an image")
    write_image_folder(image_folder, classes=(".hidden",), per_class=1)  # hidden folders are no class
    (image_folder / "stray.jpg").write_bytes((image_folder / "cars" / "0.jpg").read_bytes())  # not in a class
    folder = folders.scan(image_folder)
    assert folder.class_names == CLASSES
    assert folder.counts() == {"cars": 10, "dogs": 12, "soup": 10}
    assert folder.files[:3] == ("cars/0.jpg", "cars/1.png", "cars/2.jpg")
    assert "dogs/nested/deep/0.jpg" in folder.files and not any(f.endswith(".txt") for f in folder.files)
    assert list(folder.labels[:10]) == [0] * 10 and folder.labels[-1] == 2


@pytest.mark.parametrize("make, message", [
    (lambda p: p / "missing", "image folder not found"),
    (lambda p: (p / "empty").mkdir() or p / "empty", "no class sub-folders"),
    (lambda p: [(p / "f" / c).mkdir(parents=True) for c in "ab"] and p / "f", "no images in"),
    (lambda p: write_image_folder(p / "one", classes=("dogs",)), "only one class ('dogs')"),
    (lambda p: (write_image_folder(p / "g", classes=("dogs", "soup")) / "cars").mkdir() or p / "g",
     "class folder(s) 'cars'"),
])
def test_scan_rejects_folders_that_cannot_train_a_classifier(tmp_path, make, message):
    with pytest.raises(UserError, match=message.replace("(", r"\(").replace(")", r"\)")):
        folders.scan(make(tmp_path))


def test_unreadable_images_stop_with_their_names(image_folder):
    (image_folder / "dogs" / "3.jpg").write_bytes(b"not a jpeg at all")
    good = (image_folder / "soup" / "0.jpg").read_bytes()
    (image_folder / "soup" / "0.jpg").write_bytes(good[: len(good) // 2])  # truncated
    folder = folders.scan(image_folder)
    with pytest.raises(UserError) as err:
        folders.check_readable(folder)
    message = str(err.value)
    assert message.startswith("2 unreadable image file(s)") and "dogs/3.jpg" in message and "soup/0.jpg" in message
    assert "not skipped" in message and "\n" not in message


def test_every_image_is_decoded_and_judged_on_its_own(image_folder, tmp_path):
    """Each image format of the folder decodes; a file that only looks like an image (right
    extension, wrong bytes) or a truncated JPEG is named, a good one never is."""
    from keras_models.images.folder import decode_problem

    folder = folders.scan(image_folder)
    assert {f.rsplit(".", 1)[1] for f in folder.files} == {"jpg", "png"}
    assert [f for f in folder.files if decode_problem(folder.root / f) is not None] == []
    fake = tmp_path / "fake.png"
    fake.write_text("not an image")
    assert decode_problem(fake) is not None
    truncated = tmp_path / "cut.jpg"
    truncated.write_bytes((folder.root / folder.files[0]).read_bytes()[:100])
    assert decode_problem(truncated) is not None


# Split --------------------------------------------------------------------------------

def _labels(per_class=(100, 60, 40)):
    return np.repeat(np.arange(len(per_class)), per_class)


def test_split_is_stratified_seeded_and_disjoint():
    labels = _labels()
    parts = split.assign(labels, (0.7, 0.15, 0.15), seed=3, class_names=CLASSES)
    assert set(np.unique(parts)) == {0, 1, 2}
    counts = split.describe(parts, labels, CLASSES)
    assert counts["test"] == {"cars": 15, "dogs": 9, "soup": 6}
    assert counts["val"] == {"cars": 15, "dogs": 9, "soup": 6}
    assert counts["train"] == {"cars": 70, "dogs": 42, "soup": 28}
    np.testing.assert_array_equal(parts, split.assign(labels, (0.7, 0.15, 0.15), seed=3, class_names=CLASSES))
    assert not np.array_equal(parts, split.assign(labels, (0.7, 0.15, 0.15), seed=4, class_names=CLASSES))


def test_subset_keeps_each_part_inside_the_full_split():
    labels = _labels()
    full = split.assign(labels, (0.7, 0.15, 0.15), seed=0, class_names=CLASSES)
    small = split.assign(labels, (0.7, 0.15, 0.15), seed=0, class_names=CLASSES, max_per_class=20)
    used = small != split.UNUSED
    assert np.array_equal(small[used], full[used])
    assert split.describe(small, labels, CLASSES)["test"] == {"cars": 3, "dogs": 3, "soup": 3}
    assert np.bincount(labels[used]).tolist() == [20, 20, 20]


def test_a_class_too_small_to_split_is_refused():
    with pytest.raises(UserError, match="class 'soup' has 2 image"):
        split.assign(_labels((10, 10, 2)), (0.7, 0.15, 0.15), seed=0, class_names=CLASSES)


@pytest.mark.slow
def test_real_folder_lists_10000_images_per_class(real_images):
    folder = folders.scan(real_images)
    assert folder.counts() == {"dogs": 10_000, "food": 10_000, "vehicles": 10_000}
    parts = split.assign(folder.labels, (0.7, 0.15, 0.15), 42, folder.class_names)
    counts = split.describe(parts, folder.labels, folder.class_names)
    assert counts["test"] == {"dogs": 1500, "food": 1500, "vehicles": 1500}
    assert sum(counts["train"].values()) == 21_000


# Recipes ------------------------------------------------------------------------------

def test_each_model_gets_its_recipe_and_config_fields_override_it():
    assert Config(model="vit").effective_recipe() == recipe.RECIPES["vit"]
    assert Config(model="vgg").effective_recipe() == recipe.RECIPES["basic"]
    tuned = Config(model="resnet", recipe="vit", epochs=3, label_smoothing=0.0, learning_rate=5e-4).effective_recipe()
    assert (tuned.name, tuned.epochs, tuned.label_smoothing, tuned.optimizer.optimizer) == ("vit", 3, 0.0, "adamw")
    assert tuned.optimizer.learning_rate == 5e-4 and tuned.optimizer.warmup_epochs == 5
    resolved = Config(model="vit", batch_size=16).resolved()
    assert (resolved.epochs, resolved.batch_size, resolved.optimizer, resolved.augment) == (100, 16, "adamw", "basic")
    assert Config.from_dict(resolved.to_dict()) == resolved and resolved.resolved() == resolved


def test_vit_schedule_warms_up_then_decays_to_zero():
    keras = pytest.importorskip("keras")
    from keras_models.optimizers import build_optimizer, learning_rate

    vit = recipe.RECIPES["vit"].optimizer
    assert vit.schedule_steps(10, 100) == (50, 1000)
    assert vit.schedule_steps(10, 2) == (10, 20)  # warm-up capped at half the run
    optimizer = build_optimizer(vit, steps_per_epoch=10, epochs=100)
    assert isinstance(optimizer, keras.optimizers.AdamW) and optimizer.weight_decay == 0.05
    schedule = learning_rate(vit, steps_per_epoch=10, epochs=100)
    values = [float(schedule(step)) for step in (0, 25, 50, 525, 1000)]
    assert values[0] == 0 and values[1] == pytest.approx(5e-4) and values[2] == pytest.approx(1e-3)
    assert values[3] == pytest.approx(5e-4, rel=1e-3) and values[4] == pytest.approx(0, abs=1e-9)
    assert learning_rate(recipe.RECIPES["basic"].optimizer, 10, 10) == 1e-3
    assert recipe.RECIPES["basic"].loss()["loss"].get_config()["label_smoothing"] == 0.0


# tf.data ------------------------------------------------------------------------------

@pytest.fixture
def loaded(image_folder):
    pytest.importorskip("tensorflow")
    from keras_models.images import data

    folder = folders.scan(image_folder)
    parts = split.assign(folder.labels, (0.6, 0.2, 0.2), seed=0, class_names=folder.class_names)
    return folder, parts, data.load(folder, parts, (64, 64))


def _class_of(images: np.ndarray) -> np.ndarray:
    """The synthetic class whose brightness is nearest each image's mean."""
    levels = np.array(list(IMAGE_CLASS_LEVELS.values()))
    return np.abs(images.mean(axis=(1, 2, 3))[:, None] - levels[None]).argmin(axis=1)


def test_parts_hold_their_images_in_order_with_their_labels(loaded):
    folder, parts, splits = loaded
    assert {p: splits.size(p) for p in split.PARTS} == {"train": 18, "val": 6, "test": 6}
    for part in split.PARTS:
        batches = list(splits.batches(part, 4))
        x = np.concatenate([b[0].numpy() for b in batches])
        y = np.concatenate([b[1].numpy() for b in batches])
        assert x.shape == (splits.size(part), 64, 64, 3) and x.dtype == np.float32 and x.max() <= 255
        np.testing.assert_array_equal(y.argmax(axis=1), splits.labels[part])
        np.testing.assert_array_equal(_class_of(x), splits.labels[part])
    assert splits.parts["train"].cardinality().numpy() == 18


def test_training_batches_are_shuffled_and_augmented_reproducibly(loaded):
    from keras_models.images.data import augmentation_layers

    _, _, splits = loaded
    plain = np.concatenate([b[0].numpy() for b in splits.batches("train", 18)])
    train = splits.batches("train", 18, shuffle_seed=1, augment=augmentation_layers("basic", 1))
    first, second = (next(iter(train)) for _ in range(2))
    assert first[0].shape == (18, 64, 64, 3)
    assert not np.allclose(first[0].numpy(), second[0].numpy())  # a new order and augmentation each epoch
    assert sorted(first[1].numpy().argmax(1)) == sorted(splits.labels["train"])
    assert not np.allclose(np.sort(first[0].numpy().ravel()), np.sort(plain.ravel()))
