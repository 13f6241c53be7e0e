using System.CommandLine;
using System.Diagnostics;
using Lbdeploy.Testbed;

namespace Lbdeploy.Commands;

/// <summary>`lbdeploy testbed up|down|status [--json]`: the mininet fabric with Linux-router switches that lb.yaml's topology describes.</summary>
public static class TestbedCommand
{
    public static Command Create()
    {
        var command = new Command("testbed", "Start, stop or inspect the local mininet fabric (Linux routers as switches) of lb.yaml's topology");
        command.Subcommands.Add(Up());
        command.Subcommands.Add(Down());
        command.Subcommands.Add(Status());
        return command;
    }

    private static Command Up()
    {
        var spec = GlobalOptions.SpecFile();
        var shape = ShapeOption();
        var json = JsonOutput.Option("Print the started testbed's nodes as JSON");
        var command = new Command("up", "Build the topology as a headless mininet network and leave it running (no routes: apply installs them)") { spec, shape, json };
        command.SetAction((parse, ct) => CommandRunner.RunAsync(parse, async (context, token) =>
        {
            var started = await StartAsync(context.LoadSpec(context.Get(spec)!).Fabric, context.Progress, token, context.Get(shape));
            context.Progress.WriteLine("stop it with: lbdeploy testbed down");
            return context.Json ? JsonOutput.Write(context.Output, CommandRunner.Success, started) : CommandRunner.Success;
        }, ct));
        return command;
    }

    /// <summary>--shape of `testbed up` and `up`.</summary>
    public static Option<bool> ShapeOption() =>
        new("--shape") { Description = "Shape links with tc as the topology's link options say (bw, delay, loss, max_queue_size); off by default: links run unshaped" };

    /// <summary>Starts the testbed of a spec's fabric (shared with `lbdeploy up`), progress on <paramref name="output"/>.</summary>
    public static async Task<TestbedStarted> StartAsync(Topology.Fabric fabric, TextWriter output, CancellationToken ct, bool shapeLinks = false)
    {
        LinuxTestbed.RequireRootAndMininet();
        var watch = Stopwatch.StartNew();
        var testbed = LinuxTestbed.Default(output);
        var nodes = await testbed.UpAsync(fabric, shapeLinks, ct);
        return new TestbedStarted(fabric.Source, testbed.State.Directory, testbed.State.TopologyFile, Math.Round(watch.Elapsed.TotalSeconds, 2),
            [.. nodes.Values.OrderBy(n => n.Kind, StringComparer.Ordinal).ThenBy(n => n.Name, Topology.NaturalOrder.Instance).Select(n => new TestbedNodeRow(n.Name, n.Kind, n.Pid, n.IsAlive))]);
    }

    /// <summary>Stops the testbed (shared with `lbdeploy down`), progress on <paramref name="output"/>.</summary>
    public static async Task<TestbedStopped> StopAsync(TextWriter output, CancellationToken ct)
    {
        LinuxTestbed.RequireRootAndMininet();
        var wasRunning = await LinuxTestbed.Default(output).DownAsync(ct);
        if (!wasRunning) output.WriteLine("testbed: none running");
        return new TestbedStopped(wasRunning);
    }

    private static Command Down()
    {
        var json = JsonOutput.Option("Print whether a testbed was stopped as JSON");
        var command = new Command("down", "Stop the testbed: every process in its nodes, its links and its namespaces") { json };
        command.SetAction((parse, ct) => CommandRunner.RunAsync(parse, async (context, token) =>
        {
            var stopped = await StopAsync(context.Progress, token);
            return context.Json ? JsonOutput.Write(context.Output, CommandRunner.Success, stopped) : CommandRunner.Success;
        }, ct));
        return command;
    }

    private static Command Status()
    {
        var json = JsonOutput.Option("Print the testbed's nodes as JSON");
        var command = new Command("status", "Show the testbed's nodes and whether they are alive") { json };
        command.SetAction((parse, ct) => CommandRunner.RunAsync(parse, (context, _) =>
        {
            var status = LinuxTestbed.Default(context.Progress).Status();
            var output = context.Output;
            var alive = status.Nodes.Count(n => n.Alive);
            var exit = !status.Exists || (status.LauncherAlive && alive == status.Nodes.Count) ? CommandRunner.Success : CommandRunner.UserError;
            if (context.Json)
            {
                return Task.FromResult(JsonOutput.Write(output, exit, new
                {
                    Running = status.Exists,
                    status.LauncherPid,
                    status.LauncherAlive,
                    status.Ready,
                    StateDirectory = status.Directory,
                    Nodes = status.Nodes.Select(n => new TestbedNodeRow(n.Node.Name, n.Node.Kind, n.Node.Pid, n.Alive)),
                }));
            }
            if (!status.Exists)
            {
                output.WriteLine("testbed: none running (start one with lbdeploy testbed up)");
                return Task.FromResult(exit);
            }
            output.WriteLine($"testbed: launcher pid {status.LauncherPid} {(status.LauncherAlive ? "alive" : "DEAD")}, {(status.Ready ? "ready" : "not ready")}, {alive}/{status.Nodes.Count} nodes alive (state {status.Directory})");
            foreach (var node in status.Nodes)
            {
                output.WriteLine($"  {node.Node.Name,-6} {node.Node.Kind,-7} pid {node.Node.Pid,-8} {(node.Alive ? "alive" : "DEAD")}");
            }
            return Task.FromResult(exit);
        }, ct));
        return command;
    }
}

/// <summary>testbed up's --json document (and part of up's): where it runs, how long it took to start, its nodes.</summary>
public sealed record TestbedStarted(string Source, string StateDirectory, string TopologyFile, double Seconds, IReadOnlyList<TestbedNodeRow> Nodes);

/// <summary>testbed down's --json document (and part of down's).</summary>
public sealed record TestbedStopped(bool WasRunning);

/// <summary>One mininet node of the testbed.</summary>
public sealed record TestbedNodeRow(string Name, string Kind, int Pid, bool Alive);
