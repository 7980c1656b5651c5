// torwartctl: the local command line of torwartd (the torwart control plane).
#include <iostream>

#include <CLI/CLI.hpp>

#include "controlplane/torwartctl/commands.hpp"
#include "controlplane/torwartctl/edit.hpp"
#include "platform/build_info/build_info.hpp"

namespace {

constexpr const char* kExitCodes =
    "\nEXIT CODES\n"
    "  0  success\n"
    "  1  runtime failure: torwartd or the fast path unreachable, a snapshot not acknowledged, the disk\n"
    "  2  bad input: invalid configuration (each error names file:line:column, the path in the document and\n"
    "     the reason), unknown version, a change based on an old version, a pending confirmation, a\n"
    "     snapshot the fast path refused (the previous version keeps running), the command line\n";

constexpr const char* kIdentity =
    "\nWho you are is taken from the socket (SO_PEERCRED: uid, gid, pid), never from the command line; it "
    "is\n"
    "recorded with every version and in the audit log. Whoever may open torwartd's socket may change the\n"
    "configuration (torwartd --socket-mode): the console's break-glass path, recorded as \"local socket\".\n"
    "With --host you are the client certificate (its CN, serial and issuer), in the role its OU names.\n";

// Version numbers: whole numbers from 1, with a message people understand.
const CLI::Validator kVersionNumber(
    [](std::string& value) -> std::string {
      const bool digits =
          !value.empty() && value.size() <= 19 && value.find_first_not_of("0123456789") == std::string::npos;
      if (!digits || std::stoull(value) == 0) return "'" + value + "' is not a version number (1 or more)";
      return {};
    },
    "VERSION");

// --base also takes 0 (a commit into an empty store).
const CLI::Validator kBaseVersion(
    [](std::string& value) -> std::string {
      const bool digits =
          !value.empty() && value.size() <= 19 && value.find_first_not_of("0123456789") == std::string::npos;
      return digits ? std::string() : "'" + value + "' is not a version number (0 for an empty store)";
    },
    "VERSION");

constexpr const char* kGlobal =
    "\nAnywhere on the line: -S,--socket PATH (torwartd's socket, default /run/torwart/torwartd.sock) and\n"
    "--json (the answer's result object for scripts; a refusal prints the whole answer).\n"
    "--host HOST[:PORT] --cert FILE --key FILE --ca FILE: the same commands on a remote box, through its\n"
    "management API (mutual TLS; the certificate's OU is your role; refused operations exit 2).\n";

// A command's own text, then who the caller is and the exit codes, as on every man page.
void with_footer(CLI::App* app, const std::string& text) {
  app->footer(text + "\n" + kGlobal + kIdentity + kExitCodes);
}

}  // namespace

int main(int argc, char** argv) {
  using namespace torwart::controlplane::ctl;
  CLI::App app{
      "torwartctl - the command line of torwartd, the torwart control plane. Every configuration version is\n"
      "kept complete with its author, time and comment; a commit is validated as `torwart check` does, "
      "pushed\n"
      "to the fast path as one snapshot and counts only once the fast path runs it.\n"};
  app.set_version_flag("--version", "torwartctl " + torwart::platform::build_version());
  app.footer(std::string(kGlobal) + kIdentity + kExitCodes);  // subcommands without their own text inherit it
  app.require_subcommand(1);
  app.fallthrough();
  app.set_help_all_flag("--help-all", "Print help for every command");

  Options o;
  int exit_code = kExitOk;
  app.add_option("-S,--socket", o.socket, "torwartd's socket")->capture_default_str();
  auto* host = app.add_option(
      "--host", o.host, "A remote box's management API (HOST[:PORT], port 8443) instead of the local socket");
  app.add_option("--cert", o.cert, "With --host: your client certificate (its OU names your role)")
      ->needs(host);
  app.add_option("--key", o.key, "With --host: its private key")->needs(host);
  app.add_option("--ca", o.ca, "With --host: the provider's CA, which issued the box's certificate")
      ->needs(host);
  host->needs("--cert")->needs("--key")->needs("--ca");
  app.add_flag("--json", o.json,
               "Machine-readable output (the answer's result object); refusals also on stdout");

  auto* status =
      app.add_subcommand("status", "The current version, what the fast path runs, a pending confirmation.");
  with_footer(
      status,
      "\"sync\" says whether `torwart run` runs the current version (torwartd checks it every few seconds "
      "and\n"
      "pushes the current version when the fast path runs another one, e.g. after a restart). \"store\n"
      "integrity\" lists damaged versions (every stored text is checked against its SHA-256; see `config\n"
      "repair --help`); \"audit integrity\" appears when the audit log was found cut or broken at start.");
  status->callback([&] { exit_code = cmd_status(o); });

  auto* vpn =
      app.add_subcommand("vpn", "The VPN tunnels: charon as torwartd runs it, the SAs in the fast path.");
  vpn->require_subcommand(1);
  auto* vpn_status = vpn->add_subcommand("status",
                                         "Tunnels of the current version, charon's state, each SA with its "
                                         "packets, bytes, idle time and drops.");
  with_footer(
      vpn_status,
      "The SAs are those charon installed in the fast path (its torwart plugin); DIR in: from the peer,\n"
      "PEER its address; IDLE S: seconds since the SA last carried a packet; DROPS: the SA's packets\n"
      "dropped (replayed, failed authentication, ...; by reason with --json).");
  vpn_status->callback([&] { exit_code = cmd_vpn_status(o); });

  auto* stats = app.add_subcommand("stats", "The fast path's counters (`torwart stats`, through torwartd).");
  stats->callback([&] { exit_code = cmd_stats(o); });

  unsigned flow_limit = 100;
  auto* flows = app.add_subcommand(
      "flows",
      "The connections the fast path tracks (`torwart flows`, through torwartd): originator,\n"
      "responder, state, the policy rule that let it in, packets, bytes, age.");
  flows->add_option("--limit", flow_limit, "At most this many connections per worker (1-1000)")
      ->check(CLI::Range(1u, 1000u))
      ->capture_default_str();
  flows->callback([&] { exit_code = cmd_flows(o, flow_limit); });

  auto* config = app.add_subcommand("config",
                                    "The versioned configuration: show, validate, commit, edit, confirm,\n"
                                    "rollback, history, diff, export, import, repair.");
  config->require_subcommand(1);
  config->fallthrough();

  unsigned long long version = 0, from = 0, to = 0, base = 0;
  std::string file, message, confirm_within, output;

  auto* show = config->add_subcommand("show", "Print a version's YAML text (default: the current version).");
  show->add_option("VERSION", version, "Version number")->check(kVersionNumber);
  with_footer(
      show,
      "With --json: {\"info\": {version, author, time, comment, kind, state, digest, ...}, \"config\": "
      "TEXT}.");
  show->callback([&] { exit_code = cmd_show(o, version ? std::optional(version) : std::nullopt); });

  auto* validate =
      config->add_subcommand("validate", "Check FILE as a commit would, without changing anything.");
  validate->add_option("FILE", file, "Configuration (YAML); - reads stdin")->required();
  with_footer(
      validate,
      "The same checks as `torwart check`: the configuration language and the policy compiler's limits. "
      "Every\n"
      "error is printed as FILE:LINE:COLUMN: PATH: REASON.");
  validate->callback([&] { exit_code = cmd_validate(o, file); });

  auto* commit = config->add_subcommand(
      "commit", "Validate FILE, push it to the fast path and make it the current version.");
  commit->add_option("FILE", file, "The complete new configuration (YAML); - reads stdin")->required();
  commit->add_option("-m,--message", message, "Comment recorded with the version");
  commit->add_option(
      "--confirm-within", confirm_within,
      "Commit-confirmed: unless `config confirm` comes within DURATION (90s, 5m, 1h30m; 1s to 24h),\n"
      "torwartd rolls back to the previous version by itself");
  commit
      ->add_option("--base", base,
                   "The version your edit started from (see `config show`); refused when another change was\n"
                   "committed since. Without --base the commit applies on top of whatever is current")
      ->check(kBaseVersion);
  with_footer(
      commit,
      "Nothing is stored unless FILE is valid; the new version counts only once the fast path runs it (its\n"
      "status reports the version). A snapshot the fast path refuses leaves the previous version running "
      "and\n"
      "the new version marked failed. While a commit awaits confirmation, other commits are refused.\n"
      "The deadline of --confirm-within is kept on disk: it survives a torwartd restart, and an expired one\n"
      "rolls back as soon as torwartd runs again.\n"
      "\nEXAMPLE\n"
      "  torwartctl config show > new.yaml; torwartctl status   # note the current version, say 7\n"
      "  $EDITOR new.yaml\n"
      "  torwartctl config commit new.yaml --base 7 --confirm-within 5m -m \"allow NTP to the KDN\"\n"
      "  torwartctl config confirm                             # still reachable: keep it");
  commit->callback([&] {
    exit_code = cmd_commit(o, file, confirm_within, message,
                           commit->count("--base") ? std::optional(base) : std::nullopt);
  });

  auto* edit = config->add_subcommand(
      "edit", "Edit the current version in $VISUAL or $EDITOR (default vi) and commit it.");
  edit->add_option("-m,--message", message, "Comment recorded with the version");
  edit->add_option("--confirm-within", confirm_within, "As for `config commit`");
  with_footer(
      edit,
      "The commit names the version you started from (--base): when someone committed in the meantime it is\n"
      "refused. An unchanged file commits nothing. When the commit is refused, your edit stays in its\n"
      "temporary file and the message says how to commit it after fixing it.");
  edit->callback([&] { exit_code = cmd_edit(o, confirm_within, message); });

  auto* confirm =
      config->add_subcommand("confirm", "Keep the commit that awaits confirmation (stops the rollback).");
  confirm->callback([&] { exit_code = cmd_confirm(o); });

  auto* rollback = config->add_subcommand("rollback", "Make VERSION's text current again, as a new version.");
  rollback->add_option("VERSION", version, "The version to restore")->required()->check(kVersionNumber);
  rollback->add_option("-m,--message", message, "Comment recorded with the new version");
  with_footer(
      rollback,
      "History is never rewritten: the rollback is a new version with VERSION's text. It settles a commit "
      "that\n"
      "awaits confirmation.");
  rollback->callback([&] { exit_code = cmd_rollback(o, version, message); });

  auto* history =
      config->add_subcommand("history", "Every version: state, kind, time, author, comment (* current).");
  with_footer(
      history,
      "STATE: applied (the fast path ran it), failed (refused or never acknowledged; the reason in "
      "brackets),\n"
      "candidate (being pushed). KIND: commit, rollback N, auto-rollback N (an unconfirmed commit undone by\n"
      "torwartd), resync N (pushed again above a version the fast path ran), initial, import. Damaged\n"
      "versions follow as '!' lines (never left out), lost ones as 'lost' (see `config repair --help`).");
  history->callback([&] { exit_code = cmd_history(o); });

  unsigned long long audit_after = 0;
  unsigned audit_limit = 100;
  auto* audit =
      app.add_subcommand("audit", "The audit log: who changed or tried what, when, with which result.");
  audit->add_option("--after", audit_after, "Start after this line (the previous page's \"next\")")
      ->capture_default_str();
  audit->add_option("--limit", audit_limit, "At most this many records (1-1000)")
      ->check(CLI::Range(1u, 1000u))
      ->capture_default_str();
  audit->callback([&] { exit_code = cmd_audit(o, audit_after, audit_limit); });

  auto* diff = config->add_subcommand("diff", "Unified line diff from version A to version B.");
  diff->add_option("A", from, "Old version")->required()->check(kVersionNumber);
  diff->add_option("B", to, "New version")->required()->check(kVersionNumber);
  diff->callback([&] { exit_code = cmd_diff(o, from, to); });

  auto* exporter = config->add_subcommand(
      "export", "The whole history (every version's text and record) as one JSON document.");
  exporter->add_option("-o,--output", output, "Write to this file (atomically) instead of stdout");
  with_footer(exporter,
              "The exit path auditors ask for, and the way to move a box's history to a replacement box.");
  exporter->callback([&] { exit_code = cmd_export(o, output); });

  auto* importer =
      config->add_subcommand("import", "Load a history written by `config export` into an empty store.");
  importer->add_option("FILE", file, "The export (JSON); - reads stdin")->required();
  with_footer(
      importer,
      "Only into a store without versions (a new or replacement box): every digest is checked and nothing "
      "is\n"
      "written unless all of it is valid. The imported current version is then pushed to the fast path.");
  importer->callback([&] { exit_code = cmd_import(o, file); });

  bool lost = false;
  auto* repair = config->add_subcommand(
      "repair", "Mend a damaged version (`status` lists them): put its exact text back, or give it up.");
  repair->add_option("VERSION", version, "The damaged version")->required()->check(kVersionNumber);
  auto* repair_file = repair->add_option(
      "FILE", file, "Its exact text (an export's, a backup, the file `torwart run` started with)");
  auto* repair_lost =
      repair->add_flag("--lost", lost, "Give the version up: kept in history as lost, never used");
  repair_file->excludes(repair_lost);
  repair->add_option("-m,--message", message, "Why (recorded in the audit log; with --lost, in history)");
  with_footer(
      repair,
      "torwartd checks every stored text against its SHA-256 at start and at every use; a damaged version\n"
      "(truncated, digest mismatch, missing text or record) is never shown, exported or pushed. FILE is "
      "taken\n"
      "only when its SHA-256 is the recorded one. --lost is for what cannot come back (a missing record, no\n"
      "copy of the text); the current version cannot be given up: roll back to an intact version first.");
  repair->callback([&] {
    if (!lost && file.empty()) {
      std::cerr << "torwartctl: config repair needs FILE or --lost\n";
      exit_code = kExitBadInput;
      return;
    }
    exit_code = cmd_repair(o, version, lost ? std::string() : file, message);
  });

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int rc = app.exit(e);
    return rc == 0 ? kExitOk : kExitBadInput;
  }
  return exit_code;
}
