using System.Diagnostics;
using Lb.Core.Addressing;
using Lb.Core.Config;
using Lb.Core.Flows;
using Lb.Core.Stats;
using Lb.Engine.Control;
using Lb.Engine.Metrics;
using Lb.Engine.Policy;
using Lb.Engine.Runtime;

namespace Lb.Engine.Roles;

/// <summary>What mux and agent share: config reloads under a lock, uptime, the control commands' plumbing.</summary>
public abstract class EngineBase(string configPath, EngineConfig config, EngineLog log) : IControlTarget, IDisposable
{
    private readonly Stopwatch _uptime = Stopwatch.StartNew();
    protected readonly Lock ReloadLock = new();

    protected string ConfigPath { get; } = configPath;
    protected EngineLog Log { get; } = log;
    public EngineConfig Config { get; protected set; } = config;
    protected double UptimeSeconds => Math.Round(_uptime.Elapsed.TotalSeconds, 3);
    protected long Reloads;

    /// <summary>Control connections by result (the control server counts them; stats and metrics report them).</summary>
    public ControlCounters ControlRequests { get; } = new();

    /// <summary>Raised (once) when the packet path dies, e.g. the interface vanished; the runner then exits non-zero.</summary>
    public event Action<string>? Failed;

    protected void Fail(string reason)
    {
        Log.Error(reason);
        Failed?.Invoke(reason);
    }

    public abstract void Start();
    public abstract void Stop();
    public abstract string Stats();
    public abstract string Drain(string name);
    public abstract string Undrain(string name);
    public abstract string Weight(string name, int weight);
    public abstract string Connections(int limit);
    public abstract string Lookup(FlowKey flow);
    public abstract string Health();
    public abstract EngineStats Snapshot();
    public string Metrics() => EngineMetrics.Render(Snapshot());

    /// <summary>Applies the new config to the packet path; returns a one-line summary for the log.</summary>
    protected abstract string Apply(EngineConfig next);

    /// <summary>Re-reads the config file and applies it; a bad file leaves the running config untouched.</summary>
    public string Reload()
    {
        lock (ReloadLock)
        {
            EngineConfig next;
            try
            {
                next = EngineConfigLoader.Load(ConfigPath);
            }
            catch (EngineConfigException e)
            {
                Log.Error($"reload refused, keeping the running config: {e.Message}");
                return ControlReply.Error(e.Message);
            }
            var fixedFields = Config.StartOnlyChanges(next);
            if (fixedFields.Count > 0)
            {
                var message = $"reload refused: {string.Join(", ", fixedFields)} changed; these apply only at start, restart the engine";
                Log.Error(message);
                return ControlReply.Error(message);
            }
            if (next.Connections != Config.Connections)
                Log.Warn("connections settings changed: they apply at the next start (the flow table keeps its size)");
            if (next.Health != Config.Health)
                Log.Warn("health settings changed: they apply at the next start (DIPs and muxes do follow the reload)");
            if (next.Metrics != Config.Metrics)
                Log.Warn("metrics settings changed: they apply at the next start");
            try
            {
                var summary = Apply(next);
                Config = next;
                Reloads++;
                Log.Info($"reloaded {ConfigPath}: {summary}");
                return ControlReply.Ok($"reloaded: {summary}");
            }
            catch (StartupException e)
            {
                Log.Error($"reload refused, keeping the running config: {e.Message}");
                return ControlReply.Error(e.Message);
            }
        }
    }

    /// <summary>The stats both roles report the same way; each role adds its own with `with { ... }`.</summary>
    protected EngineStats CommonStats(string role, EngineCounters counters, VipSet vips, long connections) =>
        CommonStats(role, counters, [.. vips.All.Select(v => new VipStats(new Ipv4Address(v.Address).ToString(), v.Packets, v.Bytes, v.Flows))], connections);

    /// <summary>Like the overload above, with the VIP counters already read (a mux adds up its packet threads').</summary>
    protected EngineStats CommonStats(string role, EngineCounters counters, IReadOnlyList<VipStats> vips, long connections) => new()
    {
        Role = role,
        Host = Config.Host,
        Pid = Environment.ProcessId,
        UptimeSeconds = UptimeSeconds,
        Interface = Config.Interface,
        Address = Config.Address.ToString(),
        PacketsIn = counters.PacketsIn,
        BytesIn = counters.BytesIn,
        PacketsOut = counters.PacketsOut,
        BytesOut = counters.BytesOut,
        Forwarded = counters.Forwarded,
        Drops = counters.DropsByName(),
        Connections = connections,
        Vips = [.. vips],
        Reloads = Reloads,
        ControlRequests = ControlRequests.ByName(),
    };

    public virtual void Dispose() => GC.SuppressFinalize(this);
}
