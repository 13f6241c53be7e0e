using System.Net;
using System.Net.Sockets;
using System.Text;
using Lb.Core.Addressing;
using Lb.Core.Config;
using Lb.Core.Health;
using Lb.Engine.Runtime;

namespace Lb.Engine.Health;

/// <summary>
/// The agent side of health checking (Ananta): with DSR the server listens on the VIP, so only a check from inside
/// the DIP's host proves anything. Every interval it connects to VIP:port for every TCP port of every VIP (the VIP is
/// a local address here; all ports in parallel, one timeout for the round) and, with <c>health.http</c>, sends
/// <c>GET path</c> there and wants the expected status (a server that answers 500 is as down as one that is gone);
/// it debounces the result with rise/fall and sends a <see cref="HealthReport"/> from the agent's address to every
/// mux. A VIP serving only UDP or ICMP has nothing to connect to and counts as healthy. Runs on its own thread, off
/// the packet path.
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
        var http = _health.Http;
        var attempts = targets.Select(target => http is null ? Connect(target, timeout.Token) : Get(target, http, timeout.Token)).ToArray();
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

    /// <summary>
    /// One HTTP/1.0 GET with Connection: close, as small as a check can be: only the status line is read. The reply's
    /// first line must be <c>HTTP/1.x STATUS ...</c> with the expected status.
    /// </summary>
    private static async Task<string?> Get(IPEndPoint target, HttpHealthCheck check, CancellationToken cancellation)
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        var url = $"http://{target}{check.Path}";
        try
        {
            await socket.ConnectAsync(target, cancellation);
            var request = Encoding.ASCII.GetBytes($"GET {check.Path} HTTP/1.0\r\nHost: {target.Address}\r\nUser-Agent: lbengine-health\r\nConnection: close\r\n\r\n");
            await socket.SendAsync(request, SocketFlags.None, cancellation);
            var buffer = new byte[StatusLineLimit];
            var length = 0;
            while (length < buffer.Length)
            {
                var read = await socket.ReceiveAsync(buffer.AsMemory(length), SocketFlags.None, cancellation);
                if (read == 0) break;
                length += read;
                if (buffer.AsSpan(0, length).IndexOf((byte)'\n') >= 0) break;
            }
            var status = ParseStatus(buffer.AsSpan(0, length));
            return status switch
            {
                null => $"GET {url}: no HTTP status line in the reply",
                var code when code == check.ExpectStatus => null,
                var code => $"GET {url}: status {code}, expected {check.ExpectStatus}",
            };
        }
        catch (OperationCanceledException)
        {
            return $"GET {url} timed out";
        }
        catch (SocketException e)
        {
            return $"GET {url}: {e.SocketErrorCode}";
        }
    }

    /// <summary>The first line of a reply holds the status: at most this many bytes are read for it.</summary>
    private const int StatusLineLimit = 512;

    /// <summary>The status code of <c>HTTP/1.x NNN reason</c>, or null when the bytes are not a status line.</summary>
    internal static int? ParseStatus(ReadOnlySpan<byte> reply)
    {
        var end = reply.IndexOf((byte)'\n');
        var line = end >= 0 ? reply[..end] : reply;
        if (!line.StartsWith("HTTP/1."u8) || line.Length < 12 || line[8] != (byte)' ') return null;
        var code = line.Slice(9, 3);
        if (!char.IsAsciiDigit((char)code[0]) || !char.IsAsciiDigit((char)code[1]) || !char.IsAsciiDigit((char)code[2])) return null;
        if (line.Length > 12 && line[12] is not ((byte)' ' or (byte)'\r')) return null;
        return (code[0] - '0') * 100 + (code[1] - '0') * 10 + (code[2] - '0');
    }

    public void Dispose()
    {
        _stop.Set();
        _thread.Join(TimeSpan.FromSeconds(2));
        _reports.Dispose();
        _stop.Dispose();
    }
}
