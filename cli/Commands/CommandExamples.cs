using System.CommandLine;
using System.CommandLine.Help;
using System.CommandLine.Invocation;

namespace Lbdeploy.Commands;

/// <summary>
/// Examples for each command's --help, after the generated help (a command's one-line description stays one line in
/// the list of commands). Added by <see cref="Add"/>, shown by <see cref="Install"/>'s help action.
/// </summary>
public static class CommandExamples
{
    private static readonly Dictionary<string, string[]> ByCommand = new(StringComparer.Ordinal)
    {
        ["lbdeploy"] =
        [
            "lbdeploy up                           start the testbed, apply lb.yaml and verify it",
            "lbdeploy plan --out plan/             check lb.yaml and write every generated file",
            "lbdeploy trace --from h5 --svg t.svg  one flow's path through fabric, mux, tunnel and reply",
            "lbdeploy status --watch               engines and DIPs, refreshed every second",
            "lbdeploy down                         stop everything up started",
        ],
        ["plan"] = ["lbdeploy plan", "lbdeploy plan -f examples/leafspine.yaml --out /tmp/plan --json", "lbdeploy plan --strict"],
        ["apply"] = ["lbdeploy apply", "lbdeploy plan --out plan/ && lbdeploy apply --auto-approve plan/", "lbdeploy apply --json --auto-approve | jq '.changes'"],
        ["diff"] = ["lbdeploy diff", "lbdeploy diff --json | jq '.drift'", "lbdeploy diff || lbdeploy apply --auto-approve"],
        ["verify"] = ["lbdeploy verify", "lbdeploy verify --json"],
        ["trace"] = ["lbdeploy trace --from h5", "lbdeploy trace --from h3 --proto udp --dport 53 --json", "lbdeploy trace --from h5 --live --svg h5.svg"],
        ["status"] = ["lbdeploy status", "lbdeploy status --watch", "lbdeploy status --json | jq '.dips'"],
        ["drain"] = ["lbdeploy drain h14", "lbdeploy drain h14 && lbdeploy status", "lbdeploy drain h14 --json | jq '.muxes'"],
        ["undrain"] = ["lbdeploy undrain h14"],
        ["weight"] = ["lbdeploy weight h14 3", "lbdeploy weight h14 1        back to lb.yaml's weight: the runtime weight is cleared", "lbdeploy weight h14 0 --json"],
        ["conns"] = ["lbdeploy conns", "lbdeploy conns --mux h1 --limit 1000", "lbdeploy conns --flow \"tcp 10.0.3.2:40000 20.0.0.1:80\"", "lbdeploy conns --json | jq '.muxes[].live'"],
        ["up"] = ["lbdeploy up", "lbdeploy up -f examples/leafspine.yaml", "lbdeploy up --shape"],
        ["testbed up"] = ["lbdeploy testbed up", "lbdeploy testbed up -f examples/leafspine.yaml --shape"],
        ["exec"] = ["lbdeploy exec h3 -- ip -4 route", "lbdeploy exec h3 -- curl -s http://20.0.0.1/", "lbdeploy exec a1 -- sh -c 'ip route | wc -l'"],
        ["shell"] = ["lbdeploy shell h3", "lbdeploy shell a1"],
        ["debug-bundle"] = ["lbdeploy debug-bundle", "lbdeploy debug-bundle --out /tmp/lb.tar.gz --json"],
        ["completion"] = ["source <(lbdeploy completion bash)", "lbdeploy completion bash > /etc/bash_completion.d/lbdeploy"],
    };

    /// <summary>The trailer of the root's help: what no single command's help says.</summary>
    private const string RootTrailer = """
        Exit codes: 0 done (every check passed), 1 a problem you can fix (bad input, a failed check, no network to act
        on), 2 diff only: changes or drift pending, 70 a bug in lbdeploy (run again with --verbose), 130 interrupted;
        exec and shell: the program's own code once it started.
        --json (every command but completion, exec and shell): one JSON document on stdout, errors included (docs/json.md).
        Environment: LBDEPLOY_STATE_DIR, the state folder (default /run/lbdeploy; two folders are two separate
        deployments); LBENGINE_DLL, the lbengine build to run.
        """;

    /// <summary>Wraps the help option's action so every --help ends with the command's examples.</summary>
    public static void Install(RootCommand root)
    {
        foreach (var help in root.Options.OfType<HelpOption>())
        {
            if (help.Action is HelpAction original) help.Action = new WithExamples(original);
        }
    }

    private sealed class WithExamples(HelpAction original) : SynchronousCommandLineAction
    {
        // `trace --help` shows help although --from is missing, as the undecorated help action does.
        public override bool ClearsParseErrors => true;

        public override int Invoke(ParseResult parseResult)
        {
            var code = original.Invoke(parseResult);
            var output = parseResult.InvocationConfiguration.Output;
            var key = Path(parseResult.CommandResult.Command, parseResult.RootCommandResult.Command);
            if (ByCommand.TryGetValue(key, out var examples))
            {
                output.WriteLine("Examples:");
                foreach (var example in examples) output.WriteLine("  " + example);
                output.WriteLine();
            }
            if (key == "lbdeploy") output.WriteLine(RootTrailer);
            return code;
        }

        private static string Path(Command command, Command root)
        {
            if (command == root) return "lbdeploy";
            var names = new List<string>();
            for (var current = command; current is not null && current != root; current = current.Parents.OfType<Command>().FirstOrDefault())
            {
                names.Add(current.Name);
            }
            names.Reverse();
            return string.Join(' ', names);
        }
    }
}
