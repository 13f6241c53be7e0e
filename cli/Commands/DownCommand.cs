using System.CommandLine;
using Lbdeploy.Testbed;

namespace Lbdeploy.Commands;

/// <summary>`lbdeploy down [--json]`: destroy + testbed down.</summary>
public static class DownCommand
{
    public static Command Create()
    {
        var json = JsonOutput.Option("Print what was removed and stopped as JSON");
        var command = new Command("down", "Undo everything up did: destroy, then stop the testbed") { json };
        command.SetAction((parse, ct) => CommandRunner.RunAsync(parse, async (context, token) =>
        {
            var destroyed = await DestroyCommand.RunAsync(context.Progress, token);
            var stopped = await TestbedCommand.StopAsync(context.Progress, token);
            return context.Json
                ? JsonOutput.Write(context.Output, CommandRunner.Success, new { Destroy = destroyed, Testbed = stopped })
                : CommandRunner.Success;
        }, ct));
        return command;
    }
}
