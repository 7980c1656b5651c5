#!/usr/bin/env python3
"""Self-test of run_cases.py's evaluation: paths, match semantics, requirements, argument mapping, on synthetic
EVE records and test.yaml fragments (no torwart, no cases needed)."""
import math
import sys
import unittest
from pathlib import Path

sys.dont_write_bytecode = True  # ctest runs this from the source tree: leave no __pycache__ there
sys.path.insert(0, str(Path(__file__).resolve().parent))
import run_cases  # noqa: E402  (imported after the path is set)
from run_cases import Skip  # noqa: E402

ALERT = {
    "event_type": "alert", "src_ip": "10.0.0.1", "src_port": 80, "dest_port": 54186, "proto": "TCP",
    "pcap_cnt": 5, "alert": {"action": "allowed", "signature_id": 2100498, "rev": 7, "severity": 2},
    "packet": "AAECAw==", "tls": {"sni": "www.example.com"},
}
DNS = {"event_type": "dns", "dns": {"type": "request", "queries": [{"rrname": "google.com"}, {"rrname": "b"}]}}
FLOW = {"event_type": "flow", "flow": {"alerted": True, "action": "drop", "state": "closed",
                                       "exception_policy": [{"target": "stream_midstream", "policy": "ignore"}]}}
RECORDS = [ALERT, DNS, FLOW, dict(ALERT, src_port=81, alert={"signature_id": 2})]
SURICATA_7 = run_cases.parse_version(run_cases.DEFAULT_SURICATA_VERSION, math.inf)


class FindValue(unittest.TestCase):
    def test_dotted_paths(self):
        self.assertEqual(run_cases.find_value("alert.signature_id", ALERT), 2100498)
        self.assertEqual(run_cases.find_value("event_type", ALERT), "alert")
        self.assertIsNone(run_cases.find_value("alert.gid", ALERT))
        self.assertIsNone(run_cases.find_value("http.url", ALERT))
        self.assertIsNone(run_cases.find_value("src_port.x", ALERT))  # a path through a number

    def test_list_indexes(self):
        self.assertEqual(run_cases.find_value("dns.queries[0].rrname", DNS), "google.com")
        self.assertEqual(run_cases.find_value("dns.queries[1].rrname", DNS), "b")
        self.assertEqual(run_cases.find_value("dns.queries.1.rrname", DNS), "b")
        self.assertIsNone(run_cases.find_value("dns.queries[2].rrname", DNS))
        self.assertIsNone(run_cases.find_value("dns.type[0]", DNS))  # an index into a string is no index
        self.assertEqual(run_cases.find_value("flow.exception_policy[0].policy", FLOW), "ignore")

    def test_len(self):
        self.assertEqual(run_cases.find_value("packet.__len", ALERT), 8)
        self.assertEqual(run_cases.find_value("dns.queries.__len", DNS), 2)
        self.assertEqual(run_cases.find_value("src_port.__len", ALERT), -1)
        self.assertIsNone(run_cases.find_value("payload.__len", ALERT))


class Matching(unittest.TestCase):
    def count(self, match):
        return run_cases.count_matches(RECORDS, match)

    def test_equality_and_count(self):
        self.assertEqual(self.count({"event_type": "alert"}), 2)
        self.assertEqual(self.count({"event_type": "alert", "alert.signature_id": 2100498}), 1)
        self.assertEqual(self.count({"event_type": "alert", "alert.signature_id": 1}), 0)
        self.assertEqual(self.count({"alert.signature_id": 2}), 1)  # no event_type: any record
        self.assertEqual(self.count({"flow.alerted": True, "flow.action": "drop"}), 1)
        self.assertEqual(self.count({"flow.alerted": False}), 0)

    def test_types_are_not_coerced(self):
        # suricata-verify compares with Python's ==: "80" is not 80, though it reports that they print alike.
        self.assertEqual(self.count({"src_port": "80"}), 0)
        self.assertEqual(self.count({"src_port": 80.0}), 1)

    def test_absent_field_matches_nothing(self):
        self.assertEqual(self.count({"event_type": "alert", "alert.gid": 1}), 0)
        self.assertEqual(self.count({"event_type": "alert", "alert.gid": None}), 2)  # YAML null: field absent

    def test_has_key(self):
        self.assertEqual(self.count({"has-key": "tls.sni"}), 2)
        self.assertEqual(self.count({"not-has-key": "alert"}), 2)
        self.assertEqual(self.count({"event_type": "flow", "not-has-key": "flow.exception_policy"}), 0)

    def test_operators(self):
        self.assertEqual(self.count({"tls.sni.__startswith": "www."}), 2)
        self.assertEqual(self.count({"tls.sni.__endswith": ".com"}), 2)
        self.assertEqual(self.count({"tls.sni.__find": "example"}), 2)
        self.assertEqual(self.count({"tls.sni.__contains": "nomatch"}), 0)
        self.assertEqual(self.count({"packet.__len": 8}), 2)
        self.assertEqual(self.count({"src_port.__startswith": "8"}), 0)  # wrong type: no match, no crash
        self.assertEqual(self.count({"http.url.__startswith": "/"}), 0)  # absent: no match

    def test_failure_message_points_at_the_difference(self):
        message = run_cases.closest_miss(RECORDS, {"event_type": "alert", "alert.signature_id": 1})
        self.assertIn("2 alert records", message)
        self.assertIn("alert.signature_id=", message)
        self.assertIn("no drop records", run_cases.closest_miss(RECORDS, {"event_type": "drop"}))
        same_text = run_cases.closest_miss(RECORDS, {"event_type": "alert", "src_port": "80"})
        self.assertIn("different type", same_text)

    def test_evaluate_filters(self):
        results = run_cases.evaluate_filters(
            [(1, {"count": 2, "match": {"event_type": "alert"}}),
             (3, {"count": 1, "match": {"event_type": "drop"}})], RECORDS)
        self.assertEqual([r.status for r in results], ["pass", "fail"])
        self.assertEqual((results[1].check, results[1].expected, results[1].got), (3, 1, 0))
        self.assertTrue(results[1].reason.startswith("filter 3: expected count 1, got 0, match "))


class Requirements(unittest.TestCase):
    def unmet(self, requires):
        return run_cases.unmet_requirement(requires, SURICATA_7)

    def test_versions(self):
        self.assertIsNone(self.unmet({"min-version": 6}))
        self.assertIsNone(self.unmet({"min-version": 7}))
        self.assertIsNone(self.unmet({"min-version": "7.0.12"}))  # torwart follows the newest 7.0
        self.assertEqual(self.unmet({"min-version": 8}), "requires suricata >= 8")
        self.assertEqual(self.unmet({"min-version": "8.0.0"}), "requires suricata >= 8.0.0")
        self.assertIsNone(self.unmet({"min-version": "7.0.12", "lt-version": 8}))
        self.assertEqual(self.unmet({"lt-version": 7}), "requires suricata < 7")
        self.assertEqual(self.unmet({"lt-version": "7.0.5"}), "requires suricata < 7.0.5")
        self.assertEqual(self.unmet({"max-version": 6}), "requires suricata <= 6")
        self.assertIsNone(self.unmet({"max-version": 7}))
        self.assertIsNone(self.unmet({"version": 7}))
        self.assertIsNotNone(self.unmet({"version": "7.0.3"}))  # a patch level torwart cannot claim
        self.assertIsNotNone(self.unmet({"version": 6}))

    def test_a_chosen_version(self):
        seven_zero_zero = run_cases.parse_version("7.0.0", math.inf)
        self.assertIsNotNone(run_cases.unmet_requirement({"min-version": "7.0.12"}, seven_zero_zero))

    def test_features_and_suricata_specifics(self):
        self.assertEqual(self.unmet({"features": ["HAVE_LUA"]}), "requires feature HAVE_LUA")
        self.assertIn("files", self.unmet({"files": ["src/x.c"]}))
        self.assertIn("script", self.unmet({"script": ["true"]}))
        self.assertIn("without a capture", self.unmet({"pcap": False}))
        self.assertIsNone(self.unmet({"pcap": True}))
        self.assertIn("unknown requirement", self.unmet({"something-new": 1}))

    def test_filter_gates(self):
        gated = {"requires": {"min-version": 8}, "count": 1, "match": {"event_type": "alert"}}
        shorthand = {"min-version": 8, "count": 1, "match": {"event_type": "alert"}}
        self.assertEqual(run_cases.filter_requirements(gated), {"min-version": 8})
        self.assertEqual(run_cases.filter_requirements(shorthand), {"min-version": 8})

    def test_split_checks(self):
        checks = [
            {"filter": {"count": 1, "match": {"event_type": "alert"}}},
            {"filter": {"requires": {"min-version": 8}, "count": 1, "match": {"event_type": "x"}}},
            {"shell": {"args": "cat fast.log | wc -l", "expect": 1}},
            {"filter": {"filename": "suricata.json", "count": 0, "match": {"event_type": "engine"}}},
        ]
        filters, skipped, not_evaluated = run_cases.split_checks(checks, SURICATA_7)
        self.assertEqual([position for position, _ in filters], [1])
        self.assertEqual([(f.check, f.reason) for f in skipped], [(2, "requires suricata >= 8")])
        self.assertEqual(not_evaluated, ["shell check 3", "filter 4 on suricata.json"])
        with self.assertRaises(Skip):
            run_cases.split_checks([{"filter": {"match": {"event_type": "alert"}}}], SURICATA_7)

    def test_case_gates(self):
        run_cases.check_case_gates({"requires": {"min-version": 7}, "requirements": {}, "checks": []}, SURICATA_7)
        for config in ({"command": "suricata -T"}, {"skip": [{"uid": 0}]}, {"exit-code": 1},
                       {"requires": {"features": ["HAVE_NSS"]}}):
            with self.assertRaises(Skip):
                run_cases.check_case_gates(config, SURICATA_7)


class Arguments(unittest.TestCase):
    def test_mapped(self):
        self.assertEqual(run_cases.map_args(None), [])
        self.assertEqual(run_cases.map_args(["-k none"]), [])
        self.assertEqual(run_cases.map_args(["-k none", "--simulate-ips", "--set stream.midstream=true"]),
                         ["--ips", "--midstream"])
        self.assertEqual(run_cases.map_args(["--set stream.midstream=false"]), [])
        self.assertEqual(run_cases.map_args(["--set stats.decoder-events=true", "--runmode=single"]), [])
        self.assertEqual(run_cases.map_args(["--runmode single", "-vvv"]), [])

    def test_unsupported(self):
        for args, reason in ((["--set stream.async-oneside=true"], "unsupported arg: --set stream.async-oneside"),
                             (["-k none --set stream.inline=true"], "unsupported arg: --set stream.inline=true"),
                             (["-k all"], "unsupported arg: -k all"),
                             (["--runmode=autofp"], "unsupported arg: --runmode=autofp"),
                             (["--set", "exception-policy=auto"], "unsupported arg: --set exception-policy")):
            with self.assertRaises(Skip) as raised:
                run_cases.map_args(args)
            self.assertTrue(str(raised.exception).startswith(reason), str(raised.exception))


class PassingList(unittest.TestCase):
    def test_regressions_and_newly_passing(self):
        results = [run_cases.CaseResult("a", "PASS"), run_cases.CaseResult("b", "FAIL"),
                   run_cases.CaseResult("c", "PASS")]
        regressions, newly = run_cases.compare_with_list(results, ["a", "b", "gone", "d"], {"a", "b", "c", "d"})
        self.assertEqual(regressions, ["b", "gone"])  # d was not run (--case): not judged
        self.assertEqual(newly, ["c"])


if __name__ == "__main__":
    unittest.main()
