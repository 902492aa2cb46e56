"""pandas input: column names become ``feature_names_in_``; other names warn or fail; frames stay unmodified."""

import pytest
from numpy.testing import assert_array_equal

from fastsom import SOM


@pytest.fixture(scope="module")
def frame(X):
    pd = pytest.importorskip("pandas")
    return pd.DataFrame(X, columns=["red", "green", "blue"])


def test_dataframe_column_names_become_feature_names_in(frame, X):
    som = SOM(3, 3, n_iterations=200, random_state=0).fit(frame)
    assert_array_equal(som.feature_names_in_, ["red", "green", "blue"])
    assert som.feature_names_in_.dtype == object
    from_array = SOM(3, 3, n_iterations=200, random_state=0).fit(X)
    assert_array_equal(som.weights_, from_array.weights_)
    assert_array_equal(som.predict(frame), from_array.predict(frame.to_numpy()))


def test_predict_rejects_other_feature_names(frame):
    som = SOM(3, 3, n_iterations=200, random_state=0).fit(frame)
    renamed = frame.rename(columns={"green": "GREEN"})
    with pytest.raises(ValueError, match="The feature names should match those that were passed during fit"):
        som.predict(renamed)


def test_predict_on_an_array_after_a_dataframe_warns(frame):
    som = SOM(3, 3, n_iterations=200, random_state=0).fit(frame)
    with pytest.warns(UserWarning, match="X does not have valid feature names, but SOM was fitted with feature names"):
        som.predict(frame.to_numpy())


def test_predict_on_a_dataframe_after_an_array_warns(frame, X):
    som = SOM(3, 3, n_iterations=200, random_state=0).fit(X)
    with pytest.warns(UserWarning, match="X has feature names, but SOM was fitted without feature names"):
        som.predict(frame)


def test_feature_name_warning_points_at_the_callers_line(frame):
    som = SOM(3, 3, n_iterations=200, random_state=0).fit(frame)
    with pytest.warns(UserWarning, match="X does not have valid feature names") as record:
        som.predict(frame.to_numpy())
    assert record[0].filename == __file__


def test_integer_column_names_are_not_feature_names(frame):
    som = SOM(3, 3, n_iterations=200, random_state=0).fit(frame)
    som.fit(frame.set_axis([0, 1, 2], axis=1))
    assert not hasattr(som, "feature_names_in_"), "a refit without string names keeps no stale names"


def test_dataframe_is_not_modified(frame):
    before = frame.copy(deep=True)
    som = SOM(3, 3, n_iterations=200, random_state=0).fit(frame)
    som.partial_fit(frame)
    som.predict(frame)
    som.transform(frame)
    som.score(frame)
    som.fit_transform(frame)
    assert frame.equals(before)
    assert list(frame.columns) == list(before.columns)
