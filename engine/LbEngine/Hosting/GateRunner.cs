using System.Runtime.InteropServices;
using Lb.Core.Addressing;
using Lb.Engine.Gate;
using Lb.Engine.Runtime;

namespace Lb.Engine.Hosting;

/// <summary>
/// Runs `lbengine gate` in the foreground until SIGTERM/SIGINT: checks its arguments, then the
/// <see cref="AnnouncementGate"/> loop. On stop it leaves the route as it is (lbdeploy withdraws the announcement
/// when it removes the host's BGP speaker). Same exit codes as an engine.
/// </summary>
public static class GateRunner
{
    /// <param name="stop">Ends the loop as SIGTERM does (tests).</param>
    public static int Run(string socketPath, string prefixText, string? host, bool verbose, TextWriter? errors = null, CancellationToken stop = default)
    {
        errors ??= Console.Error;
        try
        {
            if (!Ipv4Prefix.TryParse(prefixText, out var prefix))
                throw new StartupException($"--prefix '{prefixText}' is not an IPv4 prefix (e.g. 20.0.0.1/32)", EngineRunner.ExitConfig);
            if (!Path.IsPathFullyQualified(socketPath))
                throw new StartupException($"--socket '{socketPath}' is not an absolute path; give the mux's control_socket", EngineRunner.ExitConfig);
            if (!HostEnvironment.IsRoot)
                throw new StartupException("root is required (the gate changes the host's routing table); run lbengine as root, e.g. from lbdeploy apply");

            var log = new EngineLog("gate", host ?? Environment.MachineName, verbose);
            var gate = new AnnouncementGate(GateSettings.Default, new ControlSocketProbe(socketPath, GateSettings.Default.Timeout),
                new BlackholeRouteSwitch(prefix), log, TimeProvider.System);
            using var stopping = CancellationTokenSource.CreateLinkedTokenSource(stop);
            using var term = PosixSignalRegistration.Create(PosixSignal.SIGTERM, context => { context.Cancel = true; stopping.Cancel(); });
            using var interrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, context => { context.Cancel = true; stopping.Cancel(); });
            var settings = GateSettings.Default;
            log.Info($"ready: pid {Environment.ProcessId}, announcing {prefix} while the mux on {socketPath} answers healthy " +
                $"(every {settings.Interval.TotalMilliseconds:0} ms; gone or unhealthy: withdrawn at once; silent {settings.Fall} rounds of {settings.Timeout.TotalMilliseconds:0} ms: withdrawn; back after {settings.Rise} healthy answers)");
            gate.RunAsync(stopping.Token).GetAwaiter().GetResult();
            log.Info($"stopping (signal) after {gate.Rounds} rounds; the announcement stays {(gate.Announced == true ? "on" : "off")}");
            return EngineRunner.ExitOk;
        }
        catch (Exception e)
        {
            return EngineRunner.Failed("gate", e, verbose, errors);
        }
    }
}
