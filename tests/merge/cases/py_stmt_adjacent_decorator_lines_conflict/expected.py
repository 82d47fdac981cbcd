import pytest


<<<<<<< ours
@pytest.mark.skipif(WIN, reason="windows")
=======
@pytest.mark.parametrize("cat", ["cat", "less"])
>>>>>>> theirs
@pytest.mark.parametrize("test", [1, 2])
def test_pager(cat, test):
    value = test * 2
    assert value > 0
