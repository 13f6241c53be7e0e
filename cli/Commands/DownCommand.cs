using System.CommandLine;
using Lbdeploy.Testbed;

namespace Lbdeploy.Commands;

/// <summary>`lbdeploy down`: destroy + testbed down.</summary>
public static class DownCommand
{
    public static Command Create()
    {
        var command = new Command("down", "Undo everything up did: destroy, then stop the testbed");
        command.SetAction((parse, ct) => CommandRunner.RunAsync(parse, async (context, token) =>
        {
            await DestroyCommand.RunAsync(context.Output, token);
            if (!await LinuxTestbed.Default(context.Output).DownAsync(token))
            {
                context.Output.WriteLine("testbed: none running");
            }
            return CommandRunner.Success;
        }, ct));
        return command;
    }
}
