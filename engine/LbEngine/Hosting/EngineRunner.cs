using System.Runtime.InteropServices;
using Lb.Core.Config;
using Lb.Engine.Agent;
using System.Net;
using Lb.Engine.Control;
using Lb.Engine.Metrics;
using Lb.Engine.Mux;
using Lb.Engine.Runtime;
using Lb.Engine.Roles;

namespace Lb.Engine.Hosting;

/// <summary>
/// Runs one engine in the foreground: load and check the config, start the packet path and the control socket,
/// then wait for SIGTERM/SIGINT (clean stop) while SIGHUP reloads. Start-up problems become one line and a
/// non-zero exit code; the stack trace only with --verbose.
/// </summary>
public static class EngineRunner
{
    public const int ExitOk = 0;
    public const int ExitFailure = 1;
    public const int ExitConfig = 2;

    public static int Run(EngineRole role, string configPath, bool verbose, string? pidFile, TextWriter? errors = null)
    {
        errors ??= Console.Error;
        var roleName = role == EngineRole.Mux ? "mux" : "agent";
        EngineBase? engine = null;
        ControlServer? control = null;
        MetricsServer? metrics = null;
        var pidWritten = false;
        try
        {
            var config = EngineConfigLoader.Load(configPath);
            if (config.Role != role)
                throw new StartupException($"{configPath} is a config for role '{config.Role.ToString().ToLowerInvariant()}'; run 'lbengine {config.Role.ToString().ToLowerInvariant()} --config {configPath}' or fix \"role\"", ExitConfig);
            HostEnvironment.RequireRoot(roleName);
            HostEnvironment.RequireInterface(config.Interface);

            var log = new EngineLog(roleName, config.Host, verbose);
            engine = role == EngineRole.Mux ? new MuxEngine(configPath, config, log) : new AgentEngine(configPath, config, log);
            var failed = false;
            using var stop = new ManualResetEventSlim();
            engine.Failed += _ => { failed = true; stop.Set(); };
            engine.Start();
            control = new ControlServer(config.ControlSocket, engine, log, engine.ControlRequests);
            if (config.Metrics is { Listen: var listen })
            {
                metrics = new MetricsServer(new IPEndPoint(new IPAddress(listen.Address.GetBytes()), listen.Port), engine.Metrics, log);
                log.Info($"metrics: http://{listen}/metrics");
            }
            if (pidFile is not null)
            {
                File.WriteAllText(pidFile, Environment.ProcessId + "\n");
                pidWritten = true;
            }
            log.Info($"ready: pid {Environment.ProcessId}, config {Path.GetFullPath(configPath)}, control socket {config.ControlSocket}");

            using var term = PosixSignalRegistration.Create(PosixSignal.SIGTERM, context => { context.Cancel = true; stop.Set(); });
            using var interrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, context => { context.Cancel = true; stop.Set(); });
            var current = engine;
            using var hangUp = PosixSignalRegistration.Create(PosixSignal.SIGHUP, context =>
            {
                context.Cancel = true;
                log.Info("SIGHUP: reloading");
                ThreadPool.QueueUserWorkItem(_ => current.Reload());
            });
            stop.Wait();
            if (failed) return ExitFailure;
            log.Info("stopping (signal)");
            return ExitOk;
        }
        catch (EngineConfigException e)
        {
            errors.WriteLine($"lbengine {roleName}: {e.Message}");
            return ExitConfig;
        }
        catch (Exception e)
        {
            return Failed(roleName, e, verbose, errors);
        }
        finally
        {
            metrics?.Dispose();
            control?.Dispose();
            engine?.Dispose();
            if (pidWritten) TryDelete(pidFile!);
        }
    }

    /// <summary>
    /// How every lbengine command ends on an error: one line on stderr (a start-up problem as it is, anything else as
    /// unexpected), the stack trace only with --verbose, and the exit code.
    /// </summary>
    internal static int Failed(string command, Exception e, bool verbose, TextWriter errors)
    {
        var (message, exitCode) = e is StartupException startup
            ? (startup.Message, startup.ExitCode)
            : ($"unexpected error: {e.Message}{(verbose ? "" : " (run with --verbose for details)")}", ExitFailure);
        errors.WriteLine($"lbengine {command}: {message}");
        if (verbose) errors.WriteLine(e);
        return exitCode;
    }

    private static void TryDelete(string path)
    {
        try { File.Delete(path); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }
}
