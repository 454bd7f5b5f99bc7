"""The two test tiers (tests/conftest.py): a test that starts a kernel must request the
`kernel` fixture, which marks it for the kernel tier; any other test runs with kernels
switched off and fails if anything in it tried to start one."""
import os
from pathlib import Path

from grader.run.execute import execute
from grader.run.kernel_box import NO_KERNELS
from tests.test_execute import _job


def test_a_test_without_the_kernel_fixture_runs_with_kernels_switched_off():
    assert os.environ.get(NO_KERNELS, "").startswith("/")


def test_a_kernel_start_is_refused_and_noted_where_kernels_are_switched_off(tmp_path):
    tmp_path.chmod(0o711)
    bundle = execute(_job(tmp_path, ["x = 1"], notebook_seconds=30))
    assert bundle.status == "error" and f"{NO_KERNELS} is set" in bundle.reason, bundle
    noted = Path(os.environ[NO_KERNELS])
    assert noted.read_text().split() == ["s"]       # the job's student: the tier's guard
    noted.write_text("")                            # would fail this test for it


def test_the_kernel_fixture_puts_a_test_in_the_kernel_tier(request, kernel):
    assert request.node.get_closest_marker("kernel") is not None
    assert not os.environ.get(NO_KERNELS)


def test_kernel_tests_sharing_a_batch_share_an_xdist_group():
    from types import SimpleNamespace as Item

    from tests.conftest import xdist_group
    fixture_batch = Item(fixturenames=["kernel", "graded", "easy_data"], nodeid="tests/test_a.py::t")
    wheel = Item(fixturenames=["kernel", "grader_wheel"], nodeid="tests/test_b.py::t")
    own = Item(fixturenames=["kernel", "easy_data"], nodeid="tests/test_c.py::t[x]")
    assert [xdist_group(i) for i in (fixture_batch, wheel, own)] == \
        ["graded", "grader_wheel", "tests/test_c.py"]
