using System.Net;
using System.Net.Sockets;
using Lb.Core.Addressing;
using Lb.Core.Config;
using Lb.Core.Health;
using Lb.Engine.Runtime;

namespace Lb.Engine.Health;

/// <summary>
/// The agent side of health checking (Ananta): with DSR the server listens on the VIP, so only a check from inside
/// the DIP's host proves anything. Every interval it connects to VIP:port for every TCP port of every VIP (the VIP is
/// a local address here; all ports in parallel, one timeout for the round), debounces the result with rise/fall,
/// and sends a <see cref="HealthReport"/> from the agent's address to every mux. A VIP serving only UDP or ICMP has
/// nothing to connect to and counts as healthy. Runs on its own thread, off the packet path.
/// </summary>
public sealed class AgentHealthChecker : IDisposable
{
    private readonly HealthConfig _health;
    private readonly EngineLog _log;
    private readonly Ipv4Address _address;
    private readonly Socket _reports;
    private readonly Thread _thread;
    private readonly ManualResetEventSlim _stop = new();
    private readonly RiseFall _state;
    private volatile IReadOnlyList<IPEndPoint> _probeTargets = [];
    private volatile IReadOnlyList<IPEndPoint> _muxes = [];
    private uint _sequence;

    public long ProbesOk;
    public long ProbesFailed;
    public long ReportsSent;
    public long ReportsFailed;

    public AgentHealthChecker(EngineConfig config, EngineLog log)
    {
        _health = config.Health ?? throw new ArgumentException("health checking is not configured", nameof(config));
        _log = log;
        _address = config.Address;
        _state = new RiseFall(_health.Rise, _health.Fall);
        Update(config);
        _reports = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        try
        {
            // From the agent's own address: the mux accepts reports only from configured DIP addresses.
            _reports.Bind(new IPEndPoint(Ip(config.Address), 0));
        }
        catch (SocketException e)
        {
            _reports.Dispose();
            throw new StartupException($"cannot send health reports from {config.Address} ({e.Message}); \"address\" must be an address of this host");
        }
        _thread = new Thread(Loop) { IsBackground = true, Name = "lbengine-health" };
        _thread.Start();
    }

    public bool ServerHealthy => _state.Healthy;

    /// <summary>Follows a reload: VIPs/ports to probe and muxes to report to.</summary>
    public void Update(EngineConfig config)
    {
        _probeTargets = config.Vips
            .SelectMany(v => v.Ports.Where(p => p.Protocol == TransportProtocol.Tcp).Select(p => new IPEndPoint(Ip(v.Address), p.Port)))
            .ToList();
        _muxes = config.Muxes.Select(m => new IPEndPoint(Ip(m.Address), _health.Port)).ToList();
    }

    private static IPAddress Ip(Ipv4Address address) => new(address.GetBytes());

    private void Loop()
    {
        var report = new byte[HealthReport.Length];
        while (!_stop.IsSet)
        {
            var started = Environment.TickCount64;
            var (passed, failure) = Probe();
            if (passed) Interlocked.Increment(ref ProbesOk); else Interlocked.Increment(ref ProbesFailed);
            if (_state.Observe(passed))
                _log.Info(passed ? "server is healthy again: reporting up to the muxes" : $"server is unhealthy ({failure}): reporting down to the muxes");
            else if (!passed && _log.Verbose)
                _log.Trace($"health probe failed: {failure}");

            new HealthReport(_address, _state.Healthy, _sequence++).WriteTo(report);
            foreach (var mux in _muxes)
            {
                try
                {
                    _reports.SendTo(report, mux);
                    Interlocked.Increment(ref ReportsSent);
                }
                catch (SocketException e)
                {
                    Interlocked.Increment(ref ReportsFailed);
                    if (_log.Verbose) _log.Trace($"health report to {mux} failed: {e.Message}");
                }
            }
            var elapsed = Environment.TickCount64 - started;
            _stop.Wait(TimeSpan.FromMilliseconds(Math.Max(0, _health.IntervalMs - elapsed)));
        }
    }

    /// <summary>One round: every target must accept a TCP connection within the timeout.</summary>
    private (bool Passed, string? Failure) Probe()
    {
        var targets = _probeTargets;
        if (targets.Count == 0) return (true, null);
        using var timeout = new CancellationTokenSource(_health.Timeout);
        var attempts = targets.Select(target => Connect(target, timeout.Token)).ToArray();
        Task.WaitAll(attempts);
        var failures = attempts.Select(a => a.Result).Where(f => f is not null).ToList();
        return failures.Count == 0 ? (true, null) : (false, string.Join("; ", failures));
    }

    private static async Task<string?> Connect(IPEndPoint target, CancellationToken cancellation)
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            await socket.ConnectAsync(target, cancellation);
            return null;
        }
        catch (OperationCanceledException)
        {
            return $"connect to {target} timed out";
        }
        catch (SocketException e)
        {
            return $"connect to {target}: {e.SocketErrorCode}";
        }
    }

    public void Dispose()
    {
        _stop.Set();
        _thread.Join(TimeSpan.FromSeconds(2));
        _reports.Dispose();
        _stop.Dispose();
    }
}
