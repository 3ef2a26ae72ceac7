"""docs/reports.md is the catalog generator's output, and the generator needs no TensorFlow."""

import subprocess
import sys
from pathlib import Path

from keras_models.reports import catalog

ROOT = Path(__file__).resolve().parents[1]


def test_docs_reports_md_is_the_generators_output():
    page = (ROOT / "docs" / "reports.md").read_text()
    assert page == catalog.render(), f"docs/reports.md is stale: run `{catalog.COMMAND}`"


def test_catalog_names_both_reports_and_every_dataset():
    page = catalog.render()
    assert "Top Architectures Overview" in page
    assert "Assignment 2 - Autoencoder and Transformer Architectures" in page
    for dataset in ("numenta/NAB", "mitdb", "ag_news_csv", "cnn_dataset"):
        assert dataset in page


def test_catalog_imports_no_tensorflow(tmp_path):
    out = tmp_path / "reports.md"
    code = ("import sys; from keras_models.reports import catalog; "
            f"catalog.main(['--write', {str(out)!r}]); assert 'tensorflow' not in sys.modules, 'tensorflow'")
    subprocess.run([sys.executable, "-c", code], cwd=ROOT, check=True)
    assert out.read_text() == catalog.render()
