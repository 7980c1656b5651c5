#!/usr/bin/env python3
"""Fails when an #include crosses the layers: the rules are the table in ARCHITECTURE.md ("Which folder may
include which"), read from there so that the document and the check cannot disagree.

A file belongs to the most specific folder the table names; it may include headers of that folder (and its
sub-folders) and of the folders its row allows. System headers (<...>) are not the table's business. Test
files (*_test*, *test_support*, *_fuzz.cpp, test_*.hpp) may also include tests/support/.

Usage: check_layering.py REPOSITORY        check the tree, exit 1 on any violation
       check_layering.py --self-test       check that a planted violation is found
"""
import os
import re
import sys
import tempfile

INCLUDE = re.compile(r'^\s*#\s*include\s+"([^"]+)"')
ROW = re.compile(r'^\|\s*`([^`]+)`\s*\|([^|]*)\|')
TEST_FILE = re.compile(r'(_test[^/]*|test_support[^/]*|_fuzz\.cpp|/test_[^/]*\.hpp)$')
SOURCE_SUFFIXES = ('.cpp', '.hpp', '.h', '.cc')


def read_rules(architecture_path):
    """{folder: [allowed folders]} from the table after the heading that names the rule."""
    rules = {}
    in_table = False
    with open(architecture_path, encoding='utf-8') as text:
        for line in text:
            if line.startswith('#'):
                in_table = 'may include' in line.lower()
                continue
            if not in_table:
                continue
            row = ROW.match(line)
            if row:
                allowed = re.findall(r'`([^`]+)`', row.group(2))
                rules[row.group(1).rstrip('/')] = [a.rstrip('/') for a in allowed]
    if not rules:
        raise SystemExit(f'{architecture_path}: no "may include" table found')
    return rules


def inside(path, folder):
    return path == folder or path.startswith(folder + '/')


def owner(path, rules):
    """The most specific folder of the table that holds `path`, or None (tests, benchmarks: unrestricted)."""
    best = None
    for folder in rules:
        if inside(os.path.dirname(path), folder) and (best is None or len(folder) > len(best)):
            best = folder
    return best


def violations(root, rules):
    found = []
    for directory, subdirectories, files in os.walk(root):
        subdirectories[:] = [d for d in subdirectories if not d.startswith('.') and d != 'build']
        for name in files:
            if not name.endswith(SOURCE_SUFFIXES):
                continue
            path = os.path.relpath(os.path.join(directory, name), root)
            folder = owner(path, rules)
            if folder is None:
                continue
            allowed = [folder] + rules[folder]
            if TEST_FILE.search(path):
                allowed.append('tests/support')
            with open(os.path.join(root, path), encoding='utf-8', errors='replace') as source:
                for number, line in enumerate(source, 1):
                    include = INCLUDE.match(line)
                    if not include:
                        continue
                    target = include.group(1)
                    if '/' not in target:
                        continue  # a header beside the file, by its bare name
                    if not any(inside(os.path.dirname(target), a) for a in allowed):
                        found.append(f'{path}:{number}: includes "{target}", but `{folder}` may include only '
                                     + ', '.join(f'`{a}`' for a in allowed))
    return found


def self_test():
    with tempfile.TemporaryDirectory() as root:
        os.makedirs(os.path.join(root, 'low'))
        os.makedirs(os.path.join(root, 'high'))
        with open(os.path.join(root, 'ARCHITECTURE.md'), 'w') as doc:
            doc.write('## Which folder may include which\n| `low` | |\n| `high` | `low` |\n')
        with open(os.path.join(root, 'high', 'ok.cpp'), 'w') as ok:
            ok.write('#include "low/a.hpp"\n#include <vector>\n')
        with open(os.path.join(root, 'low', 'bad.cpp'), 'w') as bad:
            bad.write('#include "low/a.hpp"\n#include "high/b.hpp"\n')
        found = violations(root, read_rules(os.path.join(root, 'ARCHITECTURE.md')))
        if len(found) != 1 or not found[0].startswith('low/bad.cpp:2:'):
            print('self-test failed: expected exactly low/bad.cpp:2, got', found)
            return 1
    print('self-test: the planted upward include was found, the allowed ones were not')
    return 0


def main():
    if sys.argv[1:] == ['--self-test']:
        return self_test()
    if len(sys.argv) != 2:
        print(__doc__)
        return 2
    root = sys.argv[1]
    rules = read_rules(os.path.join(root, 'ARCHITECTURE.md'))
    found = violations(root, rules)
    for line in found:
        print(line)
    print(f'layering: {len(rules)} folders checked, {len(found)} violations')
    return 1 if found else 0


if __name__ == '__main__':
    sys.exit(main())
