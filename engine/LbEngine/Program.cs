using System.CommandLine;
using Lb.Core.Config;
using Lb.Engine.Hosting;

namespace Lb.Engine;

/// <summary>
/// lbengine: the dataplane of lbdeploy. <c>lbengine mux --config FILE</c> load-balances VIP traffic to DIPs
/// (Maglev + IP-in-IP); <c>lbengine agent --config FILE</c> decapsulates on a DIP. See engine/README.md.
/// </summary>
public static class Program
{
    public static int Main(string[] args)
    {
        var root = new RootCommand("lbengine: the lbdeploy dataplane (Maglev mux and IP-in-IP agent); see engine/README.md")
        {
            RoleCommand(EngineRole.Mux, "Capture VIP traffic, pick a DIP by Maglev hash, send it IP-in-IP to the DIP"),
            RoleCommand(EngineRole.Agent, "Receive IP-in-IP from the muxes, deliver the inner packet to the local server (DSR)"),
        };
        return root.Parse(args).Invoke();
    }

    private static Command RoleCommand(EngineRole role, string description)
    {
        var config = new Option<string>("--config", "-c") { Description = "Engine config file (JSON, written by lbdeploy plan)", Required = true };
        var verbose = new Option<bool>("--verbose", "-v") { Description = "Log every packet and show stack traces on errors" };
        var pidFile = new Option<string?>("--pid-file") { Description = "Write the process id to this file (removed on exit)" };
        var command = new Command(role == EngineRole.Mux ? "mux" : "agent", description) { config, verbose, pidFile };
        command.SetAction(result => EngineRunner.Run(role, result.GetValue(config)!, result.GetValue(verbose), result.GetValue(pidFile)));
        return command;
    }
}
