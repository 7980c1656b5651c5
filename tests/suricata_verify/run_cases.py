#!/usr/bin/env python3
"""Runs suricata-verify's rule-semantics cases through `torwart inspect -S` and evaluates their checks.

A case is a directory holding a test.yaml (see ../shared/conformance/suricata-verify/README.md). For every case
the runner picks the rules and the capture, turns the case's Suricata arguments into torwart options, runs
`torwart inspect -S RULES -r CAPTURE -l OUTDIR`, and counts the records of OUTDIR/eve.json that match each
`filter` check. torwart follows Suricata 7 semantics: a case gated on another version, on a Suricata build
feature or on a Suricata option torwart has no equivalent for is skipped with its reason, never passed.

The committed list passing.txt names the cases that pass; one of them not passing is a regression (exit 1).
README.md next to this file describes the mapping and how to update the list.
"""
import argparse
import collections
import concurrent.futures
import dataclasses
import json
import math
import os
import re
import shlex
import subprocess
import sys
import tempfile
from pathlib import Path

import yaml

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
DEFAULT_CASES = REPO.parent / "shared" / "conformance" / "suricata-verify" / "tests"
DEFAULT_TORWART = REPO / "build" / "torwart"
DEFAULT_PASSING = HERE / "passing.txt"
TIMEOUT_SECONDS = 60
STDERR_LINES_KEPT = 3

# The Suricata version whose semantics torwart follows. Parts left out mean "the newest": "7.0" is the current
# 7.0.x release, so a case asking for 7.0.12 runs and one asking for 8 or for "less than 7.0.5" is skipped.
DEFAULT_SURICATA_VERSION = "7.0"

# `--set` keys that only change Suricata's counters or logging verbosity, not what is detected or logged in
# eve.json's event records: the case runs without them.
HARMLESS_SET_KEYS = {
    "stats.decoder-events",  # decoder event counters in the stats record
    "stats.stream-events",  # stream event counters in the stats record
}
# Options that only change how Suricata schedules its threads: torwart inspect is single-threaded and
# deterministic, which is what `--runmode=single` asks for.
HARMLESS_OPTIONS = {"--runmode=single", "-v", "-vv", "-vvv", "-vvvv"}

# test.yaml keys the runner understands or may ignore. `requirements` is a misspelling of `requires` found in
# some cases; suricata-verify ignores it too (it does not know the key), so the runner does the same.
KNOWN_CASE_KEYS = {"requires", "args", "checks", "pcap", "rules", "skip", "exit-code", "requirements",
                   "count", "retry", "comment", "description"}

MATCH_OPERATORS = ("__find", "__contains", "__startswith", "__endswith")


class Skip(Exception):
    """The case (or one filter) cannot be evaluated for torwart; the message says why."""


# ---------------------------------------------------------------------------------------------------- versions

def parse_version(text, missing):
    """'7.0.12' -> (7, 0, 12); absent parts become `missing` (0 for a requirement, inf for torwart's own)."""
    found = re.match(r"^\s*(\d+)(?:\.(\d+))?(?:\.(\d+))?", str(text))
    if not found:
        raise Skip(f"unreadable version {text!r}")
    return tuple(int(part) if part is not None else missing for part in found.groups())


def unmet_version_requirement(key, wanted, have):
    """The reason a version requirement is not met by `have`, or None when it is met."""
    if key == "min-version":
        return None if have >= parse_version(wanted, 0) else f"requires suricata >= {wanted}"
    if key == "lt-version":
        return None if have < parse_version(wanted, 0) else f"requires suricata < {wanted}"
    if key == "gt-version":
        return None if have > parse_version(wanted, 0) else f"requires suricata > {wanted}"
    if key == "max-version":
        # "max-version: 7" includes every 7.x, so the parts it leaves out are the highest ones.
        return None if have <= parse_version(wanted, math.inf) else f"requires suricata <= {wanted}"
    if key == "version":
        # Only the parts named must be equal ("7" matches 7.0.3); an unknown patch level never equals one.
        named = [part for part in parse_version(wanted, None) if part is not None]
        return None if list(have[:len(named)]) == named else f"only for suricata {wanted}"
    raise ValueError(key)


VERSION_KEYS = ("min-version", "lt-version", "gt-version", "max-version", "version")


def unmet_requirement(requires, have):
    """The reason a `requires` block cannot be met by torwart (as Suricata `have`), or None."""
    for key, wanted in (requires or {}).items():
        if key in VERSION_KEYS:
            reason = unmet_version_requirement(key, wanted, have)
        elif key in ("features", "feature"):
            # Build features (HAVE_LUA, HAVE_NSS, ...) are Suricata's; torwart has none of them.
            names = wanted if isinstance(wanted, list) else [wanted]
            reason = "requires feature " + ", ".join(map(str, names))
        elif key == "pcap":
            reason = None if wanted else "runs suricata without a capture (pcap: false)"
        elif key in ("files", "script", "lambda", "env", "config", "os", "arch", "not-features"):
            reason = f"requires {key}: {wanted} (Suricata-specific, not evaluated)"
        else:
            reason = f"unknown requirement {key}: {wanted}"
        if reason:
            return reason
    return None


def filter_requirements(check):
    """A filter's own gate: its `requires` block plus the shorthand keys suricata-verify accepts beside it."""
    requires = dict(check.get("requires") or {})
    for key in ("version", "min-version", "lt-version", "feature"):
        if key in check:
            requires[key] = check[key]
    return requires


# ------------------------------------------------------------------------------------------- eve evaluation

_MISSING = object()
_INDEXED = re.compile(r"^(.*?)((?:\[\d+\])+)$")


def _step(obj, name):
    """One path step: a dict key, or (an extension of suricata-verify) a numeric index into a list."""
    if isinstance(obj, dict) and name in obj:
        return obj[name]
    if isinstance(obj, list) and name.isdigit() and int(name) < len(obj):
        return obj[int(name)]
    return _MISSING


def find_value(path, record):
    """The value at a dotted path ('alert.signature_id', 'dns.queries[0].rrname', 'packet.__len') or None.

    `__len` gives the length of what it follows (-1 for a value without one), as suricata-verify does.
    """
    obj = record
    for part in path.split("."):
        if part == "__len":
            try:
                return len(obj)
            except TypeError:
                return -1
        indexed = _INDEXED.match(part)
        name, indexes = (indexed.group(1), re.findall(r"\d+", indexed.group(2))) if indexed else (part, [])
        obj = _step(obj, name)
        for index in indexes:
            obj = _step(obj, index) if isinstance(obj, list) else _MISSING
        if obj is _MISSING:
            return None
    return obj


def split_operator(key):
    """'tls.sni.__startswith' -> ('tls.sni', '__startswith'); a plain key -> (key, None)."""
    for operator in MATCH_OPERATORS:
        if key.endswith("." + operator):
            return key[:-len(operator) - 1], operator
    return key, None


def entry_matches(record, key, expected):
    """Whether one `match` entry holds for a record, with suricata-verify's semantics."""
    if key == "has-key":
        return find_value(expected, record) is not None
    if key == "not-has-key":
        return find_value(expected, record) is None
    path, operator = split_operator(key)
    value = find_value(path, record)
    if operator is None:
        # Plain Python equality, as suricata-verify: 1 == 1.0 and True == 1, but "80" != 80.
        return value == expected
    if value is None:
        return False
    try:
        if operator == "__find":
            return value.find(expected) >= 0
        if operator == "__contains":
            return expected in value
        if operator == "__startswith":
            return value.startswith(expected)
        return value.endswith(expected)
    except (AttributeError, TypeError):
        return False  # the operator does not apply to this value's type: not a match


def record_matches(record, match):
    return all(entry_matches(record, key, expected) for key, expected in match.items())


def count_matches(records, match):
    return sum(1 for record in records if record_matches(record, match))


def closest_miss(records, match):
    """For a failure message: the entries the best-matching record of the same event_type gets wrong."""
    wanted_type = match.get("event_type")
    candidates = [r for r in records if wanted_type is None or r.get("event_type") == wanted_type]
    if not candidates:
        return f"no {wanted_type} records" if wanted_type else "no records"
    best = max(candidates, key=lambda r: sum(entry_matches(r, k, v) for k, v in match.items()))
    misses = []
    for key, expected in match.items():
        if entry_matches(best, key, expected):
            continue
        got = find_value(split_operator(key)[0], best) if key not in ("has-key", "not-has-key") else None
        hint = " (same text, different type)" if got is not None and str(got) == str(expected) else ""
        misses.append(f"{key}={json.dumps(got)}{hint}")
    return f"{len(candidates)} {wanted_type or 'any'} records; closest has " + ", ".join(misses)


def read_eve(path):
    records = []
    with open(path, encoding="utf-8") as eve:
        for line in eve:
            if line.strip():
                records.append(json.loads(line))
    return records


# ----------------------------------------------------------------------------------------------- one case

@dataclasses.dataclass
class FilterResult:
    check: int  # position in the case's `checks`, from 1, so that it can be found in test.yaml
    status: str  # pass, fail, skip
    expected: int | None = None
    got: int | None = None
    match: dict | None = None
    reason: str = ""


@dataclasses.dataclass
class CaseResult:
    name: str
    status: str  # PASS, FAIL, SKIP
    reason: str = ""
    command: list | None = None
    filters: list = dataclasses.field(default_factory=list)
    not_evaluated: list = dataclasses.field(default_factory=list)

    def line(self):
        if self.status == "PASS":
            extra = f" (not evaluated: {', '.join(self.not_evaluated)})" if self.not_evaluated else ""
            return f"PASS {self.name}{extra}"
        return f"{self.status} {self.name}: {self.reason}"


@dataclasses.dataclass
class Settings:
    torwart: Path
    cases_root: Path
    suricata_version: tuple
    keep_dir: Path | None = None


def find_cases(root):
    """Every directory under root with a test.yaml, named by its path relative to root."""
    names = []
    for directory, subdirs, files in os.walk(root):
        subdirs.sort()
        if "test.yaml" in files:
            names.append(Path(directory).relative_to(root).as_posix())
    return sorted(names)


def load_case(case_dir):
    with open(case_dir / "test.yaml", encoding="utf-8") as text:
        config = yaml.safe_load(text) or {}
    if not isinstance(config, dict):
        raise Skip("test.yaml is not a mapping")
    return config


def check_case_gates(config, have):
    """Raise Skip when the case as a whole cannot be run or evaluated for torwart."""
    unknown = sorted(set(config) - KNOWN_CASE_KEYS)
    if unknown:
        # command, setup, env, pre-check, ...: the case relies on running Suricata its own way.
        raise Skip("unsupported test.yaml key: " + ", ".join(unknown))
    reason = unmet_requirement(config.get("requires"), have)
    if reason:
        raise Skip(reason)
    if config.get("skip"):
        raise Skip(f"skip: {config['skip']} (Suricata-specific condition, not evaluated)")
    if config.get("exit-code", 0) != 0:
        raise Skip(f"expects suricata to exit with {config['exit-code']} (a Suricata start-up error)")


def case_capture(case_dir, config):
    if config.get("pcap") is False:
        raise Skip("runs suricata without a capture (pcap: false)")
    if config.get("pcap"):
        capture = case_dir / str(config["pcap"])
        if not capture.is_file():
            raise Skip(f"no capture: {config['pcap']} missing")
        return capture
    captures = sorted(list(case_dir.glob("*.pcap")) + list(case_dir.glob("*.pcapng")))
    if not captures:
        raise Skip("no capture")
    if len(captures) > 1:
        raise Skip("several captures and no pcap: key naming one")
    return captures[0]


def case_rules(case_dir, config, scratch):
    """The rules file to pass with -S, or None when the case has no rules (then none are loaded)."""
    if (case_dir / "test.rules").is_file():
        return case_dir / "test.rules"
    if config.get("rules"):
        rules = scratch / "test.rules"
        rules.write_text(str(config["rules"]), encoding="utf-8")
        return rules
    return None


def is_true(value):
    return value.lower() in ("true", "yes", "on", "1")


def map_set_option(setting):
    """One `--set key=value` to torwart options; Skip when torwart has no equivalent."""
    key, _, value = setting.partition("=")
    if key == "stream.midstream":
        return ["--midstream"] if is_true(value) else []  # off is torwart's default, as Suricata's
    if key in HARMLESS_SET_KEYS:
        return []
    raise Skip(f"unsupported arg: --set {setting}")


def map_args(args):
    """Suricata command-line arguments (a list of strings, each maybe several words) to torwart options."""
    words = shlex.split(" ".join(str(arg) for arg in (args or [])))
    options = []
    position = 0
    while position < len(words):
        word = words[position]
        following = words[position + 1] if position + 1 < len(words) else ""
        if word == "-k" and following == "none":
            position += 2  # no checksum validation: torwart inspect's default
        elif word == "--simulate-ips":
            options.append("--ips")
            position += 1
        elif word == "--set" and following:
            options += map_set_option(following)
            position += 2
        elif word.startswith("--set="):
            options += map_set_option(word[len("--set="):])
            position += 1
        elif word in HARMLESS_OPTIONS or (word == "--runmode" and following == "single"):
            position += 2 if word == "--runmode" else 1
        elif word == "-k":
            raise Skip(f"unsupported arg: -k {following}")
        else:
            raise Skip(f"unsupported arg: {word}")
    return list(dict.fromkeys(options))  # each option once, in the order the case gave them


def split_checks(checks, have):
    """The filters to evaluate (with their position) and the checks that cannot be, by description.

    A filter whose own `requires` torwart does not meet is skipped alone, as suricata-verify skips that
    sub-test; a filter on another file than eve.json cannot be evaluated (torwart writes only eve.json).
    """
    filters, skipped, not_evaluated = [], [], []
    for position, check in enumerate(checks or [], start=1):
        kind = next(iter(check), "?") if isinstance(check, dict) else "?"
        if kind != "filter":
            not_evaluated.append(f"{kind} check {position}")
            continue
        spec = check["filter"] or {}
        reason = unmet_requirement(filter_requirements(spec), have)
        if reason:
            skipped.append(FilterResult(position, "skip", match=spec.get("match"), reason=reason))
        elif spec.get("filename", "eve.json") != "eve.json":
            not_evaluated.append(f"filter {position} on {spec['filename']}")
        elif "count" not in spec or not isinstance(spec.get("match"), dict):
            raise Skip(f"malformed filter {position}: needs count and match")
        else:
            filters.append((position, spec))
    return filters, skipped, not_evaluated


def run_torwart(command, timeout):
    """Run torwart; None when it succeeded, else the failure reason."""
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return f"torwart timed out after {timeout} s"
    except OSError as error:
        return f"torwart could not be started: {error}"
    if done.returncode != 0:
        tail = " | ".join(done.stderr.strip().splitlines()[-STDERR_LINES_KEPT:])
        return f"torwart exited {done.returncode}: {tail}"
    return None


def evaluate_filters(filters, records):
    results = []
    for position, spec in filters:
        got = count_matches(records, spec["match"])
        if got == spec["count"]:
            results.append(FilterResult(position, "pass", spec["count"], got, spec["match"]))
        else:
            reason = (f"filter {position}: expected count {spec['count']}, got {got}, "
                      f"match {json.dumps(spec['match'])}; {closest_miss(records, spec['match'])}")
            results.append(FilterResult(position, "fail", spec["count"], got, spec["match"], reason))
    return results


def output_dir(settings, name, scratch):
    if settings.keep_dir is None:
        return scratch / "out"
    kept = settings.keep_dir / name
    if kept.exists():
        for old in kept.iterdir():
            old.unlink()
    return kept


def run_case(name, settings):
    case_dir = settings.cases_root / name
    result = CaseResult(name, "SKIP")
    try:
        config = load_case(case_dir)
        check_case_gates(config, settings.suricata_version)
        capture = case_capture(case_dir, config)
        options = map_args(config.get("args"))
        filters, skipped, result.not_evaluated = split_checks(config.get("checks"), settings.suricata_version)
        result.filters = skipped
        if not filters:
            what = ", ".join(result.not_evaluated + [f"filter {f.check} ({f.reason})" for f in skipped])
            raise Skip("no filter torwart can be checked against" + (f": {what}" if what else ""))
    except Skip as skip:
        result.reason = str(skip)
        return result
    except (OSError, yaml.YAMLError) as error:
        result.reason = f"unreadable case: {error}"
        return result

    with tempfile.TemporaryDirectory(prefix="sv-case-") as scratch_name:
        scratch = Path(scratch_name)
        outdir = output_dir(settings, name, scratch)
        rules = case_rules(case_dir, config, scratch)
        command = [str(settings.torwart), "inspect"] + (["-S", str(rules)] if rules else [])
        command += ["-r", str(capture), "-l", str(outdir)] + options
        result.command = command
        failure = run_torwart(command, TIMEOUT_SECONDS)
        if failure is None and not (outdir / "eve.json").is_file():
            failure = "torwart wrote no eve.json"
        if failure:
            result.status, result.reason = "FAIL", failure
            return result
        evaluated = evaluate_filters(filters, read_eve(outdir / "eve.json"))

    result.filters = sorted(skipped + evaluated, key=lambda f: f.check)
    failed = [f for f in evaluated if f.status == "fail"]
    if failed:
        more = f" (+{len(failed) - 1} more failing filters)" if len(failed) > 1 else ""
        result.status, result.reason = "FAIL", failed[0].reason + more
    else:
        result.status = "PASS"
    return result


# --------------------------------------------------------------------------------------------- the list

def read_passing(path):
    if not path.is_file():
        return []
    names = []
    for line in path.read_text(encoding="utf-8").splitlines():
        name = line.split("#", 1)[0].strip()
        if name:
            names.append(name)
    return names


PASSING_HEADER = """\
# suricata-verify cases that torwart passes (tests/suricata_verify/run_cases.py); one case name a line.
# A listed case that does not pass fails the ctest suricata_verify.conformance (a regression).
# After a change that makes more cases pass, rewrite this list with exactly the passing ones:
#   python3 tests/suricata_verify/run_cases.py --update
# and review the diff: a line that disappears is a regression, not something to commit silently.
"""


def write_passing(path, names):
    body = "".join(f"{name}\n" for name in sorted(names)) or "# (none passes yet)\n"
    path.write_text(PASSING_HEADER + body, encoding="utf-8")


# ------------------------------------------------------------------------------------------------ main

def parse_arguments(argv):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cases", type=Path, default=DEFAULT_CASES, help="cases root (default: %(default)s)")
    parser.add_argument("--torwart", type=Path, default=DEFAULT_TORWART, help="binary (default: %(default)s)")
    parser.add_argument("--passing", type=Path, default=DEFAULT_PASSING, help="list of passing cases")
    parser.add_argument("--update", action="store_true", help="rewrite the passing list with the passing cases")
    parser.add_argument("--case", action="append", default=[], metavar="NAME", help="run only this case")
    parser.add_argument("--jobs", type=int, default=2, help="cases run in parallel (default: %(default)s)")
    parser.add_argument("--json", type=Path, metavar="FILE", help="write the full report here")
    parser.add_argument("--keep", type=Path, metavar="DIR", help="keep each case's torwart output in DIR/NAME")
    parser.add_argument("--suricata-version", default=DEFAULT_SURICATA_VERSION,
                        help="Suricata version torwart is taken to follow; omitted parts mean the newest "
                             "(default: %(default)s)")
    return parser.parse_args(argv)


def select_cases(arguments, available):
    unknown = [name for name in arguments.case if name not in available]
    if unknown:
        sys.exit(f"run_cases: no such case under {arguments.cases}: {', '.join(unknown)}")
    return arguments.case or available


def run_all(names, settings, jobs):
    """Run the cases, printing each line in name order as soon as it and those before it are done."""
    results = []
    with concurrent.futures.ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
        for future in [pool.submit(run_case, name, settings) for name in names]:
            result = future.result()
            print(result.line(), flush=True)
            results.append(result)
    return results


def summarise(results):
    counts = collections.Counter(result.status for result in results)
    skip_reasons = collections.Counter(result.reason for result in results if result.status == "SKIP")
    print(f"suricata-verify: {len(results)} cases: {counts['PASS']} passed, {counts['FAIL']} failed, "
          f"{counts['SKIP']} skipped")
    return counts, skip_reasons


def compare_with_list(results, listed, available):
    """Regressions (listed cases that were run and did not pass, or that no longer exist) and newly
    passing cases. Listed cases left out of a --case run are not judged."""
    passed = {result.name for result in results if result.status == "PASS"}
    ran = {result.name for result in results}
    regressions = [name for name in listed if (name in ran and name not in passed) or name not in available]
    newly = sorted(passed - set(listed))
    return regressions, newly


def main(argv=None):
    arguments = parse_arguments(argv)
    if not arguments.cases.is_dir():
        sys.exit(f"run_cases: cases root {arguments.cases} not found")
    if not arguments.torwart.is_file():
        sys.exit(f"run_cases: {arguments.torwart} not found (build torwart first)")
    available = find_cases(arguments.cases)
    names = select_cases(arguments, available)
    settings = Settings(arguments.torwart.resolve(), arguments.cases.resolve(),
                        parse_version(arguments.suricata_version, math.inf),
                        arguments.keep.resolve() if arguments.keep else None)
    if settings.keep_dir:
        for name in names:
            (settings.keep_dir / name).mkdir(parents=True, exist_ok=True)

    results = run_all(names, settings, arguments.jobs)
    counts, skip_reasons = summarise(results)
    listed = read_passing(arguments.passing)
    regressions, newly = compare_with_list(results, listed, set(available))
    for name in regressions:
        why = "does not pass" if name in available else "is no case under the cases root"
        print(f"REGRESSION {name}: listed in {arguments.passing.name} but {why}")
    for name in newly:
        print(f"newly passing (add to {arguments.passing.name}): {name}")

    if arguments.json:
        report = {"torwart": str(settings.torwart), "cases_root": str(settings.cases_root),
                  "suricata_version": arguments.suricata_version, "summary": dict(counts),
                  "skip_reasons": dict(skip_reasons.most_common()), "regressions": regressions,
                  "newly_passing": newly, "cases": [dataclasses.asdict(result) for result in results]}
        arguments.json.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")

    if arguments.update:
        passed = {result.name for result in results if result.status == "PASS"}
        kept = [name for name in listed if name not in set(names)]  # cases this run did not cover
        write_passing(arguments.passing, set(kept) | passed)
        print(f"run_cases: {arguments.passing} now lists {len(set(kept) | passed)} cases")
        return 0
    return 1 if regressions else 0


if __name__ == "__main__":
    sys.exit(main())
