using System.CommandLine;
using Lbdeploy.Runner;

namespace Lbdeploy.Commands;

/// <summary>`lbdeploy destroy`: stops the engines and servers, removes the VIPs and switch rules apply made, clears its state.</summary>
public static class DestroyCommand
{
    public static Command Create()
    {
        var command = new Command("destroy", "Undo apply: stop engines and servers, remove VIPs and switch rules (the network keeps running)");
        command.SetAction((parse, ct) => CommandRunner.RunAsync(parse, (context, token) => RunAsync(context.Output, token), ct));
        return command;
    }

    public static async Task<int> RunAsync(TextWriter output, CancellationToken ct)
    {
        Testbed.LinuxTestbed.RequireRootAndMininet();
        if (!await new Deployer(output, RunnerEnvironment.Default).DestroyAsync(ct))
        {
            output.WriteLine("destroy: nothing is applied");
        }
        else
        {
            output.WriteLine("destroy: done");
        }
        return CommandRunner.Success;
    }
}
