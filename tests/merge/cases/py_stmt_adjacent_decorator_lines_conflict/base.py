import pytest


@pytest.mark.skipif(WIN, reason="windows")
@pytest.mark.parametrize("cat", ["cat", "less"])
@pytest.mark.parametrize("test", [1, 2])
def test_pager(cat, test):
    value = test
    assert value
