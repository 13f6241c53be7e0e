using System.CommandLine;
using Lb.Core.Stats;
using Lbdeploy.Runner;

namespace Lbdeploy.Commands;

/// <summary>
/// `lbdeploy conns [--mux H] [--limit N] [--json]`: the muxes' connection tables, most recently used flows first,
/// cut at the limit (and saying so); `lbdeploy conns --flow "tcp SRC:PORT DST:PORT"`: which DIP that flow reaches on
/// each mux, and whether from the connection table or Maglev. Read-only, no spec needed (<see cref="ConnectionReader"/>).
/// </summary>
public static class ConnsCommand
{
    public static Command Create()
    {
        var mux = new Option<string?>("--mux") { Description = "Ask only this mux (default: every mux)", HelpName = "host" };
        var limit = new Option<string?>("--limit")
        {
            Description = $"Flows shown per mux, the most recently used (default {ConnectionDumpLimits.Default}, at most {ConnectionDumpLimits.Max})",
            HelpName = "N",
        };
        var flow = new Option<string?>("--flow")
        {
            Description = "Instead of the table: which DIP this flow reaches on each mux, from its connection table or from Maglev, and its second-chance alternates: \"tcp 10.0.3.2:40000 20.0.0.1:80\"",
            HelpName = "\"PROTO SRC:PORT DST:PORT\"",
        };
        var json = JsonOutput.Option("Print the tables (or the flow's answers) as JSON");
        var command = new Command("conns", "Show the muxes' connection tables (proto, client, VIP, DIP, age, idle), or where one flow goes (--flow)")
        {
            mux, limit, flow, json,
        };
        command.SetAction((parse, ct) => CommandRunner.RunAsync(parse, (context, token) =>
            RunAsync(context.Get(mux), context.Get(limit), context.Get(flow), context.Get(json), context.Output, RunnerEnvironment.Default, token), ct));
        return command;
    }

    public static async Task<int> RunAsync(string? mux, string? limit, string? flow, bool json, TextWriter output, RunnerEnvironment environment, CancellationToken ct)
    {
        if (flow is not null && limit is not null) throw new Common.RunnerException("conns: --limit is for the table and --flow asks about one flow; give one of them");
        var reader = new ConnectionReader(environment);
        if (flow is not null)
        {
            var lookups = await reader.LookupAsync(mux, ConnectionReader.ParseFlow(flow), ct);
            if (json) return JsonOutput.Write(output, CommandRunner.Success, new { Flow = flow, Muxes = lookups });
            Write(output, ConnectionReader.Lines(lookups));
        }
        else
        {
            var tables = await reader.DumpAsync(mux, limit is null ? ConnectionDumpLimits.Default : ConnectionReader.ParseLimit(limit), ct);
            if (json) return JsonOutput.Write(output, CommandRunner.Success, new { Muxes = tables });
            Write(output, ConnectionReader.Lines(tables));
        }
        return CommandRunner.Success;
    }

    private static void Write(TextWriter output, IEnumerable<string> lines)
    {
        foreach (var line in lines) output.WriteLine(line);
    }
}
