import gzip
import pickle

import numpy as np
import pytest

from reference import data
from tests.conftest import tiny_arrays


def write(path, obj):
    with gzip.open(path, "wb") as fh:
        pickle.dump(obj, fh)
    return path


def expect_error(path, *fragments):
    with pytest.raises(data.DataFileError) as info:
        data.read_raw(path)
    msg = str(info.value)
    assert "\n" not in msg and str(path) in msg
    for frag in fragments:
        assert frag in msg, msg
    return msg


def test_valid_file_round_trip(tmp_path):
    arrays = tiny_arrays()
    path = data.write_course_file(tmp_path / "d.pkl.gz", *arrays)
    loaded = data.read_raw(path)
    for a, b in zip(arrays, loaded):
        assert np.array_equal(a, b)
    tx, ty, vx, vy = data.load_prepared(path)
    assert tx.shape == (40, 4761) and vx.shape == (10, 4761)
    assert tx.dtype == np.float32 and 0 <= tx.min() and tx.max() < 1.0
    np.testing.assert_allclose(tx[0], arrays[0][0].reshape(-1) / 256.0)


def test_missing_file(tmp_path):
    expect_error(tmp_path / "nope.pkl.gz", "file not found")


def test_not_gzip(tmp_path):
    p = tmp_path / "plain.pkl.gz"
    p.write_bytes(pickle.dumps(tiny_arrays()))
    expect_error(p, "not a gzip file")


def test_truncated_gzip(tmp_path):
    p = write(tmp_path / "t.pkl.gz", tiny_arrays())
    p.write_bytes(p.read_bytes()[:200])
    expect_error(p, "gzip data ends early after 200 bytes")


def test_corrupt_gzip(tmp_path):
    p = write(tmp_path / "c.pkl.gz", tiny_arrays())
    raw = bytearray(p.read_bytes())
    raw[20:60] = bytes(40)                       # a gzip header, garbage after it
    p.write_bytes(bytes(raw))
    expect_error(p, "corrupt gzip data")


def test_not_a_pickle(tmp_path):
    p = tmp_path / "text.pkl.gz"
    p.write_bytes(gzip.compress(b"hello, this is not a pickle"))
    expect_error(p, "pickle")


class Evil:
    def __reduce__(self):
        import os
        return (os.system, ("touch /tmp/galaxy_grader_pwned",))


def test_hostile_pickle_is_rejected_not_run(tmp_path):
    import os
    marker = "/tmp/galaxy_grader_pwned"
    if os.path.exists(marker):
        os.remove(marker)
    p = write(tmp_path / "evil.pkl.gz", (Evil(),) + tiny_arrays()[1:])
    msg = expect_error(p, "refused to load")
    assert "system" in msg
    assert not os.path.exists(marker)


def test_wrong_tuple_length(tmp_path):
    expect_error(write(tmp_path / "a.pkl.gz", tiny_arrays()[:3]), "4-tuple", "length 3")
    expect_error(write(tmp_path / "b.pkl.gz", {"x": 1}), "4-tuple", "dict")


def test_wrong_image_shape(tmp_path):
    a = list(tiny_arrays())
    a[0] = a[0].reshape(40, 4761)
    expect_error(write(tmp_path / "s.pkl.gz", tuple(a)), "train_images_raw", "(40, 4761)")


def test_wrong_dtype(tmp_path):
    a = list(tiny_arrays())
    a[2] = a[2].astype(str)
    expect_error(write(tmp_path / "d.pkl.gz", tuple(a)), "test_images_raw", "dtype")


def test_nan_images_and_labels(tmp_path):
    a = list(tiny_arrays())
    a[0] = a[0].astype(np.float32)
    a[0][3, 5, 5, 0] = np.nan
    expect_error(write(tmp_path / "n.pkl.gz", tuple(a)), "train_images_raw", "NaN")
    b = list(tiny_arrays())
    b[3] = b[3].copy()
    b[3][0, 0] = np.nan
    expect_error(write(tmp_path / "m.pkl.gz", tuple(b)), "test_labels", "NaN")


def test_pixel_range(tmp_path):
    a = list(tiny_arrays())
    a[0] = a[0].astype(np.float32) * 2
    expect_error(write(tmp_path / "r.pkl.gz", tuple(a)), "0..255")


def test_labels_not_one_hot(tmp_path):
    a = list(tiny_arrays())
    a[1] = a[1].copy()
    a[1][7] = [0.9, 0.05, 0.05, 0.0, 0.0]
    expect_error(write(tmp_path / "o.pkl.gz", tuple(a)), "train_labels row 7", "not one-hot")


def test_label_widths_differ(tmp_path):
    a = list(tiny_arrays())
    a[3] = np.eye(10, dtype=np.float32)[np.zeros(10, int)]
    expect_error(write(tmp_path / "w.pkl.gz", tuple(a)), "5 classes", "10")


def test_empty_set(tmp_path):
    a = list(tiny_arrays())
    a[2] = a[2][:0]
    a[3] = a[3][:0]
    expect_error(write(tmp_path / "e.pkl.gz", tuple(a)), "test_images_raw is empty")


def test_count_mismatch(tmp_path):
    a = list(tiny_arrays())
    a[1] = a[1][:30]
    expect_error(write(tmp_path / "c.pkl.gz", tuple(a)), "40 images but 30 labels")


def test_real_sample_loads(real_sample):
    tr, trl, te, tel = data.read_raw(real_sample)
    assert tr.shape == (2609, 69, 69, 1) and tr.dtype == np.uint8
    assert tel.shape == (289, 5)
