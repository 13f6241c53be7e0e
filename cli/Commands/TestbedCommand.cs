using System.CommandLine;
using Lbdeploy.Planning;
using Lbdeploy.Testbed;

namespace Lbdeploy.Commands;

/// <summary>`lbdeploy testbed up|down|status`: the mininet fabric with Linux-router switches that lb.yaml's topology describes.</summary>
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
        var command = new Command("up", "Build the topology as a headless mininet network and leave it running (no routes: apply installs them)") { spec, shape };
        command.SetAction((parse, ct) => CommandRunner.RunAsync(parse, async (context, token) =>
        {
            await StartAsync(context.LoadSpec(context.Get(spec)!).Fabric, context.Output, token, context.Get(shape));
            context.Output.WriteLine("stop it with: lbdeploy testbed down");
            return CommandRunner.Success;
        }, ct));
        return command;
    }

    /// <summary>--shape of `testbed up` and `up`.</summary>
    public static Option<bool> ShapeOption() =>
        new("--shape") { Description = "Shape links with tc as the topology's link options say (bw, delay, loss, max_queue_size); off by default: links run unshaped" };

    /// <summary>Starts the testbed of a spec's fabric (shared with `lbdeploy up`).</summary>
    public static async Task StartAsync(Topology.Fabric fabric, TextWriter output, CancellationToken ct, bool shapeLinks = false)
    {
        LinuxTestbed.RequireRootAndMininet();
        await LinuxTestbed.Default(output).UpAsync(fabric, shapeLinks, ct);
    }

    private static Command Down()
    {
        var command = new Command("down", "Stop the testbed: every process in its nodes, its links and its namespaces");
        command.SetAction((parse, ct) => CommandRunner.RunAsync(parse, async (context, token) =>
        {
            LinuxTestbed.RequireRootAndMininet();
            if (!await LinuxTestbed.Default(context.Output).DownAsync(token))
            {
                context.Output.WriteLine("testbed: none running");
            }
            return CommandRunner.Success;
        }, ct));
        return command;
    }

    private static Command Status()
    {
        var command = new Command("status", "Show the testbed's nodes and whether they are alive");
        command.SetAction((parse, ct) => CommandRunner.RunAsync(parse, (context, _) =>
        {
            var status = LinuxTestbed.Default(context.Output).Status();
            var output = context.Output;
            if (!status.Exists)
            {
                output.WriteLine("testbed: none running (start one with lbdeploy testbed up)");
                return Task.FromResult(CommandRunner.Success);
            }
            var alive = status.Nodes.Count(n => n.Alive);
            output.WriteLine($"testbed: launcher pid {status.LauncherPid} {(status.LauncherAlive ? "alive" : "DEAD")}, {(status.Ready ? "ready" : "not ready")}, {alive}/{status.Nodes.Count} nodes alive (state {status.Directory})");
            foreach (var node in status.Nodes)
            {
                output.WriteLine($"  {node.Node.Name,-6} {node.Node.Kind,-7} pid {node.Node.Pid,-8} {(node.Alive ? "alive" : "DEAD")}");
            }
            return Task.FromResult(status.LauncherAlive && alive == status.Nodes.Count ? CommandRunner.Success : CommandRunner.UserError);
        }, ct));
        return command;
    }
}
