"""grader.batch.execute_all: one run per distinct notebook, each bundle handed over for
scoring as soon as it is ready (pure: a fake executor, no kernel)."""
from types import SimpleNamespace

from grader import batch
from grader.run import artifacts
from grader.run.artifacts import Bundle


class FakeExecutor:
    """Runs nothing: hands back a bundle per job and notes what was handed over first."""

    def __init__(self, log):
        self.log = log

    def map(self, jobs):
        for job in jobs:
            self.log.append(("executed", job.student_id))
            yield job, Bundle(key=job.key, status="executed")


def _jobs(**keys):
    return {sid: SimpleNamespace(student_id=sid, key=key) for sid, key in keys.items()}


def test_each_bundle_is_scored_as_it_arrives_and_cached_ones_once_kernels_run(tmp_path):
    artifacts.save(Bundle(key="k-cached", status="executed"), tmp_path)
    log = []
    jobs = _jobs(ada="k-ada", bob="k-cached", cy="k-cy", dee="k-ada")
    got = batch.execute_all(jobs, tmp_path, 2, progress=False, executor=FakeExecutor(log),
                            on_ready=lambda sids, b: log.append(("scored", tuple(sids), b.key)))
    assert log == [("executed", "ada"), ("scored", ("ada", "dee"), "k-ada"),
                   ("scored", ("bob",), "k-cached"),
                   ("executed", "cy"), ("scored", ("cy",), "k-cy")]
    assert got["ada"] is got["dee"] and {b.key for b in got.values()} == {"k-ada", "k-cached", "k-cy"}


def test_a_batch_entirely_from_the_cache_is_scored_without_an_executor(tmp_path):
    for key in ("k1", "k2"):
        artifacts.save(Bundle(key=key, status="executed"), tmp_path)
    seen = []
    batch.execute_all(_jobs(ada="k1", bob="k2"), tmp_path, 2, progress=False,
                      executor=FakeExecutor(seen), on_ready=lambda sids, b: seen.extend(sids))
    assert seen == ["ada", "bob"]
