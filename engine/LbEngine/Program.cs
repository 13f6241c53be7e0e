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
            ControlCommand(),
            GateCommand(),
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

    /// <summary>
    /// `lbengine gate --socket PATH --prefix VIP/32`: on a mux host of the frr target, keeps the host's BGP announcement
    /// of the VIP (a blackhole route FRR's import-check turns into the announcement) on while the mux answers healthy.
    /// </summary>
    private static Command GateCommand()
    {
        var socket = new Option<string>("--socket", "-s") { Description = "The mux's control socket (control_socket of its config)", Required = true };
        var prefix = new Option<string>("--prefix", "-p") { Description = "The prefix the host announces (the VIP/32)", Required = true };
        var host = new Option<string?>("--host") { Description = "This host's name, for the log (default: the machine's name)" };
        var verbose = new Option<bool>("--verbose", "-v") { Description = "Show stack traces on errors" };
        var command = new Command("gate", "Announce the VIP (BGP, frr target) exactly while the mux on this host answers healthy") { socket, prefix, host, verbose };
        command.SetAction(result => GateRunner.Run(result.GetValue(socket)!, result.GetValue(prefix)!, result.GetValue(host), result.GetValue(verbose)));
        return command;
    }

    /// <summary>
    /// `lbengine ctl --socket PATH WORDS...`: one control command to a running engine on this machine, its raw reply
    /// on stdout (exit 0), or why it got none on stderr (exit 1). lbdeploy runs it over SSH to reach the control
    /// socket of an engine on another machine.
    /// </summary>
    private static Command ControlCommand()
    {
        var socket = new Option<string>("--socket", "-s") { Description = "The engine's control socket (control_socket of its config)", Required = true };
        var timeout = new Option<int>("--timeout") { Description = "Seconds to wait for the reply", DefaultValueFactory = _ => 5 };
        var words = new Argument<string[]>("command") { Description = "The command and its arguments (stats, health, reload, drain NAME, ...)", Arity = ArgumentArity.OneOrMore };
        var command = new Command("ctl", "Send one control command to a running engine and print its reply") { socket, timeout, words };
        command.SetAction(async (result, cancellationToken) =>
        {
            try
            {
                var client = new Lb.Core.Control.ControlClient(result.GetValue(socket)!, TimeSpan.FromSeconds(Math.Clamp(result.GetValue(timeout), 1, 300)));
                Console.Out.Write(await client.SendAsync(string.Join(' ', result.GetValue(words)!), cancellationToken));
                return 0;
            }
            catch (Lb.Core.Control.ControlException e)
            {
                Console.Error.WriteLine("lbengine ctl: " + e.Message);
                return 1;
            }
        });
        return command;
    }
}
