using System.CommandLine;
using Lbdeploy.Rendering;
using Lbdeploy.Watching;

namespace Lbdeploy.Commands;

/// <summary>
/// `lbdeploy watch --config deploy/watch.json` (hidden): the mux watcher daemon apply starts and destroy stops. Runs
/// in the foreground until SIGTERM/Ctrl-C or until the deployment it watches is gone; logs one line per event.
/// </summary>
public static class WatchCommand
{
    public static Command Create()
    {
        var config = new Option<string>("--config") { Description = "The watch config apply wrote", Required = true };
        var command = new Command("watch", "Watch the muxes and withdraw a failed one from the switches' VIP routes (started by apply)") { config };
        command.Hidden = true;
        command.SetAction((parse, ct) => CommandRunner.RunAsync(parse, async (context, token) =>
        {
            Testbed.LinuxTestbed.RequireRootAndMininet();
            var watcher = new MuxWatcher(WatchConfig.Load(context.Get(config)!), context.Output, Runner.RunnerEnvironment.Default);
            return await watcher.RunAsync(token);
        }, ct));
        return command;
    }
}
