"""Command line: one thin verb per user job; each calls a keyword-only main()."""
from __future__ import annotations

import argparse
import sys

from . import __version__
from .errors import GraderError


def _grade(a):
    from .verbs.grade import main
    return main(submissions=a.submissions, out=a.out, rubric=a.rubric, data=a.data,
                manifest=a.manifest, assignment=a.assignment, jobs=a.jobs,
                progress=not a.no_progress, allow_unconfined=a.allow_unconfined,
                file_times=a.file_times, overrides=a.overrides, force=a.force,
                students=a.student or (), roster=a.roster, scheduler=a.scheduler,
                canvas_column=a.canvas_column)


def _list(a):
    from .verbs.listing import main
    return main(submissions=a.submissions, rubric=a.rubric, manifest=a.manifest,
                assignment=a.assignment, file_times=a.file_times)


def _autograder(a):
    from .verbs.autograder import main
    return main(out=a.out, rubric=a.rubric, data=a.data, wheel=a.wheel)


def _check(a):
    from .verbs.check import main
    return main(notebook=a.notebook, rubric=a.rubric, data=a.data, quick=a.quick,
                allow_unconfined=a.allow_unconfined)


def _assign(a):
    from .verbs.assign import main
    return main(solution=a.solution, out=a.out, force=a.force, release=a.release,
                rubric=a.rubric, data=a.data)


def _gradescope(a):
    from .verbs.gradescope import main
    return main(submission=a.submission, results=a.results, rubric=a.rubric, data=a.data,
                allow_unconfined=a.allow_unconfined)


UNCONFINED_HELP = ("grade even where kernels cannot be confined (students could read the "
                   "answer key; every report says so)")


def build_parser():
    p = argparse.ArgumentParser(
        prog="grader", description="Grade galaxy-classifier notebooks.",
        epilog="exit status: 0 done (every notebook graded; for list: every student has a "
               "notebook and a time); 1 some notebook not graded, or a check failed to run "
               "(see grades.json); 2 a usage or input error, said in one line; 130 "
               "interrupted (run it again to resume)")
    p.add_argument("--version", action="version", version=f"galaxy-grader {__version__}")
    sub = p.add_subparsers(dest="verb", required=True)
    g = sub.add_parser("grade", help="grade a folder of submissions")
    g.add_argument("submissions", help="the submissions folder: nbgrader, Gradescope "
                                       "export, one folder per student, or flat")
    g.add_argument("--out", default="grading-output", help="output folder (default: grading-output)")
    g.add_argument("--rubric", help="rubric.yaml (default: the course's)")
    g.add_argument("--data", help="data file (default: rubric's, else built-in synthetic)")
    g.add_argument("--manifest", help="CSV of student_id,submitted_at (trusted over every "
                   "time found in the submissions)")
    g.add_argument("--file-times", action="store_true",
                   help="where no manifest, platform metadata or timestamp.txt gives a "
                        "submission time, use the notebook file's modification time "
                        "(unreliable: copies and unzips reset it)")
    g.add_argument("--overrides", metavar="FILE",
                   help="TA overrides of a check's points per student, with reasons "
                        "(default: overrides.yaml beside the rubric, when present)")
    g.add_argument("--force", action="store_true",
                   help="re-execute every notebook instead of reusing the cache")
    g.add_argument("--student", action="append", metavar="ID",
                   help="re-execute only this student (repeatable) and re-score everyone "
                        "else from the cache: their grades merge into the class's")
    g.add_argument("--roster", metavar="CSV",
                   help="the gradebook CSV exported from Canvas: also write canvas_grades.csv "
                        "(its identity columns, one score column, 0 for no submission)")
    g.add_argument("--canvas-column", metavar='"NAME (ID)"',
                   help="the roster's column for this assignment, as Canvas exports it "
                        "(default: the one named like the rubric's assignment, else the "
                        "only assignment column)")
    g.add_argument("--assignment", help="assignment name in an nbgrader tree")
    g.add_argument("-j", "--jobs", type=int, help="parallel kernels (default: CPU count)")
    g.add_argument("--scheduler", metavar="ADDRESS",
                   help="run the notebooks on a dask.distributed cluster: the scheduler's "
                        "address (tcp://host:8786) or its scheduler file (docs/cluster.md); "
                        "-j is then ignored")
    g.add_argument("--no-progress", action="store_true", help="no progress bar")
    g.add_argument("--allow-unconfined", action="store_true", help=UNCONFINED_HELP)
    g.set_defaults(func=_grade)
    ls = sub.add_parser("list", help="show the batch as grading would see it (notebook "
                                     "chosen, submission time and its source, late or not, "
                                     "notes); runs nothing")
    ls.add_argument("submissions", help="the submissions folder (any supported layout)")
    ls.add_argument("--rubric", help="rubric.yaml (default: the course's)")
    ls.add_argument("--manifest", help="CSV of student_id,submitted_at")
    ls.add_argument("--assignment", help="assignment name in an nbgrader tree")
    ls.add_argument("--file-times", action="store_true",
                    help="use notebook modification times where nothing else gives a time")
    ls.set_defaults(func=_list)
    c = sub.add_parser("check", help="check one notebook as grading does (TA; students "
                                     "run the release's selfcheck.py)")
    c.add_argument("notebook", help="the notebook to check")
    c.add_argument("--quick", action="store_true",
                   help="the network's pieces only: each cell is stopped after 20 s, so long "
                        "training is cut short; trained accuracy and the plot are not checked")
    c.add_argument("--rubric", help="rubric.yaml (default: the course's)")
    c.add_argument("--data", help="data file (default: rubric's, else built-in synthetic)")
    c.add_argument("--allow-unconfined", action="store_true", help=UNCONFINED_HELP)
    c.set_defaults(func=_check)
    s = sub.add_parser("assign", help="make the student notebook, or the students' release folder")
    s.add_argument("--solution", help="solution notebook (default: the packaged reference one)")
    s.add_argument("--out", help="student notebook (default: assignment/galaxy_classifier.ipynb)")
    s.add_argument("--release", metavar="DIR",
                   help="write the students' release folder: notebook, selfcheck.py, public "
                        "expected values; no solution code")
    s.add_argument("--rubric", help="with --release: rubric.yaml (default: the course's)")
    s.add_argument("--data", help="with --release: data file copied in as dataG.pkl.gz")
    s.add_argument("--force", action="store_true", help="replace an existing output")
    s.set_defaults(func=_assign)
    ag = sub.add_parser("autograder", help="write the zip Gradescope's autograder takes "
                                           "(set-up, run script, pinned requirements, rubric, "
                                           "data, probe secret): never give it to students")
    ag.add_argument("--out", default="autograder.zip", help="the zip (default: autograder.zip)")
    ag.add_argument("--rubric", help="rubric.yaml (default: the course's)")
    ag.add_argument("--data", help="data file (default: rubric's, else built-in synthetic)")
    ag.add_argument("--wheel", help="the grader's wheel, already built (default: build one "
                                    "from this checkout)")
    ag.set_defaults(func=_autograder)
    gs = sub.add_parser("gradescope", help="grade one submission inside Gradescope")
    gs.add_argument("--submission", default="/autograder/submission",
                    help="the submission folder (default: Gradescope's)")
    gs.add_argument("--results", default="/autograder/results/results.json",
                    help="where results.json goes (default: Gradescope's)")
    gs.add_argument("--rubric", help="rubric.yaml (default: the course's)")
    gs.add_argument("--data", help="data file (default: rubric's, else built-in synthetic)")
    gs.add_argument("--allow-unconfined", action="store_true", help=UNCONFINED_HELP)
    gs.set_defaults(func=_gradescope)
    return p


def main(argv=None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except GraderError as exc:       # a problem the user can fix: one line; a bug keeps
        print(f"grader {args.verb}: error: {exc}", file=sys.stderr)   # its traceback
        return 2
    except KeyboardInterrupt:
        print(f"grader {args.verb}: interrupted; run it again to resume", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
