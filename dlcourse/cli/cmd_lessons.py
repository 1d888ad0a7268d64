"""``dlcourse lessons [DIR]``: copy the course's lesson notebooks out of the installed package.

Example:
    $ dlcourse lessons my_course      # then: cd my_course && jupyter lab
"""

from __future__ import annotations


def add_parser(subparsers):
    parser = subparsers.add_parser("lessons", help="copy the lesson notebooks into a folder")
    parser.add_argument("directory", nargs="?", default="dlcourse-lessons",
                        help="where the notebooks go (default: ./dlcourse-lessons)")
    parser.add_argument("--overwrite", action="store_true",
                        help="replace notebooks already there (default: keep them)")
    parser.add_argument("--list", action="store_true", help="only list the lessons")
    parser.set_defaults(run=run)


def run(args) -> int:
    from dlcourse.lessons_files import copy_lessons, lesson_notebooks

    if args.list:
        for notebook in lesson_notebooks():
            print(notebook.name)
        return 0
    written = copy_lessons(args.directory, overwrite=args.overwrite)
    kept = len(lesson_notebooks()) - len(written)
    print(f"copied {len(written)} lesson notebooks into {args.directory}"
          + (f"; kept {kept} already there (--overwrite replaces them)" if kept else ""))
    print(f"open them with: cd {args.directory} && jupyter lab   (plots go to {args.directory}/assets)")
    return 0
