using System.Net;
using System.Net.Sockets;
using Lb.Core.Addressing;
using Lb.Core.Health;
using Lb.Engine.Runtime;

namespace Lb.Engine.Health;

/// <summary>
/// The mux's UDP socket for health reports, bound to its own address and <c>health.port</c>, on its own thread (off
/// the packet path). Feeds <see cref="DipHealthTracker"/>, checks for silent DIPs ten times per interval, and hands
/// state changes to <paramref name="changed"/> (which rebuilds the Maglev table). While the mux's own link is down
/// (<paramref name="deaf"/>) silence proves nothing about the DIPs: the check is paused, and every DIP gets dead_after
/// again from the moment the link is back, so a cut link does not leave the mux with half its pool down (a table that
/// would send the flows it gets back to other DIPs than the other muxes do).
/// </summary>
public sealed class MuxHealthListener : IDisposable
{
    private readonly DipHealthTracker _tracker;
    private readonly Action<IReadOnlyList<HealthChange>> _changed;
    private readonly EngineLog _log;
    private readonly Socket _socket;
    private readonly Thread _thread;
    private readonly Func<bool> _deaf;
    private volatile bool _running = true;

    public MuxHealthListener(Ipv4Address address, DipHealthTracker tracker, Action<IReadOnlyList<HealthChange>> changed, EngineLog log, Func<bool>? deaf = null)
    {
        _tracker = tracker;
        _deaf = deaf ?? (() => false);
        _changed = changed;
        _log = log;
        _socket = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        try
        {
            _socket.Bind(new IPEndPoint(new IPAddress(address.GetBytes()), tracker.Config.Port));
        }
        catch (SocketException e)
        {
            _socket.Dispose();
            throw new StartupException($"cannot listen for health reports on udp {address}:{tracker.Config.Port} ({e.Message}); change \"health.port\" or stop what uses it");
        }
        // The receive timeout paces the silence check (and lets the loop notice shutdown).
        _socket.ReceiveTimeout = Math.Clamp(tracker.Config.IntervalMs / 10, 10, 100);
        _thread = new Thread(Loop) { IsBackground = true, Name = "lbengine-health" };
        _thread.Start();
    }

    private void Loop()
    {
        var buffer = new byte[512];
        var changes = new List<HealthChange>();
        EndPoint sender = new IPEndPoint(IPAddress.Any, 0);
        var wasDeaf = false;
        while (_running)
        {
            try
            {
                var length = _socket.ReceiveFrom(buffer, ref sender);
                var source = Ipv4Address.FromBytes(((IPEndPoint)sender).Address.GetAddressBytes());
                var verdict = _tracker.Receive(source, buffer.AsSpan(0, length), changes);
                if (verdict != HealthReportVerdict.Accepted && _log.Verbose)
                    _log.Trace($"health datagram from {sender} {verdict.ToString().ToLowerInvariant()}");
            }
            catch (SocketException e) when (e.SocketErrorCode is SocketError.TimedOut or SocketError.WouldBlock or SocketError.ConnectionReset)
            {
            }
            catch (Exception e) when (e is SocketException or ObjectDisposedException)
            {
                if (!_running) return;
                _log.Warn($"health socket receive failed: {e.Message}");
                Thread.Sleep(100);
            }
            if (_deaf())
            {
                wasDeaf = true;
                continue;
            }
            if (wasDeaf)
            {
                wasDeaf = false;
                _tracker.RestartSilence();
                _log.Info("link back: every DIP has dead_after from now to be heard again");
            }
            _tracker.CheckSilence(changes);
            if (changes.Count == 0) continue;
            try
            {
                _changed(changes.ToArray());
            }
            catch (Exception e)
            {
                _log.Error($"applying health changes failed: {e.Message}");
            }
            changes.Clear();
        }
    }

    public void Dispose()
    {
        _running = false;
        _thread.Join(TimeSpan.FromSeconds(1));
        _socket.Dispose();
    }
}
