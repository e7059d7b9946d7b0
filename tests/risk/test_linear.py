"""The spline logistic regression is the same model however many rows it expands at a time: the blocks
that keep its memory small (risk.linear.EXPAND_BLOCK) change no number."""

from __future__ import annotations

from datetime import date

import numpy as np
import pytest

from demo import synthetic
from risk import linear
from risk.features import categories_of, compute_features, configured_features, design_matrix
from risk.table import table_from_synthetic


@pytest.fixture(scope="module")
def inputs():
    table = table_from_synthetic(synthetic.generate(patients=400, seed=3, today=date(2025, 6, 2)).appointments)
    happened = table.has_happened
    columns = {name: values[happened] for name, values in compute_features(table).items()}
    features = configured_features()
    categories = categories_of(columns, features)
    return design_matrix(columns, features, categories), table.is_dna[happened].astype(np.int64), features, categories


def test_the_regression_fitted_a_few_rows_at_a_time_is_the_one_fitted_at_once(inputs, monkeypatch):
    matrix, y, features, categories = inputs
    at_once = linear.fit_spline_logistic(matrix, y, features, categories)
    assert len(matrix) <= linear.EXPAND_BLOCK
    monkeypatch.setattr(linear, "EXPAND_BLOCK", 97)  # many blocks, the last one short
    in_blocks = linear.fit_spline_logistic(matrix, y, features, categories)
    assert in_blocks.as_dict() == at_once.as_dict()
    assert np.array_equal(in_blocks.raw_score(matrix), at_once.raw_score(matrix))
    assert np.array_equal(in_blocks.contributions(matrix), at_once.contributions(matrix))


def test_the_columns_mean_and_spread_a_block_at_a_time_are_numpys_to_the_last_bit(monkeypatch):
    rng = np.random.default_rng(5)
    expanded = rng.standard_normal((10_007, 9)) * rng.uniform(1e-3, 1e4, 9) + rng.uniform(-1e3, 1e3, 9)
    expanded[:, 0] = rng.integers(0, 2, len(expanded))  # a 0/1 flag, as the one-hot columns are
    monkeypatch.setattr(linear, "EXPAND_BLOCK", 1000)
    mean, std = linear._mean_and_std(expanded)
    assert np.array_equal(mean, expanded.mean(axis=0))
    assert np.array_equal(std, expanded.std(axis=0))
